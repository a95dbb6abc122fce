/*
 * cmd_audit_proof — `lexgate audit` verbs about RFC 9162 Merkle proofs
 * (docs/audit.md).
 *
 *   prove            print an inclusion or consistency proof from the store
 *   check-proof      check such a proof offline against signed checkpoints
 *   merkle-selftest  print roots and proofs over synthetic leaves, for the
 *                    cross-check against an independent implementation
 *
 * The proof file ("lexgate-proof inclusion|consistency", then numbers and
 * base64 hashes one per line) is printed and parsed only here; the tree
 * arithmetic is audit/merkle.c.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- prove and check-proof ----------------------------------------------- */

struct leaves_req {
    uint64_t size;
    unsigned char (*leaves)[LX_AUDIT_HASH_BYTES];
    uint64_t n;
};

static lx_rc
leaves_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct leaves_req *q = arg;

    return lx_audit_leaves_tx(tx, q->size, &q->leaves, &q->n, err);
}

int
cmd_audit_prove(struct lx_cli *cli, int argc, char **argv)
{
    unsigned char proof[LX_AUDIT_PROOF_MAX][LX_AUDIT_HASH_BYTES];
    struct leaves_req q = {0};
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct cli__audit_opts o;
    size_t len = 0;
    int status;
    lx_rc rc;

    status = cli__audit_parse_opts(
        cli, argc, argv,
        LX_CLI_AUDIT_OPT_DB | LX_CLI_AUDIT_OPT_CONFIG | LX_CLI_AUDIT_OPT_INDEX |
            LX_CLI_AUDIT_OPT_FROM | LX_CLI_AUDIT_OPT_SIZE,
        &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    if (o.have_index == o.have_from) {
        return cli_usage("give one of --index N or --from M");
    }
    if (o.have_size && o.have_index && o.index >= o.size) {
        return cli_usage("--index must be below --size");
    }
    if (o.have_size && o.have_from && o.from > o.size) {
        return cli_usage("--from must not exceed --size");
    }
    q.size = o.have_size ? o.size : 0;
    rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                        &st, &err);
    if (rc == LX_OK) {
        rc = lx_store_read(st, leaves_unit, &q, &err);
    }
    if (rc == LX_OK && o.have_index) {
        rc = lx_audit_merkle_inclusion(q.leaves, q.n, o.index, proof, &len);
        if (rc != LX_OK) {
            lx_err_set(&err, LX_ERANGE, "/index",
                       "the log has only %llu entries",
                       (unsigned long long)q.n);
        }
    } else if (rc == LX_OK) {
        rc = lx_audit_merkle_consistency(q.leaves, q.n, o.from, proof, &len);
        if (rc != LX_OK) {
            lx_err_set(&err, LX_ERANGE, "/from",
                       "the log has only %llu entries",
                       (unsigned long long)q.n);
        }
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    if (o.have_index) {
        printf("lexgate-proof inclusion\nindex %llu\nsize %llu\nleaf ",
               (unsigned long long)o.index, (unsigned long long)q.n);
        cli__audit_print_b64(stdout, q.leaves[o.index], LX_AUDIT_HASH_BYTES);
        printf("\n");
    } else {
        printf("lexgate-proof consistency\nfrom %llu\nsize %llu\n",
               (unsigned long long)o.from, (unsigned long long)q.n);
    }
    for (size_t i = 0; i < len; i++) {
        printf("path ");
        cli__audit_print_b64(stdout, proof[i], LX_AUDIT_HASH_BYTES);
        printf("\n");
    }
out:
    free(q.leaves);
    lx_store_close(st);
    return status;
}

/* A parsed proof file. */
struct proof_file {
    bool inclusion;
    uint64_t index, from, size;
    unsigned char leaf[LX_AUDIT_HASH_BYTES];
    unsigned char path[LX_AUDIT_PROOF_MAX][LX_AUDIT_HASH_BYTES];
    size_t len;
};

/* "key value" with value a base64 hash; false when malformed. */
static bool
line_hash(const char *line, size_t n, const char *key,
          unsigned char out[LX_AUDIT_HASH_BYTES])
{
    size_t k = strlen(key), got = 0;

    return n > k + 1 && memcmp(line, key, k) == 0 && line[k] == ' ' &&
           lx_audit_b64_decode(line + k + 1, n - k - 1, out,
                               LX_AUDIT_HASH_BYTES, &got) == LX_OK &&
           got == LX_AUDIT_HASH_BYTES;
}

static bool
line_num(const char *line, size_t n, const char *key, uint64_t *out)
{
    size_t k = strlen(key);
    char num[24];

    if (n <= k + 1 || memcmp(line, key, k) != 0 || line[k] != ' ' ||
        n - k - 1 >= sizeof(num)) {
        return false;
    }
    memcpy(num, line + k + 1, n - k - 1);
    num[n - k - 1] = '\0';
    return cli__audit_parse_num(num, INT64_MAX, out);
}

static lx_rc
parse_proof(const char *text, size_t n, struct proof_file *pf,
            struct lx_err *err)
{
    const char *p = text, *end = text + n;
    int line = 0;

    memset(pf, 0, sizeof(*pf));
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len;
        bool ok;

        if (nl == NULL) {
            return lx_err_set(err, LX_EINVAL, "/proof",
                              "proof: last line has no newline");
        }
        len = (size_t)(nl - p);
        line++;
        if (line == 1) {
            ok = (len == 23 && memcmp(p, "lexgate-proof inclusion", 23) == 0) ||
                 (len == 25 && memcmp(p, "lexgate-proof consistency", 25) == 0);
            pf->inclusion = len == 23;
        } else if (line == 2) {
            ok = pf->inclusion ? line_num(p, len, "index", &pf->index)
                               : line_num(p, len, "from", &pf->from);
        } else if (line == 3) {
            ok = line_num(p, len, "size", &pf->size);
        } else if (line == 4 && pf->inclusion) {
            ok = line_hash(p, len, "leaf", pf->leaf);
        } else {
            ok = pf->len < LX_AUDIT_PROOF_MAX &&
                 line_hash(p, len, "path", pf->path[pf->len]);
            pf->len += ok ? 1 : 0;
        }
        if (!ok) {
            return lx_err_set(err, LX_EINVAL, "/proof",
                              "proof: line %d malformed", line);
        }
        p = nl + 1;
    }
    if (line < (pf->inclusion ? 4 : 3)) {
        return lx_err_set(err, LX_EINVAL, "/proof", "proof: cut short");
    }
    return LX_OK;
}

/* Read, parse and check one checkpoint file against 'trust'. */
static lx_rc
open_checkpoint_file(const char *path, const struct lx_audit_vkey *trust,
                     size_t ntrust, struct lx_audit_head *head,
                     struct lx_err *err)
{
    struct lx_buf b = LX_BUF_INIT(LX_AUDIT_NOTE_MAX + 1);
    enum lx_audit_cp_fail why;
    lx_rc rc;

    rc = cli__audit_read_file(path, "checkpoint", &b, err);
    if (rc == LX_OK &&
        lx_audit_checkpoint_open(lx_buf_peek(&b), b.len, trust, ntrust, NULL,
                                 head, &why) != LX_OK) {
        rc = lx_err_set(err, LX_EINTEGRITY, "/checkpoint",
                        "checkpoint refused: %s", lx_audit_cp_fail_name(why));
    }
    lx_buf_release(&b);
    return rc;
}

int
cmd_audit_check_proof(struct lx_cli *cli, int argc, char **argv)
{
    struct lx_audit_vkey trust[LX_CLI_AUDIT_TRUST_MAX];
    struct lx_audit_head head, old;
    struct lx_buf text = LX_BUF_INIT(LX_CLI_AUDIT_FILE_MAX);
    struct proof_file *pf = lx_xmalloc(sizeof(*pf));
    struct lx_err err = {0};
    struct cli__audit_opts o;
    size_t ntrust = 0;
    int status;
    lx_rc rc;

    status = cli__audit_parse_opts(
        cli, argc, argv,
        LX_CLI_AUDIT_OPT_CONFIG | LX_CLI_AUDIT_OPT_PROOF |
            LX_CLI_AUDIT_OPT_CHECKPOINT | LX_CLI_AUDIT_OPT_OLD_CHECKPOINT |
            LX_CLI_AUDIT_OPT_TRUST,
        &o);
    if (status != LX_CLI_OK) {
        goto out;
    }
    if (o.proof == NULL || o.ncheckpoints != 1 || o.trust == NULL) {
        status = cli_usage("give --proof FILE, one --checkpoint FILE and "
                           "--trust FILE");
        goto out;
    }
    rc = lx_crypto_init(&err);
    if (rc == LX_OK) {
        rc = cli__audit_read_file(o.proof, "proof", &text, &err);
    }
    if (rc == LX_OK) {
        rc = parse_proof(lx_buf_peek(&text), text.len, pf, &err);
    }
    if (rc == LX_OK) {
        rc = cli__audit_load_trust_file(o.trust, trust, &ntrust, &err);
    }
    if (rc == LX_OK) {
        rc = open_checkpoint_file(o.checkpoints[0], trust, ntrust, &head, &err);
    }
    if (rc == LX_OK && pf->size != head.size) {
        rc = lx_err_set(&err, LX_EINTEGRITY, "/proof",
                        "proof is for size %llu, the checkpoint for %llu",
                        (unsigned long long)pf->size,
                        (unsigned long long)head.size);
    }
    if (rc == LX_OK && pf->inclusion) {
        if (o.old_checkpoint != NULL) {
            rc = lx_err_set(&err, LX_EINVAL, "/old-checkpoint",
                            "--old-checkpoint is for consistency proofs");
        } else if (lx_audit_merkle_inclusion_verify(pf->index, pf->size,
                                                    pf->leaf, pf->path, pf->len,
                                                    head.root) != LX_OK) {
            rc = lx_err_set(&err, LX_EINTEGRITY, "/proof",
                            "inclusion proof does not verify");
        }
    } else if (rc == LX_OK) {
        if (o.old_checkpoint == NULL) {
            rc = lx_err_set(&err, LX_EINVAL, "/old-checkpoint",
                            "a consistency proof needs --old-checkpoint");
        }
        if (rc == LX_OK) {
            rc = open_checkpoint_file(o.old_checkpoint, trust, ntrust, &old,
                                      &err);
        }
        if (rc == LX_OK &&
            (old.size != pf->from || strcmp(old.origin, head.origin) != 0)) {
            rc = lx_err_set(&err, LX_EINTEGRITY, "/old-checkpoint",
                            "old checkpoint is of another size or origin");
        }
        if (rc == LX_OK && lx_audit_merkle_consistency_verify(
                               old.size, head.size, old.root, head.root,
                               pf->path, pf->len) != LX_OK) {
            rc = lx_err_set(&err, LX_EINTEGRITY, "/proof",
                            "consistency proof does not verify");
        }
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, true);
        goto out;
    }
    if (pf->inclusion) {
        printf("ok: entry %llu is in %s at size %llu\n",
               (unsigned long long)pf->index, head.origin,
               (unsigned long long)head.size);
    } else {
        printf("ok: %s at size %llu extends size %llu\n", head.origin,
               (unsigned long long)head.size, (unsigned long long)old.size);
    }
out:
    lx_buf_release(&text);
    free(pf);
    return status;
}

/* ---- merkle-selftest ----------------------------------------------------- */

static void
print_hex(const unsigned char *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        printf("%02x", h[i]);
    }
}

static void
print_proof(const unsigned char (*proof)[LX_AUDIT_HASH_BYTES], size_t len)
{
    if (len == 0) {
        printf(" -");
    }
    for (size_t i = 0; i < len; i++) {
        printf(i == 0 ? " " : ",");
        print_hex(proof[i], LX_AUDIT_HASH_BYTES);
    }
    printf("\n");
}

int
cmd_audit_merkle_selftest(struct lx_cli *cli, int argc, char **argv)
{
    unsigned char(*leaves)[LX_AUDIT_HASH_BYTES];
    unsigned char(*roots)[LX_AUDIT_HASH_BYTES];
    unsigned char proof[LX_AUDIT_PROOF_MAX][LX_AUDIT_HASH_BYTES];
    struct cli__audit_opts o;
    uint64_t max;
    size_t len;
    int status, bad = 0;

    status = cli__audit_parse_opts(
        cli, argc, argv, LX_CLI_AUDIT_OPT_CONFIG | LX_CLI_AUDIT_OPT_MAX, &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    max = o.have_max ? o.max : 64;
    leaves = lx_xcalloc((size_t)max, LX_AUDIT_HASH_BYTES);
    roots = lx_xcalloc((size_t)max + 1, LX_AUDIT_HASH_BYTES);
    for (uint64_t i = 0; i < max; i++) {
        char data[32];
        int n =
            snprintf(data, sizeof(data), "leaf-%llu", (unsigned long long)i);
        lx_audit_leaf_hash(data, (size_t)n, leaves[i]);
    }
    for (uint64_t n = 1; n <= max; n++) {
        lx_audit_merkle_root(leaves, n, roots[n]);
        printf("root %llu ", (unsigned long long)n);
        print_hex(roots[n], LX_AUDIT_HASH_BYTES);
        printf("\n");
    }
    for (uint64_t n = 1; n <= max; n++) {
        for (uint64_t i = 0; i < n; i++) {
            lx_audit_merkle_inclusion(leaves, n, i, proof, &len);
            bad += lx_audit_merkle_inclusion_verify(
                       i, n, leaves[i], (const unsigned char(*)[32])proof, len,
                       roots[n]) != LX_OK;
            printf("inclusion %llu %llu", (unsigned long long)i,
                   (unsigned long long)n);
            print_proof((const unsigned char(*)[32])proof, len);
        }
        for (uint64_t m = 1; m <= n; m++) {
            lx_audit_merkle_consistency(leaves, n, m, proof, &len);
            bad += lx_audit_merkle_consistency_verify(
                       m, n, roots[m], roots[n],
                       (const unsigned char(*)[32])proof, len) != LX_OK;
            printf("consistency %llu %llu", (unsigned long long)m,
                   (unsigned long long)n);
            print_proof((const unsigned char(*)[32])proof, len);
        }
    }
    free(leaves);
    free(roots);
    if (bad != 0) {
        fprintf(stderr, "lexgate: %d proofs failed their own verification\n",
                bad);
        return LX_CLI_FAILED;
    }
    return LX_CLI_OK;
}
