/* Unit tests: crypto's HMAC-SHA256 (RFC 4231 vectors) and the key-file
 * reader the telephony webhook key comes through (modes, sizes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/crypto.h"

struct hmac_case {
    const char *key_hex;
    const char *msg_hex;
    const char *mac_hex;
};

/* RFC 4231 test cases 1, 2, 3 and 6 (a 131-byte key, longer than the
 * block). */
static const struct hmac_case cases[] = {
    {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    {"4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
     "dddddddddddddddddddddddddddddddd",
     "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65"
     "204b6579202d2048617368204b6579204669727374",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
};

static size_t
unhex(const char *s, unsigned char *out, size_t cap)
{
    size_t n = strlen(s) / 2;

    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
    return n;
}

static void
test_hmac_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned char key[256], msg[256], want[32], got[32];
        size_t kn = unhex(cases[i].key_hex, key, sizeof(key));
        size_t mn = unhex(cases[i].msg_hex, msg, sizeof(msg));

        unhex(cases[i].mac_hex, want, sizeof(want));
        lx_crypto_hmac_sha256(key, kn, msg, mn, got);
        assert_memory_equal(got, want, sizeof(want));
        /* One bit of the message or the key changes the MAC. */
        msg[0] ^= 1;
        lx_crypto_hmac_sha256(key, kn, msg, mn, got);
        assert_memory_not_equal(got, want, sizeof(want));
        msg[0] ^= 1;
        key[kn - 1] ^= 1;
        lx_crypto_hmac_sha256(key, kn, msg, mn, got);
        assert_memory_not_equal(got, want, sizeof(want));
    }
}

static void
write_file(const char *path, const void *p, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static void
test_key_file(void **state)
{
    char dir[] = "/tmp/lexgate-hmac-XXXXXX";
    char path[64], link_path[64];
    struct lx_secret *s = NULL;
    struct lx_err err = {0};
    unsigned char big[2048];

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/k", dir);
    snprintf(link_path, sizeof(link_path), "%s/l", dir);

    write_file(path, "s3cret-key", 10, 0600);
    assert_int_equal(
        lx_crypto_key_file_read(path, 1024, "x.key_file", &s, &err), LX_OK);
    assert_non_null(s);
    assert_int_equal(s->len, 10);
    assert_memory_equal(s->p, "s3cret-key", 10);
    lx_secret_free(s);
    s = NULL;

    /* Readable by the group or others: refused, naming the key, not the
     * content. */
    chmod(path, 0640);
    assert_int_equal(
        lx_crypto_key_file_read(path, 1024, "x.key_file", &s, &err),
        LX_EDENIED);
    assert_null(s);
    assert_string_equal(err.field, "x.key_file");
    assert_non_null(strstr(err.detail, "chmod 600"));
    assert_null(strstr(err.detail, "s3cret"));
    chmod(path, 0604);
    assert_int_equal(
        lx_crypto_key_file_read(path, 1024, "x.key_file", &s, &err),
        LX_EDENIED);

    /* Empty, too big, a symbolic link, absent. */
    write_file(path, "", 0, 0600);
    assert_int_equal(
        lx_crypto_key_file_read(path, 1024, "x.key_file", &s, &err),
        LX_EINTEGRITY);
    memset(big, 'k', sizeof(big));
    write_file(path, big, sizeof(big), 0600);
    assert_int_equal(
        lx_crypto_key_file_read(path, 1024, "x.key_file", &s, &err),
        LX_EINTEGRITY);
    assert_int_equal(
        lx_crypto_key_file_read(path, 4096, "x.key_file", &s, &err), LX_OK);
    assert_int_equal(s->len, sizeof(big));
    lx_secret_free(s);
    s = NULL;
    assert_int_equal(symlink(path, link_path), 0);
    assert_int_equal(
        lx_crypto_key_file_read(link_path, 4096, "x.key_file", &s, &err),
        LX_EIO);
    assert_null(s);
    unlink(link_path);
    unlink(path);
    assert_int_equal(
        lx_crypto_key_file_read(path, 1024, "x.key_file", &s, &err), LX_EIO);
    assert_null(s);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hmac_vectors),
        cmocka_unit_test(test_key_file),
    };
    struct lx_err err = {0};

    if (lx_crypto_init(&err) != LX_OK) {
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
