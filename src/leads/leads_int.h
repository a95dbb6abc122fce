/*
 * leads_int.h — what leads.c and firm.c share. Not a public interface.
 */
#ifndef LX_LEADS_INT_H
#define LX_LEADS_INT_H

#include "leads/leads.h"
#include "route/route.h"

#include <stdbool.h>
#include <stdint.h>

struct lx_store_tx;

#define LEADS_DAY_MS (24LL * 3600 * 1000)
#define LEADS_TZ_MS (8LL * 3600 * 1000) /* the business day is UTC+08:00 */
#define LEADS_RECORD_MS (90 * LEADS_DAY_MS) /* violations counted in routing */

/* A lead row: the partner view plus the platform-only columns. */
struct leads__row {
    int64_t id;
    int64_t user_id;
    int64_t subject_id;
    int64_t firm_id;
    struct lx_leads_view view;
};

/* Fill the lead part of policy facts (id, state, firm, holder, user,
 * adult or minor) from a row. */
struct lx_policy_facts;
void leads__lead_facts(const struct leads__row *r, struct lx_policy_facts *f);

/* Days since 1970-01-01 of now_ms in UTC+08:00. */
int64_t leads__local_days(int64_t now_ms);

/* Load lead 'id' inside tx; *found false when there is none. */
lx_rc leads__load_tx(struct lx_store_tx *tx, int64_t id, struct leads__row *r,
                     bool *found, struct lx_err *err);

/* Whether the actor of ctx may see the lead (leads.h, lx_leads_get). */
bool leads__visible(const struct lx_ctx *ctx, const struct leads__row *r);

/* Step a statement that must return one row (UPDATE … RETURNING id): no
 * row is LX_ECONFLICT, the lead moved under us. */
struct lx_store_stmt;
lx_rc leads__step_one(struct lx_store_stmt *s, struct lx_err *err);

/* The offer record of lead 'lead_id' (lead_offers, by attempt) as the
 * route engine's offer state. */
struct lx_route_offer_state;
lx_rc leads__offer_state_tx(struct lx_store_tx *tx, int64_t lead_id,
                            struct lx_route_offer_state *st,
                            struct lx_err *err);

/*
 * Offer lead 'id' (state new) to the next eligible firm, or mark it
 * exhausted, inside tx; *state gets the new state. Records the offer row,
 * the firms' fairness credits and calls o->on_offer.
 */
lx_rc leads__distribute_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                           const struct lx_leads_opts *o, int64_t id,
                           enum lx_route_area area, const char *region,
                           enum lx_leads_state *state, struct lx_err *err);

/* ---- lead-trading detection (C5.9; detect.c, detect_run.c) ------------ */

/* What intake (leads.c) and distribution (firm.c) need of the lead-trading
 * detection (detect_run.c). */



struct lx_store_tx;

/* Whether lead 'id' is a canary (never distributed to another firm). */
lx_rc leads__is_canary_tx(struct lx_store_tx *tx, int64_t id, bool *canary,
                          struct lx_err *err);

/*
 * The intake hook: 'subjects' are the vault subjects whose phone blind
 * index matched the new lead 'lead_id'. For each that belongs to a canary
 * lead, record the hit (lead_canary_hits) and a canary_hit violation
 * (C5.9) against every firm that was offered the canary, in 'tx'.
 */
lx_rc leads__canary_check_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                             const int64_t *subjects, size_t n, int64_t lead_id,
                             struct lx_err *err);

#endif /* LX_LEADS_INT_H */
