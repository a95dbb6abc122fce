/* vault — subjects, sealed fields, blind indexes, reveal, crypto-shred and
 * master-key re-wrapping (see vault.h and docs/vault.md). */
#include "vault/vault.h"
#include "audit/audit.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "pii/pii.h"
#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIELD_AD_LABEL "lexgate-vault-field-v1"
#define KDF_BLIND "lxblind1"
#define KDF_SUBJREF "lxsubjrf"
#define INDEX_OWNER 0 /* wrap owner of the index root key (subjects >= 1) */
#define REWRAP_BATCH_MAX 1000

/* ---- keys ---------------------------------------------------------------- */

static lx_rc
need_keys(struct lx_ctx *ctx, const struct lx_crypto_keys **out)
{
    const struct lx_crypto_keys *k = ctx->app->keys;

    *out = k;
    if (k == NULL || k->master == NULL) {
        return lx_err_set(&ctx->err, LX_EINTERNAL, NULL,
                          "vault needs the master key");
    }
    return LX_OK;
}

/* The key new wraps go under: the rotation target when one is loaded. */
static const struct lx_secret *
newest_master(const struct lx_crypto_keys *k)
{
    return k->master_next != NULL ? k->master_next : k->master;
}

/* The loaded master key with this id, or NULL. */
static const struct lx_secret *
master_by_id(const struct lx_crypto_keys *k, const char *id, size_t n)
{
    const struct lx_secret *c[3] = {k->master, k->master_next, k->master_old};
    char hex[LX_CRYPTO_KEY_ID_HEX];

    for (size_t i = 0; i < 3; i++) {
        if (c[i] == NULL) {
            continue;
        }
        lx_crypto_master_id(c[i], hex);
        if (n == strlen(hex) && memcmp(hex, id, n) == 0) {
            return c[i];
        }
    }
    return NULL;
}

static void
be64(unsigned char *p, int64_t v)
{
    for (int i = 0; i < 8; i++) {
        p[i] = (unsigned char)((uint64_t)v >> ((7 - i) * 8));
    }
}

/* Unwrap a wrapped key read from a row (any loaded master key by id). */
static lx_rc
unwrap_row(struct lx_ctx *ctx, const struct lx_crypto_keys *k,
           const char *master_id, size_t idlen, const void *nonce, size_t nlen,
           const void *wrapped, size_t wlen, int64_t owner, int64_t version,
           struct lx_secret **out)
{
    const struct lx_secret *m = master_by_id(k, master_id, idlen);

    *out = NULL;
    if (m == NULL) {
        return lx_err_set(&ctx->err, LX_EINTEGRITY, "/keys",
                          "a wrapped key is under a master key that is not "
                          "loaded (rotation unfinished?)");
    }
    if (nlen != LX_CRYPTO_AEAD_NONCE_BYTES ||
        wlen != LX_CRYPTO_WRAPPED_KEY_BYTES ||
        lx_crypto_key_unwrap(m, nonce, wrapped, owner, version, out) != LX_OK) {
        return lx_err_set(&ctx->err, LX_EINTEGRITY, NULL,
                          "a wrapped key does not open");
    }
    return LX_OK;
}

/* ---- small store helpers ------------------------------------------------- */

static lx_rc
bind_str(struct lx_store_stmt *s, const char *name, const char *v)
{
    return lx_store_bind_text(s, name, v, strlen(v));
}

/* Copy blob column 'col' of exactly n bytes into buf; false when its length
 * differs. Copied at once: a backend may reuse its decoding buffer for the
 * next blob column read (the PostgreSQL one does). */
static bool
col_copy(struct lx_store_stmt *s, int col, void *buf, size_t n)
{
    size_t len = 0;
    const void *p = lx_store_col_blob(s, col, &len);

    if (len != n || p == NULL) {
        return false;
    }
    memcpy(buf, p, n);
    return true;
}

/* The index root key's two subkeys. */
struct index_keys {
    struct lx_secret *blind;
    struct lx_secret *ref;
};

static void
index_keys_release(struct index_keys *ik)
{
    lx_secret_free(ik->blind);
    lx_secret_free(ik->ref);
    ik->blind = NULL;
    ik->ref = NULL;
}

/*
 * Load the index root key (creating it when 'create' and absent) and
 * derive its subkeys. *found is false when there is none and !create.
 */
static lx_rc
load_index_keys(struct lx_ctx *ctx, struct lx_store_tx *tx, bool create,
                struct index_keys *ik, bool *found)
{
    const struct lx_crypto_keys *k = NULL;
    struct lx_store_stmt *s = NULL;
    struct lx_secret *root = NULL;
    bool row = false;
    lx_rc rc;

    *found = false;
    if ((rc = need_keys(ctx, &k)) != LX_OK) {
        return rc;
    }
    if (create) {
        unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES];
        unsigned char wrapped[LX_CRYPTO_WRAPPED_KEY_BYTES];
        char mid[LX_CRYPTO_KEY_ID_HEX];

        /* Racing daemons (PostgreSQL) each try; one row wins. */
        lx_crypto_key_new(&root);
        lx_crypto_key_wrap(newest_master(k), root, INDEX_OWNER, 1, nonce,
                           wrapped);
        lx_secret_free(root);
        root = NULL;
        lx_crypto_master_id(newest_master(k), mid);
        rc = lx_store_prepare(
            tx,
            "INSERT INTO vault_index_key (id, master_id, nonce, wrapped,"
            " created_ms) VALUES (1, :m, :n, :w, :t)"
            " ON CONFLICT (id) DO NOTHING",
            &s, &ctx->err);
        if (rc == LX_OK &&
            ((rc = bind_str(s, "m", mid)) != LX_OK ||
             (rc = lx_store_bind_blob(s, "n", nonce, sizeof(nonce))) != LX_OK ||
             (rc = lx_store_bind_blob(s, "w", wrapped, sizeof(wrapped))) !=
                 LX_OK ||
             (rc = lx_store_bind_int(s, "t", ctx->now_ms)) != LX_OK)) {
            rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
        }
        if (rc == LX_OK) {
            rc = lx_store_step(s, &row, &ctx->err);
        }
        lx_store_stmt_free(s);
        s = NULL;
        if (rc != LX_OK) {
            goto out;
        }
    }
    rc = lx_store_prepare(tx,
                          "SELECT master_id, nonce, wrapped FROM"
                          " vault_index_key WHERE id = 1",
                          &s, &ctx->err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, &ctx->err);
    }
    if (rc != LX_OK || !row) {
        goto out;
    }
    {
        unsigned char n[LX_CRYPTO_AEAD_NONCE_BYTES];
        unsigned char w[LX_CRYPTO_WRAPPED_KEY_BYTES];
        size_t il = 0;
        const char *mid = lx_store_col_text(s, 0, &il);
        bool ok = col_copy(s, 1, n, sizeof(n)) && col_copy(s, 2, w, sizeof(w));

        rc = unwrap_row(ctx, k, mid, il, n, ok ? sizeof(n) : 0, w, sizeof(w),
                        INDEX_OWNER, 1, &root);
    }
    if (rc != LX_OK) {
        goto out;
    }
    if (lx_crypto_kdf(root, KDF_BLIND, 1, LX_CRYPTO_KEYED_HASH_BYTES,
                      &ik->blind) != LX_OK ||
        lx_crypto_kdf(root, KDF_SUBJREF, 1, LX_CRYPTO_KEYED_HASH_BYTES,
                      &ik->ref) != LX_OK) {
        index_keys_release(ik);
        rc = lx_err_set(&ctx->err, LX_EINTERNAL, NULL, "vault: kdf failed");
        goto out;
    }
    *found = true;
out:
    lx_store_stmt_free(s);
    lx_secret_free(root);
    return rc;
}

static void
subject_ref(const struct index_keys *ik, int64_t subject,
            unsigned char out[LX_VAULT_REF_BYTES])
{
    static const char label[] = "subject:";
    unsigned char id[8];

    be64(id, subject);
    lx_crypto_keyed_hash(ik->ref->p, ik->ref->len, label, sizeof(label) - 1, id,
                         sizeof(id), out);
}

static void
blind_hash(const struct index_keys *ik, enum lx_vault_index kind,
           const char *norm, unsigned char out[LX_CRYPTO_KEYED_HASH_BYTES])
{
    char label[24];
    int n = snprintf(label, sizeof(label), "%s:", lx_vault_index_name(kind));

    lx_crypto_keyed_hash(ik->blind->p, ik->blind->len, label, (size_t)n, norm,
                         strlen(norm), out);
}

/*
 * Load a subject's key: 'version' > 0 for that version, 0 for the newest.
 * LX_ENOTFOUND when the subject has no such key (unknown or shredded).
 */
static lx_rc
load_subject_key(struct lx_ctx *ctx, struct lx_store_tx *tx, int64_t subject,
                 int64_t version, struct lx_secret **key, int64_t *got)
{
    const struct lx_crypto_keys *k = NULL;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    *key = NULL;
    if ((rc = need_keys(ctx, &k)) != LX_OK) {
        return rc;
    }
    rc = lx_store_prepare(
        tx,
        version > 0
            ? "SELECT version, master_id, nonce, wrapped FROM"
              " vault_subject_key WHERE subject_id = :s AND version = :v"
            : "SELECT version, master_id, nonce, wrapped FROM"
              " vault_subject_key WHERE subject_id = :s"
              " ORDER BY version DESC LIMIT 1",
        &s, &ctx->err);
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "s", subject);
        if (rc == LX_OK && version > 0) {
            rc = lx_store_bind_int(s, "v", version);
        }
        if (rc != LX_OK) {
            rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
        }
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, &ctx->err);
    }
    if (rc != LX_OK) {
        goto out;
    }
    if (!row) {
        rc = lx_err_set(&ctx->err, LX_ENOTFOUND, "/subject",
                        "no such subject, or its key was destroyed");
        goto out;
    }
    {
        unsigned char n[LX_CRYPTO_AEAD_NONCE_BYTES];
        unsigned char w[LX_CRYPTO_WRAPPED_KEY_BYTES];
        size_t il = 0;
        int64_t v = lx_store_col_int(s, 0);
        const char *mid = lx_store_col_text(s, 1, &il);
        bool ok = col_copy(s, 2, n, sizeof(n)) && col_copy(s, 3, w, sizeof(w));

        rc = unwrap_row(ctx, k, mid, il, n, ok ? sizeof(n) : 0, w, sizeof(w),
                        subject, v, key);
        *got = v;
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

/* The field's associated data: label || be64(subject) || be64(version) ||
 * name NUL category NUL sensitivity. */
static size_t
field_ad(unsigned char *ad, size_t cap, int64_t subject, int64_t version,
         const char *name, enum lx_vault_category cat,
         enum lx_vault_sensitivity sens)
{
    int n = snprintf((char *)ad, cap, "%s", FIELD_AD_LABEL);
    size_t len = (size_t)n;
    int m;

    be64(ad + len, subject);
    be64(ad + len + 8, version);
    len += 16;
    m = snprintf((char *)ad + len, cap - len, "%s%c%s%c%s", name, 0,
                 lx_vault_category_name(cat), 0,
                 lx_vault_sensitivity_name(sens));
    return len + (size_t)m;
}

#define FIELD_AD_MAX 160

static bool
name_ok(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;

    if (n == 0 || n > LX_VAULT_FIELD_NAME_MAX || s[0] < 'a' || s[0] > 'z') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
            return false;
        }
    }
    return true;
}

static enum lx_vault_index
format_index(enum lx_vault_format f)
{
    switch (f) {
    case LX_VAULT_FMT_MOBILE:
        return LX_VAULT_INDEX_PHONE;
    case LX_VAULT_FMT_CN_ID:
        return LX_VAULT_INDEX_ID_NUMBER;
    case LX_VAULT_FMT_EMAIL:
        return LX_VAULT_INDEX_EMAIL;
    case LX_VAULT_FMT_TEXT:
    case LX_VAULT_FMT_NAME:
    case LX_VAULT_FMT_ADDRESS:
    case LX_VAULT_FMT_COUNT:
        break;
    }
    return LX_VAULT_INDEX_NONE;
}

/* ---- subjects ------------------------------------------------------------ */

struct create_arg {
    struct lx_ctx *ctx;
    int64_t id;
};

static lx_rc
create_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct create_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_crypto_keys *k = NULL;
    struct lx_store_stmt *s = NULL;
    struct lx_secret *key = NULL;
    unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES];
    unsigned char wrapped[LX_CRYPTO_WRAPPED_KEY_BYTES];
    char mid[LX_CRYPTO_KEY_ID_HEX];
    bool row = false;
    lx_rc rc;

    (void)err; /* the same struct as &ctx->err */
    if ((rc = need_keys(ctx, &k)) != LX_OK) {
        return rc;
    }
    rc = lx_store_prepare(tx,
                          "INSERT INTO vault_subject (created_ms)"
                          " VALUES (:t) RETURNING id",
                          &s, &ctx->err);
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "t", ctx->now_ms);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, &ctx->err);
    }
    if (rc == LX_OK && !row) {
        rc = lx_err_set(&ctx->err, LX_EINTERNAL, NULL, "vault: no id");
    }
    if (rc != LX_OK) {
        goto out;
    }
    a->id = lx_store_col_int(s, 0);
    lx_store_stmt_free(s);
    s = NULL;

    lx_crypto_key_new(&key);
    lx_crypto_key_wrap(newest_master(k), key, a->id, 1, nonce, wrapped);
    lx_crypto_master_id(newest_master(k), mid);
    rc = lx_store_prepare(
        tx,
        "INSERT INTO vault_subject_key (subject_id, version, master_id,"
        " nonce, wrapped, created_ms) VALUES (:s, 1, :m, :n, :w, :t)",
        &s, &ctx->err);
    if (rc == LX_OK &&
        ((rc = lx_store_bind_int(s, "s", a->id)) != LX_OK ||
         (rc = bind_str(s, "m", mid)) != LX_OK ||
         (rc = lx_store_bind_blob(s, "n", nonce, sizeof(nonce))) != LX_OK ||
         (rc = lx_store_bind_blob(s, "w", wrapped, sizeof(wrapped))) != LX_OK ||
         (rc = lx_store_bind_int(s, "t", ctx->now_ms)) != LX_OK)) {
        rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, &ctx->err);
    }
out:
    lx_store_stmt_free(s);
    lx_secret_free(key);
    return rc;
}

lx_rc
lx_vault_subject_create(struct lx_ctx *ctx, int64_t *id)
{
    struct create_arg a = {ctx, 0};
    lx_rc rc;

    *id = 0;
    rc = lx_store_write(ctx->app->store, create_unit, &a, &ctx->err);
    if (rc == LX_OK) {
        *id = a.id;
    }
    return rc;
}

lx_rc
lx_vault_subject_create_tx(struct lx_ctx *ctx, struct lx_store_tx *tx,
                           int64_t *id)
{
    struct create_arg a = {ctx, 0};
    lx_rc rc = create_unit(tx, &a, &ctx->err);

    *id = rc == LX_OK ? a.id : 0;
    return rc;
}

/* ---- put ----------------------------------------------------------------- */

struct put_arg {
    struct lx_ctx *ctx;
    int64_t subject;
    const struct lx_vault_field *f;
    const char *value; /* normalised or as given */
    size_t len;
    enum lx_vault_index index;
};

static lx_rc
put_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct put_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_vault_field *f = a->f;
    struct lx_store_stmt *s = NULL;
    struct lx_secret *key = NULL;
    struct index_keys ik = {0};
    unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES];
    unsigned char ad[FIELD_AD_MAX];
    unsigned char *ct = NULL;
    size_t adlen;
    int64_t version = 0;
    bool row = false, found = false;
    lx_rc rc;

    (void)err;
    rc = load_subject_key(ctx, tx, a->subject, 0, &key, &version);
    if (rc != LX_OK) {
        goto out;
    }
    adlen = field_ad(ad, sizeof(ad), a->subject, version, f->name, f->category,
                     f->sensitivity);
    ct = lx_xmalloc(a->len + LX_CRYPTO_AEAD_TAG_BYTES);
    lx_crypto_aead_seal(key, a->value, a->len, ad, adlen, nonce, ct);

    rc = lx_store_prepare(
        tx,
        "INSERT INTO vault_field (subject_id, name, category, sensitivity,"
        " sensitive, format, key_version, nonce, ciphertext, updated_ms)"
        " VALUES (:s, :name, :cat, :sens, :sensitive, :fmt, :v, :n, :c, :t)"
        " ON CONFLICT (subject_id, name) DO UPDATE SET"
        " category = excluded.category, sensitivity = excluded.sensitivity,"
        " sensitive = excluded.sensitive, format = excluded.format,"
        " key_version = excluded.key_version, nonce = excluded.nonce,"
        " ciphertext = excluded.ciphertext, updated_ms = excluded.updated_ms",
        &s, &ctx->err);
    if (rc == LX_OK &&
        ((rc = lx_store_bind_int(s, "s", a->subject)) != LX_OK ||
         (rc = bind_str(s, "name", f->name)) != LX_OK ||
         (rc = bind_str(s, "cat", lx_vault_category_name(f->category))) !=
             LX_OK ||
         (rc = bind_str(s, "sens",
                        f->sensitivity == LX_VAULT_SENS_NONE
                            ? ""
                            : lx_vault_sensitivity_name(f->sensitivity))) !=
             LX_OK ||
         (rc = lx_store_bind_int(
              s, "sensitive", f->sensitivity != LX_VAULT_SENS_NONE)) != LX_OK ||
         (rc = bind_str(s, "fmt", lx_vault_format_name(f->format))) != LX_OK ||
         (rc = lx_store_bind_int(s, "v", version)) != LX_OK ||
         (rc = lx_store_bind_blob(s, "n", nonce, sizeof(nonce))) != LX_OK ||
         (rc = lx_store_bind_blob(
              s, "c", ct, a->len + LX_CRYPTO_AEAD_TAG_BYTES)) != LX_OK ||
         (rc = lx_store_bind_int(s, "t", ctx->now_ms)) != LX_OK)) {
        rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, &ctx->err);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK) {
        goto out;
    }

    /* The field's old index entry goes, whatever its format was. */
    rc = lx_store_prepare(tx,
                          "DELETE FROM vault_blind_index"
                          " WHERE subject_id = :s AND field = :f",
                          &s, &ctx->err);
    if (rc == LX_OK && ((rc = lx_store_bind_int(s, "s", a->subject)) != LX_OK ||
                        (rc = bind_str(s, "f", f->name)) != LX_OK)) {
        rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, &ctx->err);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK || a->index == LX_VAULT_INDEX_NONE) {
        goto out;
    }

    rc = load_index_keys(ctx, tx, true, &ik, &found);
    if (rc == LX_OK && !found) {
        rc = lx_err_set(&ctx->err, LX_EINTERNAL, NULL,
                        "vault: index key missing");
    }
    if (rc != LX_OK) {
        goto out;
    }
    {
        unsigned char h[LX_CRYPTO_KEYED_HASH_BYTES];

        blind_hash(&ik, a->index, a->value, h);
        rc = lx_store_prepare(tx,
                              "INSERT INTO vault_blind_index (kind, hmac,"
                              " subject_id, field) VALUES (:k, :h, :s, :f)",
                              &s, &ctx->err);
        if (rc == LX_OK &&
            ((rc = bind_str(s, "k", lx_vault_index_name(a->index))) != LX_OK ||
             (rc = lx_store_bind_blob(s, "h", h, sizeof(h))) != LX_OK ||
             (rc = lx_store_bind_int(s, "s", a->subject)) != LX_OK ||
             (rc = bind_str(s, "f", f->name)) != LX_OK)) {
            rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
        }
        if (rc == LX_OK) {
            rc = lx_store_step(s, &row, &ctx->err);
        }
    }
out:
    lx_store_stmt_free(s);
    lx_secret_free(key);
    index_keys_release(&ik);
    free(ct);
    return rc;
}

/* Check a field and normalise its indexed value into *norm (the caller
 * frees it); fills a->value, a->len and a->index. */
static lx_rc
put_prepare(struct lx_ctx *ctx, const struct lx_vault_field *f,
            struct put_arg *a, struct lx_secret **norm)
{
    size_t bad = 0;

    if (!name_ok(f->name)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/name",
                          "field name must be [a-z][a-z0-9_]*, at most %d "
                          "bytes",
                          LX_VAULT_FIELD_NAME_MAX);
    }
    if (f->category <= LX_VAULT_CAT_NONE || f->category >= LX_VAULT_CAT_COUNT) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/category",
                          "unknown C1.1 category");
    }
    if ((unsigned)f->sensitivity >= LX_VAULT_SENS_COUNT) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/sensitivity",
                          "unknown C1.3 sensitivity");
    }
    if ((unsigned)f->format >= LX_VAULT_FMT_COUNT) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/format", "unknown format");
    }
    if (f->len > LX_VAULT_VALUE_MAX) {
        return lx_err_set(&ctx->err, LX_ETOOBIG, "/value",
                          "value longer than %d bytes", LX_VAULT_VALUE_MAX);
    }
    if (f->value == NULL || f->len == 0 ||
        !lx_utf8_valid(f->value, f->len, &bad)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/value",
                          "value must be non-empty UTF-8");
    }
    a->index = format_index(f->format);
    if (a->index != LX_VAULT_INDEX_NONE) {
        lx_rc rc;

        lx_secret_new(256, norm);
        rc = lx_vault_normalise(a->index, f->value, f->len,
                                (char *)(*norm)->p, 257, &ctx->err);
        if (rc != LX_OK) {
            return rc;
        }
        a->value = (const char *)(*norm)->p;
        a->len = strlen(a->value);
    }
    return LX_OK;
}

lx_rc
lx_vault_put(struct lx_ctx *ctx, int64_t subject,
             const struct lx_vault_field *f)
{
    struct put_arg a = {ctx, subject, f, f->value, f->len, LX_VAULT_INDEX_NONE};
    struct lx_secret *norm = NULL;
    lx_rc rc;

    rc = put_prepare(ctx, f, &a, &norm);
    if (rc == LX_OK) {
        rc = lx_store_write(ctx->app->store, put_unit, &a, &ctx->err);
    }
    lx_secret_free(norm);
    return rc;
}

lx_rc
lx_vault_put_tx(struct lx_ctx *ctx, struct lx_store_tx *tx, int64_t subject,
                const struct lx_vault_field *f)
{
    struct put_arg a = {ctx, subject, f, f->value, f->len, LX_VAULT_INDEX_NONE};
    struct lx_secret *norm = NULL;
    lx_rc rc;

    rc = put_prepare(ctx, f, &a, &norm);
    if (rc == LX_OK) {
        rc = put_unit(tx, &a, &ctx->err);
    }
    lx_secret_free(norm);
    return rc;
}

/* ---- reading a field ----------------------------------------------------- */

/* A field row, copied out of the statement. */
struct field_row {
    struct lx_vault_field_info info;
    unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES];
    unsigned char *ct; /* malloc'd */
    size_t ctlen;
};

static void
field_row_release(struct field_row *r)
{
    free(r->ct);
    r->ct = NULL;
}

/* Read a field's row; LX_ENOTFOUND when absent. Nothing is decrypted. */
static lx_rc
load_field(struct lx_ctx *ctx, struct lx_store_tx *tx, int64_t subject,
           const char *name, struct field_row *r)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    memset(r, 0, sizeof(*r));
    if (!name_ok(name)) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/field",
                          "field name must be [a-z][a-z0-9_]*");
    }
    rc = lx_store_prepare(tx,
                          "SELECT category, sensitivity, format, key_version,"
                          " nonce, ciphertext FROM vault_field"
                          " WHERE subject_id = :s AND name = :n",
                          &s, &ctx->err);
    if (rc == LX_OK && ((rc = lx_store_bind_int(s, "s", subject)) != LX_OK ||
                        (rc = bind_str(s, "n", name)) != LX_OK)) {
        rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, &ctx->err);
    }
    if (rc != LX_OK) {
        goto out;
    }
    if (!row) {
        rc = lx_err_set(&ctx->err, LX_ENOTFOUND, "/field", "no such field");
        goto out;
    }
    {
        size_t cl = 0;
        const char *cat = lx_store_col_text(s, 0, NULL);
        const char *sens = lx_store_col_text(s, 1, NULL);
        const char *fmt = lx_store_col_text(s, 2, NULL);
        bool nonce_ok = col_copy(s, 4, r->nonce, sizeof(r->nonce));
        const void *c = lx_store_col_blob(s, 5, &cl);

        snprintf(r->info.name, sizeof(r->info.name), "%s", name);
        if (cat == NULL || sens == NULL || fmt == NULL ||
            !lx_vault_category_parse(cat, &r->info.category) ||
            !lx_vault_format_parse(fmt, &r->info.format) ||
            (sens[0] != '\0' &&
             !lx_vault_sensitivity_parse(sens, &r->info.sensitivity)) ||
            !nonce_ok || c == NULL || cl < LX_CRYPTO_AEAD_TAG_BYTES) {
            rc = lx_err_set(&ctx->err, LX_EINTEGRITY, "/field",
                            "field row is malformed");
            goto out;
        }
        r->info.key_version = lx_store_col_int(s, 3);
        r->ct = lx_xmalloc(cl);
        memcpy(r->ct, c, cl);
        r->ctlen = cl;
    }
out:
    lx_store_stmt_free(s);
    if (rc != LX_OK) {
        field_row_release(r);
    }
    return rc;
}

/* Open a loaded field row under its subject's key of its version. */
static lx_rc
open_field(struct lx_ctx *ctx, struct lx_store_tx *tx, int64_t subject,
           const struct field_row *r, struct lx_secret **plain)
{
    struct lx_secret *key = NULL;
    unsigned char ad[FIELD_AD_MAX];
    size_t adlen;
    int64_t v = 0;
    lx_rc rc;

    *plain = NULL;
    rc = load_subject_key(ctx, tx, subject, r->info.key_version, &key, &v);
    if (rc != LX_OK) {
        return rc;
    }
    adlen = field_ad(ad, sizeof(ad), subject, r->info.key_version, r->info.name,
                     r->info.category, r->info.sensitivity);
    rc = lx_crypto_aead_open(key, r->nonce, r->ct, r->ctlen, ad, adlen, plain);
    lx_secret_free(key);
    if (rc != LX_OK) {
        return lx_err_set(&ctx->err, LX_EINTEGRITY, "/field",
                          "field does not open (moved or altered)");
    }
    return LX_OK;
}

struct get_arg {
    struct lx_ctx *ctx;
    int64_t subject;
    const char *field;
    char *out;
    size_t outsize;
    struct lx_vault_field_info info;
};

static lx_rc
mask_plain(struct lx_ctx *ctx, enum lx_vault_format f,
           const struct lx_secret *plain, char *out, size_t outsize)
{
    static const char fixed[] = "****";
    enum lx_pii_type t = LX_PII_NONE;
    lx_rc rc;

    switch (f) {
    case LX_VAULT_FMT_NAME:
        t = LX_PII_NAME;
        break;
    case LX_VAULT_FMT_MOBILE:
        t = LX_PII_CN_MOBILE;
        break;
    case LX_VAULT_FMT_CN_ID:
        t = LX_PII_CN_ID;
        break;
    case LX_VAULT_FMT_EMAIL:
        t = LX_PII_EMAIL;
        break;
    case LX_VAULT_FMT_ADDRESS:
        t = LX_PII_ADDRESS;
        break;
    case LX_VAULT_FMT_TEXT:
    case LX_VAULT_FMT_COUNT:
        break;
    }
    if (t == LX_PII_NONE) {
        if (outsize < sizeof(fixed)) {
            return lx_err_set(&ctx->err, LX_ETOOBIG, NULL,
                              "masked value buffer too small");
        }
        memcpy(out, fixed, sizeof(fixed));
        return LX_OK;
    }
    rc = lx_pii_mask_value(t, (const char *)plain->p, plain->len, out, outsize,
                           NULL, &ctx->err);
    return rc;
}

static lx_rc
get_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct get_arg *a = arg;
    struct field_row r;
    struct lx_secret *plain = NULL;
    lx_rc rc;

    (void)err;
    rc = load_field(a->ctx, tx, a->subject, a->field, &r);
    if (rc != LX_OK) {
        return rc;
    }
    rc = open_field(a->ctx, tx, a->subject, &r, &plain);
    if (rc == LX_OK) {
        rc = mask_plain(a->ctx, r.info.format, plain, a->out, a->outsize);
        a->info = r.info;
    }
    lx_secret_free(plain);
    field_row_release(&r);
    return rc;
}

lx_rc
lx_vault_get_masked(struct lx_ctx *ctx, int64_t subject, const char *field,
                    char *out, size_t outsize, struct lx_vault_field_info *info)
{
    struct get_arg a = {.ctx = ctx,
                        .subject = subject,
                        .field = field,
                        .out = out,
                        .outsize = outsize};
    lx_rc rc;

    if (outsize > 0) {
        out[0] = '\0';
    }
    rc = lx_store_read(ctx->app->store, get_unit, &a, &ctx->err);
    if (rc != LX_OK && outsize > 0) {
        out[0] = '\0';
    }
    if (rc == LX_OK && info != NULL) {
        *info = a.info;
    }
    return rc;
}

/* ---- blind-index look-up --------------------------------------------------
 */

struct find_arg {
    struct lx_ctx *ctx;
    enum lx_vault_index kind;
    const char *norm;
    int64_t *ids;
    size_t max;
    size_t n;
};

static lx_rc
find_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct find_arg *a = arg;
    struct lx_store_stmt *s = NULL;
    struct index_keys ik = {0};
    unsigned char h[LX_CRYPTO_KEYED_HASH_BYTES];
    int64_t last = 0;
    bool row = false, found = false;
    lx_rc rc;

    (void)err;
    a->n = 0;
    rc = load_index_keys(a->ctx, tx, false, &ik, &found);
    if (rc != LX_OK || !found) {
        return rc; /* no index key yet: nothing was ever indexed */
    }
    blind_hash(&ik, a->kind, a->norm, h);
    index_keys_release(&ik);
    rc = lx_store_prepare(tx,
                          "SELECT subject_id FROM vault_blind_index"
                          " WHERE kind = :k AND hmac = :h"
                          " ORDER BY subject_id",
                          &s, &a->ctx->err);
    if (rc == LX_OK &&
        ((rc = bind_str(s, "k", lx_vault_index_name(a->kind))) != LX_OK ||
         (rc = lx_store_bind_blob(s, "h", h, sizeof(h))) != LX_OK)) {
        rc = lx_err_set(&a->ctx->err, rc, NULL, "vault: bind failed");
    }
    while (rc == LX_OK) {
        int64_t id;

        rc = lx_store_step(s, &row, &a->ctx->err);
        if (rc != LX_OK || !row) {
            break;
        }
        id = lx_store_col_int(s, 0);
        if (id == last) {
            continue; /* two fields of one subject with the same value */
        }
        last = id;
        if (a->n < a->max) {
            a->ids[a->n] = id;
        }
        a->n++;
    }
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_vault_find(struct lx_ctx *ctx, enum lx_vault_index kind, const char *value,
              size_t len, int64_t *ids, size_t max, size_t *n)
{
    struct lx_secret *norm = NULL;
    struct find_arg a = {ctx, kind, NULL, ids, max, 0};
    lx_rc rc;

    *n = 0;
    lx_secret_new(256, &norm);
    rc = lx_vault_normalise(kind, value, len, (char *)norm->p, 257, &ctx->err);
    if (rc == LX_OK) {
        a.norm = (const char *)norm->p;
        rc = lx_store_read(ctx->app->store, find_unit, &a, &ctx->err);
    }
    if (rc == LX_OK) {
        *n = a.n;
    }
    lx_secret_free(norm);
    return rc;
}

/* ---- audit ----------------------------------------------------------------
 */

/* Append one record about a subject inside tx (taking the audit lock first,
 * as the log requires on PostgreSQL). */
static lx_rc
audit_subject(struct lx_ctx *ctx, struct lx_store_tx *tx,
              const struct index_keys *ik, enum lx_audit_kind kind,
              const char *action, int64_t subject, const char *field,
              const char *purpose, const char *decision, const char *reason,
              const char *clause)
{
    struct lx_audit_entry e = {0};
    unsigned char ref[LX_VAULT_REF_BYTES];
    char rid[24];
    lx_rc rc;

    rc = lx_store_tx_lock(tx, LX_STORE_LOCK_AUDIT, &ctx->err);
    if (rc != LX_OK) {
        return rc;
    }
    subject_ref(ik, subject, ref);
    snprintf(rid, sizeof(rid), "%" PRId64, subject);
    e.time_ms = ctx->now_ms;
    e.kind = kind;
    e.actor_kind = (int)ctx->actor.kind;
    e.actor_id = ctx->actor.id;
    e.actor_firm = ctx->actor.firm_id;
    e.actor_role = ctx->actor.role;
    e.action = action;
    e.resource_type = "subject";
    e.resource_id = rid;
    e.subject = ref;
    e.subject_len = sizeof(ref);
    e.field = field;
    e.purpose = purpose;
    e.decision = decision;
    e.reason = reason;
    e.clause = clause;
    e.request_id = ctx->req_id;
    return lx_audit_append_tx(tx, &e, &ctx->err);
}

struct ref_arg {
    struct lx_ctx *ctx;
    int64_t subject;
    unsigned char *out;
};

static lx_rc
ref_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct ref_arg *a = arg;
    struct index_keys ik = {0};
    bool found = false;
    lx_rc rc;

    (void)err;
    rc = load_index_keys(a->ctx, tx, true, &ik, &found);
    if (rc == LX_OK) {
        subject_ref(&ik, a->subject, a->out);
    }
    index_keys_release(&ik);
    return rc;
}

lx_rc
lx_vault_subject_ref(struct lx_ctx *ctx, int64_t subject,
                     unsigned char out[LX_VAULT_REF_BYTES])
{
    struct ref_arg a = {ctx, subject, out};

    /* A write: the first call on an empty vault creates the index key. */
    return lx_store_write(ctx->app->store, ref_unit, &a, &ctx->err);
}

/* ---- who accessed my data --------------------------------------------------
 */

struct access_arg {
    struct lx_ctx *ctx;
    int64_t subject;
    uint64_t after_seq;
    int limit;
    lx_vault_access_fn *fn;
    void *fnarg;
    uint64_t next;
};

static const char *
nz(const char *s)
{
    return s != NULL ? s : "";
}

static lx_rc
access_row(void *arg, const struct lx_audit_entry *e)
{
    struct access_arg *a = arg;
    struct lx_vault_access v = {0};

    v.seq = e->seq;
    v.time_ms = e->time_ms;
    v.firm_id = e->actor_firm;
    v.role = nz(e->actor_role);
    v.action = nz(e->action);
    v.field = nz(e->field);
    v.purpose = nz(e->purpose);
    v.decision = nz(e->decision);
    v.reason = nz(e->reason);
    v.clause = nz(e->clause);
    return a->fn(a->fnarg, &v);
}

static lx_rc
accesses_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct access_arg *a = arg;
    struct lx_audit_query q = {0};
    struct index_keys ik = {0};
    unsigned char ref[LX_VAULT_REF_BYTES];
    bool found = false;
    lx_rc rc;

    (void)err;
    a->next = 0;
    rc = load_index_keys(a->ctx, tx, false, &ik, &found);
    if (rc != LX_OK || !found) {
        return rc; /* no index key: no subject was ever audited */
    }
    subject_ref(&ik, a->subject, ref);
    index_keys_release(&ik);
    q.subject = ref;
    q.subject_len = sizeof(ref);
    q.after_seq = a->after_seq;
    q.limit = a->limit;
    return lx_audit_query_tx(tx, &q, access_row, a, &a->next, &a->ctx->err);
}

lx_rc
lx_vault_accesses(struct lx_ctx *ctx, int64_t subject, uint64_t after_seq,
                  int limit, lx_vault_access_fn *fn, void *arg,
                  uint64_t *next_after)
{
    struct access_arg a = {ctx, subject, after_seq, limit, fn, arg, 0};
    lx_rc rc;

    if (next_after != NULL) {
        *next_after = 0;
    }
    rc = lx_store_read(ctx->app->store, accesses_unit, &a, &ctx->err);
    if (rc == LX_OK && next_after != NULL) {
        *next_after = a.next;
    }
    return rc;
}

/* ---- reveal ----------------------------------------------------------------
 */

struct reveal_arg {
    struct lx_ctx *ctx;
    const struct lx_vault_reveal_req *req;
    struct lx_policy_decision d;
    struct lx_secret *plain;
};

static lx_rc
reveal_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct reveal_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    struct lx_policy_facts facts = a->req->facts;
    struct field_row r;
    struct index_keys ik = {0};
    bool found = false;
    lx_rc rc;

    (void)err;
    lx_secret_free(a->plain); /* a unit may be retried: start clean */
    a->plain = NULL;
    rc = load_field(ctx, tx, a->req->subject_id, a->req->field, &r);
    if (rc != LX_OK) {
        return rc;
    }
    /* The field's class comes from the vault, not from the caller. */
    facts.action = LX_POLICY_ACTION_REVEAL_FIELD;
    facts.lead.field = r.info.sensitivity != LX_VAULT_SENS_NONE
                           ? LX_POLICY_FIELD_SENSITIVE
                           : LX_POLICY_FIELD_ORDINARY;
    lx_policy_decide(&facts, &a->d);

    /* C4.3: the decision, allow or deny, is recorded in this transaction. */
    rc = load_index_keys(ctx, tx, true, &ik, &found);
    if (rc == LX_OK) {
        rc = audit_subject(
            ctx, tx, &ik, LX_AUDIT_ACCESS, "reveal", a->req->subject_id,
            r.info.name, lx_policy_purpose_name(facts.purpose),
            lx_policy_verdict_name(a->d.verdict), a->d.reason, a->d.clause);
    }
    if (rc == LX_OK && a->d.verdict == LX_POLICY_ALLOW) {
        rc = open_field(ctx, tx, a->req->subject_id, &r, &a->plain);
    }
    index_keys_release(&ik);
    field_row_release(&r);
    return rc;
}

lx_rc
lx_vault_reveal(struct lx_ctx *ctx, const struct lx_vault_reveal_req *req,
                struct lx_secret **out)
{
    struct reveal_arg a = {ctx, req, {0}, NULL};
    lx_rc rc;

    *out = NULL;
    rc = lx_store_write(ctx->app->store, reveal_unit, &a, &ctx->err);
    if (rc != LX_OK) {
        goto out; /* nothing of the unit was kept: no record, no reveal */
    }
    if (a.d.verdict != LX_POLICY_ALLOW) {
        rc = lx_err_set(&ctx->err, LX_EDENIED, NULL, "%s",
                        a.d.reason != NULL ? a.d.reason : "denied");
        ctx->err.clause = a.d.clause;
        goto out;
    }
    *out = a.plain; /* ownership moves to the caller */
    a.plain = NULL;
out:
    lx_secret_free(a.plain);
    return rc;
}

lx_rc
lx_vault_open_tx(struct lx_ctx *ctx, struct lx_store_tx *tx,
                 const struct lx_policy_decision *d, int64_t subject,
                 const char *field, struct lx_vault_field_info *info,
                 struct lx_secret **out)
{
    struct field_row r;
    lx_rc rc;

    *out = NULL;
    /* Deny by default: no decision, or anything but an allow, opens
     * nothing. */
    if (d == NULL || d->verdict != LX_POLICY_ALLOW) {
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "no allowing decision for the read");
    }
    rc = load_field(ctx, tx, subject, field, &r);
    if (rc != LX_OK) {
        return rc;
    }
    rc = open_field(ctx, tx, subject, &r, out);
    if (rc == LX_OK && info != NULL) {
        *info = r.info;
    }
    field_row_release(&r);
    return rc;
}

/* ---- crypto-shredding ------------------------------------------------------
 */

struct shred_arg {
    struct lx_ctx *ctx;
    int64_t subject;
};

static lx_rc
exec_subject(struct lx_ctx *ctx, struct lx_store_tx *tx, const char *sql,
             int64_t subject, int64_t *changes)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx, sql, &s, &ctx->err);

    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "s", subject);
        if (rc == LX_OK && strstr(sql, ":t") != NULL) {
            rc = lx_store_bind_int(s, "t", ctx->now_ms);
        }
        if (rc != LX_OK) {
            rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
        }
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, &ctx->err);
    }
    if (rc == LX_OK && changes != NULL) {
        *changes = lx_store_changes(tx);
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
shred_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct shred_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    struct index_keys ik = {0};
    int64_t n = 0;
    bool found = false;
    lx_rc rc;

    (void)err;
    rc = exec_subject(ctx, tx,
                      "UPDATE vault_subject SET shredded_ms = :t"
                      " WHERE id = :s AND shredded_ms = 0",
                      a->subject, &n);
    if (rc == LX_OK && n != 1) {
        rc = lx_err_set(&ctx->err, LX_ENOTFOUND, "/subject",
                        "no such subject, or already shredded");
    }
    /* The key rows go first: from here on nothing of the subject opens.
     * The SQLite writer runs with secure_delete=ON, so the deleted key
     * bytes are overwritten with zeros in the file (docs/vault.md). */
    if (rc == LX_OK) {
        rc = exec_subject(ctx, tx,
                          "DELETE FROM vault_subject_key WHERE subject_id = :s",
                          a->subject, NULL);
    }
    if (rc == LX_OK) {
        rc = exec_subject(ctx, tx,
                          "DELETE FROM vault_field WHERE subject_id = :s",
                          a->subject, NULL);
    }
    if (rc == LX_OK) {
        rc = exec_subject(ctx, tx,
                          "DELETE FROM vault_blind_index WHERE subject_id = :s",
                          a->subject, NULL);
    }
    if (rc == LX_OK) {
        rc = load_index_keys(ctx, tx, true, &ik, &found);
    }
    if (rc == LX_OK) {
        rc = audit_subject(ctx, tx, &ik, LX_AUDIT_DELETION, "shred", a->subject,
                           "", "", "done", "crypto_shred", "C7.2");
    }
    index_keys_release(&ik);
    return rc;
}

lx_rc
lx_vault_shred(struct lx_ctx *ctx, int64_t subject)
{
    struct shred_arg a = {ctx, subject};

    return lx_store_write(ctx->app->store, shred_unit, &a, &ctx->err);
}

/* ---- master-key re-wrapping
 * -------------------------------------------------- */

struct wrapped_row {
    int64_t owner; /* subject id, or INDEX_OWNER for the index root key */
    int64_t version;
    char master_id[LX_CRYPTO_KEY_ID_HEX];
    unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES];
    unsigned char wrapped[LX_CRYPTO_WRAPPED_KEY_BYTES];
};

static lx_rc
count_pending(struct lx_ctx *ctx, struct lx_store_tx *tx, const char *target,
              int64_t *left)
{
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    *left = 0;
    rc = lx_store_prepare(tx,
                          "SELECT (SELECT COUNT(*) FROM vault_subject_key"
                          " WHERE master_id <> :m) + (SELECT COUNT(*) FROM"
                          " vault_index_key WHERE master_id <> :m)",
                          &s, &ctx->err);
    if (rc == LX_OK && (rc = bind_str(s, "m", target)) != LX_OK) {
        rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, &ctx->err);
    }
    if (rc == LX_OK && row) {
        *left = lx_store_col_int(s, 0);
    }
    lx_store_stmt_free(s);
    return rc;
}

/* Read up to 'max' rows not under 'target' into rows; *n gets how many. */
static lx_rc
select_foreign(struct lx_ctx *ctx, struct lx_store_tx *tx, const char *target,
               struct wrapped_row *rows, size_t max, size_t *n)
{
    static const char *const sql[2] = {
        "SELECT 0, 1, master_id, nonce, wrapped FROM vault_index_key"
        " WHERE master_id <> :m LIMIT :lim",
        "SELECT subject_id, version, master_id, nonce, wrapped FROM"
        " vault_subject_key WHERE master_id <> :m"
        " ORDER BY subject_id, version LIMIT :lim",
    };
    lx_rc rc = LX_OK;

    *n = 0;
    for (size_t q = 0; q < 2 && rc == LX_OK && *n < max; q++) {
        struct lx_store_stmt *s = NULL;
        bool row = false;

        rc = lx_store_prepare(tx, sql[q], &s, &ctx->err);
        if (rc == LX_OK && ((rc = bind_str(s, "m", target)) != LX_OK ||
                            (rc = lx_store_bind_int(
                                 s, "lim", (int64_t)(max - *n))) != LX_OK)) {
            rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
        }
        while (rc == LX_OK && *n < max) {
            struct wrapped_row *w = &rows[*n];
            size_t il = 0;
            const char *mid;

            rc = lx_store_step(s, &row, &ctx->err);
            if (rc != LX_OK || !row) {
                break;
            }
            w->owner = lx_store_col_int(s, 0);
            w->version = lx_store_col_int(s, 1);
            mid = lx_store_col_text(s, 2, &il);
            if (mid == NULL || il >= sizeof(w->master_id) ||
                !col_copy(s, 3, w->nonce, sizeof(w->nonce)) ||
                !col_copy(s, 4, w->wrapped, sizeof(w->wrapped))) {
                rc = lx_err_set(&ctx->err, LX_EINTEGRITY, "/keys",
                                "a wrapped key row is malformed");
                break;
            }
            memcpy(w->master_id, mid, il);
            w->master_id[il] = '\0';
            (*n)++;
        }
        lx_store_stmt_free(s);
    }
    return rc;
}

struct rewrap_arg {
    struct lx_ctx *ctx;
    size_t batch;
    int64_t done;
    int64_t left;
};

static lx_rc
rewrap_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rewrap_arg *a = arg;
    struct lx_ctx *ctx = a->ctx;
    const struct lx_crypto_keys *k = NULL;
    struct wrapped_row *rows = NULL;
    char target[LX_CRYPTO_KEY_ID_HEX];
    size_t n = 0;
    lx_rc rc;

    (void)err;
    a->done = 0;
    a->left = 0;
    if ((rc = need_keys(ctx, &k)) != LX_OK) {
        return rc;
    }
    lx_crypto_master_id(newest_master(k), target);
    rows = lx_xcalloc(a->batch, sizeof(*rows));
    rc = select_foreign(ctx, tx, target, rows, a->batch, &n);
    for (size_t i = 0; rc == LX_OK && i < n; i++) {
        struct wrapped_row *w = &rows[i];
        struct lx_secret *key = NULL;
        struct lx_store_stmt *s = NULL;
        bool row = false;

        rc = unwrap_row(ctx, k, w->master_id, strlen(w->master_id), w->nonce,
                        sizeof(w->nonce), w->wrapped, sizeof(w->wrapped),
                        w->owner, w->version, &key);
        if (rc != LX_OK) {
            break;
        }
        lx_crypto_key_wrap(newest_master(k), key, w->owner, w->version,
                           w->nonce, w->wrapped);
        lx_secret_free(key);
        rc = lx_store_prepare(
            tx,
            w->owner == INDEX_OWNER
                ? "UPDATE vault_index_key SET master_id = :m, nonce = :n,"
                  " wrapped = :w WHERE id = 1"
                : "UPDATE vault_subject_key SET master_id = :m, nonce = :n,"
                  " wrapped = :w WHERE subject_id = :s AND version = :v",
            &s, &ctx->err);
        if (rc == LX_OK &&
            ((rc = bind_str(s, "m", target)) != LX_OK ||
             (rc = lx_store_bind_blob(s, "n", w->nonce, sizeof(w->nonce))) !=
                 LX_OK ||
             (rc = lx_store_bind_blob(s, "w", w->wrapped,
                                      sizeof(w->wrapped))) != LX_OK ||
             (w->owner != INDEX_OWNER &&
              ((rc = lx_store_bind_int(s, "s", w->owner)) != LX_OK ||
               (rc = lx_store_bind_int(s, "v", w->version)) != LX_OK)))) {
            rc = lx_err_set(&ctx->err, rc, NULL, "vault: bind failed");
        }
        if (rc == LX_OK) {
            rc = lx_store_step(s, &row, &ctx->err);
        }
        lx_store_stmt_free(s);
        if (rc == LX_OK) {
            a->done++;
        }
    }
    if (rc == LX_OK && a->done > 0) {
        struct lx_audit_entry e = {0};

        rc = lx_store_tx_lock(tx, LX_STORE_LOCK_AUDIT, &ctx->err);
        if (rc == LX_OK) {
            char cnt[24];

            snprintf(cnt, sizeof(cnt), "%" PRId64, a->done);
            e.time_ms = ctx->now_ms;
            e.kind = LX_AUDIT_KEY;
            e.actor_kind = (int)ctx->actor.kind;
            e.actor_id = ctx->actor.id;
            e.actor_firm = ctx->actor.firm_id;
            e.actor_role = ctx->actor.role;
            e.action = "master_rewrap";
            e.resource_type = "master_key";
            e.resource_id = target;
            e.decision = "done";
            e.reason = cnt;
            e.request_id = ctx->req_id;
            rc = lx_audit_append_tx(tx, &e, &ctx->err);
        }
    }
    if (rc == LX_OK) {
        rc = count_pending(ctx, tx, target, &a->left);
    }
    free(rows);
    return rc;
}

lx_rc
lx_vault_rewrap(struct lx_ctx *ctx, size_t batch, int64_t *done, int64_t *left)
{
    struct rewrap_arg a = {ctx, batch, 0, 0};
    lx_rc rc;

    *done = 0;
    *left = 0;
    if (batch < 1 || batch > REWRAP_BATCH_MAX) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/batch", "batch must be 1..%d",
                          REWRAP_BATCH_MAX);
    }
    rc = lx_store_write(ctx->app->store, rewrap_unit, &a, &ctx->err);
    if (rc == LX_OK) {
        *done = a.done;
        *left = a.left;
    }
    return rc;
}

struct pending_arg {
    struct lx_ctx *ctx;
    int64_t left;
};

static lx_rc
pending_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct pending_arg *a = arg;
    const struct lx_crypto_keys *k = NULL;
    char target[LX_CRYPTO_KEY_ID_HEX];
    lx_rc rc;

    (void)err;
    if ((rc = need_keys(a->ctx, &k)) != LX_OK) {
        return rc;
    }
    lx_crypto_master_id(newest_master(k), target);
    return count_pending(a->ctx, tx, target, &a->left);
}

lx_rc
lx_vault_rewrap_pending(struct lx_ctx *ctx, int64_t *left)
{
    struct pending_arg a = {ctx, 0};
    lx_rc rc = lx_store_read(ctx->app->store, pending_unit, &a, &ctx->err);

    *left = rc == LX_OK ? a.left : 0;
    return rc;
}
