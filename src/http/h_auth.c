/*
 * h_auth — sign-in and sessions over HTTP, and the hook that turns a
 * bearer token into the request's actor (auth/ does the checking).
 *
 *   POST /v1/auth/sign-in     {"email","password"} -> token (staff)
 *   POST /v1/auth/sign-out    revokes the presented session
 *   POST /v1/auth/otp         {"phone"} -> a code through the sender
 *   POST /v1/auth/otp/verify  {"phone","code"} -> token (user)
 *   GET  /v1/me               who the token belongs to
 *   POST /v1/api-keys         {"name","scopes"} -> a key, shown once
 *
 * Tokens travel only in "Authorization: Bearer …" (never in a URL or a
 * cookie, so no CSRF surface and nothing in access logs). A missing,
 * unknown, expired or revoked token leaves the actor anonymous; handlers
 * that need one answer 401. Throttled sign-ins answer 429 with
 * Retry-After. The one-time-code sender for the demo and tests is a local
 * outbox: JSON lines in otp-outbox.jsonl next to the SQLite database (in
 * the working directory for other stores)
 * (docs/auth.md); an SMS gateway plugs in behind struct
 * lx_auth_sender.
 */
#include "auth/auth.h"
#include "base/conf.h"
#include "base/json.h"
#include "http/http_int.h"
#include "people/people.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const char *
bearer(struct lx_http_req *req)
{
    const char *h = http__header(req, "Authorization");

    if (h == NULL || strncmp(h, "Bearer ", 7) != 0) {
        return NULL;
    }
    return h + 7;
}

lx_rc
http__authenticate(struct lx_http_req *req)
{
    struct lx_auth_opts o;
    const char *tok = bearer(req);
    lx_rc rc;

    if (tok == NULL || req->ctx.app->store == NULL) {
        return LX_OK;
    }
    lx_auth_opts_default(&o);
    rc = lx_auth_authenticate(&req->ctx, &o, tok);
    if (rc == LX_EUNAUTH) {
        /* Not an error here: the request goes on as anonymous. */
        lx_err_clear(&req->ctx.err);
        return LX_OK;
    }
    return rc;
}

/* The peer's address as text ("" when unknown), for throttling only. */
static void
source_of(struct lx_http_req *req, char *out, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;

    out[0] = '\0';
    if (sa == NULL) {
        return;
    }
    if (sa->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                  (socklen_t)cap);
    } else if (sa->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
                  (socklen_t)cap);
    }
}

static lx_rc
text_field(struct lx_http_req *req, json_t *body, const char *key,
           const char *ptr, char *out, size_t cap)
{
    const char *s;
    size_t n = 0;
    lx_rc rc = lx_json_get_str(body, key, ptr, &s, &n, &req->ctx.err);

    if (rc != LX_OK) {
        return rc;
    }
    if (n >= cap || memchr(s, '\0', n) != NULL) {
        return lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "too long");
    }
    memcpy(out, s, n);
    out[n] = '\0';
    return LX_OK;
}

static void
render_signin(struct lx_http_res *res, const struct lx_auth_signin *s)
{
    lx_buf_init(&res->buf, 1024);
    res->status = 200;
    lx_buf_printf(&res->buf, "{\"token\":\"%s\",\"token_type\":\"Bearer\"",
                  s->token);
    http__people_time(&res->buf, "expires_at", s->expires_ms);
    lx_buf_printf(&res->buf, ",\"actor\":{\"kind\":\"%s\",\"id\":%lld",
                  s->actor.kind == LX_ACTOR_USER ? "user" : "staff",
                  (long long)s->actor.id);
    if (s->actor.kind == LX_ACTOR_STAFF) {
        lx_buf_printf(&res->buf, ",\"role\":\"%s\"", s->actor.role);
        if (s->actor.firm_id != 0) {
            lx_buf_printf(&res->buf, ",\"firm_id\":%lld",
                          (long long)s->actor.firm_id);
        }
    }
    lx_buf_append_str(&res->buf, "}}");
}

static void
retry_after(struct lx_http_res *res, lx_rc rc)
{
    if (rc == LX_ETOOMANY) {
        res->retry_after_s = 60;
    }
}

static const char *const signin_fields[] = {"email", "password", NULL};

lx_rc
http__h_signin(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_auth_opts o;
    struct lx_auth_signin s;
    char email[LX_PEOPLE_EMAIL_MAX + 1];
    char pw[1025];
    char src[64];
    json_t *body;
    lx_rc rc;

    rc = http__people_body(req, signin_fields, &body);
    if (rc == LX_OK) {
        rc = text_field(req, body, "email", "/email", email, sizeof(email));
    }
    if (rc == LX_OK) {
        rc = text_field(req, body, "password", "/password", pw, sizeof(pw));
    }
    if (rc == LX_OK) {
        lx_auth_opts_default(&o);
        source_of(req, src, sizeof(src));
        /* Rotation: a session presented with the sign-in ends with it. */
        rc = lx_auth_signin_password(&req->ctx, req->srv->gate, &o, email, pw,
                                     src, bearer(req), &s);
    }
    memset(pw, 0, sizeof(pw));
    if (rc != LX_OK) {
        retry_after(res, rc);
        return rc;
    }
    render_signin(res, &s);
    memset(&s, 0, sizeof(s));
    return LX_OK;
}

lx_rc
http__h_signout(struct lx_http_req *req, struct lx_http_res *res)
{
    const char *tok = bearer(req);
    lx_rc rc = http__people_need_actor(req);

    if (rc != LX_OK || tok == NULL) {
        return rc != LX_OK ? rc
                           : lx_err_set(&req->ctx.err, LX_EUNAUTH, NULL, NULL);
    }
    rc = lx_auth_signout(&req->ctx, tok);
    if (rc == LX_OK) {
        res->status = 204;
    }
    return rc;
}

/* The demo/test outbox: otp-outbox.jsonl beside a SQLite database, or in
 * the working directory for other stores. */
static void
outbox_path(struct lx_http_req *req, char *out, size_t cap)
{
    const char *db = req->ctx.app->conf != NULL ? req->ctx.app->conf->db : "";
    const char *slash = NULL;

    if (strncmp(db, "sqlite:", 7) == 0) {
        db += 7;
        slash = strrchr(db, '/');
    }
    if (slash == NULL) {
        snprintf(out, cap, "otp-outbox.jsonl");
    } else {
        snprintf(out, cap, "%.*s/otp-outbox.jsonl", (int)(slash - db), db);
    }
}

static const char *const otp_fields[] = {"phone", NULL};
static const char *const otp_verify_fields[] = {"phone", "code", NULL};

lx_rc
http__h_otp_request(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_auth_opts o;
    struct lx_auth_sender snd = {lx_auth_outbox_send, NULL};
    char phone[16];
    char src[64];
    char path[600];
    json_t *body;
    lx_rc rc;

    rc = http__people_body(req, otp_fields, &body);
    if (rc == LX_OK) {
        rc = text_field(req, body, "phone", "/phone", phone, sizeof(phone));
    }
    outbox_path(req, path, sizeof(path));
    if (rc == LX_OK) {
        lx_auth_opts_default(&o);
        source_of(req, src, sizeof(src));
        snd.arg = path;
        rc = lx_auth_otp_request(&req->ctx, &o, &snd, phone, src);
    }
    if (rc != LX_OK) {
        retry_after(res, rc);
        return rc;
    }
    static const char sent[] = "{\"status\":\"sent\",\"expires_in_s\":300}";
    res->status = 202;
    res->body = sent;
    res->body_len = sizeof(sent) - 1;
    return LX_OK;
}

lx_rc
http__h_otp_verify(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_auth_opts o;
    struct lx_auth_signin s;
    char phone[16];
    char code[8];
    char src[64];
    json_t *body;
    lx_rc rc;

    rc = http__people_body(req, otp_verify_fields, &body);
    if (rc == LX_OK) {
        rc = text_field(req, body, "phone", "/phone", phone, sizeof(phone));
    }
    if (rc == LX_OK) {
        rc = text_field(req, body, "code", "/code", code, sizeof(code));
    }
    if (rc == LX_OK) {
        lx_auth_opts_default(&o);
        source_of(req, src, sizeof(src));
        rc = lx_auth_otp_verify(&req->ctx, &o, phone, code, src, &s);
    }
    if (rc != LX_OK) {
        retry_after(res, rc);
        return rc;
    }
    render_signin(res, &s);
    memset(&s, 0, sizeof(s));
    return LX_OK;
}

lx_rc
http__h_me(struct lx_http_req *req, struct lx_http_res *res)
{
    const struct lx_actor *a = &req->ctx.actor;
    lx_rc rc = http__people_need_actor(req);

    if (rc != LX_OK) {
        return rc;
    }
    lx_buf_init(&res->buf, 4096);
    res->status = 200;
    if (a->kind == LX_ACTOR_STAFF) {
        struct lx_people_staff st;
        struct lx_policy_facts f = {0};
        rc = lx_people_staff_get(&req->ctx, a->id, &st);
        if (rc == LX_OK) {
            rc = lx_people_facts_load(req->ctx.app, a->id, req->ctx.now_ms, 0,
                                      &f, &req->ctx.err);
        }
        if (rc != LX_OK) {
            return rc;
        }
        lx_buf_append_str(&res->buf, "{\"kind\":\"staff\",\"staff\":");
        http__people_render_staff(&res->buf, &st);
        lx_buf_printf(&res->buf,
                      ",\"fitness\":{\"trained\":%s,\"licence_verified\":%s,"
                      "\"sensitive_grant\":%s",
                      f.actor.training_expires_ms > req->ctx.now_ms ? "true"
                                                                    : "false",
                      f.actor.licence_verified ? "true" : "false",
                      f.grant.staff_id != 0 ? "true" : "false");
        http__people_time(&res->buf, "training_expires_at",
                          f.actor.training_expires_ms);
        if (f.actor.firm_id != 0) {
            http__people_str(&res->buf, "firm_status",
                             lx_policy_firm_status_name(f.actor.firm_status));
        }
        lx_buf_append_str(&res->buf, "}}");
        return LX_OK;
    }
    lx_buf_printf(&res->buf, "{\"kind\":\"%s\",\"id\":%lld}",
                  a->kind == LX_ACTOR_USER     ? "user"
                  : a->kind == LX_ACTOR_APIKEY ? "api_key"
                                               : "system",
                  (long long)a->id);
    return LX_OK;
}

static const char *const key_fields[] = {"name", "scopes", NULL};

lx_rc
http__h_apikeys_create(struct lx_http_req *req, struct lx_http_res *res)
{
    char name[LX_PEOPLE_NAME_MAX + 1];
    char scopes[LX_AUTH_SCOPES_MAX + 1];
    char key[LX_AUTH_TOKEN_CHARS + 1];
    json_t *body;
    int64_t id = 0;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK) {
        rc = http__people_body(req, key_fields, &body);
    }
    if (rc == LX_OK) {
        rc = text_field(req, body, "name", "/name", name, sizeof(name));
    }
    if (rc == LX_OK) {
        rc = text_field(req, body, "scopes", "/scopes", scopes, sizeof(scopes));
    }
    if (rc == LX_OK) {
        rc = lx_auth_apikey_create(&req->ctx, name, scopes, &id, key);
    }
    if (rc != LX_OK) {
        return rc;
    }
    lx_buf_init(&res->buf, 1024);
    res->status = 201;
    lx_buf_printf(&res->buf, "{\"id\":%lld,\"key\":\"%s\"", (long long)id, key);
    http__people_str(&res->buf, "name", name);
    http__people_str(&res->buf, "scopes", scopes);
    lx_buf_append_str(&res->buf, "}");
    memset(key, 0, sizeof(key));
    return LX_OK;
}
