/* Unit tests: scan_utf8 — every vector path of the message UTF-8 check
 * this CPU runs gives lx_utf8_valid's answer and offset: on each bad
 * sequence at every position of two 32-byte blocks, after ASCII or CJK,
 * and on seeded random byte strings (mostly valid text with one byte
 * changed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/utf8.h"
#include "scan/scan_int.h"

static const char *const bad_seqs[] = {
    "\x80",             /* a lone continuation */
    "\xc3\x28",         /* a lead without its continuation */
    "\xc0\xaf",         /* overlong '/' */
    "\xe0\x80\xaf",     /* overlong, 3 bytes */
    "\xed\xa0\x80",     /* a surrogate */
    "\xf4\x90\x80\x80", /* above U+10FFFF */
    "\xf8\x88\x80\x80", /* a 5-byte lead */
    "\xe5\xbe",         /* cut short */
    "\xff",
};

static void
check_all_levels(const char *buf, size_t n, int top)
{
    size_t want_bad = 0;
    bool want = lx_utf8_valid(buf, n, &want_bad);

    for (int level = 0; level <= top; level++) {
        size_t got_bad = 0;
        bool got = scan__utf8_valid(level, buf, n, &got_bad);
        if (got != want || (!want && got_bad != want_bad)) {
            fail_msg("level %d, %zu bytes: %s at %zu, want %s at %zu", level,
                     n, got ? "valid" : "invalid", got_bad,
                     want ? "valid" : "invalid", want_bad);
        }
    }
}

static void
test_bad_at_every_position(void **state)
{
    int top = scan__utf8_level();
    static const char cjk[] = "\xe5\xbe\x8b"; /* U+5F8B */

    (void)state;
    for (size_t s = 0; s < sizeof(bad_seqs) / sizeof(bad_seqs[0]); s++) {
        size_t sl = strlen(bad_seqs[s]);
        for (size_t pad = 0; pad <= 70; pad++) {
            for (int kind = 0; kind < 4; kind++) {
                char buf[512];
                size_t n = 0;
                for (size_t k = 0; k < pad; k++) {
                    if (kind & 1) {
                        memcpy(buf + n, cjk, 3);
                        n += 3;
                    } else {
                        buf[n++] = 'a';
                    }
                }
                memcpy(buf + n, bad_seqs[s], sl);
                n += sl;
                if (kind & 2) {
                    for (size_t k = 0; k < 11; k++) {
                        memcpy(buf + n, cjk, 3);
                        n += 3;
                    }
                }
                check_all_levels(buf, n, top);
                /* and the valid text up to the bad sequence */
                check_all_levels(buf, n - sl - ((kind & 2) ? 33 : 0), top);
            }
        }
    }
}

static uint64_t
next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static void
test_random(void **state)
{
    int top = scan__utf8_level();
    static const char *const chars[] = {"a", "\xc3\xa9", "\xe5\xbe\x8b",
                                        "\xf0\x9f\x98\x80", "\xef\xbc\x8c"};
    uint64_t s = 0x5eed;

    (void)state;
    for (int round = 0; round < 20000; round++) {
        char buf[300];
        size_t n = 0, len = next(&s) % 200;
        while (n + 4 <= len) {
            const char *c = chars[next(&s) % 5];
            memcpy(buf + n, c, strlen(c));
            n += strlen(c);
        }
        if (n > 0 && next(&s) % 2 == 0) {
            buf[next(&s) % n] = (char)(next(&s) & 0xFF);
        }
        check_all_levels(buf, n, top);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_at_every_position),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
