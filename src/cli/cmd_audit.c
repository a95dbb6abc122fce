/*
 * cmd_audit — `lexgate audit …`: the tamper-evident log (docs/audit.md).
 *
 *   append           append JSON Lines entries from stdin, all or none
 *   checkpoint       sign a checkpoint of the whole log (store + --export)
 *   vkey             print this log's trust-file line (the verifier key)
 *   verify           recompute and check everything (DESIGN.md interface)
 *   prove            print an inclusion or consistency proof
 *   check-proof      check a proof offline against signed checkpoints
 *   query            filtered, paginated listing (compliance; a firm's own)
 *   rotate-key       log a signing-key rotation and seal the old key's last
 *   export           write entries 1..N as a sealed segment (retention)
 *   check-segment    check such a segment offline
 *   merkle-selftest  print roots and proofs over synthetic leaves, for the
 *                    cross-check against an independent implementation
 *
 * Files a party keeps outside the database — checkpoints, the trust file,
 * the "largest size seen" state — are read and written here; the checks
 * themselves are in audit/.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/file.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "base/utf8.h"
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CHECKPOINTS 64
#define FILE_MAX (64u * 1024u)
#define APPEND_INPUT_MAX (64u * 1024u * 1024u)
#define TRUST_MAX 64
#define STATE_MAGIC "lexgate-audit-seen 1"

enum opt {
    OPT_DB = 1000,
    OPT_CONFIG,
    OPT_KEYS,
    OPT_CHECKPOINT,
    OPT_OLD_CHECKPOINT,
    OPT_TRUST,
    OPT_STATE,
    OPT_JSON,
    OPT_EXPORT,
    OPT_INDEX,
    OPT_FROM,
    OPT_SIZE,
    OPT_PROOF,
    OPT_MAX,
    OPT_NO_STORED,
    OPT_FIRM,
    OPT_ACTOR,
    OPT_SUBJECT,
    OPT_KIND,
    OPT_ACTION,
    OPT_CLAUSE,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_AFTER,
    OPT_LIMIT,
    OPT_NEW_KEYS,
    OPT_OUT,
    OPT_SEGMENT,
};

static const struct option long_opts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"keys", required_argument, NULL, OPT_KEYS},
    {"checkpoint", required_argument, NULL, OPT_CHECKPOINT},
    {"old-checkpoint", required_argument, NULL, OPT_OLD_CHECKPOINT},
    {"trust", required_argument, NULL, OPT_TRUST},
    {"state", required_argument, NULL, OPT_STATE},
    {"json", no_argument, NULL, OPT_JSON},
    {"export", required_argument, NULL, OPT_EXPORT},
    {"index", required_argument, NULL, OPT_INDEX},
    {"from", required_argument, NULL, OPT_FROM},
    {"size", required_argument, NULL, OPT_SIZE},
    {"proof", required_argument, NULL, OPT_PROOF},
    {"max", required_argument, NULL, OPT_MAX},
    {"no-stored", no_argument, NULL, OPT_NO_STORED},
    {"firm", required_argument, NULL, OPT_FIRM},
    {"actor", required_argument, NULL, OPT_ACTOR},
    {"subject", required_argument, NULL, OPT_SUBJECT},
    {"kind", required_argument, NULL, OPT_KIND},
    {"action", required_argument, NULL, OPT_ACTION},
    {"clause", required_argument, NULL, OPT_CLAUSE},
    {"since", required_argument, NULL, OPT_SINCE},
    {"until", required_argument, NULL, OPT_UNTIL},
    {"after", required_argument, NULL, OPT_AFTER},
    {"limit", required_argument, NULL, OPT_LIMIT},
    {"new-keys", required_argument, NULL, OPT_NEW_KEYS},
    {"out", required_argument, NULL, OPT_OUT},
    {"segment", required_argument, NULL, OPT_SEGMENT},
    {NULL, 0, NULL, 0},
};

/* The options of one invocation; 'allowed' is a bit per enum opt. */
struct aopts {
    const char *checkpoints[MAX_CHECKPOINTS];
    int ncheckpoints;
    const char *old_checkpoint;
    const char *trust;
    const char *state;
    const char *export_dir;
    const char *proof;
    const char *new_keys;
    const char *out;
    const char *segment;
    bool json;
    bool no_stored;
    bool have_index, have_from, have_size, have_max;
    uint64_t index, from, size, max;
    struct lx_audit_query q;
    unsigned char subject[LX_AUDIT_SUBJECT_MAX];
};

#define BIT(o) (1ull << ((o)-OPT_DB))

/* A canonical decimal, 0..max. */
static bool
parse_num(const char *s, uint64_t max, uint64_t *out)
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
static bool
hex_decode(const char *s, unsigned char *out, size_t cap, size_t *n)
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

static int
parse_opts(struct lx_cli *cli, int argc, char **argv, uint64_t allowed,
           struct aopts *o)
{
    int c;

    memset(o, 0, sizeof(*o));
    while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
        if (c == ':') {
            return cli_usage("option '%s' needs a value", argv[optind - 1]);
        }
        if (c < OPT_DB || c > OPT_SEGMENT || !(allowed & BIT(c))) {
            return cli_usage("unknown option '%s'", argv[optind - 1]);
        }
        switch ((enum opt)c) {
        case OPT_DB:
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case OPT_CONFIG:
            break;
        case OPT_KEYS:
            if (!cli_conf_flag(cli, "keys.dir", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case OPT_CHECKPOINT:
            if (o->ncheckpoints == MAX_CHECKPOINTS) {
                return cli_usage("at most %d --checkpoint files",
                                 MAX_CHECKPOINTS);
            }
            o->checkpoints[o->ncheckpoints++] = optarg;
            break;
        case OPT_OLD_CHECKPOINT:
            o->old_checkpoint = optarg;
            break;
        case OPT_TRUST:
            o->trust = optarg;
            break;
        case OPT_STATE:
            o->state = optarg;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_EXPORT:
            o->export_dir = optarg;
            break;
        case OPT_PROOF:
            o->proof = optarg;
            break;
        case OPT_NEW_KEYS:
            o->new_keys = optarg;
            break;
        case OPT_OUT:
            o->out = optarg;
            break;
        case OPT_SEGMENT:
            o->segment = optarg;
            break;
        case OPT_NO_STORED:
            o->no_stored = true;
            break;
        case OPT_FIRM:
        case OPT_ACTOR:
        case OPT_AFTER:
        case OPT_LIMIT: {
            uint64_t v = 0;
            if (!parse_num(optarg, INT64_MAX, &v) || v == 0) {
                return cli_usage("option '%s' wants a whole number >= 1",
                                 argv[optind - 1]);
            }
            if (c == OPT_FIRM) {
                o->q.firm = (int64_t)v;
            } else if (c == OPT_ACTOR) {
                o->q.actor_id = (int64_t)v;
            } else if (c == OPT_AFTER) {
                o->q.after_seq = v;
            } else if (v > LX_AUDIT_QUERY_MAX_LIMIT) {
                return cli_usage("--limit must be 1..%d",
                                 LX_AUDIT_QUERY_MAX_LIMIT);
            } else {
                o->q.limit = (int)v;
            }
            break;
        }
        case OPT_SUBJECT:
            if (!hex_decode(optarg, o->subject, sizeof(o->subject),
                            &o->q.subject_len)) {
                return cli_usage("--subject wants lower-case hex, at most %d "
                                 "bytes",
                                 LX_AUDIT_SUBJECT_MAX);
            }
            o->q.subject = o->subject;
            break;
        case OPT_KIND:
            o->q.kind = lx_audit_kind_parse(optarg, strlen(optarg));
            if (o->q.kind == LX_AUDIT_KIND_NONE) {
                return cli_usage("--kind must be one of access, handover, "
                                 "deletion, auth, admin, policy, key");
            }
            break;
        case OPT_ACTION:
            o->q.action = optarg;
            break;
        case OPT_CLAUSE:
            o->q.clause = optarg;
            break;
        case OPT_SINCE:
        case OPT_UNTIL:
            if (!parse_instant(optarg,
                               c == OPT_SINCE ? &o->q.from_ms : &o->q.to_ms)) {
                return cli_usage("option '%s' wants ISO 8601 with an offset",
                                 argv[optind - 1]);
            }
            break;
        case OPT_INDEX:
            o->have_index = parse_num(optarg, INT64_MAX, &o->index);
            if (!o->have_index) {
                return cli_usage("--index wants a whole number");
            }
            break;
        case OPT_FROM:
            o->have_from = parse_num(optarg, INT64_MAX, &o->from);
            if (!o->have_from || o->from == 0) {
                return cli_usage("--from wants a whole number >= 1");
            }
            break;
        case OPT_SIZE:
            o->have_size = parse_num(optarg, INT64_MAX, &o->size);
            if (!o->have_size || o->size == 0) {
                return cli_usage("--size wants a whole number >= 1");
            }
            break;
        case OPT_MAX:
            o->have_max = parse_num(optarg, 256, &o->max);
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

/* Read a whole small file into 'b'. */
/* Append the file at 'path' to b (within b's ceiling). */
static lx_rc
read_file(const char *path, const char *what, struct lx_buf *b,
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
static lx_rc
load_trust_file(const char *path, struct lx_audit_vkey *v, size_t *n,
                struct lx_err *err)
{
    struct lx_buf b = LX_BUF_INIT(FILE_MAX);
    const char *p, *end;
    int line = 0;
    lx_rc rc;

    *n = 0;
    rc = read_file(path, "trust", &b, err);
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
            if (*n == TRUST_MAX) {
                rc = lx_err_set(err, LX_ETOOBIG, NULL,
                                "trust file: more than %d keys", TRUST_MAX);
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

/* The signing public key of keys.dir (signing.pub, 32 bytes). */
static lx_rc
load_signing_pub(const char *dir, unsigned char pk[32], struct lx_err *err)
{
    struct lx_buf b = LX_BUF_INIT(64);
    char path[600];
    lx_rc rc;

    if (snprintf(path, sizeof(path), "%s/signing.pub", dir) >=
        (int)sizeof(path)) {
        return lx_err_set(err, LX_EINVAL, "/keys", "key directory too long");
    }
    rc = read_file(path, "signing.pub", &b, err);
    if (rc == LX_OK && b.len != 32) {
        rc = lx_err_set(err, LX_EINVAL, NULL, "signing.pub is not 32 bytes");
    }
    if (rc == LX_OK) {
        memcpy(pk, b.p, 32);
    }
    lx_buf_release(&b);
    return rc;
}

/* ---- store helpers ------------------------------------------------------- */

static lx_rc
origin_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    return lx_audit_origin_tx(tx, arg, err);
}

/* The trust list: --trust FILE, else keys.dir/signing.pub named by this
 * log's origin. */
static lx_rc
load_trust(struct lx_cli *cli, const struct aopts *o, struct lx_store *st,
           struct lx_audit_vkey *v, size_t *n, struct lx_err *err)
{
    char origin[LX_AUDIT_ORIGIN_MAX + 1];
    lx_rc rc;

    if (o->trust != NULL) {
        return load_trust_file(o->trust, v, n, err);
    }
    if (st == NULL) {
        return lx_err_set(err, LX_EINVAL, NULL, "give --trust FILE");
    }
    rc = lx_store_read(st, origin_unit, origin, err);
    if (rc == LX_OK) {
        rc = load_signing_pub(cli->conf.keys_dir, v[0].pk, err);
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

/* ---- append -------------------------------------------------------------- */

struct append_req {
    json_t **items;
    size_t n;
    int64_t now_ms;
};

static const char *
jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool
jint(json_t *o, const char *key, int64_t dflt, int64_t *out)
{
    json_t *v = json_object_get(o, key);

    if (v == NULL) {
        *out = dflt;
        return true;
    }
    if (!json_is_integer(v)) {
        return false;
    }
    *out = (int64_t)json_integer_value(v);
    return true;
}

/* Build entry e from object j (strings borrowed from j). */
static lx_rc
entry_from_json(json_t *j, int64_t now_ms, struct lx_audit_entry *e,
                unsigned char *subject, size_t line, struct lx_err *err)
{
    static const char *const known[] = {
        "kind",        "time_ms",    "actor_kind", "actor_id",
        "actor_firm",  "actor_role", "action",     "resource_type",
        "resource_id", "subject",    "field",      "purpose",
        "decision",    "reason",     "clause",     "request_id",
    };
    const char *kind = jstr(j, "kind"), *subj = jstr(j, "subject"), *key;
    int64_t ak = 0;
    json_t *val;

    memset(e, 0, sizeof(*e));
    json_object_foreach(j, key, val)
    {
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(*known); i++) {
            ok = ok || strcmp(key, known[i]) == 0;
        }
        if (!ok || !(json_is_string(val) || json_is_integer(val))) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "line %zu: unknown or mistyped member", line);
        }
    }
    e->kind = kind != NULL ? lx_audit_kind_parse(kind, strlen(kind))
                           : LX_AUDIT_KIND_NONE;
    if (e->kind == LX_AUDIT_KIND_NONE) {
        return lx_err_set(err, LX_EINVAL, "/kind",
                          "line %zu: kind must be one of access, handover, "
                          "deletion, auth, admin, policy, key",
                          line);
    }
    if (!jint(j, "time_ms", now_ms, &e->time_ms) ||
        !jint(j, "actor_kind", 0, &ak) || ak < 0 || ak > 255 ||
        !jint(j, "actor_id", 0, &e->actor_id) ||
        !jint(j, "actor_firm", 0, &e->actor_firm)) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "line %zu: a number member is out of range", line);
    }
    e->actor_kind = (int)ak;
    e->actor_role = jstr(j, "actor_role");
    e->action = jstr(j, "action");
    e->resource_type = jstr(j, "resource_type");
    e->resource_id = jstr(j, "resource_id");
    e->field = jstr(j, "field");
    e->purpose = jstr(j, "purpose");
    e->decision = jstr(j, "decision");
    e->reason = jstr(j, "reason");
    e->clause = jstr(j, "clause");
    e->request_id = jstr(j, "request_id");
    if (subj != NULL) {
        if (!hex_decode(subj, subject, LX_AUDIT_SUBJECT_MAX, &e->subject_len)) {
            return lx_err_set(err, LX_EINVAL, "/subject",
                              "line %zu: subject must be lower-case hex, at "
                              "most %d bytes",
                              line, LX_AUDIT_SUBJECT_MAX);
        }
        e->subject = subject;
    }
    return LX_OK;
}

static lx_rc
append_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct append_req *q = arg;
    unsigned char subject[LX_AUDIT_SUBJECT_MAX];
    struct lx_audit_entry e;
    lx_rc rc = LX_OK;

    for (size_t i = 0; i < q->n && rc == LX_OK; i++) {
        rc = entry_from_json(q->items[i], q->now_ms, &e, subject, i + 1, err);
        if (rc == LX_OK) {
            rc = lx_audit_append_tx(tx, &e, err);
        }
    }
    return rc;
}

int
cmd_audit_append(struct lx_cli *cli, int argc, char **argv)
{
    static const struct lx_json_limits lim = {
        .max_bytes = 64 * 1024, .max_depth = 2, .max_string_bytes = 4096};
    struct append_req q = {0};
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct aopts o;
    char *in = NULL;
    size_t len = 0, cap = 0;
    int status;
    lx_rc rc = LX_OK;

    status = parse_opts(cli, argc, argv, BIT(OPT_DB) | BIT(OPT_CONFIG), &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    if (!cli_read_stdin(APPEND_INPUT_MAX, &in, &len)) {
        return LX_CLI_USAGE;
    }
    for (char *p = in, *end = in + len; p < end && rc == LX_OK;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl != NULL ? nl : end) - p);
        json_t *j = NULL;

        if (n > 0) {
            rc = lx_json_parse(p, n, &lim, &j, &err);
            if (rc == LX_OK && !json_is_object(j)) {
                rc = lx_err_set(&err, LX_EINVAL, NULL,
                                "line %zu: not a JSON object", q.n + 1);
            }
            if (rc == LX_OK) {
                if (q.n == cap) {
                    cap = cap ? cap * 2 : 64;
                    q.items = lx_xrealloc(q.items, cap * sizeof(*q.items));
                }
                q.items[q.n++] = j;
                j = NULL;
            }
            json_decref(j);
        }
        p += n + 1;
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, true);
        goto out;
    }
    rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                           &st, &err);
    if (rc == LX_OK) {
        q.now_ms = lx_time_now_ms();
        rc = lx_store_write(st, append_unit, &q, &err);
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, true);
        goto out;
    }
    printf("appended %zu entr%s\n", q.n, q.n == 1 ? "y" : "ies");
out:
    for (size_t i = 0; i < q.n; i++) {
        json_decref(q.items[i]);
    }
    free(q.items);
    free(in);
    lx_store_close(st);
    return status;
}

/* ---- checkpoint and vkey ------------------------------------------------- */

struct cp_req {
    const struct lx_crypto_keys *keys;
    int64_t now_ms;
    struct lx_buf note;
};

static lx_rc
checkpoint_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct cp_req *q = arg;

    lx_buf_reset(&q->note);
    return lx_audit_checkpoint_tx(tx, q->keys, q->now_ms, &q->note, err);
}

int
cmd_audit_checkpoint(struct lx_cli *cli, int argc, char **argv)
{
    struct cp_req q = {.note = LX_BUF_INIT(LX_AUDIT_NOTE_MAX)};
    struct lx_crypto_keys *keys = NULL;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct aopts o;
    int status;
    lx_rc rc;

    status = parse_opts(
        cli, argc, argv,
        BIT(OPT_DB) | BIT(OPT_CONFIG) | BIT(OPT_KEYS) | BIT(OPT_EXPORT), &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    rc = lx_crypto_init(&err);
    if (rc == LX_OK) {
        rc = lx_crypto_keys_load(cli->conf.keys_dir, &keys, &err);
    }
    if (rc == LX_OK) {
        rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                           &st, &err);
    }
    if (rc == LX_OK) {
        q.keys = keys;
        q.now_ms = lx_time_now_ms();
        rc = lx_store_write(st, checkpoint_unit, &q, &err);
    }
    if (rc == LX_OK && o.export_dir != NULL) {
        rc = lx_audit_checkpoint_export(o.export_dir, q.note.p, q.note.len,
                                        &err);
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, true);
    } else {
        fwrite(q.note.p, 1, q.note.len, stdout);
    }
    lx_buf_release(&q.note);
    lx_store_close(st);
    lx_crypto_keys_free(keys);
    return status;
}

int
cmd_audit_vkey(struct lx_cli *cli, int argc, char **argv)
{
    struct lx_buf line = LX_BUF_INIT(1024);
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    char origin[LX_AUDIT_ORIGIN_MAX + 1];
    unsigned char pk[32];
    struct aopts o;
    int status;
    lx_rc rc;

    status = parse_opts(cli, argc, argv,
                        BIT(OPT_DB) | BIT(OPT_CONFIG) | BIT(OPT_KEYS), &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                           &st, &err);
    if (rc == LX_OK) {
        rc = lx_store_read(st, origin_unit, origin, &err);
    }
    if (rc == LX_OK) {
        rc = load_signing_pub(cli->conf.keys_dir, pk, &err);
    }
    if (rc == LX_OK) {
        rc = lx_audit_vkey_format(origin, pk, &line);
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, true);
    } else {
        printf("%s\n", lx_buf_peek(&line));
    }
    lx_buf_release(&line);
    lx_store_close(st);
    return status;
}

/* ---- verify -------------------------------------------------------------- */

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
    rc = read_file(path, "state", &b, err);
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
    if (!parse_num(num, INT64_MAX, &vo->seen_size) ||
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

static void
print_b64(FILE *f, const unsigned char *h, size_t n)
{
    struct lx_buf b = LX_BUF_INIT(256);

    if (lx_audit_b64_encode(h, n, &b) == LX_OK) {
        fputs(lx_buf_peek(&b), f);
    }
    lx_buf_release(&b);
}

int
cmd_audit_verify(struct lx_cli *cli, int argc, char **argv)
{
    struct lx_audit_vkey trust[TRUST_MAX];
    struct lx_buf notes[MAX_CHECKPOINTS];
    const char *note_p[MAX_CHECKPOINTS];
    size_t note_n[MAX_CHECKPOINTS], ntrust = 0;
    struct verify_req q;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct aopts o;
    const struct lx_audit_report *r = &q.rep;
    int status;
    lx_rc rc;

    memset(&q, 0, sizeof(q));
    for (int i = 0; i < MAX_CHECKPOINTS; i++) {
        lx_buf_init(&notes[i], LX_AUDIT_NOTE_MAX + 1);
    }
    status = parse_opts(cli, argc, argv,
                        BIT(OPT_DB) | BIT(OPT_CONFIG) | BIT(OPT_KEYS) |
                            BIT(OPT_CHECKPOINT) | BIT(OPT_TRUST) |
                            BIT(OPT_STATE) | BIT(OPT_JSON) | BIT(OPT_NO_STORED),
                        &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    rc = lx_crypto_init(&err);
    for (int i = 0; i < o.ncheckpoints && rc == LX_OK; i++) {
        rc = read_file(o.checkpoints[i], "checkpoint", &notes[i], &err);
        note_p[i] = lx_buf_peek(&notes[i]);
        note_n[i] = notes[i].len;
    }
    if (rc == LX_OK && o.state != NULL) {
        rc = read_state(o.state, &q.vo, &err);
    }
    if (rc == LX_OK) {
        rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                           &st, &err);
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
        print_b64(stdout, r->root, LX_AUDIT_HASH_BYTES);
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
        print_b64(stdout, r->root, LX_AUDIT_HASH_BYTES);
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
    for (int i = 0; i < MAX_CHECKPOINTS; i++) {
        lx_buf_release(&notes[i]);
    }
    lx_store_close(st);
    return status;
}

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
    struct aopts o;
    size_t len = 0;
    int status;
    lx_rc rc;

    status = parse_opts(cli, argc, argv,
                        BIT(OPT_DB) | BIT(OPT_CONFIG) | BIT(OPT_INDEX) |
                            BIT(OPT_FROM) | BIT(OPT_SIZE),
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
        print_b64(stdout, q.leaves[o.index], LX_AUDIT_HASH_BYTES);
        printf("\n");
    } else {
        printf("lexgate-proof consistency\nfrom %llu\nsize %llu\n",
               (unsigned long long)o.from, (unsigned long long)q.n);
    }
    for (size_t i = 0; i < len; i++) {
        printf("path ");
        print_b64(stdout, proof[i], LX_AUDIT_HASH_BYTES);
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
    return parse_num(num, INT64_MAX, out);
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

    rc = read_file(path, "checkpoint", &b, err);
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
    struct lx_audit_vkey trust[TRUST_MAX];
    struct lx_audit_head head, old;
    struct lx_buf text = LX_BUF_INIT(FILE_MAX);
    struct proof_file *pf = lx_xmalloc(sizeof(*pf));
    struct lx_err err = {0};
    struct aopts o;
    size_t ntrust = 0;
    int status;
    lx_rc rc;

    status = parse_opts(cli, argc, argv,
                        BIT(OPT_CONFIG) | BIT(OPT_PROOF) | BIT(OPT_CHECKPOINT) |
                            BIT(OPT_OLD_CHECKPOINT) | BIT(OPT_TRUST),
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
        rc = read_file(o.proof, "proof", &text, &err);
    }
    if (rc == LX_OK) {
        rc = parse_proof(lx_buf_peek(&text), text.len, pf, &err);
    }
    if (rc == LX_OK) {
        rc = load_trust_file(o.trust, trust, &ntrust, &err);
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
    struct aopts o;
    uint64_t max;
    size_t len;
    int status, bad = 0;

    status = parse_opts(cli, argc, argv, BIT(OPT_CONFIG) | BIT(OPT_MAX), &o);
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

/* ---- query --------------------------------------------------------------- */

struct query_req {
    struct lx_audit_query q;
    uint64_t next_after;
    struct lx_buf line;
    size_t rows;
};

static lx_rc
print_row(void *arg, const struct lx_audit_entry *e)
{
    static const char *const keys[] = {
        "actor_role", "action",   "resource_type", "resource_id", "field",
        "purpose",    "decision", "reason",        "clause",      "request_id",
    };
    const char *vals[] = {
        e->actor_role, e->action,     e->resource_type, e->resource_id,
        e->field,      e->purpose,    e->decision,      e->reason,
        e->clause,     e->request_id,
    };
    struct query_req *q = arg;
    struct lx_buf *b = &q->line;
    const char *kind = lx_audit_kind_name(e->kind);
    lx_rc rc;

    lx_buf_reset(b);
    rc = lx_buf_printf(b,
                       "{\"seq\":%llu,\"time_ms\":%lld,\"kind\":\"%s\","
                       "\"actor_kind\":%d,\"actor_id\":%lld,"
                       "\"actor_firm\":%lld,\"subject\":\"",
                       (unsigned long long)e->seq, (long long)e->time_ms,
                       kind != NULL ? kind : "", e->actor_kind,
                       (long long)e->actor_id, (long long)e->actor_firm);
    for (size_t i = 0; i < e->subject_len && rc == LX_OK; i++) {
        rc = lx_buf_printf(b, "%02x", e->subject[i]);
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(b, "\"", 1);
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys) && rc == LX_OK; i++) {
        rc = lx_buf_printf(b, ",\"%s\":", keys[i]);
        if (rc == LX_OK) {
            rc = lx_buf_append_json_str(b, vals[i], strlen(vals[i]));
        }
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(b, "}\n", 2);
    }
    if (rc == LX_OK) {
        fwrite(b->p, 1, b->len, stdout);
        q->rows++;
    }
    return rc;
}

static lx_rc
query_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct query_req *q = arg;

    return lx_audit_query_tx(tx, &q->q, print_row, q, &q->next_after, err);
}

int
cmd_audit_query(struct lx_cli *cli, int argc, char **argv)
{
    struct query_req q = {.line = LX_BUF_INIT(64 * 1024)};
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct aopts o;
    int status;
    lx_rc rc;

    status = parse_opts(cli, argc, argv,
                        BIT(OPT_DB) | BIT(OPT_CONFIG) | BIT(OPT_FIRM) |
                            BIT(OPT_ACTOR) | BIT(OPT_SUBJECT) | BIT(OPT_KIND) |
                            BIT(OPT_ACTION) | BIT(OPT_CLAUSE) | BIT(OPT_SINCE) |
                            BIT(OPT_UNTIL) | BIT(OPT_AFTER) | BIT(OPT_LIMIT),
                        &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    q.q = o.q;
    rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                           &st, &err);
    if (rc == LX_OK) {
        rc = lx_store_read(st, query_unit, &q, &err);
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, true);
    } else if (q.next_after != 0) {
        printf("{\"next_after\":%llu}\n", (unsigned long long)q.next_after);
    }
    lx_buf_release(&q.line);
    lx_store_close(st);
    return status;
}

/* ---- rotate-key ---------------------------------------------------------- */

struct rotate_req {
    const struct lx_crypto_keys *keys;
    int64_t now_ms;
    char new_id[2 * LX_AUDIT_KEY_ID_BYTES + 1];
    char origin[LX_AUDIT_ORIGIN_MAX + 1];
    struct lx_buf note;
};

/* One transaction: the rotation entry, then a checkpoint covering it
 * signed with the outgoing key — the last size that key may sign. */
static lx_rc
rotate_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct rotate_req *q = arg;
    struct lx_audit_entry e = {
        .time_ms = q->now_ms,
        .kind = LX_AUDIT_KEY,
        .actor_kind = 1, /* LX_ACTOR_SYSTEM */
        .action = "rotate_signing_key",
        .resource_type = "signing_key",
        .resource_id = q->new_id,
        .decision = "done",
        .clause = "C4.3",
    };
    lx_rc rc;

    rc = lx_audit_origin_tx(tx, q->origin, err);
    if (rc == LX_OK) {
        rc = lx_audit_append_tx(tx, &e, err);
    }
    if (rc == LX_OK) {
        lx_buf_reset(&q->note);
        rc = lx_audit_checkpoint_tx(tx, q->keys, q->now_ms, &q->note, err);
    }
    return rc;
}

int
cmd_audit_rotate_key(struct lx_cli *cli, int argc, char **argv)
{
    struct rotate_req q = {.note = LX_BUF_INIT(LX_AUDIT_NOTE_MAX)};
    struct lx_buf old_line = LX_BUF_INIT(1024), new_line = LX_BUF_INIT(1024);
    struct lx_crypto_keys *keys = NULL;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    unsigned char new_pk[32], id[LX_AUDIT_KEY_ID_BYTES];
    uint64_t size = 0;
    struct aopts o;
    int status;
    lx_rc rc;

    status = parse_opts(cli, argc, argv,
                        BIT(OPT_DB) | BIT(OPT_CONFIG) | BIT(OPT_KEYS) |
                            BIT(OPT_NEW_KEYS) | BIT(OPT_EXPORT),
                        &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    if (o.new_keys == NULL) {
        return cli_usage("give --new-keys DIR (made by 'lexgate init')");
    }
    rc = lx_crypto_init(&err);
    if (rc == LX_OK) {
        rc = lx_crypto_keys_load(cli->conf.keys_dir, &keys, &err);
    }
    if (rc == LX_OK) {
        rc = load_signing_pub(o.new_keys, new_pk, &err);
    }
    if (rc == LX_OK && memcmp(new_pk, keys->sign_pk, sizeof(new_pk)) == 0) {
        rc = lx_err_set(&err, LX_EINVAL, "/new-keys",
                        "the new signing key is the current one");
    }
    if (rc == LX_OK) {
        rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                           &st, &err);
    }
    if (rc == LX_OK) {
        char origin[LX_AUDIT_ORIGIN_MAX + 1];
        rc = lx_store_read(st, origin_unit, origin, &err);
        if (rc == LX_OK) {
            lx_audit_key_id(origin, new_pk, id);
            snprintf(q.new_id, sizeof(q.new_id), "%02x%02x%02x%02x", id[0],
                     id[1], id[2], id[3]);
        }
    }
    if (rc == LX_OK) {
        q.keys = keys;
        q.now_ms = lx_time_now_ms();
        rc = lx_store_write(st, rotate_unit, &q, &err);
    }
    if (rc == LX_OK && !lx_audit_note_size(q.note.p, q.note.len, &size)) {
        rc = lx_err_set(&err, LX_EINTERNAL, NULL, "bad checkpoint note");
    }
    if (rc == LX_OK && o.export_dir != NULL) {
        rc = lx_audit_checkpoint_export(o.export_dir, q.note.p, q.note.len,
                                        &err);
    }
    if (rc == LX_OK) {
        rc = lx_audit_vkey_format(q.origin, keys->sign_pk, &old_line);
    }
    if (rc == LX_OK) {
        rc = lx_audit_vkey_format(q.origin, new_pk, &new_line);
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, true);
    } else {
        /* The trust file's new lines: the outgoing key retired at the
         * checkpoint just signed, and the incoming key. */
        printf("%s until=%llu\n%s\n", lx_buf_peek(&old_line),
               (unsigned long long)size, lx_buf_peek(&new_line));
    }
    lx_buf_release(&old_line);
    lx_buf_release(&new_line);
    lx_buf_release(&q.note);
    lx_store_close(st);
    lx_crypto_keys_free(keys);
    return status;
}

/* ---- sealed segments ----------------------------------------------------- */

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
    struct aopts o;
    int status, fd = -1;
    lx_rc rc;

    status = parse_opts(cli, argc, argv,
                        BIT(OPT_DB) | BIT(OPT_CONFIG) | BIT(OPT_KEYS) |
                            BIT(OPT_SIZE) | BIT(OPT_OUT),
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
    rc = lx_crypto_init(&err);
    if (rc == LX_OK) {
        rc = lx_crypto_keys_load(cli->conf.keys_dir, &keys, &err);
    }
    if (rc == LX_OK) {
        rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                           &st, &err);
    }
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
    struct lx_audit_vkey trust[TRUST_MAX];
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
    struct aopts o;
    FILE *f = NULL;
    bool too_long = false;
    int status;
    lx_rc rc;

    lx_audit_frontier_init(fr);
    status =
        parse_opts(cli, argc, argv,
                   BIT(OPT_CONFIG) | BIT(OPT_SEGMENT) | BIT(OPT_TRUST), &o);
    if (status != LX_CLI_OK) {
        goto out;
    }
    if (o.segment == NULL || o.trust == NULL) {
        status = cli_usage("give --segment FILE and --trust FILE");
        goto out;
    }
    rc = lx_crypto_init(&err);
    if (rc == LX_OK) {
        rc = load_trust_file(o.trust, trust, &ntrust, &err);
    }
    if (rc == LX_OK && (f = fopen(o.segment, "rb")) == NULL) {
        rc = lx_err_set(&err, LX_EIO, "/segment",
                        "cannot open the segment file (%s)", strerror(errno));
    }
    if (rc == LX_OK &&
        (!read_line(f, &line, &too_long) ||
         strcmp(lx_buf_peek(&line), SEGMENT_MAGIC) != 0 ||
         !read_line(f, &line, &too_long) ||
         !parse_num(lx_buf_peek(&line), INT64_MAX, &size) || size == 0)) {
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
