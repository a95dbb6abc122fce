/*
 * timer — durable deadlines: kinds, schedule, satisfy, the fire unit and
 * the board's reads (sla.h).
 */
#include "sla/sla.h"

#include "base/conf.h"
#include "base/err.h"
#include "base/file.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "cal/cal.h"
#include "enforce/enforce.h"
#include "leads/leads.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One row per kind: its name, the clause it measures, and whether a breach
 * is the firm's violation. */
static const struct {
    const char *name;
    const char *clause;
    bool violation;
} kinds[LX_SLA_KIND_COUNT] = {
    [LX_SLA_LEAD_OFFER] = {"lead_offer", "C5.1", false},
    [LX_SLA_FIRST_RESPONSE] = {"first_response", "C5.1", true},
    [LX_SLA_COMPLAINT] = {"complaint", "C6.1", true},
    [LX_SLA_COMPLAINT_URGENT] = {"complaint_urgent", "C6.1", true},
    [LX_SLA_INCIDENT_REPORT] = {"incident_report", "C6.2", true},
    [LX_SLA_INCIDENT_CAC] = {"incident_cac", "C6.2", false},
    [LX_SLA_EVIDENCE_REQUEST] = {"evidence_request", "C6.3", true},
    [LX_SLA_DELETION] = {"deletion", "C7.2", true},
};

static bool
kind_ok(enum lx_sla_kind kind)
{
    return kind > LX_SLA_KIND_NONE && kind < LX_SLA_KIND_COUNT;
}

const char *
lx_sla_kind_name(enum lx_sla_kind kind)
{
    return kind_ok(kind) ? kinds[kind].name : NULL;
}

enum lx_sla_kind
lx_sla_kind_parse(const char *s)
{
    for (int k = LX_SLA_KIND_NONE + 1; k < LX_SLA_KIND_COUNT; k++) {
        if (s != NULL && strcmp(s, kinds[k].name) == 0) {
            return (enum lx_sla_kind)k;
        }
    }
    return LX_SLA_KIND_NONE;
}

const char *
lx_sla_kind_clause(enum lx_sla_kind kind)
{
    return kind_ok(kind) ? kinds[kind].clause : NULL;
}

bool
lx_sla_kind_is_violation(enum lx_sla_kind kind)
{
    return kind_ok(kind) && kinds[kind].violation;
}

static enum lx_sla_kind
kind_parse_n(const char *s, size_t n)
{
    for (int k = LX_SLA_KIND_NONE + 1; k < LX_SLA_KIND_COUNT; k++) {
        if (s != NULL && strlen(kinds[k].name) == n &&
            memcmp(s, kinds[k].name, n) == 0) {
            return (enum lx_sla_kind)k;
        }
    }
    return LX_SLA_KIND_NONE;
}

const char *
lx_sla_state_name(enum lx_sla_state state)
{
    switch (state) {
    case LX_SLA_OPEN:
        return "open";
    case LX_SLA_FIRED:
        return "fired";
    case LX_SLA_SATISFIED:
        return "satisfied";
    }
    return "open";
}

lx_rc
lx_sla_calendar_load(const struct lx_conf *conf, struct lx_cal **out,
                     struct lx_err *err)
{
    struct lx_data d;
    lx_rc rc;

    *out = NULL;
    rc = lx_data_open(conf->calendar_file, "data/cn-holidays/", ".csv",
                      LX_CAL_MAX_CSV_BYTES, "calendar.file", &d, err);
    if (rc == LX_OK) {
        rc = lx_cal_load(d.p, d.len, out, err);
    }
    lx_data_release(&d);
    return rc;
}

lx_rc
lx_sla_due(const struct lx_cal *cal, enum lx_sla_kind kind, int64_t start_ms,
           int64_t *due_ms, bool *fallback, struct lx_err *err)
{
    struct lx_cal_rule rule = {0};
    struct lx_cal_result res = {0};
    lx_rc rc;

    if (fallback != NULL) {
        *fallback = false;
    }
    switch (kind) {
    case LX_SLA_FIRST_RESPONSE:
        rule.kind = LX_CAL_FIRST_RESPONSE; /* C5.1 */
        break;
    case LX_SLA_COMPLAINT:
        rule.kind = LX_CAL_WORKING_DAYS; /* C6.1 general: 1 working day */
        rule.count = 1;
        break;
    case LX_SLA_COMPLAINT_URGENT: /* C6.1 urgent: 4 hours */
    case LX_SLA_INCIDENT_CAC:     /* serious incident to the CAC: 4 hours */
        rule.kind = LX_CAL_HOURS;
        rule.count = 4;
        break;
    case LX_SLA_KIND_NONE:
    case LX_SLA_LEAD_OFFER:
    case LX_SLA_INCIDENT_REPORT:
    case LX_SLA_EVIDENCE_REQUEST:
    case LX_SLA_DELETION:
    case LX_SLA_KIND_COUNT:
        return lx_err_set(err, LX_EINVAL, "kind",
                          "this kind has no calendar rule; set its due time");
    }
    if (cal == NULL && rule.kind != LX_CAL_HOURS) {
        return lx_err_set(err, LX_EINVAL, "calendar", "needs a calendar");
    }
    rc = lx_cal_deadline_fallback(cal, start_ms, &rule, &res, err);
    if (rc != LX_OK) {
        return rc;
    }
    *due_ms = res.deadline_ms;
    if (fallback != NULL) {
        *fallback = (res.flags & LX_CAL_RESULT_FALLBACK) != 0;
    }
    return LX_OK;
}

/* ---- schedule and satisfy ----------------------------------------------- */

lx_rc
lx_sla_schedule_tx(struct lx_store_tx *tx, enum lx_sla_kind kind,
                   int64_t object_id, int64_t firm_id, int64_t start_ms,
                   int64_t due_ms, bool *created, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    const char *name = lx_sla_kind_name(kind);
    bool row = false;
    lx_rc rc;

    if (created != NULL) {
        *created = false;
    }
    if (name == NULL) {
        return lx_err_set(err, LX_EINVAL, "kind", "unknown deadline kind");
    }
    if (object_id <= 0) {
        return lx_err_set(err, LX_EINVAL, "object_id", "must be positive");
    }
    if (firm_id <= 0) {
        return lx_err_set(err, LX_EINVAL, "firm_id", "must be positive");
    }
    if (start_ms > due_ms) {
        return lx_err_set(err, LX_EINVAL, "due_ms",
                          "must not be before the start");
    }
    rc = lx_store_prepare(tx,
                          "INSERT INTO sla_timer (kind, object_id, firm_id,"
                          " start_ms, due_ms, state, late, created_ms)"
                          " VALUES (:kind, :obj, :firm, :start, :due, 'open',"
                          " 0, :start)"
                          " ON CONFLICT (kind, object_id) DO NOTHING"
                          " RETURNING id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lx_store_bind_text(s, "kind", name, strlen(name)) != LX_OK ||
        lx_store_bind_int(s, "obj", object_id) != LX_OK ||
        lx_store_bind_int(s, "firm", firm_id) != LX_OK ||
        lx_store_bind_int(s, "start", start_ms) != LX_OK ||
        lx_store_bind_int(s, "due", due_ms) != LX_OK) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "cannot bind the deadline");
        goto out;
    }
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK && created != NULL) {
        *created = row;
    }

out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_sla_satisfy_tx(struct lx_store_tx *tx, enum lx_sla_kind kind,
                  int64_t object_id, int64_t at_ms, enum lx_sla_outcome *out,
                  struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    const char *name = lx_sla_kind_name(kind);
    bool row = false;
    lx_rc rc;

    if (out != NULL) {
        *out = LX_SLA_OUTCOME_NONE;
    }
    if (name == NULL) {
        return lx_err_set(err, LX_EINVAL, "kind", "unknown deadline kind");
    }
    /* Met in time closes it; met late leaves the state alone, so the
     * breach is fired (or stays fired) whoever reaches the row first. */
    rc = lx_store_prepare(tx,
                          "UPDATE sla_timer SET done_ms = :at,"
                          " state = CASE WHEN state = 'open' AND due_ms >= :at"
                          " THEN 'satisfied' ELSE state END"
                          " WHERE kind = :kind AND object_id = :obj"
                          " AND done_ms IS NULL RETURNING state",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lx_store_bind_int(s, "at", at_ms) != LX_OK ||
        lx_store_bind_text(s, "kind", name, strlen(name)) != LX_OK ||
        lx_store_bind_int(s, "obj", object_id) != LX_OK) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "cannot bind the deadline");
        goto out;
    }
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK && row && out != NULL) {
        size_t n = 0;
        const char *st = lx_store_col_text(s, 0, &n);
        *out = st != NULL && n == 9 && memcmp(st, "satisfied", 9) == 0
                   ? LX_SLA_OUTCOME_MET
                   : LX_SLA_OUTCOME_LATE;
    }
    if (rc == LX_OK && row) {
        /* Drain the statement so the update completes on every backend. */
        rc = lx_store_step(s, &row, err);
    }

out:
    lx_store_stmt_free(s);
    return rc;
}

struct schedule_req {
    enum lx_sla_kind kind;
    int64_t object_id, firm_id, start_ms, due_ms;
    bool created;
};

static lx_rc
schedule_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct schedule_req *q = arg;

    return lx_sla_schedule_tx(tx, q->kind, q->object_id, q->firm_id,
                              q->start_ms, q->due_ms, &q->created, err);
}

lx_rc
lx_sla_schedule(struct lx_store *st, enum lx_sla_kind kind, int64_t object_id,
                int64_t firm_id, int64_t start_ms, int64_t due_ms,
                bool *created, struct lx_err *err)
{
    struct schedule_req q = {.kind = kind,
                             .object_id = object_id,
                             .firm_id = firm_id,
                             .start_ms = start_ms,
                             .due_ms = due_ms};
    lx_rc rc = lx_store_write(st, schedule_unit, &q, err);

    if (created != NULL) {
        *created = rc == LX_OK && q.created;
    }
    return rc;
}

/* ---- the fire unit ------------------------------------------------------ */

struct fired_row {
    int64_t id, object_id, firm_id, due_ms;
    enum lx_sla_kind kind;
    bool late;
    bool violation; /* a violation record was written */
    bool revoked;   /* first response: the lead went to the next firm */
};

struct fire_req {
    const struct lx_sla_fire_opts *o;
    struct fired_row rows[LX_SLA_FIRE_MAX];
    int n;
};

/* The kind's breach handler: the violation with its clause, idempotent by
 * (kind, object). Kinds that are no violation only get the fired mark. */
static lx_rc
breach(struct lx_store_tx *tx, const struct lx_sla_fire_opts *o,
       struct fired_row *r, struct lx_err *err)
{
    enum lx_leads_offer_outcome oc = LX_LEADS_OFFER_OPEN;
    int64_t lead_id = 0, firm_id = 0;
    char obj[48], ev[48];
    bool found = false;
    lx_rc rc;

    if (!lx_sla_kind_is_violation(r->kind)) {
        return LX_OK;
    }
    if (r->kind == LX_SLA_FIRST_RESPONSE) {
        /* Only a firm that took the lead owed the user an answer; an
         * offer declined or left to time out is the offer window's. (A
         * deadline whose object is no offer — scheduled by hand with
         * `lexgate sla schedule` — is a breach as scheduled.) */
        rc = lx_leads_offer_get_tx(tx, r->object_id, &lead_id, &firm_id, &oc,
                                   &found, err);
        if (rc != LX_OK || (found && oc != LX_LEADS_OFFER_CLAIMED)) {
            return rc;
        }
    }
    snprintf(obj, sizeof(obj), "%s:%lld", lx_sla_kind_name(r->kind),
             (long long)r->object_id);
    snprintf(ev, sizeof(ev), "sla_timer:%lld", (long long)r->id);
    rc = lx_enforce_violation_add_tx(tx, r->firm_id,
                                     lx_sla_kind_clause(r->kind),
                                     lx_sla_kind_name(r->kind), obj, r->due_ms,
                                     ev, NULL, err);
    r->violation = rc == LX_OK;
    if (rc == LX_OK && r->kind == LX_SLA_FIRST_RESPONSE && o->app != NULL &&
        o->reoffer != NULL) {
        struct lx_ctx ctx;

        lx_ctx_init(&ctx, o->app, o->now_ms);
        ctx.actor.kind = LX_ACTOR_SYSTEM;
        snprintf(ctx.req_id, sizeof(ctx.req_id), "sla-%.40s", o->fired_by);
        rc = lx_leads_revoke_tx(tx, &ctx, o->reoffer, r->object_id,
                                &r->revoked, err);
        lx_ctx_release(&ctx);
    }
    return rc;
}

static lx_rc
fire_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct fire_req *q = arg;
    const struct lx_sla_fire_opts *o = q->o;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;
    int kept = 0;

    q->n = 0;
    /* Claim: soonest first; rows another daemon holds are skipped. */
    rc = lx_store_prepare(tx,
                          "SELECT id, kind, object_id, firm_id, due_ms"
                          " FROM sla_timer"
                          " WHERE state = 'open' AND due_ms <= :now"
                          " ORDER BY due_ms, id LIMIT :n LX_SKIP_LOCKED",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lx_store_bind_int(s, "now", o->now_ms) != LX_OK ||
        lx_store_bind_int(s, "n", o->limit) != LX_OK) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "cannot bind the claim");
        goto out;
    }
    while (q->n < o->limit) {
        struct fired_row *r = &q->rows[q->n];
        size_t n = 0;
        const char *k;

        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK) {
            goto out;
        }
        if (!row) {
            break;
        }
        r->id = lx_store_col_int(s, 0);
        k = lx_store_col_text(s, 1, &n);
        r->kind = kind_parse_n(k, n);
        r->object_id = lx_store_col_int(s, 2);
        r->firm_id = lx_store_col_int(s, 3);
        r->due_ms = lx_store_col_int(s, 4);
        r->late = o->now_ms > r->due_ms + o->grace_ms;
        q->n++;
    }
    lx_store_stmt_free(s);
    s = NULL;

    rc = lx_store_prepare(tx,
                          "UPDATE sla_timer SET state = 'fired',"
                          " fired_ms = :now, late = :late, fired_by = :by"
                          " WHERE id = :id AND state = 'open'",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    for (int i = 0; i < q->n; i++) {
        struct fired_row *r = &q->rows[i];

        if (r->kind == LX_SLA_KIND_NONE) {
            rc = lx_err_set(err, LX_EINTEGRITY, "kind",
                            "deadline %lld has an unknown kind",
                            (long long)r->id);
            goto out;
        }
        lx_store_reset(s);
        if (lx_store_bind_int(s, "now", o->now_ms) != LX_OK ||
            lx_store_bind_int(s, "late", r->late ? 1 : 0) != LX_OK ||
            lx_store_bind_text(s, "by", o->fired_by, strlen(o->fired_by)) !=
                LX_OK ||
            lx_store_bind_int(s, "id", r->id) != LX_OK) {
            rc = lx_err_set(err, LX_EINTERNAL, NULL, "cannot bind the mark");
            goto out;
        }
        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK) {
            goto out;
        }
        if (lx_store_changes(tx) != 1) {
            /* Fired by someone else after all (cannot happen under the row
             * lock or the single writer): not ours to handle. */
            continue;
        }
        rc = breach(tx, o, r, err);
        if (rc != LX_OK) {
            goto out;
        }
        q->rows[kept++] = *r;
    }
    q->n = kept;

out:
    lx_store_stmt_free(s);
    if (rc != LX_OK) {
        q->n = 0;
    }
    return rc;
}

static bool
token_ok(const char *s)
{
    size_t n;

    if (s == NULL || s[0] == '\0') {
        return false;
    }
    for (n = 0; s[n] != '\0'; n++) {
        if (n >= LX_SLA_FIRED_BY_MAX) {
            return false;
        }
    }
    return lx_log_token_ok(s);
}

lx_rc
lx_sla_fire_due(struct lx_store *st, const struct lx_sla_fire_opts *o,
                int *fired, struct lx_err *err)
{
    struct fire_req *q;
    lx_rc rc;

    *fired = 0;
    if (o->limit < 1 || o->limit > LX_SLA_FIRE_MAX) {
        return lx_err_set(err, LX_EINVAL, "limit", "must be 1..%d",
                          LX_SLA_FIRE_MAX);
    }
    if (!token_ok(o->fired_by)) {
        return lx_err_set(err, LX_EINVAL, "fired_by", "must be a short token");
    }
    q = lx_xcalloc(1, sizeof(*q));
    q->o = o;
    rc = lx_store_write(st, fire_unit, q, err);
    if (rc == LX_OK) {
        *fired = q->n;
        /* Notify the platform only once the breach is durable. */
        for (int i = 0; i < q->n && o->log != NULL; i++) {
            const struct fired_row *r = &q->rows[i];
            struct lx_log_line l;

            lx_log_begin(&l, o->log,
                         !lx_sla_kind_is_violation(r->kind) ? LX_LOG_ERROR
                         : r->violation                     ? LX_LOG_WARN
                                                            : LX_LOG_INFO,
                         "sla_breach", NULL, o->now_ms);
            lx_log_id(&l, "kind", lx_sla_kind_name(r->kind));
            lx_log_id(&l, "clause", lx_sla_kind_clause(r->kind));
            lx_log_int(&l, "timer", r->id);
            lx_log_int(&l, "object", r->object_id);
            lx_log_int(&l, "firm", r->firm_id);
            lx_log_int(&l, "due_ms", r->due_ms);
            lx_log_bool(&l, "late", r->late);
            lx_log_bool(&l, "violation", r->violation);
            if (r->kind == LX_SLA_FIRST_RESPONSE) {
                lx_log_bool(&l, "reoffered", r->revoked);
            }
            lx_log_id(&l, "by", o->fired_by);
            lx_log_end(&l);
        }
    }
    free(q);
    return rc;
}

/* ---- reads -------------------------------------------------------------- */

struct list_req {
    const struct lx_sla_filter *f;
    lx_sla_timer_fn *fn;
    void *arg;
};

static enum lx_sla_state
state_parse(const char *s, size_t n)
{
    if (s != NULL && n == 5 && memcmp(s, "fired", 5) == 0) {
        return LX_SLA_FIRED;
    }
    if (s != NULL && n == 9 && memcmp(s, "satisfied", 9) == 0) {
        return LX_SLA_SATISFIED;
    }
    return LX_SLA_OPEN;
}

static lx_rc
list_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct list_req *q = arg;
    const struct lx_sla_filter *f = q->f;
    const char *kind = lx_sla_kind_name(f->kind);
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT id, kind, object_id, firm_id, start_ms,"
                          " due_ms, state, done_ms, fired_ms, late, fired_by"
                          " FROM sla_timer"
                          " WHERE (state = 'open' OR :open_only = 0)"
                          " AND (firm_id = :firm OR :firm = 0)"
                          " AND (kind = :kind OR :kind = '')"
                          " ORDER BY due_ms, id LIMIT :lim",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lx_store_bind_int(s, "open_only", f->open_only ? 1 : 0) != LX_OK ||
        lx_store_bind_int(s, "firm", f->firm_id) != LX_OK ||
        lx_store_bind_text(s, "kind", kind != NULL ? kind : "",
                           kind != NULL ? strlen(kind) : 0) != LX_OK ||
        lx_store_bind_int(s, "lim", f->limit > 0 ? f->limit : INT64_MAX) !=
            LX_OK) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "cannot bind the filter");
        goto out;
    }
    for (;;) {
        struct lx_sla_timer t = {0};
        size_t n = 0;
        const char *v;

        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        t.id = lx_store_col_int(s, 0);
        v = lx_store_col_text(s, 1, &n);
        t.kind = kind_parse_n(v, n);
        t.object_id = lx_store_col_int(s, 2);
        t.firm_id = lx_store_col_int(s, 3);
        t.start_ms = lx_store_col_int(s, 4);
        t.due_ms = lx_store_col_int(s, 5);
        v = lx_store_col_text(s, 6, &n);
        t.state = state_parse(v, n);
        t.done_ms = lx_store_col_int(s, 7);
        t.fired_ms = lx_store_col_int(s, 8);
        t.late = lx_store_col_int(s, 9) != 0;
        v = lx_store_col_text(s, 10, &n);
        if (v != NULL && n < sizeof(t.fired_by)) {
            memcpy(t.fired_by, v, n);
            t.fired_by[n] = '\0';
        }
        rc = q->fn(&t, q->arg);
        if (rc != LX_OK) {
            break;
        }
    }

out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_sla_list(struct lx_store *st, const struct lx_sla_filter *f,
            lx_sla_timer_fn *fn, void *arg, struct lx_err *err)
{
    struct list_req q = {.f = f, .fn = fn, .arg = arg};

    return lx_store_read(st, list_unit, &q, err);
}

struct figures_req {
    enum lx_sla_kind kind;
    int64_t from_ms, to_ms;
    lx_sla_figures_fn *fn;
    void *arg;
};

static lx_rc
figures_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct figures_req *q = arg;
    const char *kind = lx_sla_kind_name(q->kind);
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(
        tx,
        "SELECT firm_id, COUNT(*),"
        " SUM(CASE WHEN state = 'satisfied' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state = 'fired' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state = 'open' THEN 1 ELSE 0 END),"
        " COUNT(done_ms),"
        " COALESCE(SUM(done_ms - start_ms), 0),"
        " COALESCE(MAX(done_ms - start_ms), 0)"
        " FROM sla_timer WHERE kind = :kind"
        " AND start_ms >= :from AND start_ms < :to"
        " GROUP BY firm_id ORDER BY firm_id",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lx_store_bind_text(s, "kind", kind, strlen(kind)) != LX_OK ||
        lx_store_bind_int(s, "from", q->from_ms) != LX_OK ||
        lx_store_bind_int(s, "to", q->to_ms) != LX_OK) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "cannot bind the period");
        goto out;
    }
    for (;;) {
        struct lx_sla_figures f = {0};
        int64_t sum;

        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        f.firm_id = lx_store_col_int(s, 0);
        f.total = lx_store_col_int(s, 1);
        f.met = lx_store_col_int(s, 2);
        f.breached = lx_store_col_int(s, 3);
        f.open = lx_store_col_int(s, 4);
        f.answered = lx_store_col_int(s, 5);
        sum = lx_store_col_int(s, 6);
        f.mean_ms = f.answered > 0 ? sum / f.answered : 0;
        f.max_ms = lx_store_col_int(s, 7);
        rc = q->fn(&f, q->arg);
        if (rc != LX_OK) {
            break;
        }
    }

out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_sla_figures(struct lx_store *st, enum lx_sla_kind kind, int64_t from_ms,
               int64_t to_ms, lx_sla_figures_fn *fn, void *arg,
               struct lx_err *err)
{
    struct figures_req q = {
        .kind = kind, .from_ms = from_ms, .to_ms = to_ms, .fn = fn, .arg = arg};

    if (lx_sla_kind_name(kind) == NULL) {
        return lx_err_set(err, LX_EINVAL, "kind", "unknown deadline kind");
    }
    return lx_store_read(st, figures_unit, &q, err);
}
