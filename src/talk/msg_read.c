/*
 * msg_read.c — reading conversations (talk.h lx_talk_messages and
 * lx_talk_review_queue) and the reader of the JSON columns msg.c writes.
 *
 * A read decides and audits in the same unit as the decryption: one
 * policy decision and one "read_chat" record per page, then each text out
 * of the vault into an lx_secret, handed to the caller's callback and
 * wiped right after it.
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include "store/store.h"
#include "vault/vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_DEFAULT 50
#define PAGE_MAX 100

/* ---- a small reader for the JSON msg.c writes ---------------------------- */

/*
 * The findings and honours columns hold JSON written here with
 * lx_buf_append_json_str; services may not use jansson (STYLE.md §3.3),
 * so this reads back exactly those shapes: arrays of strings, and arrays
 * of flat objects of strings and non-negative integers.
 */
struct jr {
    const char *s;
    size_t n, p;
};

static void
jr_ws(struct jr *r)
{
    while (r->p < r->n && (r->s[r->p] == ' ' || r->s[r->p] == '\n' ||
                           r->s[r->p] == '\t' || r->s[r->p] == '\r')) {
        r->p++;
    }
}

static bool
jr_eat(struct jr *r, char c)
{
    jr_ws(r);
    if (r->p < r->n && r->s[r->p] == c) {
        r->p++;
        return true;
    }
    return false;
}

/* A string into out[cap] (NUL-terminated); *len gets its bytes. False on
 * malformed input or when it does not fit. */
static bool
jr_str(struct jr *r, char *out, size_t cap, size_t *len)
{
    jr_ws(r);
    return talk__json_str(r->s, r->n, &r->p, out, cap, len);
}

static bool
jr_int(struct jr *r, int64_t *out)
{
    int64_t v = 0;
    size_t start;

    jr_ws(r);
    start = r->p;
    while (r->p < r->n && r->s[r->p] >= '0' && r->s[r->p] <= '9') {
        if (v > (INT64_MAX - 9) / 10) {
            return false;
        }
        v = v * 10 + (r->s[r->p++] - '0');
    }
    *out = v;
    return r->p > start;
}

enum lx_scan_category
talk__msg_category_parse(const char *s)
{
    for (int c = 0; c < LX_SCAN_CATEGORY_COUNT; c++) {
        if (strcmp(lx_scan_category_name((enum lx_scan_category)c), s) == 0) {
            return (enum lx_scan_category)c;
        }
    }
    return LX_SCAN_CATEGORY_COUNT;
}

/* One {"category":..,"clause":..,"rule":..,"start":N,"end":N} object. */
static bool
finding_parse(struct jr *r, struct lx_talk_msg_finding *f)
{
    char key[16], val[96];
    size_t len = 0;
    enum lx_scan_category cat = LX_SCAN_CATEGORY_COUNT;

    memset(f, 0, sizeof(*f));
    if (!jr_eat(r, '{')) {
        return false;
    }
    if (jr_eat(r, '}')) {
        return false;
    }
    do {
        int64_t v = 0;
        if (!jr_str(r, key, sizeof(key), &len) || !jr_eat(r, ':')) {
            return false;
        }
        if (strcmp(key, "start") == 0 || strcmp(key, "end") == 0) {
            if (!jr_int(r, &v)) {
                return false;
            }
            if (key[0] == 's') {
                f->start = (size_t)v;
            } else {
                f->end = (size_t)v;
            }
            continue;
        }
        if (!jr_str(r, val, sizeof(val), &len)) {
            return false;
        }
        if (strcmp(key, "category") == 0) {
            cat = talk__msg_category_parse(val);
        } else if (strcmp(key, "rule") == 0) {
            if (len >= sizeof(f->rule)) {
                return false;
            }
            memcpy(f->rule, val, len + 1);
        }
        /* "clause" is implied by the category (static strings only). */
    } while (jr_eat(r, ','));
    if (!jr_eat(r, '}') || cat == LX_SCAN_CATEGORY_COUNT) {
        return false;
    }
    f->category = lx_scan_category_name(cat);
    f->clause = lx_scan_category_clause(cat);
    return true;
}

size_t
talk__msg_findings_parse(const char *s, size_t n,
                         struct lx_talk_msg_finding *out, size_t cap)
{
    struct jr r = {s, n, 0};
    size_t k = 0;

    if (s == NULL || !jr_eat(&r, '[') || jr_eat(&r, ']')) {
        return 0;
    }
    do {
        if (k >= cap || !finding_parse(&r, &out[k])) {
            break;
        }
        k++;
    } while (jr_eat(&r, ','));
    return k;
}

size_t
talk__msg_honours_parse(const char *s, size_t n, const char **titles,
                        size_t max, char *pool, size_t pool_cap)
{
    struct jr r = {s, n, 0};
    size_t k = 0, used = 0, len = 0;

    if (s == NULL || !jr_eat(&r, '[') || jr_eat(&r, ']')) {
        return 0;
    }
    do {
        if (k >= max || !jr_str(&r, pool + used, pool_cap - used, &len)) {
            break;
        }
        titles[k++] = pool + used;
        used += len + 1;
    } while (jr_eat(&r, ','));
    return k;
}

/* ---- rows ---------------------------------------------------------------- */

/* One talk_messages row, copied out of the statement. */
struct row {
    int64_t id, lead_id, created_ms;
    enum lx_talk_direction direction;
    char sender_role[32];
    enum lx_scan_verdict verdict;
    enum lx_talk_status status;
    enum lx_talk_review review;
    char pack_version[24];
    size_t n_findings;
    struct lx_talk_msg_finding findings[LX_TALK_FINDINGS_MAX];
};

#define ROW_COLUMNS                                                            \
    "SELECT id, lead_id, direction, sender_role, verdict, status, review,"     \
    " pack_version, findings, created_ms FROM talk_messages"

static void
copy_text(char *dst, size_t cap, const char *src, size_t len)
{
    if (len >= cap) {
        len = cap - 1;
    }
    if (len > 0) {
        memcpy(dst, src, len);
    }
    dst[len] = '\0';
}

/* Up to 'cap' rows of 'sql' (":lead" bound when lead_id > 0, ":after",
 * ":lim") into rows; *n gets how many. */
static lx_rc
rows_load(struct lx_store_tx *tx, const char *sql, int64_t lead_id,
          int64_t after, size_t cap, struct row *rows, size_t *n,
          struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t len = 0;
    const char *t;
    lx_rc rc;

    *n = 0;
    rc = lx_store_prepare(tx, sql, &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lead_id > 0) {
        rc = lx_store_bind_int(s, ":lead", lead_id);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, ":after", after);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, ":lim", (int64_t)cap);
    }
    if (rc != LX_OK) {
        rc = lx_err_set(err, rc, NULL, "talk: bind failed");
        goto out;
    }
    while (*n < cap) {
        struct row *r = &rows[*n];
        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        memset(r, 0, sizeof(*r));
        r->id = lx_store_col_int(s, 0);
        r->lead_id = lx_store_col_int(s, 1);
        t = lx_store_col_text(s, 2, &len);
        r->direction = talk__msg_direction_parse(t, len);
        t = lx_store_col_text(s, 3, &len);
        copy_text(r->sender_role, sizeof(r->sender_role), t, len);
        t = lx_store_col_text(s, 4, &len);
        r->verdict = talk__msg_verdict_parse(t, len);
        t = lx_store_col_text(s, 5, &len);
        r->status = talk__msg_status_parse(t, len);
        t = lx_store_col_text(s, 6, &len);
        r->review = talk__msg_review_parse(t, len);
        t = lx_store_col_text(s, 7, &len);
        copy_text(r->pack_version, sizeof(r->pack_version), t, len);
        t = lx_store_col_text(s, 8, &len);
        r->n_findings =
            talk__msg_findings_parse(t, len, r->findings, LX_TALK_FINDINGS_MAX);
        r->created_ms = lx_store_col_int(s, 9);
        (*n)++;
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

static void
row_view(const struct row *r, bool findings, struct lx_talk_message *m)
{
    memset(m, 0, sizeof(*m));
    m->id = r->id;
    m->lead_id = r->lead_id;
    m->direction = r->direction;
    m->sender_role = r->sender_role;
    m->verdict = r->verdict;
    m->status = r->status;
    m->review = r->review;
    m->pack_version = r->pack_version;
    m->created_ms = r->created_ms;
    if (findings) {
        m->n_findings = r->n_findings;
        m->findings = r->findings;
    }
}

static struct row *
rows_new(size_t n)
{
    struct row *r = calloc(n, sizeof(*r));

    if (r == NULL) {
        abort(); /* STYLE.md: out of memory aborts */
    }
    return r;
}

/* ---- lx_talk_messages ---------------------------------------------------- */

struct read_arg {
    struct lx_ctx *ctx;
    int64_t lead_id;
    enum lx_policy_purpose purpose;
    int64_t after;
    size_t limit;
    lx_talk_message_fn *fn;
    void *arg;
    struct talk__act act;
    struct row *rows;
    lx_rc fn_rc;
    int64_t next_after;
};

static lx_rc
read_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct read_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_policy_facts *f = &a->act.facts;
    bool user, full;
    size_t n = 0, shown;
    char count[32], field[40];
    lx_rc rc;

    /* Chat is an ordinary field (stored without a C1.3 sensitivity); a
     * minor's lead still needs its per-access approval (policy). */
    rc = talk__act_load_field_tx(tx, ctx, a->lead_id,
                                 LX_POLICY_ACTION_REVEAL_FIELD, a->purpose,
                                 LX_POLICY_FIELD_ORDINARY, &a->act, err);
    if (rc != LX_OK || a->act.missing || a->act.d.verdict != LX_POLICY_ALLOW) {
        return rc;
    }
    user = f->actor.role == LX_POLICY_ROLE_USER;
    full = lx_policy_role_is_platform(f->actor.role) ||
           talk__firm_holds(ctx, &a->act.lead);
    if (!user && !full) {
        a->act.missing = true; /* another firm's conversation */
        return LX_OK;
    }
    rc = rows_load(tx,
                   user ? ROW_COLUMNS " WHERE lead_id = :lead AND id > :after"
                                      " AND (direction = 'from_user' OR"
                                      " status = 'delivered')"
                                      " ORDER BY id LIMIT :lim"
                        : ROW_COLUMNS " WHERE lead_id = :lead AND id > :after"
                                      " ORDER BY id LIMIT :lim",
                   a->lead_id, a->after, a->limit + 1, a->rows, &n, err);
    if (rc != LX_OK) {
        return rc;
    }
    shown = n > a->limit ? a->limit : n;
    a->next_after = n > a->limit ? a->rows[shown - 1].id : 0;

    /* The record goes in before any text leaves the vault; a callback
     * that stops the page does not undo it (the unit still commits). */
    snprintf(count, sizeof(count), "count:%zu", shown);
    rc = talk__audit_tx(tx, ctx, "read_chat", a->lead_id,
                        lx_policy_purpose_name(a->purpose), "allow", count,
                        NULL, err);
    for (size_t i = 0; rc == LX_OK && i < shown; i++) {
        struct lx_secret *sec = NULL;
        struct lx_talk_message m;
        talk__msg_field_name(a->rows[i].id, field, sizeof(field));
        rc = lx_vault_open_tx(ctx, tx, &a->act.d, a->act.lead.subject_id, field,
                              NULL, &sec);
        if (rc != LX_OK) {
            break;
        }
        row_view(&a->rows[i], !user, &m);
        m.text = (const char *)sec->p;
        m.len = sec->len;
        a->fn_rc = a->fn(a->arg, &m);
        lx_secret_free(sec);
        if (a->fn_rc != LX_OK) {
            a->next_after = 0;
            break;
        }
    }
    return rc;
}

lx_rc
lx_talk_messages(struct lx_ctx *ctx, int64_t lead_id, const char *purpose,
                 int64_t after_id, int limit, lx_talk_message_fn *fn, void *arg,
                 int64_t *next_after)
{
    struct read_arg a = {0};
    lx_rc rc;

    if (next_after != NULL) {
        *next_after = 0;
    }
    if (purpose == NULL || purpose[0] == '\0') {
        a.purpose = LX_POLICY_PURPOSE_COMMUNICATION;
    } else if (!lx_policy_purpose_parse(purpose, &a.purpose)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/purpose", "unknown purpose");
    }
    if (limit < 0 || limit > PAGE_MAX) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/limit", "1..%d", PAGE_MAX);
    }
    if (after_id < 0) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/after_id", "not an id");
    }
    if (fn == NULL) {
        return lx_err_set(&ctx->err, LX_EINTERNAL, NULL, "talk: no callback");
    }
    a.ctx = ctx;
    a.lead_id = lead_id;
    a.after = after_id;
    a.limit = limit == 0 ? PAGE_DEFAULT : (size_t)limit;
    a.fn = fn;
    a.arg = arg;
    a.rows = rows_new(a.limit + 1);
    rc = lx_store_write(ctx->app->store, read_unit, &a, &ctx->err);
    free(a.rows);
    rc = talk__finish(ctx, &a.act, rc);
    if (rc == LX_OK && a.fn_rc != LX_OK) {
        rc = a.fn_rc;
    }
    if (rc == LX_OK && next_after != NULL) {
        *next_after = a.next_after;
    }
    return rc;
}

/* ---- lx_talk_review_queue ------------------------------------------------ */

struct queue_arg {
    struct lx_ctx *ctx;
    int64_t after;
    size_t limit;
    lx_talk_message_fn *fn;
    void *arg;
    struct row *rows;
    bool denied;
    lx_rc fn_rc;
    int64_t next_after;
};

static lx_rc
queue_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct queue_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    size_t n = 0, shown;
    char count[32];
    lx_rc rc;

    /* No policy action fits the queue (ids and findings, no text): any
     * platform role with current training, decided here and audited. */
    rc = talk__platform_gate_tx(tx, ctx, TALK__PLATFORM_ANY, "review_queue",
                                "talk_message", 0, "platform_only", &a->denied,
                                err);
    if (rc != LX_OK || a->denied) {
        return rc;
    }
    rc = rows_load(tx,
                   ROW_COLUMNS " WHERE review = 'pending' AND id > :after"
                               " ORDER BY id LIMIT :lim",
                   0, a->after, a->limit + 1, a->rows, &n, err);
    if (rc != LX_OK) {
        return rc;
    }
    /* One row more than the page says whether another page follows. */
    shown = n > a->limit ? a->limit : n;
    a->next_after = n > a->limit ? a->rows[shown - 1].id : 0;
    snprintf(count, sizeof(count), "count:%zu", shown);
    rc = talk__audit_res_tx(tx, ctx, "review_queue", "talk_message", 0, NULL,
                            NULL, "allow", count, NULL, err);
    for (size_t i = 0; rc == LX_OK && i < shown; i++) {
        struct lx_talk_message m;
        row_view(&a->rows[i], true, &m);
        a->fn_rc = a->fn(a->arg, &m);
        if (a->fn_rc != LX_OK) {
            a->next_after = 0;
            break;
        }
    }
    return rc;
}

lx_rc
lx_talk_review_queue(struct lx_ctx *ctx, int64_t after_id, int limit,
                     lx_talk_message_fn *fn, void *arg, int64_t *next_after)
{
    struct queue_arg a = {0};
    lx_rc rc;

    if (next_after != NULL) {
        *next_after = 0;
    }
    if (limit < 1 || limit > PAGE_MAX) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/limit", "1..%d", PAGE_MAX);
    }
    if (after_id < 0) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/after_id", "not an id");
    }
    if (fn == NULL) {
        return lx_err_set(&ctx->err, LX_EINTERNAL, NULL, "talk: no callback");
    }
    a.ctx = ctx;
    a.after = after_id;
    a.limit = (size_t)limit;
    a.fn = fn;
    a.arg = arg;
    a.rows = rows_new(a.limit + 1);
    rc = lx_store_write(ctx->app->store, queue_unit, &a, &ctx->err);
    free(a.rows);
    rc = talk__platform_finish(ctx, rc, a.denied, "platform_only");
    if (rc == LX_OK && a.fn_rc != LX_OK) {
        rc = a.fn_rc;
    }
    if (rc == LX_OK && next_after != NULL) {
        *next_after = a.next_after;
    }
    return rc;
}
