/*
 * pii_int — what the files of src/pii share: code-point reading and the
 * normalisation of full-width digits and letters (U+FF10.., U+FF21..,
 * U+FF41..) to ASCII.
 */
#ifndef LX_PII_INT_H
#define LX_PII_INT_H

#include "pii/pii.h"

#include <stddef.h>
#include <stdint.h>

/* Read one code point at s[i..n) leniently: returns its length (1..4) and
 * stores it in *cp; an invalid byte reads as one byte, U+FFFD. */
static inline size_t
pii__cp(const unsigned char *s, size_t n, size_t i, uint32_t *cp)
{
    unsigned c = s[i];

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xE0 && c < 0xF0 && i + 2 < n && (s[i + 1] & 0xC0) == 0x80 &&
        (s[i + 2] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(c & 0x0F) << 12) |
              ((uint32_t)(s[i + 1] & 0x3F) << 6) | (uint32_t)(s[i + 2] & 0x3F);
        return 3;
    }
    if (c >= 0xC2 && c < 0xE0 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(c & 0x1F) << 6) | (uint32_t)(s[i + 1] & 0x3F);
        return 2;
    }
    if (c >= 0xF0 && c < 0xF5 && i + 3 < n && (s[i + 1] & 0xC0) == 0x80 &&
        (s[i + 2] & 0xC0) == 0x80 && (s[i + 3] & 0xC0) == 0x80) {
        *cp = ((uint32_t)(c & 0x07) << 18) |
              ((uint32_t)(s[i + 1] & 0x3F) << 12) |
              ((uint32_t)(s[i + 2] & 0x3F) << 6) | (uint32_t)(s[i + 3] & 0x3F);
        return 4;
    }
    *cp = 0xFFFD;
    return 1;
}

/* The ASCII form of an ASCII or full-width digit or letter, else 0. */
static inline char
pii__alnum(uint32_t cp)
{
    if ((cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') ||
        (cp >= 'a' && cp <= 'z')) {
        return (char)cp;
    }
    if (cp >= 0xFF10 && cp <= 0xFF19) {
        return (char)('0' + (cp - 0xFF10));
    }
    if (cp >= 0xFF21 && cp <= 0xFF3A) {
        return (char)('A' + (cp - 0xFF21));
    }
    if (cp >= 0xFF41 && cp <= 0xFF5A) {
        return (char)('a' + (cp - 0xFF41));
    }
    return 0;
}

/* Validators shared by the scanner and the masker (pii_valid.c). */
bool pii__mobile_ok(const char *d11);
bool pii__id18_ok(const struct lx_pii_opts *o, const char *c, unsigned *flags);
bool pii__id15_ok(const struct lx_pii_opts *o, const char *c, unsigned *flags);
bool pii__card_ok(const char *d, size_t n);
bool pii__uscc_ok(const char *c);
bool pii__landline_split_ok(const char *area, size_t an, const char *num,
                            size_t nn);

#endif /* LX_PII_INT_H */
