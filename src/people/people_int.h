/*
 * people_int — what the files of src/people share: the admin rules, the
 * audit seam, row loaders and small helpers. Only src/people/ files include it.
 */
#ifndef LX_PEOPLE_INT_H
#define LX_PEOPLE_INT_H

#include "people/people.h"
#include "audit/audit.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One audit record of a people change or decision. Borrowed strings. */
struct people_event {
    enum lx_audit_kind kind;
    const char *action;        /* "org_create", "signin", … */
    const char *resource_type; /* "org", "staff", "grant", … */
    int64_t resource_id;       /* 0: none */
    const char *purpose;
    const char *decision; /* "done", "allow", "deny", "fail" */
    const char *reason;
    const char *clause;
};

/* The one place people/ appends to the audit log, in 'tx'. The actor is
 * ctx's (or none when ctx is NULL). */
lx_rc people__audit_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                       const struct people_event *ev, struct lx_err *err);

/* The actor's role (ROLE_NONE for anyone not staff). */
enum lx_policy_role people__role(const struct lx_ctx *ctx);
/* Whether the actor may see organisation org_id (platform roles: all;
 * firm staff: their own). */
bool people__may_see_org(const struct lx_ctx *ctx, int64_t org_id);
/* Whether the actor manages org_id's staff: platform_admin, or
 * firm_admin of that firm. */
bool people__manages_org(const struct lx_ctx *ctx, int64_t org_id);
/* LX_EUNAUTH for anonymous, LX_EDENIED for non-staff actors. */
lx_rc people__need_staff(struct lx_ctx *ctx);

/* Rows. Each returns LX_ENOTFOUND when the row does not exist or is
 * deleted. */
lx_rc people__org_load_tx(struct lx_store_tx *tx, int64_t id,
                          struct lx_people_org *out, struct lx_err *err);
lx_rc people__staff_load_tx(struct lx_store_tx *tx, int64_t id,
                            struct lx_people_staff *out, struct lx_err *err);
/* Lists: organisations (only = 0: all) and staff (org_id / only = 0:
 * any), in id order, up to max; *n gets how many. */
lx_rc people__org_list_tx(struct lx_store_tx *tx, int64_t only,
                          struct lx_people_org *out, size_t max, size_t *n,
                          struct lx_err *err);
lx_rc people__staff_list_tx(struct lx_store_tx *tx, int64_t org_id,
                            int64_t only, struct lx_people_staff *out,
                            size_t max, size_t *n, struct lx_err *err);
/* Fill from a row of ORG_COLS / STAFF_COLS (common.c). */
void people__org_row(struct lx_store_stmt *s, struct lx_people_org *o);
void people__staff_row(struct lx_store_stmt *s, struct lx_people_staff *o);

/* Revoke every live session of one staff member, or of every member of
 * an organisation, with a reason code, in the transaction of the change
 * that ends them. The sessions table is auth/'s (auth/auth.h); these are
 * the one write people/ makes to it, since auth/ sits above people/. */
lx_rc people__revoke_staff_tx(struct lx_store_tx *tx, int64_t staff_id,
                              int64_t now_ms, const char *reason,
                              struct lx_err *err);
lx_rc people__revoke_org_tx(struct lx_store_tx *tx, int64_t org_id,
                            int64_t now_ms, const char *reason,
                            struct lx_err *err);

/* Insert the platform organisation / a partner firm (validated) inside a
 * unit, audited; no permission check (demo seeding and the services'
 * own wrappers). */
lx_rc people__platform_create_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                                 const struct lx_people_org *in, int64_t *id,
                                 struct lx_err *err);
lx_rc people__firm_create_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                             const struct lx_people_org *in, int64_t *id,
                             struct lx_err *err);

/* Staff rules (staff.c): visible to the actor (LX_ENOTFOUND when not,
 * LX_EDENIED for a same-firm colleague), and managed by the actor. */
lx_rc people__staff_visible(const struct lx_ctx *ctx,
                            const struct lx_people_staff *st,
                            struct lx_err *err);
lx_rc people__staff_manage(const struct lx_ctx *ctx,
                           const struct lx_people_staff *st,
                           struct lx_err *err);
/* Password length rule (8..128 bytes). */
lx_rc people__password_ok(const char *pw, struct lx_err *err);
/* Insert a staff row, audited, no permission check (demo, wrappers). */
lx_rc people__staff_insert_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                              const struct lx_people_staff *in,
                              const char *hash, int64_t *id,
                              struct lx_err *err);

/* Insert a training record, audited, no permission check (demo). */
lx_rc people__training_insert_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                                 const struct lx_people_training *in,
                                 int64_t *id, struct lx_err *err);

/* Copy text into a fixed array of cap bytes (including the NUL); false
 * when it does not fit. */
bool people__copy(char *dst, size_t cap, const char *src, size_t n);
/* Step a prepared statement once (a write without result rows). */
lx_rc people__exec1(struct lx_store_tx *tx, struct lx_store_stmt *s,
                    struct lx_err *err);

/* Names of stored enums. */
const char *people__status_sql(enum lx_policy_firm_status s);
const char *people__staff_status_name(enum lx_people_staff_status s);

/* Hash a password with argon2id into out (LX_CRYPTO_PWHASH_STR_BYTES).
 * Unbounded: admin changes and seeding are rare; auth/ bounds the
 * verifying at sign-in. */
lx_rc people__pwhash(const char *pw, char *out, struct lx_err *err);

#endif /* LX_PEOPLE_INT_H */
