/*
 * bench/store — durable commits per second: one unit per commit against
 * group commit, on the same schema and row. Prints JSON lines.
 *
 *   make bench-store            (or: BUILD/bench_store [units] [threads])
 *
 * "single": one thread writes units one after another through
 * lx_store_write(); each waits for its own COMMIT (synchronous=FULL), so
 * this is the fsync-bound rate. "grouped": 'threads' threads (64) each
 * write single-row units through lx_store_write() at once; the writer
 * commits them in groups. The last line gives grouped/single.
 *
 * Backends are rows of the table below; the SQLite database lives in a
 * fresh directory under $TMPDIR (default /tmp) that is removed afterwards.
 * PostgreSQL runs when LX_BENCH_PG_URL names a server (bench/store.sh
 * starts a throw-away cluster with fsync on and sets it), with a pool as
 * large as the thread count so both backends get the same 64 writers. The
 * last line compares the backends' grouped rates.
 */
#include "base/err.h"
#include "base/time.h"
#include "store/store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct bench_backend {
    const char *name;
    /* Fill 'url' for a database inside 'dir'; false to skip. */
    bool (*url)(const char *dir, char *url, size_t n);
};

static bool
sqlite_url(const char *dir, char *url, size_t n)
{
    snprintf(url, n, "sqlite:%s/bench.db", dir);
    return true;
}

static bool
postgres_url(const char *dir, char *url, size_t n)
{
    const char *u = getenv("LX_BENCH_PG_URL");

    (void)dir;
    if (u == NULL || u[0] == '\0') {
        fprintf(stderr, "bench: LX_BENCH_PG_URL unset, PostgreSQL skipped\n");
        return false;
    }
    snprintf(url, n, "%s", u);
    return true;
}

static const struct bench_backend backends[] = {
    {"sqlite", sqlite_url},
    {"postgres", postgres_url},
};

static const char payload[] = "lexgate-bench-row-0123456789abcdefghijklmnop"
                              "qrstuvwxyz-0123456789";

struct row_arg {
    int64_t id;
};

static lx_rc
insert_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    const struct row_arg *r = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx,
                                "INSERT INTO bench (id, v, at_ms)"
                                " VALUES (:id, :v, :at)",
                                &s, err);

    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "id", r->id);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_text(s, "v", payload, sizeof(payload) - 1);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "at", lx_time_now_ms());
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
schema_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    (void)arg;
    return lx_store_exec(tx,
                         "CREATE TABLE bench (id BIGINT PRIMARY KEY,"
                         " v TEXT NOT NULL, at_ms BIGINT NOT NULL)",
                         err);
}

struct worker {
    struct lx_store *st;
    int64_t first_id;
    int count;
    int failures;
};

static void *
worker_main(void *p)
{
    struct worker *w = p;

    for (int i = 0; i < w->count; i++) {
        struct row_arg r = {w->first_id + i};
        struct lx_err err = {0};
        if (lx_store_write(w->st, insert_unit, &r, &err) != LX_OK) {
            w->failures++;
        }
    }
    return NULL;
}

/* Run 'threads' workers of 'per' units each; returns units per second. */
static double
run(const char *backend, const char *mode, struct lx_store *st,
    int64_t first_id, int threads, int per)
{
    struct worker *w = calloc((size_t)threads, sizeof(*w));
    pthread_t *th = calloc((size_t)threads, sizeof(*th));
    struct lx_store_stats a, b;
    int64_t t0, t1;
    int failures = 0;
    double secs, rate;

    lx_store_stats(st, &a);
    t0 = lx_time_mono_ms();
    for (int i = 0; i < threads; i++) {
        w[i] = (struct worker){st, first_id + (int64_t)i * per, per, 0};
        if (pthread_create(&th[i], NULL, worker_main, &w[i]) != 0) {
            fprintf(stderr, "bench: cannot start thread\n");
            exit(1);
        }
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        failures += w[i].failures;
    }
    t1 = lx_time_mono_ms();
    lx_store_stats(st, &b);
    secs = (double)(t1 - t0) / 1000.0;
    if (secs <= 0) {
        secs = 0.001;
    }
    rate = (double)(b.units - a.units) / secs;
    printf("{\"bench\":\"store\",\"backend\":\"%s\",\"mode\":\"%s\","
           "\"threads\":%d,\"units\":%llu,\"commits\":%llu,"
           "\"failures\":%d,\"seconds\":%.3f,\"units_per_s\":%.1f,"
           "\"commits_per_s\":%.1f,\"units_per_commit\":%.2f}\n",
           backend, mode, threads, (unsigned long long)(b.units - a.units),
           (unsigned long long)(b.commits - a.commits), failures, secs, rate,
           (double)(b.commits - a.commits) / secs,
           b.commits > a.commits
               ? (double)(b.units - a.units) / (double)(b.commits - a.commits)
               : 0.0);
    fflush(stdout);
    free(w);
    free(th);
    return rate;
}

/* Returns 0 and the grouped rate in *grouped_out (0 when skipped). */
static int
bench_one(const struct bench_backend *be, int units, int threads,
          double *grouped_out)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    const char *tmp = getenv("TMPDIR");
    char dir[200];
    char url[256], path[320];
    struct lx_store_opts opts = {
        .readers = 2, .busy_timeout_ms = 5000, .group_max = 64};

    struct lx_store *st = NULL;
    struct lx_err err = {0};
    double single, grouped;
    int per = units / threads > 0 ? units / threads : 1;

    snprintf(dir, sizeof(dir), "%s/lx-bench-store-XXXXXX",
             tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "bench: cannot make a temporary directory\n");
        return 1;
    }
    *grouped_out = 0;
    if (!be->url(dir, url, sizeof(url))) {
        rmdir(dir);
        return 0;
    }
    if (strcmp(be->name, "postgres") == 0) {
        opts.readers = threads; /* one connection per writer thread */
    }
    if (lx_store_open(url, &opts, &st, &err) != LX_OK ||
        lx_store_migrate(st, NULL, &err) != LX_OK ||
        lx_store_write(st, schema_unit, NULL, &err) != LX_OK) {
        fprintf(stderr, "bench: %s\n", lx_err_message(&err));
        lx_store_close(st);
        return 1;
    }
    single = run(be->name, "single", st, 1, 1, units);
    grouped = run(be->name, "grouped", st, 10000000, threads, per);
    printf("{\"bench\":\"store\",\"backend\":\"%s\",\"metric\":\"ratio\","
           "\"grouped_over_single\":%.2f}\n",
           be->name, single > 0 ? grouped / single : 0.0);
    *grouped_out = grouped;
    lx_store_close(st);
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s/bench.db%s", dir, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

int
main(int argc, char **argv)
{
    int units = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 10000;
    int threads = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 64;
    double grouped[sizeof(backends) / sizeof(backends[0])] = {0};
    int rc = 0;

    if (units < 1 || threads < 1 || threads > 1024) {
        fprintf(stderr, "usage: bench_store [units] [threads]\n");
        return 2;
    }
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        rc |= bench_one(&backends[i], units, threads, &grouped[i]);
    }
    if (grouped[0] > 0 && grouped[1] > 0) {
        printf("{\"bench\":\"store\",\"metric\":\"ratio\","
               "\"postgres_over_sqlite_grouped\":%.2f}\n",
               grouped[1] / grouped[0]);
    }
    return rc;
}
