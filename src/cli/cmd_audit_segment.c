/*
 * cmd_audit_segment — sealed segments of the log, for retention
 * (docs/audit.md).
 *
 *   export         write entries 1..N as a segment sealed with a checkpoint
 *                  signed over exactly that prefix
 *   check-segment  check such a segment offline against a trust file
 *
 * A segment is SEGMENT_MAGIC, the entry count N, N lines of base64 entry
 * encodings (seq 1..N), a blank line, then the signed checkpoint note. It
 * is written to FILE.tmp, synced and renamed, so a reader never sees half.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SEGMENT_MAGIC "lexgate-audit-segment 1"

struct export_req {
    uint64_t size;
    FILE *f;
    struct lx_audit_frontier *fr;
    struct lx_buf line;
    char origin[LX_AUDIT_ORIGIN_MAX + 1];
};

static lx_rc
export_entry(void *arg, const void *enc, size_t len,
             const unsigned char leaf[LX_AUDIT_HASH_BYTES])
{
    struct export_req *q = arg;
    lx_rc rc;

    lx_audit_frontier_push(q->fr, leaf);
    lx_buf_reset(&q->line);
    rc = lx_audit_b64_encode(enc, len, &q->line);
    if (rc == LX_OK) {
        rc = lx_buf_append(&q->line, "\n", 1);
    }
    if (rc == LX_OK && fwrite(q->line.p, 1, q->line.len, q->f) != q->line.len) {
        rc = LX_EIO;
    }
    return rc;
}

static lx_rc
export_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct export_req *q = arg;
    lx_rc rc;

    rc = lx_audit_origin_tx(tx, q->origin, err);
    if (rc == LX_OK) {
        rc = lx_audit_entries_tx(tx, q->size, export_entry, q, err);
    }
    if (rc == LX_EIO) {
        lx_err_set(err, rc, "/out", "cannot write the segment file");
    }
    return rc;
}

int
cmd_audit_export(struct lx_cli *cli, int argc, char **argv)
{
    struct export_req q = {.line = LX_BUF_INIT(2 * LX_AUDIT_ENTRY_MAX)};
    struct lx_buf note = LX_BUF_INIT(LX_AUDIT_NOTE_MAX);
    struct lx_crypto_keys *keys = NULL;
    struct lx_audit_head head = {0};
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    char tmp[1024];
    struct cli__audit_opts o;
    int status, fd = -1;
    lx_rc rc;

    status = cli__audit_parse_opts(
        cli, argc, argv,
        LX_CLI_AUDIT_OPT_DB | LX_CLI_AUDIT_OPT_CONFIG | LX_CLI_AUDIT_OPT_KEYS |
            LX_CLI_AUDIT_OPT_SIZE | LX_CLI_AUDIT_OPT_OUT,
        &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    if (!o.have_size || o.out == NULL) {
        return cli_usage("give --size N and --out FILE");
    }
    if (snprintf(tmp, sizeof(tmp), "%s.tmp", o.out) >= (int)sizeof(tmp)) {
        return cli_usage("--out path too long");
    }
    q.size = o.size;
    q.fr = lx_xmalloc(sizeof(*q.fr));
    lx_audit_frontier_init(q.fr);
    rc = cli__audit_open_keys_store(cli, &keys, &st, &err);
    if (rc == LX_OK) {
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        q.f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (q.f == NULL) {
            rc = lx_err_set(&err, LX_EIO, "/out",
                            "cannot create the segment file (%s)",
                            strerror(errno));
        } else {
            fd = -1; /* the FILE owns it now */
            fprintf(q.f, SEGMENT_MAGIC "\n%llu\n", (unsigned long long)q.size);
        }
    }
    if (rc == LX_OK) {
        rc = lx_store_read(st, export_unit, &q, &err);
    }
    if (rc == LX_OK) {
        /* Seal: a checkpoint of exactly this prefix of the log. */
        memcpy(head.origin, q.origin, sizeof(head.origin));
        head.size = q.fr->size;
        lx_audit_frontier_root(q.fr, head.root);
        rc = lx_audit_checkpoint_sign(&head, head.origin, keys, &note, &err);
    }
    if (rc == LX_OK && (fprintf(q.f, "\n%s", lx_buf_peek(&note)) < 0 ||
                        fflush(q.f) != 0 || fsync(fileno(q.f)) != 0)) {
        rc = lx_err_set(&err, LX_EIO, "/out", "cannot write the segment file");
    }
    if (q.f != NULL && fclose(q.f) != 0 && rc == LX_OK) {
        rc = lx_err_set(&err, LX_EIO, "/out", "cannot write the segment file");
    }
    if (fd >= 0) {
        close(fd);
    }
    if (rc == LX_OK && rename(tmp, o.out) != 0) {
        rc = lx_err_set(&err, LX_EIO, "/out", "cannot write the segment file");
    }
    if (rc != LX_OK) {
        unlink(tmp);
        status = cli_fail(&err, true);
    } else {
        printf("exported %llu entries of %s, sealed at size %llu\n",
               (unsigned long long)head.size, head.origin,
               (unsigned long long)head.size);
    }
    lx_buf_release(&note);
    lx_buf_release(&q.line);
    free(q.fr);
    lx_store_close(st);
    lx_crypto_keys_free(keys);
    return status;
}

/* Read one line (without its newline) into 'b'; false at end of file or
 * when the line is longer than b->max. */
static bool
read_line(FILE *f, struct lx_buf *b, bool *too_long)
{
    int c;

    lx_buf_reset(b);
    *too_long = false;
    while ((c = getc(f)) != EOF && c != '\n') {
        char ch = (char)c;
        if (lx_buf_append(b, &ch, 1) != LX_OK) {
            *too_long = true;
            return false;
        }
    }
    return c == '\n';
}

int
cmd_audit_check_segment(struct lx_cli *cli, int argc, char **argv)
{
    struct lx_audit_vkey trust[LX_CLI_AUDIT_TRUST_MAX];
    struct lx_audit_frontier *fr = lx_xmalloc(sizeof(*fr));
    struct lx_buf line = LX_BUF_INIT(2 * LX_AUDIT_ENTRY_MAX);
    struct lx_buf note = LX_BUF_INIT(LX_AUDIT_NOTE_MAX + 1);
    unsigned char *enc = lx_xmalloc(LX_AUDIT_ENTRY_MAX);
    char *scratch = lx_xmalloc(LX_AUDIT_ENTRY_MAX + 16);
    struct lx_audit_head head;
    enum lx_audit_cp_fail why;
    struct lx_err err = {0};
    uint64_t size = 0, i;
    size_t ntrust = 0;
    struct cli__audit_opts o;
    FILE *f = NULL;
    bool too_long = false;
    int status;
    lx_rc rc;

    lx_audit_frontier_init(fr);
    status = cli__audit_parse_opts(cli, argc, argv,
                                   LX_CLI_AUDIT_OPT_CONFIG |
                                       LX_CLI_AUDIT_OPT_SEGMENT |
                                       LX_CLI_AUDIT_OPT_TRUST,
                                   &o);
    if (status != LX_CLI_OK) {
        goto out;
    }
    if (o.segment == NULL || o.trust == NULL) {
        status = cli_usage("give --segment FILE and --trust FILE");
        goto out;
    }
    rc = lx_crypto_init(&err);
    if (rc == LX_OK) {
        rc = cli__audit_load_trust_file(o.trust, trust, &ntrust, &err);
    }
    if (rc == LX_OK && (f = fopen(o.segment, "rb")) == NULL) {
        rc = lx_err_set(&err, LX_EIO, "/segment",
                        "cannot open the segment file (%s)", strerror(errno));
    }
    if (rc == LX_OK &&
        (!read_line(f, &line, &too_long) ||
         strcmp(lx_buf_peek(&line), SEGMENT_MAGIC) != 0 ||
         !read_line(f, &line, &too_long) ||
         !cli__audit_parse_num(lx_buf_peek(&line), INT64_MAX, &size) ||
         size == 0)) {
        rc = lx_err_set(&err, LX_EINTEGRITY, "/segment",
                        "not a lexgate audit segment");
    }
    for (i = 0; rc == LX_OK && i < size; i++) {
        struct lx_audit_entry e;
        unsigned char leaf[LX_AUDIT_HASH_BYTES];
        size_t n = 0;

        if (!read_line(f, &line, &too_long) ||
            lx_audit_b64_decode(line.p, line.len, enc, LX_AUDIT_ENTRY_MAX,
                                &n) != LX_OK ||
            lx_audit_entry_decode(enc, n, scratch, LX_AUDIT_ENTRY_MAX + 16, &e,
                                  NULL) != LX_OK ||
            e.seq != i + 1) {
            rc = lx_err_set(&err, LX_EINTEGRITY, "/segment",
                            "segment entry %llu is malformed or out of order",
                            (unsigned long long)i);
            break;
        }
        lx_audit_leaf_hash(enc, n, leaf);
        lx_audit_frontier_push(fr, leaf);
    }
    if (rc == LX_OK && (!read_line(f, &line, &too_long) || line.len != 0)) {
        rc = lx_err_set(&err, LX_EINTEGRITY, "/segment",
                        "segment has more entries than it says");
    }
    while (rc == LX_OK) {
        char chunk[1024];
        size_t got = fread(chunk, 1, sizeof(chunk), f);
        if (got == 0) {
            break;
        }
        if (lx_buf_append(&note, chunk, got) != LX_OK) {
            rc = lx_err_set(&err, LX_EINTEGRITY, "/segment",
                            "segment checkpoint too large");
        }
    }
    if (rc == LX_OK) {
        unsigned char root[LX_AUDIT_HASH_BYTES];

        lx_audit_frontier_root(fr, root);
        if (lx_audit_checkpoint_open(lx_buf_peek(&note), note.len, trust,
                                     ntrust, NULL, &head, &why) != LX_OK) {
            rc = lx_err_set(&err, LX_EINTEGRITY, "/segment",
                            "segment checkpoint refused: %s",
                            lx_audit_cp_fail_name(why));
        } else if (head.size != size ||
                   memcmp(head.root, root, sizeof(root)) != 0) {
            rc = lx_err_set(&err, LX_EINTEGRITY, "/segment",
                            "segment entries do not match its checkpoint");
        }
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, true);
    } else {
        printf("ok: %llu entries of %s, sealed by its checkpoint\n",
               (unsigned long long)size, head.origin);
    }
out:
    if (f != NULL) {
        fclose(f);
    }
    lx_buf_release(&line);
    lx_buf_release(&note);
    free(enc);
    free(scratch);
    free(fr);
    return status;
}
