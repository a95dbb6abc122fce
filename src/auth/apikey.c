/*
 * apikey — keys for machine clients (intake channels, the telephony
 * webhook): created by platform_admin, shown once, stored as SHA-256, each
 * with space-separated scopes. lx_auth_authenticate (signin.c) turns a
 * key into an actor; lx_auth_apikey_has_scope checks its scope.
 */
#include "auth/auth_int.h"
#include "people/people.h"
#include "policy/policy.h"

#include <string.h>

/* ---- API keys ------------------------------------------------------------ */

static const char *const scope_names[] = {"intake", "telephony", NULL};

static bool
scopes_valid(const char *scopes)
{
    const char *p = scopes;
    size_t n = scopes != NULL ? strlen(scopes) : 0;

    if (n == 0 || n > LX_AUTH_SCOPES_MAX) {
        return false;
    }
    while (*p != '\0') {
        size_t w = strcspn(p, " ");
        bool known = false;
        for (size_t i = 0; scope_names[i] != NULL; i++) {
            if (strlen(scope_names[i]) == w &&
                memcmp(scope_names[i], p, w) == 0) {
                known = true;
            }
        }
        if (!known) {
            return false;
        }
        p += w;
        if (*p == ' ') {
            p++;
            if (*p == '\0' || *p == ' ') {
                return false;
            }
        }
    }
    return true;
}

struct key_arg {
    struct lx_ctx *ctx;
    const char *name;
    const char *scopes;
    const char *scope;
    unsigned char h[LX_CRYPTO_SHA256_BYTES];
    int64_t id;
    bool has;
};

static lx_rc
key_create_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct key_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO api_keys (name, key_hash, scopes,"
                          " created_by, created_ms) VALUES (:n, :h, :sc, :by,"
                          " :now) RETURNING id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_text(s, ":n", a->name, strlen(a->name));
    lx_store_bind_blob(s, ":h", a->h, sizeof(a->h));
    lx_store_bind_text(s, ":sc", a->scopes, strlen(a->scopes));
    lx_store_bind_int(s, ":by", a->ctx->actor.id);
    lx_store_bind_int(s, ":now", a->ctx->now_ms);
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    a->id = lx_store_col_int(s, 0);
    rc = auth__audit_tx(tx, a->ctx,
                        &(struct auth_event){.kind = LX_AUDIT_KEY,
                                             .action = "apikey_create",
                                             .resource_type = "api_key",
                                             .resource_id = a->id,
                                             .decision = "done",
                                             .reason = a->scopes},
                        err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_auth_apikey_create(struct lx_ctx *ctx, const char *name, const char *scopes,
                      int64_t *id, char out[LX_AUTH_TOKEN_CHARS + 1])
{
    struct key_arg a = {.ctx = ctx, .name = name, .scopes = scopes};
    enum lx_policy_role role = LX_POLICY_ROLE_NONE;
    lx_rc rc;

    out[0] = '\0';
    if (ctx->actor.kind == LX_ACTOR_NONE) {
        return lx_err_set(&ctx->err, LX_EUNAUTH, NULL, NULL);
    }
    if (ctx->actor.kind != LX_ACTOR_STAFF ||
        !lx_policy_role_parse(ctx->actor.role, &role) ||
        role == LX_POLICY_ROLE_NONE) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL, "staff only");
    }
    if (role != LX_POLICY_ROLE_PLATFORM_ADMIN) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "only platform_admin creates API keys");
    }
    if (!lx_people_name_valid(name, LX_PEOPLE_NAME_MAX)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/name", "not a valid name");
    }
    if (!scopes_valid(scopes)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/scopes",
                          "space-separated: intake, telephony");
    }
    auth__token_new(APIKEY_PREFIX, out, a.h);
    rc = lx_store_write(ctx->app->store, key_create_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        lx_crypto_wipe(out, LX_AUTH_TOKEN_CHARS + 1);
        return rc;
    }
    if (id != NULL) {
        *id = a.id;
    }
    return LX_OK;
}

static lx_rc
key_scope_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct key_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT scopes FROM api_keys WHERE id = :id AND"
                          " revoked_ms IS NULL",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", a->id);
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK && row) {
        size_t len = 0;
        const char *p = lx_store_col_text(s, 0, &len);
        size_t w = strlen(a->scope);
        for (size_t i = 0; i + w <= len;) {
            size_t e = i;
            while (e < len && p[e] != ' ') {
                e++;
            }
            if (e - i == w && memcmp(p + i, a->scope, w) == 0) {
                a->has = true;
            }
            i = e + 1;
        }
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

bool
lx_auth_apikey_has_scope(struct lx_ctx *ctx, const char *scope)
{
    struct key_arg a = {.ctx = ctx, .id = ctx->actor.id, .scope = scope};
    struct lx_err err = {0};

    if (ctx->actor.kind != LX_ACTOR_APIKEY || scope == NULL) {
        return false;
    }
    if (lx_store_read(ctx->app->store, key_scope_unit, &a, &err) != LX_OK) {
        return false;
    }
    return a.has;
}
