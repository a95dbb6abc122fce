/*
 * msg.c — sending messages (C5.2-C5.9; talk.h "messages"): a firm's
 * message screened and stored, the user's message and opt-out. The
 * platform's review of flagged messages and the verified facts behind
 * credential claims are in review.c; reading a conversation is in
 * msg_read.c.
 *
 * One unit of work per call. The text goes to the vault of the lead's
 * subject (field "chat_<id>"); rows, audit records, violations and errors
 * carry ids, rule ids, clause ids and byte offsets only.
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include "base/buf.h"
#include "base/utf8.h"
#include "enforce/enforce.h"
#include "people/people.h"
#include "store/store.h"
#include "vault/vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLAIMS_MAX 8 /* credential claims checked per message */
#define FINDINGS_JSON_MAX 8192

/* ---- names --------------------------------------------------------------- */

static const char *const direction_names[] = {
    [LX_TALK_TO_USER] = "to_user",
    [LX_TALK_FROM_USER] = "from_user",
};
static const char *const status_names[] = {
    [LX_TALK_DELIVERED] = "delivered",
    [LX_TALK_HELD] = "held",
    [LX_TALK_BLOCKED] = "blocked",
};
static const char *const review_names[] = {
    [LX_TALK_REVIEW_NONE] = "none",
    [LX_TALK_REVIEW_PENDING] = "pending",
    [LX_TALK_REVIEW_CONFIRMED] = "confirmed",
    [LX_TALK_REVIEW_DISMISSED] = "dismissed",
};

#define NAME_OF(tab, v)                                                        \
    ((unsigned)(v) < sizeof(tab) / sizeof((tab)[0]) ? (tab)[(v)] : "invalid")

const char *
lx_talk_direction_name(enum lx_talk_direction d)
{
    return NAME_OF(direction_names, d);
}

const char *
lx_talk_status_name(enum lx_talk_status s)
{
    return NAME_OF(status_names, s);
}

const char *
lx_talk_review_name(enum lx_talk_review r)
{
    return NAME_OF(review_names, r);
}

static int
name_index(const char *const *tab, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        if (strlen(tab[i]) == len && memcmp(tab[i], s, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

enum lx_talk_direction
talk__msg_direction_parse(const char *s, size_t len)
{
    int i = name_index(direction_names, 2, s, len);

    return i < 0 ? LX_TALK_TO_USER : (enum lx_talk_direction)i;
}

enum lx_talk_status
talk__msg_status_parse(const char *s, size_t len)
{
    int i = name_index(status_names, 3, s, len);

    /* An unreadable status is treated as never delivered. */
    return i < 0 ? LX_TALK_BLOCKED : (enum lx_talk_status)i;
}

enum lx_talk_review
talk__msg_review_parse(const char *s, size_t len)
{
    int i = name_index(review_names, 4, s, len);

    return i < 0 ? LX_TALK_REVIEW_NONE : (enum lx_talk_review)i;
}

enum lx_scan_verdict
talk__msg_verdict_parse(const char *s, size_t len)
{
    static const enum lx_scan_verdict v[] = {LX_SCAN_ALLOW, LX_SCAN_REVIEW,
                                             LX_SCAN_BLOCK};

    for (size_t i = 0; i < 3; i++) {
        const char *n = lx_scan_verdict_name(v[i]);
        if (strlen(n) == len && memcmp(n, s, len) == 0) {
            return v[i];
        }
    }
    return LX_SCAN_BLOCK; /* unreadable: the strictest */
}

static lx_rc
findings_json(const struct lx_talk_msg_finding *f, size_t n, struct lx_buf *b)
{
    lx_rc rc = lx_buf_append_str(b, "[");

    for (size_t i = 0; i < n && rc == LX_OK; i++) {
        rc = lx_buf_printf(b, "%s{\"category\":", i > 0 ? "," : "");
        if (rc == LX_OK) {
            rc =
                lx_buf_append_json_str(b, f[i].category, strlen(f[i].category));
        }
        if (rc == LX_OK) {
            rc = lx_buf_append_str(b, ",\"clause\":");
        }
        if (rc == LX_OK) {
            rc = lx_buf_append_json_str(b, f[i].clause, strlen(f[i].clause));
        }
        if (rc == LX_OK) {
            rc = lx_buf_append_str(b, ",\"rule\":");
        }
        if (rc == LX_OK) {
            rc = lx_buf_append_json_str(b, f[i].rule, strlen(f[i].rule));
        }
        if (rc == LX_OK) {
            rc = lx_buf_printf(b, ",\"start\":%zu,\"end\":%zu}", f[i].start,
                               f[i].end);
        }
    }
    if (rc == LX_OK) {
        rc = lx_buf_append_str(b, "]");
    }
    return rc;
}

/* ---- shared steps -------------------------------------------------------- */

lx_rc
talk__msg_text_check(struct lx_ctx *ctx, const char *text, size_t len)
{
    size_t bad = 0;

    if (text == NULL || len == 0) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/text", "empty message");
    }
    if (len > LX_TALK_TEXT_MAX) {
        return lx_err_set(&ctx->err, LX_ETOOBIG, "/text",
                          "message over %d bytes", LX_TALK_TEXT_MAX);
    }
    if (!lx_utf8_valid(text, len, &bad)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/text",
                          "not UTF-8 at byte %zu", bad);
    }
    return LX_OK;
}

/* One talk_messages row; *id gets its id. */
struct msg_row {
    int64_t lead_id, firm_id, sender_id;
    enum lx_talk_direction direction;
    const char *sender_role, *purpose, *pack_version, *findings;
    enum lx_scan_verdict verdict;
    enum lx_talk_status status;
    enum lx_talk_review review;
};

static lx_rc
msg_insert(struct lx_store_tx *tx, const struct lx_ctx *ctx,
           const struct msg_row *m, int64_t *id, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(
        tx,
        "INSERT INTO talk_messages (lead_id, firm_id, direction, sender_id,"
        " sender_role, purpose, verdict, status, review, pack_version,"
        " findings, created_ms) VALUES (:lead, :firm, :dir, :sender, :role,"
        " :purpose, :verdict, :status, :review, :pack, :findings, :at)"
        " RETURNING id",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = talk__bind_i(s, ":lead", m->lead_id, rc);
    rc = talk__bind_i(s, ":firm", m->firm_id, rc);
    rc = talk__bind_t(s, ":dir", lx_talk_direction_name(m->direction), rc);
    rc = talk__bind_i(s, ":sender", m->sender_id, rc);
    rc = talk__bind_t(s, ":role", m->sender_role, rc);
    rc = talk__bind_t(s, ":purpose", m->purpose, rc);
    rc = talk__bind_t(s, ":verdict", lx_scan_verdict_name(m->verdict), rc);
    rc = talk__bind_t(s, ":status", lx_talk_status_name(m->status), rc);
    rc = talk__bind_t(s, ":review", lx_talk_review_name(m->review), rc);
    rc = talk__bind_t(s, ":pack", m->pack_version, rc);
    rc = talk__bind_t(s, ":findings", m->findings, rc);
    rc = talk__bind_i(s, ":at", ctx->now_ms, rc);
    rc = talk__bind_done(rc, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK && !row) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "talk: no message id");
    }
    if (rc == LX_OK) {
        *id = lx_store_col_int(s, 0);
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

/* The text into the vault of the lead's subject, field "chat_<id>". */
static lx_rc
text_put(struct lx_store_tx *tx, struct lx_ctx *ctx, int64_t subject,
         int64_t id, const char *text, size_t len)
{
    char name[LX_VAULT_FIELD_NAME_MAX + 1];
    struct lx_vault_field f = {0};

    talk__msg_field_name(id, name, sizeof(name));
    f.name = name;
    f.category = LX_VAULT_CAT_CHAT;
    f.sensitivity = LX_VAULT_SENS_NONE;
    f.format = LX_VAULT_FMT_TEXT;
    f.value = text;
    f.len = len;
    return lx_vault_put_tx(ctx, tx, subject, &f);
}

void
talk__msg_field_name(int64_t id, char *out, size_t cap)
{
    snprintf(out, cap, "chat_%lld", (long long)id);
}

lx_rc
talk__msg_violation_add_tx(struct lx_store_tx *tx, int64_t firm_id,
                           const char *cat, int64_t id, int64_t at_ms,
                           const char *evidence, int64_t *vid,
                           struct lx_err *err)
{
    char kind[LX_ENFORCE_KIND_MAX + 1], obj[48];
    struct lx_store_stmt *s = NULL;
    enum lx_scan_category c = talk__msg_category_parse(cat);
    bool row = false;
    lx_rc rc;

    if (c == LX_SCAN_CATEGORY_COUNT) {
        return lx_err_set(err, LX_EINTERNAL, NULL, "talk: unknown category");
    }
    snprintf(kind, sizeof(kind), "message_%s", cat);
    snprintf(obj, sizeof(obj), "talk_message:%lld", (long long)id);
    rc = lx_enforce_violation_add_tx(tx, firm_id, lx_scan_category_clause(c),
                                     kind, obj, at_ms, evidence, NULL, err);
    if (rc != LX_OK || vid == NULL) {
        return rc;
    }
    rc = lx_store_prepare(tx,
                          "SELECT id FROM violation WHERE kind = :k AND"
                          " object_ref = :o",
                          &s, err);
    if (rc == LX_OK) {
        rc = talk__bind_done(
            talk__bind_t(s, ":o", obj, talk__bind_t(s, ":k", kind, LX_OK)),
            err);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK) {
        *vid = row ? lx_store_col_int(s, 0) : 0;
    }
    lx_store_stmt_free(s);
    return rc;
}

/* ---- credentials (C5.4) -------------------------------------------------- */

/* Verified facts of 'staff_id' as loaded from talk_lawyer_facts; the
 * honour titles point into 'pool'. */
struct creds {
    struct lx_talk_credentials v;
    const char *titles[TALK__HONOURS_MAX];
    char pool[TALK__HONOURS_MAX * (TALK__HONOUR_BYTES_MAX + 1)];
};

static lx_rc
creds_load(struct lx_store_tx *tx, int64_t staff_id, struct creds *c,
           struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t len = 0;
    const char *t;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT former_judge, former_prosecutor,"
                          " case_count, honours FROM talk_lawyer_facts"
                          " WHERE staff_id = :id",
                          &s, err);
    if (rc == LX_OK) {
        rc = talk__bind_done(talk__bind_i(s, ":id", staff_id, LX_OK), err);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && row) {
        c->v.former_judge = lx_store_col_int(s, 0) != 0;
        c->v.former_prosecutor = lx_store_col_int(s, 1) != 0;
        c->v.case_count_known = !lx_store_col_is_null(s, 2);
        c->v.case_count = lx_store_col_int(s, 2);
        t = lx_store_col_text(s, 3, &len);
        c->v.n_honours = talk__msg_honours_parse(
            t, len, c->titles, TALK__HONOURS_MAX, c->pool, sizeof(c->pool));
        c->v.honours = c->titles;
    }
    lx_store_stmt_free(s);
    return rc;
}

/* ---- lx_talk_send -------------------------------------------------------- */

struct send_arg {
    struct lx_ctx *ctx;
    const struct lx_talk_opts *o;
    int64_t lead_id;
    enum lx_talk_purpose purpose;
    const char *text;
    size_t len;
    const struct lx_scan_result *scan;
    bool has_claims;
    struct lx_talk_sent *out;
    struct talk__act act;
    bool contact_denied;
};

/* The severity of the rule that made scan finding 'f'. */
static enum lx_scan_verdict
rule_severity(const struct lx_scan_pack *p, const struct lx_scan_finding *f)
{
    size_t n = lx_scan_pack_rule_count(p);

    for (size_t i = 0; i < n; i++) {
        const struct lx_scan_rule_info *r = lx_scan_pack_rule(p, i);
        if (r != NULL && (r->id == f->rule || strcmp(r->id, f->rule) == 0)) {
            return r->severity;
        }
    }
    return lx_scan_category_severity(f->category);
}

/* The scan's findings, then the unsupported credential claims, into
 * out->findings; returns the verdict with the claims counted (review at
 * least). 'blocking' gets one flag per category with a block finding. */
static enum lx_scan_verdict
merge_findings(const struct send_arg *a, const struct lx_talk_claim_finding *cf,
               size_t ncf, bool blocking[LX_SCAN_CATEGORY_COUNT])
{
    struct lx_talk_sent *out = a->out;
    const struct lx_scan_result *r = a->scan;
    enum lx_scan_verdict v = r->verdict;
    size_t k = 0;

    for (size_t i = 0; i < r->n_findings; i++) {
        const struct lx_scan_finding *f = &r->findings[i];
        if ((unsigned)f->category < LX_SCAN_CATEGORY_COUNT &&
            rule_severity(a->o->pack, f) == LX_SCAN_BLOCK) {
            blocking[f->category] = true;
        }
        if (k < LX_TALK_FINDINGS_MAX) {
            struct lx_talk_msg_finding *m = &out->findings[k++];
            m->category = lx_scan_category_name(f->category);
            m->clause = lx_scan_category_clause(f->category);
            snprintf(m->rule, sizeof(m->rule), "%s", f->rule);
            m->start = f->start;
            m->end = f->end;
        }
    }
    for (size_t i = 0; i < ncf; i++) {
        if (k < LX_TALK_FINDINGS_MAX) {
            struct lx_talk_msg_finding *m = &out->findings[k++];
            m->category = lx_scan_category_name(LX_SCAN_FAKE_CREDENTIALS);
            m->clause = LX_TALK_CLAUSE_CREDENTIAL;
            snprintf(m->rule, sizeof(m->rule), "credential.%s", cf[i].reason);
            m->start = cf[i].claim.span.off;
            m->end = cf[i].claim.span.off + cf[i].claim.span.len;
        }
    }
    out->n_findings = k;
    if (ncf > 0 && v < LX_SCAN_REVIEW) {
        v = LX_SCAN_REVIEW;
    }
    if (v == LX_SCAN_BLOCK) {
        bool any = false;
        for (int c = 0; c < LX_SCAN_CATEGORY_COUNT; c++) {
            any = any || blocking[c];
        }
        /* A block verdict whose findings were truncated away still names
         * the categories it has. */
        for (size_t i = 0; !any && i < r->n_findings; i++) {
            if ((unsigned)r->findings[i].category < LX_SCAN_CATEGORY_COUNT) {
                blocking[r->findings[i].category] = true;
            }
        }
    }
    return v;
}

static lx_rc
send_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct send_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    struct lx_talk_sent *out = a->out;
    const struct lx_leads_ref *lead = &a->act.lead;
    const char *pname = talk__purpose_name(a->purpose);
    struct lx_talk_contact_decision cd;
    struct lx_talk_claim_finding cf[CLAIMS_MAX];
    bool blocking[LX_SCAN_CATEGORY_COUNT] = {false};
    struct lx_buf fj = LX_BUF_INIT(FINDINGS_JSON_MAX);
    struct msg_row m = {0};
    struct creds *cr = NULL;
    char field[LX_VAULT_FIELD_NAME_MAX + 1], pack[40], ev[48];
    size_t ncf = 0;
    lx_rc rc;

    rc = talk__act_load_tx(tx, ctx, a->lead_id, LX_POLICY_ACTION_MESSAGE,
                           talk__policy_purpose(a->purpose), &a->act, err);
    if (rc != LX_OK || a->act.missing || a->act.d.verdict != LX_POLICY_ALLOW) {
        return rc;
    }
    if (!talk__firm_holds(ctx, lead)) {
        a->act.missing = true; /* only the holding firm writes (C4.1) */
        return LX_OK;
    }

    /* C5.3: the attempt is recorded allowed or denied, and a deny is
     * audited and committed. */
    rc = talk__attempt_tx(tx, ctx, a->o, lead, LX_TALK_ATTEMPT_MESSAGE,
                          a->purpose, &cd, err);
    if (rc != LX_OK) {
        return rc;
    }
    out->contact_reason = cd.reason;
    out->retry_ms = cd.retry_ms;
    if (cd.verdict != LX_TALK_ALLOW) {
        a->contact_denied = true;
        return talk__audit_tx(tx, ctx, "message", a->lead_id, pname, "deny",
                              cd.reason, cd.clause, err);
    }

    /* C5.4: claims against what was verified about the sender. */
    if (a->has_claims) {
        cr = calloc(1, sizeof(*cr));
        if (cr == NULL) {
            abort(); /* STYLE.md: out of memory aborts */
        }
        /* The sender is staff of the holding firm (talk__firm_holds). */
        rc = lx_people_licence_year_tx(tx, ctx->actor.id, ctx->now_ms,
                                       &cr->v.first_practice_year, err);
        if (rc == LX_OK) {
            rc = creds_load(tx, ctx->actor.id, cr, err);
        }
        if (rc != LX_OK) {
            goto out;
        }
        ncf = lx_talk_claims_check(a->text, a->len, &cr->v, ctx->now_ms, cf,
                                   CLAIMS_MAX);
        if (ncf > CLAIMS_MAX) {
            ncf = CLAIMS_MAX;
        }
    }
    out->verdict = merge_findings(a, cf, ncf, blocking);
    switch (out->verdict) {
    case LX_SCAN_BLOCK:
        m.status = LX_TALK_BLOCKED;
        m.review = LX_TALK_REVIEW_NONE;
        break;
    case LX_SCAN_REVIEW:
        m.status = a->o->hold_review ? LX_TALK_HELD : LX_TALK_DELIVERED;
        m.review = LX_TALK_REVIEW_PENDING;
        break;
    case LX_SCAN_ALLOW:
    default:
        m.status = LX_TALK_DELIVERED;
        m.review = LX_TALK_REVIEW_NONE;
        break;
    }
    out->status = m.status;
    rc = findings_json(out->findings, out->n_findings, &fj);
    if (rc != LX_OK) {
        rc = lx_err_set(err, rc, NULL, "talk: findings too long");
        goto out;
    }

    m.lead_id = lead->id;
    m.firm_id = lead->firm_id;
    m.sender_id = ctx->actor.id;
    m.direction = LX_TALK_TO_USER;
    /* C5.7: the role the sender holds, from the people records. */
    m.sender_role = lx_policy_role_name(a->act.facts.actor.role);
    m.purpose = pname;
    m.verdict = out->verdict;
    m.pack_version = out->pack_version;
    m.findings = lx_buf_peek(&fj);
    rc = msg_insert(tx, ctx, &m, &out->id, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = text_put(tx, ctx, lead->subject_id, out->id, a->text, a->len);
    if (rc != LX_OK) {
        goto out;
    }

    snprintf(ev, sizeof(ev), "scan_pack:%s", out->pack_version);
    for (int c = 0; out->verdict == LX_SCAN_BLOCK && c < LX_SCAN_CATEGORY_COUNT;
         c++) {
        int64_t vid = 0;
        if (!blocking[c]) {
            continue;
        }
        rc = talk__msg_violation_add_tx(
            tx, lead->firm_id, lx_scan_category_name((enum lx_scan_category)c),
            out->id, ctx->now_ms, ev, &vid, err);
        if (rc != LX_OK) {
            goto out;
        }
        if (out->violation_id == 0) {
            out->violation_id = vid;
        }
    }

    if (m.status == LX_TALK_DELIVERED && a->o->on_contact != NULL) {
        rc = a->o->on_contact(a->o->on_contact_arg, tx, lead->id, lead->firm_id,
                              ctx->now_ms, err);
        if (rc != LX_OK) {
            goto out;
        }
    }

    talk__msg_field_name(out->id, field, sizeof(field));
    snprintf(pack, sizeof(pack), "pack:%s", out->pack_version);
    rc = talk__audit_res_tx(
        tx, ctx, "message", "talk_message", out->id, field, pname,
        lx_scan_verdict_name(out->verdict), pack,
        out->n_findings > 0 ? out->findings[0].clause : NULL, err);
out:
    free(cr);
    lx_buf_release(&fj);
    return rc;
}

lx_rc
lx_talk_send(struct lx_ctx *ctx, const struct lx_talk_opts *o, int64_t lead_id,
             const char *purpose, const char *text, size_t len,
             struct lx_talk_sent *out)
{
    struct send_arg a = {0};
    struct lx_scan_scanner *sc = NULL;
    struct lx_scan_options so = {0};
    struct lx_scan_result *res = NULL;
    struct lx_talk_claim claims[CLAIMS_MAX];
    size_t nclaims;
    lx_rc rc;

    memset(out, 0, sizeof(*out));
    if (o == NULL || o->pack == NULL) {
        return lx_err_set(&ctx->err, LX_EINTERNAL, NULL,
                          "talk: no rule pack to screen with");
    }
    if (!talk__purpose_parse(purpose, &a.purpose)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/purpose",
                          "consultation or complaint");
    }
    rc = talk__msg_text_check(ctx, text, len);
    if (rc != LX_OK) {
        return rc;
    }

    /* The screening is pure: it runs before the unit, off the writer. */
    res = calloc(1, sizeof(*res));
    if (res == NULL) {
        abort();
    }
    so.hold_review = o->hold_review;
    rc = lx_scan_scanner_new(o->pack, &sc, &ctx->err);
    if (rc == LX_OK) {
        rc = lx_scan_text(sc, text, len, &so, res, &ctx->err);
    }
    if (rc != LX_OK) {
        goto out;
    }
    snprintf(out->pack_version, sizeof(out->pack_version), "%s",
             res->version != NULL ? res->version
                                  : lx_scan_pack_version(o->pack));

    nclaims = lx_talk_claims_find(text, len, claims, CLAIMS_MAX);

    a.ctx = ctx;
    a.o = o;
    a.lead_id = lead_id;
    a.text = text;
    a.len = len;
    a.scan = res;
    a.has_claims = nclaims > 0;
    a.out = out;
    rc = lx_store_write(ctx->app->store, send_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        goto fail;
    }
    rc = talk__finish(ctx, &a.act, LX_OK);
    if (rc != LX_OK) {
        goto fail;
    }
    if (a.contact_denied) {
        rc = lx_err_set(&ctx->err, LX_EDENIED, NULL, "%s", out->contact_reason);
        ctx->err.clause = LX_TALK_CLAUSE_CONTACT;
        out->id = 0;
        out->n_findings = 0;
    }
    goto out;
fail : {
    /* Nothing of a failed or refused send is kept: say so. */
    const char *reason = out->contact_reason;
    int64_t retry = out->retry_ms;
    memset(out, 0, sizeof(*out));
    out->contact_reason = reason;
    out->retry_ms = retry;
}
out:
    lx_scan_scanner_free(sc);
    free(res);
    return rc;
}

/* ---- the user's side ----------------------------------------------------- */

/* An opt-out row (C5.3); message_id 0 for the button. */
static lx_rc
optout_insert(struct lx_store_tx *tx, const struct lx_ctx *ctx, int64_t lead_id,
              const char *source, int64_t message_id, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO talk_optouts (lead_id, user_id, source,"
                          " message_id, at_ms) VALUES (:lead, :user, :src,"
                          " :msg, :at)",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = talk__bind_i(s, ":lead", lead_id, rc);
    rc = talk__bind_i(s, ":user", ctx->actor.id, rc);
    rc = talk__bind_t(s, ":src", source, rc);
    if (rc == LX_OK) {
        rc = message_id > 0 ? lx_store_bind_int(s, ":msg", message_id)
                            : lx_store_bind_null(s, ":msg");
    }
    rc = talk__bind_i(s, ":at", ctx->now_ms, rc);
    rc = talk__bind_done(rc, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

struct user_arg {
    struct lx_ctx *ctx;
    int64_t lead_id;
    const char *text; /* NULL: the opt-out button */
    size_t len;
    struct talk__act act;
    int64_t id;
    bool opted_out;
};

static lx_rc
user_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct user_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_leads_ref *lead = &a->act.lead;
    const char *pname = lx_policy_purpose_name(LX_POLICY_PURPOSE_COMMUNICATION);
    struct msg_row m = {0};
    lx_rc rc;

    rc = talk__act_load_tx(tx, ctx, a->lead_id, LX_POLICY_ACTION_MESSAGE,
                           LX_POLICY_PURPOSE_COMMUNICATION, &a->act, err);
    if (rc != LX_OK || a->act.missing || a->act.d.verdict != LX_POLICY_ALLOW) {
        return rc;
    }
    if (a->text == NULL) {
        /* C5.3: the opt-out button works whatever the lead's state. */
        a->opted_out = true;
        rc = optout_insert(tx, ctx, lead->id, "button", 0, err);
        if (rc == LX_OK) {
            rc = talk__audit_tx(tx, ctx, "optout", lead->id, pname, "done",
                                "button", LX_TALK_CLAUSE_CONTACT, err);
        }
        return rc;
    }
    if ((lead->state != LX_LEADS_CLAIMED && lead->state != LX_LEADS_ASSIGNED) ||
        lead->firm_id == 0) {
        return lx_err_set(err, LX_ECONFLICT, NULL,
                          "lead is %s: no firm to write to",
                          lx_leads_state_name(lead->state));
    }
    m.lead_id = lead->id;
    m.firm_id = lead->firm_id;
    m.sender_id = ctx->actor.id;
    m.direction = LX_TALK_FROM_USER;
    m.sender_role = lx_policy_role_name(LX_POLICY_ROLE_USER);
    m.purpose = pname;
    m.verdict = LX_SCAN_ALLOW;
    m.status = LX_TALK_DELIVERED;
    m.review = LX_TALK_REVIEW_NONE;
    m.pack_version = "";
    m.findings = "[]";
    rc = msg_insert(tx, ctx, &m, &a->id, err);
    if (rc == LX_OK) {
        rc = text_put(tx, ctx, lead->subject_id, a->id, a->text, a->len);
    }
    if (rc == LX_OK && lx_talk_optout_find(a->text, a->len, NULL)) {
        a->opted_out = true;
        rc = optout_insert(tx, ctx, lead->id, "message", a->id, err);
        if (rc == LX_OK) {
            rc = talk__audit_tx(tx, ctx, "optout", lead->id, pname, "done",
                                "message", LX_TALK_CLAUSE_CONTACT, err);
        }
    }
    return rc;
}

static lx_rc
user_run(struct lx_ctx *ctx, struct user_arg *a)
{
    lx_rc rc;

    /* The user side is the person who sought advice: staff, keys and the
     * system do not write as the user. */
    if (ctx->actor.kind != LX_ACTOR_USER) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL, "users only");
    }
    a->ctx = ctx;
    rc = lx_store_write(ctx->app->store, user_unit, a, &ctx->err);
    return talk__finish(ctx, &a->act, rc);
}

lx_rc
lx_talk_user_send(struct lx_ctx *ctx, int64_t lead_id, const char *text,
                  size_t len, int64_t *id, bool *opted_out)
{
    struct user_arg a = {0};
    lx_rc rc;

    if (id != NULL) {
        *id = 0;
    }
    if (opted_out != NULL) {
        *opted_out = false;
    }
    rc = talk__msg_text_check(ctx, text, len);
    if (rc != LX_OK) {
        return rc;
    }
    a.lead_id = lead_id;
    a.text = text;
    a.len = len;
    rc = user_run(ctx, &a);
    if (rc == LX_OK) {
        if (id != NULL) {
            *id = a.id;
        }
        if (opted_out != NULL) {
            *opted_out = a.opted_out;
        }
    }
    return rc;
}

lx_rc
lx_talk_optout(struct lx_ctx *ctx, int64_t lead_id)
{
    struct user_arg a = {0};

    a.lead_id = lead_id;
    return user_run(ctx, &a);
}
