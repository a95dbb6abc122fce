/*
 * h_audit — the audit log over HTTP (C4.3).
 *
 * GET /v1/audit/checkpoint: the newest signed checkpoint as its C2SP note
 * (text/plain), so each partner firm can keep its own copy and later run
 * `lexgate audit verify --checkpoint` against the platform's log: neither
 * party can then rewrite the log unnoticed. Any signed-in actor may fetch
 * it; it holds a tree size and a root hash, nothing else.
 *
 * GET /v1/audit/entries: filtered, paginated entries for whoever the
 * people service lets read them (lx_people_audit_query decides and audits
 * the read itself). Entries hold pseudonyms and codes, never personal
 * data.
 */
#include "audit/audit.h"
#include "base/time.h"
#include "http/http_int.h"
#include "people/people.h"
#include "policy/policy.h"
#include "store/store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- GET /v1/audit/entries ------------------------------------------------ */

struct render {
    struct lx_buf *b;
    size_t n;
};

static void
hex(struct lx_buf *b, const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";

    lx_buf_append(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        char two[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
        lx_buf_append(b, two, 2);
    }
    lx_buf_append(b, "\"", 1);
}

static lx_rc
render_entry(void *arg, const struct lx_audit_entry *e)
{
    struct render *r = arg;
    struct lx_buf *b = r->b;
    char ts[40];

    lx_time_format_cn(e->time_ms, ts, sizeof(ts));
    lx_buf_printf(b, "%s{\"seq\":%llu,\"time\":\"%s\",\"kind\":\"%s\"",
                  r->n++ ? "," : "", (unsigned long long)e->seq, ts,
                  lx_audit_kind_name(e->kind));
    lx_buf_printf(b, ",\"actor\":{\"kind\":%d,\"id\":%lld,\"firm\":%lld",
                  e->actor_kind, (long long)e->actor_id,
                  (long long)e->actor_firm);
    /* http__people_str writes ,"key":"value" (JSON-escaped) */
    http__people_str(b, "role", e->actor_role);
    lx_buf_append_str(b, "}");
    http__people_str(b, "action", e->action);
    http__people_str(b, "resource_type", e->resource_type);
    http__people_str(b, "resource_id", e->resource_id);
    lx_buf_append_str(b, ",\"subject\":");
    hex(b, e->subject, e->subject_len);
    http__people_str(b, "field", e->field);
    http__people_str(b, "purpose", e->purpose);
    http__people_str(b, "decision", e->decision);
    http__people_str(b, "reason", e->reason);
    http__people_str(b, "clause", e->clause);
    http__people_str(b, "request_id", e->request_id);
    return lx_buf_append_str(b, "}");
}

lx_rc
http__h_audit_entries(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_audit_query q = {.limit = 100};
    enum lx_policy_purpose purpose = LX_POLICY_PURPOSE_NONE;
    const char *v;
    struct render r;
    int64_t limit = 100, after = 0;
    uint64_t next = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc != LX_OK) {
        return rc;
    }
    v = http__query(req, "purpose");
    if (v == NULL || !lx_policy_purpose_parse(v, &purpose)) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, "/purpose",
                          "purpose is required: one of the five of C2.1");
    }
    if ((rc = http__query_int(req, "firm", "/firm", 1, INT64_MAX - 1, &q.firm)) !=
            LX_OK ||
        (rc = http__query_int(req, "actor", "/actor", 1, INT64_MAX - 1,
                      &q.actor_id)) != LX_OK ||
        (rc = http__query_int(req, "after", "/after", 0, INT64_MAX - 1, &after)) !=
            LX_OK ||
        (rc = http__query_int(req, "limit", "/limit", 1, LX_AUDIT_QUERY_MAX_LIMIT,
                      &limit)) != LX_OK ||
        (rc = http__query_time(req, "since", "/since", &q.from_ms)) != LX_OK ||
        (rc = http__query_time(req, "until", "/until", &q.to_ms)) != LX_OK) {
        return rc;
    }
    v = http__query(req, "kind");
    if (v != NULL) {
        q.kind = lx_audit_kind_parse(v, strlen(v));
        if (q.kind == LX_AUDIT_KIND_NONE) {
            return lx_err_set(&req->ctx.err, LX_EINVAL, "/kind",
                              "unknown audit kind");
        }
    }
    q.action = http__query(req, "action");
    q.clause = http__query(req, "clause");
    q.after_seq = (uint64_t)after;
    q.limit = (int)limit;

    lx_buf_init(&res->buf, 4u * 1024u * 1024u);
    r.b = &res->buf;
    r.n = 0;
    lx_buf_append_str(&res->buf, "{\"entries\":[");
    rc = lx_people_audit_query(&req->ctx, purpose, &q, render_entry, &r,
                               &next);
    if (rc != LX_OK) {
        lx_buf_release(&res->buf);
        return rc;
    }
    if (next != 0) {
        lx_buf_printf(&res->buf, "],\"next_after\":%llu}",
                      (unsigned long long)next);
    } else {
        lx_buf_append_str(&res->buf, "],\"next_after\":null}");
    }
    res->status = 200;
    return LX_OK;
}
