#!/bin/sh
test_description='every example+ / example- of the rule pack, through the CLI'
. "$TEST_LIB"

rules="$LEXGATE_SRC/rules"

# One JSON line per example: id "RULE SIGN FILE:LINE", the sentence as text.
awk '
FNR == 1 { rule = "" }
/^[ \t]*rule:/ { sub(/^[ \t]*rule:[ \t]*/, ""); rule = $0; next }
/^[ \t]*example[+-]:/ {
	sign = ($0 ~ /^[ \t]*example\+/) ? "+" : "-"
	t = $0; sub(/^[ \t]*example[+-]:[ \t]*/, "", t); sub(/[ \t]+$/, "", t)
	gsub(/\\/, "\\\\", t); gsub(/"/, "\\\"", t)
	n = split(FILENAME, parts, "/")
	printf "{\"id\":\"%s %s %s:%d\",\"text\":\"%s\"}\n", rule, sign, parts[n], FNR, t
}' "$rules"/*.rules >examples.jsonl

test_expect_success 'the rule files have examples of both kinds' '
	grep -c " + " examples.jsonl >pos && grep -c " - " examples.jsonl >neg &&
	test "$(cat pos)" -ge 9 && test "$(cat neg)" -ge 9
'

test_expect_success 'every rule has at least one example+' '
	lexgate scan rules | awk "NR > 1 { print \$1 }" | sort >rules.txt &&
	sed -n "s/^{\"id\":\"\([^ ]*\) + .*/\1/p" examples.jsonl | sort -u >with-pos.txt &&
	test_cmp rules.txt with-pos.txt
'

test_expect_success 'example+ is flagged by its rule, example- is not' '
	lexgate scan <examples.jsonl >out.jsonl &&
	test_line_count = "$(wc -l <examples.jsonl)" out.jsonl &&
	awk "
	{
		match(\$0, /\"id\":\"[^\"]*\"/); id = substr(\$0, RSTART + 6, RLENGTH - 7)
		split(id, f, \" \"); hit = index(\$0, \"\\\"rule\\\":\\\"\" f[1] \"\\\"\") > 0
		if ((f[2] == \"+\") != hit) { print \"wrong: \" id; bad = 1 }
		n++
	}
	END { if (n == 0) exit 1; exit bad }" out.jsonl
'

test_expect_success 'the same examples pass with the pack given by --rules' '
	lexgate scan --rules "$rules" <examples.jsonl >out2.jsonl &&
	test_cmp out.jsonl out2.jsonl
'
test_done
