/*
 * signin — staff sign-in by email and password, the sessions it opens,
 * the check of a bearer token on every request, sign-out, and the gate
 * that bounds password hashing.
 *
 * Passwords are argon2id strings set by people/; verifying one goes
 * through the gate: at most one hash per core, a bounded queue, and 429
 * beyond it. An unknown email is checked against a decoy hash, so both
 * failures take the same time.
 */
#include "auth/auth_int.h"
#include "base/mem.h"
#include "people/people.h"
#include "policy/policy.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLIDE_MS 60000 /* refresh last_seen at most once a minute */

/* ---- The gate ------------------------------------------------------------ */

struct lx_auth_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int slots;
    int queue;
    int busy;
    int waiting;
    bool have_decoy;
    char decoy[LX_CRYPTO_PWHASH_STR_BYTES]; /* for unknown accounts */
};

struct lx_auth_gate *
lx_auth_gate_new(int slots, int queue)
{
    struct lx_auth_gate *g = lx_xcalloc(1, sizeof(*g));

    if (slots < 1) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        slots = n > 0 ? (int)n : 1;
    }
    if (queue < 0) {
        queue = 4 * slots;
    }
    g->slots = slots;
    g->queue = queue;
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    return g;
}

void
lx_auth_gate_free(struct lx_auth_gate *g)
{
    if (g == NULL) {
        return;
    }
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    lx_crypto_wipe(g, sizeof(*g));
    free(g);
}

static lx_rc
gate_enter(struct lx_auth_gate *g, struct lx_err *err)
{
    lx_rc rc = LX_OK;

    if (g == NULL) {
        return LX_OK;
    }
    pthread_mutex_lock(&g->mu);
    if (g->busy >= g->slots) {
        if (g->waiting >= g->queue) {
            rc = lx_err_set(err, LX_ETOOMANY, NULL,
                            "sign-in queue full, retry later");
            goto out;
        }
        g->waiting++;
        while (g->busy >= g->slots) {
            pthread_cond_wait(&g->cv, &g->mu);
        }
        g->waiting--;
    }
    g->busy++;
out:
    pthread_mutex_unlock(&g->mu);
    return rc;
}

static void
gate_leave(struct lx_auth_gate *g)
{
    if (g == NULL) {
        return;
    }
    pthread_mutex_lock(&g->mu);
    g->busy--;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* Verify through the gate. A NULL hash (unknown account) is checked
 * against a decoy hash so that both cases take the same time. */
static lx_rc
pwverify(struct lx_auth_gate *g, const char *hash, const char *pw, bool *match,
         struct lx_err *err)
{
    char local[LX_CRYPTO_PWHASH_STR_BYTES];
    const char *h = hash;
    lx_rc rc;

    *match = false;
    rc = gate_enter(g, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (h == NULL) {
        if (g != NULL) {
            pthread_mutex_lock(&g->mu);
            if (!g->have_decoy) {
                rc = lx_crypto_pwhash("lexgate-decoy", 13, g->decoy, err);
                g->have_decoy = rc == LX_OK;
            }
            pthread_mutex_unlock(&g->mu);
            h = g->decoy;
        } else {
            rc = lx_crypto_pwhash("lexgate-decoy", 13, local, err);
            h = local;
        }
    }
    if (rc == LX_OK) {
        *match =
            lx_crypto_pwhash_verify(h, pw, strlen(pw)) == LX_OK && hash != NULL;
    }
    gate_leave(g);
    return rc;
}

/* Copy column text into a fixed array of cap bytes; false when it does
 * not fit. */
static bool
copy_text(char *dst, size_t cap, const char *src, size_t n)
{
    if (src != NULL && n < cap) {
        memcpy(dst, src, n);
        dst[n] = '\0';
        return true;
    }
    return false;
}

/* ---- Sessions ------------------------------------------------------------ */

lx_rc
auth__session_insert_tx(struct lx_store_tx *tx, bool staff, int64_t who,
                        int64_t now_ms, const struct lx_auth_opts *o,
                        struct lx_auth_signin *out, struct lx_err *err)
{
    unsigned char h[LX_CRYPTO_SHA256_BYTES];
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    auth__token_new(SESSION_PREFIX, out->token, h);
    out->expires_ms = now_ms + o->absolute_ms;
    rc = lx_store_prepare(tx,
                          "INSERT INTO sessions (token_hash, kind, staff_id,"
                          " user_id, created_ms, last_seen_ms, expires_ms)"
                          " VALUES (:h, :kind, :staff, :user, :now, :now,"
                          " :exp) RETURNING id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_blob(s, ":h", h, sizeof(h));
    lx_store_bind_text(s, ":kind", staff ? "staff" : "user", staff ? 5 : 4);
    if (staff) {
        lx_store_bind_int(s, ":staff", who);
        lx_store_bind_null(s, ":user");
    } else {
        lx_store_bind_null(s, ":staff");
        lx_store_bind_int(s, ":user", who);
    }
    lx_store_bind_int(s, ":now", now_ms);
    lx_store_bind_int(s, ":exp", out->expires_ms);
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK) {
        out->session_id = lx_store_col_int(s, 0);
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

/* C5.9 (docs/leads.md): where a staff session came from, as the hex
 * SHA-256 the sign-in throttle keeps of the source address (never the
 * address); nothing when the source is unknown. */
static lx_rc
session_origin_tx(struct lx_store_tx *tx, int64_t session_id,
                  const char *origin, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    if (origin == NULL) {
        return LX_OK;
    }
    rc = lx_store_prepare(tx, "UPDATE sessions SET origin = :o WHERE id = :id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_text(s, ":o", origin, strlen(origin));
        lx_store_bind_int(s, ":id", session_id);
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
session_revoke_tx(struct lx_store_tx *tx, const char *token, int64_t now_ms,
                  const char *why, int64_t *revoked_id, struct lx_err *err)
{
    unsigned char h[LX_CRYPTO_SHA256_BYTES];
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    *revoked_id = 0;
    if (!auth__token_hash(token, SESSION_PREFIX, h)) {
        return LX_OK;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE sessions SET revoked_ms = :now,"
                          " revoke_reason = :why WHERE token_hash = :h AND"
                          " revoked_ms IS NULL RETURNING id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":now", now_ms);
        lx_store_bind_text(s, ":why", why, strlen(why));
        lx_store_bind_blob(s, ":h", h, sizeof(h));
        rc = lx_store_step(s, &row, err);
        if (rc == LX_OK && row) {
            *revoked_id = lx_store_col_int(s, 0);
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

/* ---- Staff sign-in ------------------------------------------------------- */

struct signin_arg {
    struct lx_ctx *ctx;
    const struct lx_auth_opts *o;
    const char *email;
    const char *old_token;
    const char *acct_bucket;
    const char *src_bucket;
    const char *origin; /* C5.9: sessions.origin, the source's hash; NULL */
    /* found by the read */
    bool found;
    int64_t staff_id;
    int64_t org_id;
    bool platform;
    bool usable; /* active member of a firm that may sign in */
    enum lx_policy_role role;
    char hash[LX_CRYPTO_PWHASH_STR_BYTES];
    /* outcome */
    bool match;
    struct lx_auth_signin *out;
};

static lx_rc
signin_read_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct signin_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t len = 0;
    const char *t;
    char buf[40];
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT s.id, s.org_id, s.role, COALESCE(s.pw_hash,"
                          " ''), s.status, o.kind, o.status, CASE WHEN"
                          " s.deleted_ms IS NULL AND o.deleted_ms IS NULL"
                          " THEN 1 ELSE 0 END FROM staff s JOIN"
                          " orgs o ON o.id = s.org_id WHERE s.email = :e",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":e", a->email, strlen(a->email));
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK || !row) {
        goto out;
    }
    a->found = true;
    a->staff_id = lx_store_col_int(s, 0);
    a->org_id = lx_store_col_int(s, 1);
    t = lx_store_col_text(s, 2, &len);
    if (copy_text(buf, sizeof(buf), t, len)) {
        (void)lx_policy_role_parse(buf, &a->role);
    }
    t = lx_store_col_text(s, 3, &len);
    if (len == 0 || !copy_text(a->hash, sizeof(a->hash), t, len)) {
        a->hash[0] = '\0';
    }
    t = lx_store_col_text(s, 4, &len);
    a->usable =
        len == 6 && memcmp(t, "active", 6) == 0 && lx_store_col_int(s, 7) != 0;
    t = lx_store_col_text(s, 5, &len);
    a->platform = len == 8 && memcmp(t, "platform", 8) == 0;
    t = lx_store_col_text(s, 6, &len);
    {
        enum lx_policy_firm_status fs = LX_POLICY_FIRM_UNKNOWN;
        if (copy_text(buf, sizeof(buf), t, len)) {
            (void)lx_policy_firm_status_parse(buf, &fs);
        }
        if (fs == LX_POLICY_FIRM_UNKNOWN ||
            fs >= LX_POLICY_FIRM_COOPERATION_SUSPENDED) {
            a->usable = false;
        }
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

static void
actor_fill(struct lx_actor *ac, int64_t staff_id, int64_t org_id, bool platform,
           enum lx_policy_role role)
{
    memset(ac, 0, sizeof(*ac));
    ac->kind = LX_ACTOR_STAFF;
    ac->id = staff_id;
    ac->firm_id = platform ? 0 : org_id;
    snprintf(ac->role, sizeof(ac->role), "%s", lx_policy_role_name(role));
}

static lx_rc
signin_write_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct signin_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    int64_t old = 0;
    lx_rc rc;

    if (!(a->match && a->usable)) {
        rc = auth__bucket_add_tx(tx, a->acct_bucket, ctx->now_ms,
                                 a->o->window_ms, err);
        if (rc == LX_OK) {
            rc = auth__bucket_add_tx(tx, a->src_bucket, ctx->now_ms,
                                     a->o->window_ms, err);
        }
        if (rc != LX_OK) {
            return rc;
        }
        return auth__audit_tx(
            tx, ctx,
            &(struct auth_event){.kind = LX_AUDIT_AUTH,
                                 .action = "signin",
                                 .resource_type = "staff",
                                 .resource_id = a->found ? a->staff_id : 0,
                                 .decision = "deny",
                                 .reason = !a->match ? "bad_credentials"
                                                     : "account_unusable"},
            err);
    }
    rc = session_revoke_tx(tx, a->old_token, ctx->now_ms, "rotated", &old, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = auth__session_insert_tx(tx, true, a->staff_id, ctx->now_ms, a->o,
                                 a->out, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = session_origin_tx(tx, a->out->session_id, a->origin, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = auth__bucket_clear_tx(tx, a->acct_bucket, err);
    if (rc != LX_OK) {
        return rc;
    }
    actor_fill(&a->out->actor, a->staff_id, a->org_id, a->platform, a->role);
    {
        struct lx_ctx c = *ctx;
        c.actor = a->out->actor;
        rc = auth__audit_tx(
            tx, &c,
            &(struct auth_event){.kind = LX_AUDIT_AUTH,
                                 .action = "signin",
                                 .resource_type = "session",
                                 .resource_id = a->out->session_id,
                                 .decision = "allow"},
            err);
    }
    return rc;
}

lx_rc
lx_auth_signin_password(struct lx_ctx *ctx, struct lx_auth_gate *g,
                        const struct lx_auth_opts *o, const char *email,
                        const char *password, const char *source,
                        const char *old_token, struct lx_auth_signin *out)
{
    char e[LX_PEOPLE_EMAIL_MAX + 1];
    char acct[65];
    char src[65];
    size_t n = email != NULL ? strlen(email) : 0;
    size_t pn = password != NULL ? strlen(password) : 0;
    struct signin_arg a = {
        .ctx = ctx, .o = o, .old_token = old_token, .out = out};
    lx_rc rc;

    memset(out, 0, sizeof(*out));
    if (n == 0 || n > LX_PEOPLE_EMAIL_MAX) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/email", "required");
    }
    if (pn == 0 || pn > 1024) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/password", "required");
    }
    for (size_t i = 0; i <= n; i++) {
        e[i] = (char)tolower((unsigned char)email[i]);
    }
    a.email = e;
    a.acct_bucket = acct;
    a.src_bucket = src;
    a.origin = source != NULL && source[0] != '\0' ? src : NULL;
    rc = auth__throttle_attempt(ctx, o, "acct", e, n, o->account_failures,
                                "src", source, acct, src, "signin_throttled");
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_store_read(ctx->app->store, signin_read_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = pwverify(g, a.found && a.hash[0] != '\0' ? a.hash : NULL, password,
                  &a.match, &ctx->err);
    lx_crypto_wipe(a.hash, sizeof(a.hash));
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_store_write(ctx->app->store, signin_write_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    if (!(a.match && a.usable)) {
        memset(out, 0, sizeof(*out));
        return lx_err_set(&ctx->err, LX_EUNAUTH, NULL,
                          "wrong email or password");
    }
    return LX_OK;
}

/* ---- Authentication of each request -------------------------------------- */

struct auth_arg {
    struct lx_ctx *ctx;
    const struct lx_auth_opts *o;
    unsigned char h[LX_CRYPTO_SHA256_BYTES];
    bool apikey;
    bool ok;
    bool slide;
    int64_t session_id;
    struct lx_actor actor;
};

static lx_rc
auth_read_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct auth_arg *a = arg;
    int64_t now = a->ctx->now_ms;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t len = 0;
    const char *t;
    char buf[40];
    lx_rc rc;

    if (a->apikey) {
        rc = lx_store_prepare(tx,
                              "SELECT id, COALESCE(last_used_ms, 0) FROM"
                              " api_keys WHERE key_hash = :h AND revoked_ms"
                              " IS NULL",
                              &s, err);
        if (rc != LX_OK) {
            goto out;
        }
        lx_store_bind_blob(s, ":h", a->h, sizeof(a->h));
        rc = lx_store_step(s, &row, err);
        if (rc == LX_OK && row) {
            a->ok = true;
            a->actor.kind = LX_ACTOR_APIKEY;
            a->actor.id = lx_store_col_int(s, 0);
            a->slide = lx_store_col_int(s, 1) + SLIDE_MS <= now;
        }
        goto out;
    }
    rc = lx_store_prepare(
        tx,
        "SELECT ss.id, ss.kind, ss.last_seen_ms, ss.expires_ms,"
        " COALESCE(ss.staff_id, 0), COALESCE(ss.user_id, 0),"
        " COALESCE(st.role, ''), COALESCE(st.org_id, 0),"
        " COALESCE(st.status, ''), COALESCE(o.kind, ''),"
        " COALESCE(o.status, ''), CASE WHEN st.deleted_ms IS NULL AND"
        " o.deleted_ms IS NULL THEN 1 ELSE 0 END, COALESCE(u.status, '')"
        " FROM sessions ss LEFT JOIN staff st"
        " ON st.id = ss.staff_id LEFT JOIN orgs o ON o.id = st.org_id LEFT"
        " JOIN app_users u ON u.id = ss.user_id WHERE ss.token_hash = :h AND"
        " ss.revoked_ms IS NULL",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_blob(s, ":h", a->h, sizeof(a->h));
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK || !row) {
        goto out;
    }
    {
        int64_t last = lx_store_col_int(s, 2);
        int64_t exp = lx_store_col_int(s, 3);
        if (now >= exp || now >= last + a->o->idle_ms) {
            goto out; /* expired: absolute or idle */
        }
        a->slide = last + SLIDE_MS <= now;
    }
    a->session_id = lx_store_col_int(s, 0);
    t = lx_store_col_text(s, 1, &len);
    if (len == 4 && memcmp(t, "user", 4) == 0) {
        t = lx_store_col_text(s, 12, &len);
        if (len == 6 && memcmp(t, "active", 6) == 0) {
            a->ok = true;
            a->actor.kind = LX_ACTOR_USER;
            a->actor.id = lx_store_col_int(s, 5);
            snprintf(a->actor.role, sizeof(a->actor.role), "user");
        }
        goto out;
    }
    {
        enum lx_policy_role role = LX_POLICY_ROLE_NONE;
        enum lx_policy_firm_status fs = LX_POLICY_FIRM_UNKNOWN;
        bool platform;

        t = lx_store_col_text(s, 6, &len);
        if (!copy_text(buf, sizeof(buf), t, len) ||
            !lx_policy_role_parse(buf, &role)) {
            goto out;
        }
        t = lx_store_col_text(s, 8, &len);
        if (!(len == 6 && memcmp(t, "active", 6) == 0) ||
            lx_store_col_int(s, 11) == 0) {
            goto out;
        }
        t = lx_store_col_text(s, 9, &len);
        platform = len == 8 && memcmp(t, "platform", 8) == 0;
        t = lx_store_col_text(s, 10, &len);
        if (copy_text(buf, sizeof(buf), t, len)) {
            (void)lx_policy_firm_status_parse(buf, &fs);
        }
        /* C8.1/C7.1: from cooperation_suspended on, nothing. */
        if (fs == LX_POLICY_FIRM_UNKNOWN ||
            fs >= LX_POLICY_FIRM_COOPERATION_SUSPENDED) {
            goto out;
        }
        actor_fill(&a->actor, lx_store_col_int(s, 4), lx_store_col_int(s, 7),
                   platform, role);
        a->ok = true;
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
auth_slide_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct auth_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          a->apikey ? "UPDATE api_keys SET last_used_ms ="
                                      " :now WHERE key_hash = :h"
                                    : "UPDATE sessions SET last_seen_ms ="
                                      " :now WHERE token_hash = :h AND"
                                      " revoked_ms IS NULL",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        lx_store_bind_blob(s, ":h", a->h, sizeof(a->h));
        rc = auth__exec1(s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_auth_authenticate(struct lx_ctx *ctx, const struct lx_auth_opts *o,
                     const char *token)
{
    struct auth_arg a = {.ctx = ctx, .o = o};
    lx_rc rc;

    memset(&ctx->actor, 0, sizeof(ctx->actor));
    if (auth__token_hash(token, APIKEY_PREFIX, a.h)) {
        a.apikey = true;
    } else if (!auth__token_hash(token, SESSION_PREFIX, a.h)) {
        return lx_err_set(&ctx->err, LX_EUNAUTH, NULL, "invalid token");
    }
    rc = lx_store_read(ctx->app->store, auth_read_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!a.ok) {
        return lx_err_set(&ctx->err, LX_EUNAUTH, NULL,
                          "session expired or revoked");
    }
    if (a.slide) {
        rc = lx_store_write(ctx->app->store, auth_slide_unit, &a, &ctx->err);
        if (rc != LX_OK) {
            return rc;
        }
    }
    ctx->actor = a.actor;
    return LX_OK;
}

struct signout_arg {
    struct lx_ctx *ctx;
    const char *token;
};

static lx_rc
signout_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct signout_arg *a = arg;
    int64_t id = 0;
    lx_rc rc;

    rc = session_revoke_tx(tx, a->token, a->ctx->now_ms, "signout", &id, err);
    if (rc != LX_OK || id == 0) {
        return rc;
    }
    return auth__audit_tx(tx, a->ctx,
                          &(struct auth_event){.kind = LX_AUDIT_AUTH,
                                               .action = "signout",
                                               .resource_type = "session",
                                               .resource_id = id,
                                               .decision = "done"},
                          err);
}

lx_rc
lx_auth_signout(struct lx_ctx *ctx, const char *token)
{
    struct signout_arg a = {ctx, token};

    return lx_store_write(ctx->app->store, signout_unit, &a, &ctx->err);
}
