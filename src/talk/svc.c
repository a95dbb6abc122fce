/*
 * svc.c — the steps every act of the conversation service shares: load
 * the lead and the actor's facts, decide, audit (talk_int.h).
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include "audit/audit.h"
#include "people/people.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

lx_rc
talk__act_load_tx(struct lx_store_tx *tx, struct lx_ctx *ctx, int64_t lead_id,
                  enum lx_policy_action action, enum lx_policy_purpose purpose,
                  struct talk__act *a, struct lx_err *err)
{
    return talk__act_load_field_tx(tx, ctx, lead_id, action, purpose,
                                   LX_POLICY_FIELD_UNKNOWN, a, err);
}

lx_rc
talk__act_load_field_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                        int64_t lead_id, enum lx_policy_action action,
                        enum lx_policy_purpose purpose,
                        enum lx_policy_field field, struct talk__act *a,
                        struct lx_err *err)
{
    bool found = false;
    lx_rc rc;

    memset(a, 0, sizeof(*a));
    switch (ctx->actor.kind) {
    case LX_ACTOR_STAFF:
        rc = lx_people_facts_load_tx(tx, ctx->actor.id, ctx->now_ms, 0,
                                     &a->facts, err);
        break;
    case LX_ACTOR_USER:
        rc = lx_people_user_facts_load_tx(tx, ctx->actor.id, ctx->now_ms,
                                          &a->facts, err);
        break;
    case LX_ACTOR_NONE:
    case LX_ACTOR_SYSTEM:
    case LX_ACTOR_APIKEY:
    default:
        /* Zero actor facts: the engine denies. */
        a->facts.now_ms = ctx->now_ms;
        rc = LX_OK;
        break;
    }
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_leads_ref_load_tx(tx, ctx, lead_id, &a->lead, &a->facts, &found,
                              err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!found || !a->lead.visible) {
        a->missing = true;
        return LX_OK;
    }
    a->facts.action = action;
    a->facts.purpose = purpose;
    a->facts.lead.field = field;
    lx_policy_decide(&a->facts, &a->d);
    return lx_people_decision_audit_tx(tx, ctx, &a->facts, &a->d, err);
}

bool
talk__firm_holds(const struct lx_ctx *ctx, const struct lx_leads_ref *l)
{
    return ctx->actor.kind == LX_ACTOR_STAFF && ctx->actor.firm_id != 0 &&
           l->firm_id == ctx->actor.firm_id &&
           (l->state == LX_LEADS_CLAIMED || l->state == LX_LEADS_ASSIGNED);
}

lx_rc
talk__finish(struct lx_ctx *ctx, const struct talk__act *a, lx_rc rc)
{
    if (rc != LX_OK) {
        return rc;
    }
    if (a->missing) {
        return lx_err_set(&ctx->err, LX_ENOTFOUND, NULL, "no such lead");
    }
    if (a->d.verdict != LX_POLICY_ALLOW) {
        rc = lx_err_set(&ctx->err, LX_EDENIED, NULL, "%s",
                        a->d.reason != NULL ? a->d.reason : "denied");
        ctx->err.clause = a->d.clause;
    }
    return rc;
}

lx_rc
talk__audit_res_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                   const char *action, const char *rtype, int64_t rid,
                   const char *field, const char *purpose, const char *decision,
                   const char *reason, const char *clause, struct lx_err *err)
{
    char id[24];
    struct lx_audit_entry e = {0};

    snprintf(id, sizeof(id), "%lld", (long long)rid);
    e.time_ms = ctx->now_ms;
    e.kind = LX_AUDIT_ACCESS;
    e.actor_kind = (int)ctx->actor.kind;
    e.actor_id = ctx->actor.id;
    e.actor_firm = ctx->actor.firm_id;
    e.actor_role = ctx->actor.role;
    e.action = action;
    e.resource_type = rtype;
    e.resource_id = id;
    e.field = field;
    e.purpose = purpose;
    e.decision = decision;
    e.reason = reason;
    e.clause = clause;
    e.request_id = ctx->req_id;
    return lx_audit_append_tx(tx, &e, err);
}

lx_rc
talk__audit_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
               const char *action, int64_t lead_id, const char *purpose,
               const char *decision, const char *reason, const char *clause,
               struct lx_err *err)
{
    return talk__audit_res_tx(tx, ctx, action, "lead", lead_id, NULL, purpose,
                              decision != NULL ? decision : "done", reason,
                              clause, err);
}

/* ---- binding with the first failure kept --------------------------------- */

lx_rc
talk__bind_i(struct lx_store_stmt *s, const char *name, int64_t v, lx_rc rc)
{
    return rc != LX_OK ? rc : lx_store_bind_int(s, name, v);
}

lx_rc
talk__bind_t(struct lx_store_stmt *s, const char *name, const char *v, lx_rc rc)
{
    return rc != LX_OK ? rc : lx_store_bind_text(s, name, v, strlen(v));
}

lx_rc
talk__bind_done(lx_rc rc, struct lx_err *err)
{
    return rc == LX_OK ? LX_OK : lx_err_set(err, rc, NULL, "talk: bind failed");
}
