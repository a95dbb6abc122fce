/*
 * tests/lib/svcfix.h — the common fixture of a service test (header-only;
 * include as "lib/svcfix.h").
 *
 * A service test needs the same things before its first assertion: a
 * temporary directory, signing and master keys created there and loaded,
 * a fresh database on either backend (lib/testdb.h) opened and migrated,
 * and a struct lx_app / struct lx_ctx over them with the clock at a fixed
 * instant. svcfix_open() makes all of that and svcfix_close() undoes it,
 * deleting the files it made; svcfix_new() and svcfix_teardown() do the
 * same for a fixture struct allocated on the heap (a cmocka setup and
 * teardown). The helpers below run SQL against the
 * fixture's store and set the context's actor; each fails the running
 * cmocka test (fail()) on a store error, printing only the store's error
 * message.
 *
 * A test that includes this header must still mention LX_TEST_BACKEND in
 * its own source for CMake to register its @postgres run.
 */
#ifndef LX_TESTS_SVCFIX_H
#define LX_TESTS_SVCFIX_H

#include "base/ctx.h"
#include "crypto/crypto.h"
#include "lib/testdb.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

struct svcfix {
    char dir[64];
    char keys[96];
    struct testdb db;
    struct lx_app app;
    struct lx_ctx ctx;
};

/* Make the fixture in 'f' (zeroed by the caller): a directory from the
 * mkdtemp() template 'tmpl', keys in <dir>/keys, the database migrated,
 * the context at 'now_ms' with actor kind 'actor' and req_id "req-test".
 * Returns 0, or -1 (with a line on stderr) when any step fails. */
static inline int
svcfix_open(struct svcfix *f, const char *tmpl, int64_t now_ms,
            enum lx_actor_kind actor)
{
    struct lx_err err = {0};

    snprintf(f->dir, sizeof(f->dir), "%s", tmpl);
    if (mkdtemp(f->dir) == NULL || lx_crypto_init(&err) != LX_OK) {
        return -1;
    }
    snprintf(f->keys, sizeof(f->keys), "%s/keys", f->dir);
    testdb_open_url(&f->db, f->dir);
    if (lx_crypto_keys_create(f->keys, &err) != LX_OK ||
        lx_crypto_keys_load(f->keys, &f->app.keys, &err) != LX_OK ||
        lx_store_open(f->db.url, NULL, &f->app.store, &err) != LX_OK ||
        lx_store_migrate(f->app.store, NULL, &err) != LX_OK) {
        fprintf(stderr, "setup: %s\n", lx_err_message(&err));
        return -1;
    }
    f->app.log.fd = -1;
    lx_ctx_init(&f->ctx, &f->app, now_ms);
    f->ctx.actor.kind = actor;
    snprintf(f->ctx.req_id, sizeof(f->ctx.req_id), "req-test");
    return 0;
}

/* Undo svcfix_open(): release the context, close the store, free the
 * keys, drop the schema and delete the files and directories it made. */
static inline void
svcfix_close(struct svcfix *f)
{
    static const char *const names[] = {"t.db",
                                        "t.db-wal",
                                        "t.db-shm",
                                        "keys/master.key",
                                        "keys/signing.key",
                                        "keys/signing.pub"};
    char p[160];

    lx_ctx_release(&f->ctx);
    lx_store_close(f->app.store);
    lx_crypto_keys_free(f->app.keys);
    testdb_drop(&f->db);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
        unlink(p);
    }
    rmdir(f->keys);
    rmdir(f->dir);
}

/* A zeroed fixture of 'size' bytes (a struct whose first member is a
 * struct svcfix) with svcfix_open(tmpl, now_ms, actor) done in it, or
 * NULL when that fails. Free it with svcfix_teardown(). */
static inline void *
svcfix_new(size_t size, const char *tmpl, int64_t now_ms,
           enum lx_actor_kind actor)
{
    struct svcfix *f = size >= sizeof(*f) ? calloc(1, size) : NULL;

    if (f != NULL && svcfix_open(f, tmpl, now_ms, actor) != 0) {
        free(f);
        f = NULL;
    }
    return f;
}

/* The cmocka teardown of a svcfix_new() fixture: svcfix_close(), free. */
static inline int
svcfix_teardown(void **state)
{
    struct svcfix *f = *state;

    svcfix_close(f);
    free(f);
    return 0;
}

/* A store unit running the statements 'arg' (a const char *). */
static inline lx_rc
svcfix_exec_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_store_exec(tx, arg, err);
}

/* Run 'sql' (one or more statements) in one write unit. */
static inline void
svcfix_exec(struct svcfix *f, const char *sql)
{
    struct lx_err err = {0};

    if (lx_store_write(f->app.store, svcfix_exec_unit, (void *)sql, &err) !=
        LX_OK) {
        fprintf(stderr, "sql: %s\n", lx_err_message(&err));
        fail();
    }
}

static inline void svcfix_execf(struct svcfix *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* svcfix_exec() of the formatted statement (at most 8 KiB). */
static inline void
svcfix_execf(struct svcfix *f, const char *fmt, ...)
{
    char sql[8192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    svcfix_exec(f, sql);
}

struct svcfix__count {
    const char *sql;
    int64_t n;
};

static inline lx_rc
svcfix__count_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct svcfix__count *a = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc = lx_store_prepare(tx, a->sql, &s, err);

    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
        a->n = row ? lx_store_col_int(s, 0) : -1;
    }
    lx_store_stmt_free(s);
    return rc;
}

/* The first column of the first row of query 'sql' on 'st', or -1 when
 * it returns no row. */
static inline int64_t
svcfix_count(struct lx_store *st, const char *sql)
{
    struct svcfix__count a = {sql, 0};
    struct lx_err err = {0};

    if (lx_store_read(st, svcfix__count_unit, &a, &err) != LX_OK) {
        fprintf(stderr, "count: %s\n", lx_err_message(&err));
        fail();
    }
    return a.n;
}

static inline int64_t svcfix_countf(struct svcfix *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* svcfix_count() of the formatted query (at most 1 KiB) on the fixture's
 * store. */
static inline int64_t
svcfix_countf(struct svcfix *f, const char *fmt, ...)
{
    char sql[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(sql, sizeof(sql), fmt, ap);
    va_end(ap);
    return svcfix_count(f->app.store, sql);
}

/* Make the context's actor staff member 'id' of 'firm' in 'role'. */
static inline void
svcfix_as_staff(struct lx_ctx *ctx, int64_t id, int64_t firm, const char *role)
{
    memset(&ctx->actor, 0, sizeof(ctx->actor));
    ctx->actor.kind = LX_ACTOR_STAFF;
    ctx->actor.id = id;
    ctx->actor.firm_id = firm;
    snprintf(ctx->actor.role, sizeof(ctx->actor.role), "%s", role);
}

/* Make the context's actor app user 'id' (role "user" when 'role'). */
static inline void
svcfix_as_user(struct lx_ctx *ctx, int64_t id, bool role)
{
    memset(&ctx->actor, 0, sizeof(ctx->actor));
    ctx->actor.kind = LX_ACTOR_USER;
    ctx->actor.id = id;
    if (role) {
        snprintf(ctx->actor.role, sizeof(ctx->actor.role), "user");
    }
}

/* Make the context's actor the system (no id, no firm). */
static inline void
svcfix_as_system(struct lx_ctx *ctx)
{
    memset(&ctx->actor, 0, sizeof(ctx->actor));
    ctx->actor.kind = LX_ACTOR_SYSTEM;
}

#endif /* LX_TESTS_SVCFIX_H */
