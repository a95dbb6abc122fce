/*
 * sha256 — SHA-256 (FIPS 180-4) on the x86 SHA extensions when the CPU has
 * them, libsodium's portable code otherwise.
 *
 * Why: audit verification re-hashes every entry and every Merkle node
 * (RFC 9162: SHA-256(0x00 || entry), SHA-256(0x01 || left || right)), and
 * libsodium's portable SHA-256 was over half of `lexgate audit verify`'s
 * CPU time. libsodium has no SHA-NI code; the instructions do two rounds
 * each, several times faster than the C rounds.
 *
 * How it is chosen: lx_crypto_sha256() asks CPUID once (leaf 1: SSSE3 and
 * SSE4.1; leaf 7, sub-leaf 0, EBX bit 29: SHA) and caches the answer in one
 * C11 atomic. The cache holds a fact about the CPU, not process state, and
 * two threads racing to fill it write the same value. Only compress_ni() is
 * compiled for "sha,sse4.1" (a function attribute: the build has no -msha),
 * and it runs only after CPUID said yes. On other architectures, or without
 * SHA-NI, libsodium's crypto_hash_sha256 runs as before.
 *
 * The SHA-NI path is written from FIPS 180-4 (padding, message schedule,
 * constants) and Intel's description of SHA256RNDS2 / SHA256MSG1 /
 * SHA256MSG2: the state lives in two registers as ABEF and CDGH, RNDS2 does
 * two rounds with K+W taken from the low half of its third operand, and
 * MSG1 then MSG2 compute four new schedule words from the previous sixteen.
 *
 * How it is tested: tests/unit/crypto/test_sha256.c runs the FIPS 180-4
 * examples through both paths (crypto_int.h names them) and compares them
 * on every length 0..300 with random splits between the two input parts;
 * on a CPU without SHA-NI it says that the comparison was skipped.
 */
#include "crypto/crypto.h"
#include "crypto/crypto_int.h"

#include <assert.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_X86 1
#include <cpuid.h>
#include <immintrin.h>
#else
#define HAVE_X86 0
#endif

static_assert(LX_CRYPTO_SHA256_BYTES == crypto_hash_sha256_BYTES,
              "sha256 size");

/* ---- libsodium ---------------------------------------------------------- */

static void
sha256_sodium(const void *a, size_t alen, const void *b, size_t blen,
              unsigned char out[LX_CRYPTO_SHA256_BYTES])
{
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    if (alen > 0) {
        crypto_hash_sha256_update(&st, a, alen);
    }
    if (blen > 0) {
        crypto_hash_sha256_update(&st, b, blen);
    }
    crypto_hash_sha256_final(&st, out);
}

#if HAVE_X86

/* ---- SHA-NI ------------------------------------------------------------- */

/* FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube
 * roots of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

/* FIPS 180-4 §5.3.3: the initial hash value. */
static const uint32_t IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* Run the compression function over n 64-byte blocks at p.
 *
 * Lane 0 of an __m128i is its low 32 bits. h[] holds a..h in order; the
 * instructions want ABEF = (F, E, B, A) and CDGH = (H, G, D, C) by lane.
 * w[] is a window of the last sixteen schedule words, four per register,
 * indexed by round group modulo 4. */
__attribute__((target("sha,sse4.1"))) static void
compress_ni(uint32_t h[8], const unsigned char *p, size_t n)
{
    /* Byte order of each 32-bit word reversed: message words are
     * big-endian. */
    const __m128i bswap =
        _mm_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
    __m128i abcd = _mm_loadu_si128((const __m128i *)&h[0]);
    __m128i efgh = _mm_loadu_si128((const __m128i *)&h[4]);
    __m128i abef, cdgh, w[4], wk, t;

    abcd = _mm_shuffle_epi32(abcd, 0xB1);     /* (B, A, D, C) */
    efgh = _mm_shuffle_epi32(efgh, 0x1B);     /* (H, G, F, E) */
    abef = _mm_alignr_epi8(abcd, efgh, 8);    /* (F, E, B, A) */
    cdgh = _mm_blend_epi16(efgh, abcd, 0xF0); /* (H, G, D, C) */

    for (; n > 0; n--, p += 64) {
        __m128i abef0 = abef, cdgh0 = cdgh;

        /* Unrolled, w[] stays in registers: a 256-byte leaf takes about a
         * quarter less time than with the rolled loop (GCC and clang read
         * this pragma). */
#pragma GCC unroll 16
        for (int g = 0; g < 16; g++) {
            if (g < 4) {
                t = _mm_loadu_si128((const __m128i *)(p + 16 * g));
                w[g] = _mm_shuffle_epi8(t, bswap);
            } else {
                /* W[t] = s1(W[t-2]) + W[t-7] + s0(W[t-15]) + W[t-16] for
                 * t = 4g..4g+3: MSG1 adds s0, the alignr picks W[t-7],
                 * MSG2 adds s1 (of words it computes itself for t+2). */
                t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
                t = _mm_add_epi32(
                    t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
                w[g & 3] = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
            }
            wk = _mm_add_epi32(w[g & 3],
                               _mm_loadu_si128((const __m128i *)&K[4 * g]));
            /* Two rounds make the old ABEF the new CDGH: the first pair
             * leaves ABEF in cdgh, the second writes the next ABEF over
             * abef, so both are back in place after four rounds. */
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            wk = _mm_shuffle_epi32(wk, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }

    abef = _mm_shuffle_epi32(abef, 0x1B);     /* (A, B, E, F) */
    cdgh = _mm_shuffle_epi32(cdgh, 0xB1);     /* (G, H, C, D) */
    abcd = _mm_blend_epi16(abef, cdgh, 0xF0); /* (A, B, C, D) */
    efgh = _mm_alignr_epi8(cdgh, abef, 8);    /* (E, F, G, H) */
    _mm_storeu_si128((__m128i *)&h[0], abcd);
    _mm_storeu_si128((__m128i *)&h[4], efgh);
}

struct sha256_ctx {
    uint32_t h[8];
    uint64_t len;          /* bytes taken so far */
    unsigned char buf[64]; /* the partial block */
    size_t fill;           /* bytes in buf, below 64 */
};

static void
ni_init(struct sha256_ctx *c)
{
    memcpy(c->h, IV, sizeof(IV));
    c->len = 0;
    c->fill = 0;
}

static void
ni_update(struct sha256_ctx *c, const unsigned char *p, size_t n)
{
    c->len += n;
    if (c->fill > 0) {
        size_t k = 64 - c->fill < n ? 64 - c->fill : n;

        memcpy(c->buf + c->fill, p, k);
        c->fill += k;
        p += k;
        n -= k;
        if (c->fill < 64) {
            return;
        }
        compress_ni(c->h, c->buf, 1);
        c->fill = 0;
    }
    if (n >= 64) {
        compress_ni(c->h, p, n / 64);
        p += n / 64 * 64;
        n %= 64;
    }
    if (n > 0) {
        memcpy(c->buf, p, n);
        c->fill = n;
    }
}

/* FIPS 180-4 §5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the
 * message length in bits as a big-endian 64-bit number. */
static void
ni_final(struct sha256_ctx *c, unsigned char out[LX_CRYPTO_SHA256_BYTES])
{
    uint64_t bits = c->len * 8;
    size_t blocks = c->fill < 56 ? 1 : 2;
    unsigned char pad[128] = {0};

    memcpy(pad, c->buf, c->fill);
    pad[c->fill] = 0x80;
    for (int i = 0; i < 8; i++) {
        pad[blocks * 64 - 1 - (size_t)i] = (unsigned char)(bits >> (8 * i));
    }
    compress_ni(c->h, pad, blocks);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (unsigned char)(c->h[i] >> 24);
        out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
        out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
        out[4 * i + 3] = (unsigned char)c->h[i];
    }
    /* Callers hash secrets too (session tokens, one-time codes): leave no
     * copy on the stack, as libsodium's final does not either. */
    sodium_memzero(pad, sizeof(pad));
    sodium_memzero(c, sizeof(*c));
}

static void
sha256_ni(const void *a, size_t alen, const void *b, size_t blen,
          unsigned char out[LX_CRYPTO_SHA256_BYTES])
{
    struct sha256_ctx c;

    ni_init(&c);
    if (alen > 0) {
        ni_update(&c, a, alen);
    }
    if (blen > 0) {
        ni_update(&c, b, blen);
    }
    ni_final(&c, out);
}

static bool
cpu_has_sha_ni(void)
{
    unsigned int eax, ebx, ecx, edx;

    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0 || (ecx & bit_SSSE3) == 0 ||
        (ecx & bit_SSE4_1) == 0) {
        return false;
    }
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) {
        return false;
    }
    return (ebx & bit_SHA) != 0;
}

#endif /* HAVE_X86 */

/* ---- choice ------------------------------------------------------------- */

enum { NI_UNKNOWN = 0, NI_ABSENT, NI_PRESENT };

bool
crypto__sha256_has(enum crypto__sha256_impl impl)
{
#if HAVE_X86
    static atomic_int ni = NI_UNKNOWN;
    int v;
#endif

    switch (impl) {
    case CRYPTO__SHA256_SODIUM:
        return true;
    case CRYPTO__SHA256_NI:
#if HAVE_X86
        v = atomic_load_explicit(&ni, memory_order_relaxed);
        if (v == NI_UNKNOWN) {
            v = cpu_has_sha_ni() ? NI_PRESENT : NI_ABSENT;
            atomic_store_explicit(&ni, v, memory_order_relaxed);
        }
        return v == NI_PRESENT;
#else
        return false;
#endif
    }
    return false;
}

void
crypto__sha256_by(enum crypto__sha256_impl impl, const void *a, size_t alen,
                  const void *b, size_t blen,
                  unsigned char out[LX_CRYPTO_SHA256_BYTES])
{
    assert(crypto__sha256_has(impl));
#if HAVE_X86
    if (impl == CRYPTO__SHA256_NI) {
        sha256_ni(a, alen, b, blen, out);
        return;
    }
#endif
    sha256_sodium(a, alen, b, blen, out);
}

void
lx_crypto_sha256(const void *a, size_t alen, const void *b, size_t blen,
                 unsigned char out[LX_CRYPTO_SHA256_BYTES])
{
#if HAVE_X86
    if (crypto__sha256_has(CRYPTO__SHA256_NI)) {
        sha256_ni(a, alen, b, blen, out);
        return;
    }
#endif
    sha256_sodium(a, alen, b, blen, out);
}
