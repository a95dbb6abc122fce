/*
 * h_telephony — calls through virtual numbers over HTTP (talk/call.c,
 * docs/talk.md).
 *
 *   POST /v1/leads/{id}/bindings   a lawyer asks to call the lead's user:
 *                                  a number of the pool (talk.virtual_numbers)
 *                                  bound for talk.binding_ttl_s, calls of at
 *                                  most talk.max_call_s. The answer carries
 *                                  the virtual number, never the user's own.
 *   POST /v1/telephony/events      the provider's webhook
 *
 * The webhook is authenticated twice: an API key with scope "telephony"
 * (Authorization: Bearer lxk_…) and an HMAC-SHA256 signature of the raw
 * body under the key of talk.telephony_key_file, sent as
 * "X-Lexgate-Signature: <64 hex digits>" (optionally "sha256=" before
 * them) and compared in constant time. A missing or wrong signature is
 * 401; with no key configured every event is 503, so the provider retries
 * once the platform is set up. A redelivered event (same event_id) is 200
 * {"duplicate":true}, a new one 201.
 */
#include "auth/auth.h"
#include "base/time.h"
#include "base/utf8.h"
#include "crypto/crypto.h"
#include "http/http_int.h"
#include "talk/talk.h"

#include <jansson.h>
#include <string.h>

/* ---- POST /v1/leads/{id}/bindings ---------------------------------------- */

static const char *const bind_fields[] = {"purpose", NULL};

lx_rc
http__h_talk_bind(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_talk_opts o = http__talk_opts(req);
    struct lx_talk_binding b = {0};
    const char *purpose = NULL;
    int64_t lead = 0;
    json_t *body = NULL;
    lx_rc rc = http__people_actor_id(req, &lead);

    if (rc == LX_OK) {
        rc = http__people_body(req, bind_fields, &body);
    }
    if (rc == LX_OK) {
        rc = http__talk_str(req, body, "purpose", "/purpose", true, &purpose,
                            NULL);
    }
    if (rc == LX_OK && req->srv->talk_pool_n == 0) {
        rc = lx_err_set(&req->ctx.err, LX_EBUSY, NULL,
                        "no virtual numbers are configured");
    }
    if (rc == LX_OK) {
        rc = lx_talk_bind(&req->ctx, &o, lead, purpose,
                          (const char *const *)req->srv->talk_pool,
                          req->srv->talk_pool_n, req->srv->talk_binding_ttl_ms,
                          req->srv->talk_max_call_s, &b);
    }
    if (http__talk_contact_problem(req, res, rc, b.contact_reason,
                                   b.retry_ms)) {
        /* C5.3: the caller learns why and from when, as for a message. */
        return LX_OK;
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, 201);
    lx_buf_printf(&res->buf, "{\"id\":%lld,\"lead_id\":%lld,\"staff_id\":%lld",
                  (long long)b.id, (long long)b.lead_id, (long long)b.staff_id);
    http__people_str(&res->buf, "virtual_number", b.virtual_number);
    http__people_time(&res->buf, "created_at", b.created_ms);
    http__people_time(&res->buf, "expires_at", b.expires_ms);
    lx_buf_printf(&res->buf, ",\"max_call_s\":%d}", b.max_call_s);
    return LX_OK;
}

/* ---- POST /v1/telephony/events ------------------------------------------- */

/* The signature header as bytes; false when absent or malformed. */
static bool
signature_of(struct lx_http_req *req,
             unsigned char sig[LX_CRYPTO_HMAC_SHA256_BYTES])
{
    const char *h = http__header(req, "X-Lexgate-Signature");

    if (h == NULL) {
        return false;
    }
    if (strncmp(h, "sha256=", 7) == 0) {
        h += 7;
    }
    if (strlen(h) != 2 * LX_CRYPTO_HMAC_SHA256_BYTES) {
        return false;
    }
    for (size_t i = 0; i < LX_CRYPTO_HMAC_SHA256_BYTES; i++) {
        int hi = lx_hex_digit(h[2 * i]), lo = lx_hex_digit(h[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        sig[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

static lx_rc
check_signature(struct lx_http_req *req)
{
    const struct lx_secret *key = req->srv->telephony_key;
    unsigned char want[LX_CRYPTO_HMAC_SHA256_BYTES];
    unsigned char got[LX_CRYPTO_HMAC_SHA256_BYTES];
    bool ok;

    if (key == NULL) {
        return lx_err_set(&req->ctx.err, LX_EBUSY, NULL,
                          "the telephony webhook is not configured");
    }
    if (!signature_of(req, got)) {
        return lx_err_set(&req->ctx.err, LX_EUNAUTH, NULL,
                          "X-Lexgate-Signature missing or malformed");
    }
    lx_crypto_hmac_sha256(key->p, key->len, req->body.p, req->body.len, want);
    ok = lx_crypto_memcmp(want, got, sizeof(want)) == 0;
    lx_crypto_wipe(want, sizeof(want));
    if (!ok) {
        return lx_err_set(&req->ctx.err, LX_EUNAUTH, NULL,
                          "X-Lexgate-Signature does not match the body");
    }
    return LX_OK;
}

static const char *const event_fields[] = {
    "event_id", "call_id", "virtual_number", "kind", "at", "duration_s", NULL};

/* A string member of 1..max bytes. */
static lx_rc
token(struct lx_http_req *req, json_t *body, const char *key, const char *ptr,
      size_t max, const char **out)
{
    size_t n = 0;
    lx_rc rc = http__talk_str(req, body, key, ptr, true, out, &n);

    if (rc == LX_OK && (n == 0 || n > max)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, ptr, "must be 1 to %zu bytes",
                        max);
    }
    return rc;
}

lx_rc
http__h_telephony_events(struct lx_http_req *req, struct lx_http_res *res)
{
    struct lx_talk_opts o = http__talk_opts(req);
    struct lx_talk_call_event ev = {0};
    const char *kind = NULL, *at = NULL;
    size_t at_len = 0;
    bool dup = false;
    json_t *body = NULL;
    lx_rc rc = http__people_need_actor(req);

    if (rc == LX_OK && !(req->ctx.actor.kind == LX_ACTOR_APIKEY &&
                         lx_auth_apikey_has_scope(&req->ctx, "telephony"))) {
        rc = lx_err_set(&req->ctx.err, LX_EDENIED, NULL,
                        "an API key with scope telephony is required");
    }
    if (rc == LX_OK) {
        rc = check_signature(req);
    }
    if (rc == LX_OK) {
        rc = http__people_body(req, event_fields, &body);
    }
    if (rc == LX_OK) {
        rc = token(req, body, "event_id", "/event_id", LX_TALK_CALL_ID_MAX,
                   &ev.event_id);
    }
    if (rc == LX_OK) {
        rc = token(req, body, "call_id", "/call_id", LX_TALK_CALL_ID_MAX,
                   &ev.call_id);
    }
    if (rc == LX_OK) {
        rc = token(req, body, "virtual_number", "/virtual_number",
                   LX_TALK_NUMBER_MAX, &ev.virtual_number);
    }
    if (rc == LX_OK) {
        rc = http__talk_str(req, body, "kind", "/kind", true, &kind, NULL);
    }
    if (rc == LX_OK && !lx_talk_call_event_parse(kind, &ev.kind)) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/kind",
                        "must be ringing, answered or ended");
    }
    if (rc == LX_OK) {
        rc = http__talk_str(req, body, "at", "/at", true, &at, &at_len);
    }
    if (rc == LX_OK &&
        lx_time_parse_iso(at, at_len, &ev.at_ms, NULL, NULL) != LX_OK) {
        rc = lx_err_set(&req->ctx.err, LX_EINVAL, "/at",
                        "not an ISO 8601 time with an offset");
    }
    if (rc == LX_OK) {
        rc = http__talk_int(req, body, "duration_s", "/duration_s", false, 0,
                            INT64_C(86400) * 7, &ev.duration_s);
    }
    if (rc == LX_OK) {
        rc = lx_talk_call_event(&req->ctx, &o, &ev, &dup);
    }
    if (rc != LX_OK) {
        return rc;
    }
    http__talk_begin(res, dup ? 200 : 201);
    lx_buf_printf(&res->buf, "{\"duplicate\":%s}", dup ? "true" : "false");
    return LX_OK;
}
