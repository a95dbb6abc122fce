/* cmd_pii — `lexgate pii scan` and `lexgate pii mask` (DESIGN.md):
 * UTF-8 text on stdin; scan prints one JSON object per finding,
 * {"line":N,"type":T,"text":S,"start":B,"end":B} (byte offsets within
 * the line, end exclusive, lines from 1); mask prints the text with the
 * findings masked. The division codes are the embedded
 * data/gbt2260/divisions.csv (or --divisions FILE) plus retired.csv.
 * Errors name line numbers, never content. */
#include "base/asset.h"
#include "base/file.h"
#include "base/buf.h"
#include "base/mem.h"
#include "base/time.h"
#include "base/utf8.h"
#include "cli/cli_int.h"
#include "pii/pii.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PII_INPUT_MAX ((size_t)1 << 30)
#define PII_FILE_MAX ((size_t)16 << 20)
#define PII_OUT_FLUSH ((size_t)1 << 16)

struct pii_run {
    struct lx_pii_opts opts;
    bool mask;
    bool minor; /* add "minor":true|false to cn_id findings */
    const char *divisions;
    struct lx_buf out;
    size_t line_no;
    const char *line;
    bool overflow;
};

static bool
flush_out(struct lx_buf *out, bool force)
{
    if (out->len == 0 || (!force && out->len < PII_OUT_FLUSH)) {
        return true;
    }
    if (fwrite(out->p, 1, out->len, stdout) != out->len) {
        return false;
    }
    lx_buf_reset(out);
    return true;
}

static bool
print_finding(void *arg, const struct lx_pii_finding *f)
{
    struct pii_run *r = arg;
    lx_rc rc;

    rc = lx_buf_printf(&r->out,
                       "{\"line\":%zu,\"type\":\"%s\",\"text\":", r->line_no,
                       lx_pii_type_name(f->type));
    if (rc == LX_OK) {
        rc = lx_buf_append_json_str(&r->out, r->line + f->start,
                                    f->end - f->start);
    }
    if (rc == LX_OK) {
        rc = lx_buf_printf(&r->out, ",\"start\":%zu,\"end\":%zu", f->start,
                           f->end);
    }
    if (rc == LX_OK && r->minor && f->type == LX_PII_CN_ID) {
        rc = lx_buf_append_str(&r->out, (f->flags & LX_PII_MINOR)
                                            ? ",\"minor\":true"
                                            : ",\"minor\":false");
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(&r->out, "}\n", 2);
    }
    r->overflow = rc != LX_OK;
    return rc == LX_OK;
}

static int
load_regions(struct pii_run *r, struct lx_pii_regions *regions)
{
    const struct lx_asset *retired = lx_asset_find("data/gbt2260/retired.csv");
    struct lx_err err = {0};
    char *data = NULL;
    size_t len = 0, added = 0;
    lx_rc rc;

    if (r->divisions != NULL) {
        if (lx_file_read(r->divisions, PII_FILE_MAX, "the --divisions file",
                         &data, &len, &err) != LX_OK) {
            return cli_fail(&err, false);
        }
        rc = lx_pii_regions_add_csv(regions, data, len, &added, &err);
        free(data);
    } else {
        const struct lx_asset *a = lx_asset_find("data/gbt2260/divisions.csv");
        if (a == NULL) {
            cli_usage("pii: division codes are not embedded in this build");
            return LX_CLI_FAILED;
        }
        rc = lx_pii_regions_add_csv(regions, (const char *)a->data, a->len,
                                    &added, &err);
    }
    if (rc != LX_OK) {
        return cli_fail(&err, false);
    }
    if (added == 0) {
        cli_usage("pii: the division code list is empty");
        return LX_CLI_FAILED;
    }
    if (retired != NULL &&
        lx_pii_regions_add_csv(regions, (const char *)retired->data,
                               retired->len, NULL, &err) != LX_OK) {
        return cli_fail(&err, false);
    }
    return LX_CLI_OK;
}

static int
run(struct pii_run *r, const char *in, size_t len)
{
    size_t i = 0, no = 0;
    struct lx_err err = {0};

    /* Validate everything first: bad input prints nothing on stdout. */
    while (i < len) {
        const char *nl = memchr(in + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - in) : len;
        no++;
        if (!lx_utf8_valid(in + i, end - i, NULL)) {
            cli_usage("pii: invalid UTF-8 on line %zu", no);
            return LX_CLI_FAILED;
        }
        i = end + 1;
    }
    for (i = 0, no = 0; i < len;) {
        const char *nl = memchr(in + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - in) : len;
        lx_rc rc = LX_OK;

        r->line_no = ++no;
        r->line = in + i;
        if (r->mask) {
            rc = lx_pii_mask_text(&r->opts, in + i, end - i, &r->out, NULL,
                                  &err);
            if (rc == LX_OK && nl != NULL) {
                rc = lx_buf_append(&r->out, "\n", 1);
            }
        } else {
            lx_pii_scan(&r->opts, in + i, end - i, print_finding, r);
            rc = r->overflow ? LX_ETOOBIG : LX_OK;
        }
        if (rc != LX_OK) {
            cli_usage("pii: output for line %zu is too large", no);
            return LX_CLI_FAILED;
        }
        if (!flush_out(&r->out, false)) {
            cli_usage("pii: cannot write standard output");
            return LX_CLI_FAILED;
        }
        i = end + 1;
    }
    if (!flush_out(&r->out, true) || fflush(stdout) != 0) {
        cli_usage("pii: cannot write standard output");
        return LX_CLI_FAILED;
    }
    return LX_CLI_OK;
}

static int
cmd_pii(struct lx_cli *cli, int argc, char **argv, bool mask)
{
    static const struct option opts[] = {
        {"date", required_argument, NULL, 'd'},
        {"divisions", required_argument, NULL, 'v'},
        {"minor", no_argument, NULL, 'm'},
        {"db", required_argument, NULL, 'b'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct pii_run r = {.mask = mask, .out = LX_BUF_INIT(PII_INPUT_MAX)};
    struct lx_pii_regions *regions = NULL;
    struct lx_err err = {0};
    const char *date = NULL;
    char *in = NULL;
    size_t len = 0;
    int c, st;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            date = optarg;
            break;
        case 'v':
            r.divisions = optarg;
            break;
        case 'm':
            if (mask) {
                return cli_usage("pii mask: --minor applies to pii scan");
            }
            r.minor = true;
            break;
        case 'b':
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case 'c':
            break;
        default:
            return cli_usage("pii: unknown option '%s'; see 'lexgate pii %s "
                             "--help'",
                             argv[optind - 1], mask ? "mask" : "scan");
        }
    }
    if (optind < argc) {
        return cli_usage("pii: unexpected argument '%s'", argv[optind]);
    }
    if (date != NULL) {
        if (lx_date_parse(date, strlen(date), &r.opts.ref_days, &err) !=
            LX_OK) {
            return cli_usage("pii: --date wants YYYY-MM-DD");
        }
    } else {
        int64_t ms = lx_time_now_ms() + (int64_t)LX_CN_OFFSET_MIN * 60000;
        r.opts.ref_days = ms / LX_MS_PER_DAY;
    }
    regions = lx_pii_regions_new();
    r.opts.regions = regions;
    st = load_regions(&r, regions);
    if (st != LX_CLI_OK) {
        goto out;
    }
    if (!cli_read_stdin(PII_INPUT_MAX, &in, &len)) {
        st = LX_CLI_FAILED;
        goto out;
    }
    st = run(&r, in, len);

out:
    free(in);
    lx_buf_release(&r.out);
    lx_pii_regions_free(regions);
    return st;
}

int
cmd_pii_scan(struct lx_cli *cli, int argc, char **argv)
{
    return cmd_pii(cli, argc, argv, false);
}

int
cmd_pii_mask(struct lx_cli *cli, int argc, char **argv)
{
    return cmd_pii(cli, argc, argv, true);
}
