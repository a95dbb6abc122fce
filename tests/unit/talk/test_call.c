/*
 * test_call — calls through virtual numbers (talk/call.c): binding the
 * first free pool number for a lawyer of the holding firm, the pool's
 * exhaustion and reuse after expiry, concurrent binds never sharing a
 * number, the provider's events (ringing, answered, ended) with duration,
 * the over-limit mark, idempotency by event id, the contact hook called
 * once per answered call, the call's times in the vault (category call),
 * the contact limit (C5.3) on the fourth unanswered attempt, visibility
 * and input validation. The clock is injected (ctx.now_ms) throughout.
 *
 * Runs on both backends: with LX_TEST_BACKEND=postgres (CTest registers
 * the @postgres run) each test gets a fresh schema via tests/lib/testdb.h.
 */
#include "base/ctx.h"
#include "crypto/crypto.h"
#include "leads/leads.h"
#include "lib/svcfix.h"
#include "lib/talkfix.h"
#include "policy/policy.h"
#include "store/store.h"
#include "talk/talk.h"
#include "vault/vault.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* 2027-01-15 16:00 in Beijing: outside the quiet hours. */
#define T0 1800000000000LL
#define MIN (60LL * 1000)
#define HOUR (60 * MIN)

enum {
    FIRM_A = 10,
    FIRM_B = 20,
    A_LAWYER = 102,
    B_LAWYER = 202,
};

static const char *const POOL[] = {"95013000001", "95013000002", "95013000003",
                                   "95013000004", "95013000005"};

/* ---- fixture ------------------------------------------------------------- */

static const int64_t STAFF[] = {A_LAWYER, B_LAWYER};

static int
setup(void **state)
{
    struct svcfix *f =
        svcfix_new(sizeof(*f), "/tmp/lx-call-XXXXXX", T0, LX_ACTOR_SYSTEM);
    struct talkfix_seed s = {
        .platform = false,
        .org_ms = T0,
        .b_region = "110000",
        .staff = STAFF,
        .n_staff = sizeof(STAFF) / sizeof(STAFF[0]),
        .trained_ms = T0 - 365LL * 24 * HOUR,
        .valid_ms = T0 + 365LL * 24 * HOUR,
        .a_licence = "11101200600000001",
        .b_licence = "11101200600000002",
    };

    if (f == NULL) {
        return -1;
    }
    talkfix_seed(f, &s);
    *state = f;
    return 0;
}

/* ---- actors and a claimed lead ------------------------------------------- */

static void
as_lawyer(struct lx_ctx *ctx, int64_t firm)
{
    svcfix_as_staff(ctx, firm == FIRM_A ? A_LAWYER : B_LAWYER, firm, "lawyer");
}

static void
as_provider(struct svcfix *f)
{
    memset(&f->ctx.actor, 0, sizeof(f->ctx.actor));
    f->ctx.actor.kind = LX_ACTOR_APIKEY;
    f->ctx.actor.id = 7;
}

/* A lead taken by intake and claimed by the lawyer of the firm it was
 * offered to; *firm gets that firm. */
static int64_t
claimed_lead(struct svcfix *f, const char *phone, int64_t *firm)
{
    svcfix_as_system(&f->ctx);
    return talkfix_claimed_lead(f, phone, "公司拖欠工资三个月，想咨询仲裁。",
                                T0 - 1000, 0, firm);
}

static lx_rc
bind(struct svcfix *f, int64_t lead, size_t n, int64_t ttl_ms, int max_call_s,
     struct lx_talk_binding *out)
{
    return lx_talk_bind(&f->ctx, NULL, lead, "consultation", POOL, n, ttl_ms,
                        max_call_s, out);
}

/* The contact hook: counts its calls and keeps the last arguments. */
struct hook {
    int calls;
    int64_t lead_id;
    int64_t firm_id;
    int64_t at_ms;
};

static lx_rc
on_contact(void *arg, struct lx_store_tx *tx, int64_t lead_id, int64_t firm_id,
           int64_t at_ms, struct lx_err *err)
{
    struct hook *h = arg;

    (void)err;
    assert_non_null(tx);
    h->calls++;
    h->lead_id = lead_id;
    h->firm_id = firm_id;
    h->at_ms = at_ms;
    return LX_OK;
}

static lx_rc
event(struct svcfix *f, const struct lx_talk_opts *o, const char *event_id,
      const char *call_id, const char *number,
      enum lx_talk_call_event_kind kind, int64_t at_ms, int64_t duration_s,
      bool *dup)
{
    struct lx_talk_call_event ev = {event_id, call_id, number,
                                    kind,     at_ms,   duration_s};

    as_provider(f);
    return lx_talk_call_event(&f->ctx, o, &ev, dup);
}

/* The call data of a call, opened from the vault (the test decides). */
struct vault_arg {
    struct lx_ctx *ctx;
    int64_t subject;
    char field[40];
    char value[256];
    struct lx_vault_field_info info;
};

static lx_rc
vault_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct vault_arg *a = arg;
    struct lx_policy_decision d = {LX_POLICY_ALLOW, LX_POLICY_RULE_ALLOW,
                                   "test", NULL};
    struct lx_secret *s = NULL;
    lx_rc rc =
        lx_vault_open_tx(a->ctx, tx, &d, a->subject, a->field, &a->info, &s);

    (void)err;
    if (rc == LX_OK) {
        snprintf(a->value, sizeof(a->value), "%.*s", (int)s->len,
                 (const char *)s->p);
    }
    lx_secret_free(s);
    return rc;
}

static void
call_data(struct svcfix *f, int64_t lead, int64_t call_row, struct vault_arg *a)
{
    struct lx_err err = {0};

    memset(a, 0, sizeof(*a));
    a->ctx = &f->ctx;
    a->subject = svcfix_countf(
        f, "SELECT subject_id FROM leads WHERE id = %lld", (long long)lead);
    snprintf(a->field, sizeof(a->field), "call_%lld", (long long)call_row);
    assert_int_equal(lx_store_read(f->app.store, vault_unit, a, &err), LX_OK);
}

/* ---- binding ------------------------------------------------------------- */

static void
test_bind_first_free(void **state)
{
    struct svcfix *f = *state;
    struct lx_talk_binding b1, b2;
    int64_t firm = 0;
    int64_t lead = claimed_lead(f, "13800138001", &firm);

    f->ctx.now_ms = T0 + MIN;
    assert_int_equal(bind(f, lead, 3, 30 * MIN, 600, &b1), LX_OK);
    assert_string_equal(b1.virtual_number, POOL[0]);
    assert_int_equal(b1.lead_id, lead);
    assert_int_equal(b1.staff_id, f->ctx.actor.id);
    assert_int_equal(b1.created_ms, T0 + MIN);
    assert_int_equal(b1.expires_ms, T0 + 31 * MIN);
    assert_int_equal(b1.max_call_s, 600);
    assert_non_null(b1.contact_reason);
    assert_string_equal(b1.contact_reason, "allowed");
    assert_int_equal(b1.retry_ms, 0);
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM talk_bindings WHERE id ="
                      " %lld AND firm_id = %lld AND released_ms IS NULL",
                      (long long)b1.id, (long long)firm),
        1);

    /* While the first is live, the next bind takes the next number. */
    f->ctx.now_ms = T0 + 2 * MIN;
    assert_int_equal(bind(f, lead, 3, 30 * MIN, 600, &b2), LX_OK);
    assert_string_equal(b2.virtual_number, POOL[1]);
    assert_true(b2.id > b1.id);

    /* Each bind is an allowed call attempt, audited as "call". */
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM talk_attempts WHERE kind ="
                      " 'call' AND allowed = 1 AND lead_id = %lld",
                      (long long)lead),
        2);
    assert_int_equal(
        svcfix_countf(f, "SELECT COUNT(*) FROM audit_log WHERE action ="
                         " 'call' AND decision = 'done'"),
        2);
}

static void
test_pool_exhausted_and_reuse(void **state)
{
    struct svcfix *f = *state;
    struct lx_talk_binding b1, b2, b3;
    int64_t firm = 0;
    int64_t lead = claimed_lead(f, "13800138002", &firm);

    f->ctx.now_ms = T0 + MIN;
    assert_int_equal(bind(f, lead, 1, MIN, 60, &b1), LX_OK);
    assert_string_equal(b1.virtual_number, POOL[0]);

    /* Every number bound: 409 on the pool, and nothing of it is kept. */
    f->ctx.now_ms = T0 + MIN + 59999;
    assert_int_equal(bind(f, lead, 1, MIN, 60, &b2), LX_ECONFLICT);
    assert_string_equal(f->ctx.err.field, "/pool");
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_bindings"), 1);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_attempts"), 1);

    /* At expiry the number is free again: a new binding reuses it. */
    f->ctx.now_ms = T0 + 2 * MIN;
    assert_int_equal(bind(f, lead, 1, MIN, 60, &b3), LX_OK);
    assert_string_equal(b3.virtual_number, POOL[0]);
    assert_true(b3.id != b1.id);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_bindings WHERE"
                                      " virtual_number = '95013000001'"),
                     2);
}

/* Concurrent binds: each thread binds for its own lead from one pool. */
#define PAR 4

struct par_arg {
    struct svcfix *f;
    int64_t lead;
    int64_t firm;
    lx_rc rc;
    char number[LX_TALK_NUMBER_MAX + 1];
};

static void *
par_bind(void *arg)
{
    struct par_arg *p = arg;
    struct lx_ctx ctx;
    struct lx_talk_binding b;

    lx_ctx_init(&ctx, &p->f->app, T0 + MIN);
    as_lawyer(&ctx, p->firm);
    p->rc = lx_talk_bind(&ctx, NULL, p->lead, "consultation", POOL, PAR,
                         10 * MIN, 300, &b);
    if (p->rc == LX_OK) {
        snprintf(p->number, sizeof(p->number), "%s", b.virtual_number);
    }
    lx_ctx_release(&ctx);
    return NULL;
}

static void
test_concurrent_binds(void **state)
{
    static const char *const phones[PAR] = {"13800138011", "13800138012",
                                            "13800138013", "13800138014"};
    struct svcfix *f = *state;
    struct par_arg p[PAR];
    pthread_t th[PAR];

    memset(p, 0, sizeof(p));
    for (int i = 0; i < PAR; i++) {
        p[i].f = f;
        p[i].lead = claimed_lead(f, phones[i], &p[i].firm);
    }
    for (int i = 0; i < PAR; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, par_bind, &p[i]), 0);
    }
    for (int i = 0; i < PAR; i++) {
        pthread_join(th[i], NULL);
    }
    for (int i = 0; i < PAR; i++) {
        assert_int_equal(p[i].rc, LX_OK);
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(p[i].number, p[j].number);
        }
    }
    assert_int_equal(svcfix_countf(f,
                                   "SELECT COUNT(DISTINCT virtual_number) FROM"
                                   " talk_bindings"),
                     PAR);
}

static void
test_contact_limit(void **state)
{
    struct svcfix *f = *state;
    struct lx_talk_binding b;
    int64_t firm = 0;
    int64_t lead = claimed_lead(f, "13800138003", &firm);

    for (int i = 0; i < 3; i++) {
        f->ctx.now_ms = T0 + (i + 1) * MIN;
        assert_int_equal(bind(f, lead, 5, MIN, 60, &b), LX_OK);
    }
    /* The fourth unanswered attempt inside 24 h is refused (C5.3). */
    f->ctx.now_ms = T0 + 10 * MIN;
    assert_int_equal(bind(f, lead, 5, MIN, 60, &b), LX_EDENIED);
    assert_non_null(f->ctx.err.clause);
    assert_string_equal(f->ctx.err.clause, "C5.3");
    assert_non_null(strstr(f->ctx.err.detail, "unanswered_limit"));
    /* Why, and from when: the first attempt leaves the 24 h window. */
    assert_non_null(b.contact_reason);
    assert_string_equal(b.contact_reason, "unanswered_limit");
    assert_int_equal(b.retry_ms, T0 + MIN + 24 * HOUR);
    assert_int_equal(b.id, 0);
    /* The denied attempt and its audit record are committed; no binding. */
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_bindings"), 3);
    assert_int_equal(svcfix_countf(f,
                                   "SELECT COUNT(*) FROM talk_attempts WHERE"
                                   " allowed = 0 AND kind = 'call' AND reason ="
                                   " 'unanswered_limit' AND lead_id = %lld",
                                   (long long)lead),
                     1);
    assert_int_equal(
        svcfix_countf(f, "SELECT COUNT(*) FROM audit_log WHERE action ="
                         " 'call' AND decision = 'deny' AND clause ="
                         " 'C5.3'"),
        1);
}

static void
test_visibility(void **state)
{
    struct svcfix *f = *state;
    struct lx_talk_binding b;
    int64_t firm = 0;
    int64_t lead = claimed_lead(f, "13800138004", &firm);

    /* A lawyer of the other firm: no such lead, nothing bound. */
    as_lawyer(&f->ctx, firm == FIRM_A ? FIRM_B : FIRM_A);
    assert_int_equal(lx_talk_bind(&f->ctx, NULL, lead, "consultation", POOL, 2,
                                  10 * MIN, 300, &b),
                     LX_ENOTFOUND);
    /* A lead that does not exist reads the same. */
    as_lawyer(&f->ctx, firm);
    assert_int_equal(lx_talk_bind(&f->ctx, NULL, lead + 1000, "consultation",
                                  POOL, 2, 10 * MIN, 300, &b),
                     LX_ENOTFOUND);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_bindings"), 0);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_attempts"), 0);
}

static void
test_bind_validation(void **state)
{
    static const char *const bad_short[] = {"1234"};
    static const char *const bad_char[] = {"95013000001", "9501300000a"};
    static const char *const bad_long[] = {"123456789012345678901"};
    static const char *const bad_null[] = {NULL};
    static const char *const ok_edge[] = {"12345", "12345678901234567890"};
    struct svcfix *f = *state;
    struct {
        const char *purpose;
        const char *const *pool;
        size_t n;
        int64_t ttl;
        int max;
        const char *field;
    } cases[] = {
        {"consultation", POOL, 2, MIN - 1, 300, "/ttl"},
        {"consultation", POOL, 2, 24 * HOUR + 1, 300, "/ttl"},
        {"consultation", POOL, 2, 0, 300, "/ttl"},
        {"consultation", POOL, 2, MIN, 59, "/max_call_s"},
        {"consultation", POOL, 2, MIN, 14401, "/max_call_s"},
        {"consultation", POOL, 0, MIN, 60, "/pool"},
        {"consultation", NULL, 1, MIN, 60, "/pool"},
        {"consultation", POOL, LX_TALK_POOL_MAX + 1, MIN, 60, "/pool"},
        {"consultation", bad_short, 1, MIN, 60, "/pool"},
        {"consultation", bad_char, 2, MIN, 60, "/pool"},
        {"consultation", bad_long, 1, MIN, 60, "/pool"},
        {"consultation", bad_null, 1, MIN, 60, "/pool"},
        {"marketing", POOL, 2, MIN, 60, "/purpose"},
        {NULL, POOL, 2, MIN, 60, "/purpose"},
    };
    struct lx_talk_binding b;
    int64_t firm = 0;
    int64_t lead = claimed_lead(f, "13800138005", &firm);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        as_lawyer(&f->ctx, firm);
        assert_int_equal(lx_talk_bind(&f->ctx, NULL, lead, cases[i].purpose,
                                      cases[i].pool, cases[i].n, cases[i].ttl,
                                      cases[i].max, &b),
                         LX_EINVAL);
        assert_non_null(f->ctx.err.field);
        assert_string_equal(f->ctx.err.field, cases[i].field);
    }
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_attempts"), 0);
    /* The edges themselves are accepted: 1 min, 24 h, 60 s, 14400 s, 5
     * and 20 digits. */
    assert_int_equal(
        lx_talk_bind(&f->ctx, NULL, lead, "complaint", ok_edge, 2, MIN, 60, &b),
        LX_OK);
    assert_string_equal(b.virtual_number, "12345");
    f->ctx.now_ms += MIN;
    assert_int_equal(lx_talk_bind(&f->ctx, NULL, lead, "consultation", ok_edge,
                                  2, 24 * HOUR, 14400, &b),
                     LX_OK);
    assert_string_equal(b.virtual_number, "12345");
    f->ctx.now_ms += MIN;
    assert_int_equal(lx_talk_bind(&f->ctx, NULL, lead, "consultation", ok_edge,
                                  2, MIN, 60, &b),
                     LX_OK);
    assert_string_equal(b.virtual_number, "12345678901234567890");
}

/* ---- events -------------------------------------------------------------- */

static void
test_events(void **state)
{
    struct svcfix *f = *state;
    struct hook h = {0};
    struct lx_talk_opts o = {0};
    struct lx_talk_binding b;
    struct vault_arg v;
    int64_t firm = 0;
    int64_t lead = claimed_lead(f, "13800138006", &firm);
    int64_t call;
    bool dup = true;

    o.on_contact = on_contact;
    o.on_contact_arg = &h;
    f->ctx.now_ms = T0 + MIN;
    assert_int_equal(bind(f, lead, 2, 30 * MIN, 60, &b), LX_OK);
    f->ctx.now_ms = T0 + 2 * MIN;

    assert_int_equal(event(f, &o, "ev-1", "c.100", b.virtual_number,
                           LX_TALK_CALL_RINGING, T0 + 2 * MIN, 0, &dup),
                     LX_OK);
    assert_false(dup);
    assert_int_equal(h.calls, 0);
    call = svcfix_countf(f, "SELECT id FROM talk_calls WHERE provider_call_id ="
                            " 'c.100'");
    assert_true(call > 0);
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM talk_calls WHERE id = %lld"
                      " AND binding_id = %lld AND lead_id = %lld AND"
                      " firm_id = %lld AND started_ms = %lld AND"
                      " answered_ms IS NULL AND ended_ms IS NULL",
                      (long long)call, (long long)b.id, (long long)lead,
                      (long long)firm, (long long)(T0 + 2 * MIN)),
        1);
    call_data(f, lead, call, &v);
    assert_int_equal(v.info.category, LX_VAULT_CAT_CALL);
    assert_string_equal(v.value, "{\"started_ms\":1800000120000,"
                                 "\"answered_ms\":null,\"ended_ms\":null,"
                                 "\"duration_s\":0}");

    /* Answered: the firm's contact, reported once. */
    assert_int_equal(event(f, &o, "ev-2", "c.100", b.virtual_number,
                           LX_TALK_CALL_ANSWERED, T0 + 2 * MIN + 5000, 0, &dup),
                     LX_OK);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.lead_id, lead);
    assert_int_equal(h.firm_id, firm);
    assert_int_equal(h.at_ms, T0 + 2 * MIN + 5000);
    /* The same event again: a no-op, the hook not called. */
    assert_int_equal(event(f, &o, "ev-2", "c.100", b.virtual_number,
                           LX_TALK_CALL_ANSWERED, T0 + 2 * MIN + 5000, 0, &dup),
                     LX_OK);
    assert_true(dup);
    assert_int_equal(h.calls, 1);
    /* Another answered event of the same call: recorded, no second
     * contact. */
    assert_int_equal(event(f, &o, "ev-2b", "c.100", b.virtual_number,
                           LX_TALK_CALL_ANSWERED, T0 + 2 * MIN + 6000, 0, &dup),
                     LX_OK);
    assert_false(dup);
    assert_int_equal(h.calls, 1);

    /* Ended after 90 s with a 60 s limit: over the limit. */
    assert_int_equal(event(f, &o, "ev-3", "c.100", b.virtual_number,
                           LX_TALK_CALL_ENDED, T0 + 2 * MIN + 95000, 90, &dup),
                     LX_OK);
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM talk_calls WHERE id = %lld"
                      " AND answered_ms = %lld AND ended_ms = %lld AND"
                      " duration_s = 90 AND over_limit = 1",
                      (long long)call, (long long)(T0 + 2 * MIN + 5000),
                      (long long)(T0 + 2 * MIN + 95000)),
        1);
    assert_int_equal(svcfix_countf(f,
                                   "SELECT COUNT(*) FROM talk_call_events WHERE"
                                   " call_id = %lld",
                                   (long long)call),
                     4);
    assert_int_equal(svcfix_countf(f,
                                   "SELECT COUNT(*) FROM talk_call_events WHERE"
                                   " kind = 'ended' AND event_id = 'ev-3'"),
                     1);
    call_data(f, lead, call, &v);
    assert_string_equal(v.value, "{\"started_ms\":1800000120000,"
                                 "\"answered_ms\":1800000125000,"
                                 "\"ended_ms\":1800000215000,"
                                 "\"duration_s\":90}");
    /* Recorded only: no violation is written here. */
    assert_int_equal(
        svcfix_countf(f, "SELECT COUNT(*) FROM audit_log WHERE action ="
                         " 'call_event'"),
        4);

    /* A second call within the limit is not over it; an unanswered call
     * is no contact. */
    assert_int_equal(event(f, &o, "ev-4", "c.101", b.virtual_number,
                           LX_TALK_CALL_ENDED, T0 + 10 * MIN, 60, &dup),
                     LX_OK);
    assert_int_equal(
        svcfix_countf(f, "SELECT COUNT(*) FROM talk_calls WHERE"
                         " provider_call_id = 'c.101' AND over_limit ="
                         " 0 AND duration_s = 60 AND answered_ms IS"
                         " NULL"),
        1);
    assert_int_equal(h.calls, 1);

    /* After the binding expired a new call finds no binding... */
    assert_int_equal(event(f, &o, "ev-5", "c.102", b.virtual_number,
                           LX_TALK_CALL_RINGING, b.expires_ms, 0, &dup),
                     LX_ENOTFOUND);
    assert_string_equal(f->ctx.err.field, "/virtual_number");
    /* ...but a known call still ends on its own binding. */
    assert_int_equal(event(f, &o, "ev-6", "c.101", b.virtual_number,
                           LX_TALK_CALL_RINGING, b.expires_ms + 1000, 0, &dup),
                     LX_OK);
    /* A known call id under another number is a conflict. */
    assert_int_equal(event(f, &o, "ev-7", "c.101", POOL[1],
                           LX_TALK_CALL_RINGING, T0 + 3 * MIN, 0, &dup),
                     LX_ECONFLICT);
    assert_string_equal(f->ctx.err.field, "/call_id");
}

static void
test_event_unbound_and_actor(void **state)
{
    struct svcfix *f = *state;
    struct lx_talk_call_event ev = {
        "ev-1", "c-1", "95013000009", LX_TALK_CALL_RINGING, T0, 0};
    struct lx_talk_binding b;
    int64_t firm = 0;
    int64_t lead = claimed_lead(f, "13800138007", &firm);
    bool dup = true;

    /* No binding for the number at all. */
    assert_int_equal(event(f, NULL, "ev-1", "c-1", "95013000009",
                           LX_TALK_CALL_RINGING, T0, 0, &dup),
                     LX_ENOTFOUND);
    assert_string_equal(f->ctx.err.field, "/virtual_number");
    assert_false(dup);
    /* A binding exists, but the event predates it. */
    f->ctx.now_ms = T0 + 5 * MIN;
    as_lawyer(&f->ctx, firm);
    assert_int_equal(bind(f, lead, 1, 10 * MIN, 60, &b), LX_OK);
    assert_int_equal(event(f, NULL, "ev-1", "c-1", POOL[0],
                           LX_TALK_CALL_RINGING, T0 + 5 * MIN - 1, 0, &dup),
                     LX_ENOTFOUND);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_calls"), 0);
    /* Staff cannot post provider events; the system can. */
    as_lawyer(&f->ctx, firm);
    ev.virtual_number = POOL[0];
    ev.at_ms = T0 + 6 * MIN;
    assert_int_equal(lx_talk_call_event(&f->ctx, NULL, &ev, &dup), LX_EDENIED);
    memset(&f->ctx.actor, 0, sizeof(f->ctx.actor));
    f->ctx.actor.kind = LX_ACTOR_SYSTEM;
    assert_int_equal(lx_talk_call_event(&f->ctx, NULL, &ev, NULL), LX_OK);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_calls"), 1);
}

static void
test_event_validation(void **state)
{
    struct svcfix *f = *state;
    char long_id[LX_TALK_CALL_ID_MAX + 2];
    char max_id[LX_TALK_CALL_ID_MAX + 1];
    struct {
        const char *event_id;
        const char *call_id;
        const char *number;
        int kind;
        int64_t at;
        int64_t dur;
        const char *field;
    } cases[] = {
        {"", "c", "95013000001", 0, T0, 0, "/event_id"},
        {NULL, "c", "95013000001", 0, T0, 0, "/event_id"},
        {"ev 1", "c", "95013000001", 0, T0, 0, "/event_id"},
        {"ev/1", "c", "95013000001", 0, T0, 0, "/event_id"},
        {long_id, "c", "95013000001", 0, T0, 0, "/event_id"},
        {"e", "", "95013000001", 0, T0, 0, "/call_id"},
        {"e", "c\n", "95013000001", 0, T0, 0, "/call_id"},
        {"e", long_id, "95013000001", 0, T0, 0, "/call_id"},
        {"e", "c", "9501", 0, T0, 0, "/virtual_number"},
        {"e", "c", "+8695013000001", 0, T0, 0, "/virtual_number"},
        {"e", "c", NULL, 0, T0, 0, "/virtual_number"},
        {"e", "c", "95013000001", 3, T0, 0, "/kind"},
        {"e", "c", "95013000001", -1, T0, 0, "/kind"},
        {"e", "c", "95013000001", 0, 0, 0, "/at_ms"},
        {"e", "c", "95013000001", 2, T0, -1, "/duration_s"},
        {"e", "c", "95013000001", 2, T0, 86401, "/duration_s"},
    };
    struct lx_talk_binding b;
    int64_t firm = 0;
    int64_t lead = claimed_lead(f, "13800138008", &firm);
    enum lx_talk_call_event_kind k = LX_TALK_CALL_ENDED;

    memset(long_id, 'a', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    memset(max_id, 'Z', sizeof(max_id) - 1);
    max_id[sizeof(max_id) - 1] = '\0';
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(event(f, NULL, cases[i].event_id, cases[i].call_id,
                               cases[i].number,
                               (enum lx_talk_call_event_kind)cases[i].kind,
                               cases[i].at, cases[i].dur, NULL),
                         LX_EINVAL);
        assert_non_null(f->ctx.err.field);
        assert_string_equal(f->ctx.err.field, cases[i].field);
    }
    /* The longest ids and every allowed character pass. */
    as_lawyer(&f->ctx, firm);
    assert_int_equal(bind(f, lead, 1, 10 * MIN, 60, &b), LX_OK);
    assert_int_equal(event(f, NULL, max_id, "aZ09_.:-", POOL[0],
                           LX_TALK_CALL_ENDED, T0 + 1, 86400, NULL),
                     LX_OK);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM talk_calls WHERE"
                                      " over_limit = 1 AND duration_s = 86400"),
                     1);

    assert_true(lx_talk_call_event_parse("ringing", &k));
    assert_int_equal(k, LX_TALK_CALL_RINGING);
    assert_true(lx_talk_call_event_parse("answered", &k));
    assert_int_equal(k, LX_TALK_CALL_ANSWERED);
    assert_true(lx_talk_call_event_parse("ended", &k));
    assert_int_equal(k, LX_TALK_CALL_ENDED);
    assert_false(lx_talk_call_event_parse("Ended", &k));
    assert_false(lx_talk_call_event_parse("", &k));
    assert_false(lx_talk_call_event_parse(NULL, &k));
    assert_int_equal(k, LX_TALK_CALL_ENDED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bind_first_free, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_pool_exhausted_and_reuse, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_binds, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_contact_limit, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_visibility, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_bind_validation, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_event_unbound_and_actor, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_event_validation, setup,
                                        svcfix_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
