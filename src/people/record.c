/*
 * record — what makes a staff member fit to touch user data: practising
 * licences (C5.7), training (C4.2), sensitive-data grants (C2.4) and
 * per-access approvals for minors' data (C1.3); and the loader of policy
 * facts built from them.
 */
#include "people/people_int.h"

#include <string.h>

#define GRANT_MAX_MS (366LL * 24 * 3600 * 1000) /* a grant: a year at most */
#define MINOR_MAX_MS (24LL * 3600 * 1000)       /* one access: a day */

struct rec_arg {
    struct lx_ctx *ctx;
    int64_t id;
    int64_t staff_id;
    const char *text;
    const char *text2;
    int64_t t1;
    int64_t t2;
    int i1;
    bool flag;
    bool denied;
    struct lx_policy_decision d;
    void *out;
    size_t max;
    size_t *n;
};

static lx_rc
load_visible(struct lx_store_tx *tx, const struct lx_ctx *ctx, int64_t id,
             struct lx_people_staff *st, bool manage, struct lx_err *err)
{
    lx_rc rc = people__staff_load_tx(tx, id, st, err);

    if (rc != LX_OK) {
        return rc;
    }
    return manage ? people__staff_manage(ctx, st, err)
                  : people__staff_visible(ctx, st, err);
}

/* ---- Licences ------------------------------------------------------------ */

static const char *const licence_names[] = {
    [LX_PEOPLE_LICENCE_NONE] = "none",
    [LX_PEOPLE_LICENCE_PENDING] = "pending",
    [LX_PEOPLE_LICENCE_VERIFIED] = "verified",
    [LX_PEOPLE_LICENCE_REJECTED] = "rejected",
    [LX_PEOPLE_LICENCE_REVOKED] = "revoked",
};

const char *
lx_people_licence_status_name(enum lx_people_licence_status s)
{
    if ((unsigned)s > LX_PEOPLE_LICENCE_REVOKED) {
        return "invalid";
    }
    return licence_names[s];
}

bool
lx_people_licence_status_parse(const char *s,
                               enum lx_people_licence_status *out)
{
    for (unsigned i = 1; i <= LX_PEOPLE_LICENCE_REVOKED; i++) {
        if (s != NULL && strcmp(s, licence_names[i]) == 0) {
            *out = (enum lx_people_licence_status)i;
            return true;
        }
    }
    *out = LX_PEOPLE_LICENCE_NONE;
    return false;
}

static lx_rc
licence_set_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rec_arg *a = arg;
    struct lx_people_staff st;
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = load_visible(tx, a->ctx, a->staff_id, &st, true, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (st.role != LX_POLICY_ROLE_LAWYER) {
        rc = lx_err_set(err, LX_ECONFLICT, "/staff_id",
                        "licences are for lawyers");
        goto out;
    }
    rc = lx_store_prepare(
        tx,
        "INSERT INTO staff_licences (staff_id, number, status, updated_ms)"
        " VALUES (:id, :num, 'pending', :now) ON CONFLICT (staff_id) DO"
        " UPDATE SET number = excluded.number, status = 'pending',"
        " verified_by = NULL, evidence_ref = NULL, verified_ms = NULL,"
        " recheck_ms = NULL, updated_ms = excluded.updated_ms",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", a->staff_id);
    lx_store_bind_text(s, ":num", a->text, 17);
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    rc = people__exec1(tx, s, err);
    if (rc == LX_ECONFLICT) {
        rc = lx_err_set(err, LX_ECONFLICT, "/number", "already registered");
    }
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "licence_set",
                                                 .resource_type = "staff",
                                                 .resource_id = a->staff_id,
                                                 .decision = "pending",
                                                 .clause = "C5.7"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_licence_set(struct lx_ctx *ctx, int64_t staff_id, const char *number)
{
    struct rec_arg a = {.ctx = ctx, .staff_id = staff_id, .text = number};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    if (!lx_people_licence_number_valid(number,
                                        number != NULL ? strlen(number) : 0)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/number", "must be 17 digits");
    }
    return lx_store_write(ctx->app->store, licence_set_unit, &a, &ctx->err);
}

static lx_rc
licence_verify_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rec_arg *a = arg;
    struct lx_people_staff st;
    struct lx_store_stmt *s = NULL;
    const char *status = lx_people_licence_status_name(a->i1);
    lx_rc rc;

    rc = load_visible(tx, a->ctx, a->staff_id, &st, false, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE staff_licences SET status = :st,"
                          " verified_by = :by, evidence_ref = :ev,"
                          " verified_ms = :now, recheck_ms = :re,"
                          " updated_ms = :now WHERE staff_id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":st", status, strlen(status));
    lx_store_bind_int(s, ":by", a->ctx->actor.id);
    lx_store_bind_text(s, ":ev", a->text, strlen(a->text));
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    if (a->t1 > 0) {
        lx_store_bind_int(s, ":re", a->t1);
    } else {
        lx_store_bind_null(s, ":re");
    }
    lx_store_bind_int(s, ":id", a->staff_id);
    rc = people__exec1(tx, s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lx_store_changes(tx) == 0) {
        rc = lx_err_set(err, LX_ENOTFOUND, NULL, "no licence recorded");
        goto out;
    }
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "licence_verify",
                                                 .resource_type = "staff",
                                                 .resource_id = a->staff_id,
                                                 .decision = status,
                                                 .clause = "C5.7"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_licence_verify(struct lx_ctx *ctx, int64_t staff_id,
                         enum lx_people_licence_status status,
                         const char *evidence_ref, int64_t recheck_ms)
{
    struct rec_arg a = {.ctx = ctx,
                        .staff_id = staff_id,
                        .text = evidence_ref,
                        .t1 = recheck_ms,
                        .i1 = (int)status};
    enum lx_policy_role r;
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    r = people__role(ctx);
    if (r != LX_POLICY_ROLE_PLATFORM_ADMIN &&
        r != LX_POLICY_ROLE_PLATFORM_COMPLIANCE) {
        if (!lx_policy_role_is_firm(r) || ctx->actor.firm_id == 0) {
            return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                              "platform compliance verifies licences");
        }
        /* Firm staff: 404 for other firms' staff, 403 for their own. */
        a.flag = true;
    }
    if (status != LX_PEOPLE_LICENCE_VERIFIED &&
        status != LX_PEOPLE_LICENCE_REJECTED &&
        status != LX_PEOPLE_LICENCE_REVOKED) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/status",
                          "verified, rejected or revoked");
    }
    if (!lx_people_name_valid(evidence_ref, LX_PEOPLE_REF_MAX)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/evidence_ref",
                          "1 to %d bytes of text", LX_PEOPLE_REF_MAX);
    }
    if (status == LX_PEOPLE_LICENCE_VERIFIED && recheck_ms <= ctx->now_ms) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/recheck_at",
                          "must be in the future");
    }
    if (a.flag) {
        struct lx_people_staff st;
        rc = lx_people_staff_get(ctx, staff_id, &st);
        if (rc != LX_OK) {
            return rc;
        }
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "platform compliance verifies licences");
    }
    return lx_store_write(ctx->app->store, licence_verify_unit, &a, &ctx->err);
}

static lx_rc
licence_get_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rec_arg *a = arg;
    struct lx_people_licence *o = a->out;
    struct lx_people_staff st;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t len = 0;
    const char *t;
    lx_rc rc;

    rc = load_visible(tx, a->ctx, a->staff_id, &st, false, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "SELECT number, status, COALESCE(verified_by, 0),"
                          " COALESCE(evidence_ref, ''), COALESCE(verified_ms,"
                          " 0), COALESCE(recheck_ms, 0), updated_ms FROM"
                          " staff_licences WHERE staff_id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", a->staff_id);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (!row) {
        rc = lx_err_set(err, LX_ENOTFOUND, NULL, "no licence recorded");
        goto out;
    }
    memset(o, 0, sizeof(*o));
    o->staff_id = a->staff_id;
    t = lx_store_col_text(s, 0, &len);
    (void)people__copy(o->number, sizeof(o->number), t, len);
    t = lx_store_col_text(s, 1, &len);
    {
        char b[16];
        if (people__copy(b, sizeof(b), t, len)) {
            (void)lx_people_licence_status_parse(b, &o->status);
        }
    }
    o->verified_by = lx_store_col_int(s, 2);
    t = lx_store_col_text(s, 3, &len);
    (void)people__copy(o->evidence_ref, sizeof(o->evidence_ref), t, len);
    o->verified_ms = lx_store_col_int(s, 4);
    o->recheck_ms = lx_store_col_int(s, 5);
    o->updated_ms = lx_store_col_int(s, 6);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_licence_get(struct lx_ctx *ctx, int64_t staff_id,
                      struct lx_people_licence *out)
{
    struct rec_arg a = {.ctx = ctx, .staff_id = staff_id, .out = out};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    return lx_store_read(ctx->app->store, licence_get_unit, &a, &ctx->err);
}

lx_rc
lx_people_licence_year_tx(struct lx_store_tx *tx, int64_t staff_id,
                          int64_t now_ms, int *first_year, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t len = 0;
    const char *t;
    int y = 0;
    lx_rc rc;

    *first_year = 0;
    rc = lx_store_prepare(tx,
                          "SELECT number FROM staff_licences WHERE"
                          " staff_id = :id AND status = 'verified' AND"
                          " recheck_ms > :now",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_bind_int(s, ":id", staff_id);
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, ":now", now_ms);
    }
    if (rc != LX_OK) {
        rc = lx_err_set(err, rc, NULL, "people: bind failed");
        goto out;
    }
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK || !row) {
        goto out;
    }
    t = lx_store_col_text(s, 0, &len);
    if (t == NULL || len != 17) {
        goto out;
    }
    for (size_t i = 5; i < 9; i++) {
        if (t[i] < '0' || t[i] > '9') {
            goto out;
        }
        y = y * 10 + (t[i] - '0');
    }
    if (y >= 1950 && y <= 2200) {
        *first_year = y;
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

/* ---- Training ------------------------------------------------------------ */

lx_rc
people__training_insert_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                           const struct lx_people_training *in, int64_t *id,
                           struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO staff_training (staff_id, course,"
                          " version, passed_ms, expires_ms, recorded_by,"
                          " created_ms) VALUES (:id, :course, :ver, :passed,"
                          " :exp, :by, :now) RETURNING id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", in->staff_id);
    lx_store_bind_text(s, ":course", in->course, strlen(in->course));
    lx_store_bind_text(s, ":ver", in->version, strlen(in->version));
    lx_store_bind_int(s, ":passed", in->passed_ms);
    lx_store_bind_int(s, ":exp", in->expires_ms);
    lx_store_bind_int(s, ":by", ctx->actor.id);
    lx_store_bind_int(s, ":now", ctx->now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    *id = lx_store_col_int(s, 0);
    rc = people__audit_tx(tx, ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "training_add",
                                                 .resource_type = "staff",
                                                 .resource_id = in->staff_id,
                                                 .decision = "done",
                                                 .clause = "C4.2"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
training_add_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rec_arg *a = arg;
    const struct lx_people_training *in = a->out;
    struct lx_people_staff st;
    lx_rc rc;

    rc = people__staff_load_tx(tx, in->staff_id, &st, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (people__role(a->ctx) == LX_POLICY_ROLE_PLATFORM_COMPLIANCE) {
        rc = LX_OK;
    } else {
        rc = people__staff_manage(a->ctx, &st, err);
    }
    if (rc != LX_OK) {
        return rc;
    }
    return people__training_insert_tx(tx, a->ctx, in, &a->id, err);
}

lx_rc
lx_people_training_add(struct lx_ctx *ctx, const struct lx_people_training *in,
                       int64_t *id)
{
    struct rec_arg a = {.ctx = ctx, .out = (void *)in};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    if (!lx_people_name_valid(in->course, LX_PEOPLE_REF_MAX)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/course",
                          "1 to %d bytes of text", LX_PEOPLE_REF_MAX);
    }
    if (!lx_people_name_valid(in->version, sizeof(in->version) - 1)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/version",
                          "1 to 32 bytes of text");
    }
    if (in->passed_ms <= 0 || in->passed_ms > ctx->now_ms) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/passed_at",
                          "must not be in the future");
    }
    if (in->expires_ms <= in->passed_ms) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/expires_at",
                          "must be after passed_at");
    }
    rc = lx_store_write(ctx->app->store, training_add_unit, &a, &ctx->err);
    if (rc == LX_OK && id != NULL) {
        *id = a.id;
    }
    return rc;
}

static lx_rc
training_list_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rec_arg *a = arg;
    struct lx_people_training *o = a->out;
    struct lx_people_staff st;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = load_visible(tx, a->ctx, a->staff_id, &st, false, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "SELECT id, course, version, passed_ms, expires_ms,"
                          " recorded_by FROM staff_training WHERE staff_id ="
                          " :id ORDER BY passed_ms, id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", a->staff_id);
    while (*a->n < a->max && (rc = lx_store_step(s, &row, err)) == LX_OK &&
           row) {
        struct lx_people_training *t = &o[*a->n];
        size_t len = 0;
        const char *c;
        memset(t, 0, sizeof(*t));
        t->id = lx_store_col_int(s, 0);
        t->staff_id = a->staff_id;
        c = lx_store_col_text(s, 1, &len);
        (void)people__copy(t->course, sizeof(t->course), c, len);
        c = lx_store_col_text(s, 2, &len);
        (void)people__copy(t->version, sizeof(t->version), c, len);
        t->passed_ms = lx_store_col_int(s, 3);
        t->expires_ms = lx_store_col_int(s, 4);
        t->recorded_by = lx_store_col_int(s, 5);
        (*a->n)++;
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_training_list(struct lx_ctx *ctx, int64_t staff_id,
                        struct lx_people_training *out, size_t max, size_t *n)
{
    struct rec_arg a = {
        .ctx = ctx, .staff_id = staff_id, .out = out, .max = max, .n = n};
    lx_rc rc = people__need_staff(ctx);

    *n = 0;
    if (rc != LX_OK) {
        return rc;
    }
    return lx_store_read(ctx->app->store, training_list_unit, &a, &ctx->err);
}

/* ---- Grants and minors' approvals ---------------------------------------- */

static const char *const grant_names[] = {
    [LX_PEOPLE_GRANT_NONE] = "none",
    [LX_PEOPLE_GRANT_REQUESTED] = "requested",
    [LX_PEOPLE_GRANT_APPROVED] = "approved",
    [LX_PEOPLE_GRANT_REJECTED] = "rejected",
    [LX_PEOPLE_GRANT_REVOKED] = "revoked",
    [LX_PEOPLE_GRANT_USED] = "used",
};

const char *
lx_people_grant_status_name(enum lx_people_grant_status s)
{
    if ((unsigned)s > LX_PEOPLE_GRANT_USED) {
        return "invalid";
    }
    return grant_names[s];
}

static enum lx_people_grant_status
grant_status_parse(const char *t, size_t len)
{
    for (unsigned i = 1; i <= LX_PEOPLE_GRANT_USED; i++) {
        if (strlen(grant_names[i]) == len &&
            memcmp(grant_names[i], t, len) == 0) {
            return (enum lx_people_grant_status)i;
        }
    }
    return LX_PEOPLE_GRANT_NONE;
}

/* Which table: grants (C2.4) or minors' approvals (C1.3). */
struct gkind {
    const char *select; /* id and the columns of grant_row */
    const char *resource;
};

static const struct gkind kind_grant = {
    "SELECT id, staff_id, requested_by, COALESCE(approver_id, 0), purpose,"
    " status, expires_ms, created_ms, COALESCE(decided_ms, 0), 0 FROM"
    " sensitive_grants WHERE id = :id",
    "grant"};
static const struct gkind kind_minor = {
    "SELECT id, staff_id, staff_id, COALESCE(approver_id, 0), purpose,"
    " status, COALESCE(expires_ms, 0), created_ms, COALESCE(decided_ms, 0),"
    " lead_id FROM minor_approvals WHERE id = :id",
    "minor_approval"};

static lx_rc
grant_load_tx(struct lx_store_tx *tx, const struct gkind *k, int64_t id,
              struct lx_people_grant *g, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t len = 0;
    const char *t;
    lx_rc rc;

    rc = lx_store_prepare(tx, k->select, &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", id);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (!row) {
        rc = lx_err_set(err, LX_ENOTFOUND, NULL, "no such %s", k->resource);
        goto out;
    }
    memset(g, 0, sizeof(*g));
    g->id = lx_store_col_int(s, 0);
    g->staff_id = lx_store_col_int(s, 1);
    g->requested_by = lx_store_col_int(s, 2);
    g->approver_id = lx_store_col_int(s, 3);
    t = lx_store_col_text(s, 4, &len);
    {
        char b[32];
        if (people__copy(b, sizeof(b), t, len)) {
            (void)lx_policy_purpose_parse(b, &g->purpose);
        }
    }
    t = lx_store_col_text(s, 5, &len);
    g->status = grant_status_parse(t, len);
    g->expires_ms = lx_store_col_int(s, 6);
    g->created_ms = lx_store_col_int(s, 7);
    g->decided_ms = lx_store_col_int(s, 8);
    g->lead_id = lx_store_col_int(s, 9);
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
grant_request_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rec_arg *a = arg;
    struct lx_people_staff st;
    struct lx_store_stmt *s = NULL;
    const char *p = lx_policy_purpose_name((enum lx_policy_purpose)a->i1);
    bool row = false;
    lx_rc rc;

    rc = load_visible(tx, a->ctx, a->staff_id, &st, true, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "INSERT INTO sensitive_grants (staff_id,"
                          " requested_by, purpose, status, expires_ms,"
                          " created_ms) VALUES (:staff, :by, :p,"
                          " 'requested', :exp, :now) RETURNING id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":staff", a->staff_id);
    lx_store_bind_int(s, ":by", a->ctx->actor.id);
    lx_store_bind_text(s, ":p", p, strlen(p));
    lx_store_bind_int(s, ":exp", a->t1);
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    a->id = lx_store_col_int(s, 0);
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "grant_request",
                                                 .resource_type = "grant",
                                                 .resource_id = a->id,
                                                 .purpose = p,
                                                 .decision = "requested",
                                                 .clause = "C2.4"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_grant_request(struct lx_ctx *ctx, int64_t staff_id,
                        enum lx_policy_purpose purpose, int64_t expires_ms,
                        int64_t *id)
{
    struct rec_arg a = {
        .ctx = ctx, .staff_id = staff_id, .i1 = (int)purpose, .t1 = expires_ms};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    if (purpose == LX_POLICY_PURPOSE_NONE ||
        (unsigned)purpose >= LX_POLICY_PURPOSE_COUNT) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/purpose",
                          "one of the five purposes of C2.1");
    }
    if (expires_ms <= ctx->now_ms || expires_ms > ctx->now_ms + GRANT_MAX_MS) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/expires_at",
                          "must be in the next 366 days");
    }
    rc = lx_store_write(ctx->app->store, grant_request_unit, &a, &ctx->err);
    if (rc == LX_OK && id != NULL) {
        *id = a.id;
    }
    return rc;
}

/*
 * The approval decision for grants and minors' approvals: the policy
 * engine's APPROVE_GRANT with the approver's facts and the grantee, plus
 * separation of duties against the requester (the engine already keeps
 * grantee and approver apart). Sets a->d.
 */
static lx_rc
approve_decision_tx(struct lx_store_tx *tx, struct rec_arg *a,
                    const struct lx_people_grant *g,
                    const struct lx_people_staff *grantee, struct lx_err *err)
{
    struct lx_policy_facts f = {0};
    struct lx_people_org org;
    lx_rc rc;

    rc = lx_people_facts_load_tx(tx, a->ctx->actor.id, a->ctx->now_ms, 0, &f,
                                 err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = people__org_load_tx(tx, grantee->org_id, &org, err);
    if (rc != LX_OK) {
        return rc;
    }
    f.action = LX_POLICY_ACTION_APPROVE_GRANT;
    f.purpose = g->purpose;
    f.grantee.staff_id = (uint64_t)grantee->id;
    f.grantee.firm_id = org.platform ? 0 : (uint64_t)grantee->org_id;
    lx_policy_decide(&f, &a->d);
    if (a->d.verdict == LX_POLICY_ALLOW &&
        g->requested_by == a->ctx->actor.id) {
        a->d =
            (struct lx_policy_decision){LX_POLICY_DENY, LX_POLICY_RULE_GRANTEE,
                                        "separation_of_duties", "C2.4"};
    }
    return LX_OK;
}

static lx_rc
decide_unit_common(struct lx_store_tx *tx, struct rec_arg *a,
                   const struct gkind *k, struct lx_err *err)
{
    struct lx_people_grant g;
    struct lx_people_staff grantee;
    struct lx_store_stmt *s = NULL;
    const char *verdict;
    lx_rc rc;

    rc = grant_load_tx(tx, k, a->id, &g, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = load_visible(tx, a->ctx, g.staff_id, &grantee, false, err);
    if (rc == LX_EDENIED) {
        rc = LX_OK; /* same firm: let the policy decide, and audit it */
        lx_err_clear(err);
    }
    if (rc != LX_OK) {
        goto out;
    }
    if (g.status != LX_PEOPLE_GRANT_REQUESTED) {
        rc = lx_err_set(err, LX_ECONFLICT, "/status", "already decided");
        goto out;
    }
    rc = approve_decision_tx(tx, a, &g, &grantee, err);
    if (rc != LX_OK) {
        goto out;
    }
    verdict = lx_policy_verdict_name(a->d.verdict);
    rc = people__audit_tx(
        tx, a->ctx,
        &(struct people_event){.kind = LX_AUDIT_POLICY,
                               .action = a->flag ? "approve" : "reject",
                               .resource_type = k->resource,
                               .resource_id = g.id,
                               .purpose = lx_policy_purpose_name(g.purpose),
                               .decision = verdict,
                               .reason = a->d.reason,
                               .clause = a->d.clause},
        err);
    if (rc != LX_OK) {
        goto out;
    }
    if (a->d.verdict != LX_POLICY_ALLOW) {
        a->denied = true; /* the audited deny commits; the caller refuses */
        goto out;
    }
    rc = lx_store_prepare(tx,
                          k == &kind_grant
                              ? "UPDATE sensitive_grants SET status = :st,"
                                " approver_id = :by, decided_ms = :now"
                                " WHERE id = :id"
                              : "UPDATE minor_approvals SET status = :st,"
                                " approver_id = :by, decided_ms = :now,"
                                " expires_ms = :exp WHERE id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":st", a->flag ? "approved" : "rejected", 8);
    lx_store_bind_int(s, ":by", a->ctx->actor.id);
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    lx_store_bind_int(s, ":id", g.id);
    if (k == &kind_minor) {
        lx_store_bind_int(s, ":exp", a->t1);
    }
    rc = people__exec1(tx, s, err);
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
grant_decide_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return decide_unit_common(tx, arg, &kind_grant, err);
}

static lx_rc
minor_decide_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return decide_unit_common(tx, arg, &kind_minor, err);
}

static lx_rc
finish_decision(struct lx_ctx *ctx, struct rec_arg *a, lx_rc rc)
{
    if (rc == LX_OK && a->denied) {
        ctx->err.clause = a->d.clause;
        return lx_err_set(&ctx->err, LX_EDENIED, NULL, "%s", a->d.reason);
    }
    return rc;
}

lx_rc
lx_people_grant_decide(struct lx_ctx *ctx, int64_t id, bool approve)
{
    struct rec_arg a = {.ctx = ctx, .id = id, .flag = approve};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_store_write(ctx->app->store, grant_decide_unit, &a, &ctx->err);
    return finish_decision(ctx, &a, rc);
}

static lx_rc
grant_revoke_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rec_arg *a = arg;
    struct lx_people_grant g;
    struct lx_people_staff st;
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = grant_load_tx(tx, &kind_grant, a->id, &g, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = load_visible(tx, a->ctx, g.staff_id, &st, true, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (g.status != LX_PEOPLE_GRANT_APPROVED &&
        g.status != LX_PEOPLE_GRANT_REQUESTED) {
        rc = lx_err_set(err, LX_ECONFLICT, "/status", "not in force");
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE sensitive_grants SET status = 'revoked',"
                          " decided_ms = :now WHERE id = :id",
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
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "grant_revoke",
                                                 .resource_type = "grant",
                                                 .resource_id = a->id,
                                                 .decision = "revoked",
                                                 .clause = "C2.4"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_grant_revoke(struct lx_ctx *ctx, int64_t id)
{
    struct rec_arg a = {.ctx = ctx, .id = id};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    return lx_store_write(ctx->app->store, grant_revoke_unit, &a, &ctx->err);
}

static lx_rc
grant_get_common(struct lx_store_tx *tx, struct rec_arg *a,
                 const struct gkind *k, struct lx_err *err)
{
    struct lx_people_grant *g = a->out;
    struct lx_people_staff st;
    lx_rc rc;

    rc = grant_load_tx(tx, k, a->id, g, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = load_visible(tx, a->ctx, g->staff_id, &st, false, err);
    if (rc == LX_ENOTFOUND) {
        return lx_err_set(err, LX_ENOTFOUND, NULL, "no such %s", k->resource);
    }
    return rc;
}

static lx_rc
grant_get_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return grant_get_common(tx, arg, &kind_grant, err);
}

static lx_rc
minor_get_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return grant_get_common(tx, arg, &kind_minor, err);
}

lx_rc
lx_people_grant_get(struct lx_ctx *ctx, int64_t id, struct lx_people_grant *out)
{
    struct rec_arg a = {.ctx = ctx, .id = id, .out = out};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    return lx_store_read(ctx->app->store, grant_get_unit, &a, &ctx->err);
}

lx_rc
lx_people_minor_get(struct lx_ctx *ctx, int64_t id, struct lx_people_grant *out)
{
    struct rec_arg a = {.ctx = ctx, .id = id, .out = out};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    return lx_store_read(ctx->app->store, minor_get_unit, &a, &ctx->err);
}

static lx_rc
minor_request_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rec_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    const char *p = lx_policy_purpose_name((enum lx_policy_purpose)a->i1);
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO minor_approvals (staff_id, lead_id,"
                          " purpose, status, created_ms) VALUES (:staff,"
                          " :lead, :p, 'requested', :now) RETURNING id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":staff", a->ctx->actor.id);
    lx_store_bind_int(s, ":lead", a->t1);
    lx_store_bind_text(s, ":p", p, strlen(p));
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    a->id = lx_store_col_int(s, 0);
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_ACCESS,
                                                 .action = "minor_request",
                                                 .resource_type = "lead",
                                                 .resource_id = a->t1,
                                                 .purpose = p,
                                                 .decision = "requested",
                                                 .clause = "C1.3"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_minor_request(struct lx_ctx *ctx, int64_t lead_id,
                        enum lx_policy_purpose purpose, int64_t *id)
{
    struct rec_arg a = {.ctx = ctx, .t1 = lead_id, .i1 = (int)purpose};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    if (lead_id <= 0) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/lead_id", "not an id");
    }
    if (purpose == LX_POLICY_PURPOSE_NONE ||
        (unsigned)purpose >= LX_POLICY_PURPOSE_COUNT) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/purpose",
                          "one of the five purposes of C2.1");
    }
    rc = lx_store_write(ctx->app->store, minor_request_unit, &a, &ctx->err);
    if (rc == LX_OK && id != NULL) {
        *id = a.id;
    }
    return rc;
}

lx_rc
lx_people_minor_decide(struct lx_ctx *ctx, int64_t id, bool approve,
                       int64_t expires_ms)
{
    struct rec_arg a = {
        .ctx = ctx, .id = id, .flag = approve, .t1 = expires_ms};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    if (approve && (expires_ms <= ctx->now_ms ||
                    expires_ms > ctx->now_ms + MINOR_MAX_MS)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/expires_at",
                          "must be within the next 24 hours");
    }
    if (!approve) {
        a.t1 = 0;
    }
    rc = lx_store_write(ctx->app->store, minor_decide_unit, &a, &ctx->err);
    return finish_decision(ctx, &a, rc);
}

lx_rc
lx_people_minor_use_tx(struct lx_store_tx *tx, int64_t access_id,
                       int64_t now_ms, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "UPDATE minor_approvals SET status = 'used',"
                          " used_ms = :now WHERE id = :id AND status ="
                          " 'approved' AND expires_ms > :now",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":now", now_ms);
    lx_store_bind_int(s, ":id", access_id);
    rc = people__exec1(tx, s, err);
    if (rc == LX_OK && lx_store_changes(tx) == 0) {
        rc = lx_err_set(err, LX_ECONFLICT, "/access_id",
                        "approval not in force or already used");
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

/* ---- Policy facts -------------------------------------------------------- */

/* Role, firm and its status, training expiry of one active member; false
 * in *ok when the member is absent, disabled or deleted. */
static lx_rc
member_facts_tx(struct lx_store_tx *tx, int64_t staff_id, int64_t now_ms,
                enum lx_policy_role *role, uint64_t *firm_id,
                enum lx_policy_firm_status *firm_status, int64_t *training,
                bool *ok, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    char buf[40];
    size_t len = 0;
    const char *t;
    lx_rc rc;

    *ok = false;
    rc = lx_store_prepare(
        tx,
        "SELECT s.role, o.kind, o.status, o.id, (SELECT MAX(t.expires_ms)"
        " FROM staff_training t WHERE t.staff_id = s.id AND t.passed_ms <="
        " :now) FROM staff s JOIN orgs o ON o.id = s.org_id WHERE s.id ="
        " :id AND s.status = 'active' AND s.deleted_ms IS NULL AND"
        " o.deleted_ms IS NULL",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", staff_id);
    lx_store_bind_int(s, ":now", now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK || !row) {
        goto out;
    }
    t = lx_store_col_text(s, 0, &len);
    if (!people__copy(buf, sizeof(buf), t, len) ||
        !lx_policy_role_parse(buf, role)) {
        goto out;
    }
    t = lx_store_col_text(s, 1, &len);
    if (len == 4 && memcmp(t, "firm", 4) == 0) {
        *firm_id = (uint64_t)lx_store_col_int(s, 3);
        t = lx_store_col_text(s, 2, &len);
        if (people__copy(buf, sizeof(buf), t, len)) {
            (void)lx_policy_firm_status_parse(buf, firm_status);
        }
    }
    *training = lx_store_col_int(s, 4);
    *ok = true;
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_facts_load_tx(struct lx_store_tx *tx, int64_t staff_id,
                        int64_t now_ms, int64_t access_id,
                        struct lx_policy_facts *f, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool ok = false;
    bool row = false;
    lx_rc rc;

    f->now_ms = now_ms;
    memset(&f->actor, 0, sizeof(f->actor));
    memset(&f->grant, 0, sizeof(f->grant));
    memset(&f->minor_approval, 0, sizeof(f->minor_approval));
    rc = member_facts_tx(tx, staff_id, now_ms, &f->actor.role,
                         &f->actor.firm_id, &f->actor.firm_status,
                         &f->actor.training_expires_ms, &ok, err);
    if (rc != LX_OK || !ok) {
        memset(&f->actor, 0, sizeof(f->actor));
        goto out;
    }
    f->actor.id = (uint64_t)staff_id;

    rc = lx_store_prepare(tx,
                          "SELECT COUNT(*) FROM staff_licences WHERE"
                          " staff_id = :id AND status = 'verified' AND"
                          " recheck_ms > :now",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", staff_id);
    lx_store_bind_int(s, ":now", now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    f->actor.licence_verified = row && lx_store_col_int(s, 0) > 0;
    lx_store_stmt_free(s);
    s = NULL;

    /* The approved grant in force that lasts longest. */
    rc = lx_store_prepare(tx,
                          "SELECT approver_id, expires_ms FROM"
                          " sensitive_grants WHERE staff_id = :id AND status"
                          " = 'approved' AND expires_ms > :now ORDER BY"
                          " expires_ms DESC LIMIT 1",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", staff_id);
    lx_store_bind_int(s, ":now", now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (row) {
        f->grant.staff_id = (uint64_t)staff_id;
        f->grant.approver_id = (uint64_t)lx_store_col_int(s, 0);
        f->grant.expires_ms = lx_store_col_int(s, 1);
    }
    lx_store_stmt_free(s);
    s = NULL;

    if (access_id != 0) {
        f->access_id = (uint64_t)access_id;
        rc = lx_store_prepare(tx,
                              "SELECT staff_id, approver_id, expires_ms FROM"
                              " minor_approvals WHERE id = :id AND status ="
                              " 'approved'",
                              &s, err);
        if (rc != LX_OK) {
            goto out;
        }
        lx_store_bind_int(s, ":id", access_id);
        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK) {
            goto out;
        }
        if (row) {
            f->minor_approval.access_id = (uint64_t)access_id;
            f->minor_approval.staff_id = (uint64_t)lx_store_col_int(s, 0);
            f->minor_approval.approver_id = (uint64_t)lx_store_col_int(s, 1);
            f->minor_approval.expires_ms = lx_store_col_int(s, 2);
        }
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_target_load_tx(struct lx_store_tx *tx, int64_t staff_id,
                         int64_t now_ms, struct lx_policy_facts *f,
                         struct lx_err *err)
{
    enum lx_policy_role role = LX_POLICY_ROLE_NONE;
    bool ok = false;
    lx_rc rc;

    memset(&f->target, 0, sizeof(f->target));
    rc = member_facts_tx(tx, staff_id, now_ms, &role, &f->target.firm_id,
                         &f->target.firm_status, &f->target.training_expires_ms,
                         &ok, err);
    if (rc != LX_OK || !ok) {
        memset(&f->target, 0, sizeof(f->target));
        return rc;
    }
    f->target.staff_id = (uint64_t)staff_id;
    return LX_OK;
}

struct facts_arg {
    int64_t staff_id;
    int64_t now_ms;
    int64_t access_id;
    struct lx_policy_facts *f;
};

static lx_rc
facts_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct facts_arg *a = arg;

    return lx_people_facts_load_tx(tx, a->staff_id, a->now_ms, a->access_id,
                                   a->f, err);
}

lx_rc
lx_people_facts_load(struct lx_app *app, int64_t staff_id, int64_t now_ms,
                     int64_t access_id, struct lx_policy_facts *facts,
                     struct lx_err *err)
{
    struct facts_arg a = {staff_id, now_ms, access_id, facts};

    return lx_store_read(app->store, facts_unit, &a, err);
}

lx_rc
lx_people_decision_audit_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                            const struct lx_policy_facts *facts,
                            const struct lx_policy_decision *d,
                            struct lx_err *err)
{
    return people__audit_tx(
        tx, ctx,
        &(struct people_event){
            .kind = lx_policy_role_is_platform(facts->actor.role)
                        ? LX_AUDIT_POLICY
                        : LX_AUDIT_ACCESS,
            .action = lx_policy_action_name(facts->action),
            .resource_type = "lead",
            .resource_id = (int64_t)facts->lead.id,
            .purpose = lx_policy_purpose_name(facts->purpose),
            .decision = lx_policy_verdict_name(d->verdict),
            .reason = d->reason,
            .clause = d->clause},
        err);
}

lx_rc
lx_people_user_facts_load_tx(struct lx_store_tx *tx, int64_t user_id,
                             int64_t now_ms, struct lx_policy_facts *f,
                             struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    f->now_ms = now_ms;
    memset(&f->actor, 0, sizeof(f->actor));
    rc = lx_store_prepare(tx,
                          "SELECT COUNT(*) FROM app_users WHERE id = :id AND"
                          " status = 'active'",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", user_id);
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && row && lx_store_col_int(s, 0) > 0) {
        f->actor.role = LX_POLICY_ROLE_USER;
        f->actor.id = (uint64_t)user_id;
    }
    lx_store_stmt_free(s);
    return rc;
}
