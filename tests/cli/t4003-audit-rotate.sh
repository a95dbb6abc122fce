#!/bin/sh
test_description='signing-key rotation is a log entry; retired keys keep old checkpoints valid'
. "$TEST_LIB"

entries() {
	i=$1
	while [ "$i" -le "$2" ]; do
		printf '{"kind":"access","actor_kind":2,"actor_id":%d,"actor_firm":1,"action":"reveal","resource_id":"L%d","clause":"C4.3"}\n' $((100 + i)) "$i"
		i=$((i + 1))
	done
}

test_expect_success 'ten entries and a checkpoint under the first key' '
	lexgate init --keys k1 >/dev/null 2>&1 &&
	lexgate db migrate --db sqlite:r.db >/dev/null &&
	entries 1 10 | lexgate audit append --db sqlite:r.db >/dev/null &&
	lexgate audit checkpoint --db sqlite:r.db --keys k1 >cp10 &&
	lexgate audit vkey --db sqlite:r.db --keys k1 >trust.old
'

test_expect_success 'rotate-key logs the rotation and prints the trust lines' '
	lexgate init --keys k2 >/dev/null 2>&1 &&
	lexgate audit rotate-key --db sqlite:r.db --keys k1 --new-keys k2 \
		--export ext >trust &&
	test_line_count = 2 trust &&
	grep -q " until=11\$" trust &&
	head -1 trust | grep -q "^$(cat trust.old) until=11\$" &&
	test -f ext/checkpoint.11 &&
	lexgate audit query --db sqlite:r.db --kind key >q &&
	test_line_count = 1 q &&
	grep -q "\"seq\":11,.*\"action\":\"rotate_signing_key\"" q &&
	id=$(sed -n "2s/^[^+]*+\([0-9a-f]*\)+.*/\1/p" trust) &&
	grep -q "\"resource_id\":\"$id\"" q
'

test_expect_success 'the new key signs from now on; old and new checkpoints verify' '
	cp -p k1/signing.key k1/signing.pub . &&
	mkdir kold && mv signing.key signing.pub kold/ &&
	cp -p k1/master.key kold/ &&
	cp -p k2/signing.key k2/signing.pub k1/ &&
	entries 12 15 | lexgate audit append --db sqlite:r.db >/dev/null &&
	lexgate audit checkpoint --db sqlite:r.db --keys k1 >cp15 &&
	lexgate audit verify --db sqlite:r.db --trust trust --checkpoint cp10 \
		--checkpoint ext/checkpoint.11 --checkpoint cp15 >out &&
	grep -q "^ok: 15 entries, 6 checkpoints checked" out
'

test_expect_success 'the retired key signing past its last size is refused' '
	entries 16 16 | lexgate audit append --db sqlite:r.db >/dev/null &&
	lexgate audit checkpoint --db sqlite:r.db --keys kold >cp16 &&
	test_must_fail lexgate audit verify --db sqlite:r.db --trust trust \
		--no-stored --checkpoint cp16 --json >v.json 2>err &&
	grep -q "\"failure\":\"retired_key\"" v.json &&
	test_line_count = 1 err &&
	test_must_fail lexgate audit verify --db sqlite:r.db --trust trust 2>err &&
	grep -q "retired_key" err
'

test_expect_success 'without the retired line, old checkpoints are unknown' '
	sed -n 2p trust >trust.new &&
	test_must_fail lexgate audit verify --db sqlite:r.db --trust trust.new \
		--no-stored --checkpoint cp10 --json >v.json 2>/dev/null &&
	grep -q "\"failure\":\"unknown_key\"" v.json
'

test_expect_success 'rotating to the same key is refused' '
	test_must_fail lexgate audit rotate-key --db sqlite:r.db --keys k1 \
		--new-keys k1 2>err &&
	test_line_count = 1 err
'
test_done
