/*
 * talk_fee.c — fee quotes, contingency rules, lures and charges (C5.6).
 *
 * Arithmetic: every amount is bounded by LX_TALK_FEN_MAX (10^14 fen) before
 * it is multiplied, so claim_fen * 10000 and claim_fen * 18 fit in int64_t.
 * The contingency cap is computed exactly in units of fen/100 (percent
 * times fen) and rounded down once at the end; a quote is compared with it
 * exactly in units of fen/10000, so no rounding can let a quote through.
 */
#include "talk/talk.h"
#include "talk/talk_int.h"

#include <string.h>

#define YUAN INT64_C(100)
#define WAN (10000 * YUAN)

/* The 2021 opinion's tiers: the part of the claim up to 'upto' fen (the
 * previous tier's end exclusive) at 'pct' percent. */
static const struct {
    int64_t upto;
    int pct;
} tiers[] = {
    {100 * WAN, 18}, {500 * WAN, 15},      {1000 * WAN, 12},
    {5000 * WAN, 9}, {LX_TALK_FEN_MAX, 6},
};

/* Cap in fen/100 (exact). */
static int64_t
cap_centi(int64_t claim)
{
    int64_t lo = 0, sum = 0;

    for (size_t i = 0; i < sizeof tiers / sizeof tiers[0] && claim > lo; i++) {
        int64_t hi = claim < tiers[i].upto ? claim : tiers[i].upto;
        sum += (hi - lo) * tiers[i].pct;
        lo = tiers[i].upto;
    }
    return sum;
}

int64_t
lx_talk_contingency_cap_fen(int64_t claim_fen)
{
    if (claim_fen < 0 || claim_fen > LX_TALK_FEN_MAX) {
        return -1;
    }
    return cap_centi(claim_fen) / 100;
}

static bool
fen_ok(int64_t v)
{
    return v >= 0 && v <= LX_TALK_FEN_MAX;
}

int64_t
lx_talk_quote_ceiling_fen(const struct lx_talk_quote *q)
{
    int64_t v;

    if (q == NULL) {
        return -1;
    }
    switch (q->method) {
    case LX_TALK_FEE_FIXED:
    case LX_TALK_FEE_STAGED:
        return fen_ok(q->total_fen) ? q->total_fen : -1;
    case LX_TALK_FEE_HOURLY:
        if (!fen_ok(q->rate_fen) || q->max_hours < 0 ||
            q->max_hours > LX_TALK_HOURS_MAX) {
            return -1;
        }
        v = q->rate_fen * q->max_hours;
        return v <= LX_TALK_FEN_MAX ? v : -1;
    case LX_TALK_FEE_CONTINGENCY:
        if (!fen_ok(q->base_fen) || !fen_ok(q->claim_fen) || q->rate_bp < 0 ||
            q->rate_bp > 10000) {
            return -1;
        }
        v = q->base_fen + q->claim_fen * q->rate_bp / 10000;
        return v <= LX_TALK_FEN_MAX ? v : -1;
    case LX_TALK_FEE_NONE:
        break;
    }
    return -1;
}

/* ---- Lures --------------------------------------------------------------- */

static bool
numeral_cp(unsigned cp)
{
    static const char zh[] = "零〇一二两三四五六七八九十百千万";

    if ((cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19) ||
        cp == '.' || cp == 0xFF0E) {
        return true;
    }
    for (size_t p = 0; p < sizeof zh - 1;) {
        size_t l = talk__step(zh, sizeof zh - 1, p);
        if (talk__prev_cp(zh, p + l) == cp) {
            return true;
        }
        p += l;
    }
    return false;
}

bool
lx_talk_lure_find(const char *s, size_t n, struct lx_talk_span *at)
{
    /* Amount lures need no numeral before them ("100元" is no lure). */
    static const char *const amounts[] = {"0元",  "1元",  "０元", "１元",
                                          "零元", "一元", "〇元"};
    static const char *const words[] = {"免费代理", "免费打官司", "免费办案"};

    if (s == NULL) {
        return false;
    }
    for (size_t p = 0; p < n; p += talk__step(s, n, p)) {
        size_t l = 0;
        for (size_t i = 0; i < sizeof amounts / sizeof amounts[0] && !l; i++) {
            l = talk__at(s, n, p, amounts[i]);
            if (l && numeral_cp(talk__prev_cp(s, p))) {
                l = 0;
            }
        }
        for (size_t i = 0; i < sizeof words / sizeof words[0] && !l; i++) {
            l = talk__at(s, n, p, words[i]);
        }
        if (l) {
            if (at != NULL) {
                at->off = p;
                at->len = l;
            }
            return true;
        }
    }
    return false;
}

/* ---- Quote check --------------------------------------------------------- */

struct sink {
    struct lx_talk_fee_finding *out;
    size_t cap;
    size_t n;
};

static void
add(struct sink *k, const char *code, const char *field, bool conduct,
    bool refuse, size_t item, int64_t amount)
{
    if (k->n < k->cap) {
        struct lx_talk_fee_finding *f = &k->out[k->n];
        f->code = code;
        f->field = field;
        f->clause = conduct ? LX_TALK_CLAUSE_FEE : NULL;
        f->refuse = refuse;
        f->item = item;
        f->amount_fen = amount;
    }
    k->n++;
}

#define BAD(k, code, field) add(k, code, field, false, true, SIZE_MAX, 0)

static bool
excluded(const struct lx_talk_quote *q)
{
    switch (q->matter) {
    case LX_TALK_MATTER_CRIMINAL:
    case LX_TALK_MATTER_ADMINISTRATIVE:
    case LX_TALK_MATTER_STATE_COMPENSATION:
    case LX_TALK_MATTER_MARRIAGE_INHERITANCE:
    case LX_TALK_MATTER_BENEFITS:
        return true;
    case LX_TALK_MATTER_NONE:
    case LX_TALK_MATTER_CIVIL:
        break;
    }
    return q->group_case;
}

static bool
matter_known(enum lx_talk_matter m)
{
    switch (m) {
    case LX_TALK_MATTER_CIVIL:
    case LX_TALK_MATTER_CRIMINAL:
    case LX_TALK_MATTER_ADMINISTRATIVE:
    case LX_TALK_MATTER_STATE_COMPENSATION:
    case LX_TALK_MATTER_MARRIAGE_INHERITANCE:
    case LX_TALK_MATTER_BENEFITS:
        return true;
    case LX_TALK_MATTER_NONE:
        break;
    }
    return false;
}

/* Items: names present, amounts in range; returns the sum or -1. */
static int64_t
check_items(const struct lx_talk_quote *q, struct sink *k, bool priced)
{
    int64_t sum = 0;
    bool bad = false;

    for (size_t i = 0; i < q->n_items; i++) {
        const struct lx_talk_fee_item *it = &q->items[i];
        if (it->name == NULL || it->name[0] == '\0') {
            add(k, "item_name_missing", "/items/name", false, true, i, 0);
            bad = true;
        }
        if (!fen_ok(it->amount_fen)) {
            add(k, "item_amount_range", "/items/amount_fen", false, true, i, 0);
            bad = true;
            continue;
        }
        if (!priced && it->amount_fen != 0) {
            /* Hourly and contingency items name the work; a price on one
             * would be a second, unstated fee. */
            add(k, "item_amount_unused", "/items/amount_fen", false, true, i,
                0);
            bad = true;
        }
        sum += it->amount_fen;
        if (sum > LX_TALK_FEN_MAX) {
            add(k, "items_sum_range", "/items", false, true, SIZE_MAX, 0);
            return -1;
        }
    }
    return bad ? -1 : sum;
}

size_t
lx_talk_quote_check(const struct lx_talk_quote *q, int64_t now_ms,
                    struct lx_talk_fee_finding *out, size_t cap)
{
    struct sink k = {out, out == NULL ? 0 : cap, 0};
    bool priced, lure_item = false;
    int64_t sum, ceiling;

    if (q == NULL) {
        BAD(&k, "quote_missing", "");
        return k.n;
    }
    switch (q->method) {
    case LX_TALK_FEE_FIXED:
    case LX_TALK_FEE_STAGED:
        priced = true;
        break;
    case LX_TALK_FEE_HOURLY:
    case LX_TALK_FEE_CONTINGENCY:
        priced = false;
        break;
    case LX_TALK_FEE_NONE:
    default:
        BAD(&k, "method_unknown", "/method");
        return k.n;
    }
    if (!matter_known(q->matter)) {
        BAD(&k, "matter_unknown", "/matter");
    }
    if (q->included == NULL || q->included[0] == '\0') {
        BAD(&k, "included_missing", "/included");
    }
    if (q->valid_from_ms <= 0 || q->valid_until_ms <= q->valid_from_ms) {
        BAD(&k, "validity_window", "/valid_until_ms");
    } else if (q->valid_until_ms <= now_ms) {
        add(&k, "expired", "/valid_until_ms", false, true, SIZE_MAX, 0);
    }
    if (q->n_items > LX_TALK_ITEMS_MAX ||
        (q->n_items > 0 && q->items == NULL)) {
        BAD(&k, "items_range", "/items");
        return k.n;
    }

    /* Fields of the other methods must be zero: one quote, one method. */
    if (q->method != LX_TALK_FEE_FIXED && q->method != LX_TALK_FEE_STAGED &&
        q->total_fen != 0) {
        BAD(&k, "field_unused", "/total_fen");
    }
    if (q->method != LX_TALK_FEE_HOURLY &&
        (q->rate_fen != 0 || q->max_hours != 0)) {
        BAD(&k, "field_unused", q->rate_fen != 0 ? "/rate_fen" : "/max_hours");
    }
    if (q->method != LX_TALK_FEE_CONTINGENCY &&
        (q->base_fen != 0 || q->rate_bp != 0 || q->claim_fen != 0)) {
        BAD(&k, "field_unused",
            q->base_fen != 0  ? "/base_fen"
            : q->rate_bp != 0 ? "/rate_bp"
                              : "/claim_fen");
    }

    sum = check_items(q, &k, priced);
    switch (q->method) {
    case LX_TALK_FEE_FIXED:
    case LX_TALK_FEE_STAGED:
        if (!fen_ok(q->total_fen)) {
            BAD(&k, "amount_range", "/total_fen");
            return k.n;
        }
        if (q->method == LX_TALK_FEE_STAGED && q->n_items == 0) {
            BAD(&k, "stages_missing", "/items");
        }
        if (sum >= 0 && q->n_items > 0 && sum != q->total_fen) {
            /* C5.6 opaque fees: the breakdown must add up to the total. */
            add(&k, "items_sum_mismatch", "/items", true, true, SIZE_MAX,
                sum - q->total_fen);
        }
        break;
    case LX_TALK_FEE_HOURLY:
        if (q->rate_fen <= 0 || !fen_ok(q->rate_fen)) {
            BAD(&k, "amount_range", "/rate_fen");
            return k.n;
        }
        if (q->max_hours <= 0 || q->max_hours > LX_TALK_HOURS_MAX) {
            /* An hourly fee without a ceiling is an opaque fee (C5.6). */
            add(&k, "hours_cap_missing", "/max_hours", true, true, SIZE_MAX, 0);
            return k.n;
        }
        break;
    case LX_TALK_FEE_CONTINGENCY:
        if (!fen_ok(q->base_fen)) {
            BAD(&k, "amount_range", "/base_fen");
            return k.n;
        }
        if (q->claim_fen <= 0 || !fen_ok(q->claim_fen)) {
            BAD(&k, "amount_range", "/claim_fen");
            return k.n;
        }
        if (q->rate_bp <= 0 || q->rate_bp > 10000) {
            BAD(&k, "amount_range", "/rate_bp");
            return k.n;
        }
        if (excluded(q)) {
            add(&k, "contingency_excluded",
                q->group_case ? "/group_case" : "/matter", true, true, SIZE_MAX,
                0);
        }
        {
            /* base + claim * rate_bp / 10000 <= cap, compared exactly in
             * fen/10000; the excess is reported rounded up to whole fen. */
            int64_t asked = q->base_fen * 10000 + q->claim_fen * q->rate_bp;
            int64_t capx = cap_centi(q->claim_fen) * 100;
            if (asked > capx) {
                add(&k, "contingency_cap", "/rate_bp", true, true, SIZE_MAX,
                    (asked - capx + 9999) / 10000);
            }
        }
        break;
    case LX_TALK_FEE_NONE:
        break;
    }

    ceiling = lx_talk_quote_ceiling_fen(q);
    for (size_t i = 0; i < q->n_items; i++) {
        const char *nm = q->items[i].name;
        if (nm != NULL && lx_talk_lure_find(nm, strlen(nm), NULL)) {
            lure_item = true;
            if (ceiling > 0) {
                /* "免费代理" named in a quote that charges: C5.6 lure. */
                add(&k, "lure_item", "/items/name", true, false, i, ceiling);
            }
        }
    }
    if (!lure_item && q->method != LX_TALK_FEE_CONTINGENCY && ceiling >= 0 &&
        ceiling <= YUAN) {
        /* A 0 or 1 yuan total invites a later charge (C5.6 lure). */
        add(&k, "lure_total",
            q->method == LX_TALK_FEE_HOURLY ? "/rate_fen" : "/total_fen", true,
            false, SIZE_MAX, ceiling);
    }
    return k.n;
}

/* ---- Charges ------------------------------------------------------------- */

static bool
is_lure(const struct lx_talk_quote *q, int64_t ceiling)
{
    if (q->method != LX_TALK_FEE_CONTINGENCY && ceiling <= YUAN) {
        return true;
    }
    for (size_t i = 0; i < q->n_items && q->items != NULL; i++) {
        const char *nm = q->items[i].name;
        if (nm != NULL && lx_talk_lure_find(nm, strlen(nm), NULL)) {
            return true;
        }
    }
    return false;
}

lx_rc
lx_talk_charges_check(const struct lx_talk_quote *accepted,
                      const struct lx_talk_revision *revs, size_t n_revs,
                      const struct lx_talk_charge *charges, size_t n_charges,
                      struct lx_talk_charge_result *out, struct lx_err *err)
{
    int64_t allowed = 0, charged = 0;

    memset(out, 0, sizeof *out);
    if ((n_revs > 0 && revs == NULL) || (n_charges > 0 && charges == NULL)) {
        return lx_err_set(err, LX_EINVAL,
                          n_revs > 0 && revs == NULL ? "/revisions"
                                                     : "/charges",
                          "list missing");
    }
    if (accepted != NULL) {
        allowed = lx_talk_quote_ceiling_fen(accepted);
        if (allowed < 0) {
            return lx_err_set(err, LX_EINVAL, "/quote",
                              "quote amounts out of range");
        }
    }
    for (size_t i = 0; i < n_revs; i++) {
        if (!fen_ok(revs[i].add_fen)) {
            return lx_err_set(err, LX_EINVAL, "/revisions/add_fen",
                              "revision %zu amount out of range", i);
        }
        if (revs[i].user_accepted && accepted != NULL) {
            allowed += revs[i].add_fen;
            if (allowed > LX_TALK_FEN_MAX) {
                return lx_err_set(err, LX_EINVAL, "/revisions",
                                  "revisions sum out of range");
            }
        }
    }
    for (size_t i = 0; i < n_charges; i++) {
        if (charges[i].amount_fen <= 0 || !fen_ok(charges[i].amount_fen)) {
            return lx_err_set(err, LX_EINVAL, "/charges/amount_fen",
                              "charge %zu amount out of range", i);
        }
        charged += charges[i].amount_fen;
        if (charged > LX_TALK_FEN_MAX) {
            return lx_err_set(err, LX_EINVAL, "/charges",
                              "charges sum out of range");
        }
    }
    out->allowed_fen = allowed;
    out->charged_fen = charged;
    out->excess_fen = charged > allowed ? charged - allowed : 0;
    out->hidden_markup = out->excess_fen > 0;
    out->lure_charged = accepted != NULL && charged > 0 &&
                        is_lure(accepted, lx_talk_quote_ceiling_fen(accepted));
    return LX_OK;
}
