/*
 * scan_lead — the characters a context pattern's match must start with.
 *
 * A context check runs a PCRE2 pattern over a window of a few dozen
 * characters. PCRE2 tries the pattern at every character: its own start
 * filter looks at one byte, and in CJK text the first byte of nearly every
 * character is one of six lead bytes, so that filter passes almost
 * everywhere. When every match of a pattern must begin with one of a known
 * set of characters, the scanner looks for the first of them in the window
 * with a bitmap and starts PCRE2 there; with none, the pattern cannot match
 * and PCRE2 is not called.
 *
 * The analysis reads a conservative subset of the syntax: literal
 * characters, positive classes of literal characters, groups (?: ( (?>,
 * look-arounds, anchors and quantifiers. Anything else (an escape, '.', a
 * range, a negated class at the start, option settings, characters that
 * have case) gives no set, and the pattern then runs as before. A set is
 * only a necessary condition: it never changes what a pattern matches.
 *
 * A pattern anchored at the window's start has no useful first characters,
 * but may still have characters one of which every match contains (the
 * closing quote of "^[^“”]{0,16}[”」]…"): a window without any of them is
 * not searched either.
 */
#include "scan/scan_int.h"

#include "base/mem.h"
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

bool
scan__caseless_free(uint32_t cp)
{
    if (cp < 0x80) {
        return (cp >= '0' && cp <= '9') ||
               (cp >= 0x20 && strchr(" !\"#%&',-/:;<=>@_`~", (int)cp) != NULL);
    }
    return (cp >= 0x2010 && cp <= 0x2027) || (cp >= 0x2E80 && cp <= 0x2FDF) ||
           (cp >= 0x3000 && cp <= 0x31BF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
           (cp >= 0xFF01 && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
           (cp >= 0xFF5B && cp <= 0xFF65);
}

/* What a piece of pattern says about where its matches start: 'any' when
 * its first character can be anything; otherwise the set. 'empty' when it
 * can match the empty string without looking at the next character. */
struct first {
    bool any, empty;
};

/* Characters one of which every match of a piece of pattern contains
 * ('has'); a list, duplicates allowed. */
struct must {
    bool has;
    uint32_t *cp;
    size_t n, cap;
};

struct lead_parser {
    const char *s;
    size_t n, i;
    bool fail;
};

static void
must_add(struct must *m, uint32_t cp)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 8;
        m->cp = lx_xrealloc(m->cp, m->cap * sizeof(uint32_t));
    }
    m->cp[m->n++] = cp;
}

static void
must_clear(struct must *m)
{
    free(m->cp);
    *m = (struct must){0};
}

static void
lead_add(struct scan__lead *into, uint32_t cp)
{
    if (into != NULL) {
        into->bits[cp >> 6] |= (uint64_t)1 << (cp & 63);
    }
}

/* One literal character of the pattern; fails on one that has case or is
 * outside the bitmap. */
static bool
literal(struct lead_parser *p, uint32_t *cp)
{
    size_t k = lx_utf8_decode(p->s + p->i, p->n - p->i, cp);

    if (k == 0 || *cp > 0xFFFF || !scan__caseless_free(*cp)) {
        return false;
    }
    p->i += k;
    return true;
}

/* A class of literal characters, "[abc]" or "[^abc]", its characters
 * listed in 'chars'. Ranges, escapes and POSIX classes fail. */
static bool
read_class(struct lead_parser *p, struct must *chars, bool *negated)
{
    bool first = true;

    *negated = false;
    p->i++; /* '[' */
    if (p->i < p->n && p->s[p->i] == '^') {
        *negated = true;
        p->i++;
    }
    while (p->i < p->n && p->s[p->i] != ']') {
        char c = p->s[p->i];
        uint32_t cp;
        if (c == '\\' || c == '[' || (c == '-' && !first) ||
            !literal(p, &cp)) {
            return false;
        }
        must_add(chars, cp);
        first = false;
    }
    if (first || p->i >= p->n) {
        return false; /* "[]", "[^]" (a literal ']' in PCRE2), unclosed */
    }
    p->i++; /* ']' */
    return true;
}

static struct first parse_alts(struct lead_parser *p, struct scan__lead *into,
                               struct must *req);

/* A quantifier after an atom, if any: true when it allows zero. */
static bool
parse_quant(struct lead_parser *p, bool *zero)
{
    *zero = false;
    if (p->i >= p->n) {
        return true;
    }
    switch (p->s[p->i]) {
    case '?':
    case '*':
        *zero = true;
        p->i++;
        break;
    case '+':
        p->i++;
        break;
    case '{': {
        size_t j = p->i + 1, digits = 0;
        unsigned long lo = 0;
        while (j < p->n && p->s[j] >= '0' && p->s[j] <= '9') {
            lo = lo * 10 + (unsigned long)(p->s[j] - '0');
            if (lo > 100000) {
                return false;
            }
            j++;
            digits++;
        }
        if (digits == 0) {
            return false; /* "{" as a literal or "{,n}": not read here */
        }
        if (j < p->n && p->s[j] == ',') {
            j++;
            while (j < p->n && p->s[j] >= '0' && p->s[j] <= '9') {
                j++;
            }
        }
        if (j >= p->n || p->s[j] != '}') {
            return false;
        }
        *zero = lo == 0;
        p->i = j + 1;
        break;
    }
    default:
        return true;
    }
    if (p->i < p->n && (p->s[p->i] == '?' || p->s[p->i] == '+')) {
        p->i++; /* lazy or possessive: the same characters */
    }
    return true;
}

/* One alternative: a sequence of atoms up to '|' or ')'.
 * Its first characters (added to 'into', NULL for none wanted) are those
 * of its atoms up to the first that cannot be empty; a look-ahead whose
 * content cannot be empty ends the list there.
 * The characters it must contain ('req', NULL for none wanted) are those of
 * one atom that cannot be empty and has them, the one with fewest. */
static struct first
parse_seq(struct lead_parser *p, struct scan__lead *into, struct must *req)
{
    struct first acc = {false, true};

    while (!p->fail && p->i < p->n && p->s[p->i] != '|' && p->s[p->i] != ')') {
        struct scan__lead *ahead = NULL; /* a look-ahead's own set */
        struct first f = {false, false};
        struct must atom = {0}; /* what this atom must contain */
        bool zero = false, zero_width = false;
        char c = p->s[p->i];

        if (c == '(') {
            struct scan__lead *sink = into;
            bool look = false;
            p->i++;
            if (p->i < p->n && p->s[p->i] == '?') {
                const char *t = p->s + p->i + 1;
                size_t left = p->n - p->i - 1;
                if (left >= 1 && (t[0] == ':' || t[0] == '>')) {
                    p->i += 2;
                } else if (left >= 1 && t[0] == '=') {
                    ahead = lx_xcalloc(1, sizeof(*ahead));
                    sink = ahead;
                    look = true;
                    p->i += 2;
                } else if (left >= 1 && t[0] == '!') {
                    zero_width = look = true;
                    sink = NULL;
                    p->i += 2;
                } else if (left >= 2 && t[0] == '<' &&
                           (t[1] == '=' || t[1] == '!')) {
                    zero_width = look = true;
                    sink = NULL;
                    p->i += 3;
                } else {
                    p->fail = true; /* options, names, conditions... */
                    break;
                }
            }
            /* A look-around consumes nothing: it adds nothing to 'req'. */
            f = parse_alts(p, sink, look ? NULL : &atom);
            if (!p->fail && (p->i >= p->n || p->s[p->i] != ')')) {
                p->fail = true;
            }
            p->i++;
        } else if (c == '[') {
            bool negated;
            if (!read_class(p, &atom, &negated)) {
                p->fail = true;
            } else if (negated) {
                must_clear(&atom);
                f.any = true;
            } else {
                for (size_t k = 0; k < atom.n; k++) {
                    lead_add(into, atom.cp[k]);
                }
                atom.has = true;
            }
        } else if (c == '^' || c == '$') {
            p->i++;
            zero_width = true;
        } else if (c == '\\' || c == '.' || c == '*' || c == '+' || c == '?' ||
                   c == '{' || c == '}' || c == ']') {
            p->fail = true;
        } else {
            uint32_t cp;
            if (!literal(p, &cp)) {
                p->fail = true;
            } else {
                lead_add(into, cp);
                must_add(&atom, cp);
                atom.has = true;
            }
        }
        if (!p->fail && !parse_quant(p, &zero)) {
            p->fail = true;
        }
        if (!p->fail && req != NULL && atom.has && !zero && !zero_width &&
            (!req->has || atom.n < req->n)) {
            must_clear(req);
            *req = atom;
            atom = (struct must){0};
        }
        must_clear(&atom);
        if (ahead != NULL) {
            if (!p->fail && zero) {
                p->fail = true; /* a look-ahead that may not run */
            }
            if (!p->fail && into != NULL && !f.any && !f.empty) {
                /* Every match here goes on with one of the look-ahead's
                 * first characters, whatever follows. */
                for (size_t w = 0; w < SCAN__LEAD_WORDS; w++) {
                    into->bits[w] |= ahead->bits[w];
                }
                acc.empty = false;
                into = NULL;
            }
            free(ahead);
            continue;
        }
        if (p->fail) {
            break;
        }
        if (zero_width || into == NULL) {
            continue; /* adds nothing to what is known */
        }
        acc.any = acc.any || f.any;
        if (!f.empty && !zero) {
            acc.empty = false;
            into = NULL; /* later atoms follow a consumed character */
        }
    }
    return acc;
}

/* Alternatives separated by '|': the union of their first characters, and
 * of the characters they must contain when each alternative has some. */
static struct first
parse_alts(struct lead_parser *p, struct scan__lead *into, struct must *req)
{
    struct first acc = {false, false};
    bool all = true;

    for (;;) {
        struct must one = {0};
        struct first f = parse_seq(p, into, req != NULL ? &one : NULL);
        if (p->fail) {
            must_clear(&one);
            return (struct first){true, true};
        }
        acc.any = acc.any || f.any;
        acc.empty = acc.empty || f.empty;
        if (req != NULL) {
            if (!one.has) {
                all = false;
            }
            for (size_t k = 0; all && k < one.n; k++) {
                must_add(req, one.cp[k]);
            }
            must_clear(&one);
        }
        if (p->i < p->n && p->s[p->i] == '|') {
            p->i++;
            continue;
        }
        break;
    }
    if (req != NULL) {
        if (all) {
            req->has = true;
        } else {
            must_clear(req);
        }
    }
    return acc;
}

bool
scan__lead_of(const char *expr, struct scan__lead *out)
{
    struct lead_parser p = {.s = expr, .n = strlen(expr)};
    struct first f;

    memset(out, 0, sizeof(*out));
    f = parse_alts(&p, out, NULL);
    if (p.fail || p.i != p.n || f.any || f.empty) {
        memset(out, 0, sizeof(*out));
        return false;
    }
    return true;
}

bool
scan__must_of(const char *expr, struct scan__lead *out)
{
    struct lead_parser p = {.s = expr, .n = strlen(expr)};
    struct must req = {0};
    bool ok;

    memset(out, 0, sizeof(*out));
    parse_alts(&p, NULL, &req);
    ok = !p.fail && p.i == p.n && req.has;
    for (size_t k = 0; ok && k < req.n; k++) {
        lead_add(out, req.cp[k]);
    }
    must_clear(&req);
    return ok;
}
