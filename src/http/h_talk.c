/*
 * h_talk — conversations over HTTP (talk/; docs/talk.md): messages,
 * opt-out, platform review of flagged messages, a lawyer's verified facts.
 *
 *   POST /v1/leads/{id}/messages        staff: screened send (C5.2-C5.9);
 *                                       the lead's user: their message
 *   GET  /v1/leads/{id}/messages        the conversation as the reader
 *                                       may see it
 *   POST /v1/leads/{id}/optout          the user's "stop contacting me"
 *   GET  /v1/reviews/messages           messages awaiting platform review
 *   POST /v1/reviews/messages/{id}      confirm or dismiss a flagged one
 *   PUT  /v1/staff/{id}/verified-facts  what the platform verified (C5.4)
 *
 * The handlers parse, call one service function and render; who may do
 * what, the contact limits and the screening are the service's. A blocked
 * message is still 201: it was stored, and the sender sees its findings
 * (clauses, rule ids, byte offsets). A contact-limit deny is a 403 problem
 * with clause C5.3, the rule's reason and, when the rule lifts, retry_at.
 * Message text appears only in the conversation read (GET) and never in a
 * problem, a log line or an error detail.
 *
 * The SLA's first-response deadline (C5.1) is met through the service's
 * on_contact hook (lx_sla_contact_hook), in the unit that delivers.
 */
#include "base/time.h"
#include "http/http_int.h"
#include "sla/sla.h"
#include "talk/talk.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (4 * 1024 * 1024)
#define HONOURS_MAX 64

struct lx_talk_opts
http__talk_opts(const struct lx_http_req *req)
{
    struct lx_talk_opts o = {0};

    if (req->srv != NULL) {
        o = req->srv->talk;
    }
    o.on_contact = lx_sla_contact_hook;
    o.on_contact_arg = NULL;
    return o;
}

void
http__talk_begin(struct lx_http_res *res, int status)
{
    lx_buf_release(&res->buf);
    lx_buf_init(&res->buf, OUT_MAX);
    res->status = status;
}

lx_rc
http__talk_problem(struct lx_http_req *req, struct lx_http_res *res,
                   const struct lx_buf *extra)
{
    http__problem(res, &req->ctx.err, req->ctx.req_id);
    if (extra == NULL || extra->len == 0 || res->buf.len == 0 ||
        res->buf.p[res->buf.len - 1] != '}') {
        return LX_OK;
    }
    /* Reopen the object: the members are already JSON. */
    res->buf.max = OUT_MAX;
    res->buf.len--;
    lx_buf_append(&res->buf, extra->p, extra->len);
    lx_buf_append_str(&res->buf, "}");
    return LX_OK;
}

lx_rc
http__talk_str(struct lx_http_req *req, json_t *obj, const char *key,
               const char *ptr, bool required, const char **out, size_t *len)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return required ? lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "required")
                        : LX_OK;
    }
    if (!json_is_string(v)) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "must be a string");
    }
    if (memchr(json_string_value(v), '\0', json_string_length(v)) != NULL) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr,
                          "must not contain NUL");
    }
    *out = json_string_value(v);
    if (len != NULL) {
        *len = json_string_length(v);
    }
    return LX_OK;
}

lx_rc
http__talk_int(struct lx_http_req *req, json_t *obj, const char *key,
               const char *ptr, bool required, int64_t min, int64_t max,
               int64_t *out)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return required ? lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "required")
                        : LX_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min ||
        json_integer_value(v) > max) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr,
                          "must be an integer from %lld to %lld",
                          (long long)min, (long long)max);
    }
    *out = (int64_t)json_integer_value(v);
    return LX_OK;
}

lx_rc
http__talk_bool(struct lx_http_req *req, json_t *obj, const char *key,
                const char *ptr, bool required, bool *out)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v)) {
        return required ? lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "required")
                        : LX_OK;
    }
    if (!json_is_boolean(v)) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "must be a boolean");
    }
    *out = json_is_true(v);
    return LX_OK;
}

void
http__talk_contact_extra(struct lx_buf *b, const char *reason, int64_t retry_ms)
{
    if (reason != NULL) {
        http__people_str(b, "reason", reason);
    }
    if (retry_ms > 0) {
        http__people_time(b, "retry_at", retry_ms);
    }
}

bool
http__talk_contact_problem(struct lx_http_req *req, struct lx_http_res *res,
                           lx_rc rc, const char *reason, int64_t retry_ms)
{
    struct lx_buf extra = LX_BUF_INIT(1024);

    if (rc != LX_EDENIED || req->ctx.err.clause == NULL ||
        strcmp(req->ctx.err.clause, LX_TALK_CLAUSE_CONTACT) != 0 ||
        reason == NULL || strcmp(reason, "allowed") == 0) {
        return false;
    }
    http__talk_contact_extra(&extra, reason, retry_ms);
    http__talk_problem(req, res, &extra);
    lx_buf_release(&extra);
    return true;
}

static void
render_findings(struct lx_buf *b, const struct lx_talk_msg_finding *f, size_t n)
{
    lx_buf_append_str(b, ",\"findings\":[");
    for (size_t i = 0; i < n; i++) {
        lx_buf_append_str(b, "{\"category\":");
        lx_buf_append_json_str(b, f[i].category, strlen(f[i].category));
        http__people_str(b, "clause", f[i].clause);
        http__people_str(b, "rule", f[i].rule);
        lx_buf_printf(b, ",\"start\":%zu,\"end\":%zu}%s", f[i].start, f[i].end,
                      i + 1 < n ? "," : "");
    }
    lx_buf_append_str(b, "]");
}

lx_rc
http__talk_id_no_body(struct lx_http_req *req, int64_t *id)
{
    static const char *const no_fields[] = {NULL};
    json_t *body = NULL;
    lx_rc rc = http__people_actor_id(req, id);

    if (rc == LX_OK && req->body.len > 0) {
        rc = http__people_body(req, no_fields, &body);
    }
    return rc;
}

/* ---- POST /v1/leads/{id}/messages ---------------------------------------- */

static const char *const send_fields[] = {"text", "purpose", NULL};

static lx_rc
user_send(struct lx_http_req *req, struct lx_http_res *res, int64_t lead,
          const char *text, size_t len)
{
    int64_t id = 0;
    bool opted_out = false;
    lx_rc rc = lx_talk_user_send(&req->ctx, lead, text, len, &id, &opted_out);

    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 201);
    lx_buf_printf(&res->buf,
                  "{\"id\":%lld,\"status\":\"delivered\",\"opted_out\":%s}",
                  (long long)id, opted_out ? "true" : "false");
    return LX_OK;
}

lx_rc
http__h_talk_send(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_talk_opts o = http__talk_opts(req);
    struct lx_talk_sent *out = NULL;
    const char *text = NULL;
    const char *purpose = NULL;
    size_t len = 0;
    int64_t lead = 0;
    json_t *body = NULL;
    lx_rc rc = http__people_actor_id(req, &lead);

    if (rc == LX_OK) {
        rc = http__people_body(req, send_fields, &body);
    }
    if (rc == LX_OK) {
        rc = http__talk_str(req, body, "text", "/text", true, &text, &len);
    }
    if (rc == LX_OK) {
        rc = http__talk_str(req, body, "purpose", "/purpose", false, &purpose,
                            NULL);
    }
    if (rc != LX_OK) {
        return rc;
    }
    if (req->ctx.actor.kind == LX_ACTOR_USER) {
        return user_send(req, res, lead, text, len);
    }
    out = calloc(1, sizeof(*out));
    if (out == NULL) {
        return lx_err_set(&req->ctx.err, LX_EBUSY, NULL, NULL);
    }
    rc = lx_talk_send(&req->ctx, &o, lead, purpose, text, len, out);
    if (http__talk_contact_problem(req, res, rc, out->contact_reason,
                                   out->retry_ms)) {
        /* C5.3: the sender learns why and from when. */
        free(out);
        return LX_OK;
    }
    if (rc == LX_OK) {
        http__talk_begin(res, 201);
        if (out->id > 0) {
            lx_buf_printf(&res->buf, "{\"id\":%lld", (long long)out->id);
        } else {
            lx_buf_append_str(&res->buf, "{\"id\":null");
        }
        http__people_str(&res->buf, "status", lx_talk_status_name(out->status));
        http__people_str(&res->buf, "verdict",
                         lx_scan_verdict_name(out->verdict));
        http__people_str(&res->buf, "pack_version", out->pack_version);
        render_findings(&res->buf, out->findings,
                        out->n_findings < LX_TALK_FINDINGS_MAX
                            ? out->n_findings
                            : LX_TALK_FINDINGS_MAX);
        lx_buf_append_str(&res->buf, "}");
    }
    free(out);
    return rc;
}

/* ---- GET /v1/leads/{id}/messages ----------------------------------------- */

struct msg_out {
    struct lx_buf *b;
    size_t n;
    bool with_text;
};

static lx_rc
render_message(void *arg, const struct lx_talk_message *m)
{
    struct msg_out *o = arg;
    struct lx_buf *b = o->b;

    lx_buf_printf(b, "%s{\"id\":%lld,\"lead_id\":%lld", o->n++ ? "," : "",
                  (long long)m->id, (long long)m->lead_id);
    http__people_str(b, "direction", lx_talk_direction_name(m->direction));
    http__people_str(b, "sender_role",
                     m->sender_role != NULL ? m->sender_role : "");
    http__people_str(b, "status", lx_talk_status_name(m->status));
    http__people_str(b, "verdict", lx_scan_verdict_name(m->verdict));
    http__people_str(b, "review", lx_talk_review_name(m->review));
    if (m->pack_version != NULL) {
        http__people_str(b, "pack_version", m->pack_version);
    }
    render_findings(b, m->findings, m->findings != NULL ? m->n_findings : 0);
    http__people_time(b, "created_at", m->created_ms);
    if (o->with_text) {
        lx_buf_append_str(b, ",\"text\":");
        if (m->text != NULL) {
            lx_buf_append_json_str(b, m->text, m->len);
        } else {
            lx_buf_append_str(b, "null");
        }
    }
    return lx_buf_append_str(b, "}");
}

static lx_rc
page_args(struct lx_http_req *req, int64_t *after, int64_t *limit)
{
    lx_rc rc = http__query_int(req, "after", "/after", 0, INT64_MAX - 1, after);

    if (rc == LX_OK) {
        rc = http__query_int(req, "limit", "/limit", 1, 100, limit);
    }
    return rc;
}

/* Close a page's array with its next-page marker (null after the last). */
static void
page_end(struct lx_buf *b, int64_t next)
{
    if (next > 0) {
        lx_buf_printf(b, "],\"next_after\":%lld}", (long long)next);
    } else {
        lx_buf_append_str(b, "],\"next_after\":null}");
    }
}

lx_rc
http__h_talk_messages(struct lx_http_req *req, struct lx_http_res *res)
{
    const char *purpose = http__query(req, "purpose");
    struct msg_out o;
    int64_t lead = 0, after = 0, limit = 0, next = 0;
    lx_rc rc = http__people_actor_id(req, &lead);

    if (rc == LX_OK) {
        rc = page_args(req, &after, &limit);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 200);
    o = (struct msg_out){&res->buf, 0, true};
    lx_buf_append_str(&res->buf, "{\"messages\":[");
    rc = lx_talk_messages(&req->ctx, lead, purpose, after, (int)limit,
                          render_message, &o, &next);
    if (rc != LX_OK) {
        lx_buf_release(&res->buf);
        return rc;
    }
    page_end(&res->buf, next);
    return LX_OK;
}

/* ---- POST /v1/leads/{id}/optout ------------------------------------------ */

lx_rc
http__h_talk_optout(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t lead = 0;
    lx_rc rc = http__talk_id_no_body(req, &lead);

    if (rc == LX_OK) {
        rc = lx_talk_optout(&req->ctx, lead);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 201);
    lx_buf_printf(&res->buf, "{\"lead_id\":%lld,\"opted_out\":true}",
                  (long long)lead);
    return LX_OK;
}

/* ---- platform review ----------------------------------------------------- */

lx_rc
http__h_talk_reviews(struct lx_http_req *req, struct lx_http_res *res)
{
    struct msg_out o;
    int64_t after = 0, limit = 50, next = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = page_args(req, &after, &limit);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 200);
    o = (struct msg_out){&res->buf, 0, false};
    lx_buf_append_str(&res->buf, "{\"messages\":[");
    rc = lx_talk_review_queue(&req->ctx, after, (int)limit, render_message, &o,
                              &next);
    if (rc != LX_OK) {
        lx_buf_release(&res->buf);
        return rc;
    }
    page_end(&res->buf, next);
    return LX_OK;
}

static const char *const decision_fields[] = {"decision", NULL};

lx_rc
http__h_talk_review_decide(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_talk_opts o = http__talk_opts(req);
    const char *decision = NULL;
    int64_t id = 0;
    bool confirm = false;
    json_t *body = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__people_body(req, decision_fields, &body);
    }
    if (rc == LX_OK) {
        rc = http__talk_str(req, body, "decision", "/decision", true, &decision,
                            NULL);
    }
    if (rc == LX_OK) {
        confirm = strcmp(decision, "confirm") == 0;
        if (!confirm && strcmp(decision, "dismiss") != 0) {
            rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/decision",
                            "must be confirm or dismiss");
        }
    }
    if (rc == LX_OK) {
        rc = lx_talk_review_decide(&req->ctx, &o, id, confirm);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 200);
    lx_buf_printf(&res->buf, "{\"id\":%lld", (long long)id);
    http__people_str(&res->buf, "review",
                     lx_talk_review_name(confirm ? LX_TALK_REVIEW_CONFIRMED
                                                 : LX_TALK_REVIEW_DISMISSED));
    lx_buf_append_str(&res->buf, "}");
    return LX_OK;
}

/* ---- PUT /v1/staff/{id}/verified-facts ----------------------------------- */

static const char *const facts_fields[] = {"former_judge", "former_prosecutor",
                                           "case_count", "honours", NULL};

lx_rc
http__h_talk_facts_set(struct lx_http_req *req, struct lx_http_res *res)
{
    const char *honours[HONOURS_MAX];
    size_t n = 0;
    int64_t staff = 0, cases = -1;
    bool judge = false, prosecutor = false;
    json_t *body = NULL;
    json_t *h;
    lx_rc rc = http__people_actor_id(req, &staff);

    if (rc == LX_OK) {
        rc = http__people_body(req, facts_fields, &body);
    }
    if (rc == LX_OK) {
        rc = http__talk_bool(req, body, "former_judge", "/former_judge", false,
                             &judge);
    }
    if (rc == LX_OK) {
        rc = http__talk_bool(req, body, "former_prosecutor",
                             "/former_prosecutor", false, &prosecutor);
    }
    if (rc == LX_OK) {
        rc = http__talk_int(req, body, "case_count", "/case_count", false, 0,
                            INT64_C(1000000000), &cases);
    }
    h = rc == LX_OK ? json_object_get(body, "honours") : NULL;
    if (h != NULL && !json_is_null(h) &&
        (!json_is_array(h) || json_array_size(h) > HONOURS_MAX)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/honours",
                        "must be an array of at most %d strings", HONOURS_MAX);
    }
    for (size_t i = 0;
         rc == LX_OK && json_is_array(h) && i < json_array_size(h); i++) {
        json_t *s = json_array_get(h, i);
        if (!json_is_string(s) || json_string_length(s) == 0 ||
            memchr(json_string_value(s), '\0', json_string_length(s)) != NULL) {
            rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/honours",
                            "item %zu must be a non-empty string", i);
        } else {
            honours[n++] = json_string_value(s);
        }
    }
    if (rc == LX_OK) {
        rc = lx_talk_facts_set(&req->ctx, staff, judge, prosecutor, cases,
                               honours, n);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 200);
    lx_buf_printf(&res->buf,
                  "{\"staff_id\":%lld,\"former_judge\":%s,"
                  "\"former_prosecutor\":%s,\"case_count\":",
                  (long long)staff, judge ? "true" : "false",
                  prosecutor ? "true" : "false");
    if (cases >= 0) {
        lx_buf_printf(&res->buf, "%lld", (long long)cases);
    } else {
        lx_buf_append_str(&res->buf, "null");
    }
    lx_buf_append_str(&res->buf, ",\"honours\":[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            lx_buf_append_str(&res->buf, ",");
        }
        lx_buf_append_json_str(&res->buf, honours[i], strlen(honours[i]));
    }
    lx_buf_append_str(&res->buf, "]}");
    return LX_OK;
}
