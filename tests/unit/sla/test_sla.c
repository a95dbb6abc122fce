/*
 * test_sla — durable SLA deadlines and the minimal violation ledger:
 * scheduling is idempotent, meeting a deadline in time stops it firing,
 * due deadlines fire exactly once with their violation, late marking
 * after "downtime" (the clock is driven, nothing sleeps until a deadline),
 * batches, concurrent claimers (several store handles, as several
 * daemons), fault injection over the fire unit (fired mark and violation
 * together or neither), the runner with an injected clock, the board's
 * reads, and lx_sla_due on the calendar.
 *
 * Runs on SQLite, and on PostgreSQL when LX_TEST_BACKEND=postgres and
 * LX_TEST_PG_URL are set (CTest's @postgres variant): each test in a fresh
 * schema, so the claims there go through FOR UPDATE SKIP LOCKED.
 */
#include "base/conf.h"
#include "base/time.h"
#include "crypto/crypto.h"
#include "leads/leads.h"
#include "people/people.h"
#include "cal/cal.h"
#include "enforce/enforce.h"
#include "route/route.h"
#include "sla/sla.h"
#include "store/store.h"

#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

struct fx {
    char dir[64];
    char url[512];
    char schema[64];
    struct lx_store *st;
};

static const char *pg_url; /* set in main() for the PostgreSQL run */

static const struct lx_store_opts opts_default = {
    .readers = 2, .busy_timeout_ms = 10000, .group_max = 64};

static lx_rc
exec_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_store_exec(tx, arg, err);
}

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

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct lx_err err = {0};

    snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/lx-sla-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->url, sizeof(f->url), "sqlite:%s/t.db", f->dir);
    if (pg_url != NULL) {
        static int seq;
        char sql[128];

        snprintf(f->schema, sizeof(f->schema), "lx_sla_%d_%d", (int)getpid(),
                 ++seq);
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
        if (pg_admin(sql) != 0) {
            return -1;
        }
        snprintf(f->url, sizeof(f->url), "%s%coptions=-csearch_path%%3D%s",
                 pg_url, strchr(pg_url, '?') ? '&' : '?', f->schema);
    }
    if (lx_store_open(f->url, &opts_default, &f->st, &err) != LX_OK ||
        lx_store_migrate(f->st, NULL, &err) != LX_OK) {
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
    char p[128];

    lx_store_close(f->st);
    if (pg_url != NULL) {
        char sql[128];
        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schema);
        pg_admin(sql);
    }
    snprintf(p, sizeof(p), "%s/t.db", f->dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/t.db-wal", f->dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/t.db-shm", f->dir);
    unlink(p);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static void
schedule(struct lx_store *st, enum lx_sla_kind kind, int64_t obj, int64_t firm,
         int64_t start, int64_t due, bool want_created)
{
    struct lx_err err = {0};
    bool created = !want_created;

    assert_int_equal(
        lx_sla_schedule(st, kind, obj, firm, start, due, &created, &err),
        LX_OK);
    assert_int_equal(created, want_created);
}

static int
fire(struct lx_store *st, int64_t now, int limit, const char *by)
{
    struct lx_sla_fire_opts o = {
        .now_ms = now, .grace_ms = 5000, .limit = limit, .fired_by = by};
    struct lx_err err = {0};
    int n = -1;

    assert_int_equal(lx_sla_fire_due(st, &o, &n, &err), LX_OK);
    return n;
}

/* One integer from a query (a read). */
struct count_req {
    const char *sql;
    int64_t v;
};

static lx_rc
count_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct count_req *q = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx, q->sql, &s, err);

    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    q->v = rc == LX_OK && row ? lx_store_col_int(s, 0) : -1;
    lx_store_stmt_free(s);
    return rc;
}

static int64_t
count(struct lx_store *st, const char *sql)
{
    struct count_req q = {.sql = sql};
    struct lx_err err = {0};

    assert_int_equal(lx_store_read(st, count_unit, &q, &err), LX_OK);
    return q.v;
}

struct collect {
    struct lx_sla_timer t[64];
    int n;
};

static lx_rc
collect_fn(const struct lx_sla_timer *t, void *arg)
{
    struct collect *c = arg;

    if (c->n < 64) {
        c->t[c->n] = *t;
    }
    c->n++;
    return LX_OK;
}

static void
list(struct lx_store *st, const struct lx_sla_filter *f, struct collect *c)
{
    struct lx_err err = {0};

    memset(c, 0, sizeof(*c));
    assert_int_equal(lx_sla_list(st, f, collect_fn, c, &err), LX_OK);
}

/* ---- tests --------------------------------------------------------------- */

static void
test_kinds(void **state)
{
    (void)state;
    for (int k = LX_SLA_KIND_NONE + 1; k < LX_SLA_KIND_COUNT; k++) {
        const char *name = lx_sla_kind_name((enum lx_sla_kind)k);
        assert_non_null(name);
        assert_int_equal(lx_sla_kind_parse(name), k);
        assert_non_null(lx_sla_kind_clause((enum lx_sla_kind)k));
    }
    assert_int_equal(lx_sla_kind_parse("nope"), LX_SLA_KIND_NONE);
    assert_null(lx_sla_kind_name(LX_SLA_KIND_NONE));
    assert_string_equal(lx_sla_kind_clause(LX_SLA_FIRST_RESPONSE), "C5.1");
    assert_string_equal(lx_sla_kind_clause(LX_SLA_COMPLAINT), "C6.1");
    assert_string_equal(lx_sla_kind_clause(LX_SLA_COMPLAINT_URGENT), "C6.1");
    assert_string_equal(lx_sla_kind_clause(LX_SLA_INCIDENT_REPORT), "C6.2");
    assert_false(lx_sla_kind_is_violation(LX_SLA_INCIDENT_CAC));
    assert_false(lx_sla_kind_is_violation(LX_SLA_LEAD_OFFER));
    assert_true(lx_sla_kind_is_violation(LX_SLA_DELETION));
}

static void
test_schedule_idempotent(void **state)
{
    struct fx *f = *state;
    struct lx_err err = {0};
    struct collect c;
    struct lx_sla_filter all = {0};

    schedule(f->st, LX_SLA_FIRST_RESPONSE, 7, 3, 1000, 2000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 7, 3, 1000, 9000, false);
    schedule(f->st, LX_SLA_COMPLAINT, 7, 3, 1000, 3000, true);
    list(f->st, &all, &c);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.t[0].kind, LX_SLA_FIRST_RESPONSE);
    assert_int_equal(c.t[0].due_ms, 2000); /* the first schedule stands */
    assert_int_equal(c.t[0].state, LX_SLA_OPEN);
    assert_int_equal(c.t[1].kind, LX_SLA_COMPLAINT);

    assert_int_equal(
        lx_sla_schedule(f->st, LX_SLA_KIND_NONE, 1, 1, 0, 1, NULL, &err),
        LX_EINVAL);
    assert_int_equal(
        lx_sla_schedule(f->st, LX_SLA_DELETION, 0, 1, 0, 1, NULL, &err),
        LX_EINVAL);
    assert_string_equal(err.field, "object_id");
    assert_int_equal(
        lx_sla_schedule(f->st, LX_SLA_DELETION, 1, -2, 0, 1, NULL, &err),
        LX_EINVAL);
    assert_int_equal(
        lx_sla_schedule(f->st, LX_SLA_DELETION, 1, 1, 5, 1, NULL, &err),
        LX_EINVAL);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM sla_timer"), 2);
}

struct satisfy_req {
    enum lx_sla_kind kind;
    int64_t obj, at;
    enum lx_sla_outcome out;
};

static lx_rc
satisfy_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct satisfy_req *q = arg;

    return lx_sla_satisfy_tx(tx, q->kind, q->obj, q->at, &q->out, err);
}

static enum lx_sla_outcome
satisfy(struct lx_store *st, enum lx_sla_kind kind, int64_t obj, int64_t at)
{
    struct satisfy_req q = {.kind = kind, .obj = obj, .at = at};
    struct lx_err err = {0};

    assert_int_equal(lx_store_write(st, satisfy_unit, &q, &err), LX_OK);
    return q.out;
}

static void
test_satisfy(void **state)
{
    struct fx *f = *state;
    struct collect c;
    struct lx_sla_filter all = {0};

    /* Met in time: never fires. */
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 1, 9, 0, 1000, true);
    assert_int_equal(satisfy(f->st, LX_SLA_FIRST_RESPONSE, 1, 1000),
                     LX_SLA_OUTCOME_MET);
    assert_int_equal(satisfy(f->st, LX_SLA_FIRST_RESPONSE, 1, 1001),
                     LX_SLA_OUTCOME_NONE); /* only the first counts */
    /* Met late but before the runner came: still a breach. */
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 2, 9, 0, 1000, true);
    assert_int_equal(satisfy(f->st, LX_SLA_FIRST_RESPONSE, 2, 1500),
                     LX_SLA_OUTCOME_LATE);
    /* Fired, then met: late. */
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 3, 9, 0, 1000, true);
    assert_int_equal(satisfy(f->st, LX_SLA_FIRST_RESPONSE, 99, 10),
                     LX_SLA_OUTCOME_NONE);

    assert_int_equal(fire(f->st, 5000, 64, "t1"), 2);
    assert_int_equal(satisfy(f->st, LX_SLA_FIRST_RESPONSE, 3, 6000),
                     LX_SLA_OUTCOME_LATE);
    assert_int_equal(fire(f->st, 99000, 64, "t1"), 0);

    list(f->st, &all, &c);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.t[0].state, LX_SLA_SATISFIED);
    assert_int_equal(c.t[0].done_ms, 1000);
    assert_int_equal(c.t[1].state, LX_SLA_FIRED);
    assert_int_equal(c.t[1].done_ms, 1500);
    assert_int_equal(c.t[2].state, LX_SLA_FIRED);
    assert_int_equal(c.t[2].done_ms, 6000);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"), 2);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"
                                  " WHERE object_ref = 'first_response:1'"),
                     0);
}

static void
test_fire_exactly_once(void **state)
{
    struct fx *f = *state;
    struct lx_sla_filter all = {0}, open = {.open_only = true};
    struct collect c;

    for (int i = 1; i <= 10; i++) {
        schedule(f->st, LX_SLA_FIRST_RESPONSE, 100 + i, 1 + i % 2, 0,
                 (int64_t)i * 100, true);
    }
    assert_int_equal(fire(f->st, 500, 64, "d1"), 5);
    assert_int_equal(fire(f->st, 500, 64, "d2"), 0);
    list(f->st, &open, &c);
    assert_int_equal(c.n, 5);
    assert_int_equal(c.t[0].due_ms, 600); /* soonest first */
    /* Batches of 3: 3, then 2, then nothing. */
    assert_int_equal(fire(f->st, 2000, 3, "d2"), 3);
    assert_int_equal(fire(f->st, 2000, 3, "d2"), 2);
    assert_int_equal(fire(f->st, 2000, 3, "d1"), 0);

    list(f->st, &all, &c);
    assert_int_equal(c.n, 10);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(c.t[i].state, LX_SLA_FIRED);
        assert_string_equal(c.t[i].fired_by, i < 5 ? "d1" : "d2");
        assert_false(c.t[i].late);
    }
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"
                                  " WHERE clause = 'C5.1'"
                                  " AND kind = 'first_response'"),
                     10);
    assert_int_equal(count(f->st, "SELECT COUNT(DISTINCT object_ref)"
                                  " FROM violation"),
                     10);
    assert_int_equal(count(f->st, "SELECT at_ms FROM violation"
                                  " WHERE object_ref = 'first_response:103'"),
                     300);
    assert_int_equal(count(f->st, "SELECT firm_id FROM violation"
                                  " WHERE object_ref = 'first_response:103'"),
                     2);
}

static void
test_late_after_downtime(void **state)
{
    struct fx *f = *state;
    struct collect c;
    struct lx_sla_filter all = {0};
    struct lx_err err = {0};

    schedule(f->st, LX_SLA_COMPLAINT_URGENT, 1, 4, 0, 10000, true);
    schedule(f->st, LX_SLA_COMPLAINT, 2, 4, 0, 20000, true);
    schedule(f->st, LX_SLA_INCIDENT_CAC, 3, 4, 0, 20000, true);
    schedule(f->st, LX_SLA_LEAD_OFFER, 4, 4, 0, 20000, true);
    /* On time (within the grace) for the first; the daemon "restarts"
     * much later for the rest. */
    assert_int_equal(fire(f->st, 14000, 64, "a"), 1);
    lx_store_close(f->st);
    f->st = NULL;
    assert_int_equal(lx_store_open(f->url, &opts_default, &f->st, &err), LX_OK);
    assert_int_equal(fire(f->st, 600000, 64, "b"), 3);
    list(f->st, &all, &c);
    assert_int_equal(c.n, 4);
    assert_false(c.t[0].late);
    assert_int_equal(c.t[0].fired_ms, 14000);
    for (int i = 1; i < 4; i++) {
        assert_true(c.t[i].late);
        assert_int_equal(c.t[i].fired_ms, 600000);
        assert_string_equal(c.t[i].fired_by, "b");
    }
    /* The platform's own CAC clock and the offer window are no firm
     * violations. */
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"), 2);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"
                                  " WHERE clause = 'C6.1'"),
                     2);
}

static void
test_fire_args(void **state)
{
    struct fx *f = *state;
    struct lx_sla_fire_opts o = {.now_ms = 1, .limit = 0, .fired_by = "x"};
    struct lx_err err = {0};
    int n = 7;

    assert_int_equal(lx_sla_fire_due(f->st, &o, &n, &err), LX_EINVAL);
    assert_int_equal(n, 0);
    o.limit = LX_SLA_FIRE_MAX + 1;
    assert_int_equal(lx_sla_fire_due(f->st, &o, &n, &err), LX_EINVAL);
    o.limit = 1;
    o.fired_by = "has space";
    assert_int_equal(lx_sla_fire_due(f->st, &o, &n, &err), LX_EINVAL);
    o.fired_by = "";
    assert_int_equal(lx_sla_fire_due(f->st, &o, &n, &err), LX_EINVAL);
}

/* Fault injection: whatever statement of the fire unit fails, either
 * every claimed timer is fired and has its violation, or none is. */
static void
test_fault_walk(void **state)
{
    struct fx *f = *state;
    struct lx_sla_fire_opts o = {
        .now_ms = 10000, .grace_ms = 10, .limit = 64, .fired_by = "f"};
    int failures = 0;

    for (int i = 1; i <= 3; i++) {
        schedule(f->st, LX_SLA_EVIDENCE_REQUEST, i, 5, 0, 100 * i, true);
    }
    for (int n = 1; n < 50; n++) {
        struct lx_err err = {0};
        char spec[32];
        int fired = -1;
        lx_rc rc;

        snprintf(spec, sizeof(spec), "stmt:%d", n);
        assert_int_equal(lx_store_fault_set(f->st, spec), LX_OK);
        rc = lx_sla_fire_due(f->st, &o, &fired, &err);
        assert_int_equal(lx_store_fault_set(f->st, NULL), LX_OK);
        if (rc != LX_OK) {
            assert_int_equal(rc, LX_ESTORE);
            assert_int_equal(fired, 0);
            assert_int_equal(count(f->st, "SELECT COUNT(*) FROM sla_timer"
                                          " WHERE state = 'open'"),
                             3);
            assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"), 0);
            failures++;
            continue;
        }
        assert_int_equal(fired, 3);
        break;
    }
    /* The claim, three marks and three violations: every one was hit. */
    assert_true(failures >= 7);
    assert_int_equal(
        count(f->st, "SELECT COUNT(*) FROM sla_timer WHERE state = 'fired'"),
        3);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"
                                  " WHERE clause = 'C6.3'"),
                     3);
}

static void
test_fault_commit(void **state)
{
    struct fx *f = *state;
    struct lx_sla_fire_opts o = {
        .now_ms = 10000, .grace_ms = 10, .limit = 64, .fired_by = "f"};
    struct lx_err err = {0};
    int fired = -1;

    schedule(f->st, LX_SLA_DELETION, 1, 5, 0, 100, true);
    assert_int_equal(lx_store_fault_set(f->st, "commit"), LX_OK);
    assert_int_equal(lx_sla_fire_due(f->st, &o, &fired, &err), LX_ESTORE);
    assert_int_equal(fired, 0);
    assert_int_equal(
        count(f->st, "SELECT COUNT(*) FROM sla_timer WHERE state = 'open'"), 1);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"), 0);
    assert_int_equal(fire(f->st, 10000, 64, "f"), 1);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"
                                  " WHERE clause = 'C7.2'"),
                     1);
}

/* Several claimers on their own store handles, as several daemons. */
#define RACE_TIMERS 300
#define RACE_CLAIMERS 4

struct racer {
    const char *url;
    char by[16];
    int fired;
    int failed;
};

static void *
race_main(void *arg)
{
    struct racer *r = arg;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct lx_sla_fire_opts o = {
        .now_ms = 1000000, .grace_ms = 10, .limit = 7, .fired_by = r->by};

    if (lx_store_open(r->url, &opts_default, &st, &err) != LX_OK) {
        r->failed = 1;
        return NULL;
    }
    for (;;) {
        int n = 0;
        if (lx_sla_fire_due(st, &o, &n, &err) != LX_OK) {
            r->failed++;
            if (r->failed > 50) {
                break;
            }
            continue;
        }
        r->fired += n;
        if (n == 0) {
            break;
        }
    }
    lx_store_close(st);
    return NULL;
}

static void
test_concurrent_claimers(void **state)
{
    struct fx *f = *state;
    struct racer r[RACE_CLAIMERS];
    pthread_t th[RACE_CLAIMERS];
    int total = 0;

    for (int i = 1; i <= RACE_TIMERS; i++) {
        schedule(f->st, LX_SLA_FIRST_RESPONSE, i, 1 + i % 5, 0, i, true);
    }
    for (int i = 0; i < RACE_CLAIMERS; i++) {
        memset(&r[i], 0, sizeof(r[i]));
        r[i].url = f->url;
        snprintf(r[i].by, sizeof(r[i].by), "d%d", i);
        assert_int_equal(pthread_create(&th[i], NULL, race_main, &r[i]), 0);
    }
    for (int i = 0; i < RACE_CLAIMERS; i++) {
        pthread_join(th[i], NULL);
        total += r[i].fired;
    }
    assert_int_equal(total, RACE_TIMERS);
    assert_int_equal(
        count(f->st, "SELECT COUNT(*) FROM sla_timer WHERE state = 'fired'"),
        RACE_TIMERS);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"),
                     RACE_TIMERS);
    for (int i = 0; i < RACE_CLAIMERS; i++) {
        char sql[128];
        snprintf(sql, sizeof(sql),
                 "SELECT COUNT(*) FROM sla_timer WHERE fired_by = '%s'",
                 r[i].by);
        assert_int_equal(count(f->st, sql), r[i].fired);
    }
}

/* The runner with an injected clock. */
struct fake_clock {
    atomic_llong now;
};

static int64_t
fake_now(void *arg)
{
    struct fake_clock *c = arg;

    return atomic_load(&c->now);
}

static bool
wait_fired(struct lx_sla_runner *r, uint64_t want)
{
    for (int i = 0; i < 1000; i++) { /* up to 10 s of real time */
        if (lx_sla_runner_fired(r) >= want) {
            return lx_sla_runner_fired(r) == want;
        }
        lx_sla_runner_kick(r);
        usleep(10000);
    }
    return false;
}

static bool
wait_pending(struct lx_sla_runner *r, size_t want)
{
    for (int i = 0; i < 1000; i++) {
        if (lx_sla_runner_pending(r) == want) {
            return true;
        }
        usleep(10000);
    }
    return false;
}

static void
test_runner_injected_clock(void **state)
{
    struct fx *f = *state;
    struct fake_clock clk;
    struct lx_app app = {0};
    struct lx_sla_runner *r = NULL;
    struct lx_sla_runner_opts o = {.clock = fake_now,
                                   .clock_arg = &clk,
                                   .grace_ms = 10000,
                                   .poll_ms = 50,
                                   .batch = 4,
                                   .instance = "runner-1"};
    struct lx_err err = {0};
    struct lx_sla_filter all = {0};
    struct collect c;
    int devnull = open("/dev/null", O_WRONLY);

    assert_true(devnull >= 0);
    app.store = f->st;
    app.log.fd = devnull; /* the sla_breach lines are not checked here */
    app.log.min_level = LX_LOG_DEBUG;
    atomic_init(&clk.now, 100000);
    /* Missed while "down": due long before the runner starts. */
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 1, 2, 0, 10, true);
    for (int i = 2; i <= 9; i++) {
        schedule(f->st, LX_SLA_FIRST_RESPONSE, i, 2, 0, 1000000 + i * 1000,
                 true);
    }
    assert_int_equal(lx_sla_runner_start(&app, &o, &r, &err), LX_OK);
    assert_true(wait_fired(r, 1));
    assert_true(wait_pending(r, 8));

    atomic_store(&clk.now, 1000000 + 5500); /* 2..5 due, within grace */
    assert_true(wait_fired(r, 5));
    /* A timer scheduled behind the runner's back still fires. */
    schedule(f->st, LX_SLA_COMPLAINT, 50, 2, 0, 1003000, true);
    assert_true(wait_fired(r, 6));
    atomic_store(&clk.now, 2000000); /* 6..9 due long ago: late */
    assert_true(wait_fired(r, 10));
    assert_true(wait_pending(r, 0));
    lx_sla_runner_stop(r);
    close(devnull);

    list(f->st, &all, &c);
    assert_int_equal(c.n, 10);
    for (int i = 0; i < c.n; i++) {
        assert_int_equal(c.t[i].state, LX_SLA_FIRED);
        assert_string_equal(c.t[i].fired_by, "runner-1");
    }
    assert_true(c.t[0].late); /* missed during downtime, fired at start */
    assert_int_equal(c.t[0].fired_ms, 100000);
    assert_false(c.t[1].late);
    assert_int_equal(c.t[1].fired_ms, 1005500);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"), 10);
    assert_int_equal(
        count(f->st, "SELECT COUNT(*) FROM sla_timer WHERE late = 1"), 5);
    assert_int_equal(count(f->st,
                           "SELECT COUNT(*) FROM sla_timer WHERE late = 1"
                           " AND due_ms >= 1006000"),
                     4);
}

/* Offers whose window ran out go to the next firm: the runner asks leads/
 * after each round, and each new offer gets its own lead_offer deadline. */
static void
test_runner_reoffers_timed_out_leads(void **state)
{
    struct fx *f = *state;
    struct fake_clock clk;
    struct lx_conf conf;
    struct lx_app app = {0};
    struct lx_people_demo_out *demo = calloc(1, sizeof(*demo));
    struct lx_sla_runner *r = NULL;
    struct lx_sla_runner_opts o = {.clock = fake_now,
                                   .clock_arg = &clk,
                                   .poll_ms = 50,
                                   .instance = "runner-leads"};
    struct lx_err err = {0};
    char keys[128];
    int64_t open_before, timed_out = 0;
    int devnull = open("/dev/null", O_WRONLY);

    assert_true(devnull >= 0);
    lx_conf_defaults(&conf);
    snprintf(keys, sizeof(keys), "%s/keys", f->dir);
    assert_int_equal(lx_crypto_init(&err), LX_OK);
    assert_int_equal(lx_crypto_keys_create(keys, &err), LX_OK);
    assert_int_equal(lx_crypto_keys_load(keys, &app.keys, &err), LX_OK);
    app.store = f->st;
    app.conf = &conf;
    app.log.fd = devnull;
    app.log.min_level = LX_LOG_ERROR;
    assert_int_equal(lx_people_demo_seed(&app, demo, &err), LX_OK);
    assert_int_equal(lx_leads_demo_seed(&app, NULL, 6, &err), LX_OK);
    open_before =
        count(f->st, "SELECT COUNT(*) FROM lead_offers WHERE outcome = 'open'");
    assert_true(open_before > 0);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM lead_offers"
                                  " WHERE outcome = 'timed_out'"),
                     0);

    /* Eleven minutes later every ten-minute window has run out. */
    atomic_init(&clk.now, lx_time_now_ms() + 11 * 60 * 1000);
    assert_int_equal(lx_sla_runner_start(&app, &o, &r, &err), LX_OK);
    for (int i = 0; i < 1000 && timed_out < open_before; i++) {
        lx_sla_runner_kick(r);
        usleep(10000);
        timed_out = count(f->st, "SELECT COUNT(*) FROM lead_offers"
                                 " WHERE outcome = 'timed_out'");
    }
    lx_sla_runner_stop(r);
    assert_true(timed_out >= open_before);
    /* Each timed-out lead is offered to another firm or exhausted; never
     * twice to the same firm, never two open offers at once. */
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM (SELECT lead_id,"
                                  " firm_id FROM lead_offers GROUP BY lead_id,"
                                  " firm_id HAVING COUNT(*) > 1) x"),
                     0);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM (SELECT lead_id FROM"
                                  " lead_offers WHERE outcome = 'open'"
                                  " GROUP BY lead_id HAVING COUNT(*) > 1) x"),
                     0);
    /* The re-offers carry their windows as lead_offer deadlines. */
    assert_int_equal(
        count(f->st, "SELECT COUNT(*) FROM lead_offers o WHERE o.outcome ="
                     " 'open' AND NOT EXISTS (SELECT 1 FROM sla_timer t"
                     " WHERE t.kind = 'lead_offer' AND t.object_id = o.id)"),
        0);
    lx_crypto_keys_free(app.keys);
    free(demo);
    close(devnull);
    for (const char *const *k = (const char *const[]){"master.key",
                                                       "signing.key",
                                                       "signing.pub", NULL};
         *k != NULL; k++) {
        char path[192];
        snprintf(path, sizeof(path), "%s/%s", keys, *k);
        unlink(path);
    }
    rmdir(keys);
}

/* ---- first response (C5.1) ------------------------------------------------ */

/* A daemon's app on the fixture's store: keys, the demo people. */
struct demo_app {
    struct lx_conf conf;
    struct lx_app app;
    struct lx_cal *cal;
    char keys[128];
    int devnull;
};

static void
demo_app_up(struct fx *f, struct demo_app *d)
{
    struct lx_people_demo_out *demo = calloc(1, sizeof(*demo));
    struct lx_err err = {0};

    memset(d, 0, sizeof(*d));
    d->devnull = open("/dev/null", O_WRONLY);
    assert_true(d->devnull >= 0);
    lx_conf_defaults(&d->conf);
    snprintf(d->keys, sizeof(d->keys), "%s/keys", f->dir);
    assert_int_equal(lx_crypto_init(&err), LX_OK);
    assert_int_equal(lx_crypto_keys_create(d->keys, &err), LX_OK);
    assert_int_equal(lx_crypto_keys_load(d->keys, &d->app.keys, &err), LX_OK);
    d->app.store = f->st;
    d->app.conf = &d->conf;
    d->app.log.fd = d->devnull;
    d->app.log.min_level = LX_LOG_ERROR;
    assert_int_equal(lx_people_demo_seed(&d->app, demo, &err), LX_OK);
    assert_int_equal(lx_sla_calendar_load(&d->conf, &d->cal, &err), LX_OK);
    free(demo);
}

static void
demo_app_down(struct demo_app *d)
{
    lx_cal_free(d->cal);
    lx_crypto_keys_free(d->app.keys);
    close(d->devnull);
    for (const char *const *k = (const char *const[]){"master.key",
                                                       "signing.key",
                                                       "signing.pub", NULL};
         *k != NULL; k++) {
        char path[192];
        snprintf(path, sizeof(path), "%s/%s", d->keys, *k);
        unlink(path);
    }
    rmdir(d->keys);
}

/* A lead taken at 'now' as the system, its offer hooked to sla/ with the
 * calendar; returns its id. */
static int64_t
intake_at(struct demo_app *d, int64_t now, const char *phone)
{
    struct lx_leads_opts o = {.on_offer = lx_sla_offer_hook,
                              .on_answer = lx_sla_answer_hook,
                              .on_offer_arg = d->cal};
    struct lx_leads_intake in = {
        .area = "labor",
        .region = "110105",
        .description = "公司拖欠工资三个月。",
        .phone = phone,
        .consent_version = "2026-01",
        .consent_ms = now - 1000,
        .consent_share = true,
    };
    struct lx_leads_intake_result out = {0};
    struct lx_ctx ctx;

    lx_ctx_init(&ctx, &d->app, now);
    ctx.actor.kind = LX_ACTOR_SYSTEM;
    assert_int_equal(lx_leads_intake(&ctx, &o, &in, &out), LX_OK);
    assert_int_equal(out.state, LX_LEADS_OFFERED);
    lx_ctx_release(&ctx);
    return out.id;
}

/* Act as the lawyer of the firm the lead is offered to, and claim it. */
static int64_t
claim_as_lawyer(struct fx *f, struct demo_app *d, int64_t lead, int64_t now)
{
    char sql[256];
    int64_t firm, lawyer;
    struct lx_ctx ctx;

    snprintf(sql, sizeof(sql),
             "SELECT firm_id FROM leads WHERE id = %lld", (long long)lead);
    firm = count(f->st, sql);
    snprintf(sql, sizeof(sql),
             "SELECT MIN(id) FROM staff WHERE org_id = %lld AND role ="
             " 'lawyer'",
             (long long)firm);
    lawyer = count(f->st, sql);
    assert_true(firm > 0 && lawyer > 0);
    lx_ctx_init(&ctx, &d->app, now);
    ctx.actor.kind = LX_ACTOR_STAFF;
    ctx.actor.id = lawyer;
    ctx.actor.firm_id = firm;
    snprintf(ctx.actor.role, sizeof(ctx.actor.role), "lawyer");
    {
        struct lx_leads_opts o = {.on_answer = lx_sla_answer_hook};

        assert_int_equal(lx_leads_claim(&ctx, &o, lead), LX_OK);
    }
    lx_ctx_release(&ctx);
    return firm;
}

static int
fire_reoffer(struct demo_app *d, int64_t now)
{
    struct lx_leads_opts lo = {.on_offer = lx_sla_offer_hook,
                               .on_answer = lx_sla_answer_hook,
                               .on_offer_arg = d->cal};
    struct lx_sla_fire_opts o = {.now_ms = now,
                                 .grace_ms = 5000,
                                 .limit = 64,
                                 .fired_by = "fr-test",
                                 .app = &d->app,
                                 .reoffer = &lo};
    struct lx_err err = {0};
    int n = -1;

    assert_int_equal(lx_sla_fire_due(d->app.store, &o, &n, &err), LX_OK);
    return n;
}

/* 10:00 +08:00 of the day after the wall clock's, so the demo accounts'
 * training and licences (dated now) hold; *due gets its first-response
 * deadline on the calendar. */
static int64_t
tomorrow_ten(struct demo_app *d, int64_t *due)
{
    const int64_t day = 86400000, tz = 8 * 3600000;
    int64_t t = lx_time_now_ms() + tz;
    struct lx_err err = {0};

    t = t - t % day + day + 10 * 3600000 - tz;
    assert_int_equal(
        lx_sla_due(d->cal, LX_SLA_FIRST_RESPONSE, t, due, NULL, &err), LX_OK);
    return t;
}

static lx_rc
contact_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    const int64_t *v = arg; /* lead, firm, at */

    return lx_sla_contact_hook(NULL, tx, v[0], v[1], v[2], err);
}

/*
 * The offer starts the firm's first-response clock on the calendar (30
 * minutes, or 2 hours when tomorrow is not a working day). A
 * firm that claims and stays silent breaches C5.1 and loses the lead to
 * the next firm; a firm that writes in time does not; a firm that only
 * declined never owed an answer.
 */
static void
test_first_response(void **state)
{
    struct fx *f = *state;
    struct demo_app d;
    struct lx_err err = {0};
    const int64_t min = 60 * 1000;
    int64_t t0, due, silent, answered, firm_s, firm_a, v[3];
    char sql[512];

    demo_app_up(f, &d);
    t0 = tomorrow_ten(&d, &due);
    assert_true(due == t0 + 30 * min || due == t0 + 120 * min);
    silent = intake_at(&d, t0, "13800138001");
    answered = intake_at(&d, t0, "13800138002");
    /* Both offers carry the first-response deadline. */
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM sla_timer WHERE kind = 'first_response'"
             " AND start_ms = %lld AND due_ms = %lld",
             (long long)t0, (long long)due);
    assert_int_equal(count(f->st, sql), 2);
    firm_s = claim_as_lawyer(f, &d, silent, t0 + 2 * min);
    firm_a = claim_as_lawyer(f, &d, answered, t0 + 2 * min);

    /* The second firm's first message at 20 minutes meets its deadline. */
    v[0] = answered;
    v[1] = firm_a;
    v[2] = t0 + 20 * min;
    assert_int_equal(lx_store_write(f->st, contact_unit, v, &err), LX_OK);

    /* A minute past the deadline only the silent firm's fires. */
    assert_int_equal(fire_reoffer(&d, due + min), 1);
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM violation WHERE kind ="
             " 'first_response' AND clause = 'C5.1' AND firm_id = %lld",
             (long long)firm_s);
    assert_int_equal(count(f->st, sql), 1);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"
                                  " WHERE kind = 'first_response'"),
                     1);
    /* The silent firm's lead was taken back and went on: its offer is
     * cancelled, the lead is no longer the firm's. */
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM lead_offers WHERE lead_id = %lld AND"
             " firm_id = %lld AND outcome = 'cancelled' AND decline_reason ="
             " 'no_first_response'",
             (long long)silent, (long long)firm_s);
    assert_int_equal(count(f->st, sql), 1);
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM leads WHERE id = %lld AND state IN"
             " ('offered', 'exhausted') AND COALESCE(firm_id, 0) <> %lld",
             (long long)silent, (long long)firm_s);
    assert_int_equal(count(f->st, sql), 1);
    /* The answering firm keeps its lead. */
    snprintf(sql, sizeof(sql),
             "SELECT COUNT(*) FROM leads WHERE id = %lld AND state ="
             " 'claimed' AND firm_id = %lld",
             (long long)answered, (long long)firm_a);
    assert_int_equal(count(f->st, sql), 1);
    /* Firing again changes nothing: each deadline fires once. */
    assert_int_equal(fire_reoffer(&d, due + 10 * min), 0);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"
                                  " WHERE kind = 'first_response'"),
                     1);
    demo_app_down(&d);
}

/* A firm that declines the offer never owed the user an answer: its
 * first-response deadline fires without a violation. */
static void
test_first_response_declined(void **state)
{
    struct fx *f = *state;
    struct demo_app d;
    int64_t t0, due, lead, firm, lawyer;
    char sql[256];
    struct lx_ctx ctx;

    demo_app_up(f, &d);
    t0 = tomorrow_ten(&d, &due);
    lead = intake_at(&d, t0, "13800138003");
    snprintf(sql, sizeof(sql), "SELECT firm_id FROM leads WHERE id = %lld",
             (long long)lead);
    firm = count(f->st, sql);
    snprintf(sql, sizeof(sql),
             "SELECT MIN(id) FROM staff WHERE org_id = %lld AND role ="
             " 'lawyer'",
             (long long)firm);
    lawyer = count(f->st, sql);
    lx_ctx_init(&ctx, &d.app, t0 + 60000);
    ctx.actor.kind = LX_ACTOR_STAFF;
    ctx.actor.id = lawyer;
    ctx.actor.firm_id = firm;
    snprintf(ctx.actor.role, sizeof(ctx.actor.role), "lawyer");
    {
        struct lx_leads_opts o = {.on_answer = lx_sla_answer_hook};

        assert_int_equal(lx_leads_decline(&ctx, &o, lead, "no_capacity"),
                         LX_OK);
    }
    lx_ctx_release(&ctx);
    assert_true(fire_reoffer(&d, due + 60000) >= 1);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"
                                  " WHERE kind = 'first_response'"),
                     0);
    demo_app_down(&d);
}

/* The runner runs lead-trading detection every leads.detect_every_s of
 * its clock, the first time a minute after start, and says so in one log
 * line. */
static void
test_runner_detects(void **state)
{
    struct fx *f = *state;
    struct demo_app d;
    struct fake_clock clk;
    struct lx_sla_runner *r = NULL;
    struct lx_sla_runner_opts o = {.clock = fake_now,
                                   .clock_arg = &clk,
                                   .poll_ms = 20,
                                   .instance = "runner-detect"};
    struct lx_err err = {0};
    char path[128], buf[4096];
    int lines = 0;

    demo_app_up(f, &d);
    snprintf(path, sizeof(path), "%s/detect.log", f->dir);
    close(d.devnull);
    d.devnull = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(d.devnull >= 0);
    d.app.log.fd = d.devnull;
    d.app.log.min_level = LX_LOG_INFO;
    d.conf.leads_detect_every_s = 600;
    atomic_init(&clk.now, lx_time_now_ms());
    assert_int_equal(lx_sla_runner_start(&d.app, &o, &r, &err), LX_OK);

    /* Three rounds at +61 s, +62 s and +11 min: two detections. */
    for (int step = 0; step < 3; step++) {
        static const int64_t at[] = {61000, 62000, 661000};
        int64_t base = atomic_load(&clk.now);

        atomic_store(&clk.now, base - (step == 0 ? 0 : at[step - 1]) +
                                   at[step]);
        for (int i = 0; i < 50; i++) {
            lx_sla_runner_kick(r);
            usleep(20000);
        }
    }
    lx_sla_runner_stop(r);
    {
        int fd = open(path, O_RDONLY);
        ssize_t n;

        assert_true(fd >= 0);
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        assert_true(n > 0);
        buf[n] = '\0';
    }
    for (const char *p = buf; (p = strstr(p, "\"leads_detect\"")) != NULL;
         p++) {
        lines++;
    }
    assert_int_equal(lines, 2);
    unlink(path);
    demo_app_down(&d);
}

/* The routing record from first-response deadlines: answered ones of
 * the last 30 days, median time to answer per firm. */
struct record_req {
    int64_t now;
    struct lx_route_firm firms[3];
};

static lx_rc
record_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct record_req *q = arg;

    return lx_sla_route_record_tx(NULL, tx, q->now, q->firms, 3, err);
}

static void
test_route_record(void **state)
{
    struct fx *f = *state;
    struct record_req q = {.now = 40LL * 86400000};
    struct lx_err err = {0};
    const int64_t t = q.now - 86400000; /* a day before */

    q.firms[0].id = 1;
    q.firms[1].id = 2;
    q.firms[2].id = 3;
    /* Firm 1 answers in 60 s, 120 s and 600 s: median 120 s. */
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 1, 1, t, t + 1800000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 2, 1, t, t + 1800000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 3, 1, t, t + 1800000, true);
    satisfy(f->st, LX_SLA_FIRST_RESPONSE, 1, t + 60000);
    satisfy(f->st, LX_SLA_FIRST_RESPONSE, 2, t + 600000);
    satisfy(f->st, LX_SLA_FIRST_RESPONSE, 3, t + 120000);
    /* Firm 2: 300 s and 900 s (median 600 s), one unanswered, and one
     * answered 31 days ago (outside the window). */
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 4, 2, t, t + 1800000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 5, 2, t, t + 1800000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 6, 2, t, t + 1800000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 7, 2, q.now - 31LL * 86400000,
             q.now - 31LL * 86400000 + 1800000, true);
    satisfy(f->st, LX_SLA_FIRST_RESPONSE, 4, t + 300000);
    satisfy(f->st, LX_SLA_FIRST_RESPONSE, 5, t + 900000);
    satisfy(f->st, LX_SLA_FIRST_RESPONSE, 7, q.now - 31LL * 86400000 + 5000);
    /* Complaints are another clock: never in the first-response record. */
    schedule(f->st, LX_SLA_COMPLAINT, 8, 3, t, t + 1800000, true);
    satisfy(f->st, LX_SLA_COMPLAINT, 8, t + 1000);

    assert_int_equal(lx_store_read(f->st, record_unit, &q, &err), LX_OK);
    assert_int_equal(q.firms[0].responses_measured, 3);
    assert_int_equal(q.firms[0].first_response_median_s, 120);
    assert_int_equal(q.firms[1].responses_measured, 2);
    assert_int_equal(q.firms[1].first_response_median_s, 600);
    assert_int_equal(q.firms[2].responses_measured, 0);
    assert_int_equal(q.firms[2].first_response_median_s, 0);
}

struct fig_collect {
    struct lx_sla_figures f[4];
    int n;
};

static lx_rc
fig_fn(const struct lx_sla_figures *fg, void *arg)
{
    struct fig_collect *c = arg;

    if (c->n < 4) {
        c->f[c->n] = *fg;
    }
    c->n++;
    return LX_OK;
}

struct vcount {
    int64_t firm[4];
    char clause[4][16];
    int64_t n[4];
    int rows;
};

static lx_rc
vcount_fn(int64_t firm_id, const char *clause, int64_t n, void *arg)
{
    struct vcount *v = arg;

    if (v->rows < 4) {
        v->firm[v->rows] = firm_id;
        snprintf(v->clause[v->rows], sizeof(v->clause[0]), "%s", clause);
        v->n[v->rows] = n;
    }
    v->rows++;
    return LX_OK;
}

static lx_rc
vcount_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_enforce_violation_counts_tx(tx, 0, 10000000, vcount_fn, arg, err);
}

struct vlist {
    struct lx_enforce_violation v[8];
    int n;
};

static lx_rc
vlist_fn(const struct lx_enforce_violation *v, void *arg)
{
    struct vlist *l = arg;

    if (l->n < 8) {
        l->v[l->n] = *v;
    }
    l->n++;
    return LX_OK;
}

static lx_rc
vlist_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_enforce_violation_list_tx(tx, 1, 0, 10000000, 0, vlist_fn, arg,
                                        err);
}

static void
test_board(void **state)
{
    struct fx *f = *state;
    struct fig_collect fc = {0};
    struct vcount vc = {0};
    struct vlist vl = {0};
    struct lx_err err = {0};
    struct lx_sla_filter firm1 = {
        .open_only = true, .firm_id = 1, .kind = LX_SLA_FIRST_RESPONSE};
    struct collect c;

    /* Firm 1: answered in 10 and 30 min, one breach; firm 2: one open. */
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 1, 1, 0, 1800000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 2, 1, 0, 1800000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 3, 1, 0, 1800000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 4, 1, 0, 9000000, true);
    schedule(f->st, LX_SLA_FIRST_RESPONSE, 5, 2, 0, 1800000, true);
    schedule(f->st, LX_SLA_COMPLAINT, 6, 1, 0, 1000, true);
    assert_int_equal(satisfy(f->st, LX_SLA_FIRST_RESPONSE, 1, 600000),
                     LX_SLA_OUTCOME_MET);
    assert_int_equal(satisfy(f->st, LX_SLA_FIRST_RESPONSE, 2, 1800000),
                     LX_SLA_OUTCOME_MET);
    assert_int_equal(fire(f->st, 2000000, 64, "b"), 3); /* 3, 5, complaint */

    list(f->st, &firm1, &c);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.t[0].object_id, 4);

    assert_int_equal(
        lx_sla_figures(f->st, LX_SLA_FIRST_RESPONSE, 0, 10, fig_fn, &fc, &err),
        LX_OK);
    assert_int_equal(fc.n, 2);
    assert_int_equal(fc.f[0].firm_id, 1);
    assert_int_equal(fc.f[0].total, 4);
    assert_int_equal(fc.f[0].met, 2);
    assert_int_equal(fc.f[0].breached, 1);
    assert_int_equal(fc.f[0].open, 1);
    assert_int_equal(fc.f[0].answered, 2);
    assert_int_equal(fc.f[0].mean_ms, 1200000);
    assert_int_equal(fc.f[0].max_ms, 1800000);
    assert_int_equal(fc.f[1].firm_id, 2);
    assert_int_equal(fc.f[1].breached, 1);
    assert_int_equal(fc.f[1].answered, 0);
    assert_int_equal(
        lx_sla_figures(f->st, LX_SLA_KIND_NONE, 0, 10, fig_fn, &fc, &err),
        LX_EINVAL);

    /* Breaches per period, per firm and clause. */
    assert_int_equal(lx_store_read(f->st, vcount_unit, &vc, &err), LX_OK);
    assert_int_equal(vc.rows, 3);
    assert_int_equal(vc.firm[0], 1);
    assert_string_equal(vc.clause[0], "C5.1");
    assert_int_equal(vc.n[0], 1);
    assert_int_equal(vc.firm[1], 1);
    assert_string_equal(vc.clause[1], "C6.1");
    assert_int_equal(vc.firm[2], 2);
    assert_int_equal(lx_store_read(f->st, vlist_unit, &vl, &err), LX_OK);
    assert_int_equal(vl.n, 1 + 0 + 1);
    assert_string_equal(vl.v[0].object_ref, "complaint:6");
    assert_int_equal(vl.v[0].at_ms, 1000);
    assert_string_equal(vl.v[1].object_ref, "first_response:3");
    assert_string_equal(vl.v[1].evidence_ref, "sla_timer:3");
}

/* The ledger on its own: idempotent by (kind, object), checked input. */
struct add_req {
    int64_t firm;
    const char *clause, *kind, *obj, *ev;
    bool added;
};

static lx_rc
add_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct add_req *q = arg;

    return lx_enforce_violation_add_tx(tx, q->firm, q->clause, q->kind, q->obj,
                                       77, q->ev, &q->added, err);
}

static void
test_enforce_ledger(void **state)
{
    struct fx *f = *state;
    struct lx_err err = {0};
    struct add_req q = {.firm = 3,
                        .clause = "C5.2",
                        .kind = "conduct",
                        .obj = "message:9",
                        .ev = "scan:9"};
    static const struct {
        int64_t firm;
        const char *clause, *kind, *obj, *ev, *field;
    } bad[] = {
        {0, "C5.2", "k", "o", "e", "firm_id"},
        {1, "5.2", "k", "o", "e", "clause"},
        {1, "C5.", "k", "o", "e", "clause"},
        {1, "C5.2x", "k", "o", "e", "clause"},
        {1, "C5.2", "", "o", "e", "kind"},
        {1, "C5.2", "k", "o o", "e", "object_ref"},
        {1, "C5.2", "k", "o", NULL, "evidence_ref"},
    };

    assert_int_equal(lx_store_write(f->st, add_unit, &q, &err), LX_OK);
    assert_true(q.added);
    q.firm = 4; /* a different firm does not make it a new breach */
    assert_int_equal(lx_store_write(f->st, add_unit, &q, &err), LX_OK);
    assert_false(q.added);
    assert_int_equal(count(f->st, "SELECT COUNT(*) FROM violation"), 1);
    assert_int_equal(count(f->st, "SELECT firm_id FROM violation"), 3);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct add_req b = {.firm = bad[i].firm,
                            .clause = bad[i].clause,
                            .kind = bad[i].kind,
                            .obj = bad[i].obj,
                            .ev = bad[i].ev};
        assert_int_equal(lx_store_write(f->st, add_unit, &b, &err), LX_EINVAL);
        assert_string_equal(err.field, bad[i].field);
    }
}

static void
test_due_on_calendar(void **state)
{
    static const char csv[] = "date,kind,schedule_year\n"
                              "2026-10-01,holiday,2026\n";
    struct lx_cal *cal = NULL;
    struct lx_err err = {0};
    int64_t start = 0, due = 0, want = 0;
    bool fb = true;

    (void)state;
    assert_int_equal(lx_cal_load(csv, sizeof(csv) - 1, &cal, &err), LX_OK);
    /* Friday 2026-11-27 10:00 +08:00. */
    assert_int_equal(
        lx_time_parse_iso("2026-11-27T10:00:00+08:00", 25, &start, NULL, &err),
        LX_OK);
    assert_int_equal(
        lx_sla_due(cal, LX_SLA_FIRST_RESPONSE, start, &due, &fb, &err), LX_OK);
    assert_false(fb);
    assert_int_equal(due, start + 30 * 60000);
    assert_int_equal(
        lx_sla_due(cal, LX_SLA_COMPLAINT_URGENT, start, &due, NULL, &err),
        LX_OK);
    assert_int_equal(due, start + 4 * 3600000);
    assert_int_equal(
        lx_sla_due(NULL, LX_SLA_INCIDENT_CAC, start, &due, NULL, &err), LX_OK);
    assert_int_equal(due, start + 4 * 3600000);
    /* One working day from a Friday: the end of Monday. */
    assert_int_equal(lx_sla_due(cal, LX_SLA_COMPLAINT, start, &due, NULL, &err),
                     LX_OK);
    assert_int_equal(lx_time_parse_iso("2026-11-30T23:59:59.999+08:00", 29,
                                       &want, NULL, &err),
                     LX_OK);
    assert_int_equal(due, want);
    /* Saturday: a special period, 2 hours. */
    assert_int_equal(lx_sla_due(cal, LX_SLA_FIRST_RESPONSE, start + 86400000,
                                &due, NULL, &err),
                     LX_OK);
    assert_int_equal(due, start + 86400000 + 120 * 60000);
    assert_int_equal(lx_sla_due(cal, LX_SLA_DELETION, start, &due, NULL, &err),
                     LX_EINVAL);
    assert_int_equal(
        lx_sla_due(NULL, LX_SLA_COMPLAINT, start, &due, NULL, &err), LX_EINVAL);
    lx_cal_free(cal);
}

/* The store's LX_SKIP_LOCKED word: replaced where it is a word of the
 * statement, kept inside literals and comments. */
static lx_rc
word_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t n = 0;
    const char *t;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT 'LX_SKIP_LOCKED', key /* LX_SKIP_LOCKED */"
                          " FROM meta WHERE key = :k LX_SKIP_LOCKED",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_bind_text(s, "k", "instance_id", 11);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && row) {
        t = lx_store_col_text(s, 0, &n);
        *(bool *)arg = n == 14 && memcmp(t, "LX_SKIP_LOCKED", 14) == 0;
    }
    lx_store_stmt_free(s);
    return rc;
}

static void
test_skip_locked_word(void **state)
{
    struct fx *f = *state;
    struct lx_err err = {0};
    bool literal_kept = false;

    assert_int_equal(lx_store_write(f->st, word_unit, &literal_kept, &err),
                     LX_OK);
    assert_true(literal_kept);
}

static void
test_heap(void **state)
{
    struct lx_sla_heap h;
    struct lx_sla_heap_item it;
    int64_t prev_due = INT64_MIN, prev_id = 0;
    unsigned seed = 12345;

    (void)state;
    lx_sla_heap_init(&h);
    assert_null(lx_sla_heap_peek(&h));
    assert_false(lx_sla_heap_pop(&h, &it));
    for (int i = 1; i <= 5000; i++) {
        seed = seed * 1103515245u + 12345u;
        lx_sla_heap_push(&h, (int64_t)(seed >> 16) % 1000, i);
    }
    assert_int_equal(h.n, 5000);
    for (int i = 0; i < 5000; i++) {
        assert_true(lx_sla_heap_pop(&h, &it));
        assert_true(it.due_ms > prev_due ||
                    (it.due_ms == prev_due && it.id > prev_id));
        prev_due = it.due_ms;
        prev_id = it.id;
    }
    assert_false(lx_sla_heap_pop(&h, NULL));
    lx_sla_heap_release(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_heap),
        cmocka_unit_test(test_due_on_calendar),
        cmocka_unit_test_setup_teardown(test_schedule_idempotent, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_satisfy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fire_exactly_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_late_after_downtime, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fire_args, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_claimers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_runner_reoffers_timed_out_leads,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_runner_injected_clock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_first_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_route_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runner_detects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_first_response_declined, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_board, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enforce_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_locked_word, setup, teardown),
    };
    const char *backend = getenv("LX_TEST_BACKEND");

    if (backend != NULL && strcmp(backend, "postgres") == 0) {
        pg_url = getenv("LX_TEST_PG_URL");
        if (pg_url == NULL || pg_url[0] == '\0') {
            fprintf(stderr, "LX_TEST_PG_URL is not set\n");
            return 1;
        }
        return cmocka_run_group_tests_name("sla/postgres", tests, NULL, NULL);
    }
    return cmocka_run_group_tests_name("sla/sqlite", tests, NULL, NULL);
}
