/*
 * h_leads — leads over HTTP (leads/; docs/leads.md).
 *
 * Intake (POST /v1/leads) takes a user session or an API key with scope
 * "intake". Everything else needs a signed-in actor; who may see and do
 * what is the leads service's business: a lead the actor may not see is
 * 404, a refused action 403 (audited by the service), an action the lead's
 * state does not allow 409 naming the state.
 *
 * Confidentiality (C1.2): the lead object rendered here is the whole of
 * what a partner learns — no score, weight, credit, queue position,
 * candidate count or other firm (tests/http/leads.test.mjs walks every
 * partner-facing response for them).
 *
 * The offer window is scheduled with sla/ (kind lead_offer) inside the
 * unit that records the offer, through the service's on_offer hook.
 */
#include "auth/auth.h"
#include "base/conf.h"
#include "base/time.h"
#include "http/http_int.h"
#include "leads/leads.h"
#include "sla/sla.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define OUT_MAX (1024 * 1024)
#define PAGE_MAX 100

/* The service options from the configuration (leads.offer_window_s,
 * leads.dedupe_window_s), with the offer window scheduled in sla/. */
static struct lx_leads_opts
opts_of(const struct lx_http_req *req)
{
    struct lx_leads_opts o = {.on_offer = lx_sla_offer_hook,
                              .on_answer = lx_sla_answer_hook,
                              .record = lx_sla_route_record_tx};
    const struct lx_conf *c = req->srv != NULL ? req->srv->app->conf : NULL;

    /* The calendar makes the hook schedule the first response too. */
    if (req->srv != NULL) {
        o.on_offer_arg = (void *)(uintptr_t)req->srv->cal;
    }
    if (c != NULL) {
        o.window_ms = c->leads_offer_window_s * 1000;
        o.dedupe_window_ms = c->leads_dedupe_window_s * 1000;
    }
    return o;
}

static void
begin(struct lx_http_res *res, int status)
{
    lx_buf_init(&res->buf, OUT_MAX);
    res->status = status;
}

static void
render_lead(struct lx_buf *b, const struct lx_leads_view *v)
{
    lx_buf_printf(b, "{\"id\":%lld", (long long)v->id);
    http__people_str(b, "area", v->area);
    http__people_str(b, "region", v->region);
    http__people_str(b, "preview", v->preview);
    http__people_str(b, "contact", v->contact_masked);
    lx_buf_printf(b, ",\"minor\":%s,\"sensitive\":%s",
                  v->minor ? "true" : "false",
                  v->sensitive ? "true" : "false");
    http__people_str(b, "state", lx_leads_state_name(v->state));
    http__people_time(b, "offer_expires_at", v->offer_deadline_ms);
    if (v->staff_id > 0) {
        lx_buf_printf(b, ",\"holder_staff_id\":%lld", (long long)v->staff_id);
    } else {
        lx_buf_append_str(b, ",\"holder_staff_id\":null");
    }
    if (v->outcome != LX_LEADS_OUTCOME_NONE) {
        http__people_str(b, "outcome", lx_leads_outcome_name(v->outcome));
    } else {
        lx_buf_append_str(b, ",\"outcome\":null");
    }
    http__people_time(b, "created_at", v->created_ms);
    http__people_time(b, "updated_at", v->updated_ms);
    lx_buf_append_str(b, "}");
}

/* A string member, or NULL when absent; 400 naming 'ptr' when it is there
 * but not a string. */
static lx_rc
get_str(struct lx_http_req *req, json_t *obj, const char *key,
        const char *ptr, bool required, const char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        return required ? lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "required")
                        : LX_OK;
    }
    if (!json_is_string(v)) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "must be a string");
    }
    *out = json_string_value(v);
    if (strlen(*out) != json_string_length(v)) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr,
                          "must not contain NUL");
    }
    return LX_OK;
}

static lx_rc
get_bool(struct lx_http_req *req, json_t *obj, const char *key,
         const char *ptr, bool *out)
{
    json_t *v = json_object_get(obj, key);

    *out = false;
    if (v == NULL) {
        return LX_OK;
    }
    if (!json_is_boolean(v)) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "must be a boolean");
    }
    *out = json_is_true(v);
    return LX_OK;
}

static const char *const intake_fields[] = {
    "area",      "region", "description", "phone", "name",
    "id_number", "minor",  "custody",     "consent", NULL};

static lx_rc
parse_consent(struct lx_http_req *req, json_t *c, struct lx_leads_intake *in)
{
    const char *key;
    const char *at = NULL;
    json_t *v;
    lx_rc rc = LX_OK;

    if (!json_is_object(c)) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, "/consent",
                          "an object is required");
    }
    json_object_foreach(c, key, v)
    {
        if (strcmp(key, "notice_version") != 0 && strcmp(key, "at") != 0 &&
            strcmp(key, "share_with_firm") != 0) {
            return lx_err_set(&req->ctx.err, LX_EINVAL, "/consent",
                              "unknown member");
        }
    }
    rc = get_str(req, c, "notice_version", "/consent/notice_version", true,
                 &in->consent_version);
    if (rc == LX_OK) {
        rc = get_str(req, c, "at", "/consent/at", true, &at);
    }
    if (rc == LX_OK &&
        lx_time_parse_iso(at, strlen(at), &in->consent_ms, NULL, NULL) !=
            LX_OK) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/consent/at",
                        "not an ISO 8601 time");
    }
    if (rc == LX_OK) {
        rc = get_bool(req, c, "share_with_firm", "/consent/share_with_firm",
                      &in->consent_share);
    }
    return rc;
}

lx_rc
http__h_leads_create(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_leads_opts o = opts_of(req);
    struct lx_leads_intake in = {0};
    struct lx_leads_intake_result out;
    json_t *body = NULL;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK && req->ctx.actor.kind != LX_ACTOR_USER &&
        !(req->ctx.actor.kind == LX_ACTOR_APIKEY &&
          lx_auth_apikey_has_scope(&req->ctx, "intake"))) {
        rc = lx_err_set(&req->ctx.err, LX_EDENIED, NULL,
                        "a user session or an intake API key is required");
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, intake_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "area", "/area", true, &in.area);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "region", "/region", true, &in.region);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "description", "/description", true,
                     &in.description);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "phone", "/phone", true, &in.phone);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "name", "/name", false, &in.name);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "id_number", "/id_number", false,
                     &in.id_number);
    }
    if (rc == LX_OK) {
        rc = get_bool(req, body, "minor", "/minor", &in.minor);
    }
    if (rc == LX_OK) {
        rc = get_bool(req, body, "custody", "/custody", &in.custody);
    }
    if (rc == LX_OK) {
        rc = parse_consent(req, json_object_get(body, "consent"), &in);
    }
    if (rc == LX_OK) {
        rc = lx_leads_intake(&req->ctx, &o, &in, &out);
    }
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 201);
    lx_buf_printf(&res->buf, "{\"id\":%lld", (long long)out.id);
    http__people_str(&res->buf, "state", lx_leads_state_name(out.state));
    if (out.duplicate_of > 0) {
        lx_buf_printf(&res->buf, ",\"duplicate_of\":%lld}",
                      (long long)out.duplicate_of);
    } else {
        lx_buf_append_str(&res->buf, ",\"duplicate_of\":null}");
    }
    return LX_OK;
}

lx_rc
http__h_leads_list(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_leads_view *v = NULL;
    const char *after = http__query(req, "after");
    int64_t after_id = 0;
    size_t n = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK && after != NULL) {
        char *end = NULL;
        long long a = strtoll(after, &end, 10);

        if (end == after || *end != '\0' || a < 0) {
            rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/after",
                            "not a lead id");
        }
        after_id = a;
    }
    if (rc == LX_OK) {
        v = calloc(PAGE_MAX, sizeof(*v));
        rc = v == NULL ? lx_err_set(&req->ctx.err, LX_EBUSY, NULL, NULL)
                       : lx_leads_list(&req->ctx, after_id, v, PAGE_MAX, &n);
    }
    if (rc == LX_OK) {
        begin(res, 200);
        lx_buf_append_str(&res->buf, "{\"items\":[");
        for (size_t i = 0; i < n; i++) {
            if (i > 0) {
                lx_buf_append_str(&res->buf, ",");
            }
            render_lead(&res->buf, &v[i]);
        }
        if (n == PAGE_MAX) {
            lx_buf_printf(&res->buf, "],\"next_after\":%lld}",
                          (long long)v[n - 1].id);
        } else {
            lx_buf_append_str(&res->buf, "],\"next_after\":null}");
        }
    }
    free(v);
    return rc;
}

/* Render lead 'id' as the actor sees it, with 'status'. */
static lx_rc
answer_lead(struct lx_http_req *req, struct lx_http_res *res, int64_t id,
            int status)
{
    struct lx_leads_view *v = calloc(1, sizeof(*v));
    lx_rc rc = v == NULL ? lx_err_set(&req->ctx.err, LX_EBUSY, NULL, NULL)
                         : lx_leads_get(&req->ctx, id, v);

    if (rc == LX_OK) {
        begin(res, status);
        render_lead(&res->buf, v);
    }
    free(v);
    return rc;
}

lx_rc
http__h_lead_get(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    lx_rc rc = http__people_actor_id(req, &id);

    return rc != LX_OK ? rc : answer_lead(req, res, id, 200);
}

/* The optional "access_id" of a body (a minor's per-access approval):
 * *out 0 when absent. */
static lx_rc
access_id_of(struct lx_http_req *req, json_t *body, int64_t *out)
{
    json_t *acc = body != NULL ? json_object_get(body, "access_id") : NULL;

    *out = 0;
    if (acc == NULL) {
        return LX_OK;
    }
    if (!json_is_integer(acc) || json_integer_value(acc) <= 0) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, "/access_id",
                          "must be a positive id");
    }
    *out = (int64_t)json_integer_value(acc);
    return LX_OK;
}

static const char *const claim_fields[] = {"access_id", NULL};
static const char *const no_fields[] = {NULL};

lx_rc
http__h_lead_claim(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_leads_opts o = opts_of(req);
    int64_t id = 0, access_id = 0;
    json_t *body = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK && req->body.len > 0) {
        rc = http__people_body(req, claim_fields, &body);
    }
    if (rc == LX_OK) {
        rc = access_id_of(req, body, &access_id);
    }
    if (rc == LX_OK) {
        rc = lx_leads_claim_access(&req->ctx, &o, id, access_id);
    }
    /* The body belongs to the request's arena (http__body_json). */
    return rc != LX_OK ? rc : answer_lead(req, res, id, 200);
}

static const char *const reason_fields[] = {"reason", NULL};

lx_rc
http__h_lead_decline(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_leads_opts o = opts_of(req);
    int64_t id = 0;
    json_t *body = NULL;
    const char *reason = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__people_body(req, reason_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "reason", "/reason", true, &reason);
    }
    if (rc == LX_OK) {
        rc = lx_leads_decline(&req->ctx, &o, id, reason);
    }
    if (rc == LX_OK) {
        res->status = 204;
    }
    return rc;
}

static const char *const assign_fields[] = {"to", "reason", "purpose", NULL};

static lx_rc
assign(struct lx_http_req *req, struct lx_http_res *res, bool handover)
{
    int64_t id = 0;
    int64_t rec = 0;
    json_t *body = NULL;
    json_t *to;
    const char *reason = NULL;
    const char *purpose = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__people_body(req, assign_fields, &body);
    }
    to = rc == LX_OK ? json_object_get(body, "to") : NULL;
    if (rc == LX_OK && (!json_is_integer(to) || json_integer_value(to) <= 0)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/to",
                        "a staff id is required");
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "reason", "/reason", true, &reason);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "purpose", "/purpose", false, &purpose);
    }
    if (rc == LX_OK) {
        rc = lx_leads_assign(&req->ctx, id, (int64_t)json_integer_value(to),
                             handover, reason, purpose, &rec);
    }
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 201);
    lx_buf_printf(&res->buf, "{\"handover_id\":%lld,\"lead_id\":%lld}",
                  (long long)rec, (long long)id);
    return LX_OK;
}

lx_rc
http__h_lead_assign(struct lx_http_req *req, struct lx_http_res *res)
{
    return assign(req, res, false);
}

lx_rc
http__h_lead_handover(struct lx_http_req *req, struct lx_http_res *res)
{
    return assign(req, res, true);
}

lx_rc
http__h_lead_acknowledge(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    json_t *body = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK && req->body.len > 0) {
        rc = http__people_body(req, no_fields, &body);
    }
    if (rc == LX_OK) {
        rc = lx_leads_acknowledge(&req->ctx, id);
    }
    return rc != LX_OK ? rc : answer_lead(req, res, id, 200);
}

static const char *const reveal_fields[] = {"field", "purpose", "access_id",
                                            NULL};

lx_rc
http__h_lead_reveal(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    int64_t access = 0;
    json_t *body = NULL;
    const char *field = NULL;
    const char *purpose = NULL;
    struct lx_secret *sec = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__people_body(req, reveal_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "field", "/field", true, &field);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "purpose", "/purpose", true, &purpose);
    }
    if (rc == LX_OK) {
        rc = access_id_of(req, body, &access);
    }
    if (rc == LX_OK) {
        rc = lx_leads_reveal(&req->ctx, id, field, purpose, access, &sec);
    }
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 200);
    lx_buf_append_str(&res->buf, "{\"field\":");
    lx_buf_append_json_str(&res->buf, field, strlen(field));
    lx_buf_append_str(&res->buf, ",\"value\":");
    lx_buf_append_json_str(&res->buf, (const char *)sec->p, sec->len);
    lx_buf_append_str(&res->buf, "}");
    lx_secret_free(sec);
    return LX_OK;
}

static const char *const close_fields[] = {"outcome", NULL};

lx_rc
http__h_lead_close(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    json_t *body = NULL;
    const char *outcome = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__people_body(req, close_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "outcome", "/outcome", true, &outcome);
    }
    if (rc == LX_OK) {
        rc = lx_leads_close(&req->ctx, id, outcome);
    }
    return rc != LX_OK ? rc : answer_lead(req, res, id, 200);
}

lx_rc
http__h_lead_return(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    json_t *body = NULL;
    const char *reason = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__people_body(req, reason_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_str(req, body, "reason", "/reason", true, &reason);
    }
    if (rc == LX_OK) {
        rc = lx_leads_return(&req->ctx, id, reason);
    }
    return rc != LX_OK ? rc : answer_lead(req, res, id, 200);
}

/* ---- GET /v1/leads/{id}/accesses: who accessed my data ------------------- */

struct acc_out {
    struct lx_buf *b;
    size_t n;
};

static lx_rc
render_access(void *arg, const struct lx_vault_access *a)
{
    struct acc_out *o = arg;
    struct lx_buf *b = o->b;

    lx_buf_printf(b, "%s{\"seq\":%llu", o->n++ ? "," : "",
                  (unsigned long long)a->seq);
    http__people_time(b, "time", a->time_ms);
    /* Staff appear as their firm and role, never as a person. */
    lx_buf_printf(b, ",\"firm_id\":%lld", (long long)a->firm_id);
    http__people_str(b, "role", a->role);
    http__people_str(b, "action", a->action);
    http__people_str(b, "field", a->field);
    http__people_str(b, "purpose", a->purpose);
    http__people_str(b, "decision", a->decision);
    http__people_str(b, "reason", a->reason);
    http__people_str(b, "clause", a->clause);
    return lx_buf_append_str(b, "}");
}

lx_rc
http__h_lead_accesses(struct lx_http_req *req, struct lx_http_res *res)
{
    const char *purpose = http__query(req, "purpose");
    struct acc_out o;
    int64_t id = 0, after = 0, limit = 100;
    uint64_t next = 0;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__query_int(req, "after", "/after", 0, INT64_MAX - 1, &after);
    }
    if (rc == LX_OK) {
        rc = http__query_int(req, "limit", "/limit", 1, 1000, &limit);
    }
    if (rc != LX_OK) {
        return rc;
    }
    if (purpose == NULL) {
        purpose = "legal_duty"; /* the platform's duty to tell (PIPL 44) */
    }
    begin(res, 200);
    o = (struct acc_out){&res->buf, 0};
    lx_buf_append_str(&res->buf, "{\"accesses\":[");
    rc = lx_leads_accesses(&req->ctx, id, purpose, (uint64_t)after,
                           (int)limit, render_access, &o, &next);
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
    return LX_OK;
}
