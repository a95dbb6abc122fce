/* Unit tests: http's JSON request-body decoding (lx_http_json_decode) —
 * media type (415), UTF-8 (400 naming the offset), syntax and depth (400),
 * size (413) — and the route table's printed form. Table-driven. */
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

#include "http/http.h"

struct body_case {
    const char *ctype; /* NULL: no Content-Type header */
    const char *body;
    size_t max_bytes;
    lx_rc rc;
    const char *detail_has; /* substring of the detail, or NULL */
};

static const struct body_case cases[] = {
    {"application/json", "{\"a\":1}", 1024, LX_OK, NULL},
    {"application/json; charset=utf-8", "[1,2]", 1024, LX_OK, NULL},
    {"Application/JSON;charset=\"UTF-8\"", "{}", 1024, LX_OK, NULL},
    {" application/json", "{\"t\":\"\xe5\xbe\x8b\xe5\xb8\x88\"}", 1024, LX_OK,
     NULL},
    /* 415: missing, other types, other charsets, look-alikes */
    {NULL, "{}", 1024, LX_EMEDIA, "application/json"},
    {"text/plain", "{}", 1024, LX_EMEDIA, NULL},
    {"application/jsonx", "{}", 1024, LX_EMEDIA, NULL},
    {"application/json; charset=latin-1", "{}", 1024, LX_EMEDIA, NULL},
    {"application/json; foo=bar", "{}", 1024, LX_EMEDIA, NULL},
    {"application/problem+json", "{}", 1024, LX_EMEDIA, NULL},
    {"", "{}", 1024, LX_EMEDIA, NULL},
    /* 400: malformed JSON */
    {"application/json", "{\"a\":1", 1024, LX_EINVAL, "malformed JSON"},
    {"application/json", "{'a':1}", 1024, LX_EINVAL, NULL},
    {"application/json", "", 1024, LX_EINVAL, NULL},
    {"application/json", "{\"a\":1,\"a\":2}", 1024, LX_EINVAL, "duplicate"},
    /* 400: invalid UTF-8, named by byte offset */
    {"application/json", "{\"a\":\"\xc0\xaf\"}", 1024, LX_EINVAL, "byte 6"},
    {"application/json", "{\"a\":\"\xed\xa0\x80\"}", 1024, LX_EINVAL, "UTF-8"},
    {"application/json", "\xff", 1024, LX_EINVAL, "byte 0"},
    /* 413 */
    {"application/json", "[1,2,3,4,5,6,7,8,9,10]", 8, LX_ETOOBIG, NULL},
};

static void
test_body_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct body_case *c = &cases[i];
        struct json_t *j = NULL;
        struct lx_err err = {0};
        lx_rc rc = lx_http_json_decode(c->ctype, c->body, strlen(c->body),
                                       c->max_bytes, &j, &err);
        if (rc != c->rc) {
            fail_msg("case %zu: rc %d want %d (%s)", i, rc, c->rc,
                     lx_err_message(&err));
        }
        if (c->detail_has != NULL &&
            strstr(lx_err_message(&err), c->detail_has) == NULL) {
            fail_msg("case %zu: detail '%s' lacks '%s'", i,
                     lx_err_message(&err), c->detail_has);
        }
        if (rc == LX_OK) {
            assert_non_null(j);
            json_decref(j);
        } else {
            assert_null(j);
            assert_int_equal(err.rc, rc);
        }
    }
}

/* Depth 32 is accepted, 33 refused, without recursing on deep input. */
static void
test_body_depth(void **state)
{
    char buf[2 * 100000 + 1];
    struct lx_err err = {0};
    struct json_t *j = NULL;

    (void)state;
    for (size_t depth = 31; depth <= 33; depth++) {
        memset(buf, '[', depth);
        memset(buf + depth, ']', depth);
        j = NULL;
        lx_rc rc = lx_http_json_decode("application/json", buf, 2 * depth,
                                       sizeof(buf), &j, &err);
        assert_int_equal(rc, depth <= 32 ? LX_OK : LX_EINVAL);
        json_decref(j);
    }
    memset(buf, '[', 100000);
    memset(buf + 100000, ']', 100000);
    assert_int_equal(lx_http_json_decode("application/json", buf, 200000,
                                         sizeof(buf), &j, &err),
                     LX_EINVAL);
    assert_non_null(strstr(err.detail, "deeper"));
}

/* The detail never quotes the body. */
static void
test_body_detail_has_no_content(void **state)
{
    static const char *const bodies[] = {
        "{\"phone\":\"13800138000\" oops}",
        "{\"name\":\"\xe5\xbc\xa0\xe4\xb8\x89\",\"x\":\xc0}",
        "13800138000 13800138000",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        struct lx_err err = {0};
        struct json_t *j = NULL;
        assert_int_not_equal(lx_http_json_decode("application/json", bodies[i],
                                                 strlen(bodies[i]), 4096, &j,
                                                 &err),
                             LX_OK);
        assert_null(strstr(err.detail, "13800138000"));
        assert_null(strstr(err.detail, "\xe5\xbc\xa0"));
        assert_null(strstr(err.detail, "phone"));
    }
}

/* lexgate routes: "METHOD /template" lines, /healthz among them. */
static void
test_routes_write(void **state)
{
    char path[] = "/tmp/lexgate-routes-XXXXXX";
    char buf[8192];
    int fd = mkstemp(path);
    ssize_t n;

    (void)state;
    assert_true(fd >= 0);
    unlink(path);
    lx_http_routes_write(fd);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, "GET /healthz\n"));
    assert_non_null(strstr(buf, "GET /readyz\n"));
    assert_non_null(strstr(buf, "GET /metrics\n"));
    assert_int_equal(buf[n - 1], '\n');
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_table),
        cmocka_unit_test(test_body_depth),
        cmocka_unit_test(test_body_detail_has_no_content),
        cmocka_unit_test(test_routes_write),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
