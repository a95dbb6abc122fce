/*
 * test_log — the audit log in a temporary SQLite store: appends commit
 * with the caller's action or not at all (fault injection walked over a
 * whole service-style call), concurrent appends stay gap-free, checkpoints
 * sign what verification recomputes, and verification finds edits,
 * deletions, swaps, truncation and rollback.
 */
#include "audit/audit.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/testdb.h"

struct fx {
    char dir[64];
    struct testdb db; /* SQLite file or PostgreSQL schema (LX_TEST_BACKEND) */
    struct lx_store *st;
    struct lx_crypto_keys *keys;
    struct lx_audit_vkey vkey;
};

static const struct lx_store_opts opts = {
    .readers = 2, .busy_timeout_ms = 5000, .group_max = 64};

static lx_rc
exec_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_store_exec(tx, arg, err);
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct lx_err err = {0};
    char keydir[96];

    snprintf(f->dir, sizeof(f->dir), "%s", "/tmp/lx-auditlog-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    testdb_open_url(&f->db, f->dir);
    snprintf(keydir, sizeof(keydir), "%s/keys", f->dir);
    if (lx_crypto_init(&err) != LX_OK ||
        lx_crypto_keys_create(keydir, &err) != LX_OK ||
        lx_crypto_keys_load(keydir, &f->keys, &err) != LX_OK ||
        lx_store_open(f->db.url, &opts, &f->st, &err) != LX_OK ||
        lx_store_migrate(f->st, NULL, &err) != LX_OK ||
        lx_store_write(f->st, exec_unit,
                       "CREATE TABLE svc_action (id BIGINT PRIMARY KEY,"
                       " state TEXT NOT NULL)",
                       &err) != LX_OK) {
        fprintf(stderr, "setup: %s\n", lx_err_message(&err));
        return -1;
    }
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    static const char *const names[] = {"t.db",
                                        "t.db-wal",
                                        "t.db-shm",
                                        "keys/master.key",
                                        "keys/signing.key",
                                        "keys/signing.pub",
                                        "keys"};
    char p[160];

    lx_store_close(f->st);
    lx_crypto_keys_free(f->keys);
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
        snprintf(p, sizeof(p), "%s/%s", f->dir, names[i]);
        if (unlink(p) != 0) {
            rmdir(p);
        }
    }
    rmdir(f->dir);
    testdb_drop(&f->db);
    free(f);
    return 0;
}

static void
sample_entry(struct lx_audit_entry *e, int64_t i)
{
    static const unsigned char subj[32] = {1, 2, 3};

    memset(e, 0, sizeof(*e));
    e->time_ms = 1700000000000 + i;
    e->kind = (enum lx_audit_kind)(1 + i % (LX_AUDIT_KIND_COUNT_ - 1));
    e->actor_kind = 2;
    e->actor_id = 100 + i % 7;
    e->actor_firm = 1 + i % 3;
    e->actor_role = "lawyer";
    e->action = "reveal";
    e->resource_type = "lead";
    e->resource_id = "L1";
    e->subject = subj;
    e->subject_len = sizeof(subj);
    e->field = "phone";
    e->purpose = "consultation";
    e->decision = i % 2 ? "allow" : "deny";
    e->reason = "";
    e->clause = "C4.3";
    e->request_id = "req-1";
}

/* A service-style call: the action, its audit record, then a follow-up
 * statement — all in the caller's unit. */
struct svc {
    int64_t id;
};

static lx_rc
svc_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct svc *q = arg;
    struct lx_store_stmt *s = NULL;
    struct lx_audit_entry e;
    bool row;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO svc_action (id, state)"
                          " VALUES (:id, 'new')",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "id", q->id);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc != LX_OK) {
        return rc;
    }
    sample_entry(&e, q->id);
    rc = lx_audit_append_tx(tx, &e, err);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx_store_prepare(tx,
                          "UPDATE svc_action SET state = 'done'"
                          " WHERE id = :id",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_bind_int(s, "id", q->id);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

struct counts {
    int64_t actions, audits, max_seq;
};

static lx_rc
count_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct counts *c = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT (SELECT COUNT(*) FROM svc_action),"
                          " (SELECT COUNT(*) FROM audit_log),"
                          " (SELECT COALESCE(MAX(seq), 0) FROM audit_log)",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && row) {
        c->actions = lx_store_col_int(s, 0);
        c->audits = lx_store_col_int(s, 1);
        c->max_seq = lx_store_col_int(s, 2);
    }
    lx_store_stmt_free(s);
    return rc;
}

static struct counts
counts(struct fx *f)
{
    struct counts c = {0};
    struct lx_err err = {0};

    assert_int_equal(lx_store_read(f->st, count_unit, &c, &err), LX_OK);
    return c;
}

struct verify_req {
    struct lx_audit_verify_opts o;
    struct lx_audit_report r;
};

static lx_rc
verify_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct verify_req *q = arg;

    return lx_audit_verify_tx(tx, &q->o, &q->r, err);
}

static lx_rc
origin_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_audit_origin_tx(tx, arg, err);
}

static void
load_vkey(struct fx *f)
{
    char origin[LX_AUDIT_ORIGIN_MAX + 1];
    struct lx_err err = {0};

    assert_int_equal(lx_store_read(f->st, origin_unit, origin, &err), LX_OK);
    assert_true(strncmp(origin, "lexgate/", 8) == 0);
    memset(&f->vkey, 0, sizeof(f->vkey));
    memcpy(f->vkey.name, origin, strlen(origin));
    memcpy(f->vkey.pk, f->keys->sign_pk, 32);
    lx_audit_key_id(f->vkey.name, f->vkey.pk, f->vkey.id);
}

static struct lx_audit_report
verify(struct fx *f, const char *const *notes, const size_t *lens, size_t n,
       const struct lx_audit_report *seen)
{
    struct verify_req q = {0};
    struct lx_err err = {0};

    q.o.trust = &f->vkey;
    q.o.ntrust = 1;
    q.o.notes = notes;
    q.o.note_lens = lens;
    q.o.nnotes = n;
    q.o.check_stored = true;
    if (seen != NULL) {
        q.o.have_seen = true;
        q.o.seen_size = seen->size;
        memcpy(q.o.seen_root, seen->root, LX_AUDIT_HASH_BYTES);
    }
    assert_int_equal(lx_store_read(f->st, verify_unit, &q, &err), LX_OK);
    return q.r;
}

struct cp_req {
    struct fx *f;
    struct lx_buf note;
};

static lx_rc
cp_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct cp_req *q = arg;

    return lx_audit_checkpoint_tx(tx, q->f->keys, 1, &q->note, err);
}

static void
test_fault_walk(void **state)
{
    struct fx *f = *state;
    struct lx_err err = {0};
    struct counts before, after;
    struct lx_audit_report r;
    int failed = 0, n;

    load_vkey(f);
    /* Walk the fault over every statement of the call, then past it. */
    for (n = 1; n <= 8; n++) {
        struct svc q = {.id = n};
        char spec[32];
        lx_rc rc;

        before = counts(f);
        snprintf(spec, sizeof(spec), "stmt:%d", n);
        assert_int_equal(lx_store_fault_set(f->st, spec), LX_OK);
        rc = lx_store_write(f->st, svc_unit, &q, &err);
        assert_int_equal(lx_store_fault_set(f->st, NULL), LX_OK);
        after = counts(f);
        /* Both or neither. */
        assert_int_equal(after.actions - before.actions,
                         after.audits - before.audits);
        assert_int_equal(after.audits, after.max_seq);
        if (rc != LX_OK) {
            failed++;
            assert_int_equal(after.audits, before.audits);
        } else {
            assert_int_equal(after.audits, before.audits + 1);
        }
    }
    /* The call runs 4 statements: a fault at each of them fails it. */
    assert_int_equal(failed, 4);
    {
        struct svc q = {.id = 100};
        before = counts(f);
        assert_int_equal(lx_store_fault_set(f->st, "commit"), LX_OK);
        assert_int_not_equal(lx_store_write(f->st, svc_unit, &q, &err), LX_OK);
        after = counts(f);
        assert_int_equal(after.actions, before.actions);
        assert_int_equal(after.audits, before.audits);
    }
    r = verify(f, NULL, NULL, 0, NULL);
    assert_int_equal(r.fail, LX_AUDIT_OK);
    assert_int_equal(r.size, 4);
}

struct writer {
    struct fx *f;
    int base;
};

static void *
writer_main(void *arg)
{
    struct writer *w = arg;
    struct lx_err err = {0};

    for (int i = 0; i < 25; i++) {
        struct svc q = {.id = w->base + i};
        if (lx_store_write(w->f->st, svc_unit, &q, &err) != LX_OK) {
            return (void *)1;
        }
    }
    return NULL;
}

struct leaves_q {
    uint64_t size;
    unsigned char (*leaves)[LX_AUDIT_HASH_BYTES];
    uint64_t n;
};

static lx_rc
leaves_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct leaves_q *q = arg;

    return lx_audit_leaves_tx(tx, q->size, &q->leaves, &q->n, err);
}

/* Recompute row 42's leaf as an attacker would after editing it. */
static lx_rc
patch_leaf_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct lx_audit_entry e;
    struct lx_buf enc = LX_BUF_INIT(LX_AUDIT_ENTRY_MAX + 1);
    struct lx_store_stmt *s = NULL;
    unsigned char leaf[LX_AUDIT_HASH_BYTES];
    bool row;
    lx_rc rc;

    (void)arg;
    sample_entry(&e, 0); /* the fields every sample shares */
    rc = lx_store_prepare(tx,
                          "SELECT time_ms, kind, actor_id, actor_firm FROM"
                          " audit_log WHERE seq = 42",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK) {
        size_t n = 0;
        const char *k = lx_store_col_text(s, 1, &n);
        /* The fields that vary per sample come from the row itself. */
        e.time_ms = lx_store_col_int(s, 0);
        e.kind = lx_audit_kind_parse(k, n);
        e.actor_id = lx_store_col_int(s, 2);
        e.actor_firm = lx_store_col_int(s, 3);
        e.decision = "allow";
        e.reason = "x";
        e.seq = 42;
        rc = lx_audit_entry_encode(&e, &enc, err);
    }
    lx_store_stmt_free(s);
    s = NULL;
    if (rc == LX_OK) {
        lx_audit_leaf_hash(enc.p, enc.len, leaf);
        rc = lx_store_prepare(tx,
                              "UPDATE audit_log SET leaf = :leaf"
                              " WHERE seq = 42",
                              &s, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_bind_blob(s, "leaf", leaf, sizeof(leaf));
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    lx_buf_release(&enc);
    return rc;
}

static lx_rc
tamper_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_store_exec(tx, arg, err);
}

static void
test_concurrent_checkpoint_and_tamper(void **state)
{
    struct fx *f = *state;
    pthread_t th[8];
    struct writer w[8];
    struct lx_err err = {0};
    struct cp_req cp = {.f = f, .note = LX_BUF_INIT(LX_AUDIT_NOTE_MAX)};
    struct lx_audit_report r, seen;
    const char *notes[1];
    size_t lens[1];
    struct lx_buf old = LX_BUF_INIT(LX_AUDIT_NOTE_MAX);

    load_vkey(f);
    /* An empty log verifies and signs a size-0 checkpoint. */
    r = verify(f, NULL, NULL, 0, NULL);
    assert_int_equal(r.fail, LX_AUDIT_OK);
    assert_int_equal(r.size, 0);
    assert_int_equal(lx_store_write(f->st, cp_unit, &cp, &err), LX_OK);

    for (int i = 0; i < 8; i++) {
        w[i].f = f;
        w[i].base = 1000 * (i + 1);
        assert_int_equal(pthread_create(&th[i], NULL, writer_main, &w[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        void *res;
        pthread_join(th[i], &res);
        assert_null(res);
    }
    assert_int_equal(counts(f).max_seq, 200);

    /* An external checkpoint at 150 entries, kept outside the database. */
    assert_int_equal(lx_store_write(f->st, tamper_unit,
                                    "DELETE FROM audit_log WHERE seq > 150",
                                    &err),
                     LX_OK);
    lx_buf_reset(&cp.note);
    assert_int_equal(lx_store_write(f->st, cp_unit, &cp, &err), LX_OK);
    assert_int_equal(lx_buf_append(&old, cp.note.p, cp.note.len), LX_OK);
    for (int i = 0; i < 10; i++) {
        struct svc q = {.id = 9000 + i};
        assert_int_equal(lx_store_write(f->st, svc_unit, &q, &err), LX_OK);
    }
    lx_buf_reset(&cp.note);
    assert_int_equal(lx_store_write(f->st, cp_unit, &cp, &err), LX_OK);
    notes[0] = old.p;
    lens[0] = old.len;
    seen = verify(f, notes, lens, 1, NULL);
    assert_int_equal(seen.fail, LX_AUDIT_OK);
    assert_int_equal(seen.size, 160);
    assert_int_equal(seen.checked, 4); /* 0, 150 stored and external, 160 */

    /* Leaves for proofs are the recomputed ones; a proof checks out
     * against the root verification found. */
    {
        struct leaves_q lq = {0};
        unsigned char proof[LX_AUDIT_PROOF_MAX][LX_AUDIT_HASH_BYTES];
        size_t len = 0;

        assert_int_equal(lx_store_read(f->st, leaves_unit, &lq, &err), LX_OK);
        assert_int_equal(lq.n, 160);
        assert_int_equal(
            lx_audit_merkle_inclusion((const unsigned char(*)[32])lq.leaves,
                                      lq.n, 77, proof, &len),
            LX_OK);
        assert_int_equal(lx_audit_merkle_inclusion_verify(
                             77, 160, lq.leaves[77],
                             (const unsigned char(*)[32])proof, len, seen.root),
                         LX_OK);
        free(lq.leaves);
        lq.size = 161;
        lq.leaves = NULL;
        assert_int_equal(lx_store_read(f->st, leaves_unit, &lq, &err),
                         LX_ERANGE);
    }

    /* Rollback: the log is cut back to 155 rows and the newest stored
     * checkpoint removed; the external one (150) alone passes, the size
     * seen (160) does not. */
    assert_int_equal(
        lx_store_write(f->st, tamper_unit,
                       "DELETE FROM audit_log WHERE seq > 155;"
                       " DELETE FROM audit_checkpoint WHERE tree_size > 155",
                       &err),
        LX_OK);
    r = verify(f, notes, lens, 1, NULL);
    assert_int_equal(r.fail, LX_AUDIT_OK);
    r = verify(f, notes, lens, 1, &seen);
    assert_int_equal(r.fail, LX_AUDIT_ROLLBACK);
    assert_int_equal(r.index, 155);

    /* An edited field: the recomputed leaf differs from the stored one. */
    assert_int_equal(lx_store_write(f->st, tamper_unit,
                                    "UPDATE audit_log SET decision = 'allow',"
                                    " reason = 'x' WHERE seq = 42",
                                    &err),
                     LX_OK);
    r = verify(f, notes, lens, 1, NULL);
    assert_int_equal(r.fail, LX_AUDIT_LEAF_MISMATCH);
    assert_int_equal(r.index, 41);
    /* ... and with the stored leaf patched up, the checkpoints catch it. */
    assert_int_equal(lx_store_write(f->st, patch_leaf_unit, NULL, &err), LX_OK);
    r = verify(f, notes, lens, 1, NULL);
    assert_int_equal(r.fail, LX_AUDIT_ROOT_MISMATCH);
    assert_int_equal(r.index, 149); /* the first checkpoint covering it */
    {
        struct verify_req q = {0}; /* no checkpoints: undetectable */
        assert_int_equal(lx_store_read(f->st, verify_unit, &q, &err), LX_OK);
        assert_int_equal(q.r.fail, LX_AUDIT_OK);
    }

    /* A deleted middle row is a sequence gap. */
    assert_int_equal(lx_store_write(f->st, tamper_unit,
                                    "DELETE FROM audit_log WHERE seq = 10",
                                    &err),
                     LX_OK);
    r = verify(f, notes, lens, 1, NULL);
    assert_int_equal(r.fail, LX_AUDIT_SEQ_GAP);
    assert_int_equal(r.index, 9);

    lx_buf_release(&old);
    lx_buf_release(&cp.note);
}

struct collect {
    int n;
    uint64_t seqs[16];
    int64_t firms[16];
};

static lx_rc
collect_row(void *arg, const struct lx_audit_entry *e)
{
    struct collect *c = arg;

    if (c->n == 16) {
        return LX_ETOOBIG;
    }
    c->seqs[c->n] = e->seq;
    c->firms[c->n] = e->actor_firm;
    c->n++;
    return LX_OK;
}

struct query_req {
    struct lx_audit_query q;
    struct collect c;
    uint64_t next;
};

static lx_rc
query_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct query_req *r = arg;

    return lx_audit_query_tx(tx, &r->q, collect_row, &r->c, &r->next, err);
}

struct due_req {
    uint64_t every_n;
    int64_t every_ms, now_ms;
    bool due;
};

static lx_rc
due_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct due_req *d = arg;

    return lx_audit_checkpoint_due_tx(tx, d->every_n, d->every_ms, d->now_ms,
                                      &d->due, err);
}

static bool
due(struct fx *f, uint64_t every_n, int64_t every_ms, int64_t now_ms)
{
    struct due_req d = {every_n, every_ms, now_ms, false};
    struct lx_err err = {0};

    assert_int_equal(lx_store_read(f->st, due_unit, &d, &err), LX_OK);
    return d.due;
}

static void
test_checkpoint_due(void **state)
{
    struct fx *f = *state;
    struct cp_req cp = {.f = f, .note = LX_BUF_INIT(LX_AUDIT_NOTE_MAX)};
    struct lx_err err = {0};

    assert_false(due(f, 10, 1000, 5000)); /* empty log, no checkpoint */
    for (int i = 1; i <= 3; i++) {
        struct svc q = {.id = i};
        assert_int_equal(lx_store_write(f->st, svc_unit, &q, &err), LX_OK);
    }
    assert_true(due(f, 10, 0, 5000)); /* entries and no checkpoint yet */
    assert_int_equal(lx_store_write(f->st, cp_unit, &cp, &err), LX_OK);
    /* cp_unit stamps created_ms = 1. */
    assert_false(due(f, 10, 1000, 5000)); /* nothing new */
    for (int i = 4; i <= 6; i++) {
        struct svc q = {.id = i};
        assert_int_equal(lx_store_write(f->st, svc_unit, &q, &err), LX_OK);
    }
    assert_false(due(f, 10, 0, 5000));     /* 3 new < 10, no age rule */
    assert_true(due(f, 3, 0, 5000));       /* 3 new >= 3 */
    assert_false(due(f, 10, 10000, 5000)); /* younger than 10 s */
    assert_true(due(f, 10, 1000, 5000));   /* older than 1 s, and grown */
    lx_buf_release(&cp.note);
}

static void
test_query(void **state)
{
    struct fx *f = *state;
    struct lx_err err = {0};
    struct query_req r;

    for (int i = 1; i <= 12; i++) {
        struct svc q = {.id = i};
        assert_int_equal(lx_store_write(f->st, svc_unit, &q, &err), LX_OK);
    }
    /* sample_entry: firm = 1 + id % 3, so firm 2 holds ids 1, 4, 7, 10. */
    memset(&r, 0, sizeof(r));
    r.q.firm = 2;
    r.q.limit = 3;
    assert_int_equal(lx_store_read(f->st, query_unit, &r, &err), LX_OK);
    assert_int_equal(r.c.n, 3);
    assert_int_equal(r.c.seqs[0], 1);
    assert_int_equal(r.c.seqs[2], 7);
    assert_int_equal(r.next, 7);
    r.q.after_seq = r.next;
    r.c.n = 0;
    assert_int_equal(lx_store_read(f->st, query_unit, &r, &err), LX_OK);
    assert_int_equal(r.c.n, 1);
    assert_int_equal(r.c.seqs[0], 10);
    assert_int_equal(r.c.firms[0], 2);
    assert_int_equal(r.next, 0);

    /* kind = 1 + id % 7, so access from id 7 on is id 7 alone. */
    memset(&r, 0, sizeof(r));
    r.q.kind = LX_AUDIT_ACCESS;
    r.q.clause = "C4.3";
    r.q.from_ms = 1700000000000 + 7;
    assert_int_equal(lx_store_read(f->st, query_unit, &r, &err), LX_OK);
    assert_int_equal(r.c.n, 1);
    assert_int_equal(r.c.seqs[0], 7);

    r.q.limit = LX_AUDIT_QUERY_MAX_LIMIT + 1;
    assert_int_equal(lx_store_read(f->st, query_unit, &r, &err), LX_EINVAL);
    assert_string_equal(err.field, "/limit");
}

static lx_rc
bulk_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    int n = *(int *)arg;
    struct lx_audit_entry e;
    lx_rc rc = LX_OK;

    for (int i = 0; i < n && rc == LX_OK; i++) {
        sample_entry(&e, i);
        rc = lx_audit_append_tx(tx, &e, err);
    }
    return rc;
}

/* Verification runs in batches on two threads: failures at and around
 * batch edges must still be reported at their own index. */
static void
test_many_batches(void **state)
{
    static const int64_t at[] = {0, 1023, 1024, 1025, 2047, 3000, 3071};
    struct fx *f = *state;
    struct lx_err err = {0};
    struct lx_audit_report r;
    int n = 3072;

    load_vkey(f);
    assert_int_equal(lx_store_write(f->st, bulk_unit, &n, &err), LX_OK);
    r = verify(f, NULL, NULL, 0, NULL);
    assert_int_equal(r.fail, LX_AUDIT_OK);
    assert_int_equal(r.size, 3072);
    for (size_t i = sizeof(at) / sizeof(*at); i-- > 0;) {
        char sql[128];

        snprintf(sql, sizeof(sql),
                 "UPDATE audit_log SET field = 'fax' WHERE seq = %lld",
                 (long long)at[i] + 1);
        assert_int_equal(lx_store_write(f->st, tamper_unit, sql, &err), LX_OK);
        r = verify(f, NULL, NULL, 0, NULL);
        assert_int_equal(r.fail, LX_AUDIT_LEAF_MISMATCH);
        assert_int_equal(r.index, at[i]);
    }
    /* A row failure found by the reader (a gap at 2000) loses to the
     * earlier leaf failure found by the hasher; a gap before it wins. */
    assert_int_equal(lx_store_write(f->st, tamper_unit,
                                    "DELETE FROM audit_log WHERE seq = 2001",
                                    &err),
                     LX_OK);
    r = verify(f, NULL, NULL, 0, NULL);
    assert_int_equal(r.fail, LX_AUDIT_LEAF_MISMATCH);
    assert_int_equal(r.index, 0);
    assert_int_equal(lx_store_write(f->st, tamper_unit,
                                    "DELETE FROM audit_log WHERE seq = 1",
                                    &err),
                     LX_OK);
    r = verify(f, NULL, NULL, 0, NULL);
    assert_int_equal(r.fail, LX_AUDIT_SEQ_GAP);
    assert_int_equal(r.index, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_many_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_query, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_due, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_walk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_checkpoint_and_tamper,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
