/*
 * cmd_scan — `lexgate scan` (DESIGN.md: JSON Lines in, verdicts out) and
 * `lexgate scan rules` (the rule pack, for compliance officers).
 *
 * The pack is the embedded rules/<name>.rules assets, or every *.rules
 * file of --rules DIR. Errors name an input line number or a rule file and
 * line, never message text.
 */
#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/mem.h"
#include "cli/cli_int.h"
#include "scan/scan.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RULE_FILE (1024 * 1024)
#define MAX_RULE_FILES 64
#define MAX_INPUT_LINE (1024 * 1024)

struct rule_files {
    struct lx_scan_source src[MAX_RULE_FILES];
    char *owned[MAX_RULE_FILES * 2];
    size_t n, n_owned;
};

static void
rule_files_release(struct rule_files *rf)
{
    for (size_t i = 0; i < rf->n_owned; i++) {
        free(rf->owned[i]);
    }
    rf->n = rf->n_owned = 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read one file under a cap into a malloc'd buffer. */
static int
read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct lx_buf b = LX_BUF_INIT(MAX_RULE_FILE);
    char chunk[8192];
    size_t r;

    if (f == NULL) {
        return cli_usage("cannot open rule file %s", path);
    }
    while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (lx_buf_append(&b, chunk, r) != LX_OK) {
            fclose(f);
            lx_buf_release(&b);
            return cli_usage("rule file %s is larger than %d bytes", path,
                             MAX_RULE_FILE);
        }
    }
    if (ferror(f)) {
        fclose(f);
        lx_buf_release(&b);
        return cli_usage("cannot read rule file %s", path);
    }
    fclose(f);
    *len = b.len;
    *out = b.p != NULL ? b.p : lx_xstrdup("");
    return LX_CLI_OK;
}

static int
load_dir(const char *dir, struct rule_files *rf)
{
    DIR *d = opendir(dir);
    char *names[MAX_RULE_FILES];
    size_t n = 0;
    struct dirent *e;
    int rc = LX_CLI_OK;

    if (d == NULL) {
        return cli_usage("cannot open rules directory %s", dir);
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !ends_with(e->d_name, ".rules")) {
            continue;
        }
        if (n == MAX_RULE_FILES) {
            closedir(d);
            for (size_t i = 0; i < n; i++) {
                free(names[i]);
            }
            return cli_usage("more than %d rule files in %s",
                             MAX_RULE_FILES, dir);
        }
        names[n++] = lx_xstrdup(e->d_name);
    }
    closedir(d);
    if (n == 0) {
        return cli_usage("no .rules files in %s", dir);
    }
    qsort(names, n, sizeof(char *), cmp_str);
    for (size_t i = 0; i < n; i++) {
        struct lx_buf path = LX_BUF_INIT(8192);
        char *text = NULL;
        size_t len = 0;
        if (rc == LX_CLI_OK &&
            lx_buf_printf(&path, "%s/%s", dir, names[i]) != LX_OK) {
            rc = cli_usage("rules directory path too long");
        }
        if (rc == LX_CLI_OK) {
            rc = read_file(path.p, &text, &len);
        }
        if (rc == LX_CLI_OK) {
            rf->owned[rf->n_owned++] = path.p;
            rf->owned[rf->n_owned++] = text;
            rf->src[rf->n++] = (struct lx_scan_source){path.p, text, len};
        } else {
            lx_buf_release(&path);
        }
        free(names[i]);
    }
    return rc;
}

/* Compile the pack from --rules DIR or the embedded files. */
static int
load_pack(const char *dir, struct lx_scan_pack **out)
{
    struct rule_files rf;
    struct lx_err err = {0};
    int rc;

    if (dir == NULL) {
        return lx_scan_pack_compile_embedded(out, &err) == LX_OK
                   ? LX_CLI_OK
                   : cli_fail(&err, false);
    }
    memset(&rf, 0, sizeof(rf));
    rc = load_dir(dir, &rf);
    if (rc == LX_CLI_OK &&
        lx_scan_pack_compile(rf.src, rf.n, out, &err) != LX_OK) {
        rc = cli_fail(&err, false);
    }
    rule_files_release(&rf);
    return rc;
}

/* Options shared by both commands: --rules DIR (and --config, read by
 * main). */
static int
parse_opts(int argc, char **argv, const char **rules_dir)
{
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    int c;

    *rules_dir = NULL;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            *rules_dir = optarg;
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
    return LX_CLI_OK;
}

static lx_rc
render(struct lx_buf *o, json_t *id, const struct lx_scan_result *r)
{
    char *ids = json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT);
    lx_rc rc;

    if (ids == NULL) {
        lx_oom_abort("json_dumps");
    }
    rc = lx_buf_printf(o, "{\"id\":%s,\"verdict\":\"%s\",\"findings\":[",
                       ids, lx_scan_verdict_name(r->verdict));
    free(ids);
    for (size_t i = 0; i < r->n_findings && rc == LX_OK; i++) {
        const struct lx_scan_finding *f = &r->findings[i];
        rc = lx_buf_printf(o,
                           "%s{\"category\":\"%s\",\"clause\":\"%s\","
                           "\"rule\":\"%s\",\"start\":%zu,\"end\":%zu}",
                           i ? "," : "", lx_scan_category_name(f->category),
                           f->clause, f->rule, f->start, f->end);
    }
    if (rc == LX_OK) {
        rc = lx_buf_append_str(o, "]}\n");
    }
    return rc;
}

/* Screen one input line; prints the error itself. */
static int
scan_line(struct lx_scan_scanner *sc, const char *line, size_t len,
          unsigned long lineno, struct lx_buf *o)
{
    const struct lx_json_limits lim = {.max_bytes = MAX_INPUT_LINE,
                                       .max_depth = 8,
                                       .max_string_bytes = MAX_INPUT_LINE};
    struct lx_scan_result res;
    struct lx_err err = {0};
    json_t *root = NULL, *id;
    const char *text;
    size_t tlen;
    int rc = LX_CLI_FAILED;

    if (lx_json_parse(line, len, &lim, (struct json_t **)&root, &err) !=
        LX_OK) {
        fprintf(stderr, "lexgate: input line %lu: %s\n", lineno,
                lx_err_message(&err));
        return LX_CLI_FAILED;
    }
    if (!json_is_object(root)) {
        fprintf(stderr, "lexgate: input line %lu: not a JSON object\n",
                lineno);
        goto out;
    }
    id = json_object_get(root, "id");
    if (!json_is_string(id) && !json_is_number(id)) {
        fprintf(stderr,
                "lexgate: input line %lu: \"id\" must be a string or a "
                "number\n",
                lineno);
        goto out;
    }
    if (lx_json_get_str(root, "text", "/text", &text, &tlen, &err) != LX_OK) {
        fprintf(stderr, "lexgate: input line %lu: \"text\" must be a string\n",
                lineno);
        goto out;
    }
    if (lx_scan_text(sc, text, tlen, NULL, &res, &err) != LX_OK) {
        fprintf(stderr, "lexgate: input line %lu: %s\n", lineno,
                lx_err_message(&err));
        goto out;
    }
    if (render(o, id, &res) != LX_OK) {
        fprintf(stderr, "lexgate: input line %lu: output too large\n", lineno);
        goto out;
    }
    rc = LX_CLI_OK;
out:
    json_decref(root);
    return rc;
}

int
cmd_scan(struct lx_cli *cli, int argc, char **argv)
{
    struct lx_scan_pack *pack = NULL;
    struct lx_scan_scanner *sc = NULL;
    struct lx_err err = {0};
    struct lx_buf line = LX_BUF_INIT(MAX_INPUT_LINE);
    struct lx_buf o = LX_BUF_INIT(64 * 1024 * 1024);
    const char *dir;
    unsigned long lineno = 0;
    bool at_eof = false;
    static char chunk[65536];
    size_t have = 0, pos = 0;
    int rc;

    (void)cli;
    rc = parse_opts(argc, argv, &dir);
    if (rc != LX_CLI_OK) {
        return rc;
    }
    rc = load_pack(dir, &pack);
    if (rc != LX_CLI_OK) {
        return rc;
    }
    if (lx_scan_scanner_new(pack, &sc, &err) != LX_OK) {
        rc = cli_fail(&err, false);
        goto out;
    }
    while (!at_eof) {
        bool eol = false;
        /* Gather one line into 'line'. */
        lx_buf_reset(&line);
        while (!eol) {
            const char *nl;
            size_t take;
            if (pos == have) {
                ssize_t r = read(0, chunk, sizeof(chunk));
                if (r < 0 && errno == EINTR) {
                    continue;
                }
                if (r < 0) {
                    rc = cli_usage("cannot read standard input");
                    goto out;
                }
                if (r == 0) {
                    at_eof = true;
                    break;
                }
                have = (size_t)r;
                pos = 0;
            }
            nl = memchr(chunk + pos, '\n', have - pos);
            take = nl ? (size_t)(nl - (chunk + pos)) : have - pos;
            if (lx_buf_append(&line, chunk + pos, take) != LX_OK) {
                fprintf(stderr,
                        "lexgate: input line %lu: longer than %d bytes\n",
                        lineno + 1, MAX_INPUT_LINE);
                rc = LX_CLI_FAILED;
                goto out;
            }
            pos += take + (nl ? 1 : 0);
            eol = nl != NULL;
        }
        if (at_eof && line.len == 0) {
            break;
        }
        lineno++;
        if (line.len > 0 && line.p[line.len - 1] == '\r') {
            line.len--;
        }
        if (line.len == 0) {
            continue; /* blank lines separate nothing; skip them */
        }
        rc = scan_line(sc, line.p, line.len, lineno, &o);
        if (rc != LX_CLI_OK) {
            goto out;
        }
        if (o.len >= 64 * 1024) {
            fwrite(o.p, 1, o.len, stdout);
            lx_buf_reset(&o);
        }
    }
    if (o.len > 0) {
        fwrite(o.p, 1, o.len, stdout);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "lexgate: cannot write standard output\n");
        rc = LX_CLI_FAILED;
        goto out;
    }
    rc = LX_CLI_OK;
out:
    if (rc != LX_CLI_OK && o.len > 0) {
        /* Verdicts for the lines before the bad one still count. */
        fwrite(o.p, 1, o.len, stdout);
        fflush(stdout);
    }
    lx_buf_release(&line);
    lx_buf_release(&o);
    lx_scan_scanner_free(sc);
    lx_scan_pack_free(pack);
    return rc;
}

int
cmd_scan_rules(struct lx_cli *cli, int argc, char **argv)
{
    struct lx_scan_pack *pack = NULL;
    const char *dir;
    size_t n;
    int rc;

    (void)cli;
    rc = parse_opts(argc, argv, &dir);
    if (rc != LX_CLI_OK) {
        return rc;
    }
    rc = load_pack(dir, &pack);
    if (rc != LX_CLI_OK) {
        return rc;
    }
    n = lx_scan_pack_rule_count(pack);
    printf("pack %s rules %zu\n", lx_scan_pack_version(pack), n);
    for (size_t i = 0; i < n; i++) {
        const struct lx_scan_rule_info *r = lx_scan_pack_rule(pack, i);
        printf("%s %s %s %s\n", r->id, lx_scan_category_name(r->category),
               lx_scan_category_clause(r->category),
               lx_scan_verdict_name(r->severity));
    }
    lx_scan_pack_free(pack);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "lexgate: cannot write standard output\n");
        return LX_CLI_FAILED;
    }
    return LX_CLI_OK;
}
