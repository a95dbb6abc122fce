/*
 * http_int — what the files of src/http share: the request and response a
 * handler sees, the route table, problem rendering and metrics.
 *
 * A handler is one function per route row. It reads struct lx_http_req
 * (context, path parameters, headers, body), fills struct lx_http_res and
 * returns LX_OK, or returns an error with detail in req->ctx.err, which
 * server.c renders as application/problem+json. Handlers parse and
 * validate, call one service, render: no SQL and no policy here.
 * Everything a handler allocates for the response comes from the request
 * arena or the response buffer; nothing outlives the request.
 */
#ifndef LX_HTTP_INT_H
#define LX_HTTP_INT_H

#include "base/buf.h"
#include "base/ctx.h"
#include "base/err.h"
#include "talk/talk.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct MHD_Connection;
struct MHD_Daemon;
struct json_t;
struct lx_cal;
struct lx_auth_gate;
struct lx_conf;
struct lx_scan_pack;
struct lx_secret;

#define HTTP_MAX_PARAMS 4

struct lx_http_server;
struct lx_http_route;

/* What a handler answers. Either 'body' points at static or arena memory
 * (body_len bytes), or the handler appends to 'buf' (body NULL). */
struct lx_http_res {
    int status;               /* 200 unless set */
    const char *content_type; /* static; default application/json */
    const char *body;
    size_t body_len;
    struct lx_buf buf;
    const char *allow; /* Allow header (405), static or arena */
    int retry_after_s; /* > 0 adds Retry-After */
};

/* One request, from its first byte of headers to its completion. */
struct lx_http_req {
    struct lx_ctx ctx;
    struct lx_http_server *srv;
    struct MHD_Connection *conn;
    const char *method;                /* MHD's copy, valid for the request */
    const char *path;                  /* decoded path, no query string */
    const struct lx_http_route *route; /* NULL when no row matched */
    int route_slot;  /* metrics slot: row of the template, or unmatched */
    int method_slot; /* metrics slot of the method */
    const char *params[HTTP_MAX_PARAMS]; /* {name} values in template order */
    size_t nparams;
    struct lx_buf body;    /* request body, capped at max_body_bytes */
    bool body_too_big;     /* more than max_body_bytes arrived */
    uint64_t body_dropped; /* bytes discarded after the cap */
    int64_t start_us;      /* monotonic, at the first callback */
    int match;             /* enum http__match of the route look-up */
    int status;            /* status queued, 0 until then */
    struct lx_http_res res;
};

typedef lx_rc lx_http_handler_fn(struct lx_http_req *req,
                                 struct lx_http_res *res);

struct lx_http_route {
    const char *method; /* "GET", "POST", … */
    const char *tmpl;   /* "/v1/things/{id}": {x} matches one segment */
    lx_http_handler_fn *fn;
    const char *summary; /* one line, also the OpenAPI summary */
};

/* routes.c: the table (terminated by a row with method NULL). */
extern const struct lx_http_route http__routes[];
size_t http__route_count(void);

enum http__match {
    HTTP_MATCH_NONE = 0, /* no template matches the path: 404 */
    HTTP_MATCH_METHOD,   /* a template matches, not with this method: 405 */
    HTTP_MATCH_OK,
};

/*
 * Match method and path against the table. On HTTP_MATCH_OK *route is the
 * row and params[0..*nparams) point into 'path' copies made in 'arena'.
 * On HTTP_MATCH_METHOD, *slot is the first row of the template and *allow
 * the comma-separated methods it takes (arena). *slot is always set: the
 * row index, or http__route_count() for no match. HEAD matches GET rows.
 */
enum http__match http__route_find(const char *method, const char *path,
                                  struct lx_arena *arena,
                                  const struct lx_http_route **route,
                                  const char **params, size_t *nparams,
                                  int *slot, const char **allow);

/* problem.c: render err as RFC 9457 into res (status, type, body). */
void http__problem(struct lx_http_res *res, const struct lx_err *err,
                   const char *req_id);

/* server.c: a request header (case-insensitive name) or NULL. */
const char *http__header(struct lx_http_req *req, const char *name);
/* A query-string argument (decoded), or NULL. Never logged. */
const char *http__query(struct lx_http_req *req, const char *name);
/* Typed arguments (query.c): absent leaves *out as it was; a bad value is
 * LX_EINVAL naming the argument (JSON pointer 'ptr'), never the value. */
lx_rc http__query_int(struct lx_http_req *req, const char *name,
                      const char *ptr, int64_t min, int64_t max, int64_t *out);
lx_rc http__query_time(struct lx_http_req *req, const char *name,
                       const char *ptr, int64_t *out);

/*
 * The request body as JSON (lx_http_json_decode with the request's
 * Content-Type and server.max_body_bytes). The reference is released with
 * the request arena. Errors go to req->ctx.err.
 */
lx_rc http__body_json(struct lx_http_req *req, struct json_t **out);

/* metrics.c — counters kept with relaxed atomics on the hot path. */
struct http_metrics;

#define HTTP_METHOD_SLOTS 8 /* GET HEAD POST PUT PATCH DELETE OPTIONS other */

struct http_metrics *http__metrics_new(size_t routes);
void http__metrics_free(struct http_metrics *m);
int http__method_slot(const char *method);
/* Count one answered request of route slot (0..routes, routes is
 * "unmatched") with its status and duration. */
void http__metrics_record(struct http_metrics *m, int route_slot,
                          int method_slot, int status, int64_t dur_us);
/* Append the Prometheus text exposition to b. */
lx_rc http__metrics_write(struct http_metrics *m, long in_flight,
                          long connections, struct lx_buf *b);

/* The daemon (server.c); handlers read it through req->srv. */
struct lx_http_server {
    struct lx_app *app;
    struct MHD_Daemon *daemon;
    struct http_metrics *metrics;
    const struct lx_cal *cal; /* business calendar, immutable */
    struct lx_auth_gate *gate; /* bounds password hashing (auth/) */
    size_t max_body_bytes;
    size_t max_header_bytes;
    long max_connections;
    uint32_t boot_id; /* random prefix of generated request ids */
    atomic_uint_fast64_t next_id;
    atomic_long in_flight;
    atomic_long connections;
    atomic_bool draining;
    atomic_bool started; /* bound and serving: library messages are warnings */
    /* The conversation service (h_talk*.c, h_telephony.c), set up at start
     * from the talk.* keys: the rule pack compiled once (immutable, shared
     * by every thread), the service options (limits, review hold,
     * pack; on_contact is added per call), the virtual-number pool and the
     * telephony webhook key (NULL when talk.telephony_key_file is empty). */
    struct lx_scan_pack *scan_pack;
    struct lx_talk_opts talk;
    const char **talk_pool; /* pointers into talk_pool_buf */
    size_t talk_pool_n;
    char *talk_pool_buf;
    int64_t talk_binding_ttl_ms;
    int talk_max_call_s;
    struct lx_secret *telephony_key;
};

/* Handlers (h_*.c). */
lx_http_handler_fn http__h_healthz;
lx_http_handler_fn http__h_readyz;
lx_http_handler_fn http__h_metrics;
lx_http_handler_fn http__h_openapi;
lx_http_handler_fn http__h_calendar_deadline;
lx_http_handler_fn http__h_audit_checkpoint; /* h_audit.c */
lx_http_handler_fn http__h_audit_entries;
lx_http_handler_fn http__h_sla_deadlines; /* h_sla.c */
lx_http_handler_fn http__h_sla_figures;
lx_http_handler_fn http__h_sla_breaches;

/* People and sign-in (h_people.c, h_auth.c; docs/people.md). */
lx_http_handler_fn http__h_signin;
lx_http_handler_fn http__h_signout;
lx_http_handler_fn http__h_otp_request;
lx_http_handler_fn http__h_otp_verify;
lx_http_handler_fn http__h_me;
lx_http_handler_fn http__h_apikeys_create;
lx_http_handler_fn http__h_firms_list;
lx_http_handler_fn http__h_firms_create;
lx_http_handler_fn http__h_firm_get;
lx_http_handler_fn http__h_firm_update;
lx_http_handler_fn http__h_firm_delete;
lx_http_handler_fn http__h_firm_status;
lx_http_handler_fn http__h_staff_list;
lx_http_handler_fn http__h_staff_create;
lx_http_handler_fn http__h_staff_get;
lx_http_handler_fn http__h_staff_update;
lx_http_handler_fn http__h_staff_delete;
lx_http_handler_fn http__h_staff_password;
lx_http_handler_fn http__h_training_list;
lx_http_handler_fn http__h_training_add;
lx_http_handler_fn http__h_licence_get;
lx_http_handler_fn http__h_licence_set;
lx_http_handler_fn http__h_licence_verify;
lx_http_handler_fn http__h_grants_create;
lx_http_handler_fn http__h_grant_get;
lx_http_handler_fn http__h_grant_decide;
lx_http_handler_fn http__h_grant_revoke;
lx_http_handler_fn http__h_approvals_create;
lx_http_handler_fn http__h_approval_get;
lx_http_handler_fn http__h_approval_decide;

/* Leads (h_leads.c; docs/leads.md). */
lx_http_handler_fn http__h_leads_create;
lx_http_handler_fn http__h_leads_list;
lx_http_handler_fn http__h_lead_get;
lx_http_handler_fn http__h_lead_claim;
lx_http_handler_fn http__h_lead_decline;
lx_http_handler_fn http__h_lead_assign;
lx_http_handler_fn http__h_lead_handover;
lx_http_handler_fn http__h_lead_acknowledge;
lx_http_handler_fn http__h_lead_reveal;
lx_http_handler_fn http__h_lead_close;
lx_http_handler_fn http__h_lead_accesses;
lx_http_handler_fn http__h_lead_return;

/* Conversations (h_talk.c, h_talk_quote.c, h_telephony.c; docs/talk.md). */
lx_http_handler_fn http__h_talk_send;
lx_http_handler_fn http__h_talk_messages;
lx_http_handler_fn http__h_talk_optout;
lx_http_handler_fn http__h_talk_reviews;
lx_http_handler_fn http__h_talk_review_decide;
lx_http_handler_fn http__h_talk_facts_set;
lx_http_handler_fn http__h_talk_quote_send;
lx_http_handler_fn http__h_talk_quote_get;
lx_http_handler_fn http__h_talk_quote_answer;
lx_http_handler_fn http__h_talk_quote_revise;
lx_http_handler_fn http__h_talk_revision_accept;
lx_http_handler_fn http__h_talk_charge;
lx_http_handler_fn http__h_talk_bind;
lx_http_handler_fn http__h_telephony_events;

/* h_talk.c helpers shared by the conversation handlers: the service
 * options of the server with the SLA contact hook; the body as an object
 * of 'allowed' members; a response buffer; and a problem for
 * req->ctx.err whose extra members (",\"k\":v…", already JSON) are
 * appended inside it — handlers that return it answer LX_OK. */
struct lx_talk_opts http__talk_opts(const struct lx_http_req *req);
void http__talk_begin(struct lx_http_res *res, int status);
/* http__people_actor_id that also takes an optional body that must be an
 * empty object (400 for any member), for the POST routes that carry
 * nothing. */
lx_rc http__talk_id_no_body(struct lx_http_req *req, int64_t *id);
lx_rc http__talk_problem(struct lx_http_req *req, struct lx_http_res *res,
                         const struct lx_buf *extra);
/* Typed members of a body object: absent (or null) is "required" (400
 * naming 'ptr') when 'required', else leaves *out as it was; a wrong type,
 * a string with NUL or an integer outside [min, max] is 400 naming 'ptr'.
 * Strings are borrowed from the body (*len may be NULL). */
lx_rc http__talk_str(struct lx_http_req *req, struct json_t *obj,
                     const char *key, const char *ptr, bool required,
                     const char **out, size_t *len);
lx_rc http__talk_int(struct lx_http_req *req, struct json_t *obj,
                     const char *key, const char *ptr, bool required,
                     int64_t min, int64_t max, int64_t *out);
lx_rc http__talk_bool(struct lx_http_req *req, struct json_t *obj,
                      const char *key, const char *ptr, bool required,
                      bool *out);
/* Append ",\"retry_at\":…,\"reason\":…" for a C5.3 contact deny. */
void http__talk_contact_extra(struct lx_buf *b, const char *reason,
                              int64_t retry_ms);
/* True when rc is a C5.3 contact-limit deny with a reason other than
 * "allowed": res then holds the 403 problem with "reason" and, when
 * retry_ms > 0, "retry_at" (the handler answers LX_OK). False leaves res
 * alone. */
bool http__talk_contact_problem(struct lx_http_req *req,
                                struct lx_http_res *res, lx_rc rc,
                                const char *reason, int64_t retry_ms);

/* h_auth.c: set req->ctx.actor from an "Authorization: Bearer" token
 * (anonymous when absent or not valid); fails only when the store does. */
lx_rc http__authenticate(struct lx_http_req *req);

/* h_people.c helpers shared with h_auth.c. The body as a JSON object whose
 * members are all in 'allowed' (NULL-terminated), else 400 naming the
 * field; path parameter i as a positive id, else 404; 401 when anonymous;
 * members ",\"key\":time-or-null" and ",\"key\":\"text\"" appended to b;
 * a staff object. */
lx_rc http__people_body(struct lx_http_req *req, const char *const *allowed,
                        struct json_t **out);
lx_rc http__people_id(struct lx_http_req *req, size_t i, int64_t *out);
lx_rc http__people_need_actor(struct lx_http_req *req);
/* The path's {id} (parameter 0) for a signed-in actor: 401 anonymous, 404
 * for an id that is no positive integer. */
lx_rc http__people_actor_id(struct lx_http_req *req, int64_t *id);
void http__people_time(struct lx_buf *b, const char *key, int64_t ms);
void http__people_str(struct lx_buf *b, const char *key, const char *v);
struct lx_people_staff;
void http__people_render_staff(struct lx_buf *b,
                               const struct lx_people_staff *s);

/* h_calendar.c: load calendar.file, or the embedded schedule. */
lx_rc http__calendar_load(const struct lx_conf *conf, struct lx_cal **out,
                          struct lx_err *err);

#endif /* LX_HTTP_INT_H */
