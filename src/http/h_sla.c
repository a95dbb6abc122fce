/*
 * h_sla — the SLA board over HTTP (C5.1, C6.1, C6.2): open deadlines by
 * firm and kind, soonest first; per-firm response figures; breaches per
 * period. Platform staff see every firm, a firm admin its own
 * (lx_sla_board_scope); query arguments are never logged.
 */
#include "base/time.h"
#include "http/http_int.h"
#include "sla/sla.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct out {
    struct lx_buf *b;
    size_t n;
    int64_t firm_only; /* 0: every firm */
};

static lx_rc
scope(struct lx_http_req *req, int64_t *firm_only)
{
    lx_rc rc = lx_sla_board_scope(&req->ctx, firm_only);

    if (rc == LX_EUNAUTH) {
        return lx_err_set(&req->ctx.err, LX_EUNAUTH, NULL, NULL);
    }
    if (rc != LX_OK) {
        return lx_err_set(&req->ctx.err, LX_EDENIED, NULL,
                          "the SLA board is for platform staff and firm admins");
    }
    return LX_OK;
}

static lx_rc
kind_arg(struct lx_http_req *req, bool required, enum lx_sla_kind *out)
{
    const char *v = http__query(req, "kind");

    *out = LX_SLA_KIND_NONE;
    if (v == NULL && !required) {
        return LX_OK;
    }
    if (v == NULL || (*out = lx_sla_kind_parse(v)) == LX_SLA_KIND_NONE) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, "/kind",
                          "kind must be one of the SLA kinds");
    }
    return LX_OK;
}

static void
time_field(struct lx_buf *b, const char *key, int64_t ms)
{
    char t[40];

    if (ms == 0) {
        lx_buf_printf(b, ",\"%s\":null", key);
        return;
    }
    lx_time_format_cn(ms, t, sizeof(t));
    lx_buf_printf(b, ",\"%s\":\"%s\"", key, t);
}

static lx_rc
render_timer(const struct lx_sla_timer *t, void *arg)
{
    struct out *o = arg;

    lx_buf_printf(o->b,
                  "%s{\"id\":%lld,\"kind\":\"%s\",\"clause\":\"%s\","
                  "\"object_id\":%lld,\"firm_id\":%lld,\"state\":\"%s\","
                  "\"late\":%s",
                  o->n++ ? "," : "", (long long)t->id,
                  lx_sla_kind_name(t->kind), lx_sla_kind_clause(t->kind),
                  (long long)t->object_id, (long long)t->firm_id,
                  lx_sla_state_name(t->state), t->late ? "true" : "false");
    time_field(o->b, "start", t->start_ms);
    time_field(o->b, "due", t->due_ms);
    time_field(o->b, "done", t->done_ms);
    time_field(o->b, "fired", t->fired_ms);
    return lx_buf_append_str(o->b, "}");
}

lx_rc
http__h_sla_deadlines(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_sla_filter f = {.limit = 100};
    int64_t firm_only = 0, firm = 0, limit = 100, open = 0;
    struct out o;
    lx_rc rc = scope(req, &firm_only);

    if (rc == LX_OK) {
        rc = http__query_int(req, "firm", "/firm", 1, INT64_MAX - 1, &firm);
    }
    if (rc == LX_OK) {
        rc = http__query_int(req, "limit", "/limit", 1, 1000, &limit);
    }
    if (rc == LX_OK) {
        rc = http__query_int(req, "open", "/open", 0, 1, &open);
    }
    if (rc == LX_OK) {
        rc = kind_arg(req, false, &f.kind);
    }
    if (rc != LX_OK) {
        return rc;
    }
    f.open_only = open == 1;
    f.firm_id = firm_only != 0 ? firm_only : firm;
    f.limit = (int)limit;
    lx_buf_init(&res->buf, 1024u * 1024u);
    o = (struct out){&res->buf, 0, firm_only};
    lx_buf_append_str(&res->buf, "{\"deadlines\":[");
    rc = lx_sla_list(req->ctx.app->store, &f, render_timer, &o,
                     &req->ctx.err);
    if (rc != LX_OK) {
        lx_buf_release(&res->buf);
        return rc;
    }
    lx_buf_append_str(&res->buf, "]}");
    res->status = 200;
    return LX_OK;
}

static lx_rc
render_figures(const struct lx_sla_figures *f, void *arg)
{
    struct out *o = arg;

    if (o->firm_only != 0 && f->firm_id != o->firm_only) {
        return LX_OK;
    }
    return lx_buf_printf(
        o->b,
        "%s{\"firm_id\":%lld,\"total\":%lld,\"met\":%lld,\"breached\":%lld,"
        "\"open\":%lld,\"answered\":%lld,\"mean_ms\":%lld,\"max_ms\":%lld}",
        o->n++ ? "," : "", (long long)f->firm_id, (long long)f->total,
        (long long)f->met, (long long)f->breached, (long long)f->open,
        (long long)f->answered, (long long)f->mean_ms, (long long)f->max_ms);
}

lx_rc
http__h_sla_figures(struct lx_http_req *req, struct lx_http_res *res)
{
    enum lx_sla_kind kind;
    int64_t firm_only = 0, from = 0, to = INT64_MAX;
    struct out o;
    lx_rc rc = scope(req, &firm_only);

    if (rc == LX_OK) {
        rc = kind_arg(req, true, &kind);
    }
    if (rc == LX_OK) {
        rc = http__query_time(req, "since", "/since", &from);
    }
    if (rc == LX_OK) {
        rc = http__query_time(req, "until", "/until", &to);
    }
    if (rc != LX_OK) {
        return rc;
    }
    lx_buf_init(&res->buf, 1024u * 1024u);
    o = (struct out){&res->buf, 0, firm_only};
    lx_buf_printf(&res->buf, "{\"kind\":\"%s\",\"figures\":[",
                  lx_sla_kind_name(kind));
    rc = lx_sla_figures(req->ctx.app->store, kind, from, to, render_figures,
                        &o, &req->ctx.err);
    if (rc != LX_OK) {
        lx_buf_release(&res->buf);
        return rc;
    }
    lx_buf_append_str(&res->buf, "]}");
    res->status = 200;
    return LX_OK;
}

static lx_rc
render_count(int64_t firm_id, const char *clause, int64_t count, void *arg)
{
    struct out *o = arg;

    if (o->firm_only != 0 && firm_id != o->firm_only) {
        return LX_OK;
    }
    lx_buf_printf(o->b, "%s{\"firm_id\":%lld", o->n++ ? "," : "",
                  (long long)firm_id);
    http__people_str(o->b, "clause", clause);
    return lx_buf_printf(o->b, ",\"count\":%lld}", (long long)count);
}

lx_rc
http__h_sla_breaches(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t firm_only = 0, from = 0, to = INT64_MAX;
    struct out o;
    lx_rc rc = scope(req, &firm_only);

    if (rc == LX_OK) {
        rc = http__query_time(req, "since", "/since", &from);
    }
    if (rc == LX_OK) {
        rc = http__query_time(req, "until", "/until", &to);
    }
    if (rc != LX_OK) {
        return rc;
    }
    lx_buf_init(&res->buf, 1024u * 1024u);
    o = (struct out){&res->buf, 0, firm_only};
    lx_buf_append_str(&res->buf, "{\"breaches\":[");
    rc = lx_sla_breach_counts(req->ctx.app->store, from, to, render_count, &o,
                              &req->ctx.err);
    if (rc != LX_OK) {
        lx_buf_release(&res->buf);
        return rc;
    }
    lx_buf_append_str(&res->buf, "]}");
    res->status = 200;
    return LX_OK;
}
