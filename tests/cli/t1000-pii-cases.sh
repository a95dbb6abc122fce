#!/bin/sh
test_description='pii scan and pii mask against the case files in tests/data/pii'
. "$TEST_LIB"

# The reference date for the minor flag; gen-cases uses the same one.
REF=2026-06-15
DATA="$LEXGATE_SRC/tests/data/pii"
LC_ALL=C
export LC_ALL

# check_cases FILE — run every case of FILE through the CLI and compare.
#   expected: "case<TAB>type<TAB>text" from the file;
#   actual:   the same from `pii scan --minor` (cn_id(minor) when flagged),
#             after checking that text equals the bytes [start,end) of
#             the input line;
#   masks:    line N of `pii mask` equals the file's "mask" line.
check_cases() {
	awk -v IN=inputs -v EX=expected -v MK=masks '
		BEGIN { n = 0; inside = 0; printf "" > IN; printf "" > EX; printf "" > MK }
		/^#/ && !inside { next }
		/^$/ { inside = 0; next }
		!inside { n++; print > IN; inside = 1; next }
		/^mask / { print n "\t" substr($0, 6) > MK; next }
		{
			sp = index($0, " ")
			if (sp == 0) { print "bad expectation in case " n ": " $0 > "/dev/stderr"; exit 1 }
			print n "\t" substr($0, 1, sp - 1) "\t" substr($0, sp + 1) > EX
		}' "$1" || return 1
	test -s inputs || { echo "no cases in $1"; return 1; }
	lexgate pii scan --minor --date "$REF" <inputs >scan.json || return 1
	sed -e 's/^{"line":\([0-9]*\),"type":"\([a-z_]*\)","text":"\(.*\)","start":\([0-9]*\),"end":\([0-9]*\),"minor":true}$/\1	\2(minor)	\4	\5	\3/' \
	    -e 's/^{"line":\([0-9]*\),"type":"\([a-z_]*\)","text":"\(.*\)","start":\([0-9]*\),"end":\([0-9]*\)\(,"minor":false\)\{0,1\}}$/\1	\2	\4	\5	\3/' \
	    scan.json >found
	if grep -v '^[0-9]*	[a-z_()]*	[0-9]*	[0-9]*	' found; then
		echo "unexpected output lines above"; return 1
	fi
	: >actual
	awk -F '\t' '
		NR == FNR { line[NR] = $0; next }
		{
			if (substr(line[$1], $3 + 1, $4 - $3) != $5) {
				print "case " $1 ": offsets " $3 "-" $4 " do not hold the text"; bad = 1
			}
			print $1 "\t" $2 "\t" $5 > "actual"
		}
		END { exit bad }' inputs found || return 1
	diff -u expected actual || { echo "(case numbers count the cases of $1 from 1)"; return 1; }
	lexgate pii mask --date "$REF" <inputs >masked || return 1
	test_line_count = "$(wc -l <inputs)" masked || return 1
	awk -F '\t' '
		NR == FNR { m[FNR] = $0; next }
		FILENAME == "masks" { if (m[$1] != $2) { print "case " $1 " masked as: " m[$1]; print "          want: " $2; bad = 1 } }
		END { exit bad }' masked masks
}

test_expect_success 'the case generator compiles' '
	cc -std=c11 -O1 -o "$TRASH/gen-cases" "$DATA/gen-cases.c"
'

test_expect_success 'the generator is deterministic for a seed' '
	"$TRASH/gen-cases" 20261129 "$REF" "$LEXGATE_SRC/data/gbt2260/divisions.csv" \
		"$LEXGATE_SRC/data/gbt2260/retired.csv" >"$TRASH/generated.txt" &&
	"$TRASH/gen-cases" 20261129 "$REF" "$LEXGATE_SRC/data/gbt2260/divisions.csv" \
		"$LEXGATE_SRC/data/gbt2260/retired.csv" >again.txt &&
	test_cmp "$TRASH/generated.txt" again.txt &&
	test "$(grep -c "^cn_id" "$TRASH/generated.txt")" -ge 60
'

test_expect_success 'generated cases (computed check digits, seed 20261129)' '
	check_cases "$TRASH/generated.txt"
'

test_expect_success 'generated cases (seed 7)' '
	"$TRASH/gen-cases" 7 "$REF" "$LEXGATE_SRC/data/gbt2260/divisions.csv" \
		"$LEXGATE_SRC/data/gbt2260/retired.csv" >gen7.txt &&
	check_cases gen7.txt
'

for f in "$DATA"/*.txt; do
	test_expect_success "cases in $(basename "$f")" "check_cases '$f'"
done

test_expect_success 'every type of DESIGN.md has a case' '
	cat "$DATA"/*.txt "$TRASH/generated.txt" >all.txt &&
	for t in cn_id cn_mobile cn_landline bank_card email uscc passport \
		hk_macao_permit plate wechat qq address; do
		grep -q "^$t " all.txt || { echo "no case for $t"; exit 1; }
	done
'

test_expect_success 'a Windows line ending stays outside the finding' '
	printf "手机13812345678\r\n" | lexgate pii scan >out &&
	grep -q "\"start\":6,\"end\":17}" out
'

test_expect_success 'mask keeps a missing final newline missing' '
	printf "手机13812345678" | lexgate pii mask >out &&
	printf "手机138****5678" >want &&
	cmp want out
'
test_done
