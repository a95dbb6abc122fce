/*
 * err — status codes and the error context (STYLE.md §5).
 *
 * Every fallible function returns lx_rc: LX_OK (0) or a positive code from
 * base/errors.def. Detail goes into a struct lx_err owned by the caller
 * (usually ctx->err): the code, a JSON pointer to the offending input field,
 * the contract clause when one applies, and a short detail string.
 *
 * The detail is built only from constants, ids and field names — never from
 * personal data or free text a user sent. That is a rule for callers; the
 * canary tests are the backstop.
 */
#ifndef LX_BASE_ERR_H
#define LX_BASE_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum lx_rc_enum {
    LX_OK = 0,
#define X(name, status, slug, detail) LX_##name,
#include "base/errors.def"
#undef X
    LX_RC_COUNT_
};
typedef enum lx_rc_enum lx_rc;

struct lx_err {
    lx_rc rc;
    const char *field;  /* JSON pointer into the input, or NULL; static */
    const char *clause; /* contract clause id such as "C5.1", or NULL */
    char detail[160];
};

/*
 * Fill 'err' (which may be NULL) and return 'rc', so callers can write
 *     return lx_err_set(err, LX_EINVAL, "/from", "not ISO 8601");
 * 'field' must be a static string. A NULL or empty format leaves the
 * default detail from errors.def.
 */
lx_rc lx_err_set(struct lx_err *err, lx_rc rc, const char *field,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Reset to "no error". */
void lx_err_clear(struct lx_err *err);

/* Table look-ups; unknown codes map to EINTERNAL's values. Never NULL. */
int lx_rc_http_status(lx_rc rc);
const char *lx_rc_slug(lx_rc rc);
const char *lx_rc_name(lx_rc rc); /* "EINVAL" */
const char *lx_rc_default_detail(lx_rc rc);

/* The detail to show: err->detail when set, else the default for err->rc. */
const char *lx_err_message(const struct lx_err *err);

/* The RFC 9457 problem type URI prefix; the slug follows it. */
#define LX_PROBLEM_TYPE_PREFIX "urn:lexgate:problem:"

#endif /* LX_BASE_ERR_H */
