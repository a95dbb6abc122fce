/*
 * route.c — scoring, the area x province index and the routing decision.
 * The formulas are in route.h and docs/route.md; keep the three in step.
 * Platform confidential (C1.2): nothing here produces partner-facing text.
 */
#include "route/route.h"

#include "base/mem.h"

#include <stdlib.h>
#include <string.h>

#define PROVINCES 100u /* code / 10000; valid codes use 11..99 */
#define BUCKETS ((size_t)LX_ROUTE_AREA_COUNT * PROVINCES)

/* One covered code of one firm, filed under one area x province. The lead
 * matches when lo <= region <= hi (the prefix rule as a range). */
struct entry {
    uint32_t lo;
    uint32_t hi;
    uint32_t pos; /* the firm's position in the snapshot */
};

struct lx_route_index {
    struct lx_route_firm *firms; /* borrowed */
    size_t n;
    uint32_t *weight;          /* per firm; 0 = ineligible status */
    uint32_t off[BUCKETS + 1]; /* bucket b is entries[off[b]..off[b+1]) */
    struct entry *entries;
    uint32_t *cand; /* scratch: eligible positions of one decision */
    int64_t *accr;  /* scratch: their accruals */
    size_t scratch_cap;
};

/* ---- score --------------------------------------------------------------- */

void
lx_route_score(const struct lx_route_firm *firm, struct lx_route_breakdown *out)
{
    uint32_t m = firm->first_response_median_s;
    uint32_t r = firm->complaint_rate_bp;
    uint32_t p = firm->violation_points;

    memset(out, 0, sizeof *out);
    if (firm->responses_measured == 0) {
        out->response_pts = 200; /* neutral until measured */
    } else if (m <= 300) {
        out->response_pts = 400;
    } else if (m >= 7200) {
        out->response_pts = 0;
    } else {
        out->response_pts = 400u * (7200u - m) / 6900u;
    }
    if (r > 500) {
        r = 500;
    }
    out->complaint_pts = 300u * (500u - r) / 500u;
    if (p > 10) {
        p = 10;
    }
    out->violation_pts = 300u - 30u * p;
    out->score = out->response_pts + out->complaint_pts + out->violation_pts;

    switch (firm->status) {
    case LX_ROUTE_FIRM_ACTIVE:
        out->weight = LX_ROUTE_WEIGHT_FLOOR + out->score;
        break;
    case LX_ROUTE_FIRM_RESTRICTED:
        /* C8.1 "restrict permissions": still routed, at half weight. */
        out->weight = (LX_ROUTE_WEIGHT_FLOOR + out->score) / 2u;
        break;
    case LX_ROUTE_FIRM_UNKNOWN:
    case LX_ROUTE_FIRM_DISTRIBUTION_SUSPENDED:
    case LX_ROUTE_FIRM_COOPERATION_SUSPENDED:
    case LX_ROUTE_FIRM_TERMINATING:
    case LX_ROUTE_FIRM_TERMINATED:
    case LX_ROUTE_FIRM_COUNT:
    default:
        out->weight = 0;
        break;
    }
    out->credit_before = firm->credit;
    out->credit_after = firm->credit;
}

int
lx_route_region_level(uint32_t code)
{
    if (code < 110000u || code > 999999u) {
        return 0;
    }
    if (code % 10000u == 0) {
        return 1;
    }
    if (code % 100u == 0) {
        return 2;
    }
    return 3;
}

static uint32_t
region_hi(uint32_t code)
{
    switch (lx_route_region_level(code)) {
    case 1:
        return code + 9999u;
    case 2:
        return code + 99u;
    default:
        return code;
    }
}

/* ---- index --------------------------------------------------------------- */

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return (x > y) - (x < y);
}

static lx_rc
check_firm(const struct lx_route_firm *f, size_t i, size_t *entries,
           struct lx_err *err)
{
    unsigned areas;

    if (f->id == 0) {
        return lx_err_set(err, LX_EINVAL, "/firms", "firm %zu: id is 0", i);
    }
    if ((unsigned)f->status >= (unsigned)LX_ROUTE_FIRM_COUNT) {
        return lx_err_set(err, LX_EINVAL, "/firms",
                          "firm %zu: status out of range", i);
    }
    if ((f->areas & ~LX_ROUTE_AREA_ALL) != 0) {
        return lx_err_set(err, LX_EINVAL, "/firms",
                          "firm %zu: unknown practice area bit", i);
    }
    if (f->n_regions == 0 || f->n_regions > LX_ROUTE_MAX_REGIONS ||
        f->regions == NULL) {
        return lx_err_set(err, LX_EINVAL, "/firms",
                          "firm %zu: needs 1..%u covered regions", i,
                          LX_ROUTE_MAX_REGIONS);
    }
    for (size_t r = 0; r < f->n_regions; r++) {
        if (lx_route_region_level(f->regions[r]) == 0) {
            return lx_err_set(err, LX_EINVAL, "/firms",
                              "firm %zu: region %zu is not a GB/T 2260 code", i,
                              r);
        }
    }
    areas = (unsigned)__builtin_popcount(f->areas);
    *entries += (size_t)areas * f->n_regions;
    return LX_OK;
}

lx_rc
lx_route_index_build(struct lx_route_firm *firms, size_t n,
                     struct lx_route_index **out, struct lx_err *err)
{
    struct lx_route_index *ix = NULL;
    uint64_t *ids = NULL;
    uint32_t *fill = NULL;
    size_t total = 0;
    size_t widest = 0;
    lx_rc rc = LX_OK;

    *out = NULL;
    if (n > LX_ROUTE_MAX_FIRMS) {
        return lx_err_set(err, LX_ETOOBIG, "/firms", "more than %u firms",
                          LX_ROUTE_MAX_FIRMS);
    }
    if (n > 0 && firms == NULL) {
        return lx_err_set(err, LX_EINVAL, "/firms", "no firm array");
    }
    for (size_t i = 0; i < n; i++) {
        rc = check_firm(&firms[i], i, &total, err);
        if (rc != LX_OK) {
            return rc;
        }
        if (total > LX_ROUTE_MAX_ENTRIES) {
            return lx_err_set(err, LX_ETOOBIG, "/firms",
                              "more than %u firm-area-region entries",
                              LX_ROUTE_MAX_ENTRIES);
        }
    }
    /* Unique ids: offers and exclusions name firms by id. */
    ids = lx_xmalloc((n ? n : 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        ids[i] = firms[i].id;
    }
    qsort(ids, n, sizeof *ids, cmp_u64);
    for (size_t i = 1; i < n; i++) {
        if (ids[i] == ids[i - 1]) {
            rc = lx_err_set(err, LX_EINVAL, "/firms", "duplicate firm id");
            goto out;
        }
    }

    ix = lx_xcalloc(1, sizeof *ix);
    ix->firms = firms;
    ix->n = n;
    ix->weight = lx_xcalloc(n ? n : 1, sizeof *ix->weight);
    ix->entries = lx_xmalloc((total ? total : 1) * sizeof *ix->entries);

    /* Counting pass, then fill in firm order, so that within a bucket the
     * entries of one firm are adjacent (lx_route_decide relies on it). */
    for (size_t i = 0; i < n; i++) {
        const struct lx_route_firm *f = &firms[i];
        struct lx_route_breakdown b;

        lx_route_score(f, &b);
        ix->weight[i] = b.weight;
        for (unsigned a = 1; a < (unsigned)LX_ROUTE_AREA_COUNT; a++) {
            if ((f->areas & LX_ROUTE_AREA_BIT(a)) == 0) {
                continue;
            }
            for (size_t r = 0; r < f->n_regions; r++) {
                ix->off[a * PROVINCES + f->regions[r] / 10000u + 1]++;
            }
        }
    }
    for (size_t b = 0; b < BUCKETS; b++) {
        size_t len = ix->off[b + 1];

        if (len > widest) {
            widest = len;
        }
        ix->off[b + 1] += ix->off[b];
    }
    fill = lx_xmalloc(BUCKETS * sizeof *fill);
    memcpy(fill, ix->off, BUCKETS * sizeof *fill);
    for (size_t i = 0; i < n; i++) {
        const struct lx_route_firm *f = &firms[i];

        for (unsigned a = 1; a < (unsigned)LX_ROUTE_AREA_COUNT; a++) {
            if ((f->areas & LX_ROUTE_AREA_BIT(a)) == 0) {
                continue;
            }
            for (size_t r = 0; r < f->n_regions; r++) {
                uint32_t code = f->regions[r];
                struct entry *e =
                    &ix->entries[fill[a * PROVINCES + code / 10000u]++];

                e->lo = code;
                e->hi = region_hi(code);
                e->pos = (uint32_t)i;
            }
        }
    }
    ix->scratch_cap = widest ? widest : 1;
    ix->cand = lx_xmalloc(ix->scratch_cap * sizeof *ix->cand);
    ix->accr = lx_xmalloc(ix->scratch_cap * sizeof *ix->accr);

    *out = ix;
    ix = NULL;

out:
    free(fill);
    free(ids);
    lx_route_index_free(ix);
    return rc;
}

void
lx_route_index_free(struct lx_route_index *ix)
{
    if (ix == NULL) {
        return;
    }
    free(ix->weight);
    free(ix->entries);
    free(ix->cand);
    free(ix->accr);
    free(ix);
}

/* ---- decision ------------------------------------------------------------ */

static bool
excluded(const struct lx_route_lead *lead, uint64_t id)
{
    for (size_t i = 0; i < lead->n_exclude; i++) {
        if (lead->exclude[i] == id) {
            return true;
        }
    }
    return false;
}

static int64_t
clamp_credit(int64_t c)
{
    if (c > LX_ROUTE_CREDIT_MAX) {
        return LX_ROUTE_CREDIT_MAX;
    }
    if (c < -LX_ROUTE_CREDIT_MAX) {
        return -LX_ROUTE_CREDIT_MAX;
    }
    return c;
}

static enum lx_route_reason
why_none(const struct lx_route_decision *d)
{
    static const enum lx_route_reason by_gate[LX_ROUTE_GATE_COUNT] = {
        [LX_ROUTE_GATE_STATUS] = LX_ROUTE_REASON_STATUS,
        [LX_ROUTE_GATE_OFFERED] = LX_ROUTE_REASON_OFFERED,
        [LX_ROUTE_GATE_COOLDOWN] = LX_ROUTE_REASON_COOLDOWN,
        [LX_ROUTE_GATE_CAPACITY] = LX_ROUTE_REASON_CAPACITY,
    };

    for (int g = (int)LX_ROUTE_GATE_COUNT - 1; g >= 0; g--) {
        if (d->rejected[g] > 0) {
            return by_gate[g];
        }
    }
    return LX_ROUTE_REASON_NO_COVERAGE;
}

lx_rc
lx_route_decide(struct lx_route_index *ix, const struct lx_route_lead *lead,
                int64_t now_ms, uint64_t draw, struct lx_route_decision *out,
                struct lx_err *err)
{
    const struct entry *e;
    const struct entry *end;
    struct lx_route_firm *firms = ix->firms;
    uint32_t region = lead->region;
    uint32_t last = UINT32_MAX;
    uint32_t n = 0;
    uint64_t wsum = 0;
    int64_t best = INT64_MIN;
    int64_t handed = 0;
    uint32_t tied = 0;
    uint32_t pick = 0;
    unsigned bucket;

    memset(out, 0, sizeof *out);
    if (lead->area <= LX_ROUTE_AREA_NONE || lead->area >= LX_ROUTE_AREA_COUNT) {
        return lx_err_set(err, LX_EINVAL, "/area", "unknown practice area");
    }
    if (lx_route_region_level(region) == 0) {
        return lx_err_set(err, LX_EINVAL, "/region",
                          "not a GB/T 2260 region code");
    }
    if (lead->n_exclude > 0 && lead->exclude == NULL) {
        return lx_err_set(err, LX_EINVAL, "/exclude", "no exclusion array");
    }

    /* Gates, in the documented order. Entries of one firm are adjacent in
     * a bucket, so 'last' keeps a firm with two matching codes (a city and
     * a county in it) from being counted twice. */
    bucket = (unsigned)lead->area * PROVINCES + region / 10000u;
    e = ix->entries + ix->off[bucket];
    end = ix->entries + ix->off[bucket + 1];
    for (; e < end; e++) {
        const struct lx_route_firm *f;
        uint32_t pos = e->pos;

        if (region < e->lo || region > e->hi || pos == last) {
            continue;
        }
        last = pos;
        out->covering++;
        f = &firms[pos];
        if (ix->weight[pos] == 0) {
            out->rejected[LX_ROUTE_GATE_STATUS]++;
        } else if (lead->n_exclude > 0 && excluded(lead, f->id)) {
            out->rejected[LX_ROUTE_GATE_OFFERED]++;
        } else if (now_ms < f->cooldown_until_ms) {
            out->rejected[LX_ROUTE_GATE_COOLDOWN]++;
        } else if (f->taken_today >= f->capacity_today) {
            out->rejected[LX_ROUTE_GATE_CAPACITY]++;
        } else {
            ix->cand[n++] = pos;
            wsum += ix->weight[pos];
        }
    }
    out->candidates = n;
    if (n == 0) {
        out->reason = why_none(out);
        return LX_OK;
    }

    /* One weighted deficit round-robin round (route.h). */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pos = ix->cand[i];
        int64_t a = (int64_t)((uint64_t)ix->weight[pos] *
                              (uint64_t)LX_ROUTE_MICRO / wsum);
        int64_t p = firms[pos].credit + a;

        ix->accr[i] = a;
        handed += a;
        if (p > best) {
            best = p;
            tied = 1;
        } else if (p == best) {
            tied++;
        }
    }
    /* The tie-break is the draw alone: the j-th tied candidate. */
    {
        uint32_t j = (uint32_t)(draw % tied);

        for (uint32_t i = 0; i < n; i++) {
            if (firms[ix->cand[i]].credit + ix->accr[i] == best) {
                if (j == 0) {
                    pick = i;
                    break;
                }
                j--;
            }
        }
    }
    out->tied = tied;
    out->total_accrual = handed;
    {
        struct lx_route_firm *f = &firms[ix->cand[pick]];

        lx_route_score(f, &out->chosen);
        out->chosen.accrual = ix->accr[pick];
        out->firm_id = f->id;
        out->firm_pos = ix->cand[pick];
    }
    for (uint32_t i = 0; i < n; i++) {
        struct lx_route_firm *f = &firms[ix->cand[i]];
        int64_t c = f->credit + ix->accr[i];

        if (i == pick) {
            c -= handed;
        }
        f->credit = clamp_credit(c);
    }
    out->chosen.credit_after = firms[out->firm_pos].credit;
    out->reason = LX_ROUTE_REASON_CHOSEN;
    return LX_OK;
}

uint64_t
lx_route_draw(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

size_t
lx_route_firm_find(const struct lx_route_firm *firms, size_t n, uint64_t id)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (firms[mid].id == id) {
            return mid;
        }
        if (firms[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return SIZE_MAX;
}
