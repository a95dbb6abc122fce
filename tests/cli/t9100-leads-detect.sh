#!/bin/sh
test_description='leads detect (C5.9): silent on a normal history, one
hoarding line for a firm sitting on claimed leads, recorded once in the
violation ledger; leads canary seeds a canary offered to one firm only'
. "$TEST_LIB"

now_ms() { date +%s%3N; }

test_expect_success 'a database with two firms' '
	lexgate init --keys keys >/dev/null &&
	lexgate db migrate --db sqlite:d.db >/dev/null &&
	sqlite3 d.db "INSERT INTO orgs (id, kind, name, daily_capacity, status,
		status_changed_ms, created_ms, updated_ms) VALUES
		(10, '\''firm'\'', '\''A'\'', 10, '\''active'\'', 1, 1, 1),
		(20, '\''firm'\'', '\''B'\'', 10, '\''active'\'', 1, 1, 1)"
'

test_expect_success 'detect on a normal history prints nothing' '
	lexgate leads detect --db sqlite:d.db >out 2>err &&
	test ! -s out &&
	test ! -s err
'

# Firm 10 claimed four leads two days ago and never touched them; firm 20
# claimed one an hour ago (not due yet).
test_expect_success 'a firm sitting on claimed leads' '
	t=$(( $(now_ms) - 2 * 86400000 )) &&
	u=$(( $(now_ms) - 3600000 )) &&
	for i in 1 2 3 4 5; do
		f=10; c=$t
		[ $i = 5 ] && f=20 && c=$u
		sqlite3 d.db "INSERT INTO leads (id, subject_id, channel, area,
			region, preview, contact_masked, minor, sensitive,
			consent_version, consent_ms, state, firm_id, created_ms,
			updated_ms) VALUES ($i, $i, '\''system'\'', '\''labor'\'',
			'\''110105'\'', '\''p'\'', '\''m'\'', 0, 0, '\''v'\'', 1,
			'\''claimed'\'', $f, $c, $c);
			INSERT INTO lead_offers (lead_id, firm_id, attempt, offered_ms,
			deadline_ms, closed_ms, outcome, covering, candidates, score,
			weight, credit_before, credit_after) VALUES ($i, $f, 1, $c,
			$c, $c, '\''claimed'\'', 1, 1, 0, 0, 0, 0)" || exit 1
	done
'

test_expect_success 'detect prints one hoarding line and records it' '
	lexgate leads detect --db sqlite:d.db >out 2>err &&
	test_line_count = 1 out &&
	grep -q "^{\"kind\":\"hoarding\",\"clause\":\"C5.9\",\"firm\":10,\"staff\":null,\"leads\":\[1,2,3,4\],\"count\":4,\"severity\":\"low\"}$" out &&
	test "$(sqlite3 d.db "SELECT COUNT(*) FROM violation WHERE clause =
		'\''C5.9'\'' AND kind = '\''hoarding'\'' AND firm_id = 10")" = 1
'

test_expect_success 'a second run finds it again and records nothing new' '
	lexgate leads detect --db sqlite:d.db >out2 2>err &&
	test_cmp out out2 &&
	test "$(sqlite3 d.db "SELECT COUNT(*) FROM violation")" = 1
'

test_expect_success 'canary: seeded for firm 20, offered to it alone' '
	lexgate leads canary --db sqlite:d.db --keys keys --firm 20 >out 2>err &&
	test ! -s err &&
	grep -q "^{\"lead\":[0-9][0-9]*,\"firm\":20,\"canary\":true}$" out &&
	id=$(sed "s/^{\"lead\":\([0-9]*\),.*/\1/" out) &&
	test "$(sqlite3 d.db "SELECT canary || state || firm_id FROM leads
		WHERE id = $id")" = 1offered20 &&
	test "$(sqlite3 d.db "SELECT COUNT(*) FROM lead_offers WHERE
		lead_id = $id")" = 1
'

test_expect_failure_code 2 'canary without --firm is a usage error' '
	lexgate leads canary --db sqlite:d.db --keys keys
'
test_expect_failure_code 2 'canary with a bad firm id is a usage error' '
	lexgate leads canary --firm x --db sqlite:d.db --keys keys
'
test_expect_failure_code 2 'canary with an unknown area is a usage error' '
	lexgate leads canary --db sqlite:d.db --keys keys --firm 20 --area nope
'
test_expect_failure_code 1 'canary for no such firm fails' '
	lexgate leads canary --db sqlite:d.db --keys keys --firm 99
'
test_expect_failure_code 2 'detect with an extra argument is a usage error' '
	lexgate leads detect --db sqlite:d.db extra
'

test_expect_success 'every failure is one line naming no content' '
	test_must_fail lexgate leads canary --db sqlite:d.db --keys keys \
		--firm 99 2>err &&
	test_line_count = 1 err &&
	grep -q "/firm\\|firm" err &&
	test_must_fail lexgate leads canary --db sqlite:d.db 2>err &&
	test_line_count = 1 err &&
	test_must_fail lexgate leads detect --db sqlite:missing.db 2>err &&
	test_line_count = 1 err
'
test_done
