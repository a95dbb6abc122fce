/*
 * h_health — liveness and readiness.
 *
 * /healthz answers 200 as long as the process serves requests: it touches
 * nothing else, so an orchestrator restarts only a wedged process.
 * /readyz also pings the store (lx_store_ping): 503 store-unavailable when
 * the database cannot answer, so a load balancer stops sending traffic.
 */
#include "http/http_int.h"
#include "store/store.h"

static const char ok_body[] = "{\"status\":\"ok\"}";

lx_rc
http__h_healthz(struct lx_http_req *req, struct lx_http_res *res)
{
    (void)req;
    res->body = ok_body;
    res->body_len = sizeof(ok_body) - 1;
    return LX_OK;
}

lx_rc
http__h_readyz(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_store *st = req->ctx.app->store;
    lx_rc rc;

    if (st == NULL) {
        return lx_err_set(&req->ctx.err, LX_ESTORE, NULL, "no store open");
    }
    rc = lx_store_ping(st, &req->ctx.err);
    if (rc != LX_OK) {
        /* Whatever the cause, readiness fails as "store unavailable". */
        return lx_err_set(&req->ctx.err, LX_ESTORE, NULL,
                          "store did not answer");
    }
    res->body = ok_body;
    res->body_len = sizeof(ok_body) - 1;
    return LX_OK;
}
