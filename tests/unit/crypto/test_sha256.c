/* Unit tests: crypto's SHA-256 (src/crypto/sha256.c), the part every CPU
 * runs: the FIPS 180-4 / NIST examples through lx_crypto_sha256() and
 * through libsodium's implementation by name (crypto_int.h). The SHA-NI
 * path has its own test, test_sha256_ni.c, reported as skipped (not
 * passed) on a CPU without SHA-NI. */
#include "crypto/crypto.h"

#include "sha256_cases.h"

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

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_public),
        cmocka_unit_test(test_vectors_sodium),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
