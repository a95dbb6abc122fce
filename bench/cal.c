/*
 * bench/cal — deadline computations per second, single thread (goal:
 * >= 5,000,000/s for every rule kind; the issue "Business calendar and
 * SLA clocks").
 *
 * Starts are pseudo-random instants from 2025-01-01 to 2026-11-30 (Beijing)
 * so that every working-day deadline stays inside the loaded 2026 schedule;
 * counts vary per call. Prints one JSON line per rule kind, then one for
 * loading the embedded CSV. Run: make bench-cal
 */
#include "base/asset.h"
#include "base/err.h"
#include "base/time.h"
#include "cal/cal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define ASSET "data/cn-holidays/cn-holidays-2020-2026.csv"
#define NSTARTS 65536 /* power of two */
#define BATCH 1000000
#define MIN_MS 500 /* run each kind at least this long */

static uint64_t
xorshift64(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

struct kind {
    const char *name;
    enum lx_cal_kind kind;
    int64_t max_count; /* counts drawn from 1..max_count; 0: none */
    int close_min;
    bool fallback;
};

static const struct kind kinds[] = {
    {"minutes", LX_CAL_MINUTES, 600, 0, false},
    {"hours", LX_CAL_HOURS, 72, 0, false},
    {"working_days", LX_CAL_WORKING_DAYS, 15, 0, false},
    {"working_days_close", LX_CAL_WORKING_DAYS, 15, 17 * 60 + 30, false},
    {"working_days_fallback", LX_CAL_WORKING_DAYS, 15, 0, true},
    {"first_response", LX_CAL_FIRST_RESPONSE, 0, 0, false},
};

int
main(void)
{
    const struct lx_asset *a = lx_asset_find(ASSET);
    struct lx_cal *cal = NULL;
    struct lx_err err = {0};
    int64_t *starts = NULL;
    int64_t lo, hi;
    uint64_t seed = UINT64_C(0x9E3779B97F4A7C15);
    int status = 1;

    if (a == NULL ||
        lx_cal_load((const char *)a->data, a->len, &cal, &err) != LX_OK) {
        fprintf(stderr, "bench_cal: cannot load the embedded calendar\n");
        return 1;
    }
    starts = malloc(NSTARTS * sizeof(*starts));
    if (starts == NULL) {
        goto out;
    }
    lo = lx_days_from_civil(2025, 1, 1) * LX_MS_PER_DAY - 8 * 3600000;
    hi = lx_days_from_civil(2026, 12, 1) * LX_MS_PER_DAY - 8 * 3600000;
    for (size_t i = 0; i < NSTARTS; i++) {
        starts[i] = lo + (int64_t)(xorshift64(&seed) % (uint64_t)(hi - lo));
    }

    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        const struct kind *kd = &kinds[k];
        struct lx_cal_rule rule = {.kind = kd->kind,
                                   .close_min = kd->close_min};
        uint64_t sum = 0, calls = 0, errors = 0;
        int64_t t0 = lx_time_mono_ms(), t1;

        do {
            for (uint32_t i = 0; i < BATCH; i++) {
                struct lx_cal_result res;
                lx_rc rc;

                rule.count = kd->max_count
                                 ? 1 + (int64_t)(i % (uint32_t)kd->max_count)
                                 : 0;
                rc = kd->fallback
                         ? lx_cal_deadline_fallback(cal,
                                                    starts[i & (NSTARTS - 1)],
                                                    &rule, &res, &err)
                         : lx_cal_deadline(cal, starts[i & (NSTARTS - 1)],
                                           &rule, &res, &err);
                if (rc != LX_OK) {
                    errors++;
                }
                sum += (uint64_t)res.deadline_ms;
            }
            calls += BATCH;
            t1 = lx_time_mono_ms();
        } while (t1 - t0 < MIN_MS);
        printf("{\"bench\":\"cal\",\"rule\":\"%s\",\"threads\":1,"
               "\"calls\":%" PRIu64 ",\"seconds\":%.3f,"
               "\"deadlines_per_s\":%.0f,\"errors\":%" PRIu64
               ",\"checksum\":%" PRIu64 "}\n",
               kd->name, calls, (double)(t1 - t0) / 1000.0,
               (double)calls * 1000.0 / (double)(t1 - t0), errors, sum);
        if (errors != 0) {
            goto out;
        }
    }

    {
        int64_t t0 = lx_time_mono_ms(), t1;
        uint64_t loads = 0;

        do {
            struct lx_cal *c2 = NULL;
            if (lx_cal_load((const char *)a->data, a->len, &c2, &err) !=
                LX_OK) {
                goto out;
            }
            lx_cal_free(c2);
            loads++;
            t1 = lx_time_mono_ms();
        } while (t1 - t0 < MIN_MS);
        printf("{\"bench\":\"cal\",\"op\":\"load_csv\",\"bytes\":%zu,"
               "\"loads_per_s\":%.0f}\n",
               a->len, (double)loads * 1000.0 / (double)(t1 - t0));
    }
    status = 0;

out:
    free(starts);
    lx_cal_free(cal);
    return status;
}
