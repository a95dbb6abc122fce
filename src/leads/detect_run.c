/*
 * detect_run.c — the lead-trading detection service (C5.9): loads the
 * facts from the store, runs the pure detectors of detect.c and records
 * each signal in the enforcement ledger; canary seeding and the intake
 * hook that catches a canary's phone coming back. leads.h describes it.
 */
#include "leads/leads.h"
#include "leads/leads_int.h"

#include "audit/audit.h"
#include "base/log.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "enforce/enforce.h"
#include "route/route.h"
#include "store/store.h"
#include "vault/vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLAUSE "C5.9"
#define DAY_MS (24LL * 3600 * 1000)

/* ---- growable arrays ------------------------------------------------------
 */

#define GROW(arr, n, cap)                                                      \
    do {                                                                       \
        if ((n) == (cap)) {                                                    \
            (cap) = (cap) ? (cap)*2 : 64;                                      \
            (arr) = lx_xrealloc((arr), (cap) * sizeof(*(arr)));                \
        }                                                                      \
    } while (0)

/* An audited action of a firm's staff on a lead, or a reveal of a subject. */
struct act_fact {
    int64_t time_ms;
    int64_t staff_id;
    int64_t firm_id;
    int64_t lead_id;    /* lead actions; 0 for reveals until resolved */
    int64_t subject_id; /* reveals */
    bool reveal;
    bool denied_foreign; /* a deny for a lead outside the viewer's reach */
};

struct facts {
    struct lx_leads_claim_fact *claims;
    size_t n_claims, cap_claims;
    struct lx_leads_reveal_fact *reveals;
    size_t n_reveals, cap_reveals;
    struct lx_leads_session_fact *sessions;
    size_t n_sessions, cap_sessions;
    struct lx_leads_canary_fact *canaries;
    size_t n_canaries, cap_canaries;
    struct act_fact *acts;
    size_t n_acts, cap_acts;
    struct lx_leads_signal *sigs;
    size_t n_sigs, cap_sigs;
};

static void
facts_clear(struct facts *f)
{
    free(f->claims);
    free(f->reveals);
    free(f->sessions);
    free(f->canaries);
    free(f->acts);
    free(f->sigs);
    memset(f, 0, sizeof(*f));
}

static lx_rc
collect_signal(void *arg, const struct lx_leads_signal *s)
{
    struct facts *f = arg;

    GROW(f->sigs, f->n_sigs, f->cap_sigs);
    f->sigs[f->n_sigs++] = *s;
    return LX_OK;
}

/* ---- recording a signal ----------------------------------------------- */

/* "<prefix>:<id>.<id>…" within LX_ENFORCE_REF_MAX bytes. */
static void
ids_ref(char *out, size_t size, const char *prefix, const int64_t *ids,
        size_t n)
{
    size_t len = (size_t)snprintf(out, size, "%s:", prefix);

    for (size_t i = 0; i < n && len < size; i++) {
        char one[24];
        int k = snprintf(one, sizeof(one), "%s%lld", i > 0 ? "." : "",
                         (long long)ids[i]);

        if (k < 0 || len + (size_t)k >= size) {
            break;
        }
        memcpy(out + len, one, (size_t)k + 1);
        len += (size_t)k;
    }
}

/* The ledger object and evidence of a signal (docs/leads.md). */
static void
signal_refs(const struct lx_leads_signal *s, int64_t now_ms, char *obj,
            char *ev, size_t size)
{
    long long day = (long long)(now_ms / DAY_MS);

    switch (s->kind) {
    case LX_LEADS_SIG_HOARDING:
        snprintf(obj, size, "firm:%lld/day:%lld", (long long)s->firm_id, day);
        ids_ref(ev, size, "lead", s->ids, s->n_ids);
        break;
    case LX_LEADS_SIG_REVEAL_SPIKE:
        snprintf(obj, size, "staff:%lld/hour:%lld", (long long)s->staff_id,
                 (long long)(now_ms / LX_LEADS_HOUR_MS));
        ids_ref(ev, size, "lead", s->ids, s->n_ids);
        break;
    case LX_LEADS_SIG_SHARING:
        snprintf(obj, size, "staff:%lld/day:%lld", (long long)s->staff_id, day);
        ids_ref(ev, size, "session", s->ids, s->n_ids);
        break;
    case LX_LEADS_SIG_FOREIGN_REVEAL:
        snprintf(obj, size, "staff:%lld/day:%lld", (long long)s->staff_id, day);
        ids_ref(ev, size, "lead", s->ids, s->n_ids);
        break;
    case LX_LEADS_SIG_CANARY_HIT:
        snprintf(obj, size, "lead:%lld/canary:%lld/firm:%lld",
                 (long long)s->lead_id, (long long)s->canary_id,
                 (long long)s->firm_id);
        snprintf(ev, size, "canary:%lld/lead:%lld", (long long)s->canary_id,
                 (long long)s->lead_id);
        break;
    case LX_LEADS_SIG_COUNT:
    default:
        snprintf(obj, size, "invalid");
        snprintf(ev, size, "invalid");
        break;
    }
}

static lx_rc
record_signal_tx(struct lx_store_tx *tx, const struct lx_leads_signal *s,
                 int64_t now_ms, bool *added, struct lx_err *err)
{
    char obj[LX_ENFORCE_REF_MAX + 1], ev[LX_ENFORCE_REF_MAX + 1];

    signal_refs(s, now_ms, obj, ev, sizeof(obj));
    return lx_enforce_violation_add_tx(
        tx, s->firm_id, CLAUSE, lx_leads_signal_kind_name(s->kind), obj,
        s->at_ms > 0 ? s->at_ms : now_ms, ev, added, err);
}

/* ---- loading the facts --------------------------------------------------- */

static lx_rc
load_claims_tx(struct lx_store_tx *tx, struct facts *f, int64_t from,
               struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx,
                                "SELECT o.lead_id, o.firm_id, o.closed_ms"
                                " FROM lead_offers o JOIN leads l ON l.id ="
                                " o.lead_id WHERE o.outcome = 'claimed' AND"
                                " o.closed_ms >= :from AND l.canary = 0"
                                " ORDER BY o.id",
                                &s, err);

    if (rc == LX_OK) {
        lx_store_bind_int(s, ":from", from);
    }
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_leads_claim_fact *c;

        GROW(f->claims, f->n_claims, f->cap_claims);
        c = &f->claims[f->n_claims++];
        c->lead_id = lx_store_col_int(s, 0);
        c->firm_id = lx_store_col_int(s, 1);
        c->claimed_ms = lx_store_col_int(s, 2);
        c->first_contact_ms = 0;
    }
    lx_store_stmt_free(s);
    return rc;
}

static bool
foreign_reason(const char *reason)
{
    return reason != NULL && (strcmp(reason, "lead_not_in_firm") == 0 ||
                              strcmp(reason, "lead_not_claimed") == 0 ||
                              strcmp(reason, "lead_not_assigned") == 0);
}

static lx_rc
audit_row(void *arg, const struct lx_audit_entry *e)
{
    struct facts *f = arg;
    struct act_fact *a;
    char *end = NULL;
    long long id;

    if (e->actor_kind != (int)LX_ACTOR_STAFF || e->actor_firm <= 0 ||
        e->action == NULL || e->resource_id == NULL ||
        e->resource_type == NULL) {
        return LX_OK;
    }
    id = strtoll(e->resource_id, &end, 10);
    if (end == e->resource_id || *end != '\0' || id <= 0) {
        return LX_OK;
    }
    if (strcmp(e->action, "reveal") == 0 &&
        strcmp(e->resource_type, "subject") == 0) {
        GROW(f->acts, f->n_acts, f->cap_acts);
        a = &f->acts[f->n_acts++];
        memset(a, 0, sizeof(*a));
        a->reveal = true;
        a->subject_id = id;
        a->denied_foreign = e->decision != NULL &&
                            strcmp(e->decision, "deny") == 0 &&
                            foreign_reason(e->reason);
    } else if (strcmp(e->resource_type, "lead") == 0 &&
               lx_leads_detect_is_contact(e->action) &&
               (e->decision == NULL || strcmp(e->decision, "deny") != 0)) {
        /* A refused act (a message the contact limits or the policy
         * denied) reached nobody: it is no contact. */
        GROW(f->acts, f->n_acts, f->cap_acts);
        a = &f->acts[f->n_acts++];
        memset(a, 0, sizeof(*a));
        a->lead_id = id;
    } else {
        return LX_OK;
    }
    a->time_ms = e->time_ms;
    a->staff_id = e->actor_id;
    a->firm_id = e->actor_firm;
    return LX_OK;
}

static lx_rc
load_audit_tx(struct lx_store_tx *tx, struct facts *f, int64_t from, int64_t to,
              struct lx_err *err)
{
    struct lx_audit_query q = {0};
    uint64_t next = 0;
    lx_rc rc;

    q.from_ms = from;
    q.to_ms = to;
    q.limit = LX_AUDIT_QUERY_MAX_LIMIT;
    do {
        q.after_seq = next;
        rc = lx_audit_query_tx(tx, &q, audit_row, f, &next, err);
    } while (rc == LX_OK && next != 0);
    return rc;
}

static int
cmp_claim_lead(const void *pa, const void *pb)
{
    const struct lx_leads_claim_fact *a = pa, *b = pb;

    if (a->lead_id != b->lead_id) {
        return a->lead_id < b->lead_id ? -1 : 1;
    }
    return a->firm_id < b->firm_id ? -1 : a->firm_id > b->firm_id;
}

/* The first claim of 'lead' in claims sorted by lead id, or n. */
static size_t
claims_of(const struct lx_leads_claim_fact *c, size_t n, int64_t lead)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (c[mid].lead_id < lead) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Whether org 'firm' is a partner firm (not the platform); a one-entry
 * cache in *last_firm / *last_ok. */
static lx_rc
partner_firm_tx(struct lx_store_stmt *s, int64_t firm, int64_t *last_firm,
                bool *last_ok, struct lx_err *err)
{
    bool row = false;
    lx_rc rc;

    if (firm == *last_firm) {
        return LX_OK;
    }
    lx_store_reset(s);
    lx_store_bind_int(s, ":f", firm);
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK) {
        *last_firm = firm;
        *last_ok = row;
    }
    return rc;
}

/* Resolve reveals to leads, decide whether each is foreign, drop actions
 * of platform staff, and give the claims their first contact. */
static lx_rc
resolve_acts_tx(struct lx_store_tx *tx, struct facts *f, struct lx_err *err)
{
    struct lx_store_stmt *lead = NULL, *held = NULL, *org = NULL;
    int64_t last_firm = 0;
    bool last_ok = false;
    lx_rc rc = lx_store_prepare(tx,
                                "SELECT id, COALESCE(firm_id, 0) FROM leads"
                                " WHERE subject_id = :s",
                                &lead, err);

    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "SELECT COUNT(*) FROM lead_offers WHERE lead_id"
                              " = :l AND firm_id = :f AND outcome = 'claimed'",
                              &held, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "SELECT id FROM orgs WHERE id = :f AND kind ="
                              " 'firm'",
                              &org, err);
    }
    for (size_t i = 0; rc == LX_OK && i < f->n_acts; i++) {
        struct act_fact *a = &f->acts[i];
        bool row = false;
        int64_t holder_firm = 0;

        rc = partner_firm_tx(org, a->firm_id, &last_firm, &last_ok, err);
        if (rc != LX_OK) {
            break;
        }
        if (!last_ok) {
            a->lead_id = 0; /* platform staff: not a firm's conduct */
            continue;
        }
        if (!a->reveal) {
            continue;
        }
        lx_store_reset(lead);
        lx_store_bind_int(lead, ":s", a->subject_id);
        rc = lx_store_step(lead, &row, err);
        if (rc != LX_OK || !row) {
            continue; /* not a lead's subject */
        }
        a->lead_id = lx_store_col_int(lead, 0);
        holder_firm = lx_store_col_int(lead, 1);
        if (!a->denied_foreign && holder_firm != a->firm_id) {
            int64_t claimed = 0;

            lx_store_reset(held);
            lx_store_bind_int(held, ":l", a->lead_id);
            lx_store_bind_int(held, ":f", a->firm_id);
            rc = lx_store_step(held, &row, err);
            if (rc == LX_OK && row) {
                claimed = lx_store_col_int(held, 0);
            }
            a->denied_foreign = claimed == 0;
        }
    }
    lx_store_stmt_free(lead);
    lx_store_stmt_free(held);
    lx_store_stmt_free(org);
    if (rc != LX_OK) {
        return rc;
    }
    if (f->n_claims > 1) {
        qsort(f->claims, f->n_claims, sizeof(*f->claims), cmp_claim_lead);
    }
    for (size_t i = 0; i < f->n_acts; i++) {
        const struct act_fact *a = &f->acts[i];

        if (a->lead_id <= 0) {
            continue;
        }
        if (a->reveal) {
            struct lx_leads_reveal_fact *r;

            GROW(f->reveals, f->n_reveals, f->cap_reveals);
            r = &f->reveals[f->n_reveals++];
            r->time_ms = a->time_ms;
            r->staff_id = a->staff_id;
            r->firm_id = a->firm_id;
            r->lead_id = a->lead_id;
            r->foreign = a->denied_foreign;
        }
        /* Contact: any contact action (a reveal counts when allowed) by
         * the claiming firm after the claim. */
        if (a->reveal && a->denied_foreign) {
            continue;
        }
        for (size_t j = claims_of(f->claims, f->n_claims, a->lead_id);
             j < f->n_claims && f->claims[j].lead_id == a->lead_id; j++) {
            struct lx_leads_claim_fact *c = &f->claims[j];

            if (c->firm_id == a->firm_id && a->time_ms >= c->claimed_ms &&
                (c->first_contact_ms == 0 ||
                 a->time_ms < c->first_contact_ms)) {
                c->first_contact_ms = a->time_ms;
            }
        }
    }
    return LX_OK;
}

static lx_rc
load_sessions_tx(struct lx_store_tx *tx, struct facts *f, int64_t from,
                 struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(
        tx,
        "SELECT se.id, se.staff_id, st.org_id, se.created_ms,"
        " COALESCE(se.revoked_ms, se.last_seen_ms), se.origin"
        " FROM sessions se JOIN staff st ON st.id = se.staff_id"
        " JOIN orgs o ON o.id = st.org_id"
        " WHERE se.kind = 'staff' AND o.kind = 'firm' AND se.origin IS NOT"
        " NULL AND COALESCE(se.revoked_ms, se.last_seen_ms) >= :from"
        " ORDER BY se.id",
        &s, err);

    if (rc == LX_OK) {
        lx_store_bind_int(s, ":from", from);
    }
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_leads_session_fact *x;
        size_t len = 0;
        const char *origin;

        GROW(f->sessions, f->n_sessions, f->cap_sessions);
        x = &f->sessions[f->n_sessions++];
        memset(x, 0, sizeof(*x));
        x->session_id = lx_store_col_int(s, 0);
        x->staff_id = lx_store_col_int(s, 1);
        x->firm_id = lx_store_col_int(s, 2);
        x->start_ms = lx_store_col_int(s, 3);
        x->end_ms = lx_store_col_int(s, 4);
        origin = lx_store_col_text(s, 5, &len);
        if (origin != NULL) {
            if (len > LX_LEADS_ORIGIN_MAX) {
                len = LX_LEADS_ORIGIN_MAX;
            }
            memcpy(x->origin, origin, len);
            x->origin[len] = '\0';
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
load_canaries_tx(struct lx_store_tx *tx, struct facts *f, int64_t canary_id,
                 int64_t hit_id, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(
        tx,
        "SELECT h.canary_id, o.firm_id, h.hit_lead_id, h.hit_ms"
        " FROM lead_canary_hits h JOIN lead_offers o ON o.lead_id ="
        " h.canary_id WHERE (:c = 0 OR h.canary_id = :c) AND (:h = 0 OR"
        " h.hit_lead_id = :h) ORDER BY h.id, o.firm_id",
        &s, err);

    if (rc == LX_OK) {
        lx_store_bind_int(s, ":c", canary_id);
        lx_store_bind_int(s, ":h", hit_id);
    }
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_leads_canary_fact *c;

        GROW(f->canaries, f->n_canaries, f->cap_canaries);
        c = &f->canaries[f->n_canaries++];
        c->canary_id = lx_store_col_int(s, 0);
        c->firm_id = lx_store_col_int(s, 1);
        c->hit_lead_id = lx_store_col_int(s, 2);
        c->hit_ms = lx_store_col_int(s, 3);
    }
    lx_store_stmt_free(s);
    return rc;
}

/* ---- the run ----------------------------------------------------------------
 */

struct run_unit {
    struct lx_ctx *ctx;
    struct lx_leads_detect_limits l;
    struct facts f;
    struct lx_leads_detect_report rep;
};

static lx_rc
run_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct run_unit *u = arg;
    const struct lx_leads_detect_limits *l = &u->l;
    int64_t now = u->ctx->now_ms;
    int64_t spike_from =
        now - LX_LEADS_HOUR_MS - l->baseline_days * 24 * LX_LEADS_HOUR_MS;
    int64_t from = now - l->hoard_lookback_ms;
    lx_rc rc;

    facts_clear(&u->f); /* a unit may be retried: start clean */
    memset(&u->rep, 0, sizeof(u->rep));
    if (spike_from < from) {
        from = spike_from;
    }
    if (now - l->foreign_window_ms < from) {
        from = now - l->foreign_window_ms;
    }
    rc = load_claims_tx(tx, &u->f, now - l->hoard_lookback_ms, err);
    if (rc == LX_OK) {
        rc = load_audit_tx(tx, &u->f, from, now, err);
    }
    if (rc == LX_OK) {
        rc = resolve_acts_tx(tx, &u->f, err);
    }
    if (rc == LX_OK) {
        rc = load_sessions_tx(tx, &u->f, now - l->sharing_window_ms, err);
    }
    if (rc == LX_OK) {
        rc = load_canaries_tx(tx, &u->f, 0, 0, err);
    }
    if (rc == LX_OK) {
        rc = lx_leads_detect_hoarding(u->f.claims, u->f.n_claims, now, l,
                                      collect_signal, &u->f);
    }
    if (rc == LX_OK) {
        rc = lx_leads_detect_reveal_spike(u->f.reveals, u->f.n_reveals, now, l,
                                          collect_signal, &u->f);
    }
    if (rc == LX_OK) {
        rc = lx_leads_detect_foreign(u->f.reveals, u->f.n_reveals, now, l,
                                     collect_signal, &u->f);
    }
    if (rc == LX_OK) {
        rc = lx_leads_detect_sharing(u->f.sessions, u->f.n_sessions, now, l,
                                     collect_signal, &u->f);
    }
    if (rc == LX_OK) {
        rc = lx_leads_detect_canary(u->f.canaries, u->f.n_canaries,
                                    collect_signal, &u->f);
    }
    for (size_t i = 0; rc == LX_OK && i < u->f.n_sigs; i++) {
        const struct lx_leads_signal *s = &u->f.sigs[i];
        bool added = false;

        if (s->firm_id <= 0) {
            continue; /* the ledger is per firm */
        }
        rc = record_signal_tx(tx, s, now, &added, err);
        u->rep.signals++;
        u->rep.per_kind[s->kind]++;
        u->rep.recorded += added ? 1 : 0;
    }
    return rc;
}

static void
limits_fill(struct lx_leads_detect_limits *l,
            const struct lx_leads_detect_limits *in)
{
    lx_leads_detect_limits_default(l);
    if (in == NULL) {
        return;
    }
#define TAKE(x)                                                                \
    if (in->x > 0) {                                                           \
        l->x = in->x;                                                          \
    }
    TAKE(hoard_after_ms)
    TAKE(hoard_min_stale)
    TAKE(hoard_ratio)
    TAKE(hoard_lookback_ms)
    TAKE(spike_min)
    TAKE(spike_mult)
    TAKE(baseline_days)
    TAKE(foreign_min)
    TAKE(foreign_window_ms)
    TAKE(sharing_window_ms)
#undef TAKE
}

lx_rc
lx_leads_detect_run(struct lx_ctx *ctx, const struct lx_leads_detect_opts *o,
                    struct lx_leads_detect_report *out)
{
    struct run_unit u = {0};
    lx_rc rc;

    u.ctx = ctx;
    limits_fill(&u.l, o != NULL ? &o->limits : NULL);
    rc = lx_store_write(ctx->app->store, run_unit, &u, &ctx->err);
    if (rc == LX_OK && u.rep.recorded > 0) {
        struct lx_log_line line;

        lx_log_begin(&line, &ctx->app->log, LX_LOG_INFO, "leads.detect",
                     ctx->req_id, ctx->now_ms);
        lx_log_int(&line, "signals", u.rep.signals);
        lx_log_int(&line, "recorded", u.rep.recorded);
        lx_log_end(&line);
    }
    if (rc == LX_OK) {
        for (size_t i = 0;
             o != NULL && o->on_signal != NULL && rc == LX_OK && i < u.f.n_sigs;
             i++) {
            if (u.f.sigs[i].firm_id > 0) {
                rc = o->on_signal(o->on_signal_arg, &u.f.sigs[i]);
            }
        }
        if (out != NULL) {
            *out = u.rep;
        }
    }
    facts_clear(&u.f);
    return rc;
}

/* ---- canaries --------------------------------------------------------------
 */

lx_rc
leads__is_canary_tx(struct lx_store_tx *tx, int64_t id, bool *canary,
                    struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx, "SELECT canary FROM leads WHERE id = :id",
                                &s, err);

    *canary = false;
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", id);
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && row) {
        *canary = lx_store_col_int(s, 0) != 0;
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
leads__canary_check_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                       const int64_t *subjects, size_t n, int64_t lead_id,
                       struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    int64_t canaries[16];
    size_t nc = 0;
    lx_rc rc = LX_OK;

    if (n == 0) {
        return LX_OK;
    }
    rc = lx_store_prepare(tx,
                          "SELECT id FROM leads WHERE subject_id = :s AND"
                          " canary = 1 AND id <> :l",
                          &s, err);
    for (size_t i = 0; rc == LX_OK && i < n; i++) {
        bool row = false;

        lx_store_reset(s);
        lx_store_bind_int(s, ":s", subjects[i]);
        lx_store_bind_int(s, ":l", lead_id);
        while ((rc = lx_store_step(s, &row, err)) == LX_OK && row &&
               nc < sizeof(canaries) / sizeof(canaries[0])) {
            canaries[nc++] = lx_store_col_int(s, 0);
        }
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK && nc > 0) {
        rc = lx_store_prepare(tx,
                              "INSERT INTO lead_canary_hits (canary_id,"
                              " hit_lead_id, hit_ms) VALUES (:c, :h, :now)"
                              " ON CONFLICT (canary_id, hit_lead_id) DO"
                              " NOTHING",
                              &s, err);
    }
    for (size_t i = 0; rc == LX_OK && i < nc; i++) {
        bool row = false;

        lx_store_reset(s);
        lx_store_bind_int(s, ":c", canaries[i]);
        lx_store_bind_int(s, ":h", lead_id);
        lx_store_bind_int(s, ":now", ctx->now_ms);
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    for (size_t i = 0; rc == LX_OK && i < nc; i++) {
        struct facts f = {0};

        rc = load_canaries_tx(tx, &f, canaries[i], lead_id, err);
        if (rc == LX_OK) {
            rc = lx_leads_detect_canary(f.canaries, f.n_canaries,
                                        collect_signal, &f);
        }
        for (size_t j = 0; rc == LX_OK && j < f.n_sigs; j++) {
            struct lx_log_line line;

            rc = record_signal_tx(tx, &f.sigs[j], ctx->now_ms, NULL, err);
            lx_log_begin(&line, &ctx->app->log, LX_LOG_WARN, "leads.canary_hit",
                         ctx->req_id, ctx->now_ms);
            lx_log_int(&line, "canary", f.sigs[j].canary_id);
            lx_log_int(&line, "lead", f.sigs[j].lead_id);
            lx_log_int(&line, "firm", f.sigs[j].firm_id);
            lx_log_end(&line);
        }
        facts_clear(&f);
    }
    return rc;
}

struct seed_unit {
    struct lx_ctx *ctx;
    const struct lx_leads_opts *o;
    const struct lx_leads_canary *c;
    const char *area;
    const char *region;
    const char *preview;
    const char *masked;
    int64_t subject;
    int64_t id;
};

static lx_rc
seed_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct seed_unit *u = arg;
    struct lx_ctx *ctx = u->ctx;
    int64_t window =
        u->o != NULL && u->o->window_ms > 0 ? u->o->window_ms : 600000;
    int64_t deadline = ctx->now_ms + window, offer_id = 0;
    struct lx_store_stmt *s = NULL;
    struct lx_audit_entry e = {0};
    char rid[24];
    bool row = false;
    lx_rc rc = lx_store_prepare(tx,
                                "SELECT id FROM orgs WHERE id = :f AND kind ="
                                " 'firm'",
                                &s, err);

    if (rc == LX_OK) {
        lx_store_bind_int(s, ":f", u->c->firm_id);
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK && !row) {
        return lx_err_set(err, LX_ENOTFOUND, "/firm", "no such firm");
    }
    if (rc == LX_OK) {
        rc = lx_store_prepare(
            tx,
            "INSERT INTO leads (user_id, subject_id, channel, area, region,"
            " preview, contact_masked, minor, sensitive, consent_version,"
            " consent_ms, state, firm_id, offer_deadline_ms, canary,"
            " created_ms, updated_ms) VALUES (NULL, :s, 'system', :area,"
            " :region, :preview, :contact, 0, 0, 'canary', :now, 'offered',"
            " :f, :dl, 1, :now, :now) RETURNING id",
            &s, err);
    }
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":s", u->subject);
        lx_store_bind_text(s, ":area", u->area, strlen(u->area));
        lx_store_bind_text(s, ":region", u->region, strlen(u->region));
        lx_store_bind_text(s, ":preview", u->preview, strlen(u->preview));
        lx_store_bind_text(s, ":contact", u->masked, strlen(u->masked));
        lx_store_bind_int(s, ":now", ctx->now_ms);
        lx_store_bind_int(s, ":f", u->c->firm_id);
        lx_store_bind_int(s, ":dl", deadline);
        rc = lx_store_step(s, &row, err);
        if (rc == LX_OK && !row) {
            rc = lx_err_set(err, LX_EINTERNAL, NULL, "insert returned no id");
        }
        if (rc == LX_OK) {
            u->id = lx_store_col_int(s, 0);
        }
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(
            tx,
            "INSERT INTO lead_offers (lead_id, firm_id, attempt, offered_ms,"
            " deadline_ms, outcome, covering, candidates, score, weight,"
            " credit_before, credit_after) VALUES (:l, :f, 1, :now, :dl,"
            " 'open', 1, 1, 0, 0, 0, 0) RETURNING id",
            &s, err);
    }
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":l", u->id);
        lx_store_bind_int(s, ":f", u->c->firm_id);
        lx_store_bind_int(s, ":now", ctx->now_ms);
        lx_store_bind_int(s, ":dl", deadline);
        rc = lx_store_step(s, &row, err);
        if (rc == LX_OK && row) {
            offer_id = lx_store_col_int(s, 0);
        }
    }
    lx_store_stmt_free(s);
    if (rc == LX_OK) {
        snprintf(rid, sizeof(rid), "%lld", (long long)u->id);
        e.time_ms = ctx->now_ms;
        e.kind = LX_AUDIT_POLICY;
        e.actor_kind = (int)ctx->actor.kind;
        e.actor_id = ctx->actor.id;
        e.actor_firm = ctx->actor.firm_id;
        e.actor_role = ctx->actor.role;
        e.action = "canary_seed";
        e.resource_type = "lead";
        e.resource_id = rid;
        e.decision = "done";
        e.clause = CLAUSE;
        e.request_id = ctx->req_id;
        rc = lx_audit_append_tx(tx, &e, err);
    }
    if (rc == LX_OK && u->o != NULL && u->o->on_offer != NULL) {
        rc = u->o->on_offer(u->o->on_offer_arg, tx, offer_id, u->c->firm_id,
                            ctx->now_ms, deadline, err);
    }
    return rc;
}

/* A fresh mainland mobile number no vault subject has yet. */
static lx_rc
fresh_phone(struct lx_ctx *ctx, char phone[12])
{
    for (int attempt = 0; attempt < 16; attempt++) {
        unsigned char r[9];
        size_t n = 0;
        lx_rc rc;

        lx_crypto_random(r, sizeof(r));
        phone[0] = '1';
        phone[1] = '9';
        phone[2] = '9';
        for (int i = 0; i < 8; i++) {
            phone[3 + i] = (char)('0' + r[i] % 10);
        }
        phone[11] = '\0';
        rc = lx_vault_find(ctx, LX_VAULT_INDEX_PHONE, phone, 11, NULL, 0, &n);
        if (rc != LX_OK || n == 0) {
            return rc;
        }
    }
    return lx_err_set(&ctx->err, LX_ECONFLICT, "/phone",
                      "no unused canary number found");
}

lx_rc
lx_leads_canary_seed(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                     const struct lx_leads_canary *c, int64_t *lead_id)
{
    static const char preview[] =
        "劳动合同纠纷：公司拖欠工资三个月，希望咨询如何维权。";
    struct seed_unit u = {0};
    enum lx_route_area area;
    char phone[12], masked[LX_VAULT_MASKED_MAX];
    bool staff_ok = ctx->actor.kind == LX_ACTOR_STAFF &&
                    strncmp(ctx->actor.role, "platform_", 9) == 0;
    lx_rc rc;

    if (ctx->actor.kind != LX_ACTOR_SYSTEM && !staff_ok) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "only the platform seeds canaries");
    }
    if (c == NULL || c->firm_id <= 0) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/firm", "firm id required");
    }
    u.ctx = ctx;
    u.o = o;
    u.c = c;
    u.area = c->area != NULL && c->area[0] != '\0' ? c->area : "labor";
    u.region = c->region != NULL && c->region[0] != '\0' ? c->region : "110101";
    u.preview = preview;
    if (!lx_route_area_parse(u.area, &area)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/area", "unknown area");
    }
    if (strlen(u.region) != 6 || !lx_leads_region_valid(u.region, 6)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/region",
                          "not a GB/T 2260 code");
    }
    rc = fresh_phone(ctx, phone);
    if (rc == LX_OK) {
        rc = lx_vault_subject_create(ctx, &u.subject);
    }
    if (rc == LX_OK) {
        struct lx_vault_field f = {"phone",
                                   LX_VAULT_CAT_PHONE,
                                   LX_VAULT_SENS_NONE,
                                   LX_VAULT_FMT_MOBILE,
                                   phone,
                                   11};

        rc = lx_vault_put(ctx, u.subject, &f);
    }
    if (rc == LX_OK) {
        struct lx_vault_field f = {"description",
                                   LX_VAULT_CAT_CASE_MATERIAL,
                                   LX_VAULT_SENS_NONE,
                                   LX_VAULT_FMT_TEXT,
                                   preview,
                                   strlen(preview)};

        rc = lx_vault_put(ctx, u.subject, &f);
    }
    if (rc == LX_OK) {
        rc = lx_vault_get_masked(ctx, u.subject, "phone", masked,
                                 sizeof(masked), NULL);
    }
    lx_crypto_wipe(phone, sizeof(phone));
    if (rc == LX_OK) {
        u.masked = masked;
        rc = lx_store_write(ctx->app->store, seed_unit, &u, &ctx->err);
    }
    if (rc == LX_OK && lead_id != NULL) {
        *lead_id = u.id;
    }
    return rc;
}
