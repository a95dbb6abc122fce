/*
 * scan — compile a rule pack into one vectorscan database and screen
 * messages with it; context exceptions run with PCRE2 only around hits.
 */
#include "scan/scan.h"
#include "scan/scan_int.h"

#include "base/err.h"
#include "base/mem.h"
#include "base/utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <hs.h>
#include <limits.h>
#include <stdint.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

/* The category table (DESIGN.md, CONTRACT.md C5). */
static const struct {
    const char *name;
    const char *clause;
    enum lx_scan_verdict severity;
} categories[LX_SCAN_CATEGORY_COUNT] = {
    [LX_SCAN_INSULT] = {"insult", "C5.2", LX_SCAN_BLOCK},
    [LX_SCAN_THREAT] = {"threat", "C5.2", LX_SCAN_BLOCK},
    [LX_SCAN_MISLEADING] = {"misleading", "C5.2", LX_SCAN_REVIEW},
    [LX_SCAN_UNRELATED_UPSELL] = {"unrelated_upsell", "C5.3", LX_SCAN_REVIEW},
    [LX_SCAN_FAKE_CREDENTIALS] = {"fake_credentials", "C5.4", LX_SCAN_REVIEW},
    [LX_SCAN_OUTCOME_PROMISE] = {"outcome_promise", "C5.5", LX_SCAN_BLOCK},
    [LX_SCAN_FEE_OPACITY] = {"fee_opacity", "C5.6", LX_SCAN_REVIEW},
    [LX_SCAN_BRAND_MISUSE] = {"brand_misuse", "C5.8", LX_SCAN_REVIEW},
    [LX_SCAN_OFF_PLATFORM] = {"off_platform", "C5.9", LX_SCAN_BLOCK},
};

/* Raw hits kept per scan before context checks; a message with more is
 * screened on the first ones only and reported as truncated. */
#define MAX_HITS 4096

struct lx_scan_pack {
    struct scan__parsed parsed;
    hs_database_t *db;
    uint32_t *pat_rule;
    uint32_t *pat_len; /* literal byte length; 0 for a regex */
    /* A regex hit reports only its end: vectorscan start-of-match tracking
     * cost 4x the scan time (bench/scan). Its start is found afterwards by
     * the PCRE2 twin of the regex, anchored at the end, run once per hit
     * over at most max_width bytes before it. */
    pcre2_code **pat_re;
    unsigned *pat_maxw; /* bytes; UINT_MAX when unbounded */
    pcre2_code **unless_re;
    char version[17];
};

struct hit {
    uint32_t rule;
    uint32_t pat;
    size_t start, end;
};

struct lx_scan_scanner {
    const struct lx_scan_pack *pack;
    hs_scratch_t *scratch;
    pcre2_match_data *md;
    struct hit *hits;
    size_t n_hits;
    bool overflow;
};

const char *
lx_scan_category_name(enum lx_scan_category c)
{
    return (unsigned)c < LX_SCAN_CATEGORY_COUNT ? categories[c].name : "?";
}

const char *
lx_scan_category_clause(enum lx_scan_category c)
{
    return (unsigned)c < LX_SCAN_CATEGORY_COUNT ? categories[c].clause : "?";
}

enum lx_scan_verdict
lx_scan_category_severity(enum lx_scan_category c)
{
    return (unsigned)c < LX_SCAN_CATEGORY_COUNT ? categories[c].severity
                                                : LX_SCAN_BLOCK;
}

const char *
lx_scan_verdict_name(enum lx_scan_verdict v)
{
    switch (v) {
    case LX_SCAN_ALLOW:
        return "allow";
    case LX_SCAN_REVIEW:
        return "review";
    case LX_SCAN_BLOCK:
        return "block";
    }
    return "block";
}

static const char *
base_name(const char *s)
{
    const char *slash = strrchr(s, '/');
    return slash ? slash + 1 : s;
}

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int
cmp_source(const void *a, const void *b)
{
    const struct lx_scan_source *x = a, *y = b;
    return strcmp(base_name(x->name), base_name(y->name));
}

/* A literal as a vectorscan expression: every ASCII non-alphanumeric byte
 * escaped, control bytes as \xHH; UTF-8 bytes pass as they are. */
static char *
escape_literal(const char *s)
{
    size_t n = strlen(s);
    char *o = lx_xmalloc(n * 4 + 1), *w = o;
    static const char hex[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
            (c >= 'A' && c <= 'Z')) {
            *w++ = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            *w++ = '\\';
            *w++ = 'x';
            *w++ = hex[c >> 4];
            *w++ = hex[c & 15];
        } else {
            *w++ = '\\';
            *w++ = (char)c;
        }
    }
    *w = '\0';
    return o;
}

/* The PCRE2 twin of regex i, anchored at the end (\z), and its maximum
 * width from vectorscan. An error names the pattern's file and line. */
static lx_rc
compile_twin(struct lx_scan_pack *p, size_t i, const char *expr,
             unsigned flags, struct lx_err *err)
{
    const struct scan__pattern *pt = &p->parsed.pats[i];
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *cerr = NULL;
    size_t n = strlen(expr);
    char *anchored = lx_xmalloc(n + 8);
    int ec = 0;
    PCRE2_SIZE eo = 0;

    if (hs_expression_info(expr, flags, &info, &cerr) != HS_SUCCESS) {
        lx_rc rc = lx_err_set(err, LX_EINVAL, NULL,
                              "%s:%u: pattern not accepted by vectorscan: "
                              "%.60s",
                              pt->file, pt->line,
                              cerr ? cerr->message : "unknown");
        hs_free_compile_error(cerr);
        free(anchored);
        return rc;
    }
    p->pat_maxw[i] = info->max_width;
    free(info);
    memcpy(anchored, "(?:", 3);
    memcpy(anchored + 3, expr, n);
    memcpy(anchored + 3 + n, ")\\z", 4);
    p->pat_re[i] = pcre2_compile((PCRE2_SPTR)anchored, PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_CASELESS, &ec, &eo, NULL);
    free(anchored);
    if (p->pat_re[i] == NULL) {
        return lx_err_set(err, LX_EINVAL, NULL,
                          "%s:%u: regex does not compile with PCRE2 "
                          "(error %d)",
                          pt->file, pt->line, ec);
    }
    (void)pcre2_jit_compile(p->pat_re[i], PCRE2_JIT_COMPLETE);
    return LX_OK;
}

static lx_rc
compile_db(struct lx_scan_pack *p, struct lx_err *err)
{
    const struct scan__parsed *ps = &p->parsed;
    size_t n = ps->n_pats;
    char **exprs = lx_xcalloc(n, sizeof(char *));
    unsigned *flags = lx_xcalloc(n, sizeof(unsigned));
    unsigned *ids = lx_xcalloc(n, sizeof(unsigned));
    hs_compile_error_t *cerr = NULL;
    lx_rc rc = LX_OK;

    p->pat_rule = lx_xcalloc(n, sizeof(uint32_t));
    p->pat_len = lx_xcalloc(n, sizeof(uint32_t));
    p->pat_re = lx_xcalloc(n, sizeof(pcre2_code *));
    p->pat_maxw = lx_xcalloc(n, sizeof(unsigned));
    for (size_t i = 0; i < n; i++) {
        const struct scan__pattern *pt = &ps->pats[i];
        ids[i] = (unsigned)i;
        p->pat_rule[i] = (uint32_t)pt->rule;
        flags[i] = HS_FLAG_UTF8 | HS_FLAG_CASELESS;
        if (pt->literal) {
            exprs[i] = escape_literal(pt->expr);
            p->pat_len[i] = (uint32_t)strlen(pt->expr);
        } else {
            exprs[i] = lx_xstrdup(pt->expr);
        }
    }
    for (size_t i = 0; i < n && rc == LX_OK; i++) {
        if (!ps->pats[i].literal) {
            rc = compile_twin(p, i, exprs[i], flags[i], err);
        }
    }
    if (rc != LX_OK) {
        goto out;
    }
    if (hs_compile_multi((const char *const *)exprs, flags, ids,
                         (unsigned)n, HS_MODE_BLOCK, NULL, &p->db,
                         &cerr) != HS_SUCCESS) {
        if (cerr != NULL && cerr->expression >= 0 &&
            (size_t)cerr->expression < n) {
            const struct scan__pattern *pt = &ps->pats[cerr->expression];
            rc = lx_err_set(err, LX_EINVAL, NULL,
                            "%s:%u: pattern not accepted by vectorscan: %.60s",
                            pt->file, pt->line, cerr->message);
        } else {
            rc = lx_err_set(err, LX_EINTERNAL, NULL,
                            "vectorscan could not compile the rule pack");
        }
        p->db = NULL;
    }
out:
    hs_free_compile_error(cerr);
    for (size_t i = 0; i < n; i++) {
        free(exprs[i]);
    }
    free(exprs);
    free(flags);
    free(ids);
    return rc;
}

static lx_rc
compile_unless(struct lx_scan_pack *p, struct lx_err *err)
{
    const struct scan__parsed *ps = &p->parsed;

    p->unless_re = lx_xcalloc(ps->n_unless ? ps->n_unless : 1,
                              sizeof(pcre2_code *));
    for (size_t i = 0; i < ps->n_unless; i++) {
        const struct scan__unless *u = &ps->unless[i];
        int ec = 0;
        PCRE2_SIZE eo = 0;
        p->unless_re[i] =
            pcre2_compile((PCRE2_SPTR)u->expr, PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_CASELESS, &ec, &eo, NULL);
        if (p->unless_re[i] == NULL) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "%s:%u: context pattern does not compile "
                              "(PCRE2 error %d at offset %zu)",
                              u->file, u->line, ec, (size_t)eo);
        }
        /* Without JIT the interpreter still gives the same answers. */
        (void)pcre2_jit_compile(p->unless_re[i], PCRE2_JIT_COMPLETE);
    }
    return LX_OK;
}

lx_rc
lx_scan_pack_compile(const struct lx_scan_source *src, size_t n,
                     struct lx_scan_pack **out, struct lx_err *err)
{
    struct lx_scan_pack *p = lx_xcalloc(1, sizeof(*p));
    struct lx_scan_source *sorted = lx_xcalloc(n ? n : 1, sizeof(*sorted));
    uint64_t h = 0xcbf29ce484222325ULL;
    static const char hex[] = "0123456789abcdef";
    lx_rc rc;

    *out = NULL;
    if (n > 0) {
        memcpy(sorted, src, n * sizeof(*sorted));
        qsort(sorted, n, sizeof(*sorted), cmp_source);
    }
    for (size_t i = 0; i < n; i++) {
        const char *bn = base_name(sorted[i].name);
        h = fnv1a(h, bn, strlen(bn) + 1);
        h = fnv1a(h, sorted[i].text, sorted[i].len);
        h = fnv1a(h, "", 1);
    }
    for (int i = 0; i < 16; i++) {
        p->version[i] = hex[(h >> (60 - 4 * i)) & 15];
    }
    rc = scan__parse(sorted, n, &p->parsed, err);
    if (rc == LX_OK) {
        rc = compile_db(p, err);
    }
    if (rc == LX_OK) {
        rc = compile_unless(p, err);
    }
    free(sorted);
    if (rc != LX_OK) {
        lx_scan_pack_free(p);
        return rc;
    }
    *out = p;
    return LX_OK;
}

void
lx_scan_pack_free(struct lx_scan_pack *p)
{
    if (p == NULL) {
        return;
    }
    if (p->unless_re != NULL) {
        for (size_t i = 0; i < p->parsed.n_unless; i++) {
            pcre2_code_free(p->unless_re[i]);
        }
    }
    free(p->unless_re);
    if (p->pat_re != NULL) {
        for (size_t i = 0; i < p->parsed.n_pats; i++) {
            pcre2_code_free(p->pat_re[i]);
        }
    }
    free(p->pat_re);
    free(p->pat_maxw);
    hs_free_database(p->db);
    free(p->pat_rule);
    free(p->pat_len);
    scan__parsed_release(&p->parsed);
    free(p);
}

const char *
lx_scan_pack_version(const struct lx_scan_pack *p)
{
    return p->version;
}

size_t
lx_scan_pack_rule_count(const struct lx_scan_pack *p)
{
    return p->parsed.n_rules;
}

const struct lx_scan_rule_info *
lx_scan_pack_rule(const struct lx_scan_pack *p, size_t i)
{
    return i < p->parsed.n_rules ? &p->parsed.rules[i].info : NULL;
}

lx_rc
lx_scan_scanner_new(const struct lx_scan_pack *p, struct lx_scan_scanner **out,
                    struct lx_err *err)
{
    struct lx_scan_scanner *s = lx_xcalloc(1, sizeof(*s));

    *out = NULL;
    s->pack = p;
    if (hs_alloc_scratch(p->db, &s->scratch) != HS_SUCCESS) {
        free(s);
        return lx_err_set(err, LX_EINTERNAL, NULL,
                          "vectorscan scratch allocation failed");
    }
    s->md = pcre2_match_data_create(1, NULL);
    if (s->md == NULL) {
        lx_oom_abort("pcre2 match data");
    }
    s->hits = lx_xcalloc(MAX_HITS, sizeof(struct hit));
    *out = s;
    return LX_OK;
}

void
lx_scan_scanner_free(struct lx_scan_scanner *s)
{
    if (s == NULL) {
        return;
    }
    hs_free_scratch(s->scratch);
    pcre2_match_data_free(s->md);
    free(s->hits);
    free(s);
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
         unsigned int flags, void *ctx)
{
    struct lx_scan_scanner *s = ctx;
    const struct lx_scan_pack *p = s->pack;
    struct hit *h;

    (void)flags;
    if (s->n_hits == MAX_HITS) {
        s->overflow = true;
        return 1; /* halt: the verdict stands on what was found */
    }
    h = &s->hits[s->n_hits++];
    (void)from; /* no start-of-match tracking: 0 */
    h->rule = p->pat_rule[id];
    h->pat = id;
    h->end = (size_t)to;
    h->start = p->pat_len[id] ? (size_t)to - p->pat_len[id] : SIZE_MAX;
    return 0;
}

/* Sentence ends: a context cue does not reach across them. */
static bool
is_terminator(uint32_t cp)
{
    switch (cp) {
    case '\n':
    case '\r':
    case '!':
    case '?':
    case ';':
    case 0x3002: /* 。 */
    case 0xff01: /* ！ */
    case 0xff1f: /* ？ */
    case 0xff1b: /* ； */
        return true;
    default:
        return false;
    }
}

static size_t
window_start(const char *t, size_t at, unsigned chars, bool sentence)
{
    size_t p = at;

    for (unsigned c = 0; c < chars && p > 0; c++) {
        size_t q = p - 1;
        uint32_t cp;
        while (q > 0 && ((unsigned char)t[q] & 0xC0) == 0x80) {
            q--;
        }
        (void)lx_utf8_decode(t + q, p - q, &cp);
        if (sentence && is_terminator(cp)) {
            break;
        }
        p = q;
    }
    return p;
}

static size_t
window_end(const char *t, size_t len, size_t at, unsigned chars,
           bool sentence)
{
    size_t p = at;

    for (unsigned c = 0; c < chars && p < len; c++) {
        uint32_t cp;
        size_t k = lx_utf8_decode(t + p, len - p, &cp);
        if (k == 0 || (sentence && is_terminator(cp))) {
            break;
        }
        p += k;
    }
    return p;
}

/* True when a context check of the hit's rule drops it: an unless pattern
 * matches its window, or a require pattern does not. A kept hit's span grows
 * to cover what its require patterns matched. */
static bool
excepted(struct lx_scan_scanner *s, const char *t, size_t len, struct hit *h)
{
    const struct lx_scan_pack *p = s->pack;
    const struct scan__rule *r = &p->parsed.rules[h->rule];
    size_t ws, we, span_start = h->start, span_end = h->end;

    if (r->n_unless == 0) {
        return false;
    }
    ws = window_start(t, h->start, r->window, r->sentence);
    we = window_end(t, len, h->end, r->window, r->sentence);
    for (size_t i = r->first_unless; i < r->first_unless + r->n_unless; i++) {
        size_t a = ws, b = we;
        int m;
        switch (p->parsed.unless[i].where) {
        case SCAN__BEFORE:
            b = h->start;
            break;
        case SCAN__AFTER:
            a = h->end;
            break;
        case SCAN__AROUND:
            break;
        }
        m = pcre2_match(p->unless_re[i], (PCRE2_SPTR)(t + a), b - a, 0,
                        PCRE2_NO_UTF_CHECK, s->md, NULL);
        if (p->parsed.unless[i].require ? m < 0 : m >= 0) {
            return true;
        }
        if (m >= 0) {
            /* A required context is part of the finding: a rare trigger
             * plus its confirmed phrase reports the whole phrase. */
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
            if (a + ov[0] < span_start) {
                span_start = a + ov[0];
            }
            if (a + ov[1] > span_end) {
                span_end = a + ov[1];
            }
        }
    }
    h->start = span_start;
    h->end = span_end;
    return false;
}

/* The leftmost start of a regex match that ends at h->end: the anchored
 * twin searched from at most max_width bytes back. The subject keeps the
 * text before that point, so ^ and look-behind see what vectorscan saw. */
static size_t
find_start(struct lx_scan_scanner *s, const char *t, const struct hit *h)
{
    const struct lx_scan_pack *p = s->pack;
    unsigned maxw = p->pat_maxw[h->pat];
    size_t from = 0;
    int m;

    if (maxw != UINT_MAX && h->end > maxw) {
        from = h->end - maxw;
        while (from < h->end && ((unsigned char)t[from] & 0xC0) == 0x80) {
            from++; /* a match starts on a character */
        }
    }
    m = pcre2_match(p->pat_re[h->pat], (PCRE2_SPTR)t, h->end, from,
                    PCRE2_NO_UTF_CHECK, s->md, NULL);
    if (m < 0) {
        /* PCRE2 and vectorscan disagree on this pattern; keep the hit
         * (screening errs towards review) with the widest span. */
        return from;
    }
    return (size_t)pcre2_get_ovector_pointer(s->md)[0];
}

static int
cmp_hit_rule(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->rule != y->rule) {
        return x->rule < y->rule ? -1 : 1;
    }
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    return x->end < y->end ? -1 : x->end > y->end;
}

static int
cmp_hit_pos(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->start != y->start) {
        return x->start < y->start ? -1 : 1;
    }
    if (x->end != y->end) {
        return x->end < y->end ? -1 : 1;
    }
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

lx_rc
lx_scan_text(struct lx_scan_scanner *s, const char *text, size_t len,
             const struct lx_scan_options *opt, struct lx_scan_result *out,
             struct lx_err *err)
{
    const struct lx_scan_pack *p = s->pack;
    size_t bad = 0, kept = 0;
    bool hold = opt != NULL && opt->hold_review;

    out->verdict = LX_SCAN_ALLOW;
    out->deliver = true;
    out->version = p->version;
    out->n_findings = 0;
    out->truncated = false;
    if (len > UINT_MAX) {
        return lx_err_set(err, LX_ETOOBIG, NULL, "message over 4 GiB");
    }
    if (!lx_utf8_valid(text, len, &bad)) {
        return lx_err_set(err, LX_EINVAL, NULL, "invalid UTF-8 at byte %zu",
                          bad);
    }
    if (len == 0) {
        return LX_OK;
    }
    s->n_hits = 0;
    s->overflow = false;
    if (hs_scan(p->db, text, (unsigned)len, 0, s->scratch, on_match, s) !=
            HS_SUCCESS &&
        !s->overflow) {
        return lx_err_set(err, LX_EINTERNAL, NULL, "vectorscan scan failed");
    }
    if (s->n_hits == 0) {
        return LX_OK;
    }
    /* Context checks, only where something hit. */
    for (size_t i = 0; i < s->n_hits; i++) {
        if (s->hits[i].start == SIZE_MAX) {
            s->hits[i].start = find_start(s, text, &s->hits[i]);
        }
        if (!excepted(s, text, len, &s->hits[i])) {
            s->hits[kept++] = s->hits[i];
        }
    }
    /* One finding per rule per overlapping run (a regex reports every end
     * offset it can reach). */
    qsort(s->hits, kept, sizeof(struct hit), cmp_hit_rule);
    {
        size_t w = 0;
        for (size_t i = 0; i < kept; i++) {
            struct hit *h = &s->hits[i];
            if (w > 0 && s->hits[w - 1].rule == h->rule &&
                h->start < s->hits[w - 1].end) {
                if (h->end > s->hits[w - 1].end) {
                    s->hits[w - 1].end = h->end;
                }
                continue;
            }
            s->hits[w++] = *h;
        }
        kept = w;
    }
    qsort(s->hits, kept, sizeof(struct hit), cmp_hit_pos);
    for (size_t i = 0; i < kept; i++) {
        const struct scan__rule *r = &p->parsed.rules[s->hits[i].rule];
        if (r->info.severity > out->verdict) {
            out->verdict = r->info.severity;
        }
        if (out->n_findings == LX_SCAN_MAX_FINDINGS) {
            out->truncated = true;
            continue;
        }
        out->findings[out->n_findings++] = (struct lx_scan_finding){
            .category = r->info.category,
            .clause = categories[r->info.category].clause,
            .rule = r->info.id,
            .start = s->hits[i].start,
            .end = s->hits[i].end,
        };
    }
    out->truncated = out->truncated || s->overflow;
    out->deliver = out->verdict == LX_SCAN_ALLOW ||
                   (out->verdict == LX_SCAN_REVIEW && !hold);
    return LX_OK;
}
