#!/bin/sh
# bench/store.sh BUILD_DIR — durable commits/s on SQLite and PostgreSQL in
# one run (make bench-store): starts a throw-away PostgreSQL cluster
# (scripts/pg-cluster, fsync on), runs bench_store with LX_BENCH_PG_URL
# set, stops the cluster. Arguments after BUILD_DIR go to bench_store
# ([units] [threads], default 10000 64).
set -eu
BUILD=${1:?usage: bench/store.sh BUILD_DIR [units] [threads]}
shift
SRC=$(cd "$(dirname "$0")/.." && pwd)
cmake --build "$BUILD" --target bench_store >/dev/null
dir=$(mktemp -d /tmp/lexgate-bench-pg.XXXXXX)
trap '"$SRC/scripts/pg-cluster" stop "$dir"; rm -rf "$dir"' EXIT
LX_BENCH_PG_URL=$("$SRC/scripts/pg-cluster" start "$dir")
export LX_BENCH_PG_URL
"$BUILD/bench_store" "$@"
