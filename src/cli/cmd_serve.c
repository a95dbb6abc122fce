/*
 * cmd_serve — `lexgate serve`: load the keys, open and migrate the store,
 * run the HTTP daemon until SIGTERM, close the store; `lexgate demo`, the
 * same after creating missing keys and seeding demo data (what `make run`
 * runs); and `lexgate routes`, which prints the HTTP route table.
 *
 * The keys are loaded before anything listens: lx_crypto_keys_load()
 * refuses missing files and files readable by group or others, so a
 * daemon with leaked key permissions never starts.
 */
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "audit/audit.h"
#include "base/mem.h"
#include "http/http.h"
#include "leads/leads.h"
#include "people/people.h"
#include "cal/cal.h"
#include "sla/sla.h"
#include "store/store.h"

#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What `demo` adds before serving: keys when missing, then a banner. */
static lx_rc
demo_prepare(struct lx_cli *cli, struct lx_err *err)
{
    struct lx_crypto_keys *probe = NULL;
    struct lx_err ignore = {0};

    if (lx_crypto_keys_load(cli->conf.keys_dir, &probe, &ignore) == LX_OK) {
        lx_crypto_keys_free(probe);
        return LX_OK;
    }
    if (ignore.rc != LX_EIO) {
        /* The keys exist but are unsafe or damaged: never paper over it. */
        *err = ignore;
        return ignore.rc;
    }
    return lx_crypto_keys_create(cli->conf.keys_dir, err);
}

#define DEMO_LEADS 12

/*
 * Seed the demo organisations and leads once. Their passwords exist in clear only at
 * creation (the store keeps argon2id hashes), so they are written to
 * demo-logins.txt inside the key directory (0700, the file 0600) and
 * printed from there on every run.
 */
static lx_rc
demo_seed(struct lx_cli *cli, const struct lx_cal *cal, struct lx_err *err)
{
    /* Offered as any intake through the daemon is: windows and first
     * responses on the calendar, routing on the SLA record. */
    struct lx_leads_opts o = {
        .window_ms = cli->conf.leads_offer_window_s * 1000,
        .dedupe_window_ms = cli->conf.leads_dedupe_window_s * 1000,
        .on_offer = lx_sla_offer_hook,
        .on_answer = lx_sla_answer_hook,
        .on_offer_arg = (void *)(uintptr_t)cal,
        .record = lx_sla_route_record_tx,
    };
    struct lx_people_demo_out *out = lx_xcalloc(1, sizeof(*out));
    char path[600];
    FILE *f;
    lx_rc rc;

    rc = lx_people_demo_seed(&cli->app, out, err);
    if (rc != LX_OK || !out->created) {
        goto done;
    }
    /* A dozen fictional consultations, offered to the demo firms. */
    rc = lx_leads_demo_seed(&cli->app, &o, DEMO_LEADS, err);
    if (rc != LX_OK) {
        goto done;
    }
    snprintf(path, sizeof(path), "%s/demo-logins.txt", cli->conf.keys_dir);
    f = fopen(path, "w");
    if (f == NULL) {
        rc = lx_err_set(err, LX_EIO, NULL, "cannot write demo-logins.txt");
        goto done;
    }
    fprintf(f, "  %-42s %-20s %-24s %s\n", "login (POST /v1/auth/sign-in)",
            "role", "organisation", "password");
    for (size_t i = 0; i < out->n; i++) {
        fprintf(f, "  %-42s %-20s %-24s %s\n", out->accounts[i].email,
                out->accounts[i].role, out->accounts[i].org,
                out->accounts[i].password);
    }
    if (fclose(f) != 0) {
        rc = lx_err_set(err, LX_EIO, NULL, "cannot write demo-logins.txt");
    }
done:
    lx_crypto_wipe(out, sizeof(*out));
    free(out);
    return rc;
}

static void
demo_banner(const struct lx_cli *cli)
{
    char path[600], line[256];
    FILE *f;

    printf("lexgate demo: database %s, keys in %s\n"
           "  health     GET /healthz, GET /readyz\n"
           "  metrics    GET /metrics\n"
           "  API        GET /v1/openapi.yaml (every route)\n"
           "  calendar   POST /v1/calendar/deadline\n"
           "  leads      GET /v1/leads (signed in; %d fictional demo leads)\n",
           cli->conf.db, cli->conf.keys_dir, DEMO_LEADS);
    snprintf(path, sizeof(path), "%s/demo-logins.txt", cli->conf.keys_dir);
    f = fopen(path, "r");
    if (f != NULL) {
        printf("demo logins (fictional people; from %s):\n", path);
        while (fgets(line, sizeof(line), f) != NULL) {
            fputs(line, stdout);
        }
        fclose(f);
    }
    printf("  Ctrl-C stops the daemon; the data stays for the next run.\n");
    fflush(stdout);
}

/* serve and demo: the same options, the same daemon. */
static int
serve_main(struct lx_cli *cli, int argc, char **argv, bool demo)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"port", required_argument, NULL, 'p'},
        {"listen", required_argument, NULL, 'l'},
        {"keys", required_argument, NULL, 'k'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct lx_crypto_keys *keys = NULL;
    struct lx_store *store = NULL;
    struct lx_sla_runner_opts sla_opts = {0};
    struct lx_sla_runner *sla = NULL;
    struct lx_cal *cal = NULL;
    struct lx_audit_checkpointer_opts cp_opts = {0};
    struct lx_audit_checkpointer *cp = NULL;
    struct lx_err err = {0};
    int c, status = LX_CLI_FAILED;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *key = NULL;
        switch (c) {
        case 'd':
            key = "store.db";
            break;
        case 'p':
            key = "server.port";
            break;
        case 'l':
            key = "server.listen";
            break;
        case 'k':
            key = "keys.dir";
            break;
        case 'c':
            break; /* read by main */
        default:
            return cli_usage("%s: unknown option '%s'", argv[0],
                             argv[optind - 1]);
        }
        if (key != NULL && !cli_conf_flag(cli, key, optarg)) {
            return LX_CLI_USAGE;
        }
    }
    if (optind < argc) {
        return cli_usage("%s: unexpected argument '%s'", argv[0],
                         argv[optind]);
    }

    if (demo && (lx_crypto_init(&err) != LX_OK ||
                 demo_prepare(cli, &err) != LX_OK)) {
        return cli_fail(&err, false);
    }
    if (lx_crypto_init(&err) != LX_OK ||
        lx_crypto_keys_load(cli->conf.keys_dir, &keys, &err) != LX_OK) {
        return cli_fail(&err, false);
    }
    if (cli_store_open(cli, LX_CLI_STORE_MIGRATE, 0, &store, &err) != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    cli->app.keys = keys;
    cli->app.store = store;
    /* SLA deadlines fire from this daemon too (claimed once across
     * daemons); missed ones fire now, marked late. */
    sla_opts.poll_ms = cli->conf.sla_poll_ms;
    sla_opts.grace_ms = cli->conf.sla_grace_ms;
    if (lx_sla_calendar_load(&cli->conf, &cal, &err) != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    sla_opts.cal = cal;
    if (lx_sla_runner_start(&cli->app, &sla_opts, &sla, &err) != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    /* Signed checkpoints on a timer, exported off the database (C4.3). */
    cp_opts.every_entries = (uint64_t)cli->conf.audit_checkpoint_every;
    cp_opts.every_ms = cli->conf.audit_checkpoint_every_s * 1000;
    snprintf(cp_opts.export_dir, sizeof(cp_opts.export_dir), "%s",
             cli->conf.audit_export_dir);
    if (lx_audit_checkpointer_start(&cli->app, &cp_opts, &cp, &err) !=
        LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    if (demo) {
        if (demo_seed(cli, cal, &err) != LX_OK) {
            status = cli_fail(&err, false);
            goto out;
        }
        demo_banner(cli);
    }
    if (lx_http_serve(&cli->app, &err) != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    status = LX_CLI_OK;

out:
    lx_audit_checkpointer_stop(cp); /* before the store it uses closes */
    lx_sla_runner_stop(sla);
    lx_cal_free(cal); /* after the runner that reads it */
    cli->app.store = NULL;
    cli->app.keys = NULL;
    lx_store_close(store);
    lx_crypto_keys_free(keys);
    return status;
}

int
cmd_serve(struct lx_cli *cli, int argc, char **argv)
{
    return serve_main(cli, argc, argv, false);
}

int
cmd_demo(struct lx_cli *cli, int argc, char **argv)
{
    return serve_main(cli, argc, argv, true);
}

int
cmd_routes(struct lx_cli *cli, int argc, char **argv)
{
    (void)cli;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            i++; /* --config FILE, read by main */
            continue;
        }
        if (strncmp(argv[i], "--config=", 9) == 0) {
            continue;
        }
        return cli_usage("routes: unexpected argument '%s'", argv[i]);
    }
    fflush(stdout);
    lx_http_routes_write(STDOUT_FILENO);
    return LX_CLI_OK;
}
