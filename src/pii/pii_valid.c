/* pii_valid — type names, the division-code set and the check-digit
 * validators (GB 11643-1999, Luhn, GB 32100-2015). */
#include "base/mem.h"
#include "base/time.h"
#include "pii/pii_int.h"

#include <stdlib.h>
#include <string.h>

#define REGION_CODES 1000000u

struct lx_pii_regions {
    unsigned char bits[REGION_CODES / 8];
};

static const char *const type_names[LX_PII_TYPE_COUNT_] = {
    [LX_PII_NONE] = "none",
    [LX_PII_CN_ID] = "cn_id",
    [LX_PII_CN_MOBILE] = "cn_mobile",
    [LX_PII_CN_LANDLINE] = "cn_landline",
    [LX_PII_BANK_CARD] = "bank_card",
    [LX_PII_EMAIL] = "email",
    [LX_PII_USCC] = "uscc",
    [LX_PII_PASSPORT] = "passport",
    [LX_PII_HK_MACAO_PERMIT] = "hk_macao_permit",
    [LX_PII_PLATE] = "plate",
    [LX_PII_WECHAT] = "wechat",
    [LX_PII_QQ] = "qq",
    [LX_PII_ADDRESS] = "address",
    [LX_PII_NAME] = "name",
};

const char *
lx_pii_type_name(enum lx_pii_type t)
{
    if ((int)t < 0 || t >= LX_PII_TYPE_COUNT_) {
        return "none";
    }
    return type_names[t];
}

enum lx_pii_type
lx_pii_type_from_name(const char *name)
{
    for (int t = 1; t < (int)LX_PII_TYPE_COUNT_; t++) {
        if (strcmp(type_names[t], name) == 0) {
            return (enum lx_pii_type)t;
        }
    }
    return LX_PII_NONE;
}

struct lx_pii_regions *
lx_pii_regions_new(void)
{
    return lx_xcalloc(1, sizeof(struct lx_pii_regions));
}

void
lx_pii_regions_free(struct lx_pii_regions *r)
{
    free(r);
}

bool
lx_pii_regions_has(const struct lx_pii_regions *r, uint32_t code)
{
    if (r == NULL || code >= REGION_CODES) {
        return false;
    }
    return (r->bits[code >> 3] >> (code & 7)) & 1u;
}

static bool
six_digits(const char *p, size_t n, uint32_t *code)
{
    uint32_t v = 0;

    if (n != 6) {
        return false;
    }
    for (size_t i = 0; i < 6; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
        v = v * 10 + (uint32_t)(p[i] - '0');
    }
    *code = v;
    return true;
}

lx_rc
lx_pii_regions_add_csv(struct lx_pii_regions *r, const char *csv, size_t len,
                       size_t *added, struct lx_err *err)
{
    size_t i = 0, row = 0, n_added = 0;
    bool first = true;

    while (i < len) {
        size_t eol = i, f = i;
        uint32_t code;

        while (eol < len && csv[eol] != '\n') {
            eol++;
        }
        row++;
        while (f < eol && csv[f] != ',' && csv[f] != '\r') {
            f++;
        }
        if (eol == i || csv[i] == '#' || (eol == i + 1 && csv[i] == '\r')) {
            i = eol + 1;
            continue;
        }
        if (!six_digits(csv + i, f - i, &code)) {
            if (!first) {
                if (added != NULL) {
                    *added = n_added;
                }
                return lx_err_set(err, LX_EINVAL, NULL,
                                  "division codes: row %zu has no six-digit "
                                  "code",
                                  row);
            }
        } else {
            r->bits[code >> 3] |= (unsigned char)(1u << (code & 7));
            n_added++;
        }
        first = false;
        i = eol + 1;
    }
    if (added != NULL) {
        *added = n_added;
    }
    return LX_OK;
}

char
lx_pii_id_check_char(const char *d)
{
    static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                              3, 7, 9,  10, 5, 8, 4, 2};
    static const char map[11] = "10X98765432";
    int sum = 0;

    for (int i = 0; i < 17; i++) {
        sum += (d[i] - '0') * w[i];
    }
    return map[sum % 11];
}

bool
lx_pii_luhn_ok(const char *d, size_t n)
{
    int sum = 0;
    bool dbl = false;

    if (n == 0) {
        return false;
    }
    for (size_t i = n; i-- > 0;) {
        int v = d[i] - '0';
        if (v < 0 || v > 9) {
            return false;
        }
        if (dbl) {
            v *= 2;
            if (v > 9) {
                v -= 9;
            }
        }
        sum += v;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

/* GB 32100-2015: the 31 characters of the code, in value order. */
static const char uscc_alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int
uscc_value(char c)
{
    const char *p = c ? strchr(uscc_alpha, c) : NULL;
    return p ? (int)(p - uscc_alpha) : -1;
}

char
lx_pii_uscc_check_char(const char *s)
{
    static const int w[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                              29, 25, 13, 8,  24, 10, 30, 28};
    int sum = 0;

    for (int i = 0; i < 17; i++) {
        int v = uscc_value(s[i]);
        if (v < 0) {
            return 0;
        }
        sum += v * w[i];
    }
    return uscc_alpha[(31 - sum % 31) % 31];
}

bool
lx_pii_is_minor(int by, int bm, int bd, int64_t ref_days)
{
    int y = by + 14, d = bd;

    /* A 29 February birthday falls on 28 February in a common year; the
     * 14 full years are reached on the following day (the courts' rule:
     * 从周岁生日的第二天起算). */
    if (bm == 2 && bd == 29 && !lx_is_leap_year(y)) {
        d = 28;
    }
    return ref_days <= lx_days_from_civil(y, bm, d);
}

bool
pii__mobile_ok(const char *d)
{
    /* Prefixes in use by MIIT's numbering plan (mobile, data-only and the
     * virtual operators' 162/165/167/170/171); 172 and 179 are not public
     * voice numbers. */
    static const char ok[100] = {
        /* 10-19 */ 0,  0, 0, 0, 0, 0, 0, 0, 0, 0,
        /* 13x */ 1,    1, 1, 1, 1, 1, 1, 1, 1, 1,
        /* 14x */ 0,    0, 0, 0, 0, 1, 1, 1, 1, 1,
        /* 15x */ 1,    1, 1, 1, 0, 1, 1, 1, 1, 1,
        /* 16x */ 0,    0, 1, 0, 0, 1, 1, 1, 0, 0,
        /* 17x */ 1,    1, 0, 1, 1, 1, 1, 1, 1, 0,
        /* 18x */ 1,    1, 1, 1, 1, 1, 1, 1, 1, 1,
        /* 19x */ 1,    1, 1, 1, 1, 1, 1, 1, 1, 1,
        /* unused */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        /* unused */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    };
    int p;

    for (int i = 0; i < 11; i++) {
        if (d[i] < '0' || d[i] > '9') {
            return false;
        }
    }
    if (d[0] != '1' || d[1] < '3') {
        return false;
    }
    p = (d[1] - '3' + 1) * 10 + (d[2] - '0');
    return ok[p];
}

/* Province prefixes that are real without being in the division CSV: the
 * residence permits of Hong Kong (81), Macao (82) and Taiwan (83)
 * residents (港澳台居民居住证, State Council 2018). */
static bool
province_ok(const struct lx_pii_opts *o, uint32_t code)
{
    uint32_t prov = code / 10000;

    if (prov == 81 || prov == 82 || prov == 83) {
        return code % 10000 == 0;
    }
    return lx_pii_regions_has(o->regions, prov * 10000) &&
           lx_pii_regions_has(o->regions, code);
}

static int
num(const char *c, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        v = v * 10 + (c[i] - '0');
    }
    return v;
}

static bool
all_digits(const char *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i] < '0' || c[i] > '9') {
            return false;
        }
    }
    return true;
}

static bool
birth_ok(const struct lx_pii_opts *o, int y, int m, int d, unsigned *flags)
{
    if (y < 1900 || y > 2099 || !lx_date_valid(y, m, d)) {
        return false;
    }
    if (lx_pii_is_minor(y, m, d, o->ref_days)) {
        *flags |= LX_PII_MINOR;
    }
    return true;
}

bool
pii__id18_ok(const struct lx_pii_opts *o, const char *c, unsigned *flags)
{
    char chk;

    if (!all_digits(c, 17)) {
        return false;
    }
    chk = c[17] == 'x' ? 'X' : c[17];
    if (lx_pii_id_check_char(c) != chk) {
        return false;
    }
    if (!province_ok(o, (uint32_t)num(c, 6))) {
        return false;
    }
    return birth_ok(o, num(c + 6, 4), num(c + 10, 2), num(c + 12, 2), flags);
}

bool
pii__id15_ok(const struct lx_pii_opts *o, const char *c, unsigned *flags)
{
    if (!all_digits(c, 15) || !province_ok(o, (uint32_t)num(c, 6))) {
        return false;
    }
    return birth_ok(o, 1900 + num(c + 6, 2), num(c + 8, 2), num(c + 10, 2),
                    flags);
}

bool
pii__card_ok(const char *d, size_t n)
{
    /* 3 JCB, 4 Visa, 5 Mastercard, 6 UnionPay, 9 domestic debit; other
     * leading digits are order numbers and timestamps (2024…). */
    if (n < 16 || n > 19 || !all_digits(d, n) ||
        strchr("34569", d[0]) == NULL) {
        return false;
    }
    return lx_pii_luhn_ok(d, n);
}

bool
pii__uscc_ok(const char *c)
{
    /* 1st: registering authority, 2nd: entity kind, 3-8: division code. */
    if (uscc_value(c[0]) < 0 || c[1] < '1' || c[1] > '9' ||
        !all_digits(c + 2, 6)) {
        return false;
    }
    return lx_pii_uscc_check_char(c) == c[17];
}

bool
pii__landline_split_ok(const char *area, size_t an, const char *num_, size_t nn)
{
    if (!all_digits(area, an) || !all_digits(num_, nn) || area[0] != '0') {
        return false;
    }
    if (an == 3) {
        if (!(area[1] == '1' && area[2] == '0') && area[1] != '2') {
            return false;
        }
    } else if (an == 4) {
        if (area[1] < '3') {
            return false;
        }
    } else {
        return false;
    }
    return (nn == 7 || nn == 8) && num_[0] >= '2';
}
