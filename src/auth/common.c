/*
 * common — what every way of signing in shares: the options, tokens,
 * throttle buckets and the audit seam.
 *
 * Secrets are never stored: session tokens and API keys as SHA-256 of 256
 * random bits (a token is high-entropy, so a fast hash suffices), throttle
 * buckets as SHA-256 of the account, phone reference or source address.
 *
 * Throttling is checked with a read before any hashing, so an attacker's
 * flood costs one read per request, and only real attempts reach argon2id
 * (through the gate, signin.c).
 */
#include "auth/auth_int.h"
#include "base/log.h"
#include "base/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- Options --------------------------------------------------------------*/

void
lx_auth_opts_default(struct lx_auth_opts *o)
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

/* ---- The audit seam ------------------------------------------------------ */

lx_rc
auth__audit_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
               const struct auth_event *ev, struct lx_err *err)
{
    char rid[24] = "";

    if (ev->resource_id != 0) {
        snprintf(rid, sizeof(rid), "%" PRId64, ev->resource_id);
    }
    return lx_audit_append_tx(tx,
                              &(struct lx_audit_entry){
                                  .time_ms = ctx->now_ms,
                                  .kind = ev->kind,
                                  .actor_kind = (int)ctx->actor.kind,
                                  .actor_id = ctx->actor.id,
                                  .actor_firm = ctx->actor.firm_id,
                                  .actor_role = ctx->actor.role,
                                  .action = ev->action,
                                  .resource_type = ev->resource_type,
                                  .resource_id = rid,
                                  .decision = ev->decision,
                                  .reason = ev->reason,
                                  .request_id = ctx->req_id,
                              },
                              err);
}

lx_rc
auth__exec1(struct lx_store_stmt *s, struct lx_err *err)
{
    bool row = false;

    return lx_store_step(s, &row, err);
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
bool
auth__token_hash(const char *token, const char *prefix,
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
void
auth__token_new(const char *prefix, char out[LX_AUTH_TOKEN_CHARS + 1],
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
void
auth__bucket_name(const char *kind, const void *v, size_t n, char out[65])
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

lx_rc
auth__bucket_add_tx(struct lx_store_tx *tx, const char *bucket, int64_t now_ms,
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
        rc = auth__exec1(s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
auth__bucket_clear_tx(struct lx_store_tx *tx, const char *bucket,
                      struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = lx_store_prepare(tx, "DELETE FROM auth_throttle WHERE bucket = :b", &s,
                          err);
    if (rc == LX_OK) {
        lx_store_bind_text(s, ":b", bucket, 64);
        rc = auth__exec1(s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

/* Two buckets checked at once (account or phone, and source). */
struct auth_throttle {
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
    struct auth_throttle *a = arg;
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

lx_rc
auth__throttle_attempt(struct lx_ctx *ctx, const struct lx_auth_opts *o,
                       const char *kind, const void *v, size_t n,
                       int64_t lim1, const char *src_kind, const char *source,
                       char b1[65], char b2[65], const char *event)
{
    struct auth_throttle t = {.b1 = b1,
                              .b2 = b2,
                              .lim1 = lim1,
                              .lim2 = o->source_failures,
                              .now_ms = ctx->now_ms,
                              .window_ms = o->window_ms};
    lx_rc rc;

    auth__bucket_name(kind, v, n, b1);
    auth__bucket_name(src_kind, source != NULL ? source : "",
                      source != NULL ? strlen(source) : 0, b2);
    rc = lx_store_read(ctx->app->store, throttle_unit, &t, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    if (t.blocked) {
        struct lx_log_line l;
        lx_log_begin(&l, &ctx->app->log, LX_LOG_WARN, event, ctx->req_id,
                     ctx->now_ms);
        lx_log_int(&l, "retry_after_ms", t.retry_ms);
        lx_log_end(&l);
        return lx_err_set(&ctx->err, LX_ETOOMANY, NULL,
                          "too many attempts, retry in %lld s",
                          (long long)(t.retry_ms / 1000 + 1));
    }
    return LX_OK;
}
