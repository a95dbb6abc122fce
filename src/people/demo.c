/*
 * demo — seed a fictional platform and three partner firms for
 * `lexgate demo`. Names are obviously fictional; emails use the reserved
 * .invalid domain; passwords are random and returned once for printing.
 */
#include "people/people_int.h"
#include "base/mem.h"
#include "base/time.h"
#include "pii/pii.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS (24LL * 3600 * 1000)

struct demo_firm {
    const char *name;
    const char *slug;
    const char *region;
    uint32_t areas;
};

#define AREA(x) (1u << LX_PEOPLE_AREA_##x)
static const struct demo_firm demo_firms[] = {
    {"示例律师事务所（北京·演示）", "bj", "110000",
     AREA(MARRIAGE_FAMILY) | AREA(LABOR) | AREA(DEBT) | AREA(CONTRACT)},
    {"示例律师事务所（上海·演示）", "sh", "310000",
     AREA(COMPANY) | AREA(CONTRACT) | AREA(IP) | AREA(CONSUMER)},
    {"示例律师事务所（深圳·演示）", "sz", "440300",
     AREA(LABOR) | AREA(TRAFFIC) | AREA(CRIMINAL) | AREA(PROPERTY) |
         AREA(OTHER)},
};
#undef AREA

static const enum lx_policy_role platform_roles[] = {
    LX_POLICY_ROLE_PLATFORM_ADMIN, LX_POLICY_ROLE_PLATFORM_OPS,
    LX_POLICY_ROLE_PLATFORM_COMPLIANCE, LX_POLICY_ROLE_PLATFORM_SECURITY};
static const enum lx_policy_role firm_roles[] = {
    LX_POLICY_ROLE_FIRM_ADMIN, LX_POLICY_ROLE_LAWYER, LX_POLICY_ROLE_ASSISTANT,
    LX_POLICY_ROLE_CUSTOMER_SERVICE, LX_POLICY_ROLE_ADMIN_STAFF};

#define NFIRMS (sizeof(demo_firms) / sizeof(demo_firms[0]))
#define NPLAT (sizeof(platform_roles) / sizeof(platform_roles[0]))
#define NFROLE (sizeof(firm_roles) / sizeof(firm_roles[0]))
#define NACCOUNTS (NPLAT + NFIRMS * NFROLE)

_Static_assert(NACCOUNTS <= LX_PEOPLE_DEMO_MAX, "demo accounts fit");

struct demo_arg {
    struct lx_ctx *ctx;
    struct lx_people_demo_out *out;
    char hashes[NACCOUNTS][LX_CRYPTO_PWHASH_STR_BYTES];
    bool exists;
};

static lx_rc
count_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct demo_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx, "SELECT COUNT(*) FROM orgs", &s, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
        a->exists = rc == LX_OK && row && lx_store_col_int(s, 0) > 0;
    }
    lx_store_stmt_free(s);
    return rc;
}

/* A valid demo USCC for a region: "91" + region + "MA" + serial + check. */
static void
demo_uscc(const char *region, unsigned serial, char out[19])
{
    snprintf(out, 19, "91%sMA%07u", region, serial % 10000000u);
    out[17] = lx_pii_uscc_check_char(out);
    out[18] = '\0';
}

static void
random_password(char out[32])
{
    static const char alpha[] = "abcdefghjkmnpqrstuvwxyz"
                                "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    unsigned char r[20];

    lx_crypto_random(r, sizeof(r));
    for (size_t i = 0; i < sizeof(r); i++) {
        out[i] = alpha[r[i] % (sizeof(alpha) - 1)];
    }
    out[sizeof(r)] = '\0';
    lx_crypto_wipe(r, sizeof(r));
}

static lx_rc
licence_insert_tx(struct lx_store_tx *tx, struct lx_ctx *ctx, int64_t staff_id,
                  const char *number, int64_t verifier, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO staff_licences (staff_id, number,"
                          " status, verified_by, evidence_ref, verified_ms,"
                          " recheck_ms, updated_ms) VALUES (:id, :num,"
                          " 'verified', :by, 'demo:registry-lookup', :now,"
                          " :re, :now)",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_store_bind_int(s, ":id", staff_id);
    lx_store_bind_text(s, ":num", number, 17);
    lx_store_bind_int(s, ":by", verifier);
    lx_store_bind_int(s, ":now", ctx->now_ms);
    lx_store_bind_int(s, ":re", ctx->now_ms + 365 * DAY_MS);
    rc = people__exec1(tx, s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = people__audit_tx(tx, ctx,
                          &(struct people_event){.kind = LX_AUDIT_ADMIN,
                                                 .action = "licence_verify",
                                                 .resource_type = "staff",
                                                 .resource_id = staff_id,
                                                 .decision = "verified",
                                                 .clause = "C5.7"},
                          err);
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
add_member_tx(struct lx_store_tx *tx, struct demo_arg *a, size_t k,
              int64_t org_id, enum lx_policy_role role, int64_t *id,
              struct lx_err *err)
{
    struct lx_people_staff st = {0};
    struct lx_people_training tr = {0};
    struct lx_people_demo_account *acc = &a->out->accounts[k];
    int64_t tid = 0;
    lx_rc rc;

    st.org_id = org_id;
    st.role = role;
    snprintf(st.display_name, sizeof(st.display_name), "Demo %s %zu",
             lx_policy_role_name(role), k + 1);
    snprintf(st.email, sizeof(st.email), "%s", acc->email);
    rc = people__staff_insert_tx(tx, a->ctx, &st, a->hashes[k], id, err);
    if (rc != LX_OK) {
        return rc;
    }
    tr.staff_id = *id;
    snprintf(tr.course, sizeof(tr.course), "%s",
             "Personal information protection and conduct (C4.2)");
    snprintf(tr.version, sizeof(tr.version), "%s", "2026.1");
    tr.passed_ms = a->ctx->now_ms - DAY_MS;
    tr.expires_ms = a->ctx->now_ms + 365 * DAY_MS;
    return people__training_insert_tx(tx, a->ctx, &tr, &tid, err);
}

static lx_rc
seed_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct demo_arg *a = arg;
    struct lx_people_org org = {0};
    int64_t platform_id = 0;
    int64_t compliance_id = 0;
    size_t k = 0;
    lx_rc rc;

    rc = count_unit(tx, a, err);
    if (rc != LX_OK || a->exists) {
        return rc;
    }
    snprintf(org.name, sizeof(org.name), "%s", "LexGate 平台（演示）");
    org.damages_fen = -1;
    rc = people__platform_create_tx(tx, a->ctx, &org, &platform_id, err);
    if (rc != LX_OK) {
        return rc;
    }
    for (size_t i = 0; i < NPLAT; i++, k++) {
        int64_t id = 0;
        rc = add_member_tx(tx, a, k, platform_id, platform_roles[i], &id, err);
        if (rc != LX_OK) {
            return rc;
        }
        if (platform_roles[i] == LX_POLICY_ROLE_PLATFORM_COMPLIANCE) {
            compliance_id = id;
        }
    }
    for (size_t f = 0; f < NFIRMS; f++) {
        int64_t firm_id = 0;
        memset(&org, 0, sizeof(org));
        snprintf(org.name, sizeof(org.name), "%s", demo_firms[f].name);
        demo_uscc(demo_firms[f].region, (unsigned)(f + 1), org.uscc);
        org.areas = demo_firms[f].areas;
        org.nregions = 1;
        snprintf(org.regions[0], sizeof(org.regions[0]), "%s",
                 demo_firms[f].region);
        org.daily_capacity = 20;
        org.contract_signed_ms = a->ctx->now_ms - 30 * DAY_MS;
        org.damages_fen = 5000000; /* 50,000 yuan, a demo figure */
        rc = people__firm_create_tx(tx, a->ctx, &org, &firm_id, err);
        if (rc != LX_OK) {
            return rc;
        }
        for (size_t r = 0; r < NFROLE; r++, k++) {
            int64_t id = 0;
            rc = add_member_tx(tx, a, k, firm_id, firm_roles[r], &id, err);
            if (rc != LX_OK) {
                return rc;
            }
            if (firm_roles[r] == LX_POLICY_ROLE_LAWYER) {
                char num[18];
                /* 17 digits: region, a demo year and a serial. */
                snprintf(num, sizeof(num), "%.6s2026%07zu",
                         demo_firms[f].region, f + 1);
                rc = licence_insert_tx(tx, a->ctx, id, num, compliance_id, err);
                if (rc != LX_OK) {
                    return rc;
                }
            }
        }
    }
    return LX_OK;
}

lx_rc
lx_people_demo_seed(struct lx_app *app, struct lx_people_demo_out *out,
                    struct lx_err *err)
{
    struct lx_ctx ctx;
    struct demo_arg *a = lx_xcalloc(1, sizeof(*a));
    size_t k = 0;
    lx_rc rc;

    memset(out, 0, sizeof(*out));
    lx_ctx_init(&ctx, app, lx_time_now_ms());
    ctx.actor.kind = LX_ACTOR_SYSTEM;
    snprintf(ctx.req_id, sizeof(ctx.req_id), "%s", "demo-seed");
    a->ctx = &ctx;
    a->out = out;
    rc = lx_store_read(app->store, count_unit, a, err);
    if (rc != LX_OK || a->exists) {
        goto out;
    }
    /* Accounts, in the order seed_unit creates them. */
    for (size_t i = 0; i < NPLAT; i++, k++) {
        struct lx_people_demo_account *acc = &out->accounts[k];
        const char *rn = lx_policy_role_name(platform_roles[i]);
        snprintf(acc->email, sizeof(acc->email), "%s@platform.example.invalid",
                 rn + strlen("platform_"));
        snprintf(acc->role, sizeof(acc->role), "%s", rn);
        snprintf(acc->org, sizeof(acc->org), "%s", "LexGate 平台（演示）");
    }
    for (size_t f = 0; f < NFIRMS; f++) {
        for (size_t r = 0; r < NFROLE; r++, k++) {
            struct lx_people_demo_account *acc = &out->accounts[k];
            const char *rn = lx_policy_role_name(firm_roles[r]);
            snprintf(acc->email, sizeof(acc->email),
                     "%s@firm-%s.example.invalid", rn, demo_firms[f].slug);
            snprintf(acc->role, sizeof(acc->role), "%s", rn);
            snprintf(acc->org, sizeof(acc->org), "%s", demo_firms[f].name);
        }
    }
    for (k = 0; k < NACCOUNTS; k++) {
        random_password(out->accounts[k].password);
        rc = people__pwhash(out->accounts[k].password, a->hashes[k], err);
        if (rc != LX_OK) {
            goto out;
        }
    }
    out->n = NACCOUNTS;
    rc = lx_store_write(app->store, seed_unit, a, err);
    if (rc == LX_OK && !a->exists) {
        out->created = true;
    }
out:
    if (rc != LX_OK || !out->created) {
        lx_crypto_wipe(out, sizeof(*out));
        memset(out, 0, sizeof(*out));
    }
    lx_crypto_wipe(a, sizeof(*a));
    free(a);
    lx_ctx_release(&ctx);
    return rc;
}

struct boot_arg {
    struct lx_ctx *ctx;
    const char *email;
    const char *hash;
    int64_t id;
};

static lx_rc
boot_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct boot_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    struct lx_people_org org = {0};
    struct lx_people_staff st = {0};
    int64_t platform_id = 0;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT COUNT(*) FROM staff WHERE role ="
                          " 'platform_admin' AND deleted_ms IS NULL",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (row && lx_store_col_int(s, 0) > 0) {
        rc = lx_err_set(err, LX_ECONFLICT, NULL,
                        "a platform_admin exists already");
        goto out;
    }
    lx_store_stmt_free(s);
    s = NULL;
    rc = lx_store_prepare(tx, "SELECT id FROM orgs WHERE kind = 'platform'", &s,
                          err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (row) {
        platform_id = lx_store_col_int(s, 0);
    } else {
        snprintf(org.name, sizeof(org.name), "%s", "LexGate 平台");
        org.damages_fen = -1;
        rc = people__platform_create_tx(tx, a->ctx, &org, &platform_id, err);
        if (rc != LX_OK) {
            goto out;
        }
    }
    st.org_id = platform_id;
    st.role = LX_POLICY_ROLE_PLATFORM_ADMIN;
    snprintf(st.display_name, sizeof(st.display_name), "%s",
             "Platform administrator");
    snprintf(st.email, sizeof(st.email), "%s", a->email);
    rc = people__staff_insert_tx(tx, a->ctx, &st, a->hash, &a->id, err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_people_bootstrap(struct lx_app *app, const char *email, char password[32],
                    int64_t *staff_id, struct lx_err *err)
{
    char hash[LX_CRYPTO_PWHASH_STR_BYTES];
    struct lx_ctx ctx;
    struct boot_arg a = {.ctx = &ctx, .email = email, .hash = hash};
    lx_rc rc;

    password[0] = '\0';
    if (email == NULL || !lx_people_email_valid(email, strlen(email))) {
        return lx_err_set(err, LX_EINVAL, "--email",
                          "not a valid email address");
    }
    lx_ctx_init(&ctx, app, lx_time_now_ms());
    ctx.actor.kind = LX_ACTOR_SYSTEM;
    snprintf(ctx.req_id, sizeof(ctx.req_id), "%s", "bootstrap");
    random_password(password);
    rc = people__pwhash(password, hash, err);
    if (rc == LX_OK) {
        rc = lx_store_write(app->store, boot_unit, &a, err);
    }
    if (rc == LX_OK && staff_id != NULL) {
        *staff_id = a.id;
    }
    if (rc != LX_OK) {
        lx_crypto_wipe(password, 32);
        password[0] = '\0';
    }
    lx_crypto_wipe(hash, sizeof(hash));
    lx_ctx_release(&ctx);
    return rc;
}
