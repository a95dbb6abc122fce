/*
 * test_people — the people service against a temporary store (SQLite, and
 * PostgreSQL in the @postgres run: LX_TEST_BACKEND, tests/lib/testdb.h):
 * validators and the status ladder as tables, organisations and staff
 * visibility, training expiry at the boundary, grants with separation of
 * duties, minors' approvals, store faults, and the demo seed. Sign-in,
 * sessions and their revocation are tests/unit/auth/test_auth.c.
 */
#include "audit/audit.h"
#include "base/ctx.h"
#include "base/time.h"
#include "crypto/crypto.h"
#include "people/people.h"
#include "policy/policy.h"
#include "store/store.h"

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
                                        "keys/signing.pub"};
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
    static const struct {
        const char *s;
        size_t max;
        bool ok;
    } name[] = {{"Firm A", 6, true},
                {"Firm A", 5, false},                  /* longer than max */
                {"\xe5\xbe\x8b\xe6\x89\x80", 6, true}, /* two CJK characters */
                {"", 6, false},
                {NULL, 6, false},
                {"a\tb", 6, false}, /* control character */
                {"a\x7f", 6, false},
                {"\xff\xfe", 6, false}}; /* not UTF-8 */
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
    for (size_t i = 0; i < sizeof(name) / sizeof(name[0]); i++) {
        if (lx_people_name_valid(name[i].s, name[i].max) != name[i].ok) {
            fail_msg("name case %zu", i);
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

static void
test_demo_seed(void **state)
{
    struct fx *f = *state;
    struct lx_people_demo_out *out = calloc(1, sizeof(*out));
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
    /* A seeded lawyer is fit to work (tests/unit/auth signs one in). */
    {
        struct lx_policy_facts facts = {0};
        int64_t lawyer =
            count(f, "SELECT MIN(id) FROM staff WHERE role = 'lawyer'");

        assert_true(lawyer > 0);
        assert_int_equal(lx_people_facts_load(&f->app, lawyer, lx_time_now_ms(),
                                              0, &facts, &err),
                         LX_OK);
        assert_true(facts.actor.licence_verified);
        assert_true(facts.actor.training_expires_ms > lx_time_now_ms());
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
        cmocka_unit_test_setup_teardown(test_demo_seed, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
