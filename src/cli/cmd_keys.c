/*
 * cmd_keys — `lexgate keys rotate`: replace the master key (docs/vault.md).
 *
 *   keys rotate           create master.key.next (0600) unless a rotation
 *                         is under way, re-wrap every wrapped key under it
 *                         in batches (each batch one transaction, so a
 *                         crashed run resumes where it stopped), then make
 *                         it master.key and keep the previous key as
 *                         master.key.old;
 *   keys rotate --prepare only create master.key.next, so daemons can be
 *                         restarted to load it before anything is
 *                         re-wrapped (zero downtime);
 *   keys rotate --finish  re-wrap anything still under another key (a
 *                         process that ran with the old key only), then
 *                         overwrite and delete master.key.old.
 *
 * Every loaded key opens during the rotation: lx_crypto_keys_load() loads
 * master.key, master.key.next and master.key.old alike.
 */
#include "base/ctx.h"
#include "base/time.h"
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "store/store.h"
#include "vault/vault.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_DEFAULT 100
#define BATCH_MAX 1000

static bool
key_file_exists(const char *dir, const char *name)
{
    char path[1024];

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
        return false;
    }
    return access(path, F_OK) == 0;
}

/* Re-wrap until nothing is left under another key; *total gets the count. */
static lx_rc
rewrap_all(struct lx_ctx *ctx, size_t batch, int64_t *total)
{
    int64_t done = 0, left = 1;
    lx_rc rc = LX_OK;

    *total = 0;
    while (left > 0) {
        rc = lx_vault_rewrap(ctx, batch, &done, &left);
        if (rc != LX_OK) {
            break;
        }
        *total += done;
    }
    return rc;
}

int
cmd_keys_rotate(struct lx_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"keys", required_argument, NULL, 'k'},
        {"batch", required_argument, NULL, 'b'},
        {"finish", no_argument, NULL, 'f'},
        {"prepare", no_argument, NULL, 'p'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct lx_crypto_keys *keys = NULL;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct lx_ctx ctx;
    bool finish = false, prepare = false, have_ctx = false;
    size_t batch = BATCH_DEFAULT;
    int64_t total = 0;
    const char *dir;
    int c, status = LX_CLI_OK;
    lx_rc rc;

    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case 'k':
            if (!cli_conf_flag(cli, "keys.dir", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case 'b': {
            char *end = NULL;
            long v;

            errno = 0;
            v = strtol(optarg, &end, 10);
            if (errno != 0 || end == optarg || *end != '\0' || v < 1 ||
                v > BATCH_MAX) {
                return cli_usage("--batch must be 1..%d", BATCH_MAX);
            }
            batch = (size_t)v;
            break;
        }
        case 'f':
            finish = true;
            break;
        case 'p':
            prepare = true;
            break;
        case 'c':
            break;
        case ':':
        default:
            return cli_bad_option(c, argv, optind);
        }
    }
    if (optind < argc) {
        return cli_usage("unexpected argument '%s'", argv[optind]);
    }
    if (finish && prepare) {
        return cli_usage("--prepare and --finish exclude each other");
    }
    dir = cli->conf.keys_dir;
    if (finish && key_file_exists(dir, "master.key.next")) {
        lx_err_set(&err, LX_ECONFLICT, "/keys",
                   "a rotation is under way (master.key.next exists);"
                   " run 'lexgate keys rotate' first");
        return cli_fail(&err, false);
    }
    if (!finish && !key_file_exists(dir, "master.key.next") &&
        key_file_exists(dir, "master.key.old")) {
        lx_err_set(&err, LX_ECONFLICT, "/keys",
                   "master.key.old exists; finish the previous rotation"
                   " with 'lexgate keys rotate --finish'");
        return cli_fail(&err, false);
    }

    rc = lx_crypto_init(&err);
    if (rc == LX_OK && !finish && !key_file_exists(dir, "master.key.next")) {
        rc = lx_crypto_master_next_create(dir, &err);
    }
    if (prepare) {
        if (rc != LX_OK) {
            return cli_fail(&err, false);
        }
        printf("lexgate: master.key.next is ready; restart the daemons so"
               " they load it, then run 'lexgate keys rotate'\n");
        return LX_CLI_OK;
    }
    if (rc == LX_OK) {
        rc = lx_crypto_keys_load(dir, &keys, &err);
    }
    if (rc == LX_OK) {
        rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_MIGRATE,
                            1, &st, &err);
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    cli->app.store = st;
    cli->app.keys = keys;
    lx_ctx_init(&ctx, &cli->app, lx_time_now_ms());
    have_ctx = true;
    ctx.actor.kind = LX_ACTOR_SYSTEM;
    snprintf(ctx.req_id, sizeof(ctx.req_id), "cli-keys-rotate");

    rc = rewrap_all(&ctx, batch, &total);
    if (rc != LX_OK) {
        /* Batches already committed stay done; a rerun resumes. */
        status = cli_fail(&ctx.err, false);
        goto out;
    }
    if (finish) {
        rc = lx_crypto_master_retire(dir, &err);
        if (rc != LX_OK) {
            status = cli_fail(&err, false);
            goto out;
        }
        printf("lexgate: rotation finished: %lld key(s) re-wrapped;"
               " master.key.old destroyed\n",
               (long long)total);
        goto out;
    }
    rc = lx_crypto_master_promote(dir, &err);
    if (rc != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    printf("lexgate: %lld key(s) re-wrapped; master.key replaced, the"
           " previous key kept as master.key.old until"
           " 'lexgate keys rotate --finish'\n",
           (long long)total);
out:
    if (have_ctx) {
        lx_ctx_release(&ctx);
    }
    cli->app.store = NULL;
    cli->app.keys = NULL;
    lx_store_close(st);
    lx_crypto_keys_free(keys);
    return status;
}
