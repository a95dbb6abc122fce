/*
 * people — organisations, staff, licences, training, sensitive-data grants,
 * per-access approvals for minors, users (C2.4, C4.1, C4.2, C5.7, C8.1):
 * who people are. How they sign in (sessions, one-time codes, API keys) is
 * auth/, above this module (auth/auth.h); disabling or deleting a member,
 * changing a password and a firm reaching cooperation_suspended revoke
 * the sessions concerned in the transaction of the change.
 * docs/people.md describes the rules in prose.
 *
 * A service: each public function either runs its own unit of work
 * (lx_store_write / lx_store_read) or is named *_tx and runs inside the
 * caller's. Every change and every policy decision is appended to the audit
 * log in the same transaction as the change (people__audit_tx is the one
 * place that does it).
 *
 * Who may do what to people objects (the admin rules, separate from the
 * lead-access policy engine):
 *  - platform_admin manages everything;
 *  - other platform roles read every organisation and staff member;
 *    platform_compliance and platform_admin verify licences;
 *  - firm_admin reads its own firm and manages its own staff, training and
 *    grant requests; other firm staff read their own firm and themselves;
 *  - users and API keys reach no people object.
 * An object the actor may not see — another firm's, or deleted — is
 * LX_ENOTFOUND, exactly as for an id that does not exist; a visible object
 * the actor may not change is LX_EDENIED.
 *
 * Strings: names, emails and codes are UTF-8 held in fixed arrays; inputs
 * longer than the array are LX_EINVAL (never truncated). Errors name the
 * field (JSON pointer), never its content.
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef LX_PEOPLE_H
#define LX_PEOPLE_H

#include "base/ctx.h"
#include "base/err.h"
#include "policy/policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lx_store_tx;

/* ---- Validators (pure) ----------------------------------------------------
 */

/* GB 32100-2015 unified social credit code: 18 characters of
 * 0-9 A-Z without I O S V Z, the last one the check character. */
bool lx_people_uscc_valid(const char *s, size_t n);
/* A practising-licence number: exactly 17 ASCII digits (there is no
 * published check character). */
bool lx_people_licence_number_valid(const char *s, size_t n);
/* A login email: ASCII, one '@', a dot in the domain, 3..254 bytes. */
bool lx_people_email_valid(const char *s, size_t n);
/* A name, course, version or evidence reference: 1..max bytes of valid
 * UTF-8 without control characters (C0 or DEL). */
bool lx_people_name_valid(const char *s, size_t max);
/* A GB/T 2260 code known to the embedded division table
 * (data/gbt2260/divisions.csv). */
bool lx_people_region_valid(const char *s, size_t n);
/* Whether covered code 'cover' includes 'code' (both six digits):
 * a province code (xx0000) covers its province, a prefecture code
 * (xxxx00) its prefecture, any other code only itself. */
bool lx_people_region_covers(const char *cover, const char *code);

/* The fixed practice areas; bit i of a mask is area i. */
enum lx_people_area {
    LX_PEOPLE_AREA_MARRIAGE_FAMILY = 0,
    LX_PEOPLE_AREA_LABOR,
    LX_PEOPLE_AREA_DEBT,
    LX_PEOPLE_AREA_CONTRACT,
    LX_PEOPLE_AREA_PROPERTY,
    LX_PEOPLE_AREA_TRAFFIC,
    LX_PEOPLE_AREA_CRIMINAL,
    LX_PEOPLE_AREA_COMPANY,
    LX_PEOPLE_AREA_ADMINISTRATIVE,
    LX_PEOPLE_AREA_IP,
    LX_PEOPLE_AREA_CONSUMER,
    LX_PEOPLE_AREA_OTHER,
    LX_PEOPLE_AREA_COUNT
};
/* "marriage_family" …; NULL for a value out of range. */
const char *lx_people_area_name(enum lx_people_area a);
/* Exact match; false for anything else. */
bool lx_people_area_parse(const char *s, size_t n, enum lx_people_area *out);

/* The firm status ladder of C8.1 / C7.1 as an explicit table: whether a
 * firm may move from 'from' to 'to'. Equal states are not a transition. */
bool lx_people_transition_ok(enum lx_policy_firm_status from,
                             enum lx_policy_firm_status to);

/* ---- Organisations --------------------------------------------------------
 */

#define LX_PEOPLE_NAME_MAX 128 /* bytes of UTF-8 */
#define LX_PEOPLE_REGIONS_MAX 64
#define LX_PEOPLE_EMAIL_MAX 254
#define LX_PEOPLE_REF_MAX 128 /* evidence references, course names */

struct lx_people_org {
    int64_t id;
    bool platform; /* the platform itself, not a partner firm */
    char name[LX_PEOPLE_NAME_MAX + 1];
    char uscc[19];  /* "" when not recorded (platform only) */
    uint32_t areas; /* bit mask of enum lx_people_area */
    size_t nregions;
    char regions[LX_PEOPLE_REGIONS_MAX][7];
    int64_t daily_capacity;
    int64_t contract_signed_ms; /* 0: not recorded */
    int64_t damages_fen;        /* C8.3 per-firm amount; -1: not set */
    enum lx_policy_firm_status status;
    int64_t status_changed_ms;
    int64_t created_ms;
    int64_t updated_ms;
};

/* Which fields of an update to apply (the others are left as stored). */
enum lx_people_org_fields {
    LX_PEOPLE_ORG_NAME = 1u << 0,
    LX_PEOPLE_ORG_AREAS = 1u << 1,
    LX_PEOPLE_ORG_REGIONS = 1u << 2,
    LX_PEOPLE_ORG_CAPACITY = 1u << 3,
    LX_PEOPLE_ORG_CONTRACT = 1u << 4,
    LX_PEOPLE_ORG_DAMAGES = 1u << 5,
};

/*
 * Create a partner firm (platform_admin only) from in's name, uscc, areas,
 * regions, daily_capacity, contract_signed_ms and damages_fen; id, status
 * and times are set here (status active). *id gets the new id. LX_EINVAL
 * naming the field for a bad value, LX_ECONFLICT for a USCC already
 * registered.
 */
lx_rc lx_people_org_create(struct lx_ctx *ctx, const struct lx_people_org *in,
                           int64_t *id);
/* Read one organisation the actor may see (see the header comment). */
lx_rc lx_people_org_get(struct lx_ctx *ctx, int64_t id,
                        struct lx_people_org *out);
/* List the organisations the actor may see, in id order: up to 'max' into
 * out[], *n gets how many. */
lx_rc lx_people_org_list(struct lx_ctx *ctx, struct lx_people_org *out,
                         size_t max, size_t *n);
/* Apply the fields named in 'fields' from 'in' (platform_admin only). */
lx_rc lx_people_org_update(struct lx_ctx *ctx, int64_t id,
                           const struct lx_people_org *in, unsigned fields);
/* Move a firm along the ladder (platform_admin only). An illegal move is
 * LX_ECONFLICT. Suspending cooperation or beyond revokes the firm's staff
 * sessions in the same transaction; every request re-reads the status, so
 * the change takes effect on the next request. 'clause' (may be NULL) is
 * recorded with the change. */
lx_rc lx_people_org_set_status(struct lx_ctx *ctx, int64_t id,
                               enum lx_policy_firm_status to,
                               const char *clause);
/* Soft-delete a firm (platform_admin; only once terminated). */
lx_rc lx_people_org_delete(struct lx_ctx *ctx, int64_t id);

/* ---- Staff ----------------------------------------------------------------
 */

enum lx_people_staff_status {
    LX_PEOPLE_STAFF_DISABLED = 0,
    LX_PEOPLE_STAFF_ACTIVE,
};

struct lx_people_staff {
    int64_t id;
    int64_t org_id;
    enum lx_policy_role role;
    char display_name[LX_PEOPLE_NAME_MAX + 1];
    char email[LX_PEOPLE_EMAIL_MAX + 1];
    enum lx_people_staff_status status;
    bool has_password;
    int64_t created_ms;
    int64_t updated_ms;
};

/*
 * Create a staff member in org in->org_id with in->role, display_name and
 * email (stored lower-case). Platform roles only in the platform org, firm
 * roles only in firms. platform_admin: any org; firm_admin: own firm only.
 * 'password' (may be NULL: no password yet) is hashed with argon2id.
 */
lx_rc lx_people_staff_create(struct lx_ctx *ctx,
                             const struct lx_people_staff *in,
                             const char *password, int64_t *id);
lx_rc lx_people_staff_get(struct lx_ctx *ctx, int64_t id,
                          struct lx_people_staff *out);
/* Staff of one organisation the actor may list (org_id 0: every staff
 * member the actor may see). */
lx_rc lx_people_staff_list(struct lx_ctx *ctx, int64_t org_id,
                           struct lx_people_staff *out, size_t max, size_t *n);
/* Change display name (when name is not NULL) and/or status (when
 * set_status). Disabling revokes the member's sessions in the same
 * transaction. Managers only (platform_admin, own firm's firm_admin). */
lx_rc lx_people_staff_update(struct lx_ctx *ctx, int64_t id, const char *name,
                             bool set_status,
                             enum lx_people_staff_status status);
/* Set a new password (the member themself, or a manager). Revokes every
 * session of the member, the caller's included: they sign in again. */
lx_rc lx_people_staff_set_password(struct lx_ctx *ctx, int64_t id,
                                   const char *password);
/* Soft-delete (managers); sessions die with it. */
lx_rc lx_people_staff_delete(struct lx_ctx *ctx, int64_t id);

/* ---- Licences (C5.7) ------------------------------------------------------
 */

enum lx_people_licence_status {
    LX_PEOPLE_LICENCE_NONE = 0,
    LX_PEOPLE_LICENCE_PENDING,
    LX_PEOPLE_LICENCE_VERIFIED,
    LX_PEOPLE_LICENCE_REJECTED,
    LX_PEOPLE_LICENCE_REVOKED,
};
const char *lx_people_licence_status_name(enum lx_people_licence_status s);
bool lx_people_licence_status_parse(const char *s,
                                    enum lx_people_licence_status *out);

struct lx_people_licence {
    int64_t staff_id;
    char number[18];
    enum lx_people_licence_status status;
    int64_t verified_by; /* 0 when never verified */
    char evidence_ref[LX_PEOPLE_REF_MAX + 1];
    int64_t verified_ms;
    int64_t recheck_ms; /* after this the licence counts as unverified */
    int64_t updated_ms;
};

/* Record (or replace) a lawyer's licence number; status becomes pending.
 * Managers of the lawyer's firm and platform_admin. Only lawyers. */
lx_rc lx_people_licence_set(struct lx_ctx *ctx, int64_t staff_id,
                            const char *number);
/* Record a verification outcome (verified, rejected or revoked) with its
 * evidence reference and re-check date (verified: recheck_ms > now).
 * platform_compliance or platform_admin, never the lawyer. */
lx_rc lx_people_licence_verify(struct lx_ctx *ctx, int64_t staff_id,
                               enum lx_people_licence_status status,
                               const char *evidence_ref, int64_t recheck_ms);
lx_rc lx_people_licence_get(struct lx_ctx *ctx, int64_t staff_id,
                            struct lx_people_licence *out);
/*
 * In the caller's transaction: the first practice year of staff_id's
 * licence (C5.4) — digits 6-9 of its number, 1950..2200 — when the
 * licence is verified and its re-check is after now_ms; else 0 (no
 * licence, another status, an expired re-check). No access check: for
 * services deciding about their own actor. Fails only on a store error.
 */
lx_rc lx_people_licence_year_tx(struct lx_store_tx *tx, int64_t staff_id,
                                int64_t now_ms, int *first_year,
                                struct lx_err *err);

/* ---- Training (C4.2) ------------------------------------------------------
 */

struct lx_people_training {
    int64_t id;
    int64_t staff_id;
    char course[LX_PEOPLE_REF_MAX + 1];
    char version[33];
    int64_t passed_ms;
    int64_t expires_ms; /* current while passed_ms <= now < expires_ms */
    int64_t recorded_by;
};

/* Record a passed course (managers of the member's firm, platform_admin,
 * platform_compliance). passed_ms <= now, expires_ms > passed_ms. */
lx_rc lx_people_training_add(struct lx_ctx *ctx,
                             const struct lx_people_training *in, int64_t *id);
lx_rc lx_people_training_list(struct lx_ctx *ctx, int64_t staff_id,
                              struct lx_people_training *out, size_t max,
                              size_t *n);

/* ---- Sensitive-data grants (C2.4) and minors' approvals (C1.3) ------------
 */

enum lx_people_grant_status {
    LX_PEOPLE_GRANT_NONE = 0,
    LX_PEOPLE_GRANT_REQUESTED,
    LX_PEOPLE_GRANT_APPROVED,
    LX_PEOPLE_GRANT_REJECTED,
    LX_PEOPLE_GRANT_REVOKED,
    LX_PEOPLE_GRANT_USED, /* minors' approvals: consumed by one access */
};
const char *lx_people_grant_status_name(enum lx_people_grant_status s);

struct lx_people_grant {
    int64_t id;
    int64_t staff_id;
    int64_t requested_by;
    int64_t approver_id; /* 0 until decided */
    enum lx_policy_purpose purpose;
    enum lx_people_grant_status status;
    int64_t expires_ms;
    int64_t created_ms;
    int64_t decided_ms;
    int64_t lead_id; /* minors' approvals only */
};

/* Request a grant for staff_id until expires_ms (> now): managers of the
 * member's firm or platform_admin. The requester can never approve it. */
lx_rc lx_people_grant_request(struct lx_ctx *ctx, int64_t staff_id,
                              enum lx_policy_purpose purpose,
                              int64_t expires_ms, int64_t *id);
/*
 * Approve (approve = true) or reject a requested grant. The decision is
 * the policy engine's (APPROVE_GRANT, with the grantee's facts), audited
 * allow or deny in the same transaction; separation of duties: the
 * approver is neither the grantee nor the requester (LX_EDENIED, C2.4).
 */
lx_rc lx_people_grant_decide(struct lx_ctx *ctx, int64_t id, bool approve);
/* Revoke an approved grant (managers, platform_admin). */
lx_rc lx_people_grant_revoke(struct lx_ctx *ctx, int64_t id);
lx_rc lx_people_grant_get(struct lx_ctx *ctx, int64_t id,
                          struct lx_people_grant *out);

/* A staff member asks for one access to a minor's data on lead_id for
 * 'purpose'; *id is the access id the later access must carry. */
lx_rc lx_people_minor_request(struct lx_ctx *ctx, int64_t lead_id,
                              enum lx_policy_purpose purpose, int64_t *id);
/* Approve (valid until expires_ms) or reject it; as for grants, the
 * decision is the policy engine's and the approver is not the requester. */
lx_rc lx_people_minor_decide(struct lx_ctx *ctx, int64_t id, bool approve,
                             int64_t expires_ms);
lx_rc lx_people_minor_get(struct lx_ctx *ctx, int64_t id,
                          struct lx_people_grant *out);
/* Inside the accessing service's transaction: mark approval 'access_id'
 * used (one access only). LX_ECONFLICT when it is not approved or was
 * used already. */
lx_rc lx_people_minor_use_tx(struct lx_store_tx *tx, int64_t access_id,
                             int64_t now_ms, struct lx_err *err);

/* ---- Policy facts ---------------------------------------------------------
 */

/*
 * Fill facts->now_ms and facts->actor (role, id, firm, firm status,
 * training expiry, licence) and facts->grant for staff_id at now_ms,
 * inside the caller's transaction. A disabled or deleted member, or one
 * that does not exist, leaves the actor facts zero (so every decision
 * denies) and returns LX_OK: absence is a fact, not an error. When
 * access_id is not 0, facts->access_id and facts->minor_approval are
 * filled from that approval.
 */
lx_rc lx_people_facts_load_tx(struct lx_store_tx *tx, int64_t staff_id,
                              int64_t now_ms, int64_t access_id,
                              struct lx_policy_facts *facts,
                              struct lx_err *err);
/* The same for the receiving staff member of an ASSIGN / HANDOVER. */
lx_rc lx_people_target_load_tx(struct lx_store_tx *tx, int64_t staff_id,
                               int64_t now_ms, struct lx_policy_facts *facts,
                               struct lx_err *err);
/* For a user (the person who sought advice): facts->now_ms and
 * facts->actor (role user, id) when the account is active; zero actor
 * facts otherwise (every decision denies). */
lx_rc lx_people_user_facts_load_tx(struct lx_store_tx *tx, int64_t user_id,
                                   int64_t now_ms,
                                   struct lx_policy_facts *facts,
                                   struct lx_err *err);
/* lx_people_facts_load_tx in its own read transaction. */
lx_rc lx_people_facts_load(struct lx_app *app, int64_t staff_id, int64_t now_ms,
                           int64_t access_id, struct lx_policy_facts *facts,
                           struct lx_err *err);

/*
 * Audit a policy decision taken by another service inside its
 * transaction (kind "policy" for platform actions, "access" otherwise):
 * actor from ctx, action and decision from facts and d, resource
 * "lead"/lead id. Every service's decision goes through here or through
 * audit/ directly.
 */
lx_rc lx_people_decision_audit_tx(struct lx_store_tx *tx,
                                  const struct lx_ctx *ctx,
                                  const struct lx_policy_facts *facts,
                                  const struct lx_policy_decision *d,
                                  struct lx_err *err);

/*
 * Query the audit log as ctx's actor (C4.3): the policy engine decides
 * read_audit for 'purpose' (platform compliance and security: everything)
 * or, for a firm role, read_firm_audit (a firm admin: its own staff's
 * entries; q->firm is forced to the actor's firm);
 * the decision is audited in the same transaction as the read, and 'fn'
 * runs inside it. A deny returns LX_EDENIED (reason and clause in
 * ctx->err) after its audit record is committed.
 */
struct lx_audit_query;
struct lx_audit_entry;
lx_rc lx_people_audit_query(struct lx_ctx *ctx, enum lx_policy_purpose purpose,
                            struct lx_audit_query *q,
                            lx_rc (*fn)(void *arg,
                                        const struct lx_audit_entry *e),
                            void *arg, uint64_t *next_after);

/* ---- Demo data ------------------------------------------------------------
 */

#define LX_PEOPLE_DEMO_MAX 32

struct lx_people_demo_account {
    char email[LX_PEOPLE_EMAIL_MAX + 1];
    char role[32];
    char org[LX_PEOPLE_NAME_MAX + 1];
    char password[32];
};

struct lx_people_demo_out {
    bool created; /* false: organisations existed, nothing was done */
    size_t n;
    struct lx_people_demo_account accounts[LX_PEOPLE_DEMO_MAX];
};

/*
 * Seed a demo: the platform with one member per platform role and three
 * fictional firms (Beijing 110000, Shanghai 310000, Shenzhen 440300) with
 * one member per firm role, current training and verified licences for
 * lawyers. Random passwords are returned in 'out' for printing. Does
 * nothing when any organisation exists.
 */
lx_rc lx_people_demo_seed(struct lx_app *app, struct lx_people_demo_out *out,
                          struct lx_err *err);

/*
 * First start: create the platform organisation (when missing) and its
 * first platform_admin with login 'email' and a random password returned
 * in 'password' (print it once; it is stored only as argon2id). Refuses
 * with LX_ECONFLICT when a platform_admin exists already. Audited as the
 * system.
 */
lx_rc lx_people_bootstrap(struct lx_app *app, const char *email,
                          char password[32], int64_t *staff_id,
                          struct lx_err *err);

#endif /* LX_PEOPLE_H */
