/*
 * mem — allocation that aborts on exhaustion (after Redis zmalloc).
 *
 * lexgate is a supervised application: on out-of-memory it logs one line
 * and aborts rather than limping on. Inputs are capped before they reach an
 * allocator, so exhaustion means a bug or a hostile host, not bad input.
 */
#ifndef LX_BASE_MEM_H
#define LX_BASE_MEM_H

#include <stddef.h>

/* Never return NULL. */
void *lx_xmalloc(size_t n);
void *lx_xcalloc(size_t count, size_t size);
void *lx_xrealloc(void *p, size_t n);
char *lx_xstrdup(const char *s);

/* Print "lexgate: out of memory (<what>)" to stderr and abort(). */
_Noreturn void lx_oom_abort(const char *what);

#endif /* LX_BASE_MEM_H */
