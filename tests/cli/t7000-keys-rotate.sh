#!/bin/sh
test_description='keys rotate: resumable master-key rotation (docs/vault.md)'
. "$TEST_LIB"

# (Loop variables avoid n and st: test-lib.sh's helpers use those.)
perm() { ls -l "$1" | cut -c1-10; }

test_expect_success 'set up keys and a migrated database' '
	lexgate init --keys keys >/dev/null &&
	lexgate db migrate --db sqlite:v.db >/dev/null &&
	cp keys/master.key orig.key
'

test_expect_success 'a rotation interrupted by store faults resumes with the same new key' '
	failures=0 try=1 code=1 &&
	while [ "$try" -le 40 ]; do
		LX_STORE_FAULT=stmt:$try lexgate keys rotate --db sqlite:v.db \
			--keys keys --batch 1 >out 2>err
		code=$?
		[ "$code" = 0 ] && break
		[ "$code" = 1 ] || { echo "run $try exited $code"; exit 1; }
		test_line_count = 1 err || exit 1
		grep -q "^lexgate: " err || exit 1
		cmp -s keys/master.key orig.key || { echo "replaced early"; exit 1; }
		test -f keys/master.key.next || exit 1
		if [ "$failures" = 0 ]; then cp keys/master.key.next next.key; fi
		[ "$(perm keys/master.key.next)" = "-rw-------" ] || exit 1
		failures=$((failures + 1))
		try=$((try + 1))
	done &&
	test "$code" = 0 &&
	test "$failures" -ge 1 &&
	grep -q "master.key.old" out &&
	cmp keys/master.key next.key &&
	cmp keys/master.key.old orig.key &&
	test ! -e keys/master.key.next &&
	[ "$(perm keys/master.key)" = "-rw-------" ] &&
	[ "$(perm keys/master.key.old)" = "-rw-------" ]
'

test_expect_failure_code 1 'a new rotation is refused until --finish' '
	lexgate keys rotate --db sqlite:v.db --keys keys
'

test_expect_success 'the refusal is one line that names --finish' '
	test_must_fail lexgate keys rotate --db sqlite:v.db --keys keys 2>err &&
	test_line_count = 1 err &&
	grep -q -- "--finish" err &&
	test ! -e keys/master.key.next
'

test_expect_success '--finish destroys master.key.old and keeps master.key' '
	lexgate keys rotate --db sqlite:v.db --keys keys --finish >out 2>err &&
	test ! -s err &&
	test ! -e keys/master.key.old &&
	cmp keys/master.key next.key
'

test_expect_success '--prepare creates master.key.next and nothing else' '
	lexgate keys rotate --db sqlite:v.db --keys keys --prepare >out &&
	test -f keys/master.key.next &&
	[ "$(perm keys/master.key.next)" = "-rw-------" ] &&
	cmp keys/master.key next.key &&
	test ! -e keys/master.key.old &&
	cp keys/master.key.next prepared.key
'

test_expect_success 'the next rotation uses the prepared key' '
	lexgate keys rotate --db sqlite:v.db --keys keys >/dev/null &&
	cmp keys/master.key prepared.key &&
	cmp keys/master.key.old next.key
'

test_expect_failure_code 2 '--prepare with --finish is a usage error' '
	lexgate keys rotate --db sqlite:v.db --keys keys --prepare --finish
'

test_expect_failure_code 2 'a bad --batch is a usage error' '
	lexgate keys rotate --db sqlite:v.db --keys keys --batch 0
'

test_expect_failure_code 1 'a missing database is refused' '
	lexgate keys rotate --db sqlite:absent.db --keys keys --finish
'
test_done
