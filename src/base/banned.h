/*
 * banned — functions lexgate code must not call (after git's banned.h).
 *
 * tools/check-banned reads the list below and fails `make check` when any
 * file under src/ calls one; a .c file may also include this header after
 * its system headers to make a use a compile error.
 *   strcpy, strcat, sprintf, vsprintf: unbounded writes; use snprintf or
 *     struct lx_buf.
 *   strtok: hidden state; use explicit scanning.
 *   gmtime, localtime, ctime, asctime: static buffers and time zones; use
 *     base/time.h (lexgate's clock is fixed +08:00).
 *   atoi, atol: no error reporting; use strtol with checks or lx_parse_*.
 *   rand, srand: not random; use lx_crypto_random or a passed-in seed.
 *   system: shell injection.
 */
#ifndef LX_BASE_BANNED_H
#define LX_BASE_BANNED_H

#define LX_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) LX_BANNED(strcpy)
#undef strcat
#define strcat(x, y) LX_BANNED(strcat)
#undef sprintf
#define sprintf(...) LX_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) LX_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) LX_BANNED(strtok)
#undef gmtime
#define gmtime(x) LX_BANNED(gmtime)
#undef localtime
#define localtime(x) LX_BANNED(localtime)
#undef ctime
#define ctime(x) LX_BANNED(ctime)
#undef asctime
#define asctime(x) LX_BANNED(asctime)
#undef atoi
#define atoi(x) LX_BANNED(atoi)
#undef atol
#define atol(x) LX_BANNED(atol)
#undef rand
#define rand() LX_BANNED(rand)
#undef srand
#define srand(x) LX_BANNED(srand)
#undef system
#define system(x) LX_BANNED(system)

#endif /* LX_BASE_BANNED_H */
