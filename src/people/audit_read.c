/*
 * audit_read — reading the audit log as a person (C4.3): platform
 * compliance and security staff over everything, a firm's admin over the
 * entries of its own staff. Reading the log is itself an access: the
 * decision (allow or deny) is audited in the same transaction as the read,
 * and a firm-side reader's query is narrowed to its firm before it runs.
 */
#include "audit/audit.h"
#include "people/people.h"
#include "people/people_int.h"
#include "policy/policy.h"
#include "store/store.h"

struct aq {
    struct lx_ctx *ctx;
    enum lx_policy_purpose purpose;
    struct lx_audit_query *q;
    lx_audit_row_fn *fn;
    void *arg;
    uint64_t *next_after;
    struct lx_policy_decision d;
};

static lx_rc
aq_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct aq *a = arg;
    struct lx_policy_facts f = {0};
    lx_rc rc = LX_OK;

    if (a->ctx->actor.kind == LX_ACTOR_STAFF) {
        rc = lx_people_facts_load_tx(tx, a->ctx->actor.id, a->ctx->now_ms, 0,
                                     &f, err);
    }
    if (rc != LX_OK) {
        return rc;
    }
    f.now_ms = a->ctx->now_ms;
    f.action = lx_policy_role_is_firm(f.actor.role)
                   ? LX_POLICY_ACTION_READ_FIRM_AUDIT
                   : LX_POLICY_ACTION_READ_AUDIT;
    f.purpose = a->purpose;
    lx_policy_decide(&f, &a->d);
    rc = lx_people_decision_audit_tx(tx, a->ctx, &f, &a->d, err);
    if (rc != LX_OK || a->d.verdict != LX_POLICY_ALLOW) {
        return rc;
    }
    if (lx_policy_role_is_firm(f.actor.role)) {
        /* A firm reads its own staff's entries and nothing else. */
        a->q->firm = (int64_t)f.actor.firm_id;
    }
    return lx_audit_query_tx(tx, a->q, a->fn, a->arg, a->next_after, err);
}

lx_rc
lx_people_audit_query(struct lx_ctx *ctx, enum lx_policy_purpose purpose,
                      struct lx_audit_query *q, lx_audit_row_fn *fn,
                      void *arg, uint64_t *next_after)
{
    struct aq a = {.ctx = ctx, .purpose = purpose, .q = q, .fn = fn,
                   .arg = arg, .next_after = next_after};
    lx_rc rc;

    rc = lx_store_write(ctx->app->store, aq_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    if (a.d.verdict != LX_POLICY_ALLOW) {
        ctx->err.clause = a.d.clause;
        return lx_err_set(&ctx->err, LX_EDENIED, NULL, "%s", a.d.reason);
    }
    return LX_OK;
}
