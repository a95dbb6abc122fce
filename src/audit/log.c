/*
 * log — the audit log in the store: append inside the caller's
 * transaction, signed checkpoints, verification and leaf loading.
 *
 * Tables (migration 0003_audit): audit_log holds each entry's raw fields
 * and its leaf hash; audit_checkpoint holds signed notes. Everything that
 * reads the log for integrity purposes goes through row_leaf(), which
 * re-encodes the raw columns canonically and hashes them: a stored leaf is
 * compared, never trusted.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/mem.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SELECT_ROWS                                                            \
    "SELECT seq, time_ms, kind, actor_kind, actor_id, actor_firm,"             \
    " actor_role, action, resource_type, resource_id, subject, field,"         \
    " purpose, decision, reason, clause, request_id, leaf"                     \
    " FROM audit_log ORDER BY seq"

enum {
    COL_SEQ = 0,
    COL_TIME,
    COL_KIND,
    COL_ACTOR_KIND,
    COL_ACTOR_ID,
    COL_ACTOR_FIRM,
    COL_ROLE,
    COL_ACTION,
    COL_RTYPE,
    COL_RID,
    COL_SUBJECT,
    COL_FIELD,
    COL_PURPOSE,
    COL_DECISION,
    COL_REASON,
    COL_CLAUSE,
    COL_REQ,
    COL_LEAF,
};

static const char *const fail_names[] = {
    [LX_AUDIT_OK] = "ok",
    [LX_AUDIT_BAD_ROW] = "bad_row",
    [LX_AUDIT_SEQ_GAP] = "sequence_gap",
    [LX_AUDIT_LEAF_MISMATCH] = "leaf_mismatch",
    [LX_AUDIT_ROOT_MISMATCH] = "root_mismatch",
    [LX_AUDIT_TRUNCATED] = "truncated",
    [LX_AUDIT_ROLLBACK] = "rollback",
    [LX_AUDIT_CHECKPOINT] = "checkpoint",
};

const char *
lx_audit_fail_name(enum lx_audit_fail f)
{
    if ((int)f < 0 || (size_t)f >= sizeof(fail_names) / sizeof(*fail_names)) {
        return "unknown";
    }
    return fail_names[f];
}

/* A text column as a C string; NULL when SQL NULL or holding a NUL byte
 * (which a C string would silently cut: an edit must not hide there). */
static const char *
col_cstr(struct lx_store_stmt *s, int col)
{
    size_t n = 0;
    const char *p = lx_store_col_text(s, col, &n);

    if (p == NULL || strlen(p) != n) {
        return NULL;
    }
    return p;
}

/*
 * Append the canonical encoding of the current row of SELECT_ROWS to
 * 'enc', and copy its stored leaf into 'stored' (*stored_ok: it is a
 * hash at all). Sets *seq. LX_AUDIT_BAD_ROW when the row cannot be an
 * entry ('enc' is then as it was), else LX_AUDIT_OK.
 */
static enum lx_audit_fail
row_encode(struct lx_store_stmt *s, struct lx_buf *enc, uint64_t *seq,
           unsigned char stored_leaf[LX_AUDIT_HASH_BYTES], bool *stored_ok)
{
    struct lx_audit_entry e = {0};
    const char *kind;
    const void *stored;
    size_t kind_len = 0, stored_len = 0;
    int64_t v;

    *stored_ok = false;
    v = lx_store_col_int(s, COL_SEQ);
    *seq = v > 0 ? (uint64_t)v : 0;
    e.seq = *seq;
    e.time_ms = lx_store_col_int(s, COL_TIME);
    kind = lx_store_col_text(s, COL_KIND, &kind_len);
    e.kind =
        kind != NULL ? lx_audit_kind_parse(kind, kind_len) : LX_AUDIT_KIND_NONE;
    v = lx_store_col_int(s, COL_ACTOR_KIND);
    e.actor_kind = v >= 0 && v <= 255 ? (int)v : -1;
    e.actor_id = lx_store_col_int(s, COL_ACTOR_ID);
    e.actor_firm = lx_store_col_int(s, COL_ACTOR_FIRM);
    e.actor_role = col_cstr(s, COL_ROLE);
    e.action = col_cstr(s, COL_ACTION);
    e.resource_type = col_cstr(s, COL_RTYPE);
    e.resource_id = col_cstr(s, COL_RID);
    e.subject = lx_store_col_blob(s, COL_SUBJECT, &e.subject_len);
    e.field = col_cstr(s, COL_FIELD);
    e.purpose = col_cstr(s, COL_PURPOSE);
    e.decision = col_cstr(s, COL_DECISION);
    e.reason = col_cstr(s, COL_REASON);
    e.clause = col_cstr(s, COL_CLAUSE);
    e.request_id = col_cstr(s, COL_REQ);
    if (*seq == 0 || lx_store_col_is_null(s, COL_SEQ) ||
        lx_store_col_is_null(s, COL_TIME) || e.actor_role == NULL ||
        e.action == NULL || e.resource_type == NULL || e.resource_id == NULL ||
        e.subject == NULL || e.field == NULL || e.purpose == NULL ||
        e.decision == NULL || e.reason == NULL || e.clause == NULL ||
        e.request_id == NULL) {
        return LX_AUDIT_BAD_ROW;
    }
    if (lx_audit_entry_encode(&e, enc, NULL) != LX_OK) {
        return LX_AUDIT_BAD_ROW;
    }
    stored = lx_store_col_blob(s, COL_LEAF, &stored_len);
    *stored_ok = stored != NULL && stored_len == LX_AUDIT_HASH_BYTES;
    if (*stored_ok) {
        memcpy(stored_leaf, stored, LX_AUDIT_HASH_BYTES);
    }
    return LX_AUDIT_OK;
}

/* Re-encode the current row and hash it; *stored_ok: the stored leaf
 * equals the recomputed one. */
static enum lx_audit_fail
row_leaf(struct lx_store_stmt *s, struct lx_buf *enc, uint64_t *seq,
         unsigned char leaf[LX_AUDIT_HASH_BYTES], bool *stored_ok)
{
    unsigned char stored[LX_AUDIT_HASH_BYTES];
    enum lx_audit_fail f;

    lx_buf_reset(enc);
    f = row_encode(s, enc, seq, stored, stored_ok);
    if (f == LX_AUDIT_OK) {
        lx_audit_leaf_hash(enc->p, enc->len, leaf);
        *stored_ok =
            *stored_ok && memcmp(stored, leaf, LX_AUDIT_HASH_BYTES) == 0;
    }
    return f;
}

static lx_rc
bind_text(struct lx_store_stmt *s, const char *name, const char *v)
{
    return lx_store_bind_text(s, name, v != NULL ? v : "",
                              v != NULL ? strlen(v) : 0);
}

lx_rc
lx_audit_append_tx(struct lx_store_tx *tx, const struct lx_audit_entry *e,
                   struct lx_err *err)
{
    struct lx_audit_entry x = *e;
    struct lx_store_stmt *s = NULL;
    struct lx_buf enc = LX_BUF_INIT(LX_AUDIT_ENTRY_MAX + 1);
    unsigned char leaf[LX_AUDIT_HASH_BYTES];
    bool row = false;
    lx_rc rc;

    /* One sequence across daemons: on PostgreSQL concurrent units would
     * otherwise both read the same MAX(seq); a no-op behind SQLite's
     * single writer. Held until the caller's transaction ends. */
    rc = lx_store_tx_lock(tx, LX_STORE_LOCK_AUDIT, err);
    if (rc == LX_OK) {
        rc = lx_store_prepare(tx, "SELECT COALESCE(MAX(seq), 0) FROM audit_log",
                              &s, err);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc != LX_OK) {
        goto out;
    }
    x.seq = row ? (uint64_t)lx_store_col_int(s, 0) + 1 : 1;
    lx_store_stmt_free(s);
    s = NULL;

    rc = lx_audit_entry_encode(&x, &enc, err);
    if (rc != LX_OK) {
        goto out;
    }
    lx_audit_leaf_hash(enc.p, enc.len, leaf);

    rc = lx_store_prepare(
        tx,
        "INSERT INTO audit_log (seq, time_ms, kind, actor_kind, actor_id,"
        " actor_firm, actor_role, action, resource_type, resource_id,"
        " subject, field, purpose, decision, reason, clause, request_id,"
        " leaf) VALUES (:seq, :time_ms, :kind, :actor_kind, :actor_id,"
        " :actor_firm, :actor_role, :action, :resource_type, :resource_id,"
        " :subject, :field, :purpose, :decision, :reason, :clause,"
        " :request_id, :leaf)",
        &s, err);
    if (rc != LX_OK) {
        goto out;
    }
    if ((rc = lx_store_bind_int(s, "seq", (int64_t)x.seq)) != LX_OK ||
        (rc = lx_store_bind_int(s, "time_ms", x.time_ms)) != LX_OK ||
        (rc = bind_text(s, "kind", lx_audit_kind_name(x.kind))) != LX_OK ||
        (rc = lx_store_bind_int(s, "actor_kind", x.actor_kind)) != LX_OK ||
        (rc = lx_store_bind_int(s, "actor_id", x.actor_id)) != LX_OK ||
        (rc = lx_store_bind_int(s, "actor_firm", x.actor_firm)) != LX_OK ||
        (rc = bind_text(s, "actor_role", x.actor_role)) != LX_OK ||
        (rc = bind_text(s, "action", x.action)) != LX_OK ||
        (rc = bind_text(s, "resource_type", x.resource_type)) != LX_OK ||
        (rc = bind_text(s, "resource_id", x.resource_id)) != LX_OK ||
        (rc = lx_store_bind_blob(
             s, "subject", x.subject != NULL ? x.subject : (const void *)"",
             x.subject != NULL ? x.subject_len : 0)) != LX_OK ||
        (rc = bind_text(s, "field", x.field)) != LX_OK ||
        (rc = bind_text(s, "purpose", x.purpose)) != LX_OK ||
        (rc = bind_text(s, "decision", x.decision)) != LX_OK ||
        (rc = bind_text(s, "reason", x.reason)) != LX_OK ||
        (rc = bind_text(s, "clause", x.clause)) != LX_OK ||
        (rc = bind_text(s, "request_id", x.request_id)) != LX_OK ||
        (rc = lx_store_bind_blob(s, "leaf", leaf, sizeof(leaf))) != LX_OK) {
        rc = lx_err_set(err, rc, NULL, "audit append: bind failed");
        goto out;
    }
    rc = lx_store_step(s, &row, err);

out:
    lx_store_stmt_free(s);
    lx_buf_release(&enc);
    return rc;
}

lx_rc
lx_audit_origin_tx(struct lx_store_tx *tx, char *out, struct lx_err *err)
{
    static const char prefix[] = "lexgate/";
    struct lx_store_stmt *s = NULL;
    const char *id;
    size_t n = 0;
    bool row = false;
    lx_rc rc;

    out[0] = '\0';
    rc = lx_store_prepare(tx, "SELECT value FROM meta WHERE key = :k", &s, err);
    if (rc == LX_OK) {
        rc = lx_store_bind_text(s, "k", "instance_id", 11);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc != LX_OK) {
        goto out;
    }
    id = row ? lx_store_col_text(s, 0, &n) : NULL;
    if (id == NULL || n == 0 ||
        n > LX_AUDIT_ORIGIN_MAX - (sizeof(prefix) - 1)) {
        rc =
            lx_err_set(err, LX_EINTEGRITY, NULL,
                       "database has no instance id; run 'lexgate db migrate'");
        goto out;
    }
    memcpy(out, prefix, sizeof(prefix) - 1);
    memcpy(out + sizeof(prefix) - 1, id, n);
    out[sizeof(prefix) - 1 + n] = '\0';
out:
    lx_store_stmt_free(s);
    return rc;
}

/* One checkpoint to compare the tree with. */
struct cp_ref {
    uint64_t size;
    unsigned char root[LX_AUDIT_HASH_BYTES];
    int64_t which; /* as lx_audit_report.checkpoint */
};

static int
cp_cmp(const void *a, const void *b)
{
    const struct cp_ref *x = a, *y = b;

    return (x->size > y->size) - (x->size < y->size);
}

/*
 * Walk the rows in seq order, re-encoding and hashing each, and stop at the
 * first failure by leaf index. Calls visit() after each leaf is pushed to
 * the frontier 'f'; a failure from visit stops the walk. *fail and *index
 * report the first failure (LX_AUDIT_OK and -1 when none).
 *
 * Two threads share the work: this one reads and encodes rows (SQLite and
 * the canonical encoding), a hasher hashes the leaves, compares them with
 * the stored ones and grows the tree (SHA-256, about half the time), batch
 * by batch through two buffers. Without a thread it runs both in turn. The
 * hasher only sees rows before the reader's first bad row, so its failure,
 * when it has one, is always the earlier.
 */
typedef enum lx_audit_fail visit_fn(void *arg,
                                    const struct lx_audit_frontier *f,
                                    const unsigned char leaf[32]);

#define WALK_BATCH 1024

struct walk_batch {
    size_t n;
    bool full; /* handed to the hasher and not yet given back */
    bool last; /* no batch follows */
    struct lx_buf enc;
    size_t off[WALK_BATCH + 1];
    unsigned char stored[WALK_BATCH][LX_AUDIT_HASH_BYTES];
    bool stored_ok[WALK_BATCH]; /* the stored leaf is a hash at all */
};

struct walk_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop; /* the hasher failed: read no further */
    struct walk_batch b[2];
    struct lx_audit_frontier *f;
    visit_fn *visit;
    void *arg;
    enum lx_audit_fail fail; /* the hasher's; written by it alone */
    int64_t index;
};

static void
hash_batch(struct walk_pipe *p, const struct walk_batch *b)
{
    unsigned char leaf[LX_AUDIT_HASH_BYTES];

    for (size_t i = 0; i < b->n && p->fail == LX_AUDIT_OK; i++) {
        lx_audit_leaf_hash(b->enc.p + b->off[i], b->off[i + 1] - b->off[i],
                           leaf);
        if (!b->stored_ok[i] ||
            memcmp(leaf, b->stored[i], LX_AUDIT_HASH_BYTES) != 0) {
            p->fail = LX_AUDIT_LEAF_MISMATCH;
            p->index = (int64_t)p->f->size;
            break;
        }
        lx_audit_frontier_push(p->f, leaf);
        if (p->visit != NULL) {
            p->fail = p->visit(p->arg, p->f, leaf);
            p->index = p->fail != LX_AUDIT_OK ? (int64_t)p->f->size - 1 : -1;
        }
    }
}

static void *
hasher_main(void *arg)
{
    struct walk_pipe *p = arg;
    bool last = false;

    for (int k = 0; !last; k ^= 1) {
        struct walk_batch *b = &p->b[k];

        pthread_mutex_lock(&p->mu);
        while (!b->full) {
            pthread_cond_wait(&p->cv, &p->mu);
        }
        pthread_mutex_unlock(&p->mu);
        if (p->fail == LX_AUDIT_OK) {
            hash_batch(p, b);
        }
        last = b->last; /* read before the batch goes back to the reader */
        pthread_mutex_lock(&p->mu);
        b->full = false;
        p->stop = p->fail != LX_AUDIT_OK;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    return NULL;
}

static lx_rc
walk(struct lx_store_tx *tx, struct lx_audit_frontier *f, visit_fn *visit,
     void *arg, enum lx_audit_fail *fail, int64_t *index, struct lx_err *err)
{
    struct walk_pipe *p = lx_xcalloc(1, sizeof(*p));
    struct lx_store_stmt *s = NULL;
    enum lx_audit_fail row_fail = LX_AUDIT_OK;
    uint64_t next = 0, seq;
    pthread_t th;
    bool threaded, done = false, row = false;
    lx_rc rc;

    lx_audit_frontier_init(f);
    *fail = LX_AUDIT_OK;
    *index = -1;
    p->f = f;
    p->visit = visit;
    p->arg = arg;
    p->index = -1;
    for (int k = 0; k < 2; k++) {
        /* Room for a whole batch of the largest entries: a full buffer
         * must never pass for a bad row. */
        lx_buf_init(&p->b[k].enc, (size_t)WALK_BATCH * LX_AUDIT_ENTRY_MAX + 1);
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    rc = lx_store_prepare(tx, SELECT_ROWS, &s, err);
    threaded = pthread_create(&th, NULL, hasher_main, p) == 0;

    for (int k = 0;; k ^= 1) {
        struct walk_batch *b = &p->b[k];
        bool stop;

        if (threaded) {
            pthread_mutex_lock(&p->mu);
            while (b->full) {
                pthread_cond_wait(&p->cv, &p->mu);
            }
            stop = p->stop;
            pthread_mutex_unlock(&p->mu);
        } else {
            stop = p->fail != LX_AUDIT_OK;
        }
        b->n = 0;
        b->off[0] = 0;
        lx_buf_reset(&b->enc);
        while (!stop && !done && rc == LX_OK && b->n < WALK_BATCH) {
            rc = lx_store_step(s, &row, err);
            if (rc != LX_OK || !row) {
                break;
            }
            row_fail = row_encode(s, &b->enc, &seq, b->stored[b->n],
                                  &b->stored_ok[b->n]);
            if (row_fail == LX_AUDIT_OK && seq != next + 1) {
                row_fail = LX_AUDIT_SEQ_GAP;
            }
            if (row_fail != LX_AUDIT_OK) {
                done = true;
                break;
            }
            next++;
            b->n++;
            b->off[b->n] = b->enc.len;
        }
        b->last = stop || done || rc != LX_OK || !row;
        if (threaded) {
            pthread_mutex_lock(&p->mu);
            b->full = true;
            pthread_cond_broadcast(&p->cv);
            pthread_mutex_unlock(&p->mu);
        } else if (p->fail == LX_AUDIT_OK) {
            hash_batch(p, b);
        }
        if (b->last) {
            break;
        }
    }
    if (threaded) {
        pthread_join(th, NULL);
    }
    if (p->fail != LX_AUDIT_OK) {
        *fail = p->fail;
        *index = p->index;
    } else if (row_fail != LX_AUDIT_OK) {
        *fail = row_fail;
        *index = (int64_t)next;
    }
    lx_store_stmt_free(s);
    for (int k = 0; k < 2; k++) {
        lx_buf_release(&p->b[k].enc);
    }
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return rc;
}

lx_rc
lx_audit_checkpoint_tx(struct lx_store_tx *tx, const struct lx_crypto_keys *k,
                       int64_t now_ms, struct lx_buf *note, struct lx_err *err)
{
    struct lx_audit_frontier *f = lx_xmalloc(sizeof(*f));
    struct lx_audit_head head = {0};
    struct lx_store_stmt *s = NULL;
    enum lx_audit_fail fail;
    size_t start = note->len;
    int64_t index;
    bool row = false;
    lx_rc rc;

    rc = lx_audit_origin_tx(tx, head.origin, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = walk(tx, f, NULL, NULL, &fail, &index, err);
    if (rc != LX_OK) {
        goto out;
    }
    if (fail != LX_AUDIT_OK) {
        rc = lx_err_set(err, LX_EINTEGRITY, NULL,
                        "audit log damaged at index %lld (%s); not signed",
                        (long long)index, lx_audit_fail_name(fail));
        goto out;
    }
    head.size = f->size;
    lx_audit_frontier_root(f, head.root);
    rc = lx_audit_checkpoint_sign(&head, head.origin, k, note, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "INSERT INTO audit_checkpoint (tree_size, root,"
                          " note, created_ms) VALUES (:size, :root, :note,"
                          " :now)",
                          &s, err);
    if (rc == LX_OK &&
        ((rc = lx_store_bind_int(s, "size", (int64_t)head.size)) != LX_OK ||
         (rc = lx_store_bind_blob(s, "root", head.root, sizeof(head.root))) !=
             LX_OK ||
         (rc = lx_store_bind_text(s, "note", note->p + start,
                                  note->len - start)) != LX_OK ||
         (rc = lx_store_bind_int(s, "now", now_ms)) != LX_OK)) {
        rc = lx_err_set(err, rc, NULL, "audit checkpoint: bind failed");
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
out:
    if (rc != LX_OK && note->p != NULL && note->len > start) {
        note->len = start;
        note->p[start] = '\0';
    }
    lx_store_stmt_free(s);
    free(f);
    return rc;
}

lx_rc
lx_audit_checkpoint_latest_tx(struct lx_store_tx *tx, struct lx_buf *note,
                              struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    const char *p;
    size_t n = 0;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "SELECT note FROM audit_checkpoint"
                          " ORDER BY id DESC LIMIT 1",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && !row) {
        rc = lx_err_set(err, LX_ENOTFOUND, NULL, "no audit checkpoint yet");
    }
    if (rc == LX_OK) {
        p = lx_store_col_text(s, 0, &n);
        rc = lx_buf_append(note, p != NULL ? p : "", n);
        if (rc != LX_OK) {
            lx_err_set(err, rc, NULL, "checkpoint note too large");
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

struct verify_state {
    struct cp_ref *cps;
    size_t ncps, next;
    const struct lx_audit_verify_opts *o;
    struct lx_audit_report *r;
};

static enum lx_audit_fail
verify_visit(void *arg, const struct lx_audit_frontier *f,
             const unsigned char leaf[32])
{
    struct verify_state *v = arg;
    unsigned char root[LX_AUDIT_HASH_BYTES];
    bool have_root = false;

    (void)leaf;
    while (v->next < v->ncps && v->cps[v->next].size == f->size) {
        if (!have_root) {
            lx_audit_frontier_root(f, root);
            have_root = true;
        }
        v->r->checked++;
        if (memcmp(root, v->cps[v->next].root, sizeof(root)) != 0) {
            v->r->checkpoint = v->cps[v->next].which;
            return LX_AUDIT_ROOT_MISMATCH;
        }
        v->next++;
    }
    if (v->o->have_seen && v->o->seen_size == f->size) {
        if (!have_root) {
            lx_audit_frontier_root(f, root);
        }
        if (memcmp(root, v->o->seen_root, sizeof(root)) != 0) {
            return LX_AUDIT_ROLLBACK;
        }
    }
    return LX_AUDIT_OK;
}

/* Open one note into cps[*n]; false (report filled) when refused. */
static bool
take_note(const char *note, size_t len, const struct lx_audit_verify_opts *o,
          const char *origin, int64_t which, struct cp_ref *cps, size_t *n,
          struct lx_audit_report *r)
{
    struct lx_audit_head head;
    enum lx_audit_cp_fail why;

    if (lx_audit_checkpoint_open(note, len, o->trust, o->ntrust, origin, &head,
                                 &why) != LX_OK) {
        r->fail = LX_AUDIT_CHECKPOINT;
        r->cp_fail = why;
        r->checkpoint = which;
        return false;
    }
    cps[*n].size = head.size;
    memcpy(cps[*n].root, head.root, LX_AUDIT_HASH_BYTES);
    cps[*n].which = which;
    (*n)++;
    return true;
}

/* Load and check every checkpoint to compare with: external notes, then
 * (when asked) the stored ones. *cps is malloc'd. */
static lx_rc
load_checkpoints(struct lx_store_tx *tx, const struct lx_audit_verify_opts *o,
                 const char *origin, struct cp_ref **cps, size_t *ncps,
                 struct lx_audit_report *r, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    size_t cap = o->nnotes + 16, n = 0;
    struct cp_ref *v = lx_xcalloc(cap, sizeof(*v));
    bool row = false;
    lx_rc rc = LX_OK;

    for (size_t i = 0; i < o->nnotes; i++) {
        if (!take_note(o->notes[i], o->note_lens[i], o, origin, (int64_t)i + 1,
                       v, &n, r)) {
            goto out;
        }
    }
    if (!o->check_stored) {
        goto out;
    }
    rc = lx_store_prepare(tx,
                          "SELECT id, note FROM audit_checkpoint"
                          " ORDER BY id",
                          &s, err);
    while (rc == LX_OK) {
        const char *note;
        size_t len = 0;

        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        if (n == cap) {
            cap *= 2;
            v = lx_xrealloc(v, cap * sizeof(*v));
        }
        note = lx_store_col_text(s, 1, &len);
        if (!take_note(note != NULL ? note : "", len, o, origin,
                       -lx_store_col_int(s, 0), v, &n, r)) {
            break;
        }
    }
out:
    lx_store_stmt_free(s);
    qsort(v, n, sizeof(*v), cp_cmp);
    *cps = v;
    *ncps = n;
    return rc;
}

lx_rc
lx_audit_verify_tx(struct lx_store_tx *tx, const struct lx_audit_verify_opts *o,
                   struct lx_audit_report *r, struct lx_err *err)
{
    struct lx_audit_frontier *f = lx_xmalloc(sizeof(*f));
    struct verify_state v = {.o = o, .r = r};
    char origin[LX_AUDIT_ORIGIN_MAX + 1];
    unsigned char empty[LX_AUDIT_HASH_BYTES];
    enum lx_audit_fail fail;
    int64_t index;
    lx_rc rc;

    memset(r, 0, sizeof(*r));
    r->index = -1;
    rc = lx_audit_origin_tx(tx, origin, err);
    if (rc != LX_OK) {
        goto out;
    }
    rc = load_checkpoints(tx, o, origin, &v.cps, &v.ncps, r, err);
    if (rc != LX_OK || r->fail != LX_AUDIT_OK) {
        goto out;
    }
    /* Size-0 checkpoints commit to the empty tree. */
    lx_crypto_sha256(NULL, 0, NULL, 0, empty);
    while (v.next < v.ncps && v.cps[v.next].size == 0) {
        r->checked++;
        if (memcmp(v.cps[v.next].root, empty, sizeof(empty)) != 0) {
            r->fail = LX_AUDIT_ROOT_MISMATCH;
            r->checkpoint = v.cps[v.next].which;
            goto out;
        }
        v.next++;
    }
    rc = walk(tx, f, verify_visit, &v, &fail, &index, err);
    if (rc != LX_OK) {
        goto out;
    }
    r->size = f->size;
    lx_audit_frontier_root(f, r->root);
    if (fail != LX_AUDIT_OK) {
        r->fail = fail;
        r->index = index;
        goto out;
    }
    /* A checkpoint or a size seen beyond the end: entries were cut off. */
    if (v.next < v.ncps) {
        r->fail = LX_AUDIT_TRUNCATED;
        r->index = (int64_t)f->size;
        r->checkpoint = v.cps[v.next].which;
        goto out;
    }
    if (o->have_seen && o->seen_size > f->size) {
        r->fail = LX_AUDIT_ROLLBACK;
        r->index = (int64_t)f->size;
        goto out;
    }
    if (o->have_seen && o->seen_size == 0 &&
        memcmp(o->seen_root, empty, sizeof(empty)) != 0) {
        r->fail = LX_AUDIT_ROLLBACK;
        r->index = 0;
    }
out:
    free(v.cps);
    free(f);
    return rc;
}

lx_rc
lx_audit_leaves_tx(struct lx_store_tx *tx, uint64_t size,
                   unsigned char (**leaves)[LX_AUDIT_HASH_BYTES], uint64_t *n,
                   struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    struct lx_buf enc = LX_BUF_INIT(LX_AUDIT_ENTRY_MAX + 1);
    unsigned char(*v)[LX_AUDIT_HASH_BYTES] = NULL;
    uint64_t cap = 1024, count = 0, seq;
    bool row = false, stored_ok;
    lx_rc rc;

    *leaves = NULL;
    *n = 0;
    v = lx_xmalloc((size_t)cap * LX_AUDIT_HASH_BYTES);
    rc = lx_store_prepare(tx, SELECT_ROWS, &s, err);
    while (rc == LX_OK && (size == 0 || count < size)) {
        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        if (count == cap) {
            cap *= 2;
            v = lx_xrealloc(v, (size_t)cap * LX_AUDIT_HASH_BYTES);
        }
        if (row_leaf(s, &enc, &seq, v[count], &stored_ok) != LX_AUDIT_OK ||
            seq != count + 1 || !stored_ok) {
            rc = lx_err_set(err, LX_EINTEGRITY, NULL,
                            "audit log damaged at index %llu; run 'lexgate "
                            "audit verify'",
                            (unsigned long long)count);
            break;
        }
        count++;
    }
    if (rc == LX_OK && size != 0 && count < size) {
        rc =
            lx_err_set(err, LX_ERANGE, "/size", "the log has only %llu entries",
                       (unsigned long long)count);
    }
    lx_store_stmt_free(s);
    lx_buf_release(&enc);
    if (rc != LX_OK) {
        free(v);
        return rc;
    }
    *leaves = v;
    *n = count;
    return LX_OK;
}

lx_rc
lx_audit_checkpoint_due_tx(struct lx_store_tx *tx, uint64_t every_entries,
                           int64_t every_ms, int64_t now_ms, bool *due,
                           struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    bool row = false, have_cp;
    int64_t size, cp_size, cp_ms;
    uint64_t grown;
    lx_rc rc;

    *due = false;
    rc = lx_store_prepare(tx,
                          "SELECT (SELECT COALESCE(MAX(seq), 0) FROM"
                          " audit_log), c.tree_size, c.created_ms FROM"
                          " (SELECT 1 AS one) AS x LEFT JOIN (SELECT"
                          " tree_size, created_ms FROM audit_checkpoint"
                          " ORDER BY id DESC LIMIT 1) AS c ON 1 = 1",
                          &s, err);
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    if (rc != LX_OK || !row) {
        goto out;
    }
    size = lx_store_col_int(s, 0);
    have_cp = !lx_store_col_is_null(s, 1);
    cp_size = lx_store_col_int(s, 1);
    cp_ms = lx_store_col_int(s, 2);
    grown = size > cp_size ? (uint64_t)(size - cp_size) : 0;
    if (!have_cp) {
        *due = size > 0;
    } else if (every_entries != 0 && grown >= every_entries) {
        *due = true;
    } else if (every_ms != 0 && grown > 0 && now_ms - cp_ms >= every_ms) {
        *due = true;
    }
out:
    lx_store_stmt_free(s);
    return rc;
}

lx_rc
lx_audit_entries_tx(struct lx_store_tx *tx, uint64_t upto, lx_audit_raw_fn *fn,
                    void *arg, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    struct lx_buf enc = LX_BUF_INIT(LX_AUDIT_ENTRY_MAX + 1);
    unsigned char leaf[LX_AUDIT_HASH_BYTES];
    uint64_t count = 0, seq;
    bool row = false, stored_ok;
    lx_rc rc;

    if (upto == 0) {
        return lx_err_set(err, LX_EINVAL, "/upto", "want at least one entry");
    }
    rc = lx_store_prepare(tx, SELECT_ROWS, &s, err);
    while (rc == LX_OK && count < upto) {
        rc = lx_store_step(s, &row, err);
        if (rc != LX_OK || !row) {
            break;
        }
        if (row_leaf(s, &enc, &seq, leaf, &stored_ok) != LX_AUDIT_OK ||
            seq != count + 1 || !stored_ok) {
            rc = lx_err_set(err, LX_EINTEGRITY, NULL,
                            "audit log damaged at index %llu; run 'lexgate "
                            "audit verify'",
                            (unsigned long long)count);
            break;
        }
        rc = fn(arg, enc.p, enc.len, leaf);
        count++;
    }
    if (rc == LX_OK && count < upto) {
        rc =
            lx_err_set(err, LX_ERANGE, "/upto", "the log has only %llu entries",
                       (unsigned long long)count);
    }
    lx_store_stmt_free(s);
    lx_buf_release(&enc);
    return rc;
}
