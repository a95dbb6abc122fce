#!/bin/sh
# tests/lib/with-pg.sh DIR CMD... — run CMD with LX_TEST_BACKEND=postgres and
# LX_TEST_PG_URL naming the throw-away cluster that the CTest fixture
# pg/start made in DIR (scripts/pg-cluster).
set -eu
dir=$1
shift
[ -f "$dir/port" ] || { echo "with-pg: no cluster in $dir (pg/start did not run)" >&2; exit 1; }
LX_TEST_PG_URL=$("$LEXGATE_SRC/scripts/pg-cluster" url "$dir")
LX_TEST_BACKEND=postgres
export LX_TEST_PG_URL LX_TEST_BACKEND
exec "$@"
