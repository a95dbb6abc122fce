#!/bin/sh
test_description='help, unknown commands and bad flags'
. "$TEST_LIB"

test_expect_success 'lexgate --help lists every command of the table' '
	lexgate --help >out &&
	grep -q "^  version" out &&
	grep -q "^  errors" out &&
	grep -q "^  config doc" out
'

test_expect_success 'every listed command answers --help with exit 0' '
	lexgate --help | sed -n "s/^  \([a-z][a-z-]*\)\( [a-z][a-z-]*\)\{0,1\}  .*/\1\2/p" >cmds &&
	test -s cmds &&
	while read -r noun verb; do
		lexgate $noun $verb --help >h || exit 1
		grep -q "^usage: lexgate $noun" h || exit 1
	done <cmds
'

test_expect_failure_code 2 'no command is a usage error' 'lexgate'

test_expect_success 'an unknown command is one line on stderr, exit 2' '
	test_must_fail lexgate frobnicate 2>err >out &&
	test_line_count = 1 err &&
	grep -q "^lexgate: unknown command" err &&
	test ! -s out
'
test_expect_failure_code 2 'unknown command exits 2' 'lexgate frobnicate'

test_expect_success 'an unknown subcommand is one line on stderr' '
	test_must_fail lexgate config frob 2>err &&
	test_line_count = 1 err &&
	grep -q "unknown subcommand" err
'

test_expect_success 'a stray argument is one line on stderr, exit 2' '
	test_must_fail lexgate version --bogus 2>err &&
	test_line_count = 1 err
'
test_expect_failure_code 2 'a bad flag exits 2' 'lexgate version --bogus'

test_expect_success 'version prints the version' '
	lexgate version >out && grep -q "^lexgate [0-9]" out
'
test_done
