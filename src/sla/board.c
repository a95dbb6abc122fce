/*
 * board — who may read the SLA board, the breach counts read, and the
 * hook that gives each lead offer its window as a lead_offer deadline.
 *
 * The board holds firm ids, kinds, times and counts — no personal data and
 * nothing of the distribution logic (C1.2) — so it needs no per-subject
 * policy decision: platform staff read every firm's deadlines and figures
 * (operations, scorecards), a firm's admin reads its own firm's (its
 * lawyers' response times), and nobody else reads any.
 */
#include "enforce/enforce.h"
#include "leads/leads.h"
#include "route/route.h"
#include "base/mem.h"
#include "sla/sla.h"
#include "store/store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

lx_rc
lx_sla_board_scope(const struct lx_ctx *ctx, int64_t *firm_only)
{
    const struct lx_actor *a = &ctx->actor;

    *firm_only = -1;
    if (a->kind == LX_ACTOR_NONE) {
        return LX_EUNAUTH;
    }
    if (a->kind == LX_ACTOR_STAFF && strncmp(a->role, "platform_", 9) == 0) {
        *firm_only = 0;
        return LX_OK;
    }
    if (a->kind == LX_ACTOR_STAFF && strcmp(a->role, "firm_admin") == 0 &&
        a->firm_id > 0) {
        *firm_only = a->firm_id;
        return LX_OK;
    }
    return LX_EDENIED;
}

struct counts {
    int64_t from_ms, to_ms;
    lx_enforce_count_fn *fn;
    void *arg;
};

static lx_rc
counts_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct counts *c = arg;

    return lx_enforce_violation_counts_tx(tx, c->from_ms, c->to_ms, c->fn,
                                          c->arg, err);
}

lx_rc
lx_sla_breach_counts(struct lx_store *st, int64_t from_ms, int64_t to_ms,
                     lx_enforce_count_fn *fn, void *arg, struct lx_err *err)
{
    struct counts c = {from_ms, to_ms, fn, arg};

    return lx_store_read(st, counts_unit, &c, err);
}

lx_rc
lx_sla_offer_hook(void *arg, struct lx_store_tx *tx, int64_t offer_id,
                  int64_t firm_id, int64_t offered_ms, int64_t deadline_ms,
                  struct lx_err *err)
{
    const struct lx_cal *cal = arg;
    int64_t due = 0;
    lx_rc rc;

    /* The window is [offered, deadline): its last instant on time is
     * deadline - 1. */
    rc = lx_sla_schedule_tx(tx, LX_SLA_LEAD_OFFER, offer_id, firm_id,
                            offered_ms, deadline_ms - 1, NULL, err);
    if (rc != LX_OK || cal == NULL) {
        return rc;
    }
    /* C5.1: from the lead reaching the firm to its first message or
     * call (lx_sla_contact_hook). */
    rc = lx_sla_due(cal, LX_SLA_FIRST_RESPONSE, offered_ms, &due, NULL, err);
    if (rc == LX_OK) {
        rc = lx_sla_schedule_tx(tx, LX_SLA_FIRST_RESPONSE, offer_id, firm_id,
                                offered_ms, due, NULL, err);
    }
    return rc;
}

lx_rc
lx_sla_contact_hook(void *arg, struct lx_store_tx *tx, int64_t lead_id,
                    int64_t firm_id, int64_t at_ms, struct lx_err *err)
{
    int64_t offer_id = 0;
    bool found = false;
    lx_rc rc;

    (void)arg;
    rc = lx_leads_offer_find_tx(tx, lead_id, firm_id, &offer_id, NULL, &found,
                                err);
    if (rc != LX_OK || !found) {
        return rc;
    }
    return lx_sla_satisfy_tx(tx, LX_SLA_FIRST_RESPONSE, offer_id, at_ms, NULL,
                             err);
}

lx_rc
lx_sla_answer_hook(void *arg, struct lx_store_tx *tx, int64_t offer_id,
                   int64_t at_ms, struct lx_err *err)
{
    (void)arg;
    return lx_sla_satisfy_tx(tx, LX_SLA_LEAD_OFFER, offer_id, at_ms, NULL,
                             err);
}

#define RECORD_DAYS 30

static int
cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* The median of v[0..n) (n > 0), sorted here, in whole seconds. */
static uint32_t
median_s(int64_t *v, size_t n)
{
    int64_t m;

    qsort(v, n, sizeof(*v), cmp_i64);
    m = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    m = m < 0 ? 0 : m / 1000;
    return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

lx_rc
lx_sla_route_record_tx(void *arg, struct lx_store_tx *tx, int64_t now_ms,
                       struct lx_route_firm *firms, size_t n,
                       struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    struct lx_route_firm *cur = NULL;
    int64_t *v = NULL, cur_id = 0;
    size_t nv = 0, cap = 0;
    bool row = false;
    lx_rc rc;

    (void)arg;
    rc = lx_store_prepare(tx,
                          "SELECT firm_id, done_ms - start_ms FROM sla_timer"
                          " WHERE kind = 'first_response' AND start_ms >="
                          " :from AND start_ms <= :now AND done_ms IS NOT"
                          " NULL ORDER BY firm_id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, "from", now_ms - RECORD_DAYS * 86400000LL);
        lx_store_bind_int(s, "now", now_ms);
    }
    for (;;) {
        int64_t id = 0;

        if (rc == LX_OK) {
            rc = lx_store_step(s, &row, err);
        }
        if (rc != LX_OK) {
            break;
        }
        id = row ? lx_store_col_int(s, 0) : 0;
        if (!row || id != cur_id) {
            /* The previous firm's rows are complete. */
            if (cur != NULL && nv > 0) {
                cur->responses_measured =
                    nv > UINT32_MAX ? UINT32_MAX : (uint32_t)nv;
                cur->first_response_median_s = median_s(v, nv);
            }
            if (!row) {
                break;
            }
            cur_id = id;
            {
                size_t i = lx_route_firm_find(firms, n, (uint64_t)id);

                cur = i != SIZE_MAX ? &firms[i] : NULL;
            }
            nv = 0;
        }
        if (cur == NULL) {
            continue;
        }
        if (nv == cap) {
            cap = cap == 0 ? 64 : cap * 2;
            v = lx_xrealloc(v, cap * sizeof(*v));
        }
        v[nv++] = lx_store_col_int(s, 1);
    }
    lx_store_stmt_free(s);
    free(v);
    return rc;
}
