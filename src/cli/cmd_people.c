/*
 * cmd_people — `lexgate people bootstrap` (the first platform_admin) and
 * `lexgate people seed-demo` (the fictional demo organisations).
 *
 * Both print passwords exactly once, on stdout, and never log them: they
 * exist only as argon2id hashes in the database afterwards.
 */
#include "base/conf.h"
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "people/people.h"
#include "store/store.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* --db URL [--email E]; 0 or an exit status. */
static int
options(struct lx_cli *cli, int argc, char **argv, const char **email)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"email", required_argument, NULL, 'e'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    int c;

    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case 'e':
            if (email == NULL) {
                return cli_usage("unknown option '--email'");
            }
            *email = optarg;
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

static lx_rc
open_store(struct lx_cli *cli, struct lx_err *err)
{
    return cli_store_open(cli, LX_CLI_STORE_MIGRATE, 1, &cli->app.store, err);
}

int
cmd_people_bootstrap(struct lx_cli *cli, int argc, char **argv)
{
    const char *email = NULL;
    char pw[32];
    struct lx_err err = {0};
    int64_t id = 0;
    int status = options(cli, argc, argv, &email);
    lx_rc rc;

    if (status != LX_CLI_OK) {
        return status;
    }
    if (email == NULL) {
        return cli_usage("--email is required");
    }
    rc = open_store(cli, &err);
    if (rc == LX_OK) {
        rc = lx_people_bootstrap(&cli->app, email, pw, &id, &err);
    }
    lx_store_close(cli->app.store);
    cli->app.store = NULL;
    if (rc != LX_OK) {
        return cli_fail(&err, true);
    }
    printf("{\"staff_id\":%lld,\"role\":\"platform_admin\",\"password\":"
           "\"%s\"}\n",
           (long long)id, pw);
    lx_crypto_wipe(pw, sizeof(pw));
    return LX_CLI_OK;
}

int
cmd_people_seed_demo(struct lx_cli *cli, int argc, char **argv)
{
    struct lx_people_demo_out out;
    struct lx_err err = {0};
    int status = options(cli, argc, argv, NULL);
    lx_rc rc;

    if (status != LX_CLI_OK) {
        return status;
    }
    rc = open_store(cli, &err);
    if (rc == LX_OK) {
        rc = lx_people_demo_seed(&cli->app, &out, &err);
    }
    lx_store_close(cli->app.store);
    cli->app.store = NULL;
    if (rc != LX_OK) {
        return cli_fail(&err, false);
    }
    if (!out.created) {
        fprintf(stderr, "lexgate: organisations exist already; nothing"
                        " seeded\n");
        return LX_CLI_FAILED;
    }
    /* Emails and roles are fixed ASCII; org names are our own constants. */
    for (size_t i = 0; i < out.n; i++) {
        printf("{\"email\":\"%s\",\"role\":\"%s\",\"org\":\"%s\","
               "\"password\":\"%s\"}\n",
               out.accounts[i].email, out.accounts[i].role, out.accounts[i].org,
               out.accounts[i].password);
    }
    lx_crypto_wipe(&out, sizeof(out));
    return LX_CLI_OK;
}
