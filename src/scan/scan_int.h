/*
 * scan_int — what scan_rules.c (the rule-file parser) hands to scan.c (the
 * compiler and matcher). Only the .c files of src/scan include this.
 */
#ifndef LX_SCAN_INT_H
#define LX_SCAN_INT_H

#include "scan/scan.h"

#include <stdbool.h>
#include <stddef.h>

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

#endif /* LX_SCAN_INT_H */
