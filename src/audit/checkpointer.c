/*
 * checkpointer — the daemon's checkpoint timer and the export directory.
 *
 * Signed checkpoints are what make truncation and rollback of the log
 * visible (docs/audit.md), so the daemon signs one whenever the log has
 * grown by audit.checkpoint_every entries or has grown at all and the
 * newest checkpoint is audit.checkpoint_every_s old, and writes each to
 * audit.export_dir (checkpoint.<size> and checkpoint, the latest) for the
 * operator's off-database copy. Several daemons may run it: the signing
 * unit takes the audit lock, and a daemon that finds nothing due does
 * nothing.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/ctx.h"
#include "base/file.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct lx_audit_checkpointer {
    struct lx_app *app;
    struct lx_audit_checkpointer_opts o;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
};

bool
lx_audit_note_size(const char *note, size_t len, uint64_t *size)
{
    const char *l1 = memchr(note, '\n', len), *l2;
    char num[24], *end = NULL;

    l2 = l1 != NULL ? memchr(l1 + 1, '\n', len - (size_t)(l1 + 1 - note))
                    : NULL;
    if (l2 == NULL || l2 - l1 - 1 < 1 || l2 - l1 - 1 >= (long)sizeof(num)) {
        return false;
    }
    memcpy(num, l1 + 1, (size_t)(l2 - l1 - 1));
    num[l2 - l1 - 1] = '\0';
    errno = 0;
    *size = (uint64_t)strtoull(num, &end, 10);
    return errno == 0 && *end == '\0' && num[0] >= '0' && num[0] <= '9';
}

lx_rc
lx_audit_checkpoint_export(const char *dir, const char *note, size_t len,
                           struct lx_err *err)
{
    char path[1024];
    uint64_t size = 0;
    lx_rc rc;

    if (note == NULL || !lx_audit_note_size(note, len, &size)) {
        return lx_err_set(err, LX_EINTERNAL, NULL, "bad checkpoint note");
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return lx_err_set(err, LX_EIO, "/export",
                          "cannot create the export directory (%s)",
                          strerror(errno));
    }
    if (snprintf(path, sizeof(path), "%s/checkpoint.%llu", dir,
                 (unsigned long long)size) >=
        (int)sizeof(path)) {
        return lx_err_set(err, LX_EINVAL, "/export", "export path too long");
    }
    rc = lx_file_write_atomic(path, note, len, err);
    if (rc == LX_OK) {
        snprintf(path, sizeof(path), "%s/checkpoint", dir);
        rc = lx_file_write_atomic(path, note, len, err);
    }
    return rc;
}

struct tick {
    struct lx_audit_checkpointer *c;
    int64_t now_ms;
    struct lx_buf note;
    bool signed_one;
};

static lx_rc
tick_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct tick *t = arg;
    bool due = false;
    lx_rc rc;

    t->signed_one = false;
    lx_buf_reset(&t->note);
    rc = lx_audit_checkpoint_due_tx(tx, t->c->o.every_entries,
                                    t->c->o.every_ms, t->now_ms, &due, err);
    if (rc == LX_OK && due) {
        rc = lx_audit_checkpoint_tx(tx, t->c->app->keys, t->now_ms, &t->note,
                                    err);
        t->signed_one = rc == LX_OK;
    }
    return rc;
}

lx_rc
lx_audit_checkpoint_tick(struct lx_audit_checkpointer *c, int64_t now_ms,
                         bool *signed_one, struct lx_err *err)
{
    struct tick t = {.c = c, .now_ms = now_ms,
                     .note = LX_BUF_INIT(LX_AUDIT_NOTE_MAX)};
    struct lx_log_line line;
    uint64_t size = 0;
    lx_rc rc;

    rc = lx_store_write(c->app->store, tick_unit, &t, err);
    if (rc == LX_OK && t.signed_one && c->o.export_dir[0] != '\0') {
        rc = lx_audit_checkpoint_export(c->o.export_dir, t.note.p, t.note.len,
                                        err);
    }
    if (rc == LX_OK && t.signed_one) {
        (void)lx_audit_note_size(t.note.p, t.note.len, &size);
        lx_log_begin(&line, &c->app->log, LX_LOG_INFO, "audit_checkpoint",
                     NULL, lx_time_now_ms());
        lx_log_int(&line, "tree_size", (int64_t)size);
        lx_log_bool(&line, "exported", c->o.export_dir[0] != '\0');
        lx_log_end(&line);
    }
    if (signed_one != NULL) {
        *signed_one = rc == LX_OK && t.signed_one;
    }
    lx_buf_release(&t.note);
    return rc;
}

static void *
run(void *arg)
{
    struct lx_audit_checkpointer *c = arg;

    pthread_mutex_lock(&c->mu);
    while (!c->stopping) {
        struct timespec ts;
        struct lx_err err = {0};
        int64_t ms = c->o.poll_ms;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(ms / 1000);
        ts.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&c->cv, &c->mu, &ts);
        if (c->stopping) {
            break;
        }
        pthread_mutex_unlock(&c->mu);
        if (lx_audit_checkpoint_tick(c, lx_time_now_ms(), NULL, &err) !=
            LX_OK) {
            /* Loud, and retried next poll: a log without fresh checkpoints
             * is a log whose truncation goes unnoticed. */
            struct lx_log_line line;
            lx_log_begin(&line, &c->app->log, LX_LOG_ERROR,
                         "audit_checkpoint_failed", NULL, lx_time_now_ms());
            lx_log_id(&line, "error", lx_rc_slug(err.rc));
            lx_log_end(&line);
        }
        pthread_mutex_lock(&c->mu);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

lx_rc
lx_audit_checkpointer_start(struct lx_app *app,
                            const struct lx_audit_checkpointer_opts *o,
                            struct lx_audit_checkpointer **out,
                            struct lx_err *err)
{
    struct lx_audit_checkpointer *c;

    *out = NULL;
    if (app->store == NULL || app->keys == NULL) {
        return lx_err_set(err, LX_EINTERNAL, NULL,
                          "checkpointer needs the store and the keys");
    }
    c = lx_xcalloc(1, sizeof(*c));
    c->app = app;
    c->o = *o;
    if (c->o.poll_ms <= 0) {
        c->o.poll_ms = 1000;
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (c->o.every_entries == 0 && c->o.every_ms == 0) {
        *out = c; /* disabled: nothing to run, stop() still works */
        return LX_OK;
    }
    if (pthread_create(&c->thread, NULL, run, c) != 0) {
        pthread_mutex_destroy(&c->mu);
        pthread_cond_destroy(&c->cv);
        free(c);
        return lx_err_set(err, LX_EINTERNAL, NULL,
                          "cannot start the checkpoint thread");
    }
    *out = c;
    return LX_OK;
}

void
lx_audit_checkpointer_stop(struct lx_audit_checkpointer *c)
{
    if (c == NULL) {
        return;
    }
    if (c->o.every_entries != 0 || c->o.every_ms != 0) {
        pthread_mutex_lock(&c->mu);
        c->stopping = true;
        pthread_cond_signal(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->thread, NULL);
    }
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}
