/* Unit tests: crypto's SHA-256 on the CPU's SHA extensions
 * (src/crypto/sha256.c): the FIPS 180-4 vectors through the SHA-NI path,
 * then that path against libsodium on every length 0..300 with random
 * splits between the two input parts, and the shapes audit/ hashes. On a
 * CPU without SHA-NI nothing runs and the binary exits 77, which CTest
 * reports as skipped (SKIP_RETURN_CODE). */
#include "crypto/crypto.h"

#include "sha256_cases.h"

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

static void
test_vectors_ni(void **state)
{
    (void)state;
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
        cmocka_unit_test(test_vectors_ni),
        cmocka_unit_test(test_ni_equals_sodium),
        cmocka_unit_test(test_ni_merkle_shapes),
    };

    if (!crypto__sha256_has(CRYPTO__SHA256_NI)) {
        fprintf(stderr, "test_sha256_ni: this CPU has no SHA-NI (or is not "
                        "x86): skipped\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
