/*
 * arena — request-scoped memory (after nginx pools and h2o).
 *
 * An arena owns everything allocated from it and frees it all in
 * lx_arena_release(). Every HTTP request and CLI command has one
 * (ctx->arena). Rules:
 *  - nothing that outlives the request may point into an arena;
 *  - no key material or decrypted personal data in an arena (lx_secret);
 *  - non-memory resources (statements, files) register a release hook,
 *    run in reverse order of registration.
 * Allocation failure aborts (STYLE.md §1): inputs are capped before they
 * reach an allocator. Not thread-safe: one arena, one thread.
 */
#ifndef LX_BASE_ARENA_H
#define LX_BASE_ARENA_H

#include <stddef.h>

typedef void lx_arena_hook_fn(void *arg);

struct lx_arena_block;
struct lx_arena_hook;

struct lx_arena {
    struct lx_arena_block *head;
    struct lx_arena_hook *hooks;
    size_t block_bytes; /* default size of a new block */
    size_t used_bytes;  /* total handed out, for metrics and tests */
};

/* Ready an arena; 'block_bytes' 0 picks a default (16 KiB). */
void lx_arena_init(struct lx_arena *a, size_t block_bytes);

/* Zeroed memory for 'count' objects of 'size' bytes, aligned for any type.
 * Aborts on overflow or out of memory; never returns NULL. */
void *lx_arena_alloc(struct lx_arena *a, size_t count, size_t size);

/* A NUL-terminated copy of s[0..n). */
char *lx_arena_strndup(struct lx_arena *a, const char *s, size_t n);
char *lx_arena_strdup(struct lx_arena *a, const char *s);

/* printf into the arena. */
char *lx_arena_printf(struct lx_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Run fn(arg) when the arena is released (LIFO). */
void lx_arena_on_release(struct lx_arena *a, lx_arena_hook_fn *fn, void *arg);

/* Run hooks, free every block; the arena is ready for reuse. */
void lx_arena_release(struct lx_arena *a);

#define LX_ARENA_NEW(a, type) ((type *)lx_arena_alloc((a), 1, sizeof(type)))

#endif /* LX_BASE_ARENA_H */
