/*
 * scan_rules — the rule-file parser (format: docs/scan.md).
 *
 * A file is lines of "key: value". "#" starts a comment line. A rule is a
 * block that starts with "rule: ID"; "define NAME: REGEX" lines (anywhere,
 * any file) name a pattern that rule patterns and context exceptions use
 * as {=NAME}. Errors name the file and line, never the line's text.
 */
#include "scan/scan_int.h"

#include "base/asset.h"
#include "base/err.h"
#include "base/mem.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

#define MAX_LINE 4096
#define MAX_MACROS 64

struct macro {
    char name[48];
    char *body;
};

struct parser {
    struct scan__parsed *out;
    struct macro macros[MAX_MACROS];
    size_t n_macros;
    const char *file;
    unsigned line;
    bool in_rule;
    struct lx_err *err;
};

static lx_rc
perr(struct parser *ps, const char *what)
{
    return lx_err_set(ps->err, LX_EINVAL, NULL, "%s:%u: %s", ps->file,
                      ps->line, what);
}

/* An error about a whole rule names the line of its "rule:". */
static lx_rc
rerr(struct parser *ps, const struct scan__rule *r, const char *what)
{
    return lx_err_set(ps->err, LX_EINVAL, NULL, "%s:%u: %s", r->info.file,
                      r->info.line, what);
}

static void *
grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) {
        return p;
    }
    *cap = *cap ? *cap * 2 : 16;
    while (*cap < need) {
        *cap *= 2;
    }
    return lx_xrealloc(p, *cap * elem);
}

static char *
dup_n(const char *s, size_t n)
{
    char *p = lx_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Split "key: value" (value trimmed); false when there is no colon. */
static bool
split_kv(const char *s, size_t n, const char **key, size_t *klen,
         const char **val, size_t *vlen)
{
    const char *colon = memchr(s, ':', n);
    const char *v, *end = s + n;

    if (colon == NULL) {
        return false;
    }
    *key = s;
    *klen = (size_t)(colon - s);
    while (*klen > 0 && is_space(s[*klen - 1])) {
        (*klen)--;
    }
    v = colon + 1;
    while (v < end && is_space(*v)) {
        v++;
    }
    while (end > v && is_space(end[-1])) {
        end--;
    }
    *val = v;
    *vlen = (size_t)(end - v);
    return true;
}

static bool
key_is(const char *k, size_t kl, const char *want)
{
    return strlen(want) == kl && memcmp(k, want, kl) == 0;
}

static bool
valid_name(const char *s, size_t n, bool upper)
{
    if (n == 0 || n > 47) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= '0' && c <= '9') || c == '_' ||
                  (upper ? (c >= 'A' && c <= 'Z')
                         : ((c >= 'a' && c <= 'z') || c == '.' || c == '-'));
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* Expand {=NAME} into (?:body). NULL (and an error set) on an unknown
 * name. */
static char *
expand(struct parser *ps, const char *v, size_t n)
{
    size_t cap = n + 1, len = 0;
    char *o = lx_xmalloc(cap);

    for (size_t i = 0; i < n;) {
        const char *add = v + i;
        size_t alen = 1;
        const char *body = NULL;
        if (i + 2 < n && v[i] == '{' && v[i + 1] == '=') {
            const char *close = memchr(v + i + 2, '}', n - i - 2);
            size_t nl = close ? (size_t)(close - (v + i + 2)) : 0;
            if (close == NULL || !valid_name(v + i + 2, nl, true)) {
                free(o);
                perr(ps, "malformed {=NAME} reference");
                return NULL;
            }
            for (size_t m = 0; m < ps->n_macros; m++) {
                if (strlen(ps->macros[m].name) == nl &&
                    memcmp(ps->macros[m].name, v + i + 2, nl) == 0) {
                    body = ps->macros[m].body;
                }
            }
            if (body == NULL) {
                free(o);
                perr(ps, "undefined {=NAME} reference");
                return NULL;
            }
            i += nl + 3;
        } else {
            i++;
        }
        if (body != NULL) {
            add = body;
            alen = strlen(body);
        }
        while (len + alen + 8 > cap) {
            cap *= 2;
            o = lx_xrealloc(o, cap);
        }
        if (body != NULL) {
            memcpy(o + len, "(?:", 3);
            len += 3;
        }
        memcpy(o + len, add, alen);
        len += alen;
        if (body != NULL) {
            o[len++] = ')';
        }
    }
    o[len] = '\0';
    return o;
}

static lx_rc
finish_rule(struct parser *ps)
{
    struct scan__parsed *p = ps->out;
    struct scan__rule *r;
    bool has_pat = false;

    if (!ps->in_rule) {
        return LX_OK;
    }
    r = &p->rules[p->n_rules - 1];
    for (size_t i = 0; i < p->n_pats; i++) {
        has_pat = has_pat || p->pats[i].rule == p->n_rules - 1;
    }
    if ((int)r->info.category < 0) {
        return rerr(ps, r, "rule has no category");
    }
    if ((int)r->info.severity < 0) {
        return rerr(ps, r, "rule has no severity");
    }
    if (!has_pat) {
        return rerr(ps, r, "rule has no literal or regex");
    }
    if (lx_scan_category_severity(r->info.category) == LX_SCAN_BLOCK &&
        r->info.severity != LX_SCAN_BLOCK) {
        return rerr(ps, r, "severity of a block category must be block");
    }
    ps->in_rule = false;
    return LX_OK;
}

static lx_rc
add_example(struct parser *ps, struct scan__rule *r, bool pos, const char *v,
            size_t n)
{
    size_t *cnt = pos ? &r->info.n_pos : &r->info.n_neg;
    char ***arr = pos ? &r->info.pos : &r->info.neg;

    if (n == 0) {
        return perr(ps, "empty example");
    }
    *arr = lx_xrealloc(*arr, (*cnt + 1) * sizeof(char *));
    (*arr)[(*cnt)++] = dup_n(v, n);
    return LX_OK;
}

static lx_rc
rule_line(struct parser *ps, const char *k, size_t kl, const char *v,
          size_t vl)
{
    struct scan__parsed *p = ps->out;
    struct scan__rule *r;

    if (key_is(k, kl, "rule")) {
        lx_rc rc = finish_rule(ps);
        if (rc != LX_OK) {
            return rc;
        }
        if (!valid_name(v, vl, false)) {
            return perr(ps, "rule id must be [a-z0-9_.-], at most 47");
        }
        for (size_t i = 0; i < p->n_rules; i++) {
            if (strlen(p->rules[i].info.id) == vl &&
                memcmp(p->rules[i].info.id, v, vl) == 0) {
                return perr(ps, "duplicate rule id");
            }
        }
        p->rules = grow(p->rules, &p->cap_rules, p->n_rules + 1,
                        sizeof(*p->rules));
        r = &p->rules[p->n_rules++];
        memset(r, 0, sizeof(*r));
        r->info.id = dup_n(v, vl);
        r->info.category = (enum lx_scan_category) - 1;
        r->info.severity = (enum lx_scan_verdict) - 1;
        r->info.file = ps->file;
        r->info.line = ps->line;
        r->window = SCAN__DEFAULT_WINDOW;
        r->sentence = true;
        ps->in_rule = true;
        return LX_OK;
    }
    if (!ps->in_rule) {
        return perr(ps, "key outside a rule block (start one with rule:)");
    }
    r = &p->rules[p->n_rules - 1];
    if (key_is(k, kl, "category")) {
        for (int c = 0; c < LX_SCAN_CATEGORY_COUNT; c++) {
            const char *nm = lx_scan_category_name((enum lx_scan_category)c);
            if (strlen(nm) == vl && memcmp(nm, v, vl) == 0) {
                r->info.category = (enum lx_scan_category)c;
                return LX_OK;
            }
        }
        return perr(ps, "unknown category");
    }
    if (key_is(k, kl, "clause")) {
        const char *want;
        if ((int)r->info.category < 0) {
            return perr(ps, "clause before category");
        }
        want = lx_scan_category_clause(r->info.category);
        if (strlen(want) != vl || memcmp(want, v, vl) != 0) {
            return perr(ps, "clause does not match the category");
        }
        return LX_OK;
    }
    if (key_is(k, kl, "severity")) {
        if (vl == 5 && memcmp(v, "block", 5) == 0) {
            r->info.severity = LX_SCAN_BLOCK;
        } else if (vl == 6 && memcmp(v, "review", 6) == 0) {
            r->info.severity = LX_SCAN_REVIEW;
        } else {
            return perr(ps, "severity must be block or review");
        }
        return LX_OK;
    }
    if (key_is(k, kl, "window")) {
        unsigned w = 0;
        if (vl == 0 || vl > 3) {
            return perr(ps, "window must be a number of characters");
        }
        for (size_t i = 0; i < vl; i++) {
            if (v[i] < '0' || v[i] > '9') {
                return perr(ps, "window must be a number of characters");
            }
            w = w * 10 + (unsigned)(v[i] - '0');
        }
        if (w > SCAN__MAX_WINDOW) {
            return perr(ps, "window larger than 200");
        }
        r->window = w;
        return LX_OK;
    }
    if (key_is(k, kl, "scope")) {
        if (vl == 8 && memcmp(v, "sentence", 8) == 0) {
            r->sentence = true;
        } else if (vl == 7 && memcmp(v, "message", 7) == 0) {
            r->sentence = false;
        } else {
            return perr(ps, "scope must be sentence or message");
        }
        return LX_OK;
    }
    if (key_is(k, kl, "literal") || key_is(k, kl, "regex")) {
        struct scan__pattern *pt;
        bool lit = key_is(k, kl, "literal");
        char *e;
        if (vl == 0) {
            return perr(ps, "empty pattern");
        }
        e = lit ? dup_n(v, vl) : expand(ps, v, vl);
        if (e == NULL) {
            return LX_EINVAL;
        }
        p->pats = grow(p->pats, &p->cap_pats, p->n_pats + 1, sizeof(*pt));
        pt = &p->pats[p->n_pats++];
        pt->rule = p->n_rules - 1;
        pt->literal = lit;
        pt->expr = e;
        pt->file = ps->file;
        pt->line = ps->line;
        return LX_OK;
    }
    if (key_is(k, kl, "unless") || key_is(k, kl, "unless-before") ||
        key_is(k, kl, "unless-after") || key_is(k, kl, "require") ||
        key_is(k, kl, "require-before") || key_is(k, kl, "require-after")) {
        bool req = k[0] == 'r';
        const char *w = k + (req ? 7 : 6); /* "", "-before" or "-after" */
        size_t wl = kl - (req ? 7 : 6);
        struct scan__unless *u;
        char *e;
        if (vl == 0) {
            return perr(ps, "empty pattern");
        }
        e = expand(ps, v, vl);
        if (e == NULL) {
            return LX_EINVAL;
        }
        p->unless = grow(p->unless, &p->cap_unless, p->n_unless + 1,
                         sizeof(*u));
        u = &p->unless[p->n_unless++];
        u->rule = p->n_rules - 1;
        u->where = wl == 0 ? SCAN__AROUND
                   : key_is(w, wl, "-before") ? SCAN__BEFORE
                                              : SCAN__AFTER;
        u->require = req;
        u->expr = e;
        u->file = ps->file;
        u->line = ps->line;
        return LX_OK;
    }
    if (key_is(k, kl, "example+") || key_is(k, kl, "example-")) {
        return add_example(ps, r, k[7] == '+', v, vl);
    }
    return perr(ps, "unknown key");
}

/* Call fn for every significant line of a source; stops on an error. */
typedef lx_rc line_fn(struct parser *ps, const char *s, size_t n);

static lx_rc
each_line(struct parser *ps, const struct lx_scan_source *src, line_fn *fn)
{
    const char *s = src->text, *end = src->text + src->len;
    size_t bad;

    ps->file = src->name;
    ps->line = 0;
    if (!lx_utf8_valid(src->text, src->len, &bad)) {
        return lx_err_set(ps->err, LX_EINVAL, NULL,
                          "%s: invalid UTF-8 at byte %zu", src->name, bad);
    }
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        size_t n;
        lx_rc rc;
        ps->line++;
        n = (size_t)(e - s);
        if (n > 0 && s[n - 1] == '\r') {
            n--;
        }
        if (n > MAX_LINE) {
            return perr(ps, "line longer than 4096 bytes");
        }
        if (memchr(s, '\0', n) != NULL) {
            return perr(ps, "NUL byte");
        }
        {
            size_t i = 0;
            while (i < n && is_space(s[i])) {
                i++;
            }
            if (i < n && s[i] != '#') {
                rc = fn(ps, s + i, n - i);
                if (rc != LX_OK) {
                    return rc;
                }
            }
        }
        s = e + (nl ? 1 : 0);
    }
    return LX_OK;
}

static bool
is_define(const char *s, size_t n)
{
    return n > 7 && memcmp(s, "define", 6) == 0 && is_space(s[6]);
}

static lx_rc
define_line(struct parser *ps, const char *s, size_t n)
{
    const char *k, *v;
    size_t kl, vl;
    struct macro *m;

    if (!is_define(s, n)) {
        return LX_OK;
    }
    if (!split_kv(s + 7, n - 7, &k, &kl, &v, &vl)) {
        return perr(ps, "define needs NAME: PATTERN");
    }
    while (kl > 0 && is_space(*k)) {
        k++;
        kl--;
    }
    if (!valid_name(k, kl, true)) {
        return perr(ps, "define name must be [A-Z0-9_], at most 47");
    }
    if (vl == 0) {
        return perr(ps, "empty pattern");
    }
    for (size_t i = 0; i < ps->n_macros; i++) {
        if (strlen(ps->macros[i].name) == kl &&
            memcmp(ps->macros[i].name, k, kl) == 0) {
            return perr(ps, "duplicate define");
        }
    }
    if (ps->n_macros == MAX_MACROS) {
        return perr(ps, "more than 64 defines");
    }
    m = &ps->macros[ps->n_macros++];
    memcpy(m->name, k, kl);
    m->name[kl] = '\0';
    m->body = dup_n(v, vl);
    return LX_OK;
}

static lx_rc
body_line(struct parser *ps, const char *s, size_t n)
{
    const char *k, *v;
    size_t kl, vl;

    if (is_define(s, n)) {
        return LX_OK;
    }
    if (!split_kv(s, n, &k, &kl, &v, &vl)) {
        return perr(ps, "expected key: value");
    }
    return rule_line(ps, k, kl, v, vl);
}

lx_rc
scan__parse(const struct lx_scan_source *src, size_t n,
            struct scan__parsed *out, struct lx_err *err)
{
    struct parser ps;
    lx_rc rc = LX_OK;

    memset(&ps, 0, sizeof(ps));
    ps.out = out;
    ps.err = err;
    out->names = lx_xcalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        out->names[i] = lx_xstrdup(src[i].name);
        out->n_names++;
    }
    for (size_t i = 0; i < n && rc == LX_OK; i++) {
        struct lx_scan_source s = src[i];
        s.name = out->names[i];
        rc = each_line(&ps, &s, define_line);
    }
    for (size_t i = 0; i < n && rc == LX_OK; i++) {
        struct lx_scan_source s = src[i];
        s.name = out->names[i];
        ps.in_rule = false;
        rc = each_line(&ps, &s, body_line);
        if (rc == LX_OK) {
            rc = finish_rule(&ps);
        }
    }
    for (size_t i = 0; i < ps.n_macros; i++) {
        free(ps.macros[i].body);
    }
    if (rc == LX_OK && out->n_rules == 0) {
        rc = lx_err_set(err, LX_EINVAL, NULL, "rule pack has no rules");
    }
    if (rc != LX_OK) {
        return rc;
    }
    /* Group each rule's exceptions; the parser appended them in rule
     * order, so one pass finds each rule's run. */
    for (size_t i = 0; i < out->n_unless; i++) {
        struct scan__rule *r = &out->rules[out->unless[i].rule];
        if (r->n_unless == 0) {
            r->first_unless = i;
        }
        r->n_unless++;
    }
    return LX_OK;
}

void
scan__parsed_release(struct scan__parsed *p)
{
    for (size_t i = 0; i < p->n_rules; i++) {
        struct lx_scan_rule_info *in = &p->rules[i].info;
        free((char *)in->id);
        for (size_t j = 0; j < in->n_pos; j++) {
            free(in->pos[j]);
        }
        for (size_t j = 0; j < in->n_neg; j++) {
            free(in->neg[j]);
        }
        free(in->pos);
        free(in->neg);
    }
    for (size_t i = 0; i < p->n_pats; i++) {
        free(p->pats[i].expr);
    }
    for (size_t i = 0; i < p->n_unless; i++) {
        free(p->unless[i].expr);
    }
    for (size_t i = 0; i < p->n_names; i++) {
        free(p->names[i]);
    }
    free(p->rules);
    free(p->pats);
    free(p->unless);
    free(p->names);
    memset(p, 0, sizeof(*p));
}

#define EMBEDDED_MAX 64

lx_rc
lx_scan_pack_compile_embedded(struct lx_scan_pack **out, struct lx_err *err)
{
    struct lx_scan_source src[EMBEDDED_MAX];
    size_t count = 0, n = 0;
    const struct lx_asset *a = lx_asset_all(&count);

    *out = NULL;
    for (size_t i = 0; i < count; i++) {
        size_t len = strlen(a[i].name);

        if (strncmp(a[i].name, "rules/", 6) != 0 || len < 7 ||
            strcmp(a[i].name + len - 6, ".rules") != 0) {
            continue;
        }
        if (n == EMBEDDED_MAX) {
            return lx_err_set(err, LX_EINVAL, NULL,
                              "more than %d embedded rule files",
                              EMBEDDED_MAX);
        }
        src[n++] = (struct lx_scan_source){a[i].name, (const char *)a[i].data,
                                           a[i].len};
    }
    if (n == 0) {
        return lx_err_set(err, LX_ENOTFOUND, NULL, "no rule pack embedded");
    }
    return lx_scan_pack_compile(src, n, out, err);
}
