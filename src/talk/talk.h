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

/* ==== The conversation service (msg.c, quote.c, call.c) ====================
 *
 * Everything below owns transactions on ctx->app->store, with the actor
 * and the clock of ctx (ctx->now_ms). Each public function is one unit of
 * work: facts loaded, the policy engine asked (action MESSAGE, CALL or
 * QUOTE of policy.h for the firm side; the user reaches only their own
 * leads), the pure rules above and the scanner applied, the change, its
 * audit record and any violation (enforce.h) committed together — or
 * nothing. A deny is committed with its audit record and returned as
 * LX_EDENIED with ctx->err.clause set.
 *
 * A lead is visible as in leads.h: a lead the actor may not see is
 * LX_ENOTFOUND, exactly as an id that does not exist. The firm side is the
 * firm holding the lead (claimed or assigned); the user side is the user
 * who submitted it.
 *
 * Message text is stored only in the vault (category chat, field
 * "chat_<message id>" of the lead's subject) and leaves it only through
 * lx_talk_messages, which decides and audits the read in the same unit.
 * Errors, log lines, audit records and violation records carry ids,
 * clause ids, rule ids and byte offsets — never the text.
 */

#include "scan/scan.h"

struct lx_ctx;
struct lx_store_tx;

#define LX_TALK_TEXT_MAX 4000     /* message bytes (UTF-8) */
#define LX_TALK_FINDINGS_MAX 16   /* findings kept per message */
#define LX_TALK_REASON_MAX 200    /* revision reason bytes */
#define LX_TALK_NUMBER_MAX 20     /* virtual number bytes */
#define LX_TALK_CALL_ID_MAX 64    /* provider call / event id bytes */

/*
 * Called inside the unit that records the firm's contact with the user of
 * a lead — a delivered message, or an answered call — with the time of
 * the contact. sla/ sets it (lx_sla_contact_hook) to meet the lead's
 * first-response deadline (C5.1) in the same transaction. A non-OK return
 * rolls the unit back.
 */
typedef lx_rc lx_talk_contact_fn(void *arg, struct lx_store_tx *tx,
                                 int64_t lead_id, int64_t firm_id,
                                 int64_t at_ms, struct lx_err *err);

struct lx_talk_opts {
    struct lx_talk_limits limits; /* all zero: lx_talk_limits_default */
    const struct lx_scan_pack *pack; /* required to send a message */
    bool hold_review;  /* review verdicts are held, not delivered */
    lx_talk_contact_fn *on_contact; /* may be NULL */
    void *on_contact_arg;
};

/* ---- messages (msg.c) ---------------------------------------------------- */

enum lx_talk_direction {
    LX_TALK_TO_USER = 0, /* firm staff to the user: screened */
    LX_TALK_FROM_USER,   /* the user to the firm: never screened */
};

enum lx_talk_status {
    LX_TALK_DELIVERED = 0,
    LX_TALK_HELD,    /* review verdict with hold_review: awaits review */
    LX_TALK_BLOCKED, /* block verdict: never delivered */
};

enum lx_talk_review {
    LX_TALK_REVIEW_NONE = 0,
    LX_TALK_REVIEW_PENDING,   /* queued for platform review */
    LX_TALK_REVIEW_CONFIRMED, /* a breach: a violation was recorded */
    LX_TALK_REVIEW_DISMISSED, /* no breach; a held message is delivered */
};

/* "to_user", "delivered", "pending", … ; "invalid" out of range. */
const char *lx_talk_direction_name(enum lx_talk_direction d);
const char *lx_talk_status_name(enum lx_talk_status s);
const char *lx_talk_review_name(enum lx_talk_review r);

/* One finding on a message: a scanner finding, or a credential claim the
 * verified facts do not support (category fake_credentials, rule
 * "credential.<reason>"). Strings are static or owned by the pack. */
struct lx_talk_msg_finding {
    const char *category; /* scan.h category name */
    const char *clause;   /* "C5.x" */
    char rule[64];        /* rule id */
    size_t start, end;    /* byte offsets into the text */
};

/* The outcome of a send. */
struct lx_talk_sent {
    int64_t id;                  /* the stored message; 0 when none */
    enum lx_scan_verdict verdict;
    enum lx_talk_status status;
    char pack_version[24];       /* the rule pack that decided */
    size_t n_findings;
    struct lx_talk_msg_finding findings[LX_TALK_FINDINGS_MAX];
    int64_t violation_id;        /* block: the ledger record; else 0 */
    /* A denied attempt (LX_EDENIED with clause C5.3): why, and from when
     * the deciding rule stops blocking (0: never, e.g. an opt-out). */
    const char *contact_reason;  /* static; "allowed" when allowed */
    int64_t retry_ms;
};

/*
 * Staff of the holding firm write to the user of lead 'lead_id'
 * (text[0..len), 1..LX_TALK_TEXT_MAX bytes of UTF-8) for 'purpose'
 * ("consultation" or "complaint"; anything else LX_EINVAL "/purpose").
 * In one unit: policy (MESSAGE), the contact-limit decision (C5.3: an
 * attempt is recorded allowed or denied; a deny is LX_EDENIED with clause
 * C5.3, out->contact_reason and out->retry_ms), the scan (o->pack) plus
 * the credential check against the sender's verified facts (C5.4), the
 * message stored (text in the vault), and then by verdict:
 *   block   status blocked, a violation per blocking clause (kind
 *           "message_<category>", object "talk_message:<id>"); the
 *           function still returns LX_OK: the sender sees out->findings;
 *   review  delivered (held when o->hold_review), review pending;
 *   allow   delivered.
 * A delivered message is the firm's contact: o->on_contact is called in
 * the unit. Audited as kind access, action "message" (ids, verdict, pack
 * version; never the text).
 */
lx_rc lx_talk_send(struct lx_ctx *ctx, const struct lx_talk_opts *o,
                   int64_t lead_id, const char *purpose, const char *text,
                   size_t len, struct lx_talk_sent *out);

/*
 * The user writes to the firm holding their lead. Never screened. An
 * opt-out phrase (lx_talk_optout_find) records an opt-out (source
 * "message"); otherwise a message lifts an earlier opt-out, as the
 * contact rule says. *id gets the message id, *opted_out whether this
 * message was an opt-out (either may be NULL). Text as for lx_talk_send;
 * an actor other than a user is LX_EDENIED; a lead no firm holds
 * (claimed or assigned) is LX_ECONFLICT naming its state.
 */
lx_rc lx_talk_user_send(struct lx_ctx *ctx, int64_t lead_id, const char *text,
                        size_t len, int64_t *id, bool *opted_out);

/* The user's opt-out button for lead 'lead_id' (source "button"), in any
 * state of the lead; users only (else LX_EDENIED). Audited (action
 * "optout"). Calling it again records another opt-out, harmlessly. */
lx_rc lx_talk_optout(struct lx_ctx *ctx, int64_t lead_id);

/* One message as its reader may see it. 'text' is valid only during the
 * callback and is wiped afterwards. */
struct lx_talk_message {
    int64_t id;
    int64_t lead_id;
    enum lx_talk_direction direction;
    const char *sender_role; /* "lawyer", "user", … (C5.7: as sent) */
    enum lx_scan_verdict verdict;
    enum lx_talk_status status;
    enum lx_talk_review review;
    const char *pack_version;
    size_t n_findings;
    const struct lx_talk_msg_finding *findings;
    int64_t created_ms;
    const char *text;
    size_t len;
};

typedef lx_rc lx_talk_message_fn(void *arg, const struct lx_talk_message *m);

/*
 * The conversation of lead 'lead_id' with id > after_id, oldest first, at
 * most 'limit' (1..100; 0 means 50), through fn. The user sees their own
 * messages and the delivered ones to them (never held or blocked ones, nor
 * findings); the holding firm's staff see the whole conversation with its
 * verdicts; platform staff read for a declared purpose (policy
 * REVEAL_FIELD on category chat). The read is decided and audited (kind
 * access, action "read_chat", the count) in the same unit as the
 * decryption; a deny is LX_EDENIED, audited. *next_after (may be NULL)
 * gets the after_id of the next page, 0 after the last. 'purpose' NULL or
 * "" means "communication"; a name that is no policy purpose is LX_EINVAL
 * "/purpose". A non-OK return of fn stops the page and is returned; the
 * read stays audited.
 */
lx_rc lx_talk_messages(struct lx_ctx *ctx, int64_t lead_id,
                       const char *purpose, int64_t after_id, int limit,
                       lx_talk_message_fn *fn, void *arg, int64_t *next_after);

/*
 * Platform review of a message in review state pending (platform
 * compliance or admin with current training; no policy action fits, so
 * the role decides: others LX_EDENIED, clause C4.1): confirm records the
 * violation of each flagged clause (kind "message_<category>"); dismiss
 * does not. A held message is delivered on dismiss (o->on_contact, o may
 * be NULL) and stays undelivered on confirm. LX_ENOTFOUND for no such
 * message; LX_ECONFLICT when it is not pending. Audited (action
 * "message_review"), allow or deny.
 */
lx_rc lx_talk_review_decide(struct lx_ctx *ctx, const struct lx_talk_opts *o,
                            int64_t message_id, bool confirm);

/* Messages awaiting review, oldest first, id > after_id, at most limit
 * (1..100): ids and findings only, never text (m->text NULL). Any
 * platform role with current training; others LX_EDENIED. Audited.
 * *next_after (may be NULL) gets the after_id of the next page, 0 after
 * the last (and when fn stops the page), as for lx_talk_messages. */
lx_rc lx_talk_review_queue(struct lx_ctx *ctx, int64_t after_id, int limit,
                           lx_talk_message_fn *fn, void *arg,
                           int64_t *next_after);

/* Record what the platform verified about a lawyer (platform compliance
 * or admin, as for a review): former judge/prosecutor, case count (< 0:
 * unknown) and up to 32 honour titles of 1..200 bytes (LX_EINVAL
 * "/honours"), replacing what was recorded. The first practice year comes
 * from the verified licence number (digits 6-9), not from here.
 * LX_ENOTFOUND "/staff_id" for no such active staff member. Audited. */
lx_rc lx_talk_facts_set(struct lx_ctx *ctx, int64_t staff_id,
                        bool former_judge, bool former_prosecutor,
                        int64_t case_count, const char *const *honours,
                        size_t n_honours);

/* ---- quotes and charges (quote.c) ----------------------------------------- */

enum lx_talk_quote_state {
    LX_TALK_QUOTE_SENT = 0,
    LX_TALK_QUOTE_ACCEPTED,
    LX_TALK_QUOTE_REJECTED,
    LX_TALK_QUOTE_WITHDRAWN,
};
const char *lx_talk_quote_state_name(enum lx_talk_quote_state s);
/* "fixed", "hourly", "staged", "contingency"; "civil", "criminal", … */
const char *lx_talk_fee_method_name(enum lx_talk_fee_method m);
bool lx_talk_fee_method_parse(const char *s, enum lx_talk_fee_method *out);
const char *lx_talk_matter_name(enum lx_talk_matter m);
bool lx_talk_matter_parse(const char *s, enum lx_talk_matter *out);

#define LX_TALK_QUOTE_FINDINGS_MAX 8

struct lx_talk_quote_result {
    int64_t id; /* 0 when refused */
    size_t n_findings;
    struct lx_talk_fee_finding findings[LX_TALK_QUOTE_FINDINGS_MAX];
};

/*
 * A lawyer of the holding firm sends a quote on lead 'lead_id' (policy
 * QUOTE). lx_talk_quote_check at ctx->now_ms: a finding with refuse set
 * is LX_EINVAL (bad input, field = the finding's pointer) or, for a
 * conduct refusal (excluded matter, contingency over the cap), LX_EDENIED
 * with clause C5.6 — audited, nothing stored; out->findings says which.
 * Lure flags are stored with the quote. Audited (action "quote").
 */
lx_rc lx_talk_quote_send(struct lx_ctx *ctx, int64_t lead_id,
                         const struct lx_talk_quote *q,
                         struct lx_talk_quote_result *out);

/* The user accepts (accept = true) or rejects a sent, still valid quote
 * on their lead. LX_ECONFLICT naming the state otherwise. Audited. */
lx_rc lx_talk_quote_answer(struct lx_ctx *ctx, int64_t quote_id, bool accept);

/* The firm proposes to raise what an accepted quote allows by add_fen
 * (> 0) for 'reason' (1..LX_TALK_REASON_MAX bytes); *id gets the
 * revision. The user accepts it with lx_talk_revision_accept. */
lx_rc lx_talk_quote_revise(struct lx_ctx *ctx, int64_t quote_id,
                           int64_t add_fen, const char *reason, int64_t *id);
lx_rc lx_talk_revision_accept(struct lx_ctx *ctx, int64_t revision_id);

/*
 * The firm records a charge of amount_fen (> 0) against quote 'quote_id'
 * of its lead. lx_talk_charges_check over every charge of the quote: an
 * excess over the accepted quote plus accepted revisions — or any charge
 * on a quote not accepted — is a hidden mark-up: the charge is recorded
 * (it happened) with a violation (clause C5.6, kind "hidden_markup",
 * object "talk_charge:<id>"); a charge after a lure quote adds one of kind
 * "fee_lure". *out gets the totals.
 */
lx_rc lx_talk_charge(struct lx_ctx *ctx, int64_t quote_id, int64_t amount_fen,
                     struct lx_talk_charge_result *out, int64_t *charge_id);

/* A stored quote as the firm or the user sees it. */
struct lx_talk_quote_view {
    int64_t id;
    int64_t lead_id;
    enum lx_talk_quote_state state;
    struct lx_talk_quote q; /* items and included point into 'buf' */
    struct lx_talk_fee_item items[LX_TALK_ITEMS_MAX];
    int64_t ceiling_fen;
    int64_t allowed_fen; /* ceiling + accepted revisions; 0 until the
                            user accepts (lx_talk_charges_check) */
    int64_t charged_fen;
    bool lure;
    int64_t created_ms;
    int64_t accepted_ms;
    char buf[8192];
};

/* One quote (the holding firm, the lead's user, platform staff). */
lx_rc lx_talk_quote_get(struct lx_ctx *ctx, int64_t quote_id,
                        struct lx_talk_quote_view *out);

/* ---- calls through virtual numbers (call.c) ------------------------------ */

#define LX_TALK_POOL_MAX 1024 /* numbers in one lx_talk_bind pool */

/* A binding: the firm's staff member dials 'virtual_number' and reaches
 * the user; the user's own number is never shown to the firm. */
struct lx_talk_binding {
    int64_t id;
    int64_t lead_id;
    int64_t staff_id;
    char virtual_number[LX_TALK_NUMBER_MAX + 1];
    int64_t created_ms;
    int64_t expires_ms;
    int max_call_s;
    /* A denied attempt (LX_EDENIED with clause C5.3): why, and from when
     * the deciding rule stops blocking (0: never, e.g. an opt-out); as in
     * struct lx_talk_sent. "allowed" and 0 otherwise. */
    const char *contact_reason;  /* static */
    int64_t retry_ms;
};

/*
 * A lawyer of the holding firm asks to call the user of lead 'lead_id'
 * (policy CALL). The call is a contact attempt: the contact-limit decision
 * (C5.3) as for a message, denied attempts recorded and returned as
 * LX_EDENIED with clause C5.3, out->contact_reason and out->retry_ms
 * (the binding's other members then zero). On allow, a number free for ttl_ms
 * (1 min..24 h) from the pool 'pool' of n numbers is bound to the lead and
 * the staff member with the longest call max_call_s (60..14400): the
 * first pool number with no live binding, in pool order. The pool holds
 * 1..LX_TALK_POOL_MAX numbers of 5..LX_TALK_NUMBER_MAX ASCII digits
 * (LX_EINVAL "/pool"); "/ttl", "/max_call_s", "/purpose" likewise.
 * LX_ECONFLICT ("/pool") when every pool number is bound. Audited
 * (action "call"). 'out' may be NULL.
 */
lx_rc lx_talk_bind(struct lx_ctx *ctx, const struct lx_talk_opts *o,
                   int64_t lead_id, const char *purpose,
                   const char *const *pool, size_t n, int64_t ttl_ms,
                   int max_call_s, struct lx_talk_binding *out);

enum lx_talk_call_event_kind {
    LX_TALK_CALL_RINGING = 0,
    LX_TALK_CALL_ANSWERED,
    LX_TALK_CALL_ENDED,
};
bool lx_talk_call_event_parse(const char *s, enum lx_talk_call_event_kind *o);

/* One event from the telephony provider (already authenticated by the
 * caller: API key with scope "telephony" and HMAC signature). */
struct lx_talk_call_event {
    const char *event_id;      /* provider's event id: idempotency key */
    const char *call_id;       /* provider's call id */
    const char *virtual_number;
    enum lx_talk_call_event_kind kind;
    int64_t at_ms;
    int64_t duration_s;        /* ended: the talk time */
};

/*
 * Record a provider event against the binding live for its virtual number
 * at at_ms (LX_ENOTFOUND "/virtual_number" when none). The same event_id
 * again is a no-op (*duplicate, may be NULL, true). An answered call is
 * the firm's contact (o->on_contact); an ended call longer than the
 * binding's max_call_s is marked over the limit. The call's times and
 * duration are also stored in the vault as category call. The actor is an
 * API key or the system (else LX_EDENIED); ids are 1..LX_TALK_CALL_ID_MAX
 * bytes of [A-Za-z0-9_.:-] (LX_EINVAL naming the field). A call id seen
 * before stays on its binding (LX_ECONFLICT "/call_id" for another
 * number).
 */
lx_rc lx_talk_call_event(struct lx_ctx *ctx, const struct lx_talk_opts *o,
                         const struct lx_talk_call_event *ev,
                         bool *duplicate);

#endif /* LX_TALK_H */
