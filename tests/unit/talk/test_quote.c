/*
 * test_quote — the fee quote service (C5.6): quotes sent by the holding
 * firm's lawyer, answered by the lead's user, revised, charged; hidden
 * mark-ups and fee lures in the violation ledger; contingency refusals
 * audited with nothing stored; who may see and act on a quote.
 *
 * Runs on both backends: with LX_TEST_BACKEND=postgres (CTest registers
 * the @postgres run) each test gets a fresh schema via tests/lib/testdb.h.
 * The clock is ctx.now_ms only.
 */
#include "base/ctx.h"
#include "crypto/crypto.h"
#include "leads/leads.h"
#include "lib/svcfix.h"
#include "lib/talkfix.h"
#include "store/store.h"
#include "talk/talk.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 1800000000000LL
#define HOUR (3600LL * 1000)
#define DAY (24 * HOUR)
#define YUAN 100LL

enum {
    FIRM_A = 10,
    FIRM_B = 20,
    A_LAWYER = 102,
    A_ADMIN = 101,
    B_LAWYER = 202,
    P_COMPLIANCE = 901,
    USER_1 = 501,
    USER_2 = 502,
};

struct fx {
    struct svcfix sf;
    int64_t lead1; /* USER_1's, claimed by A_LAWYER */
    int64_t lead2; /* USER_2's, claimed by A_LAWYER */
};

/* ---- actors ----------------------------------------------------------------
 */

static void
as_staff(struct fx *f, int64_t id)
{
    talkfix_as_staff(&f->sf.ctx, id, TALKFIX_PLATFORM);
}

static void
as_user(struct fx *f, int64_t id)
{
    svcfix_as_user(&f->sf.ctx, id, false);
}

/* A lead of 'user', offered to firm A and claimed by its lawyer. */
static int64_t
intake_as(struct fx *f, int64_t user, const char *phone)
{
    as_user(f, user);
    return talkfix_claimed_lead(&f->sf, phone,
                                "公司拖欠工资三个月，想咨询仲裁。", T0 - 1000,
                                FIRM_A, NULL);
}

static void
seed(struct fx *f)
{
    static const int64_t staff[] = {A_LAWYER, A_ADMIN, B_LAWYER, P_COMPLIANCE};
    struct talkfix_seed s = {
        .platform = true,
        .org_ms = T0,
        .b_region = "310000",
        .staff = staff,
        .n_staff = sizeof(staff) / sizeof(staff[0]),
        .trained_ms = T0 - DAY,
        .valid_ms = T0 + 365 * DAY,
        .a_licence = "11101200000000001",
        .b_licence = "11101200000000002",
    };
    unsigned char ref[32];

    talkfix_seed(&f->sf, &s);
    for (int64_t u = USER_1; u <= USER_2; u++) {
        memset(ref, (int)(u & 0xff), sizeof(ref));
        talkfix_user_add(&f->sf, u, ref, sizeof(ref));
    }
    f->lead1 = intake_as(f, USER_1, "13800138000");
    f->lead2 = intake_as(f, USER_2, "13900139000");
}

static int
setup(void **state)
{
    struct fx *f =
        svcfix_new(sizeof(*f), "/tmp/lx-quote-XXXXXX", T0, LX_ACTOR_NONE);

    if (f == NULL) {
        return -1;
    }
    seed(f);
    *state = f;
    return 0;
}

/* ---- quotes ----------------------------------------------------------------
 */

static const struct lx_talk_fee_item fixed_items[] = {
    {"咨询及代理", 300000},
    {"出庭两次", 200000},
};

/* 5,000 yuan fixed, valid for a week from T0. */
static struct lx_talk_quote
fixed_quote(void)
{
    struct lx_talk_quote q = {0};

    q.method = LX_TALK_FEE_FIXED;
    q.matter = LX_TALK_MATTER_CIVIL;
    q.total_fen = 5000 * YUAN;
    q.items = fixed_items;
    q.n_items = 2;
    q.included = "劳动仲裁一审代理，含材料准备";
    q.valid_from_ms = T0;
    q.valid_until_ms = T0 + 7 * DAY;
    return q;
}

static struct lx_talk_quote
contingency_quote(enum lx_talk_matter matter, int64_t claim_fen, int rate_bp)
{
    struct lx_talk_quote q = {0};

    q.method = LX_TALK_FEE_CONTINGENCY;
    q.matter = matter;
    q.claim_fen = claim_fen;
    q.rate_bp = rate_bp;
    q.included = "一审代理";
    q.valid_from_ms = T0;
    q.valid_until_ms = T0 + 7 * DAY;
    return q;
}

static int64_t
send_ok(struct fx *f, int64_t lead, const struct lx_talk_quote *q)
{
    struct lx_talk_quote_result r;

    as_staff(f, A_LAWYER);
    if (lx_talk_quote_send(&f->sf.ctx, lead, q, &r) != LX_OK) {
        fprintf(stderr, "send: %s\n", lx_err_message(&f->sf.ctx.err));
        fail();
    }
    assert_true(r.id > 0);
    return r.id;
}

static int64_t
accepted_fixed(struct fx *f)
{
    struct lx_talk_quote q = fixed_quote();
    int64_t id = send_ok(f, f->lead1, &q);

    as_user(f, USER_1);
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, id, true), LX_OK);
    return id;
}

static lx_rc
charge(struct fx *f, int64_t quote, int64_t amount,
       struct lx_talk_charge_result *r, int64_t *id)
{
    as_staff(f, A_LAWYER);
    return lx_talk_charge(&f->sf.ctx, quote, amount, r, id);
}

static int64_t
violations(struct fx *f, const char *kind)
{
    return svcfix_countf(
        &f->sf, "SELECT COUNT(*) FROM violation WHERE kind = '%s'", kind);
}

static int64_t
charge_violation(struct fx *f, const char *kind, int64_t charge_id,
                 int64_t quote_id)
{
    return svcfix_countf(
        &f->sf,
        "SELECT COUNT(*) FROM violation WHERE kind = '%s' AND"
        " clause = 'C5.6' AND firm_id = %d AND object_ref ="
        " 'talk_charge:%lld' AND evidence_ref = 'talk_quote:%lld'",
        kind, FIRM_A, (long long)charge_id, (long long)quote_id);
}

static int64_t
charge_excess(struct fx *f, int64_t charge_id)
{
    return svcfix_countf(&f->sf,
                         "SELECT excess_fen FROM talk_charges WHERE id = %lld",
                         (long long)charge_id);
}

/* ---- tests ------------------------------------------------------------------
 */

static void
test_names(void **state)
{
    enum lx_talk_fee_method m;
    enum lx_talk_matter t;
    (void)state;

    assert_string_equal(lx_talk_quote_state_name(LX_TALK_QUOTE_SENT), "sent");
    assert_string_equal(lx_talk_quote_state_name(LX_TALK_QUOTE_WITHDRAWN),
                        "withdrawn");
    assert_string_equal(lx_talk_quote_state_name((enum lx_talk_quote_state)9),
                        "invalid");
    assert_true(lx_talk_fee_method_parse("contingency", &m));
    assert_int_equal(m, LX_TALK_FEE_CONTINGENCY);
    assert_string_equal(lx_talk_fee_method_name(LX_TALK_FEE_HOURLY), "hourly");
    assert_false(lx_talk_fee_method_parse("none", &m));
    assert_false(lx_talk_fee_method_parse("Fixed", &m));
    assert_false(lx_talk_fee_method_parse(NULL, &m));
    for (int i = 1; i <= LX_TALK_MATTER_BENEFITS; i++) {
        const char *n = lx_talk_matter_name((enum lx_talk_matter)i);
        assert_true(lx_talk_matter_parse(n, &t));
        assert_int_equal(t, i);
    }
    assert_false(lx_talk_matter_parse("none", &t));
    assert_string_equal(lx_talk_matter_name((enum lx_talk_matter)99),
                        "invalid");
}

static void
test_fixed_within(void **state)
{
    struct fx *f = *state;
    struct lx_talk_charge_result r;
    struct lx_talk_quote_view v;
    int64_t id, c1 = 0, c2 = 0;

    id = accepted_fixed(f);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM talk_quotes WHERE id = %lld"
                      " AND state = 'accepted' AND accepted_ms = %lld"
                      " AND lure = 0 AND firm_id = %d AND staff_id = %d"
                      " AND ceiling_fen = 500000",
                      (long long)id, T0, FIRM_A, A_LAWYER),
        1);
    f->sf.ctx.now_ms = T0 + HOUR;
    assert_int_equal(charge(f, id, 300000, &r, &c1), LX_OK);
    assert_int_equal(r.allowed_fen, 500000);
    assert_int_equal(r.charged_fen, 300000);
    assert_int_equal(r.excess_fen, 0);
    assert_false(r.hidden_markup);
    assert_false(r.lure_charged);
    /* Exactly the quote is still within it. */
    assert_int_equal(charge(f, id, 200000, &r, &c2), LX_OK);
    assert_true(c2 > c1);
    assert_int_equal(r.charged_fen, 500000);
    assert_false(r.hidden_markup);
    assert_int_equal(charge_excess(f, c2), 0);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM violation"),
                     0);

    /* Every act is on the record. */
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'quote' AND decision = 'done'"),
        1);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'quote_answer' AND reason = 'accepted'"),
        1);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'charge' AND reason = 'within_quote'"),
        2);

    /* The user and the firm read it back, items and all. */
    as_user(f, USER_1);
    assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_OK);
    assert_int_equal(v.id, id);
    assert_int_equal(v.lead_id, f->lead1);
    assert_int_equal(v.state, LX_TALK_QUOTE_ACCEPTED);
    assert_int_equal(v.q.method, LX_TALK_FEE_FIXED);
    assert_int_equal(v.q.matter, LX_TALK_MATTER_CIVIL);
    assert_int_equal(v.q.total_fen, 500000);
    assert_int_equal(v.q.n_items, 2);
    assert_string_equal(v.q.items[0].name, "咨询及代理");
    assert_int_equal(v.q.items[1].amount_fen, 200000);
    assert_string_equal(v.q.included, "劳动仲裁一审代理，含材料准备");
    assert_int_equal(v.ceiling_fen, 500000);
    assert_int_equal(v.allowed_fen, 500000);
    assert_int_equal(v.charged_fen, 500000);
    assert_false(v.lure);
    assert_int_equal(v.created_ms, T0);
    assert_int_equal(v.accepted_ms, T0);
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_OK);
    assert_int_equal(v.charged_fen, 500000);
    /* Platform staff see it too. */
    as_staff(f, P_COMPLIANCE);
    assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_OK);
    assert_int_equal(v.state, LX_TALK_QUOTE_ACCEPTED);
    /* Answering twice is a conflict naming the state. */
    as_user(f, USER_1);
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, id, false), LX_ECONFLICT);
    assert_non_null(strstr(f->sf.ctx.err.detail, "accepted"));
}

static void
test_charge_beyond(void **state)
{
    struct fx *f = *state;
    struct lx_talk_charge_result r;
    int64_t id, c1 = 0, c2 = 0, c3 = 0;

    id = accepted_fixed(f);
    assert_int_equal(charge(f, id, 400000, &r, &c1), LX_OK);
    assert_false(r.hidden_markup);
    assert_int_equal(charge(f, id, 150000, &r, &c2), LX_OK);
    assert_true(r.hidden_markup);
    assert_int_equal(r.allowed_fen, 500000);
    assert_int_equal(r.charged_fen, 550000);
    assert_int_equal(r.excess_fen, 50000);
    assert_int_equal(charge_excess(f, c1), 0);
    assert_int_equal(charge_excess(f, c2), 50000);
    assert_int_equal(charge_violation(f, "hidden_markup", c2, id), 1);
    assert_int_equal(violations(f, "hidden_markup"), 1);
    assert_int_equal(violations(f, "fee_lure"), 0);
    /* A further charge is all excess, and another breach. */
    assert_int_equal(charge(f, id, 10000, &r, &c3), LX_OK);
    assert_int_equal(r.excess_fen, 60000);
    assert_int_equal(charge_excess(f, c3), 10000);
    assert_int_equal(charge_violation(f, "hidden_markup", c3, id), 1);
    assert_int_equal(violations(f, "hidden_markup"), 2);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'charge' AND reason = 'hidden_markup' AND"
                              " clause = 'C5.6'"),
        2);
    /* Bad amounts are refused before anything happens. */
    assert_int_equal(charge(f, id, 0, &r, NULL), LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/amount_fen");
    assert_int_equal(charge(f, id, -5, &r, NULL), LX_EINVAL);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_charges"),
                     3);
}

static void
test_revision_accepted(void **state)
{
    struct fx *f = *state;
    struct lx_talk_charge_result r;
    struct lx_talk_quote_view v;
    int64_t id, rev = 0, c = 0;

    id = accepted_fixed(f);
    as_staff(f, A_LAWYER);
    assert_int_equal(
        lx_talk_quote_revise(&f->sf.ctx, id, 100000, "增加证据鉴定", &rev),
        LX_OK);
    assert_true(rev > 0);
    /* Only the lead's user accepts: the firm cannot, on the record. */
    assert_int_equal(lx_talk_revision_accept(&f->sf.ctx, rev), LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.clause, "C5.6");
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'revision_accept' AND decision = 'deny'"),
        1);
    /* Another user cannot see it. */
    as_user(f, USER_2);
    assert_int_equal(lx_talk_revision_accept(&f->sf.ctx, rev), LX_ENOTFOUND);
    as_user(f, USER_1);
    assert_int_equal(lx_talk_revision_accept(&f->sf.ctx, rev), LX_OK);
    assert_int_equal(lx_talk_revision_accept(&f->sf.ctx, rev), LX_ECONFLICT);
    assert_int_equal(lx_talk_revision_accept(&f->sf.ctx, rev + 1000),
                     LX_ENOTFOUND);
    assert_int_equal(charge(f, id, 600000, &r, &c), LX_OK);
    assert_int_equal(r.allowed_fen, 600000);
    assert_false(r.hidden_markup);
    assert_int_equal(charge_excess(f, c), 0);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM violation"),
                     0);
    as_user(f, USER_1);
    assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_OK);
    assert_int_equal(v.ceiling_fen, 500000);
    assert_int_equal(v.allowed_fen, 600000);
    assert_int_equal(v.charged_fen, 600000);
    /* Revision inputs. */
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_quote_revise(&f->sf.ctx, id, 0, "x", NULL),
                     LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/add_fen");
    assert_int_equal(lx_talk_quote_revise(&f->sf.ctx, id, 100, "", NULL),
                     LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/reason");
    /* The user cannot revise (policy QUOTE). */
    as_user(f, USER_1);
    assert_int_equal(lx_talk_quote_revise(&f->sf.ctx, id, 100, "x", NULL),
                     LX_EDENIED);
}

static void
test_revision_unaccepted(void **state)
{
    struct fx *f = *state;
    struct lx_talk_charge_result r;
    struct lx_talk_quote q = fixed_quote();
    int64_t id, sent, rev = 0, c = 0;

    id = accepted_fixed(f);
    as_staff(f, A_LAWYER);
    assert_int_equal(
        lx_talk_quote_revise(&f->sf.ctx, id, 100000, "增加出庭", &rev), LX_OK);
    assert_int_equal(charge(f, id, 600000, &r, &c), LX_OK);
    assert_int_equal(r.allowed_fen, 500000);
    assert_true(r.hidden_markup);
    assert_int_equal(r.excess_fen, 100000);
    assert_int_equal(charge_excess(f, c), 100000);
    assert_int_equal(charge_violation(f, "hidden_markup", c, id), 1);
    /* A quote not accepted cannot be revised. */
    sent = send_ok(f, f->lead1, &q);
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_quote_revise(&f->sf.ctx, sent, 100, "x", NULL),
                     LX_ECONFLICT);
    assert_non_null(strstr(f->sf.ctx.err.detail, "sent"));
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM talk_quote_revisions WHERE"
                      " quote_id = %lld",
                      (long long)sent),
        0);
}

static void
test_charge_never_accepted(void **state)
{
    struct fx *f = *state;
    struct lx_talk_charge_result r;
    struct lx_talk_quote q = fixed_quote();
    int64_t sent, rejected, c1 = 0, c2 = 0;

    sent = send_ok(f, f->lead1, &q);
    assert_int_equal(charge(f, sent, 100, &r, &c1), LX_OK);
    assert_int_equal(r.allowed_fen, 0);
    assert_true(r.hidden_markup);
    assert_int_equal(r.excess_fen, 100);
    assert_int_equal(charge_excess(f, c1), 100);
    assert_int_equal(charge_violation(f, "hidden_markup", c1, sent), 1);

    rejected = send_ok(f, f->lead1, &q);
    as_user(f, USER_1);
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, rejected, false), LX_OK);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM talk_quotes WHERE id = %lld"
                      " AND state = 'rejected' AND accepted_ms IS NULL",
                      (long long)rejected),
        1);
    assert_int_equal(charge(f, rejected, 500000, &r, &c2), LX_OK);
    assert_true(r.hidden_markup);
    assert_int_equal(r.excess_fen, 500000);
    assert_int_equal(charge_violation(f, "hidden_markup", c2, rejected), 1);
    assert_int_equal(violations(f, "hidden_markup"), 2);
}

static void
test_contingency_criminal(void **state)
{
    struct fx *f = *state;
    struct lx_talk_quote q =
        contingency_quote(LX_TALK_MATTER_CRIMINAL, 100000 * YUAN, 1000);
    struct lx_talk_quote_result r;
    bool seen = false;

    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.clause, "C5.6");
    assert_string_equal(f->sf.ctx.err.field, "/matter");
    assert_int_equal(r.id, 0);
    for (size_t i = 0; i < r.n_findings; i++) {
        seen = seen || strcmp(r.findings[i].code, "contingency_excluded") == 0;
    }
    assert_true(seen);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_quotes"),
                     0);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'quote' AND decision = 'deny' AND reason ="
                              " 'contingency_excluded' AND clause = 'C5.6'"),
        1);
    /* A group case likewise. */
    q = contingency_quote(LX_TALK_MATTER_CIVIL, 100000 * YUAN, 1000);
    q.group_case = true;
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.field, "/group_case");
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_quotes"),
                     0);
}

static void
test_contingency_cap(void **state)
{
    struct fx *f = *state;
    /* 30 % of 1,000,000 yuan; the cap is 18 %. */
    struct lx_talk_quote q =
        contingency_quote(LX_TALK_MATTER_CIVIL, 1000000 * YUAN, 3000);
    struct lx_talk_quote_result r;
    struct lx_talk_quote_view v;
    size_t i;
    int64_t id;

    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.clause, "C5.6");
    assert_string_equal(f->sf.ctx.err.field, "/rate_bp");
    for (i = 0; i < r.n_findings; i++) {
        if (strcmp(r.findings[i].code, "contingency_cap") == 0) {
            break;
        }
    }
    assert_true(i < r.n_findings);
    assert_int_equal(r.findings[i].amount_fen, 120000 * YUAN);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_quotes"),
                     0);
    /* Exactly at the cap is allowed and stored with its ceiling. */
    q.rate_bp = 1800;
    id = send_ok(f, f->lead1, &q);
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_OK);
    assert_int_equal(v.q.method, LX_TALK_FEE_CONTINGENCY);
    assert_int_equal(v.q.rate_bp, 1800);
    assert_int_equal(v.q.claim_fen, 1000000 * YUAN);
    assert_int_equal(v.ceiling_fen, 180000 * YUAN);
    assert_int_equal(v.q.n_items, 0);
}

static void
test_lure(void **state)
{
    struct fx *f = *state;
    static const struct lx_talk_fee_item items[] = {{"0元代理", 0}};
    static const struct lx_talk_fee_item priced[] = {
        {"免费代理", 0},
        {"诉讼服务", 500000},
    };
    struct lx_talk_quote q = fixed_quote();
    struct lx_talk_quote_result qr;
    struct lx_talk_charge_result r;
    struct lx_talk_quote_view v;
    int64_t id, c = 0;

    q.total_fen = 0;
    q.items = items;
    q.n_items = 1;
    id = send_ok(f, f->lead1, &q);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT lure FROM talk_quotes WHERE id = %lld",
                      (long long)id),
        1);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'quote' AND reason = 'lure'"),
        1);
    as_user(f, USER_1);
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, id, true), LX_OK);
    assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_OK);
    assert_true(v.lure);
    assert_string_equal(v.q.items[0].name, "0元代理");
    f->sf.ctx.now_ms = T0 + DAY;
    assert_int_equal(charge(f, id, 300000, &r, &c), LX_OK);
    assert_true(r.lure_charged);
    assert_true(r.hidden_markup);
    assert_int_equal(r.excess_fen, 300000);
    assert_int_equal(charge_violation(f, "fee_lure", c, id), 1);
    assert_int_equal(charge_violation(f, "hidden_markup", c, id), 1);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM violation WHERE at_ms ="
                      " %lld",
                      T0 + DAY),
        2);

    /* A lure item in a quote that charges: flagged, findings returned. */
    q = fixed_quote();
    q.items = priced;
    q.n_items = 2;
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &qr), LX_OK);
    assert_int_equal(qr.n_findings, 1);
    assert_string_equal(qr.findings[0].code, "lure_item");
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT lure FROM talk_quotes WHERE id = %lld",
                      (long long)qr.id),
        1);
    /* A lure in 'included' alone is flagged too. */
    q = fixed_quote();
    q.included = "首次咨询免费代理评估";
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &qr), LX_OK);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT lure FROM talk_quotes WHERE id = %lld",
                      (long long)qr.id),
        1);
    /* "100元" is no lure. */
    q = fixed_quote();
    q.included = "另收差旅费100元";
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &qr), LX_OK);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT lure FROM talk_quotes WHERE id = %lld",
                      (long long)qr.id),
        0);
}

static void
test_expired(void **state)
{
    struct fx *f = *state;
    struct lx_talk_quote q = fixed_quote();
    struct lx_talk_quote_result r;
    int64_t id;

    q.valid_from_ms = T0 + HOUR;
    q.valid_until_ms = T0 + 2 * HOUR;
    id = send_ok(f, f->lead1, &q);
    as_user(f, USER_1);
    /* Not yet valid. */
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, id, true), LX_ECONFLICT);
    /* valid_until_ms is exclusive. */
    f->sf.ctx.now_ms = T0 + 2 * HOUR;
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, id, true), LX_ECONFLICT);
    assert_non_null(strstr(f->sf.ctx.err.detail, "expired"));
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM talk_quotes WHERE id = %lld"
                      " AND state = 'sent'",
                      (long long)id),
        1);
    f->sf.ctx.now_ms = T0 + 2 * HOUR - 1;
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, id, true), LX_OK);
    /* A quote already expired when sent is malformed: nothing stored. */
    q.valid_from_ms = T0;
    q.valid_until_ms = T0 + HOUR;
    f->sf.ctx.now_ms = T0 + HOUR;
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/valid_until_ms");
    assert_int_equal(r.id, 0);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_quotes"),
                     1);
}

static void
test_other_user(void **state)
{
    struct fx *f = *state;
    struct lx_talk_quote q = fixed_quote();
    struct lx_talk_quote_view v;
    int64_t id = send_ok(f, f->lead1, &q);

    as_user(f, USER_2);
    assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_ENOTFOUND);
    assert_int_equal(v.id, 0);
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, id, true), LX_ENOTFOUND);
    /* Exactly as a quote that does not exist. */
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, id + 1000, true),
                     LX_ENOTFOUND);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM talk_quotes WHERE id = %lld"
                      " AND state = 'sent'",
                      (long long)id),
        1);
    /* Firm staff cannot answer for the user. */
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, id, true), LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.clause, "C5.6");
    /* USER_2's own lead carries its own quotes. */
    {
        int64_t mine = send_ok(f, f->lead2, &q);
        as_user(f, USER_2);
        assert_int_equal(lx_talk_quote_answer(&f->sf.ctx, mine, true), LX_OK);
    }
}

static void
test_other_firm(void **state)
{
    struct fx *f = *state;
    struct lx_talk_quote q = fixed_quote();
    struct lx_talk_quote_result r;
    struct lx_talk_charge_result cr;
    struct lx_talk_quote_view v;
    int64_t id = accepted_fixed(f);

    as_staff(f, B_LAWYER);
    assert_int_equal(lx_talk_charge(&f->sf.ctx, id, 1000, &cr, NULL),
                     LX_ENOTFOUND);
    assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_ENOTFOUND);
    assert_int_equal(lx_talk_quote_revise(&f->sf.ctx, id, 100, "x", NULL),
                     LX_ENOTFOUND);
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_ENOTFOUND);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_charges"),
                     0);
    /* The firm admin is no lawyer: a quote is refused (C5.7), audited. */
    as_staff(f, A_ADMIN);
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.clause, "C5.7");
    assert_int_equal(lx_talk_charge(&f->sf.ctx, id, 1000, &cr, NULL),
                     LX_EDENIED);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_quotes"),
                     1);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM audit_log WHERE actor_id ="
                      " %d AND decision = 'deny' AND clause = 'C5.7'",
                      A_ADMIN),
        2);
    /* The holding firm's admin reads it. */
    assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_OK);
    assert_int_equal(v.state, LX_TALK_QUOTE_ACCEPTED);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_charges"),
                     0);
    /* Platform staff read, but never charge. */
    as_staff(f, P_COMPLIANCE);
    assert_int_equal(lx_talk_charge(&f->sf.ctx, id, 1000, &cr, NULL),
                     LX_EDENIED);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_charges"),
                     0);
}

static void
test_bad_input(void **state)
{
    struct fx *f = *state;
    static const struct lx_talk_fee_item wrong_sum[] = {{"代理", 100000}};
    static const struct lx_talk_fee_item quoted[] = {
        {"含\"引号\"与\\反斜杠", 500000},
    };
    static const char bad_utf8[] = {'a', (char)0xff, 0};
    struct lx_talk_quote q = fixed_quote();
    struct lx_talk_quote_result r;
    struct lx_talk_quote_view v;

    as_staff(f, A_LAWYER);
    q.method = LX_TALK_FEE_NONE;
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/method");
    assert_null(f->sf.ctx.err.clause);
    q = fixed_quote();
    q.included = "";
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/included");
    q = fixed_quote();
    q.included = bad_utf8;
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/included");
    /* A breakdown that does not add up is an opaque fee (C5.6). */
    q = fixed_quote();
    q.items = wrong_sum;
    q.n_items = 1;
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, f->lead1, &q, &r),
                     LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.clause, "C5.6");
    assert_string_equal(f->sf.ctx.err.field, "/items");
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_quotes"),
                     0);
    /* No such lead. */
    q = fixed_quote();
    assert_int_equal(lx_talk_quote_send(&f->sf.ctx, 99999, &q, &r),
                     LX_ENOTFOUND);
    /* Names with JSON specials come back unchanged. */
    q.items = quoted;
    q.n_items = 1;
    {
        int64_t id = send_ok(f, f->lead1, &q);
        assert_int_equal(lx_talk_quote_get(&f->sf.ctx, id, &v), LX_OK);
        assert_int_equal(v.q.n_items, 1);
        assert_string_equal(v.q.items[0].name, "含\"引号\"与\\反斜杠");
        assert_int_equal(v.q.items[0].amount_fen, 500000);
        assert_int_equal(v.state, LX_TALK_QUOTE_SENT);
        assert_int_equal(v.allowed_fen, 0);
    }
}

/* A charge beyond the quote with a store fault at every statement: the
 * charge, its violation and its audit record are kept together or not at
 * all. */
static void
test_charge_fault_walk(void **state)
{
    struct fx *f = *state;
    struct lx_talk_charge_result r;
    int64_t id = accepted_fixed(f);
    char spec[32];
    int done = 0;

    if (lx_store_fault_set(f->sf.app.store, "stmt:1") != LX_OK) {
        skip();
    }
    lx_store_fault_set(f->sf.app.store, NULL);
    for (int k = 1; k < 200 && !done; k++) {
        lx_rc rc;

        snprintf(spec, sizeof(spec), "stmt:%d", k);
        assert_int_equal(lx_store_fault_set(f->sf.app.store, spec), LX_OK);
        rc = charge(f, id, 600000, &r, NULL);
        assert_int_equal(lx_store_fault_set(f->sf.app.store, NULL), LX_OK);
        if (rc == LX_OK) {
            done = k;
            break;
        }
        assert_int_equal(rc, LX_ESTORE);
        assert_int_equal(
            svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_charges"), 0);
        assert_int_equal(
            svcfix_countf(&f->sf, "SELECT COUNT(*) FROM violation"), 0);
        assert_int_equal(
            svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action"
                                  " = 'charge'"),
            0);
    }
    assert_true(done > 5);
    assert_true(r.hidden_markup);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_charges"),
                     1);
    assert_int_equal(violations(f, "hidden_markup"), 1);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM audit_log WHERE action = 'charge'"),
        1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_fixed_within, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_charge_beyond, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_revision_accepted, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_revision_unaccepted, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_charge_never_accepted, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_contingency_criminal, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_contingency_cap, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_lure, setup, svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_expired, setup, svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_other_user, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_other_firm, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_charge_fault_walk, setup,
                                        svcfix_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
