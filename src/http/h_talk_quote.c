/*
 * h_talk_quote — fee quotes, revisions and charges over HTTP (C5.6;
 * talk/quote.c, docs/talk.md).
 *
 *   POST /v1/leads/{id}/quotes        the firm sends a structured quote
 *   GET  /v1/quotes/{id}              one quote with its totals
 *   POST /v1/quotes/{id}/answer       the user accepts or rejects it
 *   POST /v1/quotes/{id}/revisions    the firm proposes to raise it
 *   POST /v1/revisions/{id}/accept    the user accepts a revision
 *   POST /v1/quotes/{id}/charges      the firm records a charge
 *
 * Money is integer fen everywhere. A refused quote is a problem carrying
 * the checker's findings: 400 with the field of bad input, or 403 with
 * clause C5.6 for a conduct refusal (a contingency fee in an excluded
 * matter or over the tiered cap). A charge beyond what the user accepted
 * is recorded (it happened) and answered with hidden_markup true; the
 * service records the violation.
 */
#include "base/time.h"
#include "http/http_int.h"
#include "talk/talk.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void
render_fee_findings(struct lx_buf *b, const struct lx_talk_fee_finding *f,
                    size_t n)
{
    lx_buf_append_str(b, ",\"findings\":[");
    for (size_t i = 0; i < n; i++) {
        lx_buf_append_str(b, i > 0 ? ",{\"code\":" : "{\"code\":");
        lx_buf_append_json_str(b, f[i].code, strlen(f[i].code));
        if (f[i].field != NULL) {
            http__people_str(b, "field", f[i].field);
        } else {
            lx_buf_append_str(b, ",\"field\":null");
        }
        if (f[i].clause != NULL) {
            http__people_str(b, "clause", f[i].clause);
        } else {
            lx_buf_append_str(b, ",\"clause\":null");
        }
        lx_buf_printf(b, ",\"refuse\":%s", f[i].refuse ? "true" : "false");
        if (f[i].item != SIZE_MAX) {
            lx_buf_printf(b, ",\"item\":%zu", f[i].item);
        }
        lx_buf_printf(b, ",\"amount_fen\":%lld}", (long long)f[i].amount_fen);
    }
    lx_buf_append_str(b, "]");
}

/* ---- POST /v1/leads/{id}/quotes ------------------------------------------ */

static const char *const quote_fields[] = {
    "method",    "matter",     "group_case",  "total_fen", "rate_fen",
    "max_hours", "base_fen",   "rate_bp",     "claim_fen", "items",
    "included",  "valid_from", "valid_until", NULL};

static const char *const item_fields[] = {"name", "amount_fen", NULL};

/* A body integer into an int64_t member (absent: 0). */
static lx_rc
fen(struct lx_http_req *req, json_t *body, const char *key, const char *ptr,
    int64_t *out)
{
    return http__talk_int(req, body, key, ptr, false, INT64_MIN + 1, INT64_MAX,
                          out);
}

static lx_rc
time_member(struct lx_http_req *req, json_t *body, const char *key,
            const char *ptr, int64_t *out)
{
    const char *s = NULL;
    size_t n = 0;
    lx_rc rc = http__talk_str(req, body, key, ptr, true, &s, &n);

    if (rc == LX_OK && lx_time_parse_iso(s, n, out, NULL, NULL) != LX_OK) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, ptr,
                        "not an ISO 8601 time with an offset");
    }
    return rc;
}

static lx_rc
parse_items(struct lx_http_req *req, json_t *a, struct lx_talk_fee_item *items,
            size_t *n)
{
    *n = 0;
    if (a == NULL || json_is_null(a)) {
        return LX_OK;
    }
    if (!json_is_array(a) || json_array_size(a) > LX_TALK_ITEMS_MAX) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, "/items",
                          "must be an array of at most %d items",
                          LX_TALK_ITEMS_MAX);
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *it = json_array_get(a, i);
        const char *key;
        json_t *v;
        lx_rc rc;

        if (!json_is_object(it)) {
            return lx_err_set(&req->ctx.err, LX_EINVAL, "/items",
                              "item %zu must be an object", i);
        }
        json_object_foreach(it, key, v)
        {
            bool ok = strcmp(key, item_fields[0]) == 0 ||
                      strcmp(key, item_fields[1]) == 0;
            if (!ok) {
                return lx_err_set(&req->ctx.err, LX_EINVAL, "/items",
                                  "item %zu has an unknown member", i);
            }
        }
        rc = http__talk_str(req, it, "name", "/items", true, &items[i].name,
                            NULL);
        if (rc == LX_OK) {
            rc = http__talk_int(req, it, "amount_fen", "/items", true,
                                INT64_MIN + 1, INT64_MAX, &items[i].amount_fen);
        }
        if (rc != LX_OK) {
            return rc;
        }
        (*n)++;
    }
    return LX_OK;
}

static lx_rc
parse_quote(struct lx_http_req *req, json_t *body, struct lx_talk_quote *q,
            struct lx_talk_fee_item *items)
{
    const char *method = NULL, *matter = NULL;
    int64_t hours = 0, bp = 0;
    lx_rc rc;

    rc = http__talk_str(req, body, "method", "/method", true, &method, NULL);
    if (rc == LX_OK && !lx_talk_fee_method_parse(method, &q->method)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/method",
                        "must be fixed, hourly, staged or contingency");
    }
    if (rc == LX_OK) {
        rc =
            http__talk_str(req, body, "matter", "/matter", true, &matter, NULL);
    }
    if (rc == LX_OK && !lx_talk_matter_parse(matter, &q->matter)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/matter",
                        "not a known kind of matter");
    }
    if (rc == LX_OK) {
        rc = http__talk_bool(req, body, "group_case", "/group_case", false,
                             &q->group_case);
    }
    if (rc == LX_OK) {
        rc = fen(req, body, "total_fen", "/total_fen", &q->total_fen);
    }
    if (rc == LX_OK) {
        rc = fen(req, body, "rate_fen", "/rate_fen", &q->rate_fen);
    }
    if (rc == LX_OK) {
        rc = http__talk_int(req, body, "max_hours", "/max_hours", false,
                            INT32_MIN, INT32_MAX, &hours);
        q->max_hours = (int)hours;
    }
    if (rc == LX_OK) {
        rc = fen(req, body, "base_fen", "/base_fen", &q->base_fen);
    }
    if (rc == LX_OK) {
        rc = http__talk_int(req, body, "rate_bp", "/rate_bp", false, INT32_MIN,
                            INT32_MAX, &bp);
        q->rate_bp = (int)bp;
    }
    if (rc == LX_OK) {
        rc = fen(req, body, "claim_fen", "/claim_fen", &q->claim_fen);
    }
    if (rc == LX_OK) {
        rc = parse_items(req, json_object_get(body, "items"), items,
                         &q->n_items);
        q->items = items;
    }
    if (rc == LX_OK) {
        rc = http__talk_str(req, body, "included", "/included", true,
                            &q->included, NULL);
    }
    if (rc == LX_OK) {
        rc = time_member(req, body, "valid_from", "/valid_from",
                         &q->valid_from_ms);
    }
    if (rc == LX_OK) {
        rc = time_member(req, body, "valid_until", "/valid_until",
                         &q->valid_until_ms);
    }
    return rc;
}

lx_rc
http__h_talk_quote_send(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_talk_fee_item items[LX_TALK_ITEMS_MAX];
    struct lx_talk_quote q = {0};
    struct lx_talk_quote_result out = {0};
    int64_t lead = 0;
    json_t *body = NULL;
    size_t nf;
    lx_rc rc = http__people_actor_id(req, &lead);

    if (rc == LX_OK) {
        rc = http__people_body(req, quote_fields, &body);
    }
    if (rc == LX_OK) {
        rc = parse_quote(req, body, &q, items);
    }
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_talk_quote_send(&req->ctx, lead, &q, &out);
    nf = out.n_findings < LX_TALK_QUOTE_FINDINGS_MAX
             ? out.n_findings
             : LX_TALK_QUOTE_FINDINGS_MAX;
    if ((rc == LX_EINVAL || rc == LX_EDENIED) && nf > 0) {
        /* Refused: the findings say which rule and which field. */
        struct lx_buf extra = LX_BUF_INIT(16 * 1024);
        render_fee_findings(&extra, out.findings, nf);
        rc = http__talk_problem(req, res, &extra);
        lx_buf_release(&extra);
        return rc;
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 201);
    lx_buf_printf(&res->buf, "{\"id\":%lld,\"lead_id\":%lld", (long long)out.id,
                  (long long)lead);
    http__people_str(&res->buf, "state",
                     lx_talk_quote_state_name(LX_TALK_QUOTE_SENT));
    render_fee_findings(&res->buf, out.findings, nf);
    lx_buf_append_str(&res->buf, "}");
    return LX_OK;
}

/* ---- GET /v1/quotes/{id} ------------------------------------------------- */

static void
render_quote(struct lx_buf *b, const struct lx_talk_quote_view *v)
{
    const struct lx_talk_quote *q = &v->q;

    lx_buf_printf(b, "{\"id\":%lld,\"lead_id\":%lld", (long long)v->id,
                  (long long)v->lead_id);
    http__people_str(b, "state", lx_talk_quote_state_name(v->state));
    http__people_str(b, "method", lx_talk_fee_method_name(q->method));
    http__people_str(b, "matter", lx_talk_matter_name(q->matter));
    lx_buf_printf(b,
                  ",\"group_case\":%s,\"total_fen\":%lld,\"rate_fen\":%lld,"
                  "\"max_hours\":%d,\"base_fen\":%lld,\"rate_bp\":%d,"
                  "\"claim_fen\":%lld,\"items\":[",
                  q->group_case ? "true" : "false", (long long)q->total_fen,
                  (long long)q->rate_fen, q->max_hours, (long long)q->base_fen,
                  q->rate_bp, (long long)q->claim_fen);
    for (size_t i = 0; q->items != NULL && i < q->n_items; i++) {
        lx_buf_append_str(b, i > 0 ? ",{\"name\":" : "{\"name\":");
        lx_buf_append_json_str(b, q->items[i].name, strlen(q->items[i].name));
        lx_buf_printf(b, ",\"amount_fen\":%lld}",
                      (long long)q->items[i].amount_fen);
    }
    lx_buf_append_str(b, "]");
    http__people_str(b, "included", q->included != NULL ? q->included : "");
    http__people_time(b, "valid_from", q->valid_from_ms);
    http__people_time(b, "valid_until", q->valid_until_ms);
    lx_buf_printf(b,
                  ",\"ceiling_fen\":%lld,\"allowed_fen\":%lld,"
                  "\"charged_fen\":%lld,\"lure\":%s",
                  (long long)v->ceiling_fen, (long long)v->allowed_fen,
                  (long long)v->charged_fen, v->lure ? "true" : "false");
    http__people_time(b, "created_at", v->created_ms);
    http__people_time(b, "accepted_at", v->accepted_ms);
    lx_buf_append_str(b, "}");
}

lx_rc
http__h_talk_quote_get(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_talk_quote_view *v = NULL;
    int64_t id = 0;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc != LX_OK) {
        return rc;
    }
    v = calloc(1, sizeof(*v));
    if (v == NULL) {
        return lx_err_set(&req->ctx.err, LX_EBUSY, NULL, NULL);
    }
    rc = lx_talk_quote_get(&req->ctx, id, v);
    if (rc == LX_OK) {
        http__talk_begin(res, 200);
        render_quote(&res->buf, v);
    }
    free(v);
    return rc;
}

/* ---- answer, revise, accept a revision, charge --------------------------- */

static const char *const answer_fields[] = {"accept", NULL};

lx_rc
http__h_talk_quote_answer(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    bool accept = false;
    json_t *body = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__people_body(req, answer_fields, &body);
    }
    if (rc == LX_OK) {
        rc = http__talk_bool(req, body, "accept", "/accept", true, &accept);
    }
    if (rc == LX_OK) {
        rc = lx_talk_quote_answer(&req->ctx, id, accept);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 200);
    lx_buf_printf(&res->buf, "{\"id\":%lld", (long long)id);
    http__people_str(&res->buf, "state",
                     lx_talk_quote_state_name(accept ? LX_TALK_QUOTE_ACCEPTED
                                                     : LX_TALK_QUOTE_REJECTED));
    lx_buf_append_str(&res->buf, "}");
    return LX_OK;
}

static const char *const revise_fields[] = {"add_fen", "reason", NULL};

lx_rc
http__h_talk_quote_revise(struct lx_http_req *req, struct lx_http_res *res)
{
    const char *reason = NULL;
    int64_t id = 0, add = 0, rev = 0;
    json_t *body = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__people_body(req, revise_fields, &body);
    }
    if (rc == LX_OK) {
        rc = http__talk_int(req, body, "add_fen", "/add_fen", true, 1,
                            LX_TALK_FEN_MAX, &add);
    }
    if (rc == LX_OK) {
        rc =
            http__talk_str(req, body, "reason", "/reason", true, &reason, NULL);
    }
    if (rc == LX_OK) {
        rc = lx_talk_quote_revise(&req->ctx, id, add, reason, &rev);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 201);
    lx_buf_printf(&res->buf,
                  "{\"id\":%lld,\"quote_id\":%lld,\"add_fen\":%lld,"
                  "\"accepted\":false}",
                  (long long)rev, (long long)id, (long long)add);
    return LX_OK;
}

lx_rc
http__h_talk_revision_accept(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    lx_rc rc = http__talk_id_no_body(req, &id);

    if (rc == LX_OK) {
        rc = lx_talk_revision_accept(&req->ctx, id);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 200);
    lx_buf_printf(&res->buf, "{\"id\":%lld,\"accepted\":true}", (long long)id);
    return LX_OK;
}

static const char *const charge_fields[] = {"amount_fen", NULL};

lx_rc
http__h_talk_charge(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_talk_charge_result out = {0};
    int64_t id = 0, amount = 0, charge = 0;
    json_t *body = NULL;
    lx_rc rc = http__people_actor_id(req, &id);

    if (rc == LX_OK) {
        rc = http__people_body(req, charge_fields, &body);
    }
    if (rc == LX_OK) {
        rc = http__talk_int(req, body, "amount_fen", "/amount_fen", true, 1,
                            LX_TALK_FEN_MAX, &amount);
    }
    if (rc == LX_OK) {
        rc = lx_talk_charge(&req->ctx, id, amount, &out, &charge);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 201);
    lx_buf_printf(&res->buf,
                  "{\"id\":%lld,\"quote_id\":%lld,\"amount_fen\":%lld,"
                  "\"allowed_fen\":%lld,\"charged_fen\":%lld,"
                  "\"excess_fen\":%lld,\"hidden_markup\":%s,"
                  "\"lure_charged\":%s}",
                  (long long)charge, (long long)id, (long long)amount,
                  (long long)out.allowed_fen, (long long)out.charged_fen,
                  (long long)out.excess_fen,
                  out.hidden_markup ? "true" : "false",
                  out.lure_charged ? "true" : "false");
    return LX_OK;
}
