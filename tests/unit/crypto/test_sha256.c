/* Unit tests: crypto's SHA-256 (src/crypto/sha256.c).
 *
 * The FIPS 180-4 / NIST examples through lx_crypto_sha256() and through each
 * implementation by name (crypto_int.h), then the SHA-NI path against
 * libsodium on every length 0..300 with random splits between the two
 * input parts. On a CPU without SHA-NI the comparisons are reported as
 * skipped, not passed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

struct vector {
    const char *msg;
    size_t repeat; /* msg repeated this many times */
    const char *digest_hex;
};

/* FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional"). */
static const struct vector vectors[] = {
    {"", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", 1,
     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
     1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    {"a", 1000000,
     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
};

static void
unhex(const char *s, unsigned char *out, size_t n)
{
    assert_int_equal(strlen(s), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

/* xorshift64 (Marsaglia): reproducible bytes and splits from a fixed
 * seed. */
static uint64_t
next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static bool
have_ni(void)
{
    if (!crypto__sha256_has(CRYPTO__SHA256_NI)) {
        print_message("[   INFO   ] this CPU has no SHA-NI (or is not x86): "
                      "the SHA-NI path is not tested here\n");
        return false;
    }
    return true;
}

/* The vectors, whole and split in three places, through 'impl'. */
static void
check_vectors(enum crypto__sha256_impl impl)
{
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        const struct vector *v = &vectors[i];
        size_t mlen = strlen(v->msg), len = mlen * v->repeat;
        unsigned char want[32], got[32];
        unsigned char *m = malloc(len + 1);
        size_t cuts[3] = {0, len / 2, len};

        assert_non_null(m);
        for (size_t r = 0; r < v->repeat; r++) {
            memcpy(m + r * mlen, v->msg, mlen);
        }
        unhex(v->digest_hex, want, sizeof(want));
        for (size_t c = 0; c < 3; c++) {
            memset(got, 0, sizeof(got));
            crypto__sha256_by(impl, m, cuts[c], m + cuts[c], len - cuts[c],
                              got);
            assert_memory_equal(got, want, sizeof(want));
        }
        /* One changed bit changes the digest. */
        if (len > 0) {
            m[len - 1] ^= 1;
            crypto__sha256_by(impl, m, len, NULL, 0, got);
            assert_memory_not_equal(got, want, sizeof(want));
        }
        free(m);
    }
}

static void
test_vectors_public(void **state)
{
    unsigned char want[32], got[32];

    (void)state;
    /* What callers see, whichever implementation is picked: the RFC 9162
     * empty tree, MTH({}) = SHA-256(), with both parts NULL. */
    unhex(vectors[0].digest_hex, want, sizeof(want));
    lx_crypto_sha256(NULL, 0, NULL, 0, got);
    assert_memory_equal(got, want, sizeof(want));
    unhex(vectors[1].digest_hex, want, sizeof(want));
    lx_crypto_sha256("a", 1, "bc", 2, got);
    assert_memory_equal(got, want, sizeof(want));
    lx_crypto_sha256(NULL, 0, "abc", 3, got);
    assert_memory_equal(got, want, sizeof(want));
}

static void
test_vectors_sodium(void **state)
{
    (void)state;
    assert_true(crypto__sha256_has(CRYPTO__SHA256_SODIUM));
    check_vectors(CRYPTO__SHA256_SODIUM);
}

static void
test_vectors_ni(void **state)
{
    (void)state;
    if (!have_ni()) {
        skip();
    }
    check_vectors(CRYPTO__SHA256_NI);
}

/* Every length 0..300 (across the 55/56-byte padding edge and several
 * blocks), each split at random between a and b, and at 0 and len; the
 * SHA-NI digest must equal libsodium's and lx_crypto_sha256()'s. */
static void
test_ni_equals_sodium(void **state)
{
    enum { MAX = 300, SPLITS = 8 };
    uint64_t seed = 0x9e3779b97f4a7c15u;
    unsigned char msg[MAX], a[32], b[32], c[32];

    (void)state;
    if (!have_ni()) {
        skip();
    }
    for (size_t len = 0; len <= MAX; len++) {
        for (size_t i = 0; i < len; i++) {
            msg[i] = (unsigned char)next(&seed);
        }
        for (size_t s = 0; s < SPLITS + 2; s++) {
            size_t cut = s == 0   ? 0
                         : s == 1 ? len
                                  : (size_t)(next(&seed) % (len + 1));

            crypto__sha256_by(CRYPTO__SHA256_SODIUM, msg, len, NULL, 0, a);
            crypto__sha256_by(CRYPTO__SHA256_NI, msg, cut, msg + cut, len - cut,
                              b);
            lx_crypto_sha256(msg, cut, msg + cut, len - cut, c);
            assert_memory_equal(a, b, sizeof(a));
            assert_memory_equal(a, c, sizeof(a));
        }
    }
}

/* The shapes audit/ hashes (RFC 9162): a leaf of a ~250-byte entry and a
 * node of two child hashes, on unaligned input. */
static void
test_ni_merkle_shapes(void **state)
{
    uint64_t seed = 42;
    unsigned char raw[1 + 520], a[32], b[32];
    const unsigned char leaf = 0x00;

    (void)state;
    if (!have_ni()) {
        skip();
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        raw[i] = (unsigned char)next(&seed);
    }
    for (size_t n = 240; n <= 260; n++) {
        crypto__sha256_by(CRYPTO__SHA256_SODIUM, &leaf, 1, raw + 1, n, a);
        crypto__sha256_by(CRYPTO__SHA256_NI, &leaf, 1, raw + 1, n, b);
        assert_memory_equal(a, b, sizeof(a));
    }
    raw[0] = 0x01;
    crypto__sha256_by(CRYPTO__SHA256_SODIUM, raw, 65, NULL, 0, a);
    crypto__sha256_by(CRYPTO__SHA256_NI, raw, 65, NULL, 0, b);
    assert_memory_equal(a, b, sizeof(a));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_public),
        cmocka_unit_test(test_vectors_sodium),
        cmocka_unit_test(test_vectors_ni),
        cmocka_unit_test(test_ni_equals_sodium),
        cmocka_unit_test(test_ni_merkle_shapes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
