/* Unit tests: the talk.* configuration keys — the contract's defaults
 * (C5.3: 3 attempts per 24 h, quiet 21:00-08:00, 30 minutes), booleans and
 * times of day. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/conf.h"

static void
test_talk_defaults(void **state)
{
    struct lx_conf c;

    (void)state;
    lx_conf_defaults(&c);
    assert_int_equal(c.talk_max_unanswered, 3);
    assert_int_equal(c.talk_window_s, 24 * 3600);
    assert_int_equal(c.talk_quiet_start_ms, INT64_C(21) * 3600 * 1000);
    assert_int_equal(c.talk_quiet_end_ms, INT64_C(8) * 3600 * 1000);
    assert_int_equal(c.talk_user_recent_s, 30 * 60);
    assert_false(c.talk_hold_review);
    assert_string_equal(c.talk_virtual_numbers, "");
    assert_int_equal(c.talk_binding_ttl_s, 600);
    assert_int_equal(c.talk_max_call_s, 3600);
    assert_string_equal(c.talk_telephony_key_file, "");
}

struct set_case {
    const char *key;
    const char *value;
    lx_rc rc;
};

static const struct set_case set_cases[] = {
    {"talk.hold_review", "true", LX_OK},
    {"talk.hold_review", "1", LX_OK},
    {"talk.hold_review", "false", LX_OK},
    {"talk.hold_review", "yes", LX_EINVAL},
    {"talk.hold_review", "", LX_EINVAL},
    {"talk.quiet_start", "07:30", LX_OK},
    {"talk.quiet_start", "23:59", LX_OK},
    {"talk.quiet_start", "00:00", LX_OK},
    {"talk.quiet_start", "24:00", LX_EINVAL},
    {"talk.quiet_start", "7:30", LX_EINVAL},
    {"talk.quiet_start", "07:60", LX_EINVAL},
    {"talk.quiet_start", "07:30:00", LX_EINVAL},
    {"talk.quiet_end", "ab:cd", LX_EINVAL},
    {"talk.max_call_s", "59", LX_EINVAL},
    {"talk.max_call_s", "14400", LX_OK},
    {"talk.binding_ttl_s", "86401", LX_EINVAL},
    {"talk.max_unanswered", "0", LX_OK},
};

static void
test_talk_set(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
        struct lx_conf c;
        struct lx_err err = {0};
        lx_conf_defaults(&c);
        assert_int_equal(
            lx_conf_set(&c, set_cases[i].key, set_cases[i].value, &err),
            set_cases[i].rc);
        if (set_cases[i].rc != LX_OK) {
            /* The detail names the key. */
            assert_non_null(strstr(err.detail, set_cases[i].key));
        }
    }
}

static void
test_talk_values(void **state)
{
    struct lx_conf c;
    struct lx_err err = {0};

    (void)state;
    lx_conf_defaults(&c);
    assert_int_equal(lx_conf_set(&c, "talk.hold_review", "true", &err), LX_OK);
    assert_true(c.talk_hold_review);
    assert_int_equal(lx_conf_set(&c, "talk.hold_review", "0", &err), LX_OK);
    assert_false(c.talk_hold_review);
    assert_int_equal(lx_conf_set(&c, "talk.quiet_start", "22:15", &err), LX_OK);
    assert_int_equal(c.talk_quiet_start_ms, (INT64_C(22) * 60 + 15) * 60000);
    /* A refused value leaves the old one. */
    assert_int_equal(lx_conf_set(&c, "talk.quiet_start", "25:00", &err),
                     LX_EINVAL);
    assert_int_equal(c.talk_quiet_start_ms, (INT64_C(22) * 60 + 15) * 60000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_talk_defaults),
        cmocka_unit_test(test_talk_set),
        cmocka_unit_test(test_talk_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
