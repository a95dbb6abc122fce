/*
 * utf8 — validation and decoding of UTF-8 (RFC 3629), and of the ASCII hex
 * digits text formats (JSON \u escapes, bytea, digests, tokens) carry.
 *
 * Strict: rejects overlong forms, surrogates (U+D800..DFFF), code points
 * above U+10FFFF and truncated sequences. Pure, thread-safe, no allocation.
 */
#ifndef LX_BASE_UTF8_H
#define LX_BASE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..n) is valid UTF-8. When false and bad_at is not NULL,
 * *bad_at is the byte offset of the first invalid sequence. */
bool lx_utf8_valid(const char *s, size_t n, size_t *bad_at);

/*
 * Decode one code point at s[0..n). Returns its length in bytes (1..4) and
 * stores the code point in *cp; returns 0 for an invalid or truncated
 * sequence (then *cp is U+FFFD).
 */
size_t lx_utf8_decode(const char *s, size_t n, uint32_t *cp);

/* Encode cp into out (4 bytes room); returns the length, 0 if invalid. */
size_t lx_utf8_encode(uint32_t cp, char out[4]);

/* Count code points in valid UTF-8. */
size_t lx_utf8_count(const char *s, size_t n);

/* The value 0..15 of the hex digit c ('0'-'9', 'a'-'f', 'A'-'F'); -1 for
 * any other value of c, including EOF and negative chars. */
int lx_hex_digit(int c);

/* As lx_hex_digit, for canonical lower-case hex: 'A'-'F' are -1. */
int lx_hex_digit_lower(int c);

#endif /* LX_BASE_UTF8_H */
