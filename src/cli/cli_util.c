/*
 * cli_util — what several commands share: opening the store the way the
 * configuration says, option errors, ids.
 */
#include "cli/cli_int.h"
#include "crypto/crypto.h"
#include "store/store.h"

#include <limits.h>
#include <stdlib.h>

lx_rc
cli_store_open(struct lx_cli *cli, unsigned flags, int readers,
               struct lx_store **out, struct lx_err *err)
{
    struct lx_store_opts so = {0};
    int current = 0, latest = 0;
    lx_rc rc;

    *out = NULL;
    so.readers = readers > 0 ? readers : (int)cli->conf.readers;
    so.busy_timeout_ms = (int)cli->conf.busy_timeout_ms;
    so.group_max = (int)cli->conf.group_max;
    so.must_exist = (flags & LX_CLI_STORE_MUST_EXIST) != 0;
    rc = lx_crypto_init(err);
    if (rc == LX_OK) {
        rc = lx_store_open(cli->conf.db, &so, out, err);
    }
    if (rc == LX_OK && (flags & LX_CLI_STORE_MIGRATE) != 0) {
        rc = lx_store_migrate(*out, NULL, err);
    }
    if (rc == LX_OK && (flags & LX_CLI_STORE_CURRENT) != 0) {
        rc = lx_store_schema_version(*out, &current, &latest, err);
        if (rc == LX_OK && current != latest) {
            rc = lx_err_set(err, LX_ECONFLICT, NULL,
                            "schema level %d of %d; run 'lexgate db migrate'",
                            current, latest);
        }
    }
    if (rc != LX_OK) {
        lx_store_close(*out);
        *out = NULL;
    }
    return rc;
}

int
cli_bad_option(int c, char **argv, int optind_now)
{
    if (c == ':') {
        return cli_usage("option '%s' needs a value", argv[optind_now - 1]);
    }
    return cli_usage("unknown option '%s'", argv[optind_now - 1]);
}

bool
cli_parse_id(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v;

    if (s == NULL || s[0] < '0' || s[0] > '9') {
        return false;
    }
    v = strtoll(s, &end, 10);
    if (*end != '\0' || v <= 0 || v == LLONG_MAX) {
        return false;
    }
    *out = v;
    return true;
}
