/*
 * http — the JSON API daemon over libmicrohttpd.
 *
 * lx_http_serve() binds server.listen:server.port, serves the route table
 * (routes.c: one row per method and path template) on an epoll thread pool
 * of server.threads workers with HTTP/1.1 keep-alive, and returns after
 * SIGTERM or SIGINT once in-flight requests have drained.
 *
 * Every request gets a struct lx_ctx (arena, request id, anonymous actor,
 * clock read once), an X-Request-Id echoed back, an access-log line
 * (method, route template, status, duration, request id: never the query
 * string or the body) and its place in the Prometheus metrics. Errors are
 * RFC 9457 application/problem+json bodies derived from base/errors.def.
 *
 * Limits (base/conf.h): request line plus headers over max_header_bytes is
 * 431; a body over max_body_bytes is 413 (a declared Content-Length is
 * refused before any of the body is read); a connection idle for
 * idle_timeout_s is closed; beyond max_connections open connections a
 * request gets 503 with Retry-After.
 *
 * The daemon is the only place besides cli/main.c with process-wide
 * mutable state: the signal self-pipe in server.c.
 */
#ifndef LX_HTTP_H
#define LX_HTTP_H

#include "base/ctx.h"
#include "base/err.h"

#include <stddef.h>

struct json_t;

/*
 * Serve app->conf's listen address until SIGTERM/SIGINT. Prints one line,
 * "lexgate: listening on http://ADDR:PORT/", to stdout and flushes it once
 * the socket is bound (port 0 picks a free port; the line names the real
 * one). On the signal: stops accepting, lets in-flight requests finish for
 * up to server.drain_timeout_s, closes every connection and returns LX_OK.
 * app->store may be NULL (then /readyz answers 503). Fails with LX_EIO when
 * the address cannot be bound, LX_EINVAL when it does not parse. Call from
 * the main thread, once at a time: it owns SIGTERM, SIGINT and SIGPIPE
 * while it runs and restores them before returning.
 */
lx_rc lx_http_serve(struct lx_app *app, struct lx_err *err);

/*
 * Write the route table, one "METHOD TEMPLATE" line per row in table
 * order, to fd (`lexgate routes`; checked against docs/openapi.yaml).
 */
void lx_http_routes_write(int fd);

/*
 * Decode a JSON request body: 'content_type' must be application/json
 * (parameters allowed; a charset other than utf-8 is refused) else
 * LX_EMEDIA; the body must be valid UTF-8 (LX_EINVAL naming the byte
 * offset) and parse under base/json.h's limits with depth 32 and at most
 * 'max_bytes' bytes (LX_EINVAL / LX_ETOOBIG). On success *out is a new
 * reference the caller must json_decref(). Details name positions, never
 * content. Pure and thread-safe; handlers use it through the request.
 */
lx_rc lx_http_json_decode(const char *content_type, const char *body, size_t n,
                          size_t max_bytes, struct json_t **out,
                          struct lx_err *err);

#endif /* LX_HTTP_H */
