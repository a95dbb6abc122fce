/* mem — aborting allocators. */
#include "base/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
lx_oom_abort(const char *what)
{
    fprintf(stderr, "lexgate: out of memory (%s)\n", what);
    abort();
}

void *
lx_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL) {
        lx_oom_abort("malloc");
    }
    return p;
}

void *
lx_xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);

    if (p == NULL) {
        lx_oom_abort("calloc");
    }
    return p;
}

void *
lx_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL) {
        lx_oom_abort("realloc");
    }
    return q;
}

char *
lx_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = lx_xmalloc(n);

    memcpy(p, s, n);
    return p;
}
