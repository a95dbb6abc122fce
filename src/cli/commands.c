/* commands — the one table of `lexgate` commands (STYLE.md §8 "lists are
 * tables"). Keep rows sorted by noun; docs/cli.md is checked against it. */
#include "cli/cli_int.h"

#include <stddef.h>

const struct lx_cli_cmd lx_cli_commands[] = {
    /* noun       verb       handler          summary / usage */
    {"config", "doc", cmd_config_doc,
     "print the configuration reference (docs/config.md)", ""},
    {"errors", NULL, cmd_errors,
     "print the error table (docs/errors.md)", ""},
    {"init", NULL, cmd_init,
     "create the master and signing keys (never overwrites)",
     "  --keys DIR     key directory (default: keys)\n"},
    {"version", NULL, cmd_version, "print the version", ""},
    {NULL, NULL, NULL, NULL, NULL},
};
