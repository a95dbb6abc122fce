/* arena — bump allocation in linked blocks. */
#include "base/arena.h"
#include "base/mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lx_arena_block {
    struct lx_arena_block *next;
    size_t cap;
    size_t used;
    _Alignas(max_align_t) unsigned char data[];
};

struct lx_arena_hook {
    struct lx_arena_hook *next;
    lx_arena_hook_fn *fn;
    void *arg;
};

#define ALIGN_UP(n, a) (((n) + ((a) - 1)) & ~((a) - 1))

void
lx_arena_init(struct lx_arena *a, size_t block_bytes)
{
    a->head = NULL;
    a->hooks = NULL;
    a->block_bytes = block_bytes ? block_bytes : 16 * 1024;
    a->used_bytes = 0;
}

void *
lx_arena_alloc(struct lx_arena *a, size_t count, size_t size)
{
    struct lx_arena_block *b = a->head;
    size_t n, off;

    if (size != 0 && count > SIZE_MAX / size) {
        lx_oom_abort("arena size overflow");
    }
    n = count * size;
    if (n == 0) {
        n = 1;
    }
    if (n > SIZE_MAX - sizeof(max_align_t)) {
        lx_oom_abort("arena size overflow");
    }
    n = ALIGN_UP(n, sizeof(max_align_t));
    if (b == NULL || b->cap - b->used < n) {
        size_t cap = n > a->block_bytes ? n : a->block_bytes;
        b = lx_xmalloc(sizeof(*b) + cap);
        b->cap = cap;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    off = b->used;
    b->used += n;
    a->used_bytes += n;
    memset(b->data + off, 0, n);
    return b->data + off;
}

char *
lx_arena_strndup(struct lx_arena *a, const char *s, size_t n)
{
    char *p = lx_arena_alloc(a, n + 1, 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
lx_arena_strdup(struct lx_arena *a, const char *s)
{
    return lx_arena_strndup(a, s, strlen(s));
}

char *
lx_arena_printf(struct lx_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        lx_oom_abort("arena printf");
    }
    p = lx_arena_alloc(a, (size_t)n + 1, 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void
lx_arena_on_release(struct lx_arena *a, lx_arena_hook_fn *fn, void *arg)
{
    struct lx_arena_hook *h = lx_arena_alloc(a, 1, sizeof(*h));

    h->fn = fn;
    h->arg = arg;
    h->next = a->hooks;
    a->hooks = h;
}

void
lx_arena_release(struct lx_arena *a)
{
    struct lx_arena_block *b, *next;

    /* Hooks live in the blocks: run them all before freeing any block. */
    for (struct lx_arena_hook *h = a->hooks; h != NULL; h = h->next) {
        h->fn(h->arg);
    }
    a->hooks = NULL;
    for (b = a->head; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
    a->used_bytes = 0;
}
