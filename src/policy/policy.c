/*
 * policy.c — the decision procedure and its tables.
 *
 * A decision is a walk down a fixed list of rules (enum lx_policy_rule, in
 * order). The first rule that fails decides the deny, with its own reason and
 * clause; if every rule that applies passes, the last one allows. What is
 * allowed at all is read from three tables rather than spelled out in
 * branches: the purposes each action may serve, what each role may do, and
 * what each firm status leaves open. docs/policy.md prints the same tables;
 * tests/unit/policy/test_policy.c holds an independent copy of them as
 * expected results, so a change here without a change there fails a test.
 *
 * Every table cell that is zero denies, so a row that someone forgets to
 * fill in is a closed door, never an open one.
 */
#include "policy/policy.h"

#include <assert.h>
#include <stddef.h>

#define PB(p) (1u << (p))
#define P_CONS PB(LX_POLICY_PURPOSE_CONSULTATION)
#define P_COMM PB(LX_POLICY_PURPOSE_COMMUNICATION)
#define P_ENGA PB(LX_POLICY_PURPOSE_ENGAGEMENT)
#define P_COMP PB(LX_POLICY_PURPOSE_COMPLAINT)
#define P_LEGA PB(LX_POLICY_PURPOSE_LEGAL_DUTY)
#define P_ALL (P_CONS | P_COMM | P_ENGA | P_COMP | P_LEGA)
#define P_SERVICE (P_CONS | P_COMM | P_ENGA | P_COMP)
#define P_OVERSIGHT (P_COMP | P_LEGA)

static_assert(LX_POLICY_PURPOSE_COUNT <= 8, "purpose masks are 8 bits");

/* C2.1: the purposes each action can serve at all. */
static const unsigned char action_purposes[LX_POLICY_ACTION_COUNT] = {
    [LX_POLICY_ACTION_VIEW_MASKED] = P_ALL,
    [LX_POLICY_ACTION_REVEAL_FIELD] = P_ALL,
    [LX_POLICY_ACTION_MESSAGE] = P_SERVICE,
    [LX_POLICY_ACTION_CALL] = P_SERVICE,
    [LX_POLICY_ACTION_QUOTE] = P_CONS | P_ENGA,
    [LX_POLICY_ACTION_CLAIM] = P_CONS,
    [LX_POLICY_ACTION_ASSIGN] = P_SERVICE,
    [LX_POLICY_ACTION_HANDOVER] = P_SERVICE,
    [LX_POLICY_ACTION_EXPORT] = P_LEGA,
    [LX_POLICY_ACTION_DELETE] = P_LEGA,
    [LX_POLICY_ACTION_READ_AUDIT] = P_OVERSIGHT,
    [LX_POLICY_ACTION_APPROVE_GRANT] = P_ALL,
    [LX_POLICY_ACTION_READ_FIRM_AUDIT] = P_OVERSIGHT,
};

/* A role x action cell: the purposes the role may pursue with the action
 * (0 = never), and why not when it may not. */
struct role_cell {
    unsigned char purposes;
    const char *reason;
    const char *clause;
};

/* clang-format off */
#define YES(mask) {(mask), NULL, NULL}
#define NO(reason, clause) {0, (reason), (clause)}
#define NO_ROLE NO("role_not_permitted", "C4.1")
#define NO_LAWYER NO("not_licensed_lawyer", "C5.7")
#define NO_EXPORT_FIRM NO("export_forbidden", "C2.3")
#define NO_EXPORT NO("export_forbidden", "C2.2")
#define NO_LEAST NO("least_privilege", "C4.1")
#define NO_AUDITOR NO("auditor_read_only", "C4.1")

#define A(x) LX_POLICY_ACTION_##x

static const struct role_cell role_table[LX_POLICY_ROLE_COUNT]
                                        [LX_POLICY_ACTION_COUNT] = {
    [LX_POLICY_ROLE_FIRM_ADMIN] =
        {
            [A(VIEW_MASKED)] = YES(P_ALL),
            [A(REVEAL_FIELD)] = YES(P_ALL),
            [A(MESSAGE)] = NO_LAWYER,
            [A(CALL)] = NO_LAWYER,
            [A(QUOTE)] = NO_LAWYER,
            [A(CLAIM)] = YES(P_ALL),
            [A(ASSIGN)] = YES(P_ALL),
            [A(HANDOVER)] = YES(P_ALL),
            [A(EXPORT)] = NO_EXPORT_FIRM,
            [A(DELETE)] = YES(P_ALL),
            [A(READ_AUDIT)] = YES(P_ALL),
            [A(APPROVE_GRANT)] = YES(P_ALL),
            [A(READ_FIRM_AUDIT)] = YES(P_ALL),
        },
    [LX_POLICY_ROLE_LAWYER] =
        {
            [A(VIEW_MASKED)] = YES(P_ALL),
            [A(REVEAL_FIELD)] = YES(P_ALL),
            [A(MESSAGE)] = YES(P_ALL),
            [A(CALL)] = YES(P_ALL),
            [A(QUOTE)] = YES(P_ALL),
            [A(CLAIM)] = YES(P_ALL),
            [A(ASSIGN)] = NO_ROLE,
            [A(HANDOVER)] = YES(P_ALL),
            [A(EXPORT)] = NO_EXPORT_FIRM,
            [A(DELETE)] = NO_ROLE,
            [A(READ_AUDIT)] = NO_ROLE,
            [A(APPROVE_GRANT)] = NO_ROLE,
            [A(READ_FIRM_AUDIT)] = NO_ROLE,
        },
    [LX_POLICY_ROLE_ASSISTANT] =
        {
            [A(VIEW_MASKED)] = YES(P_ALL),
            [A(REVEAL_FIELD)] = YES(P_ALL),
            [A(MESSAGE)] = NO_LAWYER,
            [A(CALL)] = NO_LAWYER,
            [A(QUOTE)] = NO_LAWYER,
            [A(CLAIM)] = NO_LAWYER,
            [A(ASSIGN)] = NO_ROLE,
            [A(HANDOVER)] = YES(P_ALL),
            [A(EXPORT)] = NO_EXPORT_FIRM,
            [A(DELETE)] = NO_ROLE,
            [A(READ_AUDIT)] = NO_ROLE,
            [A(APPROVE_GRANT)] = NO_ROLE,
            [A(READ_FIRM_AUDIT)] = NO_ROLE,
        },
    [LX_POLICY_ROLE_CUSTOMER_SERVICE] =
        {
            [A(VIEW_MASKED)] = YES(P_ALL),
            [A(REVEAL_FIELD)] = NO_ROLE,
            [A(MESSAGE)] = NO_LAWYER,
            [A(CALL)] = NO_LAWYER,
            [A(QUOTE)] = NO_LAWYER,
            [A(CLAIM)] = NO_LAWYER,
            [A(ASSIGN)] = NO_ROLE,
            [A(HANDOVER)] = NO_ROLE,
            [A(EXPORT)] = NO_EXPORT_FIRM,
            [A(DELETE)] = NO_ROLE,
            [A(READ_AUDIT)] = NO_ROLE,
            [A(APPROVE_GRANT)] = NO_ROLE,
            [A(READ_FIRM_AUDIT)] = NO_ROLE,
        },
    [LX_POLICY_ROLE_ADMIN_STAFF] =
        {
            [A(VIEW_MASKED)] = YES(P_ALL),
            [A(REVEAL_FIELD)] = NO_ROLE,
            [A(MESSAGE)] = NO_LAWYER,
            [A(CALL)] = NO_LAWYER,
            [A(QUOTE)] = NO_LAWYER,
            [A(CLAIM)] = NO_LAWYER,
            [A(ASSIGN)] = NO_ROLE,
            [A(HANDOVER)] = NO_ROLE,
            [A(EXPORT)] = NO_EXPORT_FIRM,
            [A(DELETE)] = NO_ROLE,
            [A(READ_AUDIT)] = NO_ROLE,
            [A(APPROVE_GRANT)] = NO_ROLE,
            [A(READ_FIRM_AUDIT)] = NO_ROLE,
        },
    /* Platform: least privilege. The administrator administers (dispatch,
     * grants, deletion, lawful disclosure) but does not audit; the auditor
     * reads and never changes; security reads the log for incidents. */
    [LX_POLICY_ROLE_PLATFORM_ADMIN] =
        {
            [A(VIEW_MASKED)] = YES(P_ALL),
            [A(REVEAL_FIELD)] = YES(P_LEGA),
            [A(MESSAGE)] = NO_LAWYER,
            [A(CALL)] = NO_LAWYER,
            [A(QUOTE)] = NO_LAWYER,
            [A(CLAIM)] = NO_LEAST,
            [A(ASSIGN)] = YES(P_ALL),
            [A(HANDOVER)] = YES(P_ALL),
            [A(EXPORT)] = NO_EXPORT,
            [A(DELETE)] = YES(P_ALL),
            [A(READ_AUDIT)] = NO("separation_of_duties", "C4.1"),
            [A(APPROVE_GRANT)] = YES(P_ALL),
            [A(READ_FIRM_AUDIT)] = NO_LEAST,
        },
    [LX_POLICY_ROLE_PLATFORM_OPS] =
        {
            [A(VIEW_MASKED)] = YES(P_ALL),
            [A(REVEAL_FIELD)] = NO_LEAST,
            [A(MESSAGE)] = NO_LAWYER,
            [A(CALL)] = NO_LAWYER,
            [A(QUOTE)] = NO_LAWYER,
            [A(CLAIM)] = NO_LEAST,
            [A(ASSIGN)] = YES(P_ALL),
            [A(HANDOVER)] = YES(P_ALL),
            [A(EXPORT)] = NO_EXPORT,
            [A(DELETE)] = NO_LEAST,
            [A(READ_AUDIT)] = NO_LEAST,
            [A(APPROVE_GRANT)] = NO_LEAST,
            [A(READ_FIRM_AUDIT)] = NO_LEAST,
        },
    [LX_POLICY_ROLE_PLATFORM_COMPLIANCE] =
        {
            [A(VIEW_MASKED)] = YES(P_ALL),
            [A(REVEAL_FIELD)] = NO_AUDITOR,
            [A(MESSAGE)] = NO_AUDITOR,
            [A(CALL)] = NO_AUDITOR,
            [A(QUOTE)] = NO_AUDITOR,
            [A(CLAIM)] = NO_AUDITOR,
            [A(ASSIGN)] = NO_AUDITOR,
            [A(HANDOVER)] = NO_AUDITOR,
            [A(EXPORT)] = NO_EXPORT,
            [A(DELETE)] = NO_AUDITOR,
            [A(READ_AUDIT)] = YES(P_ALL),
            [A(APPROVE_GRANT)] = NO_AUDITOR,
            [A(READ_FIRM_AUDIT)] = NO_LEAST,
        },
    [LX_POLICY_ROLE_PLATFORM_SECURITY] =
        {
            [A(VIEW_MASKED)] = NO_LEAST,
            [A(REVEAL_FIELD)] = NO_LEAST,
            [A(MESSAGE)] = NO_LAWYER,
            [A(CALL)] = NO_LAWYER,
            [A(QUOTE)] = NO_LAWYER,
            [A(CLAIM)] = NO_LEAST,
            [A(ASSIGN)] = NO_LEAST,
            [A(HANDOVER)] = NO_LEAST,
            [A(EXPORT)] = NO_EXPORT,
            [A(DELETE)] = NO_LEAST,
            [A(READ_AUDIT)] = YES(P_ALL),
            [A(APPROVE_GRANT)] = NO_LEAST,
            [A(READ_FIRM_AUDIT)] = NO_LEAST,
        },
    /* The user reaches their own leads, messages, quotes, complaints and
     * access history, and may take a copy of their own data. */
    [LX_POLICY_ROLE_USER] =
        {
            [A(VIEW_MASKED)] = YES(P_ALL),
            [A(REVEAL_FIELD)] = YES(P_ALL),
            [A(MESSAGE)] = YES(P_ALL),
            [A(CALL)] = NO_ROLE,
            [A(QUOTE)] = NO_ROLE,
            [A(CLAIM)] = NO_ROLE,
            [A(ASSIGN)] = NO_ROLE,
            [A(HANDOVER)] = NO_ROLE,
            [A(EXPORT)] = YES(P_ALL),
            [A(DELETE)] = NO_ROLE,
            [A(READ_AUDIT)] = YES(P_ALL),
            [A(APPROVE_GRANT)] = NO_ROLE,
            [A(READ_FIRM_AUDIT)] = NO_ROLE,
        },
};

/* A firm status x action cell: the purposes still open (0 = closed) and
 * whether a reveal is limited to ordinary fields of adults. */
struct status_cell {
    unsigned char purposes;
    bool ordinary_only;
};

#define OPEN(mask) {(mask), false}
#define ORDINARY(mask) {(mask), true}

static const struct status_cell status_table[LX_POLICY_FIRM_COUNT]
                                            [LX_POLICY_ACTION_COUNT] = {
    [LX_POLICY_FIRM_ACTIVE] =
        {
            [A(VIEW_MASKED)] = OPEN(P_ALL),
            [A(REVEAL_FIELD)] = OPEN(P_ALL),
            [A(MESSAGE)] = OPEN(P_ALL),
            [A(CALL)] = OPEN(P_ALL),
            [A(QUOTE)] = OPEN(P_ALL),
            [A(CLAIM)] = OPEN(P_ALL),
            [A(ASSIGN)] = OPEN(P_ALL),
            [A(HANDOVER)] = OPEN(P_ALL),
            [A(EXPORT)] = OPEN(P_ALL),
            [A(DELETE)] = OPEN(P_ALL),
            [A(READ_AUDIT)] = OPEN(P_ALL),
            [A(READ_FIRM_AUDIT)] = OPEN(P_ALL),
            [A(APPROVE_GRANT)] = OPEN(P_ALL),
        },
    /* Permissions restricted: sensitive access frozen, no new grants. */
    [LX_POLICY_FIRM_RESTRICTED] =
        {
            [A(VIEW_MASKED)] = OPEN(P_ALL),
            [A(REVEAL_FIELD)] = ORDINARY(P_ALL),
            [A(MESSAGE)] = OPEN(P_ALL),
            [A(CALL)] = OPEN(P_ALL),
            [A(QUOTE)] = OPEN(P_ALL),
            [A(CLAIM)] = OPEN(P_ALL),
            [A(ASSIGN)] = OPEN(P_ALL),
            [A(HANDOVER)] = OPEN(P_ALL),
            [A(EXPORT)] = OPEN(P_ALL),
            [A(DELETE)] = OPEN(P_ALL),
            [A(READ_AUDIT)] = OPEN(P_ALL),
            [A(READ_FIRM_AUDIT)] = OPEN(P_ALL),
        },
    /* Also no new leads: nothing claimed; leads held are still served. */
    [LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED] =
        {
            [A(VIEW_MASKED)] = OPEN(P_ALL),
            [A(REVEAL_FIELD)] = ORDINARY(P_ALL),
            [A(MESSAGE)] = OPEN(P_ALL),
            [A(CALL)] = OPEN(P_ALL),
            [A(QUOTE)] = OPEN(P_ALL),
            [A(ASSIGN)] = OPEN(P_ALL),
            [A(HANDOVER)] = OPEN(P_ALL),
            [A(EXPORT)] = OPEN(P_ALL),
            [A(DELETE)] = OPEN(P_ALL),
            [A(READ_AUDIT)] = OPEN(P_ALL),
            [A(READ_FIRM_AUDIT)] = OPEN(P_ALL),
        },
    /* Only complaint handling and legal duties remain. */
    [LX_POLICY_FIRM_COOPERATION_SUSPENDED] =
        {
            [A(VIEW_MASKED)] = OPEN(P_OVERSIGHT),
            [A(REVEAL_FIELD)] = ORDINARY(P_OVERSIGHT),
            [A(MESSAGE)] = OPEN(P_COMP),
            [A(DELETE)] = OPEN(P_LEGA),
            [A(READ_AUDIT)] = OPEN(P_OVERSIGHT),
            [A(READ_FIRM_AUDIT)] = OPEN(P_OVERSIGHT),
        },
    /* C7.1: no new processing; deletion/return and oversight only. */
    [LX_POLICY_FIRM_TERMINATING] =
        {
            [A(VIEW_MASKED)] = OPEN(P_OVERSIGHT),
            [A(DELETE)] = OPEN(P_LEGA),
            [A(READ_AUDIT)] = OPEN(P_OVERSIGHT),
            [A(READ_FIRM_AUDIT)] = OPEN(P_OVERSIGHT),
        },
    [LX_POLICY_FIRM_TERMINATED] = {{0, false}},
};
/* clang-format on */

struct status_deny {
    const char *reason;
    const char *clause;
};

static const struct status_deny status_deny[LX_POLICY_FIRM_COUNT] = {
    [LX_POLICY_FIRM_UNKNOWN] = {"unknown_firm_status", "C8.1"},
    [LX_POLICY_FIRM_ACTIVE] = {"firm_status_denies", "C8.1"},
    [LX_POLICY_FIRM_RESTRICTED] = {"firm_restricted", "C8.1"},
    [LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED] = {"distribution_suspended",
                                               "C8.1"},
    [LX_POLICY_FIRM_COOPERATION_SUSPENDED] = {"cooperation_suspended", "C8.1"},
    [LX_POLICY_FIRM_TERMINATING] = {"firm_terminating", "C7.1"},
    [LX_POLICY_FIRM_TERMINATED] = {"firm_terminated", "C7.1"},
};

struct rule_info {
    const char *name;
    const char *clause;
};

static const struct rule_info rules[LX_POLICY_RULE_COUNT] = {
    [LX_POLICY_RULE_NONE] = {"none", ""},
    [LX_POLICY_RULE_ACTION_KNOWN] = {"action_known", "C2.1"},
    [LX_POLICY_RULE_PURPOSE_KNOWN] = {"purpose_known", "C2.1"},
    [LX_POLICY_RULE_PURPOSE_FITS_ACTION] = {"purpose_fits_action", "C2.1"},
    [LX_POLICY_RULE_ROLE_KNOWN] = {"role_known", "C4.1"},
    [LX_POLICY_RULE_ACTOR_KNOWN] = {"actor_known", "C4.1"},
    [LX_POLICY_RULE_CLOCK_KNOWN] = {"clock_known", "C4.2"},
    [LX_POLICY_RULE_ROLE_PERMITS] = {"role_permits", "C4.1"},
    [LX_POLICY_RULE_TRAINED] = {"trained", "C4.2"},
    [LX_POLICY_RULE_LICENSED] = {"licensed", "C5.7"},
    [LX_POLICY_RULE_FIRM_KNOWN] = {"firm_known", "C4.1"},
    [LX_POLICY_RULE_FIRM_STATUS] = {"firm_status", "C8.1"},
    [LX_POLICY_RULE_LEAD_KNOWN] = {"lead_known", "C4.1"},
    [LX_POLICY_RULE_LEAD_IN_SCOPE] = {"lead_in_scope", "C4.1"},
    [LX_POLICY_RULE_LEAD_ASSIGNED] = {"lead_assigned", "C4.1"},
    [LX_POLICY_RULE_SUBJECT_KNOWN] = {"subject_known", "C1.3"},
    [LX_POLICY_RULE_MINOR_APPROVAL] = {"minor_approval", "C2.4"},
    [LX_POLICY_RULE_FIELD_KNOWN] = {"field_known", "C1.3"},
    [LX_POLICY_RULE_SENSITIVE_GRANT] = {"sensitive_grant", "C2.4"},
    [LX_POLICY_RULE_TARGET] = {"target", "C4.3"},
    [LX_POLICY_RULE_GRANTEE] = {"grantee", "C2.4"},
    [LX_POLICY_RULE_ALLOW] = {"allow", "C2.1"},
};

bool
lx_policy_role_is_firm(enum lx_policy_role role)
{
    return role >= LX_POLICY_ROLE_FIRM_ADMIN &&
           role <= LX_POLICY_ROLE_ADMIN_STAFF;
}

bool
lx_policy_role_is_platform(enum lx_policy_role role)
{
    return role >= LX_POLICY_ROLE_PLATFORM_ADMIN &&
           role <= LX_POLICY_ROLE_PLATFORM_SECURITY;
}

const char *
lx_policy_rule_name(enum lx_policy_rule rule)
{
    if ((unsigned)rule >= LX_POLICY_RULE_COUNT) {
        return "invalid";
    }
    return rules[rule].name;
}

const char *
lx_policy_rule_clause(enum lx_policy_rule rule)
{
    if ((unsigned)rule >= LX_POLICY_RULE_COUNT) {
        return "";
    }
    return rules[rule].clause;
}

/* Record one evaluated rule when tracing; return 'ok' either way. */
static inline bool
step(struct lx_policy_trace *tr, enum lx_policy_rule rule, bool ok)
{
    if (tr != NULL && tr->n < LX_POLICY_RULE_COUNT) {
        tr->steps[tr->n].rule = rule;
        tr->steps[tr->n].passed = ok;
        tr->n++;
    }
    return ok;
}

static inline struct lx_policy_decision
deny(enum lx_policy_rule rule, const char *reason, const char *clause)
{
    struct lx_policy_decision d = {LX_POLICY_DENY, rule, reason, clause};
    return d;
}

/* A sub-check that passed: rule NONE tells the caller to go on. */
static inline struct lx_policy_decision
proceed(void)
{
    struct lx_policy_decision d = {LX_POLICY_DENY, LX_POLICY_RULE_NONE, NULL,
                                   NULL};
    return d;
}

/* Current means strictly before expiry: at expires_ms it has lapsed. A zero
 * expiry (no record) is never current because now_ms is checked > 0. */
static inline bool
current(int64_t expires_ms, int64_t now_ms)
{
    return now_ms < expires_ms;
}

static inline bool
is_lead_scoped(enum lx_policy_action a, enum lx_policy_role r)
{
    /* Granting is about a staff member, not a lead; the platform's auditors
     * read the log as a whole (scope is checked by report/, not here). */
    if (a == LX_POLICY_ACTION_APPROVE_GRANT ||
        a == LX_POLICY_ACTION_READ_FIRM_AUDIT) {
        return false; /* a firm's own staff's records, not a lead's */
    }
    return !(a == LX_POLICY_ACTION_READ_AUDIT && lx_policy_role_is_platform(r));
}

static inline bool
needs_licence(enum lx_policy_role r, enum lx_policy_action a)
{
    /* C5.7: advice (messages, calls, quotes) and taking on a consultation
     * only by a lawyer whose licence was verified. Other roles are already
     * refused these actions by role_table. */
    return r == LX_POLICY_ROLE_LAWYER &&
           (a == LX_POLICY_ACTION_MESSAGE || a == LX_POLICY_ACTION_CALL ||
            a == LX_POLICY_ACTION_QUOTE || a == LX_POLICY_ACTION_CLAIM);
}

static struct lx_policy_decision
decide_user(const struct lx_policy_facts *f, struct lx_policy_trace *tr)
{
    if (!step(tr, LX_POLICY_RULE_LEAD_KNOWN, f->lead.id != 0)) {
        return deny(LX_POLICY_RULE_LEAD_KNOWN, "unknown_lead", "C4.1");
    }
    if (!step(tr, LX_POLICY_RULE_LEAD_IN_SCOPE,
              f->lead.user_id == f->actor.id)) {
        return deny(LX_POLICY_RULE_LEAD_IN_SCOPE, "not_own_data", "C2.2");
    }
    step(tr, LX_POLICY_RULE_ALLOW, true);
    return (struct lx_policy_decision){LX_POLICY_ALLOW, LX_POLICY_RULE_ALLOW,
                                       "own_data", "C2.1"};
}

static struct lx_policy_decision
check_firm_status(const struct lx_policy_facts *f, struct lx_policy_trace *tr)
{
    enum lx_policy_firm_status st = f->actor.firm_status;
    const struct status_cell *cell;
    bool ok;

    if ((unsigned)st == 0 || (unsigned)st >= LX_POLICY_FIRM_COUNT) {
        step(tr, LX_POLICY_RULE_FIRM_STATUS, false);
        return deny(LX_POLICY_RULE_FIRM_STATUS, "unknown_firm_status", "C8.1");
    }
    cell = &status_table[st][f->action];
    ok = (cell->purposes & PB(f->purpose)) != 0;
    if (ok && cell->ordinary_only && f->action == A(REVEAL_FIELD)) {
        /* Sensitive access is frozen: only a field known to be ordinary,
         * of a subject known to be an adult, may still be revealed. */
        ok = f->lead.field == LX_POLICY_FIELD_ORDINARY &&
             f->lead.subject == LX_POLICY_SUBJECT_ADULT;
    }
    if (!step(tr, LX_POLICY_RULE_FIRM_STATUS, ok)) {
        return deny(LX_POLICY_RULE_FIRM_STATUS, status_deny[st].reason,
                    status_deny[st].clause);
    }
    return proceed();
}

static struct lx_policy_decision
check_lead(const struct lx_policy_facts *f, bool firm,
           struct lx_policy_trace *tr)
{
    enum lx_policy_action a = f->action;
    enum lx_policy_role r = f->actor.role;
    enum lx_policy_lead_state ls = f->lead.state;
    bool offered = ls == LX_POLICY_LEAD_OFFERED;

    if (!step(tr, LX_POLICY_RULE_LEAD_KNOWN,
              f->lead.id != 0 && (unsigned)ls != 0 &&
                  (unsigned)ls < LX_POLICY_LEAD_STATE_COUNT)) {
        return deny(LX_POLICY_RULE_LEAD_KNOWN,
                    f->lead.id == 0 ? "unknown_lead" : "unknown_lead_state",
                    "C4.1");
    }
    if (!firm) {
        /* Platform staff are not bound to a firm's assignment (C4.1 binds
         * Party B); their reach is cut by role_table instead. */
        return proceed();
    }
    if (f->lead.firm_id != f->actor.firm_id) {
        step(tr, LX_POLICY_RULE_LEAD_IN_SCOPE, false);
        return deny(LX_POLICY_RULE_LEAD_IN_SCOPE, "lead_not_in_firm", "C4.1");
    }
    if (offered && a != A(VIEW_MASKED) && a != A(CLAIM) && a != A(READ_AUDIT)) {
        step(tr, LX_POLICY_RULE_LEAD_IN_SCOPE, false);
        return deny(LX_POLICY_RULE_LEAD_IN_SCOPE, "lead_not_claimed", "C4.1");
    }
    if (!step(tr, LX_POLICY_RULE_LEAD_IN_SCOPE, offered || a != A(CLAIM))) {
        /* C5.9: a lead someone holds cannot be taken by claiming it. */
        return deny(LX_POLICY_RULE_LEAD_IN_SCOPE, "lead_already_held", "C5.9");
    }
    if (r == LX_POLICY_ROLE_FIRM_ADMIN) {
        return proceed();
    }
    /* C4.1: a non-admin reaches a held lead only when it holds it, and an
     * offered lead only if its role may claim it. */
    if (!step(tr, LX_POLICY_RULE_LEAD_ASSIGNED,
              offered ? role_table[r][A(CLAIM)].purposes != 0
                      : f->lead.staff_id == f->actor.id)) {
        return deny(LX_POLICY_RULE_LEAD_ASSIGNED, "lead_not_assigned", "C4.1");
    }
    return proceed();
}

static struct lx_policy_decision
check_minor(const struct lx_policy_facts *f, struct lx_policy_trace *tr)
{
    const char *why = NULL;

    if (f->access_id == 0 || f->minor_approval.access_id != f->access_id ||
        f->minor_approval.approver_id == 0) {
        why = "minor_needs_approval";
    } else if (f->minor_approval.staff_id != f->actor.id) {
        why = "minor_approval_not_for_actor";
    } else if (f->minor_approval.approver_id == f->actor.id) {
        why = "minor_approval_self_approved"; /* separation of duties */
    } else if (!current(f->minor_approval.expires_ms, f->now_ms)) {
        why = "minor_approval_expired";
    }
    if (!step(tr, LX_POLICY_RULE_MINOR_APPROVAL, why == NULL)) {
        return deny(LX_POLICY_RULE_MINOR_APPROVAL, why, "C2.4");
    }
    return proceed();
}

static struct lx_policy_decision
check_grant(const struct lx_policy_facts *f, struct lx_policy_trace *tr)
{
    const char *why = NULL;

    if (f->grant.staff_id == 0 || f->grant.approver_id == 0) {
        why = "no_sensitive_grant";
    } else if (f->grant.staff_id != f->actor.id) {
        why = "grant_not_for_actor";
    } else if (f->grant.approver_id == f->actor.id) {
        why = "grant_self_approved"; /* separation of duties */
    } else if (!current(f->grant.expires_ms, f->now_ms)) {
        why = "grant_expired";
    }
    if (!step(tr, LX_POLICY_RULE_SENSITIVE_GRANT, why == NULL)) {
        return deny(LX_POLICY_RULE_SENSITIVE_GRANT, why, "C2.4");
    }
    return proceed();
}

static struct lx_policy_decision
check_target(const struct lx_policy_facts *f, bool firm,
             struct lx_policy_trace *tr)
{
    enum lx_policy_firm_status ts = f->target.firm_status;
    const char *why = NULL;
    const char *clause = NULL;

    if (firm) {
        /* Inside the firm: to a named colleague who is trained. */
        if (f->target.staff_id == 0) {
            why = "unknown_target";
            clause = "C4.3";
        } else if (f->target.firm_id != f->actor.firm_id) {
            why = "target_outside_firm"; /* lead outflow */
            clause = "C5.9";
        } else if (!current(f->target.training_expires_ms, f->now_ms)) {
            why = "target_not_trained";
            clause = "C4.2";
        }
    } else {
        /* Dispatch by the platform: to a firm still taking new leads. */
        if (f->target.firm_id == 0) {
            why = "unknown_target";
            clause = "C4.3";
        } else if ((unsigned)ts == 0 || (unsigned)ts >= LX_POLICY_FIRM_COUNT) {
            why = "unknown_target_status";
            clause = "C8.1";
        } else if (ts != LX_POLICY_FIRM_ACTIVE &&
                   ts != LX_POLICY_FIRM_RESTRICTED) {
            why = "target_firm_not_accepting";
            clause = "C8.1";
        }
    }
    if (!step(tr, LX_POLICY_RULE_TARGET, why == NULL)) {
        return deny(LX_POLICY_RULE_TARGET, why, clause);
    }
    return proceed();
}

static struct lx_policy_decision
check_grantee(const struct lx_policy_facts *f, bool firm,
              struct lx_policy_trace *tr)
{
    const char *why = NULL;
    const char *clause = "C2.4";

    if (f->grantee.staff_id == 0) {
        why = "unknown_grantee";
    } else if (f->grantee.staff_id == f->actor.id) {
        why = "self_approval"; /* separation of duties */
    } else if (firm && f->grantee.firm_id != f->actor.firm_id) {
        why = "grantee_outside_firm";
        clause = "C4.1";
    }
    if (!step(tr, LX_POLICY_RULE_GRANTEE, why == NULL)) {
        return deny(LX_POLICY_RULE_GRANTEE, why, clause);
    }
    return proceed();
}

/* A sub-check's result: rule NONE means "passed, go on". */
#define PASSED(d) ((d).rule == LX_POLICY_RULE_NONE)

static struct lx_policy_decision
evaluate(const struct lx_policy_facts *f, struct lx_policy_trace *tr)
{
    unsigned a;
    unsigned p;
    unsigned r;
    const struct role_cell *cell;
    struct lx_policy_decision d;
    bool firm;
    bool lead_scoped;

    if (f == NULL) {
        return deny(LX_POLICY_RULE_NONE, "no_facts", "C2.1");
    }
    a = (unsigned)f->action;
    p = (unsigned)f->purpose;
    r = (unsigned)f->actor.role;

    if (!step(tr, LX_POLICY_RULE_ACTION_KNOWN,
              a != 0 && a < LX_POLICY_ACTION_COUNT)) {
        return deny(LX_POLICY_RULE_ACTION_KNOWN, "unknown_action", "C2.1");
    }
    if (!step(tr, LX_POLICY_RULE_PURPOSE_KNOWN,
              p != 0 && p < LX_POLICY_PURPOSE_COUNT)) {
        return deny(LX_POLICY_RULE_PURPOSE_KNOWN, "no_purpose", "C2.1");
    }
    if (!step(tr, LX_POLICY_RULE_PURPOSE_FITS_ACTION,
              (action_purposes[a] & PB(p)) != 0)) {
        return deny(LX_POLICY_RULE_PURPOSE_FITS_ACTION,
                    "purpose_not_for_action", "C2.1");
    }
    if (!step(tr, LX_POLICY_RULE_ROLE_KNOWN,
              r != 0 && r < LX_POLICY_ROLE_COUNT)) {
        return deny(LX_POLICY_RULE_ROLE_KNOWN, "unknown_role", "C4.1");
    }
    if (!step(tr, LX_POLICY_RULE_ACTOR_KNOWN, f->actor.id != 0)) {
        return deny(LX_POLICY_RULE_ACTOR_KNOWN, "unknown_actor", "C4.1");
    }
    if (!step(tr, LX_POLICY_RULE_CLOCK_KNOWN, f->now_ms > 0)) {
        return deny(LX_POLICY_RULE_CLOCK_KNOWN, "unknown_clock", "C4.2");
    }
    cell = &role_table[r][a];
    if (cell->purposes == 0) {
        step(tr, LX_POLICY_RULE_ROLE_PERMITS, false);
        /* A cell nobody filled in has no reason: still a deny. */
        return deny(LX_POLICY_RULE_ROLE_PERMITS,
                    cell->reason != NULL ? cell->reason : "role_not_permitted",
                    cell->clause != NULL ? cell->clause : "C4.1");
    }
    if (!step(tr, LX_POLICY_RULE_ROLE_PERMITS, (cell->purposes & PB(p)) != 0)) {
        return deny(LX_POLICY_RULE_ROLE_PERMITS, "purpose_not_for_role",
                    "C2.1");
    }
    if (r == LX_POLICY_ROLE_USER) {
        return decide_user(f, tr);
    }

    /* Staff from here on, firm or platform. */
    if (!step(tr, LX_POLICY_RULE_TRAINED,
              current(f->actor.training_expires_ms, f->now_ms))) {
        return deny(LX_POLICY_RULE_TRAINED, "not_trained", "C4.2");
    }
    if (needs_licence(r, a) &&
        !step(tr, LX_POLICY_RULE_LICENSED, f->actor.licence_verified)) {
        return deny(LX_POLICY_RULE_LICENSED, "licence_unverified", "C5.7");
    }
    firm = lx_policy_role_is_firm(r);
    if (firm) {
        if (!step(tr, LX_POLICY_RULE_FIRM_KNOWN, f->actor.firm_id != 0)) {
            return deny(LX_POLICY_RULE_FIRM_KNOWN, "unknown_firm", "C4.1");
        }
        d = check_firm_status(f, tr);
        if (!PASSED(d)) {
            return d;
        }
    }
    lead_scoped = is_lead_scoped(a, r);
    if (lead_scoped) {
        d = check_lead(f, firm, tr);
        if (!PASSED(d)) {
            return d;
        }
    }
    /* A minor's every access needs its own approval; reading the access log
     * is not an access to the minor's data. */
    if (lead_scoped && a != A(READ_AUDIT)) {
        unsigned s = (unsigned)f->lead.subject;
        if (!step(tr, LX_POLICY_RULE_SUBJECT_KNOWN,
                  s != 0 && s < LX_POLICY_SUBJECT_COUNT)) {
            return deny(LX_POLICY_RULE_SUBJECT_KNOWN, "unknown_subject",
                        "C1.3");
        }
        if (s == LX_POLICY_SUBJECT_MINOR) {
            d = check_minor(f, tr);
            if (!PASSED(d)) {
                return d;
            }
        }
    }
    if (a == A(REVEAL_FIELD)) {
        unsigned fc = (unsigned)f->lead.field;
        if (!step(tr, LX_POLICY_RULE_FIELD_KNOWN,
                  fc != 0 && fc < LX_POLICY_FIELD_COUNT)) {
            return deny(LX_POLICY_RULE_FIELD_KNOWN, "unknown_field_class",
                        "C1.3");
        }
        /* C1.3: everything about a minor is sensitive. */
        if (fc == LX_POLICY_FIELD_SENSITIVE ||
            f->lead.subject == LX_POLICY_SUBJECT_MINOR) {
            d = check_grant(f, tr);
            if (!PASSED(d)) {
                return d;
            }
        }
    }
    if (a == A(ASSIGN) || a == A(HANDOVER)) {
        d = check_target(f, firm, tr);
        if (!PASSED(d)) {
            return d;
        }
    }
    if (a == A(APPROVE_GRANT)) {
        d = check_grantee(f, firm, tr);
        if (!PASSED(d)) {
            return d;
        }
    }
    step(tr, LX_POLICY_RULE_ALLOW, true);
    return (struct lx_policy_decision){LX_POLICY_ALLOW, LX_POLICY_RULE_ALLOW,
                                       "allowed", "C2.1"};
}

void
lx_policy_decide(const struct lx_policy_facts *facts,
                 struct lx_policy_decision *out)
{
    *out = evaluate(facts, NULL);
}

void
lx_policy_explain(const struct lx_policy_facts *facts,
                  struct lx_policy_trace *out)
{
    out->n = 0;
    out->decision = evaluate(facts, out);
}
