/*
 * test_people — the people service against a temporary store (SQLite, and
 * PostgreSQL in the @postgres run: LX_TEST_BACKEND, tests/lib/testdb.h):
 * validators and the status ladder as tables, organisations and staff
 * visibility, training expiry at the boundary, grants with separation of
 * duties, minors' approvals, sessions (expiry, rotation, revocation) and
 * brute-force throttling, one-time codes, and the demo seed.
 */
#include "audit/audit.h"
#include "base/ctx.h"
#include "base/time.h"
#include "crypto/crypto.h"
#include "people/people.h"
#include "policy/policy.h"
#include "store/store.h"

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

#include "lib/svcfix.h"

#define T0 1800000000000LL /* 2027-01-15, the tests' clock */
#define DAY (24LL * 3600 * 1000)

struct fx {
    char dir[64];
    struct testdb db; /* SQLite file or PostgreSQL schema */
    struct lx_app app;
    struct lx_ctx ctx;
    struct lx_people_auth_opts o;
    int64_t platform, firm_a, firm_b;
    int64_t padmin, pcomp, admin_a, lawyer_a, assist_a, lawyer_b;
};

/* ---- helpers ------------------------------------------------------------- */

static void
as(struct fx *f, int64_t staff_id, int64_t now)
{
    struct lx_people_staff st;
    struct lx_ctx sys;

    lx_ctx_release(&f->ctx);
    lx_ctx_init(&f->ctx, &f->app, now);
    if (staff_id == 0) {
        return;
    }
    /* Read the row as the system would: a platform-wide look. */
    lx_ctx_init(&sys, &f->app, now);
    sys.actor.kind = LX_ACTOR_STAFF;
    sys.actor.id = -1;
    snprintf(sys.actor.role, sizeof(sys.actor.role), "platform_admin");
    assert_int_equal(lx_people_staff_get(&sys, staff_id, &st), LX_OK);
    lx_ctx_release(&sys);
    f->ctx.actor.kind = LX_ACTOR_STAFF;
    f->ctx.actor.id = staff_id;
    f->ctx.actor.firm_id = st.org_id == f->platform ? 0 : st.org_id;
    snprintf(f->ctx.actor.role, sizeof(f->ctx.actor.role), "%s",
             lx_policy_role_name(st.role));
}

static int64_t
count(struct fx *f, const char *sql)
{
    return svcfix_count(f->app.store, sql);
}

static int64_t
add_staff(struct fx *f, int64_t org, enum lx_policy_role role,
          const char *email, const char *pw)
{
    struct lx_people_staff st = {0};
    int64_t id = 0;

    st.org_id = org;
    st.role = role;
    snprintf(st.display_name, sizeof(st.display_name), "Test %s", email);
    snprintf(st.email, sizeof(st.email), "%s", email);
    assert_int_equal(lx_people_staff_create(&f->ctx, &st, pw, &id), LX_OK);
    return id;
}

static void
train(struct fx *f, int64_t staff, int64_t passed, int64_t expires)
{
    struct lx_people_training t = {0};
    int64_t id = 0;

    t.staff_id = staff;
    snprintf(t.course, sizeof(t.course), "privacy");
    snprintf(t.version, sizeof(t.version), "1");
    t.passed_ms = passed;
    t.expires_ms = expires;
    assert_int_equal(lx_people_training_add(&f->ctx, &t, &id), LX_OK);
}

static int64_t
add_firm(struct fx *f, const char *uscc, const char *region)
{
    struct lx_people_org o = {0};
    int64_t id = 0;

    snprintf(o.name, sizeof(o.name), "Firm %s", region);
    snprintf(o.uscc, sizeof(o.uscc), "%s", uscc);
    o.nregions = 1;
    snprintf(o.regions[0], sizeof(o.regions[0]), "%s", region);
    o.areas = 1u << LX_PEOPLE_AREA_LABOR;
    o.daily_capacity = 10;
    o.damages_fen = -1;
    assert_int_equal(lx_people_org_create(&f->ctx, &o, &id), LX_OK);
    return id;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct lx_err err = {0};
    char keys[96];

    snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/lx-people-XXXXXX");
    if (f == NULL || mkdtemp(f->dir) == NULL) {
        return -1;
    }
    {
        testdb_open_url(&f->db, f->dir);
        snprintf(keys, sizeof(keys), "%s/keys", f->dir);
        if (lx_crypto_init(&err) != LX_OK ||
            lx_store_open(f->db.url, NULL, &f->app.store, &err) != LX_OK ||
            lx_store_migrate(f->app.store, NULL, &err) != LX_OK ||
            lx_crypto_keys_create(keys, &err) != LX_OK ||
            lx_crypto_keys_load(keys, &f->app.keys, &err) != LX_OK) {
            return -1;
        }
    }
    f->app.log.fd = 2;
    f->app.log.min_level = LX_LOG_ERROR;
    lx_people_auth_opts_default(&f->o);
    lx_ctx_init(&f->ctx, &f->app, T0);

    /* The platform org and its admin are bootstrapped directly (ids come
     * from the database: on PostgreSQL an explicit id would not advance
     * the identity sequence). */
    if (lx_store_write(f->app.store, svcfix_exec_unit,
                       "INSERT INTO orgs (kind, name, status,"
                       " status_changed_ms, created_ms, updated_ms) VALUES"
                       " ('platform', 'P', 'active', 0, 0, 0);"
                       "INSERT INTO staff (org_id, role, display_name,"
                       " email, status, created_ms, updated_ms) VALUES (1,"
                       " 'platform_admin', 'Root', 'root@p.example.invalid',"
                       " 'active', 0, 0)",
                       &err) != LX_OK) {
        return -1;
    }
    f->platform = 1;
    f->padmin = 1;
    *state = f;
    return 0;
}

/* The cast: two firms with staff, trained; used by most tests. */
static void
cast(struct fx *f)
{
    as(f, f->padmin, T0);
    f->firm_a = add_firm(f, "91110000MA0000001L", "110000");
    f->firm_b = add_firm(f, "91310000MA1FL0000N", "310000");
    f->pcomp = add_staff(f, f->platform, LX_POLICY_ROLE_PLATFORM_COMPLIANCE,
                         "comp@p.example.invalid", NULL);
    f->admin_a = add_staff(f, f->firm_a, LX_POLICY_ROLE_FIRM_ADMIN,
                           "admin@a.example.invalid", "correct horse A");
    f->lawyer_a = add_staff(f, f->firm_a, LX_POLICY_ROLE_LAWYER,
                            "Lawyer@A.example.invalid", "correct horse L");
    f->assist_a = add_staff(f, f->firm_a, LX_POLICY_ROLE_ASSISTANT,
                            "assist@a.example.invalid", NULL);
    f->lawyer_b = add_staff(f, f->firm_b, LX_POLICY_ROLE_LAWYER,
                            "lawyer@b.example.invalid", "correct horse B");
    train(f, f->padmin, T0 - DAY, T0 + 365 * DAY);
    train(f, f->admin_a, T0 - DAY, T0 + 365 * DAY);
    train(f, f->lawyer_a, T0 - DAY, T0 + 30 * DAY);
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    lx_ctx_release(&f->ctx);
    lx_store_close(f->app.store);
    testdb_drop(&f->db);
    lx_crypto_keys_free(f->app.keys);
    /* Remove the temporary tree (t.db, WAL, keys). */
    static const char *const names[] = {"t.db",
                                        "t.db-wal",
                                        "t.db-shm",
                                        "keys/master.key",
                                        "keys/signing.key",
                                        "keys/signing.pub",
                                        "outbox"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(cmd, sizeof(cmd), "%s/%s", f->dir, names[i]);
        unlink(cmd);
    }
    snprintf(cmd, sizeof(cmd), "%s/keys", f->dir);
    rmdir(cmd);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- validators ---------------------------------------------------------- */

static void
test_uscc_table(void **state)
{
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"91350100M000100Y43", true}, /* the standard's own example */
        {"91110000MA0000001L", true},
        {"12100000400000624D", true},
        {"9144030071526726XG", true},
        {"91350100M000100Y44", false}, /* wrong check character */
        {"91350100M000100Y4", false},  /* 17 characters */
        {"91350100M000100Y433", false},
        {"91350100I000100Y43", false}, /* I is not in the alphabet */
        {"91350100m000100Y43", false}, /* lower case */
        {"", false},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (lx_people_uscc_valid(cases[i].s, strlen(cases[i].s)) !=
            cases[i].ok) {
            fail_msg("uscc case %zu", i);
        }
    }
}

static void
test_other_validators(void **state)
{
    static const struct {
        const char *s;
        bool ok;
    } lic[] = {{"11101201810000001", true},
               {"1110120181000000", false},
               {"111012018100000011", false},
               {"1110120181000000A", false},
               {"", false}};
    static const struct {
        const char *s;
        bool ok;
    } mail[] = {{"a@b.cn", true},        {"first.last@x.example.invalid", true},
                {"noat.example", false}, {"a@@b.cn", false},
                {"a@b", false},          {"@b.cn", false},
                {"a@b.cn.", false},      {"a b@c.cn", false},
                {"张@b.cn", false}};
    static const struct {
        const char *s;
        bool ok;
    } reg[] = {{"110000", true},  {"440300", true}, {"110101", true},
               {"999999", false}, {"11000", false}, {"11000a", false}};
    static const struct {
        const char *cover, *code;
        bool ok;
    } cov[] = {{"110000", "110101", true}, {"110000", "120101", false},
               {"440300", "440305", true}, {"440300", "440100", false},
               {"440305", "440305", true}, {"440305", "440306", false},
               {"110000", "110000", true}};
    enum lx_people_area a;

    (void)state;
    for (size_t i = 0; i < sizeof(lic) / sizeof(lic[0]); i++) {
        if (lx_people_licence_number_valid(lic[i].s, strlen(lic[i].s)) !=
            lic[i].ok) {
            fail_msg("licence case %zu", i);
        }
    }
    for (size_t i = 0; i < sizeof(mail) / sizeof(mail[0]); i++) {
        if (lx_people_email_valid(mail[i].s, strlen(mail[i].s)) != mail[i].ok) {
            fail_msg("email case %zu", i);
        }
    }
    for (size_t i = 0; i < sizeof(reg) / sizeof(reg[0]); i++) {
        if (lx_people_region_valid(reg[i].s, strlen(reg[i].s)) != reg[i].ok) {
            fail_msg("region case %zu", i);
        }
    }
    for (size_t i = 0; i < sizeof(cov) / sizeof(cov[0]); i++) {
        if (lx_people_region_covers(cov[i].cover, cov[i].code) != cov[i].ok) {
            fail_msg("covers case %zu", i);
        }
    }
    for (unsigned i = 0; i < LX_PEOPLE_AREA_COUNT; i++) {
        const char *n = lx_people_area_name((enum lx_people_area)i);
        assert_true(lx_people_area_parse(n, strlen(n), &a));
        assert_int_equal(a, i);
    }
    assert_false(lx_people_area_parse("Labor", 5, &a));
    assert_null(lx_people_area_name(LX_PEOPLE_AREA_COUNT));
}

static void
test_ladder_table(void **state)
{
    /* Rows: from; columns: to, in enum order (unknown, active, restricted,
     * distribution_suspended, cooperation_suspended, terminating,
     * terminated). */
    static const char *const want[LX_POLICY_FIRM_COUNT] = {
        "0000000", "0011110", "0101110", "0110110",
        "0111010", "0000001", "0000000",
    };
    (void)state;
    for (unsigned from = 0; from < LX_POLICY_FIRM_COUNT; from++) {
        for (unsigned to = 0; to < LX_POLICY_FIRM_COUNT; to++) {
            bool got = lx_people_transition_ok((enum lx_policy_firm_status)from,
                                               (enum lx_policy_firm_status)to);
            if (got != (want[from][to] == '1')) {
                fail_msg("ladder %s -> %s", lx_policy_firm_status_name(from),
                         lx_policy_firm_status_name(to));
            }
        }
    }
    assert_false(
        lx_people_transition_ok(LX_POLICY_FIRM_COUNT, LX_POLICY_FIRM_ACTIVE));
}

/* ---- organisations --------------------------------------------------------
 */

static void
test_orgs(void **state)
{
    struct fx *f = *state;
    struct lx_people_org o = {0};
    struct lx_people_org got;
    struct lx_people_org list[8];
    size_t n = 0;
    int64_t id = 0;
    int64_t audits;

    cast(f);
    audits = count(f, "SELECT COUNT(*) FROM audit_log");

    /* Bad input names the field; nothing is stored. */
    as(f, f->padmin, T0);
    snprintf(o.name, sizeof(o.name), "X");
    snprintf(o.uscc, sizeof(o.uscc), "91350100M000100Y44");
    o.damages_fen = -1;
    assert_int_equal(lx_people_org_create(&f->ctx, &o, &id), LX_EINVAL);
    assert_string_equal(f->ctx.err.field, "/uscc");
    snprintf(o.uscc, sizeof(o.uscc), "91350100M000100Y43");
    o.nregions = 1;
    snprintf(o.regions[0], 7, "999999");
    assert_int_equal(lx_people_org_create(&f->ctx, &o, &id), LX_EINVAL);
    assert_string_equal(f->ctx.err.field, "/regions");
    snprintf(o.regions[0], 7, "440300");
    o.damages_fen = 1234500;
    assert_int_equal(lx_people_org_create(&f->ctx, &o, &id), LX_OK);
    /* The same USCC again conflicts. */
    assert_int_equal(lx_people_org_create(&f->ctx, &o, NULL), LX_ECONFLICT);
    assert_int_equal(lx_people_org_get(&f->ctx, id, &got), LX_OK);
    assert_int_equal(got.damages_fen, 1234500);
    assert_int_equal(got.nregions, 1);
    assert_string_equal(got.regions[0], "440300");
    assert_int_equal(got.status, LX_POLICY_FIRM_ACTIVE);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), audits + 1);

    /* A firm admin may not create firms, sees only its own. */
    as(f, f->admin_a, T0);
    assert_int_equal(lx_people_org_create(&f->ctx, &o, &id), LX_EDENIED);
    assert_int_equal(lx_people_org_get(&f->ctx, f->firm_b, &got), LX_ENOTFOUND);
    assert_int_equal(lx_people_org_list(&f->ctx, list, 8, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].id, f->firm_a);
    assert_int_equal(lx_people_org_set_status(&f->ctx, f->firm_a,
                                              LX_POLICY_FIRM_ACTIVE, NULL),
                     LX_EDENIED);
    as(f, f->lawyer_b, T0);
    assert_int_equal(lx_people_org_set_status(&f->ctx, f->firm_a,
                                              LX_POLICY_FIRM_RESTRICTED, NULL),
                     LX_ENOTFOUND);

    /* The ladder: no jump to terminated; terminating first. */
    as(f, f->padmin, T0);
    assert_int_equal(
        lx_people_org_set_status(&f->ctx, id, LX_POLICY_FIRM_TERMINATED, NULL),
        LX_ECONFLICT);
    assert_int_equal(lx_people_org_delete(&f->ctx, id), LX_ECONFLICT);
    assert_int_equal(lx_people_org_set_status(
                         &f->ctx, id, LX_POLICY_FIRM_TERMINATING, "C7.1"),
                     LX_OK);
    assert_int_equal(lx_people_org_set_status(
                         &f->ctx, id, LX_POLICY_FIRM_TERMINATED, "C7.1"),
                     LX_OK);
    assert_int_equal(
        lx_people_org_set_status(&f->ctx, id, LX_POLICY_FIRM_ACTIVE, NULL),
        LX_ECONFLICT);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'firm_status'"),
                     2);
    assert_int_equal(lx_people_org_delete(&f->ctx, id), LX_OK);
    assert_int_equal(lx_people_org_get(&f->ctx, id, &got), LX_ENOTFOUND);
}

/* ---- staff ----------------------------------------------------------------
 */

static void
test_staff_visibility(void **state)
{
    struct fx *f = *state;
    struct lx_people_staff st = {0};
    struct lx_people_staff list[16];
    size_t n = 0;
    int64_t id = 0;

    cast(f);
    /* Email is stored lower-case. */
    as(f, f->admin_a, T0);
    assert_int_equal(lx_people_staff_get(&f->ctx, f->lawyer_a, &st), LX_OK);
    assert_string_equal(st.email, "lawyer@a.example.invalid");
    assert_true(st.has_password);
    assert_int_equal(lx_people_staff_get(&f->ctx, f->lawyer_b, &st),
                     LX_ENOTFOUND);
    /* A firm admin cannot place staff in another firm or platform roles. */
    st = (struct lx_people_staff){.org_id = f->firm_b,
                                  .role = LX_POLICY_ROLE_LAWYER};
    snprintf(st.display_name, sizeof(st.display_name), "x");
    snprintf(st.email, sizeof(st.email), "x@a.example.invalid");
    assert_int_equal(lx_people_staff_create(&f->ctx, &st, NULL, &id),
                     LX_ENOTFOUND);
    st.org_id = f->firm_a;
    st.role = LX_POLICY_ROLE_PLATFORM_ADMIN;
    assert_int_equal(lx_people_staff_create(&f->ctx, &st, NULL, &id),
                     LX_EINVAL);
    st.role = LX_POLICY_ROLE_LAWYER;
    snprintf(st.email, sizeof(st.email), "LAWYER@a.example.invalid");
    assert_int_equal(lx_people_staff_create(&f->ctx, &st, NULL, &id),
                     LX_ECONFLICT);

    /* A lawyer sees themself, not a colleague (403) nor another firm
     * (404), and lists only themself. */
    as(f, f->lawyer_a, T0);
    assert_int_equal(lx_people_staff_get(&f->ctx, f->lawyer_a, &st), LX_OK);
    assert_int_equal(lx_people_staff_get(&f->ctx, f->assist_a, &st),
                     LX_EDENIED);
    assert_int_equal(lx_people_staff_get(&f->ctx, f->lawyer_b, &st),
                     LX_ENOTFOUND);
    assert_int_equal(lx_people_staff_list(&f->ctx, 0, list, 16, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(lx_people_staff_update(&f->ctx, f->assist_a, "y", false,
                                            LX_PEOPLE_STAFF_ACTIVE),
                     LX_EDENIED);
    assert_int_equal(lx_people_staff_list(&f->ctx, f->firm_b, list, 16, &n),
                     LX_ENOTFOUND);

    /* Deleted staff are gone for everyone. */
    as(f, f->admin_a, T0);
    assert_int_equal(lx_people_staff_list(&f->ctx, 0, list, 16, &n), LX_OK);
    assert_int_equal(n, 3);
    assert_int_equal(lx_people_staff_delete(&f->ctx, f->assist_a), LX_OK);
    assert_int_equal(lx_people_staff_get(&f->ctx, f->assist_a, &st),
                     LX_ENOTFOUND);
    as(f, f->padmin, T0);
    assert_int_equal(lx_people_staff_get(&f->ctx, f->assist_a, &st),
                     LX_ENOTFOUND);

    /* Anonymous and users reach nothing. */
    as(f, 0, T0);
    assert_int_equal(lx_people_staff_get(&f->ctx, f->lawyer_a, &st),
                     LX_EUNAUTH);
    f->ctx.actor.kind = LX_ACTOR_USER;
    f->ctx.actor.id = 7;
    assert_int_equal(lx_people_staff_get(&f->ctx, f->lawyer_a, &st),
                     LX_EDENIED);
}

/* ---- licences, training, facts ------------------------------------------ */

static void
test_training_boundary(void **state)
{
    struct fx *f = *state;
    struct lx_policy_facts facts = {0};
    struct lx_policy_trace tr;
    struct lx_err err = {0};
    const int64_t exp = T0 + 30 * DAY; /* lawyer_a's training */

    cast(f);
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_a, exp - 1, 0, &facts, &err),
        LX_OK);
    assert_int_equal(facts.actor.role, LX_POLICY_ROLE_LAWYER);
    assert_int_equal(facts.actor.firm_id, f->firm_a);
    assert_int_equal(facts.actor.firm_status, LX_POLICY_FIRM_ACTIVE);
    assert_int_equal(facts.actor.training_expires_ms, exp);
    assert_false(facts.actor.licence_verified);

    facts.action = LX_POLICY_ACTION_VIEW_MASKED;
    facts.purpose = LX_POLICY_PURPOSE_CONSULTATION;
    lx_policy_explain(&facts, &tr);
    {
        bool trained_passed = false;
        for (unsigned i = 0; i < tr.n; i++) {
            if (tr.steps[i].rule == LX_POLICY_RULE_TRAINED) {
                trained_passed = tr.steps[i].passed;
            }
        }
        assert_true(trained_passed);
    }
    /* Exactly at expiry: expired. */
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_a, exp, 0, &facts, &err),
        LX_OK);
    facts.action = LX_POLICY_ACTION_VIEW_MASKED;
    facts.purpose = LX_POLICY_PURPOSE_CONSULTATION;
    lx_policy_explain(&facts, &tr);
    assert_int_equal(tr.decision.verdict, LX_POLICY_DENY);
    assert_int_equal(tr.decision.rule, LX_POLICY_RULE_TRAINED);

    /* Untrained member: no training record at all. */
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_b, T0, 0, &facts, &err), LX_OK);
    assert_int_equal(facts.actor.training_expires_ms, 0);
    /* A record that starts in the future does not count yet. */
    as(f, f->padmin, T0 + 2 * DAY);
    train(f, f->lawyer_b, T0 + DAY, T0 + 10 * DAY);
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_b, T0, 0, &facts, &err), LX_OK);
    assert_int_equal(facts.actor.training_expires_ms, 0);
    /* Training in the future or ending before it starts is refused. */
    {
        struct lx_people_training t = {.staff_id = f->lawyer_b};
        snprintf(t.course, sizeof(t.course), "c");
        snprintf(t.version, sizeof(t.version), "1");
        t.passed_ms = T0 + 3 * DAY;
        t.expires_ms = T0 + 9 * DAY;
        assert_int_equal(lx_people_training_add(&f->ctx, &t, NULL), LX_EINVAL);
        t.passed_ms = T0;
        t.expires_ms = T0;
        assert_int_equal(lx_people_training_add(&f->ctx, &t, NULL), LX_EINVAL);
    }
    /* Disabled staff have no facts. */
    as(f, f->admin_a, T0);
    assert_int_equal(lx_people_staff_update(&f->ctx, f->lawyer_a, NULL, true,
                                            LX_PEOPLE_STAFF_DISABLED),
                     LX_OK);
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_a, T0, 0, &facts, &err), LX_OK);
    assert_int_equal(facts.actor.role, LX_POLICY_ROLE_NONE);
    assert_int_equal(facts.actor.id, 0);
}

struct year_arg {
    int64_t id, now_ms;
    int year;
};

static lx_rc
year_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct year_arg *a = arg;

    return lx_people_licence_year_tx(tx, a->id, a->now_ms, &a->year, err);
}

/* lx_people_licence_year_tx for 'id' at 'now_ms' (-1 on a store error). */
static int
licence_year(struct fx *f, int64_t id, int64_t now_ms)
{
    struct year_arg a = {id, now_ms, -1};
    struct lx_err err = {0};

    if (lx_store_read(f->app.store, year_unit, &a, &err) != LX_OK) {
        return -1;
    }
    return a.year;
}

static void
test_licences(void **state)
{
    struct fx *f = *state;
    struct lx_people_licence l;
    struct lx_policy_facts facts = {0};
    struct lx_err err = {0};

    cast(f);
    as(f, f->admin_a, T0);
    assert_int_equal(lx_people_licence_set(&f->ctx, f->lawyer_a, "1234"),
                     LX_EINVAL);
    assert_int_equal(
        lx_people_licence_set(&f->ctx, f->assist_a, "11101201810000001"),
        LX_ECONFLICT);
    assert_int_equal(
        lx_people_licence_set(&f->ctx, f->lawyer_b, "11101201810000001"),
        LX_ENOTFOUND);
    assert_int_equal(
        lx_people_licence_set(&f->ctx, f->lawyer_a, "11101201810000001"),
        LX_OK);
    /* C5.4: no first practice year from a pending licence, or none. */
    assert_int_equal(licence_year(f, f->lawyer_a, T0), 0);
    assert_int_equal(licence_year(f, f->lawyer_b, T0), 0);
    /* The firm cannot verify its own lawyer. */
    assert_int_equal(lx_people_licence_verify(&f->ctx, f->lawyer_a,
                                              LX_PEOPLE_LICENCE_VERIFIED, "ev",
                                              T0 + DAY),
                     LX_EDENIED);
    as(f, f->pcomp, T0);
    assert_int_equal(lx_people_licence_verify(&f->ctx, f->lawyer_a,
                                              LX_PEOPLE_LICENCE_VERIFIED,
                                              "registry:2027-01", T0),
                     LX_EINVAL);
    assert_int_equal(lx_people_licence_verify(
                         &f->ctx, f->lawyer_a, LX_PEOPLE_LICENCE_VERIFIED,
                         "registry:2027-01", T0 + 90 * DAY),
                     LX_OK);
    assert_int_equal(lx_people_licence_get(&f->ctx, f->lawyer_a, &l), LX_OK);
    assert_int_equal(l.status, LX_PEOPLE_LICENCE_VERIFIED);
    assert_int_equal(l.verified_by, f->pcomp);
    assert_string_equal(l.number, "11101201810000001");
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_a, T0, 0, &facts, &err), LX_OK);
    assert_true(facts.actor.licence_verified);
    /* Verified: digits 6-9 are the first practice year (C5.4). */
    assert_int_equal(licence_year(f, f->lawyer_a, T0 + 90 * DAY - 1), 2018);
    /* Past the re-check date it no longer counts. */
    assert_int_equal(lx_people_facts_load(&f->app, f->lawyer_a, T0 + 90 * DAY,
                                          0, &facts, &err),
                     LX_OK);
    assert_false(facts.actor.licence_verified);
    assert_int_equal(licence_year(f, f->lawyer_a, T0 + 90 * DAY), 0);
    /* Revoked: no year either. */
    assert_int_equal(lx_people_licence_verify(
                         &f->ctx, f->lawyer_a, LX_PEOPLE_LICENCE_REVOKED,
                         "registry:2027-02", T0 + 90 * DAY),
                     LX_OK);
    assert_int_equal(licence_year(f, f->lawyer_a, T0), 0);
}

/* ---- grants and minors ----------------------------------------------------
 */

static void
test_grants_sod(void **state)
{
    struct fx *f = *state;
    struct lx_people_grant g;
    struct lx_policy_facts facts = {0};
    struct lx_err err = {0};
    int64_t gid = 0;
    int64_t denies;

    cast(f);
    as(f, f->lawyer_a, T0);
    assert_int_equal(lx_people_grant_request(&f->ctx, f->lawyer_a,
                                             LX_POLICY_PURPOSE_CONSULTATION,
                                             T0 + DAY, &gid),
                     LX_EDENIED);
    as(f, f->admin_a, T0);
    assert_int_equal(lx_people_grant_request(&f->ctx, f->lawyer_a,
                                             LX_POLICY_PURPOSE_NONE, T0 + DAY,
                                             &gid),
                     LX_EINVAL);
    assert_int_equal(lx_people_grant_request(&f->ctx, f->lawyer_a,
                                             LX_POLICY_PURPOSE_CONSULTATION,
                                             T0 + 400 * DAY, &gid),
                     LX_EINVAL);
    assert_int_equal(lx_people_grant_request(&f->ctx, f->lawyer_a,
                                             LX_POLICY_PURPOSE_CONSULTATION,
                                             T0 + 7 * DAY, &gid),
                     LX_OK);
    denies = count(f, "SELECT COUNT(*) FROM audit_log WHERE decision ="
                      " 'deny'");
    /* The requester cannot approve: separation of duties, audited. */
    assert_int_equal(lx_people_grant_decide(&f->ctx, gid, true), LX_EDENIED);
    assert_string_equal(f->ctx.err.detail, "separation_of_duties");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE decision"
                              " = 'deny'"),
                     denies + 1);
    /* Neither can the grantee, nor another firm. */
    as(f, f->lawyer_a, T0);
    assert_int_equal(lx_people_grant_decide(&f->ctx, gid, true), LX_EDENIED);
    as(f, f->lawyer_b, T0);
    assert_int_equal(lx_people_grant_decide(&f->ctx, gid, true), LX_ENOTFOUND);
    /* Still requested. */
    as(f, f->admin_a, T0);
    assert_int_equal(lx_people_grant_get(&f->ctx, gid, &g), LX_OK);
    assert_int_equal(g.status, LX_PEOPLE_GRANT_REQUESTED);
    /* A trained platform admin approves. */
    as(f, f->padmin, T0);
    assert_int_equal(lx_people_grant_decide(&f->ctx, gid, true), LX_OK);
    assert_int_equal(lx_people_grant_decide(&f->ctx, gid, true), LX_ECONFLICT);
    assert_int_equal(lx_people_grant_get(&f->ctx, gid, &g), LX_OK);
    assert_int_equal(g.status, LX_PEOPLE_GRANT_APPROVED);
    assert_int_equal(g.approver_id, f->padmin);
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_a, T0, 0, &facts, &err), LX_OK);
    assert_int_equal(facts.grant.staff_id, f->lawyer_a);
    assert_int_equal(facts.grant.approver_id, f->padmin);
    assert_int_equal(facts.grant.expires_ms, T0 + 7 * DAY);
    /* Expired grants are not facts. */
    assert_int_equal(lx_people_facts_load(&f->app, f->lawyer_a, T0 + 7 * DAY, 0,
                                          &facts, &err),
                     LX_OK);
    assert_int_equal(facts.grant.staff_id, 0);
    /* The database refuses an approver equal to the grantee, too. */
    {
        char sql[256];
        snprintf(sql, sizeof(sql),
                 "UPDATE sensitive_grants SET approver_id = staff_id WHERE"
                 " id = %lld",
                 (long long)gid);
        assert_int_equal(
            lx_store_write(f->app.store, svcfix_exec_unit, sql, &err),
            LX_ECONFLICT);
    }
    as(f, f->admin_a, T0);
    assert_int_equal(lx_people_grant_revoke(&f->ctx, gid), LX_OK);
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_a, T0, 0, &facts, &err), LX_OK);
    assert_int_equal(facts.grant.staff_id, 0);
}

static lx_rc
use_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_people_minor_use_tx(tx, *(int64_t *)arg, T0 + 1000, err);
}

static void
test_minor_approval(void **state)
{
    struct fx *f = *state;
    struct lx_policy_facts facts = {0};
    struct lx_people_grant g;
    struct lx_err err = {0};
    int64_t acc = 0;

    cast(f);
    as(f, f->lawyer_a, T0);
    assert_int_equal(lx_people_minor_request(
                         &f->ctx, 42, LX_POLICY_PURPOSE_CONSULTATION, &acc),
                     LX_OK);
    /* Nobody approves their own. */
    assert_int_equal(lx_people_minor_decide(&f->ctx, acc, true, T0 + 3600000),
                     LX_EDENIED);
    as(f, f->admin_a, T0);
    assert_int_equal(lx_people_minor_decide(&f->ctx, acc, true, T0 + 2 * DAY),
                     LX_EINVAL);
    assert_int_equal(lx_people_minor_decide(&f->ctx, acc, true, T0 + 3600000),
                     LX_OK);
    assert_int_equal(lx_people_minor_get(&f->ctx, acc, &g), LX_OK);
    assert_int_equal(g.lead_id, 42);
    assert_int_equal(g.status, LX_PEOPLE_GRANT_APPROVED);
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_a, T0, acc, &facts, &err),
        LX_OK);
    assert_int_equal(facts.access_id, acc);
    assert_int_equal(facts.minor_approval.access_id, acc);
    assert_int_equal(facts.minor_approval.staff_id, f->lawyer_a);
    assert_int_equal(facts.minor_approval.approver_id, f->admin_a);
    /* One access only. */
    assert_int_equal(lx_store_write(f->app.store, use_unit, &acc, &err), LX_OK);
    assert_int_equal(lx_store_write(f->app.store, use_unit, &acc, &err),
                     LX_ECONFLICT);
    assert_int_equal(
        lx_people_facts_load(&f->app, f->lawyer_a, T0, acc, &facts, &err),
        LX_OK);
    assert_int_equal(facts.minor_approval.access_id, 0);
}

/* A fault at any statement of a status change leaves both the change and
 * its audit record, or neither (STYLE.md §6, faults). */
static void
test_faults(void **state)
{
    struct fx *f = *state;
    enum lx_policy_firm_status want = LX_POLICY_FIRM_RESTRICTED;
    int failed = 0;

    cast(f);
    for (int n = 1; n <= 40; n++) {
        struct lx_people_org o;
        char spec[32];
        int64_t audits = count(f, "SELECT COUNT(*) FROM audit_log");
        int64_t live = count(f, "SELECT COUNT(*) FROM sessions");
        lx_rc rc;

        as(f, f->padmin, T0 + n);
        snprintf(spec, sizeof(spec), "stmt:%d", n);
        assert_int_equal(lx_store_fault_set(f->app.store, spec), LX_OK);
        rc = lx_people_org_set_status(&f->ctx, f->firm_a, want, "C8.1");
        assert_int_equal(lx_store_fault_set(f->app.store, NULL), LX_OK);
        assert_int_equal(lx_people_org_get(&f->ctx, f->firm_a, &o), LX_OK);
        if (rc == LX_OK) {
            assert_int_equal(o.status, want);
            assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"),
                             audits + 1);
            want = want == LX_POLICY_FIRM_RESTRICTED
                       ? LX_POLICY_FIRM_ACTIVE
                       : LX_POLICY_FIRM_RESTRICTED;
        } else {
            assert_int_equal(rc, LX_ESTORE);
            assert_int_not_equal(o.status, want);
            assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"),
                             audits);
            failed++;
        }
        assert_int_equal(count(f, "SELECT COUNT(*) FROM sessions"), live);
    }
    /* Some faults hit the unit (and were rolled back), later ones did not. */
    assert_true(failed > 0);
    assert_true(failed < 40);
}

/* ---- sessions and throttling ----------------------------------------------
 */

static void
test_sessions(void **state)
{
    struct fx *f = *state;
    struct lx_people_signin s1, s2, s3;
    char tok[LX_PEOPLE_TOKEN_CHARS + 1];

    cast(f);
    as(f, 0, T0);
    assert_int_equal(lx_people_signin_password(
                         &f->ctx, NULL, &f->o, "LAWYER@a.example.invalid",
                         "correct horse L", "10.0.0.1", NULL, &s1),
                     LX_OK);
    assert_int_equal(strlen(s1.token), LX_PEOPLE_TOKEN_CHARS);
    assert_int_equal(s1.actor.id, f->lawyer_a);
    assert_int_equal(s1.actor.firm_id, f->firm_a);
    assert_string_equal(s1.actor.role, "lawyer");
    /* Only a hash is stored: the token text is nowhere in the table. */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM sessions WHERE"
                              " LENGTH(token_hash) = 32"),
                     1);

    as(f, 0, T0 + 1000);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s1.token), LX_OK);
    assert_int_equal(f->ctx.actor.kind, LX_ACTOR_STAFF);
    assert_int_equal(f->ctx.actor.id, f->lawyer_a);
    /* A token with one digit changed is nobody. */
    snprintf(tok, sizeof(tok), "%s", s1.token);
    tok[10] = tok[10] == 'a' ? 'b' : 'a';
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, tok), LX_EUNAUTH);
    assert_int_equal(f->ctx.actor.kind, LX_ACTOR_NONE);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, "garbage"),
                     LX_EUNAUTH);

    /* Rotation: signing in again with the old token kills it. */
    as(f, 0, T0 + 2000);
    assert_int_equal(lx_people_signin_password(
                         &f->ctx, NULL, &f->o, "lawyer@a.example.invalid",
                         "correct horse L", "10.0.0.1", s1.token, &s2),
                     LX_OK);
    assert_string_not_equal(s1.token, s2.token);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s1.token),
                     LX_EUNAUTH);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s2.token), LX_OK);

    /* Idle timeout: used at T0+2000, dead idle_ms later. */
    as(f, 0, T0 + 2000 + f->o.idle_ms - 1);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s2.token), LX_OK);
    /* That use slid the idle window (more than a minute passed). */
    as(f, 0, T0 + 2000 + f->o.idle_ms + 1000);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s2.token), LX_OK);
    as(f, 0, T0 + 2000 + 3 * f->o.idle_ms);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s2.token),
                     LX_EUNAUTH);

    /* Absolute timeout, however busy the session. */
    as(f, 0, T0);
    assert_int_equal(lx_people_signin_password(
                         &f->ctx, NULL, &f->o, "lawyer@a.example.invalid",
                         "correct horse L", "10.0.0.1", NULL, &s3),
                     LX_OK);
    for (int64_t t = T0; t < T0 + f->o.absolute_ms; t += f->o.idle_ms / 2) {
        as(f, 0, t);
        assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s3.token),
                         LX_OK);
    }
    as(f, 0, T0 + f->o.absolute_ms);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s3.token),
                     LX_EUNAUTH);

    /* Sign-out kills the session at once. */
    as(f, 0, T0);
    assert_int_equal(lx_people_signin_password(
                         &f->ctx, NULL, &f->o, "lawyer@a.example.invalid",
                         "correct horse L", "10.0.0.1", NULL, &s3),
                     LX_OK);
    assert_int_equal(lx_people_signout(&f->ctx, s3.token), LX_OK);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s3.token),
                     LX_EUNAUTH);
}

static void
test_revocation(void **state)
{
    struct fx *f = *state;
    struct lx_people_signin sl, sa;

    cast(f);
    as(f, 0, T0);
    assert_int_equal(lx_people_signin_password(
                         &f->ctx, NULL, &f->o, "lawyer@a.example.invalid",
                         "correct horse L", "10.0.0.1", NULL, &sl),
                     LX_OK);
    assert_int_equal(lx_people_signin_password(
                         &f->ctx, NULL, &f->o, "admin@a.example.invalid",
                         "correct horse A", "10.0.0.1", NULL, &sa),
                     LX_OK);
    /* Restricting keeps sessions; suspending cooperation kills them. */
    as(f, f->padmin, T0);
    assert_int_equal(lx_people_org_set_status(
                         &f->ctx, f->firm_a, LX_POLICY_FIRM_RESTRICTED, "C8.1"),
                     LX_OK);
    as(f, 0, T0 + 1);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, sl.token), LX_OK);
    as(f, f->padmin, T0 + 2);
    assert_int_equal(
        lx_people_org_set_status(&f->ctx, f->firm_a,
                                 LX_POLICY_FIRM_COOPERATION_SUSPENDED, "C8.1"),
        LX_OK);
    as(f, 0, T0 + 3);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, sl.token),
                     LX_EUNAUTH);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, sa.token),
                     LX_EUNAUTH);
    /* Nor can they sign in again while suspended. */
    assert_int_equal(lx_people_signin_password(
                         &f->ctx, NULL, &f->o, "lawyer@a.example.invalid",
                         "correct horse L", "10.0.0.2", NULL, &sl),
                     LX_EUNAUTH);
    /* Reinstated: a new sign-in works; the old tokens stay dead. */
    as(f, f->padmin, T0 + 4);
    assert_int_equal(lx_people_org_set_status(&f->ctx, f->firm_a,
                                              LX_POLICY_FIRM_ACTIVE, "C8.1"),
                     LX_OK);
    as(f, 0, T0 + 5);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, sa.token),
                     LX_EUNAUTH);
    assert_int_equal(lx_people_signin_password(
                         &f->ctx, NULL, &f->o, "lawyer@a.example.invalid",
                         "correct horse L", "10.0.0.2", NULL, &sl),
                     LX_OK);
    /* Disabling the account kills its session within one request. */
    as(f, f->admin_a, T0 + 6);
    assert_int_equal(lx_people_staff_update(&f->ctx, f->lawyer_a, NULL, true,
                                            LX_PEOPLE_STAFF_DISABLED),
                     LX_OK);
    as(f, 0, T0 + 7);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, sl.token),
                     LX_EUNAUTH);
}

static void
test_brute_force(void **state)
{
    struct fx *f = *state;
    struct lx_people_signin s;
    struct lx_people_gate *g = lx_people_gate_new(0, -1);

    cast(f);
    f->o.account_failures = 5;
    f->o.source_failures = 8;
    as(f, 0, T0);
    /* Five wrong passwords on one account ... */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(lx_people_signin_password(
                             &f->ctx, g, &f->o, "lawyer@a.example.invalid",
                             "wrong password", "10.0.0.9", NULL, &s),
                         LX_EUNAUTH);
    }
    /* ... then 1,000 more are refused before any hashing, and so is the
     * right one, until the window ends. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(lx_people_signin_password(
                             &f->ctx, g, &f->o, "lawyer@a.example.invalid",
                             "wrong password", "10.0.0.9", NULL, &s),
                         LX_ETOOMANY);
    }
    assert_int_equal(
        lx_people_signin_password(&f->ctx, g, &f->o, "lawyer@a.example.invalid",
                                  "correct horse L", "10.0.0.7", NULL, &s),
        LX_ETOOMANY);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'signin' AND decision = 'deny'"),
                     5);
    as(f, 0, T0 + f->o.window_ms);
    assert_int_equal(
        lx_people_signin_password(&f->ctx, g, &f->o, "lawyer@a.example.invalid",
                                  "correct horse L", "10.0.0.7", NULL, &s),
        LX_OK);

    /* One password across many accounts from one source: the source is
     * throttled after source_failures, accounts that exist or not. */
    as(f, 0, T0);
    for (int i = 0; i < 8; i++) {
        char e[64];
        snprintf(e, sizeof(e), "user%d@x.example.invalid", i);
        assert_int_equal(lx_people_signin_password(&f->ctx, g, &f->o, e,
                                                   "Password1!", "10.9.9.9",
                                                   NULL, &s),
                         LX_EUNAUTH);
    }
    for (int i = 8; i < 1000; i++) {
        char e[64];
        snprintf(e, sizeof(e), "user%d@x.example.invalid", i);
        assert_int_equal(lx_people_signin_password(&f->ctx, g, &f->o, e,
                                                   "Password1!", "10.9.9.9",
                                                   NULL, &s),
                         LX_ETOOMANY);
    }
    /* Another source still signs in. */
    assert_int_equal(
        lx_people_signin_password(&f->ctx, g, &f->o, "admin@a.example.invalid",
                                  "correct horse A", "10.1.1.1", NULL, &s),
        LX_OK);
    lx_people_gate_free(g);
}

/* Two threads hammer a gate of one slot and no queue: whoever finds the
 * slot taken is refused at once with LX_ETOOMANY (never waits). */
struct gate_arg {
    struct fx *f;
    struct lx_people_gate *g;
    int tag;
    int unauth;
    int busy;
    int other;
};

static void *
gate_thread(void *arg)
{
    struct gate_arg *a = arg;
    struct lx_people_auth_opts o = a->f->o;
    struct lx_people_signin s;

    o.account_failures = 1000000;
    o.source_failures = 1000000;
    for (int i = 0; i < 12; i++) {
        struct lx_ctx ctx;
        char e[64];
        lx_rc rc;

        lx_ctx_init(&ctx, &a->f->app, T0);
        snprintf(e, sizeof(e), "g%d-%d@x.example.invalid", a->tag, i);
        rc = lx_people_signin_password(&ctx, a->g, &o, e, "password-1",
                                       "10.2.2.2", NULL, &s);
        if (rc == LX_EUNAUTH) {
            a->unauth++;
        } else if (rc == LX_ETOOMANY && strstr(ctx.err.detail, "queue")) {
            a->busy++;
        } else {
            a->other++;
        }
        lx_ctx_release(&ctx);
    }
    return NULL;
}

static void
test_gate(void **state)
{
    struct fx *f = *state;
    struct lx_people_gate *g = lx_people_gate_new(1, 0);
    struct gate_arg a[3] = {
        {f, g, 0, 0, 0, 0}, {f, g, 1, 0, 0, 0}, {f, g, 2, 0, 0, 0}};
    pthread_t t[3];

    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, gate_thread, &a[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
    }
    lx_people_gate_free(g);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(a[i].other, 0);
        assert_int_equal(a[i].unauth + a[i].busy, 12);
    }
    assert_true(a[0].busy + a[1].busy + a[2].busy > 0);
    assert_true(a[0].unauth + a[1].unauth + a[2].unauth > 0);
}

/* ---- one-time codes -------------------------------------------------------
 */

struct capture {
    char phone[16];
    char code[8];
    int sent;
};

static lx_rc
capture_send(void *arg, const char *phone, const char *code, struct lx_err *err)
{
    struct capture *c = arg;

    (void)err;
    snprintf(c->phone, sizeof(c->phone), "%s", phone);
    snprintf(c->code, sizeof(c->code), "%s", code);
    c->sent++;
    return LX_OK;
}

struct uf_arg {
    int64_t id;
    struct lx_policy_facts f;
};

static lx_rc
user_facts_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct uf_arg *a = arg;

    return lx_people_user_facts_load_tx(tx, a->id, T0, &a->f, err);
}

static void
test_otp(void **state)
{
    struct fx *f = *state;
    struct capture c = {0};
    struct lx_people_sender snd = {capture_send, &c};
    struct lx_people_signin s, s2;
    char wrong[8];

    as(f, 0, T0);
    assert_int_equal(
        lx_people_otp_request(&f->ctx, &f->o, &snd, "12345", "10.0.0.1"),
        LX_EINVAL);
    assert_int_equal(
        lx_people_otp_request(&f->ctx, &f->o, &snd, "13800000000", "10.0.0.1"),
        LX_OK);
    assert_int_equal(c.sent, 1);
    assert_int_equal(strlen(c.code), 6);
    /* The number and the code are not stored in the clear. */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM otp_codes WHERE"
                              " LENGTH(phone_ref) = 32"),
                     1);
    snprintf(wrong, sizeof(wrong), "%s", c.code);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    assert_int_equal(lx_people_otp_verify(&f->ctx, &f->o, "13800000000", wrong,
                                          "10.0.0.1", &s),
                     LX_EUNAUTH);
    assert_int_equal(lx_people_otp_verify(&f->ctx, &f->o, "13800000001", c.code,
                                          "10.0.0.1", &s),
                     LX_EUNAUTH);
    as(f, 0, T0 + 1000);
    assert_int_equal(lx_people_otp_verify(&f->ctx, &f->o, "13800000000", c.code,
                                          "10.0.0.1", &s),
                     LX_OK);
    assert_int_equal(s.actor.kind, LX_ACTOR_USER);
    assert_true(s.actor.id > 0);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, s.token), LX_OK);
    assert_int_equal(f->ctx.actor.kind, LX_ACTOR_USER);
    assert_int_equal(f->ctx.actor.id, s.actor.id);
    {
        struct uf_arg ua = {s.actor.id, {0}};
        struct lx_err e2 = {0};
        assert_int_equal(lx_store_read(f->app.store, user_facts_unit, &ua, &e2),
                         LX_OK);
        assert_int_equal(ua.f.actor.role, LX_POLICY_ROLE_USER);
        assert_int_equal(ua.f.actor.id, s.actor.id);
        ua.id = s.actor.id + 1000;
        assert_int_equal(lx_store_read(f->app.store, user_facts_unit, &ua, &e2),
                         LX_OK);
        assert_int_equal(ua.f.actor.role, LX_POLICY_ROLE_NONE);
    }
    /* Single use. */
    assert_int_equal(lx_people_otp_verify(&f->ctx, &f->o, "13800000000", c.code,
                                          "10.0.0.1", &s2),
                     LX_EUNAUTH);
    /* The same phone signs in to the same account again. */
    assert_int_equal(
        lx_people_otp_request(&f->ctx, &f->o, &snd, "13800000000", "10.0.0.1"),
        LX_OK);
    assert_int_equal(lx_people_otp_verify(&f->ctx, &f->o, "13800000000", c.code,
                                          "10.0.0.1", &s2),
                     LX_OK);
    assert_int_equal(s2.actor.id, s.actor.id);
    /* Short-lived: at otp_ttl_ms the code is dead. */
    as(f, 0, T0 + 2000);
    assert_int_equal(
        lx_people_otp_request(&f->ctx, &f->o, &snd, "13900000000", "10.0.0.2"),
        LX_OK);
    as(f, 0, T0 + 2000 + f->o.otp_ttl_ms);
    assert_int_equal(lx_people_otp_verify(&f->ctx, &f->o, "13900000000", c.code,
                                          "10.0.0.2", &s2),
                     LX_EUNAUTH);
    /* Throttled sends: otp_sends per phone per window. */
    as(f, 0, T0 + 3000);
    c.sent = 0;
    for (int i = 0; i < 10; i++) {
        lx_rc rc = lx_people_otp_request(&f->ctx, &f->o, &snd, "13700000000",
                                         "10.0.0.3");
        assert_int_equal(rc, i < f->o.otp_sends ? LX_OK : LX_ETOOMANY);
    }
    assert_int_equal(c.sent, f->o.otp_sends);
    /* Guessing: after otp_attempts wrong codes even the right one fails. */
    as(f, 0, T0 + 4000);
    assert_int_equal(
        lx_people_otp_request(&f->ctx, &f->o, &snd, "13600000000", "10.0.0.4"),
        LX_OK);
    snprintf(wrong, sizeof(wrong), "%s", c.code);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    for (int i = 0; i < f->o.otp_attempts; i++) {
        assert_int_equal(lx_people_otp_verify(&f->ctx, &f->o, "13600000000",
                                              wrong, "10.0.0.4", &s2),
                         LX_EUNAUTH);
    }
    assert_int_not_equal(lx_people_otp_verify(&f->ctx, &f->o, "13600000000",
                                              c.code, "10.0.0.4", &s2),
                         LX_OK);
}

static void
test_outbox(void **state)
{
    struct fx *f = *state;
    char path[128];
    char buf[256];
    struct lx_err err = {0};
    FILE *fp;
    size_t n;

    snprintf(path, sizeof(path), "%s/outbox", f->dir);
    assert_int_equal(lx_people_outbox_send(path, "13800000000", "123456", &err),
                     LX_OK);
    assert_int_equal(lx_people_outbox_send(path, "13800000001", "654321", &err),
                     LX_OK);
    fp = fopen(path, "r");
    assert_non_null(fp);
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"to\":\"13800000000\",\"code\":\"123456\"}\n"
                             "{\"to\":\"13800000001\",\"code\":\"654321\"}\n");
    assert_int_equal(
        lx_people_outbox_send("/nonexistent-dir/x", "1", "2", &err), LX_EIO);
}

static void
test_apikeys(void **state)
{
    struct fx *f = *state;
    char key[LX_PEOPLE_TOKEN_CHARS + 1];
    int64_t id = 0;

    cast(f);
    as(f, f->admin_a, T0);
    assert_int_equal(
        lx_people_apikey_create(&f->ctx, "intake-web", "intake", &id, key),
        LX_EDENIED);
    as(f, f->padmin, T0);
    assert_int_equal(lx_people_apikey_create(&f->ctx, "intake-web",
                                             "intake bogus", &id, key),
                     LX_EINVAL);
    assert_int_equal(
        lx_people_apikey_create(&f->ctx, "intake-web", "intake", &id, key),
        LX_OK);
    assert_int_equal(strncmp(key, "lxk_", 4), 0);
    as(f, 0, T0 + 1);
    assert_int_equal(lx_people_authenticate(&f->ctx, &f->o, key), LX_OK);
    assert_int_equal(f->ctx.actor.kind, LX_ACTOR_APIKEY);
    assert_int_equal(f->ctx.actor.id, id);
    assert_true(lx_people_apikey_has_scope(&f->ctx, "intake"));
    assert_false(lx_people_apikey_has_scope(&f->ctx, "telephony"));
    assert_false(lx_people_apikey_has_scope(&f->ctx, "intak"));
}

static void
test_demo_seed(void **state)
{
    struct fx *f = *state;
    struct lx_people_demo_out *out = calloc(1, sizeof(*out));
    struct lx_people_signin s;
    struct lx_err err = {0};

    /* The fixture made orgs already: the seed does nothing. */
    assert_int_equal(lx_people_demo_seed(&f->app, out, &err), LX_OK);
    assert_false(out->created);
    assert_int_equal(out->n, 0);
    assert_int_equal(lx_store_write(f->app.store, svcfix_exec_unit,
                                    "DELETE FROM staff; DELETE FROM orgs",
                                    &err),
                     LX_OK);
    assert_int_equal(lx_people_demo_seed(&f->app, out, &err), LX_OK);
    assert_true(out->created);
    assert_int_equal(out->n, 19);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM orgs WHERE kind ="
                              " 'firm'"),
                     3);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM staff_licences WHERE"
                              " status = 'verified'"),
                     3);
    assert_int_equal(count(f, "SELECT COUNT(DISTINCT code) FROM"
                              " org_regions"),
                     3);
    for (size_t i = 0; i < out->n; i++) {
        assert_non_null(strstr(out->accounts[i].email, ".example.invalid"));
        assert_true(strlen(out->accounts[i].password) >= 16);
    }
    /* A seeded lawyer signs in with the printed password and is fit. */
    for (size_t i = 0; i < out->n; i++) {
        if (strcmp(out->accounts[i].role, "lawyer") == 0) {
            struct lx_policy_facts facts = {0};
            as(f, 0, lx_time_now_ms());
            assert_int_equal(lx_people_signin_password(
                                 &f->ctx, NULL, &f->o, out->accounts[i].email,
                                 out->accounts[i].password, "10.0.0.1", NULL,
                                 &s),
                             LX_OK);
            assert_int_equal(lx_people_facts_load(&f->app, s.actor.id,
                                                  f->ctx.now_ms, 0, &facts,
                                                  &err),
                             LX_OK);
            assert_true(facts.actor.licence_verified);
            assert_true(facts.actor.training_expires_ms > f->ctx.now_ms);
            break;
        }
    }
    /* Idempotent. */
    assert_int_equal(lx_people_demo_seed(&f->app, out, &err), LX_OK);
    assert_false(out->created);
    free(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uscc_table),
        cmocka_unit_test(test_other_validators),
        cmocka_unit_test(test_ladder_table),
        cmocka_unit_test_setup_teardown(test_orgs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staff_visibility, setup, teardown),
        cmocka_unit_test_setup_teardown(test_training_boundary, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_licences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_grants_sod, setup, teardown),
        cmocka_unit_test_setup_teardown(test_minor_approval, setup, teardown),
        cmocka_unit_test_setup_teardown(test_faults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revocation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_brute_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_otp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apikeys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_seed, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
