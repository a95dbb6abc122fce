/*
 * pii — find, validate and mask personal data in UTF-8 Chinese text.
 *
 * A pure engine (DESIGN.md "engines"): no I/O, no clock, no store. The
 * caller hands in the known GB/T 2260 division codes (struct
 * lx_pii_regions, built from CSV bytes) and the reference date for the
 * minor flag, so every result is reproducible.
 *
 * lx_pii_scan() is one forward pass over the bytes: a byte-class table
 * skips plain text, and only digits, ASCII/full-width letters, '+' and a
 * few Han characters (the plate provinces, 微/薇 and 扣) start the
 * table-driven validators; e-mail addresses, house numbers and the words
 * that make a number a look-alike are checked around those tokens.
 * Findings come out in order of their start offset and never overlap.
 * Offsets are byte offsets into the text given.
 *
 * What counts as PII, what is a look-alike and how each type is masked is
 * the policy written down in docs/pii.md; tests/data/pii/ holds the cases.
 *
 * Thread-safety: a struct lx_pii_regions is read-only after it is filled
 * and may be shared by any number of concurrent scans.
 */
#ifndef LX_PII_H
#define LX_PII_H

#include "base/buf.h"
#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The types of DESIGN.md, plus NAME for lx_pii_mask_value() only. */
enum lx_pii_type {
    LX_PII_NONE = 0,
    LX_PII_CN_ID,
    LX_PII_CN_MOBILE,
    LX_PII_CN_LANDLINE,
    LX_PII_BANK_CARD,
    LX_PII_EMAIL,
    LX_PII_USCC,
    LX_PII_PASSPORT,
    LX_PII_HK_MACAO_PERMIT,
    LX_PII_PLATE,
    LX_PII_WECHAT,
    LX_PII_QQ,
    LX_PII_ADDRESS,
    LX_PII_NAME, /* never found by a scan; a vault field type for masking */
    LX_PII_TYPE_COUNT_
};

enum lx_pii_flags {
    LX_PII_MINOR = 1u << 0, /* cn_id whose holder is under 14 at ref date */
};

struct lx_pii_finding {
    enum lx_pii_type type;
    size_t start; /* byte offset of the first byte */
    size_t end;   /* byte offset one past the last byte */
    unsigned flags;
};

/* The set of known six-digit division codes, as a bitmap. Opaque. */
struct lx_pii_regions;

struct lx_pii_opts {
    const struct lx_pii_regions *regions; /* required for cn_id */
    int64_t ref_days; /* reference date, days since 1970-01-01 (+08:00) */
};

/* Called once per finding, in order. Return false to stop the scan. */
typedef bool lx_pii_emit_fn(void *arg, const struct lx_pii_finding *f);

/* The type's name in DESIGN.md ("cn_id"); "none" for NONE. Never NULL. */
const char *lx_pii_type_name(enum lx_pii_type t);
/* The type called 'name' (as lx_pii_type_name), or LX_PII_NONE. */
enum lx_pii_type lx_pii_type_from_name(const char *name);

/* An empty set. Aborts on out-of-memory; free with lx_pii_regions_free. */
struct lx_pii_regions *lx_pii_regions_new(void);
void lx_pii_regions_free(struct lx_pii_regions *r); /* NULL is fine */

/*
 * Add the codes of a CSV whose first column is a six-digit code (the
 * format of data/gbt2260/divisions.csv and retired.csv). A first row
 * whose first field is not a code is a header and skipped; blank lines and
 * lines starting with '#' are skipped. Any other row without a six-digit
 * first field fails with LX_EINVAL naming the row number; the set may then
 * hold the rows before it. *added (may be NULL) gets the number of rows.
 */
lx_rc lx_pii_regions_add_csv(struct lx_pii_regions *r, const char *csv,
                             size_t len, size_t *added, struct lx_err *err);

/* True when 'code' (0..999999) is in the set. */
bool lx_pii_regions_has(const struct lx_pii_regions *r, uint32_t code);

/*
 * Scan text[0..len) and call 'emit' for each finding. Invalid UTF-8 is
 * not an error here: bad bytes are treated as separators (the CLI rejects
 * invalid input before it gets here). Cannot fail.
 */
void lx_pii_scan(const struct lx_pii_opts *opts, const char *text, size_t len,
                 lx_pii_emit_fn *emit, void *arg);

/*
 * Write the masked form of one value of type 't' to out (NUL-terminated,
 * at most outsize bytes including the NUL); *outlen (may be NULL) gets its
 * length. 'text' is the value alone, as found by a scan or as stored in a
 * vault field (NAME: a person's name, "张**"). Fails with LX_EINVAL for
 * NONE or an empty value and LX_ETOOBIG when out is too small; the error
 * names no content.
 */
lx_rc lx_pii_mask_value(enum lx_pii_type t, const char *text, size_t len,
                        char *out, size_t outsize, size_t *outlen,
                        struct lx_err *err);

/*
 * Append text[0..len) to 'out' with every finding replaced by its masked
 * form (lx_pii_mask_value). *count (may be NULL) gets the number of
 * findings. Fails only with LX_ETOOBIG from 'out' (out keeps what was
 * appended before the call).
 */
lx_rc lx_pii_mask_text(const struct lx_pii_opts *opts, const char *text,
                       size_t len, struct lx_buf *out, size_t *count,
                       struct lx_err *err);

/* Validators, exported for tests and the vault's field checks. 's' holds
 * ASCII digits (and the final X/x for cn_id). */

/* ISO 7064 MOD 11-2 check character of the first 17 digits: '0'..'9'/'X'. */
char lx_pii_id_check_char(const char *digits17);
/* Luhn check over n ASCII digits. */
bool lx_pii_luhn_ok(const char *digits, size_t n);
/* GB 32100-2015 check character of the first 17 characters, or 0 when one
 * of them is outside the code's alphabet (0-9, A-Z without I O S V Z). */
char lx_pii_uscc_check_char(const char *s17);
/* Whether a holder born on by-bm-bd is under 14 at ref_days (days since
 * 1970-01-01): 14 full years are reached the day after the 14th birthday
 * (a 29 February birthday falls on 28 February in common years). */
bool lx_pii_is_minor(int byear, int bmonth, int bday, int64_t ref_days);

#endif /* LX_PII_H */
