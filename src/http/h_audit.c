/*
 * h_audit — GET /v1/audit/checkpoint: the newest signed checkpoint of the
 * audit log as its C2SP note (text/plain), so each partner firm can keep
 * its own copy and later run `lexgate audit verify --checkpoint` against
 * the platform's log (C4.3): neither party can then rewrite the log
 * unnoticed. Any signed-in actor may fetch it; it holds a tree size and a
 * root hash, nothing else.
 */
#include "audit/audit.h"
#include "http/http_int.h"
#include "store/store.h"

static lx_rc
latest_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_audit_checkpoint_latest_tx(tx, arg, err);
}

lx_rc
http__h_audit_checkpoint(struct lx_http_req *req, struct lx_http_res *res)
{
    lx_rc rc = http__people_need_actor(req);

    if (rc != LX_OK) {
        return rc;
    }
    lx_buf_init(&res->buf, LX_AUDIT_NOTE_MAX);
    rc = lx_store_read(req->ctx.app->store, latest_unit, &res->buf,
                       &req->ctx.err);
    if (rc == LX_ENOTFOUND) {
        return lx_err_set(&req->ctx.err, LX_ENOTFOUND, NULL,
                          "no checkpoint signed yet");
    }
    if (rc != LX_OK) {
        return rc;
    }
    res->status = 200;
    res->content_type = "text/plain; charset=utf-8";
    return LX_OK;
}
