/*
 * crypto_int.h — crypto's internals, shared between src/crypto/ files and the
 * module's own unit tests (tests/unit/crypto/).
 *
 * SHA-256 has two implementations (sha256.c): libsodium's portable one and
 * one on the x86 SHA extensions (SHA-NI). lx_crypto_sha256() picks the
 * fastest the CPU offers; these declarations let a test run each one by
 * name and compare them on the same input.
 */
#ifndef LX_CRYPTO_INT_H
#define LX_CRYPTO_INT_H

#include "crypto/crypto.h"

#include <stdbool.h>
#include <stddef.h>

enum crypto__sha256_impl {
    CRYPTO__SHA256_SODIUM = 0, /* libsodium, portable C: always there */
    CRYPTO__SHA256_NI,         /* x86 SHA-NI with SSSE3 and SSE4.1 */
};

/* Whether this CPU can run 'impl' (CPUID, asked once per process and then
 * cached). Always true for CRYPTO__SHA256_SODIUM; false for
 * CRYPTO__SHA256_NI on other architectures. Thread-safe. */
bool crypto__sha256_has(enum crypto__sha256_impl impl);

/* SHA-256 of a || b by 'impl', with lx_crypto_sha256()'s contract. 'impl'
 * must be one crypto__sha256_has() accepts (asserted). Thread-safe. */
void crypto__sha256_by(enum crypto__sha256_impl impl, const void *a,
                       size_t alen, const void *b, size_t blen,
                       unsigned char out[LX_CRYPTO_SHA256_BYTES]);

#endif
