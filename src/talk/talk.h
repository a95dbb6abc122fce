/*
 * talk — conduct rules for messages, calls and fees (C5.3, C5.4, C5.6).
 *
 * This header holds the pure decision logic the message/call service will
 * call once it has loaded the facts: no I/O, no clock, no allocation. The
 * clock (now_ms) and every fact are arguments, so a decision can be replayed
 * from its audit record and tested from tables. docs/talk.md is the long
 * form, with the clause for each rule.
 *
 *  - Contact limits (C5.3): lx_talk_contact_decide() allows or denies one
 *    outgoing attempt (message or call) from a firm to a user: opt-out,
 *    quiet hours 21:00-08:00 (+08:00), and at most N unanswered attempts per
 *    rolling window. lx_talk_optout_find() spots an opt-out in a user's text.
 *  - Fees (C5.6): lx_talk_quote_check() validates a structured quote and
 *    applies the contingency rules (excluded matters, the 2021 tiered cap)
 *    and the lure rules; lx_talk_charges_check() compares what was charged
 *    with the accepted quote plus accepted revisions.
 *  - Credentials (C5.4): lx_talk_claims_find() parses practice-year,
 *    former judge/prosecutor, case-count and honour claims from Chinese
 *    text; lx_talk_claims_check() compares them with verified facts.
 *
 * Text is UTF-8; every offset is a byte offset into the caller's buffer.
 * Money is integer fen (1 yuan = 100 fen), never floating point.
 * Thread-safety: every function is pure and re-entrant.
 */
#ifndef LX_TALK_H
#define LX_TALK_H

#include "base/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LX_TALK_CLAUSE_CONTACT "C5.3"
#define LX_TALK_CLAUSE_CREDENTIAL "C5.4"
#define LX_TALK_CLAUSE_FEE "C5.6"

/* ---- Contact limits (C5.3) ---------------------------------------------- */

/* 0 is the safe value: an all-zero decision denies. */
enum lx_talk_verdict {
    LX_TALK_DENY = 0,
    LX_TALK_ALLOW,
};

enum lx_talk_attempt_kind {
    LX_TALK_ATTEMPT_NONE = 0, /* not given: denied */
    LX_TALK_ATTEMPT_MESSAGE,
    LX_TALK_ATTEMPT_CALL,
};

enum lx_talk_purpose {
    LX_TALK_PURPOSE_NONE = 0,     /* not given: denied */
    LX_TALK_PURPOSE_CONSULTATION, /* ordinary follow-up of the consultation */
    LX_TALK_PURPOSE_COMPLAINT,    /* complaint handling: survives an opt-out */
};

/* Configurable limits; lx_talk_limits_default() gives the contract's. */
struct lx_talk_limits {
    int max_unanswered;     /* attempts allowed per window without a reply */
    int64_t window_ms;      /* rolling window, (now - window_ms, now] */
    int64_t quiet_start_ms; /* local (+08:00) time of day, ms after 00:00 */
    int64_t quiet_end_ms;   /* quiet is [start, end), wrapping midnight */
    int64_t user_recent_ms; /* a user message this recent lifts quiet hours */
};

/* 3 attempts per 24 h, quiet 21:00:00-08:00:00, 30 minutes. */
void lx_talk_limits_default(struct lx_talk_limits *out);

/*
 * The facts for one attempt by one firm to one user. 'attempts_ms' are the
 * instants of that firm's earlier outgoing attempts (messages and calls,
 * any order); the engine itself counts only those after the user's last
 * message and inside the window, so the service may pass a superset.
 * Instants are ms since the epoch; 0 means "never".
 */
struct lx_talk_contact_facts {
    enum lx_talk_attempt_kind kind;
    enum lx_talk_purpose purpose;
    const int64_t *attempts_ms;
    size_t n_attempts;
    int64_t user_last_msg_ms; /* the user's latest message to this firm */
    bool opted_out;
    int64_t opted_out_ms; /* when the opt-out was given; a user message
                             after it lifts it; 0 (unknown) never lifts */
};

struct lx_talk_contact_decision {
    enum lx_talk_verdict verdict;
    const char *reason;  /* stable snake_case, static; "allowed" on allow */
    const char *clause;  /* "C5.3" on a deny, NULL on allow */
    const char *message; /* static text for the sender (zh), never NULL */
    int64_t retry_ms;    /* earliest instant the deciding rule stops
                            blocking; 0 when it never does (opt-out) */
    int counted;         /* unanswered attempts counted in the window */
};

/*
 * Decide one outgoing attempt at now_ms. Rules in order: facts present,
 * opt-out (complaint handling excepted), quiet hours (lifted when the user
 * wrote within user_recent_ms), unanswered count. Never fails: bad facts
 * or limits are a deny with reason "bad_facts" / "bad_limits".
 */
void lx_talk_contact_decide(const struct lx_talk_contact_facts *f,
                            const struct lx_talk_limits *lim, int64_t now_ms,
                            struct lx_talk_contact_decision *out);

/* A byte span in the caller's text. */
struct lx_talk_span {
    size_t off;
    size_t len;
};

/*
 * Find the first opt-out phrase in a user's message s[0..n) ("别再联系我",
 * "不要再打了", "不需要了", "请勿打扰", "退订", …) that is not negated
 * ("不是不需要了", "我没说不需要了") nor a question ("不需要了吗").
 * Returns true and fills *at (may be NULL) with the phrase's span.
 */
bool lx_talk_optout_find(const char *s, size_t n, struct lx_talk_span *at);

/* ---- Fee quotes and charges (C5.6) -------------------------------------- */

/* The largest amount accepted anywhere: 10^14 fen (one trillion yuan).
 * Keeps every product in the cap arithmetic inside int64_t. */
#define LX_TALK_FEN_MAX INT64_C(100000000000000)
#define LX_TALK_HOURS_MAX 10000
#define LX_TALK_ITEMS_MAX 64

enum lx_talk_fee_method {
    LX_TALK_FEE_NONE = 0,
    LX_TALK_FEE_FIXED,       /* total_fen; items optional, sum = total */
    LX_TALK_FEE_HOURLY,      /* rate_fen per hour, at most max_hours */
    LX_TALK_FEE_STAGED,      /* total_fen; items = stages, sum = total */
    LX_TALK_FEE_CONTINGENCY, /* base_fen + rate_bp of claim_fen */
};

/* The kind of matter, for the contingency exclusions. */
enum lx_talk_matter {
    LX_TALK_MATTER_NONE = 0,
    LX_TALK_MATTER_CIVIL, /* civil or commercial, not listed below */
    LX_TALK_MATTER_CRIMINAL,
    LX_TALK_MATTER_ADMINISTRATIVE,
    LX_TALK_MATTER_STATE_COMPENSATION,
    LX_TALK_MATTER_MARRIAGE_INHERITANCE,
    LX_TALK_MATTER_BENEFITS, /* social insurance, subsistence, maintenance,
                                pensions, relief, work injury, wages */
};

struct lx_talk_fee_item {
    const char *name; /* NUL-terminated UTF-8, non-empty */
    int64_t amount_fen;
};

struct lx_talk_quote {
    enum lx_talk_fee_method method;
    enum lx_talk_matter matter;
    bool group_case;   /* 群体性案件 */
    int64_t total_fen; /* FIXED, STAGED */
    int64_t rate_fen;  /* HOURLY: per hour */
    int max_hours;     /* HOURLY */
    int64_t base_fen;  /* CONTINGENCY: the fee due whatever the outcome */
    int rate_bp;       /* CONTINGENCY: share of claim_fen, 1/100 of a % */
    int64_t claim_fen; /* CONTINGENCY: the claim amount (标的额) */
    const struct lx_talk_fee_item *items;
    size_t n_items;
    const char *included; /* what the fee covers; NUL-terminated, non-empty */
    int64_t valid_from_ms;
    int64_t valid_until_ms; /* exclusive */
};

/* One finding on a quote or on charges. */
struct lx_talk_fee_finding {
    const char *code;   /* stable snake_case, static */
    const char *field;  /* JSON pointer into the quote, static, or NULL */
    const char *clause; /* "C5.6" for conduct findings, NULL for bad input */
    bool refuse;        /* the quote must not be sent / accepted */
    size_t item;        /* item index for "/items" findings, else SIZE_MAX */
    int64_t amount_fen; /* the cap, the excess or the ceiling; else 0 */
};

/*
 * The marginal contingency cap of the 2021 fee opinion for a claim:
 * 18 % of the part below 1M yuan, 15 % of 1M-5M, 12 % of 5M-10M, 9 % of
 * 10M-50M, 6 % above 50M; the exact sum rounded down to whole fen.
 * claim_fen outside [0, LX_TALK_FEN_MAX] gives -1.
 */
int64_t lx_talk_contingency_cap_fen(int64_t claim_fen);

/*
 * The most the quote lets the firm charge: FIXED and STAGED total_fen,
 * HOURLY rate_fen * max_hours, CONTINGENCY base_fen + claim_fen * rate_bp
 * / 10000 rounded down. -1 when the quote's amounts are out of range.
 */
int64_t lx_talk_quote_ceiling_fen(const struct lx_talk_quote *q);

/*
 * Check a quote at now_ms. Writes up to 'cap' findings to out and returns
 * how many there were in total (more than cap means some were dropped).
 * Zero findings: the quote is well formed and compliant. Findings with
 * refuse set (bad input, expired, excluded or over-cap contingency) mean
 * the quote must not be sent; the others (lures) are C5.6 flags.
 */
size_t lx_talk_quote_check(const struct lx_talk_quote *q, int64_t now_ms,
                           struct lx_talk_fee_finding *out, size_t cap);

/* A revision of an accepted quote adding add_fen to what may be charged. */
struct lx_talk_revision {
    int64_t add_fen;
    bool user_accepted; /* only revisions the user accepted count */
};

struct lx_talk_charge {
    int64_t amount_fen; /* > 0; refunds are not charges */
    int64_t at_ms;
};

struct lx_talk_charge_result {
    int64_t allowed_fen; /* ceiling of the quote + accepted revisions */
    int64_t charged_fen; /* sum of the charges */
    int64_t excess_fen;  /* charged - allowed when positive, else 0 */
    bool hidden_markup;  /* excess_fen > 0 (C5.6) */
    bool lure_charged; /* a lure quote ("0元", "免费代理") led to charges */
};

/*
 * Compare charges with the accepted quote (NULL: none accepted, so any
 * charge is a mark-up) and its revisions. Returns LX_EINVAL with err->field
 * naming the bad input (a negative or out-of-range amount) — no content.
 */
lx_rc lx_talk_charges_check(const struct lx_talk_quote *accepted,
                            const struct lx_talk_revision *revs, size_t n_revs,
                            const struct lx_talk_charge *charges,
                            size_t n_charges, struct lx_talk_charge_result *out,
                            struct lx_err *err);

/* True when s[0..n) holds a lure phrase: "0元", "1元", "零元", "一元",
 * "免费代理" (a digit before "0元"/"1元", as in "100元", is no lure). */
bool lx_talk_lure_find(const char *s, size_t n, struct lx_talk_span *at);

/* ---- Credential claims (C5.4) ------------------------------------------- */

enum lx_talk_claim_kind {
    LX_TALK_CLAIM_NONE = 0,
    LX_TALK_CLAIM_YEARS,             /* "执业二十年", "十年经验" */
    LX_TALK_CLAIM_FORMER_JUDGE,      /* "前法官", "曾任法官" */
    LX_TALK_CLAIM_FORMER_PROSECUTOR, /* "前检察官", "曾任检察官" */
    LX_TALK_CLAIM_CASES,             /* "办理过500起", "胜诉上千件" */
    LX_TALK_CLAIM_HONOUR,            /* "十佳律师", "金牌律师" */
};

struct lx_talk_claim {
    enum lx_talk_claim_kind kind;
    struct lx_talk_span span; /* the whole claim phrase */
    int64_t value;            /* YEARS, CASES: the number claimed (a lower
                                 bound for "二十余年", "上千件") */
    const char *honour;       /* HONOUR: the canonical phrase, static */
};

/*
 * Find claims in s[0..n), left to right, not overlapping. Writes up to cap
 * to out and returns the total found. Chinese numerals (十, 二十, 三十五,
 * 两百, 上千), ASCII and full-width digits are read.
 */
size_t lx_talk_claims_find(const char *s, size_t n, struct lx_talk_claim *out,
                           size_t cap);

/* What has been verified about the lawyer. */
struct lx_talk_credentials {
    int first_practice_year; /* from the licence record; 0 = unknown */
    bool former_judge;
    bool former_prosecutor;
    const char *const *honours; /* verified honour titles */
    size_t n_honours;
    bool case_count_known;
    int64_t case_count;
};

struct lx_talk_claim_finding {
    struct lx_talk_claim claim;
    const char *reason; /* stable snake_case, static */
    const char *clause; /* "C5.4" */
    int64_t verified;   /* years or cases verified; 0 when unknown */
};

/*
 * Check every claim in s[0..n) against the verified facts at ref_ms (the
 * message time; practice years = year(ref_ms, +08:00) - first year).
 * Writes up to cap findings and returns the total. A claim the facts do
 * not support is a finding; supported claims are not reported.
 */
size_t lx_talk_claims_check(const char *s, size_t n,
                            const struct lx_talk_credentials *v, int64_t ref_ms,
                            struct lx_talk_claim_finding *out, size_t cap);

#endif /* LX_TALK_H */
