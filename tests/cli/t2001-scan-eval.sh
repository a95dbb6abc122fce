#!/bin/sh
test_description='the labelled corpus meets the scan goals (tools/scan-eval --check)'
. "$TEST_LIB"

test_expect_success 'scan-eval --check passes on the corpus' '
	"$LEXGATE_SRC/tools/scan-eval" --check "$LEXGATE" >report.txt &&
	grep "^== dev:" report.txt && grep "^== holdout:" report.txt &&
	grep "^== all:" report.txt && grep "^== blind:" report.txt
'

test_expect_success 'the report has every category for every split' '
	for c in insult threat misleading unrelated_upsell fake_credentials \
		outcome_promise fee_opacity brand_misuse off_platform; do
		test "$(grep -c "^$c " report.txt)" = 4 || return 1
	done
'

test_expect_success 'scan-eval --check fails when the goals are not met' '
	mkdir -p weak &&
	printf "rule: w1\ncategory: insult\nclause: C5.2\nseverity: block\nliteral: 白痴\n" >weak/weak.rules &&
	test_must_fail "$LEXGATE_SRC/tools/scan-eval" --check --rules weak "$LEXGATE" >weak.txt 2>weak.err &&
	grep "goals not met" weak.err
'
test_done
