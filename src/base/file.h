/*
 * file — whole files and embedded data sets, read with a ceiling.
 *
 * Reference data (the holiday calendar, division codes, rule packs) comes
 * either from a file the operator names (--calendar FILE, calendar.file)
 * or, by default, from the copy embedded in the binary (base/asset.h).
 * lx_data_open() is that choice in one place, so the CLI and the daemon
 * load the same bytes the same way. Errors name what was being read (a
 * static description such as "calendar file"), never a path's content.
 */
#ifndef LX_BASE_FILE_H
#define LX_BASE_FILE_H

#include "base/err.h"

#include <stddef.h>

/*
 * Read the file at 'path' into a malloc'd, NUL-terminated buffer of at
 * most 'max' bytes (*out, free() it; *len excludes the NUL). Fails with
 * LX_EIO ("cannot read <what>: <reason>") or LX_ETOOBIG.
 */
lx_rc lx_file_read(const char *path, size_t max, const char *what, char **out,
                   size_t *len, struct lx_err *err);

/*
 * Write data[0..n) to 'path' atomically: a temporary file beside it, fsync,
 * rename, so a reader sees the old file or the new one, never a torn one.
 * The file is created with mode 0600 (before umask). Fails with LX_EIO.
 */
lx_rc lx_file_write_atomic(const char *path, const void *data, size_t n,
                           struct lx_err *err);

/* Bytes of a data set; 'owned' is non-NULL when they came from a file. */
struct lx_data {
    const char *p;
    size_t len;
    char *owned;
};

/*
 * The file at 'path' when it is a non-empty string; otherwise the one
 * embedded asset whose name starts with 'dir' and ends with 'suffix'
 * (LX_EINTERNAL when there is not exactly one: a build defect).
 */
lx_rc lx_data_open(const char *path, const char *dir, const char *suffix,
                   size_t max, const char *what, struct lx_data *out,
                   struct lx_err *err);

/* Free what lx_data_open() read; the struct may be reused. */
void lx_data_release(struct lx_data *d);

#endif /* LX_BASE_FILE_H */
