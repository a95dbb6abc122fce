# tests/lib/test-lib.sh — a small git-style harness for tests/cli/*.sh.
#
# A test script sets test_description, sources "$TEST_LIB", calls
# test_expect_success 'title' 'commands' as often as it likes, then
# test_done. Each script runs in its own temporary directory (removed at
# the end unless it failed). $LEXGATE is the binary under test; the
# function `lexgate` runs it. The closing line is "N passed, N failed".
set -u
: "${LEXGATE:?LEXGATE must name the lexgate binary}"
: "${LEXGATE_SRC:?LEXGATE_SRC must name the source tree}"

test_count=0
test_failed=0
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/lexgate-test.XXXXXX")
cd "$TRASH" || exit 1

lexgate() { "$LEXGATE" "$@"; }

test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TRASH/.out" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out"
	fi
}

test_expect_failure_code() {
	# test_expect_failure_code CODE 'title' 'command' — exit status must be CODE
	test_count=$((test_count + 1))
	( eval "$3" ) >"$TRASH/.out" 2>&1
	st=$?
	if [ "$st" = "$1" ]; then
		echo "ok $test_count - $2"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $2 (exit $st, want $1)"
		sed 's/^/#   /' "$TRASH/.out"
	fi
}

# test_must_fail CMD... — succeeds when CMD exits non-zero but did not crash.
test_must_fail() {
	"$@"
	st=$?
	if [ "$st" = 0 ]; then
		echo "test_must_fail: command succeeded: $*" >&2
		return 1
	elif [ "$st" -gt 128 ]; then
		echo "test_must_fail: command died with signal: $*" >&2
		return 1
	fi
	return 0
}

# test_line_count OP N FILE
test_line_count() {
	n=$(wc -l <"$3" | tr -d ' ')
	if ! [ "$n" "$1" "$2" ]; then
		echo "test_line_count: $3 has $n lines, want $1 $2" >&2
		cat "$3" >&2
		return 1
	fi
}

# test_cmp EXPECTED ACTUAL
test_cmp() { diff -u "$1" "$2"; }

test_done() {
	echo "$((test_count - test_failed)) passed, $test_failed failed"
	cd / || exit 1
	if [ "$test_failed" = 0 ]; then
		rm -rf "$TRASH"
		exit 0
	fi
	echo "# kept $TRASH"
	exit 1
}
