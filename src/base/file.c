/* file — bounded whole-file reads and the file-or-embedded choice. */
#include "base/file.h"
#include "base/asset.h"
#include "base/mem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

lx_rc
lx_file_read(const char *path, size_t max, const char *what, char **out,
             size_t *len, struct lx_err *err)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    *out = NULL;
    *len = 0;
    if (fd < 0) {
        return lx_err_set(err, LX_EIO, NULL, "cannot read %s: %s", what,
                          strerror(errno));
    }
    if (cap > max) {
        cap = max;
    }
    buf = lx_xmalloc(cap + 1);
    for (;;) {
        ssize_t r;

        if (n == cap) {
            if (cap >= max) {
                /* One byte more would tell whether the file is longer. */
                char probe;
                r = read(fd, &probe, 1);
                if (r < 0 && errno == EINTR) {
                    continue;
                }
                if (r > 0) {
                    close(fd);
                    free(buf);
                    return lx_err_set(err, LX_ETOOBIG, NULL,
                                      "%s larger than %zu bytes", what, max);
                }
                if (r < 0) {
                    break;
                }
                r = 0;
                goto done;
            }
            cap = cap * 2 > max ? max : cap * 2;
            buf = lx_xrealloc(buf, cap + 1);
        }
        r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            break;
        }
        if (r == 0) {
            goto done;
        }
        n += (size_t)r;
    }
    close(fd);
    free(buf);
    return lx_err_set(err, LX_EIO, NULL, "cannot read %s: %s", what,
                      strerror(errno));
done:
    close(fd);
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return LX_OK;
}

lx_rc
lx_file_write_atomic(const char *path, const void *data, size_t n,
                     struct lx_err *err)
{
    const unsigned char *p = data;
    char tmp[1024];
    size_t off = 0;
    int fd;
    bool ok = true;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        return lx_err_set(err, LX_EINVAL, NULL, "path too long");
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return lx_err_set(err, LX_EIO, NULL, "cannot create a file (%s)",
                          strerror(errno));
    }
    while (ok && off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        ok = w > 0;
        off += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return lx_err_set(err, LX_EIO, NULL, "cannot write a file (%s)",
                          strerror(e));
    }
    return LX_OK;
}

lx_rc
lx_data_open(const char *path, const char *dir, const char *suffix, size_t max,
             const char *what, struct lx_data *out, struct lx_err *err)
{
    const struct lx_asset *all, *found = NULL;
    size_t n, dl = strlen(dir), sl = strlen(suffix);
    int count = 0;

    memset(out, 0, sizeof(*out));
    if (path != NULL && path[0] != '\0') {
        lx_rc rc = lx_file_read(path, max, what, &out->owned, &out->len, err);
        out->p = out->owned;
        return rc;
    }
    all = lx_asset_all(&n);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(all[i].name);
        if (strncmp(all[i].name, dir, dl) == 0 && l >= dl + sl &&
            strcmp(all[i].name + l - sl, suffix) == 0) {
            found = &all[i];
            count++;
        }
    }
    if (count != 1) {
        return lx_err_set(err, LX_EINTERNAL, NULL,
                          "expected one embedded %s under %s, found %d", what,
                          dir, count);
    }
    out->p = (const char *)found->data;
    out->len = found->len;
    return LX_OK;
}

void
lx_data_release(struct lx_data *d)
{
    free(d->owned);
    memset(d, 0, sizeof(*d));
}
