/*
 * vault — subjects' personal data, encrypted per field (C1.1, C1.3, C2.4,
 * C4.3, C7.2). docs/vault.md describes the design in prose.
 *
 * A subject is a user. Each of their fields has a name, a category of C1.1
 * (name, phone, address, region, case_material, identity, transaction,
 * chat, call), optionally a sensitivity of C1.3 (id_document, finance,
 * family, health, minor, litigation, criminal — the contract's list), and a
 * format that says how the value is checked, masked and indexed.
 *
 * Encryption: every subject has its own random data key, stored only
 * wrapped (XChaCha20-Poly1305) by the master key, with the subject id and
 * key version in the wrap's associated data. Each field is sealed with
 * XChaCha20-Poly1305 under the subject key; the associated data binds
 * subject id, key version, field name, category and sensitivity, so a
 * ciphertext moved to another subject, field or version — or a field whose
 * sensitivity flag was lowered in the database — fails to open
 * (LX_EINTEGRITY). During a master-key rotation every loaded master key
 * (master.key, .next, .old) opens the wrapped keys under it.
 *
 * Blind indexes: phone (11 digits), ID number (upper-case X) and email
 * (lower-case) values are also stored as keyed BLAKE2b hashes under a key
 * of their own — derived with crypto_kdf from the vault's index root key,
 * itself random and wrapped by the master key, so rotation never changes
 * an index — and duplicates are found without decrypting anything.
 *
 * Masking by default: lx_vault_get_masked() returns only the masked form
 * (lx_pii_mask_value: 138****1234). Clear text comes out only through
 * lx_vault_reveal(), which decides with the policy engine and appends the
 * audit record, allow or deny, in the same transaction.
 *
 * Crypto-shredding: lx_vault_shred() deletes the subject's key rows, fields
 * and blind indexes; afterwards no ciphertext of that subject can be
 * opened by anyone (the SQLite writer runs with secure_delete=ON, so the
 * key bytes are zeroed in the file).
 *
 * Decrypted values live only in struct lx_secret and never reach a log
 * line, an error or an audit record; errors name fields, never content.
 * Audit records name the subject by a keyed-hash pseudonym
 * (lx_vault_subject_ref), never by personal data.
 *
 * Thread-safety: every function may be called from any thread; each runs
 * its own unit of work on ctx->app->store and needs ctx->app->keys.
 */
#ifndef LX_VAULT_H
#define LX_VAULT_H

#include "base/ctx.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "policy/policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lx_store_tx;

/* C1.1 categories; 0 is "none" and is refused. */
enum lx_vault_category {
    LX_VAULT_CAT_NONE = 0,
    LX_VAULT_CAT_NAME,
    LX_VAULT_CAT_PHONE,
    LX_VAULT_CAT_ADDRESS,
    LX_VAULT_CAT_REGION,
    LX_VAULT_CAT_CASE_MATERIAL,
    LX_VAULT_CAT_IDENTITY,
    LX_VAULT_CAT_TRANSACTION,
    LX_VAULT_CAT_CHAT,
    LX_VAULT_CAT_CALL,
    LX_VAULT_CAT_COUNT
};

/* C1.3 sensitivities; 0 is "not sensitive". */
enum lx_vault_sensitivity {
    LX_VAULT_SENS_NONE = 0,
    LX_VAULT_SENS_ID_DOCUMENT,
    LX_VAULT_SENS_FINANCE,
    LX_VAULT_SENS_FAMILY,
    LX_VAULT_SENS_HEALTH,
    LX_VAULT_SENS_MINOR,
    LX_VAULT_SENS_LITIGATION,
    LX_VAULT_SENS_CRIMINAL,
    LX_VAULT_SENS_COUNT
};

/* How a value is checked, normalised, masked and indexed. TEXT (the zero
 * value, the safe one) masks to "****" whatever it holds. */
enum lx_vault_format {
    LX_VAULT_FMT_TEXT = 0,
    LX_VAULT_FMT_NAME,    /* masked 张** */
    LX_VAULT_FMT_MOBILE,  /* stored as 11 digits; 138****1234; indexed */
    LX_VAULT_FMT_CN_ID,   /* 18 characters, check character upper-case X,
                             checked; masked; indexed */
    LX_VAULT_FMT_EMAIL,   /* stored lower-case; masked; indexed */
    LX_VAULT_FMT_ADDRESS, /* masked after the district */
    LX_VAULT_FMT_COUNT
};

/* The blind indexes. */
enum lx_vault_index {
    LX_VAULT_INDEX_NONE = 0,
    LX_VAULT_INDEX_PHONE,
    LX_VAULT_INDEX_ID_NUMBER,
    LX_VAULT_INDEX_EMAIL,
    LX_VAULT_INDEX_COUNT
};

/* Stable snake_case names ("case_material", "id_document", "mobile",
 * "id_number"); "none"/"text" for the zero value, NULL out of range.
 * *_parse: exact match of a name (the zero value's name included); false
 * otherwise. */
const char *lx_vault_category_name(enum lx_vault_category c);
bool lx_vault_category_parse(const char *s, enum lx_vault_category *out);
const char *lx_vault_sensitivity_name(enum lx_vault_sensitivity s);
bool lx_vault_sensitivity_parse(const char *s, enum lx_vault_sensitivity *out);
const char *lx_vault_format_name(enum lx_vault_format f);
bool lx_vault_format_parse(const char *s, enum lx_vault_format *out);
const char *lx_vault_index_name(enum lx_vault_index k);

#define LX_VAULT_FIELD_NAME_MAX 32     /* [a-z][a-z0-9_]*, bytes */
#define LX_VAULT_VALUE_MAX (64 * 1024) /* bytes of UTF-8 */
#define LX_VAULT_MASKED_MAX 256        /* buffer for a masked value */
#define LX_VAULT_REF_BYTES 32          /* subject pseudonym */

/*
 * Normalise 'value' for blind index 'kind' into out (NUL-terminated): a
 * mainland mobile number to its 11 digits (spaces, '-' and a +86 / 0086
 * prefix dropped), an ID number to 18 characters with an upper-case X
 * (check character verified), an email to lower case (one '@', a dot in
 * the domain). LX_EINVAL ("/value", no content) when it does not parse.
 * Pure; exported for tests and callers that pre-check input.
 */
lx_rc lx_vault_normalise(enum lx_vault_index kind, const char *value,
                         size_t len, char *out, size_t outsize,
                         struct lx_err *err);

/* Create a subject with a fresh data key (version 1). */
lx_rc lx_vault_subject_create(struct lx_ctx *ctx, int64_t *id);
/* The same inside the caller's write transaction (errors also in
 * ctx->err), so a service stores a subject and its record together. */
lx_rc lx_vault_subject_create_tx(struct lx_ctx *ctx, struct lx_store_tx *tx,
                                 int64_t *id);

/* One field to store. 'value' is borrowed plaintext; the caller keeps it in
 * an lx_secret and wipes it. */
struct lx_vault_field {
    const char *name;
    enum lx_vault_category category;
    enum lx_vault_sensitivity sensitivity;
    enum lx_vault_format format;
    const char *value;
    size_t len;
};

/*
 * Store (insert or replace) one field of a subject, sealed under the
 * subject's current key, and refresh its blind index. LX_EINVAL with the
 * JSON pointer of the bad part ("/name", "/category", "/value", …) for a
 * bad name, category, format or value (invalid UTF-8, empty, failing its
 * format); LX_ETOOBIG past LX_VAULT_VALUE_MAX; LX_ENOTFOUND for an unknown
 * or shredded subject.
 */
lx_rc lx_vault_put(struct lx_ctx *ctx, int64_t subject,
                   const struct lx_vault_field *f);

/* lx_vault_put inside the caller's write transaction (STYLE.md §3.6): the
 * same checks; errors also in ctx->err. On PostgreSQL a store failure
 * aborts the caller's transaction, so return it from the unit. */
lx_rc lx_vault_put_tx(struct lx_ctx *ctx, struct lx_store_tx *tx,
                      int64_t subject, const struct lx_vault_field *f);

/* What is known of a stored field without decrypting it. */
struct lx_vault_field_info {
    char name[LX_VAULT_FIELD_NAME_MAX + 1];
    enum lx_vault_category category;
    enum lx_vault_sensitivity sensitivity;
    enum lx_vault_format format;
    int64_t key_version;
};

/*
 * The masked form of one field (decrypted inside, masked with the pii
 * engine by its format, plaintext wiped) into out[outsize], NUL-terminated;
 * 'info' (may be NULL) gets the field's metadata. LX_ENOTFOUND for no such
 * field or subject; LX_EINTEGRITY when it does not open; LX_ETOOBIG when
 * out is too small (LX_VAULT_MASKED_MAX always suffices for NAME, MOBILE,
 * CN_ID and TEXT).
 */
lx_rc lx_vault_get_masked(struct lx_ctx *ctx, int64_t subject,
                          const char *field, char *out, size_t outsize,
                          struct lx_vault_field_info *info);

/*
 * Subjects whose 'kind' index matches 'value' (normalised as by
 * lx_vault_normalise), ascending, at most 'max' into ids; *n gets how many
 * matched in total (may exceed max). A value that does not normalise is
 * LX_EINVAL. Nothing is decrypted.
 */
lx_rc lx_vault_find(struct lx_ctx *ctx, enum lx_vault_index kind,
                    const char *value, size_t len, int64_t *ids, size_t max,
                    size_t *n);

/*
 * Crypto-shred a subject: delete its wrapped key rows, its fields and its
 * blind indexes, mark it shredded and append a deletion audit record (actor
 * from ctx) — one transaction. LX_ENOTFOUND when unknown or already
 * shredded. Afterwards every field read is LX_ENOTFOUND, and a ciphertext
 * of the subject restored from anywhere cannot be opened: its key is gone.
 */
lx_rc lx_vault_shred(struct lx_ctx *ctx, int64_t subject);

/* The subject's audit pseudonym: keyed BLAKE2b of its id under a key
 * derived from the index root key (stable across master-key rotations). */
lx_rc lx_vault_subject_ref(struct lx_ctx *ctx, int64_t subject,
                           unsigned char out[LX_VAULT_REF_BYTES]);

/* A request to see one field in clear (STYLE.md §8.3). */
struct lx_vault_reveal_req {
    int64_t subject_id;
    const char *field;
    /* The actor's facts, loaded by the caller (people/ and leads/), with
     * the clock. The vault overwrites facts.action (REVEAL_FIELD) and
     * facts.lead.field (from the stored field's sensitivity): a caller
     * cannot declare a sensitive field ordinary. */
    struct lx_policy_facts facts;
};

/*
 * Reveal one field, in ONE unit of work: read the field's metadata, decide
 * (lx_policy_decide), append the audit record (kind access, action
 * "reveal", the decision, reason and clause, the subject's pseudonym, the
 * field name and the purpose; actor from ctx), decrypt only on allow,
 * commit. On allow *out is a new secret the caller frees. On deny the
 * audit record is committed first, then LX_EDENIED with ctx->err.clause and
 * the reason as detail. Any store error rolls everything back: an allow is
 * never returned without its audit record. LX_ENOTFOUND (nothing audited)
 * for no such field; LX_EINTEGRITY (rolled back) when it does not open.
 */
lx_rc lx_vault_reveal(struct lx_ctx *ctx, const struct lx_vault_reveal_req *req,
                      struct lx_secret **out);

/*
 * Open one field inside the caller's transaction, for a service that has
 * already decided and audited the read in that same transaction (talk/
 * reading a conversation: one decision and one audit record for the page,
 * then each message). 'd' is that decision: anything but an allow is
 * LX_EDENIED and opens nothing. *info (may be NULL) gets the metadata.
 * LX_ENOTFOUND for no such field; LX_EINTEGRITY when it does not open.
 * On success *out is a secret the caller frees.
 */
lx_rc lx_vault_open_tx(struct lx_ctx *ctx, struct lx_store_tx *tx,
                       const struct lx_policy_decision *d, int64_t subject,
                       const char *field, struct lx_vault_field_info *info,
                       struct lx_secret **out);

/* One record of "who accessed my data" (PIPL Art. 44-45): when, which firm,
 * which role, which field, for which purpose, allowed or denied. Strings
 * are valid only during the callback. */
struct lx_vault_access {
    uint64_t seq; /* position in the audit log */
    int64_t time_ms;
    int64_t firm_id;      /* the actor's firm; 0 for the platform */
    const char *role;     /* e.g. "lawyer"; "" for the system */
    const char *action;   /* "reveal", "shred", … */
    const char *field;    /* the field concerned; "" for the whole subject */
    const char *purpose;  /* the declared purpose (C2.1) */
    const char *decision; /* "allow", "deny", "done" */
    const char *reason;   /* reason code, e.g. "not_trained" */
    const char *clause;   /* e.g. "C4.2" */
};

typedef lx_rc lx_vault_access_fn(void *arg, const struct lx_vault_access *a);

/*
 * Every audit record naming 'subject' (by its pseudonym), oldest first,
 * with seq > after_seq, at most 'limit' (1..LX_AUDIT_QUERY_MAX_LIMIT of
 * audit.h; 0 means 100): 'fn' is called once per record and a non-OK
 * return stops the listing and is returned. *next_after (may be NULL) gets
 * the after_seq of the next page, 0 after the last. The caller decides who
 * may ask (the user themself, C4.3 compliance staff): this function only
 * reads. An unknown subject has no records (LX_OK, nothing called).
 */
lx_rc lx_vault_accesses(struct lx_ctx *ctx, int64_t subject, uint64_t after_seq,
                        int limit, lx_vault_access_fn *fn, void *arg,
                        uint64_t *next_after);

/*
 * Master-key rotation (docs/vault.md). The target is the newest loaded
 * master key: keys->master_next when present, else keys->master.
 * lx_vault_rewrap re-wraps up to 'batch' (>= 1) wrapped keys (subject keys
 * and the index root key) that are not under the target, in one unit of
 * work that also appends a key audit record; *done gets how many, *left
 * how many remain afterwards. A crash loses at most the batch in flight;
 * calling it again resumes. LX_EINTEGRITY when a wrapped key is under a
 * master key that is not loaded or does not open.
 * lx_vault_rewrap_pending counts the wrapped keys not under the target.
 */
lx_rc lx_vault_rewrap(struct lx_ctx *ctx, size_t batch, int64_t *done,
                      int64_t *left);
lx_rc lx_vault_rewrap_pending(struct lx_ctx *ctx, int64_t *left);

#endif /* LX_VAULT_H */
