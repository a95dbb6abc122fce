/*
 * server — the libmicrohttpd daemon: request life cycle, limits, signals.
 *
 * libmicrohttpd calls on_request() several times per request:
 *   1. once the headers are parsed (*con_cls == NULL): we set up the
 *      request (context, id, route) and refuse early what must be refused
 *      before a body is read: over the connection limit (503), headers
 *      too large (431), a declared body too large (413). Queueing a
 *      response here makes MHD close the connection afterwards (it stops
 *      reading), which is right for these and wrong for anything else —
 *      a normal request answered here loses keep-alive (measured 84k req/s
 *      with keep-alive vs 16k without). So normal requests return MHD_YES;
 *   2. with each piece of body: appended up to max_body_bytes;
 *   3. with no more body: dispatch to the route's handler and queue.
 * on_completed() then counts the request, writes the access-log line and
 * frees it.
 *
 * Oversized headers, libmicrohttpd 0.9.75: when the request line and
 * headers do not fit in the connection's memory pool
 * (MHD_OPTION_CONNECTION_MEMORY_LIMIT), MHD itself answers 431 (or 414
 * when the request line alone is too long) with a small text/html body of
 * its own and closes; no application hook is called, so no problem+json
 * can be sent then. We size the pool at max_header_bytes + 8 KiB and
 * measure the headers ourselves in step 1, so a request whose headers are
 * over max_header_bytes but still fit gets our 431 problem+json; only
 * larger ones get MHD's HTML 431. The pool is not bigger because MHD
 * clears the used part of it between keep-alive requests: a 32 KiB pool
 * showed up as the top user-space cost (memset) under wrk.
 *
 * Connection limit: open connections are counted by MHD's connection
 * notification; a request arriving while more than server.max_connections
 * are open gets 503 overloaded with Retry-After: 1 and its connection
 * closed. MHD's own hard limit is set higher (max + max/4 + 16) so that
 * the 503 can be sent rather than the socket dropped.
 *
 * Slow clients: MHD_OPTION_CONNECTION_TIMEOUT = idle_timeout_s closes a
 * connection on which nothing arrived for that long (half a request line,
 * an idle keep-alive). libmicrohttpd 0.9.75 has no whole-request deadline,
 * so a client trickling one byte per interval is only bounded by the
 * header and body caps; the nginx in front (client_header_timeout,
 * client_body_timeout) is what bounds those.
 *
 * Signals: SIGTERM/SIGINT handlers write one byte to a self-pipe (the
 * only mutable global of this module); the thread in lx_http_serve()
 * waits on it, quiesces the daemon (no more accepts), waits for in-flight
 * requests up to drain_timeout_s while answering them with
 * "Connection: close", then stops the daemon.
 */
#include "auth/auth.h"
#include "base/conf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "cal/cal.h"
#include "crypto/crypto.h"
#include "http/http.h"
#include "http/http_int.h"
#include "scan/scan.h"

#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Write end of the signal self-pipe; -1 when no handler is installed. */
static volatile sig_atomic_t sig_pipe_w = -1;

static int64_t
mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *
http__header(struct lx_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http__query(struct lx_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

/* A client request id is kept when it is a short safe token. */
static bool
req_id_ok(const char *v)
{
    size_t n = 0;

    for (; v[n] != '\0'; n++) {
        char c = v[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        /* ctx.req_id holds 63 characters and the NUL. */
        if (!ok || n >= sizeof(((struct lx_ctx *)0)->req_id) - 1) {
            return false;
        }
    }
    return n > 0;
}

static void
set_req_id(struct lx_http_req *r)
{
    struct lx_http_server *srv = r->srv;
    const char *v = http__header(r, "X-Request-Id");

    if (v != NULL && req_id_ok(v)) {
        memcpy(r->ctx.req_id, v, strlen(v) + 1);
        return;
    }
    {
        /* 8 hex digits of the boot id, 12 of a counter (no printf: this
         * runs for every request). */
        static const char hex[] = "0123456789abcdef";
        uint64_t n = (uint64_t)atomic_fetch_add_explicit(&srv->next_id, 1,
                                                         memory_order_relaxed);
        char *p = r->ctx.req_id;
        for (int i = 7; i >= 0; i--) {
            *p++ = hex[(srv->boot_id >> (i * 4)) & 15];
        }
        for (int i = 11; i >= 0; i--) {
            *p++ = hex[(n >> (i * 4)) & 15];
        }
        *p = '\0';
    }
}

struct hdr_sum {
    size_t bytes;
};

static enum MHD_Result
add_header_bytes(void *cls, enum MHD_ValueKind kind, const char *key,
                 const char *value)
{
    struct hdr_sum *s = cls;

    (void)kind;
    /* "Key: value\r\n" (query arguments: "key=value&") */
    s->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* Request line plus headers, as sent (to within a few bytes). */
static size_t
header_bytes(struct MHD_Connection *c, const char *method, const char *url)
{
    struct hdr_sum s = {.bytes = strlen(method) + strlen(url) + 12};

    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header_bytes, &s);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_header_bytes, &s);
    return s.bytes;
}

/* Declared Content-Length, or -1 when absent or not a plain number. */
static int64_t
content_length(struct lx_http_req *r)
{
    const char *v = http__header(r, "Content-Length");
    int64_t n = 0;

    if (v == NULL || *v == '\0') {
        return -1;
    }
    for (; *v != '\0'; v++) {
        if (*v < '0' || *v > '9' || n > INT64_MAX / 10 - 10) {
            return INT64_MAX; /* MHD has validated it; treat as huge */
        }
        n = n * 10 + (*v - '0');
    }
    return n;
}

static enum MHD_Result
respond(struct lx_http_req *r)
{
    struct lx_http_res *res = &r->res;
    struct MHD_Response *mr;
    enum MHD_Result ok;
    char ra[16];

    if (res->status == 0) {
        res->status = 200;
    }
    if (res->body != NULL) {
        mr = MHD_create_response_from_buffer(res->body_len, (void *)res->body,
                                             MHD_RESPMEM_PERSISTENT);
    } else if (res->buf.p != NULL) {
        /* lx_buf memory is malloc'd: MHD frees it after sending. */
        mr = MHD_create_response_from_buffer(res->buf.len, res->buf.p,
                                             MHD_RESPMEM_MUST_FREE);
        if (mr != NULL) {
            res->buf.p = NULL;
            res->buf.len = 0;
            res->buf.cap = 0;
        }
    } else {
        mr = MHD_create_response_from_buffer(0, (void *)"",
                                             MHD_RESPMEM_PERSISTENT);
    }
    if (mr == NULL) {
        return MHD_NO;
    }
    MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                            res->content_type ? res->content_type
                                              : "application/json");
    MHD_add_response_header(mr, "X-Request-Id", r->ctx.req_id);
    if (res->allow != NULL && res->status == 405) {
        MHD_add_response_header(mr, MHD_HTTP_HEADER_ALLOW, res->allow);
    }
    if (res->retry_after_s > 0) {
        snprintf(ra, sizeof(ra), "%d", res->retry_after_s);
        MHD_add_response_header(mr, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (atomic_load_explicit(&r->srv->draining, memory_order_relaxed)) {
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    }
    ok = MHD_queue_response(r->conn, (unsigned int)res->status, mr);
    MHD_destroy_response(mr);
    if (ok == MHD_YES) {
        r->status = res->status;
    }
    return ok;
}

/* Answer with the problem for rc (detail from the format). */
static enum MHD_Result
refuse(struct lx_http_req *r, lx_rc rc, const char *detail)
{
    lx_err_set(&r->ctx.err, rc, NULL, "%s", detail);
    http__problem(&r->res, &r->ctx.err, r->ctx.req_id);
    return respond(r);
}

static struct lx_http_req *
req_new(struct lx_http_server *srv, struct MHD_Connection *c, const char *url,
        const char *method)
{
    struct lx_http_req *r = lx_xcalloc(1, sizeof(*r));

    r->start_us = mono_us();
    lx_ctx_init(&r->ctx, srv->app, lx_time_now_ms());
    r->ctx.actor.kind = LX_ACTOR_NONE;
    r->srv = srv;
    r->conn = c;
    r->method = method;
    r->path = url;
    r->method_slot = http__method_slot(method);
    lx_buf_init(&r->body, srv->max_body_bytes);
    set_req_id(r);
    r->match =
        http__route_find(method, url, &r->ctx.arena, &r->route, r->params,
                         &r->nparams, &r->route_slot, &r->res.allow);
    atomic_fetch_add_explicit(&srv->in_flight, 1, memory_order_relaxed);
    return r;
}

static void
dispatch(struct lx_http_req *r)
{
    lx_rc rc;

    if (r->body_too_big) {
        rc = lx_err_set(&r->ctx.err, LX_ETOOBIG, NULL, "body over %zu bytes",
                        r->srv->max_body_bytes);
    } else if (r->match == HTTP_MATCH_NONE) {
        rc = lx_err_set(&r->ctx.err, LX_ENOTFOUND, NULL,
                        "no resource at this path");
    } else if (r->match == HTTP_MATCH_METHOD) {
        rc = lx_err_set(&r->ctx.err, LX_EMETHOD, NULL,
                        "method not allowed; see the Allow header");
    } else {
        /* The actor from the session or API key, checked on every request
         * (auth/: revoked, expired, disabled, firm suspended). */
        rc = http__authenticate(r);
        if (rc == LX_OK) {
            rc = r->route->fn(r, &r->res);
        }
    }
    if (rc != LX_OK) {
        if (r->ctx.err.rc != rc) {
            /* A handler returned a code without its detail. */
            lx_err_set(&r->ctx.err, rc, NULL, NULL);
        }
        http__problem(&r->res, &r->ctx.err, r->ctx.req_id);
    }
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
           const char *method, const char *version, const char *upload_data,
           size_t *upload_data_size, void **con_cls)
{
    struct lx_http_server *srv = cls;
    struct lx_http_req *r = *con_cls;
    int64_t clen;

    (void)version;
    if (r == NULL) {
        r = req_new(srv, c, url, method);
        *con_cls = r;
        if (atomic_load_explicit(&srv->connections, memory_order_relaxed) >
            srv->max_connections) {
            r->res.retry_after_s = 1;
            return refuse(r, LX_EBUSY, "connection limit reached");
        }
        if (header_bytes(c, method, url) > srv->max_header_bytes) {
            return refuse(r, LX_EHEADERS, "request headers too large");
        }
        clen = content_length(r);
        if (clen > (int64_t)srv->max_body_bytes) {
            /* Refused before reading: MHD closes after the answer. */
            r->body_too_big = true;
            lx_err_set(&r->ctx.err, LX_ETOOBIG, NULL, "body over %zu bytes",
                       srv->max_body_bytes);
            http__problem(&r->res, &r->ctx.err, r->ctx.req_id);
            return respond(r);
        }
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (!r->body_too_big &&
            lx_buf_append(&r->body, upload_data, n) != LX_OK) {
            r->body_too_big = true; /* chunked body past the cap */
            lx_buf_release(&r->body);
        }
        if (r->body_too_big) {
            r->body_dropped += n;
            /* Discard up to 4 x the cap in all to answer 413; past that,
             * drop the connection rather than read an endless stream. */
            if (r->body_dropped > 3 * (uint64_t)srv->max_body_bytes) {
                return MHD_NO;
            }
        }
        return MHD_YES;
    }
    dispatch(r);
    return respond(r);
}

static const char *
toe_name(enum MHD_RequestTerminationCode toe)
{
    if (toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED) {
        return "timeout";
    }
    if (toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN) {
        return "shutdown";
    }
    if (toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ||
        toe == MHD_REQUEST_TERMINATED_READ_ERROR) {
        return "client_abort";
    }
    return "error";
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
             enum MHD_RequestTerminationCode toe)
{
    struct lx_http_server *srv = cls;
    struct lx_http_req *r = *con_cls;
    struct lx_log_line line;
    int64_t dur_us;

    (void)c;
    if (r == NULL) {
        return;
    }
    *con_cls = NULL;
    dur_us = mono_us() - r->start_us;
    if (r->status != 0) {
        http__metrics_record(srv->metrics, r->route_slot, r->method_slot,
                             r->status, dur_us);
    }
    /* The access log: route template, never the path or query string. */
    lx_log_begin(&line, &srv->app->log, LX_LOG_INFO,
                 r->status != 0 ? "http_request" : "http_request_aborted",
                 r->ctx.req_id, r->ctx.now_ms + dur_us / 1000);
    lx_log_id(&line, "method", r->method);
    lx_log_id(&line, "route",
              r->match != HTTP_MATCH_NONE ? http__routes[r->route_slot].tmpl
                                          : "unmatched");
    lx_log_int(&line, "status", r->status);
    lx_log_int(&line, "dur_us", dur_us);
    if (r->status == 0 || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        lx_log_id(&line, "end", toe_name(toe));
    }
    lx_log_end(&line);

    lx_ctx_release(&r->ctx);
    lx_buf_release(&r->body);
    lx_buf_release(&r->res.buf);
    free(r);
    atomic_fetch_sub_explicit(&srv->in_flight, 1, memory_order_relaxed);
}

static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
              enum MHD_ConnectionNotificationCode code)
{
    struct lx_http_server *srv = cls;

    (void)c;
    (void)socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add_explicit(&srv->connections, 1, memory_order_relaxed);
    } else {
        atomic_fetch_sub_explicit(&srv->connections, 1, memory_order_relaxed);
    }
}

/*
 * libmicrohttpd's own messages: the format string is the library's
 * constant text, logged as a token (spaces to '_', other characters
 * dropped); the arguments, which may carry addresses, are not.
 */
static void
on_mhd_log(void *cls, const char *fm, va_list ap)
{
    struct lx_http_server *srv = cls;
    struct lx_log_line line;
    char id[96];
    size_t n = 0;

    (void)ap;
    for (const char *p = fm; *p != '\0' && n < sizeof(id) - 1; p++) {
        char ch = *p == ' ' ? '_' : *p;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-') {
            id[n++] = ch;
        }
    }
    id[n] = '\0';
    /* Before the daemon is up, a failure is reported by the caller in one
     * line (bind errors and the like); the library's view is detail. */
    lx_log_begin(&line, &srv->app->log,
                 atomic_load(&srv->started) ? LX_LOG_WARN : LX_LOG_DEBUG,
                 "http_library_message", NULL, lx_time_now_ms());
    lx_log_id(&line, "msg", id);
    lx_log_end(&line);
}

static void
on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    int fd = sig_pipe_w;

    if (fd >= 0) {
        ssize_t w = write(fd, &b, 1);
        (void)w; /* a full pipe already holds a wake-up */
    }
    errno = saved;
}

struct sig_saved {
    int pipe_r;
    int pipe_w;
    struct sigaction term, intr, pipe;
    bool installed;
};

static lx_rc
signals_install(struct sig_saved *s, struct lx_err *err)
{
    int fds[2];
    struct sigaction sa;

    if (pipe(fds) != 0) {
        return lx_err_set(err, LX_EIO, NULL, "cannot create the signal pipe");
    }
    for (int i = 0; i < 2; i++) {
        fcntl(fds[i], F_SETFD, FD_CLOEXEC);
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
    }
    s->pipe_r = fds[0];
    s->pipe_w = fds[1];
    sig_pipe_w = fds[1];
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGTERM, &sa, &s->term);
    sigaction(SIGINT, &sa, &s->intr);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &s->pipe);
    s->installed = true;
    return LX_OK;
}

static void
signals_restore(struct sig_saved *s)
{
    if (!s->installed) {
        return;
    }
    sigaction(SIGTERM, &s->term, NULL);
    sigaction(SIGINT, &s->intr, NULL);
    sigaction(SIGPIPE, &s->pipe, NULL);
    sig_pipe_w = -1;
    close(s->pipe_r);
    close(s->pipe_w);
    s->installed = false;
}

/* Wait for a signal byte up to timeout_ms (-1: forever); true if one came. */
static bool
signal_wait(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    unsigned char b[16];
    int n;

    do {
        n = poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        return false;
    }
    while (read(fd, b, sizeof(b)) > 0) {
    }
    return true;
}

static lx_rc
parse_listen(const struct lx_conf *conf, struct sockaddr_storage *ss, bool *v6,
             struct lx_err *err)
{
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

    memset(ss, 0, sizeof(*ss));
    *v6 = false;
    if (inet_pton(AF_INET, conf->listen, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)conf->port);
        return LX_OK;
    }
    if (inet_pton(AF_INET6, conf->listen, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)conf->port);
        *v6 = true;
        return LX_OK;
    }
    return lx_err_set(err, LX_EINVAL, "server.listen",
                      "server.listen is not an IPv4 or IPv6 address");
}

static void
log_event(struct lx_http_server *srv, const char *event, const char *key,
          int64_t value)
{
    struct lx_log_line line;

    lx_log_begin(&line, &srv->app->log, LX_LOG_INFO, event, NULL,
                 lx_time_now_ms());
    lx_log_int(&line, key, value);
    lx_log_end(&line);
}

/* Stop accepting, let in-flight requests finish, stop the daemon. */
static void
drain(struct lx_http_server *srv, int sig_fd, int64_t drain_s)
{
    MHD_socket lfd;
    int64_t deadline = lx_time_mono_ms() + drain_s * 1000;
    long left;

    atomic_store(&srv->draining, true);
    lfd = MHD_quiesce_daemon(srv->daemon);
    log_event(srv, "http_draining", "in_flight", atomic_load(&srv->in_flight));
    while (atomic_load(&srv->in_flight) > 0 && lx_time_mono_ms() < deadline) {
        if (signal_wait(sig_fd, 10)) {
            break; /* a second signal: stop now */
        }
    }
    left = atomic_load(&srv->in_flight);
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    if (lfd != MHD_INVALID_SOCKET) {
        close(lfd); /* ours after quiesce, once the daemon has stopped */
    }
    log_event(srv, "http_stopped", "abandoned", left);
}

/*
 * The conversation service's set-up from the talk.* keys: the embedded
 * rule pack compiled once (a daemon that cannot screen messages does not
 * start), the contact limits and review hold, the virtual-number pool
 * split at commas, and the telephony webhook key (refused when group- or
 * world-readable).
 */
static lx_rc
talk_setup(struct lx_http_server *srv, const struct lx_conf *conf,
           struct lx_err *err)
{
    struct lx_talk_opts *o = &srv->talk;
    size_t n = 0;
    char *p;
    lx_rc rc;

    rc = lx_scan_pack_compile_embedded(&srv->scan_pack, err);
    if (rc != LX_OK) {
        return rc;
    }
    memset(o, 0, sizeof(*o));
    o->limits.max_unanswered = (int)conf->talk_max_unanswered;
    o->limits.window_ms = conf->talk_window_s * 1000;
    o->limits.quiet_start_ms = conf->talk_quiet_start_ms;
    o->limits.quiet_end_ms = conf->talk_quiet_end_ms;
    o->limits.user_recent_ms = conf->talk_user_recent_s * 1000;
    o->pack = srv->scan_pack;
    o->hold_review = conf->talk_hold_review;
    srv->talk_binding_ttl_ms = conf->talk_binding_ttl_s * 1000;
    srv->talk_max_call_s = (int)conf->talk_max_call_s;

    srv->talk_pool_buf = lx_xstrdup(conf->talk_virtual_numbers);
    for (p = srv->talk_pool_buf; *p != '\0'; p++) {
        n += *p == ',';
    }
    srv->talk_pool = lx_xcalloc(n + 1, sizeof(*srv->talk_pool));
    for (p = srv->talk_pool_buf; *p != '\0';) {
        char *end = p + strcspn(p, ",");
        char *q = end;
        bool last = *end == '\0';
        while (*p == ' ') {
            p++;
        }
        while (q > p && q[-1] == ' ') {
            q--;
        }
        *q = '\0';
        if (q - p > LX_TALK_NUMBER_MAX) {
            return lx_err_set(err, LX_EINVAL, "talk.virtual_numbers",
                              "a virtual number is longer than %d bytes",
                              LX_TALK_NUMBER_MAX);
        }
        if (q > p) {
            srv->talk_pool[srv->talk_pool_n++] = p;
        }
        p = last ? end : end + 1;
    }
    if (conf->talk_telephony_key_file[0] != '\0') {
        rc = lx_crypto_key_file_read(conf->talk_telephony_key_file, 1024,
                                     "talk.telephony_key_file",
                                     &srv->telephony_key, err);
    }
    return rc;
}

static void
talk_release(struct lx_http_server *srv)
{
    lx_scan_pack_free(srv->scan_pack);
    srv->scan_pack = NULL;
    srv->talk.pack = NULL;
    free(srv->talk_pool);
    free(srv->talk_pool_buf);
    lx_secret_free(srv->telephony_key);
    srv->telephony_key = NULL;
}

lx_rc
lx_http_serve(struct lx_app *app, struct lx_err *err)
{
    const struct lx_conf *conf = app->conf;
    struct lx_http_server *srv = NULL;
    struct lx_cal *cal = NULL;
    struct sig_saved sigs = {.pipe_r = -1, .pipe_w = -1};
    struct sockaddr_storage ss;
    const union MHD_DaemonInfo *info;
    unsigned int flags, hard_limit;
    size_t pool_bytes;
    bool v6;
    char host[INET6_ADDRSTRLEN + 2];
    lx_rc rc;

    rc = parse_listen(conf, &ss, &v6, err);
    if (rc != LX_OK) {
        goto out;
    }
    srv = lx_xcalloc(1, sizeof(*srv));
    srv->app = app;
    srv->max_body_bytes = (size_t)conf->max_body_bytes;
    srv->max_header_bytes = (size_t)conf->max_header_bytes;
    srv->max_connections = (long)conf->max_connections;
    atomic_init(&srv->next_id, 1);
    atomic_init(&srv->in_flight, 0);
    atomic_init(&srv->connections, 0);
    atomic_init(&srv->draining, false);
    atomic_init(&srv->started, false);
    lx_crypto_random(&srv->boot_id, sizeof(srv->boot_id));
    srv->metrics = http__metrics_new(http__route_count());
    {
        /* Password hashing: one hash per core, and always one worker
         * thread left over, so a flood of sign-ins (waiting ones hold a
         * worker too) never stalls the other endpoints; beyond that, 429. */
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        long spare = (long)conf->threads - 1;
        long slots = cores < 1 ? 1 : cores;
        if (slots > spare) {
            slots = spare < 1 ? 1 : spare;
        }
        srv->gate = lx_auth_gate_new(
            (int)slots, spare - slots > 0 ? (int)(spare - slots) : 0);
    }
    rc = http__calendar_load(conf, &cal, err);
    if (rc != LX_OK) {
        goto out;
    }
    srv->cal = cal;
    rc = talk_setup(srv, conf, err);
    if (rc != LX_OK) {
        goto out;
    }

    rc = signals_install(&sigs, err);
    if (rc != LX_OK) {
        goto out;
    }

    pool_bytes = srv->max_header_bytes + 8 * 1024;
    hard_limit =
        (unsigned int)(conf->max_connections + conf->max_connections / 4 + 16);
    flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
            MHD_USE_TURBO | (v6 ? MHD_USE_IPv6 : 0);
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER,
        on_mhd_log, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)conf->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)conf->idle_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, hard_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool_bytes,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_END);
    if (srv->daemon == NULL) {
        rc = lx_err_set(err, LX_EIO, "server.port",
                        "cannot listen on %s port %d", conf->listen,
                        (int)conf->port);
        goto out;
    }
    atomic_store(&srv->started, true);
    info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(host, sizeof(host), v6 ? "[%s]" : "%s", conf->listen);
    printf("lexgate: listening on http://%s:%u/\n", host,
           info != NULL ? (unsigned)info->port : (unsigned)conf->port);
    fflush(stdout);
    log_event(srv, "http_listening", "port",
              info != NULL ? (int64_t)info->port : conf->port);

    signal_wait(sigs.pipe_r, -1);
    drain(srv, sigs.pipe_r, conf->drain_timeout_s);
    rc = LX_OK;

out:
    if (srv != NULL && srv->daemon != NULL) {
        MHD_stop_daemon(srv->daemon);
    }
    signals_restore(&sigs);
    if (srv != NULL) {
        http__metrics_free(srv->metrics);
        lx_auth_gate_free(srv->gate);
        lx_cal_free(cal);
        talk_release(srv);
        free(srv);
    }
    return rc;
}
