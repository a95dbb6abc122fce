#!/bin/sh
test_description='lexgate scan: output shape, bad input and bad rule files'
. "$TEST_LIB"

test_expect_success 'ids are echoed as given; offsets are bytes' '
	printf "{\"id\":7,\"text\":\"放心交给我，保证胜诉\"}\n\n{\"id\":\"m-1\",\"text\":\"请把借条发一下\"}\n" |
		lexgate scan >out &&
	test_line_count = 2 out &&
	head -n 1 out >first &&
	grep "^{\"id\":7,\"verdict\":\"block\",\"findings\":\[{\"category\":\"outcome_promise\",\"clause\":\"C5.5\",\"rule\":\"promise.guarantee\",\"start\":18,\"end\":30}\]}$" first &&
	grep "^{\"id\":\"m-1\",\"verdict\":\"allow\",\"findings\":\[\]}$" out
'

test_expect_success 'a review category gives review' '
	printf "{\"id\":1,\"text\":\"只收现金，不开收据\"}\n" | lexgate scan >out &&
	grep "\"verdict\":\"review\"" out && grep "\"clause\":\"C5.6\"" out
'

test_expect_failure_code 1 'a malformed line fails with exit 1' '
	printf "{\"id\":1,\"text\":\"好的\"}\n{\"id\":2,\"text\":\"CANARY张三 13800000000\"\n" | lexgate scan
'

test_expect_success 'the error names the line number, never the text' '
	printf "{\"id\":1,\"text\":\"好的\"}\n{\"id\":2,\"text\":\"CANARY张三 13800000000\"\n" |
		test_must_fail lexgate scan >out 2>err &&
	test_line_count = 1 err &&
	grep "^lexgate: input line 2: " err &&
	! grep -e CANARY -e 13800000000 err &&
	test_line_count = 1 out
'

test_expect_success 'a missing text is refused' '
	printf "{\"id\":1}\n" | test_must_fail lexgate scan 2>err &&
	test_line_count = 1 err &&
	grep "input line 1: \"text\" must be a string" err
'

test_expect_success 'an id that is neither string nor number is refused' '
	printf "{\"id\":[1],\"text\":\"好\"}\n" | test_must_fail lexgate scan 2>err &&
	test_line_count = 1 err && grep "input line 1: \"id\"" err
'

test_expect_success 'invalid UTF-8 is refused with its line number' '
	printf "{\"id\":1,\"text\":\"ok\"}\n{\"id\":2,\"text\":\"\\344\\277 CANARY\"}\n" |
		test_must_fail lexgate scan 2>err &&
	test_line_count = 1 err &&
	grep "input line 2: invalid UTF-8" err && ! grep CANARY err
'

test_expect_success 'a line that is not an object is refused' '
	printf "[1,2]\n" | test_must_fail lexgate scan 2>err &&
	test_line_count = 1 err && grep "input line 1: not a JSON object" err
'

test_expect_success 'a broken rule file is named with its line' '
	mkdir -p bad &&
	printf "# comment\nrule: b1\ncategory: threat\nclause: C5.2\nseverity: block\nregex: (a)\\\\1\n" >bad/b.rules &&
	printf "{\"id\":1,\"text\":\"好\"}\n" |
		test_must_fail lexgate scan --rules bad 2>err &&
	test_line_count = 1 err &&
	grep "^lexgate: bad/b.rules:6: pattern not accepted by vectorscan" err
'

test_expect_success 'a rule key outside a block is named with its line' '
	mkdir -p bad2 &&
	printf "\ncategory: threat\n" >bad2/c.rules &&
	test_must_fail lexgate scan rules --rules bad2 2>err &&
	test_line_count = 1 err &&
	grep "^lexgate: bad2/c.rules:2: key outside a rule block" err
'

test_expect_failure_code 2 'a missing rules directory is a usage error' '
	lexgate scan --rules no-such-dir </dev/null
'

test_expect_failure_code 2 'an unknown option is a usage error' '
	lexgate scan --frobnicate </dev/null
'

test_expect_success 'scan rules lists the pack with its version' '
	lexgate scan rules >rules.txt &&
	head -n 1 rules.txt | grep -E "^pack [0-9a-f]{16} rules [0-9]+$" &&
	test "$(sed -n "1s/.* rules //p" rules.txt)" = "$(($(wc -l <rules.txt) - 1))" &&
	for c in insult threat misleading unrelated_upsell fake_credentials \
		outcome_promise fee_opacity brand_misuse off_platform; do
		grep -E "^[a-z0-9_.-]+ $c C5\.[0-9] (block|review)$" rules.txt >/dev/null || return 1
	done
'

test_expect_success 'the embedded pack and --rules on the same files agree' '
	lexgate scan rules >a.txt &&
	lexgate scan rules --rules "$LEXGATE_SRC/rules" >b.txt &&
	test_cmp a.txt b.txt
'

test_expect_success 'empty input gives empty output' '
	lexgate scan </dev/null >out && test_line_count = 0 out
'
test_done
