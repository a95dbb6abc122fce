/* commands — the one table of `lexgate` commands (STYLE.md §8 "lists are
 * tables"). Keep rows sorted by noun; docs/cli.md is checked against it. */
#include "cli/cli_int.h"

#include <stddef.h>

const struct lx_cli_cmd lx_cli_commands[] = {
    /* noun       verb       handler          summary / usage */
    {"calendar", "deadline", cmd_calendar_deadline,
     "print the deadline of a period on the business calendar",
     "  --from ISO8601       start instant, with an offset (Z or +08:00)\n"
     "  --minutes N          N minutes of natural time\n"
     "  --hours N            N hours of natural time\n"
     "  --working-days N     end of the Nth working day after the start day\n"
     "  --first-response     C5.1: 30 minutes, 2 hours in a special period\n"
     "  --close HH:MM        business-close time ending a working day\n"
     "  --night HH:MM-HH:MM  night special period, or none (22:00-08:00)\n"
     "  --rest-days MODE     special (default) or normal, for first response\n"
     "  --calendar FILE      holiday schedule CSV instead of the embedded one\n"},
    {"config", "doc", cmd_config_doc,
     "print the configuration reference (docs/config.md)", ""},
    {"db", "check", cmd_db_check,
     "check database integrity and that it is fully migrated",
     "  --db URL       database, sqlite:PATH (config key store.db)\n"},
    {"db", "migrate", cmd_db_migrate, "apply pending database migrations",
     "  --db URL       database, sqlite:PATH (config key store.db)\n"},
    {"demo", NULL, cmd_demo,
     "serve with demo data: create missing keys, migrate, seed, serve",
     "  --db URL       database, sqlite:PATH (config key store.db)\n"
     "  --port N       TCP port, 0 picks a free one (server.port)\n"
     "  --listen ADDR  address to bind (server.listen)\n"
     "  --keys DIR     key directory, created when missing (keys.dir)\n"},
    {"errors", NULL, cmd_errors,
     "print the error table (docs/errors.md)", ""},
    {"init", NULL, cmd_init,
     "create the master and signing keys (never overwrites)",
     "  --keys DIR     key directory (default: keys)\n"},
    {"pii", "mask", cmd_pii_mask,
     "print UTF-8 text from stdin with personal data masked",
     "  --date YYYY-MM-DD  reference date for the minor check (today)\n"
     "  --divisions FILE   GB/T 2260 code CSV instead of the embedded one\n"},
    {"pii", "scan", cmd_pii_scan,
     "find personal data in UTF-8 text from stdin (JSON lines)",
     "  --date YYYY-MM-DD  reference date for the minor check (today)\n"
     "  --minor            add \"minor\":true|false to cn_id findings\n"
     "  --divisions FILE   GB/T 2260 code CSV instead of the embedded one\n"},
    {"routes", NULL, cmd_routes,
     "print the HTTP route table (METHOD TEMPLATE per line)", ""},
    {"scan", "rules", cmd_scan_rules,
     "list the conduct rule pack: version, then id category clause severity",
     "  --rules DIR    rule files DIR/*.rules instead of the embedded pack\n"},
    {"scan", NULL, cmd_scan,
     "screen chat messages (JSON lines in, verdicts out) for C5 conduct",
     "  --rules DIR    rule files DIR/*.rules instead of the embedded pack\n"},
    {"serve", NULL, cmd_serve, "run the HTTP API daemon until SIGTERM",
     "  --db URL       database, sqlite:PATH (config key store.db)\n"
     "  --port N       TCP port, 0 picks a free one (server.port)\n"
     "  --listen ADDR  address to bind (server.listen)\n"
     "  --keys DIR     key directory (keys.dir)\n"},
    {"version", NULL, cmd_version, "print the version", ""},
    {NULL, NULL, NULL, NULL, NULL},
};
