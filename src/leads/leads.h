/*
 * leads — intake, confidential distribution to partner firms, claiming,
 * assignment and handover inside a firm, contact reveal, closing and
 * returning (C1.2, C2.1, C4.1, C4.3). docs/leads.md describes the flow.
 *
 * A service: every public function runs its own units of work on
 * ctx->app->store, with the actor and clock of ctx.
 *
 * Intake: area, region (GB/T 2260, current or retired code), description
 * (1..LX_LEADS_DESC_MAX bytes of UTF-8), mainland mobile number, optional
 * name and ID number, and the consent record (privacy-notice version, time,
 * consent to share with the firm named at assignment, PIPL Art. 23). The
 * personal data goes to a fresh vault subject (phone, name, id_number,
 * description as case material); the lead row keeps only the masked
 * preview (pii masking of the description) and the masked phone. A lead
 * whose phone (vault blind index) matches a lead taken within the dedupe
 * window is stored as state "duplicate" linked to the first one and is not
 * distributed. A subject under 14 (from the ID number, or declared) or a
 * juvenile/custody matter makes the lead sensitive.
 *
 * The lead state machine is the explicit table lx_leads_transition():
 *
 *   state \ event  offer    decline  timeout  exhaust  claim    assign
 *   new            offered  -        -        exhausted -       -
 *   offered        -        new      new      -        claimed  -
 *   claimed        -        -        -        -        -        assigned
 *   assigned       -        -        -        -        -        assigned
 *   (closed, returned, exhausted, duplicate: final)
 *
 *   state \ event  handover  acknowledge  close   return    revoke
 *   claimed        assigned  -            closed  returned  new
 *   assigned       assigned  assigned     closed  returned  new
 *
 * A "-" is LX_ECONFLICT whose detail names the current state. A decline or
 * timeout puts the lead back to "new" and, in the same unit of work, the
 * distribution engine (route.h) offers it to the next firm or marks it
 * exhausted, so at most one firm holds a lead at any time (also enforced
 * by a unique index on the open offer).
 *
 * Distribution: each offer is decided over a snapshot of the partner firms
 * (status, areas, covered regions, daily capacity, claims today, fairness
 * credit) read inside the unit; the decision's figures are stored with the
 * offer row for the platform only. The offer window (opts.window_ms) is
 * handed to opts.on_offer inside the same unit, so the caller (http/,
 * which may use sla/) schedules the window with the offer or not at all.
 *
 * Confidentiality (C1.2): struct lx_leads_view, the only thing a partner
 * sees, has no score, weight, credit, queue position, candidate count or
 * other firm. A lead the actor may not see is LX_ENOTFOUND, exactly as an
 * id that does not exist.
 *
 * Access: every firm-side action asks the policy engine with the actor's
 * facts (people.h) and appends the decision to the audit log in the same
 * transaction as the change; a deny is committed with its audit record and
 * returned as LX_EDENIED. Assignments and handovers are handover records
 * (from, to, reason, time, acknowledged by the receiver), audited as kind
 * handover.
 *
 * Errors name fields, never content: no phone, name, ID number or
 * description ever reaches an error, a log line or an audit record.
 *
 * Thread-safety: every function may be called from any thread.
 */
#ifndef LX_LEADS_H
#define LX_LEADS_H

#include "base/ctx.h"
#include "base/err.h"
#include "vault/vault.h"
#include "crypto/crypto.h"
#include "policy/policy.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lx_store_tx;

#define LX_LEADS_DESC_MAX 4096    /* description bytes */
#define LX_LEADS_PREVIEW_MAX 8192 /* masked preview bytes */
#define LX_LEADS_REASON_MAX 200   /* handover reason bytes */
#define LX_LEADS_CONSENT_MAX 32   /* privacy-notice version bytes */
#define LX_LEADS_DEDUPE_DEFAULT_MS (24LL * 3600 * 1000)

enum lx_leads_state {
    LX_LEADS_NEW = 0,
    LX_LEADS_OFFERED,
    LX_LEADS_CLAIMED,
    LX_LEADS_ASSIGNED,
    LX_LEADS_CLOSED,
    LX_LEADS_RETURNED,
    LX_LEADS_EXHAUSTED,
    LX_LEADS_DUPLICATE,
    LX_LEADS_STATE_COUNT
};

enum lx_leads_event {
    LX_LEADS_EV_NONE = 0,
    LX_LEADS_EV_OFFER,
    LX_LEADS_EV_DECLINE,
    LX_LEADS_EV_TIMEOUT,
    LX_LEADS_EV_EXHAUST,
    LX_LEADS_EV_CLAIM,
    LX_LEADS_EV_ASSIGN,
    LX_LEADS_EV_HANDOVER,
    LX_LEADS_EV_ACKNOWLEDGE,
    LX_LEADS_EV_CLOSE,
    LX_LEADS_EV_RETURN,
    LX_LEADS_EV_REVOKE, /* the platform takes it back (C5.1 breach) */
    LX_LEADS_EV_COUNT
};

/* How a firm closes a lead. */
enum lx_leads_outcome {
    LX_LEADS_OUTCOME_NONE = 0,
    LX_LEADS_OUTCOME_ENGAGED,
    LX_LEADS_OUTCOME_NO_NEED,
    LX_LEADS_OUTCOME_UNREACHABLE,
    LX_LEADS_OUTCOME_DECLINED,
    LX_LEADS_OUTCOME_DUPLICATE,
    LX_LEADS_OUTCOME_COUNT
};

/* Stable snake_case names ("offered", "acknowledge", "no_need"); "invalid"
 * out of range. *_parse: exact match of a valid member (the zero event and
 * outcome excluded); false leaves *out untouched. */
const char *lx_leads_state_name(enum lx_leads_state s);
bool lx_leads_state_parse(const char *s, enum lx_leads_state *out);
const char *lx_leads_event_name(enum lx_leads_event e);
const char *lx_leads_outcome_name(enum lx_leads_outcome o);
bool lx_leads_outcome_parse(const char *s, enum lx_leads_outcome *out);

/*
 * The state machine (header comment): *to gets the state after 'ev' in
 * 'from'. LX_ECONFLICT naming the current state and the event for a "-";
 * LX_EINVAL for a state or event out of range. Pure.
 */
lx_rc lx_leads_transition(enum lx_leads_state from, enum lx_leads_event ev,
                          enum lx_leads_state *to, struct lx_err *err);

/* Whether 'code' (six ASCII digits) is a current or retired GB/T 2260 code
 * of the embedded tables. */
bool lx_leads_region_valid(const char *code, size_t n);

/* Called inside the unit that records an offer (after the offer row is
 * written): schedule its window, e.g. with lx_sla_schedule_tx. A non-OK
 * return rolls the offer back. */
typedef lx_rc lx_leads_offer_fn(void *arg, struct lx_store_tx *tx,
                                int64_t offer_id, int64_t firm_id,
                                int64_t offered_ms, int64_t deadline_ms,
                                struct lx_err *err);

/* Called inside the unit in which the firm answers offer 'offer_id'
 * (claim or decline) at 'at_ms', with on_offer_arg: close the window's
 * deadline, e.g. with lx_sla_satisfy_tx. A non-OK return rolls back. */
typedef lx_rc lx_leads_answer_fn(void *arg, struct lx_store_tx *tx,
                                 int64_t offer_id, int64_t at_ms,
                                 struct lx_err *err);

/*
 * Called while the routing snapshot is read, inside the distributing unit:
 * fill the first-response part of each firm's SLA record
 * (responses_measured, first_response_median_s of route.h) as measured
 * at now_ms. 'firms' is ascending by id. sla/ provides it
 * (lx_sla_route_record_tx); without it every firm counts as not yet
 * measured (the route engine's neutral score).
 */
struct lx_route_firm;
typedef lx_rc lx_leads_record_fn(void *arg, struct lx_store_tx *tx,
                                 int64_t now_ms, struct lx_route_firm *firms,
                                 size_t n, struct lx_err *err);

struct lx_leads_opts {
    int64_t window_ms;        /* offer window; 0: 10 minutes */
    int64_t dedupe_window_ms; /* 0: LX_LEADS_DEDUPE_DEFAULT_MS */
    lx_leads_offer_fn *on_offer; /* may be NULL */
    lx_leads_answer_fn *on_answer; /* may be NULL */
    void *on_offer_arg; /* handed to both hooks */
    lx_leads_record_fn *record; /* may be NULL: SLA record neutral */
};

/* One intake. Strings are NUL-terminated; optional ones may be NULL or "". */
struct lx_leads_intake {
    const char *area;        /* route.h area name */
    const char *region;      /* six-digit GB/T 2260 code */
    const char *description; /* UTF-8 */
    const char *phone;       /* mainland mobile number */
    const char *name;        /* optional */
    const char *id_number;   /* optional: 18-character resident ID */
    const char *consent_version; /* privacy-notice version, required */
    int64_t consent_ms;          /* when consent was given, > 0, <= now */
    bool consent_share; /* must be true: share with the firm named later */
    bool minor;   /* declared: the subject is under 14 */
    bool custody; /* a juvenile or custody matter */
};

struct lx_leads_intake_result {
    int64_t id;
    int64_t duplicate_of; /* 0 unless the lead is a duplicate */
    enum lx_leads_state state; /* offered, exhausted or duplicate */
};

/*
 * Take a lead from ctx->actor: a user (channel "user", the lead is theirs),
 * an API key (channel "api"; the caller checks the "intake" scope) or the
 * system (channel "system"); staff cannot submit leads (LX_EDENIED).
 * Validates every field (LX_EINVAL with its JSON pointer: "/area",
 * "/region", "/description", "/phone", "/name", "/id_number", "/consent/…";
 * LX_ETOOBIG for a description over LX_LEADS_DESC_MAX), stores the
 * personal data in the vault, checks for a duplicate and, unless it is
 * one, offers the lead to one firm (or marks it exhausted).
 */
lx_rc lx_leads_intake(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                      const struct lx_leads_intake *in,
                      struct lx_leads_intake_result *out);

/* What a partner, a user or platform staff sees of a lead (C1.2: nothing
 * about distribution beyond the actor's own offer deadline). */
struct lx_leads_view {
    int64_t id;
    char area[24];
    char region[7];
    char preview[LX_LEADS_PREVIEW_MAX + 1];
    char contact_masked[32];
    bool minor;
    bool sensitive;
    enum lx_leads_state state;
    int64_t offer_deadline_ms; /* while offered; 0 otherwise */
    int64_t staff_id;          /* the holder inside the firm; 0 none */
    enum lx_leads_outcome outcome;
    int64_t created_ms;
    int64_t updated_ms;
};

/*
 * Read one lead the actor may see: firm staff the leads their firm holds
 * (offered to it, claimed, assigned, closed or returned by it); a user
 * their own; platform staff every lead. Anything else is LX_ENOTFOUND.
 */
lx_rc lx_leads_get(struct lx_ctx *ctx, int64_t id, struct lx_leads_view *out);

/* The leads the actor may see with id > after_id, ascending, at most max
 * (1..100) into out; *n gets how many were written. */
lx_rc lx_leads_list(struct lx_ctx *ctx, int64_t after_id,
                    struct lx_leads_view *out, size_t max, size_t *n);

/*
 * Claim the lead offered to the actor's firm (policy: CLAIM, purpose
 * consultation — a firm admin or a verified lawyer with current training).
 * The claim, the offer's outcome and the audit record commit together.
 * LX_ENOTFOUND when the lead is not visible to the actor; LX_ECONFLICT
 * naming the state when it is not offered, or the window has passed;
 * LX_EDENIED (audited) when the policy denies. The claimant holds it.
 */
lx_rc lx_leads_claim(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                     int64_t id);

/*
 * lx_leads_claim for a minor's lead (C2.4: every access to a minor's data
 * needs its own approval): 'access_id' is an approved minor access
 * (people.h lx_people_minor_request / _decide) for the claimant, consumed
 * by the claim in the same unit. 0 is lx_leads_claim.
 */
lx_rc lx_leads_claim_access(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                            int64_t id, int64_t access_id);

/*
 * Decline the offer with a route.h decline reason name ("no_capacity", …).
 * Audited; in the same unit the lead goes to the next firm (or exhausted).
 * Errors as for claim; LX_EINVAL ("/reason") for an unknown reason.
 */
lx_rc lx_leads_decline(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                       int64_t id, const char *reason);

/*
 * Time out every open offer whose window has passed at ctx->now_ms (at
 * most 'limit', 1..256) and offer each lead to the next firm; *n gets how
 * many timed out. One unit; audited as the system.
 */
lx_rc lx_leads_timeout_due(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                           int limit, int64_t *n);

/*
 * Give the held lead to staff member 'to' of the same firm: ASSIGN (the
 * firm admin) or, with handover = true, HANDOVER (the holder passing it
 * on). 'reason' is 1..LX_LEADS_REASON_MAX bytes of UTF-8, 'purpose' a
 * policy purpose name. Writes a handover record (from the current holder)
 * and audits it as kind handover, in one unit; the receiver becomes the
 * holder. *record_id (may be NULL) gets the record's id.
 */
lx_rc lx_leads_assign(struct lx_ctx *ctx, int64_t id, int64_t to,
                      bool handover, const char *reason, const char *purpose,
                      int64_t *record_id);

/* The receiver acknowledges the latest unacknowledged handover record of
 * the lead; LX_ECONFLICT when there is none for the actor. Audited. */
lx_rc lx_leads_acknowledge(struct lx_ctx *ctx, int64_t id);

struct lx_leads_handover {
    int64_t id;
    int64_t from_staff; /* 0: the claimant's own assignment had none */
    int64_t to_staff;
    char reason[LX_LEADS_REASON_MAX + 1];
    int64_t created_ms;
    int64_t acknowledged_ms; /* 0 until the receiver acknowledges */
};

/* The handover records of a lead the actor may see, oldest first. */
lx_rc lx_leads_handovers(struct lx_ctx *ctx, int64_t id,
                         struct lx_leads_handover *out, size_t max,
                         size_t *n);

/*
 * Reveal one field ("phone", "name", "id_number", "description") of a
 * lead the actor may see, for the declared purpose (policy purpose name),
 * through lx_vault_reveal: policy decision and audit in one unit.
 * 'access_id' is a minors' per-access approval id, or 0. On success *out
 * is a secret the caller frees. LX_EDENIED (audited) when refused.
 */
lx_rc lx_leads_reveal(struct lx_ctx *ctx, int64_t id, const char *field,
                      const char *purpose, int64_t access_id,
                      struct lx_secret **out);

/* Close the held lead with an outcome name; the firm admin or the holder.
 * Audited with the change. */
lx_rc lx_leads_close(struct lx_ctx *ctx, int64_t id, const char *outcome);

/* Return the held lead to the platform with a route.h decline reason
 * name; the firm admin or the holder. Audited with the change. */
lx_rc lx_leads_return(struct lx_ctx *ctx, int64_t id, const char *reason);

/*
 * Seed 'count' (0..1000) fictional demo leads through the ordinary intake
 * as the system: example numbers 1380013xxxx, descriptions and regions
 * spread over the demo firms of lx_people_demo_seed (Beijing, Shanghai,
 * Shenzhen) and the areas they practise. Needs app->store (migrated) and
 * app->keys. A lead no firm can take is left exhausted; a number seeded
 * again within the dedupe window gives a duplicate, as any intake would.
 * 'o' (may be NULL) is the intake's options, e.g. the daemon's SLA hooks.
 */
lx_rc lx_leads_demo_seed(struct lx_app *app, const struct lx_leads_opts *o,
                         int count, struct lx_err *err);

/*
 * Who accessed the personal data behind lead 'id' (PIPL Art. 44-45):
 * every audit record of its subject with seq > after_seq, oldest first, at
 * most 'limit' (0: 100), through 'fn' (vault.h struct lx_vault_access:
 * time, firm, role, action, field, purpose, decision, reason, clause).
 * The actor must see the lead, and the policy engine decides read_audit
 * for 'purpose' (a purpose name): the user who submitted it, platform
 * auditors, the holding firm's admin; the decision is audited. LX_ENOTFOUND
 * for a lead the actor cannot see; LX_EDENIED (audited) on a deny.
 */
lx_rc lx_leads_accesses(struct lx_ctx *ctx, int64_t id, const char *purpose,
                        uint64_t after_seq, int limit, lx_vault_access_fn *fn,
                        void *arg, uint64_t *next_after);

/*
 * Fill the lead part of policy facts (id, state, firm, holder, user, adult
 * or minor) from the stored lead 'id', inside the caller's transaction;
 * *found is false (and f untouched) when there is no such lead. For
 * `lexgate policy explain --lead ID`.
 */
lx_rc lx_leads_facts_load_tx(struct lx_store_tx *tx, int64_t id,
                             struct lx_policy_facts *f, bool *found,
                             struct lx_err *err);

/* What another service (talk/) needs of a lead inside its own
 * transaction: ids, state and flags, never personal data. */
struct lx_leads_ref {
    int64_t id;
    int64_t user_id;    /* the user who submitted it; 0 for api/system */
    int64_t subject_id; /* its vault subject */
    int64_t firm_id;    /* the firm offered or holding it; 0 none */
    int64_t staff_id;   /* the holder inside the firm; 0 none */
    enum lx_leads_state state;
    bool minor;
    bool sensitive;
    bool visible; /* the ctx actor may see it (as lx_leads_get) */
};

/*
 * Load lead 'id' inside the caller's transaction, with whether ctx's actor
 * may see it (same rule as lx_leads_get). *found is false when there is no
 * such lead; a caller treats !visible exactly as !found (LX_ENOTFOUND).
 * Also fills the lead part of *facts (may be NULL), as
 * lx_leads_facts_load_tx does.
 */
lx_rc lx_leads_ref_load_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                           int64_t id, struct lx_leads_ref *out,
                           struct lx_policy_facts *facts, bool *found,
                           struct lx_err *err);

/* How an offer ended: still open, claimed by the firm, declined, timed
 * out, or cancelled. */
enum lx_leads_offer_outcome {
    LX_LEADS_OFFER_OPEN = 0,
    LX_LEADS_OFFER_CLAIMED,
    LX_LEADS_OFFER_DECLINED,
    LX_LEADS_OFFER_TIMED_OUT,
    LX_LEADS_OFFER_CANCELLED,
};

/*
 * The offer of lead 'lead_id' to firm 'firm_id' (a firm is offered a lead
 * at most once) inside the caller's transaction: *offer_id and *outcome
 * (may be NULL). *found is false when the firm was never offered it.
 */
lx_rc lx_leads_offer_find_tx(struct lx_store_tx *tx, int64_t lead_id,
                             int64_t firm_id, int64_t *offer_id,
                             enum lx_leads_offer_outcome *outcome,
                             bool *found, struct lx_err *err);

/*
 * The offer 'offer_id' inside the caller's transaction: its lead, firm
 * and outcome. *found is false when there is no such offer.
 */
lx_rc lx_leads_offer_get_tx(struct lx_store_tx *tx, int64_t offer_id,
                            int64_t *lead_id, int64_t *firm_id,
                            enum lx_leads_offer_outcome *outcome, bool *found,
                            struct lx_err *err);

/*
 * First-response breach (C5.1): the firm claimed offer 'offer_id' and did
 * not answer the user in time, so the platform takes the lead back and
 * offers it to the next firm, inside the caller's transaction (sla/'s
 * breach handler), as ctx's actor (the system). Only when the offer was
 * claimed and its firm still holds the lead (claimed or assigned): the
 * offer is closed as cancelled ("no_first_response"), the lead goes back
 * to new (event revoke) and is distributed as after a decline — o->on_offer
 * schedules the next window —, audited (kind policy, action "revoke",
 * reason "no_first_response", clause C5.1). Otherwise nothing changes.
 * *revoked (may be NULL) says which.
 */
lx_rc lx_leads_revoke_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                         const struct lx_leads_opts *o, int64_t offer_id,
                         bool *revoked, struct lx_err *err);

/* ---- lead-trading detection (C5.9; detect.c, detect_run.c) ------------ */

/*
 * Lead-trading detection (C5.9): signals for the
 * enforcement ledger (enforce.h), each with evidence references (ids,
 * never personal data). docs/leads.md, "Lead-trading detection".
 *
 * Two layers:
 *
 *  - pure detectors (detect.c) over plain arrays of facts with the
 *    thresholds in struct lx_leads_detect_limits; each reports signals
 *    through a callback and may sort the fact array it is given;
 *  - the service lx_leads_detect_run (detect_run.c), which loads the facts
 *    from the store (leads, lead_offers, lead_handovers, the audit log and
 *    sessions), runs every detector at ctx->now_ms and records each signal
 *    with lx_enforce_violation_add_tx (clause "C5.9"), idempotent by kind
 *    and object, in one unit of work.
 *
 * The five detectors:
 *
 *  hoarding        per firm: leads claimed at least T ago (default 24 h)
 *                  without contact within T; fires when at least
 *                  min_stale are stale and the firm's due claims are at
 *                  least ratio x its contacted ones.
 *  reveal_spike    per staff member: reveals in the last hour above
 *                  max(spike_min, spike_mult x own hourly baseline over the
 *                  previous baseline_days).
 *  sharing         per staff account: sessions from >= 2 distinct origins
 *                  (address/device token) active in overlapping windows.
 *  foreign_reveal  per staff member: reveals of leads the viewer did not
 *                  hold (policy denies such as lead_not_in_firm, or allows
 *                  while another staff member held the lead).
 *  canary_hit      a canary lead's phone seen again at intake (vault blind
 *                  index): attributes every firm offered or holding it.
 *
 * "Contact" for hoarding is any audited, not denied, action of the
 * holding firm on the lead after the claim other than viewing — a message
 * or call (talk/), an assignment, a reveal, closing:
 * lx_leads_detect_is_contact() is the one definition.
 *
 * Severity (lx_leads_severity_of) follows the record-count thresholds
 * 50 / 500 / 5,000 of Art. 5 of the 2017 SPC/SPP interpretation on crimes
 * infringing citizens' personal information (法释〔2017〕10号).
 *
 * Thread-safety: the pure functions are thread-safe; the service may be
 * called from any thread.
 */



#define LX_LEADS_SIGNAL_IDS 8  /* evidence ids kept per signal */
#define LX_LEADS_ORIGIN_MAX 64 /* origin token bytes */
#define LX_LEADS_HOUR_MS (3600LL * 1000)

enum lx_leads_signal_kind {
    LX_LEADS_SIG_HOARDING = 0,
    LX_LEADS_SIG_REVEAL_SPIKE,
    LX_LEADS_SIG_SHARING,
    LX_LEADS_SIG_FOREIGN_REVEAL,
    LX_LEADS_SIG_CANARY_HIT,
    LX_LEADS_SIG_COUNT
};

enum lx_leads_severity {
    LX_LEADS_SEV_LOW = 0,            /* < 50 records */
    LX_LEADS_SEV_SERIOUS,            /* 50..499: 情节严重 */
    LX_LEADS_SEV_ESPECIALLY_SERIOUS, /* 500..4,999: 情节特别严重 */
    LX_LEADS_SEV_EXTREME,            /* >= 5,000 */
    LX_LEADS_SEV_COUNT
};

/* Stable names: "hoarding", "reveal_spike", "sharing", "foreign_reveal",
 * "canary_hit"; "low", "serious", "especially_serious", "extreme";
 * "invalid" out of range. */
const char *lx_leads_signal_kind_name(enum lx_leads_signal_kind k);
const char *lx_leads_severity_name(enum lx_leads_severity s);

/* The tier of 'records' (negative counts as 0). Pure. */
enum lx_leads_severity lx_leads_severity_of(int64_t records);

/* Whether an audited action (audit entry "action") by the holding firm
 * counts as contact with the lead for hoarding: assign, handover,
 * acknowledge, reveal, close, return. Viewing does not. Pure. */
bool lx_leads_detect_is_contact(const char *action);

/* Thresholds; lx_leads_detect_limits_default fills the documented
 * defaults (docs/leads.md). */
struct lx_leads_detect_limits {
    int64_t hoard_after_ms;    /* T: 24 h */
    int64_t hoard_min_stale;   /* 3 */
    int64_t hoard_ratio;       /* 2: due claims >= ratio x contacted */
    int64_t hoard_lookback_ms; /* claims considered: 30 days */
    int64_t spike_min;         /* 10 reveals in the hour */
    int64_t spike_mult;        /* 5 x baseline */
    int64_t baseline_days;     /* 14 */
    int64_t foreign_min;       /* 1 foreign reveal */
    int64_t foreign_window_ms; /* 24 h */
    int64_t sharing_window_ms; /* sessions active within: 24 h */
};

void lx_leads_detect_limits_default(struct lx_leads_detect_limits *l);

/* One signal. 'object' ids: firm for hoarding, staff for reveal_spike,
 * sharing and foreign_reveal, the hit lead for canary_hit. */
struct lx_leads_signal {
    enum lx_leads_signal_kind kind;
    int64_t firm_id;
    int64_t staff_id;  /* 0 when not a staff signal */
    int64_t lead_id;   /* canary_hit: the new lead; else 0 */
    int64_t canary_id; /* canary_hit: the canary lead; else 0 */
    int64_t count;     /* records behind the signal */
    enum lx_leads_severity severity;
    int64_t at_ms;                    /* the latest fact behind it */
    int64_t ids[LX_LEADS_SIGNAL_IDS]; /* evidence: lead or session ids */
    size_t n_ids;
};

/* Called once per signal; a non-OK return stops the detector and is
 * returned. */
typedef lx_rc lx_leads_signal_fn(void *arg, const struct lx_leads_signal *s);

/* A claim of a lead by a firm and its first contact after the claim. */
struct lx_leads_claim_fact {
    int64_t lead_id;
    int64_t firm_id;
    int64_t claimed_ms;
    int64_t first_contact_ms; /* 0: none */
};

/* A reveal (allowed or denied) by a staff member. */
struct lx_leads_reveal_fact {
    int64_t time_ms;
    int64_t staff_id;
    int64_t firm_id;
    int64_t lead_id;
    bool foreign; /* the viewer did not hold the lead */
};

/* A staff session with the origin token (hash of the source address) it
 * came from. */
struct lx_leads_session_fact {
    int64_t session_id;
    int64_t staff_id;
    int64_t firm_id;
    int64_t start_ms;
    int64_t end_ms; /* last seen, or revoked */
    char origin[LX_LEADS_ORIGIN_MAX + 1];
};

/* A canary lead seen again: one row per firm that was offered or held it. */
struct lx_leads_canary_fact {
    int64_t canary_id;
    int64_t firm_id;
    int64_t hit_lead_id;
    int64_t hit_ms;
};

/*
 * The detectors, at 'now_ms' with limits 'l'. Each may reorder its array.
 * Signals go to fn(arg, …) in a stable order (by firm, staff or lead id).
 */
lx_rc lx_leads_detect_hoarding(struct lx_leads_claim_fact *f, size_t n,
                               int64_t now_ms,
                               const struct lx_leads_detect_limits *l,
                               lx_leads_signal_fn *fn, void *arg);
lx_rc lx_leads_detect_reveal_spike(struct lx_leads_reveal_fact *f, size_t n,
                                   int64_t now_ms,
                                   const struct lx_leads_detect_limits *l,
                                   lx_leads_signal_fn *fn, void *arg);
lx_rc lx_leads_detect_sharing(struct lx_leads_session_fact *f, size_t n,
                              int64_t now_ms,
                              const struct lx_leads_detect_limits *l,
                              lx_leads_signal_fn *fn, void *arg);
lx_rc lx_leads_detect_foreign(struct lx_leads_reveal_fact *f, size_t n,
                              int64_t now_ms,
                              const struct lx_leads_detect_limits *l,
                              lx_leads_signal_fn *fn, void *arg);
lx_rc lx_leads_detect_canary(struct lx_leads_canary_fact *f, size_t n,
                             lx_leads_signal_fn *fn, void *arg);

/* ---- the service (detect_run.c) ---------------------------------------- */

struct lx_leads_detect_opts {
    struct lx_leads_detect_limits limits; /* zero: the defaults */
    lx_leads_signal_fn *on_signal; /* each signal, after commit; may be NULL */
    void *on_signal_arg;
};

struct lx_leads_detect_report {
    int64_t signals;  /* signals found */
    int64_t recorded; /* new ledger records (the rest existed already) */
    int64_t per_kind[LX_LEADS_SIG_COUNT];
};

/*
 * Load the facts at ctx->now_ms, run every detector and record each
 * signal in the enforcement ledger (clause "C5.9", kind the signal kind
 * name, object per kind as in docs/leads.md, evidence the ids), all in one
 * unit of work; then hand each signal to o->on_signal. 'o' may be NULL.
 */
lx_rc lx_leads_detect_run(struct lx_ctx *ctx,
                          const struct lx_leads_detect_opts *o,
                          struct lx_leads_detect_report *out);

/* A canary to seed; area and region may be NULL ("labor", "110101"). */
struct lx_leads_canary {
    int64_t firm_id;
    const char *area;   /* route.h area name */
    const char *region; /* six-digit GB/T 2260 code */
};

/*
 * Seed a canary lead for firm c->firm_id (the system or platform staff
 * only, else LX_EDENIED): a synthetic lead whose phone is a fresh unique
 * mainland mobile number stored in the vault like any lead's, marked
 * canary, offered to that firm only (a decline or timeout exhausts it, it
 * is never routed on). Audited (kind policy, action "canary_seed", the
 * lead id only). LX_ENOTFOUND ("/firm") when no such partner firm;
 * LX_EINVAL ("/area", "/region") for a bad area or region. *lead_id gets
 * the canary's id. o->on_offer, when set, schedules the offer window.
 */
lx_rc lx_leads_canary_seed(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                           const struct lx_leads_canary *c, int64_t *lead_id);

#endif /* LX_LEADS_H */
