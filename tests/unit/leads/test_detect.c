/*
 * test_detect — lead-trading detection (C5.9). The pure detectors: each
 * fires on a crafted history, stays silent on a normal one, and the
 * boundaries (threshold exactly reached / one short) hold; the severity
 * tiers 50 / 500 / 5,000. The service: lx_leads_detect_run over facts in
 * the store (offers, the audit log, sessions, canary hits) records one
 * C5.9 violation per signal, idempotently; the intake hook catches a
 * canary's phone; a seeded canary is offered to its firm only and never
 * routed on.
 *
 * The service tests run on both backends: with LX_TEST_BACKEND=postgres
 * (CTest registers the @postgres run) each test gets a fresh schema via
 * tests/lib/testdb.h.
 */
#include "audit/audit.h"
#include "auth/auth.h"
#include "base/ctx.h"
#include "crypto/crypto.h"
#include "leads/leads.h"
#include "leads/leads.h"
#include "lib/svcfix.h"
#include "people/people.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 1800000000000LL
#define HOUR (3600LL * 1000)
#define DAY (24 * HOUR)

/* ---- collecting signals -----------------------------------------------------
 */

struct sigs {
    struct lx_leads_signal v[32];
    size_t n;
};

static lx_rc
collect(void *arg, const struct lx_leads_signal *s)
{
    struct sigs *g = arg;

    assert_true(g->n < sizeof(g->v) / sizeof(g->v[0]));
    g->v[g->n++] = *s;
    return LX_OK;
}

static struct lx_leads_detect_limits
limits(void)
{
    struct lx_leads_detect_limits l;

    lx_leads_detect_limits_default(&l);
    return l;
}

/* ---- pure: names and severity ----------------------------------------------
 */

static void
test_severity_tiers(void **state)
{
    static const struct {
        int64_t n;
        enum lx_leads_severity s;
        const char *name;
    } cases[] = {
        {-1, LX_LEADS_SEV_LOW, "low"},
        {0, LX_LEADS_SEV_LOW, "low"},
        {49, LX_LEADS_SEV_LOW, "low"},
        {50, LX_LEADS_SEV_SERIOUS, "serious"},
        {499, LX_LEADS_SEV_SERIOUS, "serious"},
        {500, LX_LEADS_SEV_ESPECIALLY_SERIOUS, "especially_serious"},
        {4999, LX_LEADS_SEV_ESPECIALLY_SERIOUS, "especially_serious"},
        {5000, LX_LEADS_SEV_EXTREME, "extreme"},
        {1000000, LX_LEADS_SEV_EXTREME, "extreme"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum lx_leads_severity s = lx_leads_severity_of(cases[i].n);

        assert_int_equal(s, cases[i].s);
        assert_string_equal(lx_leads_severity_name(s), cases[i].name);
    }
    assert_string_equal(lx_leads_severity_name(LX_LEADS_SEV_COUNT), "invalid");
    assert_string_equal(lx_leads_signal_kind_name(LX_LEADS_SIG_CANARY_HIT),
                        "canary_hit");
    assert_string_equal(lx_leads_signal_kind_name(LX_LEADS_SIG_COUNT),
                        "invalid");
}

static void
test_contact_definition(void **state)
{
    static const char *const yes[] = {"assign", "handover", "acknowledge",
                                      "reveal", "close",    "return",
                                      "message", "call"};
    static const char *const no[] = {"claim",         "view", "decline",
                                     "offer_timeout", "",     "Reveal"};

    (void)state;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        assert_true(lx_leads_detect_is_contact(yes[i]));
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        assert_false(lx_leads_detect_is_contact(no[i]));
    }
    assert_false(lx_leads_detect_is_contact(NULL));
}

/* ---- pure: hoarding
 * ------------------------------------------------------------ */

static void
test_hoarding(void **state)
{
    struct lx_leads_detect_limits l = limits();
    /* Firm 7 hoards: 4 due claims, none contacted. Firm 8 is normal: 4 due
     * claims, 3 contacted within 24 h, one late (contact after 30 h).
     * Firm 9: 3 claims still inside T (not due). */
    struct lx_leads_claim_fact f[] = {
        {1, 7, T0 - 30 * HOUR, 0},
        {2, 7, T0 - 40 * HOUR, 0},
        {3, 7, T0 - 50 * HOUR, T0 - 1 * HOUR}, /* contacted too late */
        {4, 7, T0 - 26 * HOUR, 0},
        {11, 8, T0 - 30 * HOUR, T0 - 29 * HOUR},
        {12, 8, T0 - 40 * HOUR, T0 - 39 * HOUR},
        {13, 8, T0 - 50 * HOUR, T0 - 20 * HOUR},
        {14, 8, T0 - 26 * HOUR, T0 - 25 * HOUR},
        {21, 9, T0 - 2 * HOUR, 0},
        {22, 9, T0 - 3 * HOUR, 0},
        {23, 9, T0 - 23 * HOUR, 0},
        {31, 7, T0 - 60 * DAY, 0}, /* outside the look-back */
    };
    struct sigs g = {0};

    (void)state;
    assert_int_equal(lx_leads_detect_hoarding(f, sizeof(f) / sizeof(f[0]), T0,
                                              &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].kind, LX_LEADS_SIG_HOARDING);
    assert_int_equal(g.v[0].firm_id, 7);
    assert_int_equal(g.v[0].count, 4);
    assert_int_equal(g.v[0].n_ids, 4);
    assert_int_equal(g.v[0].severity, LX_LEADS_SEV_LOW);
    assert_int_equal(g.v[0].at_ms, T0 - 26 * HOUR + 24 * HOUR);
}

static void
test_hoarding_boundaries(void **state)
{
    struct lx_leads_detect_limits l = limits();
    /* Exactly T old, never contacted: due and stale. Contact exactly at T
     * counts as contact. */
    struct lx_leads_claim_fact at[] = {
        {1, 7, T0 - DAY, 0},
        {2, 7, T0 - DAY, 0},
        {3, 7, T0 - DAY, 0},
    };
    struct lx_leads_claim_fact short_one[] = {
        {1, 7, T0 - DAY, 0},
        {2, 7, T0 - DAY, 0},
        {3, 7, T0 - DAY + 1, 0}, /* 1 ms short of due */
    };
    /* Ratio: 3 stale + 2 contacted = 5 due; 5 >= 2 x 2 fires; with 4
     * contacted (7 due < 2 x 4) it does not. */
    struct lx_leads_claim_fact ratio_fire[] = {
        {1, 7, T0 - 2 * DAY, 0},
        {2, 7, T0 - 2 * DAY, 0},
        {3, 7, T0 - 2 * DAY, 0},
        {4, 7, T0 - 2 * DAY, T0 - DAY}, /* contact exactly at T */
        {5, 7, T0 - 2 * DAY, T0 - 2 * DAY + 1},
    };
    struct lx_leads_claim_fact ratio_quiet[] = {
        {1, 7, T0 - 2 * DAY, 0},
        {2, 7, T0 - 2 * DAY, 0},
        {3, 7, T0 - 2 * DAY, 0},
        {4, 7, T0 - 2 * DAY, T0 - DAY},
        {5, 7, T0 - 2 * DAY, T0 - 2 * DAY + 1},
        {6, 7, T0 - 2 * DAY, T0 - 2 * DAY + 2},
        {7, 7, T0 - 2 * DAY, T0 - 2 * DAY + 3},
    };
    struct sigs g = {0};

    (void)state;
    assert_int_equal(lx_leads_detect_hoarding(at, 3, T0, &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 1);
    g.n = 0;
    assert_int_equal(
        lx_leads_detect_hoarding(short_one, 3, T0, &l, collect, &g), LX_OK);
    assert_int_equal(g.n, 0);
    assert_int_equal(
        lx_leads_detect_hoarding(ratio_fire, 5, T0, &l, collect, &g), LX_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].count, 3);
    g.n = 0;
    assert_int_equal(
        lx_leads_detect_hoarding(ratio_quiet, 7, T0, &l, collect, &g), LX_OK);
    assert_int_equal(g.n, 0);
    assert_int_equal(lx_leads_detect_hoarding(NULL, 0, T0, &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 0);
}

/* ---- pure: reveal spike
 * --------------------------------------------------------- */

/* 'recent' reveals in the last hour and 'base' spread over the baseline. */
static size_t
reveals(struct lx_leads_reveal_fact *f, int64_t staff, int recent, int base)
{
    size_t n = 0;

    for (int i = 0; i < recent; i++) {
        f[n++] = (struct lx_leads_reveal_fact){T0 - HOUR + i * 1000, staff, 7,
                                               1000 + i, false};
    }
    for (int i = 0; i < base; i++) {
        f[n++] = (struct lx_leads_reveal_fact){T0 - 2 * HOUR - i * HOUR, staff,
                                               7, 5000 + i, false};
    }
    return n;
}

static void
test_reveal_spike(void **state)
{
    struct lx_leads_detect_limits l = limits();
    static struct lx_leads_reveal_fact f[4000];
    struct sigs g = {0};
    size_t n;

    (void)state;
    /* 40 in the hour, no history: fires; count 40. */
    n = reveals(f, 5, 40, 0);
    assert_int_equal(lx_leads_detect_reveal_spike(f, n, T0, &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].staff_id, 5);
    assert_int_equal(g.v[0].firm_id, 7);
    assert_int_equal(g.v[0].count, 40);
    assert_int_equal(g.v[0].n_ids, LX_LEADS_SIGNAL_IDS);

    /* Exactly spike_min (10) is not above it: silent; 11 fires. */
    g.n = 0;
    n = reveals(f, 5, 10, 0);
    assert_int_equal(lx_leads_detect_reveal_spike(f, n, T0, &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 0);
    n = reveals(f, 5, 11, 0);
    assert_int_equal(lx_leads_detect_reveal_spike(f, n, T0, &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 1);

    /* A heavy but steady user: baseline 14 days x 24 h at 10/h = 3360;
     * 40 in the hour is 4 x baseline: silent. 51 > 5 x 10: fires. */
    g.n = 0;
    n = 0;
    for (int h = 0; h < 14 * 24; h++) {
        for (int k = 0; k < 10; k++) {
            f[n++] = (struct lx_leads_reveal_fact){T0 - 2 * HOUR - h * HOUR + k,
                                                   6, 7, 9, false};
        }
    }
    {
        size_t base_n = n;

        for (int i = 0; i < 40; i++) {
            f[n++] = (struct lx_leads_reveal_fact){T0 - 10 - i, 6, 7, i, false};
        }
        assert_int_equal(
            lx_leads_detect_reveal_spike(f, n, T0, &l, collect, &g), LX_OK);
        assert_int_equal(g.n, 0);
        n = base_n;
        for (int i = 0; i < 51; i++) {
            f[n++] = (struct lx_leads_reveal_fact){T0 - 10 - i, 6, 7, i, false};
        }
        /* the previous call sorted f; the baseline rows are still there */
        assert_int_equal(
            lx_leads_detect_reveal_spike(f, n, T0, &l, collect, &g), LX_OK);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.v[0].count, 51);
    }
}

/* ---- pure: foreign reveals
 * ------------------------------------------------------- */

static void
test_foreign_reveal(void **state)
{
    struct lx_leads_detect_limits l = limits();
    struct lx_leads_reveal_fact f[] = {
        {T0 - HOUR, 5, 7, 100, true},
        {T0 - 2 * HOUR, 5, 7, 101, true},
        {T0 - 3 * HOUR, 5, 7, 102, false},
        {T0 - 2 * DAY, 6, 7, 103, true}, /* outside the window */
        {T0 - HOUR, 6, 7, 104, false},
        {T0 - HOUR, 8, 9, 105, false},
    };
    struct sigs g = {0};

    (void)state;
    assert_int_equal(lx_leads_detect_foreign(f, sizeof(f) / sizeof(f[0]), T0,
                                             &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].kind, LX_LEADS_SIG_FOREIGN_REVEAL);
    assert_int_equal(g.v[0].staff_id, 5);
    assert_int_equal(g.v[0].count, 2);
    assert_int_equal(g.v[0].n_ids, 2);
    /* a threshold of 3 silences it */
    l.foreign_min = 3;
    g.n = 0;
    assert_int_equal(lx_leads_detect_foreign(f, sizeof(f) / sizeof(f[0]), T0,
                                             &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 0);
}

/* ---- pure: sharing
 * ------------------------------------------------------------ */

static void
test_sharing(void **state)
{
    struct lx_leads_detect_limits l = limits();
    struct lx_leads_session_fact f[] = {
        /* staff 5: two origins overlapping: fires */
        {1, 5, 7, T0 - 5 * HOUR, T0 - 1 * HOUR, "o-a"},
        {2, 5, 7, T0 - 3 * HOUR, T0 - 2 * HOUR, "o-b"},
        /* staff 6: two origins one after the other: silent */
        {3, 6, 7, T0 - 5 * HOUR, T0 - 4 * HOUR, "o-a"},
        {4, 6, 7, T0 - 4 * HOUR + 1, T0 - 1 * HOUR, "o-c"},
        /* staff 8: two sessions from one origin overlapping: silent */
        {5, 8, 9, T0 - 5 * HOUR, T0 - 1 * HOUR, "o-d"},
        {6, 8, 9, T0 - 3 * HOUR, T0 - 2 * HOUR, "o-d"},
        /* staff 9: overlap long ago: outside the window */
        {7, 9, 9, T0 - 5 * DAY, T0 - 4 * DAY, "o-e"},
        {8, 9, 9, T0 - 5 * DAY, T0 - 4 * DAY, "o-f"},
    };
    struct lx_leads_session_fact touch[] = {
        /* end of one == start of the other: overlapping at an instant */
        {1, 5, 7, T0 - 5 * HOUR, T0 - 4 * HOUR, "o-a"},
        {2, 5, 7, T0 - 4 * HOUR, T0 - 1 * HOUR, "o-b"},
        {3, 5, 7, T0 - 4 * HOUR, T0 - 2 * HOUR, "o-c"},
    };
    struct sigs g = {0};

    (void)state;
    assert_int_equal(lx_leads_detect_sharing(f, sizeof(f) / sizeof(f[0]), T0,
                                             &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].kind, LX_LEADS_SIG_SHARING);
    assert_int_equal(g.v[0].staff_id, 5);
    assert_int_equal(g.v[0].firm_id, 7);
    assert_int_equal(g.v[0].count, 2);
    assert_int_equal(g.v[0].n_ids, 2);
    g.n = 0;
    assert_int_equal(lx_leads_detect_sharing(touch, 3, T0, &l, collect, &g),
                     LX_OK);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].count, 3);
}

/* ---- pure: canary
 * ------------------------------------------------------------ */

static void
test_canary(void **state)
{
    struct lx_leads_canary_fact f[] = {
        {50, 7, 60, T0},
        {50, 8, 60, T0},
        {50, 7, 60, T0}, /* the same attribution twice */
    };
    struct sigs g = {0};

    (void)state;
    assert_int_equal(lx_leads_detect_canary(f, 3, collect, &g), LX_OK);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.v[0].firm_id, 7);
    assert_int_equal(g.v[1].firm_id, 8);
    assert_int_equal(g.v[0].canary_id, 50);
    assert_int_equal(g.v[0].lead_id, 60);
    g.n = 0;
    assert_int_equal(lx_leads_detect_canary(NULL, 0, collect, &g), LX_OK);
    assert_int_equal(g.n, 0);
}

/* ---- the service
 * ----------------------------------------------------------------- */

static int
setup(void **state)
{
    struct svcfix *f =
        svcfix_new(sizeof(*f), "/tmp/lx-detect-XXXXXX", T0, LX_ACTOR_SYSTEM);

    if (f == NULL) {
        return -1;
    }
    svcfix_execf(
        f,
        "INSERT INTO orgs (id, kind, name, uscc, daily_capacity, status,"
        " status_changed_ms, created_ms, updated_ms) VALUES"
        " (1, 'platform', 'P', NULL, 0, 'active', 1, 1, 1),"
        " (10, 'firm', 'A', NULL, 100, 'active', 1, 1, 1),"
        " (20, 'firm', 'B', NULL, 100, 'active', 1, 1, 1);"
        "INSERT INTO org_regions (org_id, code) VALUES (10, '110000'),"
        " (20, '110000');"
        "INSERT INTO org_areas (org_id, area) VALUES (10, 'labor'),"
        " (20, 'labor');"
        "INSERT INTO staff (id, org_id, role, display_name, email,"
        " status, created_ms, updated_ms) VALUES"
        " (101, 10, 'firm_admin', 'a', 'a1@example.org', 'active', 1, 1),"
        " (102, 10, 'lawyer', 'a', 'a2@example.org', 'active', 1, 1),"
        " (201, 20, 'firm_admin', 'b', 'b1@example.org', 'active', 1, 1),"
        " (202, 20, 'lawyer', 'b', 'b2@example.org', 'active', 1, 1);"
        "INSERT INTO staff_training (staff_id, course, version,"
        " passed_ms, expires_ms, recorded_by, created_ms) SELECT id,"
        " 'privacy', '1', %lld, %lld, 1, 1 FROM staff",
        T0 - DAY * 30, T0 + DAY * 365);
    *state = f;
    return 0;
}

/* A lead (subject = id) held by 'firm' since 'claimed_ms'. */
static void
claimed_lead(struct svcfix *f, int64_t id, int64_t firm, int64_t claimed_ms)
{
    svcfix_execf(
        f,
        "INSERT INTO leads (id, subject_id, channel, area, region,"
        " preview, contact_masked, minor, sensitive, consent_version,"
        " consent_ms, state, firm_id, created_ms, updated_ms) VALUES"
        " (%lld, %lld, 'system', 'labor', '110105', 'p', '138****0000',"
        " 0, 0, 'v1', 1, 'claimed', %lld, %lld, %lld);"
        "INSERT INTO lead_offers (lead_id, firm_id, attempt, offered_ms,"
        " deadline_ms, closed_ms, outcome, covering, candidates, score,"
        " weight, credit_before, credit_after) VALUES (%lld, %lld, 1,"
        " %lld, %lld, %lld, 'claimed', 1, 1, 0, 0, 0, 0)",
        (long long)id, (long long)id, (long long)firm, (long long)claimed_ms,
        (long long)claimed_ms, (long long)id, (long long)firm,
        (long long)claimed_ms - 1000, (long long)claimed_ms + 600000,
        (long long)claimed_ms);
}

struct audit_arg {
    struct lx_audit_entry e;
};

static lx_rc
audit_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_audit_append_tx(tx, &((struct audit_arg *)arg)->e, err);
}

/* An audited action of staff 'staff' of 'firm' on resource 'type':'id'. */
static void
audited(struct svcfix *f, int64_t at, int64_t staff, int64_t firm,
        const char *action, const char *type, int64_t id, const char *decision,
        const char *reason)
{
    struct audit_arg a = {{0}};
    struct lx_err err = {0};
    char rid[24];

    snprintf(rid, sizeof(rid), "%lld", (long long)id);
    a.e.time_ms = at;
    a.e.kind =
        strcmp(action, "reveal") == 0 ? LX_AUDIT_ACCESS : LX_AUDIT_HANDOVER;
    a.e.actor_kind = (int)LX_ACTOR_STAFF;
    a.e.actor_id = staff;
    a.e.actor_firm = firm;
    a.e.actor_role = "lawyer";
    a.e.action = action;
    a.e.resource_type = type;
    a.e.resource_id = rid;
    a.e.decision = decision;
    a.e.reason = reason;
    a.e.request_id = "req-test";
    if (lx_store_write(f->app.store, audit_unit, &a, &err) != LX_OK) {
        fprintf(stderr, "audit: %s\n", lx_err_message(&err));
        fail();
    }
}

struct session_arg {
    int64_t id, staff, start, end;
    const char *origin;
};

static lx_rc
session_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct session_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    unsigned char h[8] = {0};
    bool row = false;
    lx_rc rc = lx_store_prepare(
        tx,
        "INSERT INTO sessions (token_hash, kind, staff_id, created_ms,"
        " last_seen_ms, expires_ms, origin) VALUES (:h, 'staff', :st,"
        " :start, :end, :exp, :o)",
        &s, err);

    memcpy(h, &a->id, sizeof(a->id));
    if (rc == LX_OK) {
        lx_store_bind_blob(s, ":h", h, sizeof(h));
        lx_store_bind_int(s, ":st", a->staff);
        lx_store_bind_int(s, ":start", a->start);
        lx_store_bind_int(s, ":end", a->end);
        lx_store_bind_int(s, ":exp", a->end + DAY);
        lx_store_bind_text(s, ":o", a->origin, strlen(a->origin));
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

/* A staff session (token id) from 'origin' active in [start, end]. */
static void
session(struct svcfix *f, int64_t id, int64_t staff, int64_t start, int64_t end,
        const char *origin)
{
    struct session_arg a = {id, staff, start, end, origin};
    struct lx_err err = {0};

    if (lx_store_write(f->app.store, session_unit, &a, &err) != LX_OK) {
        fprintf(stderr, "session: %s\n", lx_err_message(&err));
        fail();
    }
}

struct printed {
    int n;
    int per_kind[LX_LEADS_SIG_COUNT];
};

static lx_rc
on_signal(void *arg, const struct lx_leads_signal *s)
{
    struct printed *p = arg;

    p->n++;
    p->per_kind[s->kind]++;
    return LX_OK;
}

static int64_t
violations(struct svcfix *f, const char *kind)
{
    return svcfix_countf(
        f,
        "SELECT COUNT(*) FROM violation WHERE clause = 'C5.9' AND"
        " kind = '%s'",
        kind);
}

static void
test_run_silent_on_normal(void **state)
{
    struct svcfix *f = *state;
    struct lx_leads_detect_report rep = {0};

    /* Firm A claims 4 leads and works each within hours; B's lawyer
     * reveals a few of its own leads; two sessions from one origin. */
    for (int i = 0; i < 4; i++) {
        claimed_lead(f, 1 + i, 10, T0 - 3 * DAY + i * HOUR);
        audited(f, T0 - 3 * DAY + i * HOUR + HOUR, 101, 10, "assign", "lead",
                1 + i, "done", NULL);
    }
    claimed_lead(f, 20, 20, T0 - 2 * HOUR);
    for (int i = 0; i < 3; i++) {
        audited(f, T0 - HOUR + i, 202, 20, "reveal", "subject", 20, "allow",
                NULL);
    }
    /* Platform staff (org 1) reveal a lot: not a firm's conduct. */
    for (int i = 0; i < 12; i++) {
        audited(f, T0 - HOUR + i, 901, 1, "reveal", "subject", 20, "allow",
                NULL);
    }
    session(f, 1, 202, T0 - 5 * HOUR, T0 - HOUR, "o1");
    session(f, 2, 202, T0 - 4 * HOUR, T0 - HOUR, "o1");
    assert_int_equal(lx_leads_detect_run(&f->ctx, NULL, &rep), LX_OK);
    assert_int_equal(rep.signals, 0);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM violation"), 0);
}

static void
test_run_fires_and_is_idempotent(void **state)
{
    struct svcfix *f = *state;
    struct lx_leads_detect_report rep = {0};
    struct lx_leads_detect_opts o = {0};
    struct printed p = {0};

    /* Hoarding: firm A claims 5 leads two days ago, touches none. */
    for (int i = 0; i < 5; i++) {
        claimed_lead(f, 1 + i, 10, T0 - 2 * DAY);
    }
    /* Foreign reveals: B's lawyer asks for A's lead 1 (denied) and
     * reveals A's lead 2 (an allow while B never held it). */
    audited(f, T0 - HOUR, 202, 20, "reveal", "subject", 1, "deny",
            "lead_not_in_firm");
    audited(f, T0 - HOUR, 202, 20, "reveal", "subject", 2, "allow", NULL);
    /* Spike: A's admin reveals 12 times in the last hour, nothing before. */
    for (int i = 0; i < 12; i++) {
        audited(f, T0 - 30 * 60000 + i, 101, 10, "reveal", "subject", 3,
                "allow", NULL);
    }
    /* Sharing: B's admin from two origins at once. */
    session(f, 1, 201, T0 - 5 * HOUR, T0 - HOUR, "o1");
    session(f, 2, 201, T0 - 4 * HOUR, T0 - 2 * HOUR, "o2");

    o.on_signal = on_signal;
    o.on_signal_arg = &p;
    assert_int_equal(lx_leads_detect_run(&f->ctx, &o, &rep), LX_OK);
    assert_int_equal(rep.per_kind[LX_LEADS_SIG_HOARDING], 1);
    assert_int_equal(rep.per_kind[LX_LEADS_SIG_FOREIGN_REVEAL], 1);
    assert_int_equal(rep.per_kind[LX_LEADS_SIG_REVEAL_SPIKE], 1);
    assert_int_equal(rep.per_kind[LX_LEADS_SIG_SHARING], 1);
    assert_int_equal(rep.signals, 4);
    assert_int_equal(rep.recorded, 4);
    assert_int_equal(p.n, 4);
    assert_int_equal(violations(f, "hoarding"), 1);
    assert_int_equal(
        svcfix_countf(
            f, "SELECT COUNT(*) FROM violation WHERE kind = 'hoarding' AND"
               " firm_id = 10 AND evidence_ref = 'lead:1.2.3.4.5'"),
        1);
    /* Lead 3 was revealed by A (its holder): contact, but 4 stale remain. */
    assert_int_equal(
        svcfix_countf(f, "SELECT COUNT(*) FROM violation WHERE kind ="
                         " 'foreign_reveal' AND firm_id = 20 AND evidence_ref ="
                         " 'lead:1.2'"),
        1);
    assert_int_equal(
        svcfix_countf(
            f, "SELECT COUNT(*) FROM violation WHERE kind = 'sharing' AND"
               " object_ref LIKE 'staff:201/%%'"),
        1);
    assert_int_equal(
        svcfix_countf(f, "SELECT COUNT(*) FROM violation WHERE kind ="
                         " 'reveal_spike' AND object_ref LIKE 'staff:101/%%'"),
        1);

    /* Again at the same time: found again, nothing new recorded. */
    memset(&rep, 0, sizeof(rep));
    assert_int_equal(lx_leads_detect_run(&f->ctx, NULL, &rep), LX_OK);
    assert_int_equal(rep.signals, 4);
    assert_int_equal(rep.recorded, 0);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM violation"), 4);
}

static void
test_canary_hit_at_intake(void **state)
{
    struct svcfix *f = *state;
    struct lx_leads_intake in = {0};
    struct lx_leads_intake_result r1 = {0}, r2 = {0}, r3 = {0};
    struct lx_leads_detect_report rep = {0};

    in.area = "labor";
    in.region = "110105";
    in.description = "拖欠工资，想咨询。";
    in.phone = "13900139000";
    in.consent_version = "pn-1";
    in.consent_ms = T0 - 1000;
    in.consent_share = true;
    assert_int_equal(lx_leads_intake(&f->ctx, NULL, &in, &r1), LX_OK);
    /* Make it a canary offered to both firms (as after a decline). */
    svcfix_execf(f, "UPDATE leads SET canary = 1 WHERE id = %lld",
                 (long long)r1.id);
    svcfix_execf(
        f,
        "INSERT INTO lead_offers (lead_id, firm_id, attempt, offered_ms,"
        " deadline_ms, closed_ms, outcome, covering, candidates, score,"
        " weight, credit_before, credit_after) SELECT %lld, id, 9, 1,"
        " 2, 2, 'declined', 1, 1, 0, 0, 0, 0 FROM orgs WHERE kind ="
        " 'firm' AND id NOT IN (SELECT firm_id FROM lead_offers WHERE"
        " lead_id = %lld)",
        (long long)r1.id, (long long)r1.id);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM violation"), 0);

    /* A different phone: silent. */
    in.phone = "13700137000";
    assert_int_equal(lx_leads_intake(&f->ctx, NULL, &in, &r2), LX_OK);
    assert_int_equal(svcfix_countf(f, "SELECT COUNT(*) FROM lead_canary_hits"),
                     0);

    /* The canary's phone comes back (two days later, past dedupe). */
    f->ctx.now_ms = T0 + 2 * DAY;
    in.phone = "139 0013 9000";
    in.consent_ms = T0 + 2 * DAY - 1000;
    assert_int_equal(lx_leads_intake(&f->ctx, NULL, &in, &r3), LX_OK);
    assert_int_equal(svcfix_countf(f,
                                   "SELECT COUNT(*) FROM lead_canary_hits WHERE"
                                   " canary_id = %lld AND hit_lead_id = %lld",
                                   (long long)r1.id, (long long)r3.id),
                     1);
    assert_int_equal(violations(f, "canary_hit"), 2);
    assert_int_equal(svcfix_countf(f,
                                   "SELECT COUNT(*) FROM violation WHERE kind ="
                                   " 'canary_hit' AND firm_id IN (10, 20)"),
                     2);
    /* The run finds the same hits and adds nothing. */
    assert_int_equal(lx_leads_detect_run(&f->ctx, NULL, &rep), LX_OK);
    assert_int_equal(rep.per_kind[LX_LEADS_SIG_CANARY_HIT], 2);
    assert_int_equal(rep.recorded, 0);
    f->ctx.now_ms = T0;
}

static void
test_canary_seed(void **state)
{
    struct svcfix *f = *state;
    struct lx_leads_canary c = {10, NULL, NULL};
    struct lx_leads_canary bad = {99, NULL, NULL};
    int64_t id = 0;

    assert_int_equal(lx_leads_canary_seed(&f->ctx, NULL, &bad, &id),
                     LX_ENOTFOUND);
    assert_string_equal(f->ctx.err.field, "/firm");
    assert_int_equal(lx_leads_canary_seed(&f->ctx, NULL, &c, &id), LX_OK);
    assert_true(id > 0);
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM leads WHERE id = %lld AND"
                      " canary = 1 AND state = 'offered' AND firm_id"
                      " = 10",
                      (long long)id),
        1);
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM lead_offers WHERE lead_id"
                      " = %lld",
                      (long long)id),
        1);
    /* Staff of a firm may not seed. */
    f->ctx.actor.kind = LX_ACTOR_STAFF;
    f->ctx.actor.id = 101;
    f->ctx.actor.firm_id = 10;
    snprintf(f->ctx.actor.role, sizeof(f->ctx.actor.role), "firm_admin");
    assert_int_equal(lx_leads_canary_seed(&f->ctx, NULL, &c, NULL), LX_EDENIED);
    /* A's admin declines it: exhausted, never offered to B. */
    assert_int_equal(lx_leads_decline(&f->ctx, NULL, id, "no_capacity"), LX_OK);
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM leads WHERE id = %lld AND"
                      " state = 'exhausted'",
                      (long long)id),
        1);
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM lead_offers WHERE lead_id"
                      " = %lld AND firm_id <> 10",
                      (long long)id),
        0);
    memset(&f->ctx.actor, 0, sizeof(f->ctx.actor));
    f->ctx.actor.kind = LX_ACTOR_SYSTEM;
}

static void
test_sharing_from_signins(void **state)
{
    struct svcfix *f = *state;
    struct lx_auth_opts ao;
    struct lx_auth_signin s1, s2, s3;
    struct lx_leads_detect_report rep = {0};
    struct lx_err err = {0};
    char pw[32];
    int64_t id = 0;

    lx_auth_opts_default(&ao);
    assert_int_equal(
        lx_people_bootstrap(&f->app, "root@ops.example.invalid", pw, &id, &err),
        LX_OK);
    f->ctx.now_ms = T0 - HOUR;
    assert_int_equal(lx_auth_signin_password(&f->ctx, NULL, &ao,
                                             "root@ops.example.invalid", pw,
                                             "192.0.2.7", NULL, &s1),
                     LX_OK);
    assert_int_equal(lx_auth_signin_password(&f->ctx, NULL, &ao,
                                             "root@ops.example.invalid", pw,
                                             "198.51.100.9", NULL, &s2),
                     LX_OK);
    assert_int_equal(lx_auth_signin_password(&f->ctx, NULL, &ao,
                                             "root@ops.example.invalid", pw,
                                             NULL, NULL, &s3),
                     LX_OK);
    f->ctx.now_ms = T0;
    /* Two origins, hex hashes, never the address; none without a source. */
    assert_int_equal(svcfix_countf(f,
                                   "SELECT COUNT(DISTINCT origin) FROM sessions"
                                   " WHERE LENGTH(origin) = 64"),
                     2);
    assert_int_equal(svcfix_countf(f,
                                   "SELECT COUNT(*) FROM sessions WHERE origin"
                                   " LIKE '%%192%%' OR origin LIKE '%%.%%'"),
                     0);
    assert_int_equal(
        svcfix_countf(f,
                      "SELECT COUNT(*) FROM sessions WHERE id = %lld"
                      " AND origin IS NULL",
                      (long long)s3.session_id),
        1);
    /* Platform staff are not a firm's conduct: silent. */
    assert_int_equal(lx_leads_detect_run(&f->ctx, NULL, &rep), LX_OK);
    assert_int_equal(rep.per_kind[LX_LEADS_SIG_SHARING], 0);
    /* The same account as a firm's staff member: sharing. */
    svcfix_execf(
        f, "UPDATE staff SET org_id = 20, role = 'firm_admin' WHERE id = %lld",
        (long long)id);
    assert_int_equal(lx_leads_detect_run(&f->ctx, NULL, &rep), LX_OK);
    assert_int_equal(rep.per_kind[LX_LEADS_SIG_SHARING], 1);
    assert_int_equal(svcfix_countf(f,
                                   "SELECT COUNT(*) FROM violation WHERE kind ="
                                   " 'sharing' AND firm_id = 20 AND object_ref"
                                   " LIKE 'staff:%lld/%%'",
                                   (long long)id),
                     1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_severity_tiers),
        cmocka_unit_test(test_contact_definition),
        cmocka_unit_test(test_hoarding),
        cmocka_unit_test(test_hoarding_boundaries),
        cmocka_unit_test(test_reveal_spike),
        cmocka_unit_test(test_foreign_reveal),
        cmocka_unit_test(test_sharing),
        cmocka_unit_test(test_canary),
        cmocka_unit_test_setup_teardown(test_run_silent_on_normal, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_run_fires_and_is_idempotent, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_canary_hit_at_intake, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_canary_seed, setup,
                                        svcfix_teardown),
        cmocka_unit_test_setup_teardown(test_sharing_from_signins, setup,
                                        svcfix_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
