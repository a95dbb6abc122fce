/*
 * auth_int — what the files of src/auth/ share: tokens, throttle buckets,
 * the audit seam and session creation. Only src/auth/ files include it.
 */
#ifndef LX_AUTH_INT_H
#define LX_AUTH_INT_H

#include "auth/auth.h"
#include "audit/audit.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOKEN_BYTES 32        /* random bits of a session token or key */
#define SESSION_PREFIX "lxs_" /* a session token */
#define APIKEY_PREFIX "lxk_"  /* an API key */

/* One audit record of a sign-in event. Borrowed strings. */
struct auth_event {
    enum lx_audit_kind kind;   /* LX_AUDIT_AUTH or LX_AUDIT_KEY */
    const char *action;        /* "signin", "signout", "otp_request", … */
    const char *resource_type; /* "session", "staff", "user", "api_key" */
    int64_t resource_id;       /* 0: none */
    const char *decision;      /* "done", "allow", "deny" */
    const char *reason;
};

/* The one place auth/ appends to the audit log, in 'tx', as ctx's
 * actor at ctx->now_ms. */
lx_rc auth__audit_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                     const struct auth_event *ev, struct lx_err *err);
/* Step a prepared statement once (a write without result rows). */
lx_rc auth__exec1(struct lx_store_stmt *s, struct lx_err *err);

/* Parse "<prefix><64 hex>" into the token's SHA-256; false when 'token'
 * is NULL or not of that form. */
bool auth__token_hash(const char *token, const char *prefix,
                      unsigned char out[LX_CRYPTO_SHA256_BYTES]);
/* A fresh token "<prefix><64 hex>" in 'out' and its SHA-256. */
void auth__token_new(const char *prefix, char out[LX_AUTH_TOKEN_CHARS + 1],
                     unsigned char hash[LX_CRYPTO_SHA256_BYTES]);

/* Throttle bucket name: hex SHA-256 of "<kind>:<value>". */
void auth__bucket_name(const char *kind, const void *v, size_t n, char out[65]);
/* Count one failure in 'bucket' (a new window when the last one ended). */
lx_rc auth__bucket_add_tx(struct lx_store_tx *tx, const char *bucket,
                          int64_t now_ms, int64_t window_ms,
                          struct lx_err *err);
/* Forget 'bucket' (after a success). */
lx_rc auth__bucket_clear_tx(struct lx_store_tx *tx, const char *bucket,
                            struct lx_err *err);

/*
 * An attempt's two throttle buckets: what is tried ('kind' over v[0..n):
 * an account, a phone reference) and where it comes from ('src_kind' over
 * 'source', NULL when unknown). Names them into b1 and b2 (the caller
 * counts failures in them later) and checks them in one read against
 * 'lim1' and o->source_failures in o->window_ms: LX_ETOOMANY (logged as
 * 'event', not audited) when either has reached its limit.
 */
lx_rc auth__throttle_attempt(struct lx_ctx *ctx, const struct lx_auth_opts *o,
                             const char *kind, const void *v, size_t n,
                             int64_t lim1, const char *src_kind,
                             const char *source, char b1[65], char b2[65],
                             const char *event);

/* Insert a fresh session for staff member (staff) or user 'who': token,
 * id and absolute expiry into 'out'. */
lx_rc auth__session_insert_tx(struct lx_store_tx *tx, bool staff, int64_t who,
                              int64_t now_ms, const struct lx_auth_opts *o,
                              struct lx_auth_signin *out, struct lx_err *err);

#endif /* LX_AUTH_INT_H */
