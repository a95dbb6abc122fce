/* pii_mask — masked forms of values and of free text (docs/pii.md):
 * 138****5678, 110105********123X, 622202*******1234, 张**, and addresses
 * cut after the district. Masked output never depends on more of the
 * value than it shows. */
#include "pii/pii_int.h"

#include <string.h>

#define NORM_MAX 64

struct out {
    char *p;
    size_t len;
    size_t cap; /* bytes usable before the NUL */
    bool full;
};

static void
put(struct out *o, const char *s, size_t n)
{
    if (o->full || n > o->cap - o->len) {
        o->full = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void
stars(struct out *o, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put(o, "*", 1);
    }
}

/* The ASCII letters and digits of a value (full-width ones folded), as
 * many as fit, with '_' and '-' too when id_marks; returns their number. */
static size_t
normalise(const char *text, size_t len, char *d, bool id_marks)
{
    size_t i = 0, k = 0;

    while (i < len && k < NORM_MAX) {
        uint32_t cp;
        char a;
        i += pii__cp((const unsigned char *)text, len, i, &cp);
        a = pii__alnum(cp);
        if (id_marks && (cp == '_' || cp == '-')) {
            a = (char)cp;
        }
        if (a != 0) {
            d[k++] = a;
        }
    }
    return k;
}

/* Keep 'head' and 'tail' characters of d, stars between. */
static void
keep_ends(struct out *o, const char *d, size_t n, size_t head, size_t tail)
{
    if (head + tail >= n) {
        stars(o, n > 0 ? n : 4);
        return;
    }
    put(o, d, head);
    stars(o, n - head - tail);
    put(o, d + n - tail, tail);
}

/* Short ids (WeChat, QQ): at most a quarter shown at each end. */
static void
keep_quarter(struct out *o, const char *d, size_t n)
{
    size_t k = n >= 8 ? 2 : (n >= 4 ? 1 : 0);
    keep_ends(o, d, n, k, k);
}

static bool
road_cp(uint32_t cp)
{
    return cp == 0x8DEF || cp == 0x8857 || cp == 0x9053 || cp == 0x5DF7 ||
           cp == 0x5F04 || cp == 0x540C || cp == 0x6751;
}

/* Keep the administrative part up to the district (区 县 旗), or else the
 * city (市 州 盟), found before the road; the rest becomes ****. */
static void
mask_address(struct out *o, const char *text, size_t len)
{
    size_t i = 0, district = 0, city = 0;

    while (i < len) {
        uint32_t cp;
        i += pii__cp((const unsigned char *)text, len, i, &cp);
        if (road_cp(cp)) {
            break;
        }
        if (cp == 0x533A || cp == 0x53BF || cp == 0x65D7) {
            district = i;
        } else if (cp == 0x5E02 || cp == 0x5DDE || cp == 0x76DF) {
            city = i;
        }
    }
    put(o, text, district != 0 ? district : city);
    stars(o, 4);
}

static void
mask_email(struct out *o, const char *text, size_t len)
{
    const char *at = memchr(text, '@', len);

    if (at == NULL || at == text) {
        stars(o, 4);
        return;
    }
    put(o, text, 1);
    stars(o, 3);
    put(o, at, len - (size_t)(at - text));
}

lx_rc
lx_pii_mask_value(enum lx_pii_type t, const char *text, size_t len, char *out,
                  size_t outsize, size_t *outlen, struct lx_err *err)
{
    struct out o = {.p = out,
                    .len = 0,
                    .cap = outsize ? outsize - 1 : 0,
                    .full = outsize == 0};
    char d[NORM_MAX];
    size_t n, l;
    uint32_t cp;

    if (outlen != NULL) {
        *outlen = 0;
    }
    if (len == 0 || t == LX_PII_NONE || t >= LX_PII_TYPE_COUNT_) {
        return lx_err_set(err, LX_EINVAL, NULL, "nothing to mask");
    }
    /* WeChat ids keep _ and -, so the stars count their characters. */
    n = normalise(text, len, d, t == LX_PII_WECHAT || t == LX_PII_QQ);
    switch (t) {
    case LX_PII_CN_MOBILE:
        if (n == 15 && memcmp(d, "0086", 4) == 0) {
            keep_ends(&o, d + 4, 11, 3, 4);
        } else if (n == 13 && memcmp(d, "86", 2) == 0) {
            keep_ends(&o, d + 2, 11, 3, 4);
        } else {
            keep_ends(&o, d, n, 3, 4);
        }
        break;
    case LX_PII_CN_ID:
    case LX_PII_USCC:
    case LX_PII_BANK_CARD:
        keep_ends(&o, d, n, 6, 4);
        break;
    case LX_PII_CN_LANDLINE: {
        size_t an = (n > 1 && (d[1] == '1' || d[1] == '2')) ? 3 : 4;
        if (n < an + 7) {
            stars(&o, n);
            break;
        }
        put(&o, d, an);
        put(&o, "-", 1);
        keep_ends(&o, d + an, n - an, 0, 4);
        break;
    }
    case LX_PII_EMAIL:
        mask_email(&o, text, len);
        break;
    case LX_PII_PASSPORT:
    case LX_PII_HK_MACAO_PERMIT:
        keep_ends(&o, d, n, 1, 3);
        break;
    case LX_PII_PLATE:
        /* The province character stays, then the letter of the city. */
        l = pii__cp((const unsigned char *)text, len, 0, &cp);
        if (pii__alnum(cp) == 0 && n >= 4) {
            put(&o, text, l);
            keep_ends(&o, d, n, 1, 2);
        } else {
            stars(&o, 4);
        }
        break;
    case LX_PII_WECHAT:
    case LX_PII_QQ:
        keep_quarter(&o, d, n);
        break;
    case LX_PII_ADDRESS:
        mask_address(&o, text, len);
        break;
    case LX_PII_NAME:
        l = pii__cp((const unsigned char *)text, len, 0, &cp);
        put(&o, text, l);
        stars(&o, 2);
        break;
    case LX_PII_NONE:
    case LX_PII_TYPE_COUNT_:
        return lx_err_set(err, LX_EINVAL, NULL, "nothing to mask");
    }
    if (o.full) {
        if (outsize > 0) {
            out[0] = '\0';
        }
        return lx_err_set(err, LX_ETOOBIG, NULL, "masked value too long");
    }
    out[o.len] = '\0';
    if (outlen != NULL) {
        *outlen = o.len;
    }
    return LX_OK;
}

struct mask_state {
    const char *text;
    struct lx_buf *out;
    size_t done; /* bytes of text already handled */
    size_t count;
    lx_rc rc;
    struct lx_err *err;
};

static bool
mask_one(void *arg, const struct lx_pii_finding *f)
{
    struct mask_state *st = arg;
    char m[256];
    size_t ml;

    st->rc = lx_buf_append(st->out, st->text + st->done, f->start - st->done);
    if (st->rc == LX_OK) {
        if (lx_pii_mask_value(f->type, st->text + f->start, f->end - f->start,
                              m, sizeof(m), &ml, NULL) != LX_OK) {
            /* Never fall back to the value itself. */
            memcpy(m, "****", 5);
            ml = 4;
        }
        st->rc = lx_buf_append(st->out, m, ml);
    }
    st->done = f->end;
    st->count++;
    return st->rc == LX_OK;
}

lx_rc
lx_pii_mask_text(const struct lx_pii_opts *opts, const char *text, size_t len,
                 struct lx_buf *out, size_t *count, struct lx_err *err)
{
    struct mask_state st = {.text = text,
                            .out = out,
                            .done = 0,
                            .count = 0,
                            .rc = LX_OK,
                            .err = err};
    size_t before = out->len;

    lx_pii_scan(opts, text, len, mask_one, &st);
    if (st.rc == LX_OK) {
        st.rc = lx_buf_append(out, text + st.done, len - st.done);
    }
    if (count != NULL) {
        *count = st.count;
    }
    if (st.rc != LX_OK) {
        out->len = before;
        if (out->p != NULL) {
            out->p[before] = '\0';
        }
        return lx_err_set(err, st.rc, NULL, "masked text too long");
    }
    return LX_OK;
}
