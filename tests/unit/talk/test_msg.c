/*
 * test_msg — the message service of src/talk (msg.c, msg_read.c,
 * attempt.c): a firm with a trained, licence-verified lawyer (licensed
 * 2015), a lead taken from a user and claimed, then: an allowed message
 * delivered and counted as contact; a threat blocked with its violation
 * and hidden from the user; a review verdict held and released by the
 * platform's dismissal; the C5.3 contact limits (three unanswered, quiet
 * hours, opt-out by message and by button, complaint handling exempt);
 * a credential claim checked against the licence year; another firm's
 * staff told the lead does not exist; and a canary text that must appear
 * in no audit entry, violation, error or table row; and a fault walk
 * (LX_STORE_FAULT stmt:N) over a blocked send.
 *
 * Runs on both backends: with LX_TEST_BACKEND=postgres (CTest registers
 * the @postgres run) each test gets a fresh schema via tests/lib/testdb.h.
 * The clock is ctx.now_ms; nothing sleeps.
 */
#include "audit/audit.h"
#include "base/ctx.h"
#include "crypto/crypto.h"
#include "leads/leads.h"
#include "lib/svcfix.h"
#include "lib/talkfix.h"
#include "scan/scan.h"
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

/* 2027-01-15T08:00:00Z = 16:00 in Beijing. */
#define T0 1800000000000LL
#define MIN (60000LL)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

enum {
    PLATFORM = 1,
    FIRM_A = 10,
    FIRM_B = 20,
    A_ADMIN = 101,
    A_LAWYER = 102,
    A_ASST = 103,
    B_LAWYER = 202,
    P_COMPLIANCE = 901,
    P_ADMIN = 902,
    USER = 501,
};

#define OK_TEXT "您好，关于劳动仲裁，请先准备劳动合同和工资流水。"
#define THREAT "你等着，我会让你付出代价"
#define UPSELL "会员卡充五千送一千，您考虑一下"
#define CANARY "canary-q8z1x7wv"

/* The embedded rule pack, compiled once for the whole group. */
static struct lx_scan_pack *g_pack;

struct fx {
    struct svcfix sf;
    struct lx_scan_pack *pack;
    struct lx_talk_opts opts;
    int contacts;
    int64_t contact_lead, contact_firm, contact_at;
    int64_t lead;
};

/* Firm A covers Beijing labour and holds the lead; firm B covers only
 * Shanghai. The lawyer's licence number carries 2015 in digits 6-9. */
static void
seed(struct fx *f)
{
    static const int64_t staff[] = {A_ADMIN,  A_LAWYER,     A_ASST,
                                    B_LAWYER, P_COMPLIANCE, P_ADMIN};
    struct talkfix_seed s = {
        .platform = true,
        .org_ms = 1,
        .b_region = "310000",
        .staff = staff,
        .n_staff = sizeof(staff) / sizeof(staff[0]),
        .trained_ms = T0 - DAY,
        .valid_ms = T0 + 365 * DAY,
        .a_licence = "11101201510000001",
        .b_licence = "11101200000000002",
    };

    talkfix_seed(&f->sf, &s);
    talkfix_user_add(&f->sf, USER, "user-501-ref", 12);
}

/* ---- actors -------------------------------------------------------------- */

/* Platform staff act with no firm. */
static void
as_staff(struct fx *f, int64_t id)
{
    talkfix_as_staff(&f->sf.ctx, id, 0);
}

static void
as_user(struct fx *f)
{
    svcfix_as_user(&f->sf.ctx, USER, true);
}

static int64_t
intake(struct fx *f, const char *phone)
{
    as_user(f);
    return talkfix_intake(&f->sf, phone, "公司拖欠工资三个月，想咨询劳动仲裁。",
                          f->sf.ctx.now_ms - 1000);
}

static lx_rc
on_contact(void *arg, struct lx_store_tx *tx, int64_t lead_id, int64_t firm_id,
           int64_t at_ms, struct lx_err *err)
{
    struct fx *f = arg;

    (void)tx;
    (void)err;
    f->contacts++;
    f->contact_lead = lead_id;
    f->contact_firm = firm_id;
    f->contact_at = at_ms;
    return LX_OK;
}

static int
setup(void **state)
{
    struct fx *f =
        svcfix_new(sizeof(*f), "/tmp/lx-msg-XXXXXX", T0, LX_ACTOR_NONE);

    if (f == NULL) {
        return -1;
    }
    f->pack = g_pack;
    f->opts.pack = f->pack;
    f->opts.on_contact = on_contact;
    f->opts.on_contact_arg = f;
    seed(f);

    /* A lead of the user, offered to firm A and claimed by its lawyer. */
    f->lead = intake(f, "13800138001");
    talkfix_claim(&f->sf, f->lead, FIRM_A);
    *state = f;
    return 0;
}

/* ---- service helpers ----------------------------------------------------- */

static lx_rc
send_as(struct fx *f, int64_t staff, const char *purpose, const char *text,
        struct lx_talk_sent *out)
{
    as_staff(f, staff);
    return lx_talk_send(&f->sf.ctx, &f->opts, f->lead, purpose, text,
                        strlen(text), out);
}

static int64_t
send_ok(struct fx *f, const char *text, struct lx_talk_sent *out)
{
    lx_rc rc = send_as(f, A_LAWYER, "consultation", text, out);

    if (rc != LX_OK) {
        fprintf(stderr, "send: %s\n", lx_err_message(&f->sf.ctx.err));
    }
    assert_int_equal(rc, LX_OK);
    assert_true(out->id > 0);
    return out->id;
}

static void
user_says(struct fx *f, const char *text, bool *opted_out)
{
    int64_t id = 0;

    as_user(f);
    assert_int_equal(lx_talk_user_send(&f->sf.ctx, f->lead, text, strlen(text),
                                       &id, opted_out),
                     LX_OK);
    assert_true(id > 0);
}

/* What a reader saw: ids, statuses, finding counts and the texts. */
struct seen {
    int n;
    int64_t id[16];
    enum lx_talk_status status[16];
    enum lx_talk_direction dir[16];
    size_t findings[16];
    char role[16][16];
    char text[16][256];
};

static lx_rc
collect(void *arg, const struct lx_talk_message *m)
{
    struct seen *s = arg;

    if (s->n >= 16) {
        return LX_ETOOBIG;
    }
    s->id[s->n] = m->id;
    s->status[s->n] = m->status;
    s->dir[s->n] = m->direction;
    s->findings[s->n] = m->n_findings;
    snprintf(s->role[s->n], sizeof(s->role[0]), "%s", m->sender_role);
    snprintf(s->text[s->n], sizeof(s->text[0]), "%.*s", (int)m->len,
             m->text != NULL ? m->text : "");
    s->n++;
    return LX_OK;
}

static lx_rc
read_as_user(struct fx *f, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    as_user(f);
    return lx_talk_messages(&f->sf.ctx, f->lead, NULL, 0, 0, collect, s, NULL);
}

static lx_rc
read_as(struct fx *f, int64_t staff, const char *purpose, struct seen *s)
{
    memset(s, 0, sizeof(*s));
    as_staff(f, staff);
    return lx_talk_messages(&f->sf.ctx, f->lead, purpose, 0, 0, collect, s,
                            NULL);
}

static bool
has_finding(const struct lx_talk_sent *o, const char *category,
            const char *rule_prefix)
{
    for (size_t i = 0; i < o->n_findings; i++) {
        if (strcmp(o->findings[i].category, category) == 0 &&
            (rule_prefix == NULL || strncmp(o->findings[i].rule, rule_prefix,
                                            strlen(rule_prefix)) == 0)) {
            return true;
        }
    }
    return false;
}

/* ---- tests --------------------------------------------------------------- */

static void
test_allow_delivered(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;
    struct seen s;
    int64_t id;

    f->sf.ctx.now_ms = T0 + MIN;
    id = send_ok(f, OK_TEXT, &o);
    assert_int_equal(o.verdict, LX_SCAN_ALLOW);
    assert_int_equal(o.status, LX_TALK_DELIVERED);
    assert_int_equal(o.n_findings, 0);
    assert_int_equal(o.violation_id, 0);
    assert_string_equal(o.contact_reason, "allowed");
    assert_string_equal(o.pack_version, lx_scan_pack_version(f->pack));
    /* The delivered message is the firm's contact, in the same unit. */
    assert_int_equal(f->contacts, 1);
    assert_int_equal(f->contact_lead, f->lead);
    assert_int_equal(f->contact_firm, FIRM_A);
    assert_int_equal(f->contact_at, T0 + MIN);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM talk_messages WHERE id = %lld"
                      " AND status = 'delivered' AND review = 'none'"
                      " AND direction = 'to_user' AND sender_role ="
                      " 'lawyer' AND firm_id = 10",
                      (long long)id),
        1);
    assert_int_equal(svcfix_countf(&f->sf,
                                   "SELECT COUNT(*) FROM talk_attempts WHERE"
                                   " allowed = 1 AND kind = 'message'"),
                     1);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'message' AND decision = 'allow' AND"
                              " resource_type = 'talk_message'"),
        1);

    /* The user reads it; C5.7: the sender shows as what they are. */
    assert_int_equal(read_as_user(f, &s), LX_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.id[0], id);
    assert_string_equal(s.text[0], OK_TEXT);
    assert_string_equal(s.role[0], "lawyer");
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'read_chat' AND reason = 'count:1'"),
        1);

    /* Bad input names the field. */
    as_staff(f, A_LAWYER);
    assert_int_equal(
        lx_talk_send(&f->sf.ctx, &f->opts, f->lead, "consultation", "", 0, &o),
        LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/text");
    assert_int_equal(lx_talk_send(&f->sf.ctx, &f->opts, f->lead, "consultation",
                                  "\xff\xfe", 2, &o),
                     LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/text");
    {
        char big[LX_TALK_TEXT_MAX + 2];
        memset(big, 'a', sizeof(big));
        assert_int_equal(lx_talk_send(&f->sf.ctx, &f->opts, f->lead,
                                      "consultation", big, LX_TALK_TEXT_MAX + 1,
                                      &o),
                         LX_ETOOBIG);
        /* Exactly the maximum is accepted. */
        f->sf.ctx.now_ms = T0 + 2 * MIN;
        assert_int_equal(lx_talk_send(&f->sf.ctx, &f->opts, f->lead,
                                      "consultation", big, LX_TALK_TEXT_MAX,
                                      &o),
                         LX_OK);
    }
    assert_int_equal(lx_talk_send(&f->sf.ctx, &f->opts, f->lead, "marketing",
                                  OK_TEXT, strlen(OK_TEXT), &o),
                     LX_EINVAL);
    assert_string_equal(f->sf.ctx.err.field, "/purpose");
    /* None of those refused sends was stored or counted. */
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_attempts"), 2);
}

static void
test_block_hidden_from_user(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;
    struct seen s;
    int64_t id;

    f->sf.ctx.now_ms = T0 + MIN;
    id = send_ok(f, THREAT, &o);
    assert_int_equal(o.verdict, LX_SCAN_BLOCK);
    assert_int_equal(o.status, LX_TALK_BLOCKED);
    assert_true(has_finding(&o, "threat", NULL));
    assert_true(o.violation_id > 0);
    assert_int_equal(f->contacts, 0); /* never delivered: no contact */
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM violation WHERE id = %lld"
                      " AND kind = 'message_threat' AND object_ref ="
                      " 'talk_message:%lld' AND clause = 'C5.2' AND"
                      " firm_id = 10",
                      (long long)o.violation_id, (long long)id),
        1);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM talk_messages WHERE id = %lld"
                      " AND status = 'blocked' AND verdict = 'block'"
                      " AND findings LIKE '%%\"category\":\"threat\"%%'",
                      (long long)id),
        1);

    /* The user never sees it; the firm sees it with its findings. */
    assert_int_equal(read_as_user(f, &s), LX_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(read_as(f, A_ADMIN, NULL, &s), LX_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.status[0], LX_TALK_BLOCKED);
    assert_true(s.findings[0] >= 1);
    assert_string_equal(s.text[0], THREAT);

    /* Platform staff read only for a purpose their role has. */
    assert_int_equal(read_as(f, P_COMPLIANCE, "complaint", &s), LX_EDENIED);
    assert_int_equal(read_as(f, P_ADMIN, "legal_duty", &s), LX_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'reveal_field' AND decision = 'deny'"),
        1);
}

static void
test_review_held_and_dismissed(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;
    struct seen s, q;
    int64_t held, flagged, next;

    f->opts.hold_review = true;
    f->sf.ctx.now_ms = T0 + MIN;
    held = send_ok(f, UPSELL, &o);
    assert_int_equal(o.verdict, LX_SCAN_REVIEW);
    assert_int_equal(o.status, LX_TALK_HELD);
    assert_true(has_finding(&o, "unrelated_upsell", NULL));
    assert_int_equal(o.violation_id, 0);
    assert_int_equal(f->contacts, 0);
    assert_int_equal(read_as_user(f, &s), LX_OK);
    assert_int_equal(s.n, 0);

    /* Without hold_review a review verdict is delivered, still pending. */
    f->opts.hold_review = false;
    f->sf.ctx.now_ms = T0 + 2 * MIN;
    flagged = send_ok(f, UPSELL, &o);
    assert_int_equal(o.status, LX_TALK_DELIVERED);
    assert_int_equal(f->contacts, 1);

    /* The queue: platform staff only, ids and findings, no text. */
    memset(&q, 0, sizeof(q));
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_review_queue(&f->sf.ctx, 0, 10, collect, &q, NULL),
                     LX_EDENIED);
    as_staff(f, P_COMPLIANCE);
    next = -1;
    assert_int_equal(
        lx_talk_review_queue(&f->sf.ctx, 0, 10, collect, &q, &next), LX_OK);
    assert_int_equal(q.n, 2);
    assert_int_equal(q.id[0], held);
    assert_int_equal(q.id[1], flagged);
    assert_string_equal(q.text[0], "");
    assert_true(q.findings[0] >= 1);
    assert_int_equal(next, 0); /* the last page */

    /* One at a time: the marker leads to the next page, then ends. */
    memset(&q, 0, sizeof(q));
    assert_int_equal(lx_talk_review_queue(&f->sf.ctx, 0, 1, collect, &q, &next),
                     LX_OK);
    assert_int_equal(q.n, 1);
    assert_int_equal(q.id[0], held);
    assert_int_equal(next, held);
    memset(&q, 0, sizeof(q));
    assert_int_equal(
        lx_talk_review_queue(&f->sf.ctx, next, 1, collect, &q, &next), LX_OK);
    assert_int_equal(q.n, 1);
    assert_int_equal(q.id[0], flagged);
    assert_int_equal(next, 0);

    /* Only platform compliance or admin decide; audited either way. */
    as_staff(f, A_ADMIN);
    assert_int_equal(lx_talk_review_decide(&f->sf.ctx, &f->opts, held, false),
                     LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.clause, "C4.1");

    f->sf.ctx.now_ms = T0 + 10 * MIN;
    as_staff(f, P_COMPLIANCE);
    assert_int_equal(lx_talk_review_decide(&f->sf.ctx, &f->opts, held, false),
                     LX_OK);
    assert_int_equal(f->contacts, 2); /* released: now it is contact */
    assert_int_equal(f->contact_at, T0 + 10 * MIN);
    assert_int_equal(lx_talk_review_decide(&f->sf.ctx, &f->opts, held, true),
                     LX_ECONFLICT);
    assert_int_equal(lx_talk_review_decide(&f->sf.ctx, &f->opts, flagged, true),
                     LX_OK);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM violation WHERE kind ="
                      " 'message_unrelated_upsell' AND object_ref ="
                      " 'talk_message:%lld' AND clause = 'C5.3'",
                      (long long)flagged),
        1);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM violation WHERE object_ref ="
                      " 'talk_message:%lld'",
                      (long long)held),
        0);
    assert_int_equal(lx_talk_review_decide(&f->sf.ctx, &f->opts, 999999, true),
                     LX_ENOTFOUND);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'message_review'"),
        3);

    /* The user now sees both, the released one first. */
    assert_int_equal(read_as_user(f, &s), LX_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.id[0], held);
    assert_int_equal(s.status[0], LX_TALK_DELIVERED);
    assert_int_equal(s.findings[0], 0); /* never the findings */
    assert_string_equal(s.text[0], UPSELL);
}

static void
test_unanswered_limit(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;

    for (int i = 0; i < 3; i++) {
        f->sf.ctx.now_ms = T0 + i * MIN;
        (void)send_ok(f, OK_TEXT, &o);
    }
    f->sf.ctx.now_ms = T0 + 3 * MIN;
    assert_int_equal(send_as(f, A_LAWYER, "consultation", OK_TEXT, &o),
                     LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.clause, "C5.3");
    assert_string_equal(o.contact_reason, "unanswered_limit");
    assert_int_equal(o.retry_ms, T0 + DAY); /* the first leaves the window */
    assert_int_equal(o.id, 0);
    assert_int_equal(svcfix_countf(&f->sf,
                                   "SELECT COUNT(*) FROM talk_attempts WHERE"
                                   " allowed = 0 AND reason ="
                                   " 'unanswered_limit'"),
                     1);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'message' AND decision = 'deny' AND clause ="
                              " 'C5.3'"),
        1);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_messages"), 3);

    /* A reply from the user resets the count. */
    f->sf.ctx.now_ms = T0 + 4 * MIN;
    user_says(f, "好的，我明天把材料发过来", NULL);
    f->sf.ctx.now_ms = T0 + 5 * MIN;
    (void)send_ok(f, OK_TEXT, &o);

    /* Five messages, read two at a time. */
    {
        struct seen s;
        int64_t next = -1, after = 0;
        int pages = 0, total = 0;
        as_staff(f, A_ADMIN);
        assert_int_equal(lx_talk_messages(&f->sf.ctx, f->lead, NULL, 0, 101,
                                          collect, &s, &next),
                         LX_EINVAL);
        assert_string_equal(f->sf.ctx.err.field, "/limit");
        do {
            memset(&s, 0, sizeof(s));
            assert_int_equal(lx_talk_messages(&f->sf.ctx, f->lead, NULL, after,
                                              2, collect, &s, &next),
                             LX_OK);
            assert_true(s.n >= 1 && s.n <= 2);
            assert_true(s.id[0] > after);
            if (next != 0) {
                assert_int_equal(next, s.id[s.n - 1]);
            }
            total += s.n;
            after = next;
            pages++;
        } while (next != 0 && pages < 10);
        assert_int_equal(pages, 3);
        assert_int_equal(total, 5);
    }
}

static void
test_quiet_hours(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;
    /* 22:00 in Beijing on the same day. */
    int64_t at22 = T0 + 6 * HOUR;

    f->sf.ctx.now_ms = at22;
    assert_int_equal(send_as(f, A_LAWYER, "consultation", OK_TEXT, &o),
                     LX_EDENIED);
    assert_string_equal(o.contact_reason, "quiet_hours");
    assert_string_equal(f->sf.ctx.err.clause, "C5.3");
    assert_int_equal(o.retry_ms, T0 + 16 * HOUR); /* next 08:00 */

    /* The user wrote ten minutes before: the lawyer may answer. */
    f->sf.ctx.now_ms = at22 + 5 * MIN;
    user_says(f, "律师您好，我晚上才有空", NULL);
    f->sf.ctx.now_ms = at22 + 15 * MIN;
    (void)send_ok(f, OK_TEXT, &o);
    /* Forty minutes after it, quiet hours hold again. */
    f->sf.ctx.now_ms = at22 + 45 * MIN;
    assert_int_equal(send_as(f, A_LAWYER, "consultation", OK_TEXT, &o),
                     LX_EDENIED);
    assert_string_equal(o.contact_reason, "quiet_hours");
}

static void
test_optout(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;
    bool out = false;

    f->sf.ctx.now_ms = T0 + MIN;
    user_says(f, "谢谢，不过别再联系我了", &out);
    assert_true(out);
    assert_int_equal(svcfix_countf(&f->sf,
                                   "SELECT COUNT(*) FROM talk_optouts WHERE"
                                   " source = 'message' AND message_id IS NOT"
                                   " NULL"),
                     1);
    f->sf.ctx.now_ms = T0 + 2 * MIN;
    assert_int_equal(send_as(f, A_LAWYER, "consultation", OK_TEXT, &o),
                     LX_EDENIED);
    assert_string_equal(o.contact_reason, "opted_out");
    assert_int_equal(o.retry_ms, 0);
    /* C5.3: complaint handling still reaches the user. */
    f->sf.ctx.now_ms = T0 + 3 * MIN;
    assert_int_equal(send_as(f, A_LAWYER, "complaint", OK_TEXT, &o), LX_OK);

    /* Writing again lifts it; the button sets it once more. */
    f->sf.ctx.now_ms = T0 + 4 * MIN;
    user_says(f, "我又想问一下仲裁的时间", &out);
    assert_false(out);
    f->sf.ctx.now_ms = T0 + 5 * MIN;
    (void)send_ok(f, OK_TEXT, &o);
    f->sf.ctx.now_ms = T0 + 6 * MIN;
    as_user(f);
    assert_int_equal(lx_talk_optout(&f->sf.ctx, f->lead), LX_OK);
    f->sf.ctx.now_ms = T0 + 7 * MIN;
    assert_int_equal(send_as(f, A_LAWYER, "consultation", OK_TEXT, &o),
                     LX_EDENIED);
    assert_string_equal(o.contact_reason, "opted_out");
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'optout'"),
        2);
    /* Staff cannot press the user's button. */
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_optout(&f->sf.ctx, f->lead), LX_EDENIED);
}

static void
test_credentials(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;
    const char *honours[] = {"2023年度十佳律师"};

    /* Licensed 2015, now 2027: twenty years is a fake credential. */
    f->sf.ctx.now_ms = T0 + MIN;
    (void)send_ok(f, "我执业二十年，这类案子很有经验。", &o);
    assert_true(has_finding(&o, "fake_credentials",
                            "credential.practice_years_exceed"));
    assert_true(o.verdict >= LX_SCAN_REVIEW);
    /* Ten years is within the licence. */
    f->sf.ctx.now_ms = T0 + 2 * MIN;
    (void)send_ok(f, "我执业十年，这类案子处理过。", &o);
    assert_false(has_finding(&o, "fake_credentials", "credential."));

    /* A verified honour supports the claim; only platform staff record. */
    as_staff(f, A_LAWYER);
    assert_int_equal(
        lx_talk_facts_set(&f->sf.ctx, A_LAWYER, false, false, -1, honours, 1),
        LX_EDENIED);
    f->sf.ctx.now_ms = T0 + 3 * MIN;
    (void)send_ok(f, "我是前法官，也是十佳律师。", &o);
    assert_true(
        has_finding(&o, "fake_credentials", "credential.honour_unverified"));
    assert_true(has_finding(&o, "fake_credentials",
                            "credential.former_judge_unverified"));
    as_staff(f, P_COMPLIANCE);
    assert_int_equal(
        lx_talk_facts_set(&f->sf.ctx, A_LAWYER, true, false, 300, honours, 1),
        LX_OK);
    assert_int_equal(
        lx_talk_facts_set(&f->sf.ctx, 777, true, false, 300, honours, 1),
        LX_ENOTFOUND);
    /* The review queue is busy by now; the next day starts a new count. */
    f->sf.ctx.now_ms = T0 + DAY + 4 * MIN;
    (void)send_ok(f, "我是前法官，也是十佳律师。", &o);
    assert_false(has_finding(&o, "fake_credentials", "credential."));
}

static void
test_other_firm_and_roles(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;
    struct seen s;
    int64_t other;
    int64_t id = 0;

    f->sf.ctx.now_ms = T0 + MIN;
    /* Firm B does not hold (or see) the lead: it does not exist for it. */
    assert_int_equal(send_as(f, B_LAWYER, "consultation", OK_TEXT, &o),
                     LX_ENOTFOUND);
    assert_int_equal(read_as(f, B_LAWYER, NULL, &s), LX_ENOTFOUND);
    /* An assistant who does not hold the lead does not see it either. */
    assert_int_equal(send_as(f, A_ASST, "consultation", OK_TEXT, &o),
                     LX_ENOTFOUND);
    /* C5.7: holding it, an assistant still does not give advice as a
     * lawyer; the deny is audited. */
    as_staff(f, A_ADMIN);
    assert_int_equal(lx_leads_assign(&f->sf.ctx, f->lead, A_ASST, false,
                                     "prepare documents", "consultation", NULL),
                     LX_OK);
    assert_int_equal(send_as(f, A_ASST, "consultation", OK_TEXT, &o),
                     LX_EDENIED);
    assert_string_equal(f->sf.ctx.err.clause, "C5.7");
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'message' AND decision = 'deny' AND"
                              " actor_id = 103"),
        1);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_attempts"), 0);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_messages"), 0);

    /* The user cannot write on a lead no firm holds yet. */
    other = intake(f, "13800138002");
    as_user(f);
    assert_int_equal(lx_talk_user_send(&f->sf.ctx, other, OK_TEXT,
                                       strlen(OK_TEXT), &id, NULL),
                     LX_ECONFLICT);
    /* Staff do not write as the user. */
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_talk_user_send(&f->sf.ctx, f->lead, OK_TEXT,
                                       strlen(OK_TEXT), &id, NULL),
                     LX_EDENIED);
}

/* LX_STORE_FAULT walked over a blocked send: the attempt, the message,
 * its vault field, the violation and the audit records commit together
 * or not at all. */
static void
test_send_fault_walk(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;
    int64_t fields = svcfix_countf(&f->sf, "SELECT COUNT(*) FROM vault_field");
    int64_t audits = svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log");
    char spec[32];
    int done = 0;

    f->sf.ctx.now_ms = T0 + MIN;
    as_staff(f, A_LAWYER);
    if (lx_store_fault_set(f->sf.app.store, "stmt:1") != LX_OK) {
        skip();
    }
    lx_store_fault_set(f->sf.app.store, NULL);
    for (int k = 1; k < 300 && !done; k++) {
        lx_rc rc;

        snprintf(spec, sizeof(spec), "stmt:%d", k);
        assert_int_equal(lx_store_fault_set(f->sf.app.store, spec), LX_OK);
        rc = lx_talk_send(&f->sf.ctx, &f->opts, f->lead, "consultation", THREAT,
                          strlen(THREAT), &o);
        assert_int_equal(lx_store_fault_set(f->sf.app.store, NULL), LX_OK);
        if (rc == LX_OK) {
            done = k;
            break;
        }
        assert_int_equal(rc, LX_ESTORE);
        assert_int_equal(o.id, 0);
        assert_int_equal(
            svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_messages"), 0);
        assert_int_equal(
            svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_attempts"), 0);
        assert_int_equal(
            svcfix_countf(&f->sf, "SELECT COUNT(*) FROM violation"), 0);
        assert_int_equal(
            svcfix_countf(&f->sf, "SELECT COUNT(*) FROM vault_field"), fields);
        assert_int_equal(
            svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log"), audits);
    }
    assert_true(done > 5);
    assert_int_equal(o.status, LX_TALK_BLOCKED);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_messages"), 1);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_attempts"), 1);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM violation"),
                     1);
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM vault_field"),
                     fields + 1);
    /* The policy decision and the message record. */
    assert_int_equal(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM audit_log"),
                     audits + 2);
}

/* Every text field of every audit entry, searched for the canary. */
struct scan_audit {
    int entries;
    int hits;
};

static bool
has(const char *s, const char *needle)
{
    return s != NULL && strstr(s, needle) != NULL;
}

static lx_rc
audit_row(void *arg, const struct lx_audit_entry *e)
{
    struct scan_audit *a = arg;

    a->entries++;
    if (has(e->actor_role, CANARY) || has(e->action, CANARY) ||
        has(e->resource_type, CANARY) || has(e->resource_id, CANARY) ||
        has(e->field, CANARY) || has(e->purpose, CANARY) ||
        has(e->decision, CANARY) || has(e->reason, CANARY) ||
        has(e->clause, CANARY) || has(e->request_id, CANARY)) {
        a->hits++;
    }
    return LX_OK;
}

static lx_rc
audit_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct lx_audit_query q = {0};
    uint64_t next = 0;
    lx_rc rc;

    q.limit = LX_AUDIT_QUERY_MAX_LIMIT;
    do {
        q.after_seq = next;
        rc = lx_audit_query_tx(tx, &q, audit_row, arg, &next, err);
    } while (rc == LX_OK && next != 0);
    return rc;
}

/* True when the SQLite files hold the bytes anywhere (the text is sealed
 * in the vault, so they must not). */
static bool
file_has(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "rb");
    size_t n = strlen(needle), got;
    char *buf;
    bool hit = false;

    if (fp == NULL) {
        return false;
    }
    buf = malloc(1 << 20);
    assert_non_null(buf);
    while ((got = fread(buf, 1, 1 << 20, fp)) > 0 && !hit) {
        for (size_t i = 0; i + n <= got; i++) {
            if (memcmp(buf + i, needle, n) == 0) {
                hit = true;
                break;
            }
        }
    }
    free(buf);
    fclose(fp);
    return hit;
}

static void
test_canary(void **state)
{
    struct fx *f = *state;
    struct lx_talk_sent o;
    struct scan_audit sa = {0};
    struct lx_err err = {0};
    struct seen s;
    char p[160];

    /* Planted in an allowed, a blocked and a refused message, and in a
     * user's message. */
    f->sf.ctx.now_ms = T0 + MIN;
    (void)send_ok(f, "您好，案件编号 " CANARY " 已登记。", &o);
    f->sf.ctx.now_ms = T0 + 2 * MIN;
    (void)send_ok(f, THREAT " " CANARY, &o);
    assert_int_equal(o.status, LX_TALK_BLOCKED);
    assert_null(strstr(f->sf.ctx.err.detail, CANARY));
    f->sf.ctx.now_ms = T0 + 3 * MIN;
    (void)send_ok(f, "我执业二十年 " CANARY, &o);
    f->sf.ctx.now_ms = T0 + 4 * MIN;
    assert_int_equal(send_as(f, A_LAWYER, "consultation", "再联系 " CANARY, &o),
                     LX_EDENIED);
    assert_null(strstr(f->sf.ctx.err.detail, CANARY));
    f->sf.ctx.now_ms = T0 + 5 * MIN;
    user_says(f, "我的编号是 " CANARY, NULL);

    /* It comes back only through the vault. */
    assert_int_equal(read_as(f, A_LAWYER, NULL, &s), LX_OK);
    assert_int_equal(s.n, 4);
    assert_non_null(strstr(s.text[1], CANARY));
    assert_int_equal(s.dir[3], LX_TALK_FROM_USER);
    assert_string_equal(s.role[3], "user");

    assert_int_equal(lx_store_read(f->sf.app.store, audit_unit, &sa, &err),
                     LX_OK);
    assert_true(sa.entries > 5);
    assert_int_equal(sa.hits, 0);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM violation WHERE kind LIKE"
                              " '%%" CANARY "%%' OR object_ref LIKE"
                              " '%%" CANARY "%%' OR evidence_ref LIKE"
                              " '%%" CANARY "%%'"),
        0);
    assert_true(svcfix_countf(&f->sf, "SELECT COUNT(*) FROM violation") >= 1);
    assert_int_equal(
        svcfix_countf(&f->sf,
                      "SELECT COUNT(*) FROM talk_messages WHERE findings"
                      " LIKE '%%" CANARY "%%' OR pack_version LIKE"
                      " '%%" CANARY "%%' OR purpose LIKE '%%" CANARY
                      "%%' OR sender_role LIKE '%%" CANARY "%%'"),
        0);
    assert_int_equal(
        svcfix_countf(&f->sf, "SELECT COUNT(*) FROM talk_messages"), 4);
    if (f->sf.db.schema[0] == '\0') {
        snprintf(p, sizeof(p), "%s/t.db", f->sf.dir);
        assert_false(file_has(p, CANARY));
        snprintf(p, sizeof(p), "%s/t.db-wal", f->sf.dir);
        assert_false(file_has(p, CANARY));
    }
}

static int
group_setup(void **state)
{
    struct lx_err err = {0};

    (void)state;
    if (lx_scan_pack_compile_embedded(&g_pack, &err) != LX_OK) {
        fprintf(stderr, "pack: %s\n", lx_err_message(&err));
        return -1;
    }
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    lx_scan_pack_free(g_pack);
    g_pack = NULL;
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_allow_delivered, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_block_hidden_from_user, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_review_held_and_dismissed, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_unanswered_limit, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_quiet_hours, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_optout, setup, svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_credentials, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_other_firm_and_roles, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_canary, setup, svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_send_fault_walk, setup,
                                        svcfix_teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
