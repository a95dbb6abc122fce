/* Unit tests: base/time — ISO 8601 parsing, formatting, civil dates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/time.h"

struct parse_case {
    const char *in;
    lx_rc rc;
    const char *out_cn; /* formatted at +08:00 when rc == LX_OK */
    int offset_min;
};

static const struct parse_case parse_cases[] = {
    {"2026-01-07T10:00:00+08:00", LX_OK, "2026-01-07T10:00:00+08:00", 480},
    {"2026-01-07T10:00+08:00", LX_OK, "2026-01-07T10:00:00+08:00", 480},
    {"2026-01-07T02:00:00Z", LX_OK, "2026-01-07T10:00:00+08:00", 0},
    {"2026-01-07T02:00:00z", LX_OK, "2026-01-07T10:00:00+08:00", 0},
    {"2026-01-06T21:00:00-05:00", LX_OK, "2026-01-07T10:00:00+08:00", -300},
    {"2026-01-07T15:30:00+0530", LX_OK, "2026-01-07T18:00:00+08:00", 330},
    {"2026-01-07T10:00:00.123+08:00", LX_OK, "2026-01-07T10:00:00+08:00", 480},
    {"2026-01-07T10:00:00.999999+08:00", LX_OK, "2026-01-07T10:00:00+08:00", 480},
    {"2024-02-29T00:00:00+08:00", LX_OK, "2024-02-29T00:00:00+08:00", 480},
    {"2026-12-31T23:59:59Z", LX_OK, "2027-01-01T07:59:59+08:00", 0},
    /* impossible dates and times */
    {"2026-02-29T00:00:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-02-30T10:00:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-04-31T10:00:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-13-01T10:00:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-00-10T10:00:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-01-00T10:00:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-01-07T24:00:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-01-07T10:60:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-01-07T10:00:60+08:00", LX_EINVAL, NULL, 0},
    {"1900-02-29T10:00:00+08:00", LX_EINVAL, NULL, 0},
    /* missing or bad offsets */
    {"2026-01-07T10:00", LX_EINVAL, NULL, 0},
    {"2026-01-07T10:00:00", LX_EINVAL, NULL, 0},
    {"2026-01-07T10:00:00+8:00", LX_EINVAL, NULL, 0},
    {"2026-01-07T10:00:00+24:00", LX_EINVAL, NULL, 0},
    {"2026-01-07T10:00:00+08:60", LX_EINVAL, NULL, 0},
    /* shape */
    {"", LX_EINVAL, NULL, 0},
    {"2026-01-07", LX_EINVAL, NULL, 0},
    {"2026-1-7T10:00:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-01-07 10:00:00+08:00", LX_EINVAL, NULL, 0},
    {"2026-01-07T10:00:00+08:00x", LX_EINVAL, NULL, 0},
    {"2026-01-07T10:00:00.+08:00", LX_EINVAL, NULL, 0},
    {"２０２６-01-07T10:00:00+08:00", LX_EINVAL, NULL, 0},
};

static void
test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        struct lx_err err = {0};
        int64_t ms = 0;
        int off = -9999;
        lx_rc rc = lx_time_parse_iso(c->in, strlen(c->in), &ms, &off, &err);

        if (rc != c->rc) {
            fail_msg("case %zu '%s': rc %d, want %d", i, c->in, rc, c->rc);
        }
        if (rc == LX_OK) {
            char out[40];
            lx_time_format_cn(ms, out, sizeof(out));
            assert_string_equal(out, c->out_cn);
            assert_int_equal(off, c->offset_min);
        } else {
            assert_int_equal(err.rc, LX_EINVAL);
            assert_true(err.detail[0] != '\0');
        }
    }
}

static void
test_fraction_ms(void **state)
{
    int64_t a, b;

    (void)state;
    assert_int_equal(lx_time_parse_iso("2026-01-07T10:00:00.5Z", 22, &a, NULL, NULL), LX_OK);
    assert_int_equal(lx_time_parse_iso("2026-01-07T10:00:00Z", 20, &b, NULL, NULL), LX_OK);
    assert_int_equal(a - b, 500);
}

static void
test_civil_roundtrip(void **state)
{
    (void)state;
    /* Every day from 1970 to 2100 converts both ways. */
    for (int64_t d = 0; d < 47847; d++) {
        int y, m, dd;
        lx_civil_from_days(d, &y, &m, &dd);
        assert_true(lx_date_valid(y, m, dd));
        assert_int_equal(lx_days_from_civil(y, m, dd), d);
    }
    assert_int_equal(lx_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(lx_weekday(lx_days_from_civil(2026, 11, 29)), 7); /* Sun */
    assert_int_equal(lx_weekday(lx_days_from_civil(2026, 2, 14)), 6);  /* Sat */
    assert_int_equal(lx_weekday(lx_days_from_civil(1969, 12, 29)), 1); /* Mon */
}

static void
test_format_offsets(void **state)
{
    char out[40];

    (void)state;
    lx_time_format(0, -90, true, out, sizeof(out));
    assert_string_equal(out, "1969-12-31T22:30:00.000-01:30");
    lx_time_format(1234, 0, true, out, sizeof(out));
    assert_string_equal(out, "1970-01-01T00:00:01.234+00:00");
}

static void
test_date_parse(void **state)
{
    int64_t d;

    (void)state;
    assert_int_equal(lx_date_parse("2026-10-01", 10, &d, NULL), LX_OK);
    assert_int_equal(d, lx_days_from_civil(2026, 10, 1));
    assert_int_equal(lx_date_parse("2026-02-30", 10, &d, NULL), LX_EINVAL);
    assert_int_equal(lx_date_parse("2026-10-01T", 11, &d, NULL), LX_EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_fraction_ms),
        cmocka_unit_test(test_civil_roundtrip),
        cmocka_unit_test(test_format_offsets),
        cmocka_unit_test(test_date_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
