#!/bin/sh
test_description='calendar deadline: every case of tests/data/cal/*.txt'
. "$TEST_LIB"

# Each case line is "<options> => <expected>" (see tests/data/cal/README.txt).
# A case passes when the real CLI prints exactly <expected>, or, for
# "=> error", exits non-zero (without a crash) with nothing on stdout and
# exactly one line on stderr.
run_case() {
	args=${1% => *}
	want=${1##* => }
	set -f
	# shellcheck disable=SC2086 # the options are split on spaces on purpose
	lexgate calendar deadline $args >out 2>err
	st=$?
	set +f
	if [ "$want" = error ]; then
		if [ "$st" = 0 ] || [ "$st" -gt 128 ]; then
			echo "exit status $st, want a refusal" >&2
			return 1
		fi
		test ! -s out || { echo "stdout not empty:" >&2; cat out >&2; return 1; }
		test_line_count = 1 err
		return
	fi
	if [ "$st" != 0 ]; then
		echo "exit status $st:" >&2
		cat err >&2
		return 1
	fi
	echo "$want" >expect
	test_cmp expect out && test ! -s err
}

ncases=0
for f in "$LEXGATE_SRC"/tests/data/cal/*.txt; do
	base=$(basename "$f")
	lineno=0
	while IFS= read -r line || [ -n "$line" ]; do
		lineno=$((lineno + 1))
		case $line in
		'' | '#'*) continue ;;
		*' => '*) ;;
		*)
			test_expect_success "$base:$lineno is a case line" 'false'
			continue
			;;
		esac
		ncases=$((ncases + 1))
		CASE=$line
		test_expect_success "$base:$lineno $line" 'run_case "$CASE"'
	done <"$f"
done

test_expect_success 'the case files hold at least 140 cases' "test $ncases -ge 140"
test_done
