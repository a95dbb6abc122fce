#!/bin/sh
test_description='db migrate and db check'
. "$TEST_LIB"

test_expect_success 'migrate on a new database applies every migration' '
	lexgate db migrate --db sqlite:new.db >out 2>err &&
	test ! -s err &&
	grep -q "^applied [1-9][0-9]* migrations\{0,1\}; schema level \([0-9]*\) of \1$" out
'

test_expect_success 'migrate twice is idempotent' '
	lexgate db migrate --db sqlite:twice.db >out1 &&
	lexgate db migrate --db sqlite:twice.db >out2 &&
	grep -q "^applied 0 migrations; schema level \([0-9]*\) of \1$" out2 &&
	level1=$(sed "s/.*level //" out1) &&
	level2=$(sed "s/.*level //" out2) &&
	test "$level1" = "$level2"
'

test_expect_success 'check passes on a freshly migrated database' '
	lexgate db migrate --db sqlite:fresh.db >/dev/null &&
	lexgate db check --db sqlite:fresh.db >out 2>err &&
	test ! -s err &&
	grep -q "^ok: integrity ok; schema level \([0-9]*\) of \1$" out
'

test_expect_success 'the database comes from store.db when --db is absent' '
	LEXGATE_STORE_DB=sqlite:env.db lexgate db migrate >out &&
	test -f env.db &&
	lexgate db check --db sqlite:env.db >/dev/null
'

test_expect_success 'check of a missing database fails with one line and creates nothing' '
	test_must_fail lexgate db check --db sqlite:absent.db 2>err >out &&
	test_line_count = 1 err &&
	grep -q "^lexgate: " err &&
	test ! -e absent.db
'
test_expect_failure_code 1 'check of a missing database exits 1' \
	'lexgate db check --db sqlite:absent.db'

test_expect_success 'a bad URL scheme is a usage error, one line' '
	test_must_fail lexgate db migrate --db mysql://h/x 2>err &&
	test_line_count = 1 err &&
	grep -q "^lexgate: .*URL" err
'
test_expect_failure_code 2 'a bad URL scheme exits 2' \
	'lexgate db migrate --db nosuch:x.db'
test_expect_failure_code 2 'a stray argument exits 2' \
	'lexgate db migrate --db sqlite:x.db extra'
test_expect_failure_code 2 'an unknown option exits 2' \
	'lexgate db check --frob'
test_expect_failure_code 2 '--db without a value exits 2' \
	'lexgate db check --db'

test_expect_success 'a missing directory fails with one line' '
	test_must_fail lexgate db migrate --db sqlite:no/such/dir/x.db 2>err &&
	test_line_count = 1 err &&
	test ! -e no
'
test_expect_failure_code 1 'a missing directory exits 1' \
	'lexgate db migrate --db sqlite:no/such/dir/x.db'

test_expect_success 'check of an empty (unmigrated) database fails' '
	: >empty.db &&
	test_must_fail lexgate db check --db sqlite:empty.db 2>err &&
	test_line_count = 1 err &&
	grep -q "schema level 0 of" err
'

test_expect_success 'a file that is not a database fails check and migrate' '
	awk "BEGIN { for (i = 0; i < 400; i++) printf \"not a database at all \" }" >junk.db &&
	test_must_fail lexgate db check --db sqlite:junk.db 2>err &&
	test_line_count = 1 err &&
	test_must_fail lexgate db migrate --db sqlite:junk.db 2>err2 &&
	test_line_count = 1 err2
'

test_expect_success 'a database with a damaged page fails check' '
	lexgate db migrate --db sqlite:dmg.db >/dev/null &&
	lexgate db check --db sqlite:dmg.db >/dev/null &&
	awk "BEGIN { for (i = 0; i < 300; i++) printf \"garbage!garbage!\" }" >junk &&
	dd if=junk of=dmg.db bs=4096 seek=1 conv=notrunc 2>/dev/null &&
	test_must_fail lexgate db check --db sqlite:dmg.db 2>err &&
	test_line_count = 1 err
'
test_expect_failure_code 1 'a damaged database makes check exit 1' \
	'lexgate db check --db sqlite:dmg.db'

test_expect_success 'an injected statement fault fails migrate and leaves level 0' '
	test_must_fail env LX_STORE_FAULT=stmt:3 "$LEXGATE" db migrate --db sqlite:f.db 2>err &&
	test_line_count = 1 err &&
	test_must_fail lexgate db check --db sqlite:f.db 2>err &&
	grep -q "schema level 0 of" err &&
	lexgate db migrate --db sqlite:f.db >out &&
	lexgate db check --db sqlite:f.db
'

test_expect_success 'an injected commit fault fails migrate, then it recovers' '
	test_must_fail env LX_STORE_FAULT=commit "$LEXGATE" db migrate --db sqlite:c.db 2>err &&
	test_line_count = 1 err &&
	lexgate db migrate --db sqlite:c.db >out &&
	grep -q "^applied [1-9]" out
'

test_expect_success 'four migrations at once apply each migration once' '
	for i in 1 2 3 4; do
		lexgate db migrate --db sqlite:par.db >par.$i 2>par.err.$i &
	done &&
	wait &&
	cat par.err.1 par.err.2 par.err.3 par.err.4 >par.err &&
	test ! -s par.err &&
	sum=$(sed "s/^applied \([0-9]*\).*/\1/" par.1 par.2 par.3 par.4 |
		awk "{ s += \$1 } END { print s }") &&
	level=$(sed -n "s/.* of \([0-9]*\)$/\1/p" par.1) &&
	test "$sum" = "$level" &&
	lexgate db check --db sqlite:par.db
'

test_expect_success 'db commands answer --help' '
	lexgate db migrate --help >out && grep -q -- "--db URL" out &&
	lexgate db check --help >out && grep -q -- "--db URL" out
'
test_done
