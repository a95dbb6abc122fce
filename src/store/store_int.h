/*
 * store_int — what the neutral part (store.c, migrate.c) and the backends
 * (sqlite.c; postgres.c next) share. Private to src/store/.
 *
 * A backend is one const table of functions, struct store__backend, found
 * by URL scheme in store.c. The neutral part owns struct lx_store's common
 * fields (backend, fault state, counters), struct lx_store_tx and struct
 * lx_store_stmt; each backend hangs its own state off the 'be', 'conn' and
 * 'handle' pointers.
 *
 * Statement life: the neutral lx_store_prepare() parses the named
 * parameters (store__params_parse) and asks the backend to prepare; the
 * backend checks that its own view of the parameters matches the list, so
 * only the portable ":name" form gets through. Binding looks a name up in
 * that list and passes the 1-based position to the backend. The neutral
 * part tracks the statements of a tx so that store__tx_end() finalises all
 * of them when a unit ends.
 */
#ifndef LX_STORE_INT_H
#define LX_STORE_INT_H

#include "base/err.h"
#include "store/store.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store__backend {
    const char *scheme; /* URL prefix up to ':', e.g. "sqlite" */

    /* Open the database named by 'rest' (the URL after "scheme:"); fill
     * st->be. On failure everything opened so far is closed. */
    lx_rc (*open)(struct lx_store *st, const char *rest,
                  const struct lx_store_opts *opts, struct lx_err *err);
    /* Drain queued writes, stop threads, close connections, free st->be. */
    void (*close)(struct lx_store *st);
    /* Run one unit durably. 'solo' = alone in its own transaction. */
    lx_rc (*write)(struct lx_store *st, lx_store_unit_fn *fn, void *arg,
                   bool solo, struct lx_err *err);
    lx_rc (*read)(struct lx_store *st, lx_store_unit_fn *fn, void *arg,
                  struct lx_err *err);
    /* Integrity check of the whole database, on the calling thread. */
    lx_rc (*check)(struct lx_store *st, struct lx_err *err);
    /* Does table 'name' exist? (in a read or write tx) */
    lx_rc (*has_table)(struct lx_store_tx *tx, const char *name, bool *out,
                       struct lx_err *err);

    /* Statements. 'nparams' is the neutral list's length; the backend
     * fails with LX_EINTERNAL when its own count or names differ. */
    lx_rc (*prepare)(struct lx_store_stmt *s, const char *sql,
                     struct lx_err *err);
    /* Optional: take a statement this connection prepared earlier for
     * exactly 'sql', with its parameter list (s->nparams, s->params: the
     * block moves into s); false when there is none. finalize may keep
     * the handle and the list for the next take (s->params is then NULL
     * when it returns). */
    bool (*take_cached)(struct lx_store_stmt *s, const char *sql);
    void (*finalize)(struct lx_store_stmt *s);
    lx_rc (*bind_int)(struct lx_store_stmt *s, int idx, int64_t v);
    lx_rc (*bind_text)(struct lx_store_stmt *s, int idx, const char *v,
                       size_t n);
    lx_rc (*bind_blob)(struct lx_store_stmt *s, int idx, const void *v,
                       size_t n);
    lx_rc (*bind_null)(struct lx_store_stmt *s, int idx);
    lx_rc (*step)(struct lx_store_stmt *s, bool *row, struct lx_err *err);
    lx_rc (*reset)(struct lx_store_stmt *s);
    int64_t (*col_int)(struct lx_store_stmt *s, int col);
    const char *(*col_text)(struct lx_store_stmt *s, int col, size_t *len);
    const void *(*col_blob)(struct lx_store_stmt *s, int col, size_t *len);
    bool (*col_is_null)(struct lx_store_stmt *s, int col);
    /* A script of statements without parameters; counts faults per
     * statement with store__fault_stmt(). */
    lx_rc (*exec)(struct lx_store_tx *tx, const char *sql, struct lx_err *err);
    int64_t (*changes)(struct lx_store_tx *tx);
    int64_t (*last_id)(struct lx_store_tx *tx);

    /* Serialise with every other tx taking 'key' until this tx ends
     * (PostgreSQL: pg_advisory_xact_lock). NULL: writes are serial. */
    lx_rc (*lock)(struct lx_store_tx *tx, int64_t key, struct lx_err *err);

    /* Words a migration may use that this backend spells differently
     * (migrations/README.md): pairs {word, replacement}, ended by NULL. */
    const char *const (*ddl_words)[2];

    /* The spelling of LX_SKIP_LOCKED in a statement (store.h): the
     * row-locking clause that skips rows other transactions hold
     * (PostgreSQL "FOR UPDATE SKIP LOCKED"), or "" where the writer is
     * single and every claim is serialised already (SQLite). */
    const char *skip_locked;
};

struct lx_store {
    const struct store__backend *ops;
    void *be; /* the backend's state */

    /* Fault injection: statements left before the one that fails (0 =
     * off); whether the next group commit fails. */
    atomic_llong fault_stmt_left;
    atomic_bool fault_commit;

    /* Counters (struct lx_store_stats). */
    atomic_ullong n_commits;
    atomic_ullong n_units;
    atomic_ullong n_units_failed;
    atomic_ullong n_queued;
};

struct lx_store_tx {
    struct lx_store *st;
    void *conn;                  /* the backend's connection */
    struct lx_store_stmt *stmts; /* open statements, finalised at the end */
};

struct lx_store_stmt {
    struct lx_store_tx *tx;
    struct lx_store_stmt *prev, *next; /* in tx->stmts */
    void *handle;                      /* the backend's statement */
    bool running;  /* stepped since prepare/reset (fault counting) */
    uint64_t tag;  /* the backend's own (sqlite: the SQL text's hash) */
    const char *text; /* the caller's SQL pointer (sqlite: cache lookup) */
    int bind_next; /* where param_index looks first (store.c) */
    int nparams;   /* distinct :names, in order of first appearance */
    char **params; /* names without the ':' */
};

/* Parse the distinct ":name" parameters of 'sql' in order of first
 * appearance, skipping string literals, quoted identifiers, comments and
 * "::" casts. Names are [A-Za-z_][A-Za-z0-9_]*. *names is one malloc'd
 * block (free() it), NULL when there are none. */
void store__params_parse(const char *sql, int *count, char ***names);

/* Ready a tx on 'conn' and finalise its statements when it ends. */
void store__tx_init(struct lx_store_tx *tx, struct lx_store *st, void *conn);
void store__tx_end(struct lx_store_tx *tx);

/* Fault injection: true when the statement about to run must fail (the
 * counter reached it). Never true without LX_FAULTS. */
bool store__fault_stmt(struct lx_store *st);
/* True (once) when the commit about to run must fail. */
bool store__fault_commit(struct lx_store *st);

/* The write path with the solo flag: migrate.c runs each migration in a
 * transaction of its own. */
lx_rc store__write_solo(struct lx_store *st, lx_store_unit_fn *fn, void *arg,
                        struct lx_err *err);

/* Copy 'sql' into 'out' with each ":name" replaced by "$k", k the 1-based
 * position of name in params (the list store__params_parse made). */
struct lx_buf;
lx_rc store__sql_numbered(const char *sql, int nparams, char **params,
                          struct lx_buf *out);

/* Index of the ';' ending the statement that starts at sql[from] (or of
 * the final NUL), skipping literals, quoted identifiers and comments. */
size_t store__next_statement(const char *sql, size_t from);

/* The SQLite backend (sqlite.c). */
extern const struct store__backend store__sqlite;
/* The PostgreSQL backend (postgres.c), under both URL schemes. */
extern const struct store__backend store__postgres;
extern const struct store__backend store__postgresql;

/* The name of the SQLite VFS that gathers WAL writes (sqlite_wal.c),
 * registered on the first call; NULL when the default VFS is not one it
 * can wrap (then the default is used as it is). */
const char *store__sqlite_wal_vfs(void);

#endif /* LX_STORE_INT_H */
