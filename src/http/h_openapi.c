/*
 * h_openapi — GET /v1/openapi.yaml: docs/openapi.yaml as embedded at build
 * time (base/asset.h), so the daemon always describes itself exactly.
 */
#include "base/asset.h"
#include "http/http_int.h"

lx_rc
http__h_openapi(struct lx_http_req *req, struct lx_http_res *res)
{
    const struct lx_asset *a = lx_asset_find("docs/openapi.yaml");

    if (a == NULL) {
        return lx_err_set(&req->ctx.err, LX_ENOTFOUND, NULL,
                          "API description not built in");
    }
    res->content_type = "application/yaml";
    res->body = (const char *)a->data;
    res->body_len = a->len;
    return LX_OK;
}
