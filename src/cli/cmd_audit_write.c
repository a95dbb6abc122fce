/*
 * cmd_audit_write — `lexgate audit` verbs that add to the log or speak for
 * its signing key (docs/audit.md).
 *
 *   append      append JSON Lines entries from stdin, all or none
 *   checkpoint  sign a checkpoint of the whole log (store + --export)
 *   vkey        print this log's trust-file line (the verifier key)
 *   rotate-key  log a signing-key rotation and seal the old key's last
 *
 * A command writes in one store unit: appended entries commit all or none,
 * and a rotation record commits with the checkpoint that seals the outgoing
 * key. Options and key files are parsed by cmd_audit_common.c.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/time.h"
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define APPEND_INPUT_MAX (64u * 1024u * 1024u)

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
        if (!cli__audit_hex_decode(subj, subject, LX_AUDIT_SUBJECT_MAX,
                                   &e->subject_len)) {
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
    struct cli__audit_opts o;
    char *in = NULL;
    size_t len = 0, cap = 0;
    int status;
    lx_rc rc = LX_OK;

    status = cli__audit_parse_opts(
        cli, argc, argv, LX_CLI_AUDIT_OPT_DB | LX_CLI_AUDIT_OPT_CONFIG, &o);
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
    struct cli__audit_opts o;
    int status;
    lx_rc rc;

    status = cli__audit_parse_opts(
        cli, argc, argv,
        LX_CLI_AUDIT_OPT_DB | LX_CLI_AUDIT_OPT_CONFIG | LX_CLI_AUDIT_OPT_KEYS |
            LX_CLI_AUDIT_OPT_EXPORT,
        &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    rc = cli__audit_open_keys_store(cli, &keys, &st, &err);
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
    struct cli__audit_opts o;
    int status;
    lx_rc rc;

    status = cli__audit_parse_opts(
        cli, argc, argv,
        LX_CLI_AUDIT_OPT_DB | LX_CLI_AUDIT_OPT_CONFIG | LX_CLI_AUDIT_OPT_KEYS,
        &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                        &st, &err);
    if (rc == LX_OK) {
        rc = lx_store_read(st, cli__audit_origin_unit, origin, &err);
    }
    if (rc == LX_OK) {
        rc = cli__audit_load_signing_pub(cli->conf.keys_dir, pk, &err);
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
    struct cli__audit_opts o;
    int status;
    lx_rc rc;

    status = cli__audit_parse_opts(
        cli, argc, argv,
        LX_CLI_AUDIT_OPT_DB | LX_CLI_AUDIT_OPT_CONFIG | LX_CLI_AUDIT_OPT_KEYS |
            LX_CLI_AUDIT_OPT_NEW_KEYS | LX_CLI_AUDIT_OPT_EXPORT,
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
        rc = cli__audit_load_signing_pub(o.new_keys, new_pk, &err);
    }
    if (rc == LX_OK && memcmp(new_pk, keys->sign_pk, sizeof(new_pk)) == 0) {
        rc = lx_err_set(&err, LX_EINVAL, "/new-keys",
                        "the new signing key is the current one");
    }
    if (rc == LX_OK) {
        rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT,
                            1, &st, &err);
    }
    if (rc == LX_OK) {
        char origin[LX_AUDIT_ORIGIN_MAX + 1];
        rc = lx_store_read(st, cli__audit_origin_unit, origin, &err);
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
