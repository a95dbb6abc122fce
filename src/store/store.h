/*
 * store — one backend-neutral SQL interface (SQLite now, PostgreSQL next).
 *
 * Callers write portable SQL (src/store/migrations/README.md lists the
 * subset) with *named* parameters (":name") and bind by name; each backend
 * maps them (SQLite natively, PostgreSQL to $n). Other parameter forms
 * ("?", "?1", "@x", "$x") are refused at prepare time. Schema changes are
 * numbered migrations (src/store/migrations/NNNN_*.sql, embedded), applied
 * in order inside one transaction each and recorded in the
 * schema_migrations table; the CLI (`lexgate db migrate`) and the daemon
 * call lx_store_migrate() at start.
 *
 * Layout: store.c is the neutral part (URL dispatch, statements, the
 * named-parameter list, fault injection, statistics), migrate.c the
 * migration runner, sqlite.c the SQLite backend. A backend is one table of
 * functions (store_int.h); PostgreSQL drops in as postgres.c plus one row
 * in store.c's URL table.
 *
 * Concurrency (SQLite): one writer connection owned by a writer thread, and
 * a pool of reader connections. A write is a unit of work — a function and
 * its argument — handed to lx_store_write(); the writer runs up to
 * group_max queued units in one transaction, each inside its own SAVEPOINT
 * (a failing unit rolls back alone), commits once with synchronous=FULL,
 * and only then wakes every waiting caller (group commit). A failed commit
 * fails every unit of its group. Reads use lx_store_read(), which borrows a
 * reader connection (PRAGMA query_only) and never waits for the writer
 * (WAL). Pragmas: journal_mode=WAL, synchronous=FULL (NORMAL was measured
 * to lose acknowledged writes on power loss), foreign_keys=ON,
 * busy_timeout.
 *
 * Errors: LX_ESTORE — the database is unavailable, locked past the busy
 * timeout, full, corrupt, or an I/O call failed; LX_ECONFLICT — a
 * constraint (UNIQUE, PRIMARY KEY, FOREIGN KEY, NOT NULL, CHECK) was
 * violated; LX_EINTERNAL — misuse: bad SQL, unknown parameter name, a
 * unit that ends the transaction itself. Details never contain bound
 * values or SQL text.
 *
 * Fault injection (builds with LX_FAULTS): LX_STORE_FAULT=stmt:N (read at
 * open) makes the Nth statement executed from then on fail with LX_ESTORE
 * — counted over every connection, one count per execution (the first step
 * after prepare or reset; each statement of an lx_store_exec() script),
 * not counting the writer's own BEGIN/SAVEPOINT/COMMIT. LX_STORE_FAULT=
 * commit makes the next group commit fail: it is rolled back and every
 * unit of the group gets LX_ESTORE. Each fault fires once. Tests set it
 * with lx_store_fault_set().
 *
 * Thread-safety: struct lx_store is shared by all threads; a struct
 * lx_store_tx and its statements belong to the thread running the unit and
 * must not outlive it. lx_store_close() must not race with lx_store_read()
 * calls still running.
 */
#ifndef LX_STORE_H
#define LX_STORE_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lx_store;
struct lx_store_tx;   /* a transaction (inside a unit of work or a read) */
struct lx_store_stmt; /* a prepared statement within a tx */

struct lx_store_opts {
    int readers;         /* reader connections (SQLite); <1 means 1 */
    int busy_timeout_ms; /* lock wait before LX_ESTORE */
    int group_max;       /* most units per group commit; <1 means 1 */
    bool must_exist;     /* fail instead of creating a missing database */
};

/* Counters since open; read with lx_store_stats(). */
struct lx_store_stats {
    uint64_t commits;      /* group transactions committed */
    uint64_t units;        /* units of work that committed */
    uint64_t units_failed; /* units rolled back (own error or group's) */
    uint64_t queued;       /* units waiting for the writer right now */
};

/*
 * Open by URL: "sqlite:PATH". Does not migrate. 'opts' may be NULL: 4
 * readers, 5000 ms, groups of 64. A URL of another scheme is
 * LX_EINVAL; a database that cannot be opened (missing directory, not a
 * database, must_exist and absent) is LX_ESTORE. *out is NULL on failure.
 */
lx_rc lx_store_open(const char *url, const struct lx_store_opts *opts,
                    struct lx_store **out, struct lx_err *err);
/* Finish queued writes (they commit normally), stop the writer, close
 * every connection and free 'st'. NULL ok. */
void lx_store_close(struct lx_store *st);

/* Apply pending migrations; *applied (may be NULL) gets how many. Safe to
 * run again (applies nothing) and from several processes at once. A
 * database migrated by a newer binary is LX_ECONFLICT. */
lx_rc lx_store_migrate(struct lx_store *st, int *applied, struct lx_err *err);
/* The highest migration applied (0 for an empty database), and the highest
 * known to this binary. */
lx_rc lx_store_schema_version(struct lx_store *st, int *current, int *latest,
                              struct lx_err *err);
/* Backend integrity check (PRAGMA integrity_check); LX_EINTEGRITY when the
 * database is damaged. */
lx_rc lx_store_check(struct lx_store *st, struct lx_err *err);
/* Cheap liveness check for /readyz. */
lx_rc lx_store_ping(struct lx_store *st, struct lx_err *err);

/* A unit of work: runs inside a transaction (a SAVEPOINT of a group). A
 * non-OK return rolls back this unit only. It must not run BEGIN, COMMIT,
 * ROLLBACK or SAVEPOINT itself. The writer calls it exactly once. */
typedef lx_rc lx_store_unit_fn(struct lx_store_tx *tx, void *arg,
                               struct lx_err *err);

/* Run 'fn' as a durable write; returns after its group committed (or the
 * unit or the commit failed: then nothing of it was kept). 'fn' runs on the
 * writer thread while the caller waits; 'err' gets the unit's error or the
 * commit's. LX_ESTORE when the store is closing. Calling it from inside
 * a unit is LX_EINTERNAL (it would wait for itself). */
lx_rc lx_store_write(struct lx_store *st, lx_store_unit_fn *fn, void *arg,
                     struct lx_err *err);
/* Run 'fn' in a read-only transaction on a reader connection, on the
 * calling thread. Waits only for a free reader, never for the writer. */
lx_rc lx_store_read(struct lx_store *st, lx_store_unit_fn *fn, void *arg,
                    struct lx_err *err);

/* Prepare 'sql' (one statement, named parameters :x) in tx. Statements are
 * finalised when the unit ends, or earlier with lx_store_stmt_free().
 *
 * Claiming work once across daemons: the word LX_SKIP_LOCKED at the end of
 * a SELECT (outside literals and comments) is replaced by the backend's
 * row-locking clause — "FOR UPDATE SKIP LOCKED" on PostgreSQL, so the rows
 * read stay locked until the unit ends and a concurrent claimer skips them;
 * nothing on SQLite, whose one writer runs every claim in turn. Use it in
 * a write unit only (a read transaction cannot lock rows), e.g.
 *   SELECT id FROM job WHERE state = 'open' ORDER BY due_ms LIMIT :n
 *   LX_SKIP_LOCKED */
lx_rc lx_store_prepare(struct lx_store_tx *tx, const char *sql,
                       struct lx_store_stmt **out, struct lx_err *err);
void lx_store_stmt_free(struct lx_store_stmt *s); /* NULL ok */

/* Bind by name (":name" or "name"); an unknown name is LX_EINTERNAL. Text
 * and blobs are copied. */
lx_rc lx_store_bind_int(struct lx_store_stmt *s, const char *name, int64_t v);
lx_rc lx_store_bind_text(struct lx_store_stmt *s, const char *name,
                         const char *v, size_t n);
lx_rc lx_store_bind_blob(struct lx_store_stmt *s, const char *name,
                         const void *v, size_t n);
lx_rc lx_store_bind_null(struct lx_store_stmt *s, const char *name);

/* Step: *row = true when a row is available, false when done. */
lx_rc lx_store_step(struct lx_store_stmt *s, bool *row, struct lx_err *err);
/* Reset to run again; bindings are kept until rebound. */
lx_rc lx_store_reset(struct lx_store_stmt *s);

/* Column getters for the current row, by 0-based index. Text and blob
 * pointers are valid until the next step/reset/free. A NULL value reads as
 * 0, a NULL pointer with *len 0; an empty text or blob as "" (not NULL). */
int64_t lx_store_col_int(struct lx_store_stmt *s, int col);
const char *lx_store_col_text(struct lx_store_stmt *s, int col, size_t *len);
const void *lx_store_col_blob(struct lx_store_stmt *s, int col, size_t *len);
bool lx_store_col_is_null(struct lx_store_stmt *s, int col);

/* Run a script of one or more ';'-separated statements with no parameters
 * (result rows are discarded). Stops at the first failing statement. */
lx_rc lx_store_exec(struct lx_store_tx *tx, const char *sql,
                    struct lx_err *err);
/* Rows changed by the last statement in tx; id of the last insert
 * (SQLite only: portable code uses INSERT … RETURNING id). */
int64_t lx_store_changes(struct lx_store_tx *tx);
int64_t lx_store_last_id(struct lx_store_tx *tx);

/*
 * Serialise this transaction with every other one that takes the same
 * 'key', until it ends. On SQLite a no-op (one writer thread runs every
 * write in turn); on PostgreSQL pg_advisory_xact_lock(key), released at
 * commit or rollback, so it is safe behind a transaction-mode pooler.
 * Use it for anything that needs one sequence across daemons (the audit
 * log). Keys are listed in store.h so they never collide.
 */
#define LX_STORE_LOCK_MIGRATE INT64_C(0x6c78000000000001)
#define LX_STORE_LOCK_AUDIT INT64_C(0x6c78000000000002)
/* talk/call.c: choosing a free virtual number; recording a call event */
#define LX_STORE_LOCK_TALK_BIND INT64_C(0x6c78000000000003)
#define LX_STORE_LOCK_TALK_CALL INT64_C(0x6c78000000000004)
/* talk/attempt.c: one key per lead (base | lead id, 48 bits): contact
 * attempts on one lead in turn. "lt", a range of its own. */
#define LX_STORE_LOCK_TALK_LEAD_BASE INT64_C(0x6c74000000000000)
#define LX_STORE_LOCK_TALK_LEAD_MASK INT64_C(0x0000ffffffffffff)
lx_rc lx_store_tx_lock(struct lx_store_tx *tx, int64_t key,
                       struct lx_err *err);

/* "sqlite" or "postgres": for messages and tests, never for SQL dialects
 * (those are the backend's business). */
const char *lx_store_backend_name(const struct lx_store *st);

/* Test builds: "stmt:N" (N >= 1), "commit", or NULL to clear. Returns
 * LX_EINVAL when the spec is bad or fault injection is not compiled in. */
lx_rc lx_store_fault_set(struct lx_store *st, const char *spec);

/* Snapshot of the counters. Thread-safe. */
void lx_store_stats(struct lx_store *st, struct lx_store_stats *out);

#endif /* LX_STORE_H */
