/*
 * cmd_audit_verify — `lexgate audit verify`: recompute and check the whole
 * log against its rows and signed checkpoints (DESIGN.md interface;
 * docs/audit.md).
 *
 * The checks are lx_audit_verify_tx's; this file gathers what a verifying
 * party keeps outside the database — external checkpoints, the trust list
 * (--trust FILE, else keys.dir/signing.pub under this log's origin) and the
 * "largest size seen" state file, read before and written only after a
 * clean run — and renders the report as a line or as one JSON object.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/file.h"
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define STATE_MAGIC "lexgate-audit-seen 1"

/* The trust list: --trust FILE, else keys.dir/signing.pub named by this
 * log's origin. */
static lx_rc
load_trust(struct lx_cli *cli, const struct cli__audit_opts *o,
           struct lx_store *st, struct lx_audit_vkey *v, size_t *n,
           struct lx_err *err)
{
    char origin[LX_AUDIT_ORIGIN_MAX + 1];
    lx_rc rc;

    if (o->trust != NULL) {
        return cli__audit_load_trust_file(o->trust, v, n, err);
    }
    if (st == NULL) {
        return lx_err_set(err, LX_EINVAL, NULL, "give --trust FILE");
    }
    rc = lx_store_read(st, cli__audit_origin_unit, origin, err);
    if (rc == LX_OK) {
        rc = cli__audit_load_signing_pub(cli->conf.keys_dir, v[0].pk, err);
    }
    if (rc != LX_OK) {
        return rc;
    }
    memset(v[0].name, 0, sizeof(v[0].name));
    memcpy(v[0].name, origin, strlen(origin));
    lx_audit_key_id(v[0].name, v[0].pk, v[0].id);
    v[0].until = 0;
    *n = 1;
    return LX_OK;
}

struct verify_req {
    struct lx_audit_verify_opts vo;
    struct lx_audit_report rep;
};

static lx_rc
verify_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct verify_req *q = arg;

    return lx_audit_verify_tx(tx, &q->vo, &q->rep, err);
}

/* Read the "largest size seen" state; absent is fine (first run). */
static lx_rc
read_state(const char *path, struct lx_audit_verify_opts *vo,
           struct lx_err *err)
{
    struct lx_buf b = LX_BUF_INIT(512);
    char num[24];
    const char *p, *l1, *l2, *l3;
    size_t rlen = 0;
    lx_rc rc;

    if (access(path, F_OK) != 0 && errno == ENOENT) {
        return LX_OK;
    }
    rc = cli__audit_read_file(path, "state", &b, err);
    if (rc != LX_OK) {
        goto out;
    }
    p = lx_buf_peek(&b);
    l1 = strchr(p, '\n');
    l2 = l1 != NULL ? strchr(l1 + 1, '\n') : NULL;
    l3 = l2 != NULL ? strchr(l2 + 1, '\n') : NULL;
    if (l3 == NULL || l3[1] != '\0' ||
        (size_t)(l1 - p) != sizeof(STATE_MAGIC) - 1 ||
        memcmp(p, STATE_MAGIC, sizeof(STATE_MAGIC) - 1) != 0 ||
        l2 - l1 - 1 <= 0 || l2 - l1 - 1 >= (long)sizeof(num)) {
        rc = lx_err_set(err, LX_EINTEGRITY, "/state", "state file malformed");
        goto out;
    }
    memcpy(num, l1 + 1, (size_t)(l2 - l1 - 1));
    num[l2 - l1 - 1] = '\0';
    if (!cli__audit_parse_num(num, INT64_MAX, &vo->seen_size) ||
        lx_audit_b64_decode(l2 + 1, (size_t)(l3 - l2 - 1), vo->seen_root,
                            sizeof(vo->seen_root), &rlen) != LX_OK ||
        rlen != LX_AUDIT_HASH_BYTES) {
        rc = lx_err_set(err, LX_EINTEGRITY, "/state", "state file malformed");
        goto out;
    }
    vo->have_seen = true;
out:
    lx_buf_release(&b);
    return rc;
}

static lx_rc
write_state(const char *path, uint64_t size,
            const unsigned char root[LX_AUDIT_HASH_BYTES], struct lx_err *err)
{
    struct lx_buf b = LX_BUF_INIT(512);
    lx_rc rc;

    rc = lx_buf_printf(&b, STATE_MAGIC "\n%llu\n", (unsigned long long)size);
    if (rc == LX_OK) {
        rc = lx_audit_b64_encode(root, LX_AUDIT_HASH_BYTES, &b);
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(&b, "\n", 1);
    }
    if (rc == LX_OK) {
        rc = lx_file_write_atomic(path, b.p, b.len, err);
    }
    lx_buf_release(&b);
    return rc;
}

int
cmd_audit_verify(struct lx_cli *cli, int argc, char **argv)
{
    struct lx_audit_vkey trust[LX_CLI_AUDIT_TRUST_MAX];
    struct lx_buf notes[LX_CLI_AUDIT_MAX_CHECKPOINTS];
    const char *note_p[LX_CLI_AUDIT_MAX_CHECKPOINTS];
    size_t note_n[LX_CLI_AUDIT_MAX_CHECKPOINTS], ntrust = 0;
    struct verify_req q;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct cli__audit_opts o;
    const struct lx_audit_report *r = &q.rep;
    int status;
    lx_rc rc;

    memset(&q, 0, sizeof(q));
    for (int i = 0; i < LX_CLI_AUDIT_MAX_CHECKPOINTS; i++) {
        lx_buf_init(&notes[i], LX_AUDIT_NOTE_MAX + 1);
    }
    status = cli__audit_parse_opts(
        cli, argc, argv,
        LX_CLI_AUDIT_OPT_DB | LX_CLI_AUDIT_OPT_CONFIG | LX_CLI_AUDIT_OPT_KEYS |
            LX_CLI_AUDIT_OPT_CHECKPOINT | LX_CLI_AUDIT_OPT_TRUST |
            LX_CLI_AUDIT_OPT_STATE | LX_CLI_AUDIT_OPT_JSON |
            LX_CLI_AUDIT_OPT_NO_STORED,
        &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    rc = lx_crypto_init(&err);
    for (int i = 0; i < o.ncheckpoints && rc == LX_OK; i++) {
        rc = cli__audit_read_file(o.checkpoints[i], "checkpoint", &notes[i],
                                  &err);
        note_p[i] = lx_buf_peek(&notes[i]);
        note_n[i] = notes[i].len;
    }
    if (rc == LX_OK && o.state != NULL) {
        rc = read_state(o.state, &q.vo, &err);
    }
    if (rc == LX_OK) {
        rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT,
                            1, &st, &err);
    }
    if (rc == LX_OK) {
        rc = load_trust(cli, &o, st, trust, &ntrust, &err);
    }
    if (rc == LX_OK) {
        q.vo.trust = trust;
        q.vo.ntrust = ntrust;
        q.vo.notes = note_p;
        q.vo.note_lens = note_n;
        q.vo.nnotes = (size_t)o.ncheckpoints;
        q.vo.check_stored = !o.no_stored;
        rc = lx_store_read(st, verify_unit, &q, &err);
    }
    if (rc == LX_OK && r->fail == LX_AUDIT_OK && o.state != NULL) {
        rc = write_state(o.state, r->size, r->root, &err);
    }
    if (rc != LX_OK) {
        if (o.json) {
            /* Machines get a JSON answer even when nothing could be
             * checked: the log's state is then unknown, never "ok". */
            struct lx_buf jb = LX_BUF_INIT(512);
            if (lx_buf_append_json_str(&jb, lx_err_message(&err),
                                       strlen(lx_err_message(&err))) == LX_OK) {
                printf("{\"ok\":false,\"failure\":\"error\",\"detail\":%s}\n",
                       lx_buf_peek(&jb));
            }
            lx_buf_release(&jb);
        }
        status = cli_fail(&err, true);
        goto out;
    }
    if (o.json) {
        printf("{\"ok\":%s,\"size\":%llu,\"root\":\"",
               r->fail == LX_AUDIT_OK ? "true" : "false",
               (unsigned long long)r->size);
        cli__audit_print_b64(stdout, r->root, LX_AUDIT_HASH_BYTES);
        printf("\",\"checkpoints_checked\":%llu",
               (unsigned long long)r->checked);
        if (r->fail != LX_AUDIT_OK) {
            printf(",\"failure\":\"%s\",\"index\":%lld",
                   r->fail == LX_AUDIT_CHECKPOINT
                       ? lx_audit_cp_fail_name(r->cp_fail)
                       : lx_audit_fail_name(r->fail),
                   (long long)r->index);
            if (r->checkpoint > 0) {
                printf(",\"checkpoint_file\":%lld", (long long)r->checkpoint);
            } else if (r->checkpoint < 0) {
                printf(",\"stored_checkpoint\":%lld",
                       (long long)-r->checkpoint);
            }
        }
        printf("}\n");
    } else if (r->fail == LX_AUDIT_OK) {
        printf("ok: %llu entries, %llu checkpoints checked, root ",
               (unsigned long long)r->size, (unsigned long long)r->checked);
        cli__audit_print_b64(stdout, r->root, LX_AUDIT_HASH_BYTES);
        printf("\n");
    }
    if (r->fail == LX_AUDIT_CHECKPOINT) {
        fprintf(
            stderr, "lexgate: audit checkpoint refused: %s (%s %lld)\n",
            lx_audit_cp_fail_name(r->cp_fail),
            r->checkpoint > 0 ? "--checkpoint" : "stored id",
            (long long)(r->checkpoint > 0 ? r->checkpoint : -r->checkpoint));
        status = LX_CLI_FAILED;
    } else if (r->fail != LX_AUDIT_OK) {
        fprintf(stderr, "lexgate: audit log damaged: %s at index %lld\n",
                lx_audit_fail_name(r->fail), (long long)r->index);
        status = LX_CLI_FAILED;
    }
out:
    for (int i = 0; i < LX_CLI_AUDIT_MAX_CHECKPOINTS; i++) {
        lx_buf_release(&notes[i]);
    }
    lx_store_close(st);
    return status;
}
