/* pii — the single-pass scanner (see pii.h and docs/pii.md). */
#include "pii/pii_int.h"

#include <stdint.h>
#include <string.h>

#define TOK_MAX 40   /* a run of more alnum characters is never PII */
#define TOK_GROUPS 6 /* digit groups joined by single spaces or hyphens */
#define ADDR_BACK 24 /* Han characters an address may reach back */
#define KW_SKIP 5    /* separators between 微信/QQ and the value */

struct tok {
    char c[TOK_MAX + 1];    /* ASCII form of each character */
    size_t at[TOK_MAX + 1]; /* byte offset of c[k]; at[len] = end */
    size_t len;
    size_t ng;                 /* number of groups */
    size_t gs[TOK_GROUPS + 1]; /* group k is c[gs[k] .. gs[k+1]) */
    bool longrun;
};

struct scan {
    const struct lx_pii_opts *o;
    const unsigned char *s;
    size_t n;
    lx_pii_emit_fn *emit;
    void *arg;
    size_t last_end; /* end of the last finding: nothing may start before */
    size_t kw_pos;   /* where the value after 微信/QQ starts, or SIZE_MAX */
    enum lx_pii_type kw;
    bool stop;
};

/* ASCII classes: what can start a finding. */
enum { C_NONE = 0, C_DIGIT, C_LETTER, C_PLUS };

static const unsigned char ascii_class[128] = {
    ['0'] = C_DIGIT,  ['1'] = C_DIGIT,  ['2'] = C_DIGIT,  ['3'] = C_DIGIT,
    ['4'] = C_DIGIT,  ['5'] = C_DIGIT,  ['6'] = C_DIGIT,  ['7'] = C_DIGIT,
    ['8'] = C_DIGIT,  ['9'] = C_DIGIT,  ['+'] = C_PLUS,   ['A'] = C_LETTER,
    ['B'] = C_LETTER, ['C'] = C_LETTER, ['D'] = C_LETTER, ['E'] = C_LETTER,
    ['F'] = C_LETTER, ['G'] = C_LETTER, ['H'] = C_LETTER, ['I'] = C_LETTER,
    ['J'] = C_LETTER, ['K'] = C_LETTER, ['L'] = C_LETTER, ['M'] = C_LETTER,
    ['N'] = C_LETTER, ['O'] = C_LETTER, ['P'] = C_LETTER, ['Q'] = C_LETTER,
    ['R'] = C_LETTER, ['S'] = C_LETTER, ['T'] = C_LETTER, ['U'] = C_LETTER,
    ['V'] = C_LETTER, ['W'] = C_LETTER, ['X'] = C_LETTER, ['Y'] = C_LETTER,
    ['Z'] = C_LETTER, ['a'] = C_LETTER, ['b'] = C_LETTER, ['c'] = C_LETTER,
    ['d'] = C_LETTER, ['e'] = C_LETTER, ['f'] = C_LETTER, ['g'] = C_LETTER,
    ['h'] = C_LETTER, ['i'] = C_LETTER, ['j'] = C_LETTER, ['k'] = C_LETTER,
    ['l'] = C_LETTER, ['m'] = C_LETTER, ['n'] = C_LETTER, ['o'] = C_LETTER,
    ['p'] = C_LETTER, ['q'] = C_LETTER, ['r'] = C_LETTER, ['s'] = C_LETTER,
    ['t'] = C_LETTER, ['u'] = C_LETTER, ['v'] = C_LETTER, ['w'] = C_LETTER,
    ['x'] = C_LETTER, ['y'] = C_LETTER, ['z'] = C_LETTER,
};

/* Han characters that start a check: the plate provinces and the words
 * that introduce a WeChat or QQ id. */
enum { T_NONE = 0, T_PLATE, T_WEI, T_KOU };

static int
han_trigger(uint32_t cp)
{
    switch (cp) {
    case 0x4EAC: /* 京 */
    case 0x6D25: /* 津 */
    case 0x6CAA: /* 沪 */
    case 0x6E1D: /* 渝 */
    case 0x5180: /* 冀 */
    case 0x8C6B: /* 豫 */
    case 0x4E91: /* 云 */
    case 0x8FBD: /* 辽 */
    case 0x9ED1: /* 黑 */
    case 0x6E58: /* 湘 */
    case 0x7696: /* 皖 */
    case 0x9C81: /* 鲁 */
    case 0x65B0: /* 新 */
    case 0x82CF: /* 苏 */
    case 0x6D59: /* 浙 */
    case 0x8D63: /* 赣 */
    case 0x9102: /* 鄂 */
    case 0x6842: /* 桂 */
    case 0x7518: /* 甘 */
    case 0x664B: /* 晋 */
    case 0x8499: /* 蒙 */
    case 0x9655: /* 陕 */
    case 0x5409: /* 吉 */
    case 0x95FD: /* 闽 */
    case 0x8D35: /* 贵 */
    case 0x7CA4: /* 粤 */
    case 0x9752: /* 青 */
    case 0x85CF: /* 藏 */
    case 0x5DDD: /* 川 */
    case 0x5B81: /* 宁 */
    case 0x743C: /* 琼 */
        return T_PLATE;
    case 0x5FAE: /* 微 */
    case 0x8587: /* 薇 */
        return T_WEI;
    case 0x6263: /* 扣 */
        return T_KOU;
    default:
        return T_NONE;
    }
}

#define CP_XIN 0x4FE1 /* 信 */
#define CP_HAO 0x53F7 /* 号 */
#define CP_KOU 0x6263 /* 扣 */

static void
report(struct scan *sc, enum lx_pii_type t, size_t start, size_t end,
       unsigned flags)
{
    struct lx_pii_finding f = {
        .type = t, .start = start, .end = end, .flags = flags};

    sc->last_end = end;
    if (!sc->emit(sc->arg, &f)) {
        sc->stop = true;
    }
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The code point ending just before byte i (0 when there is none). */
static uint32_t
cp_before(const struct scan *sc, size_t i, size_t *len)
{
    uint32_t cp = 0;

    *len = 0;
    if (i == 0) {
        return 0;
    }
    for (size_t l = 1; l <= 4 && l <= i; l++) {
        unsigned c = sc->s[i - l];
        if ((c & 0xC0) != 0x80) {
            if (pii__cp(sc->s, sc->n, i - l, &cp) == l) {
                *len = l;
                return cp;
            }
            return 0;
        }
    }
    return 0;
}

static uint32_t
cp_at(const struct scan *sc, size_t i, size_t *len)
{
    uint32_t cp = 0;

    if (i >= sc->n) {
        *len = 0;
        return 0;
    }
    *len = pii__cp(sc->s, sc->n, i, &cp);
    return cp;
}

/* Whether the character before byte i is part of a word (letter, digit,
 * underscore), so that a finding may not start at i. */
static bool
word_before(const struct scan *sc, size_t i)
{
    size_t l;
    uint32_t cp = cp_before(sc, i, &l);

    return cp == '_' || pii__alnum(cp) != 0;
}

static bool
word_at(const struct scan *sc, size_t i)
{
    size_t l;
    uint32_t cp = cp_at(sc, i, &l);

    return cp == '_' || pii__alnum(cp) != 0;
}

/* End of the run of letters, digits and underscores starting at i. */
static size_t
skip_run(const struct scan *sc, size_t i)
{
    while (i < sc->n) {
        size_t l;
        uint32_t cp = cp_at(sc, i, &l);
        if (cp != '_' && pii__alnum(cp) == 0) {
            break;
        }
        i += l;
    }
    return i;
}

/* Read the alnum run at i into t; with 'grouping', digit groups joined by
 * one space or hyphen continue the token. */
static void
gather(const struct scan *sc, size_t i, struct tok *t, bool grouping)
{
    size_t j = i, k = 0;
    bool digits = true;

    t->ng = 1;
    t->gs[0] = 0;
    t->longrun = false;
    while (j < sc->n) {
        size_t l;
        uint32_t cp = cp_at(sc, j, &l);
        char a = pii__alnum(cp);

        if (a != 0) {
            if (k == TOK_MAX) {
                t->longrun = true;
                j = skip_run(sc, j);
                break;
            }
            t->c[k] = a;
            t->at[k] = j;
            k++;
            digits = digits && is_digit(a);
            j += l;
            continue;
        }
        if (grouping && digits && (cp == ' ' || cp == '-') &&
            t->ng < TOK_GROUPS) {
            size_t l2;
            char a2 = pii__alnum(cp_at(sc, j + 1, &l2));
            if (is_digit(a2)) {
                t->gs[t->ng++] = k;
                j += 1;
                continue;
            }
        }
        break;
    }
    t->len = k;
    t->at[k] = j;
    t->c[k] = '\0';
    t->gs[t->ng] = k;
}

static bool
all_digits(const char *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(c[i])) {
            return false;
        }
    }
    return true;
}

static size_t
glen(const struct tok *t, size_t g)
{
    return t->gs[g + 1] - t->gs[g];
}

/* ---- keywords: 微信 / VX / QQ ---- */

static bool
kw_sep(uint32_t cp)
{
    switch (cp) {
    case ' ':
    case '\t':
    case ':':
    case '=':
    case 0xFF1A: /* ： */
    case 0x53F7: /* 号 */
    case 0x7801: /* 码 */
    case 0x662F: /* 是 */
    case 0x4E3A: /* 为 */
    case 0x8D26: /* 账 */
        return true;
    default:
        return false;
    }
}

static void
set_keyword(struct scan *sc, size_t j, enum lx_pii_type kw)
{
    for (int k = 0; k < KW_SKIP && j < sc->n; k++) {
        size_t l;
        uint32_t cp = cp_at(sc, j, &l);
        if (!kw_sep(cp)) {
            break;
        }
        j += l;
    }
    sc->kw = kw;
    sc->kw_pos = j;
}

static bool
ascii_ieq(const char *a, size_t n, const char *lit)
{
    size_t m = strlen(lit);

    if (n != m) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != lit[i]) {
            return false;
        }
    }
    return true;
}

/* A keyword token: sets the keyword and returns true. */
static bool
keyword_token(struct scan *sc, const struct tok *t)
{
    size_t l;

    if (ascii_ieq(t->c, t->len, "vx") || ascii_ieq(t->c, t->len, "wx") ||
        ascii_ieq(t->c, t->len, "weixin") ||
        ascii_ieq(t->c, t->len, "wechat")) {
        set_keyword(sc, t->at[t->len], LX_PII_WECHAT);
        return true;
    }
    if (ascii_ieq(t->c, t->len, "v") &&
        cp_at(sc, t->at[t->len], &l) == CP_XIN) {
        set_keyword(sc, t->at[t->len] + l, LX_PII_WECHAT);
        return true;
    }
    if (ascii_ieq(t->c, t->len, "qq")) {
        set_keyword(sc, t->at[t->len], LX_PII_QQ);
        return true;
    }
    if (t->len > 2 &&
        (ascii_ieq(t->c, 2, "qq") || ascii_ieq(t->c, 2, "vx") ||
         ascii_ieq(t->c, 2, "wx")) &&
        all_digits(t->c + 2, t->len - 2)) {
        /* "QQ123456789", "vx13812345678": the value follows at once. */
        sc->kw = (t->c[0] == 'q' || t->c[0] == 'Q') ? LX_PII_QQ : LX_PII_WECHAT;
        sc->kw_pos = t->at[2];
        return true;
    }
    return false;
}

/* ---- e-mail ---- */

static bool
local_char(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '%' ||
           c == '+' || c == '-';
}

static bool
label_char(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-';
}

/* End of an e-mail address starting at i, or 0. */
static size_t
email_end(const struct scan *sc, size_t i)
{
    const unsigned char *s = sc->s;
    size_t j = i, d, end = 0, dots = 0, tld = 0;

    while (j < sc->n && j - i <= 64 && local_char(s[j])) {
        j++;
    }
    if (j == i || j >= sc->n || s[j] != '@' || s[j - 1] == '.') {
        return 0;
    }
    d = j + 1;
    for (;;) {
        size_t k = d;
        while (k < sc->n && label_char(s[k])) {
            k++;
        }
        if (k == d || k - d > 63) {
            break;
        }
        end = k;
        tld = d;
        if (k + 1 < sc->n && s[k] == '.' && label_char(s[k + 1])) {
            dots++;
            d = k + 1;
            continue;
        }
        break;
    }
    if (dots == 0 || end - tld < 2) {
        return 0;
    }
    for (size_t k = tld; k < end; k++) {
        unsigned c = s[k];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            return 0;
        }
    }
    return end;
}

/* ---- look-alikes: order numbers ---- */

/* True when the token at i follows a word such as 订单号 or 编号 (with only
 * separators between): it is a reference number, not a person's. */
static bool
order_context(const struct scan *sc, size_t i)
{
    static const char *const words[] = {"单号", "订单", "编号", "水号", "案号",
                                        "运单", "工单", "票号", "同号", "序号",
                                        "批号", "货号", "件号", NULL};
    size_t j = i, l;

    for (int k = 0; k < 4; k++) {
        uint32_t cp = cp_before(sc, j, &l);
        if (cp == ' ' || cp == ':' || cp == '#' || cp == 0xFF1A ||
            cp == 0x662F || cp == 0x4E3A || cp == 0xFF03) {
            j -= l;
            continue;
        }
        break;
    }
    for (int w = 0; words[w] != NULL; w++) {
        size_t m = strlen(words[w]);
        if (m <= j && memcmp(sc->s + j - m, words[w], m) == 0) {
            return true;
        }
    }
    return false;
}

/* True when the number t is an amount: ¥/￥/$ before it, a currency unit
 * (元 块 万 亿 圆) or a decimal part after it. */
static bool
amount_context(const struct scan *sc, const struct tok *t)
{
    size_t l, l2;
    uint32_t before = cp_before(sc, t->at[0], &l);
    uint32_t after = cp_at(sc, t->at[t->len], &l);

    if (before == 0xA5 || before == 0xFFE5 || before == '$') {
        return true;
    }
    switch (after) {
    case 0x5143: /* 元 */
    case 0x5757: /* 块 */
    case 0x4E07: /* 万 */
    case 0x4EBF: /* 亿 */
    case 0x5706: /* 圆 */
        return true;
    case '.':
        return is_digit(pii__alnum(cp_at(sc, t->at[t->len] + 1, &l2)));
    default:
        return false;
    }
}

/* ---- addresses ---- */

static bool
han(uint32_t cp)
{
    return cp >= 0x4E00 && cp <= 0x9FFF;
}

static bool
addr_stop(uint32_t cp)
{
    switch (cp) {
    case 0x5728: /* 在 */
    case 0x4F4F: /* 住 */
    case 0x662F: /* 是 */
    case 0x5230: /* 到 */
    case 0x4E8E: /* 于 */
    case 0x5740: /* 址 */
    case 0x5BC4: /* 寄 */
    case 0x9001: /* 送 */
    case 0x4ECE: /* 从 */
    case 0x7684: /* 的 */
    case 0x4E3A: /* 为 */
    case 0x5F80: /* 往 */
    case 0x53BB: /* 去 */
        return true;
    default:
        return false;
    }
}

static bool
admin_marker(uint32_t cp)
{
    switch (cp) {
    case 0x7701: /* 省 */
    case 0x5E02: /* 市 */
    case 0x533A: /* 区 */
    case 0x53BF: /* 县 */
    case 0x65D7: /* 旗 */
    case 0x5DDE: /* 州 */
    case 0x9547: /* 镇 */
    case 0x4E61: /* 乡 */
        return true;
    default:
        return false;
    }
}

static const char *const provinces[] = {
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海",
    "江苏", "浙江", "安徽", "福建", "江西",   "山东", "河南", "湖北",   "湖南",
    "广东", "广西", "海南", "重庆", "四川",   "贵州", "云南", "西藏",   "陕西",
    "甘肃", "青海", "宁夏", "新疆", "台湾",   "香港", "澳门", NULL};

/* Units after the house number: 3栋2单元502室, 1号楼. */
static const char *const units[] = {"号楼", "单元", "号", "栋", "幢", "座",
                                    "层",   "楼",   "室", "户", NULL};

static size_t
unit_len(const struct scan *sc, size_t j)
{
    for (int u = 0; units[u] != NULL; u++) {
        size_t m = strlen(units[u]);
        if (j + m <= sc->n && memcmp(sc->s + j, units[u], m) == 0) {
            return m;
        }
    }
    return 0;
}

/* The digits t at 'start' are followed by 号: an address when a road
 * (路 街 道 巷 弄 胡同 村) comes right before them and an administrative
 * part (省 市 区 县 …) before that. Emits and returns the end, or 0. */
static size_t
try_address(struct scan *sc, const struct tok *t)
{
    size_t start = t->at[0], l, b, p, marker = SIZE_MAX, from, end;
    uint32_t road = cp_before(sc, start, &l);

    switch (road) {
    case 0x8DEF: /* 路 */
    case 0x8857: /* 街 */
    case 0x9053: /* 道 */
    case 0x5DF7: /* 巷 */
    case 0x5F04: /* 弄 */
    case 0x6751: /* 村 */
        break;
    case 0x540C: /* 同, only in 胡同 */
        if (l == 3 && cp_before(sc, start - 3, &l) == 0x80E1) {
            break;
        }
        return 0;
    default:
        return 0;
    }
    b = start - 3; /* the road character */
    for (int k = 0; k < ADDR_BACK && b > sc->last_end; k++) {
        uint32_t cp = cp_before(sc, b, &l);
        if (l != 3 || !han(cp) || addr_stop(cp) || b - l < sc->last_end) {
            break;
        }
        b -= l;
    }
    for (p = b; p < start - 3; p += 3) {
        uint32_t cp = cp_at(sc, p, &l);
        if (admin_marker(cp)) {
            marker = p;
            break;
        }
    }
    if (marker == SIZE_MAX) {
        return 0;
    }
    from = marker >= b + 6 ? marker - 6 : b;
    for (p = b; p <= marker; p += 3) {
        bool hit = false;
        for (int v = 0; provinces[v] != NULL; v++) {
            size_t m = strlen(provinces[v]);
            if (p + m <= sc->n && memcmp(sc->s + p, provinces[v], m) == 0) {
                hit = true;
                break;
            }
        }
        if (hit) {
            from = p;
            break;
        }
    }
    end = t->at[t->len] + 3; /* past 号 */
    if (cp_at(sc, end, &l) == 0x9662) {
        end += l; /* 88号院 */
    }
    for (int k = 0; k < 6; k++) {
        size_t j = end, ul, digits = 0;
        while (j < sc->n && digits < 5) {
            char a = pii__alnum(cp_at(sc, j, &l));
            if (!is_digit(a) && !(a >= 'A' && a <= 'Z')) {
                break;
            }
            j += l;
            digits++;
        }
        if (digits == 0 || (ul = unit_len(sc, j)) == 0) {
            break;
        }
        end = j + ul;
    }
    report(sc, LX_PII_ADDRESS, from, end, 0);
    return end;
}

/* ---- numbers and codes ---- */

/* 0086 or 86 and a mobile number, written as one run of digits. */
static bool
mobile_prefixed(const char *c, size_t n)
{
    return (n == 15 && memcmp(c, "0086", 4) == 0 && pii__mobile_ok(c + 4)) ||
           (n == 13 && memcmp(c, "86", 2) == 0 && pii__mobile_ok(c + 2));
}

static bool
landline_joined(const char *c, size_t n)
{
    size_t an = (c[1] == '1' || c[1] == '2') ? 3 : 4;

    return n > an && c[0] == '0' &&
           pii__landline_split_ok(c, an, c + an, n - an);
}

static bool
plate_char(char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'O');
}

/* The type of a single token (no groups), or NONE. */
static enum lx_pii_type
classify(const struct scan *sc, const struct tok *t, unsigned *flags)
{
    const char *c = t->c;
    size_t n = t->len;

    if (all_digits(c, n)) {
        switch (n) {
        case 18:
            if (pii__id18_ok(sc->o, c, flags)) {
                return LX_PII_CN_ID;
            }
            if (pii__uscc_ok(c)) {
                return LX_PII_USCC;
            }
            return pii__card_ok(c, n) ? LX_PII_BANK_CARD : LX_PII_NONE;
        case 15:
            if (pii__id15_ok(sc->o, c, flags)) {
                return LX_PII_CN_ID;
            }
            return mobile_prefixed(c, n) ? LX_PII_CN_MOBILE : LX_PII_NONE;
        case 13:
            return mobile_prefixed(c, n) ? LX_PII_CN_MOBILE : LX_PII_NONE;
        case 11:
            if (pii__mobile_ok(c)) {
                return LX_PII_CN_MOBILE;
            }
            return landline_joined(c, n) ? LX_PII_CN_LANDLINE : LX_PII_NONE;
        case 12:
            return landline_joined(c, n) ? LX_PII_CN_LANDLINE : LX_PII_NONE;
        case 16:
        case 17:
        case 19:
            return pii__card_ok(c, n) ? LX_PII_BANK_CARD : LX_PII_NONE;
        default:
            return LX_PII_NONE;
        }
    }
    if (n == 18) {
        if ((c[17] == 'X' || c[17] == 'x') && pii__id18_ok(sc->o, c, flags)) {
            return LX_PII_CN_ID;
        }
        return pii__uscc_ok(c) ? LX_PII_USCC : LX_PII_NONE;
    }
    if (n == 9) {
        /* Passports: E + 8 (the 8th char may be a letter), G + 8, and the
         * diplomatic/service/official DE, SE, PE + 7. Mainland travel
         * permits for Hong Kong and Macao: C + 8 (likewise), W + 8. */
        if (c[0] == 'E' && plate_char(c[1]) && all_digits(c + 2, 7)) {
            return LX_PII_PASSPORT;
        }
        if (c[0] == 'G' && all_digits(c + 1, 8)) {
            return LX_PII_PASSPORT;
        }
        if ((c[0] == 'D' || c[0] == 'S' || c[0] == 'P') && c[1] == 'E' &&
            all_digits(c + 2, 7)) {
            return LX_PII_PASSPORT;
        }
        if (c[0] == 'C' && plate_char(c[1]) && all_digits(c + 2, 7)) {
            return LX_PII_HK_MACAO_PERMIT;
        }
        if ((c[0] == 'W' || c[0] == 'H' || c[0] == 'M') &&
            all_digits(c + 1, 8)) {
            return LX_PII_HK_MACAO_PERMIT;
        }
    }
    if (n == 11 && (c[0] == 'H' || c[0] == 'M') && all_digits(c + 1, 10)) {
        return LX_PII_HK_MACAO_PERMIT; /* 港澳居民来往内地通行证 */
    }
    return LX_PII_NONE;
}

/* Groups: 138 1234 5678, +86 138-1234-5678, 010-12345678, cards in 4s. */
static enum lx_pii_type
classify_groups(const struct tok *t)
{
    size_t g0 = glen(t, 0), ng = t->ng;
    bool cc = (g0 == 2 && memcmp(t->c, "86", 2) == 0) ||
              (g0 == 4 && memcmp(t->c, "0086", 4) == 0);

    if (!all_digits(t->c, t->len)) {
        return LX_PII_NONE;
    }
    if (ng == 3 && g0 == 3 && glen(t, 1) == 4 && glen(t, 2) == 4 &&
        pii__mobile_ok(t->c)) {
        return LX_PII_CN_MOBILE;
    }
    if (cc &&
        ((ng == 4 && glen(t, 1) == 3 && glen(t, 2) == 4 && glen(t, 3) == 4) ||
         (ng == 2 && glen(t, 1) == 11)) &&
        pii__mobile_ok(t->c + g0)) {
        return LX_PII_CN_MOBILE;
    }
    if (ng == 2 && pii__landline_split_ok(t->c, g0, t->c + g0, glen(t, 1))) {
        return LX_PII_CN_LANDLINE;
    }
    if (ng >= 4 && t->len >= 16 && t->len <= 19) {
        for (size_t g = 0; g + 1 < ng; g++) {
            if (glen(t, g) != 4) {
                return LX_PII_NONE;
            }
        }
        if (pii__card_ok(t->c, t->len)) {
            return LX_PII_BANK_CARD;
        }
    }
    return LX_PII_NONE;
}

/* (010)12345678 and （0755）1234567, the token being the area code. */
static size_t
try_paren_landline(struct scan *sc, const struct tok *t)
{
    size_t l, lb, j, open;
    uint32_t cp = cp_before(sc, t->at[0], &lb);
    struct tok num;

    if ((cp != '(' && cp != 0xFF08) || t->len < 3 || t->len > 4 ||
        !all_digits(t->c, t->len) || t->at[0] - lb < sc->last_end) {
        return 0;
    }
    open = t->at[0] - lb;
    j = t->at[t->len];
    cp = cp_at(sc, j, &l);
    if (cp != ')' && cp != 0xFF09) {
        return 0;
    }
    j += l;
    cp = cp_at(sc, j, &l);
    if (cp == ' ' || cp == '-') {
        j += l;
    }
    gather(sc, j, &num, false);
    if (num.longrun || word_at(sc, num.at[num.len]) ||
        !pii__landline_split_ok(t->c, t->len, num.c, num.len)) {
        return 0;
    }
    report(sc, LX_PII_CN_LANDLINE, open, num.at[num.len], 0);
    return num.at[num.len];
}

/* The value after 微信/QQ. Returns the end when it emitted, else 0. */
static size_t
keyword_value(struct scan *sc, size_t i)
{
    char id[24];
    size_t j = i, k = 0, l;
    enum lx_pii_type kw = sc->kw;

    sc->kw_pos = SIZE_MAX;
    while (j < sc->n && k < sizeof(id) - 1) {
        uint32_t cp = cp_at(sc, j, &l);
        char a = cp == '_' || cp == '-' ? (char)cp : pii__alnum(cp);
        if (a == 0) {
            break;
        }
        id[k++] = a;
        j += l;
    }
    if (k == 0 || word_at(sc, j)) {
        return 0;
    }
    if (all_digits(id, k)) {
        if (k == 11 && pii__mobile_ok(id)) {
            return 0; /* a mobile number: the number rules report it */
        }
        if (k >= 5 && k <= 11 && id[0] != '0') {
            report(sc, kw, i, j, 0);
            return j;
        }
        return 0;
    }
    if (kw == LX_PII_WECHAT && k >= 6 && k <= 20 &&
        ((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= 'A' && id[0] <= 'Z'))) {
        report(sc, kw, i, j, 0);
        return j;
    }
    return 0;
}

/* A letter or digit at i (not inside a word). Returns where to go on. */
static size_t
on_token(struct scan *sc, size_t i)
{
    struct tok t;
    enum lx_pii_type type;
    unsigned flags = 0;
    size_t end;

    if (i == sc->kw_pos) {
        end = email_end(sc, i);
        if (end != 0) {
            report(sc, LX_PII_EMAIL, i, end, 0);
            return end;
        }
        end = keyword_value(sc, i);
        if (end != 0) {
            return end;
        }
    } else if (word_before(sc, i)) {
        return skip_run(sc, i);
    }
    end = email_end(sc, i);
    if (end != 0) {
        report(sc, LX_PII_EMAIL, i, end, 0);
        return end;
    }
    gather(sc, i, &t, true);
    if (t.longrun) {
        return t.at[t.len];
    }
    if (t.ng == 1 && keyword_token(sc, &t)) {
        return sc->kw_pos > t.at[t.len] ? t.at[t.len] : sc->kw_pos;
    }
    if (order_context(sc, i)) {
        return t.at[t.len];
    }
    end = try_paren_landline(sc, &t);
    if (end != 0) {
        return end;
    }
    if (t.ng > 1) {
        type = classify_groups(&t);
        if (type != LX_PII_NONE && !word_at(sc, t.at[t.len])) {
            report(sc, type, t.at[0], t.at[t.len], 0);
            return t.at[t.len];
        }
        /* Not a grouped form: the first group stands alone. */
        size_t last = t.at[t.gs[1] - 1];
        t.at[t.gs[1]] = last + (sc->s[last] < 0x80 ? 1 : 3);
        t.len = t.gs[1];
        t.ng = 1;
        t.c[t.len] = '\0';
    }
    if (word_at(sc, t.at[t.len])) {
        return skip_run(sc, t.at[t.len]);
    }
    if (amount_context(sc, &t)) {
        return t.at[t.len];
    }
    type = classify(sc, &t, &flags);
    if (type != LX_PII_NONE) {
        report(sc, type, t.at[0], t.at[t.len], flags);
        return t.at[t.len];
    }
    if (t.len <= 5 && all_digits(t.c, t.len)) {
        size_t l;
        if (cp_at(sc, t.at[t.len], &l) == CP_HAO) {
            end = try_address(sc, &t);
            if (end != 0) {
                return end;
            }
        }
    }
    return t.at[t.len];
}

/* "+86" before a mobile number (+8613812345678, +86 138-1234-5678). */
static size_t
on_plus(struct scan *sc, size_t i)
{
    struct tok t;

    if (i + 1 >= sc->n) {
        return i + 1;
    }
    gather(sc, i + 1, &t, true);
    if (t.len < 2 || t.c[0] != '8' || t.c[1] != '6' || t.longrun ||
        word_at(sc, t.at[t.len])) {
        return i + 1;
    }
    if ((t.ng == 1 && t.len == 13 && pii__mobile_ok(t.c + 2)) ||
        (t.ng > 1 && classify_groups(&t) == LX_PII_CN_MOBILE)) {
        report(sc, LX_PII_CN_MOBILE, i, t.at[t.len], 0);
        return t.at[t.len];
    }
    return i + 1;
}

/* 京A12345, 粤B·D12345, 沪AD12345: province, letter, five or six more. */
static size_t
try_plate(struct scan *sc, size_t i)
{
    size_t j = i + 3, l, k = 0, digits = 0;
    char c[8];
    uint32_t cp = cp_at(sc, j, &l);
    char a = pii__alnum(cp);

    if (a < 'A' || a > 'Z' || a == 'I' || a == 'O') {
        return 0;
    }
    j += l;
    cp = cp_at(sc, j, &l);
    if (cp == 0xB7 || cp == 0x2022 || cp == 0x30FB || cp == ' ' || cp == '-') {
        j += l;
    }
    while (j < sc->n && k < sizeof(c)) {
        a = pii__alnum(cp_at(sc, j, &l));
        if (a == 0) {
            break;
        }
        c[k++] = a;
        j += l;
    }
    if (word_at(sc, j)) {
        return 0;
    }
    for (size_t m = 0; m < k; m++) {
        if (!plate_char(c[m])) {
            return 0;
        }
        digits += is_digit(c[m]);
    }
    if (k == 5 && digits >= 3) {
        /* ordinary plate */
    } else if (k == 6 &&
               (((c[0] == 'D' || c[0] == 'F') && all_digits(c + 2, 4)) ||
                ((c[5] == 'D' || c[5] == 'F') && all_digits(c, 5)))) {
        /* new-energy plate */
    } else {
        return 0;
    }
    report(sc, LX_PII_PLATE, i, j, 0);
    return j;
}

static size_t
on_han(struct scan *sc, size_t i, int trig)
{
    size_t l, end;

    switch (trig) {
    case T_PLATE:
        end = try_plate(sc, i);
        return end != 0 ? end : i + 3;
    case T_WEI:
        if (cp_at(sc, i + 3, &l) == CP_XIN) {
            set_keyword(sc, i + 6, LX_PII_WECHAT);
            return i + 6;
        }
        return i + 3;
    case T_KOU:
        if (cp_at(sc, i + 3, &l) == CP_KOU) {
            set_keyword(sc, i + 6, LX_PII_QQ);
            return i + 6;
        }
        return i + 3;
    default:
        return i + 3;
    }
}

void
lx_pii_scan(const struct lx_pii_opts *opts, const char *text, size_t len,
            lx_pii_emit_fn *fn, void *arg)
{
    struct scan sc = {.o = opts,
                      .s = (const unsigned char *)text,
                      .n = len,
                      .emit = fn,
                      .arg = arg,
                      .last_end = 0,
                      .kw_pos = SIZE_MAX,
                      .kw = LX_PII_NONE,
                      .stop = false};
    const unsigned char *s = sc.s;
    size_t i = 0;

    while (i < len && !sc.stop) {
        unsigned c = s[i];

        if (c < 0x80) {
            switch (ascii_class[c]) {
            case C_DIGIT:
            case C_LETTER:
                i = on_token(&sc, i);
                break;
            case C_PLUS:
                i = on_plus(&sc, i);
                break;
            default:
                i++;
                break;
            }
            continue;
        }
        if (c >= 0xE0 && c < 0xF0 && i + 2 < len && (s[i + 1] & 0xC0) == 0x80 &&
            (s[i + 2] & 0xC0) == 0x80) {
            uint32_t cp = ((uint32_t)(c & 0x0F) << 12) |
                          ((uint32_t)(s[i + 1] & 0x3F) << 6) |
                          (uint32_t)(s[i + 2] & 0x3F);
            int trig;
            if (c == 0xEF && pii__alnum(cp) != 0) {
                i = on_token(&sc, i);
                continue;
            }
            trig = han_trigger(cp);
            i = trig == T_NONE ? i + 3 : on_han(&sc, i, trig);
            continue;
        }
        {
            uint32_t cp;
            i += pii__cp(s, len, i, &cp);
        }
    }
}
