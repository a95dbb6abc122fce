/* staff — personal accounts with one role each (C4.1), and passwords. */
#include "people/people_int.h"

#include <ctype.h>
#include <string.h>

#define PASSWORD_MIN 8
#define PASSWORD_MAX 128

lx_rc
people__password_ok(const char *pw, struct lx_err *err)
{
    size_t n = pw != NULL ? strlen(pw) : 0;

    if (n < PASSWORD_MIN || n > PASSWORD_MAX) {
        return lx_err_set(err, LX_EINVAL, "/password", "must be %d to %d bytes",
                          PASSWORD_MIN, PASSWORD_MAX);
    }
    return LX_OK;
}

lx_rc
people__pwhash(const char *pw, char *out, struct lx_err *err)
{
    return lx_crypto_pwhash(pw, strlen(pw), out, err);
}

lx_rc
people__staff_visible(const struct lx_ctx *ctx,
                      const struct lx_people_staff *st, struct lx_err *err)
{
    enum lx_policy_role r = people__role(ctx);

    if (lx_policy_role_is_platform(r)) {
        return LX_OK;
    }
    if (!lx_policy_role_is_firm(r) || ctx->actor.firm_id != st->org_id) {
        return lx_err_set(err, LX_ENOTFOUND, NULL, "no such staff member");
    }
    if (r == LX_POLICY_ROLE_FIRM_ADMIN || ctx->actor.id == st->id) {
        return LX_OK;
    }
    return lx_err_set(err, LX_EDENIED, NULL, "not your record");
}

lx_rc
people__staff_manage(const struct lx_ctx *ctx, const struct lx_people_staff *st,
                     struct lx_err *err)
{
    lx_rc rc = people__staff_visible(ctx, st, err);

    if (rc != LX_OK) {
        return rc;
    }
    if (!people__manages_org(ctx, st->org_id)) {
        return lx_err_set(err, LX_EDENIED, NULL,
                          "only the firm's admin or platform_admin");
    }
    return LX_OK;
}

struct staff_arg {
    struct lx_ctx *ctx;
    const struct lx_people_staff *in;
    struct lx_people_staff *out;
    const char *hash;
    const char *name;
    bool set_status;
    enum lx_people_staff_status status;
    int64_t id;
    int64_t org_id;
    size_t max;
    size_t *n;
};

lx_rc
people__staff_insert_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                        const struct lx_people_staff *in, const char *hash,
                        int64_t *id, struct lx_err *err)
{
    struct lx_people_org org;
    struct lx_store_stmt *s = NULL;
    const char *role = lx_policy_role_name(in->role);
    char email[LX_PEOPLE_EMAIL_MAX + 1];
    size_t elen = strlen(in->email);
    bool row = false;
    lx_rc rc;

    rc = people__org_load_tx(tx, in->org_id, &org, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (org.platform ? !lx_policy_role_is_platform(in->role)
                     : !lx_policy_role_is_firm(in->role)) {
        rc = lx_err_set(err, LX_EINVAL, "/role",
                        "role does not belong to this organisation");
        goto out;
    }
    for (size_t i = 0; i <= elen; i++) {
        email[i] = (char)tolower((unsigned char)in->email[i]);
    }
    rc = lx_store_prepare(
        tx,
        "INSERT INTO staff (org_id, role, display_name, email, status,"
        " pw_hash, pw_changed_ms, created_ms, updated_ms) VALUES (:org,"
        " :role, :name, :email, 'active', :hash, :pwms, :now, :now)"
        " RETURNING id",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":org", in->org_id);
    lx_store_bind_text(s, ":role", role, strlen(role));
    lx_store_bind_text(s, ":name", in->display_name, strlen(in->display_name));
    lx_store_bind_text(s, ":email", email, elen);
    if (hash != NULL) {
        lx_store_bind_text(s, ":hash", hash, strlen(hash));
        lx_store_bind_int(s, ":pwms", ctx->now_ms);
    } else {
        lx_store_bind_null(s, ":hash");
        lx_store_bind_null(s, ":pwms");
    }
    lx_store_bind_int(s, ":now", ctx->now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc == LX_ECONFLICT) {
        rc = lx_err_set(err, LX_ECONFLICT, "/email", "already in use");
    }
    if (rc != LX_OK) {
        goto out;
    }
    *id = lx_store_col_int(s, 0);
    rc = people__audit_tx(tx, ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "staff_create",
                                                 .resource_type = "staff",
                                                 .resource_id = *id,
                                                 .decision = "done",
                                                 .reason = role,
                                                 .clause = "C4.1"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
create_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct staff_arg *a = arg;

    return people__staff_insert_tx(tx, a->ctx, a->in, a->hash, &a->id, err);
}

lx_rc
lx_people_staff_create(struct lx_ctx *ctx, const struct lx_people_staff *in,
                       const char *password, int64_t *id)
{
    struct staff_arg a = {.ctx = ctx, .in = in};
    char hash[LX_CRYPTO_PWHASH_STR_BYTES];
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    if (!people__may_see_org(ctx, in->org_id)) {
        return lx_err_set(&ctx->err, LX_ENOTFOUND, "/org_id",
                          "no such organisation");
    }
    if (!people__manages_org(ctx, in->org_id)) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "only the firm's admin or platform_admin");
    }
    if (in->role == LX_POLICY_ROLE_NONE || in->role == LX_POLICY_ROLE_USER ||
        (unsigned)in->role >= LX_POLICY_ROLE_COUNT) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/role", "unknown role");
    }
    if (!lx_people_name_valid(in->display_name, LX_PEOPLE_NAME_MAX)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/display_name",
                          "not a valid name");
    }
    if (!lx_people_email_valid(in->email, strlen(in->email))) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/email",
                          "not a valid email address");
    }
    if (password != NULL) {
        rc = people__password_ok(password, &ctx->err);
        if (rc != LX_OK) {
            return rc;
        }
        rc = people__pwhash(password, hash, &ctx->err);
        if (rc != LX_OK) {
            return rc;
        }
        a.hash = hash;
    }
    rc = lx_store_write(ctx->app->store, create_unit, &a, &ctx->err);
    if (rc == LX_OK && id != NULL) {
        *id = a.id;
    }
    return rc;
}

static lx_rc
get_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct staff_arg *a = arg;
    lx_rc rc = people__staff_load_tx(tx, a->id, a->out, err);

    if (rc != LX_OK) {
        return rc;
    }
    return people__staff_visible(a->ctx, a->out, err);
}

lx_rc
lx_people_staff_get(struct lx_ctx *ctx, int64_t id, struct lx_people_staff *out)
{
    struct staff_arg a = {.ctx = ctx, .id = id, .out = out};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    return lx_store_read(ctx->app->store, get_unit, &a, &ctx->err);
}

static lx_rc
list_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct staff_arg *a = arg;

    return people__staff_list_tx(tx, a->org_id, a->id, a->out, a->max, a->n,
                                 err);
}

lx_rc
lx_people_staff_list(struct lx_ctx *ctx, int64_t org_id,
                     struct lx_people_staff *out, size_t max, size_t *n)
{
    struct staff_arg a = {
        .ctx = ctx, .org_id = org_id, .out = out, .max = max, .n = n};
    enum lx_policy_role r;
    lx_rc rc = people__need_staff(ctx);

    *n = 0;
    if (rc != LX_OK) {
        return rc;
    }
    r = people__role(ctx);
    if (!lx_policy_role_is_platform(r)) {
        if (org_id != 0 && org_id != ctx->actor.firm_id) {
            return lx_err_set(&ctx->err, LX_ENOTFOUND, NULL,
                              "no such organisation");
        }
        a.org_id = ctx->actor.firm_id;
        if (r != LX_POLICY_ROLE_FIRM_ADMIN) {
            a.id = ctx->actor.id; /* only themself */
        }
    }
    return lx_store_read(ctx->app->store, list_unit, &a, &ctx->err);
}

static lx_rc
update_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct staff_arg *a = arg;
    struct lx_people_staff cur;
    struct lx_store_stmt *s = NULL;
    const char *st;
    lx_rc rc;

    rc = people__staff_load_tx(tx, a->id, &cur, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__staff_manage(a->ctx, &cur, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (a->name != NULL) {
        (void)people__copy(cur.display_name, sizeof(cur.display_name), a->name,
                           strlen(a->name));
    }
    if (a->set_status) {
        cur.status = a->status;
    }
    st = people__staff_status_name(cur.status);
    rc = lx_store_prepare(tx,
                          "UPDATE staff SET display_name = :name, status ="
                          " :st, updated_ms = :now WHERE id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":name", cur.display_name, strlen(cur.display_name));
    lx_store_bind_text(s, ":st", st, strlen(st));
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    lx_store_bind_int(s, ":id", a->id);
    rc = people__exec1(tx, s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (cur.status != LX_PEOPLE_STAFF_ACTIVE) {
        rc =
            people__revoke_staff_tx(tx, a->id, a->ctx->now_ms, "disabled", err);
        if (rc != LX_OK) {
            goto out;
        }
    }
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "staff_update",
                                                 .resource_type = "staff",
                                                 .resource_id = a->id,
                                                 .decision = st,
                                                 .clause = "C4.1"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_staff_update(struct lx_ctx *ctx, int64_t id, const char *name,
                       bool set_status, enum lx_people_staff_status status)
{
    struct staff_arg a = {.ctx = ctx,
                          .id = id,
                          .name = name,
                          .set_status = set_status,
                          .status = status};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    if (name != NULL && !lx_people_name_valid(name, LX_PEOPLE_NAME_MAX)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/display_name",
                          "not a valid name");
    }
    if (set_status && status != LX_PEOPLE_STAFF_ACTIVE &&
        status != LX_PEOPLE_STAFF_DISABLED) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/status", "unknown status");
    }
    return lx_store_write(ctx->app->store, update_unit, &a, &ctx->err);
}

static lx_rc
password_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct staff_arg *a = arg;
    struct lx_people_staff cur;
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = people__staff_load_tx(tx, a->id, &cur, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (a->ctx->actor.id != a->id || a->ctx->actor.kind != LX_ACTOR_STAFF) {
        rc = people__staff_manage(a->ctx, &cur, err);
        if (rc != LX_OK) {
            goto out;
        }
    }
    rc = lx_store_prepare(tx,
                          "UPDATE staff SET pw_hash = :hash, pw_changed_ms ="
                          " :now, updated_ms = :now WHERE id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":hash", a->hash, strlen(a->hash));
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    lx_store_bind_int(s, ":id", a->id);
    rc = people__exec1(tx, s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__revoke_staff_tx(tx, a->id, a->ctx->now_ms, "password_changed",
                                 err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_AUTH,
                                                 .action = "password_set",
                                                 .resource_type = "staff",
                                                 .resource_id = a->id,
                                                 .decision = "done"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_staff_set_password(struct lx_ctx *ctx, int64_t id,
                             const char *password)
{
    struct staff_arg a = {.ctx = ctx, .id = id};
    char hash[LX_CRYPTO_PWHASH_STR_BYTES];
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    rc = people__password_ok(password, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = people__pwhash(password, hash, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    a.hash = hash;
    return lx_store_write(ctx->app->store, password_unit, &a, &ctx->err);
}

static lx_rc
delete_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct staff_arg *a = arg;
    struct lx_people_staff cur;
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = people__staff_load_tx(tx, a->id, &cur, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__staff_manage(a->ctx, &cur, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (a->ctx->actor.id == a->id) {
        rc = lx_err_set(err, LX_ECONFLICT, NULL, "cannot delete yourself");
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE staff SET deleted_ms = :now, status ="
                          " 'disabled', updated_ms = :now WHERE id = :id",
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
    rc = people__revoke_staff_tx(tx, a->id, a->ctx->now_ms, "deleted", err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__audit_tx(tx, a->ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "staff_delete",
                                                 .resource_type = "staff",
                                                 .resource_id = a->id,
                                                 .decision = "done",
                                                 .clause = "C4.1"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_staff_delete(struct lx_ctx *ctx, int64_t id)
{
    struct staff_arg a = {.ctx = ctx, .id = id};
    lx_rc rc = people__need_staff(ctx);

    if (rc != LX_OK) {
        return rc;
    }
    return lx_store_write(ctx->app->store, delete_unit, &a, &ctx->err);
}
