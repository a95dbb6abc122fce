#!/bin/sh
# bench/scan.sh BUILD_DIR [MB] — conduct-scan throughput (make bench-scan).
#
# Builds bench_scan, which generates a seeded ~100 MB Chinese chat corpus
# and measures the full rule pack and raw vectorscan on the pack's literals
# (single thread, one call per message); then runs the npm libraries
# mint-filter and ahocorasick (installed into BUILD_DIR/bench-npm) on the
# same bytes. Prints JSON lines, then the ratios.
set -eu
build=${1:?usage: bench/scan.sh BUILD_DIR [MB]}
mb=${2:-100}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-scan.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --build "$build" --target bench_scan >/dev/null
"$build/bench_scan" --mb "$mb" --out "$work" | tee "$work/c.jsonl"

npm_dir="$build/bench-npm"
if [ ! -d "$npm_dir/node_modules/mint-filter" ] || [ ! -d "$npm_dir/node_modules/ahocorasick" ]; then
	mkdir -p "$npm_dir"
	npm install --no-save --no-audit --no-fund --prefix "$npm_dir" \
		mint-filter@4.0.3 ahocorasick@1.0.2 >/dev/null
fi
node "$src/bench/scan-npm.mjs" "$work/corpus.txt" "$work/literals.txt" \
	"$npm_dir/node_modules" | tee "$work/npm.jsonl"

cat "$work/c.jsonl" "$work/npm.jsonl" | awk '
{
	match($0, /"impl":"[^"]*"/); impl = substr($0, RSTART + 8, RLENGTH - 9)
	match($0, /"mb_per_s":[0-9.]+/); v[impl] = substr($0, RSTART + 11, RLENGTH - 11) + 0
	match($0, /"cpu_mb_per_s":[0-9.]+/); cv[impl] = substr($0, RSTART + 15, RLENGTH - 15) + 0
}
END {
	printf "{\"bench\":\"scan\",\"summary\":true,\"pack_mb_per_s\":%.1f,\"pack_cpu_mb_per_s\":%.1f,\"goal_mb_per_s\":300,\"pack_vs_raw_literals\":%.2f,\"pack_vs_mint_filter\":%.1f,\"pack_vs_ahocorasick\":%.1f}\n",
		v["lexgate-pack"], cv["lexgate-pack"], v["lexgate-pack"] / v["vectorscan-literals"],
		v["lexgate-pack"] / v["npm-mint-filter"], v["lexgate-pack"] / v["npm-ahocorasick"]
}'
