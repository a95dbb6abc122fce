/*
 * cal — the business calendar and deadlines (C5.1, C6.1; Civil Code
 * Art. 201-203).
 *
 * A pure engine. lx_cal_load() turns the holiday schedule CSV (data/
 * cn-holidays, or any file with the same columns) into a compact day table
 * once; lx_cal_deadline() is then a pure function of (calendar, start
 * instant, rule): no I/O, no clock, no allocation, O(1) for every rule, so
 * the SLA daemon can recompute a million timers cheaply and a deadline can
 * be replayed from its audit record.
 *
 * Time: instants are int64_t ms since the epoch (UTC), as in base/time.h.
 * Days and times of day are Beijing civil time (+08:00, no DST since 1992).
 *
 * Day status: a day is a working day when it is a Monday-Friday that is not
 * a statutory holiday, or a weekend day listed as a make-up workday (调休
 * 补班). Every other day is a rest day. A day is *known* only when its
 * calendar year has a schedule loaded (a `schedule_year` in the CSV); the
 * loaded years must be contiguous.
 *
 * Rules (docs/calendar.md is the long form):
 *  - LX_CAL_MINUTES / LX_CAL_HOURS: natural time, start + N. No calendar is
 *    consulted, so any year is accepted.
 *  - LX_CAL_WORKING_DAYS (Art. 201-203): the day on which the period starts
 *    is not counted, whatever the hour; the deadline is the end of the Nth
 *    working day after it: 23:59:59.999 (printed 23:59:59+08:00), or the
 *    rule's business-close time on that day (Art. 203 para. 2). Strict mode
 *    needs the start day and every day up to the deadline to be known.
 *  - LX_CAL_FIRST_RESPONSE (C5.1): the status at the moment of arrival
 *    decides: 30 minutes normally, 120 minutes when the lead arrives inside
 *    a special period. Default special periods: every rest day, and the
 *    night window [22:00:00, 08:00:00) of every day — 22:00:00.000 is
 *    special, 08:00:00.000 is not. Configurable (struct lx_cal_special).
 *
 * Days without data: lx_cal_deadline() is strict and fails with LX_ERANGE
 * naming the first year it lacks — never a guess. The SLA daemon, which
 * must keep timing leads even when the operator has not loaded next year's
 * schedule, uses lx_cal_deadline_fallback(): it treats every unknown day as
 * a working day (the earliest, hence conservative, deadline for working
 * days, and the short 30-minute clock for first response by day) and sets
 * LX_CAL_RESULT_FALLBACK so the caller raises an operator alert.
 *
 * Thread-safety: a loaded calendar is immutable; any number of threads may
 * call the deadline functions on it concurrently.
 */
#ifndef LX_CAL_H
#define LX_CAL_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits on rule counts (larger counts are LX_ERANGE). */
#define LX_CAL_MAX_MINUTES INT64_C(10000000) /* about 19 years */
#define LX_CAL_MAX_HOURS INT64_C(200000)     /* about 22 years */
#define LX_CAL_MAX_WORKING_DAYS INT64_C(10000)
/* Limits on the schedule. */
#define LX_CAL_MAX_YEARS 64 /* span of loaded schedule years */
#define LX_CAL_MAX_CSV_BYTES ((size_t)1 << 20) /* 1 MiB; 2020-2026 is 14 KB */

/* A loaded schedule; opaque, immutable after lx_cal_load(). */
struct lx_cal;

enum lx_cal_kind {
    LX_CAL_RULE_NONE = 0, /* invalid: a zeroed rule is refused */
    LX_CAL_MINUTES,
    LX_CAL_HOURS,
    LX_CAL_WORKING_DAYS,
    LX_CAL_FIRST_RESPONSE,
};

/* What counts as a special period for the first response (C5.1). */
struct lx_cal_special {
    int night_start_min;    /* minutes after 00:00, 0..1439; start included */
    int night_end_min;      /* 0..1439, excluded; == start: no night window;
                               < start: the window crosses midnight */
    bool rest_days_special; /* every rest day is special all day */
    int normal_min;         /* deadline outside special periods (30) */
    int special_min;        /* deadline inside a special period (120) */
};

/* The contract's defaults: rest days and 22:00-08:00; 30 / 120 minutes. */
#define LX_CAL_SPECIAL_DEFAULT                                                 \
    {                                                                          \
        .night_start_min = 22 * 60, .night_end_min = 8 * 60,                   \
        .rest_days_special = true, .normal_min = 30, .special_min = 120,       \
    }

struct lx_cal_rule {
    enum lx_cal_kind kind;
    int64_t count; /* N for minutes, hours, working days; 1..LX_CAL_MAX_* */
    int close_min; /* working days only: business-close time in minutes
                      after 00:00 (1..1439); 0 = none, end of day */
    const struct lx_cal_special *special; /* first response; NULL: default */
};

enum lx_cal_result_flags {
    LX_CAL_RESULT_SPECIAL = 1u << 0,  /* first response: arrival was special */
    LX_CAL_RESULT_FALLBACK = 1u << 1, /* an unknown day was taken as working */
};

struct lx_cal_result {
    int64_t deadline_ms; /* the last instant that is still on time */
    unsigned flags;      /* enum lx_cal_result_flags */
    int fallback_year;   /* with LX_CAL_RESULT_FALLBACK: first unknown year */
};

/* The status of one civil day. */
enum lx_cal_day {
    LX_CAL_DAY_UNKNOWN = 0, /* its year has no schedule loaded */
    LX_CAL_DAY_WORKDAY,     /* Monday-Friday, not a holiday */
    LX_CAL_DAY_WEEKEND,     /* Saturday or Sunday, not a make-up workday */
    LX_CAL_DAY_HOLIDAY,     /* statutory holiday (放假) */
    LX_CAL_DAY_MAKEUP,      /* weekend day worked (调休补班) */
};

/*
 * Parse a schedule CSV (UTF-8, header row naming at least the columns
 * `date`, `kind` and `schedule_year`; `kind` is `holiday` or `workday`;
 * '#' comment lines, blank lines, CRLF, a BOM and "quoted" fields are
 * accepted) and build the day table. 'csv' need not be NUL-terminated;
 * at most LX_CAL_MAX_CSV_BYTES.
 *
 * Refused with LX_EINVAL and "calendar line N: <what>" in err: a missing
 * column, a bad or duplicate date, an unknown kind, a `workday` that is
 * not a weekend day, a bad schedule_year or one more than a year away from
 * its date, no rows, schedule years that are not contiguous or span more
 * than LX_CAL_MAX_YEARS. Rows dated outside the loaded years are ignored
 * (e.g. a 2022-12-31 row of the 2023 schedule when 2022 is not loaded).
 *
 * On success *out is a new calendar owned by the caller (lx_cal_free()).
 */
lx_rc lx_cal_load(const char *csv, size_t len, struct lx_cal **out,
                  struct lx_err *err);

/* Free a calendar; NULL is fine. */
void lx_cal_free(struct lx_cal *cal);

/* The first and last loaded schedule years. Cannot fail. */
void lx_cal_years(const struct lx_cal *cal, int *first, int *last);

/* Status of the civil day 'days' (days since 1970-01-01, base/time.h). */
enum lx_cal_day lx_cal_day_status(const struct lx_cal *cal, int64_t days);

/*
 * The deadline of 'rule' for a period starting at 'start_ms'. Strict: a
 * day the rule needs that lies in a year without a schedule fails with
 * LX_ERANGE ("no holiday schedule loaded for 2027"); a count out of range
 * fails with LX_ERANGE, a malformed rule with LX_EINVAL. Pure, no
 * allocation, O(1). 'cal' may be NULL for minutes and hours only.
 */
lx_rc lx_cal_deadline(const struct lx_cal *cal, int64_t start_ms,
                      const struct lx_cal_rule *rule, struct lx_cal_result *out,
                      struct lx_err *err);

/*
 * The same, but never refuses for lack of data: an unknown day is taken
 * to be a working day (for the daemon's conservative fallback, see the top
 * of this header) and out->flags gets LX_CAL_RESULT_FALLBACK with
 * out->fallback_year. Bad rules still fail.
 */
lx_rc lx_cal_deadline_fallback(const struct lx_cal *cal, int64_t start_ms,
                               const struct lx_cal_rule *rule,
                               struct lx_cal_result *out, struct lx_err *err);

#endif /* LX_CAL_H */
