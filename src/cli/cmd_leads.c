/*
 * cmd_leads — operators' lead-trading detection (C5.9, docs/leads.md):
 *
 *   leads detect   run every detector at now, record each signal in the
 *                  violation ledger (idempotent) and print one JSON line
 *                  per signal: kind, clause, firm, staff, leads, count,
 *                  severity (and sessions for sharing, canary for a hit);
 *   leads canary   seed a canary lead for one firm; prints its id.
 *
 * Output carries ids and counts only, never personal data.
 */
#include "base/buf.h"
#include "base/err.h"
#include "base/time.h"
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "leads/leads.h"
#include "leads/leads.h"
#include "store/store.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void
put_ids(struct lx_buf *b, const char *key, const int64_t *ids, size_t n)
{
    lx_buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        lx_buf_printf(b, "%s%" PRId64, i > 0 ? "," : "", ids[i]);
    }
    lx_buf_printf(b, "]");
}

static lx_rc
print_signal(void *arg, const struct lx_leads_signal *s)
{
    struct lx_buf *b = arg;

    lx_buf_reset(b);
    lx_buf_printf(b, "{\"kind\":\"%s\",\"clause\":\"C5.9\",\"firm\":%" PRId64,
                  lx_leads_signal_kind_name(s->kind), s->firm_id);
    if (s->staff_id > 0) {
        lx_buf_printf(b, ",\"staff\":%" PRId64, s->staff_id);
    } else {
        lx_buf_printf(b, ",\"staff\":null");
    }
    switch (s->kind) {
    case LX_LEADS_SIG_SHARING:
        put_ids(b, "leads", NULL, 0);
        put_ids(b, "sessions", s->ids, s->n_ids);
        break;
    case LX_LEADS_SIG_CANARY_HIT:
        put_ids(b, "leads", &s->lead_id, 1);
        lx_buf_printf(b, ",\"canary\":%" PRId64, s->canary_id);
        break;
    case LX_LEADS_SIG_HOARDING:
    case LX_LEADS_SIG_REVEAL_SPIKE:
    case LX_LEADS_SIG_FOREIGN_REVEAL:
    case LX_LEADS_SIG_COUNT:
    default:
        put_ids(b, "leads", s->ids, s->n_ids);
        break;
    }
    lx_buf_printf(b, ",\"count\":%" PRId64 ",\"severity\":\"%s\"}\n", s->count,
                  lx_leads_severity_name(s->severity));
    fputs(lx_buf_peek(b), stdout);
    return LX_OK;
}

int
cmd_leads_detect(struct lx_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct lx_leads_detect_opts o = {0};
    struct lx_leads_detect_report rep = {0};
    struct lx_buf line = LX_BUF_INIT(4096);
    struct lx_err err = {0};
    struct lx_ctx ctx;
    bool have_ctx = false;
    int c, status = LX_CLI_OK;

    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case 'c':
            break; /* read by main */
        case ':':
        default:
            return cli_bad_option(c, argv, optind);
        }
    }
    if (optind < argc) {
        return cli_usage("unexpected argument '%s'", argv[optind]);
    }
    if (cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                       &cli->app.store, &err) != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    lx_ctx_init(&ctx, &cli->app, lx_time_now_ms());
    have_ctx = true;
    ctx.actor.kind = LX_ACTOR_SYSTEM;
    snprintf(ctx.req_id, sizeof(ctx.req_id), "cli-leads-detect");
    o.on_signal = print_signal;
    o.on_signal_arg = &line;
    if (lx_leads_detect_run(&ctx, &o, &rep) != LX_OK) {
        status = cli_fail(&ctx.err, false);
        goto out;
    }
    fflush(stdout);

out:
    if (have_ctx) {
        lx_ctx_release(&ctx);
    }
    lx_buf_release(&line);
    lx_store_close(cli->app.store);
    cli->app.store = NULL;
    return status;
}

int
cmd_leads_canary(struct lx_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"keys", required_argument, NULL, 'k'},
        {"firm", required_argument, NULL, 'f'},
        {"area", required_argument, NULL, 'a'},
        {"region", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct lx_leads_canary can = {0};
    struct lx_crypto_keys *keys = NULL;
    struct lx_err err = {0};
    struct lx_ctx ctx;
    bool have_ctx = false;
    int64_t id = 0;
    int c, status = LX_CLI_OK;

    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
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
        case 'f':
            if (!cli_parse_id(optarg, &can.firm_id)) {
                return cli_usage("--firm: want a positive integer id");
            }
            break;
        case 'a':
            can.area = optarg;
            break;
        case 'r':
            can.region = optarg;
            break;
        case 'c':
            break; /* read by main */
        case ':':
        default:
            return cli_bad_option(c, argv, optind);
        }
    }
    if (optind < argc) {
        return cli_usage("unexpected argument '%s'", argv[optind]);
    }
    if (can.firm_id == 0) {
        return cli_usage("leads canary needs --firm");
    }
    if (lx_crypto_init(&err) != LX_OK ||
        lx_crypto_keys_load(cli->conf.keys_dir, &keys, &err) != LX_OK ||
        cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                       &cli->app.store, &err) != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    cli->app.keys = keys;
    lx_ctx_init(&ctx, &cli->app, lx_time_now_ms());
    have_ctx = true;
    ctx.actor.kind = LX_ACTOR_SYSTEM;
    snprintf(ctx.req_id, sizeof(ctx.req_id), "cli-leads-canary");
    if (lx_leads_canary_seed(&ctx, NULL, &can, &id) != LX_OK) {
        status = cli_fail(&ctx.err, true);
        goto out;
    }
    printf("{\"lead\":%" PRId64 ",\"firm\":%" PRId64 ",\"canary\":true}\n", id,
           can.firm_id);

out:
    if (have_ctx) {
        lx_ctx_release(&ctx);
    }
    lx_store_close(cli->app.store);
    cli->app.store = NULL;
    cli->app.keys = NULL;
    lx_crypto_keys_free(keys);
    return status;
}
