/*
 * gen-cases — generate PII cases whose check digits are computed here,
 * independently of src/pii, in the format of the hand-written case files.
 *
 *   gen-cases SEED REF-DATE(YYYY-MM-DD) DIVISIONS.csv [RETIRED.csv] > out
 *
 * Deterministic for a given seed. Writes valid resident IDs (18 and 15
 * digits, 'X' and 'x'), bank cards (16-19 digits, with and without
 * separators), USCCs and mobile numbers inside Chinese sentences, some in
 * full-width digits, with their expected findings and masked lines; and
 * invalid ones (a wrong check character, an impossible date, an unknown
 * region, a broken Luhn sum, an unassigned mobile prefix) that must not be
 * found. Minors are marked against REF-DATE (under 14 until the day after
 * the 14th birthday). Compiled by tests/cli/t1000-pii-cases.sh.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t
rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * UINT64_C(2685821657736338717);
}

static unsigned
pick(unsigned n)
{
    return (unsigned)(rng() % n);
}

/* ---- calendar ---------------------------------------------------------- */

static bool
leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : d[m - 1];
}

static long
days_from_civil(int y, int m, int d)
{
    long era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long)doe - 719468;
}

static void
civil_from_days(long z, int *y, int *m, int *d)
{
    long era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + (unsigned long)era * 400) + (*m <= 2);
}

static long ref_days;

/* Under 14 at ref: until (and on) the 14th birthday. */
static bool
minor(int y, int m, int d)
{
    int dd = d;
    if (m == 2 && d == 29 && !leap(y + 14)) {
        dd = 28;
    }
    return ref_days <= days_from_civil(y + 14, m, dd);
}

/* ---- check characters --------------------------------------------------- */

static char
id_check(const char *d17)
{
    static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                              3, 7, 9,  10, 5, 8, 4, 2};
    int s = 0;
    for (int i = 0; i < 17; i++) {
        s += (d17[i] - '0') * w[i];
    }
    return "10X98765432"[s % 11];
}

static int
luhn_sum(const char *d, size_t n)
{
    int s = 0;
    for (size_t i = 0; i < n; i++) {
        int v = d[n - 1 - i] - '0';
        if (i % 2 == 1) {
            v = v * 2 > 9 ? v * 2 - 9 : v * 2;
        }
        s += v;
    }
    return s % 10;
}

static bool
luhn_ok(const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] < '0' || d[i] > '9') {
            return false;
        }
    }
    return luhn_sum(d, n) == 0;
}

static const char ualpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static int
uval(char c)
{
    const char *p = strchr(ualpha, c);
    return c && p ? (int)(p - ualpha) : -1;
}

static char
uscc_check(const char *s17)
{
    static const int w[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                              29, 25, 13, 8,  24, 10, 30, 28};
    int s = 0;
    for (int i = 0; i < 17; i++) {
        int v = uval(s17[i]);
        if (v < 0) {
            return 0;
        }
        s += v * w[i];
    }
    return ualpha[(31 - s % 31) % 31];
}

/* Whether an 18-character string would pass as a USCC or a card: an
 * invalid ID must be invalid as those too. */
static bool
other_valid(const char *s18)
{
    if (strchr("34569", s18[0]) != NULL && luhn_ok(s18, 18)) {
        return true;
    }
    return s18[1] >= '1' && s18[1] <= '9' && uval(s18[0]) >= 0 &&
           uscc_check(s18) == s18[17];
}

/* ---- regions ----------------------------------------------------------------
 */

static char (*regions)[7];
static size_t n_regions;
static unsigned char known[1000000];

static void
load_regions(const char *path, bool counties)
{
    FILE *f = fopen(path, "r");
    char line[256];
    size_t cap = 4096;

    if (f == NULL) {
        fprintf(stderr, "gen-cases: cannot open the divisions file\n");
        exit(2);
    }
    if (regions == NULL) {
        regions = malloc(cap * sizeof(*regions));
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        long code;
        char *end;
        if (line[0] < '0' || line[0] > '9') {
            continue;
        }
        code = strtol(line, &end, 10);
        if (end != line + 6 || code < 100000) {
            continue;
        }
        known[code] = 1;
        if (!counties || strstr(line, ",county,") == NULL) {
            continue;
        }
        if (n_regions == cap) {
            cap *= 2;
            regions = realloc(regions, cap * sizeof(*regions));
        }
        memcpy(regions[n_regions++], line, 6);
        regions[n_regions - 1][6] = '\0';
    }
    fclose(f);
    if (counties && n_regions == 0) {
        fprintf(stderr, "gen-cases: no county codes found\n");
        exit(2);
    }
}

/* ---- output ---------------------------------------------------------------
 */

/* Full-width form: digits U+FF10.., letters U+FF21../U+FF41..; separators
 * stay ASCII. */
static void
fullwidth(const char *s, char *out)
{
    size_t k = 0;
    for (; *s; s++) {
        unsigned cp;
        if (*s >= '0' && *s <= '9') {
            cp = 0xFF10 + (unsigned)(*s - '0');
        } else if (*s >= 'A' && *s <= 'Z') {
            cp = 0xFF21 + (unsigned)(*s - 'A');
        } else if (*s >= 'a' && *s <= 'z') {
            cp = 0xFF41 + (unsigned)(*s - 'a');
        } else {
            out[k++] = *s;
            continue;
        }
        out[k++] = (char)(0xE0 | (cp >> 12));
        out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[k++] = (char)(0x80 | (cp & 0x3F));
    }
    out[k] = '\0';
}

static const char *const id_tpl[][2] = {
    {"我的身份证号码是", "，麻烦帮忙核实一下"},
    {"当事人身份证：", ""},
    {"", ""},
    {"证件 ", " 已经核验"},
    {"孩子的身份证号", "，在学校登记过"},
};
static const char *const card_tpl[][2] = {
    {"我的银行卡号", "，转账请备注姓名"},
    {"退款打到这张卡：", "。"},
    {"卡号 ", " 户名张三"},
};
static const char *const uscc_tpl[][2] = {
    {"对方公司的统一社会信用代码是", "。"},
    {"信用代码：", "，请查一下"},
};
static const char *const mobile_tpl[][2] = {
    {"我的手机是", "，下午打我电话"},
    {"联系方式：", ""},
    {"有事打", "找我"},
};

/* Print one case: the line, the expected finding (or none), the mask. */
static void
emit_case(const char *comment, const char *const (*tpl)[2], size_t ntpl,
          const char *value, const char *type, const char *masked)
{
    const char *const *t = tpl[pick((unsigned)ntpl)];
    char fw[256];
    const char *shown = value;

    if (pick(4) == 0) {
        fullwidth(value, fw);
        shown = fw;
    }
    printf("# %s\n%s%s%s\n", comment, t[0], shown, t[1]);
    if (type != NULL) {
        printf("%s %s\n", type, shown);
        printf("mask %s%s%s\n", t[0], masked, t[1]);
    }
    printf("\n");
}

static void
mask_ends(const char *digits, size_t head, size_t tail, char *out)
{
    size_t n = strlen(digits), k = 0;
    for (size_t i = 0; i < n; i++) {
        out[k++] = (i < head || i >= n - tail) ? digits[i] : '*';
    }
    out[k] = '\0';
}

static void
digits_only(const char *s, char *out)
{
    size_t k = 0;
    for (; *s; s++) {
        if ((*s >= '0' && *s <= '9') || *s == 'X' || *s == 'x' ||
            (*s >= 'A' && *s <= 'Z')) {
            out[k++] = *s;
        }
    }
    out[k] = '\0';
}

/* ---- resident IDs ---------------------------------------------------------
 */

static void
random_birth(int *y, int *m, int *d)
{
    *y = 1935 + (int)pick(80);
    *m = 1 + (int)pick(12);
    *d = 1 + (int)pick((unsigned)mdays(*y, *m));
}

static void
make_id(char *id, const char *region, int y, int m, int d)
{
    snprintf(id, 40, "%.6s%04d%02d%02d%03u", region, y, m, d, pick(1000));
    id[17] = id_check(id);
    id[18] = '\0';
}

static void
valid_id(int y, int m, int d, const char *why)
{
    char id[40], masked[40];
    const char *type = minor(y, m, d) ? "cn_id(minor)" : "cn_id";

    make_id(id, regions[pick((unsigned)n_regions)], y, m, d);
    if (id[17] == 'X' && pick(2) == 0) {
        id[17] = 'x';
    }
    mask_ends(id, 6, 4, masked);
    emit_case(why, id_tpl, 5, id, type, masked);
}

static void
ids(void)
{
    char id[40], comment[96];
    int y, m, d;

    for (int i = 0; i < 60; i++) {
        random_birth(&y, &m, &d);
        valid_id(y, m, d, "valid resident ID, check character computed");
    }
    /* Minor boundaries around the reference date. */
    civil_from_days(ref_days, &y, &m, &d);
    if (!(m == 2 && d == 29)) {
        valid_id(y - 14, m, d, "14th birthday on the reference date: minor");
        civil_from_days(ref_days - 1, &y, &m, &d);
        valid_id(y - 14, m, d, "14th birthday yesterday: not a minor");
        civil_from_days(ref_days + 1, &y, &m, &d);
        valid_id(y - 14, m, d, "14th birthday tomorrow: minor");
    }
    for (int i = 0; i < 30; i++) {
        char good;
        random_birth(&y, &m, &d);
        make_id(id, regions[pick((unsigned)n_regions)], y, m, d);
        good = id[17];
        do {
            id[17] = "0123456789X"[pick(11)];
        } while (id[17] == good || other_valid(id));
        emit_case("wrong check character: not PII", id_tpl, 5, id, NULL, NULL);
    }
    for (int i = 0; i < 10; i++) {
        static const int bad[][3] = {{1990, 2, 30}, {1989, 2, 29},
                                     {2001, 13, 1}, {1999, 0, 10},
                                     {1975, 4, 31}, {1980, 6, 0}};
        const int *b = bad[pick(6)];
        do {
            snprintf(id, sizeof(id), "%.6s%04d%02d%02d%03u",
                     regions[pick((unsigned)n_regions)], b[0], b[1], b[2],
                     pick(1000));
            id[17] = id_check(id);
            id[18] = '\0';
        } while (other_valid(id));
        snprintf(comment, sizeof(comment),
                 "impossible birth date %04d-%02d-%02d: not PII", b[0], b[1],
                 b[2]);
        emit_case(comment, id_tpl, 5, id, NULL, NULL);
    }
    for (int i = 0; i < 10; i++) {
        char region[7];
        do {
            snprintf(region, sizeof(region), "%06u", 100000 + pick(900000));
        } while (known[atol(region)] ||
                 known[atol(region) / 10000 * 10000] == 0);
        do {
            random_birth(&y, &m, &d);
            make_id(id, region, y, m, d);
        } while (other_valid(id));
        emit_case("region code unknown in GB/T 2260: not PII", id_tpl, 5, id,
                  NULL, NULL);
    }
    /* 15-digit legacy IDs: region, YYMMDD, sequence; no check character. */
    for (int i = 0; i < 10; i++) {
        char masked[20];
        y = 1930 + (int)pick(60);
        m = 1 + (int)pick(12);
        d = 1 + (int)pick((unsigned)mdays(y, m));
        snprintf(id, sizeof(id), "%.6s%02d%02d%02d%03u",
                 regions[pick((unsigned)n_regions)], y % 100, m, d, pick(1000));
        mask_ends(id, 6, 4, masked);
        emit_case("15-digit legacy ID with a real date", id_tpl, 5, id, "cn_id",
                  masked);
    }
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof(id), "%.6s%02d%02d%02d%03u",
                 regions[pick((unsigned)n_regions)], 50 + (int)pick(40), 2,
                 30 + (int)pick(2), pick(1000));
        emit_case("15-digit legacy ID with 30/31 February: not PII", id_tpl, 5,
                  id, NULL, NULL);
    }
}

/* ---- bank cards
 * -------------------------------------------------------------- */

static void
make_card(char *c, size_t n)
{
    static const char *const bins[] = {"622202", "621700", "622848", "623668",
                                       "436742", "518710", "625965", "955880"};
    const char *bin = bins[pick(8)];
    size_t k = strlen(bin);

    memcpy(c, bin, k);
    for (; k < n - 1; k++) {
        c[k] = (char)('0' + pick(10));
    }
    c[n - 1] = '0';
    c[n] = '\0';
    c[n - 1] = (char)('0' + (10 - luhn_sum(c, n)) % 10);
}

static void
group4(const char *c, char sep, char *out)
{
    size_t k = 0;
    for (size_t i = 0; c[i]; i++) {
        if (i > 0 && i % 4 == 0) {
            out[k++] = sep;
        }
        out[k++] = c[i];
    }
    out[k] = '\0';
}

static void
cards(void)
{
    static const size_t lens[] = {16, 17, 19};
    char c[24], shown[32], masked[24];

    for (int i = 0; i < 40; i++) {
        size_t n = lens[pick(3)];
        make_card(c, n);
        mask_ends(c, 6, 4, masked);
        switch (pick(3)) {
        case 0:
            group4(c, ' ', shown);
            break;
        case 1:
            group4(c, '-', shown);
            break;
        default:
            memcpy(shown, c, n + 1);
            break;
        }
        emit_case("bank card, Luhn computed", card_tpl, 3, shown, "bank_card",
                  masked);
    }
    for (int i = 0; i < 20; i++) {
        size_t n = lens[pick(3)], at;
        make_card(c, n);
        at = 6 + pick((unsigned)(n - 6));
        c[at] = (char)('0' + (c[at] - '0' + 1 + pick(9)) % 10);
        emit_case("one digit changed: Luhn fails, not PII", card_tpl, 3, c,
                  NULL, NULL);
    }
    for (int i = 0; i < 5; i++) {
        static const char *const tpl[][2] = {{"订单号：", "，已发货"},
                                             {"流水号 ", ""}};
        make_card(c, 19);
        emit_case("a Luhn-valid number introduced as an order number: not PII",
                  tpl, 2, c, NULL, NULL);
    }
}

/* ---- USCC
 * -------------------------------------------------------------------- */

static void
make_uscc(char *u)
{
    u[0] = "159"[pick(3)];
    u[1] = "123"[pick(3)];
    memcpy(u + 2, regions[pick((unsigned)n_regions)], 6);
    for (int k = 8; k < 17; k++) {
        u[k] = ualpha[pick(31)];
    }
    u[8 + pick(9)] = ualpha[10 + pick(21)]; /* at least one letter */
    u[17] = uscc_check(u);
    u[18] = '\0';
}

static void
usccs(void)
{
    char u[20], masked[20];

    for (int i = 0; i < 25; i++) {
        make_uscc(u);
        mask_ends(u, 6, 4, masked);
        emit_case("USCC, GB 32100-2015 check character computed", uscc_tpl, 2,
                  u, "uscc", masked);
    }
    for (int i = 0; i < 15; i++) {
        char good;
        make_uscc(u);
        good = u[17];
        do {
            u[17] = ualpha[pick(31)];
        } while (u[17] == good);
        emit_case("USCC with a wrong check character: not PII", uscc_tpl, 2, u,
                  NULL, NULL);
    }
}

/* ---- mobiles
 * ----------------------------------------------------------------- */

static void
mobiles(void)
{
    static const char *const ok[] = {"130", "135", "139", "145", "147", "150",
                                     "153", "158", "162", "165", "166", "167",
                                     "170", "171", "173", "177", "180", "186",
                                     "189", "191", "195", "198", "199"};
    static const char *const bad[] = {"100", "110", "120", "154",
                                      "160", "172", "179"};
    char m[16], shown[32], masked[16], plain[16];

    for (int i = 0; i < 40; i++) {
        snprintf(m, sizeof(m), "%s%08u", ok[pick(23)], pick(100000000));
        mask_ends(m, 3, 4, masked);
        switch (pick(5)) {
        case 0:
            snprintf(shown, sizeof(shown), "%.3s %.4s %.4s", m, m + 3, m + 7);
            break;
        case 1:
            snprintf(shown, sizeof(shown), "%.3s-%.4s-%.4s", m, m + 3, m + 7);
            break;
        case 2:
            snprintf(shown, sizeof(shown), "+86 %s", m);
            break;
        default:
            snprintf(shown, sizeof(shown), "%s", m);
            break;
        }
        digits_only(shown, plain);
        emit_case("mobile number with an assigned prefix", mobile_tpl, 3, shown,
                  "cn_mobile", masked);
    }
    for (int i = 0; i < 15; i++) {
        snprintf(m, sizeof(m), "%s%08u", bad[pick(7)], pick(100000000));
        emit_case("11 digits with an unassigned prefix: not PII", mobile_tpl, 3,
                  m, NULL, NULL);
    }
}

int
main(int argc, char **argv)
{
    int y, m, d;

    if (argc < 4 || sscanf(argv[2], "%d-%d-%d", &y, &m, &d) != 3) {
        fprintf(stderr, "usage: gen-cases SEED YYYY-MM-DD DIVISIONS.csv "
                        "[RETIRED.csv]\n");
        return 2;
    }
    rng_state = strtoull(argv[1], NULL, 10) | 1;
    ref_days = days_from_civil(y, m, d);
    load_regions(argv[3], true);
    for (int a = 4; a < argc; a++) {
        load_regions(argv[a], false);
    }
    printf(
        "# Generated by tests/data/pii/gen-cases.c (seed %s, reference date "
        "%s).\n"
        "# Format as in tests/data/pii/README: input line, expected findings,\n"
        "# optional mask line, blank line.\n\n",
        argv[1], argv[2]);
    ids();
    cards();
    usccs();
    mobiles();
    return 0;
}
