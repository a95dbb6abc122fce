/*
 * call.c — calls through virtual numbers (AXB bindings, C5.3): binding a
 * pool number to a lead for a lawyer of the holding firm, and recording
 * the telephony provider's call events. talk.h has the contract,
 * docs/talk.md ("Calls (virtual numbers)") the long form.
 *
 * The user's own number never enters this file: a binding names the lead,
 * and the provider maps the virtual number to the user's number itself.
 * Events carry provider ids only; the call's times and duration are kept
 * in talk_calls and, as call data of the lead's subject, in the vault.
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include "store/store.h"
#include "vault/vault.h"

#include <stdio.h>
#include <string.h>

#define TTL_MIN_MS (60LL * 1000)
#define TTL_MAX_MS (24LL * 3600 * 1000)
#define CALL_MIN_S 60
#define CALL_MAX_S 14400
#define NUMBER_MIN 5
/* An ended call's talk time is capped at a day: no binding lives longer. */
#define DURATION_MAX_S (24LL * 3600)

static const struct lx_talk_opts no_opts = {0};

/* ---- validation ---------------------------------------------------------- */

static bool
number_ok(const char *s)
{
    size_t n;

    if (s == NULL) {
        return false;
    }
    n = strnlen(s, LX_TALK_NUMBER_MAX + 1);
    if (n < NUMBER_MIN || n > LX_TALK_NUMBER_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
    }
    return true;
}

/* 1..LX_TALK_CALL_ID_MAX bytes of [A-Za-z0-9_.:-]. */
static bool
call_id_ok(const char *s)
{
    size_t n;

    if (s == NULL) {
        return false;
    }
    n = strnlen(s, LX_TALK_CALL_ID_MAX + 1);
    if (n < 1 || n > LX_TALK_CALL_ID_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
              c == '-')) {
            return false;
        }
    }
    return true;
}

static const char *
event_kind_name(enum lx_talk_call_event_kind k)
{
    switch (k) {
    case LX_TALK_CALL_RINGING:
        return "ringing";
    case LX_TALK_CALL_ANSWERED:
        return "answered";
    case LX_TALK_CALL_ENDED:
        return "ended";
    default:
        return NULL;
    }
}

bool
lx_talk_call_event_parse(const char *s, enum lx_talk_call_event_kind *o)
{
    static const enum lx_talk_call_event_kind all[] = {
        LX_TALK_CALL_RINGING, LX_TALK_CALL_ANSWERED, LX_TALK_CALL_ENDED};

    if (s == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(s, event_kind_name(all[i])) == 0) {
            *o = all[i];
            return true;
        }
    }
    return false;
}

/* ---- small store helpers ------------------------------------------------- */

static lx_rc
bind_str(struct lx_store_stmt *s, const char *name, const char *v)
{
    return lx_store_bind_text(s, name, v, strlen(v));
}

static lx_rc
bind_failed(struct lx_err *err, lx_rc rc)
{
    return lx_err_set(err, rc, NULL, "talk calls: bind failed");
}

/* ---- binding a number ---------------------------------------------------- */

struct bind_unit {
    struct lx_ctx *ctx;
    const struct lx_talk_opts *o;
    int64_t lead_id;
    enum lx_talk_purpose purpose;
    const char *const *pool;
    size_t n;
    int64_t ttl_ms;
    int max_call_s;
    struct talk__act act;
    struct lx_talk_contact_decision cd;
    bool contact_denied;
    struct lx_talk_binding *out;
};

/* The index of the first pool number with no live binding at now_ms;
 * *found false when every number is bound. */
static lx_rc
pick_number(struct lx_store_tx *tx, const struct bind_unit *a, size_t *pick,
            bool *found, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    *found = false;
    rc = lx_store_prepare(tx,
                          "SELECT COUNT(*) FROM talk_bindings"
                          " WHERE virtual_number = :v AND released_ms IS NULL"
                          " AND expires_ms > :now",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_bind_int(s, ":now", a->ctx->now_ms);
    if (rc != LX_OK) {
        rc = bind_failed(err, rc);
        goto out;
    }
    for (size_t i = 0; i < a->n; i++) {
        rc = lx_store_reset(s);
        if (rc == LX_OK) {
            rc = bind_str(s, ":v", a->pool[i]);
        }
        if (rc != LX_OK) {
            rc = bind_failed(err, rc);
            goto out;
        }
        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK) {
            goto out;
        }
        if (row && lx_store_col_int(s, 0) == 0) {
            *pick = i;
            *found = true;
            break;
        }
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
insert_binding(struct lx_store_tx *tx, struct bind_unit *a, const char *number,
               struct lx_err *err)
{
    struct lx_ctx *ctx = a->ctx;
    struct lx_talk_binding *b = a->out;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(
        tx,
        "INSERT INTO talk_bindings (lead_id, firm_id, staff_id,"
        " virtual_number, max_call_s, created_ms, expires_ms)"
        " VALUES (:lead, :firm, :staff, :v, :max, :now, :exp) RETURNING id",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if ((rc = lx_store_bind_int(s, ":lead", a->act.lead.id)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":firm", ctx->actor.firm_id)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":staff", ctx->actor.id)) != LX_OK ||
        (rc = bind_str(s, ":v", number)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":max", a->max_call_s)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":now", ctx->now_ms)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":exp", ctx->now_ms + a->ttl_ms)) != LX_OK) {
        rc = bind_failed(err, rc);
        goto out;
    }
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK && !row) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "talk calls: no binding id");
    }
    if (rc != LX_OK) {
        goto out;
    }
    memset(b, 0, sizeof(*b));
    b->id = lx_store_col_int(s, 0);
    b->lead_id = a->act.lead.id;
    b->staff_id = ctx->actor.id;
    snprintf(b->virtual_number, sizeof(b->virtual_number), "%s", number);
    b->created_ms = ctx->now_ms;
    b->expires_ms = ctx->now_ms + a->ttl_ms;
    b->max_call_s = a->max_call_s;
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
bind_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct bind_unit *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const char *pn = talk__purpose_name(a->purpose);
    size_t pick = 0;
    bool free_found = false;
    lx_rc rc;

    rc = talk__act_load_tx(tx, ctx, a->lead_id, LX_POLICY_ACTION_CALL,
                           talk__policy_purpose(a->purpose), &a->act, err);
    if (rc != LX_OK || a->act.missing || a->act.d.verdict != LX_POLICY_ALLOW) {
        /* A policy deny commits with its audit record. */
        return rc;
    }
    if (!talk__firm_holds(ctx, &a->act.lead)) {
        /* Only the holding firm calls; anyone else sees no such lead. */
        a->act.missing = true;
        return LX_OK;
    }

    /* C5.3: the call is a contact attempt, recorded allowed or denied. */
    rc = talk__attempt_tx(tx, ctx, a->o, &a->act.lead, LX_TALK_ATTEMPT_CALL,
                          a->purpose, &a->cd, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (a->cd.verdict != LX_TALK_ALLOW) {
        a->contact_denied = true;
        return talk__audit_tx(tx, ctx, "call", a->lead_id, pn, "deny",
                              a->cd.reason, a->cd.clause, err);
    }

    /* One chooser at a time across daemons: two concurrent binds must
     * never see the same number free. */
    rc = lx_store_tx_lock(tx, LX_STORE_LOCK_TALK_BIND, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = pick_number(tx, a, &pick, &free_found, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!free_found) {
        /* The whole unit rolls back: no attempt was made. */
        return lx_err_set(err, LX_ECONFLICT, "/pool",
                          "every pool number is bound");
    }
    rc = insert_binding(tx, a, a->pool[pick], err);
    if (rc != LX_OK) {
        return rc;
    }
    return talk__audit_tx(tx, ctx, "call", a->lead_id, pn, "done", NULL, NULL,
                          err);
}

lx_rc
lx_talk_bind(struct lx_ctx *ctx, const struct lx_talk_opts *o, int64_t lead_id,
             const char *purpose, const char *const *pool, size_t n,
             int64_t ttl_ms, int max_call_s, struct lx_talk_binding *out)
{
    struct lx_talk_binding local;
    struct bind_unit ua = {0};
    struct bind_unit *a = &ua;
    lx_rc rc;

    lx_err_clear(&ctx->err);
    a->ctx = ctx;
    a->o = o != NULL ? o : &no_opts;
    a->lead_id = lead_id;
    a->pool = pool;
    a->n = n;
    a->ttl_ms = ttl_ms;
    a->max_call_s = max_call_s;
    a->out = out != NULL ? out : &local;
    memset(a->out, 0, sizeof(*a->out));
    a->out->contact_reason = "allowed";

    if (!talk__purpose_parse(purpose, &a->purpose)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/purpose",
                          "purpose must be consultation or complaint");
    }
    if (ttl_ms < TTL_MIN_MS || ttl_ms > TTL_MAX_MS) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/ttl",
                          "ttl must be 1 minute to 24 hours");
    }
    if (max_call_s < CALL_MIN_S || max_call_s > CALL_MAX_S) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/max_call_s",
                          "max_call_s must be 60..14400");
    }
    if (pool == NULL || n < 1 || n > LX_TALK_POOL_MAX) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/pool",
                          "pool must hold 1..%d numbers", LX_TALK_POOL_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        if (!number_ok(pool[i])) {
            return lx_err_set(&ctx->err, LX_EINVAL, "/pool",
                              "pool number %zu is not 5..%d digits", i,
                              LX_TALK_NUMBER_MAX);
        }
    }

    rc = lx_store_write(ctx->app->store, bind_unit, a, &ctx->err);
    rc = talk__finish(ctx, &a->act, rc);
    /* Allowed unless the unit recorded a deny (insert_binding cleared
     * *out when it filled it). */
    a->out->contact_reason = "allowed";
    a->out->retry_ms = 0;
    if (rc == LX_OK && a->contact_denied) {
        rc = lx_err_set(&ctx->err, LX_EDENIED, NULL, "contact limit: %s",
                        a->cd.reason != NULL ? a->cd.reason : "denied");
        ctx->err.clause =
            a->cd.clause != NULL ? a->cd.clause : LX_TALK_CLAUSE_CONTACT;
        /* C5.3: the caller learns why and from when. */
        a->out->contact_reason = a->cd.reason != NULL ? a->cd.reason : "denied";
        a->out->retry_ms = a->cd.retry_ms;
    }
    return rc;
}

/* ---- provider events ----------------------------------------------------- */

/* The binding an event belongs to. */
struct call_binding {
    int64_t id;
    int64_t lead_id;
    int64_t firm_id;
    int64_t max_call_s;
    char number[LX_TALK_NUMBER_MAX + 1];
};

/* The call row as stored; *_ms 0 while unknown. */
struct call_row {
    int64_t id;
    int64_t binding_id;
    int64_t started_ms;
    int64_t answered_ms;
    int64_t ended_ms;
    int64_t duration_s;
    bool over_limit;
};

struct event_unit {
    struct lx_ctx *ctx;
    const struct lx_talk_opts *o;
    const struct lx_talk_call_event *ev;
    bool duplicate;
};

static lx_rc
event_seen(struct lx_store_tx *tx, const char *event_id, bool *seen,
           struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    *seen = false;
    rc = lx_store_prepare(
        tx, "SELECT 1 FROM talk_call_events WHERE event_id = :e", &s, err);
    if (rc == LX_OK && (rc = bind_str(s, ":e", event_id)) != LX_OK) {
        rc = bind_failed(err, rc);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, seen, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
call_load(struct lx_store_tx *tx, const char *provider_id, struct call_row *c,
          bool *found, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc;

    memset(c, 0, sizeof(*c));
    *found = false;
    rc = lx_store_prepare(tx,
                          "SELECT id, binding_id, started_ms, answered_ms,"
                          " ended_ms, duration_s, over_limit FROM talk_calls"
                          " WHERE provider_call_id = :c",
                          &s, err);
    if (rc == LX_OK && (rc = bind_str(s, ":c", provider_id)) != LX_OK) {
        rc = bind_failed(err, rc);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, found, err);
    }
    if (rc == LX_OK && *found) {
        c->id = lx_store_col_int(s, 0);
        c->binding_id = lx_store_col_int(s, 1);
        c->started_ms = lx_store_col_int(s, 2);
        c->answered_ms = lx_store_col_int(s, 3);
        c->ended_ms = lx_store_col_int(s, 4);
        c->duration_s = lx_store_col_int(s, 5);
        c->over_limit = lx_store_col_int(s, 6) != 0;
    }
    lx_store_stmt_free(s);
    return rc;
}

/* A binding by id (binding_id > 0), or the one live for 'number' at at_ms:
 * created at or before it, expiring after it, not released by then. */
static lx_rc
binding_load(struct lx_store_tx *tx, int64_t binding_id, const char *number,
             int64_t at_ms, struct call_binding *b, bool *found,
             struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    const char *sql =
        binding_id > 0
            ? "SELECT id, lead_id, firm_id, max_call_s, virtual_number"
              " FROM talk_bindings WHERE id = :id"
            : "SELECT id, lead_id, firm_id, max_call_s, virtual_number"
              " FROM talk_bindings WHERE virtual_number = :v"
              " AND created_ms <= :at AND expires_ms > :at"
              " AND (released_ms IS NULL OR released_ms > :at)"
              " ORDER BY id DESC LIMIT 1";
    size_t len = 0;
    const char *v;
    lx_rc rc;

    memset(b, 0, sizeof(*b));
    *found = false;
    rc = lx_store_prepare(tx, sql, &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (binding_id > 0) {
        rc = lx_store_bind_int(s, ":id", binding_id);
    } else if ((rc = bind_str(s, ":v", number)) == LX_OK) {
        rc = lx_store_bind_int(s, ":at", at_ms);
    }
    if (rc != LX_OK) {
        rc = bind_failed(err, rc);
        goto out;
    }
    rc = lx_store_step(s, found, err);
    if (rc != LX_OK || !*found) {
        goto out;
    }
    b->id = lx_store_col_int(s, 0);
    b->lead_id = lx_store_col_int(s, 1);
    b->firm_id = lx_store_col_int(s, 2);
    b->max_call_s = lx_store_col_int(s, 3);
    v = lx_store_col_text(s, 4, &len);
    if (v != NULL && len < sizeof(b->number)) {
        memcpy(b->number, v, len);
        b->number[len] = '\0';
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
call_insert(struct lx_store_tx *tx, const struct call_binding *b,
            const struct lx_talk_call_event *ev, struct call_row *c,
            struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO talk_calls (binding_id, lead_id,"
                          " firm_id, provider_call_id, started_ms)"
                          " VALUES (:b, :lead, :firm, :c, :at) RETURNING id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if ((rc = lx_store_bind_int(s, ":b", b->id)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":lead", b->lead_id)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":firm", b->firm_id)) != LX_OK ||
        (rc = bind_str(s, ":c", ev->call_id)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":at", ev->at_ms)) != LX_OK) {
        rc = bind_failed(err, rc);
        goto out;
    }
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK && !row) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "talk calls: no call id");
    }
    if (rc == LX_OK) {
        memset(c, 0, sizeof(*c));
        c->id = lx_store_col_int(s, 0);
        c->binding_id = b->id;
        c->started_ms = ev->at_ms;
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
bind_opt_ms(struct lx_store_stmt *s, const char *name, int64_t v)
{
    return v > 0 ? lx_store_bind_int(s, name, v) : lx_store_bind_null(s, name);
}

static lx_rc
call_update(struct lx_store_tx *tx, const struct call_row *c,
            struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "UPDATE talk_calls SET started_ms = :st,"
                          " answered_ms = :an, ended_ms = :en,"
                          " duration_s = :d, over_limit = :ol WHERE id = :id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if ((rc = lx_store_bind_int(s, ":st", c->started_ms)) != LX_OK ||
        (rc = bind_opt_ms(s, ":an", c->answered_ms)) != LX_OK ||
        (rc = bind_opt_ms(s, ":en", c->ended_ms)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":d", c->duration_s)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":ol", c->over_limit ? 1 : 0)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":id", c->id)) != LX_OK) {
        rc = bind_failed(err, rc);
        goto out;
    }
    rc = lx_store_step(s, &row, err);
out:
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
event_insert(struct lx_store_tx *tx, const struct lx_ctx *ctx,
             const struct lx_talk_call_event *ev, int64_t call_id,
             struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO talk_call_events (event_id, call_id,"
                          " kind, at_ms, received_ms)"
                          " VALUES (:e, :c, :k, :at, :now)",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if ((rc = bind_str(s, ":e", ev->event_id)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":c", call_id)) != LX_OK ||
        (rc = bind_str(s, ":k", event_kind_name(ev->kind))) != LX_OK ||
        (rc = lx_store_bind_int(s, ":at", ev->at_ms)) != LX_OK ||
        (rc = lx_store_bind_int(s, ":now", ctx->now_ms)) != LX_OK) {
        rc = bind_failed(err, rc);
        goto out;
    }
    rc = lx_store_step(s, &row, err);
out:
    lx_store_stmt_free(s);
    return rc;
}

static int
put_ms(char *p, size_t cap, const char *key, int64_t v, bool last)
{
    return v > 0 ? snprintf(p, cap, "\"%s\":%lld%s", key, (long long)v,
                            last ? "" : ",")
                 : snprintf(p, cap, "\"%s\":null%s", key, last ? "" : ",");
}

/* The call's times in the vault: category call, field "call_<id>" of the
 * lead's subject, replaced on every event. */
static lx_rc
call_vault_put(struct lx_store_tx *tx, struct lx_ctx *ctx,
               const struct call_binding *b, const struct call_row *c,
               struct lx_err *err)
{
    struct lx_leads_ref lead;
    struct lx_vault_field f = {0};
    char name[LX_VAULT_FIELD_NAME_MAX + 1];
    char json[192];
    size_t len = 0;
    bool found = false;
    lx_rc rc;

    /* The provider is not a lead reader: only the subject id is used. */
    rc = lx_leads_ref_load_tx(tx, ctx, b->lead_id, &lead, NULL, &found, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (!found || lead.subject_id <= 0) {
        return lx_err_set(err, LX_EINTERNAL, NULL,
                          "talk calls: the binding's lead has no subject");
    }
    snprintf(name, sizeof(name), "call_%lld", (long long)c->id);
    len += (size_t)snprintf(json, sizeof(json), "{");
    len += (size_t)put_ms(json + len, sizeof(json) - len, "started_ms",
                          c->started_ms, false);
    len += (size_t)put_ms(json + len, sizeof(json) - len, "answered_ms",
                          c->answered_ms, false);
    len += (size_t)put_ms(json + len, sizeof(json) - len, "ended_ms",
                          c->ended_ms, false);
    len += (size_t)snprintf(json + len, sizeof(json) - len,
                            "\"duration_s\":%lld}", (long long)c->duration_s);
    f.name = name;
    f.category = LX_VAULT_CAT_CALL;
    f.sensitivity = LX_VAULT_SENS_NONE;
    f.format = LX_VAULT_FMT_TEXT;
    f.value = json;
    f.len = len;
    rc = lx_vault_put_tx(ctx, tx, lead.subject_id, &f);
    if (rc != LX_OK && err != &ctx->err) {
        *err = ctx->err;
    }
    return rc;
}

static lx_rc
event_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct event_unit *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_talk_call_event *ev = a->ev;
    struct call_binding b;
    struct call_row c;
    bool found = false;
    bool contact = false;
    lx_rc rc;

    /* Redeliveries and the first events of one call may race across
     * daemons: one event at a time keeps the event id and the provider's
     * call id unique without a constraint error. */
    rc = lx_store_tx_lock(tx, LX_STORE_LOCK_TALK_CALL, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = event_seen(tx, ev->event_id, &a->duplicate, err);
    if (rc != LX_OK || a->duplicate) {
        return rc;
    }
    rc = call_load(tx, ev->call_id, &c, &found, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (found) {
        /* A known call keeps its binding, even for an event after the
         * binding expired (a call ending past the expiry). */
        rc = binding_load(tx, c.binding_id, NULL, 0, &b, &found, err);
        if (rc != LX_OK) {
            return rc;
        }
        if (!found || strcmp(b.number, ev->virtual_number) != 0) {
            return lx_err_set(err, LX_ECONFLICT, "/call_id",
                              "call id belongs to another virtual number");
        }
    } else {
        rc =
            binding_load(tx, 0, ev->virtual_number, ev->at_ms, &b, &found, err);
        if (rc != LX_OK) {
            return rc;
        }
        if (!found) {
            return lx_err_set(err, LX_ENOTFOUND, "/virtual_number",
                              "no binding live for the virtual number");
        }
        rc = call_insert(tx, &b, ev, &c, err);
        if (rc != LX_OK) {
            return rc;
        }
    }

    /* Events may arrive out of order: the call starts at its earliest. */
    if (ev->at_ms < c.started_ms) {
        c.started_ms = ev->at_ms;
    }
    switch (ev->kind) {
    case LX_TALK_CALL_RINGING:
        break;
    case LX_TALK_CALL_ANSWERED:
        if (c.answered_ms == 0) {
            c.answered_ms = ev->at_ms;
            contact = true;
        }
        break;
    case LX_TALK_CALL_ENDED:
        if (c.ended_ms == 0) {
            c.ended_ms = ev->at_ms;
            c.duration_s = ev->duration_s;
            /* Recorded only: the SLA and enforcement rooms judge it. */
            c.over_limit = ev->duration_s > b.max_call_s;
        }
        break;
    default:
        return lx_err_set(err, LX_EINTERNAL, NULL, "talk calls: bad kind");
    }
    rc = call_update(tx, &c, err);
    if (rc == LX_OK) {
        rc = event_insert(tx, ctx, ev, c.id, err);
    }
    if (rc == LX_OK) {
        rc = call_vault_put(tx, ctx, &b, &c, err);
    }
    if (rc == LX_OK && contact && a->o->on_contact != NULL) {
        /* An answered call is the firm's contact with the user (C5.1). */
        rc = a->o->on_contact(a->o->on_contact_arg, tx, b.lead_id, b.firm_id,
                              ev->at_ms, err);
    }
    if (rc == LX_OK) {
        rc = talk__audit_tx(tx, ctx, "call_event", b.lead_id, NULL, "done",
                            event_kind_name(ev->kind), NULL, err);
    }
    return rc;
}

lx_rc
lx_talk_call_event(struct lx_ctx *ctx, const struct lx_talk_opts *o,
                   const struct lx_talk_call_event *ev, bool *duplicate)
{
    struct event_unit a = {0};
    lx_rc rc;

    lx_err_clear(&ctx->err);
    if (duplicate != NULL) {
        *duplicate = false;
    }
    if (ctx->actor.kind != LX_ACTOR_APIKEY &&
        ctx->actor.kind != LX_ACTOR_SYSTEM) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "call events come from the telephony provider");
    }
    if (ev == NULL) {
        return lx_err_set(&ctx->err, LX_EINVAL, NULL, "no event");
    }
    if (!call_id_ok(ev->event_id)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/event_id",
                          "event_id must be 1..%d bytes of [A-Za-z0-9_.:-]",
                          LX_TALK_CALL_ID_MAX);
    }
    if (!call_id_ok(ev->call_id)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/call_id",
                          "call_id must be 1..%d bytes of [A-Za-z0-9_.:-]",
                          LX_TALK_CALL_ID_MAX);
    }
    if (!number_ok(ev->virtual_number)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/virtual_number",
                          "virtual_number must be 5..%d digits",
                          LX_TALK_NUMBER_MAX);
    }
    if (event_kind_name(ev->kind) == NULL) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/kind",
                          "kind must be ringing, answered or ended");
    }
    if (ev->at_ms <= 0) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/at_ms", "at_ms must be > 0");
    }
    if (ev->kind == LX_TALK_CALL_ENDED &&
        (ev->duration_s < 0 || ev->duration_s > DURATION_MAX_S)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/duration_s",
                          "duration_s must be 0..86400");
    }

    a.ctx = ctx;
    a.o = o != NULL ? o : &no_opts;
    a.ev = ev;
    rc = lx_store_write(ctx->app->store, event_unit, &a, &ctx->err);
    if (rc == LX_OK && duplicate != NULL) {
        *duplicate = a.duplicate;
    }
    return rc;
}
