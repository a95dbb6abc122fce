/* crypto — libsodium wrappers and the key files. */
#include "crypto/crypto.h"
#include "base/mem.h"

#include <errno.h>
#include <fcntl.h>
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

void
lx_crypto_sha256(const void *a, size_t alen, const void *b, size_t blen,
                 unsigned char out[LX_CRYPTO_SHA256_BYTES])
{
    crypto_hash_sha256_state st;

    crypto_hash_sha256_init(&st);
    if (alen > 0) {
        crypto_hash_sha256_update(&st, a, alen);
    }
    if (blen > 0) {
        crypto_hash_sha256_update(&st, b, blen);
    }
    crypto_hash_sha256_final(&st, out);
}
