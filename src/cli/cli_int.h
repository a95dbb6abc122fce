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

#include "audit/audit.h"
#include "base/conf.h"
#include "base/ctx.h"
#include "base/err.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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
struct lx_store_tx;

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

/* ---- audit commands' shared helpers (cmd_audit_common.c) -----------------
 *
 * `lexgate audit …` is split by verb family over cmd_audit_*.c; what more
 * than one of those files needs is here, defined once in
 * cmd_audit_common.c: one option set, its parser, and the files a party
 * keeps outside the database (checkpoints, trust file, signing.pub).
 */

#define LX_CLI_AUDIT_MAX_CHECKPOINTS 64     /* --checkpoint given at most */
#define LX_CLI_AUDIT_TRUST_MAX 64           /* keys in one trust file */
#define LX_CLI_AUDIT_FILE_MAX (64u * 1024u) /* trust and proof files */

/* Every option of the audit commands, one bit each; a command passes the
 * ones it accepts to cli__audit_parse_opts(). */
enum cli__audit_opt {
    LX_CLI_AUDIT_OPT_DB = 1 << 0,
    LX_CLI_AUDIT_OPT_CONFIG = 1 << 1,
    LX_CLI_AUDIT_OPT_KEYS = 1 << 2,
    LX_CLI_AUDIT_OPT_CHECKPOINT = 1 << 3,
    LX_CLI_AUDIT_OPT_OLD_CHECKPOINT = 1 << 4,
    LX_CLI_AUDIT_OPT_TRUST = 1 << 5,
    LX_CLI_AUDIT_OPT_STATE = 1 << 6,
    LX_CLI_AUDIT_OPT_JSON = 1 << 7,
    LX_CLI_AUDIT_OPT_EXPORT = 1 << 8,
    LX_CLI_AUDIT_OPT_INDEX = 1 << 9,
    LX_CLI_AUDIT_OPT_FROM = 1 << 10,
    LX_CLI_AUDIT_OPT_SIZE = 1 << 11,
    LX_CLI_AUDIT_OPT_PROOF = 1 << 12,
    LX_CLI_AUDIT_OPT_MAX = 1 << 13,
    LX_CLI_AUDIT_OPT_NO_STORED = 1 << 14,
    LX_CLI_AUDIT_OPT_FIRM = 1 << 15,
    LX_CLI_AUDIT_OPT_ACTOR = 1 << 16,
    LX_CLI_AUDIT_OPT_SUBJECT = 1 << 17,
    LX_CLI_AUDIT_OPT_KIND = 1 << 18,
    LX_CLI_AUDIT_OPT_ACTION = 1 << 19,
    LX_CLI_AUDIT_OPT_CLAUSE = 1 << 20,
    LX_CLI_AUDIT_OPT_SINCE = 1 << 21,
    LX_CLI_AUDIT_OPT_UNTIL = 1 << 22,
    LX_CLI_AUDIT_OPT_AFTER = 1 << 23,
    LX_CLI_AUDIT_OPT_LIMIT = 1 << 24,
    LX_CLI_AUDIT_OPT_NEW_KEYS = 1 << 25,
    LX_CLI_AUDIT_OPT_OUT = 1 << 26,
    LX_CLI_AUDIT_OPT_SEGMENT = 1 << 27,
};

/* The options of one invocation (strings borrowed from argv). */
struct cli__audit_opts {
    const char *checkpoints[LX_CLI_AUDIT_MAX_CHECKPOINTS];
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
    struct lx_audit_query q; /* --firm … --limit, for `audit query` */
    unsigned char subject[LX_AUDIT_SUBJECT_MAX];
};

/*
 * Parse argv into *o (zeroed first), accepting only the options in
 * 'allowed' (enum cli__audit_opt bits); --db and --keys go to cli->conf.
 * Returns LX_CLI_OK, or LX_CLI_USAGE after printing the one error line.
 */
int cli__audit_parse_opts(struct lx_cli *cli, int argc, char **argv,
                          unsigned allowed, struct cli__audit_opts *o);

/* A canonical decimal 0..max into *out; false otherwise. */
bool cli__audit_parse_num(const char *s, uint64_t max, uint64_t *out);

/* Lower-case hex into out (cap bytes), its length in *n; false when
 * malformed or too long. */
bool cli__audit_hex_decode(const char *s, unsigned char *out, size_t cap,
                           size_t *n);

/* Append the file at 'path' to b (within b's ceiling); 'what' names the
 * file in the error ("the <what> file"). */
lx_rc cli__audit_read_file(const char *path, const char *what, struct lx_buf *b,
                           struct lx_err *err);

/* Parse a trust file into v[0..*n) (at most LX_CLI_AUDIT_TRUST_MAX): one
 * vkey line each; '#' comments and blank lines skipped; no key is an
 * error. */
lx_rc cli__audit_load_trust_file(const char *path, struct lx_audit_vkey *v,
                                 size_t *n, struct lx_err *err);

/* The signing public key of key directory 'dir' (signing.pub, 32 bytes). */
lx_rc cli__audit_load_signing_pub(const char *dir, unsigned char pk[32],
                                  struct lx_err *err);

/* What writing commands open first: libsodium, keys.dir's keys and the
 * existing, current store. On failure *keys and *st may still be set and
 * must be released by the caller as usual. */
lx_rc cli__audit_open_keys_store(struct lx_cli *cli,
                                 struct lx_crypto_keys **keys,
                                 struct lx_store **st, struct lx_err *err);

/* A store unit: this log's origin into 'arg' (a char buffer of
 * LX_AUDIT_ORIGIN_MAX + 1 bytes). */
lx_rc cli__audit_origin_unit(struct lx_store_tx *tx, void *arg,
                             struct lx_err *err);

/* Print h[0..n) as base64 to f (nothing if it does not fit 256 bytes). */
void cli__audit_print_b64(FILE *f, const unsigned char *h, size_t n);

/* Handlers, one group per cmd_<noun>.c (audit: cmd_audit_*.c). */
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
