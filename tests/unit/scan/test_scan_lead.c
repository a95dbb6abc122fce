/* Unit tests: scan_lead — the characters a context pattern's matches start
 * with. A table of patterns and the sets they must (or must not) give, and
 * a soundness check over the embedded pack: for every context pattern that
 * has a set, every place PCRE2 finds a match in every example sentence of
 * the pack starts with a character of the set (for a set of characters a
 * match must contain: has one of them). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "base/asset.h"
#include "base/utf8.h"
#include "scan/scan.h"
#include "scan/scan_int.h"

static bool
has(const struct scan__lead *l, uint32_t cp)
{
    return l->bits[cp >> 6] >> (cp & 63) & 1;
}

static size_t
count(const struct scan__lead *l)
{
    size_t n = 0;
    for (size_t w = 0; w < SCAN__LEAD_WORDS; w++) {
        n += (size_t)__builtin_popcountll(l->bits[w]);
    }
    return n;
}

struct lead_case {
    const char *expr;
    const char *set; /* the characters expected, exactly; NULL: no set */
};

static const struct lead_case lead_cases[] = {
    /* words, classes, groups and optional parts before them */
    {"纠纷|退款", "纠退"},
    {"[你您]的", "你您"},
    {"(会)?(尽力|认真)", "会尽认"},
    {"(?:甲|乙)*丙", "甲乙丙"},
    {"元{2,}", "元"},
    {"元{1}角", "元"},
    {"费$", "费"},
    {"(?>甲|乙)", "甲乙"},
    {"[-。]", "-。"},
    {"7天|七天", "7七"},
    {"甲+?乙", "甲"},
    /* look-arounds: a look-ahead decides, look-behinds add nothing */
    {"(?<![是能])(?=[不没])(不能|没有)", "不没"},
    {"(?=[不没])", "不没"},
    {"(?=[^不])费", "费"},
    {"(?=.)费", NULL},
    {"甲?(?=[乙])丁", "甲乙"},
    {"(?=[甲乙])(?:丙)?", "甲乙"},
    {"(?!不)[会能]", "会能"},
    {"甲(?=乙)", "甲"},
    {"(?<=甲)乙|丙", "乙丙"},
    {"^(会)?(尽力)", "会尽"},
    /* no set: could start anywhere, be empty, or is not read */
    {"a|b", NULL},
    {"^[^，。]{0,8}费", NULL},
    {"(会)?", NULL},
    {"元{0,3}", NULL},
    {"元{,3}", NULL},
    {"\\d+元", NULL},
    {".元", NULL},
    {"(?i)费", NULL},
    {"(?=[不没])?费", NULL},
    {"[a-z]", NULL},
    {"[甲乙-]", NULL},
    {"[]甲]", NULL},
    {"(?<name>甲)", NULL},
    {"甲|", NULL},
    {"甲)", NULL},
    {"(甲", NULL},
    {"Ａ", NULL},
    {"😀", NULL},
    {"", NULL},
    {"$", NULL},
};

/* What every match must contain, somewhere. */
static const struct lead_case must_cases[] = {
    {"^[^，。]{0,8}费", "费"},
    {"^[^“”]{0,16}[”」]", "”」"},
    {"纠纷|退款", "纠退"},
    {"^(会)?(尽力|认真)", "尽认"},
    {"^(?![人]|胜诉)[^，。]{0,3}(赢|胜)", "赢胜"},
    {"甲?乙", "乙"},
    {"[甲乙丙]丁", "丁"},
    {"(?:甲乙)+", "甲"},
    {"^(是)?(不可能|不存在)$", "不"},
    {"(会)?", NULL},
    {"a", NULL},
    {"^.{0,3}费", NULL},
    {"^[^，]{0,3}(甲|)", NULL},
    {"(?=[甲])", NULL},
    {"^(?<=甲)$", NULL},
    {"甲{0,2}", NULL},
};

static void
check_table(const struct lead_case *cases, size_t n_cases,
            bool (*of)(const char *, struct scan__lead *))
{
    struct scan__lead *l = malloc(sizeof(*l));

    assert_non_null(l);
    for (size_t i = 0; i < n_cases; i++) {
        const struct lead_case *c = &cases[i];
        bool got = of(c->expr, l);
        size_t n = 0;
        if (got != (c->set != NULL)) {
            fail_msg("case %zu: expected %s", i, c->set ? "a set" : "none");
        }
        if (c->set == NULL) {
            assert_int_equal(count(l), 0);
            continue;
        }
        for (size_t j = 0; c->set[j] != '\0';) {
            uint32_t cp;
            size_t k = lx_utf8_decode(c->set + j, strlen(c->set + j), &cp);
            assert_true(k > 0);
            if (!has(l, cp)) {
                fail_msg("case %zu: character at byte %zu missing", i, j);
            }
            n++;
            j += k;
        }
        if (count(l) != n) {
            fail_msg("case %zu: %zu characters, expected %zu", i, count(l), n);
        }
    }
    free(l);
}

static void
test_lead_table(void **state)
{
    (void)state;
    check_table(lead_cases, sizeof(lead_cases) / sizeof(lead_cases[0]),
                scan__lead_of);
}

static void
test_must_table(void **state)
{
    (void)state;
    check_table(must_cases, sizeof(must_cases) / sizeof(must_cases[0]),
                scan__must_of);
}

/* The character of t at byte p. */
static uint32_t
char_at(const char *t, size_t len, size_t p)
{
    uint32_t cp = 0;
    assert_true(lx_utf8_decode(t + p, len - p, &cp) > 0);
    return cp;
}

static void
test_lead_sound_on_pack(void **state)
{
    size_t count_assets = 0, n = 0, with_set = 0, matches = 0;
    size_t with_must = 0, must_matches = 0;
    const struct lx_asset *a = lx_asset_all(&count_assets);
    struct lx_scan_source src[64];
    struct scan__parsed parsed;
    struct lx_scan_pack *pack = NULL;
    struct lx_err err = {0};
    struct scan__lead *l = malloc(sizeof(*l));
    pcre2_match_data *md = pcre2_match_data_create(16, NULL);

    (void)state;
    assert_non_null(l);
    for (size_t i = 0; i < count_assets && n < 64; i++) {
        size_t len = strlen(a[i].name);
        if (strncmp(a[i].name, "rules/", 6) == 0 && len > 6 &&
            strcmp(a[i].name + len - 6, ".rules") == 0) {
            src[n++] = (struct lx_scan_source){
                a[i].name, (const char *)a[i].data, a[i].len};
        }
    }
    memset(&parsed, 0, sizeof(parsed));
    assert_int_equal(scan__parse(src, n, &parsed, &err), LX_OK);
    assert_int_equal(lx_scan_pack_compile_embedded(&pack, &err), LX_OK);
    for (size_t u = 0; u < parsed.n_unless; u++) {
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *re;
        bool lead = scan__lead_of(parsed.unless[u].expr, l);
        if (lead) {
            with_set++;
        } else if (scan__must_of(parsed.unless[u].expr, l)) {
            with_must++;
        } else {
            continue;
        }
        re = pcre2_compile((PCRE2_SPTR)parsed.unless[u].expr,
                           PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_CASELESS,
                           &ec, &eo, NULL);
        assert_non_null(re);
        for (size_t r = 0; r < lx_scan_pack_rule_count(pack); r++) {
            const struct lx_scan_rule_info *ri = lx_scan_pack_rule(pack, r);
            for (size_t e = 0; e < ri->n_pos + ri->n_neg; e++) {
                const char *t =
                    e < ri->n_pos ? ri->pos[e] : ri->neg[e - ri->n_pos];
                size_t len = strlen(t), from = 0;
                /* Every place a match can start, left to right. */
                while (from <= len && pcre2_match(re, (PCRE2_SPTR)t, len, from,
                                                  0, md, NULL) >= 0) {
                    size_t at = pcre2_get_ovector_pointer(md)[0];
                    size_t end = pcre2_get_ovector_pointer(md)[1];
                    bool in = false;
                    for (size_t k = at; !lead && k < end; k++) {
                        in = in || (((unsigned char)t[k] & 0xC0) != 0x80 &&
                                    has(l, char_at(t, len, k)));
                    }
                    if (lead && (at >= len || !has(l, char_at(t, len, at)))) {
                        fail_msg("%s:%u: a match starts outside the set",
                                 parsed.unless[u].file, parsed.unless[u].line);
                    }
                    if (!lead && !in) {
                        fail_msg("%s:%u: a match without the set",
                                 parsed.unless[u].file, parsed.unless[u].line);
                    }
                    matches += lead;
                    must_matches += !lead;
                    from = at + 1;
                    while (from < len &&
                           ((unsigned char)t[from] & 0xC0) == 0x80) {
                        from++;
                    }
                }
            }
        }
        pcre2_code_free(re);
    }
    /* The shared cues and plain word lists have lead sets, most patterns
     * anchored at the window's start a must set; matches were seen. */
    print_message("lead sets %zu, must sets %zu of %zu; matches %zu, %zu\n",
                  with_set, with_must, parsed.n_unless, matches, must_matches);
    assert_true(with_set > parsed.n_unless / 2);
    assert_true(with_must > 50);
    assert_true(matches > 100);
    assert_true(must_matches > 10);
    pcre2_match_data_free(md);
    lx_scan_pack_free(pack);
    scan__parsed_release(&parsed);
    free(l);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lead_table),
        cmocka_unit_test(test_must_table),
        cmocka_unit_test(test_lead_sound_on_pack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
