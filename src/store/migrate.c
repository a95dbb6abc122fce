/*
 * migrate — the backend-neutral migration runner.
 *
 * Migrations are the embedded assets "src/store/migrations/NNNN_name.sql",
 * numbered 1..N without gaps. lx_store_migrate() reads the level from
 * schema_migrations on a reader (so a current database costs no write),
 * then applies each pending migration as a solo unit — a transaction of its
 * own — which: creates schema_migrations if missing; skips the migration
 * if another process recorded it meanwhile (BEGIN IMMEDIATE serialises
 * them); runs the script after the backend's DDL word translation
 * (migrations/README.md); records instance_id and created_at_ms in meta
 * once meta exists; and inserts the schema_migrations row. A failure
 * anywhere leaves that migration unapplied.
 */
#include "base/asset.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"
#include "store/store.h"
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define MIG_PREFIX "src/store/migrations/"
#define MIG_MAX_SQL_BYTES (4u * 1024u * 1024u)

struct mig {
    int version;
    char name[64];
    const char *sql;
};

static int
mig_cmp(const void *a, const void *b)
{
    const struct mig *x = a, *y = b;

    return (x->version > y->version) - (x->version < y->version);
}

/* Parse "NNNN_name.sql" into m; false when the name does not fit. */
static bool
mig_parse_name(const char *file, struct mig *m)
{
    size_t len = strlen(file), n;

    if (len < 10 || strcmp(file + len - 4, ".sql") != 0 || file[4] != '_') {
        return false;
    }
    m->version = 0;
    for (int i = 0; i < 4; i++) {
        if (file[i] < '0' || file[i] > '9') {
            return false;
        }
        m->version = m->version * 10 + (file[i] - '0');
    }
    n = len - 4 - 5;
    if (n == 0 || n >= sizeof(m->name)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = file[5 + i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    memcpy(m->name, file + 5, n);
    m->name[n] = '\0';
    return m->version > 0;
}

/* The embedded migrations sorted by version; *out is malloc'd. */
static lx_rc
mig_load(struct mig **out, int *count, struct lx_err *err)
{
    size_t n_assets = 0;
    const struct lx_asset *all = lx_asset_all(&n_assets);
    struct mig *v = lx_xcalloc(n_assets + 1, sizeof(*v));
    int n = 0;

    for (size_t i = 0; i < n_assets; i++) {
        if (strncmp(all[i].name, MIG_PREFIX, sizeof(MIG_PREFIX) - 1) != 0) {
            continue;
        }
        if (!mig_parse_name(all[i].name + sizeof(MIG_PREFIX) - 1, &v[n])) {
            free(v);
            return lx_err_set(err, LX_EINTERNAL, NULL,
                              "bad migration file name (want NNNN_name.sql)");
        }
        v[n].sql = (const char *)all[i].data;
        n++;
    }
    qsort(v, (size_t)n, sizeof(*v), mig_cmp);
    for (int i = 0; i < n; i++) {
        if (v[i].version != i + 1) {
            int bad = v[i].version;
            free(v);
            return lx_err_set(err, LX_EINTERNAL, NULL,
                              "migration %04d out of sequence (want 1..N)",
                              bad);
        }
    }
    *out = v;
    *count = n;
    return LX_OK;
}

static bool
word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '_';
}

/* Copy 'sql' into 'b', replacing the backend's DDL words outside quotes
 * and comments. */
static lx_rc
translate(const struct store__backend *ops, const char *sql, struct lx_buf *b)
{
    size_t i = 0;
    lx_rc rc = LX_OK;

    while (sql[i] != '\0' && rc == LX_OK) {
        size_t j = i + 1;
        char c = sql[i];

        if (c == '\'' || c == '"') {
            while (sql[j] != '\0' && sql[j] != c) {
                j++;
            }
            if (sql[j] != '\0') {
                j++;
            }
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
        } else if (word_char(c)) {
            const char *rep = NULL;
            while (word_char(sql[j])) {
                j++;
            }
            for (int k = 0; ops->ddl_words[k][0] != NULL; k++) {
                const char *w = ops->ddl_words[k][0];
                if (strlen(w) == j - i && memcmp(w, sql + i, j - i) == 0) {
                    rep = ops->ddl_words[k][1];
                }
            }
            if (rep != NULL) {
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

struct level_req {
    int current;
};

static lx_rc
level_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct level_req *q = arg;
    struct lx_store_stmt *s = NULL;
    bool have = false, row = false;
    lx_rc rc;

    q->current = 0;
    rc = tx->st->ops->has_table(tx, "schema_migrations", &have, err);
    if (rc != LX_OK || !have) {
        return rc;
    }
    rc = lx_store_prepare(tx,
                          "SELECT COALESCE(MAX(version), 0)"
                          " FROM schema_migrations",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && row) {
        q->current = (int)lx_store_col_int(s, 0);
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_store_schema_version(struct lx_store *st, int *current, int *latest,
                        struct lx_err *err)
{
    struct level_req q = {0};
    struct mig *v = NULL;
    int n = 0;
    lx_rc rc;

    rc = mig_load(&v, &n, err);
    if (rc != LX_OK) {
        return rc;
    }
    free(v);
    rc = lx_store_read(st, level_unit, &q, err);
    if (rc != LX_OK) {
        return rc;
    }
    if (current != NULL) {
        *current = q.current;
    }
    if (latest != NULL) {
        *latest = n;
    }
    return LX_OK;
}

struct apply_req {
    const struct mig *m;
    bool applied;
};

static lx_rc
run_stmt(struct lx_store_stmt *s, bool *row, struct lx_err *err)
{
    bool r = false;
    lx_rc rc = lx_store_step(s, &r, err);

    if (row != NULL) {
        *row = r;
    }
    return rc;
}

/* Record the instance's id and creation time in meta, once. */
static lx_rc
seed_meta(struct lx_store_tx *tx, struct lx_err *err)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[16];
    char id[33], now[24];
    struct lx_store_stmt *s = NULL;
    bool have = false;
    lx_rc rc;

    rc = tx->st->ops->has_table(tx, "meta", &have, err);
    if (rc != LX_OK || !have) {
        return rc;
    }
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
        return lx_err_set(err, LX_EINTERNAL, NULL, "no randomness for id");
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        id[2 * i] = hex[raw[i] >> 4];
        id[2 * i + 1] = hex[raw[i] & 15];
    }
    id[32] = '\0';
    snprintf(now, sizeof(now), "%lld", (long long)lx_time_now_ms());
    rc = lx_store_prepare(tx,
                          "INSERT INTO meta (key, value) VALUES (:key, :value)"
                          " ON CONFLICT (key) DO NOTHING",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_bind_text(s, "key", "instance_id", 11);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_text(s, "value", id, 32);
    }
    if (rc == LX_OK) {
        rc = run_stmt(s, NULL, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_reset(s);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_text(s, "key", "created_at_ms", 13);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_text(s, "value", now, strlen(now));
    }
    if (rc == LX_OK) {
        rc = run_stmt(s, NULL, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
apply_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct apply_req *q = arg;
    struct lx_buf sql = LX_BUF_INIT(MIG_MAX_SQL_BYTES);
    struct lx_store_stmt *s = NULL;
    bool have = false, row = false;
    lx_rc rc;

    q->applied = false;
    rc = tx->st->ops->has_table(tx, "schema_migrations", &have, err);
    if (rc == LX_OK && !have) {
        rc = lx_store_exec(tx,
                           "CREATE TABLE schema_migrations ("
                           " version BIGINT PRIMARY KEY,"
                           " name TEXT NOT NULL,"
                           " applied_at_ms BIGINT NOT NULL)",
                           err);
    }
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "SELECT 1 FROM schema_migrations"
                              " WHERE version = :version",
                              &s, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "version", q->m->version);
    }
    if (rc == LX_OK) {
        rc = run_stmt(s, &row, err);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK || row) {
        goto out; /* applied by another process meanwhile */
    }
    if (translate(tx->st->ops, q->m->sql, &sql) != LX_OK) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "migration %04d too large",
                        q->m->version);
        goto out;
    }
    rc = lx_store_exec(tx, lx_buf_peek(&sql), err);
    if (rc == LX_EINTERNAL && err != NULL) {
        /* Name the migration in front of the backend's detail. */
        char why[sizeof(err->detail)];
        snprintf(why, sizeof(why), "%s", lx_err_message(err));
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "migration %04d_%s: %s",
                        q->m->version, q->m->name, why);
    }
    if (rc == LX_OK) {
        rc = seed_meta(tx, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "INSERT INTO schema_migrations"
                              " (version, name, applied_at_ms)"
                              " VALUES (:version, :name, :now)",
                              &s, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "version", q->m->version);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_text(s, "name", q->m->name, strlen(q->m->name));
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "now", lx_time_now_ms());
    }
    if (rc == LX_OK) {
        rc = run_stmt(s, NULL, err);
    }
    if (rc == LX_OK) {
        q->applied = true;
    }
out:
    lx_store_stmt_free(s);
    lx_buf_release(&sql);
    return rc;
}

lx_rc
lx_store_migrate(struct lx_store *st, int *applied, struct lx_err *err)
{
    struct level_req lv = {0};
    struct mig *v = NULL;
    int n = 0, done = 0;
    lx_rc rc;

    if (applied != NULL) {
        *applied = 0;
    }
    rc = mig_load(&v, &n, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_store_read(st, level_unit, &lv, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (lv.current > n) {
        rc = lx_err_set(err, LX_ECONFLICT, NULL,
                        "database schema level %d is newer than this "
                        "binary's %d",
                        lv.current, n);
        goto out;
    }
    for (int i = lv.current; i < n; i++) {
        struct apply_req q = {.m = &v[i]};
        rc = store__write_solo(st, apply_unit, &q, err);
        if (rc != LX_OK) {
            goto out;
        }
        done += q.applied ? 1 : 0;
    }
out:
    if (applied != NULL) {
        *applied = done;
    }
    free(v);
    return rc;
}
