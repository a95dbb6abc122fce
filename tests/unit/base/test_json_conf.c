/* Unit tests: base/json caps and base/conf precedence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/json.h"

struct json_case {
    const char *in;
    lx_rc rc;
};

static const struct json_case json_cases[] = {
    {"{\"a\":1}", LX_OK},
    {"[1,2,{\"b\":[true,null]}]", LX_OK},
    {"{\"t\":\"\xe5\xbe\x8b\xe5\xb8\x88\"}", LX_OK},
    {"{\"a\":1,\"a\":2}", LX_EINVAL},           /* duplicate key */
    {"{\"a\":{\"b\":1,\"b\":1}}", LX_EINVAL},   /* nested duplicate */
    {"{\"a\":1", LX_EINVAL},                    /* truncated */
    {"{\"a\":1}}", LX_EINVAL},                  /* trailing */
    {"{'a':1}", LX_EINVAL},                     /* not JSON */
    {"{\"a\":\"\xc0\xaf\"}", LX_EINVAL},        /* invalid UTF-8 */
    {"{\"a\":\"x\\u0000y\"}", LX_EINVAL},       /* NUL in a string */
    {"", LX_EINVAL},
    {"{\"s\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", LX_OK}, /* brackets in a string */
};

static void
test_json_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(json_cases) / sizeof(json_cases[0]); i++) {
        struct json_t *j = NULL;
        struct lx_err err = {0};
        lx_rc rc = lx_json_parse(json_cases[i].in, strlen(json_cases[i].in),
                                 NULL, &j, &err);
        if (rc != json_cases[i].rc) {
            fail_msg("case %zu: rc %d want %d (%s)", i, rc, json_cases[i].rc,
                     err.detail);
        }
        if (rc == LX_OK) {
            assert_non_null(j);
            json_decref(j);
        } else {
            assert_null(j);
        }
    }
}

static char *
nested(size_t depth)
{
    char *s = malloc(depth * 2 + 1);
    for (size_t i = 0; i < depth; i++) {
        s[i] = '[';
        s[depth * 2 - 1 - i] = ']';
    }
    s[depth * 2] = '\0';
    return s;
}

static void
test_json_depth_and_sizes(void **state)
{
    struct lx_json_limits lim = LX_JSON_LIMITS_DEFAULT;
    struct json_t *j = NULL;
    char *ok = nested(32), *deep = nested(33), *huge = nested(100000);
    char big[200];

    (void)state;
    assert_int_equal(lx_json_parse(ok, strlen(ok), NULL, &j, NULL), LX_OK);
    json_decref(j);
    assert_int_equal(lx_json_parse(deep, strlen(deep), NULL, &j, NULL), LX_EINVAL);
    assert_int_equal(lx_json_parse(huge, strlen(huge), NULL, &j, NULL), LX_EINVAL);
    lim.max_bytes = 10;
    assert_int_equal(lx_json_parse("{\"a\":\"0123456789\"}", 18, &lim, &j, NULL),
                     LX_ETOOBIG);
    lim = (struct lx_json_limits)LX_JSON_LIMITS_DEFAULT;
    lim.max_string_bytes = 8;
    snprintf(big, sizeof(big), "{\"a\":\"%s\"}", "123456789");
    assert_int_equal(lx_json_parse(big, strlen(big), &lim, &j, NULL), LX_EINVAL);
    snprintf(big, sizeof(big), "{\"%s\":1}", "123456789");
    assert_int_equal(lx_json_parse(big, strlen(big), &lim, &j, NULL), LX_EINVAL);
    snprintf(big, sizeof(big), "{\"a\":\"%s\"}", "12345678");
    assert_int_equal(lx_json_parse(big, strlen(big), &lim, &j, NULL), LX_OK);
    json_decref(j);
    free(ok);
    free(deep);
    free(huge);
}

static void
test_json_error_names_no_content(void **state)
{
    struct json_t *j = NULL;
    struct lx_err err = {0};
    const char *in = "{\"phone\":\"13800138000\",\"phone\":\"13800138000\"}";

    (void)state;
    assert_int_equal(lx_json_parse(in, strlen(in), NULL, &j, &err), LX_EINVAL);
    assert_null(strstr(err.detail, "13800138000"));
    assert_null(strstr(err.detail, "phone"));
    assert_non_null(strstr(err.detail, "duplicate"));
}

static void
test_conf_precedence(void **state)
{
    struct lx_conf c;
    struct lx_err err = {0};
    char path[] = "/tmp/lexgate-conf-XXXXXX";
    int fd = mkstemp(path);
    const char ini[] = "[server]\nport = 9001\nthreads = 3\n[store]\ndb = sqlite:/x.db\n";

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, ini, sizeof(ini) - 1), (ssize_t)sizeof(ini) - 1);
    close(fd);

    lx_conf_defaults(&c);
    assert_int_equal(c.port, 8080);
    assert_string_equal(c.listen, "127.0.0.1");
    assert_int_equal(c.max_body_bytes, 1048576);
    assert_int_equal(c.max_header_bytes, 8192);

    /* file over defaults */
    assert_int_equal(lx_conf_load_file(&c, path, &err), LX_OK);
    assert_int_equal(c.port, 9001);
    assert_int_equal(c.threads, 3);
    assert_string_equal(c.db, "sqlite:/x.db");

    /* environment over file */
    setenv("LEXGATE_SERVER_PORT", "9002", 1);
    assert_int_equal(lx_conf_load_env(&c, &err), LX_OK);
    assert_int_equal(c.port, 9002);
    assert_int_equal(c.threads, 3);

    /* flag over environment */
    assert_int_equal(lx_conf_set(&c, "server.port", "9003", &err), LX_OK);
    assert_int_equal(c.port, 9003);

    /* bad values are refused and leave the old one */
    assert_int_equal(lx_conf_set(&c, "server.port", "70000", &err), LX_EINVAL);
    assert_int_equal(lx_conf_set(&c, "server.port", "12x", &err), LX_EINVAL);
    assert_int_equal(lx_conf_set(&c, "server.nope", "1", &err), LX_EINVAL);
    assert_int_equal(lx_conf_set(&c, "log.level", "loud", &err), LX_EINVAL);
    assert_int_equal(c.port, 9003);
    setenv("LEXGATE_SERVER_PORT", "-1", 1);
    assert_int_equal(lx_conf_load_env(&c, &err), LX_EINVAL);
    unsetenv("LEXGATE_SERVER_PORT");
    unlink(path);
}

static void
test_conf_file_errors(void **state)
{
    struct lx_conf c;
    struct lx_err err = {0};
    char path[] = "/tmp/lexgate-conf-XXXXXX";
    int fd = mkstemp(path);
    const char ini[] = "[server]\nprot = 9001\n";

    (void)state;
    assert_int_equal(write(fd, ini, sizeof(ini) - 1), (ssize_t)sizeof(ini) - 1);
    close(fd);
    lx_conf_defaults(&c);
    assert_int_equal(lx_conf_load_file(&c, path, &err), LX_EINVAL);
    assert_int_equal(lx_conf_load_file(&c, "/nonexistent/x.ini", &err), LX_EIO);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_table),
        cmocka_unit_test(test_json_depth_and_sizes),
        cmocka_unit_test(test_json_error_names_no_content),
        cmocka_unit_test(test_conf_precedence),
        cmocka_unit_test(test_conf_file_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
