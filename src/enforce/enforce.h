/*
 * enforce — the violation ledger (C8.1), kept minimal: the seed of the
 * enforcement ladder.
 *
 * Every module that detects a breach (sla now; talk and cases later)
 * writes one record here, inside its own transaction, with the contract
 * clause it breaches: so the detection and the record commit together or
 * not at all. A record is identified by (kind, object_ref): writing the
 * same one again is a no-op, so a retried or duplicated detection (two
 * daemons, a replayed job) never counts twice.
 *
 * What is not here yet (NEEDSWORK(#8)): the C8.1 ladder — points per
 * clause over a window, the recommended step (remind … terminate), operator
 * confirmation — and the C8.3 liquidated damages. They will build on this
 * table (migration 0004_enforce.sql) in migrations of their own.
 *
 * Fields are ids, clause ids and short tokens; never personal data or
 * message text. Functions named _tx run inside the caller's transaction
 * (STYLE.md §3.6) and are as thread-safe as that transaction.
 */
#ifndef LX_ENFORCE_H
#define LX_ENFORCE_H

#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

struct lx_store_tx;

/* Longest accepted strings (bytes, without the NUL). */
#define LX_ENFORCE_CLAUSE_MAX 15
#define LX_ENFORCE_KIND_MAX 31
#define LX_ENFORCE_REF_MAX 127

/* One ledger record, as read back. */
struct lx_enforce_violation {
    int64_t id;
    int64_t firm_id;
    int64_t at_ms;                             /* when the breach happened */
    char clause[LX_ENFORCE_CLAUSE_MAX + 1];    /* "C5.1" */
    char kind[LX_ENFORCE_KIND_MAX + 1];        /* "first_response" */
    char object_ref[LX_ENFORCE_REF_MAX + 1];   /* "lead:42" */
    char evidence_ref[LX_ENFORCE_REF_MAX + 1]; /* "sla_timer:7" */
};

/*
 * Record that firm 'firm_id' breached 'clause' (a contract clause id,
 * "C<n>.<m>") by 'kind' on 'object_ref' at 'at_ms', with 'evidence_ref'
 * pointing at what shows it (e.g. the timer row). Idempotent by (kind,
 * object_ref): when that record exists already nothing changes and *added
 * (may be NULL) is false. Strings must be non-empty tokens of
 * [A-Za-z0-9_.:/-] within the limits above, else LX_EINVAL naming the
 * argument. Store errors as in store.h; on PostgreSQL a failure aborts the
 * caller's transaction, so return it from the unit.
 */
lx_rc lx_enforce_violation_add_tx(struct lx_store_tx *tx, int64_t firm_id,
                                  const char *clause, const char *kind,
                                  const char *object_ref, int64_t at_ms,
                                  const char *evidence_ref, bool *added,
                                  struct lx_err *err);

/* Called once per record read; a non-OK return stops the read and is
 * returned. */
typedef lx_rc lx_enforce_violation_fn(const struct lx_enforce_violation *v,
                                      void *arg);

/*
 * The records of breaches in [from_ms, to_ms), of firm 'firm_id' (0: every
 * firm), oldest first, at most 'limit' (<= 0: no limit). In a read or write
 * transaction.
 */
lx_rc lx_enforce_violation_list_tx(struct lx_store_tx *tx, int64_t firm_id,
                                   int64_t from_ms, int64_t to_ms, int limit,
                                   lx_enforce_violation_fn *fn, void *arg,
                                   struct lx_err *err);

/* Called once per (firm, clause) group with its number of records. */
typedef lx_rc lx_enforce_count_fn(int64_t firm_id, const char *clause,
                                  int64_t count, void *arg);

/*
 * Breaches per firm and clause in [from_ms, to_ms) (the SLA board's
 * "breaches per period"), ordered by firm then clause.
 */
lx_rc lx_enforce_violation_counts_tx(struct lx_store_tx *tx, int64_t from_ms,
                                     int64_t to_ms, lx_enforce_count_fn *fn,
                                     void *arg, struct lx_err *err);

#endif /* LX_ENFORCE_H */
