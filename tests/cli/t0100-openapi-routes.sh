#!/bin/sh
test_description='docs/openapi.yaml describes exactly the route table'
. "$TEST_LIB"

# The paths of docs/openapi.yaml as "METHOD TEMPLATE" lines (the file's
# header comment fixes the layout this relies on).
openapi_routes() {
	awk '
	/^[^ #]/ { in_paths = ($0 == "paths:") ; next }
	in_paths && /^  \/[^ ]*:$/ { path = substr($0, 3, length($0) - 3); next }
	in_paths && /^    (get|put|post|patch|delete|head|options):$/ {
		m = substr($0, 5, length($0) - 5)
		print toupper(m) " " path
	}' "$LEXGATE_SRC/docs/openapi.yaml"
}

test_expect_success 'lexgate routes prints one METHOD TEMPLATE per row' '
	lexgate routes >routes &&
	test -s routes &&
	! grep -v "^[A-Z][A-Z]* /[^ ]*$" routes
'

test_expect_success 'no route appears twice' '
	lexgate routes | sort >sorted &&
	sort -u sorted >uniq &&
	test_cmp uniq sorted
'

test_expect_success 'the route table and the OpenAPI paths are the same set' '
	lexgate routes | sort >routes &&
	openapi_routes | sort >openapi &&
	test -s openapi &&
	test_cmp routes openapi
'

test_expect_success 'the reader notices a path missing from the OpenAPI file' '
	lexgate routes | sort >routes &&
	openapi_routes | sed 1d | sort >fewer &&
	! test_cmp routes fewer >/dev/null
'

test_expect_success 'the problem slugs in the OpenAPI file are those of errors.def' '
	lexgate errors | sed -n "s/.*\`urn:lexgate:problem:\([a-z-]*\)\`.*/\1/p" >slugs &&
	test -s slugs &&
	sed -n "s/^            - \([a-z-]*\)$/\1/p" "$LEXGATE_SRC/docs/openapi.yaml" >yaml-slugs &&
	test_cmp slugs yaml-slugs
'

test_expect_success 'lexgate routes takes no argument' '
	test_must_fail lexgate routes extra 2>err &&
	test_line_count = 1 err
'
test_done
