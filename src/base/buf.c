/* buf — bounded growable buffer. */
#include "base/buf.h"
#include "base/mem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
lx_buf_init(struct lx_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

static lx_rc
reserve(struct lx_buf *b, size_t extra)
{
    size_t need, cap;

    if (extra > b->max || b->len > b->max - extra) {
        return LX_ETOOBIG;
    }
    need = b->len + extra + 1; /* + NUL */
    if (need <= b->cap) {
        return LX_OK;
    }
    cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    }
    if (cap > b->max + 1) {
        cap = b->max + 1;
    }
    b->p = lx_xrealloc(b->p, cap);
    b->cap = cap;
    return LX_OK;
}

lx_rc
lx_buf_append(struct lx_buf *b, const void *data, size_t n)
{
    lx_rc rc = reserve(b, n);

    if (rc != LX_OK) {
        return rc;
    }
    if (n > 0) {
        memcpy(b->p + b->len, data, n);
    }
    b->len += n;
    b->p[b->len] = '\0';
    return LX_OK;
}

lx_rc
lx_buf_append_str(struct lx_buf *b, const char *s)
{
    return lx_buf_append(b, s, strlen(s));
}

lx_rc
lx_buf_printf(struct lx_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    lx_rc rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return LX_EINVAL;
    }
    rc = reserve(b, (size_t)n);
    if (rc != LX_OK) {
        return rc;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return LX_OK;
}

lx_rc
lx_buf_append_json_str(struct lx_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = b->len;
    lx_rc rc = lx_buf_append(b, "\"", 1);

    for (size_t i = 0; rc == LX_OK && i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

        if (c == '"' || c == '\\') {
            char two[2] = {'\\', (char)c};
            rc = lx_buf_append(b, two, 2);
        } else if (c == '\n') {
            rc = lx_buf_append(b, "\\n", 2);
        } else if (c == '\r') {
            rc = lx_buf_append(b, "\\r", 2);
        } else if (c == '\t') {
            rc = lx_buf_append(b, "\\t", 2);
        } else if (c < 0x20 || c == 0x7f) {
            rc = lx_buf_append(b, esc, 6);
        } else {
            rc = lx_buf_append(b, &s[i], 1);
        }
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(b, "\"", 1);
    }
    if (rc != LX_OK) {
        b->len = start; /* all or nothing */
        if (b->p != NULL) {
            b->p[b->len] = '\0';
        }
    }
    return rc;
}

void
lx_buf_reset(struct lx_buf *b)
{
    b->len = 0;
    if (b->p != NULL) {
        b->p[0] = '\0';
    }
}

void
lx_buf_release(struct lx_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

const char *
lx_buf_peek(const struct lx_buf *b)
{
    return b->p != NULL ? b->p : "";
}
