/*
 * cmd_audit_common — what the `lexgate audit …` files share (cli_int.h,
 * "audit commands' shared helpers").
 *
 * One option table for every audit verb: each command names the options it
 * accepts as enum cli__audit_opt bits, so an option spelled once parses and
 * fails the same way in all of them. Then the small files a party keeps
 * outside the database — the trust file, signing.pub, checkpoints and
 * proofs read through cli__audit_read_file() — and the two bits of output
 * and store access more than one verb needs. The checks themselves are in
 * audit/.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/file.h"
#include "base/time.h"
#include "base/utf8.h"
#include "cli/cli_int.h"
#include "crypto/crypto.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- options ------------------------------------------------------------- */

static const struct option long_opts[] = {
    {"db", required_argument, NULL, LX_CLI_AUDIT_OPT_DB},
    {"config", required_argument, NULL, LX_CLI_AUDIT_OPT_CONFIG},
    {"keys", required_argument, NULL, LX_CLI_AUDIT_OPT_KEYS},
    {"checkpoint", required_argument, NULL, LX_CLI_AUDIT_OPT_CHECKPOINT},
    {"old-checkpoint", required_argument, NULL,
     LX_CLI_AUDIT_OPT_OLD_CHECKPOINT},
    {"trust", required_argument, NULL, LX_CLI_AUDIT_OPT_TRUST},
    {"state", required_argument, NULL, LX_CLI_AUDIT_OPT_STATE},
    {"json", no_argument, NULL, LX_CLI_AUDIT_OPT_JSON},
    {"export", required_argument, NULL, LX_CLI_AUDIT_OPT_EXPORT},
    {"index", required_argument, NULL, LX_CLI_AUDIT_OPT_INDEX},
    {"from", required_argument, NULL, LX_CLI_AUDIT_OPT_FROM},
    {"size", required_argument, NULL, LX_CLI_AUDIT_OPT_SIZE},
    {"proof", required_argument, NULL, LX_CLI_AUDIT_OPT_PROOF},
    {"max", required_argument, NULL, LX_CLI_AUDIT_OPT_MAX},
    {"no-stored", no_argument, NULL, LX_CLI_AUDIT_OPT_NO_STORED},
    {"firm", required_argument, NULL, LX_CLI_AUDIT_OPT_FIRM},
    {"actor", required_argument, NULL, LX_CLI_AUDIT_OPT_ACTOR},
    {"subject", required_argument, NULL, LX_CLI_AUDIT_OPT_SUBJECT},
    {"kind", required_argument, NULL, LX_CLI_AUDIT_OPT_KIND},
    {"action", required_argument, NULL, LX_CLI_AUDIT_OPT_ACTION},
    {"clause", required_argument, NULL, LX_CLI_AUDIT_OPT_CLAUSE},
    {"since", required_argument, NULL, LX_CLI_AUDIT_OPT_SINCE},
    {"until", required_argument, NULL, LX_CLI_AUDIT_OPT_UNTIL},
    {"after", required_argument, NULL, LX_CLI_AUDIT_OPT_AFTER},
    {"limit", required_argument, NULL, LX_CLI_AUDIT_OPT_LIMIT},
    {"new-keys", required_argument, NULL, LX_CLI_AUDIT_OPT_NEW_KEYS},
    {"out", required_argument, NULL, LX_CLI_AUDIT_OPT_OUT},
    {"segment", required_argument, NULL, LX_CLI_AUDIT_OPT_SEGMENT},
    {NULL, 0, NULL, 0},
};

/* A canonical decimal, 0..max. */
bool
cli__audit_parse_num(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0' || (s[0] == '0' && s[1] != '\0')) {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9' || v > (max - (uint64_t)(*s - '0')) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* Lower-case hex into out (cap bytes); false when malformed or too long. */
bool
cli__audit_hex_decode(const char *s, unsigned char *out, size_t cap, size_t *n)
{
    size_t len = strlen(s);

    if (len % 2 != 0 || len / 2 > cap) {
        return false;
    }
    for (size_t i = 0; i < len / 2; i++) {
        int hi = lx_hex_digit_lower(s[2 * i]),
            lo = lx_hex_digit_lower(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    *n = len / 2;
    return true;
}

/* An ISO 8601 instant with an offset, as Unix ms. */
static bool
parse_instant(const char *s, int64_t *out)
{
    int off = 0;

    return lx_time_parse_iso(s, strlen(s), out, &off, NULL) == LX_OK;
}

int
cli__audit_parse_opts(struct lx_cli *cli, int argc, char **argv,
                      unsigned allowed, struct cli__audit_opts *o)
{
    int c;
    int li = -1;

    memset(o, 0, sizeof(*o));
    /* Errors name the option as the table spells it (argv[optind - 1] is
     * its value when it took one): never echo a value, which may be
     * anything the operator typed. */
    while ((c = getopt_long(argc, argv, ":", long_opts, &li)) != -1) {
        bool known = li >= 0;
        const char *name = known ? long_opts[li].name : "?";
        li = -1;
        if (c == ':') {
            return cli_usage("option '%s' needs a value", argv[optind - 1]);
        }
        if (c <= 0 || (c & (c - 1)) != 0 || !(allowed & (unsigned)c)) {
            if (known) {
                return cli_usage("option '--%s' does not apply here", name);
            }
            return cli_usage("unknown option '%s'", argv[optind - 1]);
        }
        switch ((enum cli__audit_opt)c) {
        case LX_CLI_AUDIT_OPT_DB:
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case LX_CLI_AUDIT_OPT_CONFIG:
            break;
        case LX_CLI_AUDIT_OPT_KEYS:
            if (!cli_conf_flag(cli, "keys.dir", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case LX_CLI_AUDIT_OPT_CHECKPOINT:
            if (o->ncheckpoints == LX_CLI_AUDIT_MAX_CHECKPOINTS) {
                return cli_usage("at most %d --checkpoint files",
                                 LX_CLI_AUDIT_MAX_CHECKPOINTS);
            }
            o->checkpoints[o->ncheckpoints++] = optarg;
            break;
        case LX_CLI_AUDIT_OPT_OLD_CHECKPOINT:
            o->old_checkpoint = optarg;
            break;
        case LX_CLI_AUDIT_OPT_TRUST:
            o->trust = optarg;
            break;
        case LX_CLI_AUDIT_OPT_STATE:
            o->state = optarg;
            break;
        case LX_CLI_AUDIT_OPT_JSON:
            o->json = true;
            break;
        case LX_CLI_AUDIT_OPT_EXPORT:
            o->export_dir = optarg;
            break;
        case LX_CLI_AUDIT_OPT_PROOF:
            o->proof = optarg;
            break;
        case LX_CLI_AUDIT_OPT_NEW_KEYS:
            o->new_keys = optarg;
            break;
        case LX_CLI_AUDIT_OPT_OUT:
            o->out = optarg;
            break;
        case LX_CLI_AUDIT_OPT_SEGMENT:
            o->segment = optarg;
            break;
        case LX_CLI_AUDIT_OPT_NO_STORED:
            o->no_stored = true;
            break;
        case LX_CLI_AUDIT_OPT_FIRM:
        case LX_CLI_AUDIT_OPT_ACTOR:
        case LX_CLI_AUDIT_OPT_AFTER:
        case LX_CLI_AUDIT_OPT_LIMIT: {
            uint64_t v = 0;
            if (!cli__audit_parse_num(optarg, INT64_MAX, &v) || v == 0) {
                return cli_usage("option '--%s' wants a whole number >= 1",
                                 name);
            }
            if (c == LX_CLI_AUDIT_OPT_FIRM) {
                o->q.firm = (int64_t)v;
            } else if (c == LX_CLI_AUDIT_OPT_ACTOR) {
                o->q.actor_id = (int64_t)v;
            } else if (c == LX_CLI_AUDIT_OPT_AFTER) {
                o->q.after_seq = v;
            } else if (v > LX_AUDIT_QUERY_MAX_LIMIT) {
                return cli_usage("--limit must be 1..%d",
                                 LX_AUDIT_QUERY_MAX_LIMIT);
            } else {
                o->q.limit = (int)v;
            }
            break;
        }
        case LX_CLI_AUDIT_OPT_SUBJECT:
            if (!cli__audit_hex_decode(optarg, o->subject, sizeof(o->subject),
                                       &o->q.subject_len)) {
                return cli_usage("--subject wants lower-case hex, at most %d "
                                 "bytes",
                                 LX_AUDIT_SUBJECT_MAX);
            }
            o->q.subject = o->subject;
            break;
        case LX_CLI_AUDIT_OPT_KIND:
            o->q.kind = lx_audit_kind_parse(optarg, strlen(optarg));
            if (o->q.kind == LX_AUDIT_KIND_NONE) {
                return cli_usage("--kind must be one of access, handover, "
                                 "deletion, auth, admin, policy, key");
            }
            break;
        case LX_CLI_AUDIT_OPT_ACTION:
            o->q.action = optarg;
            break;
        case LX_CLI_AUDIT_OPT_CLAUSE:
            o->q.clause = optarg;
            break;
        case LX_CLI_AUDIT_OPT_SINCE:
        case LX_CLI_AUDIT_OPT_UNTIL:
            if (!parse_instant(optarg, c == LX_CLI_AUDIT_OPT_SINCE
                                           ? &o->q.from_ms
                                           : &o->q.to_ms)) {
                return cli_usage("option '--%s' wants ISO 8601 with an "
                                 "offset",
                                 name);
            }
            break;
        case LX_CLI_AUDIT_OPT_INDEX:
            o->have_index = cli__audit_parse_num(optarg, INT64_MAX, &o->index);
            if (!o->have_index) {
                return cli_usage("--index wants a whole number");
            }
            break;
        case LX_CLI_AUDIT_OPT_FROM:
            o->have_from = cli__audit_parse_num(optarg, INT64_MAX, &o->from);
            if (!o->have_from || o->from == 0) {
                return cli_usage("--from wants a whole number >= 1");
            }
            break;
        case LX_CLI_AUDIT_OPT_SIZE:
            o->have_size = cli__audit_parse_num(optarg, INT64_MAX, &o->size);
            if (!o->have_size || o->size == 0) {
                return cli_usage("--size wants a whole number >= 1");
            }
            break;
        case LX_CLI_AUDIT_OPT_MAX:
            o->have_max = cli__audit_parse_num(optarg, 256, &o->max);
            if (!o->have_max || o->max == 0) {
                return cli_usage("--max wants a whole number 1..256");
            }
            break;
        }
    }
    if (optind < argc) {
        return cli_usage("unexpected argument '%s'", argv[optind]);
    }
    return LX_CLI_OK;
}

/* ---- files --------------------------------------------------------------- */

/* Append the file at 'path' to b (within b's ceiling). */
lx_rc
cli__audit_read_file(const char *path, const char *what, struct lx_buf *b,
                     struct lx_err *err)
{
    char desc[48], *data = NULL;
    size_t len = 0;
    lx_rc rc;

    snprintf(desc, sizeof(desc), "the %s file", what);
    rc = lx_file_read(path, b->max - b->len, desc, &data, &len, err);
    if (rc == LX_OK) {
        rc = lx_buf_append(b, data, len);
    }
    free(data);
    return rc;
}

/* Parse a trust file: one vkey line each; '#' comments and blank lines. */
lx_rc
cli__audit_load_trust_file(const char *path, struct lx_audit_vkey *v, size_t *n,
                           struct lx_err *err)
{
    struct lx_buf b = LX_BUF_INIT(LX_CLI_AUDIT_FILE_MAX);
    const char *p, *end;
    int line = 0;
    lx_rc rc;

    *n = 0;
    rc = cli__audit_read_file(path, "trust", &b, err);
    if (rc != LX_OK) {
        goto out;
    }
    p = lx_buf_peek(&b);
    end = p + b.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl != NULL ? nl : end) - p);

        line++;
        if (len > 0 && p[len - 1] == '\r') {
            len--;
        }
        if (len > 0 && p[0] != '#') {
            if (*n == LX_CLI_AUDIT_TRUST_MAX) {
                rc = lx_err_set(err, LX_ETOOBIG, NULL,
                                "trust file: more than %d keys",
                                LX_CLI_AUDIT_TRUST_MAX);
                goto out;
            }
            rc = lx_audit_vkey_parse(p, len, &v[*n], err);
            if (rc != LX_OK) {
                char d[sizeof(err->detail)];
                memcpy(d, err->detail, sizeof(d));
                rc = lx_err_set(err, rc, NULL, "%.100s (line %d)", d, line);
                goto out;
            }
            (*n)++;
        }
        if (nl == NULL) {
            break;
        }
        p = nl + 1;
    }
    if (*n == 0) {
        rc = lx_err_set(err, LX_EINVAL, NULL, "trust file holds no key");
    }
out:
    lx_buf_release(&b);
    return rc;
}

lx_rc
cli__audit_open_keys_store(struct lx_cli *cli, struct lx_crypto_keys **keys,
                           struct lx_store **st, struct lx_err *err)
{
    lx_rc rc = lx_crypto_init(err);

    if (rc == LX_OK) {
        rc = lx_crypto_keys_load(cli->conf.keys_dir, keys, err);
    }
    if (rc == LX_OK) {
        rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT,
                            1, st, err);
    }
    return rc;
}

/* The signing public key of keys.dir (signing.pub, 32 bytes). */
lx_rc
cli__audit_load_signing_pub(const char *dir, unsigned char pk[32],
                            struct lx_err *err)
{
    struct lx_buf b = LX_BUF_INIT(64);
    char path[600];
    lx_rc rc;

    if (snprintf(path, sizeof(path), "%s/signing.pub", dir) >=
        (int)sizeof(path)) {
        return lx_err_set(err, LX_EINVAL, "/keys", "key directory too long");
    }
    rc = cli__audit_read_file(path, "signing.pub", &b, err);
    if (rc == LX_OK && b.len != 32) {
        rc = lx_err_set(err, LX_EINVAL, NULL, "signing.pub is not 32 bytes");
    }
    if (rc == LX_OK) {
        memcpy(pk, b.p, 32);
    }
    lx_buf_release(&b);
    return rc;
}

/* ---- store and output ---------------------------------------------------- */

lx_rc
cli__audit_origin_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_audit_origin_tx(tx, arg, err);
}

void
cli__audit_print_b64(FILE *f, const unsigned char *h, size_t n)
{
    struct lx_buf b = LX_BUF_INIT(256);

    if (lx_audit_b64_encode(h, n, &b) == LX_OK) {
        fputs(lx_buf_peek(&b), f);
    }
    lx_buf_release(&b);
}
