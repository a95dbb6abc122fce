/*
 * runner — the daemon's SLA thread (sla.h): a heap of open deadlines
 * rebuilt from the store at start, a sleep until the soonest one or the
 * poll interval, and fire units until nothing is due.
 */
#include "sla/sla.h"

#include "base/conf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "leads/leads.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_GRACE_MS 5000
#define DEFAULT_POLL_MS 1000
#define DEFAULT_BATCH 64

struct lx_sla_runner {
    struct lx_app *app;
    struct lx_sla_runner_opts o;
    char instance[LX_SLA_FIRED_BY_MAX + 1];

    pthread_t thread;
    pthread_mutex_t mu; /* guards heap, stop, kicked */
    pthread_cond_t cv;  /* on CLOCK_MONOTONIC */
    bool stop;
    bool kicked;
    struct lx_sla_heap heap;
    int64_t max_id;   /* highest row id loaded into the heap (runner only) */
    int64_t sleep_ms; /* until the next round (guarded by mu) */
    int64_t next_detect_ms; /* next lead-trading detection (runner only) */
    atomic_ullong fired;
};

static int64_t
wall_clock(void *arg)
{
    (void)arg;
    return lx_time_now_ms();
}

static int64_t
now_ms(const struct lx_sla_runner *r)
{
    return r->o.clock(r->o.clock_arg);
}

/* "<host>:<pid>", reduced to log-token characters. */
static void
default_instance(char *out, size_t size)
{
    char host[48] = "host";

    if (gethostname(host, sizeof(host)) != 0) {
        snprintf(host, sizeof(host), "%s", "host");
    }
    host[sizeof(host) - 1] = '\0';
    for (char *p = host; *p != '\0'; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.')) {
            *p = '_';
        }
    }
    snprintf(out, size, "%s:%ld", host[0] != '\0' ? host : "host",
             (long)getpid());
}

static void
log_failure(struct lx_sla_runner *r, const char *event, lx_rc rc)
{
    struct lx_log_line l;

    lx_log_begin(&l, &r->app->log, LX_LOG_ERROR, event, NULL, lx_time_now_ms());
    lx_log_id(&l, "code", lx_rc_name(rc));
    lx_log_id(&l, "by", r->instance);
    lx_log_end(&l);
}

/* ---- loading the heap --------------------------------------------------- */

struct load_req {
    struct lx_sla_runner *r;
    int64_t max_id;
    size_t added;
};

static lx_rc
load_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct load_req *q = arg;
    struct lx_sla_runner *r = q->r;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    q->max_id = r->max_id;
    q->added = 0;
    rc = lx_store_prepare(tx,
                          "SELECT due_ms, id FROM sla_timer"
                          " WHERE state = 'open' AND id > :after ORDER BY id",
                          &s, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (lx_store_bind_int(s, "after", r->max_id) != LX_OK) {
        lx_store_stmt_free(s);
        return lx_err_set(err, LX_EINTERNAL, NULL, "cannot bind the scan");
    }
    for (;;) {
        int64_t due, id;

        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        due = lx_store_col_int(s, 0);
        id = lx_store_col_int(s, 1);
        pthread_mutex_lock(&r->mu);
        lx_sla_heap_push(&r->heap, due, id);
        pthread_mutex_unlock(&r->mu);
        q->added++;
        if (id > q->max_id) {
            q->max_id = id;
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

/* Add open rows newer than the last scan. A row whose id committed out of
 * order (PostgreSQL identities) is missed here but still fires: every wake
 * claims from the store, not from the heap. */
static lx_rc
heap_refresh(struct lx_sla_runner *r, size_t *added, struct lx_err *err)
{
    struct load_req q = {.r = r};
    lx_rc rc = lx_store_read(r->app->store, load_unit, &q, err);

    if (rc == LX_OK) {
        r->max_id = q.max_id;
    }
    if (added != NULL) {
        *added = q.added;
    }
    return rc;
}

/* ---- the thread --------------------------------------------------------- */

/* Fire until a unit comes back short. LX_OK means every row due at 'now'
 * has been handled by someone (fired here or elsewhere, or met); *fired
 * counts what this call fired. */
/* The leads options the runner re-offers with: the configured windows,
 * and the offer hook scheduling each new window and first response. */
static void
reoffer_opts(const struct lx_sla_runner *r, struct lx_leads_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->on_offer = lx_sla_offer_hook;
    o->on_answer = lx_sla_answer_hook;
    o->record = lx_sla_route_record_tx;
    o->on_offer_arg = (void *)(uintptr_t)r->o.cal; /* read only */
    if (r->app->conf != NULL) {
        o->window_ms = r->app->conf->leads_offer_window_s * 1000;
        o->dedupe_window_ms = r->app->conf->leads_dedupe_window_s * 1000;
    }
}

static lx_rc
fire_all(struct lx_sla_runner *r, int64_t now, struct lx_err *err)
{
    struct lx_leads_opts lo;
    struct lx_sla_fire_opts fo = {
        .now_ms = now,
        .grace_ms = r->o.grace_ms,
        .limit = r->o.batch,
        .fired_by = r->instance,
        .log = &r->app->log,
        .app = r->app->keys != NULL ? r->app : NULL,
        .reoffer = &lo,
    };

    reoffer_opts(r, &lo);

    for (;;) {
        int fired = 0;
        lx_rc rc = lx_sla_fire_due(r->app->store, &fo, &fired, err);

        if (rc != LX_OK) {
            return rc;
        }
        atomic_fetch_add(&r->fired, (unsigned long long)fired);
        if (fired < fo.limit) {
            return LX_OK;
        }
        pthread_mutex_lock(&r->mu);
        if (r->stop) {
            pthread_mutex_unlock(&r->mu);
            return LX_ECONFLICT; /* stopping: not all handled */
        }
        pthread_mutex_unlock(&r->mu);
    }
}

/* Drop what is due by 'now' from the heap (all handled: see fire_all) and
 * return how long to sleep. Called with r->mu held. */
static int64_t
heap_settle(struct lx_sla_runner *r, int64_t now, bool handled)
{
    const struct lx_sla_heap_item *top;
    int64_t sleep_ms = r->o.poll_ms;

    while (handled && (top = lx_sla_heap_peek(&r->heap)) != NULL &&
           top->due_ms <= now) {
        lx_sla_heap_pop(&r->heap, NULL);
    }
    top = lx_sla_heap_peek(&r->heap);
    if (top != NULL && top->due_ms - now < sleep_ms) {
        sleep_ms = top->due_ms - now < 1 ? 1 : top->due_ms - now;
    }
    return sleep_ms;
}

/*
 * Offers whose window has run out go to the next firm (the lead_offer
 * deadlines themselves only record the breach): leads/ times them out and
 * re-offers in one unit each batch, scheduling each new window here.
 */
static lx_rc
reoffer_due(struct lx_sla_runner *r, int64_t now, struct lx_err *err)
{
    struct lx_leads_opts o;
    struct lx_ctx ctx;
    int64_t n = 0;
    lx_rc rc;

    reoffer_opts(r, &o);
    lx_ctx_init(&ctx, r->app, now);
    ctx.actor.kind = LX_ACTOR_SYSTEM;
    snprintf(ctx.req_id, sizeof(ctx.req_id), "sla-%.40s", r->instance);
    do {
        rc = lx_leads_timeout_due(&ctx, &o, 64, &n);
    } while (rc == LX_OK && n == 64);
    if (rc != LX_OK) {
        *err = ctx.err;
    }
    lx_ctx_release(&ctx);
    return rc;
}

/*
 * Lead-trading detection (C5.9) every leads.detect_every_s: signals go to
 * the violation ledger, idempotent by kind and object, so two daemons
 * running it at once record each signal once. Announced as one
 * "leads_detect" line of counts.
 */
static void
detect_due(struct lx_sla_runner *r, int64_t now)
{
    int64_t every = r->app->conf != NULL ? r->app->conf->leads_detect_every_s
                                         : 0;
    struct lx_leads_detect_report rep;
    struct lx_log_line l;
    struct lx_ctx ctx;

    if (every <= 0 || r->app->keys == NULL || now < r->next_detect_ms) {
        return;
    }
    r->next_detect_ms = now + every * 1000;
    lx_ctx_init(&ctx, r->app, now);
    ctx.actor.kind = LX_ACTOR_SYSTEM;
    snprintf(ctx.req_id, sizeof(ctx.req_id), "detect-%.40s", r->instance);
    if (lx_leads_detect_run(&ctx, NULL, &rep) != LX_OK) {
        log_failure(r, "leads_detect_failed", ctx.err.rc);
    } else {
        lx_log_begin(&l, &r->app->log,
                     rep.recorded > 0 ? LX_LOG_WARN : LX_LOG_INFO,
                     "leads_detect", NULL, lx_time_now_ms());
        lx_log_int(&l, "signals", rep.signals);
        lx_log_int(&l, "recorded", rep.recorded);
        lx_log_id(&l, "by", r->instance);
        lx_log_end(&l);
    }
    lx_ctx_release(&ctx);
}

/* One round: new rows into the heap, fire what is due. Store errors are
 * logged and retried at the next wake. */
static bool
round_once(struct lx_sla_runner *r, int64_t *now)
{
    struct lx_err err = {0};
    lx_rc rc;

    if (heap_refresh(r, NULL, &err) != LX_OK) {
        log_failure(r, "sla_scan_failed", err.rc);
    }
    *now = now_ms(r);
    rc = fire_all(r, *now, &err);
    if (rc != LX_OK && rc != LX_ECONFLICT) {
        log_failure(r, "sla_fire_failed", rc);
    }
    if (rc == LX_OK && r->app->keys != NULL &&
        reoffer_due(r, *now, &err) != LX_OK) {
        log_failure(r, "lead_reoffer_failed", err.rc);
    }
    detect_due(r, *now);
    return rc == LX_OK;
}

/* Sleep up to 'ms' of real time, or until kicked or stopped. Called with
 * r->mu held. */
static void
wait_ms(struct lx_sla_runner *r, int64_t ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (!r->stop && !r->kicked) {
        if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) == ETIMEDOUT) {
            break;
        }
    }
    r->kicked = false;
}

static void *
runner_main(void *arg)
{
    struct lx_sla_runner *r = arg;

    pthread_mutex_lock(&r->mu);
    while (!r->stop) {
        int64_t now;
        bool handled;

        /* The first round ran in lx_sla_runner_start: wait first. */
        wait_ms(r, r->sleep_ms);
        if (r->stop) {
            break;
        }
        pthread_mutex_unlock(&r->mu);
        handled = round_once(r, &now);
        pthread_mutex_lock(&r->mu);
        r->sleep_ms = heap_settle(r, now, handled);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

lx_rc
lx_sla_runner_start(struct lx_app *app, const struct lx_sla_runner_opts *o,
                    struct lx_sla_runner **out, struct lx_err *err)
{
    struct lx_sla_runner *r;
    pthread_condattr_t ca;
    size_t loaded = 0;
    int64_t now = 0;
    struct lx_log_line l;
    lx_rc rc;

    *out = NULL;
    if (app == NULL || app->store == NULL) {
        return lx_err_set(err, LX_EINVAL, NULL, "the SLA runner needs a store");
    }
    r = lx_xcalloc(1, sizeof(*r));
    r->app = app;
    if (o != NULL) {
        r->o = *o;
    }
    if (r->o.clock == NULL) {
        r->o.clock = wall_clock;
        r->o.clock_arg = NULL;
    }
    if (r->o.grace_ms <= 0) {
        r->o.grace_ms = DEFAULT_GRACE_MS;
    }
    if (r->o.poll_ms <= 0) {
        r->o.poll_ms = DEFAULT_POLL_MS;
    }
    if (r->o.batch <= 0) {
        r->o.batch = DEFAULT_BATCH;
    }
    if (r->o.batch > LX_SLA_FIRE_MAX) {
        r->o.batch = LX_SLA_FIRE_MAX;
    }
    if (r->o.instance != NULL) {
        if (strlen(r->o.instance) > LX_SLA_FIRED_BY_MAX ||
            !lx_log_token_ok(r->o.instance) || r->o.instance[0] == '\0') {
            free(r);
            return lx_err_set(err, LX_EINVAL, "instance",
                              "must be a short token");
        }
        snprintf(r->instance, sizeof(r->instance), "%s", r->o.instance);
    } else {
        default_instance(r->instance, sizeof(r->instance));
    }
    r->o.instance = r->instance;
    lx_sla_heap_init(&r->heap);
    atomic_init(&r->fired, 0);
    pthread_mutex_init(&r->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);

    /* The first round runs here, before the daemon serves: the heap is
     * rebuilt and deadlines missed while no daemon ran fire now, marked
     * late. A store failure here fails the start. */
    rc = heap_refresh(r, &loaded, err);
    if (rc == LX_OK) {
        now = now_ms(r);
        rc = fire_all(r, now, err);
    }
    if (rc != LX_OK) {
        goto fail;
    }
    r->sleep_ms = heap_settle(r, now, true);
    /* Detection runs in the thread, a minute after start at the latest:
     * it never delays serving. */
    r->next_detect_ms = now + 60000;
    if (pthread_create(&r->thread, NULL, runner_main, r) != 0) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL,
                        "cannot start the SLA runner thread");
        goto fail;
    }
    lx_log_begin(&l, &app->log, LX_LOG_DEBUG, "sla_runner_started", NULL,
                 lx_time_now_ms());
    lx_log_int(&l, "open", (int64_t)loaded);
    lx_log_id(&l, "by", r->instance);
    lx_log_end(&l);
    *out = r;
    return LX_OK;

fail:
    lx_sla_heap_release(&r->heap);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
    return rc;
}

void
lx_sla_runner_kick(struct lx_sla_runner *r)
{
    pthread_mutex_lock(&r->mu);
    r->kicked = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

size_t
lx_sla_runner_pending(struct lx_sla_runner *r)
{
    size_t n;

    pthread_mutex_lock(&r->mu);
    n = r->heap.n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

uint64_t
lx_sla_runner_fired(struct lx_sla_runner *r)
{
    return atomic_load(&r->fired);
}

void
lx_sla_runner_stop(struct lx_sla_runner *r)
{
    if (r == NULL) {
        return;
    }
    pthread_mutex_lock(&r->mu);
    r->stop = true;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->thread, NULL);
    lx_sla_heap_release(&r->heap);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
