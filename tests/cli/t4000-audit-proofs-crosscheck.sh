#!/bin/sh
test_description='RFC 9162 roots and proofs agree with an independent implementation'
. "$TEST_LIB"

test_expect_success 'selftest proofs verify in C for every size pair 1..64' '
	lexgate audit merkle-selftest --max 64 >c.txt &&
	test_line_count = 4224 c.txt
'

test_expect_success 'node (RFC 9162 from the text) computes the same roots and proofs' '
	node "$LEXGATE_SRC/tests/cli/t4000-merkle.mjs" 64 <c.txt >out &&
	grep -q "^4160 proofs identical and verified, [0-9]* mutations refused, 0 failures$" out
'

test_expect_success 'a changed proof line is caught by the cross-check' '
	sed "100s/.\$/x/" c.txt >bad.txt &&
	! cmp -s c.txt bad.txt &&
	test_must_fail node "$LEXGATE_SRC/tests/cli/t4000-merkle.mjs" 64 <bad.txt 2>err &&
	grep -q "differs" err
'

test_expect_failure_code 2 'merkle-selftest refuses --max 0' 'lexgate audit merkle-selftest --max 0'
test_expect_failure_code 2 'merkle-selftest refuses --max 257' 'lexgate audit merkle-selftest --max 257'
test_done
