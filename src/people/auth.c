/*
 * auth — sign-in for staff (email + password) and users (phone + one-time
 * code), sessions, API keys, throttling and the password-hashing gate.
 *
 * Secrets are never stored: passwords as argon2id strings, session tokens
 * and API keys as SHA-256 of 256 random bits (a token is high-entropy, so a
 * fast hash suffices), one-time codes as SHA-256 of a per-code salt and the
 * code, phone numbers as a keyed BLAKE2b (master key) reference, throttle
 * buckets as SHA-256 of the account or source address.
 *
 * Throttling is checked with a read before any hashing, so an attacker's
 * flood costs one read per request, and only real attempts reach argon2id,
 * through the gate: at most one hash per core, a bounded queue, and 429
 * beyond it.
 */
#include "people/people_int.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOKEN_BYTES 32
#define SESSION_PREFIX "lxs_"
#define APIKEY_PREFIX "lxk_"
#define SLIDE_MS 60000 /* refresh last_seen at most once a minute */

/* ---- The gate ------------------------------------------------------------ */

struct lx_people_gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int slots;
    int queue;
    int busy;
    int waiting;
    bool have_decoy;
    char decoy[LX_CRYPTO_PWHASH_STR_BYTES]; /* for unknown accounts */
};

struct lx_people_gate *
lx_people_gate_new(int slots, int queue)
{
    struct lx_people_gate *g = lx_xcalloc(1, sizeof(*g));

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
lx_people_gate_free(struct lx_people_gate *g)
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
gate_enter(struct lx_people_gate *g, struct lx_err *err)
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
gate_leave(struct lx_people_gate *g)
{
    if (g == NULL) {
        return;
    }
    pthread_mutex_lock(&g->mu);
    g->busy--;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

lx_rc
people__pwhash(struct lx_people_gate *g, const char *pw, char *out,
               struct lx_err *err)
{
    lx_rc rc = gate_enter(g, err);

    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_crypto_pwhash(pw, strlen(pw), out, err);
    gate_leave(g);
    return rc;
}

/* Verify through the gate. A NULL hash (unknown account) is checked
 * against a decoy hash so that both cases take the same time. */
static lx_rc
pwverify(struct lx_people_gate *g, const char *hash, const char *pw,
         bool *match, struct lx_err *err)
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

/* ---- Options --------------------------------------------------------------*/

void
lx_people_auth_opts_default(struct lx_people_auth_opts *o)
{
    o->idle_ms = 30LL * 60 * 1000;
    o->absolute_ms = 12LL * 3600 * 1000;
    o->window_ms = 15LL * 60 * 1000;
    o->account_failures = 5;
    o->source_failures = 20;
    o->otp_ttl_ms = 5LL * 60 * 1000;
    o->otp_sends = 5;
    o->otp_attempts = 5;
}

/* ---- Helpers ------------------------------------------------------------- */

static void
hex_encode(const unsigned char *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

/* Parse "<prefix><64 hex>" into the token's SHA-256. */
static bool
token_hash(const char *token, const char *prefix,
           unsigned char out[LX_CRYPTO_SHA256_BYTES])
{
    unsigned char raw[TOKEN_BYTES];
    size_t pl = strlen(prefix);

    if (token == NULL || strlen(token) != pl + 2 * TOKEN_BYTES ||
        memcmp(token, prefix, pl) != 0) {
        return false;
    }
    for (size_t i = 0; i < TOKEN_BYTES; i++) {
        int hi = lx_hex_digit_lower(token[pl + 2 * i]);
        int lo = lx_hex_digit_lower(token[pl + 2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        raw[i] = (unsigned char)(hi << 4 | lo);
    }
    lx_crypto_sha256(raw, sizeof(raw), NULL, 0, out);
    lx_crypto_wipe(raw, sizeof(raw));
    return true;
}

/* A fresh token "<prefix><64 hex>" and its SHA-256. */
static void
token_new(const char *prefix, char out[LX_PEOPLE_TOKEN_CHARS + 1],
          unsigned char hash[LX_CRYPTO_SHA256_BYTES])
{
    unsigned char raw[TOKEN_BYTES];
    size_t pl = strlen(prefix);

    lx_crypto_random(raw, sizeof(raw));
    memcpy(out, prefix, pl);
    hex_encode(raw, sizeof(raw), out + pl);
    lx_crypto_sha256(raw, sizeof(raw), NULL, 0, hash);
    lx_crypto_wipe(raw, sizeof(raw));
}

/* Throttle bucket name: hex SHA-256 of "<kind>:<value>". */
static void
bucket_name(const char *kind, const void *v, size_t n, char out[65])
{
    unsigned char h[LX_CRYPTO_SHA256_BYTES];
    char k[32];
    int kl = snprintf(k, sizeof(k), "%s:", kind);

    lx_crypto_sha256(k, (size_t)kl, v, n, h);
    hex_encode(h, sizeof(h), out);
}

/* Failures counted in the current window of 'bucket'. */
static lx_rc
bucket_count_tx(struct lx_store_tx *tx, const char *bucket, int64_t now_ms,
                int64_t window_ms, int64_t *count, int64_t *retry_ms,
                struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    *count = 0;
    *retry_ms = 0;
    rc = lx_store_prepare(tx,
                          "SELECT failures, window_start_ms FROM"
                          " auth_throttle WHERE bucket = :b",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":b", bucket, 64);
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK && row) {
        int64_t start = lx_store_col_int(s, 1);
        if (now_ms < start + window_ms) {
            *count = lx_store_col_int(s, 0);
            *retry_ms = start + window_ms - now_ms;
        }
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
bucket_add_tx(struct lx_store_tx *tx, const char *bucket, int64_t now_ms,
              int64_t window_ms, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = lx_store_prepare(
        tx,
        "INSERT INTO auth_throttle (bucket, window_start_ms, failures)"
        " VALUES (:b, :now, 1) ON CONFLICT (bucket) DO UPDATE SET"
        " failures = CASE WHEN auth_throttle.window_start_ms + :win <= :now"
        " THEN 1 ELSE auth_throttle.failures + 1 END, window_start_ms ="
        " CASE WHEN auth_throttle.window_start_ms + :win <= :now THEN :now"
        " ELSE auth_throttle.window_start_ms END",
        &s, err);
    if (rc == LX_OK) {
        lx_store_bind_text(s, ":b", bucket, 64);
        lx_store_bind_int(s, ":now", now_ms);
        lx_store_bind_int(s, ":win", window_ms);
        rc = people__exec1(tx, s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
bucket_clear_tx(struct lx_store_tx *tx, const char *bucket, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = lx_store_prepare(tx, "DELETE FROM auth_throttle WHERE bucket = :b", &s,
                          err);
    if (rc == LX_OK) {
        lx_store_bind_text(s, ":b", bucket, 64);
        rc = people__exec1(tx, s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

/* Two buckets checked at once (account or phone, and source). */
struct throttle_arg {
    const char *b1;
    const char *b2;
    int64_t lim1;
    int64_t lim2;
    int64_t now_ms;
    int64_t window_ms;
    bool blocked;
    int64_t retry_ms;
};

static lx_rc
throttle_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct throttle_arg *a = arg;
    int64_t n = 0;
    int64_t retry = 0;
    lx_rc rc;

    rc = bucket_count_tx(tx, a->b1, a->now_ms, a->window_ms, &n, &retry, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (n >= a->lim1) {
        a->blocked = true;
        a->retry_ms = retry;
        return LX_OK;
    }
    rc = bucket_count_tx(tx, a->b2, a->now_ms, a->window_ms, &n, &retry, err);
    if (rc == LX_OK && n >= a->lim2) {
        a->blocked = true;
        a->retry_ms = retry;
    }
    return rc;
}

static lx_rc
throttle_check(struct lx_ctx *ctx, struct throttle_arg *t, const char *event)
{
    lx_rc rc = lx_store_read(ctx->app->store, throttle_unit, t, &ctx->err);

    if (rc != LX_OK) {
        return rc;
    }
    if (t->blocked) {
        struct lx_log_line l;
        lx_log_begin(&l, &ctx->app->log, LX_LOG_WARN, event, ctx->req_id,
                     ctx->now_ms);
        lx_log_int(&l, "retry_after_ms", t->retry_ms);
        lx_log_end(&l);
        return lx_err_set(&ctx->err, LX_ETOOMANY, NULL,
                          "too many attempts, retry in %lld s",
                          (long long)(t->retry_ms / 1000 + 1));
    }
    return LX_OK;
}

/* ---- Sessions ------------------------------------------------------------ */

static lx_rc
session_insert_tx(struct lx_store_tx *tx, bool staff, int64_t who,
                  int64_t now_ms, const struct lx_people_auth_opts *o,
                  struct lx_people_signin *out, struct lx_err *err)
{
    unsigned char h[LX_CRYPTO_SHA256_BYTES];
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    token_new(SESSION_PREFIX, out->token, h);
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
    rc = lx_store_prepare(tx,
                          "UPDATE sessions SET origin = :o WHERE id = :id",
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
    if (!token_hash(token, SESSION_PREFIX, h)) {
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
    const struct lx_people_auth_opts *o;
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
    struct lx_people_signin *out;
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
    if (people__copy(buf, sizeof(buf), t, len)) {
        (void)lx_policy_role_parse(buf, &a->role);
    }
    t = lx_store_col_text(s, 3, &len);
    if (len == 0 || !people__copy(a->hash, sizeof(a->hash), t, len)) {
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
        if (people__copy(buf, sizeof(buf), t, len)) {
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
        rc = bucket_add_tx(tx, a->acct_bucket, ctx->now_ms, a->o->window_ms,
                           err);
        if (rc == LX_OK) {
            rc = bucket_add_tx(tx, a->src_bucket, ctx->now_ms, a->o->window_ms,
                               err);
        }
        if (rc != LX_OK) {
            return rc;
        }
        return people__audit_tx(
            tx, ctx,
            &(struct people_event){.kind = LX_AUDIT_AUTH,
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
    rc = session_insert_tx(tx, true, a->staff_id, ctx->now_ms, a->o, a->out,
                           err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = session_origin_tx(tx, a->out->session_id, a->origin, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = bucket_clear_tx(tx, a->acct_bucket, err);
    if (rc != LX_OK) {
        return rc;
    }
    actor_fill(&a->out->actor, a->staff_id, a->org_id, a->platform, a->role);
    {
        struct lx_ctx c = *ctx;
        c.actor = a->out->actor;
        rc = people__audit_tx(
            tx, &c,
            &(struct people_event){.kind = LX_AUDIT_AUTH,
                                   .action = "signin",
                                   .resource_type = "session",
                                   .resource_id = a->out->session_id,
                                   .decision = "allow"},
            err);
    }
    return rc;
}

lx_rc
lx_people_signin_password(struct lx_ctx *ctx, struct lx_people_gate *g,
                          const struct lx_people_auth_opts *o,
                          const char *email, const char *password,
                          const char *source, const char *old_token,
                          struct lx_people_signin *out)
{
    char e[LX_PEOPLE_EMAIL_MAX + 1];
    char acct[65];
    char src[65];
    size_t n = email != NULL ? strlen(email) : 0;
    size_t pn = password != NULL ? strlen(password) : 0;
    struct signin_arg a = {
        .ctx = ctx, .o = o, .old_token = old_token, .out = out};
    struct throttle_arg t = {0};
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
    bucket_name("acct", e, n, acct);
    bucket_name("src", source != NULL ? source : "",
                source != NULL ? strlen(source) : 0, src);
    a.acct_bucket = acct;
    a.src_bucket = src;
    a.origin = source != NULL && source[0] != '\0' ? src : NULL;

    t = (struct throttle_arg){.b1 = acct,
                              .b2 = src,
                              .lim1 = o->account_failures,
                              .lim2 = o->source_failures,
                              .now_ms = ctx->now_ms,
                              .window_ms = o->window_ms};
    rc = throttle_check(ctx, &t, "signin_throttled");
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
    const struct lx_people_auth_opts *o;
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
        if (!people__copy(buf, sizeof(buf), t, len) ||
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
        if (people__copy(buf, sizeof(buf), t, len)) {
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
        rc = people__exec1(tx, s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_authenticate(struct lx_ctx *ctx, const struct lx_people_auth_opts *o,
                       const char *token)
{
    struct auth_arg a = {.ctx = ctx, .o = o};
    lx_rc rc;

    memset(&ctx->actor, 0, sizeof(ctx->actor));
    if (token_hash(token, APIKEY_PREFIX, a.h)) {
        a.apikey = true;
    } else if (!token_hash(token, SESSION_PREFIX, a.h)) {
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
    return people__audit_tx(tx, a->ctx,
                            &(struct people_event){.kind = LX_AUDIT_AUTH,
                                                   .action = "signout",
                                                   .resource_type = "session",
                                                   .resource_id = id,
                                                   .decision = "done"},
                            err);
}

lx_rc
lx_people_signout(struct lx_ctx *ctx, const char *token)
{
    struct signout_arg a = {ctx, token};

    return lx_store_write(ctx->app->store, signout_unit, &a, &ctx->err);
}

/* ---- One-time codes for users -------------------------------------------- */

#define OTP_DIGITS 6

static bool
phone_valid(const char *p)
{
    size_t n = p != NULL ? strlen(p) : 0;

    if (n != 11 || p[0] != '1' || p[1] < '3' || p[1] > '9') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
    }
    return true;
}

static lx_rc
phone_ref(struct lx_ctx *ctx, const char *phone,
          unsigned char out[LX_CRYPTO_KEYED_HASH_BYTES])
{
    static const char domain[] = "lexgate-people-phone-v1:";
    const struct lx_crypto_keys *k = ctx->app->keys;

    if (k == NULL || k->master == NULL) {
        return lx_err_set(&ctx->err, LX_EINTERNAL, NULL, "keys not loaded");
    }
    lx_crypto_keyed_hash(k->master->p, k->master->len, domain,
                         sizeof(domain) - 1, phone, strlen(phone), out);
    return LX_OK;
}

/* A uniform 6-digit code (rejection sampling avoids modulo bias). */
static void
otp_new(char out[OTP_DIGITS + 1])
{
    uint32_t v;

    do {
        lx_crypto_random(&v, sizeof(v));
    } while (v >= 4294000000u); /* 4,294,000,000 is a multiple of 10^6 */
    snprintf(out, OTP_DIGITS + 1, "%06u", (unsigned)(v % 1000000u));
}

struct otp_arg {
    struct lx_ctx *ctx;
    const struct lx_people_auth_opts *o;
    unsigned char ref[LX_CRYPTO_KEYED_HASH_BYTES];
    const char *code;
    const char *phone_bucket;
    const char *src_bucket;
    bool ok;
    int64_t user_id;
    struct lx_people_signin *out;
};

static lx_rc
otp_store_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct otp_arg *a = arg;
    unsigned char salt[16];
    unsigned char h[LX_CRYPTO_SHA256_BYTES];
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    lx_crypto_random(salt, sizeof(salt));
    lx_crypto_sha256(salt, sizeof(salt), a->code, OTP_DIGITS, h);
    /* A new code replaces the ones before it. */
    rc = lx_store_prepare(tx,
                          "UPDATE otp_codes SET used_ms = :now WHERE"
                          " phone_ref = :ref AND used_ms IS NULL",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    lx_store_bind_blob(s, ":ref", a->ref, sizeof(a->ref));
    rc = people__exec1(tx, s, err);
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "INSERT INTO otp_codes (phone_ref, code_hash, salt,"
                          " created_ms, expires_ms) VALUES (:ref, :h, :salt,"
                          " :now, :exp)",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_blob(s, ":ref", a->ref, sizeof(a->ref));
    lx_store_bind_blob(s, ":h", h, sizeof(h));
    lx_store_bind_blob(s, ":salt", salt, sizeof(salt));
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    lx_store_bind_int(s, ":exp", a->ctx->now_ms + a->o->otp_ttl_ms);
    rc = people__exec1(tx, s, err);
    if (rc != LX_OK) {
        goto out;
    }
    /* Sends count against the phone's and the source's windows. */
    rc = bucket_add_tx(tx, a->phone_bucket, a->ctx->now_ms, a->o->window_ms,
                       err);
    if (rc == LX_OK) {
        rc = bucket_add_tx(tx, a->src_bucket, a->ctx->now_ms, a->o->window_ms,
                           err);
    }
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_AUTH,
                                                 .action = "otp_request",
                                                 .resource_type = "user",
                                                 .decision = "done"},
                          err);
out:
    lx_store_stmt_free(s);
    lx_crypto_wipe(h, sizeof(h));
    return rc;
}

lx_rc
lx_people_otp_request(struct lx_ctx *ctx, const struct lx_people_auth_opts *o,
                      const struct lx_people_sender *sender, const char *phone,
                      const char *source)
{
    char code[OTP_DIGITS + 1];
    char pb[65];
    char sb[65];
    struct otp_arg a = {.ctx = ctx, .o = o, .code = code};
    struct throttle_arg t;
    lx_rc rc;

    if (!phone_valid(phone)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/phone",
                          "not a mainland mobile number");
    }
    rc = phone_ref(ctx, phone, a.ref);
    if (rc != LX_OK) {
        return rc;
    }
    bucket_name("otp-send", a.ref, sizeof(a.ref), pb);
    bucket_name("otp-src", source != NULL ? source : "",
                source != NULL ? strlen(source) : 0, sb);
    a.phone_bucket = pb;
    a.src_bucket = sb;
    t = (struct throttle_arg){.b1 = pb,
                              .b2 = sb,
                              .lim1 = o->otp_sends,
                              .lim2 = o->source_failures,
                              .now_ms = ctx->now_ms,
                              .window_ms = o->window_ms};
    rc = throttle_check(ctx, &t, "otp_throttled");
    if (rc != LX_OK) {
        return rc;
    }
    otp_new(code);
    rc = lx_store_write(ctx->app->store, otp_store_unit, &a, &ctx->err);
    if (rc == LX_OK) {
        rc = sender->send(sender->arg, phone, code, &ctx->err);
    }
    lx_crypto_wipe(code, sizeof(code));
    return rc;
}

static lx_rc
otp_check_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct otp_arg *a = arg;
    int64_t now = a->ctx->now_ms;
    struct lx_store_stmt *s = NULL;
    unsigned char h[LX_CRYPTO_SHA256_BYTES];
    bool row = false;
    int64_t code_id = 0;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT id, code_hash, salt FROM otp_codes WHERE"
                          " phone_ref = :ref AND used_ms IS NULL AND"
                          " expires_ms > :now AND attempts < :max ORDER BY"
                          " created_ms DESC, id DESC LIMIT 1",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_blob(s, ":ref", a->ref, sizeof(a->ref));
    lx_store_bind_int(s, ":now", now);
    lx_store_bind_int(s, ":max", a->o->otp_attempts);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (row) {
        unsigned char stored[LX_CRYPTO_SHA256_BYTES];
        size_t hl = 0;
        size_t sl = 0;
        const unsigned char *p = lx_store_col_blob(s, 1, &hl);
        const unsigned char *salt;

        /* Copy before the next column: a backend may reuse its buffer. */
        if (hl == sizeof(stored)) {
            memcpy(stored, p, hl);
        }
        salt = lx_store_col_blob(s, 2, &sl);
        code_id = lx_store_col_int(s, 0);
        lx_crypto_sha256(salt, sl, a->code, strlen(a->code), h);
        a->ok = hl == sizeof(stored) &&
                lx_crypto_memcmp(stored, h, sizeof(stored)) == 0;
    }
    lx_store_stmt_free(s);
    s = NULL;

    if (!a->ok) {
        if (code_id != 0) {
            rc = lx_store_prepare(tx,
                                  "UPDATE otp_codes SET attempts = attempts"
                                  " + 1 WHERE id = :id",
                                  &s, err);
            if (rc != LX_OK) {
                goto out;
            }
            lx_store_bind_int(s, ":id", code_id);
            rc = people__exec1(tx, s, err);
            if (rc != LX_OK) {
                goto out;
            }
        }
        rc = bucket_add_tx(tx, a->phone_bucket, now, a->o->window_ms, err);
        if (rc == LX_OK) {
            rc = bucket_add_tx(tx, a->src_bucket, now, a->o->window_ms, err);
        }
        if (rc == LX_OK) {
            rc =
                people__audit_tx(tx, a->ctx,
                                 &(struct people_event){.kind = LX_AUDIT_AUTH,
                                                        .action = "otp_verify",
                                                        .resource_type = "user",
                                                        .decision = "deny",
                                                        .reason = "bad_code"},
                                 err);
        }
        goto out;
    }
    rc = lx_store_prepare(
        tx, "UPDATE otp_codes SET used_ms = :now WHERE id = :id", &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":now", now);
    lx_store_bind_int(s, ":id", code_id);
    rc = people__exec1(tx, s, err);
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK) {
        goto out;
    }
    /* The account: created at the first sign-in. */
    rc = lx_store_prepare(tx,
                          "INSERT INTO app_users (phone_ref, status,"
                          " created_ms) VALUES (:ref, 'active', :now) ON"
                          " CONFLICT (phone_ref) DO NOTHING",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_blob(s, ":ref", a->ref, sizeof(a->ref));
    lx_store_bind_int(s, ":now", now);
    rc = people__exec1(tx, s, err);
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE app_users SET last_signin_ms = :now WHERE"
                          " phone_ref = :ref AND status = 'active' RETURNING"
                          " id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_blob(s, ":ref", a->ref, sizeof(a->ref));
    lx_store_bind_int(s, ":now", now);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (!row) {
        a->ok = false; /* a disabled user */
        goto out;
    }
    a->user_id = lx_store_col_int(s, 0);
    lx_store_stmt_free(s);
    s = NULL;
    rc = bucket_clear_tx(tx, a->phone_bucket, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = session_insert_tx(tx, false, a->user_id, now, a->o, a->out, err);
    if (rc != LX_OK) {
        goto out;
    }
    a->out->actor.kind = LX_ACTOR_USER;
    a->out->actor.id = a->user_id;
    snprintf(a->out->actor.role, sizeof(a->out->actor.role), "user");
    {
        struct lx_ctx c = *a->ctx;
        c.actor = a->out->actor;
        rc = people__audit_tx(
            tx, &c,
            &(struct people_event){.kind = LX_AUDIT_AUTH,
                                   .action = "signin",
                                   .resource_type = "session",
                                   .resource_id = a->out->session_id,
                                   .decision = "allow"},
            err);
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_otp_verify(struct lx_ctx *ctx, const struct lx_people_auth_opts *o,
                     const char *phone, const char *code, const char *source,
                     struct lx_people_signin *out)
{
    char pb[65];
    char sb[65];
    struct otp_arg a = {.ctx = ctx, .o = o, .code = code, .out = out};
    struct throttle_arg t;
    lx_rc rc;

    memset(out, 0, sizeof(*out));
    if (!phone_valid(phone)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/phone",
                          "not a mainland mobile number");
    }
    if (code == NULL || strlen(code) != OTP_DIGITS ||
        strspn(code, "0123456789") != OTP_DIGITS) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/code", "six digits");
    }
    rc = phone_ref(ctx, phone, a.ref);
    if (rc != LX_OK) {
        return rc;
    }
    bucket_name("otp-verify", a.ref, sizeof(a.ref), pb);
    bucket_name("src", source != NULL ? source : "",
                source != NULL ? strlen(source) : 0, sb);
    a.phone_bucket = pb;
    a.src_bucket = sb;
    t = (struct throttle_arg){.b1 = pb,
                              .b2 = sb,
                              .lim1 = o->otp_attempts,
                              .lim2 = o->source_failures,
                              .now_ms = ctx->now_ms,
                              .window_ms = o->window_ms};
    rc = throttle_check(ctx, &t, "otp_throttled");
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_store_write(ctx->app->store, otp_check_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    if (!a.ok) {
        memset(out, 0, sizeof(*out));
        return lx_err_set(&ctx->err, LX_EUNAUTH, NULL,
                          "wrong, expired or used code");
    }
    return LX_OK;
}

lx_rc
lx_people_outbox_send(void *arg, const char *phone, const char *code,
                      struct lx_err *err)
{
    const char *path = arg;
    struct lx_buf b = LX_BUF_INIT(256);
    lx_rc rc = LX_OK;
    int fd;

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return lx_err_set(err, LX_EIO, NULL, "cannot open the outbox (%s)",
                          strerror(errno));
    }
    /* Digits only (checked by the caller): no escaping needed. */
    lx_buf_printf(&b, "{\"to\":\"%s\",\"code\":\"%s\"}\n", phone, code);
    if (write(fd, b.p, b.len) != (ssize_t)b.len) {
        rc = lx_err_set(err, LX_EIO, NULL, "cannot write the outbox");
    }
    close(fd);
    lx_crypto_wipe(b.p, b.len);
    lx_buf_release(&b);
    return rc;
}

/* ---- API keys ------------------------------------------------------------ */

static const char *const scope_names[] = {"intake", "telephony", NULL};

static bool
scopes_valid(const char *scopes)
{
    const char *p = scopes;
    size_t n = scopes != NULL ? strlen(scopes) : 0;

    if (n == 0 || n > LX_PEOPLE_SCOPES_MAX) {
        return false;
    }
    while (*p != '\0') {
        size_t w = strcspn(p, " ");
        bool known = false;
        for (size_t i = 0; scope_names[i] != NULL; i++) {
            if (strlen(scope_names[i]) == w &&
                memcmp(scope_names[i], p, w) == 0) {
                known = true;
            }
        }
        if (!known) {
            return false;
        }
        p += w;
        if (*p == ' ') {
            p++;
            if (*p == '\0' || *p == ' ') {
                return false;
            }
        }
    }
    return true;
}

struct key_arg {
    struct lx_ctx *ctx;
    const char *name;
    const char *scopes;
    const char *scope;
    unsigned char h[LX_CRYPTO_SHA256_BYTES];
    int64_t id;
    bool has;
};

static lx_rc
key_create_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct key_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO api_keys (name, key_hash, scopes,"
                          " created_by, created_ms) VALUES (:n, :h, :sc, :by,"
                          " :now) RETURNING id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":n", a->name, strlen(a->name));
    lx_store_bind_blob(s, ":h", a->h, sizeof(a->h));
    lx_store_bind_text(s, ":sc", a->scopes, strlen(a->scopes));
    lx_store_bind_int(s, ":by", a->ctx->actor.id);
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    a->id = lx_store_col_int(s, 0);
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_KEY,
                                                 .action = "apikey_create",
                                                 .resource_type = "api_key",
                                                 .resource_id = a->id,
                                                 .decision = "done",
                                                 .reason = a->scopes},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_apikey_create(struct lx_ctx *ctx, const char *name,
                        const char *scopes, int64_t *id,
                        char out[LX_PEOPLE_TOKEN_CHARS + 1])
{
    struct key_arg a = {.ctx = ctx, .name = name, .scopes = scopes};
    lx_rc rc = people__need_staff(ctx);

    out[0] = '\0';
    if (rc != LX_OK) {
        return rc;
    }
    if (people__role(ctx) != LX_POLICY_ROLE_PLATFORM_ADMIN) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "only platform_admin creates API keys");
    }
    if (!people__name_ok(name, LX_PEOPLE_NAME_MAX)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/name", "not a valid name");
    }
    if (!scopes_valid(scopes)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/scopes",
                          "space-separated: intake, telephony");
    }
    token_new(APIKEY_PREFIX, out, a.h);
    rc = lx_store_write(ctx->app->store, key_create_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        lx_crypto_wipe(out, LX_PEOPLE_TOKEN_CHARS + 1);
        return rc;
    }
    if (id != NULL) {
        *id = a.id;
    }
    return LX_OK;
}

static lx_rc
key_scope_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct key_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT scopes FROM api_keys WHERE id = :id AND"
                          " revoked_ms IS NULL",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", a->id);
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK && row) {
        size_t len = 0;
        const char *p = lx_store_col_text(s, 0, &len);
        size_t w = strlen(a->scope);
        for (size_t i = 0; i + w <= len;) {
            size_t e = i;
            while (e < len && p[e] != ' ') {
                e++;
            }
            if (e - i == w && memcmp(p + i, a->scope, w) == 0) {
                a->has = true;
            }
            i = e + 1;
        }
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

bool
lx_people_apikey_has_scope(struct lx_ctx *ctx, const char *scope)
{
    struct key_arg a = {.ctx = ctx, .id = ctx->actor.id, .scope = scope};
    struct lx_err err = {0};

    if (ctx->actor.kind != LX_ACTOR_APIKEY || scope == NULL) {
        return false;
    }
    if (lx_store_read(ctx->app->store, key_scope_unit, &a, &err) != LX_OK) {
        return false;
    }
    return a.has;
}
