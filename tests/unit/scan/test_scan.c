/* Unit tests: scan — rule-file parser errors, verdict logic, context
 * exceptions, finding merge and cap, pack version, and every example
 * sentence of the embedded rule pack. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/asset.h"
#include "scan/scan.h"

/* ---- parser errors --------------------------------------------------- */

struct parse_case {
    const char *text;
    const char *detail_prefix; /* the error names file and line */
};

#define HEAD "rule: r1\ncategory: insult\nclause: C5.2\nseverity: block\n"

static const struct parse_case parse_cases[] = {
    {"category: insult\n", "t.rules:1: key outside a rule block"},
    {"rule: r1\ncategory: rudeness\n", "t.rules:2: unknown category"},
    {"rule: r1\ncategory: insult\nclause: C5.5\n",
     "t.rules:3: clause does not match"},
    {"rule: r1\ncategory: insult\nclause: C5.2\nseverity: review\n"
     "literal: x\n",
     "t.rules:1: severity of a block category must be block"},
    {HEAD, "t.rules:1: rule has no literal or regex"},
    {HEAD "severity: maybe\n", "t.rules:5: severity must be"},
    {HEAD "regex: (a)\\1\n", "t.rules:5: pattern not accepted by vectorscan"},
    {HEAD "literal: x\nunless: (\n", "t.rules:6: context pattern does not"},
    {HEAD "regex: {=NOPE}\n", "t.rules:5: undefined {=NAME} reference"},
    {HEAD "literal: x\n\n# c\nrule: r1\n", "t.rules:8: duplicate rule id"},
    {HEAD "colour: red\n", "t.rules:5: unknown key"},
    {HEAD "literal x\n", "t.rules:5: expected key: value"},
    {HEAD "window: 999\n", "t.rules:5: window larger than 200"},
    {"# only a comment\n\n", "rule pack has no rules"},
    {"rule: Bad Id\n", "t.rules:1: rule id must be"},
    {"define lower: x\n", "t.rules:1: define name must be"},
    {HEAD "literal: \xc3\x28\n", "t.rules: invalid UTF-8 at byte"},
};

static void
test_parse_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
         i++) {
        struct lx_scan_source src = {"dir/t.rules", parse_cases[i].text,
                                     strlen(parse_cases[i].text)};
        struct lx_scan_pack *p = NULL;
        struct lx_err err = {0};
        const char *want = parse_cases[i].detail_prefix;
        lx_rc rc = lx_scan_pack_compile(&src, 1, &p, &err);
        if (rc != LX_EINVAL) {
            fail_msg("case %zu: rc %d, want EINVAL", i, rc);
        }
        assert_null(p);
        /* The name is the one given: "dir/t.rules:…". */
        if (strstr(err.detail, want) == NULL) {
            fail_msg("case %zu: detail '%s' lacks '%s'", i, err.detail, want);
        }
    }
}

/* ---- verdicts -------------------------------------------------------- */

static const char small_pack[] =
    "# a small pack for verdict tests\n"
    "define NEG: (不能|无法)$\n"
    "rule: p.guarantee\n"
    "category: outcome_promise\n"
    "clause: C5.5\n"
    "severity: block\n"
    "regex: 保证.{0,4}胜诉\n"
    "unless-before: {=NEG}\n"
    "example+: 保证胜诉\n"
    "example-: 我们不能保证胜诉\n"
    "\n"
    "rule: f.vague\n"
    "category: fee_opacity\n"
    "clause: C5.6\n"
    "severity: review\n"
    "literal: 到时候再说\n"
    "literal: A+B\n"
    "\n"
    "rule: c.fake\n"
    "category: fake_credentials\n"
    "clause: C5.4\n"
    "severity: block\n"
    "literal: 零败诉\n"
    "unless-after: ^是假的\n"
    "scope: message\n";

struct pack_fixture {
    struct lx_scan_pack *pack;
    struct lx_scan_scanner *sc;
};

static int
setup_small(void **state)
{
    struct pack_fixture *f = calloc(1, sizeof(*f));
    struct lx_scan_source src = {"rules/small.rules", small_pack,
                                 sizeof(small_pack) - 1};
    struct lx_err err = {0};

    if (f == NULL ||
        lx_scan_pack_compile(&src, 1, &f->pack, &err) != LX_OK ||
        lx_scan_scanner_new(f->pack, &f->sc, &err) != LX_OK) {
        fprintf(stderr, "setup: %s\n", err.detail);
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown_pack(void **state)
{
    struct pack_fixture *f = *state;
    lx_scan_scanner_free(f->sc);
    lx_scan_pack_free(f->pack);
    free(f);
    return 0;
}

struct verdict_case {
    const char *text;
    enum lx_scan_verdict verdict;
    bool deliver;      /* without hold_review */
    bool deliver_hold; /* with hold_review */
    size_t n;
    const char *rule0;
    size_t start0, end0;
};

static const struct verdict_case verdict_cases[] = {
    {"您好，请把材料发过来", LX_SCAN_ALLOW, true, true, 0, NULL, 0, 0},
    {"", LX_SCAN_ALLOW, true, true, 0, NULL, 0, 0},
    {"费用到时候再说", LX_SCAN_REVIEW, true, false, 1, "f.vague", 6, 21},
    {"保证胜诉", LX_SCAN_BLOCK, false, false, 1, "p.guarantee", 0, 12},
    /* negation right before the hit: not a promise */
    {"我们不能保证胜诉", LX_SCAN_ALLOW, true, true, 0, NULL, 0, 0},
    /* a sentence end cuts the negation off */
    {"我们不能。保证胜诉", LX_SCAN_BLOCK, false, false, 1, "p.guarantee", 15,
     27},
    {"费用到时候再说，保证胜诉", LX_SCAN_BLOCK, false, false, 2, "f.vague",
     6, 21},
    /* literal with regex metacharacters, matched caselessly */
    {"x a+b y", LX_SCAN_REVIEW, true, false, 1, "f.vague", 2, 5},
    /* a review category escalated to block by its rule */
    {"零败诉", LX_SCAN_BLOCK, false, false, 1, "c.fake", 0, 9},
    {"零败诉是假的", LX_SCAN_ALLOW, true, true, 0, NULL, 0, 0},
    /* the regex reports several ends; one finding per overlapping run,
     * spanning the longest match */
    {"保证胜诉胜诉", LX_SCAN_BLOCK, false, false, 1, "p.guarantee", 0, 18},
};

static void
test_verdicts(void **state)
{
    struct pack_fixture *f = *state;

    for (size_t i = 0; i < sizeof(verdict_cases) / sizeof(verdict_cases[0]);
         i++) {
        const struct verdict_case *c = &verdict_cases[i];
        struct lx_scan_options hold = {.hold_review = true};
        struct lx_scan_result r, rh;
        struct lx_err err = {0};
        assert_int_equal(
            lx_scan_text(f->sc, c->text, strlen(c->text), NULL, &r, &err),
            LX_OK);
        assert_int_equal(
            lx_scan_text(f->sc, c->text, strlen(c->text), &hold, &rh, &err),
            LX_OK);
        if (r.verdict != c->verdict || r.n_findings != c->n ||
            r.deliver != c->deliver || rh.deliver != c->deliver_hold) {
            fail_msg("case %zu: verdict %d n %zu deliver %d/%d", i,
                     (int)r.verdict, r.n_findings, r.deliver, rh.deliver);
        }
        assert_string_equal(r.version, lx_scan_pack_version(f->pack));
        if (c->n > 0) {
            assert_string_equal(r.findings[0].rule, c->rule0);
            assert_int_equal(r.findings[0].start, c->start0);
            assert_int_equal(r.findings[0].end, c->end0);
            assert_string_equal(
                r.findings[0].clause,
                lx_scan_category_clause(r.findings[0].category));
        }
        assert_false(r.truncated);
    }
}

struct utf8_case {
    const char *text;
    long bad_at; /* -1: valid */
};

static const struct utf8_case utf8_cases[] = {
    {"ok \xe4\xbf", 3},                        /* truncated CJK */
    {"ab\xf0\x9f\x98", 2},                     /* truncated 4-byte */
    {"ab\xf0\x9f", 2},                         /* truncated 4-byte */
    {"\xe4\xbf\xdd", 0},                       /* bad continuation */
    {"abcdefghijk\xe4\xbf\xa1\x80", 14},       /* lone continuation */
    {"\xe0\x80\x80", 0},                       /* overlong 3-byte */
    {"\xc0\xaf", 0},                           /* overlong 2-byte */
    {"\xc1\xbf", 0},                           /* overlong 2-byte */
    {"x\xed\xa0\x80", 1},                      /* surrogate U+D800 */
    {"\xf4\x90\x80\x80", 0},                   /* above U+10FFFF */
    {"\xf0\x80\x80\x80", 0},                   /* overlong 4-byte */
    {"\xf5\x80\x80\x80", 0},                   /* invalid lead */
    {"\xff", 0},                               /* invalid byte */
    {"\xf0\x9f\x98\x80 \xc3\xa9 \xed\x9f\xbf", -1}, /* 4, 2, 3 bytes */
    {"\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf", -1}, /* edges */
    {"0123456789abcdef0123456789\xe5\xbe\x8b", -1}, /* ASCII run */
};

static void
test_invalid_utf8(void **state)
{
    struct pack_fixture *f = *state;

    for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
        const struct utf8_case *c = &utf8_cases[i];
        struct lx_scan_result r;
        struct lx_err err = {0};
        char want[32];
        lx_rc rc = lx_scan_text(f->sc, c->text, strlen(c->text), NULL, &r,
                                &err);
        if (c->bad_at < 0) {
            if (rc != LX_OK) {
                fail_msg("case %zu: valid text refused (%s)", i, err.detail);
            }
            continue;
        }
        snprintf(want, sizeof(want), "byte %ld", c->bad_at);
        if (rc != LX_EINVAL || strstr(err.detail, want) == NULL) {
            fail_msg("case %zu: rc %d detail '%s', want '%s'", i, rc,
                     err.detail, want);
        }
    }
}

/* The same cases at every position of 16-byte blocks (the vectorised
 * check of lx_scan_text works 16 bytes at a time and re-checks the last 16
 * bytes): after 0..40 bytes of ASCII or CJK text, followed by nothing or by
 * 17 ASCII bytes. The offset must be the first bad byte's. */
static void
test_invalid_utf8_blocks(void **state)
{
    struct pack_fixture *f = *state;
    static const char cjk[] = "\xe5\xbe\x8b"; /* U+5F8B */

    for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
        const struct utf8_case *c = &utf8_cases[i];
        size_t cl = strlen(c->text);
        for (size_t pad = 0; pad <= 40; pad++) {
            for (int kind = 0; kind < 4; kind++) {
                char buf[256];
                size_t n = 0, plen;
                struct lx_scan_result r;
                struct lx_err err = {0};
                char want[32];
                lx_rc rc;
                for (size_t k = 0; k < pad; k++) {
                    if (kind & 1) {
                        memcpy(buf + n, cjk, 3);
                        n += 3;
                    } else {
                        buf[n++] = 'a';
                    }
                }
                plen = n;
                memcpy(buf + n, c->text, cl);
                n += cl;
                if (kind & 2) {
                    memset(buf + n, 'b', 17);
                    n += 17;
                }
                rc = lx_scan_text(f->sc, buf, n, NULL, &r, &err);
                if (c->bad_at < 0) {
                    if (rc != LX_OK) {
                        fail_msg("case %zu pad %zu kind %d: valid text "
                                 "refused",
                                 i, pad, kind);
                    }
                    continue;
                }
                snprintf(want, sizeof(want), "byte %zu",
                         plen + (size_t)c->bad_at);
                if (rc != LX_EINVAL || strstr(err.detail, want) == NULL) {
                    fail_msg("case %zu pad %zu kind %d: rc %d detail '%s', "
                             "want '%s'",
                             i, pad, kind, rc, err.detail, want);
                }
            }
        }
    }
}

static void
test_findings_cap(void **state)
{
    struct pack_fixture *f = *state;
    char text[4096];
    size_t len = 0;
    static const char unit[] = "到时候再说。";
    static const char tail[] = "保证胜诉";
    struct lx_scan_result r;
    struct lx_err err = {0};

    for (int i = 0; i < 40; i++) { /* 40 * 18 bytes fit */
        memcpy(text + len, unit, sizeof(unit) - 1);
        len += sizeof(unit) - 1;
    }
    memcpy(text + len, tail, sizeof(tail) - 1);
    len += sizeof(tail) - 1;
    assert_int_equal(lx_scan_text(f->sc, text, len, NULL, &r, &err),
                     LX_OK);
    assert_int_equal(r.n_findings, LX_SCAN_MAX_FINDINGS);
    assert_true(r.truncated);
    /* the block finding beyond the cap still decides the verdict */
    assert_int_equal(r.verdict, LX_SCAN_BLOCK);
    for (size_t i = 1; i < r.n_findings; i++) {
        assert_true(r.findings[i - 1].start < r.findings[i].start);
    }
}

/* ---- version and rule listing ---------------------------------------- */

static void
test_version(void **state)
{
    struct lx_scan_source a[2] = {
        {"x/a.rules", small_pack, sizeof(small_pack) - 1},
        {"x/b.rules", "rule: b1\ncategory: threat\nclause: C5.2\n"
                      "severity: block\nliteral: 收拾你\n",
         0},
    };
    struct lx_scan_source b[2];
    struct lx_scan_pack *p1 = NULL, *p2 = NULL, *p3 = NULL;
    struct lx_err err = {0};

    (void)state;
    a[1].len = strlen(a[1].text);
    b[0] = a[1];
    b[1] = a[0];
    b[0].name = "other/b.rules"; /* directory does not matter */
    assert_int_equal(lx_scan_pack_compile(a, 2, &p1, &err), LX_OK);
    assert_int_equal(lx_scan_pack_compile(b, 2, &p2, &err), LX_OK);
    assert_int_equal(strlen(lx_scan_pack_version(p1)), 16);
    assert_string_equal(lx_scan_pack_version(p1), lx_scan_pack_version(p2));
    assert_int_equal(lx_scan_pack_rule_count(p1), 4);
    /* rules in file-name order: a.rules first */
    assert_string_equal(lx_scan_pack_rule(p2, 0)->id, "p.guarantee");
    assert_string_equal(lx_scan_pack_rule(p2, 3)->id, "b1");
    assert_null(lx_scan_pack_rule(p2, 4));
    a[0].len--; /* one byte less: another version */
    assert_int_equal(lx_scan_pack_compile(a, 2, &p3, &err), LX_OK);
    assert_string_not_equal(lx_scan_pack_version(p1),
                            lx_scan_pack_version(p3));
    lx_scan_pack_free(p1);
    lx_scan_pack_free(p2);
    lx_scan_pack_free(p3);
}

/* ---- the embedded pack: every example sentence ----------------------- */

static bool
flagged_by(const struct lx_scan_result *r, const char *rule)
{
    for (size_t i = 0; i < r->n_findings; i++) {
        if (strcmp(r->findings[i].rule, rule) == 0) {
            return true;
        }
    }
    return false;
}

static void
test_embedded_examples(void **state)
{
    struct lx_scan_source src[64];
    size_t n = 0, count = 0, checked = 0;
    const struct lx_asset *a = lx_asset_all(&count);
    struct lx_scan_pack *p = NULL;
    struct lx_scan_scanner *sc = NULL;
    struct lx_err err = {0};

    (void)state;
    for (size_t i = 0; i < count && n < 64; i++) {
        size_t l = strlen(a[i].name);
        if (strncmp(a[i].name, "rules/", 6) == 0 && l > 6 &&
            strcmp(a[i].name + l - 6, ".rules") == 0) {
            src[n++] = (struct lx_scan_source){
                a[i].name, (const char *)a[i].data, a[i].len};
        }
    }
    assert_true(n >= 9); /* one file per category at least */
    if (lx_scan_pack_compile(src, n, &p, &err) != LX_OK) {
        fail_msg("embedded pack: %s", err.detail);
    }
    assert_int_equal(lx_scan_scanner_new(p, &sc, &err), LX_OK);
    for (size_t i = 0; i < lx_scan_pack_rule_count(p); i++) {
        const struct lx_scan_rule_info *ri = lx_scan_pack_rule(p, i);
        struct lx_scan_result r;
        assert_true(ri->n_pos >= 1);
        for (size_t j = 0; j < ri->n_pos + ri->n_neg; j++) {
            bool pos = j < ri->n_pos;
            const char *t = pos ? ri->pos[j] : ri->neg[j - ri->n_pos];
            assert_int_equal(lx_scan_text(sc, t, strlen(t), NULL, &r, &err),
                             LX_OK);
            if (flagged_by(&r, ri->id) != pos) {
                fail_msg("%s:%u rule %s: example%c %zu %s", ri->file,
                         ri->line, ri->id, pos ? '+' : '-', j,
                         pos ? "not flagged" : "flagged");
            }
            checked++;
        }
    }
    assert_true(checked >= 2 * lx_scan_pack_rule_count(p));
    lx_scan_scanner_free(sc);
    lx_scan_pack_free(p);
}

static void
test_tables(void **state)
{
    (void)state;
    assert_string_equal(lx_scan_category_name(LX_SCAN_OFF_PLATFORM),
                        "off_platform");
    assert_string_equal(lx_scan_category_clause(LX_SCAN_BRAND_MISUSE),
                        "C5.8");
    assert_int_equal(lx_scan_category_severity(LX_SCAN_THREAT),
                     LX_SCAN_BLOCK);
    assert_int_equal(lx_scan_category_severity(LX_SCAN_FEE_OPACITY),
                     LX_SCAN_REVIEW);
    assert_string_equal(lx_scan_verdict_name(LX_SCAN_REVIEW), "review");
    assert_string_equal(lx_scan_category_name(LX_SCAN_CATEGORY_COUNT), "?");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test_setup_teardown(test_verdicts, setup_small,
                                        teardown_pack),
        cmocka_unit_test_setup_teardown(test_invalid_utf8, setup_small,
                                        teardown_pack),
        cmocka_unit_test_setup_teardown(test_invalid_utf8_blocks, setup_small,
                                        teardown_pack),
        cmocka_unit_test_setup_teardown(test_findings_cap, setup_small,
                                        teardown_pack),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_embedded_examples),
        cmocka_unit_test(test_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
