/*
 * test_vault — the personal-data vault: masking, associated-data binding
 * (a ciphertext or wrapped key moved to another field, subject or version
 * does not open), blind-index look-ups, crypto-shredding (with the raw
 * SQLite file checked for the key bytes), reveal through policy and audit
 * in one transaction (with LX_STORE_FAULT walked over it), master-key
 * rotation resumed after an injected failure, and canary values that must
 * never appear in an error, a log line, an audit record or the database
 * file.
 *
 * With LX_TEST_BACKEND=postgres and LX_TEST_PG_URL (CTest registers that
 * run against its throw-away cluster) the same tests run on PostgreSQL,
 * each in a fresh schema; the raw-file checks are SQLite's only.
 */
#include "audit/audit.h"
#include "base/ctx.h"
#include "crypto/crypto.h"
#include "pii/pii.h"
#include "policy/policy.h"
#include "store/store.h"
#include "lib/svcfix.h"
#include "vault/vault.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define T0 1800000000000LL
#define DAY (24LL * 3600 * 1000)

/* Canary values: planted, and grepped for in every output. */
#define CANARY_NAME "金丝雀测试人"
#define CANARY_PHONE "13987650123"
#define CANARY_EMAIL "canary.zz9@example.org"
#define CANARY_TEXT "CANARY-CASE-TEXT-7788"

static const char *pg_url;

struct fx {
    char dir[64];
    char keys[96];
    char db[96];
    char url[512];
    char schema[64];
    char logpath[96];
    struct lx_app app;
    struct lx_ctx ctx;
};

/* ---- helpers ------------------------------------------------------------- */

static int
pg_admin(const char *sql)
{
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    int rc = -1;

    if (lx_store_open(pg_url, NULL, &st, &err) == LX_OK &&
        lx_store_write(st, svcfix_exec_unit, (void *)sql, &err) == LX_OK) {
        rc = 0;
    } else {
        fprintf(stderr, "pg_admin: %s\n", lx_err_message(&err));
    }
    lx_store_close(st);
    return rc;
}

static void
sql_exec(struct fx *f, const char *sql)
{
    struct lx_err err = {0};

    assert_int_equal(
        lx_store_write(f->app.store, svcfix_exec_unit, (void *)sql, &err),
        LX_OK);
}

static int64_t
count(struct fx *f, const char *sql)
{
    return svcfix_count(f->app.store, sql);
}

static void
open_store(struct fx *f)
{
    struct lx_err err = {0};

    assert_int_equal(lx_store_open(f->url, NULL, &f->app.store, &err), LX_OK);
}

static void
reload_keys(struct fx *f)
{
    struct lx_err err = {0};

    lx_crypto_keys_free(f->app.keys);
    f->app.keys = NULL;
    assert_int_equal(lx_crypto_keys_load(f->keys, &f->app.keys, &err), LX_OK);
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct lx_err err = {0};

    snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/lx-vault-XXXXXX");
    if (mkdtemp(f->dir) == NULL || lx_crypto_init(&err) != LX_OK) {
        free(f);
        return -1;
    }
    snprintf(f->keys, sizeof(f->keys), "%s/keys", f->dir);
    snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
    snprintf(f->logpath, sizeof(f->logpath), "%s/log", f->dir);
    snprintf(f->url, sizeof(f->url), "sqlite:%s", f->db);
    if (pg_url != NULL) {
        static int seq;
        char sql[128];

        snprintf(f->schema, sizeof(f->schema), "lx_v_%d_%d", (int)getpid(),
                 ++seq);
        snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", f->schema);
        if (pg_admin(sql) != 0) {
            return -1;
        }
        snprintf(f->url, sizeof(f->url), "%s%coptions=-csearch_path%%3D%s",
                 pg_url, strchr(pg_url, '?') ? '&' : '?', f->schema);
    }
    if (lx_crypto_keys_create(f->keys, &err) != LX_OK ||
        lx_crypto_keys_load(f->keys, &f->app.keys, &err) != LX_OK ||
        lx_store_open(f->url, NULL, &f->app.store, &err) != LX_OK ||
        lx_store_migrate(f->app.store, NULL, &err) != LX_OK) {
        fprintf(stderr, "setup: %s\n", lx_err_message(&err));
        return -1;
    }
    f->app.log.fd = open(f->logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    f->app.log.min_level = LX_LOG_DEBUG;
    lx_ctx_init(&f->ctx, &f->app, T0);
    f->ctx.actor.kind = LX_ACTOR_STAFF;
    f->ctx.actor.id = 7;
    f->ctx.actor.firm_id = 3;
    snprintf(f->ctx.actor.role, sizeof(f->ctx.actor.role), "lawyer");
    snprintf(f->ctx.req_id, sizeof(f->ctx.req_id), "req-test");
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    static const char *const names[] = {"t.db",
                                        "t.db-wal",
                                        "t.db-shm",
                                        "log",
                                        "keys/master.key",
                                        "keys/signing.key",
                                        "keys/signing.pub",
                                        "keys/master.key.next",
                                        "keys/master.key.old"};
    struct fx *f = *state;
    char p[160];

    lx_ctx_release(&f->ctx);
    lx_store_close(f->app.store);
    lx_crypto_keys_free(f->app.keys);
    if (f->app.log.fd > 0) {
        close(f->app.log.fd);
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    rmdir(f->keys);
    rmdir(f->dir);
    if (f->schema[0] != '\0') {
        char sql[128];

        snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", f->schema);
        pg_admin(sql);
    }
    free(f);
    return 0;
}

static int64_t
subject(struct fx *f)
{
    int64_t id = 0;
    lx_rc rc = lx_vault_subject_create(&f->ctx, &id);

    if (rc != LX_OK) {
        fprintf(stderr, "subject: %s\n", lx_err_message(&f->ctx.err));
    }
    assert_int_equal(rc, LX_OK);
    assert_true(id > 0);
    return id;
}

static lx_rc
put(struct fx *f, int64_t s, const char *name, enum lx_vault_category cat,
    enum lx_vault_sensitivity sens, enum lx_vault_format fmt, const char *v)
{
    struct lx_vault_field fl = {name, cat, sens, fmt, v, strlen(v)};

    return lx_vault_put(&f->ctx, s, &fl);
}

static lx_rc
masked(struct fx *f, int64_t s, const char *name, char *out)
{
    return lx_vault_get_masked(&f->ctx, s, name, out, LX_VAULT_MASKED_MAX,
                               NULL);
}

/* A valid 18-character ID number with the given 17 digits. */
static void
make_id(const char *d17, char out[19])
{
    memcpy(out, d17, 17);
    out[17] = lx_pii_id_check_char(d17);
    out[18] = '\0';
}

/* An ID number whose check character is X (for the case tests). */
static void
make_id_x(char out[19])
{
    char d[32];

    for (int i = 0; i < 1000; i++) {
        snprintf(d, sizeof(d), "11010519900307%03d", i);
        if (lx_pii_id_check_char(d) == 'X') {
            make_id(d, out);
            return;
        }
    }
    fail_msg("no ID with check character X");
}

/* ---- crypto primitives ------------------------------------------------------
 */

static void
test_crypto_aead_and_wrap(void **state)
{
    struct lx_secret *k = NULL, *m = NULL, *out = NULL;
    unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES];
    unsigned char ct[5 + LX_CRYPTO_AEAD_TAG_BYTES];
    unsigned char wn[LX_CRYPTO_AEAD_NONCE_BYTES];
    unsigned char w[LX_CRYPTO_WRAPPED_KEY_BYTES];
    struct lx_err err = {0};

    (void)state;
    assert_int_equal(lx_crypto_init(&err), LX_OK);
    lx_crypto_key_new(&k);
    lx_crypto_key_new(&m);
    lx_crypto_aead_seal(k, "hello", 5, "ad-1", 4, nonce, ct);
    assert_int_equal(
        lx_crypto_aead_open(k, nonce, ct, sizeof(ct), "ad-1", 4, &out), LX_OK);
    assert_int_equal(out->len, 5);
    assert_memory_equal(out->p, "hello", 6);
    lx_secret_free(out);
    assert_int_equal(
        lx_crypto_aead_open(k, nonce, ct, sizeof(ct), "ad-2", 4, &out),
        LX_EINTEGRITY);
    assert_null(out);
    ct[0] ^= 1;
    assert_int_equal(
        lx_crypto_aead_open(k, nonce, ct, sizeof(ct), "ad-1", 4, &out),
        LX_EINTEGRITY);

    lx_crypto_key_wrap(m, k, 42, 1, wn, w);
    assert_int_equal(lx_crypto_key_unwrap(m, wn, w, 42, 1, &out), LX_OK);
    assert_memory_equal(out->p, k->p, LX_CRYPTO_AEAD_KEY_BYTES);
    lx_secret_free(out);
    assert_int_equal(lx_crypto_key_unwrap(m, wn, w, 43, 1, &out),
                     LX_EINTEGRITY);
    assert_int_equal(lx_crypto_key_unwrap(m, wn, w, 42, 2, &out),
                     LX_EINTEGRITY);
    assert_int_equal(lx_crypto_key_unwrap(k, wn, w, 42, 1, &out),
                     LX_EINTEGRITY);

    /* KDF: contexts and ids give different keys; bad contexts refused. */
    {
        struct lx_secret *a = NULL, *b = NULL, *c = NULL;

        assert_int_equal(lx_crypto_kdf(m, "lxblind1", 1, 32, &a), LX_OK);
        assert_int_equal(lx_crypto_kdf(m, "lxsubjrf", 1, 32, &b), LX_OK);
        assert_int_equal(lx_crypto_kdf(m, "lxblind1", 2, 32, &c), LX_OK);
        assert_memory_not_equal(a->p, b->p, 32);
        assert_memory_not_equal(a->p, c->p, 32);
        lx_secret_free(c);
        assert_int_equal(lx_crypto_kdf(m, "lxblind1", 1, 32, &c), LX_OK);
        assert_memory_equal(a->p, c->p, 32);
        lx_secret_free(a);
        lx_secret_free(b);
        lx_secret_free(c);
        assert_int_equal(lx_crypto_kdf(m, "short", 1, 32, &a), LX_EINVAL);
        assert_null(a);
    }
    lx_secret_free(k);
    lx_secret_free(m);
}

/* ---- masking and validation -------------------------------------------------
 */

static void
test_put_and_masked(void **state)
{
    struct fx *f = *state;
    struct lx_vault_field_info info;
    char out[LX_VAULT_MASKED_MAX], id[19], idx[19];
    int64_t s = subject(f);

    make_id("11010519491231002", id);
    make_id_x(idx);
    assert_int_equal(put(f, s, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "+86 139-1234-5678"),
                     LX_OK);
    assert_int_equal(masked(f, s, "phone", out), LX_OK);
    assert_string_equal(out, "139****5678");
    assert_int_equal(put(f, s, "name", LX_VAULT_CAT_NAME, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_NAME, "张三丰"),
                     LX_OK);
    assert_int_equal(masked(f, s, "name", out), LX_OK);
    assert_string_equal(out, "张**");
    assert_int_equal(put(f, s, "id_number", LX_VAULT_CAT_IDENTITY,
                         LX_VAULT_SENS_ID_DOCUMENT, LX_VAULT_FMT_CN_ID, id),
                     LX_OK);
    assert_int_equal(
        lx_vault_get_masked(&f->ctx, s, "id_number", out, sizeof(out), &info),
        LX_OK);
    assert_int_equal(strlen(out), 18);
    assert_memory_equal(out, id, 6); /* the region stays */
    assert_null(strstr(out, id + 6));
    assert_int_equal(info.category, LX_VAULT_CAT_IDENTITY);
    assert_int_equal(info.sensitivity, LX_VAULT_SENS_ID_DOCUMENT);
    assert_int_equal(info.format, LX_VAULT_FMT_CN_ID);
    assert_int_equal(info.key_version, 1);
    /* A lower-case x is stored upper-case. */
    idx[17] = 'x';
    assert_int_equal(put(f, s, "id_alt", LX_VAULT_CAT_IDENTITY,
                         LX_VAULT_SENS_ID_DOCUMENT, LX_VAULT_FMT_CN_ID, idx),
                     LX_OK);
    assert_int_equal(masked(f, s, "id_alt", out), LX_OK);
    assert_int_equal(out[17], 'X');
    assert_int_equal(put(f, s, "story", LX_VAULT_CAT_CASE_MATERIAL,
                         LX_VAULT_SENS_LITIGATION, LX_VAULT_FMT_TEXT,
                         "被告人于某日在某地"),
                     LX_OK);
    assert_int_equal(masked(f, s, "story", out), LX_OK);
    assert_string_equal(out, "****");
    assert_int_equal(put(f, s, "email", LX_VAULT_CAT_IDENTITY,
                         LX_VAULT_SENS_NONE, LX_VAULT_FMT_EMAIL,
                         "Zhang.San@Example.COM"),
                     LX_OK);
    assert_int_equal(masked(f, s, "email", out), LX_OK);
    assert_null(strstr(out, "zhang.san"));
    assert_non_null(strchr(out, '@'));

    /* Replacing a field keeps one row. */
    assert_int_equal(put(f, s, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13800001111"),
                     LX_OK);
    assert_int_equal(masked(f, s, "phone", out), LX_OK);
    assert_string_equal(out, "138****1111");

    /* Refusals name the field, never the value. */
    assert_int_equal(put(f, s, "Phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13800001111"),
                     LX_EINVAL);
    assert_string_equal(f->ctx.err.field, "/name");
    assert_int_equal(put(f, s, "phone", LX_VAULT_CAT_NONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13800001111"),
                     LX_EINVAL);
    assert_string_equal(f->ctx.err.field, "/category");
    assert_int_equal(put(f, s, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "12800001111"),
                     LX_EINVAL);
    assert_string_equal(f->ctx.err.field, "/value");
    id[17] = id[17] == '0' ? '1' : '0';
    assert_int_equal(put(f, s, "id_number", LX_VAULT_CAT_IDENTITY,
                         LX_VAULT_SENS_ID_DOCUMENT, LX_VAULT_FMT_CN_ID, id),
                     LX_EINVAL);
    assert_int_equal(put(f, s, "x", LX_VAULT_CAT_CHAT, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_TEXT, "\xff\xfe"),
                     LX_EINVAL);
    assert_int_equal(put(f, s + 100, "phone", LX_VAULT_CAT_PHONE,
                         LX_VAULT_SENS_NONE, LX_VAULT_FMT_MOBILE,
                         "13800001111"),
                     LX_ENOTFOUND);
    assert_int_equal(masked(f, s, "nothing", out), LX_ENOTFOUND);
    assert_string_equal(out, "");
    assert_int_equal(count(f, "SELECT COUNT(*) FROM vault_field"), 6);
}

/* ---- associated-data binding ------------------------------------------------
 */

static void
test_ad_binding(void **state)
{
    struct fx *f = *state;
    char out[LX_VAULT_MASKED_MAX], sql[512];
    int64_t a = subject(f), b = subject(f);

    assert_int_equal(put(f, a, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13900001111"),
                     LX_OK);
    assert_int_equal(put(f, a, "phone2", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13900002222"),
                     LX_OK);
    assert_int_equal(put(f, b, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13900003333"),
                     LX_OK);
    assert_int_equal(put(f, b, "health", LX_VAULT_CAT_CASE_MATERIAL,
                         LX_VAULT_SENS_HEALTH, LX_VAULT_FMT_TEXT, "diagnosis"),
                     LX_OK);
    assert_int_equal(masked(f, a, "phone2", out), LX_OK);
    assert_int_equal(masked(f, b, "phone", out), LX_OK);
    assert_int_equal(masked(f, b, "health", out), LX_OK);

    /* Another field of the same subject. */
    snprintf(sql, sizeof(sql),
             "UPDATE vault_field SET nonce = (SELECT nonce FROM vault_field"
             " WHERE subject_id = %lld AND name = 'phone'), ciphertext ="
             " (SELECT ciphertext FROM vault_field WHERE subject_id = %lld"
             " AND name = 'phone') WHERE subject_id = %lld AND name ="
             " 'phone2'",
             (long long)a, (long long)a, (long long)a);
    sql_exec(f, sql);
    assert_int_equal(masked(f, a, "phone2", out), LX_EINTEGRITY);
    assert_string_equal(out, "");
    assert_int_equal(masked(f, a, "phone", out), LX_OK);

    /* The same field of another subject. */
    snprintf(sql, sizeof(sql),
             "UPDATE vault_field SET nonce = (SELECT nonce FROM vault_field"
             " WHERE subject_id = %lld AND name = 'phone'), ciphertext ="
             " (SELECT ciphertext FROM vault_field WHERE subject_id = %lld"
             " AND name = 'phone') WHERE subject_id = %lld AND name = 'phone'",
             (long long)a, (long long)a, (long long)b);
    sql_exec(f, sql);
    assert_int_equal(masked(f, b, "phone", out), LX_EINTEGRITY);

    /* Lowering a field's sensitivity in the database breaks it too. */
    snprintf(sql, sizeof(sql),
             "UPDATE vault_field SET sensitivity = '', sensitive = 0"
             " WHERE subject_id = %lld AND name = 'health'",
             (long long)b);
    sql_exec(f, sql);
    assert_int_equal(masked(f, b, "health", out), LX_EINTEGRITY);

    /* Another key version: the wrapped key copied as version 2 does not
     * unwrap (the wrap binds the version), and the field claiming version
     * 2 does not open. */
    snprintf(sql, sizeof(sql),
             "INSERT INTO vault_subject_key (subject_id, version, master_id,"
             " nonce, wrapped, created_ms) SELECT subject_id, 2, master_id,"
             " nonce, wrapped, created_ms FROM vault_subject_key"
             " WHERE subject_id = %lld AND version = 1;"
             " UPDATE vault_field SET key_version = 2 WHERE subject_id = %lld"
             " AND name = 'phone'",
             (long long)a, (long long)a);
    sql_exec(f, sql);
    assert_int_equal(masked(f, a, "phone", out), LX_EINTEGRITY);

    /* A wrapped key moved to another subject does not unwrap. */
    assert_int_equal(put(f, b, "phone3", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13900004444"),
                     LX_OK);
    snprintf(sql, sizeof(sql),
             "UPDATE vault_subject_key SET nonce = (SELECT nonce FROM"
             " vault_subject_key WHERE subject_id = %lld AND version = 1),"
             " wrapped = (SELECT wrapped FROM vault_subject_key WHERE"
             " subject_id = %lld AND version = 1) WHERE subject_id = %lld",
             (long long)a, (long long)a, (long long)b);
    sql_exec(f, sql);
    assert_int_equal(masked(f, b, "phone3", out), LX_EINTEGRITY);
    assert_int_equal(put(f, b, "phone4", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13900004444"),
                     LX_EINTEGRITY);
}

/* ---- blind indexes
 * ------------------------------------------------------------ */

static void
test_blind_index(void **state)
{
    struct fx *f = *state;
    int64_t ids[4];
    size_t n = 0;
    char idx[19], idlow[19];
    int64_t a = subject(f), b = subject(f), c = subject(f);

    make_id_x(idx);
    memcpy(idlow, idx, sizeof(idx));
    idlow[17] = 'x';
    assert_int_equal(put(f, a, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13912345678"),
                     LX_OK);
    assert_int_equal(put(f, b, "mobile", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "+86 139 1234 5678"),
                     LX_OK);
    assert_int_equal(put(f, c, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13912345679"),
                     LX_OK);
    assert_int_equal(put(f, a, "id_number", LX_VAULT_CAT_IDENTITY,
                         LX_VAULT_SENS_ID_DOCUMENT, LX_VAULT_FMT_CN_ID, idlow),
                     LX_OK);
    assert_int_equal(put(f, c, "email", LX_VAULT_CAT_IDENTITY,
                         LX_VAULT_SENS_NONE, LX_VAULT_FMT_EMAIL,
                         "Li.Si@Example.org"),
                     LX_OK);

    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_PHONE,
                                   "0086-139-1234-5678", 18, ids, 4, &n),
                     LX_OK);
    assert_int_equal(n, 2);
    assert_int_equal(ids[0], a);
    assert_int_equal(ids[1], b);
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_PHONE, "13912345679",
                                   11, ids, 4, &n),
                     LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], c);
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_PHONE, "13800000000",
                                   11, ids, 4, &n),
                     LX_OK);
    assert_int_equal(n, 0);
    /* ID numbers: either case of the X finds it. */
    assert_int_equal(
        lx_vault_find(&f->ctx, LX_VAULT_INDEX_ID_NUMBER, idx, 18, ids, 4, &n),
        LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], a);
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_EMAIL,
                                   "li.si@example.ORG", 17, ids, 4, &n),
                     LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], c);
    /* A phone is not found under the email index. */
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_ID_NUMBER,
                                   "13912345678", 11, ids, 4, &n),
                     LX_EINVAL);
    /* The count is the total even when 'max' is smaller. */
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_PHONE, "13912345678",
                                   11, ids, 1, &n),
                     LX_OK);
    assert_int_equal(n, 2);
    /* Changing a value moves its index entry. */
    assert_int_equal(put(f, b, "mobile", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13700000000"),
                     LX_OK);
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_PHONE, "13912345678",
                                   11, ids, 4, &n),
                     LX_OK);
    assert_int_equal(n, 1);
    /* The index holds keyed hashes only: no row holds the digits. */
    assert_int_equal(count(f, "SELECT COUNT(*) FROM vault_blind_index"
                              " WHERE field IN ('phone', 'mobile',"
                              " 'id_number', 'email')"),
                     5);
}

/* ---- crypto-shredding
 * ---------------------------------------------------------- */

struct blobs {
    int64_t subject;
    unsigned char wrapped[LX_CRYPTO_WRAPPED_KEY_BYTES];
    unsigned char ct[4][64];
    size_t ctlen[4];
    size_t nct;
};

static lx_rc
blobs_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct blobs *b = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    size_t n = 0;
    const void *p;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT wrapped FROM vault_subject_key"
                          " WHERE subject_id = :s",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "s", b->subject);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && row) {
        p = lx_store_col_blob(s, 0, &n);
        if (n == sizeof(b->wrapped)) {
            memcpy(b->wrapped, p, n);
        }
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx,
                              "SELECT ciphertext FROM vault_field"
                              " WHERE subject_id = :s ORDER BY name",
                              &s, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "s", b->subject);
    }
    b->nct = 0;
    while (rc == LX_OK && b->nct < 4) {
        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        p = lx_store_col_blob(s, 0, &n);
        if (n <= sizeof(b->ct[0])) {
            memcpy(b->ct[b->nct], p, n);
            b->ctlen[b->nct++] = n;
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

/* Whether 'needle' occurs in the file at 'path' (a missing file: no). */
static bool
file_has(const char *path, const void *needle, size_t n)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf;
    size_t len;
    bool found = false;
    long sz;

    if (fp == NULL) {
        return false;
    }
    fseek(fp, 0, SEEK_END);
    sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = malloc((size_t)sz + 1);
    len = fread(buf, 1, (size_t)sz, fp);
    fclose(fp);
    for (size_t i = 0; n > 0 && i + n <= len; i++) {
        if (memcmp(buf + i, needle, n) == 0) {
            found = true;
            break;
        }
    }
    free(buf);
    return found;
}

static void
test_shred(void **state)
{
    struct fx *f = *state;
    struct blobs gone = {0}, kept = {0};
    struct lx_err err = {0};
    char out[LX_VAULT_MASKED_MAX], sql[512];
    int64_t ids[4];
    size_t n = 0;
    int64_t a = subject(f), b = subject(f);

    assert_int_equal(put(f, a, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13911112222"),
                     LX_OK);
    assert_int_equal(put(f, a, "name", LX_VAULT_CAT_NAME, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_NAME, "李四"),
                     LX_OK);
    assert_int_equal(put(f, b, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13911113333"),
                     LX_OK);
    gone.subject = a;
    kept.subject = b;
    assert_int_equal(lx_store_read(f->app.store, blobs_unit, &gone, &err),
                     LX_OK);
    assert_int_equal(lx_store_read(f->app.store, blobs_unit, &kept, &err),
                     LX_OK);
    assert_int_equal(gone.nct, 2);

    assert_int_equal(lx_vault_shred(&f->ctx, a), LX_OK);
    assert_int_equal(masked(f, a, "phone", out), LX_ENOTFOUND);
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_PHONE, "13911112222",
                                   11, ids, 4, &n),
                     LX_OK);
    assert_int_equal(n, 0);
    assert_int_equal(lx_vault_shred(&f->ctx, a), LX_ENOTFOUND);
    assert_int_equal(put(f, a, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13911112222"),
                     LX_ENOTFOUND);
    assert_int_equal(masked(f, b, "phone", out), LX_OK);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE"
                              " action = 'shred' AND kind = 'deletion'"),
                     1);

    /* Every ciphertext of the subject, restored from a copy, fails to
     * open: the key is gone, and another subject's key does not fit. */
    snprintf(sql, sizeof(sql),
             "INSERT INTO vault_field (subject_id, name, category,"
             " sensitivity, sensitive, format, key_version, nonce,"
             " ciphertext, updated_ms) SELECT %lld, 'phone', category,"
             " sensitivity, sensitive, format, key_version, nonce,"
             " ciphertext, updated_ms FROM vault_field WHERE subject_id ="
             " %lld AND name = 'phone'",
             (long long)a, (long long)b);
    sql_exec(f, sql);
    assert_int_equal(masked(f, a, "phone", out), LX_ENOTFOUND);
    snprintf(sql, sizeof(sql),
             "INSERT INTO vault_subject_key (subject_id, version, master_id,"
             " nonce, wrapped, created_ms) SELECT %lld, version, master_id,"
             " nonce, wrapped, created_ms FROM vault_subject_key"
             " WHERE subject_id = %lld",
             (long long)a, (long long)b);
    sql_exec(f, sql);
    assert_int_equal(masked(f, a, "phone", out), LX_EINTEGRITY);
    snprintf(sql, sizeof(sql),
             "DELETE FROM vault_field WHERE subject_id = %lld;"
             " DELETE FROM vault_subject_key WHERE subject_id = %lld",
             (long long)a, (long long)a);
    sql_exec(f, sql);

    if (pg_url != NULL) {
        return; /* the file check is about SQLite's own file */
    }
    /* Closing the store checkpoints the WAL into the file and removes it. */
    lx_store_close(f->app.store);
    f->app.store = NULL;
    assert_false(file_has(f->db, gone.wrapped, sizeof(gone.wrapped)));
    for (size_t i = 0; i < gone.nct; i++) {
        assert_false(file_has(f->db, gone.ct[i], gone.ctlen[i]));
    }
    {
        char wal[128];

        snprintf(wal, sizeof(wal), "%s-wal", f->db);
        assert_false(file_has(wal, gone.wrapped, sizeof(gone.wrapped)));
    }
    /* The control: the surviving subject's key is in the file, so the
     * search would have found the shredded one. */
    assert_true(file_has(f->db, kept.wrapped, sizeof(kept.wrapped)));
    open_store(f);
    assert_int_equal(masked(f, b, "phone", out), LX_OK);
}

/* ---- reveal
 * -------------------------------------------------------------------- */

static struct lx_policy_facts
lawyer_facts(void)
{
    struct lx_policy_facts p = {0};

    p.now_ms = T0;
    p.purpose = LX_POLICY_PURPOSE_CONSULTATION;
    p.access_id = 99;
    p.actor.role = LX_POLICY_ROLE_LAWYER;
    p.actor.id = 7;
    p.actor.firm_id = 3;
    p.actor.firm_status = LX_POLICY_FIRM_ACTIVE;
    p.actor.training_expires_ms = T0 + DAY;
    p.actor.licence_verified = true;
    p.lead.id = 11;
    p.lead.state = LX_POLICY_LEAD_HELD;
    p.lead.firm_id = 3;
    p.lead.staff_id = 7;
    p.lead.user_id = 21;
    p.lead.subject = LX_POLICY_SUBJECT_ADULT;
    /* The caller claims the field is ordinary; the vault decides. */
    p.lead.field = LX_POLICY_FIELD_ORDINARY;
    return p;
}

struct seen {
    int n;
    bool time_ok;
    char line[8][96];
};

static lx_rc
collect_access(void *arg, const struct lx_vault_access *a)
{
    struct seen *s = arg;

    if (s->n == 0) {
        s->time_ok = true;
    }
    s->time_ok = s->time_ok && a->time_ms == T0 && a->seq > 0;
    if (s->n < 8) {
        snprintf(s->line[s->n], sizeof(s->line[0]), "%lld %s %s %s %s %s %s",
                 (long long)a->firm_id, a->role, a->action, a->field,
                 a->purpose, a->decision, a->clause);
    }
    s->n++;
    return LX_OK;
}

static void
test_reveal(void **state)
{
    struct fx *f = *state;
    struct lx_vault_reveal_req req = {0};
    struct lx_secret *sec = NULL;
    unsigned char ref[LX_VAULT_REF_BYTES];
    int64_t s = subject(f);

    assert_int_equal(put(f, s, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "139 0000 5555"),
                     LX_OK);
    assert_int_equal(put(f, s, "health", LX_VAULT_CAT_CASE_MATERIAL,
                         LX_VAULT_SENS_HEALTH, LX_VAULT_FMT_TEXT, "诊断"),
                     LX_OK);
    req.subject_id = s;
    req.field = "phone";
    req.facts = lawyer_facts();
    assert_int_equal(lx_vault_reveal(&f->ctx, &req, &sec), LX_OK);
    assert_non_null(sec);
    assert_string_equal((const char *)sec->p, "13900005555");
    lx_secret_free(sec);
    sec = NULL;
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE"
                              " action = 'reveal' AND decision = 'allow'"
                              " AND field = 'phone' AND purpose ="
                              " 'consultation' AND actor_id = 7"),
                     1);

    /* Sensitive field without a C2.4 grant: denied, and the denial is
     * audited and committed. */
    req.field = "health";
    assert_int_equal(lx_vault_reveal(&f->ctx, &req, &sec), LX_EDENIED);
    assert_null(sec);
    assert_non_null(f->ctx.err.clause);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE"
                              " action = 'reveal' AND decision = 'deny'"
                              " AND field = 'health'"),
                     1);
    /* With a grant it opens. */
    req.facts.grant.staff_id = 7;
    req.facts.grant.approver_id = 8;
    req.facts.grant.expires_ms = T0 + DAY;
    assert_int_equal(lx_vault_reveal(&f->ctx, &req, &sec), LX_OK);
    assert_string_equal((const char *)sec->p, "诊断");
    lx_secret_free(sec);
    sec = NULL;

    /* Untrained: denied. */
    req.facts.actor.training_expires_ms = T0;
    req.field = "phone";
    assert_int_equal(lx_vault_reveal(&f->ctx, &req, &sec), LX_EDENIED);
    assert_null(sec);
    /* No such field: nothing to audit. */
    req.field = "nothing";
    assert_int_equal(lx_vault_reveal(&f->ctx, &req, &sec), LX_ENOTFOUND);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), 4);
    /* The records name the subject by its pseudonym. */
    assert_int_equal(lx_vault_subject_ref(&f->ctx, s, ref), LX_OK);
    assert_int_equal(count(f, "SELECT COUNT(DISTINCT subject) FROM audit_log"),
                     1);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE"
                              " LENGTH(resource_id) > 0"),
                     4);

    /* Who accessed my data: all four, oldest first, page by page. */
    {
        struct seen seen = {0};
        uint64_t next = 0;
        int64_t other = subject(f);
        int pages = 0;

        do {
            assert_int_equal(lx_vault_accesses(&f->ctx, s, next, 3,
                                               collect_access, &seen, &next),
                             LX_OK);
            pages++;
        } while (next != 0 && pages < 10);
        assert_int_equal(pages, 2);
        assert_int_equal(seen.n, 4);
        assert_string_equal(seen.line[0],
                            "3 lawyer reveal phone consultation allow C2.1");
        assert_string_equal(seen.line[1],
                            "3 lawyer reveal health consultation deny C2.4");
        assert_string_equal(seen.line[2],
                            "3 lawyer reveal health consultation allow C2.1");
        assert_string_equal(seen.line[3],
                            "3 lawyer reveal phone consultation deny C4.2");
        assert_true(seen.time_ok);
        memset(&seen, 0, sizeof(seen));
        assert_int_equal(lx_vault_accesses(&f->ctx, other, 0, 0, collect_access,
                                           &seen, &next),
                         LX_OK);
        assert_int_equal(seen.n, 0);
        assert_int_equal(next, 0);
    }
}

/* Walk LX_STORE_FAULT=stmt:N over a whole reveal: either the reveal and
 * its record both happen, or neither does. */
static void
test_reveal_fault_walk(void **state)
{
    struct fx *f = *state;
    struct lx_vault_reveal_req req = {0};
    struct lx_secret *sec = NULL;
    char spec[32];
    int failures = 0;
    int64_t s = subject(f);

    assert_int_equal(put(f, s, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13900006666"),
                     LX_OK);
    req.subject_id = s;
    req.field = "phone";
    req.facts = lawyer_facts();
    for (int deny = 0; deny < 2; deny++) {
        if (deny) {
            req.facts.actor.training_expires_ms = 0;
        }
        for (int nstmt = 1; nstmt < 40; nstmt++) {
            int64_t before = count(f, "SELECT COUNT(*) FROM audit_log");
            lx_rc rc;

            snprintf(spec, sizeof(spec), "stmt:%d", nstmt);
            assert_int_equal(lx_store_fault_set(f->app.store, spec), LX_OK);
            rc = lx_vault_reveal(&f->ctx, &req, &sec);
            lx_store_fault_set(f->app.store, NULL);
            if (rc == LX_ESTORE) {
                assert_null(sec);
                assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"),
                                 before);
                failures++;
                continue;
            }
            assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"),
                             before + 1);
            if (deny) {
                assert_int_equal(rc, LX_EDENIED);
                assert_null(sec);
            } else {
                assert_int_equal(rc, LX_OK);
                assert_string_equal((const char *)sec->p, "13900006666");
                lx_secret_free(sec);
                sec = NULL;
            }
            break;
        }
    }
    assert_true(failures >= 6);
    /* A failed commit keeps nothing either. */
    {
        int64_t before = count(f, "SELECT COUNT(*) FROM audit_log");

        req.facts = lawyer_facts();
        assert_int_equal(lx_store_fault_set(f->app.store, "commit"), LX_OK);
        assert_int_equal(lx_vault_reveal(&f->ctx, &req, &sec), LX_ESTORE);
        assert_null(sec);
        assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log"), before);
    }
}

/* ---- master-key rotation ---------------------------------------------------
 */

static void
rewrap_all(struct fx *f, int64_t *done_total)
{
    int64_t done = 0, left = 1;

    while (left > 0) {
        assert_int_equal(lx_vault_rewrap(&f->ctx, 1, &done, &left), LX_OK);
        *done_total += done;
    }
}

static void
test_rotation_resume(void **state)
{
    struct fx *f = *state;
    char out[LX_VAULT_MASKED_MAX], spec[32];
    int64_t ids[5], done = 0, left = 0, total = 0, before_left = 0;
    int64_t ids_found[4];
    size_t nfound = 0;
    lx_rc rc = LX_OK;

    for (int i = 0; i < 4; i++) {
        char phone[32];

        snprintf(phone, sizeof(phone), "1390000%04d", i);
        ids[i] = subject(f);
        assert_int_equal(put(f, ids[i], "phone", LX_VAULT_CAT_PHONE,
                             LX_VAULT_SENS_NONE, LX_VAULT_FMT_MOBILE, phone),
                         LX_OK);
    }
    assert_int_equal(lx_vault_rewrap_pending(&f->ctx, &left), LX_OK);
    assert_int_equal(left, 0);

    assert_int_equal(lx_crypto_master_next_create(f->keys, &f->ctx.err), LX_OK);
    assert_int_equal(lx_crypto_master_next_create(f->keys, &f->ctx.err),
                     LX_ECONFLICT);
    reload_keys(f);
    assert_non_null(f->app.keys->master_next);
    assert_int_equal(lx_vault_rewrap_pending(&f->ctx, &before_left), LX_OK);
    assert_int_equal(before_left, 5); /* four subjects and the index key */
    /* New subjects go straight under the new key. */
    ids[4] = subject(f);
    assert_int_equal(put(f, ids[4], "phone", LX_VAULT_CAT_PHONE,
                         LX_VAULT_SENS_NONE, LX_VAULT_FMT_MOBILE,
                         "13900009999"),
                     LX_OK);
    assert_int_equal(lx_vault_rewrap_pending(&f->ctx, &left), LX_OK);
    assert_int_equal(left, 5);

    /* A run that dies part-way (the 7th statement from here fails). */
    snprintf(spec, sizeof(spec), "stmt:%d", 7);
    assert_int_equal(lx_store_fault_set(f->app.store, spec), LX_OK);
    for (int i = 0; i < 10 && rc == LX_OK; i++) {
        rc = lx_vault_rewrap(&f->ctx, 1, &done, &left);
        if (rc == LX_OK) {
            total += done;
        }
    }
    lx_store_fault_set(f->app.store, NULL);
    assert_int_equal(rc, LX_ESTORE);
    assert_true(total >= 1);
    assert_int_equal(lx_vault_rewrap_pending(&f->ctx, &left), LX_OK);
    assert_int_equal(left, before_left - total);
    assert_true(left > 0);

    /* Mid-rotation both keys open everything ... */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(masked(f, ids[i], "phone", out), LX_OK);
    }
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_PHONE, "13900000002",
                                   11, ids_found, 4, &nfound),
                     LX_OK);
    assert_int_equal(nfound, 1);
    /* ... while a process holding only one of them cannot read all. */
    {
        struct lx_secret *next = f->app.keys->master_next;
        int broken = 0;

        f->app.keys->master_next = NULL;
        for (int i = 0; i < 5; i++) {
            if (masked(f, ids[i], "phone", out) == LX_EINTEGRITY) {
                broken++;
            }
        }
        f->app.keys->master_next = next;
        assert_true(broken >= 1);
    }

    /* The rerun resumes and finishes. */
    rewrap_all(f, &total);
    assert_int_equal(total, before_left);
    assert_int_equal(lx_vault_rewrap_pending(&f->ctx, &left), LX_OK);
    assert_int_equal(left, 0);
    assert_int_equal(count(f, "SELECT COUNT(*) FROM audit_log WHERE"
                              " action = 'master_rewrap'"),
                     total);

    /* Promote: master.key is the new key, master.key.old the old one. A
     * second promote finds no .next. */
    assert_int_equal(lx_crypto_master_promote(f->keys, &f->ctx.err), LX_OK);
    assert_int_equal(lx_crypto_master_promote(f->keys, &f->ctx.err),
                     LX_ENOTFOUND);
    reload_keys(f);
    assert_null(f->app.keys->master_next);
    assert_non_null(f->app.keys->master_old);
    assert_int_equal(lx_vault_rewrap_pending(&f->ctx, &left), LX_OK);
    assert_int_equal(left, 0);
    /* Retire the old key: everything still opens under master.key alone. */
    assert_int_equal(lx_crypto_master_retire(f->keys, &f->ctx.err), LX_OK);
    reload_keys(f);
    assert_null(f->app.keys->master_old);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(masked(f, ids[i], "phone", out), LX_OK);
    }
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_PHONE, "13900009999",
                                   11, ids_found, 4, &nfound),
                     LX_OK);
    assert_int_equal(nfound, 1);
    assert_int_equal(ids_found[0], ids[4]);
}

/* A crash between the two steps of promote: the rerun completes it. */
static void
test_promote_resume(void **state)
{
    struct fx *f = *state;
    char cur[160], old[160], out[LX_VAULT_MASKED_MAX];
    int64_t s = subject(f), total = 0;

    assert_int_equal(put(f, s, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, "13900007777"),
                     LX_OK);
    assert_int_equal(lx_crypto_master_next_create(f->keys, &f->ctx.err), LX_OK);
    reload_keys(f);
    rewrap_all(f, &total);
    snprintf(cur, sizeof(cur), "%s/master.key", f->keys);
    snprintf(old, sizeof(old), "%s/master.key.old", f->keys);
    /* The first step of promote happened, then the crash. */
    assert_int_equal(link(cur, old), 0);
    assert_int_equal(lx_crypto_master_promote(f->keys, &f->ctx.err), LX_OK);
    reload_keys(f);
    assert_int_equal(masked(f, s, "phone", out), LX_OK);
    /* A new rotation cannot promote over an unfinished one's .old. */
    assert_int_equal(lx_crypto_master_next_create(f->keys, &f->ctx.err), LX_OK);
    assert_int_equal(lx_crypto_master_promote(f->keys, &f->ctx.err),
                     LX_ECONFLICT);
}

/* ---- canaries
 * ------------------------------------------------------------------ */

struct dump {
    char text[64 * 1024];
    size_t len;
};

static lx_rc
dump_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct dump *d = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(
        tx,
        "SELECT actor_role, action, resource_type, resource_id, subject,"
        " field, purpose, decision, reason, clause, request_id FROM audit_log",
        &s, err);

    while (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        for (int c = 0; c < 11; c++) {
            size_t n = 0;
            const void *p = c == 4 ? lx_store_col_blob(s, c, &n)
                                   : lx_store_col_text(s, c, &n);

            if (n > 0 && d->len + n + 1 < sizeof(d->text)) {
                memcpy(d->text + d->len, p, n);
                d->len += n;
                d->text[d->len++] = '|';
            }
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

static bool
mem_has(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);

    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(hay + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

static void
test_canaries(void **state)
{
    static const char *const canaries[] = {CANARY_NAME, CANARY_PHONE,
                                           CANARY_EMAIL, CANARY_TEXT};
    struct fx *f = *state;
    struct lx_vault_reveal_req req = {0};
    struct lx_secret *sec = NULL;
    struct dump *d = calloc(1, sizeof(*d));
    struct lx_err err = {0};
    char errs[8192], out[LX_VAULT_MASKED_MAX], id[19], sql[256];
    size_t elen = 0, n = 0;
    int64_t ids[2];
    int64_t s = subject(f);

#define NOTE_ERR()                                                             \
    do {                                                                       \
        int w = snprintf(errs + elen, sizeof(errs) - elen, "%s|%s|",           \
                         lx_err_message(&f->ctx.err),                          \
                         f->ctx.err.field ? f->ctx.err.field : "");            \
        if (w > 0 && (size_t)w < sizeof(errs) - elen) {                        \
            elen += (size_t)w;                                                 \
        }                                                                      \
    } while (0)

    make_id_x(id);
    assert_int_equal(put(f, s, "name", LX_VAULT_CAT_NAME, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_NAME, CANARY_NAME),
                     LX_OK);
    assert_int_equal(put(f, s, "phone", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, CANARY_PHONE),
                     LX_OK);
    assert_int_equal(put(f, s, "email", LX_VAULT_CAT_IDENTITY,
                         LX_VAULT_SENS_NONE, LX_VAULT_FMT_EMAIL, CANARY_EMAIL),
                     LX_OK);
    assert_int_equal(put(f, s, "story", LX_VAULT_CAT_CASE_MATERIAL,
                         LX_VAULT_SENS_CRIMINAL, LX_VAULT_FMT_TEXT,
                         CANARY_TEXT),
                     LX_OK);
    /* Every failure path with the canaries in hand. */
    assert_int_equal(put(f, s, "phone2", LX_VAULT_CAT_PHONE, LX_VAULT_SENS_NONE,
                         LX_VAULT_FMT_MOBILE, CANARY_PHONE "9"),
                     LX_EINVAL);
    NOTE_ERR();
    assert_int_equal(put(f, s, "email2", LX_VAULT_CAT_IDENTITY,
                         LX_VAULT_SENS_NONE, LX_VAULT_FMT_EMAIL, CANARY_TEXT),
                     LX_EINVAL);
    NOTE_ERR();
    assert_int_equal(put(f, s, "idn", LX_VAULT_CAT_IDENTITY,
                         LX_VAULT_SENS_ID_DOCUMENT, LX_VAULT_FMT_CN_ID,
                         CANARY_NAME),
                     LX_EINVAL);
    NOTE_ERR();
    assert_int_equal(put(f, s, CANARY_TEXT, LX_VAULT_CAT_CHAT,
                         LX_VAULT_SENS_NONE, LX_VAULT_FMT_TEXT, CANARY_TEXT),
                     LX_EINVAL);
    NOTE_ERR();
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_EMAIL, CANARY_NAME,
                                   strlen(CANARY_NAME), ids, 2, &n),
                     LX_EINVAL);
    NOTE_ERR();
    assert_int_equal(lx_vault_find(&f->ctx, LX_VAULT_INDEX_PHONE, CANARY_PHONE,
                                   strlen(CANARY_PHONE), ids, 2, &n),
                     LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(masked(f, s, "phone", out), LX_OK);
    assert_false(mem_has(out, strlen(out), CANARY_PHONE));
    assert_int_equal(masked(f, s, "name", out), LX_OK);
    assert_false(mem_has(out, strlen(out), CANARY_NAME));
    assert_int_equal(masked(f, s, "story", out), LX_OK);
    assert_false(mem_has(out, strlen(out), CANARY_TEXT));
    req.subject_id = s;
    req.field = "story";
    req.facts = lawyer_facts();
    assert_int_equal(lx_vault_reveal(&f->ctx, &req, &sec), LX_EDENIED);
    NOTE_ERR();
    req.field = "phone";
    assert_int_equal(lx_vault_reveal(&f->ctx, &req, &sec), LX_OK);
    assert_string_equal((const char *)sec->p, CANARY_PHONE);
    lx_secret_free(sec);
    sec = NULL;
    /* A tampered field: the integrity error names no content. */
    snprintf(sql, sizeof(sql),
             "UPDATE vault_field SET name = 'phone9' WHERE subject_id = %lld"
             " AND name = 'phone'",
             (long long)s);
    sql_exec(f, sql);
    assert_int_equal(masked(f, s, "phone9", out), LX_EINTEGRITY);
    NOTE_ERR();
    req.field = "phone9";
    assert_int_equal(lx_vault_reveal(&f->ctx, &req, &sec), LX_EINTEGRITY);
    NOTE_ERR();
    assert_null(sec);

    for (size_t i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++) {
        assert_false(mem_has(errs, elen, canaries[i]));
    }
    assert_int_equal(lx_store_read(f->app.store, dump_unit, d, &err), LX_OK);
    assert_true(d->len > 0);
    for (size_t i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++) {
        assert_false(mem_has(d->text, d->len, canaries[i]));
    }
    /* The log sink of the run. */
    for (size_t i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++) {
        assert_false(file_has(f->logpath, canaries[i], strlen(canaries[i])));
    }
    /* The database file holds ciphertexts and keyed hashes only. */
    if (pg_url == NULL) {
        lx_store_close(f->app.store);
        f->app.store = NULL;
        for (size_t i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++) {
            assert_false(file_has(f->db, canaries[i], strlen(canaries[i])));
        }
        assert_true(file_has(f->db, "vault_field", 11)); /* the control */
        open_store(f);
    }
    free(d);
#undef NOTE_ERR
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crypto_aead_and_wrap),
        cmocka_unit_test_setup_teardown(test_put_and_masked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ad_binding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shred, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reveal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reveal_fault_walk, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rotation_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_promote_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_canaries, setup, teardown),
    };
    const char *backend = getenv("LX_TEST_BACKEND");

    if (backend != NULL && strcmp(backend, "postgres") == 0) {
        pg_url = getenv("LX_TEST_PG_URL");
        if (pg_url == NULL || pg_url[0] == '\0') {
            fprintf(stderr, "LX_TEST_PG_URL is not set\n");
            return 1;
        }
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
