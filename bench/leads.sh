#!/bin/sh
# bench/leads.sh BUILD_DIR [N] [CONCURRENCY] — intake-to-offer throughput
# over HTTP on SQLite (make bench-leads). See bench/leads.mjs.
set -eu
BUILD=${1:?usage: bench/leads.sh BUILD_DIR [N] [CONCURRENCY]}
shift
cmake --build "$BUILD" --target lexgate >/dev/null
exec node "$(dirname "$0")/leads.mjs" "$BUILD" "$@"
