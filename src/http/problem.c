/*
 * problem — errors as RFC 9457 problem details.
 *
 *   {"type":"urn:lexgate:problem:<slug>","title":<the code's default
 *    detail>,"status":N,"detail":<err detail>,"instance":
 *    "urn:lexgate:request:<request id>"[,"field":<JSON pointer>]
 *    [,"clause":"C5.1"]}
 *
 * Everything comes from base/errors.def and struct lx_err, whose detail is
 * built from constants, ids and field names only, so a problem body never
 * echoes what a client sent. The instance names the request id (also in
 * X-Request-Id and the access log), not the path, which may carry ids.
 */
#include "http/http_int.h"

#include <string.h>

#define PROBLEM_MAX_BYTES 4096

static void
member(struct lx_buf *b, const char *key, const char *value)
{
    lx_buf_append_str(b, ",\"");
    lx_buf_append_str(b, key);
    lx_buf_append_str(b, "\":");
    lx_buf_append_json_str(b, value, strlen(value));
}

void
http__problem(struct lx_http_res *res, const struct lx_err *err,
              const char *req_id)
{
    lx_rc rc = err->rc == LX_OK ? LX_EINTERNAL : err->rc;
    int status = lx_rc_http_status(rc);

    lx_buf_release(&res->buf);
    lx_buf_init(&res->buf, PROBLEM_MAX_BYTES);
    res->body = NULL;
    res->body_len = 0;
    res->status = status;
    res->content_type = "application/problem+json";

    lx_buf_printf(&res->buf, "{\"type\":\"%s%s\"", LX_PROBLEM_TYPE_PREFIX,
                  lx_rc_slug(rc));
    member(&res->buf, "title", lx_rc_default_detail(rc));
    lx_buf_printf(&res->buf, ",\"status\":%d", status);
    member(&res->buf, "detail",
           err->rc == LX_OK ? lx_rc_default_detail(rc) : lx_err_message(err));
    if (req_id != NULL && req_id[0] != '\0') {
        lx_buf_append_str(&res->buf, ",\"instance\":\"urn:lexgate:request:");
        lx_buf_append_str(&res->buf, req_id); /* a checked token */
        lx_buf_append_str(&res->buf, "\"");
    }
    if (err->field != NULL) {
        member(&res->buf, "field", err->field);
    }
    if (err->clause != NULL) {
        member(&res->buf, "clause", err->clause);
    }
    lx_buf_append_str(&res->buf, "}");
}
