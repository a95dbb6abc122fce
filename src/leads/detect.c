/*
 * detect.c — the pure lead-trading detectors (C5.9); leads.h describes
 * them and docs/leads.md their thresholds.
 */
#include "leads/leads.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[LX_LEADS_SIG_COUNT] = {
    [LX_LEADS_SIG_HOARDING] = "hoarding",
    [LX_LEADS_SIG_REVEAL_SPIKE] = "reveal_spike",
    [LX_LEADS_SIG_SHARING] = "sharing",
    [LX_LEADS_SIG_FOREIGN_REVEAL] = "foreign_reveal",
    [LX_LEADS_SIG_CANARY_HIT] = "canary_hit",
};

static const char *const sev_names[LX_LEADS_SEV_COUNT] = {
    [LX_LEADS_SEV_LOW] = "low",
    [LX_LEADS_SEV_SERIOUS] = "serious",
    [LX_LEADS_SEV_ESPECIALLY_SERIOUS] = "especially_serious",
    [LX_LEADS_SEV_EXTREME] = "extreme",
};

const char *
lx_leads_signal_kind_name(enum lx_leads_signal_kind k)
{
    if ((int)k < 0 || k >= LX_LEADS_SIG_COUNT) {
        return "invalid";
    }
    return kind_names[k];
}

const char *
lx_leads_severity_name(enum lx_leads_severity s)
{
    if ((int)s < 0 || s >= LX_LEADS_SEV_COUNT) {
        return "invalid";
    }
    return sev_names[s];
}

enum lx_leads_severity
lx_leads_severity_of(int64_t records)
{
    if (records >= 5000) {
        return LX_LEADS_SEV_EXTREME;
    }
    if (records >= 500) {
        return LX_LEADS_SEV_ESPECIALLY_SERIOUS;
    }
    if (records >= 50) {
        return LX_LEADS_SEV_SERIOUS;
    }
    return LX_LEADS_SEV_LOW;
}

bool
lx_leads_detect_is_contact(const char *action)
{
    static const char *const contact[] = {
        "assign", "handover", "acknowledge", "reveal", "close", "return",
        "message", "call", /* talk/: writing to or calling the user */
    };

    if (action == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof(contact) / sizeof(contact[0]); i++) {
        if (strcmp(action, contact[i]) == 0) {
            return true;
        }
    }
    return false;
}

void
lx_leads_detect_limits_default(struct lx_leads_detect_limits *l)
{
    l->hoard_after_ms = 24 * LX_LEADS_HOUR_MS;
    l->hoard_min_stale = 3;
    l->hoard_ratio = 2;
    l->hoard_lookback_ms = 30 * 24 * LX_LEADS_HOUR_MS;
    l->spike_min = 10;
    l->spike_mult = 5;
    l->baseline_days = 14;
    l->foreign_min = 1;
    l->foreign_window_ms = 24 * LX_LEADS_HOUR_MS;
    l->sharing_window_ms = 24 * LX_LEADS_HOUR_MS;
}

static void
sig_id(struct lx_leads_signal *s, int64_t id)
{
    for (size_t i = 0; i < s->n_ids; i++) {
        if (s->ids[i] == id) {
            return;
        }
    }
    if (s->n_ids < LX_LEADS_SIGNAL_IDS) {
        s->ids[s->n_ids++] = id;
    }
}

/* Grade a signal by its record count and report it. */
static lx_rc
emit(struct lx_leads_signal *s, lx_leads_signal_fn *fn, void *arg)
{
    s->severity = lx_leads_severity_of(s->count);
    return fn(arg, s);
}

static int
cmp_i64(int64_t a, int64_t b)
{
    return a < b ? -1 : a > b;
}

/* ---- hoarding -------------------------------------------------------------
 */

static int
cmp_claim(const void *pa, const void *pb)
{
    const struct lx_leads_claim_fact *a = pa, *b = pb;
    int c = cmp_i64(a->firm_id, b->firm_id);

    if (c == 0) {
        c = cmp_i64(a->claimed_ms, b->claimed_ms);
    }
    return c != 0 ? c : cmp_i64(a->lead_id, b->lead_id);
}

lx_rc
lx_leads_detect_hoarding(struct lx_leads_claim_fact *f, size_t n,
                         int64_t now_ms, const struct lx_leads_detect_limits *l,
                         lx_leads_signal_fn *fn, void *arg)
{
    size_t i = 0;

    if (n > 1) {
        qsort(f, n, sizeof(*f), cmp_claim);
    }
    while (i < n) {
        struct lx_leads_signal s = {.kind = LX_LEADS_SIG_HOARDING};
        int64_t due = 0, contacted = 0;
        size_t j = i;

        s.firm_id = f[i].firm_id;
        for (; j < n && f[j].firm_id == s.firm_id; j++) {
            const struct lx_leads_claim_fact *c = &f[j];
            int64_t limit = c->claimed_ms + l->hoard_after_ms;

            if (c->claimed_ms < now_ms - l->hoard_lookback_ms ||
                limit > now_ms) {
                continue; /* outside the look-back, or not due yet */
            }
            due++;
            if (c->first_contact_ms != 0 &&
                c->first_contact_ms >= c->claimed_ms &&
                c->first_contact_ms <= limit) {
                contacted++;
            } else {
                s.count++;
                sig_id(&s, c->lead_id);
                if (limit > s.at_ms) {
                    s.at_ms = limit;
                }
            }
        }
        i = j;
        if (s.count >= l->hoard_min_stale &&
            due >= l->hoard_ratio * contacted) {
            lx_rc rc = emit(&s, fn, arg);
            if (rc != LX_OK) {
                return rc;
            }
        }
    }
    return LX_OK;
}

/* ---- reveals: spike and foreign ----------------------------------------- */

static int
cmp_reveal(const void *pa, const void *pb)
{
    const struct lx_leads_reveal_fact *a = pa, *b = pb;
    int c = cmp_i64(a->staff_id, b->staff_id);

    if (c == 0) {
        c = cmp_i64(a->time_ms, b->time_ms);
    }
    return c != 0 ? c : cmp_i64(a->lead_id, b->lead_id);
}

lx_rc
lx_leads_detect_reveal_spike(struct lx_leads_reveal_fact *f, size_t n,
                             int64_t now_ms,
                             const struct lx_leads_detect_limits *l,
                             lx_leads_signal_fn *fn, void *arg)
{
    int64_t hour_from = now_ms - LX_LEADS_HOUR_MS;
    int64_t hours = l->baseline_days * 24;
    int64_t base_from = hour_from - hours * LX_LEADS_HOUR_MS;
    size_t i = 0;

    if (n > 1) {
        qsort(f, n, sizeof(*f), cmp_reveal);
    }
    while (i < n) {
        struct lx_leads_signal s = {.kind = LX_LEADS_SIG_REVEAL_SPIKE};
        int64_t base = 0;
        size_t j = i;

        s.staff_id = f[i].staff_id;
        for (; j < n && f[j].staff_id == s.staff_id; j++) {
            const struct lx_leads_reveal_fact *r = &f[j];

            if (r->time_ms >= hour_from && r->time_ms < now_ms) {
                s.count++;
                s.firm_id = r->firm_id;
                s.at_ms = r->time_ms;
                sig_id(&s, r->lead_id);
            } else if (r->time_ms >= base_from && r->time_ms < hour_from) {
                base++;
            }
        }
        i = j;
        /* count > spike_min and count > mult x base / hours, in integers */
        if (s.count > l->spike_min &&
            (hours <= 0 || s.count * hours > l->spike_mult * base)) {
            lx_rc rc = emit(&s, fn, arg);
            if (rc != LX_OK) {
                return rc;
            }
        }
    }
    return LX_OK;
}

lx_rc
lx_leads_detect_foreign(struct lx_leads_reveal_fact *f, size_t n,
                        int64_t now_ms, const struct lx_leads_detect_limits *l,
                        lx_leads_signal_fn *fn, void *arg)
{
    int64_t from = now_ms - l->foreign_window_ms;
    size_t i = 0;

    if (n > 1) {
        qsort(f, n, sizeof(*f), cmp_reveal);
    }
    while (i < n) {
        struct lx_leads_signal s = {.kind = LX_LEADS_SIG_FOREIGN_REVEAL};
        size_t j = i;

        s.staff_id = f[i].staff_id;
        for (; j < n && f[j].staff_id == s.staff_id; j++) {
            const struct lx_leads_reveal_fact *r = &f[j];

            if (r->foreign && r->time_ms >= from && r->time_ms < now_ms) {
                s.count++;
                s.firm_id = r->firm_id;
                s.at_ms = r->time_ms;
                sig_id(&s, r->lead_id);
            }
        }
        i = j;
        if (s.count > 0 && s.count >= l->foreign_min) {
            lx_rc rc = emit(&s, fn, arg);
            if (rc != LX_OK) {
                return rc;
            }
        }
    }
    return LX_OK;
}

/* ---- sharing ------------------------------------------------------------- */

static int
cmp_session(const void *pa, const void *pb)
{
    const struct lx_leads_session_fact *a = pa, *b = pb;
    int c = cmp_i64(a->staff_id, b->staff_id);

    if (c == 0) {
        c = cmp_i64(a->start_ms, b->start_ms);
    }
    return c != 0 ? c : cmp_i64(a->session_id, b->session_id);
}

lx_rc
lx_leads_detect_sharing(struct lx_leads_session_fact *f, size_t n,
                        int64_t now_ms, const struct lx_leads_detect_limits *l,
                        lx_leads_signal_fn *fn, void *arg)
{
    int64_t from = now_ms - l->sharing_window_ms;
    size_t i = 0;

    if (n > 1) {
        qsort(f, n, sizeof(*f), cmp_session);
    }
    while (i < n) {
        struct lx_leads_signal s = {.kind = LX_LEADS_SIG_SHARING};
        size_t j = i, end;

        s.staff_id = f[i].staff_id;
        s.firm_id = f[i].firm_id;
        while (j < n && f[j].staff_id == s.staff_id) {
            j++;
        }
        end = j;
        /* Count the sessions that overlap one with another origin; the
         * count reported is the number of distinct origins among them. */
        for (size_t a = i; a < end; a++) {
            bool hit = false, seen = false;

            if (f[a].end_ms < from || f[a].origin[0] == '\0') {
                continue;
            }
            for (size_t b = i; b < end && !hit; b++) {
                if (b == a || f[b].end_ms < from || f[b].origin[0] == '\0' ||
                    strcmp(f[a].origin, f[b].origin) == 0) {
                    continue;
                }
                hit = f[a].start_ms <= f[b].end_ms &&
                      f[b].start_ms <= f[a].end_ms;
            }
            if (!hit) {
                continue;
            }
            sig_id(&s, f[a].session_id);
            if (f[a].end_ms > s.at_ms) {
                s.at_ms = f[a].end_ms < now_ms ? f[a].end_ms : now_ms;
            }
            for (size_t c = i; c < a && !seen; c++) {
                seen = strcmp(f[c].origin, f[a].origin) == 0 &&
                       f[c].end_ms >= from;
            }
            if (!seen) {
                s.count++;
            }
        }
        i = end;
        if (s.count >= 2) {
            lx_rc rc = emit(&s, fn, arg);
            if (rc != LX_OK) {
                return rc;
            }
        }
    }
    return LX_OK;
}

/* ---- canary -------------------------------------------------------------- */

static int
cmp_canary(const void *pa, const void *pb)
{
    const struct lx_leads_canary_fact *a = pa, *b = pb;
    int c = cmp_i64(a->hit_lead_id, b->hit_lead_id);

    if (c == 0) {
        c = cmp_i64(a->canary_id, b->canary_id);
    }
    return c != 0 ? c : cmp_i64(a->firm_id, b->firm_id);
}

lx_rc
lx_leads_detect_canary(struct lx_leads_canary_fact *f, size_t n,
                       lx_leads_signal_fn *fn, void *arg)
{
    if (n > 1) {
        qsort(f, n, sizeof(*f), cmp_canary);
    }
    for (size_t i = 0; i < n; i++) {
        struct lx_leads_signal s = {.kind = LX_LEADS_SIG_CANARY_HIT};
        lx_rc rc;

        if (i > 0 && cmp_canary(&f[i - 1], &f[i]) == 0) {
            continue; /* the same attribution twice */
        }
        s.firm_id = f[i].firm_id;
        s.lead_id = f[i].hit_lead_id;
        s.canary_id = f[i].canary_id;
        s.count = 1;
        s.at_ms = f[i].hit_ms;
        sig_id(&s, f[i].canary_id);
        sig_id(&s, f[i].hit_lead_id);
        rc = emit(&s, fn, arg);
        if (rc != LX_OK) {
            return rc;
        }
    }
    return LX_OK;
}
