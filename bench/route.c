/*
 * bench/route.c — single-thread routing decisions per second.
 *
 *   make bench-route        (or: bench_route [FIRMS] [SECONDS])
 *
 * Builds FIRMS synthetic partner firms (default 10,000) over the full
 * GB/T 2260 region table embedded in the binary
 * (data/gbt2260/divisions.csv: 31 provinces, 342 cities, 2,975 counties),
 * with realistic coverage: most firms cover one to three cities or a few
 * counties of their home province, some a whole province, a few several
 * provinces; one to five practice areas each; mostly active, some
 * restricted or suspended, some at capacity or cooling down. Then routes
 * random leads (85 % county-level, 15 % city-level codes, any area) through
 * lx_route_decide — the full engine, fairness round included — for at
 * least SECONDS (default 2) and prints one JSON line per phase:
 *   route_index_build  time to build the area x province index;
 *   route_decide       decisions per second (goal >= 200,000);
 *   route_offer_cycle  leads per second through lx_route_next_offer with
 *                      one decline in three before the claim.
 * Deterministic: the generator is seeded; timing is the only variable.
 */
#include "base/asset.h"
#include "base/err.h"
#include "route/route.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DIVISIONS "data/gbt2260/divisions.csv"
#define T0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define GOAL 200000.0
#define MAX_COVER 16

struct table {
    uint32_t prov[64];
    size_t n_prov;
    uint32_t *city;
    size_t n_city;
    uint32_t *county;
    size_t n_county;
};

static uint64_t seed = 0x5eed1234abcdULL;

static uint32_t
rnd(uint32_t n)
{
    return (uint32_t)(lx_route_draw(&seed) % n);
}

static int64_t
mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Parse "code,name,level,parent" lines; the header line has no digits. */
static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a;
    uint32_t y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

static int
load_table(struct table *t)
{
    const struct lx_asset *a = lx_asset_find(DIVISIONS);
    const char *p;
    const char *end;

    if (a == NULL) {
        fprintf(stderr, "bench_route: %s not embedded\n", DIVISIONS);
        return -1;
    }
    t->city = malloc(a->len / 8 * sizeof *t->city);
    t->county = malloc(a->len / 8 * sizeof *t->county);
    if (t->city == NULL || t->county == NULL) {
        return -1;
    }
    p = (const char *)a->data;
    end = p + a->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        uint32_t code = 0;
        int digits = 0;

        while (p < line_end && *p >= '0' && *p <= '9' && digits < 7) {
            code = code * 10 + (uint32_t)(*p - '0');
            p++;
            digits++;
        }
        if (digits == 6 && p < line_end && *p == ',') {
            switch (lx_route_region_level(code)) {
            case 1:
                if (t->n_prov < sizeof t->prov / sizeof t->prov[0]) {
                    t->prov[t->n_prov++] = code;
                }
                break;
            case 2:
                t->city[t->n_city++] = code;
                break;
            case 3:
                t->county[t->n_county++] = code;
                break;
            default:
                break;
            }
        }
        p = line_end + 1;
    }
    /* pick_in() needs each level sorted by code. */
    qsort(t->prov, t->n_prov, sizeof *t->prov, cmp_u32);
    qsort(t->city, t->n_city, sizeof *t->city, cmp_u32);
    qsort(t->county, t->n_county, sizeof *t->county, cmp_u32);
    return t->n_prov > 0 && t->n_city > 0 && t->n_county > 0 ? 0 : -1;
}

/* A random code in [lo, hi] from the sorted codes, or 0 when none. */
static uint32_t
pick_in(const uint32_t *codes, size_t n, uint32_t lo, uint32_t hi)
{
    size_t first = n;
    size_t last = 0;

    for (size_t i = 0; i < n; i++) { /* sorted by code (load_table) */
        if (codes[i] >= lo && codes[i] <= hi) {
            if (first == n) {
                first = i;
            }
            last = i;
        }
    }
    if (first == n) {
        return 0;
    }
    return codes[first + rnd((uint32_t)(last - first + 1))];
}

static size_t
make_coverage(const struct table *t, uint32_t *out)
{
    uint32_t home = t->county[rnd((uint32_t)t->n_county)] / 10000 * 10000;
    uint32_t kind = rnd(100);
    size_t n = 0;

    if (kind < 10) {
        out[n++] = home;
    } else if (kind < 60) {
        uint32_t k = 1 + rnd(3);

        for (uint32_t i = 0; i < k; i++) {
            uint32_t c = pick_in(t->city, t->n_city, home, home + 9999);

            out[n++] = c ? c : home;
        }
    } else if (kind < 90) {
        uint32_t k = 1 + rnd(6);
        uint32_t c = pick_in(t->county, t->n_county, home, home + 9999);
        uint32_t city = c / 100 * 100;

        out[n++] = c;
        for (uint32_t i = 1; i < k; i++) {
            uint32_t d = pick_in(t->county, t->n_county, city, city + 99);

            out[n++] = d ? d : c;
        }
    } else if (kind < 97) {
        uint32_t c = pick_in(t->city, t->n_city, home, home + 9999);

        out[n++] = c ? c : home;
        out[n++] = pick_in(t->county, t->n_county, home, home + 9999);
        out[n++] = pick_in(t->county, t->n_county, home, home + 9999);
    } else {
        uint32_t k = 3 + rnd(13);

        for (uint32_t i = 0; i < k && n < MAX_COVER; i++) {
            out[n++] = t->prov[rnd((uint32_t)t->n_prov)];
        }
    }
    return n;
}

static void
make_firm(const struct table *t, struct lx_route_firm *f, uint32_t *cover,
          uint64_t id)
{
    uint32_t st = rnd(100);
    uint32_t k = 1 + rnd(5);

    memset(f, 0, sizeof *f);
    f->id = id;
    f->regions = cover;
    f->n_regions = make_coverage(t, cover);
    for (uint32_t i = 0; i < k; i++) {
        f->areas |= LX_ROUTE_AREA_BIT(1 + rnd(LX_ROUTE_AREA_COUNT - 1));
    }
    f->status = st < 85   ? LX_ROUTE_FIRM_ACTIVE
                : st < 93 ? LX_ROUTE_FIRM_RESTRICTED
                : st < 97 ? LX_ROUTE_FIRM_DISTRIBUTION_SUSPENDED
                          : LX_ROUTE_FIRM_COOPERATION_SUSPENDED;
    f->capacity_today = 5 + rnd(56);
    f->taken_today = rnd(10) == 0 ? f->capacity_today : rnd(f->capacity_today);
    f->cooldown_until_ms = rnd(100) < 3 ? T0 + 3600000 : 0;
    f->responses_measured = rnd(20) == 0 ? 0 : 1 + rnd(500);
    f->first_response_median_s = 60 + rnd(7200);
    f->complaint_rate_bp = rnd(10) < 7 ? rnd(50) : rnd(800);
    f->violation_points = rnd(10) < 8 ? 0 : rnd(12);
}

static void
make_lead(const struct table *t, struct lx_route_lead *l)
{
    memset(l, 0, sizeof *l);
    l->area = (enum lx_route_area)(1 + rnd(LX_ROUTE_AREA_COUNT - 1));
    l->region = rnd(100) < 85 ? t->county[rnd((uint32_t)t->n_county)]
                              : t->city[rnd((uint32_t)t->n_city)];
}

int
main(int argc, char **argv)
{
    enum { LEAD_POOL = 65536 };
    struct table t = {0};
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
    double min_s = argc > 2 ? strtod(argv[2], NULL) : 2.0;
    struct lx_route_firm *firms = NULL;
    uint32_t(*cover)[MAX_COVER] = NULL;
    struct lx_route_lead *leads = NULL;
    struct lx_route_index *ix = NULL;
    struct lx_err err = {0};
    uint64_t decisions = 0, chosen = 0, covering = 0, cands = 0;
    uint64_t draws = 42;
    int64_t t0, t1;
    size_t entries = 0;
    int rc = 1;

    if (n == 0 || n > LX_ROUTE_MAX_FIRMS || !(min_s > 0)) {
        fprintf(stderr, "usage: bench_route [FIRMS] [SECONDS]\n");
        return 2;
    }
    if (load_table(&t) != 0) {
        fprintf(stderr, "bench_route: cannot load %s\n", DIVISIONS);
        goto out;
    }
    firms = calloc(n, sizeof *firms);
    cover = calloc(n, sizeof *cover);
    leads = calloc(LEAD_POOL, sizeof *leads);
    if (firms == NULL || cover == NULL || leads == NULL) {
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        make_firm(&t, &firms[i], cover[i], 1 + i);
        entries +=
            firms[i].n_regions * (size_t)__builtin_popcount(firms[i].areas);
    }
    for (size_t i = 0; i < LEAD_POOL; i++) {
        make_lead(&t, &leads[i]);
    }

    t0 = mono_ns();
    if (lx_route_index_build(firms, n, &ix, &err) != LX_OK) {
        fprintf(stderr, "bench_route: %s\n", lx_err_message(&err));
        goto out;
    }
    t1 = mono_ns();
    printf("{\"bench\":\"route_index_build\",\"firms\":%zu,\"provinces\":%zu,"
           "\"cities\":%zu,\"counties\":%zu,\"entries\":%zu,\"ms\":%.2f}\n",
           n, t.n_prov, t.n_city, t.n_county, entries, (double)(t1 - t0) / 1e6);

    /* Routing decisions, in batches until min_s has passed. */
    t0 = mono_ns();
    do {
        for (size_t i = 0; i < LEAD_POOL; i++) {
            struct lx_route_decision d;

            if (lx_route_decide(ix, &leads[i], T0, lx_route_draw(&draws), &d,
                                &err) != LX_OK) {
                fprintf(stderr, "bench_route: %s\n", lx_err_message(&err));
                goto out;
            }
            chosen += d.firm_id != 0;
            covering += d.covering;
            cands += d.candidates;
        }
        decisions += LEAD_POOL;
        t1 = mono_ns();
    } while ((double)(t1 - t0) / 1e9 < min_s);
    {
        double s = (double)(t1 - t0) / 1e9;
        double rate = (double)decisions / s;

        printf(
            "{\"bench\":\"route_decide\",\"firms\":%zu,\"decisions\":%" PRIu64
            ",\"seconds\":%.3f,\"per_sec\":%.0f,\"ns_per_decision\":%.1f,"
            "\"chosen_pct\":%.1f,\"avg_covering\":%.1f,"
            "\"avg_candidates\":%.1f,\"goal_per_sec\":%.0f,\"goal_met\":%s}\n",
            n, decisions, s, rate, s * 1e9 / (double)decisions,
            100.0 * (double)chosen / (double)decisions,
            (double)covering / (double)decisions,
            (double)cands / (double)decisions, GOAL,
            rate >= GOAL ? "true" : "false");
    }

    /* Whole offer cycles: next_offer, one decline in three, then claim. */
    {
        uint64_t leads_done = 0, offers = 0;
        int64_t now = T0;

        t0 = mono_ns();
        do {
            for (size_t i = 0; i < LEAD_POOL; i++) {
                struct lx_route_offer_state st = {0};
                struct lx_route_decision d;
                struct lx_route_event ev = {0};

                now += 1000;
                while (st.state == LX_ROUTE_STATE_PENDING) {
                    if (lx_route_next_offer(ix, &st, &leads[i], now, 0,
                                            lx_route_draw(&draws), &d,
                                            &err) != LX_OK) {
                        fprintf(stderr, "bench_route: %s\n",
                                lx_err_message(&err));
                        goto out;
                    }
                    if (st.state != LX_ROUTE_STATE_OFFERED) {
                        break;
                    }
                    offers++;
                    ev.firm_id = st.holder;
                    ev.now_ms = now + 60000;
                    ev.kind =
                        rnd(3) == 0 ? LX_ROUTE_EV_DECLINE : LX_ROUTE_EV_CLAIM;
                    ev.reason = LX_ROUTE_DECLINE_NO_CAPACITY;
                    if (lx_route_offer_step(&st, &ev, &err) != LX_OK) {
                        fprintf(stderr, "bench_route: %s\n",
                                lx_err_message(&err));
                        goto out;
                    }
                }
            }
            leads_done += LEAD_POOL;
            t1 = mono_ns();
        } while ((double)(t1 - t0) / 1e9 < min_s / 2);
        printf(
            "{\"bench\":\"route_offer_cycle\",\"firms\":%zu,\"leads\":%" PRIu64
            ",\"offers\":%" PRIu64 ",\"seconds\":%.3f,\"leads_per_sec\":%.0f,"
            "\"offers_per_sec\":%.0f}\n",
            n, leads_done, offers, (double)(t1 - t0) / 1e9,
            (double)leads_done / ((double)(t1 - t0) / 1e9),
            (double)offers / ((double)(t1 - t0) / 1e9));
    }
    rc = 0;

out:
    lx_route_index_free(ix);
    free(leads);
    free(cover);
    free(firms);
    free(t.city);
    free(t.county);
    return rc;
}
