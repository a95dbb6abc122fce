/*
 * route — lead distribution: eligibility, scoring, fairness and the offer
 * state machine (C4.3, C5.1, C8.1).
 *
 * CONFIDENTIAL BY DESIGN (C1.2). Everything this header describes — the
 * eligibility gates, the score, the weights, the fairness credit, the
 * candidate counts, who else was considered and in what order — is
 * "lead-distribution logic", platform confidential information. None of it
 * may reach a partner-facing response, log line or error: a partner learns
 * only "this lead is offered to you until <deadline>" and the outcome of
 * its own claim or decline. The decision and breakdown structs below are
 * for the platform's own records (the leads service stores them with the
 * offer) and for platform staff.
 *
 * A pure engine: no I/O, no clock (now_ms is an argument), no randomness of
 * its own (the tie-break draw is an argument), no allocation on the hot
 * path. Only lx_route_index_build() allocates.
 *
 * Flow (the leads service drives it):
 *   1. Build an index over a snapshot of the partner firms
 *      (lx_route_index_build). The index keeps, per practice area x
 *      province, the list of firms whose covered regions fall in that
 *      province, so a decision scans only the firms that could match.
 *   2. For each lead, lx_route_next_offer() (or lx_route_decide() plus
 *      lx_route_offer_step()) picks one firm and opens an offer window on
 *      it (default 10 minutes). The firm claims, declines (with a reason),
 *      or lets the window time out; on decline or timeout the lead goes to
 *      the next firm, never back to one that already had it.
 *
 * Eligibility (all must hold; checked in this order, see enum
 * lx_route_gate):
 *   - coverage: the firm practises the lead's area and one of its covered
 *     GB/T 2260 codes covers the lead's region by prefix: a province code
 *     PP0000 covers every PPxxxx, a city code PPCC00 covers every PPCCxx,
 *     a county code PPCCDD covers only itself;
 *   - status: LX_ROUTE_FIRM_ACTIVE or LX_ROUTE_FIRM_RESTRICTED (C8.1 lets a
 *     restricted firm keep receiving leads, at half weight); every other
 *     status, and an unknown one, is ineligible;
 *   - not already offered this lead (declined, timed out or open);
 *   - not cooling down: now_ms >= cooldown_until_ms (at exactly
 *     cooldown_until_ms the firm is eligible again);
 *   - under daily capacity: taken_today < capacity_today.
 *
 * Score (integer points, 0..1000; each part is monotone: a better figure
 * never lowers it):
 *   response  = 400 if median first response <= 300 s, 0 if >= 7200 s
 *               (C5.1's two hours), linear in between:
 *               400 * (7200 - m) / 6900, integer division; a firm with no
 *               measured response yet gets the neutral 200;
 *   complaint = 300 * (500 - min(r, 500)) / 500 where r is complaints per
 *               10,000 leads (basis points): 5 % or worse scores 0;
 *   violation = 300 - 30 * min(p, 10) where p is the firm's current C8.1
 *               violation points;
 *   score     = response + complaint + violation;
 *   weight    = 100 + score, halved (integer division) for a restricted
 *               firm: 50..1100.
 *
 * Fairness — weighted deficit round-robin. Each firm carries a credit in
 * micro-leads (1/1,000,000 of a lead; struct lx_route_firm.credit, kept by
 * the caller between snapshots). For one routing round over the eligible
 * candidates C with weights w_i and W = sum of w_i:
 *   accrual a_i = floor(w_i * 1,000,000 / W)          for every i in C
 *   priority p_i = credit_i + a_i
 *   chosen k = the candidate with the highest p_i; when several share it,
 *              the j-th of them in index order, j = draw mod (number tied)
 *   credit_i += a_i for every i in C; then credit_k -= sum of a_i over C
 * So one lead's worth of credit is handed out in proportion to weight and
 * the firm that gets the offer pays it back: the round is zero-sum, equal
 * firms take turns exactly (shares differ by at most one lead), and over
 * time each firm's share of the leads it competes for tends to w_i / W.
 * Credits are clamped to +-LX_ROUTE_CREDIT_MAX so a pathological history
 * cannot overflow. A new firm starts at 0, the mean of a zero-sum system.
 * One round is run per offer: a firm that declines has had its turn.
 * Ties are never broken by firm id, age or position alone: only the draw
 * the caller passes in (from lx_route_draw or a better source) decides.
 *
 * Offer state machine (lx_route_offer_step; docs/route.md has the table):
 *
 *   state \ event  OFFER    CLAIM    DECLINE   TIMEOUT   EXHAUST   CANCEL
 *   pending        offered  -        -         -         exhausted cancelled
 *   offered        -        claimed  pending*  pending*  -         cancelled
 *   claimed        -        -        -         -         -         -
 *   exhausted      -        -        -         -         -         -
 *   cancelled      -        -        -         -         -         -
 *   (* exhausted instead once LX_ROUTE_MAX_OFFERS offers have been made)
 *
 * Invariants the transition function enforces: at most one firm holds the
 * lead (the offer holder while offered, the claimant once claimed); a firm
 * is offered a lead at most once; every offer and its outcome stays in the
 * attempt record. A "-" returns LX_ECONFLICT whose detail names the
 * current state. A CLAIM or DECLINE from a firm that does not hold the
 * lead returns LX_EDENIED without naming the state, so a partner cannot
 * probe where another firm's lead stands (C1.2).
 *
 * Thread-safety: lx_route_score() and the name functions are thread-safe.
 * An index is not: lx_route_decide() writes the credits of the firm array
 * and the index's scratch space, so one thread at a time per index.
 */
#ifndef LX_ROUTE_H
#define LX_ROUTE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Practice areas; 0 is "none given" and never matches. */
enum lx_route_area {
    LX_ROUTE_AREA_NONE = 0,
    LX_ROUTE_AREA_MARRIAGE_FAMILY,
    LX_ROUTE_AREA_LABOR,
    LX_ROUTE_AREA_DEBT,
    LX_ROUTE_AREA_CONTRACT,
    LX_ROUTE_AREA_PROPERTY,
    LX_ROUTE_AREA_TRAFFIC,
    LX_ROUTE_AREA_CRIMINAL,
    LX_ROUTE_AREA_COMPANY,
    LX_ROUTE_AREA_ADMINISTRATIVE,
    LX_ROUTE_AREA_IP,
    LX_ROUTE_AREA_CONSUMER,
    LX_ROUTE_AREA_OTHER,
    LX_ROUTE_AREA_COUNT
};

/* The bit of 'area' in struct lx_route_firm.areas. */
#define LX_ROUTE_AREA_BIT(area) (1u << (unsigned)(area))
/* Every valid area bit. */
#define LX_ROUTE_AREA_ALL (((1u << (unsigned)LX_ROUTE_AREA_COUNT) - 1u) & ~1u)

/* A firm's standing, the C8.1 ladder ending in C7.1; the same names as the
 * policy engine's firm status. Only ACTIVE and RESTRICTED receive leads. */
enum lx_route_firm_status {
    LX_ROUTE_FIRM_UNKNOWN = 0,
    LX_ROUTE_FIRM_ACTIVE,
    LX_ROUTE_FIRM_RESTRICTED,
    LX_ROUTE_FIRM_DISTRIBUTION_SUSPENDED,
    LX_ROUTE_FIRM_COOPERATION_SUSPENDED,
    LX_ROUTE_FIRM_TERMINATING,
    LX_ROUTE_FIRM_TERMINATED,
    LX_ROUTE_FIRM_COUNT
};

#define LX_ROUTE_MAX_FIRMS 1000000u     /* per snapshot */
#define LX_ROUTE_MAX_REGIONS 4096u      /* covered codes per firm */
#define LX_ROUTE_MAX_ENTRIES 50000000u  /* index entries per snapshot */
#define LX_ROUTE_MICRO INT64_C(1000000) /* credit units per lead */
#define LX_ROUTE_CREDIT_MAX (INT64_C(1000000) * LX_ROUTE_MICRO)
#define LX_ROUTE_SCORE_MAX 1000u
#define LX_ROUTE_WEIGHT_FLOOR 100u

/*
 * One partner firm in a snapshot. The caller owns the array; the index
 * borrows it (and 'regions') for its whole life.
 *  - read once, at build: id, status, areas, regions, the SLA figures.
 *    Changing them needs a new index.
 *  - read live, at every decision: capacity_today, taken_today,
 *    cooldown_until_ms. The caller may update them between decisions
 *    (e.g. taken_today after a claim) without a rebuild.
 *  - written by lx_route_decide: credit.
 */
struct lx_route_firm {
    uint64_t id; /* non-zero, unique in the snapshot */
    enum lx_route_firm_status status;
    uint32_t areas;          /* LX_ROUTE_AREA_BIT() of each area practised */
    const uint32_t *regions; /* covered GB/T 2260 codes */
    size_t n_regions;
    uint32_t capacity_today; /* leads the firm takes today; 0 takes none */
    uint32_t taken_today;
    int64_t cooldown_until_ms; /* ineligible while now_ms < this */
    /* SLA record (C5.1, C6, C8.1) */
    uint32_t responses_measured; /* 0: no first response measured yet */
    uint32_t first_response_median_s;
    uint32_t complaint_rate_bp; /* complaints per 10,000 leads */
    uint32_t violation_points;  /* current C8.1 points */
    int64_t credit; /* fairness credit, micro-leads; 0 for a new firm */
};

/* The lead to route. 'exclude' lists firm ids that must not be offered it
 * (those that already had it); borrowed, may be NULL when n_exclude is 0. */
struct lx_route_lead {
    enum lx_route_area area;
    uint32_t region; /* GB/T 2260 code at any level */
    const uint64_t *exclude;
    size_t n_exclude;
};

/* The eligibility gates after coverage, in the order they are checked. */
enum lx_route_gate {
    LX_ROUTE_GATE_STATUS = 0,
    LX_ROUTE_GATE_OFFERED,
    LX_ROUTE_GATE_COOLDOWN,
    LX_ROUTE_GATE_CAPACITY,
    LX_ROUTE_GATE_COUNT
};

/* Why a decision chose no firm. 0 means "no firm" so that a zeroed
 * decision never names one. */
enum lx_route_reason {
    LX_ROUTE_REASON_NONE = 0,    /* not decided */
    LX_ROUTE_REASON_CHOSEN,      /* a firm was chosen */
    LX_ROUTE_REASON_NO_COVERAGE, /* no firm covers this area and region */
    LX_ROUTE_REASON_STATUS,      /* every covering firm is suspended etc. */
    LX_ROUTE_REASON_OFFERED,     /* every eligible firm already had it */
    LX_ROUTE_REASON_COOLDOWN,    /* the rest are cooling down */
    LX_ROUTE_REASON_CAPACITY,    /* the rest are at daily capacity */
    LX_ROUTE_REASON_COUNT
};

/* A firm's score, weight and fairness round. Platform records only. */
struct lx_route_breakdown {
    uint32_t response_pts;
    uint32_t complaint_pts;
    uint32_t violation_pts;
    uint32_t score;        /* the sum, 0..LX_ROUTE_SCORE_MAX */
    uint32_t weight;       /* 0 for an ineligible status */
    int64_t credit_before; /* micro-leads */
    int64_t accrual;
    int64_t credit_after;
};

/*
 * A routing decision. Platform records only (C1.2). When no firm is chosen
 * firm_id is 0 and reason says why: NO_COVERAGE when no firm covers the
 * area and region, else the latest gate (in enum lx_route_gate order) that
 * turned a covering firm away.
 */
struct lx_route_decision {
    enum lx_route_reason reason;
    uint64_t firm_id;
    size_t firm_pos;     /* index into the snapshot's firm array */
    uint32_t covering;   /* firms covering the area and region */
    uint32_t candidates; /* of those, eligible */
    uint32_t tied;       /* candidates sharing the top priority */
    uint32_t rejected[LX_ROUTE_GATE_COUNT];
    int64_t total_accrual; /* micro-leads handed out this round */
    struct lx_route_breakdown chosen;
};

struct lx_route_index;

/*
 * Score one firm (status, SLA figures and credit; not coverage or the live
 * gates). accrual and credit_after are left 0. Cannot fail. Thread-safe.
 */
void lx_route_score(const struct lx_route_firm *firm,
                    struct lx_route_breakdown *out);

/*
 * The level of a GB/T 2260 code: 1 province (PP0000), 2 city (PPCC00),
 * 3 county, 0 when 'code' is not a six-digit code with a province part of
 * 11 or more.
 */
int lx_route_region_level(uint32_t code);

/* The position of the firm with 'id' in firms[0..n), which is ascending
 * by id (a snapshot read in id order); SIZE_MAX when absent. Pure. */
size_t lx_route_firm_find(const struct lx_route_firm *firms, size_t n,
                          uint64_t id);

/*
 * Build the index over firms[0..n). Validates every firm: non-zero unique
 * id, status and areas in range, 1..LX_ROUTE_MAX_REGIONS valid region
 * codes (LX_EINVAL, field "/firms/<i>/..." in the detail); more than
 * LX_ROUTE_MAX_FIRMS firms or LX_ROUTE_MAX_ENTRIES (firm x area x region)
 * entries is LX_ETOOBIG. n may be 0. On success *out owns the index (free
 * with lx_route_index_free) and borrows 'firms' as struct lx_route_firm
 * describes. Allocation failure aborts (base/mem.h).
 */
lx_rc lx_route_index_build(struct lx_route_firm *firms, size_t n,
                           struct lx_route_index **out, struct lx_err *err);

/* Free an index; NULL is fine. The firm array is untouched. */
void lx_route_index_free(struct lx_route_index *ix);

/*
 * Route one lead: apply the eligibility gates, run one fairness round
 * among the eligible firms and choose one (header comment for the exact
 * formula). 'draw' breaks ties. The credits of the candidates in the
 * firm array are updated; nothing else is written. A decision that
 * chooses no firm is LX_OK with out->firm_id == 0 and out->reason set.
 * Fails only on bad input: LX_EINVAL for a lead with an invalid area or
 * region code. No allocation; not thread-safe per index.
 */
lx_rc lx_route_decide(struct lx_route_index *ix,
                      const struct lx_route_lead *lead, int64_t now_ms,
                      uint64_t draw, struct lx_route_decision *out,
                      struct lx_err *err);

/*
 * splitmix64: advance *state and return the next draw. For callers and
 * tests that want a reproducible draw sequence from a seed; the leads
 * service seeds it from a cryptographic source.
 */
uint64_t lx_route_draw(uint64_t *state);

/* ---- the offer state machine --------------------------------------------- */

#define LX_ROUTE_MAX_OFFERS 16 /* offers per lead before it is exhausted */
#define LX_ROUTE_WINDOW_DEFAULT_MS INT64_C(600000) /* 10 minutes */
#define LX_ROUTE_WINDOW_MAX_MS INT64_C(86400000)   /* 24 hours */

/* A lead's place in distribution. The zero state holds nobody. */
enum lx_route_state {
    LX_ROUTE_STATE_PENDING = 0, /* waiting for an offer; no holder */
    LX_ROUTE_STATE_OFFERED,     /* one firm holds an open offer */
    LX_ROUTE_STATE_CLAIMED,     /* that firm claimed it: final */
    LX_ROUTE_STATE_EXHAUSTED,   /* no firm left to offer: final, manual */
    LX_ROUTE_STATE_CANCELLED,   /* withdrawn by the platform: final */
    LX_ROUTE_STATE_COUNT
};

enum lx_route_event_kind {
    LX_ROUTE_EV_NONE = 0,
    LX_ROUTE_EV_OFFER,   /* platform: offer to firm_id for window_ms */
    LX_ROUTE_EV_CLAIM,   /* firm_id takes the lead */
    LX_ROUTE_EV_DECLINE, /* firm_id turns it down, with a reason */
    LX_ROUTE_EV_TIMEOUT, /* platform: the window passed without answer */
    LX_ROUTE_EV_EXHAUST, /* platform: no firm is eligible */
    LX_ROUTE_EV_CANCEL,  /* platform: the lead is withdrawn */
    LX_ROUTE_EV_COUNT
};

/* Why a firm declined; required with LX_ROUTE_EV_DECLINE. */
enum lx_route_decline {
    LX_ROUTE_DECLINE_NONE = 0,
    LX_ROUTE_DECLINE_NO_CAPACITY,
    LX_ROUTE_DECLINE_CONFLICT_OF_INTEREST,
    LX_ROUTE_DECLINE_OUT_OF_SCOPE,
    LX_ROUTE_DECLINE_OUT_OF_REGION,
    LX_ROUTE_DECLINE_OTHER,
    LX_ROUTE_DECLINE_COUNT
};

/* How one offer ended. */
enum lx_route_outcome {
    LX_ROUTE_OUTCOME_OPEN = 0,
    LX_ROUTE_OUTCOME_CLAIMED,
    LX_ROUTE_OUTCOME_DECLINED,
    LX_ROUTE_OUTCOME_TIMED_OUT,
    LX_ROUTE_OUTCOME_CANCELLED,
    LX_ROUTE_OUTCOME_COUNT
};

/* One offer and its outcome: the record the leads service stores. */
struct lx_route_attempt {
    uint64_t firm_id;
    int64_t offered_ms;
    int64_t deadline_ms; /* offered_ms + window; the window is [offered,
                          * deadline): a claim at deadline_ms is late */
    int64_t closed_ms;   /* 0 while open */
    enum lx_route_outcome outcome;
    enum lx_route_decline reason; /* for DECLINED */
};

/* A lead's distribution state. Zero-initialise for a new lead. */
struct lx_route_offer_state {
    enum lx_route_state state;
    uint64_t holder; /* the offer holder or claimant; 0 when none */
    uint32_t n_attempts;
    struct lx_route_attempt attempts[LX_ROUTE_MAX_OFFERS];
};

struct lx_route_event {
    enum lx_route_event_kind kind;
    uint64_t firm_id; /* OFFER, CLAIM, DECLINE */
    int64_t now_ms;
    int64_t window_ms; /* OFFER; 0 means LX_ROUTE_WINDOW_DEFAULT_MS */
    enum lx_route_decline reason; /* DECLINE */
};

/*
 * Apply one event to 'st' (the transition table in the header comment).
 * On success the state, holder and attempt record are updated; on any
 * error 'st' is unchanged. Errors:
 *  - LX_EINVAL: unknown event kind, firm id 0, a window outside
 *    1..LX_ROUTE_WINDOW_MAX_MS, a decline without a valid reason, or a
 *    now_ms earlier than the open offer was made;
 *  - LX_EDENIED: CLAIM or DECLINE from a firm that does not hold the lead
 *    (the detail names no state, C1.2);
 *  - LX_ECONFLICT: a "-" of the table (the detail names the current state
 *    and the event), an OFFER to a firm already offered this lead, a CLAIM
 *    at or after the deadline, a TIMEOUT before it.
 * Pure; thread-safe for distinct states.
 */
lx_rc lx_route_offer_step(struct lx_route_offer_state *st,
                          const struct lx_route_event *ev, struct lx_err *err);

/*
 * From PENDING: route the lead among the firms not yet offered it and
 * offer it to the chosen one for window_ms (0: the default), or, when no
 * firm is eligible, move to EXHAUSTED. out gets the decision either way.
 * The lead's own 'exclude' list is ignored: the attempt record is the
 * exclusion list. LX_ECONFLICT naming the state when st is not PENDING;
 * otherwise the errors of lx_route_decide and lx_route_offer_step.
 */
lx_rc lx_route_next_offer(struct lx_route_index *ix,
                          struct lx_route_offer_state *st,
                          const struct lx_route_lead *lead, int64_t now_ms,
                          int64_t window_ms, uint64_t draw,
                          struct lx_route_decision *out, struct lx_err *err);

/*
 * *_name(): a static snake_case string, e.g. "marriage_family",
 * "distribution_suspended", "no_coverage", "offered", "timed_out"; the zero
 * value has a name ("none", "unknown", "pending", "open"), an out-of-range
 * value gives "invalid". *_parse(): exact, case-sensitive match of a valid
 * non-zero member; false leaves *out untouched.
 */
const char *lx_route_area_name(enum lx_route_area v);
bool lx_route_area_parse(const char *s, enum lx_route_area *out);
const char *lx_route_firm_status_name(enum lx_route_firm_status v);
bool lx_route_firm_status_parse(const char *s, enum lx_route_firm_status *out);
const char *lx_route_reason_name(enum lx_route_reason v);
const char *lx_route_gate_name(enum lx_route_gate v);
const char *lx_route_state_name(enum lx_route_state v);
const char *lx_route_event_name(enum lx_route_event_kind v);
const char *lx_route_decline_name(enum lx_route_decline v);
bool lx_route_decline_parse(const char *s, enum lx_route_decline *out);
const char *lx_route_outcome_name(enum lx_route_outcome v);

#endif /* LX_ROUTE_H */
