/*
 * review.c — the platform's side of messages (C4.1, C5.4; talk.h
 * "messages"): the review of flagged messages and the verified facts about
 * a lawyer that credential claims are checked against. Sending is in
 * msg.c; the review queue reads rows with the conversation reader in
 * msg_read.c.
 *
 * No policy action fits these acts: the actor's role decides (platform
 * compliance or admin with current training), and the decision is audited
 * allow or deny in the same unit. Rows, audit records and errors carry
 * ids, clause ids and field names only.
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include "base/buf.h"
#include "base/utf8.h"
#include "people/people.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

/* The honours column: TALK__HONOURS_MAX titles, each escaped at most 6
 * bytes per byte, quoted and separated. */
#define HONOURS_JSON_MAX                                                       \
    (TALK__HONOURS_MAX * (TALK__HONOUR_BYTES_MAX * 6 + 4) + 8)

/* ---- the platform gate (C4.1) -------------------------------------------- */

/* Platform compliance or admin (TALK__PLATFORM_REVIEWER) or any platform
 * role (TALK__PLATFORM_ANY), with current training. */
static bool
platform_ok(const struct lx_policy_facts *f, enum talk__platform who,
            int64_t now_ms)
{
    bool role = who == TALK__PLATFORM_ANY
                    ? lx_policy_role_is_platform(f->actor.role)
                    : f->actor.role == LX_POLICY_ROLE_PLATFORM_COMPLIANCE ||
                          f->actor.role == LX_POLICY_ROLE_PLATFORM_ADMIN;

    return role && f->actor.training_expires_ms > now_ms;
}

lx_rc
talk__platform_gate_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                       enum talk__platform who, const char *action,
                       const char *rtype, int64_t rid, const char *reason,
                       bool *denied, struct lx_err *err)
{
    struct lx_policy_facts f;
    lx_rc rc;

    *denied = false;
    memset(&f, 0, sizeof(f));
    f.now_ms = ctx->now_ms;
    if (ctx->actor.kind == LX_ACTOR_STAFF) {
        rc =
            lx_people_facts_load_tx(tx, ctx->actor.id, ctx->now_ms, 0, &f, err);
        if (rc != LX_OK) {
            return rc;
        }
    }
    if (platform_ok(&f, who, ctx->now_ms)) {
        return LX_OK;
    }
    *denied = true;
    return talk__audit_res_tx(tx, ctx, action, rtype, rid, NULL, NULL, "deny",
                              reason, "C4.1", err);
}

lx_rc
talk__platform_finish(struct lx_ctx *ctx, lx_rc rc, bool denied,
                      const char *reason)
{
    if (rc == LX_OK && denied) {
        rc = lx_err_set(&ctx->err, LX_EDENIED, NULL, "%s", reason);
        ctx->err.clause = "C4.1";
    }
    return rc;
}

/* ---- platform review ----------------------------------------------------- */

struct review_arg {
    struct lx_ctx *ctx;
    const struct lx_talk_opts *o;
    int64_t id;
    bool confirm;
    bool denied;
};

static lx_rc
review_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct review_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    struct lx_store_stmt *s = NULL;
    struct lx_talk_msg_finding fs[LX_TALK_FINDINGS_MAX];
    bool row = false, seen[LX_SCAN_CATEGORY_COUNT] = {false};
    int64_t lead_id = 0, firm_id = 0, created = 0;
    enum lx_talk_status status = LX_TALK_BLOCKED;
    enum lx_talk_review review = LX_TALK_REVIEW_NONE;
    size_t nf = 0, len = 0;
    const char *t;
    char ev[40];
    lx_rc rc;

    /* No policy action fits a review: the role decides, audited. */
    rc = talk__platform_gate_tx(tx, ctx, TALK__PLATFORM_REVIEWER,
                                "message_review", "talk_message", a->id,
                                "platform_review_only", &a->denied, err);
    if (rc != LX_OK || a->denied) {
        return rc;
    }
    rc = lx_store_prepare(tx,
                          "SELECT lead_id, firm_id, status, review, findings,"
                          " created_ms FROM talk_messages WHERE id = :id",
                          &s, err);
    if (rc == LX_OK) {
        rc = talk__bind_done(talk__bind_i(s, ":id", a->id, LX_OK), err);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && !row) {
        rc = lx_err_set(err, LX_ENOTFOUND, NULL, "no such message");
    }
    if (rc != LX_OK) {
        goto out;
    }
    lead_id = lx_store_col_int(s, 0);
    firm_id = lx_store_col_int(s, 1);
    t = lx_store_col_text(s, 2, &len);
    status = talk__msg_status_parse(t, len);
    t = lx_store_col_text(s, 3, &len);
    review = talk__msg_review_parse(t, len);
    t = lx_store_col_text(s, 4, &len);
    nf = talk__msg_findings_parse(t, len, fs, LX_TALK_FINDINGS_MAX);
    created = lx_store_col_int(s, 5);
    lx_store_stmt_free(s);
    s = NULL;
    if (review != LX_TALK_REVIEW_PENDING) {
        rc = lx_err_set(err, LX_ECONFLICT, NULL, "message review is %s",
                        lx_talk_review_name(review));
        goto out;
    }

    rc = lx_store_prepare(
        tx,
        "UPDATE talk_messages SET review = :review, status = :status,"
        " reviewed_by = :by, reviewed_ms = :at WHERE id = :id AND"
        " review = 'pending'",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc =
        talk__bind_t(s, ":review",
                     lx_talk_review_name(a->confirm ? LX_TALK_REVIEW_CONFIRMED
                                                    : LX_TALK_REVIEW_DISMISSED),
                     rc);
    /* A held message is delivered on dismiss, stays held on confirm. */
    rc = talk__bind_t(s, ":status",
                      lx_talk_status_name(!a->confirm && status == LX_TALK_HELD
                                              ? LX_TALK_DELIVERED
                                              : status),
                      rc);
    rc = talk__bind_i(s, ":by", ctx->actor.id, rc);
    rc = talk__bind_i(s, ":at", ctx->now_ms, rc);
    rc = talk__bind_i(s, ":id", a->id, rc);
    rc = talk__bind_done(rc, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && lx_store_changes(tx) != 1) {
        rc = lx_err_set(err, LX_ECONFLICT, NULL, "message reviewed meanwhile");
    }
    if (rc != LX_OK) {
        goto out;
    }

    snprintf(ev, sizeof(ev), "review:%lld", (long long)ctx->actor.id);
    for (size_t i = 0; a->confirm && i < nf; i++) {
        enum lx_scan_category c = talk__msg_category_parse(fs[i].category);
        if (c == LX_SCAN_CATEGORY_COUNT || seen[c]) {
            continue;
        }
        seen[c] = true;
        rc = talk__msg_violation_add_tx(tx, firm_id, fs[i].category, a->id,
                                        created, ev, NULL, err);
        if (rc != LX_OK) {
            goto out;
        }
    }
    if (!a->confirm && status == LX_TALK_HELD && a->o != NULL &&
        a->o->on_contact != NULL) {
        /* The held message reaches the user now: that is the contact. */
        rc = a->o->on_contact(a->o->on_contact_arg, tx, lead_id, firm_id,
                              ctx->now_ms, err);
        if (rc != LX_OK) {
            goto out;
        }
    }
    rc = talk__audit_res_tx(tx, ctx, "message_review", "talk_message", a->id,
                            NULL, NULL, "allow",
                            a->confirm ? "confirmed" : "dismissed",
                            nf > 0 ? fs[0].clause : NULL, err);
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_talk_review_decide(struct lx_ctx *ctx, const struct lx_talk_opts *o,
                      int64_t message_id, bool confirm)
{
    struct review_arg a = {ctx, o, message_id, confirm, false};
    lx_rc rc;

    rc = lx_store_write(ctx->app->store, review_unit, &a, &ctx->err);
    return talk__platform_finish(ctx, rc, a.denied, "platform_review_only");
}

/* ---- verified facts about a lawyer (C5.4) -------------------------------- */

struct facts_arg {
    struct lx_ctx *ctx;
    int64_t staff_id;
    bool judge, prosecutor;
    int64_t cases;
    const char *honours; /* JSON array */
    bool denied;
};

static lx_rc
facts_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct facts_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    struct lx_policy_facts who;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = talk__platform_gate_tx(tx, ctx, TALK__PLATFORM_REVIEWER,
                                "lawyer_facts", "staff", a->staff_id,
                                "platform_verification_only", &a->denied, err);
    if (rc != LX_OK || a->denied) {
        return rc;
    }
    memset(&who, 0, sizeof(who));
    rc = lx_people_facts_load_tx(tx, a->staff_id, ctx->now_ms, 0, &who, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (who.actor.role == LX_POLICY_ROLE_NONE) {
        return lx_err_set(err, LX_ENOTFOUND, "/staff_id", "no such staff");
    }
    rc = lx_store_prepare(
        tx, "DELETE FROM talk_lawyer_facts WHERE staff_id = :id", &s, err);
    if (rc == LX_OK) {
        rc = talk__bind_done(talk__bind_i(s, ":id", a->staff_id, LX_OK), err);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_store_prepare(
        tx,
        "INSERT INTO talk_lawyer_facts (staff_id, former_judge,"
        " former_prosecutor, case_count, honours, verified_by, updated_ms)"
        " VALUES (:id, :judge, :pros, :cases, :honours, :by, :at)",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = talk__bind_i(s, ":id", a->staff_id, rc);
    rc = talk__bind_i(s, ":judge", a->judge ? 1 : 0, rc);
    rc = talk__bind_i(s, ":pros", a->prosecutor ? 1 : 0, rc);
    if (rc == LX_OK) {
        rc = a->cases >= 0 ? lx_store_bind_int(s, ":cases", a->cases)
                           : lx_store_bind_null(s, ":cases");
    }
    rc = talk__bind_t(s, ":honours", a->honours, rc);
    rc = talk__bind_i(s, ":by", ctx->actor.id, rc);
    rc = talk__bind_i(s, ":at", ctx->now_ms, rc);
    rc = talk__bind_done(rc, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK) {
        rc = talk__audit_res_tx(tx, ctx, "lawyer_facts", "staff", a->staff_id,
                                NULL, NULL, "allow", "verified",
                                LX_TALK_CLAUSE_CREDENTIAL, err);
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_talk_facts_set(struct lx_ctx *ctx, int64_t staff_id, bool former_judge,
                  bool former_prosecutor, int64_t case_count,
                  const char *const *honours, size_t n_honours)
{
    struct facts_arg a = {0};
    struct lx_buf hj = LX_BUF_INIT(HONOURS_JSON_MAX);
    lx_rc rc = LX_OK;

    if (staff_id <= 0) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/staff_id", "not an id");
    }
    if (n_honours > TALK__HONOURS_MAX || (n_honours > 0 && honours == NULL)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/honours", "at most %d titles",
                          TALK__HONOURS_MAX);
    }
    rc = lx_buf_append_str(&hj, "[");
    for (size_t i = 0; i < n_honours && rc == LX_OK; i++) {
        size_t n = honours[i] != NULL ? strlen(honours[i]) : 0;
        if (n == 0 || n > TALK__HONOUR_BYTES_MAX ||
            !lx_utf8_valid(honours[i], n, NULL)) {
            rc = lx_err_set(&ctx->err, LX_EINVAL, "/honours",
                            "title %zu: 1..%d bytes of UTF-8", i,
                            TALK__HONOUR_BYTES_MAX);
            goto out;
        }
        if (i > 0) {
            rc = lx_buf_append_str(&hj, ",");
        }
        if (rc == LX_OK) {
            rc = lx_buf_append_json_str(&hj, honours[i], n);
        }
    }
    if (rc == LX_OK) {
        rc = lx_buf_append_str(&hj, "]");
    }
    if (rc != LX_OK) {
        rc = lx_err_set(&ctx->err, rc, "/honours", "too long");
        goto out;
    }
    a.ctx = ctx;
    a.staff_id = staff_id;
    a.judge = former_judge;
    a.prosecutor = former_prosecutor;
    a.cases = case_count < 0 ? -1 : case_count;
    a.honours = lx_buf_peek(&hj);
    rc = lx_store_write(ctx->app->store, facts_unit, &a, &ctx->err);
    rc = talk__platform_finish(ctx, rc, a.denied, "platform_verification_only");
out:
    lx_buf_release(&hj);
    return rc;
}
