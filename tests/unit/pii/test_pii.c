/* Unit tests: pii — check characters, dates, minors, masking, offsets and
 * robustness of the scanner. Expected check characters are derived here
 * from the standards' weight formulas (2^k mod 11, 3^k mod 31), not copied
 * from the engine's tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/asset.h"
#include "base/buf.h"
#include "base/time.h"
#include "pii/pii.h"

static struct lx_pii_regions *regions;

static int
setup(void **state)
{
    const struct lx_asset *a = lx_asset_find("data/gbt2260/divisions.csv");
    const struct lx_asset *r = lx_asset_find("data/gbt2260/retired.csv");
    size_t n = 0;

    (void)state;
    if (a == NULL || r == NULL) {
        return -1;
    }
    regions = lx_pii_regions_new();
    if (lx_pii_regions_add_csv(regions, (const char *)a->data, a->len, &n,
                               NULL) != LX_OK ||
        n < 3000 ||
        lx_pii_regions_add_csv(regions, (const char *)r->data, r->len, NULL,
                               NULL) != LX_OK) {
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    lx_pii_regions_free(regions);
    return 0;
}

/* ---- check characters ---- */

/* GB 11643-1999: W_i = 2^(i-1) mod 11 for position i counted from the
 * right (the check character is position 1); the check value a1 solves
 * sum(a_i W_i) == 1 (mod 11), with 10 written X. */
static char
id_check_ref(const char *d17)
{
    int sum = 0;
    for (int k = 0; k < 17; k++) {
        int i = 18 - k; /* position from the right */
        int w = 1;
        for (int e = 1; e < i; e++) {
            w = (w * 2) % 11;
        }
        sum += (d17[k] - '0') * w;
    }
    for (int a1 = 0; a1 <= 10; a1++) {
        if ((sum + a1) % 11 == 1) {
            return a1 == 10 ? 'X' : (char)('0' + a1);
        }
    }
    return '?';
}

static void
test_id_check_char(void **state)
{
    char d[18] = "11010519491231002";
    unsigned seed = 12345;

    (void)state;
    /* The worked example of GB 11643-1999. */
    assert_int_equal(lx_pii_id_check_char(d), 'X');
    for (int n = 0; n < 2000; n++) {
        for (int k = 0; k < 17; k++) {
            seed = seed * 1103515245u + 12345u;
            d[k] = (char)('0' + (seed >> 16) % 10);
        }
        assert_int_equal(lx_pii_id_check_char(d), id_check_ref(d));
    }
}

static void
test_luhn(void **state)
{
    (void)state;
    assert_true(lx_pii_luhn_ok("79927398713", 11));
    assert_false(lx_pii_luhn_ok("79927398710", 11));
    assert_true(lx_pii_luhn_ok("4111111111111111", 16));
    assert_false(lx_pii_luhn_ok("4111111111111112", 16));
    assert_true(lx_pii_luhn_ok("0", 1));
    assert_false(lx_pii_luhn_ok("", 0));
    assert_false(lx_pii_luhn_ok("41111111 1111111", 16));
    /* Every single-digit change breaks the sum. */
    for (int pos = 0; pos < 16; pos++) {
        for (int v = 1; v < 10; v++) {
            char c[17] = "4111111111111111";
            c[pos] = (char)('0' + (c[pos] - '0' + v) % 10);
            assert_false(lx_pii_luhn_ok(c, 16));
        }
    }
}

/* GB 32100-2015: W_i = 3^(i-1) mod 31, C18 = 31 - (sum mod 31), 31 -> 0. */
static char
uscc_check_ref(const char *s)
{
    static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    int sum = 0, w = 1;
    for (int i = 0; i < 17; i++) {
        sum += (int)(strchr(alpha, s[i]) - alpha) * w;
        w = (w * 3) % 31;
    }
    return alpha[(31 - sum % 31) % 31];
}

static void
test_uscc_check_char(void **state)
{
    static const char alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    char s[18] = {0};
    unsigned seed = 99;

    (void)state;
    for (int n = 0; n < 2000; n++) {
        for (int k = 0; k < 17; k++) {
            seed = seed * 1103515245u + 12345u;
            s[k] = alpha[(seed >> 16) % 31];
        }
        assert_int_equal(lx_pii_uscc_check_char(s), uscc_check_ref(s));
    }
    /* I, O, S, V and Z are not in the alphabet. */
    memcpy(s, "91110108MA01OOOOO", 17);
    assert_int_equal(lx_pii_uscc_check_char(s), 0);
}

/* ---- scanning helpers ---- */

struct found {
    struct lx_pii_finding f[16];
    size_t n;
};

static bool
collect(void *arg, const struct lx_pii_finding *f)
{
    struct found *fd = arg;
    if (fd->n < 16) {
        fd->f[fd->n++] = *f;
    }
    return true;
}

static struct found
scan_at(const char *text, const char *ref)
{
    struct lx_pii_opts o = {.regions = regions, .ref_days = 0};
    struct found fd = {.n = 0};

    assert_int_equal(lx_date_parse(ref, strlen(ref), &o.ref_days, NULL), LX_OK);
    lx_pii_scan(&o, text, strlen(text), collect, &fd);
    return fd;
}

static void
make_id(char *out, const char *region, const char *ymd, const char *seq)
{
    snprintf(out, 19, "%s%s%s", region, ymd, seq);
    out[17] = id_check_ref(out);
    out[18] = '\0';
}

static void
test_id_dates_and_regions(void **state)
{
    static const struct {
        const char *region, *ymd;
        bool found;
    } cases[] = {
        {"110105", "20000229", true},  /* 2000 is a leap year */
        {"110105", "19000229", false}, /* 1900 is not */
        {"110105", "20230229", false},
        {"110105", "19990431", false},
        {"110105", "19991301", false},
        {"110105", "18991231", false}, /* before 1900 */
        {"110105", "19991231", true},
        {"110103", "19800101", true},  /* retired: 崇文区 */
        {"310108", "19800101", true},  /* retired: 闸北区 */
        {"110199", "19800101", false}, /* never a code */
        {"990101", "19800101", false}, /* no such province */
        {"810000", "19800101", true},  /* Hong Kong residence permit */
        {"810101", "19800101", false},
    };
    char id[20];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct found fd;
        make_id(id, cases[i].region, cases[i].ymd, "123");
        fd = scan_at(id, "2026-06-15");
        if (cases[i].found) {
            assert_int_equal(fd.n, 1);
            assert_int_equal(fd.f[0].type, LX_PII_CN_ID);
        } else {
            /* Whatever else 18 digits may be, never an ID. */
            assert_true(fd.n == 0 || fd.f[0].type != LX_PII_CN_ID);
        }
    }
}

static void
test_minor_boundaries(void **state)
{
    static const struct {
        int y, m, d;
        const char *ref;
        bool minor;
    } cases[] = {
        {2012, 6, 15, "2026-06-14", true},
        {2012, 6, 15, "2026-06-15", true}, /* the birthday itself */
        {2012, 6, 15, "2026-06-16", false},
        {2012, 2, 29, "2026-02-28", true},
        {2012, 2, 29, "2026-03-01", false},
        {2012, 12, 31, "2026-12-31", true},
        {2012, 12, 31, "2027-01-01", false},
        {1990, 1, 1, "2026-06-15", false},
        {2030, 1, 1, "2026-06-15", true}, /* born after the reference */
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t ref;
        assert_int_equal(lx_date_parse(cases[i].ref, 10, &ref, NULL), LX_OK);
        assert_int_equal(
            lx_pii_is_minor(cases[i].y, cases[i].m, cases[i].d, ref),
            cases[i].minor);
    }
}

static void
test_minor_flag_in_scan(void **state)
{
    char id[20], line[64];
    struct found fd;

    (void)state;
    make_id(id, "320102", "20120615", "456");
    snprintf(line, sizeof(line), "孩子%s", id);
    fd = scan_at(line, "2026-06-15");
    assert_int_equal(fd.n, 1);
    assert_true(fd.f[0].flags & LX_PII_MINOR);
    fd = scan_at(line, "2026-06-16");
    assert_int_equal(fd.n, 1);
    assert_false(fd.f[0].flags & LX_PII_MINOR);
}

static void
test_offsets(void **state)
{
    /* 手机 is 6 bytes; each full-width digit is 3. */
    struct found fd =
        scan_at("手机１３９１２３４５６７８，QQ:12345", "2026-06-15");

    (void)state;
    assert_int_equal(fd.n, 2);
    assert_int_equal(fd.f[0].type, LX_PII_CN_MOBILE);
    assert_int_equal(fd.f[0].start, 6);
    assert_int_equal(fd.f[0].end, 6 + 33);
    assert_int_equal(fd.f[1].type, LX_PII_QQ);
    assert_int_equal(fd.f[1].start, 6 + 33 + 3 + 3);
    assert_int_equal(fd.f[1].end, 6 + 33 + 3 + 3 + 5);
}

static bool
stop_first(void *arg, const struct lx_pii_finding *f)
{
    (void)f;
    (*(int *)arg)++;
    return false;
}

static void
test_emit_can_stop(void **state)
{
    struct lx_pii_opts o = {.regions = regions, .ref_days = 0};
    const char *t = "13912345678 13912345679 13912345670";
    int calls = 0;

    (void)state;
    lx_pii_scan(&o, t, strlen(t), stop_first, &calls);
    assert_int_equal(calls, 1);
}

/* ---- masking ---- */

static void
test_mask_values(void **state)
{
    static const struct {
        enum lx_pii_type t;
        const char *in, *out;
    } cases[] = {
        {LX_PII_CN_MOBILE, "13812345678", "138****5678"},
        {LX_PII_CN_MOBILE, "+86 138-1234-5678", "138****5678"},
        {LX_PII_CN_MOBILE, "１３８１２３４５６７８", "138****5678"},
        {LX_PII_CN_ID, "11010519491231002X", "110105********002X"},
        {LX_PII_CN_ID, "110105491231002", "110105*****1002"},
        {LX_PII_BANK_CARD, "6222 0212 3456 7890 128", "622202*********0128"},
        {LX_PII_BANK_CARD, "4111111111111111", "411111******1111"},
        {LX_PII_CN_LANDLINE, "010-62345678", "010-****5678"},
        {LX_PII_CN_LANDLINE, "(0755) 8600123", "0755-***0123"},
        {LX_PII_EMAIL, "zhang.san@example.com", "z***@example.com"},
        {LX_PII_USCC, "91350100M000100Y43", "913501********0Y43"},
        {LX_PII_PASSPORT, "E12345678", "E*****678"},
        {LX_PII_HK_MACAO_PERMIT, "C12345678", "C*****678"},
        {LX_PII_PLATE, "京A12345", "京A***45"},
        {LX_PII_PLATE, "粤B·D12345", "粤B****45"},
        {LX_PII_WECHAT, "lawyer_wang88", "la*********88"},
        {LX_PII_QQ, "12345", "1***5"},
        {LX_PII_QQ, "123", "***"},
        {LX_PII_ADDRESS, "北京市朝阳区建国路88号", "北京市朝阳区****"},
        {LX_PII_ADDRESS, "河北省保定市涞水县东风胡同5号",
         "河北省保定市涞水县****"},
        {LX_PII_ADDRESS, "深圳市科技园路1号", "深圳市****"},
        {LX_PII_ADDRESS, "建国路88号", "****"},
        {LX_PII_NAME, "张三", "张**"},
        {LX_PII_NAME, "欧阳娜娜", "欧**"},
    };
    char out[64];
    size_t n;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(lx_pii_mask_value(cases[i].t, cases[i].in,
                                           strlen(cases[i].in), out,
                                           sizeof(out), &n, NULL),
                         LX_OK);
        assert_string_equal(out, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
    }
}

static void
test_mask_value_errors(void **state)
{
    struct lx_err err = {0};
    char out[8];

    (void)state;
    assert_int_equal(
        lx_pii_mask_value(LX_PII_NONE, "x", 1, out, sizeof(out), NULL, &err),
        LX_EINVAL);
    assert_int_equal(
        lx_pii_mask_value(LX_PII_NAME, "", 0, out, sizeof(out), NULL, &err),
        LX_EINVAL);
    assert_int_equal(lx_pii_mask_value(LX_PII_CN_MOBILE, "13812345678", 11, out,
                                       sizeof(out), NULL, &err),
                     LX_ETOOBIG);
    /* The error names no content. */
    assert_null(strstr(lx_err_message(&err), "138"));
    assert_string_equal(out, "");
}

static void
test_mask_text(void **state)
{
    struct lx_pii_opts o = {.regions = regions, .ref_days = 0};
    struct lx_buf b = LX_BUF_INIT(1024), tiny = LX_BUF_INIT(8);
    const char *t = "张三手机13812345678，住北京市朝阳区建国路88号3栋";
    size_t count = 0;

    (void)state;
    assert_int_equal(lx_pii_mask_text(&o, t, strlen(t), &b, &count, NULL),
                     LX_OK);
    assert_int_equal(count, 2);
    assert_string_equal(lx_buf_peek(&b),
                        "张三手机138****5678，住北京市朝阳区****");
    assert_int_equal(lx_pii_mask_text(&o, t, strlen(t), &tiny, NULL, NULL),
                     LX_ETOOBIG);
    assert_int_equal(tiny.len, 0);
    lx_buf_release(&b);
    lx_buf_release(&tiny);
}

static void
test_regions_csv(void **state)
{
    struct lx_pii_regions *r = lx_pii_regions_new();
    struct lx_err err = {0};
    const char *ok = "code,name\n110000,北京\r\n\n# note\n110101,东城\n";
    const char *bad = "110000\n11010\n";
    size_t n = 0;

    (void)state;
    assert_int_equal(lx_pii_regions_add_csv(r, ok, strlen(ok), &n, &err),
                     LX_OK);
    assert_int_equal(n, 2);
    assert_true(lx_pii_regions_has(r, 110101));
    assert_false(lx_pii_regions_has(r, 110102));
    assert_false(lx_pii_regions_has(r, 1000000));
    assert_int_equal(lx_pii_regions_add_csv(r, bad, strlen(bad), &n, &err),
                     LX_EINVAL);
    assert_non_null(strstr(lx_err_message(&err), "row 2"));
    lx_pii_regions_free(r);
}

static void
test_type_names(void **state)
{
    (void)state;
    for (int t = 1; t < (int)LX_PII_TYPE_COUNT_; t++) {
        const char *name = lx_pii_type_name((enum lx_pii_type)t);
        assert_int_equal(lx_pii_type_from_name(name), t);
    }
    assert_string_equal(lx_pii_type_name(LX_PII_HK_MACAO_PERMIT),
                        "hk_macao_permit");
    assert_int_equal(lx_pii_type_from_name("ssn"), LX_PII_NONE);
}

/* ---- robustness ---- */

struct order {
    size_t last_end, len, n;
    bool ok;
};

static bool
check_order(void *arg, const struct lx_pii_finding *f)
{
    struct order *o = arg;
    if (f->start < o->last_end || f->end <= f->start || f->end > o->len ||
        f->type == LX_PII_NONE || f->type >= LX_PII_NAME) {
        o->ok = false;
    }
    o->last_end = f->end;
    o->n++;
    return true;
}

static void
test_random_input(void **state)
{
    /* Random bytes and random pieces of PII-like text: findings stay in
     * bounds, in order and apart (the sanitizer build checks reads). */
    static const char *const pieces[] = {
        "1",        "3",    "8",    "0",   "X",  "x",      " ",  "-",
        "+86",      "@",    ".",    "com", "号", "路",     "市", "区",
        "京",       "A",    "微信", "QQ",  "：", "１",     "Ｅ", "\xef",
        "\xe4\xb8", "\xff", "(",    "）",  "_",  "订单号", "¥",  "元"};
    struct lx_pii_opts o = {.regions = regions, .ref_days = 20000};
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    uint64_t seed = 42;

    (void)state;
    assert_non_null(buf);
    for (int round = 0; round < 200; round++) {
        struct order ord = {.ok = true};
        size_t n = 0;
        while (n < cap - 16) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            if (round % 2 == 0) {
                buf[n++] = (char)(seed >> 56);
            } else {
                const char *p =
                    pieces[(seed >> 33) % (sizeof(pieces) / sizeof(pieces[0]))];
                size_t l = strlen(p);
                memcpy(buf + n, p, l);
                n += l;
            }
        }
        ord.len = n;
        lx_pii_scan(&o, buf, n, check_order, &ord);
        assert_true(ord.ok);
    }
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_id_check_char),
        cmocka_unit_test(test_luhn),
        cmocka_unit_test(test_uscc_check_char),
        cmocka_unit_test(test_id_dates_and_regions),
        cmocka_unit_test(test_minor_boundaries),
        cmocka_unit_test(test_minor_flag_in_scan),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_emit_can_stop),
        cmocka_unit_test(test_mask_values),
        cmocka_unit_test(test_mask_value_errors),
        cmocka_unit_test(test_mask_text),
        cmocka_unit_test(test_regions_csv),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_random_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
