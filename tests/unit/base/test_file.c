/* Unit tests: base/file — bounded reads and the file-or-embedded choice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/file.h"

static void
write_tmp(char *path, const char *data, size_t n)
{
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

static void
test_read_ceiling(void **state)
{
    char path[] = "/tmp/lexgate-file-XXXXXX";
    struct lx_err err = {0};
    char *out = NULL;
    size_t len = 0;

    (void)state;
    write_tmp(path, "0123456789", 10);
    /* exactly at the ceiling: fine */
    assert_int_equal(lx_file_read(path, 10, "test file", &out, &len, &err), LX_OK);
    assert_int_equal(len, 10);
    assert_string_equal(out, "0123456789");
    free(out);
    /* one byte over: refused, nothing handed out */
    assert_int_equal(lx_file_read(path, 9, "test file", &out, &len, &err),
                     LX_ETOOBIG);
    assert_null(out);
    assert_non_null(strstr(err.detail, "test file"));
    unlink(path);
    assert_int_equal(lx_file_read(path, 9, "test file", &out, &len, &err), LX_EIO);
    assert_null(out);
    /* the path is not in the message */
    assert_null(strstr(err.detail, path));
}

static void
test_read_large(void **state)
{
    char path[] = "/tmp/lexgate-file-XXXXXX";
    size_t n = 300 * 1024;
    char *big = malloc(n), *out = NULL;
    size_t len = 0;

    (void)state;
    for (size_t i = 0; i < n; i++) {
        big[i] = (char)('a' + i % 26);
    }
    write_tmp(path, big, n);
    assert_int_equal(lx_file_read(path, n, "x", &out, &len, NULL), LX_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, big, n);
    assert_int_equal(out[n], '\0');
    free(out);
    unlink(path);
    free(big);
}

static void
test_data_open(void **state)
{
    struct lx_data d;
    struct lx_err err = {0};
    char path[] = "/tmp/lexgate-file-XXXXXX";

    (void)state;
    /* embedded: the one holiday schedule */
    assert_int_equal(lx_data_open("", "data/cn-holidays/", ".csv", 1 << 20,
                                  "calendar", &d, &err),
                     LX_OK);
    assert_null(d.owned);
    assert_true(d.len > 1000);
    assert_memory_equal(d.p, "date,kind", 9);
    lx_data_release(&d);
    /* none or several embedded: a build defect, said so */
    assert_int_equal(lx_data_open(NULL, "data/none/", ".csv", 1 << 20, "x", &d,
                                  &err),
                     LX_EINTERNAL);
    assert_int_equal(lx_data_open(NULL, "data/", ".csv", 1 << 20, "x", &d, &err),
                     LX_EINTERNAL);
    /* a file wins over the embedded copy */
    write_tmp(path, "date,kind\n", 10);
    assert_int_equal(lx_data_open(path, "data/cn-holidays/", ".csv", 100,
                                  "calendar", &d, &err),
                     LX_OK);
    assert_non_null(d.owned);
    assert_int_equal(d.len, 10);
    lx_data_release(&d);
    assert_null(d.p);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_ceiling),
        cmocka_unit_test(test_read_large),
        cmocka_unit_test(test_data_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
