/* Unit tests: base/utf8 hex digits (lx_hex_digit, lx_hex_digit_lower). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/utf8.h"

static void
test_hex_digit_every_byte(void **state)
{
    static const char digits[] = "0123456789abcdef";
    static const char upper[] = "ABCDEF";

    (void)state;
    for (int i = 0; i < 16; i++) {
        assert_int_equal(lx_hex_digit(digits[i]), i);
        assert_int_equal(lx_hex_digit_lower(digits[i]), i);
    }
    for (int i = 0; i < 6; i++) {
        assert_int_equal(lx_hex_digit(upper[i]), 10 + i);
        /* Canonical lower-case hex refuses upper-case digits. */
        assert_int_equal(lx_hex_digit_lower(upper[i]), -1);
    }
    /* Every other byte value is no digit. */
    for (int c = 0; c < 256; c++) {
        bool dec = c >= '0' && c <= '9';
        bool low = c >= 'a' && c <= 'f';
        bool up = c >= 'A' && c <= 'F';
        if (!dec && !low && !up) {
            assert_int_equal(lx_hex_digit(c), -1);
            assert_int_equal(lx_hex_digit_lower(c), -1);
        }
    }
}

static void
test_hex_digit_edges(void **state)
{
    (void)state;
    /* The neighbours of each range. */
    assert_int_equal(lx_hex_digit('/'), -1);
    assert_int_equal(lx_hex_digit(':'), -1);
    assert_int_equal(lx_hex_digit('@'), -1);
    assert_int_equal(lx_hex_digit('G'), -1);
    assert_int_equal(lx_hex_digit('`'), -1);
    assert_int_equal(lx_hex_digit('g'), -1);
    /* A negative char (a byte >= 0x80 where char is signed), EOF, large. */
    assert_int_equal(lx_hex_digit((char)0xE6), -1);
    assert_int_equal(lx_hex_digit(EOF), -1);
    assert_int_equal(lx_hex_digit(INT_MIN), -1);
    assert_int_equal(lx_hex_digit(INT_MAX), -1);
    assert_int_equal(lx_hex_digit('0' + 256), -1);
    assert_int_equal(lx_hex_digit_lower(EOF), -1);
    assert_int_equal(lx_hex_digit_lower('f'), 15);
    assert_int_equal(lx_hex_digit_lower('F'), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hex_digit_every_byte),
        cmocka_unit_test(test_hex_digit_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
