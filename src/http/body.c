/*
 * body — JSON request bodies: media type, UTF-8, then base/json's strict
 * parser (depth 32, duplicate keys refused).
 *
 * The UTF-8 check runs before the parser so the answer names the byte
 * offset of the first bad sequence; jansson would also refuse it, but
 * with a line/column pair. Nothing here quotes the body back.
 */
#include "base/json.h"
#include "base/utf8.h"
#include "http/http.h"
#include "http/http_int.h"

#include <jansson.h>
#include <strings.h>

/* Length of the media type: up to ';' or whitespace. */
static size_t
media_len(const char *ct)
{
    size_t n = 0;

    while (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ' && ct[n] != '\t') {
        n++;
    }
    return n;
}

/* After the media type: only "charset=utf-8" (any case, quoted or not) or
 * nothing is accepted. */
static bool
params_ok(const char *p)
{
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t' || *p == ';') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (strncasecmp(p, "charset=", 8) != 0) {
            /* Other parameters are not defined for application/json. */
            return false;
        }
        p += 8;
        if (strncasecmp(p, "utf-8", 5) == 0) {
            p += 5;
        } else if (strncasecmp(p, "\"utf-8\"", 7) == 0) {
            p += 7;
        } else {
            return false;
        }
    }
    return true;
}

lx_rc
lx_http_json_decode(const char *content_type, const char *body, size_t n,
                    size_t max_bytes, struct json_t **out, struct lx_err *err)
{
    struct lx_json_limits lim = LX_JSON_LIMITS_DEFAULT;
    size_t bad = 0;

    *out = NULL;
    if (content_type == NULL) {
        return lx_err_set(err, LX_EMEDIA, NULL,
                          "Content-Type application/json required");
    }
    while (*content_type == ' ' || *content_type == '\t') {
        content_type++;
    }
    if (media_len(content_type) != 16 ||
        strncasecmp(content_type, "application/json", 16) != 0 ||
        !params_ok(content_type + 16)) {
        return lx_err_set(err, LX_EMEDIA, NULL,
                          "Content-Type application/json required");
    }
    if (n > max_bytes) {
        return lx_err_set(err, LX_ETOOBIG, NULL, "body over %zu bytes",
                          max_bytes);
    }
    if (!lx_utf8_valid(body, n, &bad)) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "body is not valid UTF-8 (byte %zu)", bad);
    }
    lim.max_bytes = max_bytes;
    lim.max_depth = 32;
    return lx_json_parse(body, n, &lim, out, err);
}

static void
decref_hook(void *arg)
{
    json_decref(arg);
}

lx_rc
http__body_json(struct lx_http_req *req, struct json_t **out)
{
    lx_rc rc;

    rc = lx_http_json_decode(http__header(req, "Content-Type"),
                             lx_buf_peek(&req->body), req->body.len,
                             req->srv->max_body_bytes, out, &req->ctx.err);
    if (rc == LX_OK) {
        lx_arena_on_release(&req->ctx.arena, decref_hook, *out);
    }
    return rc;
}
