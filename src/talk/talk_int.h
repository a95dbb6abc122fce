/*
 * talk_int.h — helpers shared by the files of src/talk (not public).
 *
 * Byte-level matching of UTF-8 literals. UTF-8 is self-synchronising, so a
 * literal that is itself valid UTF-8 can only match at a character
 * boundary of valid text; callers still step by whole characters.
 */
#ifndef LX_TALK_INT_H
#define LX_TALK_INT_H

#include <stdbool.h>
#include <stddef.h>

/* Length of 'lit' when s[p..n) starts with it, else 0. */
size_t talk__at(const char *s, size_t n, size_t p, const char *lit);

/* True when s[0..p) ends with 'lit'. */
bool talk__ends(const char *s, size_t p, const char *lit);

/* Bytes of the character at s[p] (1 for an invalid byte, never 0). */
size_t talk__step(const char *s, size_t n, size_t p);

/* The code point ending at s[p] (the character before p), 0 if none. */
unsigned talk__prev_cp(const char *s, size_t p);

#endif /* LX_TALK_INT_H */
