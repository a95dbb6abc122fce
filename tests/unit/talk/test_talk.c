/*
 * test_talk.c — decision tables for the pure conduct rules of src/talk:
 * contact limits and opt-out (C5.3), fee quotes and charges (C5.6),
 * credential claims (C5.4). Every row names its boundary; expected values
 * (cap arithmetic, byte offsets) are written out by hand, not computed by
 * the code under test. A CJK character is 3 bytes in UTF-8, a full-width
 * digit too.
 */
#include "talk/talk.h"

#include "base/time.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SEC INT64_C(1000)
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define T0 INT64_C(1772409600000) /* 2026-03-02T00:00:00Z, a Monday */

/* An instant given as Beijing local time (+08:00) on 2026-03-02. */
#define bj(h, m, s) (T0 + (h)*HOUR + (m)*MIN + (s)*SEC - 8 * HOUR)

/* ---- Contact limits (C5.3) ----------------------------------------------- */

#define MAXA 6

struct contact_row {
    const char *name;
    enum lx_talk_attempt_kind kind;
    enum lx_talk_purpose purpose;
    int64_t now;
    int64_t attempts[MAXA]; /* 0 terminates */
    int64_t user_last;
    bool opted_out;
    int64_t opted_out_at;
    enum lx_talk_verdict verdict;
    const char *reason;
    int64_t retry; /* -1: not checked */
    int counted;   /* -1: not checked */
};

#define MSG LX_TALK_ATTEMPT_MESSAGE
#define CALL LX_TALK_ATTEMPT_CALL
#define CONS LX_TALK_PURPOSE_CONSULTATION
#define COMP LX_TALK_PURPOSE_COMPLAINT
#define ALLOW LX_TALK_ALLOW, "allowed"
#define DENY LX_TALK_DENY
#define NOON bj(12, 0, 0)

/* clang-format off */
static const struct contact_row contact_rows[] = {
    {"no history, daytime", MSG, CONS, NOON, {0}, 0, false, 0, ALLOW, 0, 0},
    {"call, no history", CALL, CONS, NOON, {0}, 0, false, 0, ALLOW, 0, 0},
    {"two unanswered: third allowed", MSG, CONS, NOON,
     {bj(9, 0, 0), bj(10, 0, 0)}, 0, false, 0, ALLOW, 0, 2},
    {"exactly three unanswered: fourth denied", CALL, CONS, NOON,
     {bj(9, 0, 0), bj(10, 0, 0), bj(11, 0, 0)}, 0, false, 0,
     DENY, "unanswered_limit", bj(9, 0, 0) + DAY, 3},
    {"four unanswered, any order: retry when the second oldest leaves", MSG,
     CONS, NOON, {bj(11, 0, 0), bj(9, 0, 0), bj(10, 0, 0), bj(8, 30, 0)},
     0, false, 0, DENY, "unanswered_limit", bj(9, 0, 0) + DAY, 4},
    {"equal instants rank together", MSG, CONS, NOON,
     {bj(9, 0, 0), bj(9, 0, 0), bj(9, 0, 0), bj(10, 0, 0)}, 0, false, 0,
     DENY, "unanswered_limit", bj(9, 0, 0) + DAY, 4},
    {"user replied after one: count restarts", MSG, CONS, NOON,
     {bj(9, 0, 0), bj(10, 0, 0), bj(11, 0, 0)}, bj(9, 30, 0), false, 0,
     ALLOW, 0, 2},
    {"reply at the same ms as an attempt answers it", MSG, CONS, NOON,
     {bj(9, 0, 0), bj(10, 0, 0), bj(11, 0, 0)}, bj(9, 0, 0), false, 0,
     ALLOW, 0, 2},
    {"attempt exactly 24 h old no longer counts", MSG, CONS, NOON,
     {NOON - DAY, bj(10, 0, 0), bj(11, 0, 0)}, 0, false, 0, ALLOW, 0, 2},
    {"attempt 24 h - 1 ms old still counts", MSG, CONS, NOON,
     {NOON - DAY + 1, bj(10, 0, 0), bj(11, 0, 0)}, 0, false, 0,
     DENY, "unanswered_limit", NOON + 1, 3},
    {"20:59:59.999 is not quiet", MSG, CONS, bj(20, 59, 59) + 999, {0}, 0,
     false, 0, ALLOW, 0, 0},
    {"21:00:00.000 is quiet", MSG, CONS, bj(21, 0, 0), {0}, 0, false, 0,
     DENY, "quiet_hours", bj(8, 0, 0) + DAY, -1},
    {"00:00 is quiet", CALL, CONS, bj(0, 0, 0), {0}, 0, false, 0,
     DENY, "quiet_hours", bj(8, 0, 0), -1},
    {"07:59:59.999 is quiet", MSG, CONS, bj(7, 59, 59) + 999, {0}, 0, false,
     0, DENY, "quiet_hours", bj(8, 0, 0), -1},
    {"08:00:00.000 is not quiet", MSG, CONS, bj(8, 0, 0), {0}, 0, false, 0,
     ALLOW, 0, 0},
    {"quiet, user wrote exactly 30 min ago", MSG, CONS, bj(22, 0, 0), {0},
     bj(21, 30, 0), false, 0, ALLOW, 0, 0},
    {"quiet, user wrote 30 min + 1 ms ago", MSG, CONS, bj(22, 0, 0), {0},
     bj(21, 30, 0) - 1, false, 0, DENY, "quiet_hours", bj(8, 0, 0) + DAY, -1},
    {"quiet, user wrote before midnight, now 00:10", CALL, CONS,
     bj(0, 10, 0) + DAY, {0}, bj(23, 50, 0), false, 0, ALLOW, 0, 0},
    {"quiet, a user message in the future does not lift it", MSG, CONS,
     bj(22, 0, 0), {0}, bj(22, 0, 1), false, 0, DENY, "quiet_hours", -1, -1},
    {"quiet lifted, the count still applies", MSG, CONS, bj(22, 0, 0),
     {bj(21, 40, 0), bj(21, 45, 0), bj(21, 50, 0)}, bj(21, 35, 0), false, 0,
     DENY, "unanswered_limit", bj(21, 40, 0) + DAY, 3},
    {"opted out: consultation message denied", MSG, CONS, NOON, {0},
     bj(11, 0, 0), true, bj(11, 0, 0), DENY, "opted_out", 0, -1},
    {"opted out: call denied", CALL, CONS, NOON, {0}, 0, true,
     bj(11, 0, 0), DENY, "opted_out", 0, -1},
    {"opted out: opt-out beats quiet hours", CALL, CONS, bj(23, 0, 0), {0},
     0, true, bj(11, 0, 0), DENY, "opted_out", 0, -1},
    {"opted out: complaint handling allowed", MSG, COMP, NOON, {0},
     bj(11, 0, 0), true, bj(11, 0, 0), ALLOW, 0, 0},
    {"opted out: complaint still keeps quiet hours", MSG, COMP,
     bj(23, 0, 0), {0}, bj(11, 0, 0), true, bj(11, 0, 0),
     DENY, "quiet_hours", -1, -1},
    {"opted out: complaint still keeps the count", CALL, COMP, NOON,
     {bj(9, 0, 0), bj(10, 0, 0), bj(11, 30, 0)}, bj(8, 0, 0), true,
     bj(8, 0, 0), DENY, "unanswered_limit", -1, 3},
    {"opted out, the user wrote again 1 ms later: lifted", MSG, CONS, NOON,
     {0}, bj(11, 0, 0) + 1, true, bj(11, 0, 0), ALLOW, 0, 0},
    {"opted out at an unknown time: stands despite a later message", MSG,
     CONS, NOON, {0}, bj(11, 0, 0), true, 0, DENY, "opted_out", 0, -1},
    {"no kind: denied", LX_TALK_ATTEMPT_NONE, CONS, NOON, {0}, 0, false, 0,
     DENY, "bad_facts", 0, -1},
    {"no purpose: denied", MSG, LX_TALK_PURPOSE_NONE, NOON, {0}, 0, false, 0,
     DENY, "bad_facts", 0, -1},
    {"unknown kind: denied", (enum lx_talk_attempt_kind)9, CONS, NOON, {0}, 0,
     false, 0, DENY, "bad_facts", 0, -1},
    {"no clock: denied", MSG, CONS, 0, {0}, 0, false, 0, DENY, "bad_facts",
     0, -1},
};
/* clang-format on */

static void
test_contact_table(void **state)
{
    struct lx_talk_limits lim;

    (void)state;
    lx_talk_limits_default(&lim);
    for (size_t i = 0; i < sizeof contact_rows / sizeof contact_rows[0]; i++) {
        const struct contact_row *r = &contact_rows[i];
        struct lx_talk_contact_facts f = {0};
        struct lx_talk_contact_decision d;
        size_t n = 0;
        while (n < MAXA && r->attempts[n] != 0) {
            n++;
        }
        f.kind = r->kind;
        f.purpose = r->purpose;
        f.attempts_ms = r->attempts;
        f.n_attempts = n;
        f.user_last_msg_ms = r->user_last;
        f.opted_out = r->opted_out;
        f.opted_out_ms = r->opted_out_at;
        memset(&d, 0xA5, sizeof d);
        lx_talk_contact_decide(&f, &lim, r->now, &d);
        if (d.verdict != r->verdict || strcmp(d.reason, r->reason) != 0 ||
            (r->retry >= 0 && d.retry_ms != r->retry) ||
            (r->counted >= 0 && d.counted != r->counted)) {
            fail_msg("%s: got %d %s retry=%lld counted=%d", r->name,
                     (int)d.verdict, d.reason, (long long)d.retry_ms,
                     d.counted);
        }
        assert_non_null(d.message);
        if (d.verdict == LX_TALK_ALLOW) {
            assert_null(d.clause);
        } else {
            assert_string_equal(d.clause, "C5.3");
        }
    }
}

static void
test_contact_limits_config(void **state)
{
    struct lx_talk_limits lim;
    struct lx_talk_contact_facts f = {.kind = MSG, .purpose = CONS};
    struct lx_talk_contact_decision d;
    int64_t a[2] = {bj(10, 0, 0), bj(11, 0, 0)};

    (void)state;
    lx_talk_limits_default(&lim);
    assert_int_equal(lim.max_unanswered, 3);
    assert_int_equal(lim.window_ms, DAY);
    assert_int_equal(lim.quiet_start_ms, 21 * HOUR);
    assert_int_equal(lim.quiet_end_ms, 8 * HOUR);
    assert_int_equal(lim.user_recent_ms, 30 * MIN);

    /* A stricter limit of 2 denies the third. */
    lim.max_unanswered = 2;
    f.attempts_ms = a;
    f.n_attempts = 2;
    lx_talk_contact_decide(&f, &lim, NOON, &d);
    assert_int_equal(d.verdict, LX_TALK_DENY);
    assert_string_equal(d.reason, "unanswered_limit");
    assert_int_equal(d.retry_ms, bj(10, 0, 0) + DAY);

    /* A limit of 0 denies even the first attempt, with no retry time. */
    lim.max_unanswered = 0;
    f.n_attempts = 0;
    lx_talk_contact_decide(&f, &lim, NOON, &d);
    assert_string_equal(d.reason, "unanswered_limit");
    assert_int_equal(d.retry_ms, 0);

    /* A non-wrapping quiet window 12:00-13:00. */
    lx_talk_limits_default(&lim);
    lim.quiet_start_ms = 12 * HOUR;
    lim.quiet_end_ms = 13 * HOUR;
    lx_talk_contact_decide(&f, &lim, bj(12, 30, 0), &d);
    assert_string_equal(d.reason, "quiet_hours");
    assert_int_equal(d.retry_ms, bj(13, 0, 0));
    lx_talk_contact_decide(&f, &lim, bj(22, 0, 0), &d);
    assert_int_equal(d.verdict, LX_TALK_ALLOW);
    /* start == end: no quiet hours at all. */
    lim.quiet_end_ms = lim.quiet_start_ms;
    lx_talk_contact_decide(&f, &lim, bj(12, 30, 0), &d);
    assert_int_equal(d.verdict, LX_TALK_ALLOW);

    /* Bad limits and missing facts deny. */
    lx_talk_limits_default(&lim);
    lim.window_ms = 0;
    lx_talk_contact_decide(&f, &lim, bj(10, 0, 0), &d);
    assert_string_equal(d.reason, "bad_limits");
    assert_string_equal(d.clause, "C5.3");
    lx_talk_limits_default(&lim);
    lim.quiet_start_ms = DAY;
    lx_talk_contact_decide(&f, &lim, bj(10, 0, 0), &d);
    assert_string_equal(d.reason, "bad_limits");
    lx_talk_contact_decide(&f, NULL, bj(10, 0, 0), &d);
    assert_string_equal(d.reason, "bad_limits");
    lx_talk_limits_default(&lim);
    lx_talk_contact_decide(NULL, &lim, bj(10, 0, 0), &d);
    assert_string_equal(d.reason, "bad_facts");
    /* Extreme instants neither overflow nor pass. */
    {
        int64_t far[3] = {INT64_MAX, INT64_MAX, INT64_MAX};
        f.attempts_ms = far;
        f.n_attempts = 3;
        lx_talk_contact_decide(&f, &lim, NOON, &d);
        assert_string_equal(d.reason, "unanswered_limit");
        assert_true(d.retry_ms == INT64_MAX);
        lx_talk_contact_decide(&f, &lim, INT64_MAX, &d);
        assert_string_equal(d.reason, "bad_facts");
    }
    f.n_attempts = 1;
    f.attempts_ms = NULL;
    lx_talk_contact_decide(&f, &lim, bj(10, 0, 0), &d);
    assert_string_equal(d.reason, "bad_facts");
    assert_int_equal(d.verdict, LX_TALK_DENY);
}

/* Beyond the exact-ranking bound the retry time is the newest attempt +
 * window: later than the exact one, never earlier. */
static void
test_contact_many_attempts(void **state)
{
    enum { N = 600 };
    static int64_t a[N];
    struct lx_talk_limits lim;
    struct lx_talk_contact_facts f = {.kind = MSG, .purpose = CONS};
    struct lx_talk_contact_decision d;

    (void)state;
    for (int i = 0; i < N; i++) {
        a[i] = bj(10, 0, 0) + i * SEC;
    }
    lx_talk_limits_default(&lim);
    f.attempts_ms = a;
    f.n_attempts = N;
    lx_talk_contact_decide(&f, &lim, NOON, &d);
    assert_string_equal(d.reason, "unanswered_limit");
    assert_int_equal(d.counted, N);
    assert_int_equal(d.retry_ms, a[N - 1] + DAY);
    /* 500 attempts are ranked exactly: the 498th oldest leaves first. */
    f.n_attempts = 500;
    lx_talk_contact_decide(&f, &lim, NOON, &d);
    assert_int_equal(d.counted, 500);
    assert_int_equal(d.retry_ms, a[497] + DAY);
}

/* ---- Opt-out (C5.3) ------------------------------------------------------ */

struct optout_row {
    const char *text;
    bool found;
    size_t off, len;
};

/* clang-format off */
static const struct optout_row optout_rows[] = {
    {"别再联系我", true, 0, 15},
    {"好的，别再联系我了", true, 9, 15},
    {"不要再打了，谢谢", true, 0, 15},
    {"我已经找到律师，不需要了", true, 24, 12},
    {"请勿打扰", true, 0, 12},
    {"退订", true, 0, 6},
    {"回复退订", true, 6, 6},
    {"abc不要联系我", true, 3, 15},
    {"别打扰我", true, 0, 12},
    {"不是不需要了，但别再联系我", true, 24, 15},
    /* negated or asked, not said */
    {"不是不需要了，是想再考虑", false, 0, 0},
    {"我没说不需要了", false, 0, 0},
    {"并非不需要了", false, 0, 0},
    {"还不需要了吗", false, 0, 0},
    {"不需要了？", false, 0, 0},
    {"请明天联系我", false, 0, 0},
    {"需要律师帮忙", false, 0, 0},
    {"", false, 0, 0},
};
/* clang-format on */

static void
test_optout_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof optout_rows / sizeof optout_rows[0]; i++) {
        const struct optout_row *r = &optout_rows[i];
        struct lx_talk_span at = {999, 999};
        bool got = lx_talk_optout_find(r->text, strlen(r->text), &at);
        if (got != r->found ||
            (got && (at.off != r->off || at.len != r->len))) {
            fail_msg("optout row %zu: got %d off=%zu len=%zu", i, (int)got,
                     at.off, at.len);
        }
    }
    assert_false(lx_talk_optout_find(NULL, 0, NULL));
    /* The phrase must lie wholly inside n. */
    assert_false(lx_talk_optout_find("退订", 5, NULL));
    assert_true(lx_talk_optout_find("退订", 6, NULL));
}

/* ---- Contingency cap (C5.6) ---------------------------------------------- */

#define Y INT64_C(100) /* fen per yuan */
#define WAN (10000 * Y)

static void
test_contingency_cap(void **state)
{
    /* clang-format off */
    static const struct {
        int64_t claim, cap;
    } rows[] = {
        {0, 0},
        {1, 0},                           /* 0.18 fen rounds down */
        {5, 0},                           /* 0.90 fen */
        {6, 1},                           /* 1.08 fen */
        {100, 18},                        /* 1 yuan */
        {100 * WAN - 1, 18 * WAN - 1},    /* 17,999,999.82 fen */
        {100 * WAN, 18 * WAN},            /* 1M yuan: 180,000 yuan */
        {100 * WAN + 1, 18 * WAN},        /* + 0.15 fen rounds down */
        {100 * WAN + 7, 18 * WAN + 1},    /* + 1.05 fen */
        {500 * WAN, 78 * WAN},            /* 18 + 60 */
        {500 * WAN + 9, 78 * WAN + 1},    /* + 1.08 fen at 12 % */
        {1000 * WAN, 138 * WAN},          /* + 60 */
        {5000 * WAN, 498 * WAN},          /* + 360 */
        {5000 * WAN + 17, 498 * WAN + 1}, /* 17 * 6 % = 1.02 fen */
        {10000 * WAN, 798 * WAN},         /* + 300 */
        {LX_TALK_FEN_MAX, 498 * WAN + (LX_TALK_FEN_MAX - 5000 * WAN) / 100 * 6},
        {-1, -1},
        {LX_TALK_FEN_MAX + 1, -1},
    };
    /* clang-format on */

    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int64_t got = lx_talk_contingency_cap_fen(rows[i].claim);
        if (got != rows[i].cap) {
            fail_msg("cap row %zu: claim %lld got %lld want %lld", i,
                     (long long)rows[i].claim, (long long)got,
                     (long long)rows[i].cap);
        }
    }
}

/* ---- Quotes (C5.6) ------------------------------------------------------- */

#define VALID .valid_from_ms = T0, .valid_until_ms = T0 + 7 * DAY
#define NOWQ (T0 + DAY)
#define INCL .included = "一审代理"

static const struct lx_talk_fee_item items_ok[] = {{"立案", 300000},
                                                   {"开庭", 200000}};
static const struct lx_talk_fee_item items_short[] = {{"立案", 300000},
                                                      {"开庭", 100000}};
static const struct lx_talk_fee_item items_lure[] = {{"免费代理", 0},
                                                     {"执行阶段", 500000}};
static const struct lx_talk_fee_item items_named[] = {{"起诉状", 0},
                                                      {"开庭", 0}};
static const struct lx_talk_fee_item items_priced[] = {{"开庭", 100}};
static const struct lx_talk_fee_item items_100[] = {{"咨询费100元", 500000}};
static const struct lx_talk_fee_item items_noname[] = {{"", 500000}};
static const struct lx_talk_fee_item items_neg[] = {{"开庭", -1}};

struct quote_row {
    const char *name;
    struct lx_talk_quote q;
    const char *codes; /* the finding codes, space separated, in order */
    int64_t amount0;   /* amount_fen of the first finding; -1 unchecked */
};

#define FIXED .method = LX_TALK_FEE_FIXED, .matter = LX_TALK_MATTER_CIVIL
#define STAGED .method = LX_TALK_FEE_STAGED
#define HOURLY .method = LX_TALK_FEE_HOURLY, .matter = LX_TALK_MATTER_CIVIL
#define CONT .method = LX_TALK_FEE_CONTINGENCY
#define CIVIL .matter = LX_TALK_MATTER_CIVIL
#define M(x) .matter = LX_TALK_MATTER_##x
#define ITEMS(a) .items = a, .n_items = sizeof a / sizeof a[0]

/* clang-format off */
static const struct quote_row quote_rows[] = {
    {"fixed ok", {FIXED, .total_fen = 500000, INCL, VALID}, "", -1},
    {"fixed, items sum to the total",
     {FIXED, .total_fen = 500000, ITEMS(items_ok), INCL, VALID}, "", -1},
    {"fixed, items 1000 yuan short of the total",
     {FIXED, .total_fen = 500000, ITEMS(items_short), INCL, VALID},
     "items_sum_mismatch", -100000},
    {"staged ok, criminal allowed for non-contingency",
     {STAGED, M(CRIMINAL), .total_fen = 500000, ITEMS(items_ok), INCL, VALID},
     "", -1},
    {"staged without stages",
     {STAGED, CIVIL, .total_fen = 500000, INCL, VALID}, "stages_missing", -1},
    {"hourly ok, items name the work",
     {HOURLY, .rate_fen = 80000, .max_hours = 10, ITEMS(items_named), INCL,
      VALID}, "", -1},
    {"hourly without a ceiling",
     {HOURLY, .rate_fen = 80000, INCL, VALID}, "hours_cap_missing", -1},
    {"hourly with a priced item",
     {HOURLY, .rate_fen = 80000, .max_hours = 10, ITEMS(items_priced), INCL,
      VALID}, "item_amount_unused", -1},
    {"hourly with total_fen set",
     {HOURLY, .rate_fen = 80000, .max_hours = 10, .total_fen = 1, INCL,
      VALID}, "field_unused", -1},
    {"hourly, 1 yuan ceiling is a lure",
     {HOURLY, .rate_fen = 100, .max_hours = 1, INCL, VALID}, "lure_total",
     100},
    {"no method", {CIVIL, INCL, VALID}, "method_unknown", -1},
    {"no matter",
     {.method = LX_TALK_FEE_FIXED, .total_fen = 500000, INCL, VALID},
     "matter_unknown", -1},
    {"nothing said to be included", {FIXED, .total_fen = 500000, VALID},
     "included_missing", -1},
    {"empty validity window",
     {FIXED, .total_fen = 500000, INCL, .valid_from_ms = T0,
      .valid_until_ms = T0}, "validity_window", -1},
    {"expires exactly now",
     {FIXED, .total_fen = 500000, INCL, .valid_from_ms = T0,
      .valid_until_ms = NOWQ}, "expired", -1},
    {"valid until 1 ms after now",
     {FIXED, .total_fen = 500000, INCL, .valid_from_ms = T0,
      .valid_until_ms = NOWQ + 1}, "", -1},
    {"negative total", {FIXED, .total_fen = -1, INCL, VALID}, "amount_range",
     -1},
    {"total above the maximum",
     {FIXED, .total_fen = LX_TALK_FEN_MAX + 1, INCL, VALID}, "amount_range",
     -1},
    {"negative item",
     {FIXED, .total_fen = 500000, ITEMS(items_neg), INCL, VALID},
     "item_amount_range", -1},
    {"unnamed item",
     {FIXED, .total_fen = 500000, ITEMS(items_noname), INCL, VALID},
     "item_name_missing", -1},
    {"0 yuan total is a lure", {FIXED, .total_fen = 0, INCL, VALID},
     "lure_total", 0},
    {"1 yuan total is a lure", {FIXED, .total_fen = 100, INCL, VALID},
     "lure_total", 100},
    {"1.01 yuan is no lure", {FIXED, .total_fen = 101, INCL, VALID}, "", -1},
    {"free item in a quote that charges",
     {FIXED, .total_fen = 500000, ITEMS(items_lure), INCL, VALID},
     "lure_item", 500000},
    {"100元 in an item name is no lure",
     {FIXED, .total_fen = 500000, ITEMS(items_100), INCL, VALID}, "", -1},
    {"fixed with a contingency field",
     {FIXED, .total_fen = 500000, .rate_bp = 10, INCL, VALID},
     "field_unused", -1},
    /* Contingency, claim 1M yuan: cap 180,000 yuan = 18 %. */
    {"contingency at the cap",
     {CONT, CIVIL, .rate_bp = 1800, .claim_fen = 100 * WAN, INCL, VALID},
     "", -1},
    {"contingency 1 bp over: 100 yuan excess",
     {CONT, CIVIL, .rate_bp = 1801, .claim_fen = 100 * WAN, INCL, VALID},
     "contingency_cap", 100 * Y},
    {"contingency base pushes over by 1 fen",
     {CONT, CIVIL, .rate_bp = 1800, .base_fen = 1, .claim_fen = 100 * WAN,
      INCL, VALID}, "contingency_cap", 1},
    /* Claim 2M yuan: cap 180,000 + 150,000 = 330,000 yuan = 16.5 %. */
    {"contingency 2M at 16.50 %",
     {CONT, CIVIL, .rate_bp = 1650, .claim_fen = 200 * WAN, INCL, VALID},
     "", -1},
    {"contingency 2M at 16.51 %",
     {CONT, CIVIL, .rate_bp = 1651, .claim_fen = 200 * WAN, INCL, VALID},
     "contingency_cap", 200 * Y},
    /* Claim 1 fen at 18 %: 0.18 fen asked, cap 0.18 fen: exact, passes. */
    {"contingency 1 fen at 18 %: exact compare",
     {CONT, CIVIL, .rate_bp = 1800, .claim_fen = 1, INCL, VALID}, "", -1},
    {"contingency 1 fen at 18.01 %: excess rounds up to 1 fen",
     {CONT, CIVIL, .rate_bp = 1801, .claim_fen = 1, INCL, VALID},
     "contingency_cap", 1},
    {"contingency criminal",
     {CONT, M(CRIMINAL), .rate_bp = 1000, .claim_fen = 100 * WAN, INCL,
      VALID}, "contingency_excluded", -1},
    {"contingency administrative",
     {CONT, M(ADMINISTRATIVE), .rate_bp = 1000, .claim_fen = 100 * WAN, INCL,
      VALID}, "contingency_excluded", -1},
    {"contingency state compensation",
     {CONT, M(STATE_COMPENSATION), .rate_bp = 1000, .claim_fen = 100 * WAN,
      INCL, VALID}, "contingency_excluded", -1},
    {"contingency group case",
     {CONT, CIVIL, .group_case = true, .rate_bp = 1000,
      .claim_fen = 100 * WAN, INCL, VALID}, "contingency_excluded", -1},
    {"contingency marriage or inheritance",
     {CONT, M(MARRIAGE_INHERITANCE), .rate_bp = 1000, .claim_fen = 100 * WAN,
      INCL, VALID}, "contingency_excluded", -1},
    {"contingency excluded and over the cap",
     {CONT, M(CRIMINAL), .rate_bp = 3000, .claim_fen = 100 * WAN, INCL,
      VALID}, "contingency_excluded contingency_cap", -1},
    {"contingency zero claim",
     {CONT, CIVIL, .rate_bp = 1000, INCL, VALID}, "amount_range", -1},
    {"contingency rate over 100 %",
     {CONT, CIVIL, .rate_bp = 10001, .claim_fen = 100 * WAN, INCL, VALID},
     "amount_range", -1},
    {"contingency with no base is no lure",
     {CONT, CIVIL, .rate_bp = 1000, .claim_fen = 100, INCL, VALID}, "", -1},
};
/* clang-format on */

static void
test_quote_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof quote_rows / sizeof quote_rows[0]; i++) {
        const struct quote_row *r = &quote_rows[i];
        struct lx_talk_fee_finding f[8];
        char got[256] = "";
        size_t n = lx_talk_quote_check(&r->q, NOWQ, f, 8), used = 0;
        assert_true(n <= 8);
        for (size_t j = 0; j < n; j++) {
            int w = snprintf(got + used, sizeof got - used, "%s%s",
                             j ? " " : "", f[j].code);
            assert_true(w > 0 && (size_t)w < sizeof got - used);
            used += (size_t)w;
            assert_non_null(f[j].field);
            if (f[j].clause != NULL) {
                assert_string_equal(f[j].clause, "C5.6");
            }
        }
        if (strcmp(got, r->codes) != 0 ||
            (r->amount0 != -1 && (n == 0 || f[0].amount_fen != r->amount0))) {
            fail_msg("%s: got '%s' amount %lld", r->name, got,
                     n ? (long long)f[0].amount_fen : -1LL);
        }
    }
}

static void
test_quote_details(void **state)
{
    struct lx_talk_fee_finding f[4];
    struct lx_talk_quote q = {FIXED, .total_fen = 500000, ITEMS(items_lure),
                              INCL, VALID};
    struct lx_talk_quote h = {
        .method = LX_TALK_FEE_HOURLY, .rate_fen = 80000, .max_hours = 10};
    struct lx_talk_quote c = {CONT, .base_fen = 100000, .rate_bp = 1000,
                              .claim_fen = 12345};

    (void)state;
    /* A lure is flagged, not refused, and names its item. */
    assert_int_equal(lx_talk_quote_check(&q, NOWQ, f, 4), 1);
    assert_int_equal(f[0].item, 0);
    assert_false(f[0].refuse);
    assert_string_equal(f[0].field, "/items/name");
    assert_string_equal(f[0].clause, "C5.6");
    /* An excluded contingency is refused under C5.6. */
    q = (struct lx_talk_quote){
        CONT, M(BENEFITS), .rate_bp = 100, .claim_fen = 100, INCL, VALID};
    assert_int_equal(lx_talk_quote_check(&q, NOWQ, f, 4), 1);
    assert_true(f[0].refuse);
    assert_string_equal(f[0].clause, "C5.6");
    assert_string_equal(f[0].field, "/matter");
    /* Bad input is refused without a clause. */
    q = (struct lx_talk_quote){FIXED, .total_fen = -5, INCL, VALID};
    assert_int_equal(lx_talk_quote_check(&q, NOWQ, f, 4), 1);
    assert_true(f[0].refuse);
    assert_null(f[0].clause);
    assert_string_equal(f[0].field, "/total_fen");
    /* Findings beyond cap are counted, not written. */
    q = (struct lx_talk_quote){FIXED, .total_fen = 0};
    assert_int_equal(lx_talk_quote_check(&q, NOWQ, f, 1), 3);
    assert_string_equal(f[0].code, "included_missing");
    assert_int_equal(lx_talk_quote_check(&q, NOWQ, NULL, 0), 3);
    assert_int_equal(lx_talk_quote_check(NULL, NOWQ, f, 4), 1);
    assert_string_equal(f[0].code, "quote_missing");
    /* Ceilings. */
    assert_int_equal(lx_talk_quote_ceiling_fen(&h), 800000);
    /* 100000 + 12345 * 1000 / 10000 = 100000 + 1234.5 -> 101234 */
    assert_int_equal(lx_talk_quote_ceiling_fen(&c), 101234);
    h.max_hours = LX_TALK_HOURS_MAX + 1;
    assert_int_equal(lx_talk_quote_ceiling_fen(&h), -1);
    assert_int_equal(lx_talk_quote_ceiling_fen(NULL), -1);
}

/* ---- Lures (C5.6) -------------------------------------------------------- */

static void
test_lure_table(void **state)
{
    /* clang-format off */
    static const struct {
        const char *s;
        bool found;
        size_t off, len;
    } rows[] = {
        {"0元咨询", true, 0, 4},
        {"仅需1元", true, 6, 4},
        {"免费代理打官司", true, 0, 12},
        {"首单零元", true, 6, 6},
        {"１元起", true, 0, 6},
        {"100元", false, 0, 0},
        {"21元", false, 0, 0},
        {"２１元", false, 0, 0},
        {"十一元", false, 0, 0},
        {"0.1元", false, 0, 0},
        {"免费咨询", false, 0, 0},
        {"", false, 0, 0},
    };
    /* clang-format on */

    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct lx_talk_span at = {0, 0};
        bool got = lx_talk_lure_find(rows[i].s, strlen(rows[i].s), &at);
        if (got != rows[i].found ||
            (got && (at.off != rows[i].off || at.len != rows[i].len))) {
            fail_msg("lure row %zu: got %d %zu+%zu", i, (int)got, at.off,
                     at.len);
        }
    }
}

/* ---- Charges (C5.6) ------------------------------------------------------ */

static void
test_charges(void **state)
{
    struct lx_talk_quote q = {FIXED, .total_fen = 500000, INCL, VALID};
    struct lx_talk_quote lure = {FIXED, .total_fen = 0, INCL, VALID};
    struct lx_talk_revision revs[] = {{100000, true}, {50000, false}};
    struct lx_talk_charge ch[] = {{300000, T0}, {200000, T0 + DAY}};
    struct lx_talk_charge more[] = {{300000, T0}, {200000, T0}, {1, T0}};
    struct lx_talk_charge bad[] = {{0, T0}};
    struct lx_talk_charge_result r;
    struct lx_err err = {0};

    (void)state;
    /* Exactly the quote: within. */
    assert_int_equal(lx_talk_charges_check(&q, NULL, 0, ch, 2, &r, &err),
                     LX_OK);
    assert_int_equal(r.allowed_fen, 500000);
    assert_int_equal(r.charged_fen, 500000);
    assert_int_equal(r.excess_fen, 0);
    assert_false(r.hidden_markup);
    assert_false(r.lure_charged);
    /* One fen over: a hidden mark-up of 1 fen. */
    assert_int_equal(lx_talk_charges_check(&q, NULL, 0, more, 3, &r, &err),
                     LX_OK);
    assert_int_equal(r.excess_fen, 1);
    assert_true(r.hidden_markup);
    /* An accepted revision covers it; an unaccepted one does not count. */
    assert_int_equal(lx_talk_charges_check(&q, revs, 2, more, 3, &r, &err),
                     LX_OK);
    assert_int_equal(r.allowed_fen, 600000);
    assert_false(r.hidden_markup);
    revs[0].user_accepted = false;
    assert_int_equal(lx_talk_charges_check(&q, revs, 2, more, 3, &r, &err),
                     LX_OK);
    assert_int_equal(r.allowed_fen, 500000);
    assert_int_equal(r.excess_fen, 1);
    /* No accepted quote: every charge is a mark-up. */
    assert_int_equal(lx_talk_charges_check(NULL, NULL, 0, ch, 2, &r, &err),
                     LX_OK);
    assert_int_equal(r.excess_fen, 500000);
    assert_true(r.hidden_markup);
    /* A 0 yuan lure followed by a charge. */
    assert_int_equal(lx_talk_charges_check(&lure, NULL, 0, ch, 1, &r, &err),
                     LX_OK);
    assert_true(r.lure_charged);
    assert_int_equal(r.excess_fen, 300000);
    /* A quote with a "免费代理" item, charged within its total. */
    q = (struct lx_talk_quote){FIXED, .total_fen = 500000, ITEMS(items_lure),
                               INCL, VALID};
    assert_int_equal(lx_talk_charges_check(&q, NULL, 0, ch, 2, &r, &err),
                     LX_OK);
    assert_true(r.lure_charged);
    assert_false(r.hidden_markup);
    /* A lure with no charge is no charged lure. */
    assert_int_equal(lx_talk_charges_check(&lure, NULL, 0, NULL, 0, &r, &err),
                     LX_OK);
    assert_false(r.lure_charged);
    assert_false(r.hidden_markup);
    /* Bad input names the field, never content. */
    q = (struct lx_talk_quote){FIXED, .total_fen = 500000, INCL, VALID};
    assert_int_equal(lx_talk_charges_check(&q, NULL, 0, bad, 1, &r, &err),
                     LX_EINVAL);
    assert_string_equal(err.field, "/charges/amount_fen");
    assert_int_equal(lx_talk_charges_check(&q, NULL, 0, NULL, 1, &r, &err),
                     LX_EINVAL);
    assert_string_equal(err.field, "/charges");
    revs[0].add_fen = -1;
    assert_int_equal(lx_talk_charges_check(&q, revs, 1, ch, 1, &r, &err),
                     LX_EINVAL);
    assert_string_equal(err.field, "/revisions/add_fen");
    q.total_fen = -1;
    assert_int_equal(lx_talk_charges_check(&q, NULL, 0, ch, 1, &r, &err),
                     LX_EINVAL);
    assert_string_equal(err.field, "/quote");
}

/* ---- Credential claims (C5.4) -------------------------------------------- */

struct claim_row {
    const char *text;
    enum lx_talk_claim_kind kind; /* NONE: no claim expected */
    int64_t value;
    size_t off, len;
};

#define K(x) LX_TALK_CLAIM_##x

/* clang-format off */
static const struct claim_row claim_rows[] = {
    {"执业二十年", K(YEARS), 20, 0, 15},
    {"本人从业15年，经验丰富", K(YEARS), 15, 6, 11},
    {"十年经验", K(YEARS), 10, 0, 12},
    {"执业三十五年", K(YEARS), 35, 0, 18},
    {"从业１５年", K(YEARS), 15, 0, 15},
    {"执业二十余年以上", K(YEARS), 20, 0, 24},
    {"执业近十年", K(YEARS), 10, 0, 15},
    {"十几年的执业经验", K(YEARS), 10, 0, 24},
    {"有8年律师经验", K(YEARS), 8, 3, 16},
    {"律龄两年", K(YEARS), 2, 0, 12},
    {"2015年开始执业", K(NONE), 0, 0, 0},
    {"执业律师", K(NONE), 0, 0, 0},
    {"2015年经验", K(YEARS), 2015, 0, 13},
    {"前法官", K(FORMER_JUDGE), 0, 0, 9},
    {"我是前检察官", K(FORMER_PROSECUTOR), 0, 6, 12},
    {"曾任海淀区人民法院法官", K(FORMER_JUDGE), 0, 0, 33},
    {"曾任检察官", K(FORMER_PROSECUTOR), 0, 0, 15},
    {"法官出身", K(FORMER_JUDGE), 0, 0, 12},
    {"曾任法官助理", K(NONE), 0, 0, 0},
    {"以前法官说过", K(NONE), 0, 0, 0},
    {"曾在法院，后来做法官", K(NONE), 0, 0, 0},
    {"办理过500起", K(CASES), 500, 0, 15},
    {"胜诉上千件", K(CASES), 1000, 0, 15},
    {"累计办理各类案件300余件", K(CASES), 300, 0, 33},
    {"500起成功案例", K(CASES), 500, 0, 18},
    {"代理数百起", K(CASES), 200, 0, 15},
    {"办理一万起", K(CASES), 10000, 0, 15},
    {"办理一百二十件", K(CASES), 120, 0, 21},
    {"胜诉率很高", K(NONE), 0, 0, 0},
    {"代理费500元", K(NONE), 0, 0, 0},
    {"十佳律师", K(HONOUR), 0, 0, 12},
    {"荣获金牌律师称号", K(HONOUR), 0, 6, 12},
    {"全国优秀律师", K(HONOUR), 0, 0, 18},
    {"你好，请问有什么可以帮您", K(NONE), 0, 0, 0},
};
/* clang-format on */

static void
test_claims_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof claim_rows / sizeof claim_rows[0]; i++) {
        const struct claim_row *r = &claim_rows[i];
        struct lx_talk_claim c[4];
        size_t n = lx_talk_claims_find(r->text, strlen(r->text), c, 4);
        if (r->kind == LX_TALK_CLAIM_NONE) {
            if (n != 0) {
                fail_msg("claim row %zu: expected none, got kind %d", i,
                         (int)c[0].kind);
            }
            continue;
        }
        if (n != 1 || c[0].kind != r->kind || c[0].value != r->value ||
            c[0].span.off != r->off || c[0].span.len != r->len) {
            fail_msg("claim row %zu: n=%zu kind=%d value=%lld span=%zu+%zu", i,
                     n, n ? (int)c[0].kind : -1,
                     n ? (long long)c[0].value : -1LL, n ? c[0].span.off : 0,
                     n ? c[0].span.len : 0);
        }
    }
    /* Several claims in one text, in order, with a cap of 2. */
    {
        const char *t = "十佳律师，执业10年，前法官";
        struct lx_talk_claim c[2];
        assert_int_equal(lx_talk_claims_find(t, strlen(t), c, 2), 3);
        assert_int_equal(c[0].kind, LX_TALK_CLAIM_HONOUR);
        assert_string_equal(c[0].honour, "十佳律师");
        assert_int_equal(c[1].kind, LX_TALK_CLAIM_YEARS);
        assert_int_equal(c[1].span.off, 15);
        assert_int_equal(c[1].span.len, 11);
        assert_int_equal(lx_talk_claims_find(t, strlen(t), NULL, 0), 3);
    }
}

struct check_row {
    const char *text;
    const char *reasons; /* space separated, in order */
};

static void
test_claims_check(void **state)
{
    static const char *const honours[] = {"2023年度十佳律师"};
    struct lx_talk_credentials v = {
        .first_practice_year = 2006, /* 20 years by 2026 */
        .former_judge = true,
        .honours = honours,
        .n_honours = 1,
        .case_count_known = true,
        .case_count = 500,
    };
    /* clang-format off */
    static const struct check_row rows[] = {
        {"执业二十年", ""},
        {"执业二十一年", "practice_years_exceed"},
        {"前法官，十佳律师", ""},
        {"曾任检察官", "former_prosecutor_unverified"},
        {"金牌律师", "honour_unverified"},
        {"办理过500起", ""},
        {"办理过501起", "case_count_exceed"},
        {"执业三十年，办理过上千件，金牌律师",
         "practice_years_exceed case_count_exceed honour_unverified"},
        {"您好", ""},
    };
    /* clang-format on */
    /* 2026-01-01T00:00:00+08:00 is 2025-12-31T16:00Z: the year is 2026. */
    int64_t ref = lx_days_from_civil(2026, 1, 1) * DAY - 8 * HOUR;
    struct lx_talk_claim_finding f[4];

    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char got[256] = "";
        size_t n = lx_talk_claims_check(rows[i].text, strlen(rows[i].text), &v,
                                        ref, f, 4),
               used = 0;
        assert_true(n <= 4);
        for (size_t j = 0; j < n; j++) {
            int w = snprintf(got + used, sizeof got - used, "%s%s",
                             j ? " " : "", f[j].reason);
            assert_true(w > 0 && (size_t)w < sizeof got - used);
            used += (size_t)w;
            assert_string_equal(f[j].clause, "C5.4");
        }
        if (strcmp(got, rows[i].reasons) != 0) {
            fail_msg("check row %zu: got '%s'", i, got);
        }
    }

    /* Offsets into the whole text, and the verified values. */
    {
        const char *t = "执业三十年，办理过上千件，金牌律师";
        size_t n = lx_talk_claims_check(t, strlen(t), &v, ref, f, 4);
        assert_int_equal(n, 3);
        assert_int_equal(f[0].claim.span.off, 0);
        assert_int_equal(f[0].claim.span.len, 15);
        assert_int_equal(f[0].verified, 20);
        assert_int_equal(f[1].claim.span.off, 18);
        assert_int_equal(f[1].claim.span.len, 18);
        assert_int_equal(f[1].claim.value, 1000);
        assert_int_equal(f[1].verified, 500);
        assert_int_equal(f[2].claim.span.off, 39);
        assert_int_equal(f[2].claim.span.len, 12);
        assert_memory_equal(t + f[2].claim.span.off, "金牌律师", 12);
        /* cap 1: one written, three counted. */
        assert_int_equal(lx_talk_claims_check(t, strlen(t), &v, ref, f, 1), 3);
    }

    /* 1 ms before the year turns it is 2025: 19 years, so 20 is too many. */
    assert_int_equal(lx_talk_claims_check("执业二十年", 15, &v, ref - 1, f, 4),
                     1);
    assert_int_equal(f[0].verified, 19);
    assert_int_equal(f[0].claim.value, 20);

    /* Nothing verified: every claim is a finding. */
    {
        const char *t = "执业五年，前法官，办理过10件，十佳律师";
        assert_int_equal(lx_talk_claims_check(t, strlen(t), NULL, ref, f, 4),
                         4);
        assert_string_equal(f[0].reason, "practice_years_unverified");
        assert_string_equal(f[1].reason, "former_judge_unverified");
        assert_string_equal(f[2].reason, "case_count_unverified");
        assert_string_equal(f[3].reason, "honour_unverified");
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contact_table),
        cmocka_unit_test(test_contact_limits_config),
        cmocka_unit_test(test_contact_many_attempts),
        cmocka_unit_test(test_optout_table),
        cmocka_unit_test(test_contingency_cap),
        cmocka_unit_test(test_quote_table),
        cmocka_unit_test(test_quote_details),
        cmocka_unit_test(test_lure_table),
        cmocka_unit_test(test_charges),
        cmocka_unit_test(test_claims_table),
        cmocka_unit_test(test_claims_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
