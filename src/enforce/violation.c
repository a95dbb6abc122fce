/*
 * violation — the minimal violation ledger (enforce.h): write once by
 * (kind, object_ref), list, count per firm and clause.
 */
#include "enforce/enforce.h"

#include "base/err.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

/* A non-empty token of [A-Za-z0-9_.:/-] of at most 'max' bytes. */
static bool
token_ok(const char *s, size_t max)
{
    size_t n;

    if (s == NULL || s[0] == '\0') {
        return false;
    }
    for (n = 0; s[n] != '\0'; n++) {
        char c = s[n];
        if (n >= max || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                          c == ':' || c == '/' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* "C<digits>.<digits>", as in CONTRACT.md. */
static bool
clause_ok(const char *s)
{
    size_t i = 1;

    if (!token_ok(s, LX_ENFORCE_CLAUSE_MAX) || s[0] != 'C') {
        return false;
    }
    if (s[i] < '0' || s[i] > '9') {
        return false;
    }
    while (s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    if (s[i] != '.' || s[i + 1] < '0' || s[i + 1] > '9') {
        return false;
    }
    i++;
    while (s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    return s[i] == '\0';
}

lx_rc
lx_enforce_violation_add_tx(struct lx_store_tx *tx, int64_t firm_id,
                            const char *clause, const char *kind,
                            const char *object_ref, int64_t at_ms,
                            const char *evidence_ref, bool *added,
                            struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    if (added != NULL) {
        *added = false;
    }
    if (firm_id <= 0) {
        return lx_err_set(err, LX_EINVAL, "firm_id", "must be positive");
    }
    if (!clause_ok(clause)) {
        return lx_err_set(err, LX_EINVAL, "clause", "must be a clause id");
    }
    if (!token_ok(kind, LX_ENFORCE_KIND_MAX)) {
        return lx_err_set(err, LX_EINVAL, "kind", "must be a short token");
    }
    if (!token_ok(object_ref, LX_ENFORCE_REF_MAX)) {
        return lx_err_set(err, LX_EINVAL, "object_ref",
                          "must be a short token");
    }
    if (!token_ok(evidence_ref, LX_ENFORCE_REF_MAX)) {
        return lx_err_set(err, LX_EINVAL, "evidence_ref",
                          "must be a short token");
    }
    rc = lx_store_prepare(tx,
                          "INSERT INTO violation (firm_id, clause, kind,"
                          " object_ref, at_ms, evidence_ref)"
                          " VALUES (:firm, :clause, :kind, :obj, :at, :ev)"
                          " ON CONFLICT (kind, object_ref) DO NOTHING"
                          " RETURNING id",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if ((rc = lx_store_bind_int(s, "firm", firm_id)) != LX_OK ||
        (rc = lx_store_bind_text(s, "clause", clause, strlen(clause))) !=
            LX_OK ||
        (rc = lx_store_bind_text(s, "kind", kind, strlen(kind))) != LX_OK ||
        (rc = lx_store_bind_text(s, "obj", object_ref, strlen(object_ref))) !=
            LX_OK ||
        (rc = lx_store_bind_int(s, "at", at_ms)) != LX_OK ||
        (rc = lx_store_bind_text(s, "ev", evidence_ref,
                                 strlen(evidence_ref))) != LX_OK) {
        rc = lx_err_set(err, rc, NULL, "cannot bind the violation");
        goto out;
    }
    rc = lx_store_step(s, &row, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (added != NULL) {
        *added = row; /* RETURNING yields no row when it existed */
    }

out:
    lx_store_stmt_free(s);
    return rc;
}

static void
copy_col(struct lx_store_stmt *s, int col, char *out, size_t size)
{
    size_t n = 0;
    const char *t = lx_store_col_text(s, col, &n);

    if (t == NULL || n >= size) {
        n = t == NULL ? 0 : size - 1;
    }
    if (n > 0) {
        memcpy(out, t, n);
    }
    out[n] = '\0';
}

lx_rc
lx_enforce_violation_list_tx(struct lx_store_tx *tx, int64_t firm_id,
                             int64_t from_ms, int64_t to_ms, int limit,
                             lx_enforce_violation_fn *fn, void *arg,
                             struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT id, firm_id, at_ms, clause, kind,"
                          " object_ref, evidence_ref FROM violation"
                          " WHERE at_ms >= :from AND at_ms < :to"
                          " AND (firm_id = :firm OR :firm = 0)"
                          " ORDER BY at_ms, id LIMIT :lim",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lx_store_bind_int(s, "from", from_ms) != LX_OK ||
        lx_store_bind_int(s, "to", to_ms) != LX_OK ||
        lx_store_bind_int(s, "firm", firm_id) != LX_OK ||
        lx_store_bind_int(s, "lim", limit > 0 ? limit : INT64_MAX) != LX_OK) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "cannot bind the filter");
        goto out;
    }
    for (;;) {
        struct lx_enforce_violation v = {0};

        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        v.id = lx_store_col_int(s, 0);
        v.firm_id = lx_store_col_int(s, 1);
        v.at_ms = lx_store_col_int(s, 2);
        copy_col(s, 3, v.clause, sizeof(v.clause));
        copy_col(s, 4, v.kind, sizeof(v.kind));
        copy_col(s, 5, v.object_ref, sizeof(v.object_ref));
        copy_col(s, 6, v.evidence_ref, sizeof(v.evidence_ref));
        rc = fn(&v, arg);
        if (rc != LX_OK) {
            break;
        }
    }

out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_enforce_violation_counts_tx(struct lx_store_tx *tx, int64_t from_ms,
                               int64_t to_ms, lx_enforce_count_fn *fn,
                               void *arg, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT firm_id, clause, COUNT(*) FROM violation"
                          " WHERE at_ms >= :from AND at_ms < :to"
                          " GROUP BY firm_id, clause ORDER BY firm_id, clause",
                          &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lx_store_bind_int(s, "from", from_ms) != LX_OK ||
        lx_store_bind_int(s, "to", to_ms) != LX_OK) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "cannot bind the period");
        goto out;
    }
    for (;;) {
        char clause[LX_ENFORCE_CLAUSE_MAX + 1];

        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        copy_col(s, 1, clause, sizeof(clause));
        rc = fn(lx_store_col_int(s, 0), clause, lx_store_col_int(s, 2), arg);
        if (rc != LX_OK) {
            break;
        }
    }

out:
    lx_store_stmt_free(s);
    return rc;
}
