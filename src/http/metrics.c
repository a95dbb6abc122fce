/*
 * metrics — Prometheus counters for the HTTP interface.
 *
 *   lexgate_http_requests_total{route,method,status}   counter
 *   lexgate_http_request_duration_seconds{route}        histogram
 *   lexgate_http_in_flight                              gauge
 *   lexgate_http_connections                            gauge
 *
 * The route label is the template of the route table (or "unmatched"),
 * never a raw path, so the label set is bounded by the table; methods and
 * statuses outside the known sets fold into "OTHER" and "other". Counters
 * are relaxed atomics in one array allocated at start: recording is a few
 * uncontended-in-the-common-case fetch_adds, no lock, no allocation.
 * Reading is not a consistent snapshot (counters may move while written),
 * which Prometheus tolerates.
 */
#include "base/mem.h"
#include "http/http_int.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const method_names[HTTP_METHOD_SLOTS] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER",
};

static const int statuses[] = {
    200, 201, 202, 204, 301, 302, 304, 400, 401, 403, 404, 405,
    408, 409, 413, 415, 422, 429, 431, 500, 502, 503, 504,
};
#define STATUS_SLOTS (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Upper bounds in microseconds; +Inf is the last slot. */
static const int64_t bounds_us[] = {
    100,   250,    500,    1000,   2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};
/* The same bounds as Prometheus "le" labels, in seconds. */
static const char *const bounds_le[] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10",
};
_Static_assert(sizeof(bounds_le) / sizeof(bounds_le[0]) ==
                   sizeof(bounds_us) / sizeof(bounds_us[0]),
               "one label per bucket bound");
#define BUCKETS (sizeof(bounds_us) / sizeof(bounds_us[0]) + 1)

struct http_hist {
    atomic_uint_fast64_t bucket[BUCKETS]; /* not cumulative */
    atomic_uint_fast64_t sum_us;
    atomic_uint_fast64_t count;
};

struct http_metrics {
    size_t routes; /* route slots are 0..routes, routes = unmatched */
    atomic_uint_fast64_t *counts; /* [route][method][status] */
    struct http_hist *hist;       /* [route] */
};

struct http_metrics *
http__metrics_new(size_t routes)
{
    struct http_metrics *m = lx_xcalloc(1, sizeof(*m));
    size_t n = (routes + 1) * HTTP_METHOD_SLOTS * STATUS_SLOTS;

    m->routes = routes;
    m->counts = lx_xcalloc(n, sizeof(m->counts[0]));
    m->hist = lx_xcalloc(routes + 1, sizeof(m->hist[0]));
    for (size_t i = 0; i < n; i++) {
        atomic_init(&m->counts[i], 0);
    }
    for (size_t r = 0; r <= routes; r++) {
        for (size_t b = 0; b < BUCKETS; b++) {
            atomic_init(&m->hist[r].bucket[b], 0);
        }
        atomic_init(&m->hist[r].sum_us, 0);
        atomic_init(&m->hist[r].count, 0);
    }
    return m;
}

void
http__metrics_free(struct http_metrics *m)
{
    if (m == NULL) {
        return;
    }
    free(m->counts);
    free(m->hist);
    free(m);
}

int
http__method_slot(const char *method)
{
    for (int i = 0; i < HTTP_METHOD_SLOTS - 1; i++) {
        if (strcmp(method, method_names[i]) == 0) {
            return i;
        }
    }
    return HTTP_METHOD_SLOTS - 1;
}

static size_t
status_slot(int status)
{
    for (size_t i = 0; i < STATUS_SLOTS - 1; i++) {
        if (statuses[i] == status) {
            return i;
        }
    }
    return STATUS_SLOTS - 1;
}

void
http__metrics_record(struct http_metrics *m, int route_slot, int method_slot,
                     int status, int64_t dur_us)
{
    size_t r = (size_t)route_slot <= m->routes ? (size_t)route_slot : m->routes;
    size_t mi = (size_t)method_slot < HTTP_METHOD_SLOTS ? (size_t)method_slot
                                                        : HTTP_METHOD_SLOTS - 1;
    size_t idx =
        (r * HTTP_METHOD_SLOTS + mi) * STATUS_SLOTS + status_slot(status);
    struct http_hist *h = &m->hist[r];
    size_t b = 0;

    if (dur_us < 0) {
        dur_us = 0;
    }
    while (b < BUCKETS - 1 && dur_us > bounds_us[b]) {
        b++;
    }
    atomic_fetch_add_explicit(&m->counts[idx], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_us, (uint_fast64_t)dur_us,
                              memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

static const char *
route_label(const struct http_metrics *m, size_t r)
{
    return r < m->routes ? http__routes[r].tmpl : "unmatched";
}

static void
write_requests(struct http_metrics *m, struct lx_buf *b)
{
    lx_buf_append_str(
        b, "# HELP lexgate_http_requests_total HTTP requests answered, by "
           "route template, method and status.\n"
           "# TYPE lexgate_http_requests_total counter\n");
    for (size_t r = 0; r <= m->routes; r++) {
        for (size_t mi = 0; mi < HTTP_METHOD_SLOTS; mi++) {
            for (size_t s = 0; s < STATUS_SLOTS; s++) {
                size_t idx = (r * HTTP_METHOD_SLOTS + mi) * STATUS_SLOTS + s;
                uint64_t v =
                    atomic_load_explicit(&m->counts[idx], memory_order_relaxed);
                char st[8];
                if (v == 0) {
                    continue;
                }
                if (s < STATUS_SLOTS - 1) {
                    snprintf(st, sizeof(st), "%d", statuses[s]);
                } else {
                    memcpy(st, "other", 6);
                }
                lx_buf_printf(b,
                              "lexgate_http_requests_total{route=\"%s\","
                              "method=\"%s\",status=\"%s\"} %" PRIu64 "\n",
                              route_label(m, r), method_names[mi], st, v);
            }
        }
    }
}

static void
write_histograms(struct http_metrics *m, struct lx_buf *b)
{
    lx_buf_append_str(
        b, "# HELP lexgate_http_request_duration_seconds Time from the "
           "request's headers to its response sent, by route template.\n"
           "# TYPE lexgate_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= m->routes; r++) {
        struct http_hist *h = &m->hist[r];
        const char *rl = route_label(m, r);
        uint64_t cum = 0, sum_us, count;

        /* Rows of a template share its first row's slot; skip the others. */
        bool dup = false;
        for (size_t j = 0; r < m->routes && j < r && !dup; j++) {
            dup = strcmp(http__routes[j].tmpl, rl) == 0;
        }
        if (dup) {
            continue;
        }
        for (size_t i = 0; i < BUCKETS; i++) {
            cum += atomic_load_explicit(&h->bucket[i], memory_order_relaxed);
            if (i < BUCKETS - 1) {
                lx_buf_printf(b,
                              "lexgate_http_request_duration_seconds_bucket{"
                              "route=\"%s\",le=\"%s\"} %" PRIu64 "\n",
                              rl, bounds_le[i], cum);
            } else {
                lx_buf_printf(b,
                              "lexgate_http_request_duration_seconds_bucket{"
                              "route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n",
                              rl, cum);
            }
        }
        sum_us = atomic_load_explicit(&h->sum_us, memory_order_relaxed);
        count = atomic_load_explicit(&h->count, memory_order_relaxed);
        lx_buf_printf(b,
                      "lexgate_http_request_duration_seconds_sum{route=\"%s\"}"
                      " %" PRIu64 ".%06" PRIu64 "\n",
                      rl, sum_us / 1000000, sum_us % 1000000);
        lx_buf_printf(b,
                      "lexgate_http_request_duration_seconds_count{route="
                      "\"%s\"} %" PRIu64 "\n",
                      rl, count);
    }
}

lx_rc
http__metrics_write(struct http_metrics *m, long in_flight, long connections,
                    struct lx_buf *b)
{
    write_requests(m, b);
    write_histograms(m, b);
    lx_buf_printf(b,
                  "# HELP lexgate_http_in_flight Requests being served now.\n"
                  "# TYPE lexgate_http_in_flight gauge\n"
                  "lexgate_http_in_flight %ld\n"
                  "# HELP lexgate_http_connections Open client "
                  "connections.\n"
                  "# TYPE lexgate_http_connections gauge\n"
                  "lexgate_http_connections %ld\n",
                  in_flight, connections);
    return LX_OK;
}
