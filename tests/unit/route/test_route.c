/*
 * test_route — the distribution engine: eligibility tables, scoring
 * monotonicity, fairness over 10,000 simulated leads, the tie-break, the
 * index against a brute-force scan, and the offer state machine as a table
 * plus a random walk that checks its invariants after every event.
 */
#include "base/err.h"
#include "route/route.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NOW INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define MIN INT64_C(60000)
#define ALL LX_ROUTE_AREA_ALL
#define BIT(a) LX_ROUTE_AREA_BIT(LX_ROUTE_AREA_##a)
#define LEADS 10000

/* Fairness tolerance, stated: every share within +-2 % of its expected
 * value (1/N for equal firms, w_i/W for unequal ones). */
#define TOLERANCE 0.02

static void
firm_init(struct lx_route_firm *f, uint64_t id, const uint32_t *regions,
          size_t n_regions)
{
    memset(f, 0, sizeof *f);
    f->id = id;
    f->status = LX_ROUTE_FIRM_ACTIVE;
    f->areas = ALL;
    f->regions = regions;
    f->n_regions = n_regions;
    f->capacity_today = 1000000;
}

static struct lx_route_index *
build(struct lx_route_firm *firms, size_t n)
{
    struct lx_route_index *ix = NULL;
    struct lx_err err = {0};

    assert_int_equal(lx_route_index_build(firms, n, &ix, &err), LX_OK);
    assert_non_null(ix);
    return ix;
}

static void
decide(struct lx_route_index *ix, enum lx_route_area area, uint32_t region,
       int64_t now, uint64_t draw, struct lx_route_decision *d)
{
    struct lx_route_lead lead = {.area = area, .region = region};
    struct lx_err err = {0};

    assert_int_equal(lx_route_decide(ix, &lead, now, draw, d, &err), LX_OK);
}

/* ---- names and region codes ---------------------------------------------- */

static void
test_names(void **state)
{
    enum lx_route_area a = LX_ROUTE_AREA_NONE;
    enum lx_route_firm_status s = LX_ROUTE_FIRM_UNKNOWN;
    enum lx_route_decline d = LX_ROUTE_DECLINE_NONE;

    (void)state;
    for (int i = 1; i < LX_ROUTE_AREA_COUNT; i++) {
        assert_true(lx_route_area_parse(lx_route_area_name(i), &a));
        assert_int_equal(a, i);
    }
    for (int i = 1; i < LX_ROUTE_FIRM_COUNT; i++) {
        assert_true(
            lx_route_firm_status_parse(lx_route_firm_status_name(i), &s));
        assert_int_equal(s, i);
    }
    for (int i = 1; i < LX_ROUTE_DECLINE_COUNT; i++) {
        assert_true(lx_route_decline_parse(lx_route_decline_name(i), &d));
        assert_int_equal(d, i);
    }
    assert_true(lx_route_area_parse("marriage_family", &a));
    assert_int_equal(a, LX_ROUTE_AREA_MARRIAGE_FAMILY);
    assert_false(lx_route_area_parse("none", &a));
    assert_false(lx_route_area_parse("Labor", &a));
    assert_false(lx_route_area_parse(NULL, &a));
    assert_false(lx_route_firm_status_parse("unknown", &s));
    assert_string_equal(lx_route_area_name(LX_ROUTE_AREA_COUNT), "invalid");
    assert_string_equal(lx_route_state_name(LX_ROUTE_STATE_OFFERED), "offered");
    assert_string_equal(lx_route_outcome_name(LX_ROUTE_OUTCOME_TIMED_OUT),
                        "timed_out");
    assert_string_equal(lx_route_reason_name(LX_ROUTE_REASON_NO_COVERAGE),
                        "no_coverage");
    assert_string_equal(lx_route_gate_name(LX_ROUTE_GATE_CAPACITY), "capacity");
    assert_string_equal(lx_route_event_name(LX_ROUTE_EV_TIMEOUT), "timeout");
}

static void
test_region_level(void **state)
{
    static const struct {
        uint32_t code;
        int level;
    } rows[] = {
        {110000, 1}, {440000, 1}, {820000, 1},  {440300, 2},
        {110100, 2}, {440305, 3}, {110105, 3},  {0, 0},
        {109999, 0}, {100000, 0}, {1100000, 0}, {999999, 3},
    };

    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        assert_int_equal(lx_route_region_level(rows[i].code), rows[i].level);
    }
}

/* ---- scoring ------------------------------------------------------------- */

static void
test_score_table(void **state)
{
    static const struct {
        uint32_t measured, median_s, complaint_bp, points;
        enum lx_route_firm_status status;
        uint32_t response, complaint, violation, score, weight;
    } rows[] = {
        {0, 0, 0, 0, LX_ROUTE_FIRM_ACTIVE, 200, 300, 300, 800, 900},
        {5, 300, 0, 0, LX_ROUTE_FIRM_ACTIVE, 400, 300, 300, 1000, 1100},
        {5, 301, 0, 0, LX_ROUTE_FIRM_ACTIVE, 399, 300, 300, 999, 1099},
        {5, 3750, 250, 5, LX_ROUTE_FIRM_ACTIVE, 200, 150, 150, 500, 600},
        {5, 7200, 500, 10, LX_ROUTE_FIRM_ACTIVE, 0, 0, 0, 0, 100},
        {5, 99999, 9000, 99, LX_ROUTE_FIRM_ACTIVE, 0, 0, 0, 0, 100},
        {5, 300, 0, 0, LX_ROUTE_FIRM_RESTRICTED, 400, 300, 300, 1000, 550},
        {5, 7200, 500, 10, LX_ROUTE_FIRM_RESTRICTED, 0, 0, 0, 0, 50},
        {5, 300, 0, 0, LX_ROUTE_FIRM_DISTRIBUTION_SUSPENDED, 400, 300, 300,
         1000, 0},
        {5, 300, 0, 0, LX_ROUTE_FIRM_COOPERATION_SUSPENDED, 400, 300, 300, 1000,
         0},
        {5, 300, 0, 0, LX_ROUTE_FIRM_TERMINATING, 400, 300, 300, 1000, 0},
        {5, 300, 0, 0, LX_ROUTE_FIRM_TERMINATED, 400, 300, 300, 1000, 0},
        {5, 300, 0, 0, LX_ROUTE_FIRM_UNKNOWN, 400, 300, 300, 1000, 0},
    };
    static const uint32_t region = 110000;

    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct lx_route_firm f;
        struct lx_route_breakdown b;

        firm_init(&f, 1, &region, 1);
        f.responses_measured = rows[i].measured;
        f.first_response_median_s = rows[i].median_s;
        f.complaint_rate_bp = rows[i].complaint_bp;
        f.violation_points = rows[i].points;
        f.status = rows[i].status;
        lx_route_score(&f, &b);
        assert_int_equal(b.response_pts, rows[i].response);
        assert_int_equal(b.complaint_pts, rows[i].complaint);
        assert_int_equal(b.violation_pts, rows[i].violation);
        assert_int_equal(b.score, rows[i].score);
        assert_int_equal(b.weight, rows[i].weight);
    }
}

/* Better SLA figures never lower the score or the weight: sweep each figure
 * from good to bad over a grid of the others and check non-increase. */
static void
test_score_monotone(void **state)
{
    static const uint32_t medians[] = {0,    60,   299,  300,  301,  900,
                                       1800, 3600, 7199, 7200, 7201, 86400};
    static const uint32_t rates[] = {0, 1, 10, 100, 250, 499, 500, 501, 10000};
    static const uint32_t points[] = {0, 1, 2, 5, 9, 10, 11, 50};
    static const enum lx_route_firm_status st[] = {LX_ROUTE_FIRM_ACTIVE,
                                                   LX_ROUTE_FIRM_RESTRICTED};
    static const uint32_t region = 110000;
    struct lx_route_firm f;
    struct lx_route_breakdown prev, cur;

    (void)state;
    firm_init(&f, 1, &region, 1);
    f.responses_measured = 3;
    for (size_t s = 0; s < 2; s++) {
        f.status = st[s];
        for (size_t a = 0; a < sizeof rates / sizeof rates[0]; a++) {
            for (size_t b = 0; b < sizeof points / sizeof points[0]; b++) {
                f.complaint_rate_bp = rates[a];
                f.violation_points = points[b];
                for (size_t m = 0; m < sizeof medians / sizeof medians[0];
                     m++) {
                    f.first_response_median_s = medians[m];
                    lx_route_score(&f, &cur);
                    if (m > 0) {
                        assert_true(cur.score <= prev.score);
                        assert_true(cur.weight <= prev.weight);
                    }
                    prev = cur;
                }
            }
        }
        for (size_t m = 0; m < sizeof medians / sizeof medians[0]; m++) {
            for (size_t b = 0; b < sizeof points / sizeof points[0]; b++) {
                f.first_response_median_s = medians[m];
                f.violation_points = points[b];
                for (size_t a = 0; a < sizeof rates / sizeof rates[0]; a++) {
                    f.complaint_rate_bp = rates[a];
                    lx_route_score(&f, &cur);
                    if (a > 0) {
                        assert_true(cur.score <= prev.score);
                        assert_true(cur.weight <= prev.weight);
                    }
                    prev = cur;
                }
                f.complaint_rate_bp = 0;
            }
            for (size_t a = 0; a < sizeof rates / sizeof rates[0]; a++) {
                f.complaint_rate_bp = rates[a];
                for (size_t b = 0; b < sizeof points / sizeof points[0]; b++) {
                    f.violation_points = points[b];
                    lx_route_score(&f, &cur);
                    if (b > 0) {
                        assert_true(cur.score <= prev.score);
                        assert_true(cur.weight <= prev.weight);
                    }
                    prev = cur;
                }
            }
        }
    }
    /* Strictly better somewhere: the best firm outscores the worst. */
    f.status = LX_ROUTE_FIRM_ACTIVE;
    f.first_response_median_s = 60;
    f.complaint_rate_bp = 0;
    f.violation_points = 0;
    lx_route_score(&f, &prev);
    f.first_response_median_s = 5000;
    f.complaint_rate_bp = 300;
    f.violation_points = 4;
    lx_route_score(&f, &cur);
    assert_true(prev.score > cur.score);
    assert_true(prev.weight > cur.weight);
}

/* ---- eligibility --------------------------------------------------------- */

struct elig_row {
    const char *name;
    enum lx_route_firm_status status;
    uint32_t regions[3];
    uint32_t areas; /* 0 means every area */
    uint32_t capacity, taken;
    int64_t cooldown_until; /* relative to NOW */
    bool excluded;
    enum lx_route_area area;
    uint32_t lead_region;
    enum lx_route_reason reason;
};

#define ACTIVE LX_ROUTE_FIRM_ACTIVE
#define AREA(x) LX_ROUTE_AREA_##x
#define WHY(x) LX_ROUTE_REASON_##x
#define FAR (INT64_MIN / 2)

/* clang-format off */
static const struct elig_row elig[] = {
    /* status */
    {"active", ACTIVE, {110000}, 0, 5, 0, FAR, false, AREA(LABOR), 110105,
     WHY(CHOSEN)},
    {"restricted", LX_ROUTE_FIRM_RESTRICTED, {110000}, 0, 5, 0, FAR, false,
     AREA(LABOR), 110105, WHY(CHOSEN)},
    {"distribution suspended", LX_ROUTE_FIRM_DISTRIBUTION_SUSPENDED, {110000},
     0, 5, 0, FAR, false, AREA(LABOR), 110105, WHY(STATUS)},
    {"cooperation suspended", LX_ROUTE_FIRM_COOPERATION_SUSPENDED, {110000},
     0, 5, 0, FAR, false, AREA(LABOR), 110105, WHY(STATUS)},
    {"terminating", LX_ROUTE_FIRM_TERMINATING, {110000}, 0, 5, 0, FAR, false,
     AREA(LABOR), 110105, WHY(STATUS)},
    {"terminated", LX_ROUTE_FIRM_TERMINATED, {110000}, 0, 5, 0, FAR, false,
     AREA(LABOR), 110105, WHY(STATUS)},
    {"unknown status", LX_ROUTE_FIRM_UNKNOWN, {110000}, 0, 5, 0, FAR, false,
     AREA(LABOR), 110105, WHY(STATUS)},
    /* region prefix: province */
    {"province covers a county", ACTIVE, {440000}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440305, WHY(CHOSEN)},
    {"province covers a city", ACTIVE, {440000}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440300, WHY(CHOSEN)},
    {"province covers itself", ACTIVE, {440000}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440000, WHY(CHOSEN)},
    {"province not another province", ACTIVE, {440000}, 0, 5, 0, FAR, false,
     AREA(DEBT), 450105, WHY(NO_COVERAGE)},
    {"province 11 not 12", ACTIVE, {110000}, 0, 5, 0, FAR, false,
     AREA(DEBT), 120101, WHY(NO_COVERAGE)},
    /* region prefix: city */
    {"city covers its county", ACTIVE, {440300}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440305, WHY(CHOSEN)},
    {"city covers itself", ACTIVE, {440300}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440300, WHY(CHOSEN)},
    {"city not a sibling city's county", ACTIVE, {440300}, 0, 5, 0, FAR,
     false, AREA(DEBT), 440106, WHY(NO_COVERAGE)},
    {"city not its province", ACTIVE, {440300}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440000, WHY(NO_COVERAGE)},
    {"city 4403 not 4404", ACTIVE, {440300}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440400, WHY(NO_COVERAGE)},
    /* region prefix: county */
    {"county covers itself", ACTIVE, {440305}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440305, WHY(CHOSEN)},
    {"county not its neighbour", ACTIVE, {440305}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440306, WHY(NO_COVERAGE)},
    {"county not its city", ACTIVE, {440305}, 0, 5, 0, FAR, false,
     AREA(DEBT), 440300, WHY(NO_COVERAGE)},
    {"second of three regions", ACTIVE, {110000, 440305, 510100}, 0, 5, 0,
     FAR, false, AREA(DEBT), 440305, WHY(CHOSEN)},
    {"third of three regions", ACTIVE, {110000, 440305, 510100}, 0, 5, 0,
     FAR, false, AREA(DEBT), 510104, WHY(CHOSEN)},
    {"none of three regions", ACTIVE, {110000, 440305, 510100}, 0, 5, 0,
     FAR, false, AREA(DEBT), 510200, WHY(NO_COVERAGE)},
    /* practice area */
    {"area practised", ACTIVE, {110000}, BIT(LABOR) | BIT(IP), 5, 0, FAR,
     false, AREA(IP), 110105, WHY(CHOSEN)},
    {"area not practised", ACTIVE, {110000}, BIT(LABOR) | BIT(IP), 5, 0, FAR,
     false, AREA(CRIMINAL), 110105, WHY(NO_COVERAGE)},
    {"first area", ACTIVE, {110000}, BIT(MARRIAGE_FAMILY), 5, 0, FAR, false,
     AREA(MARRIAGE_FAMILY), 110105, WHY(CHOSEN)},
    {"last area", ACTIVE, {110000}, BIT(OTHER), 5, 0, FAR, false,
     AREA(OTHER), 110105, WHY(CHOSEN)},
    /* capacity */
    {"one place left", ACTIVE, {110000}, 0, 5, 4, FAR, false, AREA(LABOR),
     110105, WHY(CHOSEN)},
    {"at capacity", ACTIVE, {110000}, 0, 5, 5, FAR, false, AREA(LABOR),
     110105, WHY(CAPACITY)},
    {"over capacity", ACTIVE, {110000}, 0, 5, 9, FAR, false, AREA(LABOR),
     110105, WHY(CAPACITY)},
    {"capacity zero", ACTIVE, {110000}, 0, 0, 0, FAR, false, AREA(LABOR),
     110105, WHY(CAPACITY)},
    /* cooldown boundary: eligible again at exactly cooldown_until_ms */
    {"cooldown ended 1 ms ago", ACTIVE, {110000}, 0, 5, 0, -1, false,
     AREA(LABOR), 110105, WHY(CHOSEN)},
    {"cooldown ends now", ACTIVE, {110000}, 0, 5, 0, 0, false, AREA(LABOR),
     110105, WHY(CHOSEN)},
    {"cooldown ends in 1 ms", ACTIVE, {110000}, 0, 5, 0, 1, false,
     AREA(LABOR), 110105, WHY(COOLDOWN)},
    /* already offered this lead */
    {"already offered", ACTIVE, {110000}, 0, 5, 0, FAR, true, AREA(LABOR),
     110105, WHY(OFFERED)},
    /* gate order: a suspended firm is reported as status, not capacity */
    {"suspended and full", LX_ROUTE_FIRM_DISTRIBUTION_SUSPENDED, {110000}, 0,
     5, 5, 10, true, AREA(LABOR), 110105, WHY(STATUS)},
    {"offered and full", ACTIVE, {110000}, 0, 5, 5, 10, true, AREA(LABOR),
     110105, WHY(OFFERED)},
    {"cooling and full", ACTIVE, {110000}, 0, 5, 5, 10, false, AREA(LABOR),
     110105, WHY(COOLDOWN)},
};
/* clang-format on */

static void
test_eligibility_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof elig / sizeof elig[0]; i++) {
        const struct elig_row *r = &elig[i];
        struct lx_route_firm f;
        struct lx_route_index *ix;
        struct lx_route_decision d;
        struct lx_route_lead lead = {.area = r->area, .region = r->lead_region};
        struct lx_err err = {0};
        uint64_t ex[2] = {99, 7};
        size_t nr = 0;

        while (nr < 3 && r->regions[nr] != 0) {
            nr++;
        }
        firm_init(&f, 7, r->regions, nr);
        f.status = r->status;
        f.areas = r->areas ? r->areas : ALL;
        f.capacity_today = r->capacity;
        f.taken_today = r->taken;
        f.cooldown_until_ms =
            r->cooldown_until == FAR ? 0 : NOW + r->cooldown_until;
        if (r->excluded) {
            lead.exclude = ex;
            lead.n_exclude = 2;
        }
        ix = build(&f, 1);
        if (lx_route_decide(ix, &lead, NOW, 0, &d, &err) != LX_OK) {
            fail_msg("%s: decide failed", r->name);
        }
        if (d.reason != r->reason) {
            fail_msg("%s: reason %s, expected %s", r->name,
                     lx_route_reason_name(d.reason),
                     lx_route_reason_name(r->reason));
        }
        assert_int_equal(d.firm_id, r->reason == WHY(CHOSEN) ? 7 : 0);
        assert_int_equal(d.covering, r->reason == WHY(NO_COVERAGE) ? 0 : 1);
        assert_int_equal(d.candidates, r->reason == WHY(CHOSEN) ? 1 : 0);
        lx_route_index_free(ix);
    }
}

/* A firm covering a city and a county inside it counts once; with no
 * competition it is chosen and its credit is unchanged (zero-sum). */
static void
test_overlapping_regions(void **state)
{
    static const uint32_t regions[] = {440300, 440305, 440000};
    struct lx_route_firm f;
    struct lx_route_index *ix;
    struct lx_route_decision d;

    (void)state;
    firm_init(&f, 3, regions, 3);
    ix = build(&f, 1);
    decide(ix, LX_ROUTE_AREA_LABOR, 440305, NOW, 0, &d);
    assert_int_equal(d.covering, 1);
    assert_int_equal(d.candidates, 1);
    assert_int_equal(d.firm_id, 3);
    assert_int_equal(d.chosen.accrual, LX_ROUTE_MICRO);
    assert_int_equal(d.total_accrual, LX_ROUTE_MICRO);
    assert_int_equal(f.credit, 0);
    assert_int_equal(d.chosen.credit_after, 0);
    lx_route_index_free(ix);
}

/* The reason for "none" is the latest gate any covering firm failed. */
static void
test_reason_mixed(void **state)
{
    static const uint32_t region = 320000;
    struct lx_route_firm f[3];
    struct lx_route_index *ix;
    struct lx_route_decision d;

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        firm_init(&f[i], 10 + i, &region, 1);
    }
    f[0].status = LX_ROUTE_FIRM_TERMINATED;
    f[1].cooldown_until_ms = NOW + MIN;
    f[2].capacity_today = 2;
    f[2].taken_today = 2;
    ix = build(f, 3);
    decide(ix, LX_ROUTE_AREA_CONTRACT, 320102, NOW, 0, &d);
    assert_int_equal(d.firm_id, 0);
    assert_int_equal(d.reason, LX_ROUTE_REASON_CAPACITY);
    assert_int_equal(d.covering, 3);
    assert_int_equal(d.rejected[LX_ROUTE_GATE_STATUS], 1);
    assert_int_equal(d.rejected[LX_ROUTE_GATE_COOLDOWN], 1);
    assert_int_equal(d.rejected[LX_ROUTE_GATE_CAPACITY], 1);
    /* Live fields: a freed place is seen without a rebuild. */
    f[2].taken_today = 1;
    decide(ix, LX_ROUTE_AREA_CONTRACT, 320102, NOW, 0, &d);
    assert_int_equal(d.firm_id, 12);
    /* The cooldown ends: two candidates now. */
    decide(ix, LX_ROUTE_AREA_CONTRACT, 320102, NOW + MIN, 0, &d);
    assert_int_equal(d.candidates, 2);
    lx_route_index_free(ix);
}

static void
test_invalid_input(void **state)
{
    static const uint32_t good = 110000;
    static const uint32_t bad = 110;
    struct lx_route_firm f[2];
    struct lx_route_index *ix = NULL;
    struct lx_route_decision d;
    struct lx_err err = {0};
    struct lx_route_lead lead = {.area = LX_ROUTE_AREA_LABOR, .region = 110105};

    (void)state;
    firm_init(&f[0], 1, &good, 1);
    firm_init(&f[1], 1, &good, 1);
    assert_int_equal(lx_route_index_build(f, 2, &ix, &err), LX_EINVAL);
    assert_null(ix);
    f[1].id = 0;
    assert_int_equal(lx_route_index_build(f, 2, &ix, &err), LX_EINVAL);
    f[1].id = 2;
    f[1].regions = &bad;
    assert_int_equal(lx_route_index_build(f, 2, &ix, &err), LX_EINVAL);
    assert_non_null(strstr(err.detail, "firm 1"));
    f[1].regions = &good;
    f[1].n_regions = 0;
    assert_int_equal(lx_route_index_build(f, 2, &ix, &err), LX_EINVAL);
    f[1].n_regions = 1;
    f[1].areas = 1u; /* the "none" bit */
    assert_int_equal(lx_route_index_build(f, 2, &ix, &err), LX_EINVAL);
    f[1].areas = 1u << LX_ROUTE_AREA_COUNT;
    assert_int_equal(lx_route_index_build(f, 2, &ix, &err), LX_EINVAL);
    f[1].areas = ALL;
    f[1].status = LX_ROUTE_FIRM_COUNT;
    assert_int_equal(lx_route_index_build(f, 2, &ix, &err), LX_EINVAL);
    f[1].status = LX_ROUTE_FIRM_ACTIVE;
    assert_int_equal(lx_route_index_build(f, 2, &ix, &err), LX_OK);

    lead.area = LX_ROUTE_AREA_NONE;
    assert_int_equal(lx_route_decide(ix, &lead, NOW, 0, &d, &err), LX_EINVAL);
    assert_string_equal(err.field, "/area");
    lead.area = LX_ROUTE_AREA_COUNT;
    assert_int_equal(lx_route_decide(ix, &lead, NOW, 0, &d, &err), LX_EINVAL);
    lead.area = LX_ROUTE_AREA_LABOR;
    lead.region = 105;
    assert_int_equal(lx_route_decide(ix, &lead, NOW, 0, &d, &err), LX_EINVAL);
    assert_string_equal(err.field, "/region");
    lead.region = 110105;
    lead.n_exclude = 1;
    assert_int_equal(lx_route_decide(ix, &lead, NOW, 0, &d, &err), LX_EINVAL);
    lx_route_index_free(ix);

    /* An empty snapshot routes nothing. */
    assert_int_equal(lx_route_index_build(NULL, 0, &ix, &err), LX_OK);
    lead.n_exclude = 0;
    assert_int_equal(lx_route_decide(ix, &lead, NOW, 0, &d, &err), LX_OK);
    assert_int_equal(d.reason, LX_ROUTE_REASON_NO_COVERAGE);
    lx_route_index_free(ix);
}

/* ---- the index against a brute-force scan -------------------------------- */

static bool
covers(uint32_t code, uint32_t lead)
{
    switch (lx_route_region_level(code)) {
    case 1:
        return code / 10000 == lead / 10000;
    case 2:
        return code / 100 == lead / 100;
    default:
        return code == lead;
    }
}

static uint32_t
random_code(uint64_t *rng)
{
    uint64_t r = lx_route_draw(rng);
    uint32_t prov = 11 + (uint32_t)(r % 6);      /* 11..16 */
    uint32_t city = (uint32_t)((r >> 8) % 4);    /* 00..03 */
    uint32_t county = (uint32_t)((r >> 16) % 4); /* 00..03 */

    if (city == 0) {
        county = 0;
    }
    return prov * 10000 + city * 100 + county;
}

static void
test_index_matches_brute_force(void **state)
{
    enum { NF = 400, REG = 4 };
    static struct lx_route_firm f[NF];
    static uint32_t regions[NF][REG];
    uint64_t rng = 42;
    struct lx_route_index *ix;

    (void)state;
    for (size_t i = 0; i < NF; i++) {
        uint64_t r = lx_route_draw(&rng);
        size_t nr = 1 + (size_t)(r % REG);

        for (size_t k = 0; k < nr; k++) {
            regions[i][k] = random_code(&rng);
        }
        firm_init(&f[i], 1000 + i * 3, regions[i], nr);
        f[i].areas = (uint32_t)(r >> 8) & ALL;
        if (f[i].areas == 0) {
            f[i].areas = BIT(OTHER);
        }
        f[i].status = (enum lx_route_firm_status)((r >> 24) % 7);
        f[i].capacity_today = (uint32_t)((r >> 32) % 4);
        f[i].taken_today = (uint32_t)((r >> 36) % 3);
        f[i].cooldown_until_ms = NOW - MIN + (int64_t)((r >> 40) % 3) * MIN;
        f[i].violation_points = (uint32_t)((r >> 44) % 12);
    }
    ix = build(f, NF);
    for (int t = 0; t < 3000; t++) {
        uint64_t r = lx_route_draw(&rng);
        enum lx_route_area area = (enum lx_route_area)(1 + r % 12);
        uint32_t region = random_code(&rng);
        uint32_t cover = 0;
        uint32_t cand = 0;
        bool chosen_ok = false;
        struct lx_route_decision d;

        decide(ix, area, region, NOW, r >> 20, &d);
        for (size_t i = 0; i < NF; i++) {
            bool c = false;

            if ((f[i].areas & LX_ROUTE_AREA_BIT(area)) == 0) {
                continue;
            }
            for (size_t k = 0; k < f[i].n_regions; k++) {
                c = c || covers(f[i].regions[k], region);
            }
            if (!c) {
                continue;
            }
            cover++;
            if ((f[i].status == LX_ROUTE_FIRM_ACTIVE ||
                 f[i].status == LX_ROUTE_FIRM_RESTRICTED) &&
                NOW >= f[i].cooldown_until_ms &&
                f[i].taken_today < f[i].capacity_today) {
                cand++;
                if (f[i].id == d.firm_id) {
                    chosen_ok = true;
                }
            }
        }
        assert_int_equal(d.covering, cover);
        assert_int_equal(d.candidates, cand);
        assert_int_equal(d.firm_id != 0, cand > 0);
        if (cand > 0) {
            assert_true(chosen_ok);
            assert_int_equal(f[d.firm_pos].id, d.firm_id);
        }
    }
    lx_route_index_free(ix);
}

/* ---- fairness ------------------------------------------------------------ */

static int64_t
credit_sum(const struct lx_route_firm *f, size_t n)
{
    int64_t s = 0;

    for (size_t i = 0; i < n; i++) {
        s += f[i].credit;
    }
    return s;
}

/* 10,000 leads over N equal firms: each share within +-2 % of 1/N. Leads
 * land on random counties of a province all firms cover, some at city and
 * some at province level of coverage, so the index paths all play. */
static void
test_fairness_equal(void **state)
{
    static const uint32_t prov[] = {330000};
    static const uint32_t city[] = {330100};
    static const size_t ns[] = {2, 3, 7, 10, 32};
    uint64_t rng = 7;

    (void)state;
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        size_t n = ns[t];
        struct lx_route_firm f[32];
        uint32_t count[32] = {0};
        struct lx_route_index *ix;
        double expect = (double)LEADS / (double)n;

        for (size_t i = 0; i < n; i++) {
            /* Equal firms; half cover the province, half the one city
             * every lead falls in: coverage shape must not matter. */
            firm_init(&f[i], 500 + i, i % 2 ? prov : city, 1);
            f[i].responses_measured = 10;
            f[i].first_response_median_s = 600;
            f[i].complaint_rate_bp = 20;
            f[i].violation_points = 1;
        }
        ix = build(f, n);
        for (int l = 0; l < LEADS; l++) {
            struct lx_route_decision d;
            uint32_t region = 330100 + 2 + (uint32_t)(lx_route_draw(&rng) % 16);

            decide(ix, LX_ROUTE_AREA_TRAFFIC, region, NOW, lx_route_draw(&rng),
                   &d);
            assert_int_equal(d.candidates, n);
            count[d.firm_pos]++;
        }
        for (size_t i = 0; i < n; i++) {
            double dev = ((double)count[i] - expect) / expect;

            if (dev > TOLERANCE || dev < -TOLERANCE) {
                fail_msg("n=%zu firm %zu: %u leads, expected %.1f", n, i,
                         count[i], expect);
            }
            /* Deficit round-robin is tighter still: within one lead. */
            assert_true((double)count[i] >= expect - 1.0);
            assert_true((double)count[i] <= expect + 1.0);
        }
        /* Every round is zero-sum. */
        assert_int_equal(credit_sum(f, n), 0);
        lx_route_index_free(ix);
    }
}

/* Unequal scores: shares are monotone in score and proportional to weight
 * within +-2 %. */
static void
test_fairness_unequal(void **state)
{
    enum { N = 6 };
    static const uint32_t region = 500000;
    struct lx_route_firm f[N];
    uint32_t count[N] = {0};
    uint32_t weight[N];
    uint32_t wsum = 0;
    struct lx_route_index *ix;
    uint64_t rng = 99;

    (void)state;
    for (size_t i = 0; i < N; i++) {
        struct lx_route_breakdown b;

        firm_init(&f[i], 70 + i, &region, 1);
        f[i].responses_measured = 10;
        f[i].first_response_median_s = 300 + 1200 * (uint32_t)i;
        f[i].complaint_rate_bp = 50 * (uint32_t)i;
        f[i].violation_points = (uint32_t)i;
        lx_route_score(&f[i], &b);
        weight[i] = b.weight;
        wsum += b.weight;
        if (i > 0) {
            assert_true(weight[i] < weight[i - 1]);
        }
    }
    ix = build(f, N);
    for (int l = 0; l < LEADS; l++) {
        struct lx_route_decision d;

        decide(ix, LX_ROUTE_AREA_CONSUMER, 500103, NOW, lx_route_draw(&rng),
               &d);
        count[d.firm_pos]++;
    }
    for (size_t i = 0; i < N; i++) {
        double expect = (double)LEADS * weight[i] / wsum;
        double dev = ((double)count[i] - expect) / expect;

        if (i > 0 && count[i] >= count[i - 1]) {
            fail_msg("share not monotone at firm %zu: %u >= %u", i, count[i],
                     count[i - 1]);
        }
        if (dev > TOLERANCE || dev < -TOLERANCE) {
            fail_msg("firm %zu: %u leads, expected %.1f", i, count[i], expect);
        }
    }
    assert_int_equal(credit_sum(f, N), 0);
    lx_route_index_free(ix);
}

/* A restricted firm gets about half the share of an equal active one. */
static void
test_fairness_restricted(void **state)
{
    static const uint32_t region = 210000;
    struct lx_route_firm f[2];
    uint32_t count[2] = {0};
    struct lx_route_index *ix;
    uint64_t rng = 5;

    (void)state;
    firm_init(&f[0], 1, &region, 1);
    firm_init(&f[1], 2, &region, 1);
    f[1].status = LX_ROUTE_FIRM_RESTRICTED;
    ix = build(f, 2);
    for (int l = 0; l < 3000; l++) {
        struct lx_route_decision d;

        decide(ix, LX_ROUTE_AREA_IP, 210202, NOW, lx_route_draw(&rng), &d);
        count[d.firm_pos]++;
    }
    assert_in_range(count[0], 1980, 2020); /* 900 / 1350 of 3000 */
    assert_in_range(count[1], 980, 1020);
    lx_route_index_free(ix);
}

/* ---- tie-break ----------------------------------------------------------- */

static void
run_sequence(uint64_t seed, uint64_t *out, size_t n_out)
{
    enum { N = 5 };
    static const uint32_t region = 130000;
    struct lx_route_firm f[N];
    struct lx_route_index *ix;

    for (size_t i = 0; i < N; i++) {
        firm_init(&f[i], 900 + i, &region, 1);
    }
    ix = build(f, N);
    for (size_t l = 0; l < n_out; l++) {
        struct lx_route_decision d;

        decide(ix, LX_ROUTE_AREA_LABOR, 130102, NOW, lx_route_draw(&seed), &d);
        out[l] = d.firm_id;
    }
    lx_route_index_free(ix);
}

static void
test_tie_break(void **state)
{
    enum { N = 5, L = 40, SEEDS = 8 };
    static const uint32_t region = 130000;
    uint64_t a[L], b[L], c[SEEDS][L];
    struct lx_route_firm f[N];
    bool seen[N] = {false};
    size_t distinct = 0;

    (void)state;
    run_sequence(12345, a, L);
    run_sequence(12345, b, L);
    assert_memory_equal(a, b, sizeof a);
    for (size_t s = 0; s < SEEDS; s++) {
        bool dup = false;

        run_sequence(1000 + s, c[s], L);
        for (size_t t = 0; t < s; t++) {
            dup = dup || memcmp(c[s], c[t], sizeof c[s]) == 0;
        }
        distinct += !dup;
    }
    assert_int_equal(distinct, SEEDS);

    /* Five equal firms, all credits 0: a five-way tie. Draws 0..4 pick
     * each of them once: the draw alone decides, not id or position. */
    for (uint64_t draw = 0; draw < N; draw++) {
        struct lx_route_index *ix;
        struct lx_route_decision d;

        for (size_t i = 0; i < N; i++) {
            firm_init(&f[i], 900 + i, &region, 1);
        }
        ix = build(f, N);
        decide(ix, LX_ROUTE_AREA_LABOR, 130102, NOW, draw, &d);
        assert_int_equal(d.tied, N);
        assert_false(seen[d.firm_pos]);
        seen[d.firm_pos] = true;
        lx_route_index_free(ix);
    }

    /* No tie: a firm owed credit wins whatever the draw. */
    for (uint64_t draw = 0; draw < 20; draw++) {
        struct lx_route_index *ix;
        struct lx_route_decision d;

        for (size_t i = 0; i < N; i++) {
            firm_init(&f[i], 900 + i, &region, 1);
        }
        f[3].credit = 1;
        ix = build(f, N);
        decide(ix, LX_ROUTE_AREA_LABOR, 130102, NOW, draw * 7919, &d);
        assert_int_equal(d.tied, 1);
        assert_int_equal(d.firm_id, 903);
        lx_route_index_free(ix);
    }
}

/* ---- the offer state machine --------------------------------------------- */

#define F1 101
#define F2 102

static lx_rc
step(struct lx_route_offer_state *st, enum lx_route_event_kind kind,
     uint64_t firm, int64_t now, struct lx_err *err)
{
    struct lx_route_event ev = {.kind = kind, .firm_id = firm, .now_ms = now};

    if (kind == LX_ROUTE_EV_DECLINE) {
        ev.reason = LX_ROUTE_DECLINE_NO_CAPACITY;
    }
    return lx_route_offer_step(st, &ev, err);
}

/* Bring a fresh state to 'to' along the shortest legal path; F1 is the
 * firm of the offer (and the claimant). */
static void
reach(struct lx_route_offer_state *st, enum lx_route_state to)
{
    struct lx_err err = {0};

    memset(st, 0, sizeof *st);
    switch (to) {
    case LX_ROUTE_STATE_PENDING:
        return;
    case LX_ROUTE_STATE_OFFERED:
        assert_int_equal(step(st, LX_ROUTE_EV_OFFER, F1, NOW, &err), LX_OK);
        break;
    case LX_ROUTE_STATE_CLAIMED:
        assert_int_equal(step(st, LX_ROUTE_EV_OFFER, F1, NOW, &err), LX_OK);
        assert_int_equal(step(st, LX_ROUTE_EV_CLAIM, F1, NOW + MIN, &err),
                         LX_OK);
        break;
    case LX_ROUTE_STATE_EXHAUSTED:
        assert_int_equal(step(st, LX_ROUTE_EV_EXHAUST, 0, NOW, &err), LX_OK);
        break;
    case LX_ROUTE_STATE_CANCELLED:
        assert_int_equal(step(st, LX_ROUTE_EV_CANCEL, 0, NOW, &err), LX_OK);
        break;
    case LX_ROUTE_STATE_COUNT:
    default:
        fail();
    }
    assert_int_equal(st->state, to);
}

#define S(x) LX_ROUTE_STATE_##x
#define E(x) LX_ROUTE_EV_##x
#define NO LX_ROUTE_STATE_COUNT

struct sm_row {
    enum lx_route_state from;
    enum lx_route_event_kind ev;
    uint64_t firm;
    int64_t at; /* relative to NOW */
    lx_rc rc;
    enum lx_route_state to; /* when rc is LX_OK */
};

/* clang-format off */
static const struct sm_row sm[] = {
    /* pending */
    {S(PENDING),   E(OFFER),   F2, 0,        LX_OK,        S(OFFERED)},
    {S(PENDING),   E(CLAIM),   F1, 0,        LX_EDENIED,   NO},
    {S(PENDING),   E(DECLINE), F1, 0,        LX_EDENIED,   NO},
    {S(PENDING),   E(TIMEOUT), 0,  0,        LX_ECONFLICT, NO},
    {S(PENDING),   E(EXHAUST), 0,  0,        LX_OK,        S(EXHAUSTED)},
    {S(PENDING),   E(CANCEL),  0,  0,        LX_OK,        S(CANCELLED)},
    /* offered to F1 at NOW, deadline NOW + 10 min */
    {S(OFFERED),   E(OFFER),   F2, 0,        LX_ECONFLICT, NO},
    {S(OFFERED),   E(CLAIM),   F1, 9 * MIN,  LX_OK,        S(CLAIMED)},
    {S(OFFERED),   E(CLAIM),   F1, 10 * MIN - 1, LX_OK,    S(CLAIMED)},
    {S(OFFERED),   E(CLAIM),   F1, 10 * MIN, LX_ECONFLICT, NO},
    {S(OFFERED),   E(CLAIM),   F2, MIN,      LX_EDENIED,   NO},
    {S(OFFERED),   E(DECLINE), F1, MIN,      LX_OK,        S(PENDING)},
    {S(OFFERED),   E(DECLINE), F2, MIN,      LX_EDENIED,   NO},
    {S(OFFERED),   E(TIMEOUT), 0,  10 * MIN - 1, LX_ECONFLICT, NO},
    {S(OFFERED),   E(TIMEOUT), 0,  10 * MIN, LX_OK,        S(PENDING)},
    {S(OFFERED),   E(EXHAUST), 0,  0,        LX_ECONFLICT, NO},
    {S(OFFERED),   E(CANCEL),  0,  MIN,      LX_OK,        S(CANCELLED)},
    {S(OFFERED),   E(CLAIM),   F1, -1,       LX_EINVAL,    NO},
    /* claimed by F1: final */
    {S(CLAIMED),   E(OFFER),   F2, MIN,      LX_ECONFLICT, NO},
    {S(CLAIMED),   E(CLAIM),   F1, MIN,      LX_ECONFLICT, NO},
    {S(CLAIMED),   E(CLAIM),   F2, MIN,      LX_EDENIED,   NO},
    {S(CLAIMED),   E(DECLINE), F1, MIN,      LX_ECONFLICT, NO},
    {S(CLAIMED),   E(TIMEOUT), 0,  20 * MIN, LX_ECONFLICT, NO},
    {S(CLAIMED),   E(EXHAUST), 0,  MIN,      LX_ECONFLICT, NO},
    {S(CLAIMED),   E(CANCEL),  0,  MIN,      LX_ECONFLICT, NO},
    /* exhausted and cancelled: final */
    {S(EXHAUSTED), E(OFFER),   F2, 0,        LX_ECONFLICT, NO},
    {S(EXHAUSTED), E(CLAIM),   F1, 0,        LX_EDENIED,   NO},
    {S(EXHAUSTED), E(TIMEOUT), 0,  0,        LX_ECONFLICT, NO},
    {S(EXHAUSTED), E(EXHAUST), 0,  0,        LX_ECONFLICT, NO},
    {S(EXHAUSTED), E(CANCEL),  0,  0,        LX_ECONFLICT, NO},
    {S(CANCELLED), E(OFFER),   F2, 0,        LX_ECONFLICT, NO},
    {S(CANCELLED), E(DECLINE), F1, 0,        LX_EDENIED,   NO},
    {S(CANCELLED), E(TIMEOUT), 0,  0,        LX_ECONFLICT, NO},
    {S(CANCELLED), E(EXHAUST), 0,  0,        LX_ECONFLICT, NO},
    {S(CANCELLED), E(CANCEL),  0,  0,        LX_ECONFLICT, NO},
    /* bad events */
    {S(PENDING),   E(NONE),    0,  0,        LX_EINVAL,    NO},
    {S(PENDING),   E(COUNT),   0,  0,        LX_EINVAL,    NO},
    {S(PENDING),   E(OFFER),   0,  0,        LX_EINVAL,    NO},
};
/* clang-format on */

static void
test_state_machine_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sm / sizeof sm[0]; i++) {
        const struct sm_row *r = &sm[i];
        struct lx_route_offer_state st, before;
        struct lx_err err = {0};
        lx_rc rc;

        reach(&st, r->from);
        before = st;
        rc = step(&st, r->ev, r->firm, NOW + r->at, &err);
        if (rc != r->rc) {
            fail_msg("row %zu (%s + %s): rc %s, expected %s", i,
                     lx_route_state_name(r->from), lx_route_event_name(r->ev),
                     lx_rc_name(rc), lx_rc_name(r->rc));
        }
        if (rc != LX_OK) {
            /* A refused event changes nothing. */
            assert_memory_equal(&st, &before, sizeof st);
            if (rc == LX_ECONFLICT && strstr(err.detail, "not allowed")) {
                assert_non_null(
                    strstr(err.detail, lx_route_state_name(r->from)));
            }
            if (rc == LX_EDENIED) {
                /* C1.2: a non-holder learns nothing of the lead. */
                for (int s = 0; s < LX_ROUTE_STATE_COUNT; s++) {
                    assert_null(strstr(err.detail, lx_route_state_name(s)));
                }
            }
            continue;
        }
        assert_int_equal(st.state, r->to);
        /* At most one holder, and the record matches it. */
        switch (st.state) {
        case LX_ROUTE_STATE_OFFERED:
        case LX_ROUTE_STATE_CLAIMED:
            assert_int_not_equal(st.holder, 0);
            assert_int_equal(st.attempts[st.n_attempts - 1].firm_id, st.holder);
            break;
        case LX_ROUTE_STATE_PENDING:
        case LX_ROUTE_STATE_EXHAUSTED:
        case LX_ROUTE_STATE_CANCELLED:
        case LX_ROUTE_STATE_COUNT:
        default:
            assert_int_equal(st.holder, 0);
            break;
        }
    }
}

static void
test_offer_record(void **state)
{
    struct lx_route_offer_state st = {0};
    struct lx_route_event ev = {0};
    struct lx_err err = {0};

    (void)state;
    /* Default window: 10 minutes from now_ms. */
    assert_int_equal(step(&st, E(OFFER), F1, NOW, &err), LX_OK);
    assert_int_equal(st.attempts[0].deadline_ms, NOW + 10 * MIN);
    assert_int_equal(st.attempts[0].outcome, LX_ROUTE_OUTCOME_OPEN);
    assert_int_equal(st.holder, F1);

    /* A decline needs a reason; without one nothing changes. */
    ev.kind = E(DECLINE);
    ev.firm_id = F1;
    ev.now_ms = NOW + MIN;
    assert_int_equal(lx_route_offer_step(&st, &ev, &err), LX_EINVAL);
    assert_string_equal(err.field, "/reason");
    assert_int_equal(st.state, S(OFFERED));
    ev.reason = LX_ROUTE_DECLINE_CONFLICT_OF_INTEREST;
    assert_int_equal(lx_route_offer_step(&st, &ev, &err), LX_OK);
    assert_int_equal(st.state, S(PENDING));
    assert_int_equal(st.holder, 0);
    assert_int_equal(st.attempts[0].outcome, LX_ROUTE_OUTCOME_DECLINED);
    assert_int_equal(st.attempts[0].reason,
                     LX_ROUTE_DECLINE_CONFLICT_OF_INTEREST);
    assert_int_equal(st.attempts[0].closed_ms, NOW + MIN);

    /* Never offered twice to a firm that declined. */
    assert_int_equal(step(&st, E(OFFER), F1, NOW + 2 * MIN, &err),
                     LX_ECONFLICT);
    assert_int_equal(st.n_attempts, 1);

    /* A custom window, then a timeout exactly at the deadline. */
    memset(&ev, 0, sizeof ev);
    ev.kind = E(OFFER);
    ev.firm_id = F2;
    ev.now_ms = NOW + 2 * MIN;
    ev.window_ms = -1;
    assert_int_equal(lx_route_offer_step(&st, &ev, &err), LX_EINVAL);
    ev.window_ms = LX_ROUTE_WINDOW_MAX_MS + 1;
    assert_int_equal(lx_route_offer_step(&st, &ev, &err), LX_EINVAL);
    ev.window_ms = 3 * MIN;
    assert_int_equal(lx_route_offer_step(&st, &ev, &err), LX_OK);
    assert_int_equal(st.attempts[1].deadline_ms, NOW + 5 * MIN);
    assert_int_equal(step(&st, E(TIMEOUT), 0, NOW + 5 * MIN, &err), LX_OK);
    assert_int_equal(st.attempts[1].outcome, LX_ROUTE_OUTCOME_TIMED_OUT);
    assert_int_equal(st.state, S(PENDING));
    /* A timed-out firm is not offered again either. */
    assert_int_equal(step(&st, E(OFFER), F2, NOW + 6 * MIN, &err),
                     LX_ECONFLICT);
    /* The late firm cannot claim any more. */
    assert_int_equal(step(&st, E(CLAIM), F2, NOW + 6 * MIN, &err), LX_EDENIED);

    /* The attempt limit: the 16th unanswered offer exhausts the lead. */
    memset(&st, 0, sizeof st);
    for (uint64_t k = 0; k < LX_ROUTE_MAX_OFFERS; k++) {
        int64_t t = NOW + (int64_t)k * 20 * MIN;

        assert_int_equal(st.state, S(PENDING));
        assert_int_equal(step(&st, E(OFFER), 1000 + k, t, &err), LX_OK);
        assert_int_equal(step(&st, E(TIMEOUT), 0, t + 10 * MIN, &err), LX_OK);
    }
    assert_int_equal(st.state, S(EXHAUSTED));
    assert_int_equal(st.n_attempts, LX_ROUTE_MAX_OFFERS);
}

/* next_offer walks the candidates: each decline passes the lead to a firm
 * that has not had it, and when all have had it the lead is exhausted. */
static void
test_next_offer(void **state)
{
    enum { N = 4 };
    static const uint32_t region = 370200;
    struct lx_route_firm f[N];
    struct lx_route_offer_state st = {0};
    struct lx_route_lead lead = {.area = LX_ROUTE_AREA_PROPERTY,
                                 .region = 370211};
    struct lx_route_decision d;
    struct lx_route_index *ix;
    struct lx_err err = {0};
    uint64_t seed = 3;
    int64_t t = NOW;

    (void)state;
    for (size_t i = 0; i < N; i++) {
        firm_init(&f[i], 40 + i, &region, 1);
    }
    ix = build(f, N);
    for (size_t k = 0; k < N; k++) {
        assert_int_equal(lx_route_next_offer(ix, &st, &lead, t, 0,
                                             lx_route_draw(&seed), &d, &err),
                         LX_OK);
        assert_int_equal(st.state, S(OFFERED));
        assert_int_equal(d.candidates, N - k);
        assert_int_equal(st.holder, d.firm_id);
        for (size_t j = 0; j < k; j++) {
            assert_int_not_equal(st.attempts[j].firm_id, d.firm_id);
        }
        /* Offered: a second offer is refused, naming the state. */
        assert_int_equal(lx_route_next_offer(ix, &st, &lead, t, 0, 0, &d, &err),
                         LX_ECONFLICT);
        assert_non_null(strstr(err.detail, "offered"));
        if (k % 2 == 0) {
            assert_int_equal(step(&st, E(DECLINE), st.holder, t + MIN, &err),
                             LX_OK);
        } else {
            assert_int_equal(step(&st, E(TIMEOUT), 0, t + 10 * MIN, &err),
                             LX_OK);
        }
        t += 10 * MIN;
    }
    assert_int_equal(lx_route_next_offer(ix, &st, &lead, t, 0, 1, &d, &err),
                     LX_OK);
    assert_int_equal(d.firm_id, 0);
    assert_int_equal(d.reason, LX_ROUTE_REASON_OFFERED);
    assert_int_equal(st.state, S(EXHAUSTED));
    assert_int_equal(st.n_attempts, N);

    /* A claim ends it: the claimant holds the lead. */
    memset(&st, 0, sizeof st);
    assert_int_equal(
        lx_route_next_offer(ix, &st, &lead, t, 2 * MIN, 9, &d, &err), LX_OK);
    assert_int_equal(st.attempts[0].deadline_ms, t + 2 * MIN);
    assert_int_equal(step(&st, E(CLAIM), d.firm_id, t + MIN, &err), LX_OK);
    assert_int_equal(st.state, S(CLAIMED));
    assert_int_equal(st.holder, d.firm_id);
    /* A bad window is refused before any credit moves. */
    memset(&st, 0, sizeof st);
    {
        int64_t before = credit_sum(f, N);
        int64_t c0 = f[0].credit;

        assert_int_equal(
            lx_route_next_offer(ix, &st, &lead, t, -5, 9, &d, &err), LX_EINVAL);
        assert_int_equal(credit_sum(f, N), before);
        assert_int_equal(f[0].credit, c0);
        assert_int_equal(st.state, S(PENDING));
    }
    lx_route_index_free(ix);
}

/* Random event sequences: after every event, accepted or not, the
 * invariants hold — at most one open offer, the holder is its firm, no
 * firm appears twice in the record, a refused event changes nothing. */
static void
test_state_machine_walk(void **state)
{
    struct lx_route_offer_state st = {0};
    uint64_t rng = 2024;
    int64_t t = NOW;
    uint32_t accepted = 0;

    (void)state;
    for (int i = 0; i < 20000; i++) {
        uint64_t r = lx_route_draw(&rng);
        struct lx_route_offer_state before = st;
        struct lx_route_event ev = {0};
        struct lx_err err = {0};
        uint32_t open = 0;
        lx_rc rc;

        if (st.state != S(PENDING) && st.state != S(OFFERED) && r % 4 == 0) {
            memset(&st, 0, sizeof st); /* a new lead */
            continue;
        }
        ev.kind = (enum lx_route_event_kind)(1 + r % 6);
        ev.firm_id = 1 + (r >> 8) % 6;
        if ((r >> 12) % 2 == 0 && st.holder != 0) {
            ev.firm_id = st.holder;
        }
        ev.reason = (enum lx_route_decline)((r >> 16) % 6);
        t += (int64_t)((r >> 20) % 8) * MIN;
        ev.now_ms = t;
        rc = lx_route_offer_step(&st, &ev, &err);
        if (rc != LX_OK) {
            assert_memory_equal(&st, &before, sizeof st);
            continue;
        }
        accepted++;
        for (uint32_t k = 0; k < st.n_attempts; k++) {
            if (st.attempts[k].outcome == LX_ROUTE_OUTCOME_OPEN) {
                open++;
                assert_int_equal(st.attempts[k].firm_id, st.holder);
                assert_int_equal(k, st.n_attempts - 1);
            }
            for (uint32_t j = 0; j < k; j++) {
                assert_int_not_equal(st.attempts[j].firm_id,
                                     st.attempts[k].firm_id);
            }
        }
        assert_int_equal(open, st.state == S(OFFERED) ? 1 : 0);
        if (st.state == S(CLAIMED)) {
            assert_int_equal(st.attempts[st.n_attempts - 1].outcome,
                             LX_ROUTE_OUTCOME_CLAIMED);
            assert_int_equal(st.attempts[st.n_attempts - 1].firm_id, st.holder);
        } else if (st.state != S(OFFERED)) {
            assert_int_equal(st.holder, 0);
        }
    }
    print_message("walk: %u of 20000 events accepted\n", accepted);
    assert_true(accepted > 1000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_region_level),
        cmocka_unit_test(test_score_table),
        cmocka_unit_test(test_score_monotone),
        cmocka_unit_test(test_eligibility_table),
        cmocka_unit_test(test_overlapping_regions),
        cmocka_unit_test(test_reason_mixed),
        cmocka_unit_test(test_invalid_input),
        cmocka_unit_test(test_index_matches_brute_force),
        cmocka_unit_test(test_fairness_equal),
        cmocka_unit_test(test_fairness_unequal),
        cmocka_unit_test(test_fairness_restricted),
        cmocka_unit_test(test_tie_break),
        cmocka_unit_test(test_state_machine_table),
        cmocka_unit_test(test_offer_record),
        cmocka_unit_test(test_next_offer),
        cmocka_unit_test(test_state_machine_walk),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
