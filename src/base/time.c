/* time — civil calendar arithmetic and ISO 8601. */
#include "base/time.h"

#include <stdio.h>
#include <time.h>

int64_t
lx_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

void
lx_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;

    *year = (int)(yoe + era * 400 + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

int
lx_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (4). */
    int64_t w = (days + 3) % 7;

    if (w < 0) {
        w += 7;
    }
    return (int)w + 1;
}

bool
lx_is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int
lx_days_in_month(int year, int month)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (month < 1 || month > 12) {
        return 0;
    }
    if (month == 2 && lx_is_leap_year(year)) {
        return 29;
    }
    return dm[month - 1];
}

bool
lx_date_valid(int year, int month, int day)
{
    return year >= 1 && year <= 9999 && day >= 1 &&
           day <= lx_days_in_month(year, month);
}

/* Read exactly 'width' ASCII digits at s[*i]. */
static bool
digits(const char *s, size_t n, size_t *i, int width, int *out)
{
    int v = 0;

    if (*i + (size_t)width > n) {
        return false;
    }
    for (int k = 0; k < width; k++) {
        char c = s[*i + (size_t)k];
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + (c - '0');
    }
    *i += (size_t)width;
    *out = v;
    return true;
}

static bool
expect(const char *s, size_t n, size_t *i, char c)
{
    if (*i < n && s[*i] == c) {
        (*i)++;
        return true;
    }
    return false;
}

static lx_rc
parse_date_part(const char *s, size_t n, size_t *i, int *y, int *mo, int *d,
                struct lx_err *err)
{
    if (!digits(s, n, i, 4, y) || !expect(s, n, i, '-') ||
        !digits(s, n, i, 2, mo) || !expect(s, n, i, '-') ||
        !digits(s, n, i, 2, d)) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "date is not YYYY-MM-DD (ISO 8601)");
    }
    if (!lx_date_valid(*y, *mo, *d)) {
        return lx_err_set(err, LX_EINVAL, NULL, "no such calendar date");
    }
    return LX_OK;
}

lx_rc
lx_date_parse(const char *s, size_t n, int64_t *out_days, struct lx_err *err)
{
    size_t i = 0;
    int y, mo, d;
    lx_rc rc = parse_date_part(s, n, &i, &y, &mo, &d, err);

    if (rc != LX_OK) {
        return rc;
    }
    if (i != n) {
        return lx_err_set(err, LX_EINVAL, NULL, "trailing characters after date");
    }
    *out_days = lx_days_from_civil(y, mo, d);
    return LX_OK;
}

lx_rc
lx_time_parse_iso(const char *s, size_t n, int64_t *out_ms,
                  int *out_offset_min, struct lx_err *err)
{
    size_t i = 0;
    int y, mo, d, h, mi, sec = 0, ms = 0, oh = 0, om = 0, sign = 1;
    lx_rc rc = parse_date_part(s, n, &i, &y, &mo, &d, err);

    if (rc != LX_OK) {
        return rc;
    }
    if (!expect(s, n, &i, 'T') && !expect(s, n, &i, 't')) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "date-time needs 'T' and a time (ISO 8601)");
    }
    if (!digits(s, n, &i, 2, &h) || !expect(s, n, &i, ':') ||
        !digits(s, n, &i, 2, &mi)) {
        return lx_err_set(err, LX_EINVAL, NULL, "time is not HH:MM[:SS]");
    }
    if (expect(s, n, &i, ':')) {
        if (!digits(s, n, &i, 2, &sec)) {
            return lx_err_set(err, LX_EINVAL, NULL, "seconds are not SS");
        }
        if (expect(s, n, &i, '.') || expect(s, n, &i, ',')) {
            int k = 0;
            size_t start = i;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (k < 3) {
                    ms = ms * 10 + (s[i] - '0');
                    k++;
                }
                i++;
            }
            if (i == start) {
                return lx_err_set(err, LX_EINVAL, NULL, "empty fraction");
            }
            while (k < 3) {
                ms *= 10;
                k++;
            }
        }
    }
    if (h > 23 || mi > 59 || sec > 59) {
        return lx_err_set(err, LX_EINVAL, NULL, "no such time of day");
    }
    if (expect(s, n, &i, 'Z') || expect(s, n, &i, 'z')) {
        oh = 0;
        om = 0;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        sign = s[i] == '-' ? -1 : 1;
        i++;
        if (!digits(s, n, &i, 2, &oh)) {
            return lx_err_set(err, LX_EINVAL, NULL, "offset is not ±HH:MM");
        }
        (void)expect(s, n, &i, ':');
        if (!digits(s, n, &i, 2, &om)) {
            return lx_err_set(err, LX_EINVAL, NULL, "offset is not ±HH:MM");
        }
        if (oh > 23 || om > 59) {
            return lx_err_set(err, LX_EINVAL, NULL, "offset out of range");
        }
    } else {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "time needs an offset (Z or +08:00)");
    }
    if (i != n) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "trailing characters after date-time");
    }
    {
        int off = sign * (oh * 60 + om);
        int64_t days = lx_days_from_civil(y, mo, d);
        int64_t local = ((days * 24 + h) * 60 + mi) * 60 + sec;

        *out_ms = (local - (int64_t)off * 60) * 1000 + ms;
        if (out_offset_min != NULL) {
            *out_offset_min = off;
        }
    }
    return LX_OK;
}

void
lx_time_to_civil(int64_t ms, int offset_min, struct lx_civil *out)
{
    int64_t local = ms + (int64_t)offset_min * 60000;
    int64_t days = local / LX_MS_PER_DAY;
    int64_t rem = local % LX_MS_PER_DAY;

    if (rem < 0) {
        rem += LX_MS_PER_DAY;
        days--;
    }
    lx_civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(rem / 3600000);
    out->minute = (int)(rem / 60000 % 60);
    out->second = (int)(rem / 1000 % 60);
    out->ms = (int)(rem % 1000);
}

size_t
lx_time_format(int64_t ms, int offset_min, bool with_ms, char *out,
               size_t out_size)
{
    struct lx_civil c;
    int off = offset_min < 0 ? -offset_min : offset_min;
    char frac[8] = "";
    int n;

    lx_time_to_civil(ms, offset_min, &c);
    if (with_ms) {
        snprintf(frac, sizeof(frac), ".%03d", c.ms);
    }
    n = snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02d:%02d",
                 c.year, c.month, c.day, c.hour, c.minute, c.second, frac,
                 offset_min < 0 ? '-' : '+', off / 60, off % 60);
    if (n < 0) {
        return 0;
    }
    return (size_t)n < out_size ? (size_t)n : out_size - 1;
}

size_t
lx_time_format_cn(int64_t ms, char *out, size_t out_size)
{
    return lx_time_format(ms, LX_CN_OFFSET_MIN, false, out, out_size);
}

int64_t
lx_time_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
lx_time_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
