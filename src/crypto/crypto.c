/* crypto — libsodium wrappers and the key files. */
#include "crypto/crypto.h"
#include "base/mem.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

lx_rc
lx_crypto_init(struct lx_err *err)
{
    if (sodium_init() < 0) {
        return lx_err_set(err, LX_EINTERNAL, NULL, "libsodium failed to start");
    }
    return LX_OK;
}

lx_rc
lx_secret_new(size_t len, struct lx_secret **out)
{
    struct lx_secret *s = lx_xcalloc(1, sizeof(*s));

    s->p = sodium_malloc(len + 1);
    if (s->p == NULL) {
        lx_oom_abort("sodium_malloc");
    }
    sodium_memzero(s->p, len + 1);
    s->len = len;
    *out = s;
    return LX_OK;
}

void
lx_secret_free(struct lx_secret *s)
{
    if (s == NULL) {
        return;
    }
    sodium_free(s->p); /* wipes before freeing */
    s->p = NULL;
    s->len = 0;
    free(s);
}

void
lx_crypto_random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
}

int
lx_crypto_memcmp(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n);
}

void
lx_crypto_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

static lx_rc
join(char *out, size_t n, const char *dir, const char *name, struct lx_err *err)
{
    if (snprintf(out, n, "%s/%s", dir, name) >= (int)n) {
        return lx_err_set(err, LX_EINVAL, "/keys", "key directory path too long");
    }
    return LX_OK;
}

static lx_rc
write_new(const char *path, const void *data, size_t len, struct lx_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    const unsigned char *p = data;
    size_t off = 0;

    if (fd < 0) {
        if (errno == EEXIST) {
            return lx_err_set(err, LX_ECONFLICT, "/keys",
                              "key file already exists; keys are never replaced");
        }
        return lx_err_set(err, LX_EIO, "/keys", "cannot create key file (%s)",
                          strerror(errno));
    }
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            close(fd);
            unlink(path);
            return lx_err_set(err, LX_EIO, "/keys", "cannot write key file");
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(path);
        return lx_err_set(err, LX_EIO, "/keys", "cannot sync key file");
    }
    return LX_OK;
}

lx_rc
lx_crypto_keys_create(const char *dir, struct lx_err *err)
{
    char mpath[1024], spath[1024], ppath[1024];
    struct lx_secret *master = NULL, *sk = NULL;
    unsigned char pk[LX_CRYPTO_SIGN_PK_BYTES];
    lx_rc rc;

    if ((rc = join(mpath, sizeof(mpath), dir, "master.key", err)) != LX_OK ||
        (rc = join(spath, sizeof(spath), dir, "signing.key", err)) != LX_OK ||
        (rc = join(ppath, sizeof(ppath), dir, "signing.pub", err)) != LX_OK) {
        return rc;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return lx_err_set(err, LX_EIO, "/keys", "cannot create key directory (%s)",
                          strerror(errno));
    }
    if (access(mpath, F_OK) == 0 || access(spath, F_OK) == 0 ||
        access(ppath, F_OK) == 0) {
        return lx_err_set(err, LX_ECONFLICT, "/keys",
                          "keys already exist; keys are never replaced");
    }
    lx_secret_new(LX_CRYPTO_MASTER_KEY_BYTES, &master);
    lx_secret_new(LX_CRYPTO_SIGN_SK_BYTES, &sk);
    randombytes_buf(master->p, master->len);
    crypto_sign_keypair(pk, sk->p);
    rc = write_new(mpath, master->p, master->len, err);
    if (rc == LX_OK) {
        rc = write_new(spath, sk->p, sk->len, err);
        if (rc != LX_OK) {
            unlink(mpath);
        }
    }
    if (rc == LX_OK) {
        rc = write_new(ppath, pk, sizeof(pk), err);
        if (rc != LX_OK) {
            unlink(mpath);
            unlink(spath);
        }
    }
    lx_secret_free(master);
    lx_secret_free(sk);
    return rc;
}

/* Read a private key file of exactly 'len' bytes after checking its mode. */
static lx_rc
read_private(const char *path, const char *what, size_t len,
             struct lx_secret **out, struct lx_err *err)
{
    struct stat stt;
    struct lx_secret *s = NULL;
    size_t off = 0;
    int fd;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return lx_err_set(err, LX_EIO, "/keys",
                          "cannot open %s (%s); run 'lexgate init' first", what,
                          strerror(errno));
    }
    if (fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
        close(fd);
        return lx_err_set(err, LX_EINTEGRITY, "/keys",
                          "%s is not a regular file", what);
    }
    if ((stt.st_mode & 077) != 0) {
        close(fd);
        return lx_err_set(err, LX_EDENIED, "/keys",
                          "%s is readable by group or others (mode %03o); "
                          "chmod 600 it",
                          what, (unsigned)(stt.st_mode & 0777));
    }
    if ((size_t)stt.st_size != len) {
        close(fd);
        return lx_err_set(err, LX_EINTEGRITY, "/keys", "%s has the wrong size",
                          what);
    }
    lx_secret_new(len, &s);
    while (off < len) {
        ssize_t r = read(fd, s->p + off, len - off);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            close(fd);
            lx_secret_free(s);
            return lx_err_set(err, LX_EIO, "/keys", "cannot read %s", what);
        }
        off += (size_t)r;
    }
    close(fd);
    *out = s;
    return LX_OK;
}

/* A rotation key file (master.key.next / .old): absent is fine. */
static lx_rc
read_optional_master(const char *dir, const char *name,
                     struct lx_secret **out, struct lx_err *err)
{
    char path[1024];
    lx_rc rc;

    *out = NULL;
    if ((rc = join(path, sizeof(path), dir, name, err)) != LX_OK) {
        return rc;
    }
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        return LX_OK;
    }
    return read_private(path, name, LX_CRYPTO_MASTER_KEY_BYTES, out, err);
}

lx_rc
lx_crypto_keys_load(const char *dir, struct lx_crypto_keys **out,
                    struct lx_err *err)
{
    char mpath[1024], spath[1024];
    struct lx_crypto_keys *k;
    lx_rc rc;

    *out = NULL;
    if ((rc = join(mpath, sizeof(mpath), dir, "master.key", err)) != LX_OK ||
        (rc = join(spath, sizeof(spath), dir, "signing.key", err)) != LX_OK) {
        return rc;
    }
    k = lx_xcalloc(1, sizeof(*k));
    rc = read_private(mpath, "master.key", LX_CRYPTO_MASTER_KEY_BYTES,
                      &k->master, err);
    if (rc == LX_OK) {
        rc = read_private(spath, "signing.key", LX_CRYPTO_SIGN_SK_BYTES,
                          &k->sign_sk, err);
    }
    if (rc == LX_OK) {
        rc = read_optional_master(dir, "master.key.next", &k->master_next,
                                  err);
    }
    if (rc == LX_OK) {
        rc = read_optional_master(dir, "master.key.old", &k->master_old, err);
    }
    if (rc != LX_OK) {
        lx_crypto_keys_free(k);
        return rc;
    }
    /* The public key is the second half of libsodium's secret key. */
    crypto_sign_ed25519_sk_to_pk(k->sign_pk, k->sign_sk->p);
    *out = k;
    return LX_OK;
}

void
lx_crypto_keys_free(struct lx_crypto_keys *k)
{
    if (k == NULL) {
        return;
    }
    lx_secret_free(k->master);
    lx_secret_free(k->sign_sk);
    lx_secret_free(k->master_next);
    lx_secret_free(k->master_old);
    free(k);
}

void
lx_crypto_sign(const struct lx_crypto_keys *k, const void *msg, size_t len,
               unsigned char sig[LX_CRYPTO_SIGNATURE_BYTES])
{
    crypto_sign_detached(sig, NULL, msg, len, k->sign_sk->p);
}

lx_rc
lx_crypto_verify(const unsigned char pk[LX_CRYPTO_SIGN_PK_BYTES],
                 const void *msg, size_t len,
                 const unsigned char sig[LX_CRYPTO_SIGNATURE_BYTES])
{
    if (crypto_sign_verify_detached(sig, msg, len, pk) != 0) {
        return LX_EINTEGRITY;
    }
    return LX_OK;
}

/* OWASP ASVS 5.0 minimum for argon2id: t=2, m=19 MiB, p=1 (libsodium's
 * argon2id is single-lane). */
#define PWHASH_OPSLIMIT 2ULL
#define PWHASH_MEMLIMIT ((size_t)19 * 1024 * 1024)

lx_rc
lx_crypto_pwhash(const char *pw, size_t len,
                 char out[LX_CRYPTO_PWHASH_STR_BYTES], struct lx_err *err)
{
    static_assert(LX_CRYPTO_PWHASH_STR_BYTES == crypto_pwhash_STRBYTES,
                  "pwhash string size");

    if (crypto_pwhash_str_alg(out, pw, len, PWHASH_OPSLIMIT,
                              PWHASH_MEMLIMIT,
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        out[0] = '\0';
        return lx_err_set(err, LX_EINTERNAL, NULL, "password hashing failed");
    }
    return LX_OK;
}

lx_rc
lx_crypto_pwhash_verify(const char *hash, const char *pw, size_t len)
{
    if (hash == NULL || strncmp(hash, "$argon2id$", 10) != 0) {
        return LX_EDENIED;
    }
    if (crypto_pwhash_str_verify(hash, pw, len) != 0) {
        return LX_EDENIED;
    }
    return LX_OK;
}

void
lx_crypto_keyed_hash(const void *key, size_t keylen, const void *a,
                     size_t alen, const void *b, size_t blen,
                     unsigned char out[LX_CRYPTO_KEYED_HASH_BYTES])
{
    crypto_generichash_state st;

    static_assert(LX_CRYPTO_KEYED_HASH_BYTES >= crypto_generichash_BYTES_MIN &&
                      LX_CRYPTO_KEYED_HASH_BYTES <=
                          crypto_generichash_BYTES_MAX,
                  "keyed hash size");
    if (keylen > crypto_generichash_KEYBYTES_MAX) {
        keylen = crypto_generichash_KEYBYTES_MAX;
    }
    crypto_generichash_init(&st, key, keylen, LX_CRYPTO_KEYED_HASH_BYTES);
    if (alen > 0) {
        crypto_generichash_update(&st, a, alen);
    }
    if (blen > 0) {
        crypto_generichash_update(&st, b, blen);
    }
    crypto_generichash_final(&st, out, LX_CRYPTO_KEYED_HASH_BYTES);
}

void
lx_crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
                      size_t len,
                      unsigned char out[LX_CRYPTO_HMAC_SHA256_BYTES])
{
    crypto_auth_hmacsha256_state st;

    static_assert(LX_CRYPTO_HMAC_SHA256_BYTES == crypto_auth_hmacsha256_BYTES,
                  "hmac size");
    /* libsodium hashes a key longer than the block first (RFC 2104). */
    crypto_auth_hmacsha256_init(&st, key, keylen);
    if (len > 0) {
        crypto_auth_hmacsha256_update(&st, msg, len);
    }
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof(st));
}

lx_rc
lx_crypto_key_file_read(const char *path, size_t max, const char *field,
                        struct lx_secret **out, struct lx_err *err)
{
    struct stat stt;
    struct lx_secret *s = NULL;
    size_t off = 0, len;
    int fd;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return lx_err_set(err, LX_EIO, field, "cannot open the key file (%s)",
                          strerror(errno));
    }
    if (fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
        close(fd);
        return lx_err_set(err, LX_EINTEGRITY, field,
                          "the key file is not a regular file");
    }
    if ((stt.st_mode & 077) != 0) {
        close(fd);
        return lx_err_set(err, LX_EDENIED, field,
                          "the key file is readable by group or others "
                          "(mode %03o); chmod 600 it",
                          (unsigned)(stt.st_mode & 0777));
    }
    if (stt.st_size <= 0 || (uint64_t)stt.st_size > (uint64_t)max) {
        close(fd);
        return lx_err_set(err, LX_EINTEGRITY, field,
                          "the key file must hold 1 to %zu bytes", max);
    }
    len = (size_t)stt.st_size;
    lx_secret_new(len, &s);
    while (off < len) {
        ssize_t r = read(fd, s->p + off, len - off);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            close(fd);
            lx_secret_free(s);
            return lx_err_set(err, LX_EIO, field, "cannot read the key file");
        }
        off += (size_t)r;
    }
    close(fd);
    *out = s;
    return LX_OK;
}

/* ---- Vault primitives --------------------------------------------------- */

static_assert(LX_CRYPTO_AEAD_KEY_BYTES ==
                  crypto_aead_xchacha20poly1305_ietf_KEYBYTES,
              "aead key size");
static_assert(LX_CRYPTO_AEAD_NONCE_BYTES ==
                  crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
              "aead nonce size");
static_assert(LX_CRYPTO_AEAD_TAG_BYTES ==
                  crypto_aead_xchacha20poly1305_ietf_ABYTES,
              "aead tag size");

void
lx_crypto_aead_seal(const struct lx_secret *key, const void *pt, size_t len,
                    const void *ad, size_t adlen,
                    unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES],
                    unsigned char *ct)
{
    unsigned long long clen = 0;

    assert(key != NULL && key->len == LX_CRYPTO_AEAD_KEY_BYTES);
    randombytes_buf(nonce, LX_CRYPTO_AEAD_NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, pt, len, ad, adlen,
                                               NULL, nonce, key->p);
}

lx_rc
lx_crypto_aead_open(const struct lx_secret *key,
                    const unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES],
                    const void *ct, size_t ctlen, const void *ad, size_t adlen,
                    struct lx_secret **out)
{
    struct lx_secret *pt = NULL;
    unsigned long long plen = 0;

    *out = NULL;
    if (key == NULL || key->len != LX_CRYPTO_AEAD_KEY_BYTES ||
        ctlen < LX_CRYPTO_AEAD_TAG_BYTES) {
        return LX_EINTEGRITY;
    }
    lx_secret_new(ctlen - LX_CRYPTO_AEAD_TAG_BYTES, &pt);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt->p, &plen, NULL, ct,
                                                   ctlen, ad, adlen, nonce,
                                                   key->p) != 0) {
        lx_secret_free(pt);
        return LX_EINTEGRITY;
    }
    pt->p[pt->len] = 0;
    *out = pt;
    return LX_OK;
}

#define WRAP_LABEL "lexgate-key-wrap-v1"

/* The wrap's associated data: label || be64(owner) || be64(version). */
static size_t
wrap_ad(unsigned char *ad, int64_t owner, int64_t version)
{
    size_t n = sizeof(WRAP_LABEL) - 1;

    memcpy(ad, WRAP_LABEL, n);
    for (int i = 7; i >= 0; i--) {
        ad[n++] = (unsigned char)((uint64_t)owner >> (i * 8));
    }
    for (int i = 7; i >= 0; i--) {
        ad[n++] = (unsigned char)((uint64_t)version >> (i * 8));
    }
    return n;
}

void
lx_crypto_key_wrap(const struct lx_secret *master, const struct lx_secret *key,
                   int64_t owner, int64_t version,
                   unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES],
                   unsigned char wrapped[LX_CRYPTO_WRAPPED_KEY_BYTES])
{
    unsigned char ad[sizeof(WRAP_LABEL) + 16];
    size_t adlen = wrap_ad(ad, owner, version);

    assert(key->len == LX_CRYPTO_AEAD_KEY_BYTES);
    lx_crypto_aead_seal(master, key->p, key->len, ad, adlen, nonce, wrapped);
}

lx_rc
lx_crypto_key_unwrap(const struct lx_secret *master,
                     const unsigned char nonce[LX_CRYPTO_AEAD_NONCE_BYTES],
                     const unsigned char wrapped[LX_CRYPTO_WRAPPED_KEY_BYTES],
                     int64_t owner, int64_t version, struct lx_secret **out)
{
    unsigned char ad[sizeof(WRAP_LABEL) + 16];
    size_t adlen = wrap_ad(ad, owner, version);

    return lx_crypto_aead_open(master, nonce, wrapped,
                               LX_CRYPTO_WRAPPED_KEY_BYTES, ad, adlen, out);
}

void
lx_crypto_key_new(struct lx_secret **out)
{
    lx_secret_new(LX_CRYPTO_AEAD_KEY_BYTES, out);
    crypto_aead_xchacha20poly1305_ietf_keygen((*out)->p);
}

lx_rc
lx_crypto_kdf(const struct lx_secret *root, const char *context, uint64_t id,
              size_t len, struct lx_secret **out)
{
    static_assert(crypto_kdf_KEYBYTES == LX_CRYPTO_AEAD_KEY_BYTES,
                  "kdf root size");

    *out = NULL;
    if (root == NULL || root->len != crypto_kdf_KEYBYTES || context == NULL ||
        strlen(context) != crypto_kdf_CONTEXTBYTES ||
        len < crypto_kdf_BYTES_MIN || len > crypto_kdf_BYTES_MAX) {
        return LX_EINVAL;
    }
    lx_secret_new(len, out);
    crypto_kdf_derive_from_key((*out)->p, len, id, context, root->p);
    return LX_OK;
}

void
lx_crypto_master_id(const struct lx_secret *master,
                    char out[LX_CRYPTO_KEY_ID_HEX])
{
    static const char label[] = "lexgate-master-key-id-v1";
    unsigned char h[LX_CRYPTO_KEYED_HASH_BYTES];

    lx_crypto_keyed_hash(master->p, master->len, label, sizeof(label) - 1,
                         NULL, 0, h);
    sodium_bin2hex(out, LX_CRYPTO_KEY_ID_HEX, h, 8);
}

/* fsync a directory so renames and links in it are durable. */
static lx_rc
sync_dir(const char *dir, struct lx_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) {
        return lx_err_set(err, LX_EIO, "/keys", "cannot open key directory");
    }
    if (fsync(fd) != 0) {
        close(fd);
        return lx_err_set(err, LX_EIO, "/keys", "cannot sync key directory");
    }
    close(fd);
    return LX_OK;
}

lx_rc
lx_crypto_master_next_create(const char *dir, struct lx_err *err)
{
    char path[1024];
    struct lx_secret *k = NULL;
    lx_rc rc;

    if ((rc = join(path, sizeof(path), dir, "master.key.next", err)) !=
        LX_OK) {
        return rc;
    }
    lx_secret_new(LX_CRYPTO_MASTER_KEY_BYTES, &k);
    randombytes_buf(k->p, k->len);
    rc = write_new(path, k->p, k->len, err);
    lx_secret_free(k);
    if (rc == LX_OK) {
        rc = sync_dir(dir, err);
    }
    return rc;
}

/* Whether two key files hold the same bytes (both readable, right size). */
static bool
same_key_file(const char *a, const char *b)
{
    struct lx_secret *ka = NULL, *kb = NULL;
    struct lx_err e = {0};
    bool same = false;

    if (read_private(a, "key file", LX_CRYPTO_MASTER_KEY_BYTES, &ka, &e) ==
            LX_OK &&
        read_private(b, "key file", LX_CRYPTO_MASTER_KEY_BYTES, &kb, &e) ==
            LX_OK) {
        same = sodium_memcmp(ka->p, kb->p, LX_CRYPTO_MASTER_KEY_BYTES) == 0;
    }
    lx_secret_free(ka);
    lx_secret_free(kb);
    return same;
}

lx_rc
lx_crypto_master_promote(const char *dir, struct lx_err *err)
{
    char cur[1024], next[1024], old[1024];
    lx_rc rc;

    if ((rc = join(cur, sizeof(cur), dir, "master.key", err)) != LX_OK ||
        (rc = join(next, sizeof(next), dir, "master.key.next", err)) !=
            LX_OK ||
        (rc = join(old, sizeof(old), dir, "master.key.old", err)) != LX_OK) {
        return rc;
    }
    if (access(next, F_OK) != 0) {
        return lx_err_set(err, LX_ENOTFOUND, "/keys",
                          "no master.key.next to promote");
    }
    /* Step 1: master.key.old is a second name of the current key. A crash
     * after it leaves .old equal to master.key, which a rerun accepts. */
    if (link(cur, old) != 0) {
        if (errno != EEXIST) {
            return lx_err_set(err, LX_EIO, "/keys",
                              "cannot link master.key.old (%s)",
                              strerror(errno));
        }
        if (!same_key_file(cur, old)) {
            return lx_err_set(err, LX_ECONFLICT, "/keys",
                              "master.key.old of an unfinished rotation "
                              "exists; run 'lexgate keys rotate --finish'");
        }
    }
    if ((rc = sync_dir(dir, err)) != LX_OK) {
        return rc;
    }
    /* Step 2: atomically replace master.key by the new key. */
    if (rename(next, cur) != 0) {
        return lx_err_set(err, LX_EIO, "/keys",
                          "cannot rename master.key.next (%s)",
                          strerror(errno));
    }
    return sync_dir(dir, err);
}

lx_rc
lx_crypto_master_retire(const char *dir, struct lx_err *err)
{
    unsigned char zero[LX_CRYPTO_MASTER_KEY_BYTES] = {0};
    char old[1024];
    ssize_t w;
    int fd;
    lx_rc rc;

    if ((rc = join(old, sizeof(old), dir, "master.key.old", err)) != LX_OK) {
        return rc;
    }
    fd = open(old, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == ENOENT) {
            return LX_OK;
        }
        return lx_err_set(err, LX_EIO, "/keys",
                          "cannot open master.key.old (%s)", strerror(errno));
    }
    /* Overwrite in place before unlinking, so the old key's bytes do not
     * linger in the file's blocks (best effort on copy-on-write media). */
    do {
        w = write(fd, zero, sizeof(zero));
    } while (w < 0 && errno == EINTR);
    if (w != (ssize_t)sizeof(zero) || fsync(fd) != 0) {
        close(fd);
        return lx_err_set(err, LX_EIO, "/keys",
                          "cannot overwrite master.key.old");
    }
    close(fd);
    if (unlink(old) != 0) {
        return lx_err_set(err, LX_EIO, "/keys",
                          "cannot remove master.key.old (%s)", strerror(errno));
    }
    return sync_dir(dir, err);
}
