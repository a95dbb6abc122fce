#!/bin/sh
test_description='people bootstrap, people seed-demo and policy explain'
. "$TEST_LIB"

test_expect_success 'bootstrap creates the first platform_admin once' '
	lexgate people bootstrap --db sqlite:boot.db \
		--email root@ops.example.invalid >out 2>err &&
	test ! -s err &&
	grep -q "^{\"staff_id\":1,\"role\":\"platform_admin\",\"password\":\"[A-Za-z0-9]\{20\}\"}$" out &&
	test_must_fail lexgate people bootstrap --db sqlite:boot.db \
		--email other@ops.example.invalid 2>err &&
	test_line_count = 1 err &&
	grep -q "platform_admin exists" err
'

test_expect_success 'bootstrap refuses a bad email naming the option, not the value' '
	test_must_fail lexgate people bootstrap --db sqlite:bad.db \
		--email not-an-email 2>err &&
	test_line_count = 1 err &&
	! grep -q "not-an-email" err
'

test_expect_success 'seed-demo prints 19 accounts once, then refuses' '
	lexgate people seed-demo --db sqlite:demo.db >acc &&
	test_line_count = 19 acc &&
	test $(grep -c "\.example\.invalid" acc) = 19 &&
	test $(grep -c "\"role\":\"lawyer\"" acc) = 3 &&
	test_must_fail lexgate people seed-demo --db sqlite:demo.db 2>err &&
	test_line_count = 1 err
'

# Staff ids of the demo, in seeding order: 1-4 platform; then per firm
# firm_admin, lawyer, assistant, customer_service, admin_staff (5-9 Beijing).
test_expect_success 'explain: a trained, verified lawyer on a held lead is allowed' '
	lexgate policy explain --db sqlite:demo.db --staff 6 --action view_masked \
		--purpose consultation --lead 9 --lead-state held --lead-firm 2 \
		--lead-staff 6 --subject adult >out &&
	grep -q "^decision: allow$" out &&
	grep -q "^  actor.role  *lawyer$" out &&
	grep -q "^  actor.licence_verified  *yes$" out &&
	grep -q "^  trained  *pass$" out
'

test_expect_success 'explain: another firm'"'"'s lead is denied, with the rule and clause' '
	lexgate policy explain --db sqlite:demo.db --staff 6 --action view_masked \
		--purpose consultation --lead 9 --lead-state held --lead-firm 3 \
		--lead-staff 11 --subject adult >out &&
	grep -q "^decision: deny$" out &&
	grep -q "^clause: C" out &&
	grep -q "FAIL$" out
'

test_expect_success 'explain: past the training expiry the decision is not_trained' '
	lexgate policy explain --db sqlite:demo.db --staff 6 --action view_masked \
		--purpose consultation --lead 9 --lead-state held --lead-firm 2 \
		--lead-staff 6 --subject adult --at 2099-01-01T00:00:00+08:00 >out &&
	grep -q "^reason: not_trained$" out &&
	grep -q "^clause: C4.2$" out
'

test_expect_success 'explain: an unknown staff member is a deny, not an error' '
	lexgate policy explain --db sqlite:demo.db --staff 999 \
		--action view_masked --purpose consultation >out &&
	grep -q "^note: staff 999 is unknown" out &&
	grep -q "^decision: deny$" out &&
	grep -q "^reason: unknown_role$" out
'

test_expect_failure_code 2 'explain without --purpose is a usage error' '
	lexgate policy explain --db sqlite:demo.db --staff 6 --action view_masked
'

test_expect_success 'explain: a bad action is one line on stderr' '
	test_must_fail lexgate policy explain --db sqlite:demo.db --staff 6 \
		--action peek --purpose consultation 2>err &&
	test_line_count = 1 err
'
test_expect_success 'explain --lead ID takes the stored lead'"'"'s facts' '
	lexgate init --keys keys >/dev/null &&
	lexgate leads canary --db sqlite:demo.db --keys keys --firm 2 >canary &&
	lead=$(grep -o "[0-9][0-9]*" canary | head -1) &&
	test -n "$lead" &&
	lexgate policy explain --db sqlite:demo.db --staff 6 --action claim \
		--purpose consultation --lead "$lead" >out &&
	grep -q "^  lead.state  *offered$" out &&
	grep -q "^  lead.firm_id  *2$" out &&
	grep -q "^decision: allow$" out &&
	! grep -q "not stored" out &&
	lexgate policy explain --db sqlite:demo.db --staff 11 --action claim \
		--purpose consultation --lead "$lead" >out2 &&
	grep -q "^decision: deny$" out2 &&
	lexgate policy explain --db sqlite:demo.db --staff 6 --action claim \
		--purpose consultation --lead 99999 >out3 &&
	grep -q "not stored" out3
'
test_expect_success 'explain: a bad id names the option, not the value' '
	test_must_fail lexgate policy explain --lead-firm 13800138000x 2>err &&
	test_line_count = 1 err &&
	grep -q -- "--lead-firm" err &&
	! grep -q 13800138000 err
'
test_done
