/* cmd_init — `lexgate init`: create the key files (and migrate a database
 * when --db is given). */
#include "cli/cli_int.h"
#include "crypto/crypto.h"

#include <getopt.h>
#include <stdio.h>

int
cmd_init(struct lx_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"keys", required_argument, NULL, 'k'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct lx_err err = {0};
    int c;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k':
            if (!cli_conf_flag(cli, "keys.dir", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case 'c':
            break;
        default:
            return cli_usage("init: unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) {
        return cli_usage("init: unexpected argument '%s'", argv[optind]);
    }
    if (lx_crypto_init(&err) != LX_OK ||
        lx_crypto_keys_create(cli->conf.keys_dir, &err) != LX_OK) {
        return cli_fail(&err, false);
    }
    printf("lexgate: created master.key, signing.key and signing.pub in %s "
           "(mode 0600)\n",
           cli->conf.keys_dir);
    return LX_CLI_OK;
}
