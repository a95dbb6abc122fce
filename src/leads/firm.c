/*
 * firm.c — the firm-side actions: claim, decline, timeout, revoke,
 * assign/handover, acknowledge, reveal, close, return (distribution is in
 * distribute.c). Each action is one unit of work: the
 * change, its policy decision and its audit record commit together.
 */
#include "leads/leads.h"
#include "leads/leads_int.h"

#include "audit/audit.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "people/people.h"
#include "route/route.h"
#include "store/store.h"
#include "vault/vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct lx_leads_opts no_opts = {0};

/* ---- small helpers --------------------------------------------------------- */

static lx_rc
audit_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
         enum lx_audit_kind kind, const char *action, int64_t lead_id,
         const char *purpose, const char *decision, const char *reason,
         const char *clause, struct lx_err *err)
{
    char rid[24];
    struct lx_audit_entry e = {0};

    snprintf(rid, sizeof(rid), "%lld", (long long)lead_id);
    e.time_ms = ctx->now_ms;
    e.kind = kind;
    e.actor_kind = (int)ctx->actor.kind;
    e.actor_id = ctx->actor.id;
    e.actor_firm = ctx->actor.firm_id;
    e.actor_role = ctx->actor.role;
    e.action = action;
    e.resource_type = "lead";
    e.resource_id = rid;
    e.purpose = purpose;
    e.decision = decision;
    e.reason = reason;
    e.clause = clause;
    e.request_id = ctx->req_id;
    return lx_audit_append_tx(tx, &e, err);
}

/* Step a statement that must return one row (UPDATE … RETURNING id): no
 * row means the lead moved under us. */
lx_rc
leads__step_one(struct lx_store_stmt *s, struct lx_err *err)
{
    bool row = false;
    lx_rc rc = lx_store_step(s, &row, err);

    if (rc == LX_OK && !row) {
        rc = lx_err_set(err, LX_ECONFLICT, NULL,
                        "the lead changed meanwhile; retry");
    }
    return rc;
}

static enum lx_policy_role
actor_role(const struct lx_ctx *ctx)
{
    enum lx_policy_role role = LX_POLICY_ROLE_NONE;

    if (ctx->actor.kind == LX_ACTOR_STAFF) {
        (void)lx_policy_role_parse(ctx->actor.role, &role);
    }
    return role;
}

void
leads__lead_facts(const struct leads__row *r, struct lx_policy_facts *f)
{
    f->lead.id = (uint64_t)r->id;
    f->lead.state = r->view.state == LX_LEADS_OFFERED ? LX_POLICY_LEAD_OFFERED
                                                      : LX_POLICY_LEAD_HELD;
    f->lead.firm_id = (uint64_t)r->firm_id;
    f->lead.staff_id = (uint64_t)r->view.staff_id;
    f->lead.user_id = (uint64_t)r->user_id;
    f->lead.subject =
        r->view.minor ? LX_POLICY_SUBJECT_MINOR : LX_POLICY_SUBJECT_ADULT;
}

/* ---- claim, decline, timeout ---------------------------------------------- */

struct act {
    struct lx_ctx *ctx;
    int64_t access_id; /* a minor's per-access approval, or 0 */
    const struct lx_leads_opts *o;
    int64_t id;
    enum lx_leads_event ev;
    int64_t to;
    enum lx_policy_purpose purpose;
    enum lx_route_decline reason;
    enum lx_leads_outcome outcome;
    const char *text;
    int limit;
    int64_t n;
    int64_t record_id;
    bool missing;
    bool denied;
    struct lx_policy_decision d;
    struct leads__row row;
};

/* Load the lead, hide it when the actor may not see it, and check the
 * state machine. On LX_OK with a->missing nothing else was done. */
static lx_rc
act_load_tx(struct lx_store_tx *tx, struct act *a, enum lx_leads_state *to,
            struct lx_err *err)
{
    bool found = false;
    lx_rc rc = leads__load_tx(tx, a->id, &a->row, &found, err);

    if (rc != LX_OK) {
        return rc;
    }
    if (!found || !leads__visible(a->ctx, &a->row) ||
        !lx_policy_role_is_firm(actor_role(a->ctx))) {
        a->missing = true;
        return LX_OK;
    }
    return lx_leads_transition(a->row.view.state, a->ev, to, err);
}

/* Load the actor's facts, decide 'action' on the lead and leave the
 * decision in a->d; a->denied on deny. */
static lx_rc
act_decide_tx(struct lx_store_tx *tx, struct act *a,
              enum lx_policy_action action, int64_t access_id,
              struct lx_policy_facts *f, struct lx_err *err)
{
    lx_rc rc;

    memset(f, 0, sizeof(*f));
    rc = lx_people_facts_load_tx(tx, a->ctx->actor.id, a->ctx->now_ms,
                                 access_id, f, err);
    if (rc == LX_OK && a->to > 0) {
        rc = lx_people_target_load_tx(tx, a->to, a->ctx->now_ms, f, err);
    }
    if (rc != LX_OK) {
        return rc;
    }
    f->action = action;
    f->purpose = a->purpose;
    leads__lead_facts(&a->row, f);
    lx_policy_decide(f, &a->d);
    a->denied = a->d.verdict != LX_POLICY_ALLOW;
    return LX_OK;
}

static lx_rc
close_offer_tx(struct lx_store_tx *tx, struct act *a, const char *outcome,
               const char *reason, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc = lx_store_prepare(tx,
                                "UPDATE lead_offers SET outcome = :oc,"
                                " decline_reason = :why, closed_ms = :now"
                                " WHERE lead_id = :id AND outcome = 'open'"
                                " RETURNING id",
                                &s, err);

    int64_t offer_id = 0;

    if (rc == LX_OK) {
        lx_store_bind_text(s, ":oc", outcome, strlen(outcome));
        if (reason != NULL) {
            lx_store_bind_text(s, ":why", reason, strlen(reason));
        } else {
            lx_store_bind_null(s, ":why");
        }
        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        lx_store_bind_int(s, ":id", a->id);
        rc = leads__step_one(s, err);
    }
    if (rc == LX_OK) {
        offer_id = lx_store_col_int(s, 0);
    }
    lx_store_stmt_free(s);
    /* The firm answered the offer (claim or decline) inside its window:
     * the caller's hook closes the window's deadline in this unit. */
    if (rc == LX_OK && a->o->on_answer != NULL &&
        strcmp(outcome, "timed_out") != 0) {
        rc = a->o->on_answer(a->o->on_offer_arg, tx, offer_id, a->ctx->now_ms,
                             err);
    }
    return rc;
}

static lx_rc
claim_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct act *a = arg;
    struct lx_policy_facts f;
    struct lx_route_offer_state *st = NULL;
    struct lx_store_stmt *s = NULL;
    enum lx_leads_state to = LX_LEADS_NEW;
    lx_rc rc = act_load_tx(tx, a, &to, err);

    if (rc != LX_OK || a->missing) {
        return rc;
    }
    rc = act_decide_tx(tx, a, LX_POLICY_ACTION_CLAIM, a->access_id, &f, err);
    if (rc == LX_OK) {
        rc = lx_people_decision_audit_tx(tx, a->ctx, &f, &a->d, err);
    }
    if (rc != LX_OK || a->denied) {
        return rc;
    }
    /* A minor's approval serves one access: this claim. */
    if (a->access_id != 0 && a->row.view.minor) {
        rc = lx_people_minor_use_tx(tx, a->access_id, a->ctx->now_ms, err);
        if (rc != LX_OK) {
            return rc;
        }
    }
    st = lx_xcalloc(1, sizeof(*st));
    rc = leads__offer_state_tx(tx, a->id, st, err);
    if (rc == LX_OK) {
        struct lx_route_event ev = {.kind = LX_ROUTE_EV_CLAIM,
                                    .firm_id = (uint64_t)a->ctx->actor.firm_id,
                                    .now_ms = a->ctx->now_ms};

        rc = lx_route_offer_step(st, &ev, err);
    }
    free(st);
    if (rc == LX_EDENIED) {
        a->missing = true;
        return LX_OK;
    }
    if (rc == LX_OK) {
        rc = close_offer_tx(tx, a, "claimed", NULL, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "UPDATE leads SET state = 'claimed', staff_id ="
                              " :staff, offer_deadline_ms = NULL, updated_ms ="
                              " :now WHERE id = :id AND state = 'offered' AND"
                              " firm_id = :f RETURNING id",
                              &s, err);
    }
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":staff", a->ctx->actor.id);
        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        lx_store_bind_int(s, ":id", a->id);
        lx_store_bind_int(s, ":f", a->ctx->actor.firm_id);
        rc = leads__step_one(s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

/* The end of every action: hidden leads are 404, denials 403 with the
 * policy's clause and reason (their audit record is committed). */
static lx_rc
act_finish(struct lx_ctx *ctx, struct act *a, lx_rc rc)
{
    if (rc != LX_OK) {
        return rc;
    }
    if (a->missing) {
        return lx_err_set(&ctx->err, LX_ENOTFOUND, NULL, "no such lead");
    }
    if (a->denied) {
        rc = lx_err_set(&ctx->err, LX_EDENIED, NULL, "%s",
                        a->d.reason != NULL ? a->d.reason : "denied");
        ctx->err.clause = a->d.clause;
    }
    return rc;
}

lx_rc
lx_leads_claim(struct lx_ctx *ctx, const struct lx_leads_opts *o, int64_t id)
{
    return lx_leads_claim_access(ctx, o, id, 0);
}

lx_rc
lx_leads_claim_access(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                      int64_t id, int64_t access_id)
{
    struct act *a = lx_xcalloc(1, sizeof(*a));
    lx_rc rc;

    a->ctx = ctx;
    a->o = o != NULL ? o : &no_opts;
    a->id = id;
    a->access_id = access_id;
    a->ev = LX_LEADS_EV_CLAIM;
    a->purpose = LX_POLICY_PURPOSE_CONSULTATION;
    rc = lx_store_write(ctx->app->store, claim_unit, a, &ctx->err);
    rc = act_finish(ctx, a, rc);
    free(a);
    return rc;
}

/* After a decline or timeout: the lead is "new" again; offer it on. */
static lx_rc
pass_on_tx(struct lx_store_tx *tx, struct act *a, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    enum lx_leads_state st = LX_LEADS_NEW;
    enum lx_route_area area = LX_ROUTE_AREA_NONE;
    lx_rc rc = lx_store_prepare(tx,
                                "UPDATE leads SET state = 'new', firm_id ="
                                " NULL, staff_id = NULL, offer_deadline_ms ="
                                " NULL, updated_ms = :now WHERE id = :id AND"
                                " state = 'offered' RETURNING id",
                                &s, err);

    if (rc == LX_OK) {
        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        lx_store_bind_int(s, ":id", a->id);
        rc = leads__step_one(s, err);
    }
    lx_store_stmt_free(s);
    (void)lx_route_area_parse(a->row.view.area, &area);
    if (rc == LX_OK) {
        rc = leads__distribute_tx(tx, a->ctx, a->o, a->id, area,
                                  a->row.view.region, &st, err);
    }
    return rc;
}

static lx_rc
decline_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct act *a = arg;
    struct lx_route_offer_state *st = NULL;
    enum lx_leads_state to = LX_LEADS_NEW;
    enum lx_policy_role role = actor_role(a->ctx);
    lx_rc rc = act_load_tx(tx, a, &to, err);

    if (rc != LX_OK || a->missing) {
        return rc;
    }
    if (role != LX_POLICY_ROLE_FIRM_ADMIN && role != LX_POLICY_ROLE_LAWYER) {
        a->denied = true;
        a->d.reason = "role_not_permitted";
        a->d.clause = "C4.1";
        return audit_tx(tx, a->ctx, LX_AUDIT_HANDOVER, "decline", a->id, NULL,
                        "deny", a->d.reason, a->d.clause, err);
    }
    st = lx_xcalloc(1, sizeof(*st));
    rc = leads__offer_state_tx(tx, a->id, st, err);
    if (rc == LX_OK) {
        struct lx_route_event ev = {.kind = LX_ROUTE_EV_DECLINE,
                                    .firm_id = (uint64_t)a->ctx->actor.firm_id,
                                    .now_ms = a->ctx->now_ms,
                                    .reason = a->reason};

        rc = lx_route_offer_step(st, &ev, err);
    }
    free(st);
    if (rc == LX_EDENIED) {
        a->missing = true;
        return LX_OK;
    }
    if (rc == LX_OK) {
        rc = close_offer_tx(tx, a, "declined", lx_route_decline_name(a->reason),
                            err);
    }
    if (rc == LX_OK) {
        rc = audit_tx(tx, a->ctx, LX_AUDIT_HANDOVER, "decline", a->id, NULL,
                      "done", lx_route_decline_name(a->reason), "C5.1", err);
    }
    if (rc == LX_OK) {
        rc = pass_on_tx(tx, a, err);
    }
    return rc;
}

lx_rc
lx_leads_decline(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                 int64_t id, const char *reason)
{
    struct act *a;
    lx_rc rc;
    enum lx_route_decline why = LX_ROUTE_DECLINE_NONE;

    if (!lx_route_decline_parse(reason, &why)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/reason",
                          "not a decline reason");
    }
    a = lx_xcalloc(1, sizeof(*a));
    a->ctx = ctx;
    a->o = o != NULL ? o : &no_opts;
    a->id = id;
    a->ev = LX_LEADS_EV_DECLINE;
    a->reason = why;
    rc = lx_store_write(ctx->app->store, decline_unit, a, &ctx->err);
    rc = act_finish(ctx, a, rc);
    free(a);
    return rc;
}

static lx_rc
timeout_one_tx(struct lx_store_tx *tx, struct act *a, struct lx_err *err)
{
    struct lx_route_offer_state *st = lx_xcalloc(1, sizeof(*st));
    enum lx_leads_state to = LX_LEADS_NEW;
    bool found = false;
    lx_rc rc = leads__load_tx(tx, a->id, &a->row, &found, err);

    if (rc == LX_OK && found) {
        rc = lx_leads_transition(a->row.view.state, LX_LEADS_EV_TIMEOUT, &to,
                                 err);
    }
    if (rc == LX_OK && found) {
        rc = leads__offer_state_tx(tx, a->id, st, err);
    }
    if (rc == LX_OK && found) {
        struct lx_route_event ev = {.kind = LX_ROUTE_EV_TIMEOUT,
                                    .now_ms = a->ctx->now_ms};

        rc = lx_route_offer_step(st, &ev, err);
    }
    free(st);
    if (rc == LX_OK && found) {
        rc = close_offer_tx(tx, a, "timed_out", NULL, err);
    }
    if (rc == LX_OK && found) {
        rc = audit_tx(tx, a->ctx, LX_AUDIT_POLICY, "offer_timeout", a->id,
                      NULL, "done", "offer_window_passed", "C5.1", err);
    }
    if (rc == LX_OK && found) {
        rc = pass_on_tx(tx, a, err);
    }
    return rc;
}

/* ---- first-response breach: the platform takes the lead back ------------ */

lx_rc
lx_leads_revoke_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                   const struct lx_leads_opts *o, int64_t offer_id,
                   bool *revoked, struct lx_err *err)
{
    struct act *a = lx_xcalloc(1, sizeof(*a));
    enum lx_leads_offer_outcome oc = LX_LEADS_OFFER_OPEN;
    enum lx_leads_state to = LX_LEADS_NEW, st = LX_LEADS_NEW;
    enum lx_route_area area = LX_ROUTE_AREA_NONE;
    struct lx_store_stmt *s = NULL;
    int64_t firm_id = 0;
    bool found = false;
    lx_rc rc;

    if (revoked != NULL) {
        *revoked = false;
    }
    a->ctx = ctx;
    a->o = o != NULL ? o : &no_opts;
    rc = lx_leads_offer_get_tx(tx, offer_id, &a->id, &firm_id, &oc, &found,
                               err);
    if (rc != LX_OK || !found || oc != LX_LEADS_OFFER_CLAIMED) {
        goto out;
    }
    rc = leads__load_tx(tx, a->id, &a->row, &found, err);
    if (rc != LX_OK || !found || a->row.firm_id != firm_id ||
        (a->row.view.state != LX_LEADS_CLAIMED &&
         a->row.view.state != LX_LEADS_ASSIGNED)) {
        goto out; /* closed, returned or already elsewhere: nothing to do */
    }
    rc = lx_leads_transition(a->row.view.state, LX_LEADS_EV_REVOKE, &to, err);
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "UPDATE lead_offers SET outcome = 'cancelled',"
                              " decline_reason = 'no_first_response',"
                              " closed_ms = :now WHERE id = :id AND"
                              " outcome = 'claimed' RETURNING id",
                              &s, err);
    }
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":now", ctx->now_ms);
        lx_store_bind_int(s, ":id", offer_id);
        rc = leads__step_one(s, err);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "UPDATE leads SET state = 'new', firm_id ="
                              " NULL, staff_id = NULL, offer_deadline_ms ="
                              " NULL, updated_ms = :now WHERE id = :id AND"
                              " state IN ('claimed', 'assigned')"
                              " RETURNING id",
                              &s, err);
    }
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":now", ctx->now_ms);
        lx_store_bind_int(s, ":id", a->id);
        rc = leads__step_one(s, err);
    }
    lx_store_stmt_free(s);
    if (rc == LX_OK) {
        rc = audit_tx(tx, ctx, LX_AUDIT_POLICY, "revoke", a->id, NULL, "done",
                      "no_first_response", "C5.1", err);
    }
    (void)lx_route_area_parse(a->row.view.area, &area);
    if (rc == LX_OK) {
        rc = leads__distribute_tx(tx, ctx, a->o, a->id, area,
                                  a->row.view.region, &st, err);
    }
    if (rc == LX_OK && revoked != NULL) {
        *revoked = true;
    }
out:
    free(a);
    return rc;
}

static lx_rc
timeout_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct act *a = arg;
    struct lx_store_stmt *s = NULL;
    int64_t ids[LX_ROUTE_MAX_OFFERS * 16];
    size_t n = 0;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx,
                                "SELECT id FROM leads WHERE state = 'offered'"
                                " AND offer_deadline_ms <= :now ORDER BY"
                                " offer_deadline_ms, id LIMIT :n"
                                " LX_SKIP_LOCKED",
                                &s, err);

    if (rc == LX_OK) {
        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        lx_store_bind_int(s, ":n", a->limit);
    }
    while (rc == LX_OK && n < sizeof(ids) / sizeof(ids[0]) &&
           (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        ids[n++] = lx_store_col_int(s, 0);
    }
    lx_store_stmt_free(s);
    for (size_t i = 0; rc == LX_OK && i < n; i++) {
        a->id = ids[i];
        rc = timeout_one_tx(tx, a, err);
    }
    if (rc == LX_OK) {
        a->n = (int64_t)n;
    }
    return rc;
}

lx_rc
lx_leads_timeout_due(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                     int limit, int64_t *n)
{
    struct act *a;
    lx_rc rc;

    *n = 0;
    if (limit < 1 || limit > 256) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/limit", "must be 1..256");
    }
    a = lx_xcalloc(1, sizeof(*a));
    a->ctx = ctx;
    a->o = o != NULL ? o : &no_opts;
    a->limit = limit;
    rc = lx_store_write(ctx->app->store, timeout_unit, a, &ctx->err);
    if (rc == LX_OK) {
        *n = a->n;
    }
    free(a);
    return rc;
}

/* ---- assign, handover, acknowledge ---------------------------------------- */

static lx_rc
assign_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct act *a = arg;
    struct lx_policy_facts f;
    struct lx_store_stmt *s = NULL;
    enum lx_leads_state to = LX_LEADS_NEW;
    bool row = false;
    const char *action = a->ev == LX_LEADS_EV_HANDOVER ? "handover" : "assign";
    lx_rc rc = act_load_tx(tx, a, &to, err);

    if (rc != LX_OK || a->missing) {
        return rc;
    }
    if (a->to == a->row.view.staff_id) {
        return lx_err_set(err, LX_EINVAL, "/to", "already holds the lead");
    }
    rc = act_decide_tx(tx, a,
                       a->ev == LX_LEADS_EV_HANDOVER ? LX_POLICY_ACTION_HANDOVER
                                                     : LX_POLICY_ACTION_ASSIGN,
                       0, &f, err);
    if (rc == LX_OK) {
        rc = audit_tx(tx, a->ctx, LX_AUDIT_HANDOVER, action, a->id,
                      lx_policy_purpose_name(a->purpose),
                      lx_policy_verdict_name(a->d.verdict), a->d.reason,
                      a->d.clause, err);
    }
    if (rc != LX_OK || a->denied) {
        return rc;
    }
    rc = lx_store_prepare(tx,
                          "INSERT INTO lead_handovers (lead_id, firm_id,"
                          " from_staff, to_staff, reason, created_ms,"
                          " actor_id) VALUES (:l, :f, :from, :to, :why, :now,"
                          " :actor) RETURNING id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":l", a->id);
        lx_store_bind_int(s, ":f", a->row.firm_id);
        if (a->row.view.staff_id > 0) {
            lx_store_bind_int(s, ":from", a->row.view.staff_id);
        } else {
            lx_store_bind_null(s, ":from");
        }
        lx_store_bind_int(s, ":to", a->to);
        lx_store_bind_text(s, ":why", a->text, strlen(a->text));
        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        lx_store_bind_int(s, ":actor", a->ctx->actor.id);
        rc = lx_store_step(s, &row, err);
        a->record_id = row ? lx_store_col_int(s, 0) : 0;
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "UPDATE leads SET state = 'assigned', staff_id ="
                              " :to, updated_ms = :now WHERE id = :id AND"
                              " state = :from RETURNING id",
                              &s, err);
    }
    if (rc == LX_OK) {
        const char *from = lx_leads_state_name(a->row.view.state);

        lx_store_bind_int(s, ":to", a->to);
        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        lx_store_bind_int(s, ":id", a->id);
        lx_store_bind_text(s, ":from", from, strlen(from));
        rc = leads__step_one(s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_leads_assign(struct lx_ctx *ctx, int64_t id, int64_t to, bool handover,
                const char *reason, const char *purpose, int64_t *record_id)
{
    struct act *a;
    enum lx_policy_purpose p = LX_POLICY_PURPOSE_CONSULTATION;
    lx_rc rc;

    if (to <= 0) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/to", "not a staff id");
    }
    if (reason == NULL || reason[0] == '\0' ||
        strlen(reason) > LX_LEADS_REASON_MAX ||
        !lx_utf8_valid(reason, strlen(reason), NULL)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/reason",
                          "1..%d bytes of UTF-8 required", LX_LEADS_REASON_MAX);
    }
    if (purpose != NULL && purpose[0] != '\0' &&
        !lx_policy_purpose_parse(purpose, &p)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/purpose",
                          "not a purpose of C2.1");
    }
    a = lx_xcalloc(1, sizeof(*a));
    a->ctx = ctx;
    a->o = &no_opts;
    a->id = id;
    a->ev = handover ? LX_LEADS_EV_HANDOVER : LX_LEADS_EV_ASSIGN;
    a->to = to;
    a->purpose = p;
    a->text = reason;
    rc = lx_store_write(ctx->app->store, assign_unit, a, &ctx->err);
    rc = act_finish(ctx, a, rc);
    if (rc == LX_OK && record_id != NULL) {
        *record_id = a->record_id;
    }
    free(a);
    return rc;
}

static lx_rc
ack_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct act *a = arg;
    struct lx_store_stmt *s = NULL;
    enum lx_leads_state to = LX_LEADS_NEW;
    lx_rc rc = act_load_tx(tx, a, &to, err);

    if (rc != LX_OK || a->missing) {
        return rc;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE lead_handovers SET acknowledged_ms = :now"
                          " WHERE id = (SELECT MAX(id) FROM lead_handovers"
                          " WHERE lead_id = :id) AND to_staff = :me AND"
                          " acknowledged_ms IS NULL RETURNING id",
                          &s, err);
    if (rc == LX_OK) {
        bool row = false;

        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        lx_store_bind_int(s, ":id", a->id);
        lx_store_bind_int(s, ":me", a->ctx->actor.id);
        rc = lx_store_step(s, &row, err);
        if (rc == LX_OK && !row) {
            rc = lx_err_set(err, LX_ECONFLICT, NULL,
                            "no handover awaits your acknowledgement");
        }
        a->record_id = row ? lx_store_col_int(s, 0) : 0;
    }
    lx_store_stmt_free(s);
    if (rc == LX_OK) {
        rc = audit_tx(tx, a->ctx, LX_AUDIT_HANDOVER, "acknowledge", a->id,
                      NULL, "done", NULL, "C4.3", err);
    }
    return rc;
}

lx_rc
lx_leads_acknowledge(struct lx_ctx *ctx, int64_t id)
{
    struct act *a = lx_xcalloc(1, sizeof(*a));
    lx_rc rc;

    a->ctx = ctx;
    a->o = &no_opts;
    a->id = id;
    a->ev = LX_LEADS_EV_ACKNOWLEDGE;
    rc = lx_store_write(ctx->app->store, ack_unit, a, &ctx->err);
    rc = act_finish(ctx, a, rc);
    free(a);
    return rc;
}

struct hand_list {
    struct lx_ctx *ctx;
    int64_t id;
    struct lx_leads_handover *out;
    size_t max;
    size_t n;
    bool missing;
};

static lx_rc
hand_list_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct hand_list *a = arg;
    struct leads__row *r = lx_xmalloc(sizeof(*r));
    struct lx_store_stmt *s = NULL;
    bool found = false;
    bool row = false;
    lx_rc rc = leads__load_tx(tx, a->id, r, &found, err);

    a->missing = rc == LX_OK && (!found || !leads__visible(a->ctx, r) ||
                                 a->ctx->actor.kind == LX_ACTOR_USER);
    free(r);
    if (rc != LX_OK || a->missing) {
        return rc;
    }
    rc = lx_store_prepare(tx,
                          "SELECT id, from_staff, to_staff, reason,"
                          " created_ms, acknowledged_ms FROM lead_handovers"
                          " WHERE lead_id = :id ORDER BY id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", a->id);
    }
    while (rc == LX_OK && a->n < a->max &&
           (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_leads_handover *h = &a->out[a->n++];
        size_t len = 0;
        const char *t;

        memset(h, 0, sizeof(*h));
        h->id = lx_store_col_int(s, 0);
        h->from_staff = lx_store_col_int(s, 1);
        h->to_staff = lx_store_col_int(s, 2);
        t = lx_store_col_text(s, 3, &len);
        if (t != NULL && len <= LX_LEADS_REASON_MAX) {
            memcpy(h->reason, t, len);
        }
        h->created_ms = lx_store_col_int(s, 4);
        h->acknowledged_ms = lx_store_col_int(s, 5);
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_leads_handovers(struct lx_ctx *ctx, int64_t id,
                   struct lx_leads_handover *out, size_t max, size_t *n)
{
    struct hand_list a = {.ctx = ctx, .id = id, .out = out, .max = max};
    lx_rc rc = lx_store_read(ctx->app->store, hand_list_unit, &a, &ctx->err);

    *n = a.n;
    if (rc == LX_OK && a.missing) {
        rc = lx_err_set(&ctx->err, LX_ENOTFOUND, NULL, "no such lead");
    }
    return rc;
}

/* ---- reveal, close, return ------------------------------------------------- */

struct reveal_unit {
    struct lx_ctx *ctx;
    int64_t id;
    int64_t access_id;
    struct leads__row row;
    struct lx_policy_facts facts;
    bool missing;
};

static lx_rc
reveal_facts_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct reveal_unit *a = arg;
    bool found = false;
    lx_rc rc = leads__load_tx(tx, a->id, &a->row, &found, err);

    if (rc != LX_OK) {
        return rc;
    }
    if (!found || !leads__visible(a->ctx, &a->row)) {
        a->missing = true;
        return LX_OK;
    }
    if (a->ctx->actor.kind == LX_ACTOR_USER) {
        return lx_people_user_facts_load_tx(tx, a->ctx->actor.id,
                                            a->ctx->now_ms, &a->facts, err);
    }
    if (a->ctx->actor.kind != LX_ACTOR_STAFF) {
        a->missing = true;
        return LX_OK;
    }
    return lx_people_facts_load_tx(tx, a->ctx->actor.id, a->ctx->now_ms,
                                   a->access_id, &a->facts, err);
}

lx_rc
lx_leads_reveal(struct lx_ctx *ctx, int64_t id, const char *field,
                const char *purpose, int64_t access_id, struct lx_secret **out)
{
    static const char *const fields[] = {"phone", "name", "id_number",
                                         "description"};
    struct reveal_unit *a;
    struct lx_vault_reveal_req req;
    enum lx_policy_purpose p = LX_POLICY_PURPOSE_NONE;
    bool known = false;
    lx_rc rc;

    *out = NULL;
    for (size_t i = 0; field != NULL && i < 4; i++) {
        known = known || strcmp(field, fields[i]) == 0;
    }
    if (!known) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/field",
                          "not a field of a lead");
    }
    if (!lx_policy_purpose_parse(purpose, &p)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/purpose",
                          "a purpose of C2.1 is required");
    }
    a = lx_xcalloc(1, sizeof(*a));
    a->ctx = ctx;
    a->id = id;
    a->access_id = access_id;
    rc = lx_store_read(ctx->app->store, reveal_facts_unit, a, &ctx->err);
    if (rc == LX_OK && a->missing) {
        rc = lx_err_set(&ctx->err, LX_ENOTFOUND, NULL, "no such lead");
    }
    if (rc == LX_OK) {
        memset(&req, 0, sizeof(req));
        req.subject_id = a->row.subject_id;
        req.field = field;
        req.facts = a->facts;
        req.facts.purpose = p;
        leads__lead_facts(&a->row, &req.facts);
        rc = lx_vault_reveal(ctx, &req, out);
    }
    free(a);
    return rc;
}

static lx_rc
finish_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct act *a = arg;
    struct lx_policy_facts f;
    struct lx_store_stmt *s = NULL;
    enum lx_leads_state to = LX_LEADS_NEW;
    const char *action = a->ev == LX_LEADS_EV_CLOSE ? "close" : "return";
    const char *what = a->ev == LX_LEADS_EV_CLOSE
                           ? lx_leads_outcome_name(a->outcome)
                           : lx_route_decline_name(a->reason);
    lx_rc rc = act_load_tx(tx, a, &to, err);

    if (rc != LX_OK || a->missing) {
        return rc;
    }
    rc = act_decide_tx(tx, a, LX_POLICY_ACTION_VIEW_MASKED, 0, &f, err);
    if (rc == LX_OK) {
        rc = audit_tx(tx, a->ctx,
                      a->ev == LX_LEADS_EV_CLOSE ? LX_AUDIT_ACCESS
                                                 : LX_AUDIT_HANDOVER,
                      action, a->id, lx_policy_purpose_name(a->purpose),
                      lx_policy_verdict_name(a->d.verdict),
                      a->denied ? a->d.reason : what, a->d.clause, err);
    }
    if (rc != LX_OK || a->denied) {
        return rc;
    }
    if (a->ev == LX_LEADS_EV_CLOSE) {
        rc = lx_store_prepare(tx,
                              "UPDATE leads SET state = 'closed', outcome ="
                              " :what, updated_ms = :now WHERE id = :id AND"
                              " state = :from RETURNING id",
                              &s, err);
    } else {
        rc = lx_store_prepare(tx,
                              "UPDATE leads SET state = 'returned',"
                              " return_reason = :what, updated_ms = :now"
                              " WHERE id = :id AND state = :from RETURNING id",
                              &s, err);
    }
    if (rc == LX_OK) {
        const char *from = lx_leads_state_name(a->row.view.state);

        lx_store_bind_text(s, ":what", what, strlen(what));
        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        lx_store_bind_int(s, ":id", a->id);
        lx_store_bind_text(s, ":from", from, strlen(from));
        rc = leads__step_one(s, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
finish(struct lx_ctx *ctx, int64_t id, enum lx_leads_event ev,
       enum lx_leads_outcome outcome, enum lx_route_decline reason)
{
    struct act *a = lx_xcalloc(1, sizeof(*a));
    lx_rc rc;

    a->ctx = ctx;
    a->o = &no_opts;
    a->id = id;
    a->ev = ev;
    a->outcome = outcome;
    a->reason = reason;
    a->purpose = LX_POLICY_PURPOSE_CONSULTATION;
    rc = lx_store_write(ctx->app->store, finish_unit, a, &ctx->err);
    rc = act_finish(ctx, a, rc);
    free(a);
    return rc;
}

lx_rc
lx_leads_close(struct lx_ctx *ctx, int64_t id, const char *outcome)
{
    enum lx_leads_outcome oc = LX_LEADS_OUTCOME_NONE;

    if (!lx_leads_outcome_parse(outcome, &oc)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/outcome",
                          "not a closing outcome");
    }
    return finish(ctx, id, LX_LEADS_EV_CLOSE, oc, LX_ROUTE_DECLINE_NONE);
}

lx_rc
lx_leads_return(struct lx_ctx *ctx, int64_t id, const char *reason)
{
    enum lx_route_decline why = LX_ROUTE_DECLINE_NONE;

    if (!lx_route_decline_parse(reason, &why)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/reason",
                          "not a return reason");
    }
    return finish(ctx, id, LX_LEADS_EV_RETURN, LX_LEADS_OUTCOME_NONE, why);
}
