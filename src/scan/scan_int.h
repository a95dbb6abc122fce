/*
 * scan_int — what scan_rules.c (the rule-file parser) hands to scan.c (the
 * compiler and matcher). Only the .c files of src/scan include this.
 */
#ifndef LX_SCAN_INT_H
#define LX_SCAN_INT_H

#include "scan/scan.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum scan__where {
    SCAN__BEFORE = 0, /* the window that ends where the hit starts */
    SCAN__AFTER,      /* the window that starts where the hit ends */
    SCAN__AROUND,     /* before + hit + after */
};

/* A pattern of a rule, as written (macros expanded). */
struct scan__pattern {
    size_t rule;  /* index into scan__parsed.rules */
    bool literal; /* expr is the literal text, not yet escaped */
    char *expr;
    const char *file;
    unsigned line;
};

/* A context check of a rule: a PCRE2 pattern over a window. An "unless"
 * check drops the hit when it matches; a "require" check drops it when it
 * does not. */
struct scan__unless {
    size_t rule;
    enum scan__where where;
    bool require;
    char *expr;
    const char *file;
    unsigned line;
};

struct scan__rule {
    struct lx_scan_rule_info info; /* first: handed out by pointer */
    unsigned window;               /* characters each side of a hit */
    bool sentence;                 /* windows stop at sentence ends */
    size_t first_unless, n_unless; /* into scan__parsed.unless */
};

struct scan__parsed {
    struct scan__rule *rules;
    size_t n_rules, cap_rules;
    struct scan__pattern *pats;
    size_t n_pats, cap_pats;
    struct scan__unless *unless;
    size_t n_unless, cap_unless;
    char **names; /* copies of the source names, freed with the rest */
    size_t n_names;
};

#define SCAN__DEFAULT_WINDOW 16
#define SCAN__MAX_WINDOW 200

/*
 * Parse src[0..n) (already in the order the pack keeps) into 'out', which
 * must be zeroed. Expands {=NAME} macros. On failure returns LX_EINVAL
 * with "<file>:<line>: <what>"; 'out' must still be released.
 */
lx_rc scan__parse(const struct lx_scan_source *src, size_t n,
                  struct scan__parsed *out, struct lx_err *err);
void scan__parsed_release(struct scan__parsed *p);

/* A set of BMP characters, one bit each. */
#define SCAN__LEAD_WORDS (0x10000 / 64)
struct scan__lead {
    uint64_t bits[SCAN__LEAD_WORDS];
};

/*
 * True when every match of the PCRE2 pattern 'expr' (compiled with
 * PCRE2_UTF | PCRE2_CASELESS) starts at a character in *out, which is
 * then filled in (scan_lead.c). False when the pattern is outside the
 * subset read or can match without a first character (empty, any, a
 * character with case); *out is then empty. Pure; never fails otherwise.
 */
bool scan__lead_of(const char *expr, struct scan__lead *out);

/*
 * True when every match of 'expr' contains at least one character of *out
 * (somewhere, not necessarily first), which is then filled in; the same
 * subset and failures as scan__lead_of. Used for patterns without a lead
 * set, e.g. those anchored at the window's start: a window with none of
 * the characters cannot match.
 */
bool scan__must_of(const char *expr, struct scan__lead *out);

/* True for a character that caseless UTF matching can only match by itself
 * (digits, non-syntax ASCII punctuation, CJK and its punctuation, kana,
 * fullwidth digits and punctuation). */
bool scan__caseless_free(uint32_t cp);

/*
 * The UTF-8 check of every message (scan_utf8.c). scan__utf8_level() says
 * which vector path this CPU runs (0 none, 1 SSSE3, 2 AVX2);
 * scan__utf8_valid answers as lx_utf8_valid does, offset included, using
 * the paths up to 'level'. Pure; thread-safe.
 */
int scan__utf8_level(void);
bool scan__utf8_valid(int level, const char *text, size_t len, size_t *bad);

#endif /* LX_SCAN_INT_H */
