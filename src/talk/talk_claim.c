/*
 * talk_claim.c — credential claims in Chinese text and their check (C5.4).
 *
 * One left-to-right scan. At each character the matchers are tried in a
 * fixed order — honour titles, former judge/prosecutor, practice years
 * after a trigger word ("执业", "从业"), case counts after a trigger word
 * ("办理过", "胜诉"), then a bare number followed by "年经验" or
 * "起成功案例" — and the first match is taken whole, so claims never
 * overlap. A number that starts no claim is skipped whole, so the tail of
 * "2015年" is never read as "15年".
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include "base/time.h"

#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NUM_MAX INT64_C(1000000000)
#define NUM_CHARS_MAX 12

/* ---- Numbers ------------------------------------------------------------- */

static int
zh_digit(const char *s, size_t n, size_t p, size_t *len)
{
    static const char *const d[] = {"零", "〇", "一", "二", "两", "三",
                                    "四", "五", "六", "七", "八", "九"};
    static const int v[] = {0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9};

    for (size_t i = 0; i < ARRAY_LEN(d); i++) {
        if ((*len = talk__at(s, n, p, d[i])) > 0) {
            return v[i];
        }
    }
    return -1;
}

static int64_t
zh_unit(const char *s, size_t n, size_t p, size_t *len)
{
    if ((*len = talk__at(s, n, p, "十")) > 0) {
        return 10;
    }
    if ((*len = talk__at(s, n, p, "百")) > 0) {
        return 100;
    }
    if ((*len = talk__at(s, n, p, "千")) > 0) {
        return 1000;
    }
    if ((*len = talk__at(s, n, p, "万")) > 0) {
        return 10000;
    }
    return 0;
}

static int
ascii_digit(const char *s, size_t n, size_t p, size_t *len)
{
    unsigned char c = p < n ? (unsigned char)s[p] : 0;

    if (c >= '0' && c <= '9') {
        *len = 1;
        return c - '0';
    }
    /* Full-width digits U+FF10..U+FF19: EF BC 90..99. */
    if (n - p >= 3 && c == 0xEF && (unsigned char)s[p + 1] == 0xBC &&
        (unsigned char)s[p + 2] >= 0x90 && (unsigned char)s[p + 2] <= 0x99) {
        *len = 3;
        return (unsigned char)s[p + 2] - 0x90;
    }
    return -1;
}

/*
 * Read a number at s[p]: ASCII/full-width digits, or Chinese numerals with
 * the units 十百千万 ("十" = 10, "三十五" = 35, "两百" = 200). "上", "近"
 * before a unit read as the unit ("上千" = 1000), "数", "几" as twice it
 * ("数百" = 200); a trailing "几" ("十几") adds nothing — lower bounds.
 * Returns the end offset, or 0 when no number starts at p.
 */
static size_t
read_num(const char *s, size_t n, size_t p, int64_t *out)
{
    size_t q = p, l;
    int64_t total = 0, section = 0, u;
    int dg, digit = -1, chars = 0;

    if (p >= n) {
        return 0;
    }
    if (ascii_digit(s, n, p, &l) >= 0) {
        int64_t v = 0;
        while (q < n && (dg = ascii_digit(s, n, q, &l)) >= 0) {
            if (v < NUM_MAX) {
                v = v * 10 + dg;
            }
            q += l;
        }
        *out = v < NUM_MAX ? v : NUM_MAX;
        return q;
    }
    /* Approximate prefixes, only before a unit. */
    {
        static const char *const pre[] = {"上", "近", "数", "几"};
        static const int pv[] = {1, 1, 2, 2};
        for (size_t i = 0; i < ARRAY_LEN(pre); i++) {
            size_t pl = talk__at(s, n, q, pre[i]);
            if (pl > 0 && zh_unit(s, n, q + pl, &l) > 0) {
                digit = pv[i];
                q += pl;
                chars++;
                break;
            }
        }
    }
    for (; q < n && chars < NUM_CHARS_MAX; chars++) {
        if ((dg = zh_digit(s, n, q, &l)) >= 0) {
            digit = dg;
            q += l;
        } else if ((u = zh_unit(s, n, q, &l)) > 0) {
            if (u == 10000) {
                section += digit > 0 ? digit : 0;
                total += (section == 0 ? 1 : section) * 10000;
                section = 0;
            } else {
                section += (digit < 0 ? 1 : digit) * u;
            }
            digit = -1;
            q += l;
        } else if (q > p && talk__at(s, n, q, "几") > 0) {
            q += talk__at(s, n, q, "几");
            digit = -1;
        } else {
            break;
        }
    }
    if (q == p) {
        return 0;
    }
    section += digit > 0 ? digit : 0;
    *out = total + section;
    return q;
}

/* ---- Matching helpers ---------------------------------------------------- */

/* Length of the first of 'lits' at s[p], else 0. */
static size_t
any_at(const char *s, size_t n, size_t p, const char *const *lits, size_t k,
       size_t *which)
{
    for (size_t i = 0; i < k; i++) {
        size_t l = talk__at(s, n, p, lits[i]);
        if (l > 0) {
            if (which != NULL) {
                *which = i;
            }
            return l;
        }
    }
    return 0;
}

/* Skip up to three filler words from the list. */
static size_t
skip_fillers(const char *s, size_t n, size_t p, const char *const *lits,
             size_t k)
{
    for (int i = 0; i < 3; i++) {
        size_t l = any_at(s, n, p, lits, k, NULL);
        if (l == 0) {
            break;
        }
        p += l;
    }
    return p;
}

static const char *const more[] = {"余", "多", "+", "＋"};

/* ---- Matchers ------------------------------------------------------------ */

static const char *const honours[] = {
    "全国优秀律师", "省优秀律师", "市优秀律师", "十佳律师",
    "十大律师",     "金牌律师",   "王牌律师",   "明星律师",
    "优秀律师",     "知名律师",   "著名律师",
};

static size_t
m_honour(const char *s, size_t n, size_t p, struct lx_talk_claim *c)
{
    size_t i, l = any_at(s, n, p, honours, ARRAY_LEN(honours), &i);

    if (l > 0) {
        c->kind = LX_TALK_CLAIM_HONOUR;
        c->honour = honours[i];
    }
    return l;
}

static bool
is_punct(const char *s, size_t n, size_t p)
{
    static const char *const pu[] = {"，", "。", "！", "？", "；",
                                     "、", ",",  ".",  "!",  "?",
                                     ";",  " ",  "\n", "：", ":"};

    return any_at(s, n, p, pu, ARRAY_LEN(pu), NULL) > 0;
}

/* "法官" / "审判员" → judge, "检察官" / "检察员" → prosecutor at s[q], not
 * "法官助理". Returns the length, 0 if none. */
static size_t
office_at(const char *s, size_t n, size_t q, enum lx_talk_claim_kind *kind)
{
    static const char *const off[] = {"检察官", "检察员", "法官", "审判员"};
    size_t i, l = any_at(s, n, q, off, ARRAY_LEN(off), &i);

    if (l == 0 || talk__at(s, n, q + l, "助理") > 0) {
        return 0;
    }
    *kind =
        i < 2 ? LX_TALK_CLAIM_FORMER_PROSECUTOR : LX_TALK_CLAIM_FORMER_JUDGE;
    return l;
}

static size_t
m_office(const char *s, size_t n, size_t p, struct lx_talk_claim *c)
{
    static const char *const near[] = {"前", "原", "退休", "离职"};
    static const char *const past[] = {"曾任",   "曾是",   "曾为",
                                       "曾在",   "曾经是", "曾经担任",
                                       "曾担任", "做过",   "当过"};
    /* "以前法官说" is no claim: 前 after these is part of another word. */
    static const char *const not_before[] = {"以", "之", "此", "目", "提",
                                             "面", "眼", "跟", "从"};
    enum lx_talk_claim_kind kind;
    size_t l, o;

    if ((l = any_at(s, n, p, near, ARRAY_LEN(near), NULL)) > 0) {
        for (size_t i = 0; i < ARRAY_LEN(not_before); i++) {
            if (talk__ends(s, p, not_before[i])) {
                return 0;
            }
        }
        if ((o = office_at(s, n, p + l, &kind)) > 0) {
            c->kind = kind;
            return l + o;
        }
        return 0;
    }
    if ((l = any_at(s, n, p, past, ARRAY_LEN(past), NULL)) > 0) {
        size_t q = p + l;
        for (int gap = 0; gap <= 10 && q < n && !is_punct(s, n, q); gap++) {
            if ((o = office_at(s, n, q, &kind)) > 0) {
                c->kind = kind;
                return q + o - p;
            }
            q += talk__step(s, n, q);
        }
        return 0;
    }
    if ((o = office_at(s, n, p, &kind)) > 0 &&
        (l = talk__at(s, n, p + o, "出身")) > 0) {
        c->kind = kind;
        return o + l;
    }
    return 0;
}

/* Number, optional 余/多/+, then one of 'tail'; returns the end or 0. */
static size_t
num_then(const char *s, size_t n, size_t p, const char *const *tail, size_t k,
         int64_t *v)
{
    size_t q = read_num(s, n, p, v), l;

    if (q == 0) {
        return 0;
    }
    q += any_at(s, n, q, more, ARRAY_LEN(more), NULL);
    l = any_at(s, n, q, tail, k, NULL);
    return l > 0 ? q + l : 0;
}

static const char *const year_word[] = {"年"};

static size_t
m_years_trigger(const char *s, size_t n, size_t p, struct lx_talk_claim *c)
{
    static const char *const trig[] = {
        "从事律师工作", "从事法律工作", "执业", "从业", "律龄", "做律师"};
    static const char *const fill[] = {"超过", "已经", "已有", "已", "近",
                                       "了",   "有",   "达",   "逾"};
    size_t l = any_at(s, n, p, trig, ARRAY_LEN(trig), NULL), q;

    if (l == 0) {
        return 0;
    }
    q = skip_fillers(s, n, p + l, fill, ARRAY_LEN(fill));
    q = num_then(s, n, q, year_word, 1, &c->value);
    if (q == 0) {
        return 0;
    }
    q += talk__at(s, n, q, "以上");
    c->kind = LX_TALK_CLAIM_YEARS;
    return q - p;
}

static size_t
m_years_plain(const char *s, size_t n, size_t p, struct lx_talk_claim *c)
{
    static const char *const exp[] = {
        "执业经验", "律师经验", "从业经验", "办案经验",
        "诉讼经验", "执业经历", "从业经历", "经验",
    };
    size_t q = num_then(s, n, p, year_word, 1, &c->value), l;

    if (q == 0) {
        return 0;
    }
    q += talk__at(s, n, q, "以上");
    q += talk__at(s, n, q, "的");
    if ((l = any_at(s, n, q, exp, ARRAY_LEN(exp), NULL)) == 0) {
        return 0;
    }
    c->kind = LX_TALK_CLAIM_YEARS;
    return q + l - p;
}

static const char *const measure[] = {"起", "件", "宗", "个", "单"};

static size_t
m_cases_trigger(const char *s, size_t n, size_t p, struct lx_talk_claim *c)
{
    static const char *const trig[] = {
        "成功办理", "累计办理", "办理过", "办理了", "代理过",
        "代理了",   "处理过",   "办理",   "代理",   "胜诉",
        "办结",     "经手",     "承办",
    };
    static const char *const fill[] = {"各类", "案件", "案子", "诉讼",
                                       "超过", "累计", "过",   "了",
                                       "共",   "约",   "成功"};
    size_t l = any_at(s, n, p, trig, ARRAY_LEN(trig), NULL), q;

    if (l == 0) {
        return 0;
    }
    q = skip_fillers(s, n, p + l, fill, ARRAY_LEN(fill));
    q = num_then(s, n, q, measure, ARRAY_LEN(measure), &c->value);
    if (q == 0) {
        return 0;
    }
    c->kind = LX_TALK_CLAIM_CASES;
    return q - p;
}

static size_t
m_cases_plain(const char *s, size_t n, size_t p, struct lx_talk_claim *c)
{
    static const char *const what[] = {"成功案例", "胜诉案例", "诉讼案件",
                                       "案件",     "案例",     "官司"};
    static const char *const m3[] = {"起", "件", "宗"};
    size_t q = num_then(s, n, p, m3, ARRAY_LEN(m3), &c->value), l;

    if (q == 0 || (l = any_at(s, n, q, what, ARRAY_LEN(what), NULL)) == 0) {
        return 0;
    }
    c->kind = LX_TALK_CLAIM_CASES;
    return q + l - p;
}

size_t
lx_talk_claims_find(const char *s, size_t n, struct lx_talk_claim *out,
                    size_t cap)
{
    static size_t (*const matchers[])(const char *, size_t, size_t,
                                      struct lx_talk_claim *) = {
        m_honour,        m_office,      m_years_trigger,
        m_cases_trigger, m_years_plain, m_cases_plain,
    };
    size_t found = 0, p = 0;

    if (s == NULL) {
        return 0;
    }
    while (p < n) {
        size_t l = 0;
        int64_t skip_v;
        struct lx_talk_claim c;
        for (size_t i = 0; i < ARRAY_LEN(matchers) && l == 0; i++) {
            memset(&c, 0, sizeof c);
            l = matchers[i](s, n, p, &c);
        }
        if (l > 0) {
            c.span.off = p;
            c.span.len = l;
            if (out != NULL && found < cap) {
                out[found] = c;
            }
            found++;
            p += l;
            continue;
        }
        l = read_num(s, n, p, &skip_v);
        p = l > p ? l : p + talk__step(s, n, p);
    }
    return found;
}

/* ---- Check against verified facts ---------------------------------------- */

static bool
honour_verified(const struct lx_talk_credentials *v, const char *h)
{
    for (size_t i = 0; i < v->n_honours && v->honours != NULL; i++) {
        if (v->honours[i] != NULL && strstr(v->honours[i], h) != NULL) {
            return true;
        }
    }
    return false;
}

size_t
lx_talk_claims_check(const char *s, size_t n,
                     const struct lx_talk_credentials *v, int64_t ref_ms,
                     struct lx_talk_claim_finding *out, size_t cap)
{
    struct lx_civil ref;
    size_t found = 0, p = 0;
    static const struct lx_talk_credentials none = {0};

    if (s == NULL) {
        return 0;
    }
    if (v == NULL) {
        v = &none;
    }
    lx_time_to_civil(ref_ms, LX_CN_OFFSET_MIN, &ref);
    /* Claims one at a time, so 'cap' bounds the findings, not the claims. */
    while (p < n) {
        struct lx_talk_claim c;
        struct lx_talk_claim_finding f = {0};
        if (lx_talk_claims_find(s + p, n - p, &c, 1) == 0) {
            break;
        }
        c.span.off += p;
        p = c.span.off + c.span.len;
        f.claim = c;
        f.clause = LX_TALK_CLAUSE_CREDENTIAL;
        switch (c.kind) {
        case LX_TALK_CLAIM_YEARS:
            if (v->first_practice_year <= 0) {
                f.reason = "practice_years_unverified";
            } else {
                int64_t yrs = (int64_t)ref.year - v->first_practice_year;
                f.verified = yrs > 0 ? yrs : 0;
                if (c.value > f.verified) {
                    f.reason = "practice_years_exceed";
                }
            }
            break;
        case LX_TALK_CLAIM_FORMER_JUDGE:
            if (!v->former_judge) {
                f.reason = "former_judge_unverified";
            }
            break;
        case LX_TALK_CLAIM_FORMER_PROSECUTOR:
            if (!v->former_prosecutor) {
                f.reason = "former_prosecutor_unverified";
            }
            break;
        case LX_TALK_CLAIM_CASES:
            if (!v->case_count_known) {
                f.reason = "case_count_unverified";
            } else {
                f.verified = v->case_count;
                if (c.value > v->case_count) {
                    f.reason = "case_count_exceed";
                }
            }
            break;
        case LX_TALK_CLAIM_HONOUR:
            if (!honour_verified(v, c.honour)) {
                f.reason = "honour_unverified";
            }
            break;
        case LX_TALK_CLAIM_NONE:
            break;
        }
        if (f.reason == NULL) {
            continue;
        }
        if (out != NULL && found < cap) {
            out[found] = f;
        }
        found++;
    }
    return found;
}
