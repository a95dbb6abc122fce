/*
 * talk_int.h — helpers shared by the files of src/talk (not public).
 *
 * Byte-level matching of UTF-8 literals. UTF-8 is self-synchronising, so a
 * literal that is itself valid UTF-8 can only match at a character
 * boundary of valid text; callers still step by whole characters.
 */
#ifndef LX_TALK_INT_H
#define LX_TALK_INT_H

#include "base/ctx.h"
#include "base/err.h"
#include "leads/leads.h"
#include "policy/policy.h"
#include "talk/talk.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lx_store_stmt;
struct lx_store_tx;

/* Length of 'lit' when s[p..n) starts with it, else 0. */
size_t talk__at(const char *s, size_t n, size_t p, const char *lit);

/* True when s[0..p) ends with 'lit'. */
bool talk__ends(const char *s, size_t p, const char *lit);

/* Bytes of the character at s[p] (1 for an invalid byte, never 0). */
size_t talk__step(const char *s, size_t n, size_t p);

/* The code point ending at s[p] (the character before p), 0 if none. */
unsigned talk__prev_cp(const char *s, size_t p);

/*
 * The JSON string at s[*p] (opening quote included, no white space before
 * it), decoded into out[cap] NUL-terminated; *len gets its bytes and *p
 * moves past the closing quote. False, *p then unspecified, on malformed
 * input, an escaped NUL (\u0000) or when it does not fit. For reading back
 * what the service wrote with lx_buf_append_json_str (talk_text.c).
 */
bool talk__json_str(const char *s, size_t n, size_t *p, char *out, size_t cap,
                    size_t *len);

/* ---- the service's shared steps (svc.c) ---------------------------------- */

/* One act on a lead: the lead, the actor's facts and the decision. */
struct talk__act {
    struct lx_leads_ref lead;
    struct lx_policy_facts facts;
    struct lx_policy_decision d;
    bool missing; /* no such lead, or not visible to the actor */
};

/*
 * Load lead 'lead_id' and the actor's facts (staff: lx_people_facts_load_tx;
 * user: lx_people_user_facts_load_tx; anyone else: zero facts, so every
 * decision denies) at ctx->now_ms, decide 'action' for 'purpose', and
 * append the decision's audit record (lx_people_decision_audit_tx) in tx.
 * A missing or invisible lead sets a->missing and audits nothing. A deny
 * is LX_OK with a->d.verdict deny: the caller lets the unit commit (so the
 * record stays) and then returns talk__finish().
 */
lx_rc talk__act_load_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                        int64_t lead_id, enum lx_policy_action action,
                        enum lx_policy_purpose purpose, struct talk__act *a,
                        struct lx_err *err);

/* talk__act_load_tx for REVEAL_FIELD: 'field' is the class of the field
 * read (facts.lead.field), which that rule needs. */
lx_rc talk__act_load_field_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                              int64_t lead_id, enum lx_policy_action action,
                              enum lx_policy_purpose purpose,
                              enum lx_policy_field field, struct talk__act *a,
                              struct lx_err *err);

/* Whether the actor is staff of the firm holding the lead (claimed or
 * assigned to ctx->actor.firm_id). */
bool talk__firm_holds(const struct lx_ctx *ctx, const struct lx_leads_ref *l);

/* After the unit: rc when it failed; LX_ENOTFOUND for a missing lead;
 * LX_EDENIED with the decision's reason and clause for a deny; else LX_OK. */
lx_rc talk__finish(struct lx_ctx *ctx, const struct talk__act *a, lx_rc rc);

/*
 * Append an audit record of an act on resource rtype/rid (kind access,
 * actor from ctx; field, purpose, reason and clause may be NULL) in tx.
 * Ids, codes and field names only: never text or personal data.
 */
lx_rc talk__audit_res_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                         const char *action, const char *rtype, int64_t rid,
                         const char *field, const char *purpose,
                         const char *decision, const char *reason,
                         const char *clause, struct lx_err *err);

/*
 * Append an audit record of an event on lead 'lead_id' (kind access,
 * actor from ctx, resource "lead"/id, decision "done" unless given) in
 * tx. Never put text or personal data in any argument.
 */
lx_rc talk__audit_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                     const char *action, int64_t lead_id, const char *purpose,
                     const char *decision, const char *reason,
                     const char *clause, struct lx_err *err);

/* Statement binding where the first failure wins: talk__bind_i and
 * talk__bind_t do nothing when rc is already an error and return it;
 * talk__bind_done turns a failed rc into one "talk: bind failed" in err. */
lx_rc talk__bind_i(struct lx_store_stmt *s, const char *name, int64_t v,
                   lx_rc rc);
lx_rc talk__bind_t(struct lx_store_stmt *s, const char *name, const char *v,
                   lx_rc rc);
lx_rc talk__bind_done(lx_rc rc, struct lx_err *err);

/* ---- contact attempts (attempt.c) ---------------------------------------- */

/* "message"/"call", "consultation"/"complaint"; "none" for the zero value
 * and "invalid" out of range. */
const char *talk__kind_name(enum lx_talk_attempt_kind k);
const char *talk__purpose_name(enum lx_talk_purpose p);
/* Exact match of "consultation" or "complaint"; false (and *out NONE)
 * otherwise, NULL included. */
bool talk__purpose_parse(const char *s, enum lx_talk_purpose *out);
/* The policy purpose a conversation purpose stands for. */
enum lx_policy_purpose talk__policy_purpose(enum lx_talk_purpose p);

/*
 * One outgoing attempt (C5.3) by the actor (staff of lead->firm_id) to the
 * user of 'lead' at ctx->now_ms, in tx: loads the facts — the firm's
 * allowed attempts on the lead in the window, the user's latest message
 * to the firm, the lead's latest opt-out — asks lx_talk_contact_decide
 * with o->limits (all zero, or o NULL: the contract's defaults), and
 * inserts the talk_attempts row, allowed or denied. Serialised per lead
 * (on PostgreSQL an advisory lock until the unit ends) so two concurrent
 * attempts cannot both take the last slot. A deny is LX_OK with
 * out->verdict deny: the caller audits it, lets the unit commit and
 * returns LX_EDENIED with clause out->clause. Audits nothing itself.
 */
lx_rc talk__attempt_tx(struct lx_store_tx *tx, struct lx_ctx *ctx,
                       const struct lx_talk_opts *o,
                       const struct lx_leads_ref *lead,
                       enum lx_talk_attempt_kind kind,
                       enum lx_talk_purpose purpose,
                       struct lx_talk_contact_decision *out,
                       struct lx_err *err);

/* ---- messages (msg.c, msg_read.c) ---------------------------------------- */

/* Row values back from their names; an unreadable one reads as the
 * strictest (blocked, block) or the zero value. */
enum lx_talk_direction talk__msg_direction_parse(const char *s, size_t len);
enum lx_talk_status talk__msg_status_parse(const char *s, size_t len);
enum lx_talk_review talk__msg_review_parse(const char *s, size_t len);
enum lx_scan_verdict talk__msg_verdict_parse(const char *s, size_t len);

/* The findings column (a JSON array written by msg.c) into out[cap];
 * returns how many were read. Malformed input stops the reading. */
size_t talk__msg_findings_parse(const char *s, size_t n,
                                struct lx_talk_msg_finding *out, size_t cap);

/* A scan category by its name; LX_SCAN_CATEGORY_COUNT when unknown. */
enum lx_scan_category talk__msg_category_parse(const char *s);

/* The honours column (a JSON array of strings) into titles[max], the
 * strings copied into pool[pool_cap]; returns how many were read. */
size_t talk__msg_honours_parse(const char *s, size_t n, const char **titles,
                               size_t max, char *pool, size_t pool_cap);

/* The vault field of message 'id': "chat_<id>". */
void talk__msg_field_name(int64_t id, char *out, size_t cap);

/* 1..LX_TALK_TEXT_MAX bytes of UTF-8, else LX_EINVAL / LX_ETOOBIG "/text"
 * in ctx->err (offsets only). */
lx_rc talk__msg_text_check(struct lx_ctx *ctx, const char *text, size_t len);

/*
 * A violation of scan category name 'cat' by message 'id' of firm
 * 'firm_id' (kind "message_<cat>", object "talk_message:<id>", clause of
 * the category) in the ledger, idempotent; *vid (may be NULL) gets the
 * ledger id, the existing one when it was recorded before. LX_EINTERNAL
 * for an unknown category. (msg.c)
 */
lx_rc talk__msg_violation_add_tx(struct lx_store_tx *tx, int64_t firm_id,
                                 const char *cat, int64_t id, int64_t at_ms,
                                 const char *evidence, int64_t *vid,
                                 struct lx_err *err);

/* ---- platform review and verified facts (review.c) ----------------------- */

/* Verified honour titles per lawyer, and the bytes of one (talk.h
 * lx_talk_facts_set). */
#define TALK__HONOURS_MAX 32
#define TALK__HONOUR_BYTES_MAX 200

/* Who may act for the platform where no policy action fits (C4.1). */
enum talk__platform {
    TALK__PLATFORM_REVIEWER = 0, /* platform compliance or admin */
    TALK__PLATFORM_ANY,          /* any platform role */
};

/*
 * The platform gate, in tx: the staff actor's facts at ctx->now_ms (anyone
 * else has none) must show a role of 'who' with current training. If not,
 * *denied is set and a deny of 'action' on rtype/rid with 'reason' and
 * clause C4.1 is audited: the unit returns that rc so the record commits,
 * and the caller then returns talk__platform_finish(). 'reason' is static.
 */
lx_rc talk__platform_gate_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                             enum talk__platform who, const char *action,
                             const char *rtype, int64_t rid,
                             const char *reason, bool *denied,
                             struct lx_err *err);

/* After the unit: rc when it failed or was not denied; else LX_EDENIED
 * with 'reason' and clause C4.1 in ctx->err. */
lx_rc talk__platform_finish(struct lx_ctx *ctx, lx_rc rc, bool denied,
                            const char *reason);

#endif /* LX_TALK_INT_H */
