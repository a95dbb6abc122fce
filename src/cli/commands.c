/* commands — the one table of `lexgate` commands (STYLE.md §8 "lists are
 * tables"). Keep rows sorted by noun; docs/cli.md is checked against it. */
#include "cli/cli_int.h"

#include <stddef.h>

const struct lx_cli_cmd lx_cli_commands[] = {
    /* noun       verb       handler          summary / usage */
    {"audit", "append", cmd_audit_append,
     "append audit entries (JSON lines on stdin) in one transaction",
     "  --db URL            database, sqlite:PATH (config key store.db)\n"},
    {"audit", "check-proof", cmd_audit_check_proof,
     "check an inclusion or consistency proof offline",
     "  --proof FILE        proof printed by 'lexgate audit prove'\n"
     "  --checkpoint FILE   signed checkpoint the proof leads to\n"
     "  --old-checkpoint F  earlier checkpoint (consistency proofs)\n"
     "  --trust FILE        verifier keys, one vkey line each\n"},
    {"audit", "check-segment", cmd_audit_check_segment,
     "check an exported audit segment offline against its checkpoint",
     "  --segment FILE      segment written by 'lexgate audit export'\n"
     "  --trust FILE        verifier keys, one vkey line each\n"},
    {"audit", "checkpoint", cmd_audit_checkpoint,
     "sign a checkpoint of the audit log and print it",
     "  --db URL            database, sqlite:PATH (config key store.db)\n"
     "  --keys DIR          key directory with signing.key (keys.dir)\n"
     "  --export DIR        also write DIR/checkpoint and DIR/checkpoint.N\n"},
    {"audit", "export", cmd_audit_export,
     "export entries 1..N as a segment sealed with a signed checkpoint",
     "  --db URL            database, sqlite:PATH (config key store.db)\n"
     "  --keys DIR          key directory with signing.key (keys.dir)\n"
     "  --size N            export the first N entries\n"
     "  --out FILE          segment file to write (atomically)\n"},
    {"audit", "merkle-selftest", cmd_audit_merkle_selftest,
     "print RFC 9162 roots and proofs over synthetic leaves",
     "  --max N             largest tree size (1..256, default 64)\n"},
    {"audit", "prove", cmd_audit_prove,
     "print an inclusion (--index) or consistency (--from) proof",
     "  --db URL            database, sqlite:PATH (config key store.db)\n"
     "  --index N           leaf index (0-based) to prove\n"
     "  --from M            earlier tree size to prove consistency with\n"
     "  --size S            tree size (default: the whole log)\n"},
    {"audit", "query", cmd_audit_query,
     "list audit entries by firm, staff, subject, action, clause or time",
     "  --db URL            database, sqlite:PATH (config key store.db)\n"
     "  --firm N            entries by staff of firm N (a firm's own view)\n"
     "  --actor N           entries by one staff member, user or key\n"
     "  --subject HEX       entries about one subject pseudonym\n"
     "  --kind K            access, handover, deletion, auth, admin, ...\n"
     "  --action A          one action, e.g. reveal\n"
     "  --clause C          one contract clause, e.g. C4.3\n"
     "  --since ISO8601     at or after this instant\n"
     "  --until ISO8601     before this instant\n"
     "  --after SEQ         the next page: entries after this seq\n"
     "  --limit N           page size, 1..1000 (default 100)\n"},
    {"audit", "rotate-key", cmd_audit_rotate_key,
     "log a signing-key rotation, sign its last checkpoint, print trust lines",
     "  --db URL            database, sqlite:PATH (config key store.db)\n"
     "  --keys DIR          the current (outgoing) key directory (keys.dir)\n"
     "  --new-keys DIR      the incoming key directory (lexgate init)\n"
     "  --export DIR        also write the checkpoint to DIR\n"},
    {"audit", "verify", cmd_audit_verify,
     "verify the audit log against its rows and signed checkpoints",
     "  --db URL            database, sqlite:PATH (config key store.db)\n"
     "  --checkpoint FILE   an external signed checkpoint (repeatable)\n"
     "  --trust FILE        verifier keys (default: keys.dir/signing.pub)\n"
     "  --keys DIR          key directory (keys.dir)\n"
     "  --state FILE        largest-size-seen state, read and updated\n"
     "  --no-stored         skip the checkpoints stored in the database\n"
     "  --json              print the result as one JSON object\n"},
    {"audit", "vkey", cmd_audit_vkey,
     "print this log's verifier key line for a partner's trust file",
     "  --db URL            database, sqlite:PATH (config key store.db)\n"
     "  --keys DIR          key directory with signing.pub (keys.dir)\n"},
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
    {"keys", "rotate", cmd_keys_rotate,
     "re-wrap every subject key under a new master key (resumable)",
     "  --db URL       database, sqlite:PATH (config key store.db)\n"
     "  --keys DIR     key directory (keys.dir)\n"
     "  --batch N      wrapped keys per transaction (1..1000, default 100)\n"
     "  --prepare      only create master.key.next (restart daemons next)\n"
     "  --finish       destroy master.key.old after a completed rotation\n"},
    {"leads", "canary", cmd_leads_canary,
     "seed a canary lead for one firm (C5.9); prints its id",
     "  --firm ID      the partner firm (required)\n"
     "  --area A       route area of the synthetic lead (default labor)\n"
     "  --region CODE  GB/T 2260 code (default 110101)\n"
     "  --db URL       database, sqlite:PATH or postgres://... (store.db)\n"
     "  --keys DIR     key directory (keys.dir)\n"},
    {"leads", "detect", cmd_leads_detect,
     "run the lead-trading detectors (C5.9); one JSON line per signal",
     "  --db URL       database, sqlite:PATH or postgres://... (store.db)\n"},
    {"people", "bootstrap", cmd_people_bootstrap,
     "create the platform and its first platform_admin; prints a password",
     "  --db URL       database, sqlite:PATH (config key store.db)\n"
     "  --email EMAIL  login of the first platform_admin\n"},
    {"people", "seed-demo", cmd_people_seed_demo,
     "seed fictional demo firms and staff; prints their passwords",
     "  --db URL       database, sqlite:PATH (config key store.db)\n"},
    {"pii", "mask", cmd_pii_mask,
     "print UTF-8 text from stdin with personal data masked",
     "  --date YYYY-MM-DD  reference date for the minor check (today)\n"
     "  --divisions FILE   GB/T 2260 code CSV instead of the embedded one\n"},
    {"pii", "scan", cmd_pii_scan,
     "find personal data in UTF-8 text from stdin (JSON lines)",
     "  --date YYYY-MM-DD  reference date for the minor check (today)\n"
     "  --minor            add \"minor\":true|false to cn_id findings\n"
     "  --divisions FILE   GB/T 2260 code CSV instead of the embedded one\n"},
    {"policy", "explain", cmd_policy_explain,
     "print a policy decision for a staff member and the facts behind it",
     "  --staff ID         the acting staff member (required)\n"
     "  --action A         e.g. view_masked, reveal_field (required)\n"
     "  --purpose P        one of the five purposes of C2.1 (required)\n"
     "  --lead ID          the lead; its facts from the options below\n"
     "  --lead-state S     offered or held\n"
     "  --lead-firm ID     firm the lead is assigned to\n"
     "  --lead-staff ID    staff member holding the lead\n"
     "  --lead-user ID     user who submitted the lead\n"
     "  --subject S        adult or minor\n"
     "  --field F          ordinary or sensitive (reveal_field)\n"
     "  --access ID        a minor's per-access approval\n"
     "  --target ID        receiving staff member (assign, handover)\n"
     "  --grantee ID       staff member of a grant (approve_grant)\n"
     "  --at ISO8601       decide at this instant (default now)\n"
     "  --db URL           database, sqlite:PATH (config key store.db)\n"},
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
    {"sla", "list", cmd_sla_list,
     "list SLA deadlines, soonest due first (JSON lines)",
     "  --db URL       database, sqlite:PATH or postgres://... (store.db)\n"
     "  --open         only deadlines still open\n"
     "  --firm ID      only this firm's\n"
     "  --kind K       only this kind (first_response, complaint, ...)\n"
     "  --limit N      at most N lines\n"},
    {"sla", "schedule", cmd_sla_schedule,
     "schedule an SLA deadline (idempotent by kind and object)",
     "  --db URL       database, sqlite:PATH or postgres://... (store.db)\n"
     "  --kind K       first_response, complaint, complaint_urgent, ...\n"
     "  --object ID    the lead, complaint, incident ... it measures\n"
     "  --firm ID      the firm that owes the duty\n"
     "  --due ISO8601  last instant still on time, with an offset\n"
     "  --start ISO    when the clock started (default: now)\n"},
    {"version", NULL, cmd_version, "print the version", ""},
    {NULL, NULL, NULL, NULL, NULL},
};
