/* tests/unit/crypto/sha256_cases.h — what the SHA-256 tests share: the
 * FIPS 180-4 vectors, a checker that runs them through one implementation
 * (whole and split). Included by test_sha256.c
 * and test_sha256_ni.c only. */
#ifndef LX_TEST_SHA256_CASES_H
#define LX_TEST_SHA256_CASES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif /* LX_TEST_SHA256_CASES_H */
