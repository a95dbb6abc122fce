/* utf8 — a strict decoder; hex digits. */
#include "base/utf8.h"

#include <stdint.h>
#include <string.h>

size_t
lx_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c, min;
    size_t len;

    *cp = 0xFFFD;
    if (n == 0) {
        return 0;
    }
    c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }
    *cp = c;
    return len;
}

/*
 * On every hot path (scan, pii, HTTP bodies): decoding code point by code
 * point cost a quarter of the scan time in bench/scan, so this walks ASCII
 * eight bytes at a time and checks each multi-byte sequence in place, with
 * the same strictness as lx_utf8_decode (no overlongs, surrogates or code
 * points above U+10FFFF). *bad, when not NULL, gets the offset of the
 * first invalid sequence.
 */
bool
lx_utf8_valid(const char *text, size_t n, size_t *bad)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i], c1;
        if (c < 0x80) {
            /* after an ASCII byte, skip ASCII eight bytes at a time */
            i++;
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (w & 0x8080808080808080ULL) {
                    break;
                }
                i += 8;
            }
            continue;
        }
        if (c >= 0xE0 && c <= 0xEF) {
            if (n - i < 3 || (s[i + 2] & 0xC0) != 0x80) {
                goto fail;
            }
            c1 = s[i + 1];
            if (c != 0xE0 && c != 0xED) {
                if ((c1 & 0xC0) != 0x80) {
                    goto fail;
                }
                i += 3; /* the common CJK case */
                continue;
            }
            if (c == 0xE0 ? (c1 < 0xA0 || c1 > 0xBF)         /* overlong */
                : c == 0xED ? (c1 < 0x80 || c1 > 0x9F)       /* surrogate */
                            : (c1 & 0xC0) != 0x80) {
                goto fail;
            }
            i += 3;
        } else if (c >= 0xC2 && c <= 0xDF) {
            if (n - i < 2 || (s[i + 1] & 0xC0) != 0x80) {
                goto fail;
            }
            i += 2;
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (n - i < 4 || (s[i + 2] & 0xC0) != 0x80 ||
                (s[i + 3] & 0xC0) != 0x80) {
                goto fail;
            }
            c1 = s[i + 1];
            if (c == 0xF0 ? (c1 < 0x90 || c1 > 0xBF)   /* overlong */
                : c == 0xF4 ? (c1 < 0x80 || c1 > 0x8F) /* > U+10FFFF */
                            : (c1 & 0xC0) != 0x80) {
                goto fail;
            }
            i += 4;
        } else {
            goto fail;
        }
    }
    return true;
fail:
    if (bad != NULL) {
        *bad = i;
    }
    return false;
}

size_t
lx_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            return 0;
        }
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    } else if (cp <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

size_t
lx_utf8_count(const char *s, size_t n)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80) {
            count++;
        }
    }
    return count;
}

int
lx_hex_digit(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

int
lx_hex_digit_lower(int c)
{
    return c >= 'A' && c <= 'F' ? -1 : lx_hex_digit(c);
}
