#!/bin/sh
test_description='lexgate demo: keys and demo data made once, private files, logins that work, unsafe keys refused'
. "$TEST_LIB"

# start_demo LOG — start the demo daemon on a free port; sets $pid, $port.
start_demo() {
	# $LEXGATE, not the lexgate function: $! must be the daemon itself.
	"$LEXGATE" demo --db sqlite:d/lexgate.db --keys d/keys --port 0 >"$1" 2>"$1.err" &
	pid=$!
	port=
	for _ in $(seq 1 100); do
		port=$(sed -n 's|^lexgate: listening on http://127.0.0.1:\([0-9]*\)/$|\1|p' "$1")
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stop_demo LOG — SIGTERM; the daemon must drain and exit 0.
stop_demo() {
	kill -TERM "$pid" && wait "$pid"
	st=$?
	[ "$st" = 0 ] || { echo "demo exited $st" >&2; cat "$1.err" >&2; return 1; }
}

test_expect_success 'first run creates private keys and database and serves' '
	mkdir d &&
	start_demo out1 &&
	curl -sf "http://127.0.0.1:$port/healthz" | grep -q "\"ok\"" &&
	curl -sf "http://127.0.0.1:$port/readyz" >/dev/null &&
	grep -q "GET /v1/openapi.yaml" out1 &&
	stop_demo out1 &&
	test "$(stat -c %a d/keys)" = 700 &&
	test "$(stat -c %a d/keys/master.key)" = 600 &&
	test "$(stat -c %a d/keys/signing.key)" = 600 &&
	test "$(stat -c %a d/lexgate.db)" = 600 &&
	test "$(stat -c %a d/keys/demo-logins.txt)" = 600
'

test_expect_success 'the printed demo logins sign in' '
	grep -q "lawyer@firm-bj.example.invalid" out1 &&
	line=$(grep "^  lawyer@firm-bj" d/keys/demo-logins.txt) &&
	user=$(echo "$line" | awk "{print \$1}") &&
	pass=$(echo "$line" | awk "{print \$NF}") &&
	start_demo out1b &&
	curl -sf -X POST -H "Content-Type: application/json" \
		-d "{\"email\":\"$user\",\"password\":\"$pass\"}" \
		"http://127.0.0.1:$port/v1/auth/sign-in" >signin &&
	grep -q "\"token\"" signin &&
	! grep -q "$pass" out1b.err &&
	stop_demo out1b
'

test_expect_success 'a dozen demo leads were taken in, each offered or exhausted' '
	sqlite3 d/lexgate.db "SELECT COUNT(*) FROM leads" >n &&
	echo 12 >n.want && test_cmp n.want n &&
	sqlite3 d/lexgate.db "SELECT COUNT(*) FROM leads
		WHERE state NOT IN ('"'"'offered'"'"', '"'"'exhausted'"'"')" >m &&
	echo 0 >m.want && test_cmp m.want m &&
	# the demo phone numbers (1380013xxxx) are only in the vault, sealed;
	# their masked form is in the file, so the search does read it
	# every offer carries its window and a first-response
	# deadline (C5.1), as any intake through the daemon
	"$LEXGATE" sla list --db sqlite:d/lexgate.db --kind first_response >fr &&
	sqlite3 d/lexgate.db "SELECT COUNT(*) FROM lead_offers" >offers &&
	test "$(wc -l <fr)" -eq "$(cat offers)" &&
	test "$(cat offers)" -gt 0 &&
	grep -a -q "138\*\*\*\*01" d/lexgate.db &&
	! grep -a -q "1380013" d/lexgate.db &&
	! { test -f d/lexgate.db-wal && grep -a -q "1380013" d/lexgate.db-wal; }
'

test_expect_success 'a second run keeps the same keys' '
	cp d/keys/master.key master.before &&
	cp d/keys/demo-logins.txt logins.before &&
	start_demo out2 &&
	stop_demo out2 &&
	cmp master.before d/keys/master.key &&
	cmp logins.before d/keys/demo-logins.txt
'

test_expect_success 'unsafe keys are refused with one line, not replaced' '
	chmod 644 d/keys/master.key &&
	test_must_fail lexgate demo --db sqlite:d/lexgate.db --keys d/keys --port 0 >out3 2>err3 &&
	test_line_count = 1 err3 &&
	grep -q "readable by group or others" err3 &&
	cmp master.before d/keys/master.key
'
test_done
