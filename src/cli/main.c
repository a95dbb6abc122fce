/*
 * main — `lexgate`: find the command in the table, load configuration,
 * run the handler, exit with its status.
 */
#include "base/conf.h"
#include "base/err.h"
#include "base/mem.h"
#include "cli/cli_int.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
cli_usage(const char *fmt, ...)
{
    va_list ap;

    fputs("lexgate: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return LX_CLI_USAGE;
}

int
cli_fail(const struct lx_err *err, bool usage_on_invalid)
{
    fprintf(stderr, "lexgate: %s\n", lx_err_message(err));
    if (usage_on_invalid && err->rc == LX_EINVAL) {
        return LX_CLI_USAGE;
    }
    return LX_CLI_FAILED;
}

static void
print_cmd_name(FILE *f, const struct lx_cli_cmd *c)
{
    fprintf(f, "%s%s%s", c->noun, c->verb ? " " : "", c->verb ? c->verb : "");
}

int
cli_help(const struct lx_cli_cmd *cmd)
{
    printf("usage: lexgate ");
    print_cmd_name(stdout, cmd);
    printf(" [options]\n\n%s\n\noptions:\n%s", cmd->summary, cmd->usage);
    printf("  --config FILE  read configuration from an INI file\n"
           "  --help         show this help\n");
    return LX_CLI_OK;
}

bool
cli_conf_flag(struct lx_cli *cli, const char *key, const char *value)
{
    struct lx_err err = {0};

    if (lx_conf_set(&cli->conf, key, value, &err) != LX_OK) {
        cli_fail(&err, false);
        return false;
    }
    return true;
}

bool
cli_read_stdin(size_t max, char **out, size_t *len)
{
    size_t cap = 64 * 1024, n = 0;
    char *p = lx_xmalloc(cap + 1);

    for (;;) {
        ssize_t r;
        if (n == cap) {
            if (cap >= max) {
                free(p);
                cli_usage("input larger than %zu bytes", max);
                return false;
            }
            cap = cap * 2 > max ? max : cap * 2;
            p = lx_xrealloc(p, cap + 1);
        }
        r = read(0, p + n, cap - n);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            free(p);
            cli_usage("cannot read standard input");
            return false;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    p[n] = '\0';
    *out = p;
    *len = n;
    return true;
}

static void
usage_all(FILE *f)
{
    fprintf(f, "usage: lexgate <command> [options]   (lexgate <command> "
               "--help for its options)\n\ncommands:\n");
    for (const struct lx_cli_cmd *c = lx_cli_commands; c->noun; c++) {
        int w;
        fprintf(f, "  ");
        w = (int)strlen(c->noun) + (c->verb ? (int)strlen(c->verb) + 1 : 0);
        print_cmd_name(f, c);
        fprintf(f, "%*s%s\n", w < 20 ? 20 - w : 1, "", c->summary);
    }
}

/* Find --config FILE / --config=FILE among the arguments (any position). */
static const char *
config_path(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            return argv[i + 1];
        }
        if (strncmp(argv[i], "--config=", 9) == 0) {
            return argv[i] + 9;
        }
    }
    return getenv("LEXGATE_CONFIG");
}

int
main(int argc, char **argv)
{
    const struct lx_cli_cmd *found = NULL;
    struct lx_cli cli;
    struct lx_err err = {0};
    const char *cfg;
    int skip = 2; /* index of the first option */

    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage_all(stdout);
        return argc < 2 ? LX_CLI_USAGE : LX_CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lexgate %s\n", LX_VERSION);
        return LX_CLI_OK;
    }
    for (const struct lx_cli_cmd *c = lx_cli_commands; c->noun; c++) {
        if (strcmp(c->noun, argv[1]) != 0) {
            continue;
        }
        if (c->verb == NULL) {
            found = c;
            skip = 2;
            break;
        }
        if (argc >= 3 && strcmp(c->verb, argv[2]) == 0) {
            found = c;
            skip = 3;
            break;
        }
    }
    if (found == NULL) {
        bool noun_known = false;
        for (const struct lx_cli_cmd *c = lx_cli_commands; c->noun; c++) {
            noun_known = noun_known || strcmp(c->noun, argv[1]) == 0;
        }
        if (noun_known && (argc < 3 || argv[2][0] == '-')) {
            return cli_usage("'%s' needs a subcommand; see 'lexgate --help'",
                             argv[1]);
        }
        if (noun_known) {
            return cli_usage("unknown subcommand '%s %s'; see 'lexgate --help'",
                             argv[1], argv[2]);
        }
        return cli_usage("unknown command '%s'; see 'lexgate --help'",
                         argv[1]);
    }
    for (int i = skip; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            return cli_help(found);
        }
    }

    /* Files lexgate creates (databases, keys, exports) hold personal data
     * or secrets: private to the service account unless an operator
     * loosens them on purpose. */
    umask(077);

    memset(&cli, 0, sizeof(cli));
    cli.cmd = found;
    lx_conf_defaults(&cli.conf);
    cfg = config_path(argc, argv);
    if (cfg != NULL && lx_conf_load_file(&cli.conf, cfg, &err) != LX_OK) {
        return cli_fail(&err, false);
    }
    if (lx_conf_load_env(&cli.conf, &err) != LX_OK) {
        return cli_fail(&err, false);
    }
    cli.app.conf = &cli.conf;
    cli.app.log.fd = 2;
    cli.app.log.min_level = LX_LOG_INFO;
    (void)lx_log_level_parse(cli.conf.log_level, &cli.app.log.min_level);

    /* The handler sees argv[0] = the command and its options after it. */
    argv[skip - 1] = (char *)(found->verb ? found->verb : found->noun);
    optind = 1;
    opterr = 0; /* handlers print their own one-line errors */
    return found->fn(&cli, argc - (skip - 1), argv + (skip - 1));
}
