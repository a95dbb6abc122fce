/*
 * accesses — "who accessed my data" for a lead (PIPL Art. 44-45, C4.3).
 *
 * The person who submitted a lead lists every access to the personal data
 * behind it — when, which firm, which role, which field, for which purpose,
 * allowed or denied — from the audit log, through the vault's read of the
 * subject's records. Staff are named by firm and role, never as a person.
 * Reading the list is itself decided (read_audit: the user for their own
 * lead; platform auditors; the firm admin of the holding firm) and audited.
 */
#include "leads/leads.h"
#include "leads/leads_int.h"

#include "base/mem.h"
#include "people/people.h"
#include "policy/policy.h"
#include "store/store.h"
#include "vault/vault.h"

#include <stdlib.h>
#include <string.h>

struct acc {
    struct lx_ctx *ctx;
    int64_t id;
    enum lx_policy_purpose purpose;
    int64_t subject;
    bool found;
    struct lx_policy_decision d;
};

static lx_rc
decide_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct acc *a = arg;
    struct leads__row *r = lx_xmalloc(sizeof(*r));
    struct lx_policy_facts f = {0};
    lx_rc rc = leads__load_tx(tx, a->id, r, &a->found, err);

    if (rc != LX_OK || !a->found || !leads__visible(a->ctx, r)) {
        a->found = false;
        goto out;
    }
    if (a->ctx->actor.kind == LX_ACTOR_USER) {
        rc = lx_people_user_facts_load_tx(tx, a->ctx->actor.id,
                                          a->ctx->now_ms, &f, err);
    } else if (a->ctx->actor.kind == LX_ACTOR_STAFF) {
        rc = lx_people_facts_load_tx(tx, a->ctx->actor.id, a->ctx->now_ms, 0,
                                     &f, err);
    }
    if (rc != LX_OK) {
        goto out;
    }
    f.now_ms = a->ctx->now_ms;
    f.action = LX_POLICY_ACTION_READ_AUDIT;
    f.purpose = a->purpose;
    leads__lead_facts(r, &f);
    lx_policy_decide(&f, &a->d);
    rc = lx_people_decision_audit_tx(tx, a->ctx, &f, &a->d, err);
    a->subject = r->subject_id;
out:
    free(r);
    return rc;
}

lx_rc
lx_leads_accesses(struct lx_ctx *ctx, int64_t id, const char *purpose,
                  uint64_t after_seq, int limit, lx_vault_access_fn *fn,
                  void *arg, uint64_t *next_after)
{
    struct acc a = {.ctx = ctx, .id = id};
    lx_rc rc;

    if (!lx_policy_purpose_parse(purpose, &a.purpose)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/purpose",
                          "purpose must be one of the five of C2.1");
    }
    rc = lx_store_write(ctx->app->store, decide_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!a.found) {
        return lx_err_set(&ctx->err, LX_ENOTFOUND, NULL, "no such lead");
    }
    if (a.d.verdict != LX_POLICY_ALLOW) {
        ctx->err.clause = a.d.clause;
        return lx_err_set(&ctx->err, LX_EDENIED, NULL, "%s", a.d.reason);
    }
    return lx_vault_accesses(ctx, a.subject, after_seq, limit, fn, arg,
                             next_after);
}

lx_rc
lx_leads_facts_load_tx(struct lx_store_tx *tx, int64_t id,
                       struct lx_policy_facts *f, bool *found,
                       struct lx_err *err)
{
    struct leads__row *r = lx_xmalloc(sizeof(*r));
    lx_rc rc = leads__load_tx(tx, id, r, found, err);

    if (rc == LX_OK && *found) {
        leads__lead_facts(r, f);
    }
    free(r);
    return rc;
}

lx_rc
lx_leads_ref_load_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                     int64_t id, struct lx_leads_ref *out,
                     struct lx_policy_facts *facts, bool *found,
                     struct lx_err *err)
{
    struct leads__row *r = lx_xmalloc(sizeof(*r));
    lx_rc rc = leads__load_tx(tx, id, r, found, err);

    memset(out, 0, sizeof(*out));
    if (rc == LX_OK && *found) {
        out->id = r->id;
        out->user_id = r->user_id;
        out->subject_id = r->subject_id;
        out->firm_id = r->firm_id;
        out->staff_id = r->view.staff_id;
        out->state = r->view.state;
        out->minor = r->view.minor;
        out->sensitive = r->view.sensitive;
        out->visible = leads__visible(ctx, r);
        if (facts != NULL) {
            leads__lead_facts(r, facts);
        }
    }
    free(r);
    return rc;
}

static const char *const offer_outcomes[] = {
    [LX_LEADS_OFFER_OPEN] = "open",
    [LX_LEADS_OFFER_CLAIMED] = "claimed",
    [LX_LEADS_OFFER_DECLINED] = "declined",
    [LX_LEADS_OFFER_TIMED_OUT] = "timed_out",
    [LX_LEADS_OFFER_CANCELLED] = "cancelled",
};

/* Step a "SELECT id, lead_id, firm_id, outcome FROM lead_offers …" with
 * its parameters bound; each out pointer may be NULL. */
static lx_rc
offer_row(struct lx_store_stmt *s, int64_t *offer_id, int64_t *lead_id,
          int64_t *firm_id, enum lx_leads_offer_outcome *outcome, bool *found,
          struct lx_err *err)
{
    lx_rc rc = lx_store_step(s, found, err);
    size_t n = 0;
    const char *oc;

    if (rc != LX_OK || !*found) {
        return rc;
    }
    oc = lx_store_col_text(s, 3, &n);
    if (offer_id != NULL) {
        *offer_id = lx_store_col_int(s, 0);
    }
    if (lead_id != NULL) {
        *lead_id = lx_store_col_int(s, 1);
    }
    if (firm_id != NULL) {
        *firm_id = lx_store_col_int(s, 2);
    }
    if (outcome != NULL) {
        *outcome = LX_LEADS_OFFER_CANCELLED;
        for (size_t i = 0; i < sizeof(offer_outcomes) / sizeof(*offer_outcomes);
             i++) {
            if (oc != NULL && strlen(offer_outcomes[i]) == n &&
                memcmp(oc, offer_outcomes[i], n) == 0) {
                *outcome = (enum lx_leads_offer_outcome)i;
            }
        }
    }
    return LX_OK;
}

lx_rc
lx_leads_offer_find_tx(struct lx_store_tx *tx, int64_t lead_id,
                       int64_t firm_id, int64_t *offer_id,
                       enum lx_leads_offer_outcome *outcome, bool *found,
                       struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc = lx_store_prepare(tx,
                                "SELECT id, lead_id, firm_id, outcome FROM"
                                " lead_offers WHERE lead_id = :lead AND"
                                " firm_id = :firm",
                                &s, err);

    *found = false;
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":lead", lead_id);
        lx_store_bind_int(s, ":firm", firm_id);
        rc = offer_row(s, offer_id, NULL, NULL, outcome, found, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_leads_offer_get_tx(struct lx_store_tx *tx, int64_t offer_id,
                      int64_t *lead_id, int64_t *firm_id,
                      enum lx_leads_offer_outcome *outcome, bool *found,
                      struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc = lx_store_prepare(tx,
                                "SELECT id, lead_id, firm_id, outcome FROM"
                                " lead_offers WHERE id = :id",
                                &s, err);

    *found = false;
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", offer_id);
        rc = offer_row(s, NULL, lead_id, firm_id, outcome, found, err);
    }
    lx_store_stmt_free(s);
    return rc;
}
