#!/bin/sh
# bench/policy.sh — policy decisions per second: lexgate vs casbin and
# cedar-wasm on the same requests, in the same run (make bench-policy).
#
#   bench/policy.sh [BUILD_DIR]        (default: build)
#
# 1. builds bench_policy (bench/policy.c) in BUILD_DIR and runs it: JSON
#    lines for the "mixed" fact set and the "reveal_rule" requests;
# 2. installs the npm packages casbin and @cedar-policy/cedar-wasm under
#    BUILD_DIR/bench-npm (npm install --no-save), unless already there;
# 3. runs bench/policy-npm.mjs on the same N reveal_rule requests, which
#    prints µs per decision and lexgate's speed-up for each engine, and
#    fails if any engine allows a different number of requests.
#
# POLICY_BENCH_N sets N (default 20000; cedar's isAuthorized takes ~0.2 ms
# a request here, so larger N mostly waits on cedar).
set -eu

BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=${POLICY_BENCH_N:-20000}
NPM_DIR="$BUILD/bench-npm"

case "$N" in
'' | *[!0-9]*) echo "policy.sh: POLICY_BENCH_N must be a number" >&2; exit 2 ;;
esac

BIN="$BUILD/bench_policy"
cmake --build "$BUILD" --target bench_policy >/dev/null

OUT=$("$BIN" "$N")
printf '%s\n' "$OUT"
rule=$(printf '%s\n' "$OUT" | grep '"set":"reveal_rule"')
ns=$(printf '%s\n' "$rule" | sed -n 's/.*"ns_per_decision":\([0-9.]*\).*/\1/p')
allowed=$(printf '%s\n' "$rule" | sed -n 's/.*"allowed_per_pass":\([0-9]*\).*/\1/p')
if [ -z "$ns" ] || [ -z "$allowed" ]; then
	echo "policy.sh: no reveal_rule figures from $BIN" >&2
	exit 1
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	echo "policy.sh: node/npm not found; npm comparison skipped" >&2
	exit 1
fi
have() { [ -f "$NPM_DIR/node_modules/$1/package.json" ]; }
if ! have casbin || ! have @cedar-policy/cedar-wasm; then
	mkdir -p "$NPM_DIR"
	if ! npm install --no-save --no-audit --no-fund --prefix "$NPM_DIR" \
		casbin @cedar-policy/cedar-wasm >"$NPM_DIR/install.log" 2>&1; then
		echo "policy.sh: npm install of both failed (see $NPM_DIR/install.log); trying casbin alone" >&2
		npm install --no-save --no-audit --no-fund --prefix "$NPM_DIR" \
			casbin >>"$NPM_DIR/install.log" 2>&1
	fi
fi

node "$SRC/bench/policy-npm.mjs" "$NPM_DIR" "$N" "$ns" "$allowed"
