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

#endif /* LX_CRYPTO_H */
