/*
 * bench/audit — durable audit appends per second and verification speed.
 *
 *   make bench-audit        (or: BUILD/bench_audit [single] [per_thread])
 *
 * All on SQLite with synchronous=FULL, in a fresh directory under $TMPDIR
 * (default /tmp), removed afterwards. Prints one JSON line per measure:
 *
 *   "single"   one thread; each lx_audit_append_tx in its own unit, which
 *              waits for its own COMMIT (one fsync per entry);
 *   "grouped"  64 threads, each appending one entry per unit at once; the
 *              store's writer group-commits them (goal >= 50,000/s);
 *   "batched"  one unit of 10,000 appends: the CPU cost of an append
 *              without any fsync in the way;
 *   "verify"   lx_audit_verify_tx over the whole log at rest (the store
 *              reopened), re-encoding and re-hashing every row on two
 *              threads; best of three (goal >= 1,000,000 entries/s);
 *   "ratio"    grouped / single.
 */
#include "audit/audit.h"
#include "base/err.h"
#include "base/time.h"
#include "store/store.h"

#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define THREADS 64
#define BATCH 10000

static const unsigned char subject[32] = {0x5a, 0x17, 0x42};

static void
entry(struct lx_audit_entry *e, int64_t i)
{
    memset(e, 0, sizeof(*e));
    e->time_ms = 1767225600000 + i;
    e->kind = i % 3 == 0 ? LX_AUDIT_HANDOVER : LX_AUDIT_ACCESS;
    e->actor_kind = 2;
    e->actor_id = 1000 + i % 97;
    e->actor_firm = 1 + i % 13;
    e->actor_role = "lawyer";
    e->action = "reveal";
    e->resource_type = "lead";
    e->resource_id = "L-20260101-000123";
    e->subject = subject;
    e->subject_len = sizeof(subject);
    e->field = "phone";
    e->purpose = "consultation";
    e->decision = i % 5 == 0 ? "deny" : "allow";
    e->reason = i % 5 == 0 ? "not_assigned" : "";
    e->clause = "C4.3";
    e->request_id = "0f3c9a7e-5b21-4c1e-9d4a-7a1b2c3d4e5f";
}

struct unit_arg {
    int64_t i;
    int count;
};

static lx_rc
append_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct unit_arg *a = arg;
    struct lx_audit_entry e;
    lx_rc rc = LX_OK;

    for (int k = 0; k < a->count && rc == LX_OK; k++) {
        entry(&e, a->i + k);
        rc = lx_audit_append_tx(tx, &e, err);
    }
    return rc;
}

struct worker {
    struct lx_store *st;
    int n;
    int id;
    int failed;
};

static void *
worker_main(void *arg)
{
    struct worker *w = arg;
    struct lx_err err = {0};

    for (int k = 0; k < w->n; k++) {
        struct unit_arg a = {.i = (int64_t)w->id * 1000000 + k, .count = 1};
        if (lx_store_write(w->st, append_unit, &a, &err) != LX_OK) {
            w->failed++;
        }
    }
    return NULL;
}

static lx_rc
verify_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    static const struct lx_audit_verify_opts o = {0};

    return lx_audit_verify_tx(tx, &o, arg, err);
}

/* A positive count from the command line, or the default. */
static int
count_arg(const char *s, int dflt)
{
    char *end = NULL;
    long v = strtol(s, &end, 10);

    return end != s && *end == '\0' && v > 0 && v <= 1000000 ? (int)v : dflt;
}

/* CPU time of the whole process, in ms: the machine may be shared, and
 * verification runs on two threads. */
static int64_t
cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
per_s(double n, int64_t ms)
{
    return ms > 0 ? n * 1000.0 / (double)ms : 0.0;
}

int
main(int argc, char **argv)
{
    static const struct lx_store_opts opts = {
        .readers = 2, .busy_timeout_ms = 10000, .group_max = 256};
    const char *tmp = getenv("TMPDIR");
    int single = argc > 1 ? count_arg(argv[1], 400) : 400;
    int per_thread = argc > 2 ? count_arg(argv[2], 400) : 400;
    char dir[256], url[300], path[320];
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct lx_audit_report rep;
    struct lx_store_stats s0, s1;
    struct worker w[THREADS];
    pthread_t th[THREADS];
    int64_t t0, ms, cpu0 = 0, c0, best_ms, grouped_n = 0;
    double single_rate, grouped_rate;
    int failed = 0, status = 1;

    snprintf(dir, sizeof(dir), "%s/lx-bench-audit-XXXXXX",
             tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(url, sizeof(url), "sqlite:%s/bench.db", dir);
    if (lx_store_open(url, &opts, &st, &err) != LX_OK ||
        lx_store_migrate(st, NULL, &err) != LX_OK) {
        fprintf(stderr, "bench_audit: %s\n", lx_err_message(&err));
        goto out;
    }

    t0 = lx_time_mono_ms();
    for (int k = 0; k < single; k++) {
        struct unit_arg a = {.i = k, .count = 1};
        if (lx_store_write(st, append_unit, &a, &err) != LX_OK) {
            failed++;
        }
    }
    ms = lx_time_mono_ms() - t0;
    single_rate = per_s(single, ms);
    printf("{\"bench\":\"audit\",\"case\":\"single\",\"entries\":%d,"
           "\"ms\":%lld,\"per_s\":%.0f}\n",
           single, (long long)ms, single_rate);

    lx_store_stats(st, &s0);
    t0 = lx_time_mono_ms();
    for (int i = 0; i < THREADS; i++) {
        w[i] = (struct worker){.st = st, .n = per_thread, .id = i + 1};
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        failed += w[i].failed;
        grouped_n += w[i].n;
    }
    ms = lx_time_mono_ms() - t0;
    lx_store_stats(st, &s1);
    grouped_rate = per_s((double)grouped_n, ms);
    printf("{\"bench\":\"audit\",\"case\":\"grouped\",\"threads\":%d,"
           "\"entries\":%lld,\"ms\":%lld,\"per_s\":%.0f,"
           "\"units_per_commit\":%.1f}\n",
           THREADS, (long long)grouped_n, (long long)ms, grouped_rate,
           s1.commits > s0.commits
               ? (double)(s1.units - s0.units) /
                     (double)(s1.commits - s0.commits)
               : 0.0);

    t0 = lx_time_mono_ms();
    for (int b = 0; b < 10; b++) {
        struct unit_arg a = {.i = 100000000 + (int64_t)b * BATCH,
                             .count = BATCH};
        if (lx_store_write(st, append_unit, &a, &err) != LX_OK) {
            failed += BATCH;
        }
    }
    ms = lx_time_mono_ms() - t0;
    printf("{\"bench\":\"audit\",\"case\":\"batched\",\"entries\":%d,"
           "\"ms\":%lld,\"per_s\":%.0f}\n",
           10 * BATCH, (long long)ms, per_s(10.0 * BATCH, ms));

    /* Verify a database at rest: closing folds the WAL back into the file.
     * Best of three runs. */
    lx_store_close(st);
    st = NULL;
    if (lx_store_open(url, &opts, &st, &err) != LX_OK) {
        fprintf(stderr, "bench_audit: %s\n", lx_err_message(&err));
        goto out;
    }
    best_ms = INT64_MAX;
    for (int run = 0; run < 3; run++) {
        t0 = lx_time_mono_ms();
        c0 = cpu_ms();
        if (lx_store_read(st, verify_unit, &rep, &err) != LX_OK ||
            rep.fail != LX_AUDIT_OK) {
            fprintf(stderr, "bench_audit: verification failed\n");
            goto out;
        }
        ms = lx_time_mono_ms() - t0;
        if (ms < best_ms) {
            best_ms = ms;
            cpu0 = cpu_ms() - c0;
        }
    }
    ms = best_ms;
    printf("{\"bench\":\"audit\",\"case\":\"verify\",\"entries\":%llu,"
           "\"ms\":%lld,\"per_s\":%.0f,\"cpu_ms\":%lld}\n",
           (unsigned long long)rep.size, (long long)ms,
           per_s((double)rep.size, ms), (long long)cpu0);
    printf("{\"bench\":\"audit\",\"case\":\"ratio\",\"grouped_over_single\":"
           "%.1f,\"failed\":%d}\n",
           single_rate > 0 ? grouped_rate / single_rate : 0.0, failed);
    status = failed == 0 ? 0 : 1;
out:
    lx_store_close(st);
    for (size_t i = 0; i < 3; i++) {
        static const char *const names[] = {"bench.db", "bench.db-wal",
                                            "bench.db-shm"};
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return status;
}
