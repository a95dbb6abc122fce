/*
 * query — filtered, paginated reads of the audit log for compliance staff
 * and for a firm over its own staff's entries.
 *
 * The SQL text is assembled only from constant fragments; every value is
 * a named parameter. Pages are keyset-based (seq > :after ORDER BY seq),
 * so a page costs the same however deep it is and rows appended meanwhile
 * never shift a page. One extra row is fetched to tell whether another
 * page follows.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "store/store.h"

#include <string.h>

#define QUERY_COLS                                                             \
    "SELECT seq, time_ms, kind, actor_kind, actor_id, actor_firm,"             \
    " actor_role, action, resource_type, resource_id, subject, field,"         \
    " purpose, decision, reason, clause, request_id FROM audit_log"            \
    " WHERE seq > :after"

static const char *
col_str(struct lx_store_stmt *s, int col)
{
    size_t n = 0;
    const char *p = lx_store_col_text(s, col, &n);

    return p != NULL ? p : "";
}

lx_rc
lx_audit_query_tx(struct lx_store_tx *tx, const struct lx_audit_query *q,
                  lx_audit_row_fn *fn, void *arg, uint64_t *next_after,
                  struct lx_err *err)
{
    struct lx_buf sql = LX_BUF_INIT(2048);
    struct lx_store_stmt *s = NULL;
    int limit = q->limit == 0 ? 100 : q->limit, got = 0;
    uint64_t last = 0;
    bool row = false, more = false;
    lx_rc rc;

    if (next_after != NULL) {
        *next_after = 0;
    }
    if (limit < 1 || limit > LX_AUDIT_QUERY_MAX_LIMIT) {
        return lx_err_set(err, LX_EINVAL, "/limit", "limit must be 1..%d",
                          LX_AUDIT_QUERY_MAX_LIMIT);
    }
    if (q->kind != LX_AUDIT_KIND_NONE && lx_audit_kind_name(q->kind) == NULL) {
        return lx_err_set(err, LX_EINVAL, "/kind", "unknown audit kind");
    }
    if (q->subject_len > LX_AUDIT_SUBJECT_MAX) {
        return lx_err_set(err, LX_EINVAL, "/subject", "too long");
    }
    rc = lx_buf_append_str(&sql, QUERY_COLS);
    if (rc == LX_OK && q->firm != 0) {
        rc = lx_buf_append_str(&sql, " AND actor_firm = :firm");
    }
    if (rc == LX_OK && q->actor_id != 0) {
        rc = lx_buf_append_str(&sql, " AND actor_id = :actor");
    }
    if (rc == LX_OK && q->subject != NULL) {
        rc = lx_buf_append_str(&sql, " AND subject = :subject");
    }
    if (rc == LX_OK && q->kind != LX_AUDIT_KIND_NONE) {
        rc = lx_buf_append_str(&sql, " AND kind = :kind");
    }
    if (rc == LX_OK && q->action != NULL) {
        rc = lx_buf_append_str(&sql, " AND action = :action");
    }
    if (rc == LX_OK && q->clause != NULL) {
        rc = lx_buf_append_str(&sql, " AND clause = :clause");
    }
    if (rc == LX_OK && q->from_ms != 0) {
        rc = lx_buf_append_str(&sql, " AND time_ms >= :from");
    }
    if (rc == LX_OK && q->to_ms != 0) {
        rc = lx_buf_append_str(&sql, " AND time_ms < :to");
    }
    if (rc == LX_OK) {
        rc = lx_buf_append_str(&sql, " ORDER BY seq LIMIT :limit");
    }
    if (rc != LX_OK) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "audit query too long");
        goto out;
    }
    rc = lx_store_prepare(tx, lx_buf_peek(&sql), &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if ((rc = lx_store_bind_int(s, "after", (int64_t)q->after_seq)) != LX_OK ||
        (rc = lx_store_bind_int(s, "limit", limit + 1)) != LX_OK ||
        (q->firm != 0 &&
         (rc = lx_store_bind_int(s, "firm", q->firm)) != LX_OK) ||
        (q->actor_id != 0 &&
         (rc = lx_store_bind_int(s, "actor", q->actor_id)) != LX_OK) ||
        (q->subject != NULL &&
         (rc = lx_store_bind_blob(s, "subject", q->subject, q->subject_len)) !=
             LX_OK) ||
        (q->kind != LX_AUDIT_KIND_NONE &&
         (rc = lx_store_bind_text(s, "kind", lx_audit_kind_name(q->kind),
                                  strlen(lx_audit_kind_name(q->kind)))) !=
             LX_OK) ||
        (q->action != NULL &&
         (rc = lx_store_bind_text(s, "action", q->action, strlen(q->action))) !=
             LX_OK) ||
        (q->clause != NULL &&
         (rc = lx_store_bind_text(s, "clause", q->clause, strlen(q->clause))) !=
             LX_OK) ||
        (q->from_ms != 0 &&
         (rc = lx_store_bind_int(s, "from", q->from_ms)) != LX_OK) ||
        (q->to_ms != 0 &&
         (rc = lx_store_bind_int(s, "to", q->to_ms)) != LX_OK)) {
        rc = lx_err_set(err, rc, NULL, "audit query: bind failed");
        goto out;
    }
    while ((rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        struct lx_audit_entry e = {0};
        size_t kn = 0;
        const char *k;

        if (got == limit) {
            more = true;
            break;
        }
        e.seq = (uint64_t)lx_store_col_int(s, 0);
        e.time_ms = lx_store_col_int(s, 1);
        k = lx_store_col_text(s, 2, &kn);
        e.kind = k != NULL ? lx_audit_kind_parse(k, kn) : LX_AUDIT_KIND_NONE;
        e.actor_kind = (int)lx_store_col_int(s, 3);
        e.actor_id = lx_store_col_int(s, 4);
        e.actor_firm = lx_store_col_int(s, 5);
        e.actor_role = col_str(s, 6);
        e.action = col_str(s, 7);
        e.resource_type = col_str(s, 8);
        e.resource_id = col_str(s, 9);
        e.subject = lx_store_col_blob(s, 10, &e.subject_len);
        e.field = col_str(s, 11);
        e.purpose = col_str(s, 12);
        e.decision = col_str(s, 13);
        e.reason = col_str(s, 14);
        e.clause = col_str(s, 15);
        e.request_id = col_str(s, 16);
        rc = fn(arg, &e);
        if (rc != LX_OK) {
            goto out;
        }
        last = e.seq;
        got++;
    }
    if (rc == LX_OK && more && next_after != NULL) {
        *next_after = last;
    }
out:
    lx_store_stmt_free(s);
    lx_buf_release(&sql);
    return rc;
}
