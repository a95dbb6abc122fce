/*
 * scan — conduct screening of chat messages (C5.2-C5.9).
 *
 * A pure engine: no I/O, no clock, no store. The caller hands in the text
 * of the rule files (the embedded rules/ pack or a --rules directory); the
 * engine parses them (format: docs/scan.md and the head of every
 * rules/<category>.rules file), compiles every pattern of every rule into ONE
 * vectorscan database, and compiles the context exceptions ("unless"
 * patterns: negation, warning and quotation cues) with PCRE2 (JIT). A scan
 * runs the database once over the message; only around a hit does it run
 * that rule's context checks, in a window of characters before and after
 * the hit that stops at sentence ends.
 *
 * Threads: a compiled pack is immutable and may be shared by any number of
 * threads. Each thread owns a scanner (vectorscan scratch and PCRE2 match
 * data); a scanner must not be used by two threads at once.
 *
 * Verdicts: a finding carries its rule's severity; the message's verdict is
 * the highest severity found (block > review > allow). The block categories
 * (threat, insult, outcome_promise, off_platform) can only hold block rules;
 * the others default to review and may be escalated rule by rule.
 */
#ifndef LX_SCAN_H
#define LX_SCAN_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The categories of DESIGN.md; the order is the table in scan.c. */
enum lx_scan_category {
    LX_SCAN_INSULT = 0,       /* C5.2 */
    LX_SCAN_THREAT,           /* C5.2 */
    LX_SCAN_MISLEADING,       /* C5.2 */
    LX_SCAN_UNRELATED_UPSELL, /* C5.3 */
    LX_SCAN_FAKE_CREDENTIALS, /* C5.4 */
    LX_SCAN_OUTCOME_PROMISE,  /* C5.5 */
    LX_SCAN_FEE_OPACITY,      /* C5.6 */
    LX_SCAN_BRAND_MISUSE,     /* C5.8 */
    LX_SCAN_OFF_PLATFORM,     /* C5.9 */
    LX_SCAN_CATEGORY_COUNT
};

/* Ordered: a higher value is stricter. Zero is "nothing found". */
enum lx_scan_verdict {
    LX_SCAN_ALLOW = 0,
    LX_SCAN_REVIEW = 1, /* delivered, queued for platform review */
    LX_SCAN_BLOCK = 2,  /* not delivered; the sender sees the clause */
};

/* One rule file's text. 'name' is used in error details and, by its last
 * path component, in the pack version; both are borrowed for the call. */
struct lx_scan_source {
    const char *name;
    const char *text;
    size_t len;
};

/* What a compliance officer sees of a rule; owned by the pack. */
struct lx_scan_rule_info {
    const char *id;
    enum lx_scan_category category;
    enum lx_scan_verdict severity;
    const char *file; /* source name given at compile time */
    unsigned line;    /* line of its "rule:" */
    size_t n_pos, n_neg;
    char **pos; /* example+ sentences: must be flagged by this rule */
    char **neg; /* example- sentences: must not be flagged by this rule */
};

struct lx_scan_finding {
    enum lx_scan_category category;
    const char *clause; /* static, "C5.x" */
    const char *rule;   /* rule id, owned by the pack */
    size_t start, end;  /* byte offsets into the text, end exclusive */
};

#define LX_SCAN_MAX_FINDINGS 32

struct lx_scan_options {
    bool hold_review; /* review verdicts are held, not delivered */
};

struct lx_scan_result {
    enum lx_scan_verdict verdict;
    bool deliver;        /* allow, or review without hold_review */
    const char *version; /* the pack version, owned by the pack */
    size_t n_findings;   /* stored, at most LX_SCAN_MAX_FINDINGS */
    bool truncated;      /* more findings existed; the verdict counts all */
    struct lx_scan_finding findings[LX_SCAN_MAX_FINDINGS]; /* by start */
};

struct lx_scan_pack;
struct lx_scan_scanner;

/* Names for the tables: "insult", "C5.2", "block". Never NULL. */
const char *lx_scan_category_name(enum lx_scan_category c);
const char *lx_scan_category_clause(enum lx_scan_category c);
const char *lx_scan_verdict_name(enum lx_scan_verdict v);
/* The default severity of a category (block or review). */
enum lx_scan_verdict lx_scan_category_severity(enum lx_scan_category c);

/*
 * Parse and compile the rule files src[0..n) into one pack. On a bad file
 * returns LX_EINVAL with a detail "<name>:<line>: <what>"; the detail never
 * quotes a pattern or an example. *out is caller-owned (lx_scan_pack_free).
 */
lx_rc lx_scan_pack_compile(const struct lx_scan_source *src, size_t n,
                           struct lx_scan_pack **out, struct lx_err *err);
void lx_scan_pack_free(struct lx_scan_pack *p); /* NULL is fine */

/* The rule pack embedded in the binary (every rules/NAME.rules of the project, in
 * the embedded order), compiled as by lx_scan_pack_compile. LX_ENOTFOUND when the
 * binary embeds no rule file. What the daemon screens messages with. */
lx_rc lx_scan_pack_compile_embedded(struct lx_scan_pack **out,
                                    struct lx_err *err);

/* 16 hex digits: a 64-bit FNV-1a hash over the files' names and bytes. */
const char *lx_scan_pack_version(const struct lx_scan_pack *p);
size_t lx_scan_pack_rule_count(const struct lx_scan_pack *p);
/* Rule i (< count), in file-name then file order. Borrowed. */
const struct lx_scan_rule_info *lx_scan_pack_rule(const struct lx_scan_pack *p,
                                                  size_t i);

/* A per-thread scanner over 'p', which must outlive it. */
lx_rc lx_scan_scanner_new(const struct lx_scan_pack *p,
                          struct lx_scan_scanner **out, struct lx_err *err);
void lx_scan_scanner_free(struct lx_scan_scanner *s); /* NULL is fine */

/*
 * Scan text[0..len). 'opt' may be NULL (defaults). Fails with LX_EINVAL
 * when the text is not valid UTF-8 (detail names the byte offset),
 * LX_ETOOBIG over 4 GiB and LX_EINTERNAL if vectorscan fails; on failure
 * *out holds no findings and must not be taken as a verdict. One scanner
 * serves one thread at a time.
 */
lx_rc lx_scan_text(struct lx_scan_scanner *s, const char *text, size_t len,
                   const struct lx_scan_options *opt,
                   struct lx_scan_result *out, struct lx_err *err);

#endif /* LX_SCAN_H */
