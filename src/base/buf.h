/*
 * buf — a growable byte buffer with a hard ceiling (after curl's dynbuf).
 *
 * Every growable buffer in lexgate has a maximum; appending past it fails
 * with LX_ETOOBIG and leaves the buffer as it was, so an oversized request
 * becomes a 413, never a crash or an unbounded allocation. The content is
 * kept NUL-terminated (the NUL is not counted in len). Never put decrypted
 * personal data or keys in an lx_buf (use lx_secret).
 */
#ifndef LX_BASE_BUF_H
#define LX_BASE_BUF_H

#include "base/err.h"

#include <stddef.h>

struct lx_buf {
    char *p;
    size_t len;
    size_t cap;
    size_t max; /* appending past max fails with LX_ETOOBIG */
};

#define LX_BUF_INIT(limit) {.p = NULL, .len = 0, .cap = 0, .max = (limit)}

void lx_buf_init(struct lx_buf *b, size_t max);
lx_rc lx_buf_append(struct lx_buf *b, const void *data, size_t n);
lx_rc lx_buf_append_str(struct lx_buf *b, const char *s);
lx_rc lx_buf_printf(struct lx_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included (s is UTF-8). */
lx_rc lx_buf_append_json_str(struct lx_buf *b, const char *s, size_t n);
/* Empty the content, keep the memory. */
void lx_buf_reset(struct lx_buf *b);
/* Free the memory; keeps max, ready for reuse. */
void lx_buf_release(struct lx_buf *b);
/* The content as a C string; "" when empty. Borrowed. */
const char *lx_buf_peek(const struct lx_buf *b);

#endif /* LX_BASE_BUF_H */
