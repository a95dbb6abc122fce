/*
 * store — the backend-neutral part: URL dispatch, statements and their
 * named-parameter list, fault injection, counters.
 */
#include "store/store.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

/* One row per backend: the URL scheme picks it. */
static const struct store__backend *const backends[] = {
    &store__sqlite,
    &store__postgres,
    &store__postgresql,
};

lx_rc
lx_store_open(const char *url, const struct lx_store_opts *opts,
              struct lx_store **out, struct lx_err *err)
{
    const struct store__backend *ops = NULL;
    struct lx_store_opts o = {
        .readers = 4, .busy_timeout_ms = 5000, .group_max = 64};
    struct lx_store *st;
    const char *colon;
    lx_rc rc;

    *out = NULL;
    if (url == NULL || (colon = strchr(url, ':')) == NULL) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "database URL must be sqlite:PATH or postgres://...");
    }
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        size_t n = strlen(backends[i]->scheme);
        if ((size_t)(colon - url) == n &&
            strncmp(url, backends[i]->scheme, n) == 0) {
            ops = backends[i];
        }
    }
    if (ops == NULL) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "unsupported database URL scheme (want sqlite:PATH or postgres://...)");
    }
    if (colon[1] == '\0') {
        return lx_err_set(err, LX_EINVAL, NULL, "database URL has no path");
    }
    if (opts != NULL) {
        o = *opts;
    }
    if (o.readers < 1) {
        o.readers = 1;
    }
    if (o.group_max < 1) {
        o.group_max = 1;
    }
    if (o.busy_timeout_ms < 0) {
        o.busy_timeout_ms = 0;
    }

    st = lx_xcalloc(1, sizeof(*st));
    st->ops = ops;
    atomic_init(&st->fault_stmt_left, 0);
    atomic_init(&st->fault_commit, false);
    atomic_init(&st->n_commits, 0);
    atomic_init(&st->n_units, 0);
    atomic_init(&st->n_units_failed, 0);
    atomic_init(&st->n_queued, 0);
#ifdef LX_FAULTS
    {
        const char *spec = getenv("LX_STORE_FAULT");
        if (spec != NULL && spec[0] != '\0' &&
            lx_store_fault_set(st, spec) != LX_OK) {
            free(st);
            return lx_err_set(err, LX_EINVAL, NULL,
                              "LX_STORE_FAULT must be stmt:N or commit");
        }
    }
#endif
    rc = ops->open(st, colon + 1, &o, err);
    if (rc != LX_OK) {
        free(st);
        return rc;
    }
    *out = st;
    return LX_OK;
}

void
lx_store_close(struct lx_store *st)
{
    if (st == NULL) {
        return;
    }
    st->ops->close(st);
    free(st);
}

lx_rc
lx_store_write(struct lx_store *st, lx_store_unit_fn *fn, void *arg,
               struct lx_err *err)
{
    return st->ops->write(st, fn, arg, false, err);
}

lx_rc
store__write_solo(struct lx_store *st, lx_store_unit_fn *fn, void *arg,
                  struct lx_err *err)
{
    return st->ops->write(st, fn, arg, true, err);
}

lx_rc
lx_store_read(struct lx_store *st, lx_store_unit_fn *fn, void *arg,
              struct lx_err *err)
{
    return st->ops->read(st, fn, arg, err);
}

lx_rc
lx_store_check(struct lx_store *st, struct lx_err *err)
{
    return st->ops->check(st, err);
}

static lx_rc
ping_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    (void)arg;
    rc = lx_store_prepare(tx, "SELECT 1", &s, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_store_step(s, &row, err);
    if (rc == LX_OK && (!row || lx_store_col_int(s, 0) != 1)) {
        rc = lx_err_set(err, LX_ESTORE, NULL, "store ping answered wrongly");
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_store_ping(struct lx_store *st, struct lx_err *err)
{
    return lx_store_read(st, ping_unit, NULL, err);
}

void
lx_store_stats(struct lx_store *st, struct lx_store_stats *out)
{
    out->commits = atomic_load(&st->n_commits);
    out->units = atomic_load(&st->n_units);
    out->units_failed = atomic_load(&st->n_units_failed);
    out->queued = atomic_load(&st->n_queued);
}

/* ---- fault injection ---------------------------------------------------- */

lx_rc
lx_store_fault_set(struct lx_store *st, const char *spec)
{
#ifdef LX_FAULTS
    if (spec == NULL) {
        atomic_store(&st->fault_stmt_left, 0);
        atomic_store(&st->fault_commit, false);
        return LX_OK;
    }
    if (strcmp(spec, "commit") == 0) {
        atomic_store(&st->fault_commit, true);
        return LX_OK;
    }
    if (strncmp(spec, "stmt:", 5) == 0) {
        const char *p = spec + 5;
        char *end = NULL;
        long long n;

        if (*p < '0' || *p > '9') {
            return LX_EINVAL;
        }
        n = strtoll(p, &end, 10);
        if (*end != '\0' || n < 1 || n > 1000000000LL) {
            return LX_EINVAL;
        }
        atomic_store(&st->fault_stmt_left, n);
        return LX_OK;
    }
    return LX_EINVAL;
#else
    (void)st;
    (void)spec;
    return LX_EINVAL;
#endif
}

bool
store__fault_stmt(struct lx_store *st)
{
#ifdef LX_FAULTS
    long long v = atomic_load(&st->fault_stmt_left);

    while (v > 0) {
        if (atomic_compare_exchange_weak(&st->fault_stmt_left, &v, v - 1)) {
            return v == 1;
        }
    }
    return false;
#else
    (void)st;
    return false;
#endif
}

bool
store__fault_commit(struct lx_store *st)
{
#ifdef LX_FAULTS
    return atomic_exchange(&st->fault_commit, false);
#else
    (void)st;
    return false;
#endif
}

/* ---- named parameters --------------------------------------------------- */

static bool
ident_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
ident_char(char c)
{
    return ident_start(c) || (c >= '0' && c <= '9');
}

/* Skip a quoted run starting at sql[i] (the quote); doubled quotes stay
 * inside. Returns the index after the closing quote (or the end). */
static size_t
skip_quoted(const char *sql, size_t i, char q)
{
    i++;
    while (sql[i] != '\0') {
        if (sql[i] == q) {
            if (sql[i + 1] == q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return i;
}

/* Walk 'sql' and call back for each ":name" (start, length without ':'). */
static void
scan_params(const char *sql,
            void (*found)(void *arg, const char *name, size_t len), void *arg)
{
    size_t i = 0;

    while (sql[i] != '\0') {
        char c = sql[i];
        if (c == '\'' || c == '"' || c == '`') {
            i = skip_quoted(sql, i, c);
        } else if (c == '[') {
            while (sql[i] != '\0' && sql[i] != ']') {
                i++;
            }
        } else if (c == '-' && sql[i + 1] == '-') {
            while (sql[i] != '\0' && sql[i] != '\n') {
                i++;
            }
        } else if (c == '/' && sql[i + 1] == '*') {
            i += 2;
            while (sql[i] != '\0' && !(sql[i] == '*' && sql[i + 1] == '/')) {
                i++;
            }
            if (sql[i] != '\0') {
                i += 2;
            }
        } else if (c == ':' && sql[i + 1] == ':') {
            i += 2; /* a PostgreSQL cast, not a parameter */
        } else if (c == ':' && ident_start(sql[i + 1])) {
            size_t n = 1;
            while (ident_char(sql[i + 1 + n])) {
                n++;
            }
            found(arg, sql + i + 1, n);
            i += 1 + n;
        } else {
            i++;
        }
    }
}

struct param_acc {
    int count;    /* distinct names */
    size_t bytes; /* their lengths + NULs */
    char **names; /* second pass: where to store */
    char *text;   /* second pass: the string area */
};

static bool
param_known(const struct param_acc *a, const char *name, size_t len)
{
    for (int k = 0; k < a->count; k++) {
        if (strlen(a->names[k]) == len && memcmp(a->names[k], name, len) == 0) {
            return true;
        }
    }
    return false;
}

static void
count_param(void *arg, const char *name, size_t len)
{
    struct param_acc *a = arg;

    /* Upper bound: repeats are counted too, the block is sized by it. */
    (void)name;
    a->count++;
    a->bytes += len + 1;
}

static void
store_param(void *arg, const char *name, size_t len)
{
    struct param_acc *a = arg;

    if (param_known(a, name, len)) {
        return;
    }
    memcpy(a->text, name, len);
    a->text[len] = '\0';
    a->names[a->count++] = a->text;
    a->text += len + 1;
}

void
store__params_parse(const char *sql, int *count, char ***names)
{
    struct param_acc a = {0};
    char **block;

    scan_params(sql, count_param, &a);
    *count = 0;
    *names = NULL;
    if (a.count == 0) {
        return;
    }
    block = lx_xmalloc((size_t)a.count * sizeof(char *) + a.bytes);
    a.names = block;
    a.text = (char *)(block + a.count);
    a.count = 0;
    scan_params(sql, store_param, &a);
    *count = a.count;
    *names = block;
}

/* ---- transactions and statements ---------------------------------------- */

void
store__tx_init(struct lx_store_tx *tx, struct lx_store *st, void *conn)
{
    tx->st = st;
    tx->conn = conn;
    tx->stmts = NULL;
}

void
store__tx_end(struct lx_store_tx *tx)
{
    while (tx->stmts != NULL) {
        lx_store_stmt_free(tx->stmts);
    }
}

#define SKIP_LOCKED_WORD "LX_SKIP_LOCKED"

/* Copy 'sql' into 'b' with each whole word LX_SKIP_LOCKED outside quotes
 * and comments replaced by 'rep' (store.h, lx_store_prepare). */
static lx_rc
skip_locked_translate(const char *sql, const char *rep, struct lx_buf *b)
{
    size_t i = 0, wl = strlen(SKIP_LOCKED_WORD);
    lx_rc rc = LX_OK;

    while (sql[i] != '\0' && rc == LX_OK) {
        size_t j = i + 1;
        char c = sql[i];

        if (c == '\'' || c == '"') {
            j = skip_quoted(sql, i, c);
        } else if (c == '-' && sql[i + 1] == '-') {
            while (sql[j] != '\0' && sql[j] != '\n') {
                j++;
            }
        } else if (c == '/' && sql[i + 1] == '*') {
            j = i + 2;
            while (sql[j] != '\0' && !(sql[j] == '*' && sql[j + 1] == '/')) {
                j++;
            }
            j = sql[j] != '\0' ? j + 2 : j;
        } else if (ident_char(c)) {
            while (ident_char(sql[j])) {
                j++;
            }
            if (j - i == wl && memcmp(sql + i, SKIP_LOCKED_WORD, wl) == 0) {
                rc = lx_buf_append_str(b, rep);
                i = j;
                continue;
            }
        }
        rc = lx_buf_append(b, sql + i, j - i);
        i = j;
    }
    return rc;
}

lx_rc
lx_store_prepare(struct lx_store_tx *tx, const char *sql,
                 struct lx_store_stmt **out, struct lx_err *err)
{
    struct lx_store_stmt *s;
    struct lx_buf tr = LX_BUF_INIT(16u * 1024u * 1024u);
    lx_rc rc;

    *out = NULL;
    if (strstr(sql, SKIP_LOCKED_WORD) != NULL) {
        const char *rep = tx->st->ops->skip_locked;
        if (skip_locked_translate(sql, rep != NULL ? rep : "", &tr) != LX_OK) {
            lx_buf_release(&tr);
            return lx_err_set(err, LX_ETOOBIG, NULL, "statement too long");
        }
        sql = lx_buf_peek(&tr);
    }
    s = lx_xcalloc(1, sizeof(*s));
    s->tx = tx;
    if (tx->st->ops->take_cached != NULL &&
        tx->st->ops->take_cached(s, sql)) {
        rc = LX_OK; /* checked and parsed when it was first prepared */
    } else {
        store__params_parse(sql, &s->nparams, &s->params);
        rc = tx->st->ops->prepare(s, sql, err);
    }
    lx_buf_release(&tr);
    if (rc != LX_OK) {
        free(s->params);
        free(s);
        return rc;
    }
    s->next = tx->stmts;
    if (tx->stmts != NULL) {
        tx->stmts->prev = s;
    }
    tx->stmts = s;
    *out = s;
    return LX_OK;
}

void
lx_store_stmt_free(struct lx_store_stmt *s)
{
    if (s == NULL) {
        return;
    }
    s->tx->st->ops->finalize(s);
    if (s->prev != NULL) {
        s->prev->next = s->next;
    } else {
        s->tx->stmts = s->next;
    }
    if (s->next != NULL) {
        s->next->prev = s->prev;
    }
    free(s->params);
    free(s);
}

/* 1-based position of 'name' (with or without ':'), 0 when unknown.
 * Services mostly bind in the order the parameters appear, so the one
 * after the last found is tried first. */
static int
param_index(struct lx_store_stmt *s, const char *name)
{
    int k = s->bind_next;

    if (name == NULL) {
        return 0;
    }
    if (name[0] == ':') {
        name++;
    }
    if (k < s->nparams && strcmp(s->params[k], name) == 0) {
        s->bind_next = k + 1;
        return k + 1;
    }
    for (int i = 0; i < s->nparams; i++) {
        if (strcmp(s->params[i], name) == 0) {
            s->bind_next = i + 1;
            return i + 1;
        }
    }
    return 0;
}

lx_rc
lx_store_bind_int(struct lx_store_stmt *s, const char *name, int64_t v)
{
    int idx = param_index(s, name);

    return idx == 0 ? LX_EINTERNAL : s->tx->st->ops->bind_int(s, idx, v);
}

lx_rc
lx_store_bind_text(struct lx_store_stmt *s, const char *name, const char *v,
                   size_t n)
{
    int idx = param_index(s, name);

    return idx == 0 ? LX_EINTERNAL : s->tx->st->ops->bind_text(s, idx, v, n);
}

lx_rc
lx_store_bind_blob(struct lx_store_stmt *s, const char *name, const void *v,
                   size_t n)
{
    int idx = param_index(s, name);

    return idx == 0 ? LX_EINTERNAL : s->tx->st->ops->bind_blob(s, idx, v, n);
}

lx_rc
lx_store_bind_null(struct lx_store_stmt *s, const char *name)
{
    int idx = param_index(s, name);

    return idx == 0 ? LX_EINTERNAL : s->tx->st->ops->bind_null(s, idx);
}

lx_rc
lx_store_step(struct lx_store_stmt *s, bool *row, struct lx_err *err)
{
    *row = false;
    if (!s->running) {
        s->running = true;
        if (store__fault_stmt(s->tx->st)) {
            return lx_err_set(err, LX_ESTORE, NULL,
                              "injected fault (statement)");
        }
    }
    return s->tx->st->ops->step(s, row, err);
}

lx_rc
lx_store_reset(struct lx_store_stmt *s)
{
    s->running = false;
    return s->tx->st->ops->reset(s);
}

int64_t
lx_store_col_int(struct lx_store_stmt *s, int col)
{
    return s->tx->st->ops->col_int(s, col);
}

const char *
lx_store_col_text(struct lx_store_stmt *s, int col, size_t *len)
{
    return s->tx->st->ops->col_text(s, col, len);
}

const void *
lx_store_col_blob(struct lx_store_stmt *s, int col, size_t *len)
{
    return s->tx->st->ops->col_blob(s, col, len);
}

bool
lx_store_col_is_null(struct lx_store_stmt *s, int col)
{
    return s->tx->st->ops->col_is_null(s, col);
}

lx_rc
lx_store_exec(struct lx_store_tx *tx, const char *sql, struct lx_err *err)
{
    return tx->st->ops->exec(tx, sql, err);
}

int64_t
lx_store_changes(struct lx_store_tx *tx)
{
    return tx->st->ops->changes(tx);
}

int64_t
lx_store_last_id(struct lx_store_tx *tx)
{
    return tx->st->ops->last_id(tx);
}

lx_rc
lx_store_tx_lock(struct lx_store_tx *tx, int64_t key, struct lx_err *err)
{
    if (tx->st->ops->lock == NULL) {
        return LX_OK; /* one writer: every write is serialised already */
    }
    return tx->st->ops->lock(tx, key, err);
}

const char *
lx_store_backend_name(const struct lx_store *st)
{
    return st->ops->scheme;
}

/* ---- helpers for backends that number their parameters ------------------ */

struct numbered_acc {
    const char *sql;
    size_t done; /* bytes of sql already copied */
    int nparams;
    char **params;
    struct lx_buf *out;
    lx_rc rc;
};

static void
number_param(void *arg, const char *name, size_t len)
{
    struct numbered_acc *a = arg;
    size_t at = (size_t)(name - a->sql) - 1; /* the ':' */
    int k = 0;

    while (k < a->nparams &&
           !(strlen(a->params[k]) == len && memcmp(a->params[k], name, len) == 0)) {
        k++;
    }
    if (a->rc == LX_OK) {
        a->rc = lx_buf_append(a->out, a->sql + a->done, at - a->done);
    }
    if (a->rc == LX_OK) {
        a->rc = lx_buf_printf(a->out, "$%d", k + 1);
    }
    a->done = at + 1 + len;
}

lx_rc
store__sql_numbered(const char *sql, int nparams, char **params,
                    struct lx_buf *out)
{
    struct numbered_acc a = {.sql = sql, .nparams = nparams,
                             .params = params, .out = out, .rc = LX_OK};

    scan_params(sql, number_param, &a);
    if (a.rc == LX_OK) {
        a.rc = lx_buf_append_str(out, sql + a.done);
    }
    return a.rc;
}

size_t
store__next_statement(const char *sql, size_t from)
{
    size_t i = from;

    while (sql[i] != '\0') {
        char c = sql[i];
        if (c == '\'' || c == '"') {
            i = skip_quoted(sql, i, c);
        } else if (c == '-' && sql[i + 1] == '-') {
            while (sql[i] != '\0' && sql[i] != '\n') {
                i++;
            }
        } else if (c == '/' && sql[i + 1] == '*') {
            i += 2;
            while (sql[i] != '\0' && !(sql[i] == '*' && sql[i + 1] == '/')) {
                i++;
            }
            if (sql[i] != '\0') {
                i += 2;
            }
        } else if (c == ';') {
            return i;
        } else {
            i++;
        }
    }
    return i;
}
