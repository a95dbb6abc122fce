/*
 * quote.c — fee quotes, revisions and charges: the service (C5.6).
 *
 * Each public function is one unit of work on ctx->app->store: the quote
 * (and its lead) loaded, the policy engine asked through talk__act_load_tx
 * (QUOTE for the firm's acts, VIEW_MASKED for the user's and for reads),
 * the pure rules of talk_fee.c applied, the change, its audit record and
 * any violation committed together — or nothing.
 *
 *  - send: lx_talk_quote_check at ctx->now_ms runs before the unit. A
 *    malformed quote is LX_EINVAL with the finding's field, nothing
 *    written; a conduct refusal (a refusing finding with clause C5.6:
 *    excluded matter, contingency over the cap, a breakdown that does not
 *    add up, an hourly fee without a ceiling) is audited as a deny and
 *    returned as LX_EDENIED, nothing stored. Lures are stored as a flag.
 *  - charge: the charge is recorded first (it happened), then
 *    lx_talk_charges_check runs over every charge of the quote, the
 *    revisions the user accepted and the quote when it is accepted; an
 *    excess is a hidden mark-up, a charge on a lure quote a fee lure, both
 *    written to the violation ledger in the same unit.
 *
 * On PostgreSQL the acts that change a quote first touch its row
 * (UPDATE … SET state = state), so concurrent charges and answers on one
 * quote run one after the other and each sees the ones before it.
 *
 * Items are stored as JSON [{"name":…,"amount_fen":N}] and read back by
 * the strict reader below, which accepts exactly what we write. Errors,
 * audit records and violation records carry ids and codes, never the item
 * names, 'included' or a revision's reason.
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include "base/buf.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "enforce/enforce.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITEM_NAME_MAX 256 /* bytes of one item name */
#define INCLUDED_MAX 4000 /* bytes of 'included' */
#define REVISIONS_MAX 100 /* revisions per quote */
#define CHARGES_MAX 10000 /* charges per quote */
#define JSON_MAX (256 * 1024)

#define PURPOSE "consultation"

/* ---- names --------------------------------------------------------------- */

static const char *const state_names[] = {
    [LX_TALK_QUOTE_SENT] = "sent",
    [LX_TALK_QUOTE_ACCEPTED] = "accepted",
    [LX_TALK_QUOTE_REJECTED] = "rejected",
    [LX_TALK_QUOTE_WITHDRAWN] = "withdrawn",
};

static const char *const method_names[] = {
    [LX_TALK_FEE_NONE] = "none",
    [LX_TALK_FEE_FIXED] = "fixed",
    [LX_TALK_FEE_HOURLY] = "hourly",
    [LX_TALK_FEE_STAGED] = "staged",
    [LX_TALK_FEE_CONTINGENCY] = "contingency",
};

static const char *const matter_names[] = {
    [LX_TALK_MATTER_NONE] = "none",
    [LX_TALK_MATTER_CIVIL] = "civil",
    [LX_TALK_MATTER_CRIMINAL] = "criminal",
    [LX_TALK_MATTER_ADMINISTRATIVE] = "administrative",
    [LX_TALK_MATTER_STATE_COMPENSATION] = "state_compensation",
    [LX_TALK_MATTER_MARRIAGE_INHERITANCE] = "marriage_inheritance",
    [LX_TALK_MATTER_BENEFITS] = "benefits",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *
lx_talk_quote_state_name(enum lx_talk_quote_state s)
{
    return (unsigned)s < COUNT(state_names) ? state_names[s] : "invalid";
}

const char *
lx_talk_fee_method_name(enum lx_talk_fee_method m)
{
    return (unsigned)m < COUNT(method_names) ? method_names[m] : "invalid";
}

const char *
lx_talk_matter_name(enum lx_talk_matter m)
{
    return (unsigned)m < COUNT(matter_names) ? matter_names[m] : "invalid";
}

/* Index of s in names[1..n) (0, "none", never parses), or 0. */
static unsigned
name_index(const char *const *names, size_t n, const char *s, size_t len)
{
    for (size_t i = 1; s != NULL && i < n; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0) {
            return (unsigned)i;
        }
    }
    return 0;
}

/* Index of the NUL-terminated s in names[1..n), or 0 (also for NULL). */
static unsigned
name_parse(const char *const *names, size_t n, const char *s)
{
    return s == NULL ? 0 : name_index(names, n, s, strlen(s));
}

bool
lx_talk_fee_method_parse(const char *s, enum lx_talk_fee_method *out)
{
    unsigned i = name_parse(method_names, COUNT(method_names), s);

    if (i != 0 && out != NULL) {
        *out = (enum lx_talk_fee_method)i;
    }
    return i != 0;
}

bool
lx_talk_matter_parse(const char *s, enum lx_talk_matter *out)
{
    unsigned i = name_parse(matter_names, COUNT(matter_names), s);

    if (i != 0 && out != NULL) {
        *out = (enum lx_talk_matter)i;
    }
    return i != 0;
}

static bool
state_parse(const char *s, size_t len, enum lx_talk_quote_state *out)
{
    for (size_t i = 0; s != NULL && i < COUNT(state_names); i++) {
        if (strlen(state_names[i]) == len &&
            memcmp(state_names[i], s, len) == 0) {
            *out = (enum lx_talk_quote_state)i;
            return true;
        }
    }
    return false;
}

/* ---- items as JSON ------------------------------------------------------- */

static lx_rc
items_json(const struct lx_talk_quote *q, struct lx_buf *b)
{
    lx_rc rc = lx_buf_append(b, "[", 1);

    for (size_t i = 0; rc == LX_OK && i < q->n_items; i++) {
        const struct lx_talk_fee_item *it = &q->items[i];

        rc = lx_buf_append_str(b, i == 0 ? "{\"name\":" : ",{\"name\":");
        if (rc == LX_OK) {
            rc = lx_buf_append_json_str(b, it->name, strlen(it->name));
        }
        if (rc == LX_OK) {
            rc = lx_buf_printf(b, ",\"amount_fen\":%lld}",
                               (long long)it->amount_fen);
        }
    }
    return rc == LX_OK ? lx_buf_append(b, "]", 1) : rc;
}

/* The findings kept with a quote: codes, fields, clauses, amounts. */
static lx_rc
findings_json(const struct lx_talk_fee_finding *f, size_t n, struct lx_buf *b)
{
    lx_rc rc = lx_buf_append(b, "[", 1);

    for (size_t i = 0; rc == LX_OK && i < n; i++) {
        rc = lx_buf_printf(b, "%s{\"code\":\"%s\"", i == 0 ? "" : ",",
                           f[i].code);
        if (rc == LX_OK && f[i].field != NULL) {
            rc = lx_buf_printf(b, ",\"field\":\"%s\"", f[i].field);
        }
        if (rc == LX_OK && f[i].clause != NULL) {
            rc = lx_buf_printf(b, ",\"clause\":\"%s\"", f[i].clause);
        }
        if (rc == LX_OK && f[i].item != SIZE_MAX) {
            rc = lx_buf_printf(b, ",\"item\":%zu", f[i].item);
        }
        if (rc == LX_OK) {
            rc = lx_buf_printf(b, ",\"amount_fen\":%lld}",
                               (long long)f[i].amount_fen);
        }
    }
    return rc == LX_OK ? lx_buf_append(b, "]", 1) : rc;
}

/* A strict reader for what items_json writes. */
struct rd {
    const char *s;
    size_t n;
    size_t p;
};

static bool
rd_lit(struct rd *r, const char *lit)
{
    size_t k = strlen(lit);

    if (r->n - r->p < k || memcmp(r->s + r->p, lit, k) != 0) {
        return false;
    }
    r->p += k;
    return true;
}

static bool
rd_int(struct rd *r, int64_t *v)
{
    bool neg = rd_lit(r, "-");
    int64_t x = 0;
    size_t start = r->p;

    while (r->p < r->n && r->s[r->p] >= '0' && r->s[r->p] <= '9') {
        int d = r->s[r->p] - '0';
        if (x > (INT64_MAX - d) / 10) {
            return false;
        }
        x = x * 10 + d;
        r->p++;
    }
    *v = neg ? -x : x;
    return r->p > start;
}

/* A JSON string into out[0..cap) NUL-terminated; *len without the NUL. */
static bool
rd_str(struct rd *r, char *out, size_t cap, size_t *len)
{
    return talk__json_str(r->s, r->n, &r->p, out, cap, len);
}

/* Fill v->q.items (names into v->buf) and v->q.included from the columns. */
static lx_rc
view_text_fill(struct lx_talk_quote_view *v, const char *items, size_t ni,
               const char *inc, size_t ninc, struct lx_err *err)
{
    struct rd r = {items, ni, 0};
    size_t used = 0, n = 0;

    if (items == NULL || !rd_lit(&r, "[")) {
        goto bad;
    }
    if (!rd_lit(&r, "]")) {
        do {
            size_t len = 0;
            int64_t amount = 0;

            if (n == LX_TALK_ITEMS_MAX || !rd_lit(&r, "{\"name\":") ||
                !rd_str(&r, v->buf + used, sizeof(v->buf) - used, &len) ||
                !rd_lit(&r, ",\"amount_fen\":") || !rd_int(&r, &amount) ||
                !rd_lit(&r, "}")) {
                goto bad;
            }
            v->items[n].name = v->buf + used;
            v->items[n].amount_fen = amount;
            used += len + 1;
            n++;
        } while (rd_lit(&r, ","));
        if (!rd_lit(&r, "]")) {
            goto bad;
        }
    }
    if (r.p != r.n || inc == NULL || sizeof(v->buf) - used <= ninc) {
        goto bad;
    }
    memcpy(v->buf + used, inc, ninc);
    v->buf[used + ninc] = '\0';
    v->q.included = v->buf + used;
    v->q.items = v->items;
    v->q.n_items = n;
    return LX_OK;
bad:
    return lx_err_set(err, LX_EINTEGRITY, NULL, "stored quote unreadable");
}

/* ---- loading ------------------------------------------------------------- */

struct qrow {
    struct lx_talk_quote_view *v;
    int64_t firm_id;
    int64_t staff_id;
};

/* Column 'col' of 's' as a NUL-terminated name of at most 31 bytes. */
static void
col_name(struct lx_store_stmt *s, int col, char name[32])
{
    size_t len = 0;
    const char *t = lx_store_col_text(s, col, &len);

    snprintf(name, 32, "%.*s", (int)(len < 31 ? len : 31), t != NULL ? t : "");
}

static lx_rc
quote_load_tx(struct lx_store_tx *tx, int64_t id, struct qrow *r, bool *found,
              struct lx_err *err)
{
    struct lx_talk_quote_view *v = r->v;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    char name[32];
    const char *t;
    size_t len = 0, ninc = 0;
    lx_rc rc;

    *found = false;
    rc = lx_store_prepare(
        tx,
        "SELECT lead_id, firm_id, staff_id, method, matter, group_case,"
        " total_fen, rate_fen, max_hours, base_fen, rate_bp, claim_fen,"
        " items, included, valid_from_ms, valid_until_ms, ceiling_fen, lure,"
        " state, accepted_ms, created_ms FROM talk_quotes WHERE id = :id",
        &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", id);
        rc = lx_store_step(s, &row, err);
    }
    if (rc != LX_OK || !row) {
        goto out;
    }
    memset(v, 0, sizeof(*v));
    v->id = id;
    v->lead_id = lx_store_col_int(s, 0);
    r->firm_id = lx_store_col_int(s, 1);
    r->staff_id = lx_store_col_int(s, 2);
    col_name(s, 3, name);
    if (!lx_talk_fee_method_parse(name, &v->q.method)) {
        goto bad;
    }
    col_name(s, 4, name);
    if (!lx_talk_matter_parse(name, &v->q.matter)) {
        goto bad;
    }
    v->q.group_case = lx_store_col_int(s, 5) != 0;
    v->q.total_fen = lx_store_col_int(s, 6);
    v->q.rate_fen = lx_store_col_int(s, 7);
    v->q.max_hours = (int)lx_store_col_int(s, 8);
    v->q.base_fen = lx_store_col_int(s, 9);
    v->q.rate_bp = (int)lx_store_col_int(s, 10);
    v->q.claim_fen = lx_store_col_int(s, 11);
    v->q.valid_from_ms = lx_store_col_int(s, 14);
    v->q.valid_until_ms = lx_store_col_int(s, 15);
    v->ceiling_fen = lx_store_col_int(s, 16);
    v->lure = lx_store_col_int(s, 17) != 0;
    t = lx_store_col_text(s, 18, &len);
    if (!state_parse(t, len, &v->state)) {
        goto bad;
    }
    v->accepted_ms = lx_store_col_int(s, 19);
    v->created_ms = lx_store_col_int(s, 20);
    {
        const char *inc = lx_store_col_text(s, 13, &ninc);
        t = lx_store_col_text(s, 12, &len);
        rc = view_text_fill(v, t, len, inc, ninc, err);
    }
    if (rc == LX_OK) {
        *found = true;
    }
    goto out;
bad:
    rc = lx_err_set(err, LX_EINTEGRITY, NULL, "stored quote unreadable");
out:
    lx_store_stmt_free(s);
    return rc;
}

/* The revisions and charges of one quote. */
struct money {
    struct lx_talk_revision *revs;
    size_t n_revs;
    struct lx_talk_charge *charges;
    size_t n_charges;
    size_t cap_charges;
};

static void
money_release(struct money *m)
{
    free(m->revs);
    free(m->charges);
    memset(m, 0, sizeof(*m));
}

static void
money_add_charge(struct money *m, int64_t amount_fen, int64_t at_ms)
{
    if (m->n_charges == m->cap_charges) {
        m->cap_charges = m->cap_charges ? m->cap_charges * 2 : 16;
        m->charges =
            lx_xrealloc(m->charges, m->cap_charges * sizeof(*m->charges));
    }
    m->charges[m->n_charges].amount_fen = amount_fen;
    m->charges[m->n_charges].at_ms = at_ms;
    m->n_charges++;
}

static lx_rc
money_load_tx(struct lx_store_tx *tx, int64_t quote_id, struct money *m,
              struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    memset(m, 0, sizeof(*m));
    m->revs = lx_xcalloc(REVISIONS_MAX, sizeof(*m->revs));
    rc = lx_store_prepare(tx,
                          "SELECT add_fen, accepted_ms FROM"
                          " talk_quote_revisions WHERE quote_id = :q"
                          " ORDER BY id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":q", quote_id);
    }
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        if (m->n_revs == REVISIONS_MAX) {
            rc = lx_err_set(err, LX_EINTEGRITY, NULL,
                            "too many revisions stored");
            break;
        }
        m->revs[m->n_revs].add_fen = lx_store_col_int(s, 0);
        m->revs[m->n_revs].user_accepted = !lx_store_col_is_null(s, 1);
        m->n_revs++;
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "SELECT amount_fen, at_ms FROM talk_charges"
                              " WHERE quote_id = :q ORDER BY id",
                              &s, err);
    }
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":q", quote_id);
    }
    while (rc == LX_OK && (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        money_add_charge(m, lx_store_col_int(s, 0), lx_store_col_int(s, 1));
    }
    lx_store_stmt_free(s);
    return rc;
}

/* lx_talk_charges_check over what is stored: the quote counts only when
 * the user accepted it. */
static lx_rc
money_check(const struct lx_talk_quote_view *v, const struct money *m,
            struct lx_talk_charge_result *out, struct lx_err *err)
{
    return lx_talk_charges_check(
        v->state == LX_TALK_QUOTE_ACCEPTED ? &v->q : NULL, m->revs, m->n_revs,
        m->charges, m->n_charges, out, err);
}

/* ---- one act ---------------------------------------------------------------
 */

struct qact {
    struct lx_ctx *ctx;
    struct talk__act act;
    const char *missing_what; /* "no such quote", "no such revision", … */
    bool nofound;             /* no such quote / revision, or not ours */
    /* An audited refusal after the policy allowed: LX_EDENIED. */
    const char *deny_reason;
    const char *deny_clause;
    const char *deny_field;
    /* inputs */
    int64_t lead_id;
    int64_t quote_id;
    int64_t revision_id;
    const struct lx_talk_quote *q;
    const struct lx_talk_fee_finding *refusal;
    const struct lx_talk_fee_finding *findings;
    size_t n_findings;
    bool lure;
    bool accept;
    int64_t amount_fen;
    const char *reason;
    /* state */
    struct lx_talk_quote_view own;
    struct qrow row;
    /* results */
    int64_t out_id;
    struct lx_talk_charge_result res;
};

static struct qact *
qact_new(struct lx_ctx *ctx, const char *missing_what)
{
    struct qact *a = lx_xcalloc(1, sizeof(*a));

    a->ctx = ctx;
    a->missing_what = missing_what;
    a->row.v = &a->own;
    return a;
}

static bool
stopped(const struct qact *a)
{
    return a->nofound || a->act.missing || a->act.d.verdict != LX_POLICY_ALLOW;
}

static bool
firm_staff(const struct lx_ctx *ctx)
{
    enum lx_policy_role role = LX_POLICY_ROLE_NONE;

    return ctx->actor.kind == LX_ACTOR_STAFF &&
           lx_policy_role_parse(ctx->actor.role, &role) &&
           lx_policy_role_is_firm(role);
}

static bool
lead_user(const struct lx_ctx *ctx, const struct lx_leads_ref *l)
{
    return ctx->actor.kind == LX_ACTOR_USER && l->user_id != 0 &&
           l->user_id == ctx->actor.id;
}

/* Make later reads of the quote wait for a concurrent act on it
 * (PostgreSQL row lock until the unit ends; harmless on SQLite). */
static lx_rc
quote_lock_tx(struct lx_store_tx *tx, int64_t quote_id, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(
        tx, "UPDATE talk_quotes SET state = state WHERE id = :id", &s, err);

    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", quote_id);
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

/*
 * Load quote 'quote_id' into a->row and decide 'action' on its lead. A
 * quote of another firm is, for firm staff, as one that does not exist.
 */
static lx_rc
quote_act_tx(struct lx_store_tx *tx, struct qact *a, int64_t quote_id,
             enum lx_policy_action action, bool lock, struct lx_err *err)
{
    bool found = false;
    lx_rc rc = lock ? quote_lock_tx(tx, quote_id, err) : LX_OK;

    if (rc == LX_OK) {
        rc = quote_load_tx(tx, quote_id, &a->row, &found, err);
    }
    if (rc != LX_OK) {
        return rc;
    }
    if (!found) {
        a->nofound = true;
        return LX_OK;
    }
    if (firm_staff(a->ctx) && a->row.firm_id != a->ctx->actor.firm_id) {
        a->nofound = true;
        return LX_OK;
    }
    rc = talk__act_load_tx(tx, a->ctx, a->row.v->lead_id, action,
                           LX_POLICY_PURPOSE_CONSULTATION, &a->act, err);
    if (rc == LX_OK && a->act.missing) {
        a->nofound = true;
    }
    return rc;
}

/* The firm acts only on a lead it holds. */
static lx_rc
firm_holds_check(const struct qact *a, struct lx_err *err)
{
    if (!talk__firm_holds(a->ctx, &a->act.lead)) {
        return lx_err_set(err, LX_ECONFLICT, NULL, "lead is %s",
                          lx_leads_state_name(a->act.lead.state));
    }
    return LX_OK;
}

/* Only the lead's user answers the firm's terms: anyone else who may see
 * the quote is refused, audited. */
static lx_rc
user_check_tx(struct lx_store_tx *tx, struct qact *a, const char *action,
              struct lx_err *err)
{
    if (lead_user(a->ctx, &a->act.lead)) {
        return LX_OK;
    }
    a->deny_reason = "not_lead_user";
    a->deny_clause = LX_TALK_CLAUSE_FEE;
    return talk__audit_tx(tx, a->ctx, action, a->act.lead.id, PURPOSE, "deny",
                          a->deny_reason, a->deny_clause, err);
}

static lx_rc
qact_finish(struct qact *a, lx_rc rc)
{
    struct lx_ctx *ctx = a->ctx;

    if (rc != LX_OK) {
        return rc;
    }
    if (a->nofound) {
        ctx->err.clause = NULL;
        return lx_err_set(&ctx->err, LX_ENOTFOUND, NULL, "%s", a->missing_what);
    }
    rc = talk__finish(ctx, &a->act, LX_OK);
    if (rc == LX_OK && a->deny_reason != NULL) {
        rc = lx_err_set(&ctx->err, LX_EDENIED, a->deny_field, "%s",
                        a->deny_reason);
        ctx->err.clause = a->deny_clause;
    }
    return rc;
}

/* Step a statement that must give one row (RETURNING id). */
static lx_rc
step_id(struct lx_store_stmt *s, int64_t *id, const char *conflict,
        struct lx_err *err)
{
    bool row = false;
    lx_rc rc = lx_store_step(s, &row, err);

    if (rc == LX_OK && !row) {
        rc = lx_err_set(err, LX_ECONFLICT, NULL, "%s", conflict);
    }
    if (rc == LX_OK && id != NULL) {
        *id = lx_store_col_int(s, 0);
    }
    return rc;
}

/* Run 'unit' over 'a' as one write unit on ctx's store and turn what it
 * found into the act's result (qact_finish). */
static lx_rc
qact_run(struct qact *a, lx_store_unit_fn *unit)
{
    lx_rc rc = lx_store_write(a->ctx->app->store, unit, a, &a->ctx->err);

    return qact_finish(a, rc);
}

/* The firm's act on quote a->quote_id: the quote locked and loaded, QUOTE
 * decided on its lead, and the lead held by the firm. The unit stops
 * when this fails or stopped(a). */
static lx_rc
firm_act_tx(struct lx_store_tx *tx, struct qact *a, struct lx_err *err)
{
    lx_rc rc =
        quote_act_tx(tx, a, a->quote_id, LX_POLICY_ACTION_QUOTE, true, err);

    if (rc != LX_OK || stopped(a)) {
        return rc;
    }
    return firm_holds_check(a, err);
}

/* The user's 'action' on quote 'quote_id': the quote locked and loaded,
 * VIEW_MASKED decided on its lead, and the actor the lead's user. The
 * unit stops when this fails, stopped(a) or a->deny_reason. */
static lx_rc
user_act_tx(struct lx_store_tx *tx, struct qact *a, int64_t quote_id,
            const char *action, struct lx_err *err)
{
    lx_rc rc =
        quote_act_tx(tx, a, quote_id, LX_POLICY_ACTION_VIEW_MASKED, true, err);

    if (rc != LX_OK || stopped(a)) {
        return rc;
    }
    return user_check_tx(tx, a, action, err);
}

/* LX_ECONFLICT on /state unless the quote is in state 'want'. */
static lx_rc
state_check(const struct lx_talk_quote_view *v, enum lx_talk_quote_state want,
            struct lx_err *err)
{
    if (v->state != want) {
        return lx_err_set(err, LX_ECONFLICT, "/state", "quote is %s",
                          lx_talk_quote_state_name(v->state));
    }
    return LX_OK;
}

/* Finish a change: when 'rc' is LX_OK step 's' (prepared and bound; one
 * row RETURNING id into *id, else LX_ECONFLICT 'conflict'), then free 's'
 * and audit 'action' on the quote's lead as done for 'reason'. */
static lx_rc
change_done_tx(struct lx_store_tx *tx, const struct qact *a,
               struct lx_store_stmt *s, lx_rc rc, int64_t *id,
               const char *conflict, const char *action, const char *reason,
               struct lx_err *err)
{
    if (rc == LX_OK) {
        rc = step_id(s, id, conflict, err);
    }
    lx_store_stmt_free(s);
    if (rc == LX_OK) {
        rc = talk__audit_tx(tx, a->ctx, action, a->row.v->lead_id, PURPOSE,
                            "done", reason, NULL, err);
    }
    return rc;
}

/* ---- send ------------------------------------------------------------------
 */

static lx_rc
send_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct qact *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_talk_quote *q = a->q;
    struct lx_buf items = LX_BUF_INIT(JSON_MAX);
    struct lx_buf fj = LX_BUF_INIT(JSON_MAX);
    struct lx_store_stmt *s = NULL;
    const char *method = lx_talk_fee_method_name(q->method);
    const char *matter = lx_talk_matter_name(q->matter);
    lx_rc rc;

    rc = talk__act_load_tx(tx, ctx, a->lead_id, LX_POLICY_ACTION_QUOTE,
                           LX_POLICY_PURPOSE_CONSULTATION, &a->act, err);
    if (rc != LX_OK || stopped(a)) {
        return rc;
    }
    rc = firm_holds_check(a, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (a->refusal != NULL) {
        /* C5.6: a quote the contract forbids is refused, on the record. */
        a->deny_reason = a->refusal->code;
        a->deny_clause = LX_TALK_CLAUSE_FEE;
        a->deny_field = a->refusal->field;
        return talk__audit_tx(tx, ctx, "quote", a->lead_id, PURPOSE, "deny",
                              a->deny_reason, a->deny_clause, err);
    }
    rc = items_json(q, &items);
    if (rc == LX_OK) {
        rc = findings_json(a->findings, a->n_findings, &fj);
    }
    if (rc != LX_OK) {
        rc = lx_err_set(err, rc, "/items", "quote too large to store");
        goto out;
    }
    rc = lx_store_prepare(
        tx,
        "INSERT INTO talk_quotes (lead_id, firm_id, staff_id, method, matter,"
        " group_case, total_fen, rate_fen, max_hours, base_fen, rate_bp,"
        " claim_fen, items, included, valid_from_ms, valid_until_ms,"
        " ceiling_fen, lure, findings, state, created_ms) VALUES (:lead,"
        " :firm, :staff, :method, :matter, :grp, :total, :rate, :hours,"
        " :base, :bp, :claim, :items, :inc, :vfrom, :vuntil, :ceiling, :lure,"
        " :findings, 'sent', :now) RETURNING id",
        &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":lead", a->lead_id);
        lx_store_bind_int(s, ":firm", a->act.lead.firm_id);
        lx_store_bind_int(s, ":staff", ctx->actor.id);
        lx_store_bind_text(s, ":method", method, strlen(method));
        lx_store_bind_text(s, ":matter", matter, strlen(matter));
        lx_store_bind_int(s, ":grp", q->group_case ? 1 : 0);
        lx_store_bind_int(s, ":total", q->total_fen);
        lx_store_bind_int(s, ":rate", q->rate_fen);
        lx_store_bind_int(s, ":hours", q->max_hours);
        lx_store_bind_int(s, ":base", q->base_fen);
        lx_store_bind_int(s, ":bp", q->rate_bp);
        lx_store_bind_int(s, ":claim", q->claim_fen);
        lx_store_bind_text(s, ":items", items.p, items.len);
        lx_store_bind_text(s, ":inc", q->included, strlen(q->included));
        lx_store_bind_int(s, ":vfrom", q->valid_from_ms);
        lx_store_bind_int(s, ":vuntil", q->valid_until_ms);
        lx_store_bind_int(s, ":ceiling", lx_talk_quote_ceiling_fen(q));
        lx_store_bind_int(s, ":lure", a->lure ? 1 : 0);
        lx_store_bind_text(s, ":findings", fj.p, fj.len);
        lx_store_bind_int(s, ":now", ctx->now_ms);
        rc = step_id(s, &a->out_id, "quote not stored", err);
    }
    if (rc == LX_OK) {
        rc = talk__audit_tx(tx, ctx, "quote", a->lead_id, PURPOSE, "done",
                            a->lure ? "lure" : "sent",
                            a->lure ? LX_TALK_CLAUSE_FEE : NULL, err);
    }
out:
    lx_store_stmt_free(s);
    lx_buf_release(&items);
    lx_buf_release(&fj);
    return rc;
}

/* Text of the quote: valid UTF-8, no control characters in names, and
 * small enough to be read back into a struct lx_talk_quote_view. */
static lx_rc
quote_text_check(const struct lx_talk_quote *q, struct lx_err *err)
{
    size_t total = 0, inc = strlen(q->included);

    for (size_t i = 0; i < q->n_items; i++) {
        const char *nm = q->items[i].name;
        size_t n = strlen(nm);

        if (n > ITEM_NAME_MAX) {
            return lx_err_set(err, LX_ETOOBIG, "/items/name",
                              "item %zu name longer than %d bytes", i,
                              ITEM_NAME_MAX);
        }
        if (!lx_utf8_valid(nm, n, NULL)) {
            return lx_err_set(err, LX_EINVAL, "/items/name",
                              "item %zu name is not UTF-8", i);
        }
        for (size_t k = 0; k < n; k++) {
            if ((unsigned char)nm[k] < 0x20 || nm[k] == 0x7f) {
                return lx_err_set(err, LX_EINVAL, "/items/name",
                                  "item %zu name has a control character", i);
            }
        }
        total += n + 1;
    }
    if (inc > INCLUDED_MAX) {
        return lx_err_set(err, LX_ETOOBIG, "/included", "longer than %d bytes",
                          INCLUDED_MAX);
    }
    if (!lx_utf8_valid(q->included, inc, NULL)) {
        return lx_err_set(err, LX_EINVAL, "/included", "not UTF-8");
    }
    if (total + inc + 1 > sizeof(((struct lx_talk_quote_view *)0)->buf)) {
        return lx_err_set(err, LX_ETOOBIG, "/items",
                          "item names and included too long together");
    }
    return LX_OK;
}

static bool
quote_lure(const struct lx_talk_quote *q, const struct lx_talk_fee_finding *f,
           size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strncmp(f[i].code, "lure_", 5) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < q->n_items; i++) {
        const char *nm = q->items[i].name;
        if (lx_talk_lure_find(nm, strlen(nm), NULL)) {
            return true;
        }
    }
    return lx_talk_lure_find(q->included, strlen(q->included), NULL);
}

lx_rc
lx_talk_quote_send(struct lx_ctx *ctx, int64_t lead_id,
                   const struct lx_talk_quote *q,
                   struct lx_talk_quote_result *out)
{
    struct lx_talk_fee_finding *f = NULL;
    const struct lx_talk_fee_finding *refusal = NULL;
    struct qact *a = NULL;
    size_t n;
    lx_rc rc = LX_OK;

    lx_err_clear(&ctx->err);
    if (out == NULL) {
        return lx_err_set(&ctx->err, LX_EINVAL, NULL, "no result given");
    }
    memset(out, 0, sizeof(*out));
    n = lx_talk_quote_check(q, ctx->now_ms, NULL, 0);
    f = lx_xcalloc(n > 0 ? n : 1, sizeof(*f));
    n = lx_talk_quote_check(q, ctx->now_ms, f, n);
    out->n_findings =
        n < LX_TALK_QUOTE_FINDINGS_MAX ? n : LX_TALK_QUOTE_FINDINGS_MAX;
    memcpy(out->findings, f, out->n_findings * sizeof(*f));
    for (size_t i = 0; i < n; i++) {
        if (f[i].refuse && f[i].clause == NULL) {
            rc = lx_err_set(&ctx->err, LX_EINVAL, f[i].field, "%s", f[i].code);
            goto out;
        }
        if (f[i].refuse && refusal == NULL) {
            refusal = &f[i];
        }
    }
    rc = quote_text_check(q, &ctx->err);
    if (rc != LX_OK) {
        goto out;
    }
    a = qact_new(ctx, "no such lead");
    a->lead_id = lead_id;
    a->q = q;
    a->refusal = refusal;
    a->findings = f;
    a->n_findings = n;
    a->lure = quote_lure(q, f, n);
    rc = qact_run(a, send_unit);
    if (rc == LX_OK) {
        out->id = a->out_id;
    }
out:
    free(a);
    free(f);
    return rc;
}

/* ---- the user's answer ------------------------------------------------------
 */

static lx_rc
answer_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct qact *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_talk_quote_view *v = a->row.v;
    struct lx_store_stmt *s = NULL;
    const char *to = a->accept ? "accepted" : "rejected";
    lx_rc rc;

    rc = user_act_tx(tx, a, a->quote_id, "quote_answer", err);
    if (rc != LX_OK || stopped(a) || a->deny_reason != NULL) {
        return rc;
    }
    rc = state_check(v, LX_TALK_QUOTE_SENT, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (ctx->now_ms < v->q.valid_from_ms) {
        return lx_err_set(err, LX_ECONFLICT, "/valid_from_ms",
                          "quote not yet valid");
    }
    if (ctx->now_ms >= v->q.valid_until_ms) {
        return lx_err_set(err, LX_ECONFLICT, "/valid_until_ms",
                          "quote expired");
    }
    rc = lx_store_prepare(tx,
                          "UPDATE talk_quotes SET state = :to, accepted_ms ="
                          " :at WHERE id = :id AND state = 'sent'"
                          " RETURNING id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_text(s, ":to", to, strlen(to));
        if (a->accept) {
            lx_store_bind_int(s, ":at", ctx->now_ms);
        } else {
            lx_store_bind_null(s, ":at");
        }
        lx_store_bind_int(s, ":id", a->quote_id);
    }
    return change_done_tx(tx, a, s, rc, NULL, "quote changed meanwhile; retry",
                          "quote_answer", to, err);
}

lx_rc
lx_talk_quote_answer(struct lx_ctx *ctx, int64_t quote_id, bool accept)
{
    struct qact *a = qact_new(ctx, "no such quote");
    lx_rc rc;

    lx_err_clear(&ctx->err);
    a->quote_id = quote_id;
    a->accept = accept;
    rc = qact_run(a, answer_unit);
    free(a);
    return rc;
}

/* ---- revisions ---------------------------------------------------------- */

static lx_rc
revise_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct qact *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_talk_quote_view *v = a->row.v;
    struct lx_store_stmt *s = NULL;
    struct money m = {0};
    int64_t sum;
    lx_rc rc;

    rc = firm_act_tx(tx, a, err);
    if (rc != LX_OK || stopped(a)) {
        return rc;
    }
    rc = state_check(v, LX_TALK_QUOTE_ACCEPTED, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = money_load_tx(tx, a->quote_id, &m, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (m.n_revs >= REVISIONS_MAX) {
        rc = lx_err_set(err, LX_ETOOBIG, "/add_fen",
                        "at most %d revisions per quote", REVISIONS_MAX);
        goto out;
    }
    /* Every revision may yet be accepted: keep their sum in range, so a
     * later charge can always be checked. */
    sum = v->ceiling_fen + a->amount_fen;
    for (size_t i = 0; i < m.n_revs && sum <= LX_TALK_FEN_MAX; i++) {
        sum += m.revs[i].add_fen;
    }
    if (sum > LX_TALK_FEN_MAX) {
        rc = lx_err_set(err, LX_EINVAL, "/add_fen",
                        "quote and revisions out of range");
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "INSERT INTO talk_quote_revisions (quote_id,"
                          " add_fen, reason, staff_id, created_ms) VALUES"
                          " (:q, :add, :reason, :staff, :now) RETURNING id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":q", a->quote_id);
        lx_store_bind_int(s, ":add", a->amount_fen);
        lx_store_bind_text(s, ":reason", a->reason, strlen(a->reason));
        lx_store_bind_int(s, ":staff", ctx->actor.id);
        lx_store_bind_int(s, ":now", ctx->now_ms);
    }
    rc = change_done_tx(tx, a, s, rc, &a->out_id, "revision not stored",
                        "quote_revise", "proposed", err);
    s = NULL;
out:
    lx_store_stmt_free(s);
    money_release(&m);
    return rc;
}

lx_rc
lx_talk_quote_revise(struct lx_ctx *ctx, int64_t quote_id, int64_t add_fen,
                     const char *reason, int64_t *id)
{
    struct qact *a;
    size_t n;
    lx_rc rc;

    lx_err_clear(&ctx->err);
    if (add_fen <= 0 || add_fen > LX_TALK_FEN_MAX) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/add_fen",
                          "must be 1..%lld fen", (long long)LX_TALK_FEN_MAX);
    }
    n = reason != NULL ? strlen(reason) : 0;
    if (n == 0 || n > LX_TALK_REASON_MAX) {
        return lx_err_set(&ctx->err, n == 0 ? LX_EINVAL : LX_ETOOBIG, "/reason",
                          "must be 1..%d bytes", LX_TALK_REASON_MAX);
    }
    if (!lx_utf8_valid(reason, n, NULL)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/reason", "not UTF-8");
    }
    a = qact_new(ctx, "no such quote");
    a->quote_id = quote_id;
    a->amount_fen = add_fen;
    a->reason = reason;
    rc = qact_run(a, revise_unit);
    if (rc == LX_OK && id != NULL) {
        *id = a->out_id;
    }
    free(a);
    return rc;
}

static lx_rc
revision_accept_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct qact *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_talk_quote_view *v = a->row.v;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    int64_t quote_id = 0;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT quote_id FROM talk_quote_revisions WHERE"
                          " id = :id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", a->revision_id);
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && row) {
        quote_id = lx_store_col_int(s, 0);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK) {
        return rc;
    }
    if (!row) {
        a->nofound = true;
        return LX_OK;
    }
    rc = user_act_tx(tx, a, quote_id, "revision_accept", err);
    if (rc != LX_OK || stopped(a) || a->deny_reason != NULL) {
        return rc;
    }
    rc = state_check(v, LX_TALK_QUOTE_ACCEPTED, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE talk_quote_revisions SET accepted_ms = :now"
                          " WHERE id = :id AND accepted_ms IS NULL"
                          " RETURNING id",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":now", ctx->now_ms);
        lx_store_bind_int(s, ":id", a->revision_id);
    }
    return change_done_tx(tx, a, s, rc, NULL, "revision already accepted",
                          "revision_accept", "accepted", err);
}

lx_rc
lx_talk_revision_accept(struct lx_ctx *ctx, int64_t revision_id)
{
    struct qact *a = qact_new(ctx, "no such revision");
    lx_rc rc;

    lx_err_clear(&ctx->err);
    a->revision_id = revision_id;
    rc = qact_run(a, revision_accept_unit);
    free(a);
    return rc;
}

/* ---- charges
 * ----------------------------------------------------------------- */

static lx_rc
violation_tx(struct lx_store_tx *tx, const struct qact *a, const char *kind,
             struct lx_err *err)
{
    char obj[48], ev[48];

    snprintf(obj, sizeof(obj), "talk_charge:%lld", (long long)a->out_id);
    snprintf(ev, sizeof(ev), "talk_quote:%lld", (long long)a->quote_id);
    return lx_enforce_violation_add_tx(tx, a->row.firm_id, LX_TALK_CLAUSE_FEE,
                                       kind, obj, a->ctx->now_ms, ev, NULL,
                                       err);
}

static lx_rc
charge_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct qact *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_talk_quote_view *v = a->row.v;
    struct lx_store_stmt *s = NULL;
    struct money m = {0};
    int64_t mine;
    lx_rc rc;

    rc = firm_act_tx(tx, a, err);
    if (rc != LX_OK || stopped(a)) {
        return rc;
    }
    rc = money_load_tx(tx, a->quote_id, &m, err);
    if (rc == LX_OK && m.n_charges >= CHARGES_MAX) {
        rc = lx_err_set(err, LX_ETOOBIG, "/amount_fen",
                        "at most %d charges per quote", CHARGES_MAX);
    }
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "INSERT INTO talk_charges (quote_id, lead_id,"
                              " firm_id, staff_id, amount_fen, excess_fen,"
                              " at_ms) VALUES (:q, :lead, :firm, :staff,"
                              " :amount, 0, :now) RETURNING id",
                              &s, err);
    }
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":q", a->quote_id);
        lx_store_bind_int(s, ":lead", v->lead_id);
        lx_store_bind_int(s, ":firm", a->row.firm_id);
        lx_store_bind_int(s, ":staff", ctx->actor.id);
        lx_store_bind_int(s, ":amount", a->amount_fen);
        lx_store_bind_int(s, ":now", ctx->now_ms);
        rc = step_id(s, &a->out_id, "charge not stored", err);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK) {
        goto out;
    }
    money_add_charge(&m, a->amount_fen, ctx->now_ms);
    rc = money_check(v, &m, &a->res, err);
    if (rc != LX_OK) {
        goto out;
    }
    a->res.lure_charged = a->res.lure_charged || v->lure;
    /* The part of this charge above what the user agreed to. */
    mine =
        a->res.excess_fen < a->amount_fen ? a->res.excess_fen : a->amount_fen;
    if (mine > 0) {
        rc = lx_store_prepare(tx,
                              "UPDATE talk_charges SET excess_fen = :x"
                              " WHERE id = :id",
                              &s, err);
        if (rc == LX_OK) {
            bool row = false;
            lx_store_bind_int(s, ":x", mine);
            lx_store_bind_int(s, ":id", a->out_id);
            rc = lx_store_step(s, &row, err);
        }
        lx_store_stmt_free(s);
        s = NULL;
    }
    if (rc == LX_OK && a->res.hidden_markup) {
        rc = violation_tx(tx, a, "hidden_markup", err);
    }
    if (rc == LX_OK && a->res.lure_charged) {
        rc = violation_tx(tx, a, "fee_lure", err);
    }
    if (rc == LX_OK) {
        const char *why = a->res.hidden_markup  ? "hidden_markup"
                          : a->res.lure_charged ? "fee_lure"
                                                : "within_quote";
        rc = talk__audit_tx(tx, ctx, "charge", v->lead_id, PURPOSE, "done", why,
                            a->res.hidden_markup || a->res.lure_charged
                                ? LX_TALK_CLAUSE_FEE
                                : NULL,
                            err);
    }
out:
    money_release(&m);
    return rc;
}

lx_rc
lx_talk_charge(struct lx_ctx *ctx, int64_t quote_id, int64_t amount_fen,
               struct lx_talk_charge_result *out, int64_t *charge_id)
{
    struct qact *a;
    lx_rc rc;

    lx_err_clear(&ctx->err);
    if (out != NULL) {
        memset(out, 0, sizeof(*out));
    }
    if (amount_fen <= 0 || amount_fen > LX_TALK_FEN_MAX) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/amount_fen",
                          "must be 1..%lld fen", (long long)LX_TALK_FEN_MAX);
    }
    a = qact_new(ctx, "no such quote");
    a->quote_id = quote_id;
    a->amount_fen = amount_fen;
    rc = qact_run(a, charge_unit);
    if (rc == LX_OK) {
        if (out != NULL) {
            *out = a->res;
        }
        if (charge_id != NULL) {
            *charge_id = a->out_id;
        }
    }
    free(a);
    return rc;
}

/* ---- reading
 * ----------------------------------------------------------------- */

static lx_rc
get_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct qact *a = arg;
    struct lx_talk_quote_view *v = a->row.v;
    struct lx_talk_charge_result res;
    struct money m = {0};
    lx_rc rc;

    rc = quote_act_tx(tx, a, a->quote_id, LX_POLICY_ACTION_VIEW_MASKED, false,
                      err);
    if (rc != LX_OK || stopped(a)) {
        return rc;
    }
    rc = money_load_tx(tx, a->quote_id, &m, err);
    if (rc == LX_OK) {
        rc = money_check(v, &m, &res, err);
    }
    if (rc == LX_OK) {
        v->allowed_fen = res.allowed_fen;
        v->charged_fen = res.charged_fen;
    }
    money_release(&m);
    return rc;
}

lx_rc
lx_talk_quote_get(struct lx_ctx *ctx, int64_t quote_id,
                  struct lx_talk_quote_view *out)
{
    struct qact *a;
    lx_rc rc;

    lx_err_clear(&ctx->err);
    if (out == NULL) {
        return lx_err_set(&ctx->err, LX_EINVAL, NULL, "no result given");
    }
    a = qact_new(ctx, "no such quote");
    a->quote_id = quote_id;
    /* Read straight into the caller's view: its pointers are its own. */
    a->row.v = out;
    rc = qact_run(a, get_unit);
    if (rc != LX_OK) {
        memset(out, 0, sizeof(*out));
    }
    free(a);
    return rc;
}
