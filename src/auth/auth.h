/*
 * auth — how people sign in: staff by email and password, users (people
 * seeking advice) by phone number and a one-time code, machine clients by
 * API key; the sessions that follow, throttling, and the password-hashing
 * gate (C8.1 suspension ends sign-in; C5.9 keeps where a session came
 * from). docs/auth.md describes the rules in prose.
 *
 * Who people are — organisations, staff, their status and passwords — is
 * people/'s (people/people.h); auth/ sits above it and reads those rows to
 * decide whether a sign-in or a token still stands. The one write in the
 * other direction: people/ revokes a member's sessions itself, in the same
 * transaction, when it disables or deletes the member, changes the
 * password, or a firm reaches cooperation_suspended (the tables sessions,
 * auth_throttle, otp_codes and api_keys are otherwise auth/'s). On top,
 * lx_auth_authenticate re-checks account and firm status on every request.
 *
 * A service: each public function runs its own units of work
 * (lx_store_read / lx_store_write). Every sign-in, failed sign-in,
 * sign-out, code request and key creation is appended to the audit log
 * (kinds auth and key) in the same transaction as its effect; throttled
 * attempts are logged but not audited, so a flood cannot grow the log.
 *
 * Secrets are never stored: passwords as argon2id strings (people/),
 * session tokens and API keys as SHA-256 of 256 random bits, one-time
 * codes as SHA-256 of a per-code salt and the code, phone numbers as a
 * keyed BLAKE2b reference (master key). Errors name fields, never their
 * content.
 *
 * Thread-safety: every function may be called from any thread; the gate
 * (struct lx_auth_gate) is shared and internally locked.
 */
#ifndef LX_AUTH_H
#define LX_AUTH_H

#include "base/ctx.h"
#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- The gate and the options ---------------------------------------------
 */

/*
 * The password-hashing gate: at most 'slots' argon2id hashes at once (one
 * per core), at most 'queue' callers waiting; beyond that a sign-in fails
 * at once with LX_ETOOMANY (429), so a flood of sign-ins never starves the
 * other endpoints. Create one per process.
 */
struct lx_auth_gate;
/* slots < 1: the number of online CPUs; queue < 0: 4 x slots. */
struct lx_auth_gate *lx_auth_gate_new(int slots, int queue);
void lx_auth_gate_free(struct lx_auth_gate *g); /* NULL ok */

/* Session lifetimes and throttles (defaults in docs/auth.md). */
struct lx_auth_opts {
    int64_t idle_ms;          /* a session unused this long dies */
    int64_t absolute_ms;      /* a session dies this long after sign-in */
    int64_t window_ms;        /* throttle window */
    int64_t account_failures; /* per account per window */
    int64_t source_failures;  /* per source address per window */
    int64_t otp_ttl_ms;       /* a one-time code's life */
    int64_t otp_sends;        /* codes per phone per window */
    int64_t otp_attempts;     /* wrong codes before a code dies */
};
/* Fill 'o' with the defaults. */
void lx_auth_opts_default(struct lx_auth_opts *o);

/* ---- Sign-in and sessions -------------------------------------------------
 */

#define LX_AUTH_TOKEN_CHARS 68 /* "lxs_" + 64 hex digits */

/* What a successful sign-in hands out: the token (shown once), its
 * session and the actor it stands for. */
struct lx_auth_signin {
    char token[LX_AUTH_TOKEN_CHARS + 1];
    int64_t session_id;
    int64_t expires_ms; /* absolute expiry */
    struct lx_actor actor;
};

/*
 * Staff sign-in by email and password from source address 'source'
 * (text, used only hashed for throttling). Throttled per account and per
 * source before any hashing (LX_ETOOMANY). A wrong email or password is
 * LX_EUNAUTH with the same detail and about the same time either way.
 * Success creates a fresh session (rotation: the token presented before,
 * 'old_token', may be NULL, is revoked) and audits the sign-in; failures
 * are audited too. 'g' may be NULL: verify without bounding (tests).
 */
lx_rc lx_auth_signin_password(struct lx_ctx *ctx, struct lx_auth_gate *g,
                              const struct lx_auth_opts *o, const char *email,
                              const char *password, const char *source,
                              const char *old_token,
                              struct lx_auth_signin *out);

/*
 * Resolve a bearer token (session "lxs_…" or API key "lxk_…") into
 * ctx->actor, checking on every request: session not revoked, idle and
 * absolute timeouts, staff member active and not deleted, firm not
 * cooperation-suspended, terminating or terminated, user active. Slides
 * the idle timeout. LX_EUNAUTH when the token does not stand; ctx->actor
 * stays anonymous then.
 */
lx_rc lx_auth_authenticate(struct lx_ctx *ctx, const struct lx_auth_opts *o,
                           const char *token);
/* Revoke the session of 'token' (sign-out). Unknown tokens are fine. */
lx_rc lx_auth_signout(struct lx_ctx *ctx, const char *token);

/* ---- One-time codes for users ---------------------------------------------
 */

/* Pluggable one-time-code sender (SMS gateway, or the demo outbox). It
 * gets the phone number and the code; it must not log either. */
struct lx_auth_sender {
    lx_rc (*send)(void *arg, const char *phone, const char *code,
                  struct lx_err *err);
    void *arg;
};
/* The demo and test sender: appends {"to":…,"code":…} lines to the file
 * 'arg' points to (a path), created 0600. LX_EIO when it cannot. */
lx_rc lx_auth_outbox_send(void *arg, const char *phone, const char *code,
                          struct lx_err *err);

/*
 * Send a 6-digit code to a mainland mobile number (11 digits, 1[3-9]…).
 * Throttled per phone and per source (LX_ETOOMANY). The phone is kept only
 * as a keyed hash (needs ctx->app->keys). The code is stored hashed; it
 * lives otp_ttl_ms and is single-use.
 */
lx_rc lx_auth_otp_request(struct lx_ctx *ctx, const struct lx_auth_opts *o,
                          const struct lx_auth_sender *sender,
                          const char *phone, const char *source);
/* Check a code; on success the user account (created on first sign-in)
 * gets a fresh session. Wrong, expired or used codes are LX_EUNAUTH. */
lx_rc lx_auth_otp_verify(struct lx_ctx *ctx, const struct lx_auth_opts *o,
                         const char *phone, const char *code,
                         const char *source, struct lx_auth_signin *out);

/* ---- API keys -------------------------------------------------------------
 */

/* Create an API key named 'name' with space-separated scopes (intake,
 * telephony; platform_admin only). 'out' gets the secret "lxk_…" once;
 * only its hash is stored. */
#define LX_AUTH_SCOPES_MAX 256
lx_rc lx_auth_apikey_create(struct lx_ctx *ctx, const char *name,
                            const char *scopes, int64_t *id,
                            char out[LX_AUTH_TOKEN_CHARS + 1]);
/* Whether the authenticated API key of ctx holds 'scope' (false for any
 * other actor, and on a store error). */
bool lx_auth_apikey_has_scope(struct lx_ctx *ctx, const char *scope);

#endif /* LX_AUTH_H */
