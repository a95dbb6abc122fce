/*
 * heap — the runner's binary min-heap of (due_ms, id), 16 bytes a timer
 * (sla.h). Ties on due_ms are broken by id, so the order is total.
 */
#include "sla/sla.h"

#include "base/mem.h"

#include <stdlib.h>

static bool
less(const struct lx_sla_heap_item *a, const struct lx_sla_heap_item *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->id < b->id);
}

void
lx_sla_heap_init(struct lx_sla_heap *h)
{
    h->v = NULL;
    h->n = 0;
    h->cap = 0;
}

void
lx_sla_heap_release(struct lx_sla_heap *h)
{
    free(h->v);
    lx_sla_heap_init(h);
}

void
lx_sla_heap_reserve(struct lx_sla_heap *h, size_t n)
{
    if (n > h->cap) {
        h->v = lx_xrealloc(h->v, n * sizeof(*h->v));
        h->cap = n;
    }
}

void
lx_sla_heap_push(struct lx_sla_heap *h, int64_t due_ms, int64_t id)
{
    struct lx_sla_heap_item it = {.due_ms = due_ms, .id = id};
    size_t i;

    if (h->n == h->cap) {
        lx_sla_heap_reserve(h, h->cap < 64 ? 64 : h->cap * 2);
    }
    i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!less(&it, &h->v[parent])) {
            break;
        }
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i] = it;
}

const struct lx_sla_heap_item *
lx_sla_heap_peek(const struct lx_sla_heap *h)
{
    return h->n > 0 ? &h->v[0] : NULL;
}

bool
lx_sla_heap_pop(struct lx_sla_heap *h, struct lx_sla_heap_item *out)
{
    struct lx_sla_heap_item last;
    size_t i = 0;

    if (h->n == 0) {
        return false;
    }
    if (out != NULL) {
        *out = h->v[0];
    }
    last = h->v[--h->n];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) {
            break;
        }
        if (c + 1 < h->n && less(&h->v[c + 1], &h->v[c])) {
            c++;
        }
        if (!less(&h->v[c], &last)) {
            break;
        }
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n > 0) {
        h->v[i] = last;
    }
    return true;
}
