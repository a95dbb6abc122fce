#!/bin/sh
test_description='sealed segment export for retention, checked offline'
. "$TEST_LIB"

test_expect_success 'a log of 40 entries' '
	lexgate init --keys keys >/dev/null 2>&1 &&
	lexgate db migrate --db sqlite:s.db >/dev/null &&
	i=1 &&
	while [ $i -le 40 ]; do
		printf "{\"kind\":\"deletion\",\"actor_kind\":1,\"action\":\"shred\",\"resource_type\":\"subject\",\"subject\":\"%064x\",\"clause\":\"C7.2\",\"reason\":\"retention_%d\"}\n" $i $i
		i=$((i + 1))
	done | lexgate audit append --db sqlite:s.db >/dev/null &&
	lexgate audit vkey --db sqlite:s.db --keys keys >trust
'

test_expect_success 'export 1..25 and check it offline' '
	lexgate audit export --db sqlite:s.db --keys keys --size 25 --out seg >out &&
	grep -q "^exported 25 entries of lexgate/.*, sealed at size 25$" out &&
	test "$(sed -n 1p seg)" = "lexgate-audit-segment 1" &&
	test "$(sed -n 2p seg)" = 25 &&
	test "$(sed -n 28p seg)" = "" &&
	lexgate audit check-segment --segment seg --trust trust >out &&
	grep -q "^ok: 25 entries of lexgate/" out &&
	test ! -e seg.tmp
'

test_expect_success 'the seal is the log: its root is the tree at 25' '
	sed -n "29,\$p" seg >seal &&
	lexgate audit verify --db sqlite:s.db --keys keys --checkpoint seal >out &&
	grep -q "^ok: 40 entries" out
'

test_expect_success 'an edited, dropped, added or reordered entry is refused' '
	awk "NR == 10 { \$0 = substr(\$0, 1, 20) (substr(\$0, 21, 1) == \"A\" ? \"B\" : \"A\") substr(\$0, 22) } { print }" seg >bad &&
	! cmp -s seg bad &&
	test_must_fail lexgate audit check-segment --segment bad --trust trust 2>err &&
	test_line_count = 1 err &&
	sed 10d seg >bad &&
	test_must_fail lexgate audit check-segment --segment bad --trust trust 2>/dev/null &&
	sed "10p" seg >bad &&
	test_must_fail lexgate audit check-segment --segment bad --trust trust 2>/dev/null &&
	awk "NR == 10 { a = \$0; next } NR == 11 { print; print a; next } { print }" seg >bad &&
	test_must_fail lexgate audit check-segment --segment bad --trust trust 2>/dev/null &&
	sed "2s/25/24/" seg >bad &&
	test_must_fail lexgate audit check-segment --segment bad --trust trust 2>/dev/null
'

test_expect_success 'an unknown key or a forged seal is refused' '
	lexgate init --keys other >/dev/null 2>&1 &&
	lexgate audit vkey --db sqlite:s.db --keys other >trust.other &&
	test_must_fail lexgate audit check-segment --segment seg --trust trust.other 2>err &&
	grep -q "unknown_key" err &&
	awk "NR == 31 { \$0 = (substr(\$0, 1, 1) == \"A\" ? \"B\" : \"A\") substr(\$0, 2) } { print }" seg >bad &&
	test_must_fail lexgate audit check-segment --segment bad --trust trust 2>/dev/null
'

test_expect_success 'export refuses a size beyond the log and a damaged log' '
	test_must_fail lexgate audit export --db sqlite:s.db --keys keys --size 41 --out x 2>err &&
	test_line_count = 1 err && test ! -e x && test ! -e x.tmp &&
	cp s.db t.db &&
	sqlite3 t.db "UPDATE audit_log SET reason = '\''x'\'' WHERE seq = 3" &&
	test_must_fail lexgate audit export --db sqlite:t.db --keys keys --size 10 --out x 2>err &&
	grep -q "damaged at index 2" err && test ! -e x
'
test_done
