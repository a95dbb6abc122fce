/*
 * cli — `lexgate <noun> [verb]`: the command table and what handlers share.
 *
 * One row per command in commands.c; `lexgate --help`, `lexgate help`,
 * docs/cli.md and tests/cli/t0001-help.sh all read that table. A handler
 * gets argv starting at its first option (argv[0] is "noun verb"), parses
 * with getopt_long, and returns the exit status:
 *   0 success, 1 the operation failed, 2 usage error.
 * Every failure prints exactly one line on stderr: "lexgate: <detail>".
 */
#ifndef LX_CLI_INT_H
#define LX_CLI_INT_H

#include "base/conf.h"
#include "base/ctx.h"
#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>

enum lx_cli_exit {
    LX_CLI_OK = 0,
    LX_CLI_FAILED = 1,
    LX_CLI_USAGE = 2,
};

struct lx_cli_cmd;

/* What every handler receives. */
struct lx_cli {
    const struct lx_cli_cmd *cmd;
    struct lx_conf conf; /* defaults < file < env; flags applied by handler */
    struct lx_app app;
};

typedef int lx_cli_fn(struct lx_cli *cli, int argc, char **argv);

struct lx_cli_cmd {
    const char *noun;
    const char *verb; /* NULL for a one-word command */
    lx_cli_fn *fn;
    const char *summary; /* one line, for `lexgate --help` */
    const char *usage;   /* options, for `lexgate <noun> <verb> --help` */
};

/* The table (commands.c), terminated by a row with noun NULL. */
extern const struct lx_cli_cmd lx_cli_commands[];

/* Print "lexgate: <fmt…>" and return LX_CLI_USAGE. */
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "lexgate: <message of err>" and return LX_CLI_FAILED (or
 * LX_CLI_USAGE when err->rc is LX_EINVAL and 'usage_on_invalid'). */
int cli_fail(const struct lx_err *err, bool usage_on_invalid);
/* Print the command's help to stdout and return LX_CLI_OK. */
int cli_help(const struct lx_cli_cmd *cmd);

/*
 * Apply a flag to cli->conf by configuration key ("store.db"); on a bad
 * value prints the error and returns false.
 */
bool cli_conf_flag(struct lx_cli *cli, const char *key, const char *value);

/* Read all of stdin into a malloc'd buffer (capped at max bytes). On a
 * read error or overflow prints an error and returns false. */
bool cli_read_stdin(size_t max, char **out, size_t *len);

/* cli_store_open() flags. */
enum lx_cli_store_flags {
    LX_CLI_STORE_MUST_EXIST = 1u << 0, /* never create a database */
    LX_CLI_STORE_MIGRATE = 1u << 1,    /* apply pending migrations */
    LX_CLI_STORE_CURRENT = 1u << 2,    /* refuse a database not migrated */
};

struct lx_store;

/*
 * Open cli->conf.db with the configured busy timeout and group size and
 * 'readers' reader connections (0: store.readers), as 'flags' say; also
 * initialises crypto. On failure *out is NULL and err says why.
 */
lx_rc cli_store_open(struct lx_cli *cli, unsigned flags, int readers,
                     struct lx_store **out, struct lx_err *err);

/* The one-line usage error for getopt_long's ':' (missing value) or '?'
 * (unknown option) result 'c'; returns LX_CLI_USAGE. */
int cli_bad_option(int c, char **argv, int optind_now);

/* A positive decimal id (1..LLONG_MAX-1); false otherwise. */
bool cli_parse_id(const char *s, int64_t *out);

/* Handlers, one group per cmd_<noun>.c. */
lx_cli_fn cmd_version;
lx_cli_fn cmd_errors;
lx_cli_fn cmd_config_doc;
lx_cli_fn cmd_calendar_deadline;
lx_cli_fn cmd_db_migrate;
lx_cli_fn cmd_db_check;
lx_cli_fn cmd_init;
lx_cli_fn cmd_keys_rotate;
lx_cli_fn cmd_leads_canary;
lx_cli_fn cmd_leads_detect;
lx_cli_fn cmd_audit_append;
lx_cli_fn cmd_audit_check_proof;
lx_cli_fn cmd_audit_check_segment;
lx_cli_fn cmd_audit_checkpoint;
lx_cli_fn cmd_audit_export;
lx_cli_fn cmd_audit_merkle_selftest;
lx_cli_fn cmd_audit_prove;
lx_cli_fn cmd_audit_query;
lx_cli_fn cmd_audit_rotate_key;
lx_cli_fn cmd_audit_verify;
lx_cli_fn cmd_audit_vkey;
lx_cli_fn cmd_serve;
lx_cli_fn cmd_demo;
lx_cli_fn cmd_routes;
lx_cli_fn cmd_pii_scan;
lx_cli_fn cmd_pii_mask;
lx_cli_fn cmd_scan;
lx_cli_fn cmd_scan_rules;
lx_cli_fn cmd_sla_schedule;
lx_cli_fn cmd_sla_list;
lx_cli_fn cmd_people_bootstrap;
lx_cli_fn cmd_people_seed_demo;
lx_cli_fn cmd_policy_explain;

#endif /* LX_CLI_INT_H */
