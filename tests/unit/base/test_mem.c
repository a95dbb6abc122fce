/* Unit tests: base/buf ceilings, arena, utf8, err table, log filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "base/utf8.h"

static void
test_buf_ceiling(void **state)
{
    struct lx_buf b = LX_BUF_INIT(10);

    (void)state;
    assert_int_equal(lx_buf_append(&b, "12345", 5), LX_OK);
    assert_int_equal(lx_buf_append(&b, "67890", 5), LX_OK);
    assert_int_equal(b.len, 10);
    /* One byte past the ceiling fails and changes nothing. */
    assert_int_equal(lx_buf_append(&b, "x", 1), LX_ETOOBIG);
    assert_int_equal(b.len, 10);
    assert_string_equal(lx_buf_peek(&b), "1234567890");
    assert_int_equal(lx_buf_printf(&b, "%d", 1), LX_ETOOBIG);
    lx_buf_reset(&b);
    assert_int_equal(lx_buf_printf(&b, "%s-%d", "ab", 42), LX_OK);
    assert_string_equal(lx_buf_peek(&b), "ab-42");
    /* A huge n cannot overflow the size arithmetic. */
    assert_int_equal(lx_buf_append(&b, "x", (size_t)-1), LX_ETOOBIG);
    lx_buf_release(&b);
    assert_int_equal(b.max, 10);
    assert_string_equal(lx_buf_peek(&b), "");
}

static void
test_buf_json_str(void **state)
{
    struct lx_buf b = LX_BUF_INIT(64);
    struct lx_buf small = LX_BUF_INIT(4);

    (void)state;
    assert_int_equal(lx_buf_append_json_str(&b, "a\"b\\c\n\x01", 7), LX_OK);
    assert_string_equal(lx_buf_peek(&b), "\"a\\\"b\\\\c\\n\\u0001\"");
    /* All or nothing when the ceiling is hit midway. */
    assert_int_equal(lx_buf_append(&small, "x", 1), LX_OK);
    assert_int_equal(lx_buf_append_json_str(&small, "abcd", 4), LX_ETOOBIG);
    assert_string_equal(lx_buf_peek(&small), "x");
    lx_buf_release(&b);
    lx_buf_release(&small);
}

static int hook_order[4];
static int hook_n;

static void
hook(void *arg)
{
    hook_order[hook_n++] = *(int *)arg;
}

static void
test_arena(void **state)
{
    struct lx_arena a;
    static int one = 1, two = 2;

    (void)state;
    lx_arena_init(&a, 128);
    for (int i = 0; i < 1000; i++) {
        unsigned char *p = lx_arena_alloc(&a, 1, (size_t)(i % 300) + 1);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
        assert_int_equal(p[0], 0);
        memset(p, 0xab, (size_t)(i % 300) + 1);
    }
    assert_string_equal(lx_arena_printf(&a, "%s/%d", "x", 7), "x/7");
    assert_string_equal(lx_arena_strndup(&a, "hello", 3), "hel");
    hook_n = 0;
    lx_arena_on_release(&a, hook, &one);
    lx_arena_on_release(&a, hook, &two);
    lx_arena_release(&a);
    assert_int_equal(hook_n, 2);
    assert_int_equal(hook_order[0], 2); /* reverse order */
    assert_int_equal(hook_order[1], 1);
    assert_int_equal(a.used_bytes, 0);
    lx_arena_release(&a); /* twice is fine */
}

struct utf8_case {
    const char *s;
    size_t n;
    int valid;
    size_t bad_at;
};

static const struct utf8_case utf8_cases[] = {
    {"hello", 5, 1, 0},
    {"\xe5\xbe\x8b\xe5\xb8\x88", 6, 1, 0},  /* 律师 */
    {"\xf0\x9f\x98\x80", 4, 1, 0},          /* emoji */
    {"ab\xc0\xaf", 4, 0, 2},                /* overlong '/' */
    {"\xe0\x80\xaf", 3, 0, 0},              /* overlong */
    {"\xed\xa0\x80", 3, 0, 0},              /* surrogate */
    {"\xf4\x90\x80\x80", 4, 0, 0},          /* > U+10FFFF */
    {"x\xe5\xbe", 3, 0, 1},                 /* truncated */
    {"\x80", 1, 0, 0},                      /* lone continuation */
    {"\xff", 1, 0, 0},
};

static void
test_utf8(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
        size_t bad = 999;
        int ok = lx_utf8_valid(utf8_cases[i].s, utf8_cases[i].n, &bad);
        assert_int_equal(ok, utf8_cases[i].valid);
        if (!ok) {
            assert_int_equal(bad, utf8_cases[i].bad_at);
        }
    }
    /* encode/decode round trip over the whole range */
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp += 7) {
        char out[4];
        uint32_t back;
        size_t n = lx_utf8_encode(cp, out);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_true(n >= 1);
        assert_int_equal(lx_utf8_decode(out, n, &back), n);
        assert_int_equal(back, cp);
    }
    assert_int_equal(lx_utf8_count("\xe5\xbe\x8b\xe5\xb8\x88x", 7), 3);
}

/* The fast validator agrees with the decoder on every short sequence and
 * on random mixed buffers (same verdict, same first bad offset). */
static bool
ref_valid(const char *s, size_t n, size_t *bad)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t k = lx_utf8_decode(s + i, n - i, &cp);
        if (k == 0) {
            *bad = i;
            return false;
        }
        i += k;
    }
    return true;
}

static void
test_utf8_valid_matches_decoder(void **state)
{
    unsigned char buf[64];
    uint32_t x = 12345;

    (void)state;
    /* every 1..3 byte sequence of lead bytes with all second bytes */
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            for (unsigned c = 0x70; c < 0xC0; c += 0x0F) {
                size_t b1 = 0, b2 = 0;
                char t[3] = {(char)a, (char)b, (char)c};
                bool v1 = lx_utf8_valid(t, 3, &b1), v2 = ref_valid(t, 3, &b2);
                assert_int_equal(v1, v2);
                if (!v1) {
                    assert_int_equal(b1, b2);
                }
            }
        }
    }
    /* random buffers mixing ASCII runs and CJK */
    for (int round = 0; round < 20000; round++) {
        size_t n = 1 + round % 63, b1 = 0, b2 = 0;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            unsigned r = (x >> 16) & 0xFF;
            buf[i] = (unsigned char)(r < 160 ? 'a' + r % 26 : r);
        }
        bool v1 = lx_utf8_valid((char *)buf, n, &b1);
        bool v2 = ref_valid((char *)buf, n, &b2);
        assert_int_equal(v1, v2);
        if (!v1) {
            assert_int_equal(b1, b2);
        }
    }
}

static void
test_err_table(void **state)
{
    struct lx_err err = {0};

    (void)state;
    assert_int_equal(lx_rc_http_status(LX_EINVAL), 400);
    assert_int_equal(lx_rc_http_status(LX_ETOOBIG), 413);
    assert_int_equal(lx_rc_http_status(LX_EHEADERS), 431);
    assert_string_equal(lx_rc_slug(LX_EDENIED), "access-denied");
    assert_string_equal(lx_rc_name(LX_ESTORE), "ESTORE");
    /* Out-of-range codes fall back to internal-error, never NULL. */
    assert_string_equal(lx_rc_slug((lx_rc)9999), "internal-error");
    assert_int_equal(lx_err_set(&err, LX_EINVAL, "/from", "bad %s", "date"),
                     LX_EINVAL);
    assert_string_equal(err.field, "/from");
    assert_string_equal(lx_err_message(&err), "bad date");
    lx_err_set(&err, LX_ENOTFOUND, NULL, NULL);
    assert_string_equal(lx_err_message(&err), "no such resource");
    /* Every code has a distinct slug. */
    for (int a = 1; a < LX_RC_COUNT_; a++) {
        for (int b = a + 1; b < LX_RC_COUNT_; b++) {
            assert_true(strcmp(lx_rc_slug((lx_rc)a), lx_rc_slug((lx_rc)b)) != 0);
        }
    }
}

static void
test_log_no_free_text(void **state)
{
    int fds[2];
    char out[4096];
    ssize_t n;
    struct lx_log log;
    struct lx_log_line l;

    (void)state;
    assert_int_equal(pipe(fds), 0);
    log.fd = fds[1];
    log.min_level = LX_LOG_INFO;
    lx_log_begin(&l, &log, LX_LOG_INFO, "lead_created", "req-1", 0);
    lx_log_id(&l, "lead", "L-42");
    lx_log_id(&l, "phone", "13800138000 张三"); /* free text: refused */
    lx_log_id(&l, "note", "call me\"}");
    lx_log_int(&l, "count", 3);
    lx_log_end(&l);
    lx_log_begin(&l, &log, LX_LOG_DEBUG, "dropped", NULL, 0);
    lx_log_end(&l);
    close(fds[1]);
    n = read(fds[0], out, sizeof(out) - 1);
    close(fds[0]);
    assert_true(n > 0);
    out[n] = '\0';
    assert_non_null(strstr(out, "\"event\":\"lead_created\""));
    assert_non_null(strstr(out, "\"lead\":\"L-42\""));
    assert_non_null(strstr(out, "\"phone\":\"?\""));
    assert_non_null(strstr(out, "\"note\":\"?\""));
    assert_null(strstr(out, "13800138000"));
    assert_null(strstr(out, "dropped"));
    assert_int_equal(out[n - 1], '\n');
    assert_null(strchr(out, '\n') + 1 < out + n ? strchr(strchr(out, '\n') + 1, '\n') : NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_ceiling),  cmocka_unit_test(test_buf_json_str),
        cmocka_unit_test(test_arena),        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_utf8_valid_matches_decoder),
        cmocka_unit_test(test_err_table),    cmocka_unit_test(test_log_no_free_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
