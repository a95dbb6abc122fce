/*
 * tests/lib/testdb.h — a fresh database for one service test, on either
 * backend (header-only; include as "lib/testdb.h").
 *
 * A test source that mentions LX_TEST_BACKEND is registered twice by CMake
 * (the second time as <name>@postgres with LX_TEST_BACKEND=postgres and
 * LX_TEST_PG_URL from tests/lib/with-pg.sh). testdb_open_url() gives a
 * SQLite file inside 'dir', or on PostgreSQL a new schema named after the
 * process and a counter, reached through the URL's search_path;
 * testdb_drop() removes that schema. Both abort the test on failure.
 */
#ifndef LX_TESTS_TESTDB_H
#define LX_TESTS_TESTDB_H

#include "store/store.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct testdb {
    char url[512];
    char schema[64]; /* "" on SQLite */
};

static lx_rc
testdb__exec_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_store_exec(tx, arg, err);
}

/* The PostgreSQL server URL when this run is the @postgres one, else NULL. */
static inline const char *
testdb_pg_url(void)
{
    const char *b = getenv("LX_TEST_BACKEND");
    const char *u = getenv("LX_TEST_PG_URL");

    if (b == NULL || strcmp(b, "postgres") != 0) {
        return NULL;
    }
    if (u == NULL || u[0] == '\0') {
        fprintf(stderr, "testdb: LX_TEST_BACKEND=postgres without LX_TEST_PG_URL\n");
        abort();
    }
    return u;
}

static inline void
testdb__admin(const char *sql)
{
    struct lx_store *st = NULL;
    struct lx_err err = {0};

    if (lx_store_open(testdb_pg_url(), NULL, &st, &err) != LX_OK ||
        lx_store_write(st, testdb__exec_unit, (void *)sql, &err) != LX_OK) {
        fprintf(stderr, "testdb: %s\n", lx_err_message(&err));
        abort();
    }
    lx_store_close(st);
}

/* Fill db->url for a fresh database; 'dir' holds the SQLite file. */
static inline void
testdb_open_url(struct testdb *db, const char *dir)
{
    static int seq;
    const char *pg = testdb_pg_url();
    char sql[128];

    memset(db, 0, sizeof(*db));
    if (pg == NULL) {
        snprintf(db->url, sizeof(db->url), "sqlite:%s/t.db", dir);
        return;
    }
    snprintf(db->schema, sizeof(db->schema), "lx_u_%d_%d", (int)getpid(),
             ++seq);
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", db->schema);
    testdb__admin(sql);
    snprintf(db->url, sizeof(db->url), "%s%coptions=-csearch_path%%3D%s", pg,
             strchr(pg, '?') != NULL ? '&' : '?', db->schema);
}

/* Drop what testdb_open_url() made (SQLite files are the test's own). */
static inline void
testdb_drop(struct testdb *db)
{
    char sql[128];

    if (db->schema[0] == '\0') {
        return;
    }
    snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", db->schema);
    testdb__admin(sql);
    db->schema[0] = '\0';
}

#endif /* LX_TESTS_TESTDB_H */
