/*
 * json — strict JSON input over jansson (the only DOM in lexgate).
 *
 * Every JSON document from outside passes lx_json_parse(), which enforces:
 * a byte ceiling, valid UTF-8 (jansson checks it), no NUL in strings, no
 * duplicate keys, nesting depth at most 'max_depth' (default 32), and
 * string length at most 'max_string_bytes'. Failures are LX_EINVAL (or
 * LX_ETOOBIG for the byte ceiling) with a detail that names the position,
 * never the content.
 *
 * Services exchange C structs, not json_t: only base/json, audit/, http/
 * and cli/ include <jansson.h>. Here it is only forward-declared.
 */
#ifndef LX_BASE_JSON_H
#define LX_BASE_JSON_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

struct json_t;

struct lx_json_limits {
    size_t max_bytes;        /* whole document */
    size_t max_depth;        /* arrays/objects nested */
    size_t max_string_bytes; /* any one string or key */
};

#define LX_JSON_LIMITS_DEFAULT                                                 \
    {.max_bytes = 1024 * 1024, .max_depth = 32, .max_string_bytes = 64 * 1024}

/* Parse buf[0..n) under 'lim'. On success *out is a new reference. */
lx_rc lx_json_parse(const char *buf, size_t n, const struct lx_json_limits *lim,
                    struct json_t **out, struct lx_err *err);

/* Typed getters for an object member; absent or wrong type gives err with
 * field = the JSON pointer 'ptr' given (static string). */
lx_rc lx_json_get_str(struct json_t *obj, const char *key, const char *ptr,
                      const char **out, size_t *len, struct lx_err *err);
lx_rc lx_json_get_int(struct json_t *obj, const char *key, const char *ptr,
                      int64_t *out, struct lx_err *err);

#endif /* LX_BASE_JSON_H */
