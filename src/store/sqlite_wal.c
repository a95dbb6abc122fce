/*
 * sqlite_wal — a VFS over the default one that gathers SQLite's writes to
 * a WAL file and hands them to the kernel in a few large writes.
 *
 * Why: SQLite writes every WAL frame with two pwrite() calls (a 24-byte
 * header, then the page), so a group commit of ~62 audit appends made
 * ~267 system calls for ~130 frames before its fdatasync, and the writer
 * thread spent about a third of its time in them (bench/audit). Frames of
 * one commit are written back to back, so they gather into one buffer.
 *
 * What it keeps: nothing SQLite has not yet asked to be durable is ever
 * reported durable. The buffer goes to the file before any xSync (the
 * commit's fdatasync with synchronous=FULL), xRead, xTruncate, xFileSize,
 * xFetch and xClose, and before any write that does not continue the
 * buffered range (SQLite rewriting a frame of a transaction that spilled,
 * or its checksums, writes behind the buffer: the buffer goes first). A
 * failed flush keeps the bytes and returns the error, so the next call
 * tries again; SQLite treats the error like any write error. Other
 * connections never read a buffered frame: with synchronous=FULL, which
 * every writer connection sets (sqlite.c, open_conn), a commit becomes
 * visible in the wal-index only after its xSync. With NORMAL or OFF it
 * would not be so: do not lower it without removing this VFS. Files other
 * than WAL files, and every other method, go straight to the default
 * VFS.
 */
#include "store/store_int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdalign.h>
#include <string.h>

#define WAL_BUF_MAX (1024 * 1024) /* a larger write goes straight through */
#define WAL_CHUNK (64 * 1024)     /* one write() to the default VFS */

struct wal_file {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, right after this struct */
    unsigned char *buf; /* gathered bytes, allocated on the first write */
    size_t len;
    sqlite3_int64 off; /* file offset of buf[0] */
};

/* The real file lives after our header, aligned for any type. */
#define WAL_HDR                                                                \
    ((sizeof(struct wal_file) + alignof(max_align_t) - 1) /                    \
     alignof(max_align_t) * alignof(max_align_t))

static sqlite3_vfs wal_vfs;
static sqlite3_vfs *root; /* the default VFS this one wraps */

/* Write the buffer out, in pieces: the default VFS writes at most 128 KiB
 * - 1 bytes per call (its pwrite length is masked with 0x1ffff). On a
 * failure the bytes not yet written stay buffered. */
static int
flush(struct wal_file *p)
{
    size_t done = 0;
    int rc = SQLITE_OK;

    while (done < p->len && rc == SQLITE_OK) {
        size_t n = p->len - done < WAL_CHUNK ? p->len - done : WAL_CHUNK;

        rc = p->real->pMethods->xWrite(p->real, p->buf + done, (int)n,
                                       p->off + (sqlite3_int64)done);
        if (rc == SQLITE_OK) {
            done += n;
        }
    }
    if (done > 0 && done < p->len) {
        memmove(p->buf, p->buf + done, p->len - done);
    }
    p->len -= done;
    p->off += (sqlite3_int64)done;
    return rc;
}

/* ---- WAL files: gathered writes ------------------------------------------ */

static int
w_close(sqlite3_file *f)
{
    struct wal_file *p = (struct wal_file *)f;
    int rc = flush(p);
    int rc2 = p->real->pMethods->xClose(p->real);

    sqlite3_free(p->buf);
    p->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int
w_read(sqlite3_file *f, void *out, int n, sqlite3_int64 ofst)
{
    struct wal_file *p = (struct wal_file *)f;
    int rc = flush(p);

    return rc != SQLITE_OK ? rc
                           : p->real->pMethods->xRead(p->real, out, n, ofst);
}

static int
w_write(sqlite3_file *f, const void *in, int n, sqlite3_int64 ofst)
{
    struct wal_file *p = (struct wal_file *)f;
    size_t len = (size_t)n;
    int rc;

    if (p->len > 0 && ofst == p->off + (sqlite3_int64)p->len &&
        p->len + len <= WAL_BUF_MAX) {
        memcpy(p->buf + p->len, in, len);
        p->len += len;
        return SQLITE_OK;
    }
    rc = flush(p);
    if (rc != SQLITE_OK) {
        return rc;
    }
    if (len > WAL_CHUNK) {
        return p->real->pMethods->xWrite(p->real, in, n, ofst);
    }
    if (p->buf == NULL) {
        p->buf = sqlite3_malloc(WAL_BUF_MAX);
        if (p->buf == NULL) {
            return p->real->pMethods->xWrite(p->real, in, n, ofst);
        }
    }
    memcpy(p->buf, in, len);
    p->len = len;
    p->off = ofst;
    return SQLITE_OK;
}

static int
w_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    struct wal_file *p = (struct wal_file *)f;
    int rc = flush(p);

    return rc != SQLITE_OK ? rc : p->real->pMethods->xTruncate(p->real, size);
}

static int
w_sync(sqlite3_file *f, int flags)
{
    struct wal_file *p = (struct wal_file *)f;
    int rc = flush(p);

    return rc != SQLITE_OK ? rc : p->real->pMethods->xSync(p->real, flags);
}

static int
w_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    struct wal_file *p = (struct wal_file *)f;
    int rc = flush(p);

    return rc != SQLITE_OK ? rc : p->real->pMethods->xFileSize(p->real, size);
}

static int
w_fetch(sqlite3_file *f, sqlite3_int64 ofst, int n, void **pp)
{
    struct wal_file *p = (struct wal_file *)f;
    int rc = flush(p);

    *pp = NULL;
    return rc != SQLITE_OK ? rc
                           : p->real->pMethods->xFetch(p->real, ofst, n, pp);
}

/* ---- every file: straight through ---------------------------------------- */

#define REAL(f) (((struct wal_file *)(f))->real)

static int
p_close(sqlite3_file *f)
{
    return REAL(f)->pMethods->xClose(REAL(f));
}

static int
p_read(sqlite3_file *f, void *out, int n, sqlite3_int64 ofst)
{
    return REAL(f)->pMethods->xRead(REAL(f), out, n, ofst);
}

static int
p_write(sqlite3_file *f, const void *in, int n, sqlite3_int64 ofst)
{
    return REAL(f)->pMethods->xWrite(REAL(f), in, n, ofst);
}

static int
p_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
p_sync(sqlite3_file *f, int flags)
{
    return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
p_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int
p_lock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int
p_unlock(sqlite3_file *f, int level)
{
    return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int
p_check_reserved(sqlite3_file *f, int *out)
{
    return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
p_file_control(sqlite3_file *f, int op, void *arg)
{
    return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int
p_sector_size(sqlite3_file *f)
{
    return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int
p_device(sqlite3_file *f)
{
    return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
p_shm_map(sqlite3_file *f, int region, int size, int extend,
          void volatile **pp)
{
    return REAL(f)->pMethods->xShmMap(REAL(f), region, size, extend, pp);
}

static int
p_shm_lock(sqlite3_file *f, int ofst, int n, int flags)
{
    return REAL(f)->pMethods->xShmLock(REAL(f), ofst, n, flags);
}

static void
p_shm_barrier(sqlite3_file *f)
{
    REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int
p_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return REAL(f)->pMethods->xShmUnmap(REAL(f), delete_flag);
}

static int
p_fetch(sqlite3_file *f, sqlite3_int64 ofst, int n, void **pp)
{
    return REAL(f)->pMethods->xFetch(REAL(f), ofst, n, pp);
}

static int
p_unfetch(sqlite3_file *f, sqlite3_int64 ofst, void *page)
{
    return REAL(f)->pMethods->xUnfetch(REAL(f), ofst, page);
}

static const sqlite3_io_methods pass_methods = {
    3,
    p_close,
    p_read,
    p_write,
    p_truncate,
    p_sync,
    p_file_size,
    p_lock,
    p_unlock,
    p_check_reserved,
    p_file_control,
    p_sector_size,
    p_device,
    p_shm_map,
    p_shm_lock,
    p_shm_barrier,
    p_shm_unmap,
    p_fetch,
    p_unfetch,
};

static const sqlite3_io_methods wal_methods = {
    3,
    w_close,
    w_read,
    w_write,
    w_truncate,
    w_sync,
    w_file_size,
    p_lock,
    p_unlock,
    p_check_reserved,
    p_file_control,
    p_sector_size,
    p_device,
    p_shm_map,
    p_shm_lock,
    p_shm_barrier,
    p_shm_unmap,
    w_fetch,
    p_unfetch,
};

/* ---- the VFS -------------------------------------------------------------- */

static int
v_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
       int *out_flags)
{
    struct wal_file *p = (struct wal_file *)f;
    int rc;

    (void)vfs;
    memset(p, 0, sizeof(*p));
    p->real = (sqlite3_file *)((unsigned char *)p + WAL_HDR);
    rc = root->xOpen(root, name, p->real, flags, out_flags);
    if (p->real->pMethods == NULL) {
        f->pMethods = NULL; /* nothing to close */
        return rc;
    }
    /* The default VFS's files are version 3; anything older goes through
     * untouched rather than through methods it lacks. */
    if ((flags & SQLITE_OPEN_WAL) && p->real->pMethods->iVersion >= 3) {
        f->pMethods = &wal_methods;
    } else {
        f->pMethods = &pass_methods;
    }
    return rc;
}

static int
v_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return root->xDelete(root, name, sync_dir);
}

static int
v_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return root->xAccess(root, name, flags, out);
}

static int
v_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return root->xFullPathname(root, name, n, out);
}

static void *
v_dl_open(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return root->xDlOpen(root, name);
}

static void
v_dl_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    root->xDlError(root, n, out);
}

static void (*v_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
    (void)vfs;
    return root->xDlSym(root, h, sym);
}

static void
v_dl_close(sqlite3_vfs *vfs, void *h)
{
    (void)vfs;
    root->xDlClose(root, h);
}

static int
v_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return root->xRandomness(root, n, out);
}

static int
v_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return root->xSleep(root, us);
}

static int
v_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return root->xCurrentTime(root, out);
}

static int
v_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return root->xGetLastError(root, n, out);
}

static int
v_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return root->xCurrentTimeInt64(root, out);
}

static void
register_vfs(void)
{
    sqlite3_vfs *r = sqlite3_vfs_find(NULL);

    if (r == NULL || r->iVersion < 2 || r->xCurrentTimeInt64 == NULL) {
        return; /* an unexpected default VFS: use it unchanged */
    }
    wal_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)WAL_HDR + r->szOsFile,
        .mxPathname = r->mxPathname,
        .zName = "lexgate-wal",
        .xOpen = v_open,
        .xDelete = v_delete,
        .xAccess = v_access,
        .xFullPathname = v_full_pathname,
        .xDlOpen = v_dl_open,
        .xDlError = v_dl_error,
        .xDlSym = v_dl_sym,
        .xDlClose = v_dl_close,
        .xRandomness = v_randomness,
        .xSleep = v_sleep,
        .xCurrentTime = v_current_time,
        .xGetLastError = v_last_error,
        .xCurrentTimeInt64 = v_current_time_int64,
    };
    root = r;
    if (sqlite3_vfs_register(&wal_vfs, 0) != SQLITE_OK) {
        root = NULL;
    }
}

const char *
store__sqlite_wal_vfs(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, register_vfs);
    return root != NULL ? wal_vfs.zName : NULL;
}
