/*
 * ctx — the process (struct lx_app) and the request (struct lx_ctx).
 *
 * No hidden globals (STYLE.md §3.4): process state lives in struct lx_app,
 * created by cli/ (one per process), and request state in struct lx_ctx,
 * one per HTTP request or CLI command. Both are passed explicitly. Engines
 * never see either: they take plain arguments and a clock value.
 *
 * The lower modules only forward-declare what lx_app points to, so base/
 * stays at the bottom of the layer order.
 */
#ifndef LX_BASE_CTX_H
#define LX_BASE_CTX_H

#include "base/arena.h"
#include "base/err.h"
#include "base/log.h"

#include <stdint.h>

struct lx_conf;
struct lx_store;
struct lx_crypto_keys;

struct lx_app {
    struct lx_conf *conf;   /* effective configuration */
    struct lx_store *store; /* NULL for commands that need no database */
    struct lx_crypto_keys *keys; /* master and signing keys, or NULL */
    struct lx_log log;      /* the log sink */
};

/* Who is acting. Filled by http/ from the session, by cli/ as "system". */
enum lx_actor_kind {
    LX_ACTOR_NONE = 0, /* anonymous: the safe default */
    LX_ACTOR_SYSTEM,   /* lexgate itself: timers, migrations, CLI */
    LX_ACTOR_STAFF,
    LX_ACTOR_USER,
    LX_ACTOR_APIKEY,
};

struct lx_actor {
    enum lx_actor_kind kind;
    int64_t id;      /* staff, user or key id; 0 when none */
    int64_t firm_id; /* the staff member's organisation; 0 when none */
    char role[32];   /* role name, "" when none */
};

struct lx_ctx {
    struct lx_app *app;
    struct lx_arena arena; /* freed when the request ends */
    char req_id[64];       /* X-Request-Id, echoed back */
    struct lx_actor actor;
    int64_t now_ms; /* the request's clock, read once at its start */
    struct lx_err err;
};

/* Ready a context for one request or command; 'now_ms' is its clock. */
void lx_ctx_init(struct lx_ctx *ctx, struct lx_app *app, int64_t now_ms);
/* Release the arena (runs its hooks). */
void lx_ctx_release(struct lx_ctx *ctx);

#endif /* LX_BASE_CTX_H */
