/*
 * test_store — the store against temporary SQLite databases: open and
 * migrate, named parameters, typed getters, group commit with per-unit
 * rollback, concurrency, reads beside a write, fault injection, durability
 * and close with writes pending.
 *
 * With LX_TEST_BACKEND=postgres and LX_TEST_PG_URL (CTest registers that
 * run against the throw-away cluster of scripts/pg-cluster), the same tests
 * run on PostgreSQL, each in a fresh schema; the few that are about
 * SQLite's own mechanics (its writer queue, WAL file, file paths) run on
 * SQLite only, and main() says which.
 */
#include "store/store.h"

#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

struct fx {
    char dir[64];
    char url[512];
    char schema[64];
    struct lx_store *st;
};

/* Set in main(): the PostgreSQL server URL when testing that backend. */
static const char *pg_url;

/* Run one script on the admin connection (schema create/drop). */
static lx_rc
exec_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err);

static int
pg_admin(const char *sql)
{
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    int rc = -1;

    if (lx_store_open(pg_url, NULL, &st, &err) == LX_OK &&
        lx_store_write(st, exec_unit, (void *)sql, &err) == LX_OK) {
        rc = 0;
    } else {
        fprintf(stderr, "pg_admin: %s\n", lx_err_message(&err));
    }
    lx_store_close(st);
    return rc;
}

static const struct lx_store_opts opts_default = {
    .readers = 2, .busy_timeout_ms = 5000, .group_max = 64};

/* ---- helpers ------------------------------------------------------------- */

static void
rm_db(const char *dir)
{
    static const char *const names[] = {"t.db", "t.db-wal", "t.db-shm"};
    char p[128];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
}

static lx_rc
exec_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_store_exec(tx, arg, err);
}

static void
reopen(struct fx *f)
{
    struct lx_err err = {0};

    lx_store_close(f->st);
    f->st = NULL;
    assert_int_equal(lx_store_open(f->url, &opts_default, &f->st, &err), LX_OK);
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct lx_err err = {0};

    snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/lx-store-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->url, sizeof(f->url), "sqlite:%s/t.db", f->dir);
    if (pg_url != NULL) {
        static int seq;
        char sql[128];

        snprintf(f->schema, sizeof(f->schema), "lx_t_%d_%d", (int)getpid(),
                 ++seq);
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
        if (pg_admin(sql) != 0) {
            return -1;
        }
        snprintf(f->url, sizeof(f->url), "%s%coptions=-csearch_path%%3D%s",
                 pg_url, strchr(pg_url, '?') ? '&' : '?', f->schema);
    }
    if (lx_store_open(f->url, &opts_default, &f->st, &err) != LX_OK ||
        lx_store_migrate(f->st, NULL, &err) != LX_OK ||
        lx_store_write(f->st, exec_unit,
                       pg_url != NULL
                           ? "CREATE TABLE t (id BIGINT PRIMARY KEY,"
                             " k TEXT UNIQUE, n BIGINT, b BYTEA, x TEXT,"
                             " tag BIGINT NOT NULL DEFAULT 0)"
                           : "CREATE TABLE t (id BIGINT PRIMARY KEY,"
                             " k TEXT UNIQUE, n BIGINT, b BLOB, x TEXT,"
                             " tag BIGINT NOT NULL DEFAULT 0)",
                       &err) != LX_OK) {
        fprintf(stderr, "setup: %s\n", lx_err_message(&err));
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;

    lx_store_close(f->st);
    rm_db(f->dir);
    rmdir(f->dir);
    if (f->schema[0] != '\0') {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schema);
        pg_admin(sql);
    }
    free(f);
    return 0;
}

/* Insert one row (id, k, tag). */
struct row {
    int64_t id;
    const char *k;
    int64_t tag;
};

static lx_rc
insert_row(struct lx_store_tx *tx, const struct row *r, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool more = false;
    lx_rc rc;

    rc = lx_store_prepare(
        tx, "INSERT INTO t (id, k, tag) VALUES (:id, :k, :tag)", &s, err);
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "id", r->id);
    }
    if (rc == LX_OK) {
        rc = r->k ? lx_store_bind_text(s, ":k", r->k, strlen(r->k))
                  : lx_store_bind_null(s, "k");
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "tag", r->tag);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &more, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
insert_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return insert_row(tx, arg, err);
}

struct count_req {
    const char *sql; /* SELECT COUNT(*) … with optional :tag */
    int64_t tag;
    int64_t n;
};

static lx_rc
count_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct count_req *q = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx, q->sql, &s, err);

    if (rc == LX_OK && strstr(q->sql, ":tag") != NULL) {
        rc = lx_store_bind_int(s, "tag", q->tag);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    q->n = rc == LX_OK && row ? lx_store_col_int(s, 0) : -1;
    lx_store_stmt_free(s);
    return rc;
}

static int64_t
count_tag(struct lx_store *st, int64_t tag)
{
    struct count_req q = {"SELECT COUNT(*) FROM t WHERE tag = :tag", tag, 0};
    struct lx_err err = {0};

    assert_int_equal(lx_store_read(st, count_unit, &q, &err), LX_OK);
    return q.n;
}

/* A gate a unit can wait on (bounded, so a bug fails instead of hanging). */
struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
    bool entered;
};

static void
gate_init(struct gate *g)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    g->open = false;
    g->entered = false;
}

static void
gate_destroy(struct gate *g)
{
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
}

static void
gate_set(struct gate *g, bool *flag)
{
    pthread_mutex_lock(&g->mu);
    *flag = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

/* Wait until *flag (at most 20 s); returns whether it was set. */
static bool
gate_wait(struct gate *g, bool *flag)
{
    struct timespec until;
    bool ok;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 20;
    pthread_mutex_lock(&g->mu);
    while (!*flag) {
        if (pthread_cond_timedwait(&g->cv, &g->mu, &until) == ETIMEDOUT) {
            break;
        }
    }
    ok = *flag;
    pthread_mutex_unlock(&g->mu);
    return ok;
}

/* A unit that inserts its row, then blocks until the gate opens. */
struct blocker {
    struct gate g;
    struct row r;
};

static lx_rc
blocking_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct blocker *b = arg;
    lx_rc rc = insert_row(tx, &b->r, err);

    gate_set(&b->g, &b->g.entered);
    if (!gate_wait(&b->g, &b->g.open)) {
        return lx_err_set(err, LX_EINTERNAL, NULL, "gate never opened");
    }
    return rc;
}

struct writer_arg {
    struct lx_store *st;
    lx_store_unit_fn *fn;
    void *arg;
    lx_rc rc;
    struct lx_err err;
};

static void *
writer_thread(void *p)
{
    struct writer_arg *w = p;

    w->rc = lx_store_write(w->st, w->fn, w->arg, &w->err);
    return NULL;
}

static void
wait_queued(struct lx_store *st, uint64_t n)
{
    struct lx_store_stats s;

    for (int i = 0; i < 20000; i++) {
        lx_store_stats(st, &s);
        if (s.queued >= n) {
            return;
        }
        usleep(1000);
    }
    fail_msg("units never queued");
}

/* ---- open and migrate ---------------------------------------------------- */

static void
test_open_bad_urls(void **state)
{
    static const struct {
        const char *url;
        lx_rc want;
    } cases[] = {
        {"", LX_EINVAL},         {"lexgate.db", LX_EINVAL},
        {"foo:x.db", LX_EINVAL}, {"mysql://localhost/x", LX_EINVAL},
        {"postgres://lexgate@127.0.0.1:1/x", LX_ESTORE},
        {"sqlite:", LX_EINVAL},  {"sqlite:/nonexistent-lx-dir/x.db", LX_ESTORE},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lx_store *st = (struct lx_store *)&cases;
        struct lx_err err = {0};
        lx_rc rc = lx_store_open(cases[i].url, &opts_default, &st, &err);

        assert_int_equal(rc, cases[i].want);
        assert_int_equal(err.rc, cases[i].want);
        assert_null(st);
    }
}

static void
test_open_must_exist(void **state)
{
    struct fx *f = *state;
    struct lx_store_opts o = opts_default;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    char url[160];

    o.must_exist = true;
    snprintf(url, sizeof(url), "sqlite:%s/absent.db", f->dir);
    assert_int_equal(lx_store_open(url, &o, &st, &err), LX_ESTORE);
    assert_int_equal(access(url + 7, F_OK), -1);
    /* the existing one opens */
    assert_int_equal(lx_store_open(f->url, &o, &st, &err), LX_OK);
    lx_store_close(st);
}

static lx_rc
meta_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    char *out = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t n = 0;
    lx_rc rc = lx_store_prepare(
        tx, "SELECT value FROM meta WHERE key = 'instance_id'", &s, err);

    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && row) {
        const char *v = lx_store_col_text(s, 0, &n);
        snprintf(out, 64, "%.*s", (int)n, v);
    }
    lx_store_stmt_free(s);
    return rc;
}

static void
test_migrate_idempotent(void **state)
{
    struct fx *f = *state;
    struct lx_err err = {0};
    char id1[64] = "", id2[64] = "";
    int applied = -1, cur = -1, latest = -1;

    /* setup migrated already */
    assert_int_equal(lx_store_migrate(f->st, &applied, &err), LX_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(lx_store_schema_version(f->st, &cur, &latest, &err),
                     LX_OK);
    assert_true(latest >= 1);
    assert_int_equal(cur, latest);
    assert_int_equal(lx_store_read(f->st, meta_unit, id1, &err), LX_OK);
    assert_int_equal(strlen(id1), 32);

    reopen(f);
    assert_int_equal(lx_store_migrate(f->st, &applied, &err), LX_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(lx_store_read(f->st, meta_unit, id2, &err), LX_OK);
    assert_string_equal(id1, id2);
    assert_int_equal(lx_store_check(f->st, &err), LX_OK);
    assert_int_equal(lx_store_ping(f->st, &err), LX_OK);
}

static void
test_migrate_fresh(void **state)
{
    struct fx *f = *state;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    char url[160];
    int applied = -1, cur = -1, latest = -1;

    snprintf(url, sizeof(url), "sqlite:%s/fresh.db", f->dir);
    assert_int_equal(lx_store_open(url, &opts_default, &st, &err), LX_OK);
    assert_int_equal(lx_store_schema_version(st, &cur, &latest, &err), LX_OK);
    assert_int_equal(cur, 0);
    assert_int_equal(lx_store_migrate(st, &applied, &err), LX_OK);
    assert_int_equal(applied, latest);
    assert_int_equal(lx_store_schema_version(st, &cur, NULL, &err), LX_OK);
    assert_int_equal(cur, latest);
    assert_int_equal(lx_store_migrate(st, &applied, &err), LX_OK);
    assert_int_equal(applied, 0);
    lx_store_close(st);
    unlink(url + 7);
}

/* ---- named parameters ---------------------------------------------------- */

struct sql_case {
    const char *sql;
    lx_rc prepare;    /* expected from lx_store_prepare */
    const char *bind; /* a name to bind (int 7), or NULL */
    lx_rc bind_rc;
    int64_t want; /* column 0 of the first row, when prepare is OK */
};

static lx_rc
sql_case_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    const struct sql_case *c = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx, c->sql, &s, err);

    assert_int_equal(rc, c->prepare);
    if (rc != LX_OK) {
        assert_null(s);
        return LX_OK;
    }
    if (c->bind != NULL) {
        assert_int_equal(lx_store_bind_int(s, c->bind, 7), c->bind_rc);
    }
    if (c->bind_rc == LX_OK) {
        assert_int_equal(lx_store_step(s, &row, err), LX_OK);
        assert_true(row);
        assert_int_equal(lx_store_col_int(s, 0), c->want);
    }
    return LX_OK; /* s is finalised when the unit ends */
}

static void
test_named_params(void **state)
{
    static const struct sql_case cases[] = {
        {"SELECT :a + 1", LX_OK, "a", LX_OK, 8},
        {"SELECT :a + 1", LX_OK, ":a", LX_OK, 8},
        {"SELECT :a + :a", LX_OK, "a", LX_OK, 14},
        {"SELECT :a + 1", LX_OK, "b", LX_EINTERNAL, 0},
        {"SELECT :a + 1", LX_OK, "", LX_EINTERNAL, 0},
        {"SELECT length(':x') + :y", LX_OK, "y", LX_OK, 9},
        {"SELECT :y /* :z */ -- :w\n + 0", LX_OK, "y", LX_OK, 7},
        {"SELECT ? + 1", LX_EINTERNAL, NULL, LX_OK, 0},
        {"SELECT @a + 1", LX_EINTERNAL, NULL, LX_OK, 0},
        {"SELECT $a + 1", LX_EINTERNAL, NULL, LX_OK, 0},
        {"SELECT ?1 + 1", LX_EINTERNAL, NULL, LX_OK, 0},
        {"SELECT 1; SELECT 2", LX_EINTERNAL, NULL, LX_OK, 0},
        {"SELEKT 1", LX_EINTERNAL, NULL, LX_OK, 0},
        {"SELECT * FROM no_such_table", LX_EINTERNAL, NULL, LX_OK, 0},
        {"", LX_EINTERNAL, NULL, LX_OK, 0},
    };
    struct fx *f = *state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lx_err err = {0};
        assert_int_equal(
            lx_store_read(f->st, sql_case_unit, (void *)&cases[i], &err),
            LX_OK);
    }
}

/* ---- typed getters ------------------------------------------------------- */

static const unsigned char blob_val[] = {0, 1, 2, 0, 0xff, 0x80, 0};
static const char utf8_val[] =
    "\xe5\x92\xa8\xe8\xaf\xa2 caf\xc3\xa9 \xf0\x9d\x84\x9e";

struct typed {
    int64_t id;
    int64_t n;
    bool n_null;
    const void *b;
    size_t blen;
    bool b_null;
    const char *x;
    bool x_null;
};

static lx_rc
typed_put(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    /* Runs on the writer thread: report, never assert, from here. */
    const struct typed *v = arg;
    struct lx_store_stmt *s = NULL;
    bool row;
    lx_rc rc = lx_store_prepare(
        tx, "INSERT INTO t (id, n, b, x) VALUES (:id, :n, :b, :x)", &s, err);

    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "id", v->id);
    }
    if (rc == LX_OK) {
        rc = v->n_null ? lx_store_bind_null(s, "n")
                       : lx_store_bind_int(s, "n", v->n);
    }
    if (rc == LX_OK) {
        rc = v->b_null ? lx_store_bind_null(s, "b")
                       : lx_store_bind_blob(s, "b", v->b, v->blen);
    }
    if (rc == LX_OK) {
        rc = v->x_null ? lx_store_bind_null(s, "x")
                       : lx_store_bind_text(s, "x", v->x, strlen(v->x));
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    /* last_id is SQLite's rowid; portable code uses RETURNING. */
    if (rc == LX_OK &&
        (lx_store_changes(tx) != 1 ||
         (pg_url == NULL && lx_store_last_id(tx) != v->id))) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "changes or last id wrong");
    }
    return rc;
}

static lx_rc
typed_check(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    const struct typed *v = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t n = 99;
    const void *p;

    assert_int_equal(
        lx_store_prepare(tx, "SELECT n, b, x FROM t WHERE id = :id", &s, err),
        LX_OK);
    assert_int_equal(lx_store_bind_int(s, "id", v->id), LX_OK);
    assert_int_equal(lx_store_step(s, &row, err), LX_OK);
    assert_true(row);

    assert_int_equal(lx_store_col_is_null(s, 0), v->n_null);
    assert_int_equal(lx_store_col_int(s, 0), v->n_null ? 0 : v->n);

    assert_int_equal(lx_store_col_is_null(s, 1), v->b_null);
    p = lx_store_col_blob(s, 1, &n);
    if (v->b_null) {
        assert_null(p);
        assert_int_equal(n, 0);
    } else {
        assert_non_null(p);
        assert_int_equal(n, v->blen);
        assert_memory_equal(p, v->b, v->blen);
    }

    assert_int_equal(lx_store_col_is_null(s, 2), v->x_null);
    p = lx_store_col_text(s, 2, &n);
    if (v->x_null) {
        assert_null(p);
        assert_int_equal(n, 0);
    } else {
        assert_non_null(p);
        assert_int_equal(n, strlen(v->x));
        assert_string_equal(p, v->x);
    }
    assert_int_equal(lx_store_step(s, &row, err), LX_OK);
    assert_false(row);
    /* run again after reset: same answer */
    assert_int_equal(lx_store_reset(s), LX_OK);
    assert_int_equal(lx_store_step(s, &row, err), LX_OK);
    assert_true(row);
    return LX_OK;
}

static void
test_typed_getters(void **state)
{
    const struct typed cases[] = {
        {1, INT64_MAX, false, blob_val, sizeof(blob_val), false, utf8_val,
         false},
        {2, INT64_MIN, false, "", 0, false, "", false},
        {3, 0, true, NULL, 0, true, NULL, true},
        {4, -1, false, blob_val, 1, false, "a'b\"c;--", false},
        {5, 4294967296LL, false, NULL, 0, true, utf8_val, false},
    };
    struct fx *f = *state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lx_err err = {0};
        assert_int_equal(
            lx_store_write(f->st, typed_put, (void *)&cases[i], &err), LX_OK);
    }
    reopen(f);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lx_err err = {0};
        assert_int_equal(
            lx_store_read(f->st, typed_check, (void *)&cases[i], &err), LX_OK);
    }
}

/* Two blob columns of one row: both pointers stay valid until the next
 * step (a backend that decodes into one shared buffer fails this). */
static lx_rc
two_blobs_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    const void *a, *b;
    size_t na = 0, nb = 0;
    bool row = false;
    lx_rc rc;

    (void)arg;
    rc = lx_store_prepare(tx,
                          "SELECT x.b, y.b FROM t x, t y"
                          " WHERE x.id = 1 AND y.id = 2",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc != LX_OK || !row) {
        return rc != LX_OK ? rc : LX_ENOTFOUND;
    }
    a = lx_store_col_blob(s, 0, &na);
    b = lx_store_col_blob(s, 1, &nb);
    if (na != sizeof(blob_val) || nb != 1 ||
        memcmp(a, blob_val, sizeof(blob_val)) != 0 ||
        memcmp(b, blob_val, 1) != 0) {
        return lx_err_set(err, LX_EINTEGRITY, NULL, "blob pointers clobbered");
    }
    return LX_OK;
}

static void
test_two_blob_columns(void **state)
{
    const struct typed rows[] = {
        {1, 0, false, blob_val, sizeof(blob_val), false, "a", false},
        {2, 0, false, blob_val, 1, false, "b", false},
    };
    struct fx *f = *state;
    struct lx_err err = {0};

    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(lx_store_write(f->st, typed_put, (void *)&rows[i], &err),
                         LX_OK);
    }
    assert_int_equal(lx_store_read(f->st, two_blobs_unit, NULL, &err), LX_OK);
}

/* ---- errors -------------------------------------------------------------- */

static lx_rc
misuse_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_store_exec(tx, arg, err);
}

static void
test_error_mapping(void **state)
{
    static const struct {
        const char *sql;
        lx_rc want;
    } cases[] = {
        {"INSERT INTO t (id, k) VALUES (100, 'dup')", LX_ECONFLICT},
        {"INSERT INTO t (id, k) VALUES (1, 'other')", LX_ECONFLICT},
        {"INSERT INTO t (id, k, tag) VALUES (101, 'z', NULL)", LX_ECONFLICT},
        {"COMMIT", LX_EINTERNAL},
        {"ROLLBACK", LX_EINTERNAL},
        {"SAVEPOINT x", LX_EINTERNAL},
        {"BEGIN", LX_EINTERNAL},
        {"INSERT INTO nope VALUES (1)", LX_EINTERNAL},
    };
    struct fx *f = *state;
    struct lx_err err = {0};
    struct row r1 = {1, "dup", 0};

    assert_int_equal(lx_store_write(f->st, insert_unit, &r1, &err), LX_OK);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lx_err_clear(&err);
        assert_int_equal(
            lx_store_write(f->st, misuse_unit, (void *)cases[i].sql, &err),
            cases[i].want);
        assert_int_equal(err.rc, cases[i].want);
        /* the detail never repeats the data of the statement */
        assert_null(strstr(err.detail, "dup"));
        assert_null(strstr(err.detail, "other"));
    }
    /* a write inside a read is refused */
    assert_int_not_equal(lx_store_read(f->st, misuse_unit,
                                       "INSERT INTO t (id, k) VALUES (9, 'r')",
                                       &err),
                         LX_OK);
    /* the store still works, and only the first row is there */
    {
        struct count_req q = {"SELECT COUNT(*) FROM t", 0, 0};
        assert_int_equal(lx_store_read(f->st, count_unit, &q, &err), LX_OK);
        assert_int_equal(q.n, 1);
    }
}

static lx_rc
nested_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct row r = {42, NULL, 18};
    lx_rc rc;

    (void)tx;
    rc = lx_store_write(arg, insert_unit, &r, err);
    return rc == LX_EINTERNAL ? LX_OK : LX_EIO;
}

static void
test_nested_write_refused(void **state)
{
    struct fx *f = *state;
    struct lx_err err = {0};

    assert_int_equal(lx_store_write(f->st, nested_unit, f->st, &err), LX_OK);
    assert_int_equal(count_tag(f->st, 18), 0);
}

/* ---- group commit: a failing unit rolls back alone ----------------------- */

struct maybe {
    struct row r;
    lx_rc fail_with; /* returned after the insert; LX_OK = succeed */
};

static lx_rc
maybe_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct maybe *m = arg;
    lx_rc rc = insert_row(tx, &m->r, err);

    if (rc == LX_OK && m->fail_with != LX_OK) {
        return lx_err_set(err, m->fail_with, NULL, "unit refuses");
    }
    return rc;
}

static void
test_group_rollback_alone(void **state)
{
    enum { K = 12 };
    struct fx *f = *state;
    struct blocker blk = {.r = {1000, "blk", 7}};
    struct writer_arg head = {.st = f->st, .fn = blocking_unit, .arg = &blk};
    struct writer_arg w[K];
    struct maybe m[K];
    struct lx_store_stats before, after;
    pthread_t th_head, th[K];

    gate_init(&blk.g);
    assert_int_equal(pthread_create(&th_head, NULL, writer_thread, &head), 0);
    assert_true(gate_wait(&blk.g, &blk.g.entered));
    lx_store_stats(f->st, &before);
    for (int i = 0; i < K; i++) {
        /* every third unit fails by itself; unit 4 hits a UNIQUE key */
        m[i].r.id = 2000 + i;
        m[i].r.k = i == 4 ? "blk" : NULL;
        m[i].r.tag = 8;
        m[i].fail_with = i % 3 == 2 ? LX_EINVAL : LX_OK;
        w[i] = (struct writer_arg){.st = f->st, .fn = maybe_unit, .arg = &m[i]};
        assert_int_equal(pthread_create(&th[i], NULL, writer_thread, &w[i]), 0);
    }
    wait_queued(f->st, K);
    gate_set(&blk.g, &blk.g.open);
    pthread_join(th_head, NULL);
    assert_int_equal(head.rc, LX_OK);
    for (int i = 0; i < K; i++) {
        pthread_join(th[i], NULL);
    }
    lx_store_stats(f->st, &after);
    /* the K units queued while the head ran joined its group: one
     * commit for all, and still each failing unit rolled back alone */
    assert_int_equal(after.commits - before.commits, 1);
    for (int i = 0; i < K; i++) {
        struct count_req q = {"SELECT COUNT(*) FROM t WHERE id = :tag",
                              m[i].r.id, 0};
        struct lx_err err = {0};
        lx_rc want = i == 4 ? LX_ECONFLICT : m[i].fail_with;

        assert_int_equal(w[i].rc, want);
        assert_int_equal(w[i].err.rc, want);
        assert_int_equal(lx_store_read(f->st, count_unit, &q, &err), LX_OK);
        assert_int_equal(q.n, want == LX_OK ? 1 : 0);
    }
    assert_int_equal(count_tag(f->st, 7), 1);
    gate_destroy(&blk.g);
}

/* ---- concurrency --------------------------------------------------------- */

enum { CONC_THREADS = 8, CONC_WRITES = 500 };

struct conc_arg {
    struct lx_store *st;
    int t;
    int failures;
};

static void *
conc_thread(void *p)
{
    struct conc_arg *a = p;

    for (int i = 0; i < CONC_WRITES; i++) {
        struct row r = {100000 + a->t * CONC_WRITES + i, NULL, 9};
        struct lx_err err = {0};
        if (lx_store_write(a->st, insert_unit, &r, &err) != LX_OK) {
            a->failures++;
        }
    }
    return NULL;
}

static void
test_concurrent_writes_group(void **state)
{
    struct fx *f = *state;
    struct conc_arg a[CONC_THREADS];
    pthread_t th[CONC_THREADS];
    struct lx_store_stats before, after;

    lx_store_stats(f->st, &before);
    for (int t = 0; t < CONC_THREADS; t++) {
        a[t] = (struct conc_arg){.st = f->st, .t = t};
        assert_int_equal(pthread_create(&th[t], NULL, conc_thread, &a[t]), 0);
    }
    for (int t = 0; t < CONC_THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(a[t].failures, 0);
    }
    lx_store_stats(f->st, &after);
    assert_int_equal(after.units - before.units, CONC_THREADS * CONC_WRITES);
    if (pg_url == NULL) {
        /* groups really formed: fewer commits than units */
        assert_true(after.commits - before.commits <
                    (uint64_t)CONC_THREADS * CONC_WRITES);
    } else {
        /* PostgreSQL: one transaction per unit; the server groups WAL
         * flushes of concurrent commits itself */
        assert_int_equal(after.commits - before.commits,
                         CONC_THREADS * CONC_WRITES);
    }
    assert_int_equal(after.queued, 0);
    reopen(f);
    assert_int_equal(count_tag(f->st, 9), CONC_THREADS * CONC_WRITES);
}

/* ---- reads beside a write ------------------------------------------------ */

static void
test_read_during_write(void **state)
{
    struct fx *f = *state;
    struct blocker blk = {.r = {3000, "pending", 11}};
    struct writer_arg w = {.st = f->st, .fn = blocking_unit, .arg = &blk};
    pthread_t th;

    gate_init(&blk.g);
    assert_int_equal(pthread_create(&th, NULL, writer_thread, &w), 0);
    assert_true(gate_wait(&blk.g, &blk.g.entered));
    /* The write is in progress (its row inserted, not committed): reads
     * finish without waiting and do not see it. */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(count_tag(f->st, 11), 0);
        assert_int_equal(lx_store_ping(f->st, NULL), LX_OK);
    }
    gate_set(&blk.g, &blk.g.open);
    pthread_join(th, NULL);
    assert_int_equal(w.rc, LX_OK);
    assert_int_equal(count_tag(f->st, 11), 1);
    gate_destroy(&blk.g);
}

/* ---- fault injection ----------------------------------------------------- */

/* Four statements: three inserts and an update, all tagged 'tag'. */
static lx_rc
multi_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    const int64_t *tag = arg;
    struct lx_store_stmt *s = NULL;
    bool row;
    lx_rc rc = LX_OK;

    for (int i = 0; i < 3 && rc == LX_OK; i++) {
        struct row r = {*tag * 10 + i, NULL, *tag};
        rc = insert_row(tx, &r, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx, "UPDATE t SET n = 1 WHERE tag = :tag", &s,
                              err);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "tag", *tag);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    return rc;
}

static void
test_fault_stmt_walk(void **state)
{
    struct fx *f = *state;
    int fired = 0;

    for (int n = 1; n <= 6; n++) {
        int64_t tag = 500 + n;
        struct lx_err err = {0};
        char spec[32];
        lx_rc rc;

        snprintf(spec, sizeof(spec), "stmt:%d", n);
        assert_int_equal(lx_store_fault_set(f->st, spec), LX_OK);
        rc = lx_store_write(f->st, multi_unit, &tag, &err);
        assert_int_equal(lx_store_fault_set(f->st, NULL), LX_OK);
        if (n <= 4) {
            assert_int_equal(rc, LX_ESTORE);
            assert_int_equal(count_tag(f->st, tag), 0);
            fired++;
        } else {
            assert_int_equal(rc, LX_OK);
            assert_int_equal(count_tag(f->st, tag), 3);
        }
    }
    assert_int_equal(fired, 4);
}

static void
test_fault_migrate_walk(void **state)
{
    struct fx *f = *state;
    char url[160];
    int n, latest = 0;

    snprintf(url, sizeof(url), "sqlite:%s/walk.db", f->dir);
    for (n = 1; n < 100; n++) {
        struct lx_store *st = NULL;
        struct lx_err err = {0};
        char spec[32];
        int cur = -1, applied = -1;
        lx_rc rc;

        unlink(url + 7);
        assert_int_equal(lx_store_open(url, &opts_default, &st, &err), LX_OK);
        snprintf(spec, sizeof(spec), "stmt:%d", n);
        assert_int_equal(lx_store_fault_set(st, spec), LX_OK);
        rc = lx_store_migrate(st, &applied, &err);
        assert_int_equal(lx_store_fault_set(st, NULL), LX_OK);
        assert_int_equal(lx_store_schema_version(st, &cur, &latest, &err),
                         LX_OK);
        if (rc == LX_OK) {
            assert_int_equal(cur, latest);
            lx_store_close(st);
            break;
        }
        assert_int_equal(rc, LX_ESTORE);
        /* all or nothing: a failed migration left no trace of itself */
        assert_int_equal(applied, cur);
        assert_int_equal(lx_store_migrate(st, &applied, &err), LX_OK);
        assert_int_equal(lx_store_check(st, &err), LX_OK);
        lx_store_close(st);
    }
    assert_true(n > 3); /* the walk really hit statements */
    unlink(url + 7);
}

static void
test_fault_commit(void **state)
{
    struct fx *f = *state;
    struct lx_store_stats before, after;
    struct lx_err err = {0};
    struct row r1 = {4001, NULL, 12}, r2 = {4002, NULL, 12};

    assert_int_equal(lx_store_fault_set(f->st, "commit"), LX_OK);
    lx_store_stats(f->st, &before);
    assert_int_equal(lx_store_write(f->st, insert_unit, &r1, &err), LX_ESTORE);
    lx_store_stats(f->st, &after);
    assert_int_equal(after.commits, before.commits);
    assert_int_equal(after.units_failed - before.units_failed, 1);
    assert_int_equal(count_tag(f->st, 12), 0);
    /* the fault fired once; the store works again */
    assert_int_equal(lx_store_write(f->st, insert_unit, &r1, &err), LX_OK);
    assert_int_equal(lx_store_write(f->st, insert_unit, &r2, &err), LX_OK);
    reopen(f);
    assert_int_equal(count_tag(f->st, 12), 2);
}

static void
test_fault_commit_group(void **state)
{
    enum { K = 6 };
    struct fx *f = *state;
    struct blocker blk = {.r = {5000, NULL, 13}};
    struct writer_arg head = {.st = f->st, .fn = blocking_unit, .arg = &blk};
    struct writer_arg w[K];
    struct row r[K];
    pthread_t th_head, th[K];

    gate_init(&blk.g);
    assert_int_equal(pthread_create(&th_head, NULL, writer_thread, &head), 0);
    assert_true(gate_wait(&blk.g, &blk.g.entered));
    for (int i = 0; i < K; i++) {
        r[i] = (struct row){5001 + i, NULL, 14};
        w[i] =
            (struct writer_arg){.st = f->st, .fn = insert_unit, .arg = &r[i]};
        assert_int_equal(pthread_create(&th[i], NULL, writer_thread, &w[i]), 0);
    }
    wait_queued(f->st, K);
    assert_int_equal(lx_store_fault_set(f->st, "commit"), LX_OK);
    gate_set(&blk.g, &blk.g.open);
    pthread_join(th_head, NULL);
    for (int i = 0; i < K; i++) {
        pthread_join(th[i], NULL);
    }
    /* the K units queued while the blocker ran joined its group, so the
     * failed commit fails every one of them: none is kept, each is told */
    assert_int_equal(head.rc, LX_ESTORE);
    assert_int_equal(count_tag(f->st, 13), 0);
    for (int i = 0; i < K; i++) {
        assert_int_equal(w[i].rc, LX_ESTORE);
    }
    assert_int_equal(count_tag(f->st, 14), 0);
    /* the fault fired once: the same units go through now */
    for (int i = 0; i < K; i++) {
        struct lx_err err = {0};

        assert_int_equal(lx_store_write(f->st, insert_unit, &r[i], &err),
                         LX_OK);
    }
    assert_int_equal(count_tag(f->st, 14), K);
    gate_destroy(&blk.g);
}

static void
test_fault_env_and_specs(void **state)
{
    static const char *const bad[] = {"stmt:",   "stmt:0", "stmt:-1", "stmt:1x",
                                      "commits", "",       "stmt"};
    struct fx *f = *state;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct row r = {6001, NULL, 15};

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(lx_store_fault_set(f->st, bad[i]), LX_EINVAL);
    }
    lx_store_close(f->st);
    f->st = NULL;
    setenv("LX_STORE_FAULT", "bogus", 1);
    assert_int_equal(lx_store_open(f->url, &opts_default, &st, &err),
                     LX_EINVAL);
    setenv("LX_STORE_FAULT", "stmt:1", 1);
    assert_int_equal(lx_store_open(f->url, &opts_default, &f->st, &err), LX_OK);
    unsetenv("LX_STORE_FAULT");
    assert_int_equal(lx_store_write(f->st, insert_unit, &r, &err), LX_ESTORE);
    assert_int_equal(lx_store_write(f->st, insert_unit, &r, &err), LX_OK);
    assert_int_equal(count_tag(f->st, 15), 1);
}

/* ---- durability and close ------------------------------------------------ */

static void
test_close_with_pending_writes(void **state)
{
    enum { K = 10 };
    struct fx *f = *state;
    struct blocker blk = {.r = {7000, NULL, 16}};
    struct writer_arg head = {.st = f->st, .fn = blocking_unit, .arg = &blk};
    struct writer_arg w[K];
    struct row r[K];
    pthread_t th_head, th[K];
    struct lx_err err = {0};

    gate_init(&blk.g);
    assert_int_equal(pthread_create(&th_head, NULL, writer_thread, &head), 0);
    assert_true(gate_wait(&blk.g, &blk.g.entered));
    for (int i = 0; i < K; i++) {
        r[i] = (struct row){7001 + i, NULL, 16};
        w[i] =
            (struct writer_arg){.st = f->st, .fn = insert_unit, .arg = &r[i]};
        assert_int_equal(pthread_create(&th[i], NULL, writer_thread, &w[i]), 0);
    }
    wait_queued(f->st, K);
    /* open the gate a little later, while close is already waiting */
    gate_set(&blk.g, &blk.g.open);
    lx_store_close(f->st);
    f->st = NULL;
    pthread_join(th_head, NULL);
    assert_int_equal(head.rc, LX_OK);
    for (int i = 0; i < K; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].rc, LX_OK);
    }
    assert_int_equal(lx_store_open(f->url, &opts_default, &f->st, &err), LX_OK);
    assert_int_equal(count_tag(f->st, 16), K + 1);
    gate_destroy(&blk.g);
}

static void
test_durable_reopen(void **state)
{
    struct fx *f = *state;
    struct lx_err err = {0};

    for (int i = 0; i < 50; i++) {
        struct row r = {8000 + i, NULL, 17};
        assert_int_equal(lx_store_write(f->st, insert_unit, &r, &err), LX_OK);
    }
    lx_store_close(f->st);
    f->st = NULL;
    /* closing checkpoints the WAL: the main file holds everything */
    if (pg_url == NULL) {
        char wal[160];
        snprintf(wal, sizeof(wal), "%s/t.db-wal", f->dir);
        assert_int_equal(access(wal, F_OK), -1);
    }
    assert_int_equal(lx_store_open(f->url, &opts_default, &f->st, &err), LX_OK);
    assert_int_equal(count_tag(f->st, 17), 50);
    assert_int_equal(lx_store_check(f->st, &err), LX_OK);
}

/* ---- gathered WAL writes (sqlite_wal.c) ---------------------------------- */

enum { BIG_ROWS = 600, BIG_BYTES = 8192 }; /* ~4.9 MB: over the page cache
                                              and the 1 MiB WAL buffer */

/* Row i's blob, pass p: bytes nobody could mistake for another row's. */
static void
big_fill(unsigned char *b, int i, int pass)
{
    uint32_t x = (uint32_t)(i * 2654435761u) ^ (uint32_t)(pass * 40503u + 1);

    for (int k = 0; k < BIG_BYTES; k++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[k] = (unsigned char)x;
    }
}

/* One unit: insert every row, then overwrite every row (pages the cache
 * already spilled to the WAL are written again inside the transaction). */
static lx_rc
big_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    static const char *const sql[2] = {
        "INSERT INTO walbig (id, b) VALUES (:id, :b)",
        "UPDATE walbig SET b = :b WHERE id = :id"};
    unsigned char *b = malloc(BIG_BYTES);
    lx_rc rc;

    (void)arg;
    rc = lx_store_exec(tx, "CREATE TABLE walbig (id INTEGER PRIMARY KEY, b BLOB)",
                       err);
    for (int pass = 0; pass < 2 && rc == LX_OK; pass++) {
        for (int i = 0; i < BIG_ROWS && rc == LX_OK; i++) {
            struct lx_store_stmt *s = NULL;
            bool row = false;

            big_fill(b, i, pass);
            rc = lx_store_prepare(tx, sql[pass], &s, err);
            if (rc == LX_OK) {
                rc = lx_store_bind_int(s, "id", i);
            }
            if (rc == LX_OK) {
                rc = lx_store_bind_blob(s, "b", b, BIG_BYTES);
            }
            if (rc == LX_OK) {
                rc = lx_store_step(s, &row, err);
            }
            lx_store_stmt_free(s);
        }
    }
    free(b);
    return rc;
}

/* Count the rows whose blob is exactly the second pass's. */
static lx_rc
big_check_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    int *good = arg;
    unsigned char *want = malloc(BIG_BYTES);
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx, "SELECT id, b FROM walbig ORDER BY id",
                                &s, err);

    *good = 0;
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        size_t n = 0;
        const void *got = lx_store_col_blob(s, 1, &n);

        big_fill(want, (int)lx_store_col_int(s, 0), 1);
        if (got != NULL && n == BIG_BYTES && memcmp(got, want, n) == 0) {
            (*good)++;
        }
    }
    lx_store_stmt_free(s);
    free(want);
    return rc;
}

static void
test_wal_large_unit(void **state)
{
    struct fx *f = *state;
    struct lx_err err = {0};
    int good = 0;

    assert_int_equal(lx_store_write(f->st, big_unit, NULL, &err), LX_OK);
    /* a reader connection reads the WAL through its own file */
    assert_int_equal(lx_store_read(f->st, big_check_unit, &good, &err), LX_OK);
    assert_int_equal(good, BIG_ROWS);
    reopen(f);
    assert_int_equal(lx_store_read(f->st, big_check_unit, &good, &err), LX_OK);
    assert_int_equal(good, BIG_ROWS);
    assert_int_equal(lx_store_check(f->st, &err), LX_OK);
}

/* A process killed right after its writes returned loses none of them:
 * every commit reached the WAL file before lx_store_write() returned. */
static void
test_wal_killed_after_commit(void **state)
{
    enum { N = 40 };
    struct fx *f = *state;
    struct lx_err err = {0};
    int status = 0;
    pid_t pid;

    lx_store_close(f->st);
    f->st = NULL;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct lx_store *st = NULL;
        struct lx_err e = {0};

        if (lx_store_open(f->url, &opts_default, &st, &e) != LX_OK) {
            _exit(2);
        }
        for (int i = 0; i < N; i++) {
            struct row r = {9000 + i, NULL, 18};
            if (lx_store_write(st, insert_unit, &r, &e) != LX_OK) {
                _exit(3);
            }
        }
        raise(SIGKILL); /* no close, no checkpoint, no flush at exit */
        _exit(4);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    assert_int_equal(lx_store_open(f->url, &opts_default, &f->st, &err), LX_OK);
    assert_int_equal(count_tag(f->st, 18), N);
    assert_int_equal(lx_store_check(f->st, &err), LX_OK);
}

int
main(void)
{
    /* Tests of both backends, then those about SQLite's own mechanics. */
    const struct CMUnitTest common[] = {
        cmocka_unit_test(test_open_bad_urls),
        cmocka_unit_test_setup_teardown(test_migrate_idempotent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_named_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_getters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_blob_columns, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_error_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nested_write_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writes_group, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_read_during_write, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_stmt_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_env_and_specs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_durable_reopen, setup, teardown),
    };
    const struct CMUnitTest sqlite_only[] = {
        cmocka_unit_test_setup_teardown(test_open_must_exist, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_fresh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_rollback_alone, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_migrate_walk, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_commit_group, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_wal_large_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_killed_after_commit, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_close_with_pending_writes, setup,
                                        teardown),
    };
    const char *backend = getenv("LX_TEST_BACKEND");
    int failed;

    if (backend != NULL && strcmp(backend, "postgres") == 0) {
        pg_url = getenv("LX_TEST_PG_URL");
        if (pg_url == NULL || pg_url[0] == '\0') {
            fprintf(stderr, "LX_TEST_PG_URL is not set\n");
            return 1;
        }
        return cmocka_run_group_tests_name("store/postgres", common, NULL,
                                           NULL);
    }
    failed = cmocka_run_group_tests_name("store/sqlite", common, NULL, NULL);
    failed += cmocka_run_group_tests_name("store/sqlite-only", sqlite_only,
                                          NULL, NULL);
    return failed;
}
