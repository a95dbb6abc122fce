/*
 * h_people — organisations, staff, training, licences, sensitive-data
 * grants and minors' approvals over HTTP (people/; docs/people.md).
 *
 * Handlers parse and validate, call one people/ service, render. Who may
 * do what is the service's business: a handler only needs a signed-in
 * actor (401 otherwise). Objects the actor may not see answer 404, exactly
 * like ids that do not exist; visible objects it may not change answer 403.
 *
 * Mass assignment: every write takes an explicit list of the fields a
 * caller may set; any other member (id, firm_id, org_id where fixed, role,
 * status where fixed, created_at, approver_id, …) is refused with 400
 * naming the field, and nothing is stored.
 */
#include "base/json.h"
#include "base/time.h"
#include "http/http_int.h"
#include "people/people.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define LIST_MAX 256
#define OUT_MAX (1024 * 1024)

/* ---- Shared helpers (also used by h_auth.c) ------------------------------ */

/* Every member name the people API knows, as static JSON pointers, so an
 * error can name a refused field without echoing the request. */
static const char *const known_fields[] = {"/id",
                                           "/firm_id",
                                           "/org_id",
                                           "/role",
                                           "/status",
                                           "/created_at",
                                           "/updated_at",
                                           "/kind",
                                           "/name",
                                           "/uscc",
                                           "/practice_areas",
                                           "/regions",
                                           "/daily_capacity",
                                           "/contract_signed_at",
                                           "/damages_fen",
                                           "/display_name",
                                           "/email",
                                           "/password",
                                           "/course",
                                           "/version",
                                           "/passed_at",
                                           "/expires_at",
                                           "/number",
                                           "/evidence_ref",
                                           "/recheck_at",
                                           "/verified_by",
                                           "/staff_id",
                                           "/purpose",
                                           "/approve",
                                           "/approver_id",
                                           "/requested_by",
                                           "/lead_id",
                                           "/clause",
                                           "/phone",
                                           "/code",
                                           "/scopes",
                                           "/key",
                                           "/key_id",
                                           "/token",
                                           "/session_id",
                                           "/has_password",
                                           "/decided_at",
                                           "/user_id",
                                           NULL};

static const char *
field_ptr(const char *key)
{
    for (size_t i = 0; known_fields[i] != NULL; i++) {
        if (strcmp(known_fields[i] + 1, key) == 0) {
            return known_fields[i];
        }
    }
    return NULL;
}

lx_rc
http__people_body(struct lx_http_req *req, const char *const *allowed,
                  struct json_t **out)
{
    const char *key;
    json_t *v;
    lx_rc rc;

    rc = http__body_json(req, out);
    if (rc != LX_OK) {
        return rc;
    }
    if (!json_is_object(*out)) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, NULL,
                          "body must be a JSON object");
    }
    json_object_foreach(*out, key, v)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] != NULL; i++) {
            if (strcmp(allowed[i], key) == 0) {
                ok = true;
            }
        }
        if (!ok) {
            const char *f = field_ptr(key);
            return lx_err_set(&req->ctx.err, LX_EINVAL, f,
                              f != NULL ? "field may not be set here"
                                        : "unknown field");
        }
    }
    return LX_OK;
}

lx_rc
http__people_id(struct lx_http_req *req, size_t i, int64_t *out)
{
    const char *s = i < req->nparams ? req->params[i] : NULL;
    int64_t v = 0;

    if (s == NULL || *s == '\0' || strlen(s) > 18) {
        goto bad;
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            goto bad;
        }
        v = v * 10 + (*p - '0');
    }
    if (v <= 0) {
        goto bad;
    }
    *out = v;
    return LX_OK;
bad:
    return lx_err_set(&req->ctx.err, LX_ENOTFOUND, NULL, "no such resource");
}

lx_rc
http__people_need_actor(struct lx_http_req *req)
{
    if (req->ctx.actor.kind == LX_ACTOR_NONE) {
        return lx_err_set(&req->ctx.err, LX_EUNAUTH, NULL, NULL);
    }
    return LX_OK;
}

lx_rc
http__people_actor_id(struct lx_http_req *req, int64_t *id)
{
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, id);
    }
    return rc;
}

void
http__people_time(struct lx_buf *b, const char *key, int64_t ms)
{
    char t[40];

    lx_buf_printf(b, ",\"%s\":", key);
    if (ms <= 0) {
        lx_buf_append_str(b, "null");
        return;
    }
    lx_time_format(ms, 480, false, t, sizeof(t));
    lx_buf_printf(b, "\"%s\"", t);
}

void
http__people_str(struct lx_buf *b, const char *key, const char *v)
{
    lx_buf_printf(b, ",\"%s\":", key);
    lx_buf_append_json_str(b, v, strlen(v));
}

/* An optional ISO 8601 time member; *present says whether it was there. */
static lx_rc
get_time(struct lx_http_req *req, json_t *body, const char *key,
         const char *ptr, bool required, int64_t *out)
{
    const char *s;
    size_t n = 0;
    lx_rc rc;

    if (json_object_get(body, key) == NULL) {
        if (required) {
            return lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "required");
        }
        return LX_OK;
    }
    if (json_is_null(json_object_get(body, key))) {
        *out = 0;
        return LX_OK;
    }
    rc = lx_json_get_str(body, key, ptr, &s, &n, &req->ctx.err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_time_parse_iso(s, n, out, NULL, &req->ctx.err);
    if (rc != LX_OK) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr,
                          "not an ISO 8601 time with an offset");
    }
    return LX_OK;
}

static lx_rc
get_text(struct lx_http_req *req, json_t *body, const char *key,
         const char *ptr, char *out, size_t cap)
{
    const char *s;
    size_t n = 0;
    lx_rc rc = lx_json_get_str(body, key, ptr, &s, &n, &req->ctx.err);

    if (rc != LX_OK) {
        return rc;
    }
    if (n >= cap || memchr(s, '\0', n) != NULL) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "too long");
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return LX_OK;
}

static void
begin(struct lx_http_res *res, int status)
{
    lx_buf_init(&res->buf, OUT_MAX);
    res->status = status;
}

/* ---- Renderers ------------------------------------------------------------
 */

static void
render_org(struct lx_buf *b, const struct lx_people_org *o)
{
    bool first = true;

    lx_buf_printf(b, "{\"id\":%lld", (long long)o->id);
    http__people_str(b, "kind", o->platform ? "platform" : "firm");
    http__people_str(b, "name", o->name);
    if (o->uscc[0] != '\0') {
        http__people_str(b, "uscc", o->uscc);
    } else {
        lx_buf_append_str(b, ",\"uscc\":null");
    }
    lx_buf_append_str(b, ",\"practice_areas\":[");
    for (unsigned i = 0; i < LX_PEOPLE_AREA_COUNT; i++) {
        if (o->areas & (1u << i)) {
            const char *a = lx_people_area_name((enum lx_people_area)i);
            lx_buf_printf(b, "%s\"%s\"", first ? "" : ",", a);
            first = false;
        }
    }
    lx_buf_append_str(b, "],\"regions\":[");
    for (size_t i = 0; i < o->nregions; i++) {
        lx_buf_printf(b, "%s\"%s\"", i == 0 ? "" : ",", o->regions[i]);
    }
    lx_buf_printf(b, "],\"daily_capacity\":%lld", (long long)o->daily_capacity);
    http__people_time(b, "contract_signed_at", o->contract_signed_ms);
    if (o->damages_fen >= 0) {
        lx_buf_printf(b, ",\"damages_fen\":%lld", (long long)o->damages_fen);
    } else {
        lx_buf_append_str(b, ",\"damages_fen\":null");
    }
    http__people_str(b, "status",
                     o->platform ? "active"
                                 : lx_policy_firm_status_name(o->status));
    http__people_time(b, "status_changed_at", o->status_changed_ms);
    http__people_time(b, "created_at", o->created_ms);
    http__people_time(b, "updated_at", o->updated_ms);
    lx_buf_append_str(b, "}");
}

void
http__people_render_staff(struct lx_buf *b, const struct lx_people_staff *s)
{
    lx_buf_printf(b, "{\"id\":%lld,\"org_id\":%lld", (long long)s->id,
                  (long long)s->org_id);
    http__people_str(b, "role", lx_policy_role_name(s->role));
    http__people_str(b, "display_name", s->display_name);
    http__people_str(b, "email", s->email);
    http__people_str(b, "status",
                     s->status == LX_PEOPLE_STAFF_ACTIVE ? "active"
                                                         : "disabled");
    lx_buf_printf(b, ",\"has_password\":%s",
                  s->has_password ? "true" : "false");
    http__people_time(b, "created_at", s->created_ms);
    http__people_time(b, "updated_at", s->updated_ms);
    lx_buf_append_str(b, "}");
}

static void
render_grant(struct lx_buf *b, const struct lx_people_grant *g, bool minor)
{
    lx_buf_printf(b, "{\"id\":%lld,\"staff_id\":%lld", (long long)g->id,
                  (long long)g->staff_id);
    if (minor) {
        lx_buf_printf(b, ",\"lead_id\":%lld", (long long)g->lead_id);
    } else {
        lx_buf_printf(b, ",\"requested_by\":%lld", (long long)g->requested_by);
    }
    if (g->approver_id != 0) {
        lx_buf_printf(b, ",\"approver_id\":%lld", (long long)g->approver_id);
    } else {
        lx_buf_append_str(b, ",\"approver_id\":null");
    }
    http__people_str(b, "purpose", lx_policy_purpose_name(g->purpose));
    http__people_str(b, "status", lx_people_grant_status_name(g->status));
    http__people_time(b, "expires_at", g->expires_ms);
    http__people_time(b, "created_at", g->created_ms);
    http__people_time(b, "decided_at", g->decided_ms);
    lx_buf_append_str(b, "}");
}

/* ---- Firms ----------------------------------------------------------------
 */

static lx_rc
parse_org(struct lx_http_req *req, json_t *body, struct lx_people_org *o,
          unsigned *fields)
{
    json_t *v;
    lx_rc rc;

    *fields = 0;
    if (json_object_get(body, "name") != NULL) {
        rc = get_text(req, body, "name", "/name", o->name, sizeof(o->name));
        if (rc != LX_OK) {
            return rc;
        }
        *fields |= LX_PEOPLE_ORG_NAME;
    }
    if (json_object_get(body, "uscc") != NULL) {
        rc = get_text(req, body, "uscc", "/uscc", o->uscc, sizeof(o->uscc));
        if (rc != LX_OK) {
            return lx_err_set(&req->ctx.err, LX_EINVAL, "/uscc",
                              "not a valid unified social credit code");
        }
    }
    if ((v = json_object_get(body, "practice_areas")) != NULL) {
        size_t i;
        json_t *e;
        if (!json_is_array(v)) {
            return lx_err_set(&req->ctx.err, LX_EINVAL, "/practice_areas",
                              "must be an array");
        }
        json_array_foreach(v, i, e)
        {
            enum lx_people_area a;
            if (!json_is_string(e) ||
                !lx_people_area_parse(json_string_value(e),
                                      json_string_length(e), &a)) {
                return lx_err_set(&req->ctx.err, LX_EINVAL, "/practice_areas",
                                  "unknown area at %zu", i);
            }
            o->areas |= 1u << a;
        }
        *fields |= LX_PEOPLE_ORG_AREAS;
    }
    if ((v = json_object_get(body, "regions")) != NULL) {
        size_t i;
        json_t *e;
        if (!json_is_array(v) || json_array_size(v) > LX_PEOPLE_REGIONS_MAX) {
            return lx_err_set(&req->ctx.err, LX_EINVAL, "/regions",
                              "an array of at most %d codes",
                              LX_PEOPLE_REGIONS_MAX);
        }
        json_array_foreach(v, i, e)
        {
            if (!json_is_string(e) || json_string_length(e) != 6) {
                return lx_err_set(&req->ctx.err, LX_EINVAL, "/regions",
                                  "region %zu is not a GB/T 2260 code", i);
            }
            memcpy(o->regions[i], json_string_value(e), 7);
        }
        o->nregions = json_array_size(v);
        *fields |= LX_PEOPLE_ORG_REGIONS;
    }
    if (json_object_get(body, "daily_capacity") != NULL) {
        rc = lx_json_get_int(body, "daily_capacity", "/daily_capacity",
                             &o->daily_capacity, &req->ctx.err);
        if (rc != LX_OK) {
            return rc;
        }
        *fields |= LX_PEOPLE_ORG_CAPACITY;
    }
    if (json_object_get(body, "contract_signed_at") != NULL) {
        rc = get_time(req, body, "contract_signed_at", "/contract_signed_at",
                      false, &o->contract_signed_ms);
        if (rc != LX_OK) {
            return rc;
        }
        *fields |= LX_PEOPLE_ORG_CONTRACT;
    }
    if ((v = json_object_get(body, "damages_fen")) != NULL) {
        if (json_is_null(v)) {
            o->damages_fen = -1;
        } else {
            rc = lx_json_get_int(body, "damages_fen", "/damages_fen",
                                 &o->damages_fen, &req->ctx.err);
            if (rc != LX_OK) {
                return rc;
            }
            if (o->damages_fen < 0) {
                return lx_err_set(&req->ctx.err, LX_EINVAL, "/damages_fen",
                                  "must be a non-negative amount in fen");
            }
        }
        *fields |= LX_PEOPLE_ORG_DAMAGES;
    }
    return LX_OK;
}

lx_rc
http__h_firms_list(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_org *list;
    size_t n = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc != LX_OK) {
        return rc;
    }
    list = lx_arena_alloc(&req->ctx.arena, LIST_MAX, sizeof(*list));
    rc = lx_people_org_list(&req->ctx, list, LIST_MAX, &n);
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 200);
    lx_buf_append_str(&res->buf, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            lx_buf_append_str(&res->buf, ",");
        }
        render_org(&res->buf, &list[i]);
    }
    lx_buf_append_str(&res->buf, "]}");
    return LX_OK;
}

static const char *const org_create_fields[] = {
    "name",           "uscc",
    "practice_areas", "regions",
    "daily_capacity", "contract_signed_at",
    "damages_fen",    NULL};
static const char *const org_update_fields[] = {"name",
                                                "practice_areas",
                                                "regions",
                                                "daily_capacity",
                                                "contract_signed_at",
                                                "damages_fen",
                                                NULL};

lx_rc
http__h_firms_create(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_org o = {.damages_fen = -1};
    struct lx_people_org got;
    json_t *body;
    unsigned fields;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc != LX_OK) {
        return rc;
    }
    rc = http__people_body(req, org_create_fields, &body);
    if (rc != LX_OK) {
        return rc;
    }
    rc = parse_org(req, body, &o, &fields);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_people_org_create(&req->ctx, &o, &id);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_people_org_get(&req->ctx, id, &got);
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 201);
    render_org(&res->buf, &got);
    return LX_OK;
}

lx_rc
http__h_firm_get(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_org o;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = lx_people_org_get(&req->ctx, id, &o);
    }
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 200);
    render_org(&res->buf, &o);
    return LX_OK;
}

lx_rc
http__h_firm_update(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_org o = {.damages_fen = -1};
    json_t *body;
    unsigned fields;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, org_update_fields, &body);
    }
    if (rc == LX_OK) {
        rc = parse_org(req, body, &o, &fields);
    }
    if (rc == LX_OK) {
        rc = lx_people_org_update(&req->ctx, id, &o, fields);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return http__h_firm_get(req, res);
}

lx_rc
http__h_firm_delete(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = lx_people_org_delete(&req->ctx, id);
    }
    if (rc == LX_OK) {
        res->status = 204;
    }
    return rc;
}

static const char *const status_fields[] = {"status", "clause", NULL};

lx_rc
http__h_firm_status(struct lx_http_req *req, struct lx_http_res *res)
{
    enum lx_policy_firm_status to = LX_POLICY_FIRM_UNKNOWN;
    char st[40];
    char clause[8] = "C8.1";
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, status_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "status", "/status", st, sizeof(st));
    }
    if (rc == LX_OK && !lx_policy_firm_status_parse(st, &to)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/status", "unknown status");
    }
    if (rc == LX_OK && json_object_get(body, "clause") != NULL) {
        rc = get_text(req, body, "clause", "/clause", clause, sizeof(clause));
        if (rc == LX_OK &&
            (strncmp(clause, "C", 1) != 0 ||
             strspn(clause + 1, "0123456789.") != strlen(clause) - 1)) {
            rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/clause",
                            "a clause id such as C8.1");
        }
    }
    if (rc != LX_OK) {
        return rc;
    }
    /* The clause id is kept for the audit record: static strings only. */
    {
        static const char *const clauses[] = {"C8.1", "C7.1", "C8.2", "C8.3",
                                              NULL};
        const char *c = NULL;
        for (size_t i = 0; clauses[i] != NULL; i++) {
            if (strcmp(clauses[i], clause) == 0) {
                c = clauses[i];
            }
        }
        if (c == NULL) {
            return lx_err_set(&req->ctx.err, LX_EINVAL, "/clause",
                              "one of C8.1, C7.1, C8.2, C8.3");
        }
        rc = lx_people_org_set_status(&req->ctx, id, to, c);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return http__h_firm_get(req, res);
}

/* ---- Staff ----------------------------------------------------------------
 */

lx_rc
http__h_staff_list(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_staff *list;
    size_t n = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc != LX_OK) {
        return rc;
    }
    list = lx_arena_alloc(&req->ctx.arena, LIST_MAX, sizeof(*list));
    rc = lx_people_staff_list(&req->ctx, 0, list, LIST_MAX, &n);
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 200);
    lx_buf_append_str(&res->buf, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            lx_buf_append_str(&res->buf, ",");
        }
        http__people_render_staff(&res->buf, &list[i]);
    }
    lx_buf_append_str(&res->buf, "]}");
    return LX_OK;
}

static const char *const staff_create_fields[] = {
    "org_id", "role", "display_name", "email", "password", NULL};
static const char *const staff_update_fields[] = {"display_name", "status",
                                                  NULL};

lx_rc
http__h_staff_get(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_staff s;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = lx_people_staff_get(&req->ctx, id, &s);
    }
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, res->status == 201 ? 201 : 200);
    http__people_render_staff(&res->buf, &s);
    return LX_OK;
}

lx_rc
http__h_staff_create(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_staff s = {0};
    char role[40];
    char pw[160];
    const char *password = NULL;
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_body(req, staff_create_fields, &body);
    }
    if (rc == LX_OK) {
        rc = lx_json_get_int(body, "org_id", "/org_id", &s.org_id,
                             &req->ctx.err);
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "role", "/role", role, sizeof(role));
    }
    if (rc == LX_OK && (!lx_policy_role_parse(role, &s.role) ||
                        s.role == LX_POLICY_ROLE_USER)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/role", "unknown role");
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "display_name", "/display_name",
                      s.display_name, sizeof(s.display_name));
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "email", "/email", s.email, sizeof(s.email));
    }
    if (rc == LX_OK && json_object_get(body, "password") != NULL) {
        rc = get_text(req, body, "password", "/password", pw, sizeof(pw));
        password = pw;
    }
    if (rc == LX_OK) {
        rc = lx_people_staff_create(&req->ctx, &s, password, &id);
    }
    memset(pw, 0, sizeof(pw));
    if (rc != LX_OK) {
        return rc;
    }
    res->status = 201;
    req->params[0] = lx_arena_printf(&req->ctx.arena, "%lld", (long long)id);
    req->nparams = 1;
    return http__h_staff_get(req, res);
}

lx_rc
http__h_staff_update(struct lx_http_req *req, struct lx_http_res *res)
{
    char name[LX_PEOPLE_NAME_MAX + 1];
    char st[16];
    bool set_status = false;
    enum lx_people_staff_status status = LX_PEOPLE_STAFF_DISABLED;
    const char *nm = NULL;
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, staff_update_fields, &body);
    }
    if (rc == LX_OK && json_object_get(body, "display_name") != NULL) {
        rc = get_text(req, body, "display_name", "/display_name", name,
                      sizeof(name));
        nm = name;
    }
    if (rc == LX_OK && json_object_get(body, "status") != NULL) {
        rc = get_text(req, body, "status", "/status", st, sizeof(st));
        if (rc == LX_OK) {
            set_status = true;
            if (strcmp(st, "active") == 0) {
                status = LX_PEOPLE_STAFF_ACTIVE;
            } else if (strcmp(st, "disabled") != 0) {
                rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/status",
                                "active or disabled");
            }
        }
    }
    if (rc == LX_OK) {
        rc = lx_people_staff_update(&req->ctx, id, nm, set_status, status);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return http__h_staff_get(req, res);
}

lx_rc
http__h_staff_delete(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = lx_people_staff_delete(&req->ctx, id);
    }
    if (rc == LX_OK) {
        res->status = 204;
    }
    return rc;
}

static const char *const password_fields[] = {"password", NULL};

lx_rc
http__h_staff_password(struct lx_http_req *req, struct lx_http_res *res)
{
    char pw[160];
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, password_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "password", "/password", pw, sizeof(pw));
    }
    if (rc == LX_OK) {
        rc = lx_people_staff_set_password(&req->ctx, id, pw);
    }
    memset(pw, 0, sizeof(pw));
    if (rc == LX_OK) {
        res->status = 204;
    }
    return rc;
}

/* ---- Training -------------------------------------------------------------
 */

static const char *const training_fields[] = {"course", "version", "passed_at",
                                              "expires_at", NULL};

lx_rc
http__h_training_list(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_training *list;
    size_t n = 0;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc != LX_OK) {
        return rc;
    }
    list = lx_arena_alloc(&req->ctx.arena, LIST_MAX, sizeof(*list));
    rc = lx_people_training_list(&req->ctx, id, list, LIST_MAX, &n);
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 200);
    lx_buf_append_str(&res->buf, "{\"items\":[");
    for (size_t i = 0; i < n; i++) {
        const struct lx_people_training *t = &list[i];
        lx_buf_printf(&res->buf, "%s{\"id\":%lld,\"staff_id\":%lld",
                      i > 0 ? "," : "", (long long)t->id,
                      (long long)t->staff_id);
        http__people_str(&res->buf, "course", t->course);
        http__people_str(&res->buf, "version", t->version);
        http__people_time(&res->buf, "passed_at", t->passed_ms);
        http__people_time(&res->buf, "expires_at", t->expires_ms);
        lx_buf_printf(&res->buf, ",\"current\":%s}",
                      t->passed_ms <= req->ctx.now_ms &&
                              req->ctx.now_ms < t->expires_ms
                          ? "true"
                          : "false");
    }
    lx_buf_append_str(&res->buf, "]}");
    return LX_OK;
}

lx_rc
http__h_training_add(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_training t = {0};
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &t.staff_id);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, training_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "course", "/course", t.course,
                      sizeof(t.course));
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "version", "/version", t.version,
                      sizeof(t.version));
    }
    if (rc == LX_OK) {
        rc = get_time(req, body, "passed_at", "/passed_at", true, &t.passed_ms);
    }
    if (rc == LX_OK) {
        rc = get_time(req, body, "expires_at", "/expires_at", true,
                      &t.expires_ms);
    }
    if (rc == LX_OK) {
        rc = lx_people_training_add(&req->ctx, &t, &id);
    }
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 201);
    lx_buf_printf(&res->buf, "{\"id\":%lld,\"staff_id\":%lld", (long long)id,
                  (long long)t.staff_id);
    http__people_str(&res->buf, "course", t.course);
    http__people_str(&res->buf, "version", t.version);
    http__people_time(&res->buf, "passed_at", t.passed_ms);
    http__people_time(&res->buf, "expires_at", t.expires_ms);
    lx_buf_append_str(&res->buf, "}");
    return LX_OK;
}

/* ---- Licences -------------------------------------------------------------
 */

static const char *const licence_fields[] = {"number", NULL};
static const char *const verify_fields[] = {"status", "evidence_ref",
                                            "recheck_at", NULL};

lx_rc
http__h_licence_get(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_people_licence l;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = lx_people_licence_get(&req->ctx, id, &l);
    }
    if (rc != LX_OK) {
        return rc;
    }
    begin(res, 200);
    lx_buf_printf(&res->buf, "{\"staff_id\":%lld", (long long)l.staff_id);
    http__people_str(&res->buf, "number", l.number);
    http__people_str(&res->buf, "status",
                     lx_people_licence_status_name(l.status));
    if (l.verified_by != 0) {
        lx_buf_printf(&res->buf, ",\"verified_by\":%lld",
                      (long long)l.verified_by);
        http__people_str(&res->buf, "evidence_ref", l.evidence_ref);
    } else {
        lx_buf_append_str(&res->buf,
                          ",\"verified_by\":null,\"evidence_ref\":null");
    }
    http__people_time(&res->buf, "verified_at", l.verified_ms);
    http__people_time(&res->buf, "recheck_at", l.recheck_ms);
    http__people_time(&res->buf, "updated_at", l.updated_ms);
    lx_buf_append_str(&res->buf, "}");
    return LX_OK;
}

lx_rc
http__h_licence_set(struct lx_http_req *req, struct lx_http_res *res)
{
    char num[32];
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, licence_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "number", "/number", num, sizeof(num));
    }
    if (rc == LX_OK) {
        rc = lx_people_licence_set(&req->ctx, id, num);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return http__h_licence_get(req, res);
}

lx_rc
http__h_licence_verify(struct lx_http_req *req, struct lx_http_res *res)
{
    enum lx_people_licence_status st = LX_PEOPLE_LICENCE_NONE;
    char sts[16];
    char ev[LX_PEOPLE_REF_MAX + 1];
    int64_t recheck = 0;
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, verify_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "status", "/status", sts, sizeof(sts));
    }
    if (rc == LX_OK && !lx_people_licence_status_parse(sts, &st)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/status",
                        "verified, rejected or revoked");
    }
    if (rc == LX_OK) {
        rc = get_text(req, body, "evidence_ref", "/evidence_ref", ev,
                      sizeof(ev));
    }
    if (rc == LX_OK) {
        rc = get_time(req, body, "recheck_at", "/recheck_at",
                      st == LX_PEOPLE_LICENCE_VERIFIED, &recheck);
    }
    if (rc == LX_OK) {
        rc = lx_people_licence_verify(&req->ctx, id, st, ev, recheck);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return http__h_licence_get(req, res);
}

/* ---- Grants and approvals -------------------------------------------------
 */

static const char *const grant_fields[] = {"staff_id", "purpose", "expires_at",
                                           NULL};
static const char *const grant_decision_fields[] = {"approve", NULL};
static const char *const approval_fields[] = {"lead_id", "purpose", NULL};
static const char *const approval_decision_fields[] = {"approve", "expires_at",
                                                       NULL};

static lx_rc
get_purpose(struct lx_http_req *req, json_t *body, enum lx_policy_purpose *out)
{
    char p[32];
    lx_rc rc = get_text(req, body, "purpose", "/purpose", p, sizeof(p));

    if (rc == LX_OK && !lx_policy_purpose_parse(p, out)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/purpose",
                        "one of the five purposes of C2.1");
    }
    return rc;
}

static lx_rc
get_bool(struct lx_http_req *req, json_t *body, const char *key,
         const char *ptr, bool *out)
{
    json_t *v = json_object_get(body, key);

    if (!json_is_boolean(v)) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr,
                          "must be true or false");
    }
    *out = json_is_true(v);
    return LX_OK;
}

static lx_rc
grant_render(struct lx_http_req *req, struct lx_http_res *res, int64_t id,
             bool minor, int status)
{
    struct lx_people_grant g;
    lx_rc rc = minor ? lx_people_minor_get(&req->ctx, id, &g)
                     : lx_people_grant_get(&req->ctx, id, &g);

    if (rc != LX_OK) {
        return rc;
    }
    begin(res, status);
    render_grant(&res->buf, &g, minor);
    return LX_OK;
}

lx_rc
http__h_grants_create(struct lx_http_req *req, struct lx_http_res *res)
{
    enum lx_policy_purpose p = LX_POLICY_PURPOSE_NONE;
    int64_t staff = 0, exp = 0, id = 0;
    json_t *body;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_body(req, grant_fields, &body);
    }
    if (rc == LX_OK) {
        rc = lx_json_get_int(body, "staff_id", "/staff_id", &staff,
                             &req->ctx.err);
    }
    if (rc == LX_OK) {
        rc = get_purpose(req, body, &p);
    }
    if (rc == LX_OK) {
        rc = get_time(req, body, "expires_at", "/expires_at", true, &exp);
    }
    if (rc == LX_OK) {
        rc = lx_people_grant_request(&req->ctx, staff, p, exp, &id);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return grant_render(req, res, id, false, 201);
}

/* GET of a grant (minor false) or a minor's approval (true): the path's
 * id, rendered as grant_render does. */
static lx_rc
grant_get(struct lx_http_req *req, struct lx_http_res *res, bool minor)
{
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return grant_render(req, res, id, minor, 200);
}

lx_rc
http__h_grant_get(struct lx_http_req *req, struct lx_http_res *res)
{
    return grant_get(req, res, false);
}

lx_rc
http__h_grant_decide(struct lx_http_req *req, struct lx_http_res *res)
{
    bool approve = false;
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, grant_decision_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_bool(req, body, "approve", "/approve", &approve);
    }
    if (rc == LX_OK) {
        rc = lx_people_grant_decide(&req->ctx, id, approve);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return grant_render(req, res, id, false, 200);
}

lx_rc
http__h_grant_revoke(struct lx_http_req *req, struct lx_http_res *res)
{
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = lx_people_grant_revoke(&req->ctx, id);
    }
    if (rc == LX_OK) {
        res->status = 204;
    }
    return rc;
}

lx_rc
http__h_approvals_create(struct lx_http_req *req, struct lx_http_res *res)
{
    enum lx_policy_purpose p = LX_POLICY_PURPOSE_NONE;
    int64_t lead = 0, id = 0;
    json_t *body;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_body(req, approval_fields, &body);
    }
    if (rc == LX_OK) {
        rc = lx_json_get_int(body, "lead_id", "/lead_id", &lead, &req->ctx.err);
    }
    if (rc == LX_OK) {
        rc = get_purpose(req, body, &p);
    }
    if (rc == LX_OK) {
        rc = lx_people_minor_request(&req->ctx, lead, p, &id);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return grant_render(req, res, id, true, 201);
}

lx_rc
http__h_approval_get(struct lx_http_req *req, struct lx_http_res *res)
{
    return grant_get(req, res, true);
}

lx_rc
http__h_approval_decide(struct lx_http_req *req, struct lx_http_res *res)
{
    bool approve = false;
    int64_t exp = 0;
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_id(req, 0, &id);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, approval_decision_fields, &body);
    }
    if (rc == LX_OK) {
        rc = get_bool(req, body, "approve", "/approve", &approve);
    }
    if (rc == LX_OK) {
        rc = get_time(req, body, "expires_at", "/expires_at", approve, &exp);
    }
    if (rc == LX_OK) {
        rc = lx_people_minor_decide(&req->ctx, id, approve, exp);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return grant_render(req, res, id, true, 200);
}
