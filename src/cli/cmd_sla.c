/*
 * cmd_sla — `lexgate sla schedule` and `lexgate sla list`: put a deadline
 * into the store by hand (operators, tests) and show deadlines, soonest
 * first, as JSON lines (docs/sla.md). The daemon (`lexgate serve`) fires
 * them.
 */
#include "base/buf.h"
#include "base/err.h"
#include "base/time.h"
#include "cli/cli_int.h"
#include "sla/sla.h"
#include "store/store.h"

#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
parse_time(const char *s, int64_t *out)
{
    struct lx_err err = {0};

    return lx_time_parse_iso(s, strlen(s), out, NULL, &err) == LX_OK;
}

static void
put_time(struct lx_buf *b, const char *key, int64_t ms, bool present)
{
    char t[40];

    if (!present) {
        lx_buf_printf(b, ",\"%s\":null", key);
        return;
    }
    lx_time_format(ms, LX_CN_OFFSET_MIN, true, t, sizeof(t));
    lx_buf_printf(b, ",\"%s\":\"%s\"", key, t);
}

int
cmd_sla_schedule(struct lx_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"kind", required_argument, NULL, 'k'},
        {"object", required_argument, NULL, 'o'},
        {"firm", required_argument, NULL, 'f'},
        {"due", required_argument, NULL, 'u'},
        {"start", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    enum lx_sla_kind kind = LX_SLA_KIND_NONE;
    int64_t object_id = 0, firm_id = 0, due_ms = 0, start_ms = 0;
    bool have_due = false, have_start = false, created = false;
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct lx_buf out = LX_BUF_INIT(4096);
    int c, status;

    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case 'k':
            kind = lx_sla_kind_parse(optarg);
            if (kind == LX_SLA_KIND_NONE) {
                return cli_usage("--kind: unknown deadline kind");
            }
            break;
        case 'o':
            if (!cli_parse_id(optarg, &object_id)) {
                return cli_usage("--object: want a positive integer id");
            }
            break;
        case 'f':
            if (!cli_parse_id(optarg, &firm_id)) {
                return cli_usage("--firm: want a positive integer id");
            }
            break;
        case 'u':
            if (!parse_time(optarg, &due_ms)) {
                return cli_usage("--due: want ISO 8601 with an offset");
            }
            have_due = true;
            break;
        case 's':
            if (!parse_time(optarg, &start_ms)) {
                return cli_usage("--start: want ISO 8601 with an offset");
            }
            have_start = true;
            break;
        case 'c':
            break; /* read by main */
        case ':':
        default:
            return cli_bad_option(c, argv, optind);
        }
    }
    if (optind < argc) {
        return cli_usage("unexpected argument '%s'", argv[optind]);
    }
    if (kind == LX_SLA_KIND_NONE || object_id == 0 || firm_id == 0 ||
        !have_due) {
        return cli_usage("sla schedule needs --kind, --object, --firm and "
                         "--due");
    }
    if (!have_start) {
        start_ms = lx_time_now_ms();
        if (start_ms > due_ms) {
            start_ms = due_ms; /* a deadline set in the past starts there */
        }
    }
    if (cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                       &st, &err) != LX_OK ||
        lx_sla_schedule(st, kind, object_id, firm_id, start_ms, due_ms,
                        &created, &err) != LX_OK) {
        status = cli_fail(&err, false);
        goto out;
    }
    lx_buf_printf(&out,
                  "{\"kind\":\"%s\",\"object\":%" PRId64 ",\"firm\":%" PRId64,
                  lx_sla_kind_name(kind), object_id, firm_id);
    put_time(&out, "due", due_ms, true);
    lx_buf_printf(&out, ",\"created\":%s}\n", created ? "true" : "false");
    fputs(lx_buf_peek(&out), stdout);
    status = LX_CLI_OK;

out:
    lx_buf_release(&out);
    lx_store_close(st);
    return status;
}

static lx_rc
print_timer(const struct lx_sla_timer *t, void *arg)
{
    struct lx_buf *b = arg;

    lx_buf_reset(b);
    lx_buf_printf(b,
                  "{\"id\":%" PRId64 ",\"kind\":\"%s\",\"object\":%" PRId64
                  ",\"firm\":%" PRId64,
                  t->id,
                  lx_sla_kind_name(t->kind) != NULL ? lx_sla_kind_name(t->kind)
                                                    : "unknown",
                  t->object_id, t->firm_id);
    put_time(b, "start", t->start_ms, true);
    put_time(b, "due", t->due_ms, true);
    lx_buf_printf(b, ",\"state\":\"%s\"", lx_sla_state_name(t->state));
    put_time(b, "done", t->done_ms, t->done_ms != 0);
    put_time(b, "fired", t->fired_ms, t->state == LX_SLA_FIRED);
    lx_buf_printf(b, ",\"late\":%s,\"fired_by\":", t->late ? "true" : "false");
    if (t->fired_by[0] != '\0') {
        lx_buf_append_json_str(b, t->fired_by, strlen(t->fired_by));
    } else {
        lx_buf_append_str(b, "null");
    }
    lx_buf_append_str(b, "}\n");
    if (fputs(lx_buf_peek(b), stdout) == EOF) {
        return LX_EIO;
    }
    return LX_OK;
}

int
cmd_sla_list(struct lx_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"open", no_argument, NULL, 'O'},
        {"firm", required_argument, NULL, 'f'},
        {"kind", required_argument, NULL, 'k'},
        {"limit", required_argument, NULL, 'n'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct lx_sla_filter f = {0};
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct lx_buf line = LX_BUF_INIT(4096);
    int64_t v = 0;
    int c, status;
    lx_rc rc;

    while ((c = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case 'O':
            f.open_only = true;
            break;
        case 'f':
            if (!cli_parse_id(optarg, &f.firm_id)) {
                return cli_usage("--firm: want a positive integer id");
            }
            break;
        case 'k':
            f.kind = lx_sla_kind_parse(optarg);
            if (f.kind == LX_SLA_KIND_NONE) {
                return cli_usage("--kind: unknown deadline kind");
            }
            break;
        case 'n':
            if (!cli_parse_id(optarg, &v) || v > 1000000000) {
                return cli_usage("--limit: want 1..1000000000");
            }
            f.limit = (int)v;
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
    rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                       &st, &err);
    if (rc == LX_OK) {
        rc = lx_sla_list(st, &f, print_timer, &line, &err);
        if (rc != LX_OK && err.rc == LX_OK) {
            lx_err_set(&err, rc, NULL, "cannot write the list");
        }
    }
    status = rc == LX_OK ? LX_CLI_OK : cli_fail(&err, false);
    if (fflush(stdout) != 0 && status == LX_CLI_OK) {
        fputs("lexgate: cannot write to stdout\n", stderr);
        status = LX_CLI_FAILED;
    }
    lx_buf_release(&line);
    lx_store_close(st);
    return status;
}
