#!/bin/sh
test_description='audit verify detects tampering on a copy of a real database'
. "$TEST_LIB"

# entries FROM TO — JSON lines of varied, realistic audit entries.
entries() {
	i=$1
	while [ "$i" -le "$2" ]; do
		case $((i % 4)) in
		0) k=access d=allow ;; 1) k=handover d=done ;;
		2) k=deletion d=done ;; *) k=access d=deny ;;
		esac
		printf '{"kind":"%s","time_ms":%d,"actor_kind":2,"actor_id":%d,' \
			"$k" $((1767225600000 + i * 1000)) $((100 + i % 5))
		printf '"actor_firm":%d,"actor_role":"lawyer","action":"reveal",' $((1 + i % 3))
		printf '"resource_type":"lead","resource_id":"L%d","subject":"%064x",' "$i" "$i"
		printf '"field":"phone","purpose":"consultation","decision":"%s",' "$d"
		printf '"reason":"%s","clause":"C4.3","request_id":"req-%d"}\n' \
			"$([ $d = deny ] && echo not_trained)" "$i"
		i=$((i + 1))
	done
}

# verify DB [ARGS] — the verifier with the trust file $TRUST.
TRUST=trust
verify() {
	db=$1; shift
	lexgate audit verify --db "sqlite:$db" --trust "$TRUST" "$@"
}

# flip LINE COL FILE — FILE with the character at LINE:COL changed
# (to A, or to B when it was A).
flip() {
	awk -v n="$1" -v k="$2" 'NR == n { c = substr($0, k, 1);
		$0 = substr($0, 1, k - 1) (c == "A" ? "B" : "A") substr($0, k + 1) }
		{ print }' "$3"
}

# detected DB FAILURE [ARGS] — verify exits 1 with one stderr line and the
# JSON names FAILURE.
detected() {
	db=$1; want=$2; shift 2
	verify "$db" --json "$@" >v.json 2>v.err
	st=$?
	if [ "$st" != 1 ]; then
		echo "verify exit $st, want 1 ($want)"; cat v.json v.err; return 1
	fi
	test_line_count = 1 v.err || return 1
	grep -q "\"ok\":false" v.json && grep -q "\"failure\":\"$want\"" v.json || {
		echo "want $want:"; cat v.json; return 1; }
}

test_expect_success 'a real log: 80 entries, checkpoints at 60 and 80' '
	lexgate init --keys keys >/dev/null 2>&1 &&
	lexgate db migrate --db sqlite:a.db >/dev/null &&
	lexgate audit vkey --db sqlite:a.db --keys keys >trust &&
	entries 1 60 | lexgate audit append --db sqlite:a.db &&
	lexgate audit checkpoint --db sqlite:a.db --keys keys --export ext >/dev/null &&
	sqlite3 a.db ".backup old60.db" &&
	entries 61 80 | lexgate audit append --db sqlite:a.db &&
	lexgate audit checkpoint --db sqlite:a.db --keys keys --export ext >cp.txt &&
	test -f ext/checkpoint.60 && test -f ext/checkpoint.80 &&
	cmp ext/checkpoint cp.txt &&
	verify a.db --checkpoint ext/checkpoint.60 --checkpoint ext/checkpoint.80 \
		--state seen >out &&
	grep -q "^ok: 80 entries, 4 checkpoints checked" out &&
	sqlite3 a.db ".backup base.db" &&
	verify base.db --json >v.json &&
	grep -q "^{\"ok\":true,\"size\":80," v.json
'

test_expect_success 'the encoding in docs/audit.md, done by node, gives our leaves' '
	sqlite3 -json base.db "SELECT seq, time_ms, kind, actor_kind, actor_id,
		actor_firm, actor_role, action, resource_type, resource_id,
		hex(subject) AS subject, field, purpose, decision, reason, clause,
		request_id, hex(leaf) AS leaf FROM audit_log ORDER BY seq" >rows.json &&
	node "$LEXGATE_SRC/tests/cli/t4001-leaf.mjs" check <rows.json
'

# Columns an edit may hit (the checkpoint note separately below).
cols="time_ms kind actor_kind actor_id actor_firm actor_role action
resource_type resource_id subject field purpose decision reason clause
request_id leaf"

test_expect_success '200 random single-byte edits: every one detected' '
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d " ") &&
	echo "seed $seed" &&
	awk -v seed="$seed" -v cols="$cols" "BEGIN {
		srand(seed); n = split(cols, c, \" \");
		for (t = 0; t < 200; t++)
			printf \"%d %s %d %d\\n\", 1 + int(rand() * 80),
				c[1 + int(rand() * n)], 1 + int(rand() * 64),
				int(rand() * 1000000)
	}" >trials &&
	test_line_count = 200 trials &&
	hits=0 &&
	while read -r seq col pos r; do
		{ cp base.db t.db &&
		typ=$(sqlite3 t.db "SELECT typeof($col) FROM audit_log WHERE seq = $seq") &&
		case $typ in
		integer)
			b=$((pos % 7)) &&
			sql="UPDATE audit_log SET $col = $col + (1 << ($b * 8)) * (1 - 2 * ($r % 2)) WHERE seq = $seq" ;;
		blob)
			len=$(sqlite3 t.db "SELECT length($col) FROM audit_log WHERE seq = $seq") &&
			p=$(( (pos - 1) % len + 1 )) &&
			old=$(sqlite3 t.db "SELECT hex(substr($col, $p, 1)) FROM audit_log WHERE seq = $seq") &&
			new=$(printf "%02X" $(( (0x$old + 1 + r % 255) % 256 ))) &&
			sql="UPDATE audit_log SET $col = substr($col, 1, $p - 1) || X'\''$new'\'' || substr($col, $p + 1) WHERE seq = $seq" ;;
		*)
			len=$(sqlite3 t.db "SELECT length($col) FROM audit_log WHERE seq = $seq") &&
			if [ "$len" = 0 ]; then
				sql="UPDATE audit_log SET $col = char(97 + $r % 26) WHERE seq = $seq"
			else
				p=$(( (pos - 1) % len + 1 )) &&
				sql="UPDATE audit_log SET $col = substr($col, 1, $p - 1) || char((unicode(substr($col, $p, 1)) - 32 + 1 + $r % 94) % 95 + 32) || substr($col, $p + 1) WHERE seq = $seq"
			fi ;;
		esac &&
		sqlite3 t.db "$sql" &&
		a=$(sqlite3 base.db "SELECT quote($col) FROM audit_log WHERE seq = $seq") &&
		b=$(sqlite3 t.db "SELECT quote($col) FROM audit_log WHERE seq = $seq") &&
		[ "$a" != "$b" ]; } || { echo "edit failed or changed nothing: $seq $col"; exit 1; }
		verify t.db --json --checkpoint ext/checkpoint.80 >v.json 2>v.err
		st=$?
		if [ "$st" != 1 ]; then
			echo "NOT DETECTED (exit $st): seq $seq col $col: $sql"; cat v.json v.err; exit 1
		fi
		hits=$((hits + 1))
	done <trials &&
	test "$hits" = 200
'

test_expect_success 'edits of a stored checkpoint note are refused' '
	for pos in 3 30 60 100 140; do
		cp base.db t.db &&
		sqlite3 t.db "UPDATE audit_checkpoint SET note = substr(note, 1, $pos - 1) || char((unicode(substr(note, $pos, 1)) + 1) % 128) || substr(note, $pos + 1) WHERE id = 2" &&
		test_must_fail verify t.db 2>err >/dev/null &&
		test_line_count = 1 err || exit 1
	done
'

test_expect_success 'a deleted middle row is a sequence gap at its index' '
	cp base.db t.db &&
	sqlite3 t.db "DELETE FROM audit_log WHERE seq = 30" &&
	detected t.db sequence_gap &&
	grep -q "\"index\":29" v.json
'

test_expect_success 'two swapped rows (leaves and all) are detected' '
	cp base.db t.db &&
	sqlite3 t.db "UPDATE audit_log SET seq = -1 WHERE seq = 20;
		UPDATE audit_log SET seq = 20 WHERE seq = 21;
		UPDATE audit_log SET seq = 21 WHERE seq = -1" &&
	detected t.db leaf_mismatch &&
	grep -q "\"index\":19" v.json
'

test_expect_success 'an edit with its leaf recomputed is caught by the checkpoints' '
	cp base.db t.db &&
	sqlite3 t.db "UPDATE audit_log SET decision = '\''allow'\'', reason = '\'''\''
		WHERE seq = 7" &&
	sqlite3 -json t.db "SELECT seq, time_ms, kind, actor_kind, actor_id,
		actor_firm, actor_role, action, resource_type, resource_id,
		hex(subject) AS subject, field, purpose, decision, reason, clause,
		request_id, hex(leaf) AS leaf FROM audit_log ORDER BY seq" |
		node "$LEXGATE_SRC/tests/cli/t4001-leaf.mjs" patch >patch.sql &&
	test_line_count = 80 patch.sql &&
	sqlite3 t.db <patch.sql &&
	detected t.db root_mismatch &&
	grep -q "\"index\":59" v.json &&
	verify t.db --no-stored >out &&
	grep -q "^ok: 80" out
'

test_expect_success 'truncating the last 1..10 entries is caught by an earlier external checkpoint' '
	k=1 &&
	while [ $k -le 10 ]; do
		cp base.db t.db &&
		keep=$((80 - k)) &&
		sqlite3 t.db "DELETE FROM audit_log WHERE seq > $keep;
			DELETE FROM audit_checkpoint WHERE tree_size > $keep" &&
		verify t.db >/dev/null &&
		detected t.db truncated --checkpoint ext/checkpoint.80 &&
		grep -q "\"index\":$keep" v.json &&
		detected t.db rollback --state seen || exit 1
		k=$((k + 1))
	done
'

test_expect_success 'a rollback to an old backup is caught by the size-seen state' '
	verify old60.db >out &&
	grep -q "^ok: 60 entries" out &&
	cp seen seen.before &&
	detected old60.db rollback --state seen &&
	grep -q "\"index\":60" v.json &&
	cmp seen seen.before &&
	detected old60.db truncated --checkpoint ext/checkpoint.80
'

test_expect_success 'a rewritten log with a forged state file still fails the checkpoint' '
	printf "lexgate-audit-seen 1\n80\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n" >bad.seen &&
	detected base.db rollback --state bad.seen &&
	printf "garbage\n" >junk.seen &&
	test_must_fail verify base.db --state junk.seen 2>err &&
	test_line_count = 1 err &&
	test_must_fail verify base.db --state junk.seen --json >v.json 2>/dev/null &&
	grep -q "^{\"ok\":false,\"failure\":\"error\",\"detail\":\"state file malformed\"}$" v.json
'

test_expect_success 'wrong, unknown and retired keys and another origin are refused' '
	lexgate init --keys keys2 >/dev/null 2>&1 &&
	lexgate audit vkey --db sqlite:a.db --keys keys2 >trust2 &&
	lexgate audit verify --db sqlite:base.db --trust trust2 --json >v.json 2>v.err;
	test $? = 1 && grep -q "\"failure\":\"unknown_key\"" v.json &&
	lexgate audit verify --db sqlite:base.db --trust trust2 --no-stored \
		--checkpoint ext/checkpoint.80 --json >v.json 2>/dev/null;
	grep -q "\"failure\":\"unknown_key\"" v.json &&
	sed "s/\$/ until=59/" trust >retired &&
	lexgate audit verify --db sqlite:base.db --trust retired --json >v.json 2>/dev/null;
	grep -q "\"failure\":\"retired_key\"" v.json &&
	sed "s/\$/ until=80/" trust >retired80 &&
	lexgate audit verify --db sqlite:base.db --trust retired80 >/dev/null &&
	cat trust2 retired >both &&
	lexgate audit verify --db sqlite:base.db --trust both --json >v.json 2>/dev/null;
	grep -q "\"failure\":\"retired_key\"" v.json &&
	flip 3 1 ext/checkpoint.80 >forged &&
	! cmp -s forged ext/checkpoint.80 &&
	detected base.db bad_signature --checkpoint forged &&
	lexgate db migrate --db sqlite:b.db >/dev/null &&
	entries 1 80 | lexgate audit append --db sqlite:b.db &&
	lexgate audit checkpoint --db sqlite:b.db --keys keys >other.cp &&
	cat trust >trustab &&
	lexgate audit vkey --db sqlite:b.db --keys keys >>trustab &&
	TRUST=trustab &&
	detected base.db wrong_origin --checkpoint other.cp
'

test_expect_success 'inclusion proofs check out offline; forged and mutated ones do not' '
	lexgate audit prove --db sqlite:base.db --index 41 --size 80 >p &&
	lexgate audit check-proof --proof p --checkpoint ext/checkpoint.80 --trust trust >out &&
	grep -q "^ok: entry 41 is in lexgate/" out &&
	n=$(grep -c "^path " p) && test "$n" -ge 6 &&
	i=5 &&
	while [ $i -le $((n + 4)) ]; do
		flip $i 6 p >bad &&
		! cmp -s p bad &&
		test_must_fail lexgate audit check-proof --proof bad \
			--checkpoint ext/checkpoint.80 --trust trust 2>err &&
		test_line_count = 1 err || exit 1
		i=$((i + 1))
	done &&
	sed "2s/41/42/" p >bad && test_must_fail lexgate audit check-proof \
		--proof bad --checkpoint ext/checkpoint.80 --trust trust 2>/dev/null &&
	flip 4 6 p >bad && test_must_fail \
		lexgate audit check-proof --proof bad --checkpoint ext/checkpoint.80 \
		--trust trust 2>/dev/null &&
	sed "\$d" p >bad && test_must_fail lexgate audit check-proof --proof bad \
		--checkpoint ext/checkpoint.80 --trust trust 2>/dev/null &&
	test_must_fail lexgate audit check-proof --proof p \
		--checkpoint ext/checkpoint.60 --trust trust 2>/dev/null &&
	test_must_fail lexgate audit check-proof --proof p \
		--checkpoint ext/checkpoint.80 --trust trust2 2>/dev/null &&
	test_must_fail lexgate audit check-proof --proof p \
		--checkpoint forged --trust trust 2>/dev/null
'

test_expect_success 'consistency proofs: 60 -> 80 checks out; forged ones do not' '
	lexgate audit prove --db sqlite:base.db --from 60 --size 80 >c &&
	lexgate audit check-proof --proof c --old-checkpoint ext/checkpoint.60 \
		--checkpoint ext/checkpoint.80 --trust trust >out &&
	grep -q "at size 80 extends size 60" out &&
	flip 4 6 c >bad && ! cmp -s c bad &&
	test_must_fail lexgate audit check-proof --proof bad --old-checkpoint \
		ext/checkpoint.60 --checkpoint ext/checkpoint.80 --trust trust 2>/dev/null &&
	test_must_fail lexgate audit check-proof --proof c --old-checkpoint \
		ext/checkpoint.80 --checkpoint ext/checkpoint.60 --trust trust 2>/dev/null &&
	test_must_fail lexgate audit check-proof --proof c --old-checkpoint \
		other.cp --checkpoint ext/checkpoint.80 --trust trust 2>/dev/null &&
	test_must_fail lexgate audit check-proof --proof c \
		--checkpoint ext/checkpoint.80 --trust trust 2>/dev/null
'

test_expect_success 'usage errors are one line and exit 2' '
	for args in "prove --db sqlite:base.db" "prove --index x" \
		"prove --index 1 --from 2" "check-proof --proof p" \
		"verify --bogus" "merkle-selftest extra"; do
		lexgate audit $args >/dev/null 2>err
		st=$?
		test "$st" = 2 && test_line_count = 1 err || { echo "$args: $st"; exit 1; }
	done
'
test_done
