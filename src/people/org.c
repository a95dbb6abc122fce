/* org — the platform and partner firms (C8.1, C7.1, C8.3). */
#include "people/people_int.h"

#include <string.h>

#define CAPACITY_MAX 100000

static lx_rc
check_org(const struct lx_people_org *in, unsigned fields, struct lx_err *err)
{
    if ((fields & LX_PEOPLE_ORG_NAME) &&
        !lx_people_name_valid(in->name, LX_PEOPLE_NAME_MAX)) {
        return lx_err_set(err, LX_EINVAL, "/name", "not a valid name");
    }
    if ((fields & LX_PEOPLE_ORG_AREAS) &&
        (in->areas & ~((1u << LX_PEOPLE_AREA_COUNT) - 1u)) != 0) {
        return lx_err_set(err, LX_EINVAL, "/practice_areas", "unknown area");
    }
    if (fields & LX_PEOPLE_ORG_REGIONS) {
        if (in->nregions > LX_PEOPLE_REGIONS_MAX) {
            return lx_err_set(err, LX_EINVAL, "/regions", "too many regions");
        }
        for (size_t i = 0; i < in->nregions; i++) {
            if (!lx_people_region_valid(in->regions[i],
                                        strnlen(in->regions[i], 7))) {
                return lx_err_set(err, LX_EINVAL, "/regions",
                                  "region %zu is not a GB/T 2260 code", i);
            }
        }
    }
    if ((fields & LX_PEOPLE_ORG_CAPACITY) &&
        (in->daily_capacity < 0 || in->daily_capacity > CAPACITY_MAX)) {
        return lx_err_set(err, LX_EINVAL, "/daily_capacity", "must be 0..%d",
                          CAPACITY_MAX);
    }
    if ((fields & LX_PEOPLE_ORG_CONTRACT) && in->contract_signed_ms < 0) {
        return lx_err_set(err, LX_EINVAL, "/contract_signed_at", "not a time");
    }
    if ((fields & LX_PEOPLE_ORG_DAMAGES) && in->damages_fen < -1) {
        return lx_err_set(err, LX_EINVAL, "/damages_fen",
                          "must be a non-negative amount in fen");
    }
    return LX_OK;
}

static lx_rc
write_children_tx(struct lx_store_tx *tx, int64_t id,
                  const struct lx_people_org *in, unsigned fields,
                  struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc = LX_OK;

    if (fields & LX_PEOPLE_ORG_REGIONS) {
        rc = lx_store_prepare(tx, "DELETE FROM org_regions WHERE org_id = :id",
                              &s, err);
        if (rc != LX_OK) {
            goto out;
        }
        lx_store_bind_int(s, ":id", id);
        rc = people__exec1(tx, s, err);
        lx_store_stmt_free(s);
        s = NULL;
        if (rc != LX_OK) {
            goto out;
        }
        rc = lx_store_prepare(tx,
                              "INSERT INTO org_regions (org_id, code) VALUES"
                              " (:id, :code) ON CONFLICT (org_id, code) DO"
                              " NOTHING",
                              &s, err);
        if (rc != LX_OK) {
            goto out;
        }
        for (size_t i = 0; i < in->nregions; i++) {
            lx_store_reset(s);
            lx_store_bind_int(s, ":id", id);
            lx_store_bind_text(s, ":code", in->regions[i], 6);
            rc = people__exec1(tx, s, err);
            if (rc != LX_OK) {
                goto out;
            }
        }
        lx_store_stmt_free(s);
        s = NULL;
    }
    if (fields & LX_PEOPLE_ORG_AREAS) {
        rc = lx_store_prepare(tx, "DELETE FROM org_areas WHERE org_id = :id",
                              &s, err);
        if (rc != LX_OK) {
            goto out;
        }
        lx_store_bind_int(s, ":id", id);
        rc = people__exec1(tx, s, err);
        lx_store_stmt_free(s);
        s = NULL;
        if (rc != LX_OK) {
            goto out;
        }
        rc = lx_store_prepare(tx,
                              "INSERT INTO org_areas (org_id, area) VALUES"
                              " (:id, :area)",
                              &s, err);
        if (rc != LX_OK) {
            goto out;
        }
        for (unsigned i = 0; i < LX_PEOPLE_AREA_COUNT; i++) {
            const char *a = lx_people_area_name((enum lx_people_area)i);
            if ((in->areas & (1u << i)) == 0) {
                continue;
            }
            lx_store_reset(s);
            lx_store_bind_int(s, ":id", id);
            lx_store_bind_text(s, ":area", a, strlen(a));
            rc = people__exec1(tx, s, err);
            if (rc != LX_OK) {
                goto out;
            }
        }
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

static void
bind_opt(struct lx_store_stmt *s, const char *name, int64_t v, int64_t none)
{
    if (v == none) {
        lx_store_bind_null(s, name);
    } else {
        lx_store_bind_int(s, name, v);
    }
}

struct org_arg {
    struct lx_ctx *ctx;
    const struct lx_people_org *in;
    struct lx_people_org *out;
    size_t max;
    size_t *n;
    int64_t id;
    unsigned fields;
    enum lx_policy_firm_status to;
    const char *clause;
};

/* Insert an organisation row (platform or firm) and audit it. */
static lx_rc
org_insert_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
              const struct lx_people_org *in, int64_t *id, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(
        tx,
        "INSERT INTO orgs (kind, name, uscc, daily_capacity,"
        " contract_signed_ms, damages_fen, status, status_changed_ms,"
        " created_ms, updated_ms) VALUES (:kind, :name, :uscc, :cap,"
        " :signed, :damages, 'active', :now, :now, :now) RETURNING id",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":kind", in->platform ? "platform" : "firm",
                       in->platform ? 8 : 4);
    lx_store_bind_text(s, ":name", in->name, strlen(in->name));
    if (in->uscc[0] != '\0') {
        lx_store_bind_text(s, ":uscc", in->uscc, strlen(in->uscc));
    } else {
        lx_store_bind_null(s, ":uscc");
    }
    lx_store_bind_int(s, ":cap", in->daily_capacity);
    bind_opt(s, ":signed", in->contract_signed_ms, 0);
    bind_opt(s, ":damages", in->damages_fen, -1);
    lx_store_bind_int(s, ":now", ctx->now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc == LX_ECONFLICT) {
        rc = lx_err_set(err, LX_ECONFLICT, "/uscc", "already registered");
    }
    if (rc != LX_OK) {
        goto out;
    }
    *id = lx_store_col_int(s, 0);
    rc = write_children_tx(tx, *id, in,
                           LX_PEOPLE_ORG_AREAS | LX_PEOPLE_ORG_REGIONS, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__audit_tx(tx, ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "org_create",
                                                 .resource_type = "org",
                                                 .resource_id = *id,
                                                 .decision = "done",
                                                 .clause = "C8.1"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
create_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct org_arg *a = arg;

    return org_insert_tx(tx, a->ctx, a->in, &a->id, err);
}

lx_rc
lx_people_org_create(struct lx_ctx *ctx, const struct lx_people_org *in,
                     int64_t *id)
{
    struct org_arg a = {.ctx = ctx, .in = in};
    struct lx_people_org firm = *in;
    lx_rc rc;

    rc = people__need_staff(ctx);
    if (rc != LX_OK) {
        return rc;
    }
    if (people__role(ctx) != LX_POLICY_ROLE_PLATFORM_ADMIN) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "only platform_admin creates firms");
    }
    firm.platform = false;
    a.in = &firm;
    rc = check_org(&firm, ~0u, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!lx_people_uscc_valid(firm.uscc, strnlen(firm.uscc, 19))) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/uscc",
                          "not a valid unified social credit code");
    }
    rc = lx_store_write(ctx->app->store, create_unit, &a, &ctx->err);
    if (rc == LX_OK && id != NULL) {
        *id = a.id;
    }
    return rc;
}

lx_rc
people__platform_create_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                           const struct lx_people_org *in, int64_t *id,
                           struct lx_err *err)
{
    struct lx_people_org p = *in;

    p.platform = true;
    return org_insert_tx(tx, ctx, &p, id, err);
}

lx_rc
people__firm_create_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                       const struct lx_people_org *in, int64_t *id,
                       struct lx_err *err)
{
    struct lx_people_org p = *in;
    lx_rc rc;

    p.platform = false;
    rc = check_org(&p, ~0u, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!lx_people_uscc_valid(p.uscc, strnlen(p.uscc, 19))) {
        return lx_err_set(err, LX_EINVAL, "/uscc",
                          "not a valid unified social credit code");
    }
    return org_insert_tx(tx, ctx, &p, id, err);
}

static lx_rc
get_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct org_arg *a = arg;

    return people__org_load_tx(tx, a->id, a->out, err);
}

lx_rc
lx_people_org_get(struct lx_ctx *ctx, int64_t id, struct lx_people_org *out)
{
    struct org_arg a = {.ctx = ctx, .id = id, .out = out};
    lx_rc rc;

    rc = people__need_staff(ctx);
    if (rc != LX_OK) {
        return rc;
    }
    if (!people__may_see_org(ctx, id)) {
        return lx_err_set(&ctx->err, LX_ENOTFOUND, NULL,
                          "no such organisation");
    }
    return lx_store_read(ctx->app->store, get_unit, &a, &ctx->err);
}

static lx_rc
list_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct org_arg *a = arg;

    return people__org_list_tx(tx, a->id, a->out, a->max, a->n, err);
}

lx_rc
lx_people_org_list(struct lx_ctx *ctx, struct lx_people_org *out, size_t max,
                   size_t *n)
{
    struct org_arg a = {.ctx = ctx, .out = out, .max = max, .n = n};
    lx_rc rc;

    *n = 0;
    rc = people__need_staff(ctx);
    if (rc != LX_OK) {
        return rc;
    }
    if (!lx_policy_role_is_platform(people__role(ctx))) {
        a.id = ctx->actor.firm_id; /* a firm sees only itself */
    }
    return lx_store_read(ctx->app->store, list_unit, &a, &ctx->err);
}

static lx_rc
update_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct org_arg *a = arg;
    struct lx_people_org cur;
    struct lx_store_stmt *s = NULL;
    unsigned f = a->fields;
    lx_rc rc;

    rc = people__org_load_tx(tx, a->id, &cur, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (f & LX_PEOPLE_ORG_NAME) {
        (void)people__copy(cur.name, sizeof(cur.name), a->in->name,
                           strlen(a->in->name));
    }
    if (f & LX_PEOPLE_ORG_CAPACITY) {
        cur.daily_capacity = a->in->daily_capacity;
    }
    if (f & LX_PEOPLE_ORG_CONTRACT) {
        cur.contract_signed_ms = a->in->contract_signed_ms;
    }
    if (f & LX_PEOPLE_ORG_DAMAGES) {
        cur.damages_fen = a->in->damages_fen;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE orgs SET name = :name, daily_capacity ="
                          " :cap, contract_signed_ms = :signed, damages_fen ="
                          " :damages, updated_ms = :now WHERE id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":name", cur.name, strlen(cur.name));
    lx_store_bind_int(s, ":cap", cur.daily_capacity);
    bind_opt(s, ":signed", cur.contract_signed_ms, 0);
    bind_opt(s, ":damages", cur.damages_fen, -1);
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    lx_store_bind_int(s, ":id", a->id);
    rc = people__exec1(tx, s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = write_children_tx(tx, a->id, a->in, f, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "org_update",
                                                 .resource_type = "org",
                                                 .resource_id = a->id,
                                                 .decision = "done"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

/* Shared gate of the platform_admin-only changes: 404 for what the actor
 * cannot see, 403 for what it cannot change. */
static lx_rc
admin_gate(struct lx_ctx *ctx, int64_t id)
{
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    if (!people__may_see_org(ctx, id)) {
        return lx_err_set(&ctx->err, LX_ENOTFOUND, NULL,
                          "no such organisation");
    }
    if (people__role(ctx) != LX_POLICY_ROLE_PLATFORM_ADMIN) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "only platform_admin changes organisations");
    }
    return LX_OK;
}

lx_rc
lx_people_org_update(struct lx_ctx *ctx, int64_t id,
                     const struct lx_people_org *in, unsigned fields)
{
    struct org_arg a = {.ctx = ctx, .id = id, .in = in, .fields = fields};
    lx_rc rc = admin_gate(ctx, id);

    if (rc != LX_OK) {
        return rc;
    }
    rc = check_org(in, fields, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    return lx_store_write(ctx->app->store, update_unit, &a, &ctx->err);
}

static lx_rc
status_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct org_arg *a = arg;
    struct lx_people_org cur;
    struct lx_store_stmt *s = NULL;
    const char *to = people__status_sql(a->to);
    lx_rc rc;

    rc = people__org_load_tx(tx, a->id, &cur, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (cur.platform) {
        rc = lx_err_set(err, LX_ECONFLICT, "/status",
                        "the platform has no status ladder");
        goto out;
    }
    if (!lx_people_transition_ok(cur.status, a->to)) {
        rc = lx_err_set(err, LX_ECONFLICT, "/status",
                        "no transition from %s to %s",
                        lx_policy_firm_status_name(cur.status),
                        lx_policy_firm_status_name(a->to));
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE orgs SET status = :st, status_changed_ms ="
                          " :now, updated_ms = :now WHERE id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":st", to, strlen(to));
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    lx_store_bind_int(s, ":id", a->id);
    rc = people__exec1(tx, s, err);
    if (rc != LX_OK) {
        goto out;
    }
    /* From cooperation_suspended on, the firm's staff reach nothing: their
     * sessions die now, and authentication re-checks the status anyway. */
    if (a->to >= LX_POLICY_FIRM_COOPERATION_SUSPENDED) {
        rc = people__revoke_org_tx(tx, a->id, a->ctx->now_ms, to, err);
        if (rc != LX_OK) {
            goto out;
        }
    }
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){
                              .kind = LX_AUDIT_POLICY,
                              .action = "firm_status",
                              .resource_type = "org",
                              .resource_id = a->id,
                              .decision = to,
                              .reason = lx_policy_firm_status_name(cur.status),
                              .clause = a->clause != NULL ? a->clause : "C8.1"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_org_set_status(struct lx_ctx *ctx, int64_t id,
                         enum lx_policy_firm_status to, const char *clause)
{
    struct org_arg a = {.ctx = ctx, .id = id, .to = to, .clause = clause};
    lx_rc rc = admin_gate(ctx, id);

    if (rc != LX_OK) {
        return rc;
    }
    if (people__status_sql(to) == NULL) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/status", "unknown status");
    }
    return lx_store_write(ctx->app->store, status_unit, &a, &ctx->err);
}

static lx_rc
delete_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct org_arg *a = arg;
    struct lx_people_org cur;
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = people__org_load_tx(tx, a->id, &cur, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (cur.platform || cur.status != LX_POLICY_FIRM_TERMINATED) {
        rc = lx_err_set(err, LX_ECONFLICT, "/status",
                        "only a terminated firm can be deleted");
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE orgs SET deleted_ms = :now, updated_ms ="
                          " :now WHERE id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    lx_store_bind_int(s, ":id", a->id);
    rc = people__exec1(tx, s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__revoke_org_tx(tx, a->id, a->ctx->now_ms, "deleted", err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "org_delete",
                                                 .resource_type = "org",
                                                 .resource_id = a->id,
                                                 .decision = "done",
                                                 .clause = "C7.1"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_org_delete(struct lx_ctx *ctx, int64_t id)
{
    struct org_arg a = {.ctx = ctx, .id = id};
    lx_rc rc = admin_gate(ctx, id);

    if (rc != LX_OK) {
        return rc;
    }
    return lx_store_write(ctx->app->store, delete_unit, &a, &ctx->err);
}
