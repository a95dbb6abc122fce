/*
 * test_auth — sign-in against a temporary store (SQLite, and PostgreSQL in
 * the @postgres run: LX_TEST_BACKEND, tests/lib/svcfix.h): sessions
 * (expiry, rotation, sign-out), revocation by people/ changes, brute-force
 * throttling and the hashing gate, one-time codes and their outbox, API
 * keys and their scopes, and signing in with a demo seed's printed
 * password.
 */
#include "auth/auth.h"
#include "base/ctx.h"
#include "base/time.h"
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

/* The cast every test may sign in as: the platform's root admin (made by
 * setup) and, made by cast(), firm A's admin and lawyer with passwords. */
struct member {
    int64_t id;
    int64_t firm; /* 0: the platform */
    enum lx_policy_role role;
};

struct fx {
    struct svcfix s; /* first: svcfix_new() / svcfix_teardown() */
    struct lx_auth_opts o;
    int64_t firm_a;
    int64_t padmin, admin_a, lawyer_a;
    struct member cast[3];
};

/* ---- helpers ------------------------------------------------------------- */

/* A fresh context at 'now' acting as cast member 'staff_id' (0: nobody). */
static void
as(struct fx *f, int64_t staff_id, int64_t now)
{
    lx_ctx_release(&f->s.ctx);
    lx_ctx_init(&f->s.ctx, &f->s.app, now);
    for (size_t i = 0; staff_id != 0 && i < 3; i++) {
        if (f->cast[i].id == staff_id) {
            svcfix_as_staff(&f->s.ctx, staff_id, f->cast[i].firm,
                            lx_policy_role_name(f->cast[i].role));
        }
    }
}

static int64_t
count(struct fx *f, const char *sql)
{
    return svcfix_count(f->s.app.store, sql);
}

/* A fresh anonymous context at 'now' authenticating 'token'. */
static lx_rc
authn(struct fx *f, int64_t now, const char *token)
{
    as(f, 0, now);
    return lx_auth_authenticate(&f->s.ctx, &f->o, token);
}

/* A password sign-in without a gate from the fixture's context. */
static lx_rc
signin(struct fx *f, const char *email, const char *password,
       const char *source, const char *old_token, struct lx_auth_signin *out)
{
    return lx_auth_signin_password(&f->s.ctx, NULL, &f->o, email, password,
                                   source, old_token, out);
}

static int
setup(void **state)
{
    struct fx *f;

    *state = f =
        svcfix_new(sizeof(*f), "/tmp/lx-auth-XXXXXX", T0, LX_ACTOR_NONE);
    if (f == NULL) {
        return -1;
    }
    lx_auth_opts_default(&f->o);
    /* The platform org and its admin, made directly (ids come from the
     * database: on PostgreSQL an explicit id would not advance the
     * identity sequence). */
    svcfix_exec(&f->s, "INSERT INTO orgs (kind, name, status,"
                       " status_changed_ms, created_ms, updated_ms) VALUES"
                       " ('platform', 'P', 'active', 0, 0, 0);"
                       "INSERT INTO staff (org_id, role, display_name,"
                       " email, status, created_ms, updated_ms) VALUES (1,"
                       " 'platform_admin', 'Root', 'root@p.example.invalid',"
                       " 'active', 0, 0)");
    f->padmin = 1;
    f->cast[0] = (struct member){1, 0, LX_POLICY_ROLE_PLATFORM_ADMIN};
    return 0;
}

/* Firm A with its admin and a lawyer (mixed-case email), each with a
 * password, made through people/ as the platform admin. */
static void
cast(struct fx *f)
{
    static const struct {
        enum lx_policy_role role;
        const char *email;
        const char *password;
    } members[] = {
        {LX_POLICY_ROLE_FIRM_ADMIN, "admin@a.example.invalid",
         "correct horse A"},
        {LX_POLICY_ROLE_LAWYER, "Lawyer@A.example.invalid", "correct horse L"},
    };
    struct lx_people_org o = {.nregions = 1,
                              .areas = 1u << LX_PEOPLE_AREA_LABOR,
                              .daily_capacity = 10,
                              .damages_fen = -1};

    as(f, f->padmin, T0);
    snprintf(o.name, sizeof(o.name), "Firm A");
    snprintf(o.uscc, sizeof(o.uscc), "91110000MA0000001L");
    snprintf(o.regions[0], sizeof(o.regions[0]), "110000");
    assert_int_equal(lx_people_org_create(&f->s.ctx, &o, &f->firm_a), LX_OK);
    for (size_t i = 0; i < 2; i++) {
        struct lx_people_staff st = {.org_id = f->firm_a,
                                     .role = members[i].role};
        int64_t id = 0;

        snprintf(st.display_name, sizeof(st.display_name), "Member %zu", i);
        snprintf(st.email, sizeof(st.email), "%s", members[i].email);
        assert_int_equal(
            lx_people_staff_create(&f->s.ctx, &st, members[i].password, &id),
            LX_OK);
        f->cast[i + 1] = (struct member){id, f->firm_a, members[i].role};
    }
    f->admin_a = f->cast[1].id;
    f->lawyer_a = f->cast[2].id;
}

/* ---- sessions and throttling ----------------------------------------------
 */

static void
test_sessions(void **state)
{
    struct fx *f = *state;
    struct lx_auth_signin s1, s2, s3;
    char tok[LX_AUTH_TOKEN_CHARS + 1];

    cast(f);
    as(f, 0, T0);
    assert_int_equal(signin(f, "LAWYER@a.example.invalid", "correct horse L",
                            "10.0.0.1", NULL, &s1),
                     LX_OK);
    assert_int_equal(strlen(s1.token), LX_AUTH_TOKEN_CHARS);
    assert_int_equal(s1.actor.id, f->lawyer_a);
    assert_int_equal(s1.actor.firm_id, f->firm_a);
    assert_string_equal(s1.actor.role, "lawyer");
    /* Only a hash is stored: the token text is nowhere in the table. */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM sessions WHERE"
                              " LENGTH(token_hash) = 32"),
                     1);

    assert_int_equal(authn(f, T0 + 1000, s1.token), LX_OK);
    assert_int_equal(f->s.ctx.actor.kind, LX_ACTOR_STAFF);
    assert_int_equal(f->s.ctx.actor.id, f->lawyer_a);
    /* A token with one digit changed is nobody. */
    snprintf(tok, sizeof(tok), "%s", s1.token);
    tok[10] = tok[10] == 'a' ? 'b' : 'a';
    assert_int_equal(lx_auth_authenticate(&f->s.ctx, &f->o, tok), LX_EUNAUTH);
    assert_int_equal(f->s.ctx.actor.kind, LX_ACTOR_NONE);
    assert_int_equal(lx_auth_authenticate(&f->s.ctx, &f->o, "garbage"),
                     LX_EUNAUTH);

    /* Rotation: signing in again with the old token kills it. */
    as(f, 0, T0 + 2000);
    assert_int_equal(signin(f, "lawyer@a.example.invalid", "correct horse L",
                            "10.0.0.1", s1.token, &s2),
                     LX_OK);
    assert_string_not_equal(s1.token, s2.token);
    assert_int_equal(lx_auth_authenticate(&f->s.ctx, &f->o, s1.token),
                     LX_EUNAUTH);
    assert_int_equal(lx_auth_authenticate(&f->s.ctx, &f->o, s2.token), LX_OK);

    /* Idle timeout: used at T0+2000, dead idle_ms later. */
    assert_int_equal(authn(f, T0 + 2000 + f->o.idle_ms - 1, s2.token), LX_OK);
    /* That use slid the idle window (more than a minute passed). */
    assert_int_equal(authn(f, T0 + 2000 + f->o.idle_ms + 1000, s2.token),
                     LX_OK);
    assert_int_equal(authn(f, T0 + 2000 + 3 * f->o.idle_ms, s2.token),
                     LX_EUNAUTH);

    /* Absolute timeout, however busy the session. */
    as(f, 0, T0);
    assert_int_equal(signin(f, "lawyer@a.example.invalid", "correct horse L",
                            "10.0.0.1", NULL, &s3),
                     LX_OK);
    for (int64_t t = T0; t < T0 + f->o.absolute_ms; t += f->o.idle_ms / 2) {
        assert_int_equal(authn(f, t, s3.token), LX_OK);
    }
    assert_int_equal(authn(f, T0 + f->o.absolute_ms, s3.token), LX_EUNAUTH);

    /* Sign-out kills the session at once. */
    as(f, 0, T0);
    assert_int_equal(signin(f, "lawyer@a.example.invalid", "correct horse L",
                            "10.0.0.1", NULL, &s3),
                     LX_OK);
    assert_int_equal(lx_auth_signout(&f->s.ctx, s3.token), LX_OK);
    assert_int_equal(lx_auth_authenticate(&f->s.ctx, &f->o, s3.token),
                     LX_EUNAUTH);
}

static void
test_revocation(void **state)
{
    struct fx *f = *state;
    struct lx_auth_signin sl, sa;

    cast(f);
    as(f, 0, T0);
    assert_int_equal(signin(f, "lawyer@a.example.invalid", "correct horse L",
                            "10.0.0.1", NULL, &sl),
                     LX_OK);
    assert_int_equal(signin(f, "admin@a.example.invalid", "correct horse A",
                            "10.0.0.1", NULL, &sa),
                     LX_OK);
    /* Restricting keeps sessions; suspending cooperation kills them. */
    as(f, f->padmin, T0);
    assert_int_equal(lx_people_org_set_status(&f->s.ctx, f->firm_a,
                                              LX_POLICY_FIRM_RESTRICTED,
                                              "C8.1"),
                     LX_OK);
    assert_int_equal(authn(f, T0 + 1, sl.token), LX_OK);
    as(f, f->padmin, T0 + 2);
    assert_int_equal(
        lx_people_org_set_status(&f->s.ctx, f->firm_a,
                                 LX_POLICY_FIRM_COOPERATION_SUSPENDED, "C8.1"),
        LX_OK);
    assert_int_equal(authn(f, T0 + 3, sl.token), LX_EUNAUTH);
    assert_int_equal(lx_auth_authenticate(&f->s.ctx, &f->o, sa.token),
                     LX_EUNAUTH);
    /* Nor can they sign in again while suspended. */
    assert_int_equal(signin(f, "lawyer@a.example.invalid", "correct horse L",
                            "10.0.0.2", NULL, &sl),
                     LX_EUNAUTH);
    /* Reinstated: a new sign-in works; the old tokens stay dead. */
    as(f, f->padmin, T0 + 4);
    assert_int_equal(lx_people_org_set_status(&f->s.ctx, f->firm_a,
                                              LX_POLICY_FIRM_ACTIVE, "C8.1"),
                     LX_OK);
    assert_int_equal(authn(f, T0 + 5, sa.token), LX_EUNAUTH);
    assert_int_equal(signin(f, "lawyer@a.example.invalid", "correct horse L",
                            "10.0.0.2", NULL, &sl),
                     LX_OK);
    /* Disabling the account kills its session within one request. */
    as(f, f->admin_a, T0 + 6);
    assert_int_equal(lx_people_staff_update(&f->s.ctx, f->lawyer_a, NULL, true,
                                            LX_PEOPLE_STAFF_DISABLED),
                     LX_OK);
    assert_int_equal(authn(f, T0 + 7, sl.token), LX_EUNAUTH);
}

static void
test_brute_force(void **state)
{
    struct fx *f = *state;
    struct lx_auth_signin s;
    struct lx_auth_gate *g = lx_auth_gate_new(0, -1);

    cast(f);
    f->o.account_failures = 5;
    f->o.source_failures = 8;
    as(f, 0, T0);
    /* Five wrong passwords on one account ... */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(lx_auth_signin_password(
                             &f->s.ctx, g, &f->o, "lawyer@a.example.invalid",
                             "wrong password", "10.0.0.9", NULL, &s),
                         LX_EUNAUTH);
    }
    /* ... then 1,000 more are refused before any hashing, and so is the
     * right one, until the window ends. */
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(lx_auth_signin_password(
                             &f->s.ctx, g, &f->o, "lawyer@a.example.invalid",
                             "wrong password", "10.0.0.9", NULL, &s),
                         LX_ETOOMANY);
    }
    assert_int_equal(
        lx_auth_signin_password(&f->s.ctx, g, &f->o, "lawyer@a.example.invalid",
                                "correct horse L", "10.0.0.7", NULL, &s),
        LX_ETOOMANY);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE action ="
                              " 'signin' AND decision = 'deny'"),
                     5);
    as(f, 0, T0 + f->o.window_ms);
    assert_int_equal(
        lx_auth_signin_password(&f->s.ctx, g, &f->o, "lawyer@a.example.invalid",
                                "correct horse L", "10.0.0.7", NULL, &s),
        LX_OK);

    /* One password across many accounts from one source: the source is
     * throttled after source_failures, accounts that exist or not. */
    as(f, 0, T0);
    for (int i = 0; i < 1000; i++) {
        char e[64];
        snprintf(e, sizeof(e), "user%d@x.example.invalid", i);
        assert_int_equal(lx_auth_signin_password(&f->s.ctx, g, &f->o, e,
                                                 "Password1!", "10.9.9.9", NULL,
                                                 &s),
                         i < 8 ? LX_EUNAUTH : LX_ETOOMANY);
    }
    /* Another source still signs in. */
    assert_int_equal(
        lx_auth_signin_password(&f->s.ctx, g, &f->o, "admin@a.example.invalid",
                                "correct horse A", "10.1.1.1", NULL, &s),
        LX_OK);
    lx_auth_gate_free(g);
}

/* Two threads hammer a gate of one slot and no queue: whoever finds the
 * slot taken is refused at once with LX_ETOOMANY (never waits). */
struct gate_arg {
    struct fx *f;
    struct lx_auth_gate *g;
    int tag;
    int unauth;
    int busy;
    int other;
};

static void *
gate_thread(void *arg)
{
    struct gate_arg *a = arg;
    struct lx_auth_opts o = a->f->o;
    struct lx_auth_signin s;

    o.account_failures = 1000000;
    o.source_failures = 1000000;
    for (int i = 0; i < 12; i++) {
        struct lx_ctx ctx;
        char e[64];
        lx_rc rc;

        lx_ctx_init(&ctx, &a->f->s.app, T0);
        snprintf(e, sizeof(e), "g%d-%d@x.example.invalid", a->tag, i);
        rc = lx_auth_signin_password(&ctx, a->g, &o, e, "password-1",
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
    struct lx_auth_gate *g = lx_auth_gate_new(1, 0);
    struct gate_arg a[3] = {
        {f, g, 0, 0, 0, 0}, {f, g, 1, 0, 0, 0}, {f, g, 2, 0, 0, 0}};
    pthread_t t[3];

    for (int i = 0; i < 3; i++) {
        assert_int_equal(pthread_create(&t[i], NULL, gate_thread, &a[i]), 0);
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
    }
    lx_auth_gate_free(g);
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
    struct lx_auth_sender snd = {capture_send, &c};
    struct lx_auth_signin s, s2;
    char wrong[8];

    as(f, 0, T0);
    assert_int_equal(
        lx_auth_otp_request(&f->s.ctx, &f->o, &snd, "12345", "10.0.0.1"),
        LX_EINVAL);
    assert_int_equal(
        lx_auth_otp_request(&f->s.ctx, &f->o, &snd, "13800000000", "10.0.0.1"),
        LX_OK);
    assert_int_equal(c.sent, 1);
    assert_int_equal(strlen(c.code), 6);
    /* The number and the code are not stored in the clear. */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM otp_codes WHERE"
                              " LENGTH(phone_ref) = 32"),
                     1);
    snprintf(wrong, sizeof(wrong), "%s", c.code);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    assert_int_equal(lx_auth_otp_verify(&f->s.ctx, &f->o, "13800000000", wrong,
                                        "10.0.0.1", &s),
                     LX_EUNAUTH);
    assert_int_equal(lx_auth_otp_verify(&f->s.ctx, &f->o, "13800000001", c.code,
                                        "10.0.0.1", &s),
                     LX_EUNAUTH);
    as(f, 0, T0 + 1000);
    assert_int_equal(lx_auth_otp_verify(&f->s.ctx, &f->o, "13800000000", c.code,
                                        "10.0.0.1", &s),
                     LX_OK);
    assert_int_equal(s.actor.kind, LX_ACTOR_USER);
    assert_true(s.actor.id > 0);
    assert_int_equal(lx_auth_authenticate(&f->s.ctx, &f->o, s.token), LX_OK);
    assert_int_equal(f->s.ctx.actor.kind, LX_ACTOR_USER);
    assert_int_equal(f->s.ctx.actor.id, s.actor.id);
    {
        struct uf_arg ua = {s.actor.id, {0}};
        struct lx_err e2 = {0};
        assert_int_equal(
            lx_store_read(f->s.app.store, user_facts_unit, &ua, &e2), LX_OK);
        assert_int_equal(ua.f.actor.role, LX_POLICY_ROLE_USER);
        assert_int_equal(ua.f.actor.id, s.actor.id);
        ua.id = s.actor.id + 1000;
        assert_int_equal(
            lx_store_read(f->s.app.store, user_facts_unit, &ua, &e2), LX_OK);
        assert_int_equal(ua.f.actor.role, LX_POLICY_ROLE_NONE);
    }
    /* Single use. */
    assert_int_equal(lx_auth_otp_verify(&f->s.ctx, &f->o, "13800000000", c.code,
                                        "10.0.0.1", &s2),
                     LX_EUNAUTH);
    /* The same phone signs in to the same account again. */
    assert_int_equal(
        lx_auth_otp_request(&f->s.ctx, &f->o, &snd, "13800000000", "10.0.0.1"),
        LX_OK);
    assert_int_equal(lx_auth_otp_verify(&f->s.ctx, &f->o, "13800000000", c.code,
                                        "10.0.0.1", &s2),
                     LX_OK);
    assert_int_equal(s2.actor.id, s.actor.id);
    /* Short-lived: at otp_ttl_ms the code is dead. */
    as(f, 0, T0 + 2000);
    assert_int_equal(
        lx_auth_otp_request(&f->s.ctx, &f->o, &snd, "13900000000", "10.0.0.2"),
        LX_OK);
    as(f, 0, T0 + 2000 + f->o.otp_ttl_ms);
    assert_int_equal(lx_auth_otp_verify(&f->s.ctx, &f->o, "13900000000", c.code,
                                        "10.0.0.2", &s2),
                     LX_EUNAUTH);
    /* Throttled sends: otp_sends per phone per window. */
    as(f, 0, T0 + 3000);
    c.sent = 0;
    for (int i = 0; i < 10; i++) {
        lx_rc rc = lx_auth_otp_request(&f->s.ctx, &f->o, &snd, "13700000000",
                                       "10.0.0.3");
        assert_int_equal(rc, i < f->o.otp_sends ? LX_OK : LX_ETOOMANY);
    }
    assert_int_equal(c.sent, f->o.otp_sends);
    /* Guessing: after otp_attempts wrong codes even the right one fails. */
    as(f, 0, T0 + 4000);
    assert_int_equal(
        lx_auth_otp_request(&f->s.ctx, &f->o, &snd, "13600000000", "10.0.0.4"),
        LX_OK);
    snprintf(wrong, sizeof(wrong), "%s", c.code);
    wrong[0] = wrong[0] == '0' ? '1' : '0';
    for (int i = 0; i < f->o.otp_attempts; i++) {
        assert_int_equal(lx_auth_otp_verify(&f->s.ctx, &f->o, "13600000000",
                                            wrong, "10.0.0.4", &s2),
                         LX_EUNAUTH);
    }
    assert_int_not_equal(lx_auth_otp_verify(&f->s.ctx, &f->o, "13600000000",
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

    snprintf(path, sizeof(path), "%s/outbox", f->s.dir);
    assert_int_equal(lx_auth_outbox_send(path, "13800000000", "123456", &err),
                     LX_OK);
    assert_int_equal(lx_auth_outbox_send(path, "13800000001", "654321", &err),
                     LX_OK);
    fp = fopen(path, "r");
    assert_non_null(fp);
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    assert_string_equal(buf, "{\"to\":\"13800000000\",\"code\":\"123456\"}\n"
                             "{\"to\":\"13800000001\",\"code\":\"654321\"}\n");
    assert_int_equal(lx_auth_outbox_send("/nonexistent-dir/x", "1", "2", &err),
                     LX_EIO);
    unlink(path);
}

static void
test_apikeys(void **state)
{
    struct fx *f = *state;
    char key[LX_AUTH_TOKEN_CHARS + 1];
    int64_t id = 0;

    cast(f);
    as(f, f->admin_a, T0);
    assert_int_equal(
        lx_auth_apikey_create(&f->s.ctx, "intake-web", "intake", &id, key),
        LX_EDENIED);
    as(f, f->padmin, T0);
    assert_int_equal(lx_auth_apikey_create(&f->s.ctx, "intake-web",
                                           "intake bogus", &id, key),
                     LX_EINVAL);
    assert_int_equal(
        lx_auth_apikey_create(&f->s.ctx, "intake-web", "intake", &id, key),
        LX_OK);
    assert_int_equal(strncmp(key, "lxk_", 4), 0);
    assert_int_equal(authn(f, T0 + 1, key), LX_OK);
    assert_int_equal(f->s.ctx.actor.kind, LX_ACTOR_APIKEY);
    assert_int_equal(f->s.ctx.actor.id, id);
    assert_true(lx_auth_apikey_has_scope(&f->s.ctx, "intake"));
    assert_false(lx_auth_apikey_has_scope(&f->s.ctx, "telephony"));
    assert_false(lx_auth_apikey_has_scope(&f->s.ctx, "intak"));
}

/* A demo seed's printed password signs its lawyer in, fit to work. */
static void
test_demo_signin(void **state)
{
    struct fx *f = *state;
    struct lx_people_demo_out *out = calloc(1, sizeof(*out));
    struct lx_policy_facts facts = {0};
    struct lx_auth_signin s;
    struct lx_err err = {0};
    size_t i = 0;

    assert_non_null(out);
    svcfix_exec(&f->s, "DELETE FROM staff; DELETE FROM orgs");
    assert_int_equal(lx_people_demo_seed(&f->s.app, out, &err), LX_OK);
    assert_true(out->created);
    while (i < out->n && strcmp(out->accounts[i].role, "lawyer") != 0) {
        i++;
    }
    assert_true(i < out->n);
    as(f, 0, lx_time_now_ms());
    assert_int_equal(signin(f, out->accounts[i].email, "not the password",
                            "10.0.0.1", NULL, &s),
                     LX_EUNAUTH);
    assert_int_equal(signin(f, out->accounts[i].email,
                            out->accounts[i].password, "10.0.0.1", NULL, &s),
                     LX_OK);
    assert_int_equal(s.actor.kind, LX_ACTOR_STAFF);
    assert_string_equal(s.actor.role, "lawyer");
    assert_int_equal(lx_people_facts_load(&f->s.app, s.actor.id,
                                          f->s.ctx.now_ms, 0, &facts, &err),
                     LX_OK);
    assert_true(facts.actor.licence_verified);
    assert_true(facts.actor.training_expires_ms > f->s.ctx.now_ms);
    free(out);
}

/* Every test runs in a fresh fixture. */
#define WITH_FX(t) cmocka_unit_test_setup_teardown(t, setup, svcfix_teardown)

int
main(void)
{
    const struct CMUnitTest tests[] = {
        WITH_FX(test_sessions),    WITH_FX(test_revocation),
        WITH_FX(test_brute_force), WITH_FX(test_gate),
        WITH_FX(test_otp),         WITH_FX(test_outbox),
        WITH_FX(test_apikeys),     WITH_FX(test_demo_signin),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
