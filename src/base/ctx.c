/* ctx — request context life cycle. */
#include "base/ctx.h"

#include <string.h>

void
lx_ctx_init(struct lx_ctx *ctx, struct lx_app *app, int64_t now_ms)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->app = app;
    ctx->now_ms = now_ms;
    lx_arena_init(&ctx->arena, 0);
}

void
lx_ctx_release(struct lx_ctx *ctx)
{
    lx_arena_release(&ctx->arena);
}
