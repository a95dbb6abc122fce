/*
 * distribute.c — distribution: the offer record of a lead, a snapshot of
 * the partner firms read inside the unit (status, regions, areas, daily
 * capacity, fairness credit, and their SLA record: first-response
 * figures and violation points), route.h's decision over it, and the
 * offer row with its figures (platform-only, C1.2).
 */
#include "leads/leads.h"
#include "leads/leads_int.h"

#include "base/mem.h"
#include "enforce/enforce.h"
#include "route/route.h"
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

/* The route offer state of a lead from its offer rows. */
lx_rc
leads__offer_state_tx(struct lx_store_tx *tx, int64_t lead_id,
                      struct lx_route_offer_state *st, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(
        tx,
        "SELECT firm_id, offered_ms, deadline_ms, closed_ms, outcome,"
        " decline_reason FROM lead_offers WHERE lead_id = :id ORDER BY attempt",
        &s, err);

    memset(st, 0, sizeof(*st));
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", lead_id);
    }
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_route_attempt *at;
        const char *oc = lx_store_col_text(s, 4, NULL);
        const char *why = lx_store_col_text(s, 5, NULL);

        if (st->n_attempts >= LX_ROUTE_MAX_OFFERS) {
            rc = lx_err_set(err, LX_EINTEGRITY, NULL, "too many offers");
            break;
        }
        at = &st->attempts[st->n_attempts++];
        at->firm_id = (uint64_t)lx_store_col_int(s, 0);
        at->offered_ms = lx_store_col_int(s, 1);
        at->deadline_ms = lx_store_col_int(s, 2);
        at->closed_ms = lx_store_col_int(s, 3);
        at->outcome = LX_ROUTE_OUTCOME_OPEN;
        for (int i = 0; oc != NULL && i < LX_ROUTE_OUTCOME_COUNT; i++) {
            if (strcmp(oc, lx_route_outcome_name((enum lx_route_outcome)i)) ==
                0) {
                at->outcome = (enum lx_route_outcome)i;
            }
        }
        if (why != NULL && why[0] != '\0') {
            (void)lx_route_decline_parse(why, &at->reason);
        }
        if (at->outcome == LX_ROUTE_OUTCOME_OPEN) {
            st->state = LX_ROUTE_STATE_OFFERED;
            st->holder = at->firm_id;
        } else if (at->outcome == LX_ROUTE_OUTCOME_CLAIMED) {
            st->state = LX_ROUTE_STATE_CLAIMED;
            st->holder = at->firm_id;
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

/* ---- the firm snapshot ----------------------------------------------------- */

struct snap {
    struct lx_route_firm *firms;
    int64_t *credit0;
    size_t *reg_off;
    size_t n;
    uint32_t *regions;
    size_t nreg;
    size_t capreg;
};

static void
snap_free(struct snap *sn)
{
    free(sn->firms);
    free(sn->credit0);
    free(sn->reg_off);
    free(sn->regions);
    memset(sn, 0, sizeof(*sn));
}

static struct lx_route_firm *
snap_find(struct snap *sn, int64_t id, size_t *pos)
{
    size_t i = lx_route_firm_find(sn->firms, sn->n, (uint64_t)id);

    if (i == SIZE_MAX) {
        return NULL;
    }
    if (pos != NULL) {
        *pos = i;
    }
    return &sn->firms[i];
}

#define FIRM_FILTER                                                            \
    " o.kind = 'firm' AND o.deleted_ms IS NULL AND o.status IN ('active',"     \
    " 'restricted')"

static lx_rc
snap_firms_tx(struct lx_store_tx *tx, struct snap *sn, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    size_t cap = 0;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx,
                                "SELECT o.id, o.status, o.daily_capacity FROM"
                                " orgs o WHERE" FIRM_FILTER " ORDER BY o.id",
                                &s, err);

    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_route_firm *f;
        int64_t capday = lx_store_col_int(s, 2);

        if (sn->n == cap) {
            cap = cap == 0 ? 16 : cap * 2;
            sn->firms = lx_xrealloc(sn->firms, cap * sizeof(*sn->firms));
            sn->reg_off = lx_xrealloc(sn->reg_off, cap * sizeof(size_t));
        }
        f = &sn->firms[sn->n];
        memset(f, 0, sizeof(*f));
        f->id = (uint64_t)lx_store_col_int(s, 0);
        (void)lx_route_firm_status_parse(lx_store_col_text(s, 1, NULL),
                                         &f->status);
        f->capacity_today = capday < 0          ? 0
                            : capday > 1000000 ? 1000000
                                               : (uint32_t)capday;
        sn->reg_off[sn->n] = 0;
        sn->n++;
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
snap_children_tx(struct lx_store_tx *tx, struct snap *sn, int64_t day_ms,
                 struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx,
                                "SELECT r.org_id, r.code FROM org_regions r"
                                " JOIN orgs o ON o.id = r.org_id WHERE"
                                FIRM_FILTER " ORDER BY r.org_id, r.code",
                                &s, err);

    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        size_t pos = 0;
        struct lx_route_firm *f = snap_find(sn, lx_store_col_int(s, 0), &pos);
        const char *code = lx_store_col_text(s, 1, NULL);
        uint32_t c = code != NULL ? (uint32_t)strtoul(code, NULL, 10) : 0;

        if (f == NULL || lx_route_region_level(c) == 0 ||
            f->n_regions >= LX_ROUTE_MAX_REGIONS) {
            continue;
        }
        if (f->n_regions == 0) {
            sn->reg_off[pos] = sn->nreg;
        }
        if (sn->nreg == sn->capreg) {
            sn->capreg = sn->capreg == 0 ? 64 : sn->capreg * 2;
            sn->regions =
                lx_xrealloc(sn->regions, sn->capreg * sizeof(*sn->regions));
        }
        sn->regions[sn->nreg++] = c;
        f->n_regions++;
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "SELECT a.org_id, a.area FROM org_areas a"
                              " JOIN orgs o ON o.id = a.org_id WHERE"
                              FIRM_FILTER,
                              &s, err);
    }
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_route_firm *f = snap_find(sn, lx_store_col_int(s, 0), NULL);
        enum lx_route_area area = LX_ROUTE_AREA_NONE;

        if (f != NULL &&
            lx_route_area_parse(lx_store_col_text(s, 1, NULL), &area)) {
            f->areas |= LX_ROUTE_AREA_BIT(area);
        }
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "SELECT firm_id, credit FROM lead_route_credit",
                              &s, err);
    }
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_route_firm *f = snap_find(sn, lx_store_col_int(s, 0), NULL);

        if (f != NULL) {
            f->credit = lx_store_col_int(s, 1);
        }
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "SELECT firm_id, COUNT(*) FROM lead_offers"
                              " WHERE outcome = 'open' OR (outcome ="
                              " 'claimed' AND closed_ms >= :day)"
                              " GROUP BY firm_id",
                              &s, err);
        if (rc == LX_OK) {
            lx_store_bind_int(s, ":day", day_ms);
        }
    }
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_route_firm *f = snap_find(sn, lx_store_col_int(s, 0), NULL);
        int64_t k = lx_store_col_int(s, 1);

        if (f != NULL) {
            f->taken_today = k > 1000000 ? 1000000 : (uint32_t)k;
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

/* Load the snapshot and drop firms that could never be offered anything
 * (no region or no area): the index refuses them. */
/* C8.1 points until the enforcement ladder weighs them: one per violation
 * record of the firm in the window. */
static lx_rc
points_fn(int64_t firm_id, const char *clause, int64_t count, void *arg)
{
    struct lx_route_firm *f = snap_find(arg, firm_id, NULL);
    int64_t p;

    (void)clause;
    if (f != NULL) {
        p = (int64_t)f->violation_points + count;
        f->violation_points = p > 1000000 ? 1000000 : (uint32_t)p;
    }
    return LX_OK;
}

static lx_rc
snap_load_tx(struct lx_store_tx *tx, const struct lx_leads_opts *o,
             int64_t now_ms, struct snap *sn, struct lx_err *err)
{
    int64_t day_ms = leads__local_days(now_ms) * LEADS_DAY_MS - LEADS_TZ_MS;
    lx_rc rc = snap_firms_tx(tx, sn, err);
    size_t k = 0;

    if (rc == LX_OK) {
        rc = snap_children_tx(tx, sn, day_ms, err);
    }
    /* The SLA record: violations over the window, first responses from
     * sla/ through the hook. Complaint rates stay neutral (0) until
     * complaints are recorded (cases/). */
    if (rc == LX_OK) {
        rc = lx_enforce_violation_counts_tx(tx, now_ms - LEADS_RECORD_MS,
                                            now_ms + 1, points_fn, sn, err);
    }
    if (rc == LX_OK && o->record != NULL) {
        rc = o->record(o->on_offer_arg, tx, now_ms, sn->firms, sn->n, err);
    }
    if (rc != LX_OK) {
        return rc;
    }
    for (size_t i = 0; i < sn->n; i++) {
        if (sn->firms[i].n_regions == 0 || sn->firms[i].areas == 0) {
            continue;
        }
        sn->firms[k] = sn->firms[i];
        sn->reg_off[k] = sn->reg_off[i];
        k++;
    }
    sn->n = k;
    sn->credit0 = lx_xcalloc(k > 0 ? k : 1, sizeof(int64_t));
    for (size_t i = 0; i < k; i++) {
        sn->firms[i].regions = sn->regions + sn->reg_off[i];
        sn->credit0[i] = sn->firms[i].credit;
    }
    return LX_OK;
}

static lx_rc
save_credits_tx(struct lx_store_tx *tx, const struct snap *sn, int64_t now,
                struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc = lx_store_prepare(
        tx,
        "INSERT INTO lead_route_credit (firm_id, credit, updated_ms)"
        " VALUES (:f, :c, :now) ON CONFLICT (firm_id) DO UPDATE SET"
        " credit = excluded.credit, updated_ms = excluded.updated_ms",
        &s, err);

    for (size_t i = 0; rc == LX_OK && i < sn->n; i++) {
        bool row = false;

        if (sn->firms[i].credit == sn->credit0[i]) {
            continue;
        }
        lx_store_reset(s);
        lx_store_bind_int(s, ":f", (int64_t)sn->firms[i].id);
        lx_store_bind_int(s, ":c", sn->firms[i].credit);
        lx_store_bind_int(s, ":now", now);
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
record_offer_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                const struct lx_leads_opts *o, int64_t id,
                const struct lx_route_offer_state *st,
                const struct lx_route_decision *d, struct lx_err *err)
{
    const struct lx_route_attempt *at = &st->attempts[st->n_attempts - 1];
    struct lx_store_stmt *s = NULL;
    int64_t offer_id = 0;
    bool row = false;
    lx_rc rc = lx_store_prepare(
        tx,
        "INSERT INTO lead_offers (lead_id, firm_id, attempt, offered_ms,"
        " deadline_ms, outcome, covering, candidates, score, weight,"
        " credit_before, credit_after) VALUES (:l, :f, :n, :at, :dl, 'open',"
        " :cov, :cand, :score, :w, :cb, :ca) RETURNING id",
        &s, err);

    if (rc == LX_OK) {
        lx_store_bind_int(s, ":l", id);
        lx_store_bind_int(s, ":f", (int64_t)at->firm_id);
        lx_store_bind_int(s, ":n", st->n_attempts);
        lx_store_bind_int(s, ":at", at->offered_ms);
        lx_store_bind_int(s, ":dl", at->deadline_ms);
        lx_store_bind_int(s, ":cov", d->covering);
        lx_store_bind_int(s, ":cand", d->candidates);
        lx_store_bind_int(s, ":score", d->chosen.score);
        lx_store_bind_int(s, ":w", d->chosen.weight);
        lx_store_bind_int(s, ":cb", d->chosen.credit_before);
        lx_store_bind_int(s, ":ca", d->chosen.credit_after);
        rc = lx_store_step(s, &row, err);
        offer_id = row ? lx_store_col_int(s, 0) : 0;
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "UPDATE leads SET state = 'offered', firm_id ="
                              " :f, staff_id = NULL, offer_deadline_ms = :dl,"
                              " updated_ms = :now WHERE id = :id AND state ="
                              " 'new' RETURNING id",
                              &s, err);
    }
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":f", (int64_t)at->firm_id);
        lx_store_bind_int(s, ":dl", at->deadline_ms);
        lx_store_bind_int(s, ":now", ctx->now_ms);
        lx_store_bind_int(s, ":id", id);
        rc = leads__step_one(s, err);
    }
    lx_store_stmt_free(s);
    if (rc == LX_OK && o->on_offer != NULL) {
        rc = o->on_offer(o->on_offer_arg, tx, offer_id, (int64_t)at->firm_id,
                         at->offered_ms, at->deadline_ms, err);
    }
    return rc;
}

lx_rc
leads__distribute_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                     const struct lx_leads_opts *o, int64_t id,
                     enum lx_route_area area, const char *region,
                     enum lx_leads_state *state, struct lx_err *err)
{
    struct snap sn = {0};
    struct lx_route_index *ix = NULL;
    struct lx_route_offer_state *st = lx_xcalloc(1, sizeof(*st));
    struct lx_route_decision d = {0};
    struct lx_route_lead lead = {0};
    enum lx_leads_state next = LX_LEADS_NEW;
    bool canary = false; /* C5.9: a canary is never routed on */
    uint64_t draw = 0;
    lx_rc rc = leads__offer_state_tx(tx, id, st, err);

    if (rc == LX_OK && st->state != LX_ROUTE_STATE_PENDING) {
        rc = lx_err_set(err, LX_ECONFLICT, NULL, "lead is %s in distribution",
                        lx_route_state_name(st->state));
    }
    if (rc == LX_OK) {
        rc = leads__is_canary_tx(tx, id, &canary, err);
    }
    if (rc == LX_OK && !canary) {
        rc = snap_load_tx(tx, o, ctx->now_ms, &sn, err);
    }
    if (rc == LX_OK && !canary) {
        rc = lx_route_index_build(sn.firms, sn.n, &ix, err);
    }
    if (rc == LX_OK && !canary) {
        lead.area = area;
        lead.region = (uint32_t)strtoul(region, NULL, 10);
        lx_crypto_random(&draw, sizeof(draw));
        rc = lx_route_next_offer(ix, st, &lead, ctx->now_ms, o->window_ms,
                                 draw, &d, err);
    }
    if (rc == LX_OK) {
        rc = lx_leads_transition(LX_LEADS_NEW,
                                 st->state == LX_ROUTE_STATE_OFFERED
                                     ? LX_LEADS_EV_OFFER
                                     : LX_LEADS_EV_EXHAUST,
                                 &next, err);
    }
    if (rc == LX_OK && next == LX_LEADS_OFFERED) {
        rc = record_offer_tx(tx, ctx, o, id, st, &d, err);
        if (rc == LX_OK) {
            rc = save_credits_tx(tx, &sn, ctx->now_ms, err);
        }
    } else if (rc == LX_OK) {
        struct lx_store_stmt *s = NULL;

        rc = lx_store_prepare(tx,
                              "UPDATE leads SET state = 'exhausted', firm_id"
                              " = NULL, staff_id = NULL, offer_deadline_ms ="
                              " NULL, updated_ms = :now WHERE id = :id AND"
                              " state = 'new' RETURNING id",
                              &s, err);
        if (rc == LX_OK) {
            lx_store_bind_int(s, ":now", ctx->now_ms);
            lx_store_bind_int(s, ":id", id);
            rc = leads__step_one(s, err);
        }
        lx_store_stmt_free(s);
    }
    if (rc == LX_OK) {
        *state = next;
    }
    lx_route_index_free(ix);
    snap_free(&sn);
    free(st);
    return rc;
}

