/*
 * query — typed query-string arguments for the GET handlers. Values are
 * never logged and never echoed: errors name the argument only.
 */
#include "base/time.h"
#include "http/http_int.h"

#include <stdlib.h>
#include <string.h>

lx_rc
http__query_int(struct lx_http_req *req, const char *name, const char *ptr,
                int64_t min, int64_t max, int64_t *out)
{
    const char *v = http__query(req, name);
    char *end = NULL;
    long long x;

    if (v == NULL) {
        return LX_OK;
    }
    x = strtoll(v, &end, 10);
    if (v[0] == '\0' || *end != '\0' || x < min || x > max) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr,
                          "%s must be an integer from %lld to %lld", name,
                          (long long)min, (long long)max);
    }
    *out = x;
    return LX_OK;
}

lx_rc
http__query_time(struct lx_http_req *req, const char *name, const char *ptr,
                 int64_t *out)
{
    const char *v = http__query(req, name);

    if (v == NULL) {
        return LX_OK;
    }
    if (lx_time_parse_iso(v, strlen(v), out, NULL, &req->ctx.err) != LX_OK) {
        req->ctx.err.field = ptr;
        return LX_EINVAL;
    }
    return LX_OK;
}
