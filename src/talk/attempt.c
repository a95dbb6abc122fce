/*
 * attempt.c — one outgoing contact attempt (C5.3): the facts loaded from
 * the store, the pure decision (talk_contact.c), the attempt recorded.
 * Shared by messages (msg.c) and calls (call.c); talk_int.h has the
 * contract.
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include "store/store.h"

#include <string.h>

/* The most recent allowed attempts read per decision. The engine counts
 * only those in the window after the user's last message, and the limit
 * is a handful; reading a bounded superset keeps the unit cheap even for
 * a firm that kept trying. */
#define ATTEMPTS_READ_MAX 256

/* The per-lead serialisation key of talk__attempt_tx (store.h). */
#define ATTEMPT_LOCK_BASE LX_STORE_LOCK_TALK_LEAD_BASE
#define ATTEMPT_LOCK_MASK LX_STORE_LOCK_TALK_LEAD_MASK

const char *
talk__kind_name(enum lx_talk_attempt_kind k)
{
    switch (k) {
    case LX_TALK_ATTEMPT_NONE:
        return "none";
    case LX_TALK_ATTEMPT_MESSAGE:
        return "message";
    case LX_TALK_ATTEMPT_CALL:
        return "call";
    default:
        return "invalid";
    }
}

const char *
talk__purpose_name(enum lx_talk_purpose p)
{
    switch (p) {
    case LX_TALK_PURPOSE_NONE:
        return "none";
    case LX_TALK_PURPOSE_CONSULTATION:
        return "consultation";
    case LX_TALK_PURPOSE_COMPLAINT:
        return "complaint";
    default:
        return "invalid";
    }
}

bool
talk__purpose_parse(const char *s, enum lx_talk_purpose *out)
{
    *out = LX_TALK_PURPOSE_NONE;
    if (s == NULL) {
        return false;
    }
    if (strcmp(s, "consultation") == 0) {
        *out = LX_TALK_PURPOSE_CONSULTATION;
    } else if (strcmp(s, "complaint") == 0) {
        *out = LX_TALK_PURPOSE_COMPLAINT;
    }
    return *out != LX_TALK_PURPOSE_NONE;
}

enum lx_policy_purpose
talk__policy_purpose(enum lx_talk_purpose p)
{
    switch (p) {
    case LX_TALK_PURPOSE_CONSULTATION:
        return LX_POLICY_PURPOSE_CONSULTATION;
    case LX_TALK_PURPOSE_COMPLAINT:
        return LX_POLICY_PURPOSE_COMPLAINT;
    case LX_TALK_PURPOSE_NONE:
    default:
        return LX_POLICY_PURPOSE_NONE;
    }
}

/* The firm's allowed attempts on the lead inside the window, newest first,
 * at most ATTEMPTS_READ_MAX. */
static lx_rc
load_attempts(struct lx_store_tx *tx, const struct lx_leads_ref *lead,
              int64_t from_ms, int64_t *at, size_t *n, struct lx_err *err)
{
    struct lx_store_stmt *st = NULL;
    bool row = false;
    lx_rc rc;

    *n = 0;
    rc = lx_store_prepare(tx,
                          "SELECT at_ms FROM talk_attempts"
                          " WHERE lead_id = :lead AND firm_id = :firm"
                          " AND allowed = 1 AND at_ms > :from"
                          " ORDER BY at_ms DESC, id DESC LIMIT :lim",
                          &st, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_bind_int(st, ":lead", lead->id);
    if (rc == LX_OK) {
        rc = lx_store_bind_int(st, ":firm", lead->firm_id);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(st, ":from", from_ms);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(st, ":lim", ATTEMPTS_READ_MAX);
    }
    if (rc != LX_OK) {
        rc = lx_err_set(err, rc, NULL, "talk attempts: bind failed");
        goto out;
    }
    for (;;) {
        rc = lx_store_step(st, &row, err);
        if (rc != LX_OK || !row || *n >= ATTEMPTS_READ_MAX) {
            break;
        }
        at[(*n)++] = lx_store_col_int(st, 0);
    }
out:
    lx_store_stmt_free(st);
    return rc;
}

/* One integer from a one-row query with :lead and :firm (when named);
 * *found false when there is no row or the value is NULL. */
static lx_rc
load_one(struct lx_store_tx *tx, const char *sql,
         const struct lx_leads_ref *lead, bool bind_firm, int64_t *v,
         bool *found, struct lx_err *err)
{
    struct lx_store_stmt *st = NULL;
    bool row = false;
    lx_rc rc;

    *v = 0;
    *found = false;
    rc = lx_store_prepare(tx, sql, &st, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_bind_int(st, ":lead", lead->id);
    if (rc == LX_OK && bind_firm) {
        rc = lx_store_bind_int(st, ":firm", lead->firm_id);
    }
    if (rc != LX_OK) {
        rc = lx_err_set(err, rc, NULL, "talk attempts: bind failed");
        goto out;
    }
    rc = lx_store_step(st, &row, err);
    if (rc == LX_OK && row && !lx_store_col_is_null(st, 0)) {
        *v = lx_store_col_int(st, 0);
        *found = true;
    }
out:
    lx_store_stmt_free(st);
    return rc;
}

static lx_rc
insert_attempt(struct lx_store_tx *tx, const struct lx_ctx *ctx,
               const struct lx_leads_ref *lead, enum lx_talk_attempt_kind kind,
               enum lx_talk_purpose purpose,
               const struct lx_talk_contact_decision *d, struct lx_err *err)
{
    struct lx_store_stmt *st = NULL;
    const char *kn = talk__kind_name(kind);
    const char *pn = talk__purpose_name(purpose);
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(
        tx,
        "INSERT INTO talk_attempts"
        " (lead_id, firm_id, staff_id, kind, purpose, allowed, reason, at_ms)"
        " VALUES (:lead, :firm, :staff, :kind, :purpose, :allowed, :reason,"
        " :at)",
        &st, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_bind_int(st, ":lead", lead->id);
    if (rc == LX_OK) {
        rc = lx_store_bind_int(st, ":firm", lead->firm_id);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(st, ":staff", ctx->actor.id);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_text(st, ":kind", kn, strlen(kn));
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_text(st, ":purpose", pn, strlen(pn));
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(st, ":allowed",
                               d->verdict == LX_TALK_ALLOW ? 1 : 0);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_text(st, ":reason", d->reason, strlen(d->reason));
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(st, ":at", ctx->now_ms);
    }
    if (rc != LX_OK) {
        rc = lx_err_set(err, rc, NULL, "talk attempts: bind failed");
        goto out;
    }
    rc = lx_store_step(st, &row, err);
out:
    lx_store_stmt_free(st);
    return rc;
}

lx_rc
talk__attempt_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                 const struct lx_talk_opts *o, const struct lx_leads_ref *lead,
                 enum lx_talk_attempt_kind kind, enum lx_talk_purpose purpose,
                 struct lx_talk_contact_decision *out, struct lx_err *err)
{
    static const struct lx_talk_limits zero;
    struct lx_talk_limits lim;
    struct lx_talk_contact_facts f = {0};
    int64_t at[ATTEMPTS_READ_MAX];
    size_t n = 0;
    int64_t v = 0;
    bool found = false;
    lx_rc rc;

    memset(out, 0, sizeof(*out));
    if (kind != LX_TALK_ATTEMPT_MESSAGE && kind != LX_TALK_ATTEMPT_CALL) {
        return lx_err_set(err, LX_EINTERNAL, NULL, "talk attempts: bad kind");
    }
    if (o == NULL || memcmp(&o->limits, &zero, sizeof(zero)) == 0) {
        lx_talk_limits_default(&lim);
    } else {
        lim = o->limits;
    }

    rc = lx_store_tx_lock(
        tx, ATTEMPT_LOCK_BASE | (lead->id & ATTEMPT_LOCK_MASK), err);
    if (rc != LX_OK) {
        return rc;
    }

    /* A window that does not fit the clock reads every allowed attempt;
     * the engine then rejects the limits or the facts itself. */
    rc = load_attempts(tx, lead,
                       lim.window_ms > 0 && lim.window_ms < ctx->now_ms
                           ? ctx->now_ms - lim.window_ms
                           : 0,
                       at, &n, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = load_one(tx,
                  "SELECT MAX(created_ms) FROM talk_messages"
                  " WHERE lead_id = :lead AND firm_id = :firm"
                  " AND direction = 'from_user'",
                  lead, true, &v, &found, err);
    if (rc != LX_OK) {
        return rc;
    }
    f.user_last_msg_ms = found ? v : 0;
    rc = load_one(tx,
                  "SELECT at_ms FROM talk_optouts WHERE lead_id = :lead"
                  " ORDER BY at_ms DESC, id DESC LIMIT 1",
                  lead, false, &v, &found, err);
    if (rc != LX_OK) {
        return rc;
    }
    f.opted_out = found;
    f.opted_out_ms = found ? v : 0;
    f.kind = kind;
    f.purpose = purpose;
    f.attempts_ms = at;
    f.n_attempts = n;

    lx_talk_contact_decide(&f, &lim, ctx->now_ms, out);
    return insert_attempt(tx, ctx, lead, kind, purpose, out, err);
}
