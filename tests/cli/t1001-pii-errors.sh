#!/bin/sh
test_description='pii scan/mask: bad input, options, division codes, canaries'
. "$TEST_LIB"

LC_ALL=C
export LC_ALL

# id_check D17 — the GB 11643-1999 (ISO 7064 MOD 11-2) check character.
id_check() {
	sum=0
	i=0
	for w in 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; do
		d=$(printf '%s' "$1" | cut -c$((i + 1)))
		sum=$((sum + d * w))
		i=$((i + 1))
	done
	printf '%s' "10X98765432" | cut -c$((sum % 11 + 1))
}

# exit_code_is CODE CMD... — CMD must exit with CODE.
exit_code_is() {
	want=$1
	shift
	"$@"
	st=$?
	[ "$st" = "$want" ] || { echo "exit $st, want $want: $*" >&2; return 1; }
}

CANARY_PHONE=13912345678
ID17=11010319800101123
ID=$ID17$(id_check $ID17)

test_expect_success 'invalid UTF-8 is one stderr line naming the line, exit 1' '
	printf "first line\n%s \377\376 here\n" "$CANARY_PHONE" >in &&
	exit_code_is 1 lexgate pii scan <in >out 2>err &&
	test_line_count = 1 err &&
	grep -q "^lexgate: .*line 2" err &&
	test ! -s out
'

test_expect_success 'the error never shows the content (canary)' '
	! grep -q "$CANARY_PHONE" err &&
	! grep -q "here" err &&
	! grep -q "first" err
'

test_expect_success 'pii mask refuses invalid UTF-8 the same way' '
	exit_code_is 1 lexgate pii mask <in >out 2>err &&
	test_line_count = 1 err &&
	grep -q "line 2" err &&
	! grep -q "$CANARY_PHONE" err &&
	test ! -s out
'

test_expect_success 'surrogates and overlong forms are invalid UTF-8' '
	printf "ok\nok\n\355\240\200\n" | exit_code_is 1 lexgate pii scan 2>err &&
	grep -q "line 3" err &&
	printf "\300\257\n" | exit_code_is 1 lexgate pii scan 2>err &&
	grep -q "line 1" err
'

test_expect_success 'empty input: no output, exit 0' '
	lexgate pii scan </dev/null >out 2>err &&
	test ! -s out && test ! -s err &&
	lexgate pii mask </dev/null >out 2>err &&
	test ! -s out && test ! -s err
'

test_expect_success 'a bad --date is a usage error, one line' '
	echo x | exit_code_is 2 lexgate pii scan --date 2026-02-30 2>err &&
	test_line_count = 1 err
'

test_expect_success 'an unknown option is a usage error, one line' '
	echo x | exit_code_is 2 lexgate pii mask --bogus 2>err &&
	test_line_count = 1 err
'

test_expect_success 'a retired code (110103 崇文区) with a computed check digit is found' '
	echo "证件$ID" | lexgate pii scan >out &&
	grep -q "\"type\":\"cn_id\",\"text\":\"$ID\"" out
'

test_expect_success 'retired codes stay valid with --divisions; unknown ones do not' '
	printf "code\n110000\n310000\n310101\n" >div.csv &&
	echo "证件$ID" | lexgate pii scan --divisions div.csv >out &&
	grep -q cn_id out &&
	ID2=31011719800101123 &&
	ID2=$ID2$(id_check $ID2) &&
	echo "证件$ID2" | lexgate pii scan --divisions div.csv >out &&
	test ! -s out &&
	printf "code\n310000\n310117\n" >div2.csv &&
	echo "证件$ID2" | lexgate pii scan --divisions div2.csv >out &&
	grep -q cn_id out
'

test_expect_success 'a broken --divisions file is one line with the row number only' '
	printf "code\n110000\n%s,secret\n" "$CANARY_PHONE" >bad.csv &&
	echo x | exit_code_is 1 lexgate pii scan --divisions bad.csv 2>err &&
	test_line_count = 1 err &&
	grep -q "row 3" err &&
	! grep -q "$CANARY_PHONE" err &&
	echo x | exit_code_is 1 lexgate pii scan --divisions missing.csv 2>err &&
	test_line_count = 1 err
'

test_expect_success 'the minor flag follows --date (day after the 14th birthday)' '
	K17=11010520120615123 &&
	K=$K17$(id_check $K17) &&
	echo "$K" | lexgate pii scan --minor --date 2026-06-15 >out &&
	grep -q "\"minor\":true" out &&
	echo "$K" | lexgate pii scan --minor --date 2026-06-16 >out &&
	grep -q "\"minor\":false" out &&
	echo "$K" | lexgate pii scan --date 2026-06-15 >out &&
	! grep -q minor out
'

test_expect_success 'pii scan prints exactly the DESIGN.md keys' '
	echo "手机$CANARY_PHONE" | lexgate pii scan >out &&
	echo "{\"line\":1,\"type\":\"cn_mobile\",\"text\":\"$CANARY_PHONE\",\"start\":6,\"end\":17}" >want &&
	test_cmp want out
'

test_expect_success 'pii works without any file next to it (embedded data)' '
	mkdir elsewhere && cd elsewhere &&
	echo "$ID" | lexgate pii scan >out && grep -q cn_id out
'
test_done
