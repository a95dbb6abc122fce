/*
 * cal — loading the holiday schedule and computing deadlines (see cal.h).
 *
 * The day table covers the civil days of the loaded schedule years,
 * [first_year-01-01, last_year-12-31], indexed from 0. Beside the status of
 * each day it keeps two precomputed arrays, so that a working-day deadline
 * is two array reads and no loop:
 *   prefix[i] = number of working days among table days [0, i)
 *   nth[k]    = table index of the k-th working day (0-based)
 * Days outside the table are "unknown"; the fallback mode counts each of
 * them as a working day, which extends prefix[] linearly on both sides.
 */
#include "cal/cal.h"

#include "base/mem.h"
#include "base/time.h"

#include <stdlib.h>
#include <string.h>

#define CN_OFFSET_MS ((int64_t)LX_CN_OFFSET_MIN * 60000)
#define MS_PER_MIN INT64_C(60000)
/* lx_days_from_civil(1, 1, 1) and lx_days_from_civil(10000, 1, 1): the
 * instants we handle have a Beijing date in years 1..9999 (base/time.h). */
#define FIRST_DAY INT64_C(-719162)
#define END_DAY INT64_C(2932897)
#define MAX_FIELDS 32
#define MIN_SCHEDULE_YEAR 1900
#define MAX_SCHEDULE_YEAR 9998

struct lx_cal {
    int first_year;
    int last_year;
    int64_t first_day; /* day number of first_year-01-01 */
    int32_t ndays;     /* days in the table */
    int32_t nwork;     /* working days in the table */
    uint8_t *status;   /* ndays x enum lx_cal_day */
    int32_t *prefix;   /* ndays + 1 */
    int32_t *nth;      /* nwork */
};

/* ---- CSV ----------------------------------------------------------------- */

struct field {
    const char *p;
    size_t n;
};

struct row {
    int64_t day;
    int schedule_year;
    int line;
    bool holiday; /* else a make-up workday */
};

static bool
field_is(const struct field *f, const char *s)
{
    size_t n = strlen(s);
    return f->n == n && memcmp(f->p, s, n) == 0;
}

/*
 * Split one line (no newline) into fields. A field may be "quoted", with
 * "" for a quote inside; the span between the quotes is returned as is.
 * Returns the number of fields, or -1 for an unterminated quote, -2 for
 * too many fields.
 */
static int
split_line(const char *p, size_t n, struct field *out)
{
    size_t i = 0;
    int nf = 0;

    for (;;) {
        struct field f;

        if (nf == MAX_FIELDS) {
            return -2;
        }
        if (i < n && p[i] == '"') {
            size_t start = ++i;
            for (;;) {
                if (i >= n) {
                    return -1;
                }
                if (p[i] == '"') {
                    if (i + 1 < n && p[i + 1] == '"') {
                        i += 2;
                        continue;
                    }
                    break;
                }
                i++;
            }
            f.p = p + start;
            f.n = i - start;
            i++; /* the closing quote */
            if (i < n && p[i] != ',') {
                return -1;
            }
        } else {
            size_t start = i;
            while (i < n && p[i] != ',') {
                i++;
            }
            f.p = p + start;
            f.n = i - start;
        }
        out[nf++] = f;
        if (i >= n) {
            return nf;
        }
        i++; /* the comma */
    }
}

static bool
parse_year(const struct field *f, int *out)
{
    int y = 0;

    if (f->n != 4) {
        return false;
    }
    for (size_t i = 0; i < 4; i++) {
        if (f->p[i] < '0' || f->p[i] > '9') {
            return false;
        }
        y = y * 10 + (f->p[i] - '0');
    }
    if (y < MIN_SCHEDULE_YEAR || y > MAX_SCHEDULE_YEAR) {
        return false;
    }
    *out = y;
    return true;
}

static int
year_of_day(int64_t days)
{
    int y, m, d;

    lx_civil_from_days(days, &y, &m, &d);
    return y;
}

/* Columns found in the header row. */
struct columns {
    int date;
    int kind;
    int year;
    int need; /* fields a row must have */
};

static lx_rc
parse_header(const struct field *f, int nf, int line, struct columns *c,
             struct lx_err *err)
{
    c->date = c->kind = c->year = -1;
    for (int i = 0; i < nf; i++) {
        if (field_is(&f[i], "date")) {
            c->date = i;
        } else if (field_is(&f[i], "kind")) {
            c->kind = i;
        } else if (field_is(&f[i], "schedule_year")) {
            c->year = i;
        }
    }
    if (c->date < 0) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar line %d: header lacks column date", line);
    }
    if (c->kind < 0) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar line %d: header lacks column kind", line);
    }
    if (c->year < 0) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar line %d: header lacks column "
                          "schedule_year",
                          line);
    }
    c->need = c->date;
    c->need = c->kind > c->need ? c->kind : c->need;
    c->need = c->year > c->need ? c->year : c->need;
    c->need++;
    return LX_OK;
}

static lx_rc
parse_row(const struct field *f, int nf, int line, const struct columns *c,
          struct row *r, struct lx_err *err)
{
    struct lx_err derr = {0};
    int y, m, d;

    if (nf < c->need) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar line %d: %d fields, want at least %d", line,
                          nf, c->need);
    }
    if (lx_date_parse(f[c->date].p, f[c->date].n, &r->day, &derr) != LX_OK) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar line %d: date is not a valid YYYY-MM-DD",
                          line);
    }
    if (field_is(&f[c->kind], "holiday")) {
        r->holiday = true;
    } else if (field_is(&f[c->kind], "workday")) {
        r->holiday = false;
    } else {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar line %d: kind must be holiday or workday",
                          line);
    }
    if (!parse_year(&f[c->year], &r->schedule_year)) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar line %d: schedule_year is not a year "
                          "from %d to %d",
                          line, MIN_SCHEDULE_YEAR, MAX_SCHEDULE_YEAR);
    }
    lx_civil_from_days(r->day, &y, &m, &d);
    if (y < r->schedule_year - 1 || y > r->schedule_year + 1) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar line %d: date is more than a year away "
                          "from schedule_year",
                          line);
    }
    if (!r->holiday && lx_weekday(r->day) < 6) {
        /* A make-up workday on a weekday changes nothing: bad data. */
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar line %d: workday is not a Saturday or "
                          "Sunday",
                          line);
    }
    r->line = line;
    return LX_OK;
}

/* Parse every data row of the CSV into rows (capacity: its line count). */
static lx_rc
parse_csv(const char *csv, size_t len, struct row *rows, size_t *nrows,
          struct lx_err *err)
{
    struct field f[MAX_FIELDS];
    struct columns cols = {0};
    bool have_header = false;
    size_t pos = 0;
    int line = 0;

    *nrows = 0;
    if (len >= 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3;
    }
    while (pos < len) {
        const char *nl = memchr(csv + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - csv) : len;
        size_t n = end - pos;
        const char *p = csv + pos;
        int nf;
        lx_rc rc;

        line++;
        pos = end + 1;
        if (n > 0 && p[n - 1] == '\r') {
            n--;
        }
        if (memchr(p, '\0', n) != NULL) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "calendar line %d: contains a NUL byte", line);
        }
        if (n == 0 || p[0] == '#') {
            continue;
        }
        nf = split_line(p, n, f);
        if (nf == -1) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "calendar line %d: unterminated quoted field",
                              line);
        }
        if (nf == -2) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "calendar line %d: more than %d fields", line,
                              MAX_FIELDS);
        }
        if (!have_header) {
            rc = parse_header(f, nf, line, &cols, err);
            if (rc != LX_OK) {
                return rc;
            }
            have_header = true;
            continue;
        }
        rc = parse_row(f, nf, line, &cols, &rows[*nrows], err);
        if (rc != LX_OK) {
            return rc;
        }
        (*nrows)++;
    }
    if (!have_header) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar has no header row (date,kind,...)");
    }
    if (*nrows == 0) {
        return lx_err_set(err, LX_EINVAL, NULL, "calendar has no rows");
    }
    return LX_OK;
}

/* ---- the day table ------------------------------------------------------- */

static lx_rc
year_range(const struct row *rows, size_t nrows, int *first, int *last,
           struct lx_err *err)
{
    uint64_t seen = 0;
    int lo = rows[0].schedule_year, hi = lo;

    for (size_t i = 1; i < nrows; i++) {
        lo = rows[i].schedule_year < lo ? rows[i].schedule_year : lo;
        hi = rows[i].schedule_year > hi ? rows[i].schedule_year : hi;
    }
    if (hi - lo >= LX_CAL_MAX_YEARS) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "calendar spans more than %d schedule years",
                          LX_CAL_MAX_YEARS);
    }
    for (size_t i = 0; i < nrows; i++) {
        seen |= UINT64_C(1) << (rows[i].schedule_year - lo);
    }
    for (int y = lo; y <= hi; y++) {
        if (!(seen & (UINT64_C(1) << (y - lo)))) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "calendar has no schedule for %d between %d "
                              "and %d",
                              y, lo, hi);
        }
    }
    *first = lo;
    *last = hi;
    return LX_OK;
}

static bool
is_working(uint8_t s)
{
    return s == LX_CAL_DAY_WORKDAY || s == LX_CAL_DAY_MAKEUP;
}

lx_rc
lx_cal_load(const char *csv, size_t len, struct lx_cal **out,
            struct lx_err *err)
{
    struct lx_cal *cal = NULL;
    struct row *rows = NULL;
    int32_t *first_line = NULL; /* per table day: line of its row, or 0 */
    size_t nlines = 1, nrows = 0;
    int first = 0, last = 0;
    lx_rc rc;

    *out = NULL;
    if (len > LX_CAL_MAX_CSV_BYTES) {
        return lx_err_set(err, LX_ETOOBIG, NULL,
                          "calendar larger than %zu bytes",
                          LX_CAL_MAX_CSV_BYTES);
    }
    for (size_t i = 0; i < len; i++) {
        nlines += csv[i] == '\n';
    }
    rows = lx_xcalloc(nlines, sizeof(*rows));
    rc = parse_csv(csv, len, rows, &nrows, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = year_range(rows, nrows, &first, &last, err);
    if (rc != LX_OK) {
        goto out;
    }

    cal = lx_xcalloc(1, sizeof(*cal));
    cal->first_year = first;
    cal->last_year = last;
    cal->first_day = lx_days_from_civil(first, 1, 1);
    cal->ndays = (int32_t)(lx_days_from_civil(last + 1, 1, 1) - cal->first_day);
    cal->status = lx_xmalloc((size_t)cal->ndays);
    cal->prefix = lx_xmalloc(((size_t)cal->ndays + 1) * sizeof(int32_t));
    first_line = lx_xcalloc((size_t)cal->ndays, sizeof(int32_t));

    for (int32_t i = 0; i < cal->ndays; i++) {
        cal->status[i] = lx_weekday(cal->first_day + i) >= 6
                             ? LX_CAL_DAY_WEEKEND
                             : LX_CAL_DAY_WORKDAY;
    }
    for (size_t k = 0; k < nrows; k++) {
        int64_t i = rows[k].day - cal->first_day;

        if (i < 0 || i >= cal->ndays) {
            continue; /* its year is not loaded (see cal.h) */
        }
        if (first_line[i] != 0) {
            rc = lx_err_set(err, LX_EINVAL, NULL,
                            "calendar line %d: date already given on line %d",
                            rows[k].line, (int)first_line[i]);
            goto out;
        }
        first_line[i] = rows[k].line;
        cal->status[i] =
            rows[k].holiday ? LX_CAL_DAY_HOLIDAY : LX_CAL_DAY_MAKEUP;
    }

    cal->prefix[0] = 0;
    for (int32_t i = 0; i < cal->ndays; i++) {
        cal->prefix[i + 1] =
            cal->prefix[i] + (is_working(cal->status[i]) ? 1 : 0);
    }
    cal->nwork = cal->prefix[cal->ndays];
    cal->nth = lx_xmalloc(((size_t)cal->nwork + 1) * sizeof(int32_t));
    for (int32_t i = 0, k = 0; i < cal->ndays; i++) {
        if (is_working(cal->status[i])) {
            cal->nth[k++] = i;
        }
    }

    *out = cal;
    cal = NULL;
    rc = LX_OK;

out:
    free(first_line);
    free(rows);
    lx_cal_free(cal);
    return rc;
}

void
lx_cal_free(struct lx_cal *cal)
{
    if (cal == NULL) {
        return;
    }
    free(cal->status);
    free(cal->prefix);
    free(cal->nth);
    free(cal);
}

void
lx_cal_years(const struct lx_cal *cal, int *first, int *last)
{
    *first = cal->first_year;
    *last = cal->last_year;
}

enum lx_cal_day
lx_cal_day_status(const struct lx_cal *cal, int64_t days)
{
    int64_t i;

    if (cal == NULL) {
        return LX_CAL_DAY_UNKNOWN;
    }
    i = days - cal->first_day;
    if (i < 0 || i >= cal->ndays) {
        return LX_CAL_DAY_UNKNOWN;
    }
    return (enum lx_cal_day)cal->status[i];
}

/* ---- deadlines ----------------------------------------------------------- */

/* Floor division of a Beijing-local ms value into a day and ms of day. */
static int64_t
local_day(int64_t local_ms, int64_t *ms_of_day)
{
    int64_t d = local_ms / LX_MS_PER_DAY;
    int64_t r = local_ms % LX_MS_PER_DAY;

    if (r < 0) {
        r += LX_MS_PER_DAY;
        d--;
    }
    if (ms_of_day != NULL) {
        *ms_of_day = r;
    }
    return d;
}

static bool
instant_ok(int64_t ms)
{
    /* Beijing date in years 1..9999; also keeps the sums below in range. */
    return ms >= FIRST_DAY * LX_MS_PER_DAY - CN_OFFSET_MS &&
           ms < END_DAY * LX_MS_PER_DAY - CN_OFFSET_MS;
}

static lx_rc
no_schedule(struct lx_err *err, int year)
{
    return lx_err_set(err, LX_ERANGE, "/from",
                      "no holiday schedule loaded for %d", year);
}

static lx_rc
natural(int64_t start_ms, int64_t count, int64_t max, int64_t unit_ms,
        struct lx_cal_result *out, struct lx_err *err)
{
    if (count < 1 || count > max) {
        return lx_err_set(err, LX_ERANGE, NULL, "count must be from 1 to %lld",
                          (long long)max);
    }
    out->deadline_ms = start_ms + count * unit_ms;
    if (!instant_ok(out->deadline_ms)) {
        return lx_err_set(err, LX_ERANGE, NULL, "deadline after year 9999");
    }
    return LX_OK;
}

/*
 * Working days in table days [0, x), extended outside the table by one per
 * unknown day (the fallback's "every unknown day is a working day").
 */
static int64_t
count_before(const struct lx_cal *cal, int64_t x)
{
    if (x <= 0) {
        return x;
    }
    if (x >= cal->ndays) {
        return (int64_t)cal->nwork + (x - cal->ndays);
    }
    return cal->prefix[x];
}

/* Table index of the working day with 0-based ordinal t (inverse of the
 * above). */
static int64_t
nth_working(const struct lx_cal *cal, int64_t t)
{
    if (t < 0) {
        return t;
    }
    if (t >= cal->nwork) {
        return cal->ndays + (t - cal->nwork);
    }
    return cal->nth[t];
}

static lx_rc
working_days(const struct lx_cal *cal, int64_t start_ms,
             const struct lx_cal_rule *rule, bool strict,
             struct lx_cal_result *out, struct lx_err *err)
{
    int64_t d, i, t, e, end_ms;

    if (rule->count < 1 || rule->count > LX_CAL_MAX_WORKING_DAYS) {
        return lx_err_set(err, LX_ERANGE, NULL,
                          "working days must be from 1 to %lld",
                          (long long)LX_CAL_MAX_WORKING_DAYS);
    }
    if (rule->close_min < 0 || rule->close_min >= 24 * 60) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "close time must be from 00:01 to 23:59");
    }
    if (cal == NULL) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "working days need a holiday calendar");
    }
    d = local_day(start_ms + CN_OFFSET_MS, NULL);
    i = d - cal->first_day;
    /* Art. 201: the start day is not counted; the first day counted is
     * i + 1, so the target is the working day of ordinal
     * count_before(i + 1) + N - 1. */
    t = count_before(cal, i + 1) + rule->count - 1;
    e = nth_working(cal, t);
    if (i < 0 || i >= cal->ndays) {
        if (strict) {
            return no_schedule(err, year_of_day(d));
        }
        out->flags |= LX_CAL_RESULT_FALLBACK;
        out->fallback_year = year_of_day(d);
    } else if (e >= cal->ndays) {
        if (strict) {
            return no_schedule(err, cal->last_year + 1);
        }
        out->flags |= LX_CAL_RESULT_FALLBACK;
        out->fallback_year = cal->last_year + 1;
    }
    end_ms =
        rule->close_min != 0 ? rule->close_min * MS_PER_MIN : LX_MS_PER_DAY - 1;
    if (cal->first_day + e >= END_DAY) {
        return lx_err_set(err, LX_ERANGE, NULL, "deadline after year 9999");
    }
    out->deadline_ms =
        (cal->first_day + e) * LX_MS_PER_DAY + end_ms - CN_OFFSET_MS;
    return LX_OK;
}

static lx_rc
first_response(const struct lx_cal *cal, int64_t start_ms,
               const struct lx_cal_rule *rule, bool strict,
               struct lx_cal_result *out, struct lx_err *err)
{
    static const struct lx_cal_special defaults = LX_CAL_SPECIAL_DEFAULT;
    const struct lx_cal_special *sp = rule->special ? rule->special : &defaults;
    int64_t mod, ns, ne, d;
    bool special = false;

    if (sp->night_start_min < 0 || sp->night_start_min >= 24 * 60 ||
        sp->night_end_min < 0 || sp->night_end_min >= 24 * 60) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "night window must be times from 00:00 to 23:59");
    }
    if (sp->normal_min < 1 || sp->normal_min > 7 * 24 * 60 ||
        sp->special_min < 1 || sp->special_min > 7 * 24 * 60) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "first-response minutes must be from 1 to 10080");
    }
    d = local_day(start_ms + CN_OFFSET_MS, &mod);
    ns = sp->night_start_min * MS_PER_MIN;
    ne = sp->night_end_min * MS_PER_MIN;
    if (ns < ne) {
        special = mod >= ns && mod < ne;
    } else if (ns > ne) {
        special = mod >= ns || mod < ne;
    }
    if (sp->rest_days_special) {
        /* Consulted even at night: in strict mode a day without a schedule
         * is an error whatever the hour, so answers never depend on it. */
        enum lx_cal_day s = lx_cal_day_status(cal, d);
        if (s == LX_CAL_DAY_UNKNOWN) {
            if (strict) {
                return no_schedule(err, year_of_day(d));
            }
            out->flags |= LX_CAL_RESULT_FALLBACK;
            out->fallback_year = year_of_day(d);
        }
        special = special || s == LX_CAL_DAY_WEEKEND || s == LX_CAL_DAY_HOLIDAY;
    }
    if (special) {
        out->flags |= LX_CAL_RESULT_SPECIAL;
    }
    out->deadline_ms =
        start_ms + (special ? sp->special_min : sp->normal_min) * MS_PER_MIN;
    if (!instant_ok(out->deadline_ms)) {
        return lx_err_set(err, LX_ERANGE, NULL, "deadline after year 9999");
    }
    return LX_OK;
}

static lx_rc
deadline(const struct lx_cal *cal, int64_t start_ms,
         const struct lx_cal_rule *rule, bool strict, struct lx_cal_result *out,
         struct lx_err *err)
{
    out->deadline_ms = 0;
    out->flags = 0;
    out->fallback_year = 0;
    if (!instant_ok(start_ms)) {
        return lx_err_set(err, LX_ERANGE, "/from",
                          "start outside the years 0001 to 9999");
    }
    if (rule->kind != LX_CAL_WORKING_DAYS && rule->close_min != 0) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "a close time applies to working days only");
    }
    switch (rule->kind) {
    case LX_CAL_MINUTES:
        return natural(start_ms, rule->count, LX_CAL_MAX_MINUTES, MS_PER_MIN,
                       out, err);
    case LX_CAL_HOURS:
        return natural(start_ms, rule->count, LX_CAL_MAX_HOURS, 60 * MS_PER_MIN,
                       out, err);
    case LX_CAL_WORKING_DAYS:
        return working_days(cal, start_ms, rule, strict, out, err);
    case LX_CAL_FIRST_RESPONSE:
        return first_response(cal, start_ms, rule, strict, out, err);
    case LX_CAL_RULE_NONE:
        break;
    }
    return lx_err_set(err, LX_EINVAL, NULL, "no deadline rule given");
}

lx_rc
lx_cal_deadline(const struct lx_cal *cal, int64_t start_ms,
                const struct lx_cal_rule *rule, struct lx_cal_result *out,
                struct lx_err *err)
{
    return deadline(cal, start_ms, rule, true, out, err);
}

lx_rc
lx_cal_deadline_fallback(const struct lx_cal *cal, int64_t start_ms,
                         const struct lx_cal_rule *rule,
                         struct lx_cal_result *out, struct lx_err *err)
{
    return deadline(cal, start_ms, rule, false, out, err);
}
