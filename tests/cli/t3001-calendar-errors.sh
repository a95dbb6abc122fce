#!/bin/sh
test_description='calendar deadline: exit codes, one-line errors, --calendar FILE'
. "$TEST_LIB"

FROM=--from=2026-02-13T18:00:00+08:00

# expect_exit CODE CMD... — run CMD (stderr to ./err), its exit status must be CODE.
expect_exit() {
	want=$1
	shift
	"$@" >out 2>err
	st=$?
	if [ "$st" != "$want" ]; then
		echo "exit status $st, want $want" >&2
		cat err >&2
		return 1
	fi
}

# --- exit codes: 0 ok, 2 bad input (usage), 1 the data cannot answer
test_expect_failure_code 0 'a good request exits 0' \
	'lexgate calendar deadline $FROM --hours 1'
test_expect_failure_code 2 'a missing offset exits 2' \
	'lexgate calendar deadline --from 2026-02-13T18:00:00 --hours 1'
test_expect_failure_code 2 'an impossible date exits 2' \
	'lexgate calendar deadline --from 2026-02-29T18:00:00+08:00 --hours 1'
test_expect_failure_code 2 'a negative count exits 2' \
	'lexgate calendar deadline $FROM --working-days -1'
test_expect_failure_code 2 'no rule exits 2' 'lexgate calendar deadline $FROM'
test_expect_failure_code 2 'two rules exit 2' \
	'lexgate calendar deadline $FROM --hours 1 --first-response'
test_expect_failure_code 2 'an unknown option exits 2' \
	'lexgate calendar deadline $FROM --hours 1 --frob'
test_expect_failure_code 2 'an option without its value exits 2' \
	'lexgate calendar deadline $FROM --hours'
test_expect_failure_code 1 'a year with no schedule exits 1' \
	'lexgate calendar deadline --from 2027-03-01T10:00:00+08:00 --working-days 1'

test_expect_success 'errors are one line, named, with nothing on stdout' '
	for args in "--from 2026-02-13T18:00:00 --hours 1" \
		"$FROM --hours -1" "$FROM --working-days 0" "$FROM --close 9:00 --working-days 1" \
		"$FROM --bogus --hours 1" "--hours 1"; do
		test_must_fail lexgate calendar deadline $args >out 2>err || exit 1
		test_line_count = 1 err || exit 1
		grep -q "^lexgate: " err || exit 1
		test ! -s out || exit 1
	done
'

test_expect_success 'the missing year is named in the error' '
	test_must_fail lexgate calendar deadline \
		--from 2026-12-31T10:00:00+08:00 --working-days 1 2>err &&
	test_line_count = 1 err &&
	grep -q "^lexgate: no holiday schedule loaded for 2027$" err
'

test_expect_success 'the start year is named too' '
	test_must_fail lexgate calendar deadline \
		--from 2019-12-31T10:00:00+08:00 --first-response 2>err &&
	grep -q "^lexgate: no holiday schedule loaded for 2019$" err
'

test_expect_success 'the error does not echo the input back' '
	test_must_fail lexgate calendar deadline --from 13800138000 --hours 1 2>err &&
	test_line_count = 1 err &&
	! grep -q 13800138000 err
'

test_expect_success '--help lists the rules' '
	lexgate calendar deadline --help >out &&
	grep -q -- "--working-days N" out &&
	grep -q -- "--first-response" out &&
	grep -q -- "--calendar FILE" out
'

# --- --calendar FILE: a custom schedule replaces the embedded one
cat >custom.csv <<'CSV'
date,kind,name_cn,name_en,schedule_year
# A made-up 2027: Monday 01-04 off, Saturday 01-09 worked.
2027-01-04,holiday,x,test holiday,2027
2027-01-09,workday,x,test workday,2027
CSV

test_expect_success '--calendar FILE loads a custom schedule' '
	lexgate calendar deadline --calendar custom.csv \
		--from 2027-01-01T10:00:00+08:00 --working-days 1 >out &&
	echo 2027-01-05T23:59:59+08:00 >expect && test_cmp expect out &&
	lexgate calendar deadline --calendar custom.csv \
		--from 2027-01-08T10:00:00+08:00 --working-days 1 >out &&
	echo 2027-01-09T23:59:59+08:00 >expect && test_cmp expect out
'

test_expect_success '--calendar FILE replaces the embedded data entirely' '
	test_must_fail lexgate calendar deadline --calendar custom.csv \
		--from 2026-02-13T18:00:00+08:00 --working-days 1 2>err &&
	grep -q "no holiday schedule loaded for 2026" err
'

test_expect_success 'calendar.file from the environment and a config file' '
	LEXGATE_CALENDAR_FILE=custom.csv lexgate calendar deadline \
		--from 2027-01-01T10:00:00+08:00 --working-days 1 >out &&
	echo 2027-01-05T23:59:59+08:00 >expect && test_cmp expect out &&
	printf "[calendar]\nfile = custom.csv\n" >lexgate.ini &&
	lexgate calendar deadline --config lexgate.ini \
		--from 2027-01-08T10:00:00+08:00 --working-days 1 >out &&
	echo 2027-01-09T23:59:59+08:00 >expect && test_cmp expect out
'

test_expect_success 'a malformed calendar: exit 1, one line naming the line' '
	sed "s/2027-01-09,workday/2027-01-11,workday/" custom.csv >bad.csv &&
	expect_exit 1 lexgate calendar deadline --calendar bad.csv \
		$FROM --hours 1 &&
	test_line_count = 1 err &&
	grep -q "^lexgate: calendar line 4: workday is not a Saturday or Sunday$" err
'

test_expect_success 'a calendar with an unknown kind: exit 1, one line' '
	sed "s/,holiday,/,vacation,/" custom.csv >bad.csv &&
	expect_exit 1 lexgate calendar deadline --calendar bad.csv \
		$FROM --hours 1 &&
	test_line_count = 1 err &&
	grep -q "^lexgate: calendar line 3: kind must be holiday or workday$" err
'

test_expect_success 'a missing calendar file: exit 1, one line' '
	expect_exit 1 lexgate calendar deadline --calendar nosuch.csv \
		$FROM --hours 1 &&
	test_line_count = 1 err
'

test_expect_success 'the embedded schedule is the repository copy' '
	cp "$LEXGATE_SRC"/data/cn-holidays/cn-holidays-2020-2026.csv copy.csv &&
	lexgate calendar deadline --calendar copy.csv $FROM --working-days 2 >a &&
	lexgate calendar deadline $FROM --working-days 2 >b &&
	test_cmp a b && echo 2026-02-24T23:59:59+08:00 >expect && test_cmp expect a
'
test_done
