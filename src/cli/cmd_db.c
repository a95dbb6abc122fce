/* cmd_db — `lexgate db migrate` and `lexgate db check`. */
#include "base/conf.h"
#include "base/err.h"
#include "cli/cli_int.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>

enum db_verb { DB_MIGRATE = 0, DB_CHECK };

/* Parse --db URL (and --config, consumed by main); 0 or an exit status. */
static int
db_options(struct lx_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
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
    return LX_CLI_OK;
}

static int
db_run(struct lx_cli *cli, int argc, char **argv, enum db_verb verb)
{
    struct lx_store_opts opts = {0};
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    int status, applied = 0, current = 0, latest = 0;
    lx_rc rc;

    status = db_options(cli, argc, argv);
    if (status != LX_CLI_OK) {
        return status;
    }
    opts.readers = 1; /* one command, one reader is plenty */
    opts.busy_timeout_ms = (int)cli->conf.busy_timeout_ms;
    opts.group_max = (int)cli->conf.group_max;
    opts.must_exist = verb == DB_CHECK;
    rc = lx_store_open(cli->conf.db, &opts, &st, &err);
    if (rc != LX_OK) {
        return cli_fail(&err, true); /* a bad URL is a usage error */
    }
    if (verb == DB_MIGRATE) {
        rc = lx_store_migrate(st, &applied, &err);
    } else {
        rc = lx_store_check(st, &err);
    }
    if (rc == LX_OK) {
        rc = lx_store_schema_version(st, &current, &latest, &err);
    }
    lx_store_close(st);
    if (rc != LX_OK) {
        return cli_fail(&err, false);
    }
    if (verb == DB_CHECK && current != latest) {
        fprintf(stderr,
                "lexgate: schema level %d of %d; run 'lexgate db migrate'\n",
                current, latest);
        return LX_CLI_FAILED;
    }
    if (verb == DB_MIGRATE) {
        printf("applied %d migration%s; schema level %d of %d\n", applied,
               applied == 1 ? "" : "s", current, latest);
    } else {
        printf("ok: integrity ok; schema level %d of %d\n", current, latest);
    }
    return LX_CLI_OK;
}

int
cmd_db_migrate(struct lx_cli *cli, int argc, char **argv)
{
    return db_run(cli, argc, argv, DB_MIGRATE);
}

int
cmd_db_check(struct lx_cli *cli, int argc, char **argv)
{
    return db_run(cli, argc, argv, DB_CHECK);
}
