#!/bin/sh
test_description='SLA deadlines fire exactly once: two daemons on one
PostgreSQL with one killed -9 mid-run, and a SQLite daemon killed -9
before its deadlines and restarted after them (they fire at start, late)'
. "$TEST_LIB"

# Milliseconds since the epoch, and ISO 8601 (UTC, ms) of an instant.
now_ms() { date +%s%3N; }
iso_ms() {
	date -u -d "@$(($1 / 1000)).$(printf %03d $(($1 % 1000)))" \
		+%Y-%m-%dT%H:%M:%S.%3NZ
}
iso_in() { iso_ms $(( $(now_ms) + $1 )); }

# wait_listening OUTFILE PID — the daemon printed its listening line.
wait_listening() {
	i=0
	while ! grep -q 'listening on' "$1" 2>/dev/null; do
		kill -0 "$2" 2>/dev/null || return 1
		i=$((i + 1))
		[ $i -lt 300 ] || return 1
		sleep 0.1
	done
}

stop_daemon() { # PIDFILE
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	kill -TERM "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null
	rm -f "$1"
}

have_pg=
for d in /usr/lib/postgresql/*/bin; do
	[ -x "$d/initdb" ] && have_pg=1
done
PGDIR=$(mktemp -d /tmp/lexgate-t8000-pg.XXXXXX)
cleanup() {
	stop_daemon "$TRASH/a.pid"
	stop_daemon "$TRASH/b.pid"
	stop_daemon "$TRASH/c.pid"
	"$LEXGATE_SRC/scripts/pg-cluster" stop "$PGDIR" >/dev/null 2>&1
	rm -rf "$PGDIR"
}
trap cleanup EXIT

test_expect_success 'keys for the daemons' '
	lexgate init --keys keys >/dev/null
'

# ---- SQLite: kill -9 before the deadlines, restart after them -------------

test_expect_success 'sqlite: a daemon is up' '
	lexgate db migrate --db sqlite:s.db >/dev/null &&
	{ "$LEXGATE" serve --db sqlite:s.db --port 0 --keys keys \
		>c.out 2>c.log & echo $! >c.pid; } &&
	wait_listening c.out "$(cat c.pid)"
'
test_expect_success 'sqlite: 20 deadlines due in 6 s, daemon killed -9 first' '
	due_ms=$(( $(now_ms) + 6000 )) && echo $due_ms >due_ms &&
	due=$(iso_ms $due_ms) &&
	i=1 &&
	while [ $i -le 20 ]; do
		lexgate sla schedule --db sqlite:s.db --kind first_response \
			--object $i --firm 7 --due "$due" >/dev/null || exit 1
		i=$((i + 1))
	done &&
	kill -KILL "$(cat c.pid)" && rm -f c.pid &&
	test "$(now_ms)" -lt "$due_ms" &&
	lexgate sla list --db sqlite:s.db --open >open &&
	test_line_count = 20 open
'
test_expect_success 'sqlite: restarted after the deadlines (and the grace)' '
	while [ $(now_ms) -le $(( $(cat due_ms) + 5500 )) ]; do
		sleep 0.2
	done &&
	lexgate sla list --db sqlite:s.db --open >open &&
	test_line_count = 20 open &&
	{ "$LEXGATE" serve --db sqlite:s.db --port 0 --keys keys \
		>c.out 2>c.log & echo $! >c.pid; } &&
	wait_listening c.out "$(cat c.pid)" &&
	i=0 &&
	while lexgate sla list --db sqlite:s.db --open | grep -q .; do
		i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1
	done
'
test_expect_success 'sqlite: each fired once, at start, marked late' '
	pid=$(cat c.pid) &&
	lexgate sla list --db sqlite:s.db >all &&
	test_line_count = 20 all &&
	test "$(grep -c "\"state\":\"fired\"" all)" = 20 &&
	test "$(grep -c "\"late\":true" all)" = 20 &&
	test "$(grep -c ":$pid\"" all)" = 20 &&
	sqlite3 s.db "SELECT COUNT(*), COUNT(DISTINCT object_ref) FROM violation
		WHERE clause = '\''C5.1'\''" >v &&
	echo "20|20" >v.want && test_cmp v.want v &&
	grep "\"event\":\"sla_breach\"" c.log >breach &&
	test_line_count = 20 breach &&
	stop_daemon c.pid &&
	! grep -E "Sanitizer|runtime error" c.log
'

# ---- PostgreSQL: two daemons, one killed -9 mid-run ----------------------

if [ -z "$have_pg" ]; then
	echo "# no PostgreSQL server installed: two-daemon part skipped"
	test_done
fi

test_expect_success 'pg: a throw-away cluster, migrated' '
	"$LEXGATE_SRC/scripts/pg-cluster" start "$PGDIR" >pgurl &&
	lexgate db migrate --db "$(cat pgurl)" >/dev/null
'
test_expect_success 'pg: two daemons on it' '
	url=$(cat pgurl) &&
	{ "$LEXGATE" serve --db "$url" --port 0 --keys keys \
		>a.out 2>a.log & echo $! >a.pid; } &&
	{ "$LEXGATE" serve --db "$url" --port 0 --keys keys \
		>b.out 2>b.log & echo $! >b.pid; } &&
	cp a.pid a.pid0 && cp b.pid b.pid0 &&
	wait_listening a.out "$(cat a.pid)" &&
	wait_listening b.out "$(cat b.pid)"
'
test_expect_success 'pg: 500 deadlines due over the next 2-6 s' '
	url=$(cat pgurl) &&
	base=$(( $(now_ms) + 2000 )) &&
	psql -q -v ON_ERROR_STOP=1 "$url" -c "INSERT INTO sla_timer
		(kind, object_id, firm_id, start_ms, due_ms, state, late, created_ms)
		SELECT '\''first_response'\'', g, 1 + g % 9, $base - 1800000,
		$base + g * 8, '\''open'\'', 0, $base FROM generate_series(1, 495) g" &&
	i=496 &&
	while [ $i -le 500 ]; do
		lexgate sla schedule --db "$url" --kind complaint --object $i \
			--firm 3 --due "$(iso_in 4000)" >/dev/null || exit 1
		i=$((i + 1))
	done &&
	lexgate sla list --db "$url" --open >open &&
	test_line_count = 500 open
'
test_expect_success 'pg: daemon a killed -9 in the middle of the run' '
	url=$(cat pgurl) &&
	i=0 &&
	while :; do
		n=$(psql -At "$url" -c "SELECT COUNT(*) FROM sla_timer
			WHERE state = '\''fired'\''") &&
		[ "$n" -ge 100 ] && break
		i=$((i + 1)); [ $i -lt 300 ] || exit 1; sleep 0.05
	done &&
	kill -KILL "$(cat a.pid)" && rm -f a.pid &&
	test "$n" -lt 500
'
test_expect_success 'pg: daemon b finishes the work' '
	url=$(cat pgurl) &&
	i=0 &&
	while :; do
		n=$(psql -At "$url" -c "SELECT COUNT(*) FROM sla_timer
			WHERE state = '\''open'\''") &&
		[ "$n" = 0 ] && break
		i=$((i + 1)); [ $i -lt 300 ] || exit 1; sleep 0.1
	done
'
test_expect_success 'pg: every deadline fired exactly once' '
	url=$(cat pgurl) &&
	lexgate sla list --db "$url" >all &&
	test_line_count = 500 all &&
	test "$(grep -c "\"state\":\"fired\"" all)" = 500 &&
	lexgate sla list --db "$url" --open >open &&
	test_line_count = 0 open &&
	psql -At "$url" -c "SELECT COUNT(*), COUNT(DISTINCT object_ref)
		FROM violation" >v &&
	echo "500|500" >v.want && test_cmp v.want v &&
	psql -At "$url" -c "SELECT COUNT(*) FROM violation v JOIN sla_timer t
		ON v.evidence_ref = '\''sla_timer:'\'' || t.id
		WHERE v.kind = t.kind AND v.at_ms = t.due_ms" >j &&
	echo 500 >j.want && test_cmp j.want j &&
	psql -At "$url" -c "SELECT DISTINCT fired_by FROM sla_timer" >by &&
	! grep -v -e ":$(cat a.pid0)\$" -e ":$(cat b.pid0)\$" by &&
	cat a.log b.log | grep "\"event\":\"sla_breach\"" |
		sed "s/.*\"timer\":\([0-9]*\).*/\1/" | sort >ids &&
	test "$(uniq -d ids | wc -l)" = 0 &&
	test "$(wc -l <ids)" -le 500 &&
	grep -q "\"event\":\"sla_breach\"" b.log
'
test_expect_success 'pg: daemon b stops cleanly' '
	pid=$(cat b.pid) &&
	kill -TERM "$pid" &&
	i=0 &&
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1
	done &&
	rm -f b.pid &&
	grep -q "\"event\":\"http_stopped\"" b.log &&
	! grep -E "Sanitizer|runtime error" a.log b.log
'
test_done
