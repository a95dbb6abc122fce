/*
 * otp — users (people seeking advice) sign in by phone number and a
 * one-time code; the demo and test outbox that stands in for an SMS
 * gateway.
 *
 * The number is kept only as a keyed BLAKE2b reference (master key); the
 * account is created at the first sign-in. Codes are uniform 6-digit
 * numbers stored as SHA-256 of a per-code salt and the code, short-lived
 * and single-use, throttled per phone and per source.
 */
#include "auth/auth_int.h"
#include "base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

/* The phone's keyed reference (app_users.phone_ref, otp_codes.phone_ref).
 * The domain string predates auth/ and must not change: stored references
 * depend on it. */
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
    const struct lx_auth_opts *o;
    unsigned char ref[LX_CRYPTO_KEYED_HASH_BYTES];
    const char *code;
    const char *phone_bucket;
    const char *src_bucket;
    bool ok;
    int64_t user_id;
    struct lx_auth_signin *out;
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
    rc = auth__exec1(s, err);
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
    rc = auth__exec1(s, err);
    if (rc != LX_OK) {
        goto out;
    }
    /* Sends count against the phone's and the source's windows. */
    rc = auth__bucket_add_tx(tx, a->phone_bucket, a->ctx->now_ms,
                             a->o->window_ms, err);
    if (rc == LX_OK) {
        rc = auth__bucket_add_tx(tx, a->src_bucket, a->ctx->now_ms,
                                 a->o->window_ms, err);
    }
    if (rc != LX_OK) {
        goto out;
    }
    rc = auth__audit_tx(tx, a->ctx,
                        &(struct auth_event){.kind = LX_AUDIT_AUTH,
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
lx_auth_otp_request(struct lx_ctx *ctx, const struct lx_auth_opts *o,
                    const struct lx_auth_sender *sender, const char *phone,
                    const char *source)
{
    char code[OTP_DIGITS + 1];
    char pb[65];
    char sb[65];
    struct otp_arg a = {.ctx = ctx, .o = o, .code = code};
    lx_rc rc;

    if (!phone_valid(phone)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/phone",
                          "not a mainland mobile number");
    }
    rc = phone_ref(ctx, phone, a.ref);
    if (rc != LX_OK) {
        return rc;
    }
    a.phone_bucket = pb;
    a.src_bucket = sb;
    rc = auth__throttle_attempt(ctx, o, "otp-send", a.ref, sizeof(a.ref),
                                o->otp_sends, "otp-src", source, pb, sb,
                                "otp_throttled");
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
            rc = auth__exec1(s, err);
            if (rc != LX_OK) {
                goto out;
            }
        }
        rc =
            auth__bucket_add_tx(tx, a->phone_bucket, now, a->o->window_ms, err);
        if (rc == LX_OK) {
            rc = auth__bucket_add_tx(tx, a->src_bucket, now, a->o->window_ms,
                                     err);
        }
        if (rc == LX_OK) {
            rc = auth__audit_tx(tx, a->ctx,
                                &(struct auth_event){.kind = LX_AUDIT_AUTH,
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
    rc = auth__exec1(s, err);
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
    rc = auth__exec1(s, err);
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
    rc = auth__bucket_clear_tx(tx, a->phone_bucket, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = auth__session_insert_tx(tx, false, a->user_id, now, a->o, a->out, err);
    if (rc != LX_OK) {
        goto out;
    }
    a->out->actor.kind = LX_ACTOR_USER;
    a->out->actor.id = a->user_id;
    snprintf(a->out->actor.role, sizeof(a->out->actor.role), "user");
    {
        struct lx_ctx c = *a->ctx;
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
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_auth_otp_verify(struct lx_ctx *ctx, const struct lx_auth_opts *o,
                   const char *phone, const char *code, const char *source,
                   struct lx_auth_signin *out)
{
    char pb[65];
    char sb[65];
    struct otp_arg a = {.ctx = ctx, .o = o, .code = code, .out = out};
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
    a.phone_bucket = pb;
    a.src_bucket = sb;
    rc = auth__throttle_attempt(ctx, o, "otp-verify", a.ref, sizeof(a.ref),
                                o->otp_attempts, "src", source, pb, sb,
                                "otp_throttled");
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
lx_auth_outbox_send(void *arg, const char *phone, const char *code,
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
