#!/bin/sh
test_description='audit query: filters, keyset pages, and refusals'
. "$TEST_LIB"

test_expect_success 'a log of 30 entries from three firms' '
	lexgate db migrate --db sqlite:q.db >/dev/null &&
	i=1 &&
	while [ $i -le 30 ]; do
		printf "{\"kind\":\"%s\",\"time_ms\":%d,\"actor_kind\":2,\"actor_id\":%d,\"actor_firm\":%d,\"action\":\"%s\",\"subject\":\"%02x\",\"clause\":\"%s\",\"reason\":\"a \\\\\"quoted\\\\\" code\"}\n" \
			"$([ $((i % 2)) = 0 ] && echo access || echo handover)" \
			$((1767225600000 + i * 60000)) $((100 + i % 4)) $((1 + i % 3)) \
			"$([ $((i % 5)) = 0 ] && echo shred || echo reveal)" $((i % 7)) \
			"$([ $((i % 5)) = 0 ] && echo C7.2 || echo C4.3)"
		i=$((i + 1))
	done >in.jsonl &&
	lexgate audit append --db sqlite:q.db <in.jsonl >out &&
	grep -q "^appended 30 entries$" out
'

test_expect_success 'a firm sees only its own staff, in seq order' '
	lexgate audit query --db sqlite:q.db --firm 2 >f2 &&
	test_line_count = 10 f2 &&
	! grep -v "\"actor_firm\":2," f2 &&
	sed "s/^{\"seq\":\([0-9]*\),.*/\1/" f2 >seqs &&
	sort -n seqs | cmp - seqs &&
	grep -q "\"reason\":\"a \\\\\"quoted\\\\\" code\"" f2
'

test_expect_success 'filters combine: kind, action, clause, subject, actor, time' '
	lexgate audit query --db sqlite:q.db --kind access --clause C7.2 >o &&
	test_line_count = 3 o &&
	lexgate audit query --db sqlite:q.db --action shred --firm 1 >o &&
	test_line_count = 2 o &&
	lexgate audit query --db sqlite:q.db --subject 03 >o &&
	test_line_count = 4 o &&
	lexgate audit query --db sqlite:q.db --actor 101 >o &&
	test_line_count = 8 o &&
	lexgate audit query --db sqlite:q.db --since 2026-01-01T08:05:00+08:00 \
		--until 2026-01-01T08:10:00+08:00 >o &&
	test_line_count = 5 o &&
	head -1 o | grep -q "^{\"seq\":5,"
'

test_expect_success 'pages of 7 walk the whole log exactly once' '
	after=0 && : >all &&
	while :; do
		if [ "$after" = 0 ]; then
			lexgate audit query --db sqlite:q.db --limit 7 >page || exit 1
		else
			lexgate audit query --db sqlite:q.db --limit 7 --after $after >page || exit 1
		fi
		grep "^{\"seq\"" page >>all
		next=$(sed -n "s/^{\"next_after\":\([0-9]*\)}$/\1/p" page)
		[ -n "$next" ] || break
		after=$next
	done &&
	test_line_count = 30 all &&
	sed "s/^{\"seq\":\([0-9]*\),.*/\1/" all >seqs &&
	seq 1 30 | cmp - seqs
'

test_expect_success 'bad filters are usage errors, one line' '
	for args in "--kind nope" "--limit 0" "--limit 1001" "--subject xyz" \
		"--since yesterday" "--firm -1"; do
		lexgate audit query --db sqlite:q.db $args >/dev/null 2>err
		st=$?
		test "$st" = 2 && test_line_count = 1 err || { echo "$args: $st"; exit 1; }
	done
'

test_expect_success 'a usage error names the option, never its value' '
	for args in "query --limit 13800138000777" "query --firm 13800138000777x" \
		"query --since 13800138000777" "vkey --index 13800138000777"; do
		lexgate audit $args >/dev/null 2>err
		st=$?
		opt=$(echo "$args" | cut -d" " -f2)
		test "$st" = 2 && test_line_count = 1 err && grep -q -- "$opt" err &&
			! grep -q 13800138000777 err || { echo "$args: $st"; exit 1; }
	done
'
test_done
