/*
 * talk_text.c — byte-level UTF-8 matching shared by the talk rules.
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
