/*
 * sla — durable deadlines that fire exactly once (C5.1, C6.1, C6.2, C6.3,
 * C7.2; docs/sla.md).
 *
 * A deadline is a row of sla_timer (migration 0005_sla.sql), scheduled by
 * the service that starts the clock inside its own transaction
 * (lx_sla_schedule_tx), identified by (kind, object_id) so scheduling
 * twice is a no-op, and met with lx_sla_satisfy_tx (e.g. the firm's first
 * message). The store is the truth; nothing about a deadline lives only in
 * memory.
 *
 * Firing: lx_sla_fire_due() is one unit of work that claims up to 'limit'
 * open rows with due_ms <= now, soonest first — "FOR UPDATE SKIP LOCKED"
 * on PostgreSQL (the store's LX_SKIP_LOCKED), so several daemons on one
 * database never claim the same row; serialised by the one writer on
 * SQLite — marks each one fired (fired_ms, late, fired_by) and runs its
 * kind's breach handler, which writes the violation (enforce.h) with the
 * kind's clause. The fired mark and the violation commit together or not
 * at all: a daemon killed mid-unit leaves the rows open (its transaction
 * never committed) and another daemon, or this one after a restart, fires
 * them. A row fires at most once because the claim only sees open rows and
 * the mark changes it in the same transaction; the violation's own
 * (kind, object) key is a second guard. "Late" means fired more than
 * 'grace_ms' after due_ms: the daemon was down or behind, so a deadline
 * missed during downtime fires at start, marked late. After the commit the
 * breach is announced to the platform as an "sla_breach" log line (ids,
 * kind, clause; never personal data).
 *
 * The runner (lx_sla_runner_start) is one thread per daemon. It keeps a
 * binary min-heap of (due_ms, id) — 16 bytes per open timer — rebuilt from
 * the store at start and topped up with new rows at every poll, and sleeps
 * until the soonest due time or the poll interval, whichever is first; at
 * each wake it runs lx_sla_fire_due() until nothing is due. The heap only
 * decides when to wake: the claim always asks the store, so timers
 * scheduled by another process or daemon fire within one poll interval
 * even before the heap knows them.
 *
 * The clock is injected (struct lx_sla_runner_opts.clock), so tests drive
 * time without sleeping; lx_sla_runner_kick() wakes the runner after the
 * clock moved or a timer was scheduled.
 *
 * Kinds and what a breach does (lx_sla_kind_clause, docs/sla.md):
 *   lead_offer        C5.1  offer window ran out: recorded, no violation
 *                           (the runner's lx_leads_timeout_due re-offers)
 *   first_response    C5.1  violation when the firm had claimed the offer
 *                           (30 min / 2 h from the offer, lx_sla_due),
 *                           and the lead goes to the next firm; an offer
 *                           declined or timed out is no breach of it
 *   complaint         C6.1  violation (general: 1 working day)
 *   complaint_urgent  C6.1  violation (urgent: 4 hours)
 *   incident_report   C6.2  violation (the firm's "immediately", as set)
 *   incident_cac      C6.2  the platform's own 4-hour clock to the
 *                           provincial CAC: alert only, no violation
 *   evidence_request  C6.3  violation
 *   deletion          C7.2  violation
 *
 * Thread-safety: every function may be called from any thread; a runner
 * belongs to the thread that started it (start/stop/kick from there or any
 * one thread at a time).
 */
#ifndef LX_SLA_H
#define LX_SLA_H

#include "base/ctx.h"
#include "base/err.h"
#include "leads/leads.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lx_cal;
struct lx_store;
struct lx_store_tx;

enum lx_sla_kind {
    LX_SLA_KIND_NONE = 0, /* invalid */
    LX_SLA_LEAD_OFFER,
    LX_SLA_FIRST_RESPONSE,
    LX_SLA_COMPLAINT,
    LX_SLA_COMPLAINT_URGENT,
    LX_SLA_INCIDENT_REPORT,
    LX_SLA_INCIDENT_CAC,
    LX_SLA_EVIDENCE_REQUEST,
    LX_SLA_DELETION,
    LX_SLA_KIND_COUNT
};

/* "first_response" etc.; NULL for NONE or out of range. */
const char *lx_sla_kind_name(enum lx_sla_kind kind);
/* The kind named 's' (NUL-terminated), LX_SLA_KIND_NONE when unknown. */
enum lx_sla_kind lx_sla_kind_parse(const char *s);
/* The contract clause a kind measures ("C5.1"); NULL for NONE. */
const char *lx_sla_kind_clause(enum lx_sla_kind kind);
/* Whether a breach of this kind is the firm's violation (false for the
 * lead offer window and the platform's own CAC clock). */
bool lx_sla_kind_is_violation(enum lx_sla_kind kind);

struct lx_conf;

/*
 * The business calendar the daemon's deadlines use: calendar.file when
 * set, else the embedded official schedules (data/cn-holidays/). *out is
 * caller-owned (lx_cal_free). Errors name the key, never file content.
 */
lx_rc lx_sla_calendar_load(const struct lx_conf *conf, struct lx_cal **out,
                           struct lx_err *err);

/*
 * The deadline of 'kind' for a clock starting at 'start_ms', on the
 * business calendar 'cal' (cal.h; the daemon's fallback rules: an unknown
 * day counts as a working day and *fallback, may be NULL, is set):
 * first_response C5.1 (30 min, 2 h in a special period), complaint one
 * working day, complaint_urgent and incident_cac 4 hours. Other kinds have
 * no rule of their own — the caller sets their due time — and give
 * LX_EINVAL. Pure.
 */
lx_rc lx_sla_due(const struct lx_cal *cal, enum lx_sla_kind kind,
                 int64_t start_ms, int64_t *due_ms, bool *fallback,
                 struct lx_err *err);

/*
 * Schedule the deadline of (kind, object_id) for firm 'firm_id': the clock
 * started at 'start_ms' and runs out at 'due_ms' (the last instant still
 * on time). Idempotent: when a deadline for (kind, object_id) exists, in
 * any state, nothing changes and *created (may be NULL) is false. Ids must
 * be positive and start_ms <= due_ms, else LX_EINVAL naming the argument.
 * In the caller's write transaction.
 */
lx_rc lx_sla_schedule_tx(struct lx_store_tx *tx, enum lx_sla_kind kind,
                         int64_t object_id, int64_t firm_id, int64_t start_ms,
                         int64_t due_ms, bool *created, struct lx_err *err);

enum lx_sla_outcome {
    LX_SLA_OUTCOME_NONE = 0, /* no such deadline, or already met */
    LX_SLA_OUTCOME_MET,      /* met in time: it will never fire */
    LX_SLA_OUTCOME_LATE,     /* met after due_ms: the breach stands (fired
                                already, or fires at the next claim) */
};

/*
 * The duty behind (kind, object_id) was done at 'at_ms': record done_ms
 * (for response-time figures) and, when at_ms <= due_ms and the deadline
 * is still open, close it so it never fires. Only the first call counts.
 * *out (may be NULL) says which case it was. In the caller's write
 * transaction.
 */
lx_rc lx_sla_satisfy_tx(struct lx_store_tx *tx, enum lx_sla_kind kind,
                        int64_t object_id, int64_t at_ms,
                        enum lx_sla_outcome *out, struct lx_err *err);

/* Schedule in a transaction of its own (the CLI's `sla schedule`). */
lx_rc lx_sla_schedule(struct lx_store *st, enum lx_sla_kind kind,
                      int64_t object_id, int64_t firm_id, int64_t start_ms,
                      int64_t due_ms, bool *created, struct lx_err *err);

#define LX_SLA_FIRE_MAX 256 /* most rows one fire unit claims */
#define LX_SLA_FIRED_BY_MAX 63

struct lx_sla_fire_opts {
    int64_t now_ms;           /* the clock: rows due at or before it fire */
    int64_t grace_ms;         /* fired later than due_ms + grace: late */
    int limit;                /* rows per unit, 1..LX_SLA_FIRE_MAX */
    const char *fired_by;     /* this daemon's id, a short token */
    const struct lx_log *log; /* where "sla_breach" lines go; NULL: none */
    /* First-response breaches take the lead back and offer it to the next
     * firm (lx_leads_revoke_tx) in the same unit, as the system of 'app'
     * with these options (on_offer schedules the new windows). NULL: the
     * violation is recorded and the lead stays where it is. */
    struct lx_app *app;
    const struct lx_leads_opts *reoffer;
};

/*
 * One claim: fire up to o->limit due open deadlines in one transaction
 * (see the top of this header). *fired gets how many fired; fewer than
 * o->limit means nothing else was due (on this daemon's view: rows locked
 * by another daemon are skipped). On failure nothing of the unit was kept
 * and *fired is 0.
 */
lx_rc lx_sla_fire_due(struct lx_store *st, const struct lx_sla_fire_opts *o,
                      int *fired, struct lx_err *err);

/* ---- reads (the SLA board) ---------------------------------------------- */

enum lx_sla_state {
    LX_SLA_OPEN = 0,
    LX_SLA_FIRED,
    LX_SLA_SATISFIED,
};

struct lx_sla_timer {
    int64_t id;
    enum lx_sla_kind kind;
    int64_t object_id;
    int64_t firm_id;
    int64_t start_ms;
    int64_t due_ms;
    enum lx_sla_state state;
    int64_t done_ms;  /* 0 when not met yet */
    int64_t fired_ms; /* 0 when not fired */
    bool late;
    char fired_by[LX_SLA_FIRED_BY_MAX + 1]; /* "" when not fired */
};

/* "open", "fired", "satisfied". */
const char *lx_sla_state_name(enum lx_sla_state state);

/* Called per row; a non-OK return stops the read and is returned. */
typedef lx_rc lx_sla_timer_fn(const struct lx_sla_timer *t, void *arg);

struct lx_sla_filter {
    bool open_only;        /* only state open */
    int64_t firm_id;       /* 0: every firm */
    enum lx_sla_kind kind; /* NONE: every kind */
    int limit;             /* <= 0: no limit */
};

/*
 * Deadlines matching 'f', soonest due first (the board's "open deadlines
 * by firm and kind"), in a read transaction of its own.
 */
lx_rc lx_sla_list(struct lx_store *st, const struct lx_sla_filter *f,
                  lx_sla_timer_fn *fn, void *arg, struct lx_err *err);

/* Response-time figures of one firm for one kind (scorecards). */
struct lx_sla_figures {
    int64_t firm_id;
    int64_t total;    /* deadlines started in the period */
    int64_t met;      /* satisfied in time */
    int64_t breached; /* fired */
    int64_t open;     /* still running */
    int64_t answered; /* with done_ms, in time or not */
    int64_t mean_ms;  /* mean done_ms - start_ms over the answered */
    int64_t max_ms;   /* longest of them */
};

typedef lx_rc lx_sla_figures_fn(const struct lx_sla_figures *f, void *arg);

/*
 * Per-firm figures for deadlines of 'kind' started in [from_ms, to_ms),
 * ordered by firm, in a read transaction of its own.
 */
lx_rc lx_sla_figures(struct lx_store *st, enum lx_sla_kind kind,
                     int64_t from_ms, int64_t to_ms, lx_sla_figures_fn *fn,
                     void *arg, struct lx_err *err);

/*
 * Who may read the SLA board (board.c): LX_OK with *firm_only 0 for
 * platform staff (every firm) or the actor's firm for a firm admin;
 * LX_EUNAUTH for an anonymous actor, LX_EDENIED for anyone else. The
 * caller narrows every read to *firm_only when it is not 0.
 */
struct lx_ctx;
lx_rc lx_sla_board_scope(const struct lx_ctx *ctx, int64_t *firm_only);

/* Breaches per firm and clause in [from_ms, to_ms) (lx_enforce counts in
 * a read transaction of its own): the board's "breaches per period". */
lx_rc lx_sla_breach_counts(struct lx_store *st, int64_t from_ms, int64_t to_ms,
                           lx_rc (*fn)(int64_t firm_id, const char *clause,
                                       int64_t count, void *arg),
                           void *arg, struct lx_err *err);

/*
 * The leads service's on_offer hook (leads.h lx_leads_offer_fn): schedule
 * the offer's window [offered_ms, deadline_ms) as a lead_offer deadline
 * and, when 'arg' is the business calendar (const struct lx_cal *), the
 * firm's first-response deadline (C5.1: 30 minutes, 2 hours when the
 * lead arrives in a special period) from offered_ms, in the unit that
 * records the offer. The runner re-offers leads whose window ran out
 * (lx_leads_timeout_due) after each firing round.
 */
lx_rc lx_sla_offer_hook(void *arg, struct lx_store_tx *tx, int64_t offer_id,
                        int64_t firm_id, int64_t offered_ms,
                        int64_t deadline_ms, struct lx_err *err);

/*
 * The leads service's record hook (leads.h lx_leads_record_fn): for each
 * firm of 'firms' (ascending by id), the first-response deadlines started
 * in the 30 days before now_ms and answered (done_ms set, in time or
 * late): responses_measured is how many, first_response_median_s their
 * median time to answer. Firms without any keep the neutral zero.
 */
struct lx_route_firm;
lx_rc lx_sla_route_record_tx(void *arg, struct lx_store_tx *tx,
                             int64_t now_ms, struct lx_route_firm *firms,
                             size_t n, struct lx_err *err);

/*
 * The leads service's on_answer hook (leads.h lx_leads_answer_fn): the
 * firm claimed or declined offer 'offer_id' in its window, so the window's
 * lead_offer deadline is met (it never fires). 'arg' is unused here.
 */
lx_rc lx_sla_answer_hook(void *arg, struct lx_store_tx *tx, int64_t offer_id,
                         int64_t at_ms, struct lx_err *err);

/*
 * The conversation service's on_contact hook (talk.h lx_talk_contact_fn):
 * the firm's first delivered message or answered call on a lead meets the
 * first-response deadline (C5.1) of the firm's offer of that lead, in the
 * unit that records the contact. 'arg' is unused (NULL). A contact with
 * no such deadline, or after it was met, changes nothing.
 */
lx_rc lx_sla_contact_hook(void *arg, struct lx_store_tx *tx, int64_t lead_id,
                          int64_t firm_id, int64_t at_ms, struct lx_err *err);

/* ---- the runner --------------------------------------------------------- */

/* The clock: ms since the epoch. */
typedef int64_t lx_sla_clock_fn(void *arg);

struct lx_sla_runner_opts {
    lx_sla_clock_fn *clock; /* NULL: the wall clock */
    void *clock_arg;
    int64_t grace_ms;     /* <= 0: 5000 */
    int64_t poll_ms;      /* longest sleep; <= 0: 1000 */
    int batch;            /* rows per unit; <= 0: 64 */
    const char *instance; /* fired_by; NULL: "<host>:<pid>" */
    const struct lx_cal *cal; /* for first-response deadlines of re-offers;
                                 NULL: none scheduled */
};

struct lx_sla_runner;

/*
 * Start the runner on app->store. On the calling thread, before it
 * returns: rebuild the heap from the open rows and fire what is due —
 * deadlines missed while no daemon ran fire here, marked late; a store
 * failure in this first round fails the start (LX_ESTORE…), so a daemon
 * never serves with its deadlines unchecked. Then a thread keeps firing;
 * its store errors are logged ("sla_scan_failed", "sla_fire_failed") and
 * retried at the next wake. The thread's first round comes at the next
 * due time or after one poll interval, whichever is sooner. 'o' may be
 * NULL (defaults). *out is NULL on failure.
 */
lx_rc lx_sla_runner_start(struct lx_app *app,
                          const struct lx_sla_runner_opts *o,
                          struct lx_sla_runner **out, struct lx_err *err);

/* Wake the runner now (the clock moved, or a timer was scheduled). */
void lx_sla_runner_kick(struct lx_sla_runner *r);

/* Open timers in the runner's heap now (tests, metrics). */
size_t lx_sla_runner_pending(struct lx_sla_runner *r);
/* Deadlines this runner fired since start. */
uint64_t lx_sla_runner_fired(struct lx_sla_runner *r);

/* Stop the thread (a unit in progress finishes) and free 'r'. NULL ok. */
void lx_sla_runner_stop(struct lx_sla_runner *r);

/* ---- the heap (exposed for its benchmark) ------------------------------- */

struct lx_sla_heap_item {
    int64_t due_ms;
    int64_t id;
};

/* A binary min-heap on due_ms (then id); grows by doubling. Not
 * thread-safe: the runner guards it. */
struct lx_sla_heap {
    struct lx_sla_heap_item *v;
    size_t n;
    size_t cap;
};

void lx_sla_heap_init(struct lx_sla_heap *h);
void lx_sla_heap_release(struct lx_sla_heap *h);
/* Reserve room for 'n' items in all (one allocation). */
void lx_sla_heap_reserve(struct lx_sla_heap *h, size_t n);
void lx_sla_heap_push(struct lx_sla_heap *h, int64_t due_ms, int64_t id);
/* The soonest item, or NULL when empty. */
const struct lx_sla_heap_item *lx_sla_heap_peek(const struct lx_sla_heap *h);
/* Remove the soonest item; false when empty. */
bool lx_sla_heap_pop(struct lx_sla_heap *h, struct lx_sla_heap_item *out);

#endif /* LX_SLA_H */
