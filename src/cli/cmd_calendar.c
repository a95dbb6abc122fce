/*
 * cmd_calendar — `lexgate calendar deadline` (DESIGN.md; docs/calendar.md).
 *
 * Parses the options, loads the holiday schedule (the copy embedded from
 * data/cn-holidays/, or calendar.file / --calendar FILE), asks the engine
 * for the deadline in strict mode and prints it at +08:00. A day in a year
 * without a schedule is an error here, never a guess.
 */
#include "base/file.h"
#include "base/err.h"
#include "base/mem.h"
#include "base/time.h"
#include "cal/cal.h"
#include "cli/cli_int.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EMBEDDED_DIR "data/cn-holidays/"

enum opt {
    OPT_FROM = 1000,
    OPT_MINUTES,
    OPT_HOURS,
    OPT_WORKING_DAYS,
    OPT_FIRST_RESPONSE,
    OPT_CLOSE,
    OPT_NIGHT,
    OPT_REST_DAYS,
    OPT_CALENDAR,
    OPT_CONFIG,
    OPT_DB,
};

static const struct option long_opts[] = {
    {"from", required_argument, NULL, OPT_FROM},
    {"minutes", required_argument, NULL, OPT_MINUTES},
    {"hours", required_argument, NULL, OPT_HOURS},
    {"working-days", required_argument, NULL, OPT_WORKING_DAYS},
    {"first-response", no_argument, NULL, OPT_FIRST_RESPONSE},
    {"close", required_argument, NULL, OPT_CLOSE},
    {"night", required_argument, NULL, OPT_NIGHT},
    {"rest-days", required_argument, NULL, OPT_REST_DAYS},
    {"calendar", required_argument, NULL, OPT_CALENDAR},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"db", required_argument, NULL, OPT_DB},
    {NULL, 0, NULL, 0},
};

/* A whole number 1..max, digits only (no sign, no spaces). */
static bool
parse_count(const char *s, int64_t max, int64_t *out)
{
    int64_t v = 0;

    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        v = v * 10 + (*s - '0');
        if (v > max) {
            return false;
        }
    }
    if (v < 1) {
        return false;
    }
    *out = v;
    return true;
}

/* "HH:MM" -> minutes after 00:00. */
static bool
parse_hhmm(const char *s, size_t n, int *out)
{
    int h, m;

    if (n != 5 || s[2] != ':') {
        return false;
    }
    for (size_t i = 0; i < 5; i++) {
        if (i != 2 && (s[i] < '0' || s[i] > '9')) {
            return false;
        }
    }
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 23 || m > 59) {
        return false;
    }
    *out = h * 60 + m;
    return true;
}

/* Load the calendar: --calendar FILE, or the one embedded schedule (the
 * .csv under data/cn-holidays/; adding a year is a data change). Returns an
 * exit status (LX_CLI_OK on success). */
static int
load_calendar(const struct lx_cli *cli, struct lx_cal **out)
{
    struct lx_err err = {0};
    struct lx_data d;
    lx_rc rc;

    rc = lx_data_open(cli->conf.calendar_file, EMBEDDED_DIR, ".csv",
                      LX_CAL_MAX_CSV_BYTES, "calendar file (--calendar)", &d,
                      &err);
    if (rc == LX_OK) {
        rc = lx_cal_load(d.p, d.len, out, &err);
    }
    lx_data_release(&d);
    if (rc != LX_OK) {
        return cli_fail(&err, false);
    }
    return LX_CLI_OK;
}

int
cmd_calendar_deadline(struct lx_cli *cli, int argc, char **argv)
{
    struct lx_cal_special special = LX_CAL_SPECIAL_DEFAULT;
    struct lx_cal_rule rule = {0};
    struct lx_cal_result res = {0};
    struct lx_err err = {0};
    struct lx_cal *cal = NULL;
    const char *from = NULL;
    bool special_set = false;
    int64_t start_ms = 0;
    char text[40];
    int rc = LX_CLI_OK, c;

    while ((c = getopt_long(argc, argv, ":", long_opts, NULL)) != -1) {
        enum lx_cal_kind kind = LX_CAL_RULE_NONE;
        int64_t max = 0;
        const char *name = NULL;

        switch (c) {
        case OPT_FROM:
            from = optarg;
            continue;
        case OPT_MINUTES:
            kind = LX_CAL_MINUTES;
            max = LX_CAL_MAX_MINUTES;
            name = "--minutes";
            break;
        case OPT_HOURS:
            kind = LX_CAL_HOURS;
            max = LX_CAL_MAX_HOURS;
            name = "--hours";
            break;
        case OPT_WORKING_DAYS:
            kind = LX_CAL_WORKING_DAYS;
            max = LX_CAL_MAX_WORKING_DAYS;
            name = "--working-days";
            break;
        case OPT_FIRST_RESPONSE:
            kind = LX_CAL_FIRST_RESPONSE;
            break;
        case OPT_CLOSE:
            if (!parse_hhmm(optarg, strlen(optarg), &rule.close_min) ||
                rule.close_min == 0) {
                return cli_usage("--close must be a time HH:MM from 00:01 "
                                 "to 23:59");
            }
            continue;
        case OPT_NIGHT: {
            size_t n = strlen(optarg);
            special_set = true;
            if (strcmp(optarg, "none") == 0) {
                special.night_start_min = special.night_end_min = 0;
            } else if (n != 11 || optarg[5] != '-' ||
                       !parse_hhmm(optarg, 5, &special.night_start_min) ||
                       !parse_hhmm(optarg + 6, 5, &special.night_end_min)) {
                return cli_usage("--night must be HH:MM-HH:MM or none");
            }
            continue;
        }
        case OPT_REST_DAYS:
            special_set = true;
            if (strcmp(optarg, "special") == 0) {
                special.rest_days_special = true;
            } else if (strcmp(optarg, "normal") == 0) {
                special.rest_days_special = false;
            } else {
                return cli_usage("--rest-days must be special or normal");
            }
            continue;
        case OPT_CALENDAR:
            if (!cli_conf_flag(cli, "calendar.file", optarg)) {
                return LX_CLI_USAGE;
            }
            continue;
        case OPT_CONFIG:
            continue; /* read by main before the handler runs */
        case OPT_DB:
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            continue;
        case ':':
            return cli_usage("option '%s' needs a value", argv[optind - 1]);
        default:
            return cli_usage("unknown option '%s'; see 'lexgate calendar "
                             "deadline --help'",
                             argv[optind - 1]);
        }
        if (rule.kind != LX_CAL_RULE_NONE) {
            return cli_usage("give only one of --minutes, --hours, "
                             "--working-days, --first-response");
        }
        rule.kind = kind;
        if (name != NULL && !parse_count(optarg, max, &rule.count)) {
            return cli_usage("%s must be a whole number from 1 to %lld", name,
                             (long long)max);
        }
    }
    if (optind < argc) {
        return cli_usage("unexpected argument; see 'lexgate calendar "
                         "deadline --help'");
    }
    if (from == NULL) {
        return cli_usage("--from ISO8601 is required");
    }
    if (rule.kind == LX_CAL_RULE_NONE) {
        return cli_usage("give one of --minutes, --hours, --working-days, "
                         "--first-response");
    }
    if (rule.close_min != 0 && rule.kind != LX_CAL_WORKING_DAYS) {
        return cli_usage("--close applies to --working-days only");
    }
    if (special_set && rule.kind != LX_CAL_FIRST_RESPONSE) {
        return cli_usage("--night and --rest-days apply to --first-response "
                         "only");
    }
    if (lx_time_parse_iso(from, strlen(from), &start_ms, NULL, &err) != LX_OK) {
        return cli_usage("--from: %s", lx_err_message(&err));
    }
    rule.special = &special;

    rc = load_calendar(cli, &cal);
    if (rc != LX_CLI_OK) {
        goto out;
    }
    if (lx_cal_deadline(cal, start_ms, &rule, &res, &err) != LX_OK) {
        rc = cli_fail(&err, true);
        goto out;
    }
    lx_time_format_cn(res.deadline_ms, text, sizeof(text));
    printf("%s\n", text);
    rc = LX_CLI_OK;

out:
    lx_cal_free(cal);
    return rc;
}
