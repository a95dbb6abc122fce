/*
 * crypto — the only door to libsodium: secrets in guarded memory, random
 * bytes, and the two long-lived keys (C2.4, C7.2, C4.3).
 *
 * Keys live in a directory (config keys.dir, default "keys"):
 *   master.key   32 random bytes; wraps every subject's data key (vault).
 *   signing.key  Ed25519 secret key (64 bytes, libsodium layout); signs
 *                audit checkpoints and deletion certificates.
 *   signing.pub  its public key (32 bytes), safe to hand to partners.
 * `lexgate init` creates them with mode 0600 (the directory 0700) and never
 * overwrites. lx_crypto_keys_load() refuses a key file that is group- or
 * world-accessible, not a regular file, or of the wrong size, so a daemon
 * with leaked permissions does not start.
 *
 * Decrypted personal data and key material live only in struct lx_secret:
 * sodium_malloc'd guarded pages, mlock'ed where allowed, wiped on free.
 * Thread-safe after lx_crypto_init().
 */
#ifndef LX_CRYPTO_H
#define LX_CRYPTO_H

#include "base/err.h"

#include <stddef.h>
#include <stdint.h>

/*
 * One owner at a time; hand one on by assigning it and setting the old
 * pointer to NULL. Never log one, never copy one into an arena or an lx_buf.
 */
struct lx_secret {
    size_t len;
    unsigned char *p; /* len + 1 bytes; p[len] == 0 for text fields */
};

#define LX_CRYPTO_MASTER_KEY_BYTES 32
#define LX_CRYPTO_SIGN_PK_BYTES 32
#define LX_CRYPTO_SIGN_SK_BYTES 64
#define LX_CRYPTO_SIGNATURE_BYTES 64

struct lx_crypto_keys {
    struct lx_secret *master;  /* LX_CRYPTO_MASTER_KEY_BYTES */
    struct lx_secret *sign_sk; /* LX_CRYPTO_SIGN_SK_BYTES */
    unsigned char sign_pk[LX_CRYPTO_SIGN_PK_BYTES];
    struct lx_secret *master_next; /* master.key.next mid-rotation, or NULL */
    struct lx_secret *master_old;  /* master.key.old until --finish, or NULL */
};

/* Initialise libsodium; call once before any other function. Idempotent. */
lx_rc lx_crypto_init(struct lx_err *err);

/* 'len' zeroed bytes in guarded memory (plus a NUL). Aborts on OOM. */
lx_rc lx_secret_new(size_t len, struct lx_secret **out);
/* Wipe and free; NULL is fine. */
void lx_secret_free(struct lx_secret *s);

/* Fill buf with n cryptographically random bytes. Cannot fail. */
void lx_crypto_random(void *buf, size_t n);

/* Constant-time comparison of n bytes; 0 when equal. */
int lx_crypto_memcmp(const void *a, const void *b, size_t n);

/* Wipe n bytes of ordinary memory in a way the compiler keeps. */
void lx_crypto_wipe(void *p, size_t n);

/*
 * Create master.key, signing.key and signing.pub in 'dir' (created 0700
 * if absent). Refuses (LX_ECONFLICT) if any of them exists: keys are never
 * silently replaced. Files are written 0600 and fsync'ed.
 */
lx_rc lx_crypto_keys_create(const char *dir, struct lx_err *err);

/* Load and check the keys of 'dir' (see the header comment). */
lx_rc lx_crypto_keys_load(const char *dir, struct lx_crypto_keys **out,
                          struct lx_err *err);
void lx_crypto_keys_free(struct lx_crypto_keys *k); /* NULL is fine */

/* Ed25519 detached signature of msg with the signing key. */
void lx_crypto_sign(const struct lx_crypto_keys *k, const void *msg,
                    size_t len, unsigned char sig[LX_CRYPTO_SIGNATURE_BYTES]);
/* LX_OK when sig is a valid signature of msg under pk, else LX_EINTEGRITY. */
lx_rc lx_crypto_verify(const unsigned char pk[LX_CRYPTO_SIGN_PK_BYTES],
                       const void *msg, size_t len,
                       const unsigned char sig[LX_CRYPTO_SIGNATURE_BYTES]);

#define LX_CRYPTO_SHA256_BYTES 32
/* SHA-256 of the concatenation a || b (either may be empty; a NULL pointer
 * is fine with length 0). Used for RFC 9162 Merkle hashing (audit/) and
 * C2SP key ids. Cannot fail. Thread-safe; needs no lx_crypto_init(). */
void lx_crypto_sha256(const void *a, size_t alen, const void *b, size_t blen,
                      unsigned char out[LX_CRYPTO_SHA256_BYTES]);

#define LX_CRYPTO_PWHASH_STR_BYTES 128
/*
 * Hash a password with argon2id at OWASP ASVS 5.0's minimum (t=2, m=19 MiB,
 * p=1) into a self-describing string (PHC format, NUL-terminated). Takes
 * about 50 ms and 19 MiB: callers bound how many run at once. Fails only
 * when memory cannot be had (LX_EINTERNAL). Thread-safe.
 */
lx_rc lx_crypto_pwhash(const char *pw, size_t len,
                       char out[LX_CRYPTO_PWHASH_STR_BYTES], struct lx_err *err);
/* LX_OK when pw matches 'hash' (from lx_crypto_pwhash); LX_EDENIED when it
 * does not, or when hash is NULL or not an argon2id string. */
lx_rc lx_crypto_pwhash_verify(const char *hash, const char *pw, size_t len);

#define LX_CRYPTO_KEYED_HASH_BYTES 32
/* Keyed BLAKE2b-256 of a || b (key of at most 64 bytes; longer keys are
 * cut). For blind indexes and token references. Cannot fail. */
void lx_crypto_keyed_hash(const void *key, size_t keylen, const void *a,
                          size_t alen, const void *b, size_t blen,
                          unsigned char out[LX_CRYPTO_KEYED_HASH_BYTES]);

#define LX_CRYPTO_HMAC_SHA256_BYTES 32
/* HMAC-SHA256 (RFC 2104) of msg[0..len) under key[0..keylen) (any length).
 * For verifying webhook signatures; compare with lx_crypto_memcmp. Cannot
 * fail. Thread-safe; needs no lx_crypto_init(). */
void lx_crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
                           size_t len,
                           unsigned char out[LX_CRYPTO_HMAC_SHA256_BYTES]);

/*
 * Read a secret key file of 1..max bytes, used as it is, into a new
 * secret (*out, caller frees). Refused like the key directory's files: not
 * a regular file or a symbolic link (LX_EINTEGRITY), group- or
 * world-accessible (LX_EDENIED, "chmod 600"), empty or over max
 * (LX_EINTEGRITY), unreadable (LX_EIO). err->field is 'field' (the
 * configuration key naming the file); the detail never quotes the file.
 */
lx_rc lx_crypto_key_file_read(const char *path, size_t max, const char *field,
                              struct lx_secret **out, struct lx_err *err);

/* ---- Vault primitives: AEAD per field, key wrap, KDF, master rotation ---- */

#define LX_CRYPTO_AEAD_KEY_BYTES 32
#define LX_CRYPTO_AEAD_NONCE_BYTES 24 /* XChaCha20: random nonces are safe */
#define LX_CRYPTO_AEAD_TAG_BYTES 16
#define LX_CRYPTO_WRAPPED_KEY_BYTES                                            \
    (LX_CRYPTO_AEAD_KEY_BYTES + LX_CRYPTO_AEAD_TAG_BYTES)

/*
 * XChaCha20-Poly1305 (IETF) seal of pt[0..len) under 'key'
 * (LX_CRYPTO_AEAD_KEY_BYTES) with associated data ad[0..adlen): a fresh
 * random nonce is written to 'nonce' and len + LX_CRYPTO_AEAD_TAG_BYTES
 * bytes to 'ct'. Cannot fail. Thread-safe.
 */
void lx_crypto_aead_seal(const struct lx_secret *key, const void *pt,
                         size_t len, const void *ad, size_t adlen,
                         unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES],
                         unsigned char *ct);
/*
 * Open what lx_crypto_aead_seal made. On LX_OK *out is a new secret of
 * ctlen - LX_CRYPTO_AEAD_TAG_BYTES bytes (NUL-terminated) the caller
 * frees. LX_EINTEGRITY — nothing allocated, *out NULL — when the key, the
 * nonce, the ciphertext or the associated data differ from the seal's, or
 * ctlen is shorter than a tag. Thread-safe.
 */
lx_rc lx_crypto_aead_open(const struct lx_secret *key,
                          const unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES],
                          const void *ct, size_t ctlen, const void *ad,
                          size_t adlen, struct lx_secret **out);

/*
 * Wrap a data key (LX_CRYPTO_AEAD_KEY_BYTES) under a master key: an AEAD
 * seal whose associated data is "lexgate-key-wrap-v1" || be64(owner) ||
 * be64(version), so a wrapped key copied to another owner (subject id) or
 * version does not unwrap. Writes a fresh nonce and
 * LX_CRYPTO_WRAPPED_KEY_BYTES to 'wrapped'. Cannot fail.
 */
void lx_crypto_key_wrap(const struct lx_secret *master,
                        const struct lx_secret *key, int64_t owner,
                        int64_t version,
                        unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES],
                        unsigned char wrapped[LX_CRYPTO_WRAPPED_KEY_BYTES]);
/* The inverse; LX_EINTEGRITY (and *out NULL) under any other master key,
 * owner, version, nonce or wrapped bytes. */
lx_rc lx_crypto_key_unwrap(
    const struct lx_secret *master,
    const unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES],
    const unsigned char wrapped[LX_CRYPTO_WRAPPED_KEY_BYTES], int64_t owner,
    int64_t version, struct lx_secret **out);

/* A new secret of LX_CRYPTO_AEAD_KEY_BYTES random bytes. Cannot fail. */
void lx_crypto_key_new(struct lx_secret **out);

/*
 * Derive subkey number 'id' of 'len' bytes (16..64) for 'context' (exactly
 * 8 characters, e.g. "lxblind1") from 'root' (LX_CRYPTO_AEAD_KEY_BYTES):
 * libsodium's crypto_kdf (BLAKE2b). Different contexts or ids give
 * independent keys. LX_EINVAL for a bad length or root. Thread-safe.
 */
lx_rc lx_crypto_kdf(const struct lx_secret *root, const char *context,
                    uint64_t id, size_t len, struct lx_secret **out);

#define LX_CRYPTO_KEY_ID_HEX 17 /* 16 hex digits and a NUL */
/* A master key's public id: hex of the first 8 bytes of keyed BLAKE2b
 * (key = the master key) of a fixed label. Reveals nothing of the key;
 * recorded beside every wrapped key so rotation knows what is done. */
void lx_crypto_master_id(const struct lx_secret *master,
                         char out[LX_CRYPTO_KEY_ID_HEX]);

/*
 * Master-key rotation files in 'dir' (docs/vault.md):
 *   master.key.next  the key being rotated to (exists only mid-rotation);
 *   master.key.old   the key rotated from (kept until --finish).
 * lx_crypto_keys_load() loads both when present (into master_next and
 * master_old), so every key a wrapped key may be under opens.
 *
 * lx_crypto_master_next_create: create master.key.next (0600, fsync'ed);
 * LX_ECONFLICT when it exists.
 * lx_crypto_master_promote: master.key becomes master.key.old (a hard link
 * first, so master.key never vanishes), then master.key.next is renamed
 * over master.key, and the directory is fsync'ed. Safe to run again after
 * a crash at any point. LX_ECONFLICT when a different master.key.old from
 * an unfinished earlier rotation exists; LX_ENOTFOUND without .next.
 * lx_crypto_master_retire: overwrite master.key.old with zeros, fsync and
 * unlink it; LX_OK when it does not exist.
 */
lx_rc lx_crypto_master_next_create(const char *dir, struct lx_err *err);
lx_rc lx_crypto_master_promote(const char *dir, struct lx_err *err);
lx_rc lx_crypto_master_retire(const char *dir, struct lx_err *err);

#endif /* LX_CRYPTO_H */
