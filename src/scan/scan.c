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
    bool *pat_jit;      /* pat_re[i] is JIT-compiled */
    unsigned *pat_maxw; /* bytes; UINT_MAX when unbounded */
    struct alt_set **pat_alts; /* for a plain alternation; else NULL */
    pcre2_code **unless_re;
    bool *unless_jit;
    /* The characters each context pattern's matches start with (NULL when
     * unknown) and, when not, the characters one of which each match
     * contains (NULL when unknown); identical sets are shared, owned by
     * 'leads'. */
    const struct scan__lead **unless_lead;
    const struct scan__lead **unless_must;
    struct scan__lead **leads;
    size_t n_leads;
    char version[17];
};

/* A regex that is a plain alternation of words whose characters have no
 * case (CJK, digits, punctuation): its start is found by comparing bytes,
 * without PCRE2. Alternatives longest first. */
struct alt_set {
    size_t n;
    const char **alt; /* into 'text' */
    size_t *len;
    char *text;       /* the expression, '|' replaced by NUL */
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
    int utf8_level; /* scan__utf8_level() */
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
    p->pat_jit[i] = pcre2_jit_compile(p->pat_re[i], PCRE2_JIT_COMPLETE) == 0;
    return LX_OK;
}

static int
cmp_alt_len(const void *a, const void *b)
{
    size_t x = strlen(*(const char *const *)a);
    size_t y = strlen(*(const char *const *)b);
    return x < y ? 1 : x > y ? -1 : 0;
}

/* The alternatives of 'expr' when it is "w1|w2|..." of caseless_free
 * characters, no alternative empty; NULL otherwise. */
static struct alt_set *
alt_set_new(const char *expr)
{
    size_t n = strlen(expr), count = 1;
    struct alt_set *a;
    char *w;

    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = lx_utf8_decode(expr + i, n - i, &cp);
        if (k == 0 || (cp != '|' && !scan__caseless_free(cp))) {
            return NULL;
        }
        if (cp == '|') {
            if (i == 0 || i + 1 == n || expr[i + 1] == '|') {
                return NULL; /* an empty alternative */
            }
            count++;
        }
        i += k;
    }
    if (n == 0) {
        return NULL;
    }
    a = lx_xcalloc(1, sizeof(*a));
    a->text = lx_xstrdup(expr);
    a->alt = lx_xcalloc(count, sizeof(char *));
    a->len = lx_xcalloc(count, sizeof(size_t));
    w = a->text;
    for (size_t i = 0; i < count; i++) {
        char *bar = strchr(w, '|');
        if (bar != NULL) {
            *bar = '\0';
        }
        a->alt[a->n++] = w;
        w = bar != NULL ? bar + 1 : w + strlen(w);
    }
    qsort(a->alt, a->n, sizeof(char *), cmp_alt_len);
    for (size_t i = 0; i < a->n; i++) {
        a->len[i] = strlen(a->alt[i]);
    }
    return a;
}

static void
alt_set_free(struct alt_set *a)
{
    if (a != NULL) {
        free(a->alt);
        free(a->len);
        free(a->text);
        free(a);
    }
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
    p->pat_jit = lx_xcalloc(n ? n : 1, sizeof(bool));
    p->pat_maxw = lx_xcalloc(n, sizeof(unsigned));
    p->pat_alts = lx_xcalloc(n ? n : 1, sizeof(struct alt_set *));
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
            p->pat_alts[i] = alt_set_new(pt->expr);
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

/* A character set of a context pattern (scan__lead_of or scan__must_of),
 * shared with an identical one already made (the shared cues give most
 * checks one of a few sets); NULL when the pattern has none. */
static const struct scan__lead *
set_for(struct lx_scan_pack *p, const char *expr,
        bool (*of)(const char *, struct scan__lead *))
{
    struct scan__lead *l = lx_xmalloc(sizeof(*l));

    if (!of(expr, l)) {
        free(l);
        return NULL;
    }
    for (size_t i = 0; i < p->n_leads; i++) {
        if (memcmp(p->leads[i], l, sizeof(*l)) == 0) {
            free(l);
            return p->leads[i];
        }
    }
    p->leads[p->n_leads++] = l;
    return l;
}

static lx_rc
compile_unless(struct lx_scan_pack *p, struct lx_err *err)
{
    const struct scan__parsed *ps = &p->parsed;

    p->unless_re = lx_xcalloc(ps->n_unless ? ps->n_unless : 1,
                              sizeof(pcre2_code *));
    p->unless_jit = lx_xcalloc(ps->n_unless ? ps->n_unless : 1, sizeof(bool));
    p->unless_lead = lx_xcalloc(ps->n_unless ? ps->n_unless : 1,
                                sizeof(struct scan__lead *));
    p->unless_must = lx_xcalloc(ps->n_unless ? ps->n_unless : 1,
                                sizeof(struct scan__lead *));
    p->leads = lx_xcalloc(ps->n_unless ? ps->n_unless : 1,
                          sizeof(struct scan__lead *));
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
        p->unless_jit[i] =
            pcre2_jit_compile(p->unless_re[i], PCRE2_JIT_COMPLETE) == 0;
        p->unless_lead[i] = set_for(p, u->expr, scan__lead_of);
        if (p->unless_lead[i] == NULL) {
            p->unless_must[i] = set_for(p, u->expr, scan__must_of);
        }
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
    free(p->unless_jit);
    free(p->unless_lead);
    free(p->unless_must);
    for (size_t i = 0; i < p->n_leads; i++) {
        free(p->leads[i]);
    }
    free(p->leads);
    if (p->pat_re != NULL) {
        for (size_t i = 0; i < p->parsed.n_pats; i++) {
            pcre2_code_free(p->pat_re[i]);
        }
    }
    free(p->pat_re);
    free(p->pat_jit);
    free(p->pat_maxw);
    if (p->pat_alts != NULL) {
        for (size_t i = 0; i < p->parsed.n_pats; i++) {
            alt_set_free(p->pat_alts[i]);
        }
    }
    free(p->pat_alts);
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
    s->utf8_level = scan__utf8_level();
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

/* A PCRE2 match of 're' on t[0..len) from 'from'. A JIT-compiled pattern
 * goes straight to its machine code (pcre2_jit_match: the same answers as
 * pcre2_match, without its per-call checks); the text is valid UTF-8. */
static inline int
re_match(const pcre2_code *re, bool jit, const char *t, size_t len,
         size_t from, pcre2_match_data *md)
{
    if (jit) {
        return pcre2_jit_match(re, (PCRE2_SPTR)t, len, from, 0, md, NULL);
    }
    return pcre2_match(re, (PCRE2_SPTR)t, len, from, PCRE2_NO_UTF_CHECK, md,
                       NULL);
}

/* The offset of the first character of t[0..len) in 'l' (len when none).
 * 't' is valid UTF-8 from a character boundary. */
static inline size_t
lead_find(const struct scan__lead *l, const char *t, size_t len)
{
    const unsigned char *u = (const unsigned char *)t;
    size_t i = 0;

    while (i < len) {
        uint32_t cp;
        size_t k;
        if (u[i] < 0x80) {
            cp = u[i];
            k = 1;
        } else if (u[i] < 0xE0) {
            cp = ((uint32_t)(u[i] & 0x1F) << 6) | (u[i + 1] & 0x3F);
            k = 2;
        } else if (u[i] < 0xF0) {
            cp = ((uint32_t)(u[i] & 0x0F) << 12) |
                 ((uint32_t)(u[i + 1] & 0x3F) << 6) | (u[i + 2] & 0x3F);
            k = 3;
        } else {
            i += 4; /* beyond the BMP: never in a set */
            continue;
        }
        if (l->bits[cp >> 6] >> (cp & 63) & 1) {
            return i;
        }
        i += k;
    }
    return len;
}

/* Context pattern i over the window t[0..len): PCRE2 from the first
 * character a match can start with, or no match when there is none (or
 * none of the characters every match contains). */
static inline int
context_match(const struct lx_scan_pack *p, size_t i, const char *t,
              size_t len, pcre2_match_data *md)
{
    size_t from = 0;

    if (p->unless_lead[i] != NULL) {
        from = lead_find(p->unless_lead[i], t, len);
        if (from == len) {
            return PCRE2_ERROR_NOMATCH;
        }
    } else if (p->unless_must[i] != NULL &&
               lead_find(p->unless_must[i], t, len) == len) {
        return PCRE2_ERROR_NOMATCH;
    }
    return re_match(p->unless_re[i], p->unless_jit[i], t, len, from, md);
}

/* Sentence ends (\n \r ! ? ; 。 ！ ？ ；): a context cue does not reach
 * across them. 't[0..k)' is one whole character of valid UTF-8, so the
 * test is on its bytes, without decoding. */
static inline bool
is_terminator(const unsigned char *t, size_t k)
{
    if (k == 1) {
        return t[0] == '\n' || t[0] == '\r' || t[0] == '!' || t[0] == '?' ||
               t[0] == ';';
    }
    if (k != 3) {
        return false;
    }
    if (t[0] == 0xE3) {
        return t[1] == 0x80 && t[2] == 0x82; /* U+3002 。 */
    }
    return t[0] == 0xEF && t[1] == 0xBC &&
           (t[2] == 0x81 || t[2] == 0x9F || t[2] == 0x9B); /* ！？； */
}

/* The byte length of the character that starts with lead byte c. */
static inline size_t
char_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* Windows walk the text (valid UTF-8: lx_scan_text checked it) character by
 * character from a character boundary. */
static size_t
window_start(const char *text, size_t at, unsigned chars, bool sentence)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t p = at;

    for (unsigned c = 0; c < chars && p > 0; c++) {
        size_t q = p - 1;
        while (q > 0 && (t[q] & 0xC0) == 0x80) {
            q--;
        }
        if (sentence && is_terminator(t + q, p - q)) {
            break;
        }
        p = q;
    }
    return p;
}

static size_t
window_end(const char *text, size_t len, size_t at, unsigned chars,
           bool sentence)
{
    const unsigned char *t = (const unsigned char *)text;
    size_t p = at;

    for (unsigned c = 0; c < chars && p < len; c++) {
        size_t k = char_len(t[p]);
        if (sentence && is_terminator(t + p, k)) {
            break;
        }
        p += k;
    }
    return p;
}

/* The leftmost start of a regex match that ends at h->end: the anchored
 * twin searched from at most max_width bytes back. The subject keeps the
 * text before that point, so ^ and look-behind see what vectorscan saw. */
static size_t
find_start(struct lx_scan_scanner *s, const char *t, const struct hit *h)
{
    const struct lx_scan_pack *p = s->pack;
    unsigned maxw = p->pat_maxw[h->pat];
    const struct alt_set *alts = p->pat_alts[h->pat];
    size_t from = 0;
    int m;

    if (alts != NULL) {
        /* The longest alternative that ends here starts leftmost: what
         * the twin finds, as every character can only match itself. */
        for (size_t i = 0; i < alts->n; i++) {
            size_t k = alts->len[i];
            if (k <= h->end && memcmp(t + h->end - k, alts->alt[i], k) == 0) {
                return h->end - k;
            }
        }
    }
    if (maxw != UINT_MAX && h->end > maxw) {
        from = h->end - maxw;
        while (from < h->end && ((unsigned char)t[from] & 0xC0) == 0x80) {
            from++; /* a match starts on a character */
        }
    }
    m = re_match(p->pat_re[h->pat], p->pat_jit[h->pat], t, h->end, from,
                 s->md);
    if (m < 0) {
        /* PCRE2 and vectorscan disagree on this pattern; keep the hit
         * (screening errs towards review) with the widest span. */
        return from;
    }
    return (size_t)pcre2_get_ovector_pointer(s->md)[0];
}

/* True when a context check of the hit's rule drops it: an unless pattern
 * matches its window, or a require pattern does not. A kept hit's span grows
 * to cover what its require patterns matched. A regex hit comes with no
 * start (SIZE_MAX): the checks after the hit, which do not need it, run
 * first, and find_start only when the hit survives them. The outcome does
 * not depend on the order: any check drops the hit, and a kept hit's span
 * covers every require match. Windows are walked only on the sides a check
 * uses. */
static bool
excepted(struct lx_scan_scanner *s, const char *t, size_t len, struct hit *h)
{
    const struct lx_scan_pack *p = s->pack;
    const struct scan__rule *r = &p->parsed.rules[h->rule];
    size_t ws = SIZE_MAX, we = SIZE_MAX, lo = SIZE_MAX, hi = 0;

    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = r->first_unless; i < r->first_unless + r->n_unless;
             i++) {
            const struct scan__unless *u = &p->parsed.unless[i];
            size_t a, b;
            int m;
            if ((u->where == SCAN__AFTER) != (pass == 0)) {
                continue;
            }
            if (u->where != SCAN__AFTER && h->start == SIZE_MAX) {
                h->start = find_start(s, t, h);
            }
            if (u->where != SCAN__BEFORE && we == SIZE_MAX) {
                we = window_end(t, len, h->end, r->window, r->sentence);
            }
            if (u->where != SCAN__AFTER && ws == SIZE_MAX) {
                ws = window_start(t, h->start, r->window, r->sentence);
            }
            switch (u->where) {
            case SCAN__BEFORE:
                a = ws;
                b = h->start;
                break;
            case SCAN__AFTER:
                a = h->end;
                b = we;
                break;
            case SCAN__AROUND:
            default:
                a = ws;
                b = we;
                break;
            }
            m = context_match(p, i, t + a, b - a, s->md);
            if (u->require ? m < 0 : m >= 0) {
                return true;
            }
            if (m >= 0) {
                /* A required context is part of the finding: a rare
                 * trigger plus its confirmed phrase reports the whole
                 * phrase. */
                PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
                if (a + ov[0] < lo) {
                    lo = a + ov[0];
                }
                if (a + ov[1] > hi) {
                    hi = a + ov[1];
                }
            }
        }
    }
    if (h->start == SIZE_MAX) {
        h->start = find_start(s, t, h);
    }
    if (lo < h->start) {
        h->start = lo;
    }
    if (hi > h->end) {
        h->end = hi;
    }
    return false;
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

/* The hits of one message are few (one or two): insertion sort, qsort for
 * more. Equal elements differ at most in 'pat', which nothing reads after
 * the sorts, so the order among them does not matter. */
static void
sort_hits(struct hit *h, size_t n, int (*cmp)(const void *, const void *))
{
    if (n > 16) {
        qsort(h, n, sizeof(struct hit), cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        struct hit x = h[i];
        size_t j = i;
        while (j > 0 && cmp(&h[j - 1], &x) > 0) {
            h[j] = h[j - 1];
            j--;
        }
        h[j] = x;
    }
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
    if (!scan__utf8_valid(s->utf8_level, text, len, &bad)) {
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
        if (!excepted(s, text, len, &s->hits[i])) {
            s->hits[kept++] = s->hits[i];
        }
    }
    /* One finding per rule per overlapping run (a regex reports every end
     * offset it can reach). */
    sort_hits(s->hits, kept, cmp_hit_rule);
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
    sort_hits(s->hits, kept, cmp_hit_pos);
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
