/*
 * h_metrics — GET /metrics: the Prometheus text exposition (metrics.c).
 */
#include "http/http_int.h"

#include <stdatomic.h>

lx_rc
http__h_metrics(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_http_server *srv = req->srv;

    lx_buf_init(&res->buf, 4 * 1024 * 1024);
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
    return http__metrics_write(srv->metrics, atomic_load(&srv->in_flight),
                               atomic_load(&srv->connections), &res->buf);
}
