/*
 * talk_text.c — byte-level UTF-8 matching shared by the talk rules, and
 * the JSON string reader for the columns the service writes.
 */
#include "talk/talk_int.h"

#include "base/utf8.h"

#include <stdint.h>
#include <string.h>

size_t
talk__at(const char *s, size_t n, size_t p, const char *lit)
{
    size_t l = strlen(lit);

    if (p > n || n - p < l || memcmp(s + p, lit, l) != 0) {
        return 0;
    }
    return l;
}

bool
talk__ends(const char *s, size_t p, const char *lit)
{
    size_t l = strlen(lit);

    return p >= l && memcmp(s + p - l, lit, l) == 0;
}

size_t
talk__step(const char *s, size_t n, size_t p)
{
    uint32_t cp;
    size_t l;

    if (p >= n) {
        return 1;
    }
    l = lx_utf8_decode(s + p, n - p, &cp);
    return l == 0 ? 1 : l;
}

unsigned
talk__prev_cp(const char *s, size_t p)
{
    size_t b = p;
    uint32_t cp;

    if (p == 0) {
        return 0;
    }
    /* Walk back over continuation bytes, at most three. */
    while (b > 0 && p - b < 4) {
        b--;
        if (((unsigned char)s[b] & 0xC0u) != 0x80u) {
            break;
        }
    }
    if (lx_utf8_decode(s + b, p - b, &cp) != p - b) {
        return 0;
    }
    return (unsigned)cp;
}

/* ---- JSON strings in the service's own columns --------------------------- */

/* Four hex digits at s[*p] into *out, moving *p past them. */
static bool
hex4(const char *s, size_t n, size_t *p, uint32_t *out)
{
    uint32_t v = 0;

    if (n - *p < 4) {
        return false;
    }
    for (size_t i = 0; i < 4; i++) {
        int h = lx_hex_digit(s[*p + i]);
        if (h < 0) {
            return false;
        }
        v = v << 4 | (uint32_t)h;
    }
    *p += 4;
    *out = v;
    return true;
}

/* The escape after a backslash at s[*p] into enc; returns its bytes, 0 on
 * malformed input. */
static size_t
unescape(const char *s, size_t n, size_t *p, char enc[4])
{
    uint32_t cp = 0, lo = 0;
    char c;

    if (*p >= n) {
        return 0;
    }
    c = s[(*p)++];
    switch (c) {
    case '"':
    case '\\':
    case '/':
        enc[0] = c;
        return 1;
    case 'b':
        enc[0] = '\b';
        return 1;
    case 'f':
        enc[0] = '\f';
        return 1;
    case 'n':
        enc[0] = '\n';
        return 1;
    case 'r':
        enc[0] = '\r';
        return 1;
    case 't':
        enc[0] = '\t';
        return 1;
    case 'u':
        break;
    default:
        return 0;
    }
    if (!hex4(s, n, p, &cp)) {
        return 0;
    }
    if (cp >= 0xD800 && cp < 0xDC00) {
        if (n - *p < 2 || s[*p] != '\\' || s[*p + 1] != 'u') {
            return 0;
        }
        *p += 2;
        if (!hex4(s, n, p, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
            return 0;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return 0;
    }
    if (cp == 0) {
        return 0; /* the strings are C strings: no NUL inside */
    }
    return lx_utf8_encode(cp, enc);
}

bool
talk__json_str(const char *s, size_t n, size_t *p, char *out, size_t cap,
               size_t *len)
{
    size_t k = 0;

    if (cap == 0 || *p >= n || s[*p] != '"') {
        return false;
    }
    (*p)++;
    while (*p < n) {
        char c = s[(*p)++];
        char enc[4];
        size_t m = 1;

        if (c == '"') {
            out[k] = '\0';
            *len = k;
            return true;
        }
        enc[0] = c;
        if (c == '\\') {
            m = unescape(s, n, p, enc);
            if (m == 0) {
                return false;
            }
        }
        if (k + m >= cap) {
            return false;
        }
        memcpy(out + k, enc, m);
        k += m;
    }
    return false;
}
