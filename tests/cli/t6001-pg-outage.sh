#!/bin/sh
test_description='PostgreSQL down and back: readyz is 503 store-unavailable
while it is down and 200 again after, with no restart of lexgate; a daemon
cannot start against a server that is down (one line, exit 1)'
. "$TEST_LIB"

PGDIR=$(mktemp -d /tmp/lexgate-t6001-pg.XXXXXX)
cleanup() {
	[ -f "$TRASH/d.pid" ] && kill -KILL "$(cat "$TRASH/d.pid")" 2>/dev/null
	"$LEXGATE_SRC/scripts/pg-cluster" stop "$PGDIR" >/dev/null 2>&1
	rm -rf "$PGDIR"
}
trap cleanup EXIT

for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && have_pg=1
done
if [ -z "${have_pg:-}" ]; then
	echo "# no PostgreSQL server installed: skipped"
	test_done
fi

# status PATH — the HTTP status of GET PATH on the daemon.
status() {
	curl -s -o body -w '%{http_code}' "http://127.0.0.1:$(cat port)$1"
}

test_expect_success 'a cluster and a daemon on it' '
	"$LEXGATE_SRC/scripts/pg-cluster" start "$PGDIR" >pgurl &&
	lexgate init --keys keys >/dev/null &&
	{ "$LEXGATE" serve --db "$(cat pgurl)" --port 0 --keys keys \
		>d.out 2>d.log & echo $! >d.pid; } &&
	i=0 &&
	while ! grep -q "listening on" d.out; do
		i=$((i + 1)); [ $i -lt 300 ] || exit 1; sleep 0.1
	done &&
	sed -n "s|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p" d.out >port &&
	test "$(status /readyz)" = 200
'

test_expect_success 'server down: readyz is 503 store-unavailable, healthz 200' '
	"$LEXGATE_SRC/scripts/pg-cluster" stop "$PGDIR" &&
	test "$(status /readyz)" = 503 &&
	grep -q "urn:lexgate:problem:store-unavailable" body &&
	! grep -q "postgres://" body &&
	test "$(status /healthz)" = 200
'

test_expect_success 'server back on the same port: readyz 200, no restart' '
	pid=$(cat d.pid) &&
	port=$(cat "$PGDIR/port") &&
	bindir=$(ls -d /usr/lib/postgresql/*/bin | tail -1) &&
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$bindir/pg_ctl" -D "$PGDIR/data" \
			-l "$PGDIR/server.log" -w -o "-p $port -k $PGDIR -c listen_addresses=127.0.0.1" start >/dev/null
	else
		"$bindir/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
			-o "-p $port -k $PGDIR -c listen_addresses=127.0.0.1" start >/dev/null
	fi &&
	i=0 &&
	until test "$(status /readyz)" = 200; do
		i=$((i + 1)); [ $i -lt 50 ] || exit 1; sleep 0.1
	done &&
	kill -0 "$pid"
'

test_expect_success 'the daemon stops cleanly and logged no URL or password' '
	pid=$(cat d.pid) && kill -TERM "$pid" &&
	i=0 &&
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1
	done &&
	rm -f d.pid &&
	grep -q "\"event\":\"http_stopped\"" d.log &&
	! grep -q "postgres://" d.log &&
	! grep -E "Sanitizer|runtime error" d.log
'

test_expect_success 'a daemon cannot start against a server that is down' '
	"$LEXGATE_SRC/scripts/pg-cluster" stop "$PGDIR" &&
	test_must_fail "$LEXGATE" serve --db "$(cat pgurl)" --port 0 --keys keys \
		>out 2>err &&
	test_line_count = 1 err &&
	grep -q "cannot connect to PostgreSQL" err &&
	! grep -q "postgres://" err
'
test_done
