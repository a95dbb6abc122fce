/*
 * test_cal — the calendar engine: CSV loading, day status, every rule,
 * strict and fallback modes, and a brute-force cross-check of the O(1)
 * working-day arithmetic against a day-by-day walk.
 */
#include "base/asset.h"
#include "base/err.h"
#include "base/time.h"
#include "cal/cal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define ASSET "data/cn-holidays/cn-holidays-2020-2026.csv"
#define HDR "date,kind,name_cn,name_en,schedule_year\n"

static struct lx_cal *
load_embedded(void)
{
    const struct lx_asset *a = lx_asset_find(ASSET);
    struct lx_cal *cal = NULL;
    struct lx_err err = {0};

    assert_non_null(a);
    assert_int_equal(lx_cal_load((const char *)a->data, a->len, &cal, &err),
                     LX_OK);
    assert_non_null(cal);
    return cal;
}

static int64_t
day_of(const char *ymd)
{
    int64_t d = 0;
    struct lx_err err = {0};

    assert_int_equal(lx_date_parse(ymd, strlen(ymd), &d, &err), LX_OK);
    return d;
}

static int64_t
instant(const char *iso)
{
    int64_t ms = 0;
    struct lx_err err = {0};

    assert_int_equal(lx_time_parse_iso(iso, strlen(iso), &ms, NULL, &err),
                     LX_OK);
    return ms;
}

/* ---- CSV loading --------------------------------------------------------- */

struct csv_case {
    const char *name;
    const char *csv;
    lx_rc rc;
    const char *detail; /* substring of the error detail, or NULL */
};

static const struct csv_case csv_cases[] = {
    {"minimal", HDR "2026-01-01,holiday,a,b,2026\n", LX_OK, NULL},
    {"columns in another order, extra column",
     "schedule_year,note,kind,date\n2026,x,holiday,2026-01-01\n", LX_OK, NULL},
    {"BOM, CRLF, comments, blank lines, quoted fields",
     "\xEF\xBB\xBF# a comment\r\n" HDR "\r\n"
     "\"2026-01-01\",\"holiday\",\"元旦\",\"New Year's Day, \"\"1st\"\"\","
     "2026\r\n# another\r\n2026-01-04,workday,x,y,2026",
     LX_OK, NULL},
    {"row of the next year's schedule outside the loaded years",
     HDR "2022-12-31,holiday,a,b,2023\n2023-01-02,holiday,a,b,2023\n", LX_OK,
     NULL},
    {"empty input", "", LX_EINVAL, "no header row"},
    {"header only", HDR, LX_EINVAL, "no rows"},
    {"header without schedule_year", "date,kind\n2026-01-01,holiday\n",
     LX_EINVAL, "line 1: header lacks column schedule_year"},
    {"header without kind", "date,schedule_year\n", LX_EINVAL,
     "line 1: header lacks column kind"},
    {"header without date", "kind,schedule_year\n", LX_EINVAL,
     "line 1: header lacks column date"},
    {"impossible date",
     HDR "2026-01-01,holiday,a,b,2026\n"
         "2026-02-30,holiday,a,b,2026\n",
     LX_EINVAL, "line 3: date is not a valid"},
    {"date with trailing text", HDR "2026-01-01x,holiday,a,b,2026\n", LX_EINVAL,
     "line 2: date is not a valid"},
    {"unknown kind",
     HDR "2026-01-01,holiday,a,b,2026\n"
         "2026-01-02,Holiday,a,b,2026\n",
     LX_EINVAL, "line 3: kind must be holiday or workday"},
    {"make-up workday on a weekday", HDR "2026-01-05,workday,a,b,2026\n",
     LX_EINVAL, "line 2: workday is not a Saturday or Sunday"},
    {"duplicate date",
     HDR "# c\n2026-01-01,holiday,a,b,2026\n"
         "2026-01-02,holiday,a,b,2026\n"
         "2026-01-01,holiday,a,b,2026\n",
     LX_EINVAL, "line 5: date already given on line 3"},
    {"schedule years with a gap",
     HDR "2024-01-01,holiday,a,b,2024\n"
         "2026-01-01,holiday,a,b,2026\n",
     LX_EINVAL, "no schedule for 2025 between 2024 and 2026"},
    {"schedule_year not a year", HDR "2026-01-01,holiday,a,b,26\n", LX_EINVAL,
     "line 2: schedule_year"},
    {"date far from its schedule_year", HDR "2026-01-01,holiday,a,b,2024\n",
     LX_EINVAL, "line 2: date is more than a year away"},
    {"too few fields", HDR "2026-01-01,holiday\n", LX_EINVAL,
     "line 2: 2 fields, want at least 5"},
    {"unterminated quote", HDR "2026-01-01,\"holiday,a,b,2026\n", LX_EINVAL,
     "line 2: unterminated quoted field"},
    {"text after a closing quote", HDR "2026-01-01,\"holiday\"x,a,b,2026\n",
     LX_EINVAL, "line 2: unterminated quoted field"},
    {"NUL byte", HDR "2026-01-01,holi\0day,a,b,2026\n", LX_EINVAL,
     "line 2: contains a NUL byte"},
    {"too many fields",
     HDR "2026-01-01,holiday,a,b,2026,,,,,,,,,,,,,,,,,,,,"
         ",,,,,,,,,,,,,\n",
     LX_EINVAL, "line 2: more than 32 fields"},
    {"span too wide",
     HDR "1960-01-01,holiday,a,b,1960\n"
         "2030-01-01,holiday,a,b,2030\n",
     LX_EINVAL, "spans more than 64"},
};

static size_t
csv_len(const struct csv_case *c)
{
    /* The NUL-byte case needs its length from the literal, not strlen. */
    if (strcmp(c->name, "NUL byte") == 0) {
        return sizeof(HDR "2026-01-01,holi\0day,a,b,2026\n") - 1;
    }
    return strlen(c->csv);
}

static void
test_csv_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(csv_cases) / sizeof(csv_cases[0]); i++) {
        const struct csv_case *c = &csv_cases[i];
        struct lx_cal *cal = NULL;
        struct lx_err err = {0};
        lx_rc rc = lx_cal_load(c->csv, csv_len(c), &cal, &err);

        if (rc != c->rc) {
            fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc,
                     lx_err_message(&err));
        }
        if (c->rc == LX_OK) {
            assert_non_null(cal);
        } else {
            assert_null(cal);
            if (strstr(err.detail, c->detail) == NULL) {
                fail_msg("%s: detail '%s' lacks '%s'", c->name, err.detail,
                         c->detail);
            }
        }
        lx_cal_free(cal);
    }
}

static void
test_csv_too_big(void **state)
{
    struct lx_cal *cal = NULL;
    struct lx_err err = {0};

    (void)state;
    assert_int_equal(lx_cal_load("", LX_CAL_MAX_CSV_BYTES + 1, &cal, &err),
                     LX_ETOOBIG);
    assert_null(cal);
}

static void
test_csv_quoted_and_ignored_rows(void **state)
{
    struct lx_cal *cal = NULL;
    struct lx_err err = {0};
    const char *csv = csv_cases[3].csv; /* 2022-12-31 row of 2023 */
    int first, last;

    (void)state;
    assert_int_equal(lx_cal_load(csv, strlen(csv), &cal, &err), LX_OK);
    lx_cal_years(cal, &first, &last);
    assert_int_equal(first, 2023);
    assert_int_equal(last, 2023);
    assert_int_equal(lx_cal_day_status(cal, day_of("2022-12-31")),
                     LX_CAL_DAY_UNKNOWN);
    assert_int_equal(lx_cal_day_status(cal, day_of("2023-01-02")),
                     LX_CAL_DAY_HOLIDAY);
    lx_cal_free(cal);

    csv = csv_cases[2].csv; /* BOM, CRLF, quotes */
    assert_int_equal(lx_cal_load(csv, strlen(csv), &cal, &err), LX_OK);
    assert_int_equal(lx_cal_day_status(cal, day_of("2026-01-01")),
                     LX_CAL_DAY_HOLIDAY);
    assert_int_equal(lx_cal_day_status(cal, day_of("2026-01-04")),
                     LX_CAL_DAY_MAKEUP);
    lx_cal_free(cal);
}

/* ---- day status on the real schedule --------------------------------------
 */

static void
test_day_status(void **state)
{
    static const struct {
        const char *day;
        enum lx_cal_day want;
    } t[] = {
        {"2019-12-31", LX_CAL_DAY_UNKNOWN},
        {"2020-01-01", LX_CAL_DAY_HOLIDAY},
        {"2020-02-02", LX_CAL_DAY_HOLIDAY}, /* the 2020 extension */
        {"2022-12-31", LX_CAL_DAY_HOLIDAY}, /* of the 2023 schedule */
        {"2025-01-26", LX_CAL_DAY_MAKEUP},  /* Sunday worked */
        {"2025-01-25", LX_CAL_DAY_WEEKEND},
        {"2025-01-27", LX_CAL_DAY_WORKDAY},
        {"2025-01-28", LX_CAL_DAY_HOLIDAY},
        {"2025-02-08", LX_CAL_DAY_MAKEUP}, /* Saturday worked */
        {"2025-10-08", LX_CAL_DAY_HOLIDAY},
        {"2025-10-11", LX_CAL_DAY_MAKEUP},
        {"2026-01-04", LX_CAL_DAY_MAKEUP},
        {"2026-02-14", LX_CAL_DAY_MAKEUP},
        {"2026-02-15", LX_CAL_DAY_HOLIDAY}, /* Sunday, holiday */
        {"2026-02-23", LX_CAL_DAY_HOLIDAY},
        {"2026-02-24", LX_CAL_DAY_WORKDAY},
        {"2026-02-28", LX_CAL_DAY_MAKEUP},
        {"2026-03-01", LX_CAL_DAY_WEEKEND},
        {"2026-12-31", LX_CAL_DAY_WORKDAY},
        {"2027-01-01", LX_CAL_DAY_UNKNOWN},
    };
    struct lx_cal *cal = load_embedded();
    int first, last;

    (void)state;
    lx_cal_years(cal, &first, &last);
    assert_int_equal(first, 2020);
    assert_int_equal(last, 2026);
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (lx_cal_day_status(cal, day_of(t[i].day)) != t[i].want) {
            fail_msg("%s: status %d, want %d", t[i].day,
                     lx_cal_day_status(cal, day_of(t[i].day)), t[i].want);
        }
    }
    assert_int_equal(lx_cal_day_status(NULL, day_of("2026-01-01")),
                     LX_CAL_DAY_UNKNOWN);
    lx_cal_free(cal);
}

/* ---- rules ----------------------------------------------------------------
 */

static const struct lx_cal_special night_none = {.night_start_min = 0,
                                                 .night_end_min = 0,
                                                 .rest_days_special = true,
                                                 .normal_min = 30,
                                                 .special_min = 120};
static const struct lx_cal_special custom = {.night_start_min = 19 * 60,
                                             .night_end_min = 7 * 60,
                                             .rest_days_special = false,
                                             .normal_min = 15,
                                             .special_min = 60};
static const struct lx_cal_special bad_night = {.night_start_min = 1440,
                                                .night_end_min = 0,
                                                .rest_days_special = true,
                                                .normal_min = 30,
                                                .special_min = 120};
static const struct lx_cal_special bad_minutes = {.night_start_min = 0,
                                                  .night_end_min = 0,
                                                  .rest_days_special = true,
                                                  .normal_min = 0,
                                                  .special_min = 120};

struct rule_case {
    const char *from;
    enum lx_cal_kind kind;
    int64_t count;
    int close_min;
    const struct lx_cal_special *special;
    bool fallback;    /* use lx_cal_deadline_fallback */
    const char *want; /* deadline at +08:00, or NULL for an error */
    lx_rc rc;         /* the error when want is NULL */
    unsigned flags;   /* result flags when want is set */
    int fallback_year;
};

#define SP LX_CAL_RESULT_SPECIAL
#define FB LX_CAL_RESULT_FALLBACK

static const struct rule_case rule_cases[] = {
    /* natural time */
    {"2026-02-13T18:00:00+08:00", LX_CAL_MINUTES, 30, 0, NULL, false,
     "2026-02-13T18:30:00+08:00", LX_OK, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_HOURS, 240, 0, NULL, false,
     "2026-02-23T18:00:00+08:00", LX_OK, 0, 0},
    {"2030-01-01T00:00:00Z", LX_CAL_HOURS, 1, 0, NULL, false,
     "2030-01-01T09:00:00+08:00", LX_OK, 0, 0},
    {"9999-12-31T23:00:00+08:00", LX_CAL_MINUTES, 59, 0, NULL, false,
     "9999-12-31T23:59:00+08:00", LX_OK, 0, 0},
    {"9999-12-31T23:00:00+08:00", LX_CAL_HOURS, 1, 0, NULL, false, NULL,
     LX_ERANGE, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_MINUTES, 0, 0, NULL, false, NULL,
     LX_ERANGE, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_MINUTES, -5, 0, NULL, false, NULL,
     LX_ERANGE, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_MINUTES, LX_CAL_MAX_MINUTES + 1, 0,
     NULL, false, NULL, LX_ERANGE, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_HOURS, 1, 17 * 60, NULL, false, NULL,
     LX_EINVAL, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_RULE_NONE, 1, 0, NULL, false, NULL,
     LX_EINVAL, 0, 0},
    /* working days, strict */
    {"2026-02-13T18:00:00+08:00", LX_CAL_WORKING_DAYS, 1, 0, NULL, false,
     "2026-02-14T23:59:59+08:00", LX_OK, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_WORKING_DAYS, 2, 0, NULL, false,
     "2026-02-24T23:59:59+08:00", LX_OK, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_WORKING_DAYS, 2, 17 * 60 + 30, NULL,
     false, "2026-02-24T17:30:00+08:00", LX_OK, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_WORKING_DAYS, 2, 1440, NULL, false,
     NULL, LX_EINVAL, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_WORKING_DAYS, 0, 0, NULL, false, NULL,
     LX_ERANGE, 0, 0},
    {"2026-02-13T18:00:00+08:00", LX_CAL_WORKING_DAYS,
     LX_CAL_MAX_WORKING_DAYS + 1, 0, NULL, false, NULL, LX_ERANGE, 0, 0},
    {"2025-09-26T17:00:00+08:00", LX_CAL_WORKING_DAYS, 6, 0, NULL, false,
     "2025-10-11T23:59:59+08:00", LX_OK, 0, 0},
    {"2025-01-25T16:00:00Z", LX_CAL_WORKING_DAYS, 1, 0, NULL, false,
     "2025-01-27T23:59:59+08:00", LX_OK, 0, 0},
    {"2020-01-01T00:00:00+08:00", LX_CAL_WORKING_DAYS, 1, 0, NULL, false,
     "2020-01-02T23:59:59+08:00", LX_OK, 0, 0},
    {"2019-12-31T23:59:59+08:00", LX_CAL_WORKING_DAYS, 1, 0, NULL, false, NULL,
     LX_ERANGE, 0, 0},
    {"2026-12-31T10:00:00+08:00", LX_CAL_WORKING_DAYS, 1, 0, NULL, false, NULL,
     LX_ERANGE, 0, 0},
    /* working days, fallback: unknown days are working days */
    {"2026-12-30T10:00:00+08:00", LX_CAL_WORKING_DAYS, 1, 0, NULL, true,
     "2026-12-31T23:59:59+08:00", LX_OK, 0, 0},
    {"2026-12-31T10:00:00+08:00", LX_CAL_WORKING_DAYS, 1, 0, NULL, true,
     "2027-01-01T23:59:59+08:00", LX_OK, FB, 2027},
    {"2026-12-31T10:00:00+08:00", LX_CAL_WORKING_DAYS, 3, 0, NULL, true,
     "2027-01-03T23:59:59+08:00", LX_OK, FB, 2027},
    {"2027-06-01T10:00:00+08:00", LX_CAL_WORKING_DAYS, 2, 0, NULL, true,
     "2027-06-03T23:59:59+08:00", LX_OK, FB, 2027},
    /* 2019-12-30, 12-31 taken as working; 2020-01-01 holiday; 01-02 */
    {"2019-12-29T10:00:00+08:00", LX_CAL_WORKING_DAYS, 2, 0, NULL, true,
     "2019-12-31T23:59:59+08:00", LX_OK, FB, 2019},
    {"2019-12-29T10:00:00+08:00", LX_CAL_WORKING_DAYS, 3, 0, NULL, true,
     "2020-01-02T23:59:59+08:00", LX_OK, FB, 2019},
    {"2019-12-31T10:00:00+08:00", LX_CAL_WORKING_DAYS, 1, 0, NULL, true,
     "2020-01-02T23:59:59+08:00", LX_OK, FB, 2019},
    /* first response, default special periods */
    {"2026-03-04T10:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, NULL, false,
     "2026-03-04T10:30:00+08:00", LX_OK, 0, 0},
    {"2026-03-04T22:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, NULL, false,
     "2026-03-05T00:00:00+08:00", LX_OK, SP, 0},
    {"2026-03-05T08:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, NULL, false,
     "2026-03-05T08:30:00+08:00", LX_OK, 0, 0},
    {"2026-03-05T07:59:59.999+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, NULL, false,
     "2026-03-05T09:59:59+08:00", LX_OK, SP, 0},
    {"2026-02-14T10:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, NULL, false,
     "2026-02-14T10:30:00+08:00", LX_OK, 0, 0},
    {"2026-02-16T10:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, NULL, false,
     "2026-02-16T12:00:00+08:00", LX_OK, SP, 0},
    {"2027-01-04T10:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, NULL, false,
     NULL, LX_ERANGE, 0, 0},
    {"2027-01-04T10:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, NULL, true,
     "2027-01-04T10:30:00+08:00", LX_OK, FB, 2027},
    {"2027-01-04T23:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, NULL, true,
     "2027-01-05T01:00:00+08:00", LX_OK, FB | SP, 2027},
    /* first response, non-default configurations */
    {"2026-03-04T23:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, &night_none,
     false, "2026-03-04T23:30:00+08:00", LX_OK, 0, 0},
    {"2026-03-07T10:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, &night_none,
     false, "2026-03-07T12:00:00+08:00", LX_OK, SP, 0},
    {"2026-03-07T10:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, &custom, false,
     "2026-03-07T10:15:00+08:00", LX_OK, 0, 0},
    {"2026-03-04T19:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, &custom, false,
     "2026-03-04T20:00:00+08:00", LX_OK, SP, 0},
    {"2026-03-04T06:59:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, &custom, false,
     "2026-03-04T07:59:00+08:00", LX_OK, SP, 0},
    {"2026-03-04T07:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, &custom, false,
     "2026-03-04T07:15:00+08:00", LX_OK, 0, 0},
    /* rest days not special: no calendar needed, any year */
    {"2031-03-04T12:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, &custom, false,
     "2031-03-04T12:15:00+08:00", LX_OK, 0, 0},
    {"2026-03-04T10:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, &bad_night,
     false, NULL, LX_EINVAL, 0, 0},
    {"2026-03-04T10:00:00+08:00", LX_CAL_FIRST_RESPONSE, 0, 0, &bad_minutes,
     false, NULL, LX_EINVAL, 0, 0},
};

static void
test_rules(void **state)
{
    struct lx_cal *cal = load_embedded();

    (void)state;
    for (size_t i = 0; i < sizeof(rule_cases) / sizeof(rule_cases[0]); i++) {
        const struct rule_case *c = &rule_cases[i];
        struct lx_cal_rule rule = {.kind = c->kind,
                                   .count = c->count,
                                   .close_min = c->close_min,
                                   .special = c->special};
        struct lx_cal_result res;
        struct lx_err err = {0};
        char got[40];
        lx_rc rc;

        memset(&res, 0xA5, sizeof(res));
        rc = c->fallback
                 ? lx_cal_deadline_fallback(cal, instant(c->from), &rule, &res,
                                            &err)
                 : lx_cal_deadline(cal, instant(c->from), &rule, &res, &err);
        if (c->want == NULL) {
            if (rc != c->rc) {
                fail_msg("case %zu (%s): rc %d, want %d", i, c->from, rc,
                         c->rc);
            }
            continue;
        }
        if (rc != LX_OK) {
            fail_msg("case %zu (%s): rc %d: %s", i, c->from, rc,
                     lx_err_message(&err));
        }
        lx_time_format_cn(res.deadline_ms, got, sizeof(got));
        if (strcmp(got, c->want) != 0 || res.flags != c->flags ||
            (c->flags & FB && res.fallback_year != c->fallback_year)) {
            fail_msg("case %zu (%s): got %s flags %u year %d, want %s flags "
                     "%u year %d",
                     i, c->from, got, res.flags, res.fallback_year, c->want,
                     c->flags, c->fallback_year);
        }
    }
    lx_cal_free(cal);
}

static void
test_strict_error_names_year(void **state)
{
    struct lx_cal *cal = load_embedded();
    struct lx_cal_rule rule = {.kind = LX_CAL_WORKING_DAYS, .count = 2};
    struct lx_cal_result res;
    struct lx_err err = {0};

    (void)state;
    assert_int_equal(lx_cal_deadline(cal, instant("2026-12-30T10:00:00Z"),
                                     &rule, &res, &err),
                     LX_ERANGE);
    assert_string_equal(err.detail, "no holiday schedule loaded for 2027");
    lx_err_clear(&err);
    assert_int_equal(lx_cal_deadline(cal, instant("2019-06-03T10:00:00Z"),
                                     &rule, &res, &err),
                     LX_ERANGE);
    assert_string_equal(err.detail, "no holiday schedule loaded for 2019");
    lx_cal_free(cal);
}

static void
test_no_calendar(void **state)
{
    struct lx_cal_rule rule = {.kind = LX_CAL_MINUTES, .count = 5};
    struct lx_cal_result res;
    struct lx_err err = {0};

    (void)state;
    assert_int_equal(lx_cal_deadline(NULL, 0, &rule, &res, &err), LX_OK);
    assert_int_equal(res.deadline_ms, 5 * 60000);
    rule.kind = LX_CAL_WORKING_DAYS;
    assert_int_equal(lx_cal_deadline(NULL, 0, &rule, &res, &err), LX_EINVAL);
}

/*
 * The O(1) arithmetic against a day-by-day walk: every start day of the
 * loaded years (plus some outside, in fallback mode), N = 1..40.
 */
static void
test_working_days_brute_force(void **state)
{
    struct lx_cal *cal = load_embedded();
    int64_t lo = day_of("2019-11-01"), hi = day_of("2027-02-01");
    int64_t known_lo = day_of("2020-01-01"), known_hi = day_of("2027-01-01");

    (void)state;
    for (int64_t d = lo; d < hi; d++) {
        for (int64_t n = 1; n <= 40; n++) {
            struct lx_cal_rule rule = {.kind = LX_CAL_WORKING_DAYS, .count = n};
            struct lx_cal_result res, sres;
            struct lx_err err = {0};
            int64_t e = d, left = n,
                    start =
                        d * LX_MS_PER_DAY - 8 * 3600000 + (d % 86400) * 1000;
            bool unknown = d < known_lo || d >= known_hi;
            lx_rc src;

            while (left > 0) {
                enum lx_cal_day s = lx_cal_day_status(cal, ++e);
                if (s == LX_CAL_DAY_UNKNOWN) {
                    unknown = true;
                }
                if (s == LX_CAL_DAY_UNKNOWN || s == LX_CAL_DAY_WORKDAY ||
                    s == LX_CAL_DAY_MAKEUP) {
                    left--;
                }
            }
            assert_int_equal(
                lx_cal_deadline_fallback(cal, start, &rule, &res, &err), LX_OK);
            assert_int_equal(res.deadline_ms,
                             (e + 1) * LX_MS_PER_DAY - 1 - 8 * 3600000);
            assert_int_equal((res.flags & FB) != 0, unknown);
            src = lx_cal_deadline(cal, start, &rule, &sres, &err);
            if (unknown) {
                assert_int_equal(src, LX_ERANGE);
            } else {
                assert_int_equal(src, LX_OK);
                assert_int_equal(sres.deadline_ms, res.deadline_ms);
                assert_int_equal(sres.flags, 0);
            }
        }
    }
    lx_cal_free(cal);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_table),
        cmocka_unit_test(test_csv_too_big),
        cmocka_unit_test(test_csv_quoted_and_ignored_rows),
        cmocka_unit_test(test_day_status),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_strict_error_names_year),
        cmocka_unit_test(test_no_calendar),
        cmocka_unit_test(test_working_days_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
