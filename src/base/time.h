/*
 * time — civil dates, ISO 8601 with offsets, and the clocks.
 *
 * lexgate keeps instants as int64_t milliseconds since the Unix epoch (UTC),
 * named *_ms. The contract's clocks run in China Standard Time: Asia/Shanghai
 * has been a fixed UTC+08:00 with no daylight saving since 1992 (the last
 * DST was 1991), so +08:00 is a constant here and no tz database is needed
 * for the dates lexgate handles (2020 onwards). Output is always +08:00.
 *
 * Civil-date arithmetic uses Howard Hinnant's days_from_civil algorithm
 * (proleptic Gregorian), which is exact for all int years we accept.
 * Pure and thread-safe, except lx_time_now_ms()/lx_time_mono_ms(), which
 * read the system clocks and must only be called by interfaces (cli/,
 * http/) to fill ctx->now_ms — engines take the clock as an argument.
 */
#ifndef LX_BASE_TIME_H
#define LX_BASE_TIME_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LX_CN_OFFSET_MIN 480 /* +08:00, fixed since 1992 */
#define LX_MS_PER_DAY INT64_C(86400000)

/* A broken-down local time. */
struct lx_civil {
    int year;   /* 1..9999 */
    int month;  /* 1..12 */
    int day;    /* 1..31 */
    int hour;   /* 0..23 */
    int minute; /* 0..59 */
    int second; /* 0..59 (no leap seconds) */
    int ms;     /* 0..999 */
};

/* Days since 1970-01-01 for a proleptic Gregorian date (no validation). */
int64_t lx_days_from_civil(int year, int month, int day);
/* Inverse of lx_days_from_civil. */
void lx_civil_from_days(int64_t days, int *year, int *month, int *day);
/* ISO weekday of a day number: 1 = Monday .. 7 = Sunday. */
int lx_weekday(int64_t days);
bool lx_is_leap_year(int year);
int lx_days_in_month(int year, int month); /* 0 for a bad month */
bool lx_date_valid(int year, int month, int day);

/*
 * Parse an ISO 8601 date-time with a mandatory offset:
 *   YYYY-MM-DDTHH:MM[:SS[.fff…]](Z|±HH:MM|±HHMM)
 * Rejects impossible dates (2026-02-30), out-of-range fields, a missing
 * offset, trailing bytes. Fractions beyond milliseconds are truncated.
 * On success *out_ms is the instant and, if not NULL, *out_offset_min the
 * given offset. On failure returns LX_EINVAL with detail in err.
 */
lx_rc lx_time_parse_iso(const char *s, size_t n, int64_t *out_ms,
                        int *out_offset_min, struct lx_err *err);

/* Parse a calendar date YYYY-MM-DD (validated). *out_days as above. */
lx_rc lx_date_parse(const char *s, size_t n, int64_t *out_days,
                    struct lx_err *err);

/* Local civil time of an instant at a fixed offset. */
void lx_time_to_civil(int64_t ms, int offset_min, struct lx_civil *out);

/*
 * Format an instant at 'offset_min' as "YYYY-MM-DDTHH:MM:SS±HH:MM"
 * (with ".mmm" before the offset when with_ms). 'out' needs 32 bytes.
 * Returns the length written.
 */
size_t lx_time_format(int64_t ms, int offset_min, bool with_ms, char *out,
                      size_t out_size);

/* The same at +08:00, seconds precision. */
size_t lx_time_format_cn(int64_t ms, char *out, size_t out_size);

/* Wall clock (CLOCK_REALTIME) and monotonic clock, in ms. */
int64_t lx_time_now_ms(void);
int64_t lx_time_mono_ms(void);

#endif /* LX_BASE_TIME_H */
