/* common — the audit seam, the admin rules and row loaders of people/. */
#include "people/people_int.h"
#include "audit/audit.h"
#include "base/utf8.h"
#include "crypto/crypto.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

lx_rc
people__audit_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                 const struct people_event *ev, struct lx_err *err)
{
    struct lx_audit_entry e = {0};
    char rid[24] = "";

    if (ev->resource_id != 0) {
        snprintf(rid, sizeof(rid), "%" PRId64, ev->resource_id);
    }
    e.time_ms = ctx != NULL ? ctx->now_ms : 0;
    e.kind = (enum lx_audit_kind)ev->kind;
    if (ctx != NULL) {
        e.actor_kind = (int)ctx->actor.kind;
        e.actor_id = ctx->actor.id;
        e.actor_firm = ctx->actor.firm_id;
        e.actor_role = ctx->actor.role;
        e.request_id = ctx->req_id;
    }
    e.action = ev->action;
    e.resource_type = ev->resource_type;
    e.resource_id = rid;
    e.purpose = ev->purpose;
    e.decision = ev->decision;
    e.reason = ev->reason;
    e.clause = ev->clause;
    return lx_audit_append_tx(tx, &e, err);
}

enum lx_policy_role
people__role(const struct lx_ctx *ctx)
{
    enum lx_policy_role r = LX_POLICY_ROLE_NONE;

    if (ctx->actor.kind != LX_ACTOR_STAFF) {
        return LX_POLICY_ROLE_NONE;
    }
    (void)lx_policy_role_parse(ctx->actor.role, &r);
    return r;
}

bool
people__may_see_org(const struct lx_ctx *ctx, int64_t org_id)
{
    enum lx_policy_role r = people__role(ctx);

    if (lx_policy_role_is_platform(r)) {
        return true;
    }
    return lx_policy_role_is_firm(r) && ctx->actor.firm_id == org_id;
}

bool
people__manages_org(const struct lx_ctx *ctx, int64_t org_id)
{
    enum lx_policy_role r = people__role(ctx);

    if (r == LX_POLICY_ROLE_PLATFORM_ADMIN) {
        return true;
    }
    return r == LX_POLICY_ROLE_FIRM_ADMIN && ctx->actor.firm_id == org_id;
}

lx_rc
people__need_staff(struct lx_ctx *ctx)
{
    if (ctx->actor.kind == LX_ACTOR_NONE) {
        return lx_err_set(&ctx->err, LX_EUNAUTH, NULL, NULL);
    }
    if (people__role(ctx) == LX_POLICY_ROLE_NONE) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL, "staff only");
    }
    return LX_OK;
}

bool
people__copy(char *dst, size_t cap, const char *src, size_t n)
{
    if (src == NULL || n >= cap) {
        return false;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    return true;
}

lx_rc
people__exec1(struct lx_store_tx *tx, struct lx_store_stmt *s,
              struct lx_err *err)
{
    bool row = false;
    lx_rc rc = lx_store_step(s, &row, err);

    (void)tx;
    return rc;
}

static const char *const status_sql[LX_POLICY_FIRM_COUNT] = {
    [LX_POLICY_FIRM_UNKNOWN] = NULL,
    [LX_POLICY_FIRM_ACTIVE] = "active",
    [LX_POLICY_FIRM_RESTRICTED] = "restricted",
    [LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED] = "distribution_suspended",
    [LX_POLICY_FIRM_COOPERATION_SUSPENDED] = "cooperation_suspended",
    [LX_POLICY_FIRM_TERMINATING] = "terminating",
    [LX_POLICY_FIRM_TERMINATED] = "terminated",
};

const char *
people__status_sql(enum lx_policy_firm_status s)
{
    if ((unsigned)s >= LX_POLICY_FIRM_COUNT) {
        return NULL;
    }
    return status_sql[s];
}

const char *
people__staff_status_name(enum lx_people_staff_status s)
{
    return s == LX_PEOPLE_STAFF_ACTIVE ? "active" : "disabled";
}

#define ORG_COLS                                                               \
    "id, kind, name, COALESCE(uscc, ''), daily_capacity,"                      \
    " COALESCE(contract_signed_ms, 0), COALESCE(damages_fen, -1), status,"     \
    " status_changed_ms, created_ms, updated_ms"

static lx_rc
org_children_tx(struct lx_store_tx *tx, struct lx_people_org *o,
                struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT code FROM org_regions WHERE org_id = :id"
                          " ORDER BY code",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", o->id);
    o->nregions = 0;
    while ((rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        size_t len = 0;
        const char *c = lx_store_col_text(s, 0, &len);
        if (o->nregions < LX_PEOPLE_REGIONS_MAX &&
            people__copy(o->regions[o->nregions], 7, c, len)) {
            o->nregions++;
        }
    }
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_stmt_free(s);
    s = NULL;
    rc = lx_store_prepare(tx, "SELECT area FROM org_areas WHERE org_id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", o->id);
    o->areas = 0;
    while ((rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        size_t len = 0;
        const char *a = lx_store_col_text(s, 0, &len);
        enum lx_people_area ar;
        if (lx_people_area_parse(a, len, &ar)) {
            o->areas |= 1u << ar;
        }
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

void
people__org_row(struct lx_store_stmt *s, struct lx_people_org *o)
{
    size_t len = 0;
    const char *t;

    memset(o, 0, sizeof(*o));
    o->id = lx_store_col_int(s, 0);
    t = lx_store_col_text(s, 1, &len);
    o->platform = len == 8 && memcmp(t, "platform", 8) == 0;
    t = lx_store_col_text(s, 2, &len);
    (void)people__copy(o->name, sizeof(o->name), t, len);
    t = lx_store_col_text(s, 3, &len);
    (void)people__copy(o->uscc, sizeof(o->uscc), t, len);
    o->daily_capacity = lx_store_col_int(s, 4);
    o->contract_signed_ms = lx_store_col_int(s, 5);
    o->damages_fen = lx_store_col_int(s, 6);
    t = lx_store_col_text(s, 7, &len);
    {
        char st[32];
        if (people__copy(st, sizeof(st), t, len)) {
            (void)lx_policy_firm_status_parse(st, &o->status);
        }
    }
    o->status_changed_ms = lx_store_col_int(s, 8);
    o->created_ms = lx_store_col_int(s, 9);
    o->updated_ms = lx_store_col_int(s, 10);
}

lx_rc
people__org_load_tx(struct lx_store_tx *tx, int64_t id,
                    struct lx_people_org *out, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT " ORG_COLS " FROM orgs WHERE id = :id"
                          " AND deleted_ms IS NULL",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", id);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (!row) {
        rc = lx_err_set(err, LX_ENOTFOUND, NULL, "no such organisation");
        goto out;
    }
    people__org_row(s, out);
    lx_store_stmt_free(s);
    s = NULL;
    rc = org_children_tx(tx, out, err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
people__org_list_tx(struct lx_store_tx *tx, int64_t only,
                    struct lx_people_org *out, size_t max, size_t *n,
                    struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    *n = 0;
    rc = lx_store_prepare(tx,
                          "SELECT " ORG_COLS " FROM orgs WHERE deleted_ms IS"
                          " NULL AND (:only = 0 OR id = :only) ORDER BY id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":only", only);
    while (*n < max && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        people__org_row(s, &out[*n]);
        (*n)++;
    }
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_stmt_free(s);
    s = NULL;
    for (size_t i = 0; i < *n; i++) {
        rc = org_children_tx(tx, &out[i], err);
        if (rc != LX_OK) {
            goto out;
        }
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

#define STAFF_COLS                                                             \
    "id, org_id, role, display_name, email, status, CASE WHEN pw_hash IS"      \
    " NULL THEN 0 ELSE 1 END, created_ms, updated_ms"

void
people__staff_row(struct lx_store_stmt *s, struct lx_people_staff *o)
{
    size_t len = 0;
    const char *t;
    char buf[32];

    memset(o, 0, sizeof(*o));
    o->id = lx_store_col_int(s, 0);
    o->org_id = lx_store_col_int(s, 1);
    t = lx_store_col_text(s, 2, &len);
    if (people__copy(buf, sizeof(buf), t, len)) {
        (void)lx_policy_role_parse(buf, &o->role);
    }
    t = lx_store_col_text(s, 3, &len);
    (void)people__copy(o->display_name, sizeof(o->display_name), t, len);
    t = lx_store_col_text(s, 4, &len);
    (void)people__copy(o->email, sizeof(o->email), t, len);
    t = lx_store_col_text(s, 5, &len);
    o->status = (len == 6 && memcmp(t, "active", 6) == 0)
                    ? LX_PEOPLE_STAFF_ACTIVE
                    : LX_PEOPLE_STAFF_DISABLED;
    o->has_password = lx_store_col_int(s, 6) != 0;
    o->created_ms = lx_store_col_int(s, 7);
    o->updated_ms = lx_store_col_int(s, 8);
}

lx_rc
people__staff_load_tx(struct lx_store_tx *tx, int64_t id,
                      struct lx_people_staff *out, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT " STAFF_COLS " FROM staff WHERE id = :id"
                          " AND deleted_ms IS NULL",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", id);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (!row) {
        rc = lx_err_set(err, LX_ENOTFOUND, NULL, "no such staff member");
        goto out;
    }
    people__staff_row(s, out);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
people__staff_list_tx(struct lx_store_tx *tx, int64_t org_id, int64_t only,
                      struct lx_people_staff *out, size_t max, size_t *n,
                      struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    *n = 0;
    rc = lx_store_prepare(tx,
                          "SELECT " STAFF_COLS " FROM staff WHERE deleted_ms"
                          " IS NULL AND (:org = 0 OR org_id = :org) AND"
                          " (:only = 0 OR id = :only) ORDER BY id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":org", org_id);
    lx_store_bind_int(s, ":only", only);
    while (*n < max && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        people__staff_row(s, &out[*n]);
        (*n)++;
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
people__revoke_staff_tx(struct lx_store_tx *tx, int64_t staff_id,
                        int64_t now_ms, const char *reason, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "UPDATE sessions SET revoked_ms = :now,"
                          " revoke_reason = :why WHERE staff_id = :id AND"
                          " revoked_ms IS NULL",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":now", now_ms);
        lx_store_bind_text(s, ":why", reason, strlen(reason));
        lx_store_bind_int(s, ":id", staff_id);
        rc = people__exec1(tx, s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
people__revoke_org_tx(struct lx_store_tx *tx, int64_t org_id, int64_t now_ms,
                      const char *reason, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "UPDATE sessions SET revoked_ms = :now,"
                          " revoke_reason = :why WHERE revoked_ms IS NULL AND"
                          " staff_id IN (SELECT id FROM staff WHERE"
                          " org_id = :org)",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":now", now_ms);
        lx_store_bind_text(s, ":why", reason, strlen(reason));
        lx_store_bind_int(s, ":org", org_id);
        rc = people__exec1(tx, s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}
