/*
 * scan_utf8 — the strict UTF-8 check every message passes before
 * vectorscan sees it, vectorised where the CPU allows.
 *
 * The lookup algorithm of Keiser and Lemire ("Validating UTF-8 in less
 * than one instruction per byte", 2021): three table lookups on the
 * nibbles of each byte and the byte before it classify every 2-byte
 * window; the bytes two and three back say where a continuation must be.
 * It accepts exactly what lx_utf8_valid accepts (no overlongs, surrogates,
 * code points above U+10FFFF or truncated sequences). The verdict on a
 * byte depends only on it and the three bytes before it, so the last block
 * is the last 16 (32) bytes, re-checking some, and a sequence cut off at
 * the end is caught on the last three bytes. The vector paths only answer
 * yes or no: on no, lx_utf8_valid finds the offset. Most messages are CJK,
 * where lx_utf8_valid's ASCII skip does not help: 16 bytes at a time took
 * the check from ~10 % of the scan to ~6 %, 32 at a time to ~3 %
 * (docs/scan.md).
 */
#include "scan/scan_int.h"

#include "base/utf8.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SCAN_SIMD_UTF8 1
#include <immintrin.h>
#endif

#ifdef SCAN_SIMD_UTF8
#define B8(x) ((char)(x))

enum {
    TOO_SHORT = 1 << 0,
    TOO_LONG = 1 << 1,
    OVERLONG_3 = 1 << 2,
    TOO_LARGE = 1 << 3,
    SURROGATE = 1 << 4,
    OVERLONG_2 = 1 << 5,
    TOO_LARGE_1000 = 1 << 6,
    OVERLONG_4 = 1 << 6,
    TWO_CONTS = 1 << 7,
    CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS,
};

/* By the high nibble of the first byte of the window. */
static const char tab_hi1[16] = {
    TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
    TOO_LONG, B8(TWO_CONTS), B8(TWO_CONTS), B8(TWO_CONTS), B8(TWO_CONTS),
    TOO_SHORT | OVERLONG_2, TOO_SHORT, TOO_SHORT | OVERLONG_3 | SURROGATE,
    TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4};

/* By the low nibble of the first byte. */
static const char tab_lo1[16] = {
    B8(CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4),
    B8(CARRY | OVERLONG_2),
    B8(CARRY),
    B8(CARRY),
    B8(CARRY | TOO_LARGE),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000),
    B8(CARRY | TOO_LARGE | TOO_LARGE_1000)};

/* By the high nibble of the second byte. */
static const char tab_hi2[16] = {
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    B8(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 |
       OVERLONG_4),
    B8(TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE),
    B8(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE),
    B8(TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE),
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT,
    TOO_SHORT};

/* The text ends inside a sequence. */
static bool
cut_at_end(const unsigned char *u, size_t n)
{
    return u[n - 1] >= 0xC0 || u[n - 2] >= 0xE0 || u[n - 3] >= 0xF0;
}

/* 16 bytes at a time; n >= 16. */
__attribute__((target("ssse3"))) static bool
valid_16(const char *text, size_t n)
{
    const __m128i hi1 = _mm_loadu_si128((const __m128i *)(const void *)tab_hi1);
    const __m128i lo1 = _mm_loadu_si128((const __m128i *)(const void *)tab_lo1);
    const __m128i hi2 = _mm_loadu_si128((const __m128i *)(const void *)tab_hi2);
    const __m128i nib = _mm_set1_epi8(0x0F);
    const unsigned char *u = (const unsigned char *)text;
    __m128i prev = _mm_setzero_si128(), bad = _mm_setzero_si128();
    size_t i = 0;

    if (cut_at_end(u, n)) {
        return false;
    }
    for (;;) {
        bool last = n - i <= 16;
        __m128i in, p1, p2, p3, sc, must;
        if (last && i != n - 16) {
            /* the last 16 bytes; prev holds the three before them */
            i = n - 16;
            prev = _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 B8(i >= 3 ? u[i - 3] : 0),
                                 B8(i >= 2 ? u[i - 2] : 0),
                                 B8(i >= 1 ? u[i - 1] : 0));
        }
        in = _mm_loadu_si128((const __m128i *)(const void *)(text + i));
        i += 16;
        p1 = _mm_alignr_epi8(in, prev, 15);
        p2 = _mm_alignr_epi8(in, prev, 14);
        p3 = _mm_alignr_epi8(in, prev, 13);
        sc = _mm_and_si128(
            _mm_and_si128(
                _mm_shuffle_epi8(hi1,
                                 _mm_and_si128(_mm_srli_epi16(p1, 4), nib)),
                _mm_shuffle_epi8(lo1, _mm_and_si128(p1, nib))),
            _mm_shuffle_epi8(hi2, _mm_and_si128(_mm_srli_epi16(in, 4), nib)));
        /* third byte after a 3- or 4-byte lead, fourth after a 4-byte one */
        must = _mm_and_si128(
            _mm_or_si128(_mm_subs_epu8(p2, _mm_set1_epi8(0x60)),
                         _mm_subs_epu8(p3, _mm_set1_epi8(0x70))),
            _mm_set1_epi8(B8(0x80)));
        bad = _mm_or_si128(bad, _mm_xor_si128(must, sc));
        prev = in;
        if (last) {
            break;
        }
    }
    return _mm_movemask_epi8(_mm_cmpeq_epi8(bad, _mm_setzero_si128())) ==
           0xFFFF;
}

/* 32 bytes at a time; n >= 32. The byte before each lane comes from the
 * lane below it (or the previous block): permute, then align. */
__attribute__((target("avx2"))) static bool
valid_32(const char *text, size_t n)
{
    const __m256i hi1 = _mm256_broadcastsi128_si256(
        _mm_loadu_si128((const __m128i *)(const void *)tab_hi1));
    const __m256i lo1 = _mm256_broadcastsi128_si256(
        _mm_loadu_si128((const __m128i *)(const void *)tab_lo1));
    const __m256i hi2 = _mm256_broadcastsi128_si256(
        _mm_loadu_si128((const __m128i *)(const void *)tab_hi2));
    const __m256i nib = _mm256_set1_epi8(0x0F);
    const unsigned char *u = (const unsigned char *)text;
    __m256i prev = _mm256_setzero_si256(), bad = _mm256_setzero_si256();
    size_t i = 0;

    if (cut_at_end(u, n)) {
        return false;
    }
    for (;;) {
        bool last = n - i <= 32;
        __m256i in, sh, p1, p2, p3, sc, must;
        if (last && i != n - 32) {
            /* the last 32 bytes; prev ends with the three before them */
            i = n - 32;
            if (i >= 32) {
                prev = _mm256_loadu_si256(
                    (const __m256i *)(const void *)(text + i - 32));
            } else {
                prev = _mm256_setr_epi8(
                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    0, 0, 0, 0, 0, 0, 0, 0, 0, B8(i >= 3 ? u[i - 3] : 0),
                    B8(i >= 2 ? u[i - 2] : 0), B8(i >= 1 ? u[i - 1] : 0));
            }
        }
        in = _mm256_loadu_si256((const __m256i *)(const void *)(text + i));
        i += 32;
        sh = _mm256_permute2x128_si256(prev, in, 0x21);
        p1 = _mm256_alignr_epi8(in, sh, 15);
        p2 = _mm256_alignr_epi8(in, sh, 14);
        p3 = _mm256_alignr_epi8(in, sh, 13);
        sc = _mm256_and_si256(
            _mm256_and_si256(
                _mm256_shuffle_epi8(
                    hi1, _mm256_and_si256(_mm256_srli_epi16(p1, 4), nib)),
                _mm256_shuffle_epi8(lo1, _mm256_and_si256(p1, nib))),
            _mm256_shuffle_epi8(
                hi2, _mm256_and_si256(_mm256_srli_epi16(in, 4), nib)));
        must = _mm256_and_si256(
            _mm256_or_si256(_mm256_subs_epu8(p2, _mm256_set1_epi8(0x60)),
                            _mm256_subs_epu8(p3, _mm256_set1_epi8(0x70))),
            _mm256_set1_epi8(B8(0x80)));
        bad = _mm256_or_si256(bad, _mm256_xor_si256(must, sc));
        prev = in;
        if (last) {
            break;
        }
    }
    return _mm256_testz_si256(bad, bad) != 0;
}
#endif

int
scan__utf8_level(void)
{
#ifdef SCAN_SIMD_UTF8
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        return 2;
    }
    if (__builtin_cpu_supports("ssse3")) {
        return 1;
    }
#endif
    return 0;
}

bool
scan__utf8_valid(int level, const char *text, size_t len, size_t *bad)
{
#ifdef SCAN_SIMD_UTF8
    if (level >= 2 && len >= 32) {
        if (valid_32(text, len)) {
            return true;
        }
    } else if (level >= 1 && len >= 16 && valid_16(text, len)) {
        return true;
    }
#else
    (void)level;
#endif
    return lx_utf8_valid(text, len, bad);
}
