/*
 * audit — the tamper-evident audit log (C4.3, C3.4, C7.3).
 *
 * Access, handover and deletion records (C4.3), and sign-ins, admin,
 * policy and key events, are appended to one log that neither party — nor
 * an attacker holding the database file — can rewrite unnoticed:
 *
 *  - each entry has a canonical byte encoding (entry.c; docs/audit.md):
 *    fixed-width big-endian integers and length-prefixed fields, no JSON,
 *    so the same entry always hashes the same;
 *  - the entries are the leaves of an RFC 9162 Merkle tree (merkle.c,
 *    pure): leaf H(0x00 || entry), node H(0x01 || left || right), SHA-256;
 *    any RFC 9162 implementation can check our proofs;
 *  - a signed checkpoint (checkpoint.c) commits to the tree at one size in
 *    the C2SP tlog-checkpoint / signed-note format, Ed25519;
 *  - entries are appended inside the caller's transaction
 *    (lx_audit_append_tx, log.c), so an action and its record commit
 *    together or not at all;
 *  - verification (lx_audit_verify_tx) recomputes every leaf from the raw
 *    columns of every row, never trusting stored hashes;
 *  - compliance staff and firms read it through lx_audit_query_tx
 *    (query.c), filtered and paginated.
 *
 * The log holds pseudonymous references only: a subject is named by a keyed
 * hash, never by personal data, so crypto-shredding a subject never forces
 * a rewrite of the log.
 *
 * Thread-safety: the pure functions are thread-safe; the log functions use
 * the caller's transaction and follow store/'s rules. lx_audit_verify_tx
 * and lx_audit_checkpoint_tx hash on a helper thread of their own (joined
 * before they return); it never touches the store.
 */
#ifndef LX_AUDIT_H
#define LX_AUDIT_H

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lx_crypto_keys;
struct lx_store_tx;

/* ---- Merkle tree (merkle.c, pure) ---------------------------------------- */

#define LX_AUDIT_HASH_BYTES 32
/* Longest proof handled: trees up to 2^64 - 1 leaves need at most 64. */
#define LX_AUDIT_PROOF_MAX 64

/* RFC 9162 leaf hash: SHA-256(0x00 || entry). */
void lx_audit_leaf_hash(const void *entry, size_t len,
                        unsigned char out[LX_AUDIT_HASH_BYTES]);
/* RFC 9162 interior node: SHA-256(0x01 || left || right). 'out' may alias
 * either input. */
void lx_audit_node_hash(const unsigned char left[LX_AUDIT_HASH_BYTES],
                        const unsigned char right[LX_AUDIT_HASH_BYTES],
                        unsigned char out[LX_AUDIT_HASH_BYTES]);

/*
 * A streaming tree: leaves are pushed in order and the root of the tree of
 * the leaves pushed so far is available at any time in O(log n). Holds one
 * perfect-subtree hash per set bit of 'size'. Plain value; no resources.
 */
struct lx_audit_frontier {
    uint64_t size;
    unsigned char h[64][LX_AUDIT_HASH_BYTES];
};

void lx_audit_frontier_init(struct lx_audit_frontier *f);
void lx_audit_frontier_push(struct lx_audit_frontier *f,
                            const unsigned char leaf[LX_AUDIT_HASH_BYTES]);
/* MTH of the leaves pushed so far; SHA-256 of nothing for an empty tree. */
void lx_audit_frontier_root(const struct lx_audit_frontier *f,
                            unsigned char out[LX_AUDIT_HASH_BYTES]);

/* MTH(leaves[0..n)) given the leaf hashes. */
void lx_audit_merkle_root(const unsigned char (*leaves)[LX_AUDIT_HASH_BYTES],
                          uint64_t n, unsigned char out[LX_AUDIT_HASH_BYTES]);

/*
 * Inclusion proof (RFC 9162 §2.1.3.1) of leaf 'index' (0-based) in the
 * tree of leaves[0..n). 'proof' must hold LX_AUDIT_PROOF_MAX hashes; *len
 * gets how many were written. LX_EINVAL when index >= n.
 */
lx_rc lx_audit_merkle_inclusion(
    const unsigned char (*leaves)[LX_AUDIT_HASH_BYTES], uint64_t n,
    uint64_t index, unsigned char (*proof)[LX_AUDIT_HASH_BYTES], size_t *len);

/*
 * Consistency proof (RFC 9162 §2.1.4.1) that the tree of the first m
 * leaves is a prefix of the tree of leaves[0..n). m == n gives the empty
 * proof. LX_EINVAL when m == 0 or m > n. 'proof' as above.
 */
lx_rc lx_audit_merkle_consistency(
    const unsigned char (*leaves)[LX_AUDIT_HASH_BYTES], uint64_t n, uint64_t m,
    unsigned char (*proof)[LX_AUDIT_HASH_BYTES], size_t *len);

/* RFC 9162 §2.1.3.2: LX_OK when 'proof' shows leaf hash 'leaf' at 'index'
 * in the tree of 'size' leaves with root 'root'; LX_EINTEGRITY otherwise.
 * As in the RFC, a proof can also pass for another size whose tree has the
 * same shape along the path: take size and root from one signed checkpoint
 * (so do both proof verifiers here). */
lx_rc lx_audit_merkle_inclusion_verify(
    uint64_t index, uint64_t size,
    const unsigned char leaf[LX_AUDIT_HASH_BYTES],
    const unsigned char (*proof)[LX_AUDIT_HASH_BYTES], size_t len,
    const unsigned char root[LX_AUDIT_HASH_BYTES]);

/* RFC 9162 §2.1.4.2: LX_OK when 'proof' shows the tree (first, first_root)
 * is a prefix of (second, second_root); LX_EINTEGRITY otherwise. Equal
 * sizes need an empty proof and equal roots; first == 0 is refused. */
lx_rc lx_audit_merkle_consistency_verify(
    uint64_t first, uint64_t second,
    const unsigned char first_root[LX_AUDIT_HASH_BYTES],
    const unsigned char second_root[LX_AUDIT_HASH_BYTES],
    const unsigned char (*proof)[LX_AUDIT_HASH_BYTES], size_t len);

/* ---- Base64 (RFC 4648, standard alphabet, padded) ------------------------ */

/* Append the base64 of data to 'out'. LX_ETOOBIG past out->max. */
lx_rc lx_audit_b64_encode(const void *data, size_t n, struct lx_buf *out);
/* Decode exactly 'n' characters of canonical padded base64 into 'out'
 * (capacity 'cap'); *outlen gets the byte count. LX_EINVAL on any other
 * character, bad padding, non-zero pad bits or lack of room. */
lx_rc lx_audit_b64_decode(const char *s, size_t n, unsigned char *out,
                          size_t cap, size_t *outlen);

/* ---- Entries (entry.c) --------------------------------------------------- */

/* What an entry records. The zero value is invalid: an entry must say. */
enum lx_audit_kind {
    LX_AUDIT_KIND_NONE = 0,
    LX_AUDIT_ACCESS,   /* a read or a reveal, allowed or denied (C4.3) */
    LX_AUDIT_HANDOVER, /* a lead or a record passed on (C4.3) */
    LX_AUDIT_DELETION, /* deletion, return, anonymisation (C4.3, C7) */
    LX_AUDIT_AUTH,     /* sign-in, sign-out, failed sign-in */
    LX_AUDIT_ADMIN,    /* configuration, partners, contracts */
    LX_AUDIT_POLICY,   /* policy or enforcement decisions */
    LX_AUDIT_KEY,      /* key events, such as a signing-key rotation */
    LX_AUDIT_KIND_COUNT_
};

/* The stable name ("access"), or NULL for an unknown kind. */
const char *lx_audit_kind_name(enum lx_audit_kind kind);
/* The kind of a name; LX_AUDIT_KIND_NONE when unknown. */
enum lx_audit_kind lx_audit_kind_parse(const char *name, size_t n);

/* Longest text field and longest subject pseudonym, in bytes. */
#define LX_AUDIT_FIELD_MAX 1024
#define LX_AUDIT_SUBJECT_MAX 64
/* Longest canonical encoding. */
#define LX_AUDIT_ENTRY_MAX                                                     \
    (1 + 8 + 8 + 1 + 1 + 8 + 8 + 11 * 2 + 10 * LX_AUDIT_FIELD_MAX +            \
     LX_AUDIT_SUBJECT_MAX)

/*
 * One record. Text fields are NUL-terminated UTF-8, NULL meaning empty;
 * they hold ids, codes and names (never personal data). 'subject' is a
 * keyed-hash pseudonym (subject_len bytes, 0 when there is none). The
 * struct borrows every pointer.
 */
struct lx_audit_entry {
    uint64_t seq;    /* 1-based position; assigned by lx_audit_append_tx */
    int64_t time_ms; /* Unix milliseconds, UTC */
    enum lx_audit_kind kind;
    int actor_kind;     /* enum lx_actor_kind of base/ctx.h */
    int64_t actor_id;   /* staff, user or key id; 0 for none */
    int64_t actor_firm; /* the actor's firm; 0 for the platform / none */
    const char *actor_role;
    const char *action;        /* e.g. "reveal", "claim", "shred" */
    const char *resource_type; /* e.g. "lead", "subject_field" */
    const char *resource_id;
    const unsigned char *subject;
    size_t subject_len;
    const char *field;      /* the data field concerned, e.g. "phone" */
    const char *purpose;    /* the declared purpose (C2.1) */
    const char *decision;   /* "allow", "deny", "done", … */
    const char *reason;     /* a reason code, e.g. "not_trained" */
    const char *clause;     /* e.g. "C4.2" */
    const char *request_id; /* X-Request-Id */
};

/*
 * Append the canonical encoding of 'e' (docs/audit.md) to 'out'.
 * LX_EINVAL (field named in err) for an unknown kind, an actor kind outside
 * 0..255, a text field longer than LX_AUDIT_FIELD_MAX or a subject longer
 * than LX_AUDIT_SUBJECT_MAX; LX_ETOOBIG past out->max. 'err' may be NULL.
 */
lx_rc lx_audit_entry_encode(const struct lx_audit_entry *e, struct lx_buf *out,
                            struct lx_err *err);

/*
 * Parse a canonical encoding. Text fields are copied NUL-terminated into
 * 'scratch' (at least len + 11 bytes) and 'out' points into it and into
 * 'data'. LX_EINVAL when the bytes are not exactly one valid encoding.
 */
lx_rc lx_audit_entry_decode(const void *data, size_t len, char *scratch,
                            size_t scratch_len, struct lx_audit_entry *out,
                            struct lx_err *err);

/* ---- Checkpoints (checkpoint.c) ------------------------------------------ */

#define LX_AUDIT_ORIGIN_MAX 128
#define LX_AUDIT_KEY_ID_BYTES 4
#define LX_AUDIT_NOTE_MAX 4096

/* A tree head: the signed body of a checkpoint. */
struct lx_audit_head {
    char origin[LX_AUDIT_ORIGIN_MAX + 1];
    uint64_t size;
    unsigned char root[LX_AUDIT_HASH_BYTES];
};

/*
 * One verifier key, as in a trust file line: the C2SP signed-note vkey
 * "<name>+<hex key id>+<base64(0x01 || public key)>", optionally followed
 * by " until=N": a retired key, valid only for checkpoints of size <= N.
 */
struct lx_audit_vkey {
    char name[LX_AUDIT_ORIGIN_MAX + 1];
    unsigned char id[LX_AUDIT_KEY_ID_BYTES];
    unsigned char pk[32];
    uint64_t until; /* 0: current key, no limit */
};

/* The C2SP key id: SHA-256(name || '\n' || 0x01 || pk)[0:4]. */
void lx_audit_key_id(const char *name, const unsigned char pk[32],
                     unsigned char id[LX_AUDIT_KEY_ID_BYTES]);

/* Append the vkey line (no newline) for 'name' and 'pk' to 'out'. */
lx_rc lx_audit_vkey_format(const char *name, const unsigned char pk[32],
                           struct lx_buf *out);
/* Parse one vkey line (without its newline). LX_EINVAL when malformed or
 * when the key id does not match name and key. */
lx_rc lx_audit_vkey_parse(const char *line, size_t n, struct lx_audit_vkey *out,
                          struct lx_err *err);

/*
 * Append the signed note of 'head' to 'out':
 *   "<origin>\n<size>\n<base64 root>\n\n— <key name> <base64(id||sig)>\n"
 * signed with the signing key of 'k' under 'key_name'. LX_EINVAL for an
 * origin or key name that is empty, too long or holds a space, '+' or a
 * control character.
 */
lx_rc lx_audit_checkpoint_sign(const struct lx_audit_head *head,
                               const char *key_name,
                               const struct lx_crypto_keys *k,
                               struct lx_buf *out, struct lx_err *err);

/* Why a checkpoint was refused (also what lexgate audit verify reports). */
enum lx_audit_cp_fail {
    LX_AUDIT_CP_OK = 0,
    LX_AUDIT_CP_MALFORMED,   /* not a well-formed checkpoint note */
    LX_AUDIT_CP_UNKNOWN_KEY, /* no signature by a trusted key */
    LX_AUDIT_CP_BAD_SIG,     /* a trusted key's signature does not verify */
    LX_AUDIT_CP_RETIRED_KEY, /* signed by a key retired before this size */
    LX_AUDIT_CP_ORIGIN,      /* another log's origin */
};
/* Stable snake_case name of a failure ("bad_signature"). */
const char *lx_audit_cp_fail_name(enum lx_audit_cp_fail f);

/*
 * Parse 'note' and check it: well-formed; origin equal to 'origin' (when
 * not NULL); at least one signature by a key of 'trust' that verifies and
 * that is not retired for head->size. Signatures by keys not in 'trust'
 * are ignored, as C2SP requires. On LX_OK *head holds the checkpoint;
 * otherwise LX_EINTEGRITY and *why says which check failed.
 */
lx_rc lx_audit_checkpoint_open(const char *note, size_t n,
                               const struct lx_audit_vkey *trust, size_t ntrust,
                               const char *origin, struct lx_audit_head *head,
                               enum lx_audit_cp_fail *why);

/* ---- The log in the store (log.c) ---------------------------------------- */

/*
 * Append 'e' inside the caller's transaction: the next sequence number
 * (largest + 1; e->seq is ignored) is taken, the entry encoded, its leaf
 * hash computed and the row inserted — all in 'tx', so the action and its
 * record commit together or not at all. On SQLite the single writer makes
 * this serial; on PostgreSQL the transaction must first take
 * pg_advisory_xact_lock on the audit key (docs/scale-out.md). Errors: those
 * of lx_audit_entry_encode, and store errors (then the caller rolls back).
 */
lx_rc lx_audit_append_tx(struct lx_store_tx *tx, const struct lx_audit_entry *e,
                         struct lx_err *err);

/* The log's origin line, "lexgate/<instance id>", from the store's meta
 * table; 'out' holds LX_AUDIT_ORIGIN_MAX + 1 bytes. */
lx_rc lx_audit_origin_tx(struct lx_store_tx *tx, char *out, struct lx_err *err);

/*
 * Sign a checkpoint of the whole log: recompute every leaf from the raw
 * rows (refusing with LX_EINTEGRITY when a row does not match its stored
 * leaf or the sequence has a gap), sign the head with the key of 'k' under
 * the key name 'origin' (the origin is also the key name), store it in
 * audit_checkpoint and append the note to 'note'. An empty log gets a
 * checkpoint of size 0.
 */
lx_rc lx_audit_checkpoint_tx(struct lx_store_tx *tx,
                             const struct lx_crypto_keys *k, int64_t now_ms,
                             struct lx_buf *note, struct lx_err *err);

/*
 * Whether a new checkpoint is due: the log has grown by at least
 * 'every_entries' (0: never by count) since the newest stored checkpoint,
 * or it has grown at all and that checkpoint is at least 'every_ms' old at
 * 'now_ms' (0: never by age). With no checkpoint yet, any entry makes one
 * due. For the daemon's timer; `lexgate audit checkpoint` signs on demand.
 */
lx_rc lx_audit_checkpoint_due_tx(struct lx_store_tx *tx, uint64_t every_entries,
                                 int64_t every_ms, int64_t now_ms, bool *due,
                                 struct lx_err *err);

/* The newest stored checkpoint note, appended to 'note'; LX_ENOTFOUND when
 * there is none. */
lx_rc lx_audit_checkpoint_latest_tx(struct lx_store_tx *tx, struct lx_buf *note,
                                    struct lx_err *err);

/* ---- The daemon's checkpoints (checkpointer.c) ------------------------- */

struct lx_app;
struct lx_audit_checkpointer;

struct lx_audit_checkpointer_opts {
    uint64_t every_entries; /* sign when the log grew by this many (0: no) */
    int64_t every_ms;       /* ...or grew at all and the newest is older */
    int64_t poll_ms;        /* how often to look (<= 0: 1000) */
    char export_dir[512];   /* "" : store only */
};

/* The tree size on the second line of a checkpoint note; false when the
 * note is not shaped like one. */
bool lx_audit_note_size(const char *note, size_t len, uint64_t *size);

/*
 * Write a signed note to dir/checkpoint.<size> and dir/checkpoint (the
 * latest), atomically, creating dir (0700) if needed. The same files
 * `lexgate audit checkpoint --export DIR` writes.
 */
lx_rc lx_audit_checkpoint_export(const char *dir, const char *note, size_t len,
                                 struct lx_err *err);

/*
 * One look: sign a checkpoint if one is due (lx_audit_checkpoint_due_tx)
 * and export it. *signed_one (may be NULL) says whether it did. For the
 * thread below and for tests that drive time.
 */
lx_rc lx_audit_checkpoint_tick(struct lx_audit_checkpointer *c, int64_t now_ms,
                               bool *signed_one, struct lx_err *err);

/*
 * Start the daemon's checkpoint thread over app->store, signing with
 * app->keys (both must outlive it). With every_entries and every_ms both
 * 0 nothing runs (but *out is valid). A failed tick logs
 * "audit_checkpoint_failed" at error level and is retried.
 */
lx_rc lx_audit_checkpointer_start(struct lx_app *app,
                                  const struct lx_audit_checkpointer_opts *o,
                                  struct lx_audit_checkpointer **out,
                                  struct lx_err *err);
/* Stop and free; NULL is fine. Call before the store closes. */
void lx_audit_checkpointer_stop(struct lx_audit_checkpointer *c);

/* What verification found; names in lx_audit_fail_name(). */
enum lx_audit_fail {
    LX_AUDIT_OK = 0,
    LX_AUDIT_BAD_ROW,       /* a row's fields cannot be a valid entry */
    LX_AUDIT_SEQ_GAP,       /* sequence numbers not 1, 2, 3 … */
    LX_AUDIT_LEAF_MISMATCH, /* recomputed leaf differs from the stored one */
    LX_AUDIT_ROOT_MISMATCH, /* the tree differs from a checkpoint's root */
    LX_AUDIT_TRUNCATED,     /* a checkpoint is larger than the log */
    LX_AUDIT_ROLLBACK,      /* smaller than, or forked from, the size seen */
    LX_AUDIT_CHECKPOINT,    /* a checkpoint is unsigned, forged or foreign */
};
const char *lx_audit_fail_name(enum lx_audit_fail f);

/* Inputs of lx_audit_verify_tx; all borrowed. */
struct lx_audit_verify_opts {
    const struct lx_audit_vkey *trust; /* keys checkpoints may be signed by */
    size_t ntrust;
    const char *const *notes; /* external checkpoint notes (files) */
    const size_t *note_lens;
    size_t nnotes;
    bool check_stored; /* also check every checkpoint stored in the log */
    bool have_seen;    /* the "largest size seen" state is known */
    uint64_t seen_size;
    unsigned char seen_root[LX_AUDIT_HASH_BYTES];
};

struct lx_audit_report {
    enum lx_audit_fail fail;
    enum lx_audit_cp_fail cp_fail; /* with LX_AUDIT_CHECKPOINT */
    int64_t index;                 /* first bad leaf index (0-based), or -1 */
    int64_t checkpoint;            /* which checkpoint: external note i + 1 (i
                                      0-based), -(stored id), or 0 for none */
    uint64_t size;                 /* entries in the log */
    unsigned char root[LX_AUDIT_HASH_BYTES]; /* MTH of all entries */
    uint64_t checked;                        /* checkpoints compared */
};

/*
 * Verify the log in 'tx' (a read transaction): re-encode every row and
 * recompute its leaf (never trusting the stored hash, but comparing with
 * it), check seq = 1, 2, 3 …, check each checkpoint's signature against
 * 'trust' and origin against this log's, and that the tree at the
 * checkpoint's size has its root; that no checkpoint is larger than the log
 * (truncation); and the "largest size seen" state (rollback). Returns LX_OK
 * having filled *r — r->fail says whether the log is intact, and the first
 * failure found, by leaf index — or a store error.
 */
lx_rc lx_audit_verify_tx(struct lx_store_tx *tx,
                         const struct lx_audit_verify_opts *o,
                         struct lx_audit_report *r, struct lx_err *err);

/*
 * The leaf hashes of the first 'size' entries (0: all), each recomputed
 * from its raw row, in a malloc'd array the caller frees; *n gets the
 * count. LX_EINTEGRITY when a row is bad or differs from its stored leaf,
 * LX_ERANGE when size exceeds the log.
 */
lx_rc lx_audit_leaves_tx(struct lx_store_tx *tx, uint64_t size,
                         unsigned char (**leaves)[LX_AUDIT_HASH_BYTES],
                         uint64_t *n, struct lx_err *err);

/* Called with each entry's canonical encoding and leaf hash, in order; a
 * non-OK return stops the walk and is returned. */
typedef lx_rc lx_audit_raw_fn(void *arg, const void *enc, size_t len,
                              const unsigned char leaf[LX_AUDIT_HASH_BYTES]);

/*
 * Hand the first 'upto' entries (upto >= 1), re-encoded from their raw
 * rows, to 'fn' — the body of a sealed segment export. LX_EINTEGRITY when
 * a row is bad, out of sequence or differs from its stored leaf; LX_ERANGE
 * when the log is shorter than 'upto'.
 */
lx_rc lx_audit_entries_tx(struct lx_store_tx *tx, uint64_t upto,
                          lx_audit_raw_fn *fn, void *arg, struct lx_err *err);

/* ---- Queries (query.c) --------------------------------------------------- */

#define LX_AUDIT_QUERY_MAX_LIMIT 1000

/*
 * A filter over the log; zero/NULL members do not filter. The platform's
 * compliance staff may set any member; a firm's view must set 'firm' to its
 * own id (the caller enforces who may ask what). Pages are keyset-based:
 * rows with seq > after_seq, in seq order, at most 'limit' (1..1000; 0
 * means 100).
 */
struct lx_audit_query {
    int64_t firm;                 /* actor_firm */
    int64_t actor_id;             /* the staff member, user or key */
    const unsigned char *subject; /* pseudonym bytes */
    size_t subject_len;
    enum lx_audit_kind kind;
    const char *action;
    const char *clause;
    int64_t from_ms; /* time_ms >= from_ms when not 0 */
    int64_t to_ms;   /* time_ms < to_ms when not 0 */
    uint64_t after_seq;
    int limit;
};

/* Called once per matching row; 'e' and its strings are valid only during
 * the call. A non-OK return stops the query and is returned. */
typedef lx_rc lx_audit_row_fn(void *arg, const struct lx_audit_entry *e);

/*
 * Run 'q' in 'tx' (a read transaction). *next_after (may be NULL) gets the
 * seq to pass as after_seq for the next page, or 0 when this page was the
 * last. LX_EINVAL for a bad limit, an unknown kind or a subject too long.
 */
lx_rc lx_audit_query_tx(struct lx_store_tx *tx, const struct lx_audit_query *q,
                        lx_audit_row_fn *fn, void *arg, uint64_t *next_after,
                        struct lx_err *err);

#endif /* LX_AUDIT_H */
