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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lx_store_tx;

/* Length of 'lit' when s[p..n) starts with it, else 0. */
size_t talk__at(const char *s, size_t n, size_t p, const char *lit);

/* True when s[0..p) ends with 'lit'. */
bool talk__ends(const char *s, size_t p, const char *lit);

/* Bytes of the character at s[p] (1 for an invalid byte, never 0). */
size_t talk__step(const char *s, size_t n, size_t p);

/* The code point ending at s[p] (the character before p), 0 if none. */
unsigned talk__prev_cp(const char *s, size_t p);

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

/* Whether the actor is staff of the firm holding the lead (claimed or
 * assigned to ctx->actor.firm_id). */
bool talk__firm_holds(const struct lx_ctx *ctx, const struct lx_leads_ref *l);

/* After the unit: rc when it failed; LX_ENOTFOUND for a missing lead;
 * LX_EDENIED with the decision's reason and clause for a deny; else LX_OK. */
lx_rc talk__finish(struct lx_ctx *ctx, const struct talk__act *a, lx_rc rc);

/*
 * Append an audit record of an event on lead 'lead_id' (kind access,
 * actor from ctx, resource "lead"/id, decision "done" unless given) in
 * tx. Never put text or personal data in any argument.
 */
lx_rc talk__audit_tx(struct lx_store_tx *tx, const struct lx_ctx *ctx,
                     const char *action, int64_t lead_id, const char *purpose,
                     const char *decision, const char *reason,
                     const char *clause, struct lx_err *err);

#endif /* LX_TALK_INT_H */
