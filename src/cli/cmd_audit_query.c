/*
 * cmd_audit_query — `lexgate audit query`: the filtered, paginated listing
 * of audit entries (compliance staff; a firm's own view with --firm).
 *
 * One JSON object per entry on stdout, then {"next_after":SEQ} when another
 * page follows. The filters are parsed by cmd_audit_common.c into
 * struct lx_audit_query; the query itself is lx_audit_query_tx.
 */
#include "audit/audit.h"
#include "base/buf.h"
#include "base/err.h"
#include "cli/cli_int.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

struct query_req {
    struct lx_audit_query q;
    uint64_t next_after;
    struct lx_buf line;
    size_t rows;
};

static lx_rc
print_row(void *arg, const struct lx_audit_entry *e)
{
    static const char *const keys[] = {
        "actor_role", "action",   "resource_type", "resource_id", "field",
        "purpose",    "decision", "reason",        "clause",      "request_id",
    };
    const char *vals[] = {
        e->actor_role, e->action,     e->resource_type, e->resource_id,
        e->field,      e->purpose,    e->decision,      e->reason,
        e->clause,     e->request_id,
    };
    struct query_req *q = arg;
    struct lx_buf *b = &q->line;
    const char *kind = lx_audit_kind_name(e->kind);
    lx_rc rc;

    lx_buf_reset(b);
    rc = lx_buf_printf(b,
                       "{\"seq\":%llu,\"time_ms\":%lld,\"kind\":\"%s\","
                       "\"actor_kind\":%d,\"actor_id\":%lld,"
                       "\"actor_firm\":%lld,\"subject\":\"",
                       (unsigned long long)e->seq, (long long)e->time_ms,
                       kind != NULL ? kind : "", e->actor_kind,
                       (long long)e->actor_id, (long long)e->actor_firm);
    for (size_t i = 0; i < e->subject_len && rc == LX_OK; i++) {
        rc = lx_buf_printf(b, "%02x", e->subject[i]);
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(b, "\"", 1);
    }
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys) && rc == LX_OK; i++) {
        rc = lx_buf_printf(b, ",\"%s\":", keys[i]);
        if (rc == LX_OK) {
            rc = lx_buf_append_json_str(b, vals[i], strlen(vals[i]));
        }
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(b, "}\n", 2);
    }
    if (rc == LX_OK) {
        fwrite(b->p, 1, b->len, stdout);
        q->rows++;
    }
    return rc;
}

static lx_rc
query_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct query_req *q = arg;

    return lx_audit_query_tx(tx, &q->q, print_row, q, &q->next_after, err);
}

int
cmd_audit_query(struct lx_cli *cli, int argc, char **argv)
{
    struct query_req q = {.line = LX_BUF_INIT(64 * 1024)};
    struct lx_store *st = NULL;
    struct lx_err err = {0};
    struct cli__audit_opts o;
    int status;
    lx_rc rc;

    status = cli__audit_parse_opts(
        cli, argc, argv,
        LX_CLI_AUDIT_OPT_DB | LX_CLI_AUDIT_OPT_CONFIG | LX_CLI_AUDIT_OPT_FIRM |
            LX_CLI_AUDIT_OPT_ACTOR | LX_CLI_AUDIT_OPT_SUBJECT |
            LX_CLI_AUDIT_OPT_KIND | LX_CLI_AUDIT_OPT_ACTION |
            LX_CLI_AUDIT_OPT_CLAUSE | LX_CLI_AUDIT_OPT_SINCE |
            LX_CLI_AUDIT_OPT_UNTIL | LX_CLI_AUDIT_OPT_AFTER |
            LX_CLI_AUDIT_OPT_LIMIT,
        &o);
    if (status != LX_CLI_OK) {
        return status;
    }
    q.q = o.q;
    rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST | LX_CLI_STORE_CURRENT, 1,
                        &st, &err);
    if (rc == LX_OK) {
        rc = lx_store_read(st, query_unit, &q, &err);
    }
    if (rc != LX_OK) {
        status = cli_fail(&err, true);
    } else if (q.next_after != 0) {
        printf("{\"next_after\":%llu}\n", (unsigned long long)q.next_after);
    }
    lx_buf_release(&q.line);
    lx_store_close(st);
    return status;
}
