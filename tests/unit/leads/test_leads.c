/*
 * test_leads — the leads service: the state-machine table (every state x
 * event), the intake validation table, dedupe by the phone blind index,
 * exactly one holder through offers, declines and timeouts, claim with
 * policy and audit, assign/handover records acknowledged by the receiver,
 * reveal through the vault, close, and a fault walk (LX_STORE_FAULT
 * stmt:N) over claim: the claim and its audit record commit together or
 * not at all.
 *
 * Runs on both backends: with LX_TEST_BACKEND=postgres (CTest registers
 * the @postgres run) each test gets a fresh schema via tests/lib/testdb.h.
 */
#include "base/ctx.h"
#include "crypto/crypto.h"
#include "leads/leads.h"
#include "people/people.h"
#include "lib/svcfix.h"
#include "policy/policy.h"
#include "store/store.h"

#include <fcntl.h>
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
#define DAY (24LL * 3600 * 1000)
#define MIN10 (600000LL)

/* Firms: A and B cover Beijing for labor, C Shanghai. */
enum {
    FIRM_A = 10,
    FIRM_B = 20,
    FIRM_C = 30,
    A_ADMIN = 101,
    A_LAWYER = 102,
    A_ASST = 103,
    A_NOLIC = 104,
    B_ADMIN = 201,
    B_LAWYER = 202,
    C_ADMIN = 301,
};

/* Every count here is a fixed query. */
static int64_t
count(struct svcfix *f, const char *sql)
{
    return svcfix_countf(f, "%s", sql);
}

static void
seed(struct svcfix *f)
{
    char sql[4096];
    long long now = T0;

    snprintf(
        sql, sizeof(sql),
        "INSERT INTO orgs (id, kind, name, uscc, daily_capacity, status,"
        " status_changed_ms, created_ms, updated_ms) VALUES"
        " (10, 'firm', 'A', NULL, 100, 'active', %lld, %lld, %lld),"
        " (20, 'firm', 'B', NULL, 100, 'active', %lld, %lld, %lld),"
        " (30, 'firm', 'C', NULL, 100, 'active', %lld, %lld, %lld);"
        "INSERT INTO org_regions (org_id, code) VALUES (10, '110000'),"
        " (20, '110000'), (30, '310000');"
        "INSERT INTO org_areas (org_id, area) VALUES (10, 'labor'),"
        " (20, 'labor'), (30, 'labor'), (10, 'debt');"
        "INSERT INTO staff (id, org_id, role, display_name, email, status,"
        " created_ms, updated_ms) VALUES"
        " (101, 10, 'firm_admin', 'a', 'a1@example.org', 'active', 1, 1),"
        " (102, 10, 'lawyer', 'a', 'a2@example.org', 'active', 1, 1),"
        " (103, 10, 'assistant', 'a', 'a3@example.org', 'active', 1, 1),"
        " (104, 10, 'lawyer', 'a', 'a4@example.org', 'active', 1, 1),"
        " (201, 20, 'firm_admin', 'b', 'b1@example.org', 'active', 1, 1),"
        " (202, 20, 'lawyer', 'b', 'b2@example.org', 'active', 1, 1),"
        " (301, 30, 'firm_admin', 'c', 'c1@example.org', 'active', 1, 1);"
        "INSERT INTO staff_training (staff_id, course, version, passed_ms,"
        " expires_ms, recorded_by, created_ms) SELECT id, 'privacy', '1',"
        " %lld, %lld, 1, 1 FROM staff;"
        "INSERT INTO staff_licences (staff_id, number, status, evidence_ref,"
        " verified_ms, recheck_ms, updated_ms) VALUES"
        " (102, '11101200000000001', 'verified', 'x', 1, %lld, 1),"
        " (202, '11101200000000002', 'verified', 'x', 1, %lld, 1),"
        " (104, '11101200000000003', 'pending', NULL, NULL, NULL, 1)",
        now, now, now, now, now, now, now, now, now, now - DAY,
        now + 365 * DAY, now + 365 * DAY, now + 365 * DAY);
    svcfix_exec(f, sql);
}

static int
setup(void **state)
{
    struct svcfix *f =
        svcfix_new(sizeof(*f), "/tmp/lx-leads-XXXXXX", T0, LX_ACTOR_SYSTEM);

    if (f == NULL) {
        return -1;
    }
    seed(f);
    *state = f;
    return 0;
}

/* ---- actors ---------------------------------------------------------------- */

static void
as_staff(struct svcfix *f, int64_t id)
{
    static const struct {
        int64_t id;
        int64_t firm;
        const char *role;
    } who[] = {
        {A_ADMIN, FIRM_A, "firm_admin"}, {A_LAWYER, FIRM_A, "lawyer"},
        {A_ASST, FIRM_A, "assistant"},   {A_NOLIC, FIRM_A, "lawyer"},
        {B_ADMIN, FIRM_B, "firm_admin"}, {B_LAWYER, FIRM_B, "lawyer"},
        {C_ADMIN, FIRM_C, "firm_admin"},
    };

    for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
        if (who[i].id == id) {
            f->ctx.actor.kind = LX_ACTOR_STAFF;
            f->ctx.actor.id = id;
            f->ctx.actor.firm_id = who[i].firm;
            snprintf(f->ctx.actor.role, sizeof(f->ctx.actor.role), "%s",
                     who[i].role);
            return;
        }
    }
    fail();
}

static void
as_system(struct svcfix *f)
{
    svcfix_as_system(&f->ctx);
}

static struct lx_leads_intake
good_intake(const char *phone)
{
    struct lx_leads_intake in = {0};

    in.area = "labor";
    in.region = "110105";
    in.description = "公司拖欠工资三个月，联系电话13800138000，想咨询仲裁。";
    in.phone = phone;
    in.name = "张三";
    in.consent_version = "pn-2026-01";
    in.consent_ms = T0 - 1000;
    in.consent_share = true;
    return in;
}

static int64_t
intake(struct svcfix *f, const char *phone, struct lx_leads_intake_result *res)
{
    struct lx_leads_intake in = good_intake(phone);
    struct lx_leads_intake_result r;

    as_system(f);
    if (lx_leads_intake(&f->ctx, NULL, &in, &r) != LX_OK) {
        fprintf(stderr, "intake: %s (%s)\n", lx_err_message(&f->ctx.err),
                f->ctx.err.field != NULL ? f->ctx.err.field : "");
        fail();
    }
    if (res != NULL) {
        *res = r;
    }
    return r.id;
}

static int64_t
holder_firm(struct svcfix *f, int64_t id)
{
    return svcfix_countf(f,
                         "SELECT COALESCE(firm_id, 0) FROM leads WHERE"
                         " id = %lld",
                         (long long)id);
}

static int64_t
admin_of(int64_t firm)
{
    return firm == FIRM_A ? A_ADMIN : firm == FIRM_B ? B_ADMIN : C_ADMIN;
}

static int64_t
lawyer_of(int64_t firm)
{
    return firm == FIRM_A ? A_LAWYER : B_LAWYER;
}

static int64_t
open_offers(struct svcfix *f, int64_t id)
{
    return svcfix_countf(f,
                  "SELECT COUNT(*) FROM lead_offers WHERE lead_id = %lld AND"
                  " outcome = 'open'",
                  (long long)id);
}

/* ---- the state machine ----------------------------------------------------- */

static void
test_transition_table(void **state)
{
    /* Written out independently of src/leads: '.' is not possible. */
    static const char *const expect[LX_LEADS_STATE_COUNT]
                                     [LX_LEADS_EV_COUNT] = {
        /* none offer decline timeout exhaust claim assign handover ack
         * close return revoke */
        {".", "offered", ".", ".", "exhausted", ".", ".", ".", ".", ".", ".",
         "."},
        {".", ".", "new", "new", ".", "claimed", ".", ".", ".", ".", ".", "."},
        {".", ".", ".", ".", ".", ".", "assigned", "assigned", ".", "closed",
         "returned", "new"},
        {".", ".", ".", ".", ".", ".", "assigned", "assigned", "assigned",
         "closed", "returned", "new"},
        {".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", "."},
        {".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", "."},
        {".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", "."},
        {".", ".", ".", ".", ".", ".", ".", ".", ".", ".", ".", "."},
    };
    (void)state;

    for (int s = 0; s < LX_LEADS_STATE_COUNT; s++) {
        for (int e = 0; e < LX_LEADS_EV_COUNT; e++) {
            struct lx_err err = {0};
            enum lx_leads_state to = LX_LEADS_STATE_COUNT;
            lx_rc rc = lx_leads_transition((enum lx_leads_state)s,
                                           (enum lx_leads_event)e, &to, &err);

            if (e == LX_LEADS_EV_NONE) {
                assert_int_equal(rc, LX_EINVAL);
            } else if (strcmp(expect[s][e], ".") == 0) {
                assert_int_equal(rc, LX_ECONFLICT);
                assert_non_null(strstr(err.detail, lx_leads_state_name(
                                                       (enum lx_leads_state)s)));
                assert_int_equal(to, LX_LEADS_STATE_COUNT);
            } else {
                assert_int_equal(rc, LX_OK);
                assert_string_equal(lx_leads_state_name(to), expect[s][e]);
            }
        }
    }
    {
        struct lx_err err = {0};
        enum lx_leads_state to;

        assert_int_equal(lx_leads_transition(LX_LEADS_STATE_COUNT,
                                             LX_LEADS_EV_OFFER, &to, &err),
                         LX_EINVAL);
        assert_int_equal(lx_leads_transition(LX_LEADS_NEW, LX_LEADS_EV_COUNT,
                                             &to, &err),
                         LX_EINVAL);
    }
}

/* ---- intake ---------------------------------------------------------------- */

static void
test_intake_validation(void **state)
{
    struct svcfix *f = *state;
    char big[LX_LEADS_DESC_MAX + 2];
    static const char bad_utf8[] = {'a', (char)0xff, 'b', 0};
    struct {
        const char *what;
        lx_rc rc;
        const char *field;
    } cases[] = {
        {"area", LX_EINVAL, "/area"},
        {"area_empty", LX_EINVAL, "/area"},
        {"region", LX_EINVAL, "/region"},
        {"region_short", LX_EINVAL, "/region"},
        {"desc_empty", LX_EINVAL, "/description"},
        {"desc_big", LX_ETOOBIG, "/description"},
        {"desc_utf8", LX_EINVAL, "/description"},
        {"phone", LX_EINVAL, "/phone"},
        {"phone_landline", LX_EINVAL, "/phone"},
        {"name_utf8", LX_EINVAL, "/name"},
        {"id", LX_EINVAL, "/id_number"},
        {"consent_version", LX_EINVAL, "/consent/notice_version"},
        {"consent_time", LX_EINVAL, "/consent/at"},
        {"consent_future", LX_EINVAL, "/consent/at"},
        {"consent_share", LX_EINVAL, "/consent/share_with_firm"},
    };

    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lx_leads_intake in = good_intake("13800138001");
        struct lx_leads_intake_result r;
        const char *w = cases[i].what;

        if (strcmp(w, "area") == 0) {
            in.area = "juvenile";
        } else if (strcmp(w, "area_empty") == 0) {
            in.area = "";
        } else if (strcmp(w, "region") == 0) {
            in.region = "999999";
        } else if (strcmp(w, "region_short") == 0) {
            in.region = "1101";
        } else if (strcmp(w, "desc_empty") == 0) {
            in.description = "";
        } else if (strcmp(w, "desc_big") == 0) {
            in.description = big;
        } else if (strcmp(w, "desc_utf8") == 0) {
            in.description = bad_utf8;
        } else if (strcmp(w, "phone") == 0) {
            in.phone = "1380013800";
        } else if (strcmp(w, "phone_landline") == 0) {
            in.phone = "010-12345678";
        } else if (strcmp(w, "name_utf8") == 0) {
            in.name = bad_utf8;
        } else if (strcmp(w, "id") == 0) {
            in.id_number = "110105199001011235";
        } else if (strcmp(w, "consent_version") == 0) {
            in.consent_version = "";
        } else if (strcmp(w, "consent_time") == 0) {
            in.consent_ms = 0;
        } else if (strcmp(w, "consent_future") == 0) {
            in.consent_ms = T0 + DAY;
        } else {
            in.consent_share = false;
        }
        as_system(f);
        lx_err_clear(&f->ctx.err);
        assert_int_equal(lx_leads_intake(&f->ctx, NULL, &in, &r), cases[i].rc);
        assert_non_null(f->ctx.err.field);
        assert_string_equal(f->ctx.err.field, cases[i].field);
        /* Errors never carry the input. */
        assert_null(strstr(f->ctx.err.detail, "13800138001"));
    }
    /* Nothing was stored by any refused intake. */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM leads"), 0);
    /* Staff cannot submit leads. */
    {
        struct lx_leads_intake in = good_intake("13800138001");
        struct lx_leads_intake_result r;

        as_staff(f, A_ADMIN);
        assert_int_equal(lx_leads_intake(&f->ctx, NULL, &in, &r), LX_EDENIED);
    }
    /* A retired code is accepted for history; current ones of course. */
    assert_true(lx_leads_region_valid("110105", 6));
    assert_false(lx_leads_region_valid("11010", 5));
    assert_false(lx_leads_region_valid("000000", 6));
}

static void
test_intake_offers_one_firm(void **state)
{
    struct svcfix *f = *state;
    struct lx_leads_intake_result r;
    struct lx_leads_view v;
    int64_t id = intake(f, "13800138002", &r);
    int64_t firm = holder_firm(f, id);
    int64_t other = firm == FIRM_A ? FIRM_B : FIRM_A;

    assert_int_equal(r.state, LX_LEADS_OFFERED);
    assert_int_equal(r.duplicate_of, 0);
    assert_true(firm == FIRM_A || firm == FIRM_B);
    assert_int_equal(open_offers(f, id), 1);
    /* The holder's admin sees it, masked; the others do not. */
    as_staff(f, admin_of(firm));
    assert_int_equal(lx_leads_get(&f->ctx, id, &v), LX_OK);
    assert_int_equal(v.state, LX_LEADS_OFFERED);
    assert_int_equal(v.offer_deadline_ms, T0 + MIN10);
    assert_string_equal(v.contact_masked, "138****8002");
    assert_null(strstr(v.preview, "13800138000"));
    assert_non_null(strstr(v.preview, "138****8000"));
    as_staff(f, admin_of(other));
    assert_int_equal(lx_leads_get(&f->ctx, id, &v), LX_ENOTFOUND);
    as_staff(f, C_ADMIN);
    assert_int_equal(lx_leads_get(&f->ctx, id, &v), LX_ENOTFOUND);
    {
        struct lx_leads_view list[4];
        size_t n = 9;

        as_staff(f, admin_of(other));
        assert_int_equal(lx_leads_list(&f->ctx, 0, list, 4, &n), LX_OK);
        assert_int_equal(n, 0);
        as_staff(f, admin_of(firm));
        assert_int_equal(lx_leads_list(&f->ctx, 0, list, 4, &n), LX_OK);
        assert_int_equal(n, 1);
        assert_int_equal(list[0].id, id);
        /* The platform sees every lead. */
        as_system(f);
        assert_int_equal(lx_leads_list(&f->ctx, 0, list, 4, &n), LX_OK);
        assert_int_equal(n, 1);
        assert_int_equal(lx_leads_list(&f->ctx, id, list, 4, &n), LX_OK);
        assert_int_equal(n, 0);
        assert_int_equal(lx_leads_list(&f->ctx, 0, list, 0, &n), LX_EINVAL);
    }
    /* No firm covers Guangzhou: exhausted at once. */
    {
        struct lx_leads_intake in = good_intake("13800138003");

        in.region = "440100";
        as_system(f);
        assert_int_equal(lx_leads_intake(&f->ctx, NULL, &in, &r), LX_OK);
        assert_int_equal(r.state, LX_LEADS_EXHAUSTED);
        assert_int_equal(holder_firm(f, r.id), 0);
    }
    /* A minor's ID makes the lead sensitive. */
    {
        struct lx_leads_intake in = good_intake("13800138004");

        in.id_number = "110105201801010019";
        as_system(f);
        assert_int_equal(lx_leads_intake(&f->ctx, NULL, &in, &r), LX_OK);
        assert_int_equal(svcfix_countf(f,
                                "SELECT minor + sensitive FROM leads WHERE id"
                                " = %lld",
                                (long long)r.id),
                         2);
    }
}

static void
test_dedupe(void **state)
{
    struct svcfix *f = *state;
    struct lx_leads_intake_result r1;
    struct lx_leads_intake_result r2;
    struct lx_leads_intake_result r3;
    struct lx_leads_intake_result r4;
    struct lx_leads_opts o = {.dedupe_window_ms = 3600000};
    struct lx_leads_intake in = good_intake("138 0013 8005");

    intake(f, "13800138005", &r1);
    /* Same number, other spelling, inside the window: linked, not offered. */
    f->ctx.now_ms = T0 + 1000;
    assert_int_equal(lx_leads_intake(&f->ctx, &o, &in, &r2), LX_OK);
    assert_int_equal(r2.state, LX_LEADS_DUPLICATE);
    assert_int_equal(r2.duplicate_of, r1.id);
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM lead_offers WHERE lead_id = %lld",
                      (long long)r2.id),
        0);
    /* Another number is no duplicate. */
    intake(f, "13800138006", &r3);
    assert_int_equal(r3.duplicate_of, 0);
    /* Past the window: a new lead again. */
    f->ctx.now_ms = T0 + 3600000 + 2000;
    in.consent_ms = f->ctx.now_ms;
    assert_int_equal(lx_leads_intake(&f->ctx, &o, &in, &r4), LX_OK);
    assert_int_equal(r4.duplicate_of, 0);
    assert_int_not_equal(r4.state, LX_LEADS_DUPLICATE);
}

/* ---- one holder ------------------------------------------------------------ */

static void
test_decline_timeout_one_holder(void **state)
{
    struct svcfix *f = *state;
    int64_t id = intake(f, "13800138007", NULL);
    int64_t first = holder_firm(f, id);
    int64_t second = first == FIRM_A ? FIRM_B : FIRM_A;
    int64_t n = 0;
    struct lx_leads_view v;

    /* Only the holder may decline; another firm sees no lead. */
    as_staff(f, admin_of(second));
    assert_int_equal(lx_leads_decline(&f->ctx, NULL, id, "no_capacity"),
                     LX_ENOTFOUND);
    as_staff(f, admin_of(first));
    assert_int_equal(lx_leads_decline(&f->ctx, NULL, id, "bogus"), LX_EINVAL);
    assert_int_equal(lx_leads_decline(&f->ctx, NULL, id, "no_capacity"),
                     LX_OK);
    assert_int_equal(holder_firm(f, id), second);
    assert_int_equal(open_offers(f, id), 1);
    assert_int_equal(lx_leads_get(&f->ctx, id, &v), LX_ENOTFOUND);
    /* Before the deadline nothing times out; at it, the offer does, and no
     * firm is left: exhausted (never back to the first firm). */
    as_system(f);
    f->ctx.now_ms = T0 + MIN10 - 1;
    assert_int_equal(lx_leads_timeout_due(&f->ctx, NULL, 10, &n), LX_OK);
    assert_int_equal(n, 0);
    f->ctx.now_ms = T0 + MIN10;
    assert_int_equal(lx_leads_timeout_due(&f->ctx, NULL, 10, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(open_offers(f, id), 0);
    assert_int_equal(holder_firm(f, id), 0);
    assert_int_equal(
        svcfix_countf(f,
               "SELECT COUNT(*) FROM leads WHERE id = %lld AND state ="
               " 'exhausted'",
               (long long)id),
        1);
    assert_int_equal(
        svcfix_countf(f,
               "SELECT COUNT(*) FROM lead_offers WHERE lead_id = %lld AND"
               " outcome IN ('declined', 'timed_out')",
               (long long)id),
        2);
    /* The unique index holds the line even against a direct write. */
    {
        struct lx_err err = {0};
        char sql[512];

        id = intake(f, "13800138008", NULL);
        snprintf(sql, sizeof(sql),
                 "INSERT INTO lead_offers (lead_id, firm_id, attempt,"
                 " offered_ms, deadline_ms, outcome, covering, candidates,"
                 " score, weight, credit_before, credit_after) VALUES (%lld,"
                 " 30, 9, 1, 2, 'open', 0, 0, 0, 0, 0, 0)",
                 (long long)id);
        assert_int_equal(
            lx_store_write(f->app.store, svcfix_exec_unit, sql, &err),
            LX_ECONFLICT);
    }
}

/* ---- claim, assign, handover, acknowledge, reveal, close --------------------- */

static void
test_claim_to_close(void **state)
{
    struct svcfix *f = *state;
    int64_t id = intake(f, "13800138009", NULL);
    int64_t firm = holder_firm(f, id);
    int64_t rec = 0;
    struct lx_leads_handover h[4];
    struct lx_leads_view v;
    struct lx_secret *sec = NULL;
    size_t n = 0;

    if (firm != FIRM_A) {
        /* Move it to firm A, where the roles of this test live. */
        as_staff(f, admin_of(firm));
        assert_int_equal(lx_leads_decline(&f->ctx, NULL, id, "out_of_scope"),
                         LX_OK);
        assert_int_equal(holder_firm(f, id), FIRM_A);
    }
    /* An offered lead reveals nothing. */
    as_staff(f, A_LAWYER);
    assert_int_equal(
        lx_leads_reveal(&f->ctx, id, "phone", "consultation", 0, &sec),
        LX_EDENIED);
    assert_null(sec);
    /* A lawyer whose licence is unverified is refused, and audited. */
    as_staff(f, A_NOLIC);
    assert_int_equal(lx_leads_claim(&f->ctx, NULL, id), LX_EDENIED);
    assert_string_equal(f->ctx.err.detail, "licence_unverified");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'claim' AND decision = 'deny'"),
                     1);
    /* Past the window the claim is late. */
    as_staff(f, A_LAWYER);
    f->ctx.now_ms = T0 + MIN10 + 5000;
    assert_int_equal(lx_leads_claim(&f->ctx, NULL, id), LX_ECONFLICT);
    f->ctx.now_ms = T0 + 1000;
    assert_int_equal(lx_leads_claim(&f->ctx, NULL, id), LX_OK);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'claim' AND decision = 'allow'"),
                     1);
    assert_int_equal(lx_leads_get(&f->ctx, id, &v), LX_OK);
    assert_int_equal(v.state, LX_LEADS_CLAIMED);
    assert_int_equal(v.staff_id, A_LAWYER);
    assert_int_equal(v.offer_deadline_ms, 0);
    /* Claiming again: 409 naming the state. */
    assert_int_equal(lx_leads_claim(&f->ctx, NULL, id), LX_ECONFLICT);
    assert_non_null(strstr(f->ctx.err.detail, "claimed"));
    /* The claimant reveals the phone for a declared purpose, audited. */
    assert_int_equal(
        lx_leads_reveal(&f->ctx, id, "phone", "consultation", 0, &sec), LX_OK);
    assert_non_null(sec);
    assert_string_equal((const char *)sec->p, "13800138009");
    lx_secret_free(sec);
    sec = NULL;
    assert_int_equal(lx_leads_reveal(&f->ctx, id, "phone", "marketing", 0,
                                     &sec),
                     LX_EINVAL);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'reveal' AND decision = 'allow' AND purpose"
                              " = 'consultation'"),
                     1);
    /* A lawyer may not assign; the admin assigns to the assistant. */
    assert_int_equal(lx_leads_assign(&f->ctx, id, A_ASST, false, "workload",
                                     NULL, &rec),
                     LX_EDENIED);
    as_staff(f, A_ADMIN);
    assert_int_equal(lx_leads_assign(&f->ctx, id, 202, false, "x", NULL, &rec),
                     LX_EDENIED); /* another firm's lawyer */
    assert_int_equal(lx_leads_assign(&f->ctx, id, A_ASST, false,
                                     "preparing documents", NULL, &rec),
                     LX_OK);
    assert_true(rec > 0);
    /* Only the receiver acknowledges. */
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_leads_acknowledge(&f->ctx, id), LX_ENOTFOUND);
    as_staff(f, A_ADMIN);
    assert_int_equal(lx_leads_acknowledge(&f->ctx, id), LX_ECONFLICT);
    as_staff(f, A_ASST);
    f->ctx.now_ms = T0 + 2000;
    assert_int_equal(lx_leads_acknowledge(&f->ctx, id), LX_OK);
    assert_int_equal(lx_leads_acknowledge(&f->ctx, id), LX_ECONFLICT);
    /* The assistant hands it back to the lawyer. */
    f->ctx.now_ms = T0 + 3000;
    assert_int_equal(lx_leads_assign(&f->ctx, id, A_LAWYER, true,
                                     "needs a lawyer", "consultation", &rec),
                     LX_OK);
    assert_int_equal(lx_leads_handovers(&f->ctx, id, h, 4, &n), LX_ENOTFOUND);
    as_staff(f, A_ADMIN);
    assert_int_equal(lx_leads_handovers(&f->ctx, id, h, 4, &n), LX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(h[0].from_staff, A_LAWYER);
    assert_int_equal(h[0].to_staff, A_ASST);
    assert_string_equal(h[0].reason, "preparing documents");
    assert_int_equal(h[0].created_ms, T0 + 1000);
    assert_int_equal(h[0].acknowledged_ms, T0 + 2000);
    assert_int_equal(h[1].from_staff, A_ASST);
    assert_int_equal(h[1].to_staff, A_LAWYER);
    assert_int_equal(h[1].acknowledged_ms, 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE kind ="
                              " 'handover' AND action IN ('assign',"
                              " 'handover', 'acknowledge') AND decision IN"
                              " ('allow', 'done')"),
                     3);
    /* The assistant no longer holds it: the lead is out of its sight. */
    as_staff(f, A_ASST);
    assert_int_equal(lx_leads_close(&f->ctx, id, "engaged"), LX_ENOTFOUND);
    as_staff(f, A_LAWYER);
    assert_int_equal(lx_leads_close(&f->ctx, id, "won"), LX_EINVAL);
    assert_int_equal(lx_leads_close(&f->ctx, id, "engaged"), LX_OK);
    assert_int_equal(lx_leads_get(&f->ctx, id, &v), LX_OK);
    assert_int_equal(v.state, LX_LEADS_CLOSED);
    assert_int_equal(v.outcome, LX_LEADS_OUTCOME_ENGAGED);
    assert_int_equal(lx_leads_return(&f->ctx, id, "other"), LX_ECONFLICT);
    assert_non_null(strstr(f->ctx.err.detail, "closed"));
}

static void
test_return(void **state)
{
    struct svcfix *f = *state;
    int64_t id = intake(f, "13800138010", NULL);
    int64_t firm = holder_firm(f, id);
    struct lx_leads_view v;

    as_staff(f, admin_of(firm));
    assert_int_equal(lx_leads_return(&f->ctx, id, "other"), LX_ECONFLICT);
    assert_non_null(strstr(f->ctx.err.detail, "offered"));
    assert_int_equal(lx_leads_claim(&f->ctx, NULL, id), LX_OK);
    assert_int_equal(lx_leads_return(&f->ctx, id, "nonsense"), LX_EINVAL);
    assert_int_equal(lx_leads_return(&f->ctx, id, "conflict_of_interest"),
                     LX_OK);
    assert_int_equal(lx_leads_get(&f->ctx, id, &v), LX_OK);
    assert_int_equal(v.state, LX_LEADS_RETURNED);
}

/* C2.4: a minor's lead is claimed only with an approved per-access
 * approval for the claimant, and the approval serves that claim alone. */
static void
test_claim_minor(void **state)
{
    struct svcfix *f = *state;
    struct lx_leads_intake in = good_intake("13800138021");
    struct lx_leads_intake_result r;
    int64_t firm, acc = 0;

    in.minor = true;
    as_system(f);
    assert_int_equal(lx_leads_intake(&f->ctx, NULL, &in, &r), LX_OK);
    assert_int_equal(r.state, LX_LEADS_OFFERED);
    firm = holder_firm(f, r.id);

    as_staff(f, lawyer_of(firm));
    assert_int_equal(lx_leads_claim(&f->ctx, NULL, r.id), LX_EDENIED);
    assert_string_equal(f->ctx.err.clause, "C2.4");
    assert_int_equal(lx_people_minor_request(&f->ctx, r.id,
                                             LX_POLICY_PURPOSE_CONSULTATION,
                                             &acc),
                     LX_OK);
    /* Requested, not yet approved: still denied. */
    assert_int_equal(lx_leads_claim_access(&f->ctx, NULL, r.id, acc),
                     LX_EDENIED);
    as_staff(f, admin_of(firm));
    assert_int_equal(lx_people_minor_decide(&f->ctx, acc, true, T0 + 3600000),
                     LX_OK);
    as_staff(f, lawyer_of(firm));
    assert_int_equal(lx_leads_claim_access(&f->ctx, NULL, r.id, acc), LX_OK);
    assert_int_equal(svcfix_countf(f,
                            "SELECT COUNT(*) FROM leads WHERE id = %lld AND"
                            " state = 'claimed'",
                            (long long)r.id),
                     1);
    /* Used by the claim: it opens nothing else. */
    {
        struct lx_secret *sec = NULL;

        assert_int_equal(lx_leads_reveal(&f->ctx, r.id, "phone",
                                         "consultation", acc, &sec),
                         LX_EDENIED);
        assert_null(sec);
    }
}

/* ---- fault walk ------------------------------------------------------------ */

/* The vault subject, its fields and the lead are one unit: a failure at
 * any statement of the intake leaves no personal data behind. */
static void
test_intake_fault_walk(void **state)
{
    struct svcfix *f = *state;
    struct lx_leads_intake in = good_intake("13800138012");
    struct lx_leads_intake_result r;
    int64_t subjects = count(f, "SELECT COUNT(*) FROM vault_subject");
    int64_t fields = count(f, "SELECT COUNT(*) FROM vault_field");
    char spec[32];
    int done = 0;

    as_system(f);
    if (lx_store_fault_set(f->app.store, "stmt:1") != LX_OK) {
        skip();
    }
    lx_store_fault_set(f->app.store, NULL);
    for (int k = 1; k < 400 && !done; k++) {
        lx_rc rc;

        snprintf(spec, sizeof(spec), "stmt:%d", k);
        assert_int_equal(lx_store_fault_set(f->app.store, spec), LX_OK);
        rc = lx_leads_intake(&f->ctx, NULL, &in, &r);
        assert_int_equal(lx_store_fault_set(f->app.store, NULL), LX_OK);
        if (rc == LX_OK) {
            done = k;
            break;
        }
        assert_int_equal(rc, LX_ESTORE);
        assert_int_equal(r.id, 0);
        assert_int_equal(count(f, "SELECT COUNT(*) FROM vault_subject"),
                         subjects);
        assert_int_equal(count(f, "SELECT COUNT(*) FROM vault_field"), fields);
        assert_int_equal(
            count(f, "SELECT COUNT(*) FROM leads WHERE subject_id NOT IN"
                     " (SELECT id FROM vault_subject)"),
            0);
    }
    /* Subject, phone and description fields (at least) and the lead. */
    assert_true(done > 4);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM vault_subject"),
                     subjects + 1);
    assert_true(count(f, "SELECT COUNT(*) FROM vault_field") >= fields + 2);
}

static void
test_claim_fault_walk(void **state)
{
    struct svcfix *f = *state;
    int64_t id = intake(f, "13800138011", NULL);
    int64_t firm = holder_firm(f, id);
    char spec[32];
    int done = 0;

    as_staff(f, lawyer_of(firm));
    if (lx_store_fault_set(f->app.store, "stmt:1") != LX_OK) {
        skip();
    }
    lx_store_fault_set(f->app.store, NULL);
    for (int k = 1; k < 200 && !done; k++) {
        lx_rc rc;

        snprintf(spec, sizeof(spec), "stmt:%d", k);
        assert_int_equal(lx_store_fault_set(f->app.store, spec), LX_OK);
        rc = lx_leads_claim(&f->ctx, NULL, id);
        assert_int_equal(lx_store_fault_set(f->app.store, NULL), LX_OK);
        if (rc == LX_OK) {
            done = k;
            break;
        }
        assert_int_equal(rc, LX_ESTORE);
        /* Neither the claim nor its audit record was kept. */
        assert_int_equal(open_offers(f, id), 1);
        assert_int_equal(
            svcfix_countf(f,
                   "SELECT COUNT(*) FROM leads WHERE id = %lld AND state ="
                   " 'offered'",
                   (long long)id),
            1);
        assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE"
                                  " action = 'claim'"),
                         0);
    }
    assert_true(done > 3);
    assert_int_equal(open_offers(f, id), 0);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'claim'"), 1);
    assert_int_equal(
        svcfix_countf(f,
               "SELECT COUNT(*) FROM leads WHERE id = %lld AND state ="
               " 'claimed'",
               (long long)id),
        1);
}

struct hook_seen {
    int calls;
    int64_t firm;
    int64_t offered;
    int64_t deadline;
    lx_rc rc;
};

static lx_rc
hook(void *arg, struct lx_store_tx *tx, int64_t offer_id, int64_t firm_id,
     int64_t offered_ms, int64_t deadline_ms, struct lx_err *err)
{
    struct hook_seen *h = arg;

    (void)tx;
    assert_true(offer_id > 0);
    h->calls++;
    h->firm = firm_id;
    h->offered = offered_ms;
    h->deadline = deadline_ms;
    return h->rc == LX_OK ? LX_OK : lx_err_set(err, h->rc, NULL, "hook");
}

static void
test_offer_hook(void **state)
{
    struct svcfix *f = *state;
    struct hook_seen h = {0};
    struct lx_leads_opts o = {.window_ms = 120000, .on_offer = hook,
                              .on_offer_arg = &h};
    struct lx_leads_intake in = good_intake("13800138012");
    struct lx_leads_intake_result r;

    as_system(f);
    assert_int_equal(lx_leads_intake(&f->ctx, &o, &in, &r), LX_OK);
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.firm, holder_firm(f, r.id));
    assert_int_equal(h.offered, T0);
    assert_int_equal(h.deadline, T0 + 120000);
    /* A hook that fails takes the offer, the lead and its data with it. */
    h.rc = LX_ESTORE;
    in.phone = "13800138013";
    assert_int_equal(lx_leads_intake(&f->ctx, &o, &in, &r), LX_ESTORE);
    assert_int_equal(h.calls, 2);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM leads"), 1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM lead_offers"), 1);
    /* Its personal data is shredded: only the first lead's fields stay. */
    assert_int_equal(count(f, "SELECT COUNT(DISTINCT subject_id) FROM"
                              " vault_field"),
                     1);
}

static void
test_demo_seed(void **state)
{
    struct svcfix *f = *state;
    struct lx_err err = {0};

    assert_int_equal(lx_leads_demo_seed(&f->app, NULL, -1, &err), LX_EINVAL);
    assert_int_equal(lx_leads_demo_seed(&f->app, NULL, 12, &err), LX_OK);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM leads"), 12);
    /* The fixture's firms take labor and debt in Beijing only. */
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM leads WHERE state = 'offered'"), 2);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM leads WHERE state = 'exhausted'"),
        10);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM leads WHERE"
                              " contact_masked LIKE '138****0%'"),
                     12);
    /* Seeding again inside the dedupe window links every lead. */
    assert_int_equal(lx_leads_demo_seed(&f->app, NULL, 12, &err), LX_OK);
    assert_int_equal(
        count(f, "SELECT COUNT(*) FROM leads WHERE state = 'duplicate'"),
        12);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transition_table),
        cmocka_unit_test_setup_teardown(test_intake_validation, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_intake_offers_one_firm, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_dedupe, setup, svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_decline_timeout_one_holder, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_claim_to_close, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_return, setup, svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_claim_minor, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_intake_fault_walk, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_claim_fault_walk, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_demo_seed, setup, svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_offer_hook, setup,
                                        svcfix_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
