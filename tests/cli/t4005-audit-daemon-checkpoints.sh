#!/bin/sh
test_description='the daemon signs audit checkpoints on its own and exports
them; a partner verifies the log against the exported file'
. "$TEST_LIB"

cleanup() {
	[ -f "$TRASH/d.pid" ] && kill -KILL "$(cat "$TRASH/d.pid")" 2>/dev/null
}
trap cleanup EXIT

entries() { # N — N audit entries as JSON Lines
	i=1
	while [ "$i" -le "$1" ]; do
		echo "{\"kind\":\"access\",\"actor_kind\":2,\"actor_id\":$i,\"action\":\"view_masked\",\"decision\":\"allow\",\"clause\":\"C2.1\"}"
		i=$((i + 1))
	done
}

wait_for() { # FILE — up to 10 s
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1)); [ $i -lt 100 ] || return 1; sleep 0.1
	done
}

test_expect_success 'a daemon with checkpoints every 5 entries or 1 s' '
	lexgate init --keys keys >/dev/null &&
	lexgate db migrate --db sqlite:a.db >/dev/null &&
	{ LEXGATE_AUDIT_CHECKPOINT_EVERY=5 LEXGATE_AUDIT_CHECKPOINT_EVERY_S=1 \
	  LEXGATE_AUDIT_EXPORT_DIR=exp \
	  "$LEXGATE" serve --db sqlite:a.db --port 0 --keys keys \
		>d.out 2>d.log & echo $! >d.pid; } &&
	i=0 &&
	while ! grep -q "listening on" d.out; do
		i=$((i + 1)); [ $i -lt 300 ] || exit 1; sleep 0.1
	done
'

test_expect_success 'entries appended elsewhere are checkpointed and exported' '
	entries 12 | lexgate audit append --db sqlite:a.db >/dev/null &&
	wait_for exp/checkpoint.12 &&
	cmp exp/checkpoint exp/checkpoint.12 &&
	test "$(stat -c %a exp)" = 700 &&
	grep -q "\"event\":\"audit_checkpoint\"" d.log
'

test_expect_success 'nothing new, nothing signed' '
	sleep 2 &&
	ls exp >list &&
	test_line_count = 2 list
'

test_expect_success 'a signed-in partner fetches the same note over HTTP' '
	lexgate people bootstrap --db sqlite:a.db --email root@p.example.invalid >boot &&
	pw=$(sed -n "s/.*\"password\":\"\([^\"]*\)\".*/\1/p" boot) &&
	port=$(sed -n "s|.*http://127.0.0.1:\([0-9]*\)/.*|\1|p" d.out) &&
	test "$(curl -s -o anon -w "%{http_code}" \
		"http://127.0.0.1:$port/v1/audit/checkpoint")" = 401 &&
	curl -sf -X POST -H "Content-Type: application/json" \
		-d "{\"email\":\"root@p.example.invalid\",\"password\":\"$pw\"}" \
		"http://127.0.0.1:$port/v1/auth/sign-in" >tok &&
	token=$(sed -n "s/.*\"token\":\"\([^\"]*\)\".*/\1/p" tok) &&
	i=0 &&
	until curl -sf -H "Authorization: Bearer $token" \
		"http://127.0.0.1:$port/v1/audit/checkpoint" >fetched &&
		cmp -s fetched exp/checkpoint; do
		# a new checkpoint may land between the two reads: look again
		i=$((i + 1)); [ $i -lt 50 ] || exit 1; sleep 0.1
	done &&
	head -1 fetched | grep -q "^lexgate/"
'

test_expect_success 'a partner verifies the log against the exported file' '
	lexgate audit vkey --db sqlite:a.db --keys keys >trust &&
	lexgate audit verify --db sqlite:a.db --trust trust \
		--checkpoint exp/checkpoint
'

test_expect_success 'the exported checkpoint catches a truncated log' '
	pid=$(cat d.pid) && kill -TERM "$pid" &&
	i=0 &&
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1
	done &&
	rm -f d.pid &&
	cp a.db b.db &&
	sqlite3 b.db "DELETE FROM audit_log WHERE seq > 10;
		DELETE FROM audit_checkpoint;" &&
	test_must_fail lexgate audit verify --db sqlite:b.db --trust trust \
		--checkpoint exp/checkpoint >out 2>err
'
test_done
