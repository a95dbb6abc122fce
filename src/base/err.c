/* err — the error table and context helpers. */
#include "base/err.h"

#include <stdio.h>
#include <string.h>

struct err_row {
    const char *name;
    int status;
    const char *slug;
    const char *detail;
};

static const struct err_row rows[] = {
    {"OK", 200, "ok", "ok"},
#define X(name, status, slug, detail) {#name, status, slug, detail},
#include "base/errors.def"
#undef X
};

static const struct err_row *
row_of(lx_rc rc)
{
    if ((int)rc < 0 || (size_t)rc >= sizeof(rows) / sizeof(rows[0])) {
        return &rows[LX_EINTERNAL];
    }
    return &rows[rc];
}

lx_rc
lx_err_set(struct lx_err *err, lx_rc rc, const char *field, const char *fmt,
           ...)
{
    va_list ap;

    if (err == NULL) {
        return rc;
    }
    err->rc = rc;
    err->field = field;
    err->detail[0] = '\0';
    if (fmt != NULL && fmt[0] != '\0') {
        va_start(ap, fmt);
        vsnprintf(err->detail, sizeof(err->detail), fmt, ap);
        va_end(ap);
    }
    return rc;
}

void
lx_err_clear(struct lx_err *err)
{
    if (err != NULL) {
        memset(err, 0, sizeof(*err));
    }
}

int
lx_rc_http_status(lx_rc rc)
{
    return row_of(rc)->status;
}

const char *
lx_rc_slug(lx_rc rc)
{
    return row_of(rc)->slug;
}

const char *
lx_rc_name(lx_rc rc)
{
    return row_of(rc)->name;
}

const char *
lx_rc_default_detail(lx_rc rc)
{
    return row_of(rc)->detail;
}

const char *
lx_err_message(const struct lx_err *err)
{
    if (err->detail[0] != '\0') {
        return err->detail;
    }
    return lx_rc_default_detail(err->rc);
}
