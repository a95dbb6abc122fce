/*
 * bench/sla — memory per open timer with 1,000,000 timers (goal: <= 32
 * bytes; the issue "Business calendar and SLA clocks"), and how fast the
 * runner's heap is built and drained.
 *
 * Two measurements, one JSON line each:
 *  - "heap": 1,000,000 pseudo-random (due_ms, id) pushed one by one into
 *    the runner's min-heap (struct lx_sla_heap, growing by doubling), then
 *    popped in order. Memory is the heap's allocation divided by the
 *    timers in it, and the resident-set growth measured around it.
 *  - "rebuild": 1,000,000 open rows in a temporary SQLite database, then
 *    lx_sla_runner_start() — what a daemon does at start — which reads them
 *    all into its heap. Memory is the daemon's resident-set growth over
 *    the rebuild divided by the timers loaded (SQLite's page cache
 *    included), with the load time.
 * Run: make bench-sla (or bench_sla [N] in a build directory).
 */
#include "base/ctx.h"
#include "base/err.h"
#include "base/time.h"
#include "sla/sla.h"
#include "store/store.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t
xorshift64(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* Resident set size in bytes, from /proc/self/statm. */
static int64_t
rss_bytes(void)
{
    long long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");

    if (f == NULL) {
        return 0;
    }
    if (fscanf(f, "%lld %lld", &pages, &resident) != 2) {
        resident = 0;
    }
    fclose(f);
    return (int64_t)resident * sysconf(_SC_PAGESIZE);
}

static int
bench_heap(int64_t n)
{
    struct lx_sla_heap h;
    struct lx_sla_heap_item it;
    uint64_t seed = 0x9e3779b97f4a7c15u;
    int64_t rss0, rss1, t0, t1, t2, prev = INT64_MIN;

    lx_sla_heap_init(&h);
    rss0 = rss_bytes();
    t0 = lx_time_mono_ms();
    for (int64_t i = 1; i <= n; i++) {
        lx_sla_heap_push(&h, (int64_t)(xorshift64(&seed) % 86400000u), i);
    }
    t1 = lx_time_mono_ms();
    rss1 = rss_bytes();
    printf("{\"bench\":\"sla\",\"what\":\"heap\",\"timers\":%" PRId64
           ",\"item_bytes\":%zu,\"alloc_bytes_per_timer\":%.2f,"
           "\"rss_bytes_per_timer\":%.2f,\"push_ms\":%" PRId64,
           n, sizeof(struct lx_sla_heap_item),
           (double)(h.cap * sizeof(*h.v)) / (double)n,
           (double)(rss1 - rss0) / (double)n, t1 - t0);
    for (int64_t i = 0; i < n; i++) {
        if (!lx_sla_heap_pop(&h, &it) || it.due_ms < prev) {
            fprintf(stderr, "bench_sla: heap order broken\n");
            lx_sla_heap_release(&h);
            return 1;
        }
        prev = it.due_ms;
    }
    t2 = lx_time_mono_ms();
    printf(",\"pop_ms\":%" PRId64 ",\"goal_bytes\":32}\n", t2 - t1);
    lx_sla_heap_release(&h);
    return 0;
}

struct fill_req {
    int64_t n;
    int64_t base_ms;
};

static lx_rc
fill_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct fill_req *q = arg;
    struct lx_store_stmt *s = NULL;
    uint64_t seed = 42;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO sla_timer (kind, object_id, firm_id,"
                          " start_ms, due_ms, state, late, created_ms)"
                          " VALUES ('first_response', :obj, :firm, :start,"
                          " :due, 'open', 0, :start)",
                          &s, err);
    for (int64_t i = 1; rc == LX_OK && i <= q->n; i++) {
        lx_store_reset(s);
        lx_store_bind_int(s, "obj", i);
        lx_store_bind_int(s, "firm", 1 + (int64_t)(i % 500));
        lx_store_bind_int(s, "start", q->base_ms);
        lx_store_bind_int(s, "due",
                          q->base_ms + 86400000 +
                              (int64_t)(xorshift64(&seed) % 86400000u));
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

static int
bench_rebuild(int64_t n)
{
    char dir[] = "/tmp/lx-bench-sla-XXXXXX";
    char url[96], path[96];
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct lx_app app = {0};
    struct lx_sla_runner *r = NULL;
    struct lx_sla_runner_opts o = {.poll_ms = 600000, .instance = "bench"};
    struct fill_req q = {.n = n, .base_ms = lx_time_now_ms()};
    int64_t rss0, rss1, t0, t1, t2;
    int status = 1;

    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "bench_sla: cannot make a temporary directory\n");
        return 1;
    }
    snprintf(url, sizeof(url), "sqlite:%s/b.db", dir);
    t0 = lx_time_mono_ms();
    if (lx_store_open(url, NULL, &st, &err) != LX_OK ||
        lx_store_migrate(st, NULL, &err) != LX_OK ||
        lx_store_write(st, fill_unit, &q, &err) != LX_OK) {
        fprintf(stderr, "bench_sla: %s\n", lx_err_message(&err));
        goto out;
    }
    t1 = lx_time_mono_ms();
    app.store = st;
    app.log.fd = open("/dev/null", O_WRONLY);
    app.log.min_level = LX_LOG_ERROR;
    rss0 = rss_bytes();
    t2 = lx_time_mono_ms();
    if (lx_sla_runner_start(&app, &o, &r, &err) != LX_OK) {
        fprintf(stderr, "bench_sla: %s\n", lx_err_message(&err));
        goto out;
    }
    rss1 = rss_bytes();
    printf("{\"bench\":\"sla\",\"what\":\"rebuild\",\"timers\":%" PRId64
           ",\"loaded\":%zu,\"rss_bytes_per_timer\":%.2f,\"load_ms\":%" PRId64
           ",\"insert_ms\":%" PRId64 ",\"goal_bytes\":32}\n",
           n, lx_sla_runner_pending(r), (double)(rss1 - rss0) / (double)n,
           lx_time_mono_ms() - t2, t1 - t0);
    status = lx_sla_runner_pending(r) == (size_t)n ? 0 : 1;

out:
    lx_sla_runner_stop(r);
    lx_store_close(st);
    if (app.log.fd > 0) {
        close(app.log.fd);
    }
    snprintf(path, sizeof(path), "%s/b.db", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/b.db-wal", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/b.db-shm", dir);
    unlink(path);
    rmdir(dir);
    return status;
}

int
main(int argc, char **argv)
{
    int64_t n = 1000000;

    if (argc > 1) {
        char *end = NULL;
        long long v = strtoll(argv[1], &end, 10);
        /* bench/<name>.c is also run with the build directory as $1. */
        if (end != NULL && *end == '\0' && v > 0 && v <= 100000000) {
            n = v;
        }
    }
    if (bench_heap(n) != 0) {
        return 1;
    }
    return bench_rebuild(n);
}
