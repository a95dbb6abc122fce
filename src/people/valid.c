/*
 * valid — pure checks for people records: USCC (GB 32100-2015), licence
 * numbers, emails, names, GB/T 2260 regions, practice areas, and the firm
 * status ladder (C8.1, C7.1) as a table.
 */
#include "people/people.h"
#include "base/asset.h"
#include "base/utf8.h"
#include "pii/pii.h"

#include <string.h>

bool
lx_people_uscc_valid(const char *s, size_t n)
{
    char c;

    if (s == NULL || n != 18) {
        return false;
    }
    c = lx_pii_uscc_check_char(s);
    return c != 0 && c == s[17];
}

bool
lx_people_licence_number_valid(const char *s, size_t n)
{
    if (s == NULL || n != 17) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

static bool
email_char(char c)
{
    if (c == '\0') {
        return false;
    }
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || strchr("._%+-", c) != NULL;
}

bool
lx_people_email_valid(const char *s, size_t n)
{
    size_t at = n;
    bool dot = false;

    if (s == NULL || n < 3 || n > LX_PEOPLE_EMAIL_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '@') {
            if (at != n) {
                return false;
            }
            at = i;
            continue;
        }
        if (!email_char(s[i])) {
            return false;
        }
        if (at != n && s[i] == '.') {
            dot = true;
        }
    }
    return at > 0 && at + 1 < n && dot && s[at + 1] != '.' && s[n - 1] != '.';
}

static bool
six_digits(const char *s, size_t n)
{
    if (s == NULL || n != 6) {
        return false;
    }
    for (size_t i = 0; i < 6; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

bool
lx_people_region_valid(const char *s, size_t n)
{
    const struct lx_asset *a = lx_asset_find("data/gbt2260/divisions.csv");
    const char *p;
    const char *end;

    if (!six_digits(s, n) || a == NULL) {
        return false;
    }
    /* The table is small (about 3,300 rows): a scan of line starts is a
     * few microseconds and needs no state. */
    p = (const char *)a->data;
    end = p + a->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
        if (len > 6 && memcmp(p, s, 6) == 0 && p[6] == ',') {
            return true;
        }
        if (nl == NULL) {
            break;
        }
        p = nl + 1;
    }
    return false;
}

bool
lx_people_region_covers(const char *cover, const char *code)
{
    if (!six_digits(cover, cover != NULL ? strlen(cover) : 0) ||
        !six_digits(code, code != NULL ? strlen(code) : 0)) {
        return false;
    }
    if (memcmp(cover + 2, "0000", 4) == 0) {
        return memcmp(cover, code, 2) == 0;
    }
    if (memcmp(cover + 4, "00", 2) == 0) {
        return memcmp(cover, code, 4) == 0;
    }
    return memcmp(cover, code, 6) == 0;
}

static const char *const area_names[LX_PEOPLE_AREA_COUNT] = {
    [LX_PEOPLE_AREA_MARRIAGE_FAMILY] = "marriage_family",
    [LX_PEOPLE_AREA_LABOR] = "labor",
    [LX_PEOPLE_AREA_DEBT] = "debt",
    [LX_PEOPLE_AREA_CONTRACT] = "contract",
    [LX_PEOPLE_AREA_PROPERTY] = "property",
    [LX_PEOPLE_AREA_TRAFFIC] = "traffic",
    [LX_PEOPLE_AREA_CRIMINAL] = "criminal",
    [LX_PEOPLE_AREA_COMPANY] = "company",
    [LX_PEOPLE_AREA_ADMINISTRATIVE] = "administrative",
    [LX_PEOPLE_AREA_IP] = "ip",
    [LX_PEOPLE_AREA_CONSUMER] = "consumer",
    [LX_PEOPLE_AREA_OTHER] = "other",
};

const char *
lx_people_area_name(enum lx_people_area a)
{
    if ((unsigned)a >= LX_PEOPLE_AREA_COUNT) {
        return NULL;
    }
    return area_names[a];
}

bool
lx_people_area_parse(const char *s, size_t n, enum lx_people_area *out)
{
    for (unsigned i = 0; i < LX_PEOPLE_AREA_COUNT; i++) {
        if (s != NULL && strlen(area_names[i]) == n &&
            memcmp(area_names[i], s, n) == 0) {
            *out = (enum lx_people_area)i;
            return true;
        }
    }
    return false;
}

/*
 * The ladder (C8.1): the platform may impose any measure on a firm in
 * cooperation, stricter or milder (reinstatement), and may start ending
 * the cooperation from any of them (C7.1); ending runs one way to
 * terminated, which is final. Rows are 'from', columns 'to'.
 */
#define F(x) LX_POLICY_FIRM_##x
static const bool ladder[LX_POLICY_FIRM_COUNT][LX_POLICY_FIRM_COUNT] = {
    [F(ACTIVE)] = {[F(RESTRICTED)] = true,
                   [F(DISTRIBUTION_SUSPENDED)] = true,
                   [F(COOPERATION_SUSPENDED)] = true,
                   [F(TERMINATING)] = true},
    [F(RESTRICTED)] = {[F(ACTIVE)] = true,
                       [F(DISTRIBUTION_SUSPENDED)] = true,
                       [F(COOPERATION_SUSPENDED)] = true,
                       [F(TERMINATING)] = true},
    [F(DISTRIBUTION_SUSPENDED)] = {[F(ACTIVE)] = true,
                                   [F(RESTRICTED)] = true,
                                   [F(COOPERATION_SUSPENDED)] = true,
                                   [F(TERMINATING)] = true},
    [F(COOPERATION_SUSPENDED)] = {[F(ACTIVE)] = true,
                                  [F(RESTRICTED)] = true,
                                  [F(DISTRIBUTION_SUSPENDED)] = true,
                                  [F(TERMINATING)] = true},
    [F(TERMINATING)] = {[F(TERMINATED)] = true},
    [F(TERMINATED)] = {0},
};
#undef F

bool
lx_people_transition_ok(enum lx_policy_firm_status from,
                        enum lx_policy_firm_status to)
{
    if ((unsigned)from >= LX_POLICY_FIRM_COUNT ||
        (unsigned)to >= LX_POLICY_FIRM_COUNT) {
        return false;
    }
    return ladder[from][to];
}

bool
lx_people_name_valid(const char *s, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > max || !lx_utf8_valid(s, n, NULL)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return false;
        }
    }
    return true;
}
