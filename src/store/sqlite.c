/*
 * sqlite — the SQLite backend: one writer thread with group commit, a pool
 * of reader connections (store.h explains the design).
 *
 * The writer thread owns the write connection. Callers of lx_store_write()
 * queue a unit (on their own stack) and sleep on its own semaphore; the writer
 * takes up to group_max units, runs BEGIN IMMEDIATE, each unit inside SAVEPOINT
 * lx_unit (RELEASE on success, ROLLBACK TO + RELEASE on failure), then one
 * COMMIT — a single fsync of the WAL with synchronous=FULL — and only then
 * marks the units done and wakes the callers (one in eight; each woken
 * caller wakes the next, see wake()). Should SQLite itself end the
 * transaction mid-group (an I/O error or a full disk rolls back
 * everything), the units already run lose their work and get LX_ESTORE,
 * and the rest of the group continues in a new transaction.
 *
 * Readers are connections with PRAGMA query_only, borrowed from a stack
 * under rmu/rcv; each read is one deferred transaction, so it sees one
 * snapshot and, in WAL mode, never waits for the writer.
 */
#include "base/err.h"
#include "base/mem.h"
#include "store/store.h"
#include "store/store_int.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct sq_unit {
    lx_store_unit_fn *fn;
    void *arg;
    struct lx_err *err;
    bool solo;
    sem_t done; /* posted once by the writer when rc is final; the caller
                   waits on it alone, without the queue's mutex */
    lx_rc rc;
    bool wake_next; /* the caller, once woken, wakes 'next' */
    struct sq_unit *next;
};

/* A connection and whether a unit runs on it: then the authorizer refuses
 * transaction control (BEGIN, COMMIT, SAVEPOINT...) as misuse. */
/*
 * Each connection keeps the statements its units prepared, reset, for the
 * next unit that prepares the same text: services prepare per call, and
 * parsing an 18-column INSERT cost more than running it (bench/audit).
 * Looked up by the exact text (sqlite3_sql); a statement taken out is
 * not in the cache, so two open statements never share a handle. SQLite
 * re-prepares a cached statement itself after a schema change.
 */
#define SQ_CACHE 48

struct sq_cached {
    uint64_t hash;    /* of the SQL text; 0 marks a free slot */
    const char *text; /* the caller's pointer when it was prepared */
    sqlite3_stmt *h;
    int nparams;   /* the neutral parameter list, kept with the handle */
    char **params;
};

/* Transaction control, prepared once per connection and kept apart from
 * the services' cache (a service must never reach these: the authorizer
 * refuses them inside a unit). */
enum sq_ctl {
    CTL_BEGIN = 0,
    CTL_BEGIN_IMMEDIATE,
    CTL_COMMIT,
    CTL_ROLLBACK,
    CTL_SAVEPOINT,
    CTL_RELEASE,
    CTL_ROLLBACK_TO,
    CTL_COUNT
};

static const char *const ctl_sql[CTL_COUNT] = {
    [CTL_BEGIN] = "BEGIN",
    [CTL_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
    [CTL_COMMIT] = "COMMIT",
    [CTL_ROLLBACK] = "ROLLBACK",
    [CTL_SAVEPOINT] = "SAVEPOINT lx_unit",
    [CTL_RELEASE] = "RELEASE lx_unit",
    [CTL_ROLLBACK_TO] = "ROLLBACK TO lx_unit",
};

struct sq_conn {
    sqlite3 *db;
    bool in_unit;
    unsigned evict; /* next slot to evict when the cache is full */
    struct sq_cached cache[SQ_CACHE];
    sqlite3_stmt *ctl[CTL_COUNT];
};

static uint64_t
sq_hash(const char *sql)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    for (; *sql != '\0'; sql++) {
        h = (h ^ (unsigned char)*sql) * 1099511628211ULL;
    }
    return h != 0 ? h : 1;
}

static void
cache_hand_out(struct sq_cached *e, uint64_t hash, struct lx_store_stmt *s)
{
    s->handle = e->h;
    s->nparams = e->nparams;
    s->params = e->params;
    s->tag = hash;
    memset(e, 0, sizeof(*e));
}

/* Take the cached statement for 'sql' out of c's cache into s (handle and
 * parameter list); false when there is none. Services pass the same
 * string literal each call, so the caller's pointer is tried first (the
 * text is still compared: a pointer may be a reused buffer); hashing the
 * whole text cost more than the lookup (bench/audit). */
static bool
cache_take(struct sq_conn *c, const char *sql, struct lx_store_stmt *s)
{
    uint64_t hash;

    s->text = sql;
    for (int i = 0; i < SQ_CACHE; i++) {
        struct sq_cached *e = &c->cache[i];

        if (e->text == sql && e->h != NULL &&
            strcmp(sqlite3_sql(e->h), sql) == 0) {
            cache_hand_out(e, e->hash, s);
            return true;
        }
    }
    hash = sq_hash(sql);
    for (int i = 0; i < SQ_CACHE; i++) {
        struct sq_cached *e = &c->cache[i];

        if (e->hash == hash && strcmp(sqlite3_sql(e->h), sql) == 0) {
            cache_hand_out(e, hash, s);
            return true;
        }
    }
    s->tag = hash;
    return false;
}

/* Keep a statement no longer in use, reset and unbound, with its
 * parameter list (taken out of s), for reuse. */
static void
cache_put(struct sq_conn *c, struct lx_store_stmt *s)
{
    struct sq_cached *e = NULL;
    sqlite3_stmt *h = s->handle;

    sqlite3_reset(h);
    sqlite3_clear_bindings(h);
    for (int i = 0; i < SQ_CACHE && e == NULL; i++) {
        if (c->cache[i].h == NULL) {
            e = &c->cache[i];
        }
    }
    if (e == NULL) {
        e = &c->cache[c->evict++ % SQ_CACHE];
        sqlite3_finalize(e->h);
        free(e->params);
    }
    e->hash = s->tag != 0 ? s->tag : sq_hash(sqlite3_sql(h));
    e->text = s->text;
    e->h = h;
    e->nparams = s->nparams;
    e->params = s->params;
    s->params = NULL;
    s->nparams = 0;
}

static void
cache_clear(struct sq_conn *c)
{
    for (int i = 0; i < SQ_CACHE; i++) {
        sqlite3_finalize(c->cache[i].h);
        free(c->cache[i].params);
        memset(&c->cache[i], 0, sizeof(c->cache[i]));
    }
    for (int k = 0; k < CTL_COUNT; k++) {
        sqlite3_finalize(c->ctl[k]);
        c->ctl[k] = NULL;
    }
}


struct sq_store {
    struct sq_conn w; /* the writer thread's connection */
    int group_max;

    pthread_mutex_t mu;     /* guards the queue and stopping */
    pthread_cond_t work_cv; /* the writer waits for units */
    pthread_cond_t idle_cv; /* close waits for inflight == 0 */
    struct sq_unit *head, *tail;
    bool stopping;
    atomic_int inflight; /* callers inside lx_store_write(); the last one
                            out takes mu to wake close */
    pthread_t writer;
    bool writer_started;
    struct sq_unit **heads; /* the writer's: units it wakes itself */

    pthread_mutex_t rmu; /* guards the free readers */
    pthread_cond_t rcv;
    struct sq_conn *readers;
    int nreaders;
    int nfree;
    struct sq_conn **free_readers;
};

static const char *const sq_ddl_words[][2] = {
    {"LX_ID_PK", "INTEGER PRIMARY KEY"},
    {"LX_BYTES", "BLOB"},
    {NULL, NULL},
};

/* Map an SQLite result code to lx_rc with a detail free of data. */
static lx_rc
sq_err(sqlite3 *db, int rc, struct lx_err *err)
{
    const char *kind;

    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        switch (rc) {
        case SQLITE_CONSTRAINT_UNIQUE:
            kind = "unique";
            break;
        case SQLITE_CONSTRAINT_PRIMARYKEY:
            kind = "primary key";
            break;
        case SQLITE_CONSTRAINT_FOREIGNKEY:
            kind = "foreign key";
            break;
        case SQLITE_CONSTRAINT_NOTNULL:
            kind = "not null";
            break;
        case SQLITE_CONSTRAINT_CHECK:
            kind = "check";
            break;
        default:
            kind = "other";
            break;
        }
        return lx_err_set(err, LX_ECONFLICT, NULL, "constraint violated (%s)",
                          kind);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return lx_err_set(err, LX_ESTORE, NULL, "database is locked");
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
        return lx_err_set(err, LX_ESTORE, NULL, "database: %s",
                          sqlite3_errstr(rc));
    case SQLITE_AUTH: /* only our authorizer denies */
        return lx_err_set(err, LX_EINTERNAL, NULL,
                          "transaction control inside a unit");
    default:
        if (db != NULL && sqlite3_error_offset(db) >= 0) {
            return lx_err_set(err, LX_EINTERNAL, NULL, "SQL: %s at offset %d",
                              sqlite3_errstr(rc), sqlite3_error_offset(db));
        }
        return lx_err_set(err, LX_EINTERNAL, NULL, "SQL: %s",
                          sqlite3_errstr(rc));
    }
}

/* The writer's own control statements; not fault-counted. SQLITE_OK or
 * the error (also in sqlite3_extended_errcode of the connection). */
static int
ctl(struct sq_conn *c, enum sq_ctl k)
{
    int rc;

    if (c->ctl[k] == NULL) {
        rc = sqlite3_prepare_v2(c->db, ctl_sql[k], -1, &c->ctl[k], NULL);
        if (rc != SQLITE_OK) {
            return rc;
        }
    }
    rc = sqlite3_step(c->ctl[k]);
    sqlite3_reset(c->ctl[k]);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* Run a pragma and check its single text answer, when 'want' is given. */
static lx_rc
pragma(sqlite3 *db, const char *sql, const char *want, struct lx_err *err)
{
    sqlite3_stmt *h = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &h, NULL);
    lx_rc out = LX_OK;

    if (rc != SQLITE_OK) {
        out = sq_err(db, rc, err);
        goto out;
    }
    rc = sqlite3_step(h);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        out = sq_err(db, rc, err);
        goto out;
    }
    if (want != NULL &&
        (rc != SQLITE_ROW || sqlite3_column_text(h, 0) == NULL ||
         strcmp((const char *)sqlite3_column_text(h, 0), want) != 0)) {
        out =
            lx_err_set(err, LX_ESTORE, NULL, "database refused %s mode", want);
    }
out:
    sqlite3_finalize(h);
    return out;
}

static int
sq_authorize(void *arg, int action, const char *a1, const char *a2,
             const char *a3, const char *a4)
{
    const struct sq_conn *c = arg;

    (void)a1;
    (void)a2;
    (void)a3;
    (void)a4;
    if (c->in_unit &&
        (action == SQLITE_TRANSACTION || action == SQLITE_SAVEPOINT)) {
        return SQLITE_DENY;
    }
    return SQLITE_OK;
}

/* Switch a writer's file to WAL. The first switch on a new file needs the
 * exclusive lock, and SQLite answers SQLITE_BUSY at once — without the busy
 * handler — while another process opening the same new file holds a lock
 * in rollback mode (four "db migrate" at once), or answers the old mode.
 * Retry until the busy timeout; once the file is in WAL the pragma is a
 * no-op. */
static lx_rc
wal_mode(sqlite3 *db, int timeout_ms, struct lx_err *err)
{
    int waited = 0;

    for (;;) {
        lx_rc rc = pragma(db, "PRAGMA journal_mode=WAL", "wal", err);
        int why = sqlite3_errcode(db) & 0xff;
        /* SQLITE_OK here: the pragma answered the old mode (not changed). */
        if (rc == LX_OK || (why != SQLITE_BUSY && why != SQLITE_OK) ||
            waited >= timeout_ms) {
            return rc;
        }
        lx_err_clear(err);
        waited += sqlite3_sleep(10);
    }
}

static lx_rc
open_conn(const char *path, bool writer, const struct lx_store_opts *opts,
          struct sq_conn *out, struct lx_err *err)
{
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    sqlite3 *db = NULL;
    lx_rc rc;
    int src;

    out->db = NULL;
    out->in_unit = false;
    if (writer && !opts->must_exist) {
        flags |= SQLITE_OPEN_CREATE;
    }
    src = sqlite3_open_v2(path, &db, flags, store__sqlite_wal_vfs());
    if (src != SQLITE_OK) {
        rc = lx_err_set(err, LX_ESTORE, NULL, "cannot open database: %s",
                        sqlite3_errstr(src));
        goto fail;
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, opts->busy_timeout_ms);
    if (writer) {
        rc = wal_mode(db, opts->busy_timeout_ms, err);
        if (rc == LX_OK) {
            /* Every commit synced before it returns or becomes visible:
             * durability, and what sqlite_wal.c's gathered writes rely on. */
            rc = pragma(db, "PRAGMA synchronous=FULL", NULL, err);
        }
        if (rc == LX_OK) {
            /* Deleted rows are overwritten with zeros, so a crypto-shredded
             * subject key leaves no bytes behind in the file (vault). */
            rc = pragma(db, "PRAGMA secure_delete=ON", NULL, err);
        }
    } else {
        rc = pragma(db, "PRAGMA query_only=ON", NULL, err);
    }
    if (rc == LX_OK) {
        rc = pragma(db, "PRAGMA foreign_keys=ON", NULL, err);
    }
    if (rc != LX_OK) {
        goto fail;
    }
    sqlite3_set_authorizer(db, sq_authorize, out);
    out->db = db;
    return LX_OK;
fail:
    sqlite3_close(db);
    return rc;
}

/* ---- the writer ---------------------------------------------------------- */

static void
fail_unit(struct sq_unit *u, const char *why)
{
    if (u->rc == LX_OK) {
        u->rc = lx_err_set(u->err, LX_ESTORE, NULL, "%s", why);
    }
}

/* Run one unit inside its savepoint. Returns false when SQLite ended the
 * whole transaction (the group's earlier work is gone). */
static bool
run_unit(struct lx_store *st, struct sq_conn *c, struct sq_unit *u)
{
    sqlite3 *db = c->db;
    struct lx_store_tx tx;

    if (ctl(c, CTL_SAVEPOINT) != SQLITE_OK) {
        u->rc = sq_err(db, sqlite3_extended_errcode(db), u->err);
        return !sqlite3_get_autocommit(db);
    }
    store__tx_init(&tx, st, c);
    c->in_unit = true;
    u->rc = u->fn(&tx, u->arg, u->err);
    store__tx_end(&tx);
    c->in_unit = false;
    if (sqlite3_get_autocommit(db)) {
        fail_unit(u, "transaction rolled back by the database");
        return false;
    }
    if (u->rc == LX_OK && ctl(c, CTL_RELEASE) != SQLITE_OK) {
        u->rc = sq_err(db, sqlite3_extended_errcode(db), u->err);
    }
    if (u->rc != LX_OK) {
        ctl(c, CTL_ROLLBACK_TO);
        ctl(c, CTL_RELEASE);
    }
    return !sqlite3_get_autocommit(db);
}

/* Units [from, to) form one transaction: commit it, or fail them all. */
static void
finish(struct lx_store *st, struct sq_conn *c, struct sq_unit *from,
       struct sq_unit *to, bool alive)
{
    sqlite3 *db = c->db;

    bool any = false;
    const char *why = NULL;

    for (struct sq_unit *u = from; u != to; u = u->next) {
        any = any || u->rc == LX_OK;
    }
    if (!alive) {
        why = "transaction rolled back by the database";
    } else if (!any) {
        ctl(c, CTL_ROLLBACK);
    } else if (store__fault_commit(st)) {
        ctl(c, CTL_ROLLBACK);
        why = "injected fault (commit)";
    } else if (ctl(c, CTL_COMMIT) != SQLITE_OK) {
        if (!sqlite3_get_autocommit(db)) {
            ctl(c, CTL_ROLLBACK);
        }
        why = "commit failed";
    } else {
        atomic_fetch_add(&st->n_commits, 1);
    }
    for (struct sq_unit *u = from; u != to; u = u->next) {
        if (why != NULL) {
            fail_unit(u, why);
        }
        if (u->rc == LX_OK) {
            atomic_fetch_add(&st->n_units, 1);
        } else {
            atomic_fetch_add(&st->n_units_failed, 1);
        }
    }
}

/*
 * Units queued while the group ran join it before the commit (up to
 * group_max in all), appended after 'last': under load the callers woken
 * by one commit re-queue one by one, and without this the next group
 * would hold only the first few of them, each group paying a whole
 * fsync. The commit waits for nothing that is not queued already.
 */
static struct sq_unit *
take_more(struct lx_store *st, struct sq_unit *last, int *n)
{
    struct sq_store *b = st->be;
    struct sq_unit *more = NULL;
    int k = 0;

    pthread_mutex_lock(&b->mu);
    if (b->head != NULL && !b->head->solo && *n < b->group_max) {
        struct sq_unit *end = b->head;

        more = b->head;
        k = 1;
        while (*n + k < b->group_max && end->next != NULL &&
               !end->next->solo) {
            end = end->next;
            k++;
        }
        b->head = end->next;
        if (b->head == NULL) {
            b->tail = NULL;
        }
        end->next = NULL;
        atomic_fetch_sub(&st->n_queued, (unsigned long long)k);
        last->next = more;
    }
    pthread_mutex_unlock(&b->mu);
    *n += k;
    return more;
}

static void
run_group(struct lx_store *st, struct sq_conn *c, struct sq_unit *first,
          int n)
{
    sqlite3 *db = c->db;
    struct sq_unit *u = first;

    while (u != NULL) {
        struct sq_unit *seg = u, *last = u;
        bool alive = true;
        int brc = ctl(c, CTL_BEGIN_IMMEDIATE);

        if (brc != SQLITE_OK) {
            for (; u != NULL; u = u->next) {
                u->rc = sq_err(db, sqlite3_extended_errcode(db), u->err);
                atomic_fetch_add(&st->n_units_failed, 1);
            }
            return;
        }
        while (u != NULL && alive) {
            alive = run_unit(st, c, u);
            last = u;
            u = u->next;
            if (u == NULL && alive && !seg->solo) {
                u = take_more(st, last, &n);
            }
        }
        finish(st, c, seg, u, alive);
    }
}

/*
 * Answer a finished group. The writer wakes one caller in SQ_WAKE_RUN and
 * marks the others to be woken by the caller before them: each wake is a
 * system call, and made by the woken callers they run on another core
 * while the writer takes the next group. All pointers are read before the
 * first post: a woken caller's unit (on its stack) may be gone at once.
 */
#define SQ_WAKE_RUN 8 /* 1, 4, 8, 16, 64 measured: 8 was best */

static void
wake(struct sq_store *b, struct sq_unit *first)
{
    int n = 0, i = 0;

    for (struct sq_unit *u = first; u != NULL; u = u->next, i++) {
        if (i % SQ_WAKE_RUN == 0) {
            b->heads[n++] = u;
        }
        u->wake_next = u->next != NULL && (i + 1) % SQ_WAKE_RUN != 0;
    }
    for (int k = 0; k < n; k++) {
        sem_post(&b->heads[k]->done);
    }
}

static void *
writer_main(void *arg)
{
    struct lx_store *st = arg;
    struct sq_store *b = st->be;

    pthread_mutex_lock(&b->mu);
    for (;;) {
        struct sq_unit *first, *last;
        int n = 1;

        while (b->head == NULL && !b->stopping) {
            pthread_cond_wait(&b->work_cv, &b->mu);
        }
        if (b->head == NULL) {
            break;
        }
        first = last = b->head;
        if (!first->solo) {
            while (n < b->group_max && last->next != NULL &&
                   !last->next->solo) {
                last = last->next;
                n++;
            }
        }
        b->head = last->next;
        if (b->head == NULL) {
            b->tail = NULL;
        }
        last->next = NULL;
        atomic_fetch_sub(&st->n_queued, (unsigned long long)n);
        pthread_mutex_unlock(&b->mu);

        run_group(st, &b->w, first, n);

        wake(b, first);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    return NULL;
}

static lx_rc
sq_write(struct lx_store *st, lx_store_unit_fn *fn, void *arg, bool solo,
         struct lx_err *err)
{
    struct sq_store *b = st->be;
    struct sq_unit u = {.fn = fn, .arg = arg, .err = err, .solo = solo};
    lx_rc rc;

    if (b->writer_started && pthread_equal(pthread_self(), b->writer)) {
        /* a unit asking for a write would wait for itself */
        return lx_err_set(err, LX_EINTERNAL, NULL, "write inside a write");
    }
    sem_init(&u.done, 0, 0);
    pthread_mutex_lock(&b->mu);
    if (b->stopping) {
        pthread_mutex_unlock(&b->mu);
        sem_destroy(&u.done);
        return lx_err_set(err, LX_ESTORE, NULL, "store is closing");
    }
    if (b->tail != NULL) {
        b->tail->next = &u;
    } else {
        b->head = &u;
    }
    b->tail = &u;
    atomic_fetch_add(&b->inflight, 1);
    atomic_fetch_add(&st->n_queued, 1);
    pthread_cond_signal(&b->work_cv);
    pthread_mutex_unlock(&b->mu);
    while (sem_wait(&u.done) != 0 && errno == EINTR) {
        /* a signal interrupted the wait: keep waiting */
    }
    rc = u.rc;
    if (u.wake_next) {
        sem_post(&u.next->done);
    }
    sem_destroy(&u.done);
    if (atomic_fetch_sub(&b->inflight, 1) == 1) {
        /* Under mu, so close cannot miss it between its check and wait. */
        pthread_mutex_lock(&b->mu);
        if (b->stopping) {
            pthread_cond_broadcast(&b->idle_cv);
        }
        pthread_mutex_unlock(&b->mu);
    }
    return rc;
}

/* ---- readers ------------------------------------------------------------- */

static struct sq_conn *
reader_take(struct sq_store *b)
{
    struct sq_conn *c;

    pthread_mutex_lock(&b->rmu);
    while (b->nfree == 0) {
        pthread_cond_wait(&b->rcv, &b->rmu);
    }
    c = b->free_readers[--b->nfree];
    pthread_mutex_unlock(&b->rmu);
    return c;
}

static void
reader_give(struct sq_store *b, struct sq_conn *c)
{
    pthread_mutex_lock(&b->rmu);
    b->free_readers[b->nfree++] = c;
    pthread_cond_signal(&b->rcv);
    pthread_mutex_unlock(&b->rmu);
}

static lx_rc
sq_read(struct lx_store *st, lx_store_unit_fn *fn, void *arg,
        struct lx_err *err)
{
    struct sq_store *b = st->be;
    struct sq_conn *c = reader_take(b);
    sqlite3 *db = c->db;
    struct lx_store_tx tx;
    lx_rc rc;

    if (ctl(c, CTL_BEGIN) != SQLITE_OK) {
        rc = sq_err(db, sqlite3_extended_errcode(db), err);
        goto out;
    }
    store__tx_init(&tx, st, c);
    c->in_unit = true;
    rc = fn(&tx, arg, err);
    store__tx_end(&tx);
    c->in_unit = false;
    if (sqlite3_get_autocommit(db)) {
        if (rc == LX_OK) {
            rc = lx_err_set(err, LX_EINTERNAL, NULL,
                            "read ended its transaction");
        }
        goto out;
    }
    if (rc == LX_OK && ctl(c, CTL_COMMIT) != SQLITE_OK) {
        rc = sq_err(db, sqlite3_extended_errcode(db), err);
    }
    if (!sqlite3_get_autocommit(db)) {
        ctl(c, CTL_ROLLBACK);
    }
out:
    reader_give(b, c);
    return rc;
}

/* ---- open, close, check -------------------------------------------------- */

static void
sq_free(struct sq_store *b)
{
    for (int i = 0; i < b->nreaders; i++) {
        cache_clear(&b->readers[i]);
        sqlite3_close(b->readers[i].db);
    }
    cache_clear(&b->w);
    sqlite3_close(b->w.db); /* last: it checkpoints and removes the WAL */
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->work_cv);
    pthread_cond_destroy(&b->idle_cv);
    pthread_mutex_destroy(&b->rmu);
    pthread_cond_destroy(&b->rcv);
    free(b->readers);
    free(b->free_readers);
    free(b->heads);
    free(b);
}

/* SQLite counts its allocations under one process-wide mutex unless told
 * not to; nothing here reads the counts, and every sqlite3_malloc of every
 * connection took that lock (bench/audit). Must precede the first open. */
static void
sq_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static lx_rc
sq_open(struct lx_store *st, const char *path, const struct lx_store_opts *opts,
        struct lx_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    struct sq_store *b;
    lx_rc rc;

    pthread_once(&once, sq_configure);
    b = lx_xcalloc(1, sizeof(*b));

    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->work_cv, NULL);
    pthread_cond_init(&b->idle_cv, NULL);
    pthread_mutex_init(&b->rmu, NULL);
    pthread_cond_init(&b->rcv, NULL);
    b->group_max = opts->group_max;
    b->heads = lx_xcalloc((size_t)opts->group_max, sizeof(*b->heads));
    b->readers = lx_xcalloc((size_t)opts->readers, sizeof(*b->readers));
    b->free_readers =
        lx_xcalloc((size_t)opts->readers, sizeof(*b->free_readers));

    rc = open_conn(path, true, opts, &b->w, err);
    if (rc != LX_OK) {
        goto fail;
    }
    for (int i = 0; i < opts->readers; i++) {
        rc = open_conn(path, false, opts, &b->readers[i], err);
        if (rc != LX_OK) {
            goto fail;
        }
        b->nreaders++;
        b->free_readers[b->nfree++] = &b->readers[i];
    }
    st->be = b;
    if (pthread_create(&b->writer, NULL, writer_main, st) != 0) {
        rc = lx_err_set(err, LX_ESTORE, NULL, "cannot start writer thread");
        goto fail;
    }
    b->writer_started = true;
    return LX_OK;
fail:
    st->be = NULL;
    sq_free(b);
    return rc;
}

static void
sq_close(struct lx_store *st)
{
    struct sq_store *b = st->be;

    pthread_mutex_lock(&b->mu);
    b->stopping = true;
    pthread_cond_broadcast(&b->work_cv);
    pthread_mutex_unlock(&b->mu);
    if (b->writer_started) {
        pthread_join(b->writer, NULL);
    }
    /* The writer answered everyone; wait until they have left. */
    pthread_mutex_lock(&b->mu);
    while (atomic_load(&b->inflight) > 0) {
        pthread_cond_wait(&b->idle_cv, &b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    sq_free(b);
    st->be = NULL;
}

static lx_rc
check_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    (void)arg;
    rc = lx_store_prepare(tx, "PRAGMA integrity_check", &s, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK) {
        const char *t = row ? lx_store_col_text(s, 0, NULL) : NULL;
        if (t == NULL || strcmp(t, "ok") != 0) {
            rc = lx_err_set(err, LX_EINTEGRITY, NULL,
                            "database integrity check failed");
        }
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx, "PRAGMA foreign_key_check", &s, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
        if (rc == LX_OK && row) {
            rc = lx_err_set(err, LX_EINTEGRITY, NULL,
                            "database has foreign key violations");
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
sq_check(struct lx_store *st, struct lx_err *err)
{
    /* A damaged page may also fail the read itself: LX_ESTORE. */
    return sq_read(st, check_unit, NULL, err);
}

static lx_rc
sq_has_table(struct lx_store_tx *tx, const char *name, bool *out,
             struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    *out = false;
    rc = lx_store_prepare(tx,
                          "SELECT 1 FROM sqlite_master"
                          " WHERE type = 'table' AND name = :name",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_bind_text(s, "name", name, strlen(name));
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    *out = rc == LX_OK && row;
    lx_store_stmt_free(s);
    return rc;
}

/* ---- statements ---------------------------------------------------------- */

static bool
only_space(const char *p)
{
    for (; *p != '\0'; p++) {
        if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r' && *p != ';') {
            return false;
        }
    }
    return true;
}

static bool
sq_take_cached(struct lx_store_stmt *s, const char *sql)
{
    return cache_take(s->tx->conn, sql, s);
}

static lx_rc
sq_prepare(struct lx_store_stmt *s, const char *sql, struct lx_err *err)
{
    struct sq_conn *c = s->tx->conn;
    sqlite3 *db = c->db;
    sqlite3_stmt *h = NULL;
    const char *tail = NULL;
    int rc;
    lx_rc out = LX_OK;

    rc = sqlite3_prepare_v2(db, sql, -1, &h, &tail);
    if (rc != SQLITE_OK) {
        out = sq_err(db, rc, err);
        goto out;
    }
    if (h == NULL || (tail != NULL && !only_space(tail))) {
        out = lx_err_set(err, LX_EINTERNAL, NULL,
                         "prepare takes exactly one statement");
        goto out;
    }
    if (sqlite3_bind_parameter_count(h) != s->nparams) {
        out =
            lx_err_set(err, LX_EINTERNAL, NULL, "SQL parameters must be :name");
        goto out;
    }
    for (int i = 0; i < s->nparams; i++) {
        const char *n = sqlite3_bind_parameter_name(h, i + 1);
        if (n == NULL || n[0] != ':' || strcmp(n + 1, s->params[i]) != 0) {
            out = lx_err_set(err, LX_EINTERNAL, NULL,
                             "SQL parameters must be :name");
            goto out;
        }
    }
    s->handle = h;
    h = NULL;
out:
    sqlite3_finalize(h);
    return out;
}

static void
sq_finalize(struct lx_store_stmt *s)
{
    if (s->handle != NULL) {
        cache_put(s->tx->conn, s);
    }
    s->handle = NULL;
}

static lx_rc
bind_rc(struct lx_store_stmt *s, int rc)
{
    (void)s;
    if (rc == SQLITE_OK) {
        return LX_OK;
    }
    return rc == SQLITE_NOMEM || rc == SQLITE_TOOBIG ? LX_ETOOBIG
                                                     : LX_EINTERNAL;
}

static lx_rc
sq_bind_int(struct lx_store_stmt *s, int idx, int64_t v)
{
    return bind_rc(s, sqlite3_bind_int64(s->handle, idx, v));
}

static lx_rc
sq_bind_text(struct lx_store_stmt *s, int idx, const char *v, size_t n)
{
    return bind_rc(s, sqlite3_bind_text64(s->handle, idx, v ? v : "", n,
                                          SQLITE_TRANSIENT, SQLITE_UTF8));
}

static lx_rc
sq_bind_blob(struct lx_store_stmt *s, int idx, const void *v, size_t n)
{
    if (n == 0 || v == NULL) {
        return bind_rc(s, sqlite3_bind_zeroblob(s->handle, idx, 0));
    }
    return bind_rc(s,
                   sqlite3_bind_blob64(s->handle, idx, v, n, SQLITE_TRANSIENT));
}

static lx_rc
sq_bind_null(struct lx_store_stmt *s, int idx)
{
    return bind_rc(s, sqlite3_bind_null(s->handle, idx));
}

static lx_rc
sq_step(struct lx_store_stmt *s, bool *row, struct lx_err *err)
{
    int rc = sqlite3_step(s->handle);

    *row = false;
    if (rc == SQLITE_ROW) {
        *row = true;
        return LX_OK;
    }
    if (rc == SQLITE_DONE) {
        return LX_OK;
    }
    return sq_err(((struct sq_conn *)s->tx->conn)->db, rc, err);
}

static lx_rc
sq_reset(struct lx_store_stmt *s)
{
    /* sqlite3_reset repeats the last step's error; the step reported it. */
    sqlite3_reset(s->handle);
    return LX_OK;
}

static int64_t
sq_col_int(struct lx_store_stmt *s, int col)
{
    return sqlite3_column_int64(s->handle, col);
}

static const char *
sq_col_text(struct lx_store_stmt *s, int col, size_t *len)
{
    const char *p = (const char *)sqlite3_column_text(s->handle, col);
    size_t n = (size_t)sqlite3_column_bytes(s->handle, col);

    if (p == NULL) {
        n = 0;
        if (sqlite3_column_type(s->handle, col) != SQLITE_NULL) {
            p = "";
        }
    }
    if (len != NULL) {
        *len = n;
    }
    return p;
}

static const void *
sq_col_blob(struct lx_store_stmt *s, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(s->handle, col);
    size_t n = (size_t)sqlite3_column_bytes(s->handle, col);

    if (p == NULL) {
        n = 0;
        if (sqlite3_column_type(s->handle, col) != SQLITE_NULL) {
            p = "";
        }
    }
    if (len != NULL) {
        *len = n;
    }
    return p;
}

static bool
sq_col_is_null(struct lx_store_stmt *s, int col)
{
    return sqlite3_column_type(s->handle, col) == SQLITE_NULL;
}

static lx_rc
sq_exec(struct lx_store_tx *tx, const char *sql, struct lx_err *err)
{
    sqlite3 *db = ((struct sq_conn *)tx->conn)->db;
    const char *p = sql;

    while (*p != '\0') {
        sqlite3_stmt *h = NULL;
        const char *tail = NULL;
        int rc = sqlite3_prepare_v2(db, p, -1, &h, &tail);

        if (rc != SQLITE_OK) {
            return sq_err(db, rc, err);
        }
        if (h == NULL) { /* only blanks or comments left */
            break;
        }
        p = tail;
        if (sqlite3_bind_parameter_count(h) != 0) {
            sqlite3_finalize(h);
            return lx_err_set(err, LX_EINTERNAL, NULL,
                              "a script takes no parameters");
        }
        if (store__fault_stmt(tx->st)) {
            sqlite3_finalize(h);
            return lx_err_set(err, LX_ESTORE, NULL,
                              "injected fault (statement)");
        }
        do {
            rc = sqlite3_step(h);
        } while (rc == SQLITE_ROW);
        sqlite3_finalize(h);
        if (rc != SQLITE_DONE) {
            return sq_err(db, rc, err);
        }
    }
    return LX_OK;
}

static int64_t
sq_changes(struct lx_store_tx *tx)
{
    return sqlite3_changes64(((struct sq_conn *)tx->conn)->db);
}

static int64_t
sq_last_id(struct lx_store_tx *tx)
{
    return sqlite3_last_insert_rowid(((struct sq_conn *)tx->conn)->db);
}

const struct store__backend store__sqlite = {
    .scheme = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .write = sq_write,
    .read = sq_read,
    .check = sq_check,
    .has_table = sq_has_table,
    .prepare = sq_prepare,
    .take_cached = sq_take_cached,
    .finalize = sq_finalize,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_blob = sq_bind_blob,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_reset,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_blob = sq_col_blob,
    .col_is_null = sq_col_is_null,
    .exec = sq_exec,
    .changes = sq_changes,
    .last_id = sq_last_id,
    .ddl_words = sq_ddl_words,
    .skip_locked = "", /* one writer: a claim is serialised already */
};
