#!/bin/sh
test_description='docs generated from tables are current'
. "$TEST_LIB"

test_expect_success 'docs/errors.md matches errors.def' '
	lexgate errors >errors.md &&
	test_cmp "$LEXGATE_SRC/docs/errors.md" errors.md
'
test_expect_success 'docs/config.md matches the configuration table' '
	lexgate config doc >config.md &&
	test_cmp "$LEXGATE_SRC/docs/config.md" config.md
'
test_expect_success 'every command of the table is in docs/cli.md' '
	lexgate --help | sed -n "s/^  \([a-z][a-z-]*\)\( [a-z][a-z-]*\)\{0,1\}  .*/\1\2/p" >cmds &&
	while read -r noun verb; do
		grep -q "lexgate $noun${verb:+ $verb}\`" "$LEXGATE_SRC/docs/cli.md" || {
			echo "missing from docs/cli.md: $noun $verb"; exit 1; }
	done <cmds
'
test_done
