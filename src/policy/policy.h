/*
 * policy — purpose-bound access decisions (C2.1-C2.4, C4.1, C4.2, C5.7,
 * C7.1, C8.1).
 *
 * A pure engine: lx_policy_decide() looks only at the facts it is handed.
 * No I/O, no clock, no allocation, no globals that change, so a decision can
 * be replayed from its audit record and tested without a database. Services
 * (people/, vault/, leads/, talk/ ...) load the facts, ask, audit, act.
 *
 * Invariants:
 *  - Deny by default. The all-zero facts deny, and every zero value is the
 *    safe one: 0 means "not known" (role none, status unknown, no clock, no
 *    lead, no training record), and an unknown fact denies.
 *  - Monotone under forgetting: setting any single fact back to zero never
 *    turns a deny into an allow (tests/unit/policy checks it field by field).
 *  - An enum value outside its range denies; it never indexes a table.
 *  - The clock is a fact (now_ms). Training, grants and per-access approvals
 *    are current while now_ms < expires_ms: exactly at expires_ms they have
 *    expired.
 *  - A decision carries a static reason (stable snake_case, e.g.
 *    "not_trained") and a static clause id ("C4.2"); never personal data.
 *
 * The rules, in the order they are checked, and the tables behind them
 * (role x action, firm status x action) are written out in docs/policy.md.
 * Thread-safe: everything here is read-only.
 */
#ifndef LX_POLICY_H
#define LX_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/* The five purposes of C2.1 and nothing else; 0 is "none given". */
enum lx_policy_purpose {
    LX_POLICY_PURPOSE_NONE = 0,
    LX_POLICY_PURPOSE_CONSULTATION,  /* taking on this consultation */
    LX_POLICY_PURPOSE_COMMUNICATION, /* service communication */
    LX_POLICY_PURPOSE_ENGAGEMENT,    /* a follow-up engagement */
    LX_POLICY_PURPOSE_COMPLAINT,     /* complaint handling */
    LX_POLICY_PURPOSE_LEGAL_DUTY,    /* legal obligations */
    LX_POLICY_PURPOSE_COUNT
};

/* What the actor wants to do. Lead-scoped unless noted. */
enum lx_policy_action {
    LX_POLICY_ACTION_NONE = 0,
    LX_POLICY_ACTION_VIEW_MASKED,   /* see a lead/record with PII masked */
    LX_POLICY_ACTION_REVEAL_FIELD,  /* decrypt one field */
    LX_POLICY_ACTION_MESSAGE,       /* write to the user (legal advice) */
    LX_POLICY_ACTION_CALL,          /* call the user (legal advice) */
    LX_POLICY_ACTION_QUOTE,         /* issue a fee quote (C5.6, C5.7) */
    LX_POLICY_ACTION_CLAIM,         /* take on a lead offered to the firm */
    LX_POLICY_ACTION_ASSIGN,        /* give a lead to a staff member/firm */
    LX_POLICY_ACTION_HANDOVER,      /* pass a held lead on (C4.3 record) */
    LX_POLICY_ACTION_EXPORT,        /* user data leaves the platform */
    LX_POLICY_ACTION_DELETE,        /* delete user data (C7.2) */
    LX_POLICY_ACTION_READ_AUDIT,    /* read access records (C4.3) */
    LX_POLICY_ACTION_APPROVE_GRANT, /* approve a C2.4 grant; staff-scoped */
    LX_POLICY_ACTION_READ_FIRM_AUDIT, /* a firm admin reads the access
                                         records of its own staff (C4.3);
                                         firm-scoped, not lead-scoped */
    LX_POLICY_ACTION_COUNT
};

/* Who is acting. Firm side, platform side, and the user (the person who
 * sought advice; reaches only their own records). */
enum lx_policy_role {
    LX_POLICY_ROLE_NONE = 0,
    LX_POLICY_ROLE_FIRM_ADMIN,
    LX_POLICY_ROLE_LAWYER,
    LX_POLICY_ROLE_ASSISTANT,
    LX_POLICY_ROLE_CUSTOMER_SERVICE,
    LX_POLICY_ROLE_ADMIN_STAFF,
    LX_POLICY_ROLE_PLATFORM_ADMIN,
    LX_POLICY_ROLE_PLATFORM_OPS,
    LX_POLICY_ROLE_PLATFORM_COMPLIANCE,
    LX_POLICY_ROLE_PLATFORM_SECURITY,
    LX_POLICY_ROLE_USER,
    LX_POLICY_ROLE_COUNT
};

/* A partner firm's standing: the ladder of C8.1 ending in C7.1. */
enum lx_policy_firm_status {
    LX_POLICY_FIRM_UNKNOWN = 0,
    LX_POLICY_FIRM_ACTIVE,
    LX_POLICY_FIRM_RESTRICTED,
    LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED,
    LX_POLICY_FIRM_COOPERATION_SUSPENDED,
    LX_POLICY_FIRM_TERMINATING,
    LX_POLICY_FIRM_TERMINATED,
    LX_POLICY_FIRM_COUNT
};

/* Whose data it is: a minor is a subject under 14 (C1.3); the service
 * works that out from the record, the engine only sees the class. */
enum lx_policy_subject {
    LX_POLICY_SUBJECT_UNKNOWN = 0,
    LX_POLICY_SUBJECT_ADULT,
    LX_POLICY_SUBJECT_MINOR,
    LX_POLICY_SUBJECT_COUNT
};

/* The class of the field to reveal (C1.3 lists the sensitive ones). */
enum lx_policy_field {
    LX_POLICY_FIELD_UNKNOWN = 0,
    LX_POLICY_FIELD_ORDINARY,
    LX_POLICY_FIELD_SENSITIVE,
    LX_POLICY_FIELD_COUNT
};

/* Where a lead stands for the firm it is assigned to. */
enum lx_policy_lead_state {
    LX_POLICY_LEAD_UNKNOWN = 0,
    LX_POLICY_LEAD_OFFERED, /* distributed to the firm, not yet claimed */
    LX_POLICY_LEAD_HELD,    /* claimed; held by lead.staff_id (C4.3) */
    LX_POLICY_LEAD_STATE_COUNT
};

enum lx_policy_verdict { LX_POLICY_DENY = 0, LX_POLICY_ALLOW = 1 };

/* The rules, in evaluation order (docs/policy.md explains each). */
enum lx_policy_rule {
    LX_POLICY_RULE_NONE = 0,
    LX_POLICY_RULE_ACTION_KNOWN,
    LX_POLICY_RULE_PURPOSE_KNOWN,
    LX_POLICY_RULE_PURPOSE_FITS_ACTION,
    LX_POLICY_RULE_ROLE_KNOWN,
    LX_POLICY_RULE_ACTOR_KNOWN,
    LX_POLICY_RULE_CLOCK_KNOWN,
    LX_POLICY_RULE_ROLE_PERMITS,
    LX_POLICY_RULE_TRAINED,
    LX_POLICY_RULE_LICENSED,
    LX_POLICY_RULE_FIRM_KNOWN,
    LX_POLICY_RULE_FIRM_STATUS,
    LX_POLICY_RULE_LEAD_KNOWN,
    LX_POLICY_RULE_LEAD_IN_SCOPE,
    LX_POLICY_RULE_LEAD_ASSIGNED,
    LX_POLICY_RULE_SUBJECT_KNOWN,
    LX_POLICY_RULE_MINOR_APPROVAL,
    LX_POLICY_RULE_FIELD_KNOWN,
    LX_POLICY_RULE_SENSITIVE_GRANT,
    LX_POLICY_RULE_TARGET,
    LX_POLICY_RULE_GRANTEE,
    LX_POLICY_RULE_ALLOW,
    LX_POLICY_RULE_COUNT
};

/*
 * Everything a decision may look at. Build it zeroed ({0}) and fill what is
 * known; whatever stays zero counts as unknown, and a rule that needs an
 * unknown fact denies. Ids are the store's row ids (never 0). Times are ms
 * since the Unix epoch. Facts a rule does not need for this action are not
 * read (e.g. grant.* only when a sensitive field is revealed).
 */
struct lx_policy_facts {
    int64_t now_ms; /* the clock, supplied by the caller; 0 = unknown */
    enum lx_policy_action action;
    enum lx_policy_purpose purpose;
    uint64_t access_id; /* this access request (binds minor approvals) */

    struct {
        enum lx_policy_role role;
        uint64_t id;      /* staff id; the user id when role is USER */
        uint64_t firm_id; /* employing firm, firm-side roles only */
        enum lx_policy_firm_status firm_status; /* of firm_id (C8.1) */
        int64_t training_expires_ms; /* C4.2; 0 = no training record */
        bool licence_verified;       /* practising licence checked, C5.7 */
    } actor;

    struct {
        uint64_t id;
        enum lx_policy_lead_state state;
        uint64_t firm_id;  /* the firm the lead is assigned to */
        uint64_t staff_id; /* the staff member holding it (HELD) */
        uint64_t user_id;  /* the user who submitted it */
        enum lx_policy_subject subject;
        enum lx_policy_field field; /* REVEAL_FIELD: class of the field */
    } lead;

    struct {                  /* C2.4 sensitive-data grant held by the actor */
        uint64_t staff_id;    /* the named staff member */
        uint64_t approver_id; /* who approved it; never the staff member */
        int64_t expires_ms;
    } grant;

    struct {                  /* per-access approval for a minor's data */
        uint64_t access_id;   /* equals access_id above: one access only */
        uint64_t staff_id;    /* the staff member it was given to */
        uint64_t approver_id; /* never the staff member */
        int64_t expires_ms;
    } minor_approval;

    struct {               /* ASSIGN / HANDOVER: who receives the lead */
        uint64_t staff_id; /* firm-side move: the receiving staff member */
        uint64_t firm_id;  /* the receiving firm */
        enum lx_policy_firm_status firm_status; /* platform moves (C8.1) */
        int64_t training_expires_ms; /* receiving staff member, C4.2 */
    } target;

    struct { /* APPROVE_GRANT: whose grant is being approved */
        uint64_t staff_id;
        uint64_t firm_id; /* 0 for platform staff */
    } grantee;
};

struct lx_policy_decision {
    enum lx_policy_verdict verdict;
    enum lx_policy_rule rule; /* the rule that decided */
    const char *reason; /* static snake_case, e.g. "not_trained"; no PII */
    const char *clause; /* static clause id, e.g. "C4.2" */
};

/* One evaluated rule of a trace. */
struct lx_policy_step {
    enum lx_policy_rule rule;
    bool passed;
};

/* The rules lx_policy_explain() evaluated, in order; the last step is the
 * rule that decided. Each rule appears at most once. */
struct lx_policy_trace {
    unsigned n;
    struct lx_policy_step steps[LX_POLICY_RULE_COUNT];
    struct lx_policy_decision decision;
};

/*
 * Decide whether the actor described by 'facts' may take facts->action for
 * facts->purpose. Cannot fail: NULL facts deny. Thread-safe, no allocation.
 * 'out' belongs to the caller and is always fully written; reason and clause
 * point to static strings.
 */
void lx_policy_decide(const struct lx_policy_facts *facts,
                      struct lx_policy_decision *out);

/*
 * The same decision as lx_policy_decide(), plus the rules checked on the way
 * (for `lexgate policy explain` and audit detail). 'out' is fully written.
 */
void lx_policy_explain(const struct lx_policy_facts *facts,
                       struct lx_policy_trace *out);

/* The rule's stable snake_case name ("trained") and its main clause
 * ("C4.2"); "invalid" and "" for a value out of range. A deny may cite a
 * more precise clause than the rule's main one: read decision.clause. */
const char *lx_policy_rule_name(enum lx_policy_rule rule);
const char *lx_policy_rule_clause(enum lx_policy_rule rule);

/*
 * Names for the CLI and the HTTP API: snake_case, as in docs/policy.md
 * ("legal_duty", "view_masked", "platform_ops", "distribution_suspended",
 * "minor", "sensitive", "held", "allow").
 *
 * *_name(): a static string; the zero value has a name ("none" or
 * "unknown"), an out-of-range value gives "invalid". Never NULL.
 * *_parse(): exact, case-sensitive match of a valid (non-zero) member; on
 * success stores it and returns true; otherwise stores the zero value and
 * returns false. NULL 's' is false.
 */
const char *lx_policy_purpose_name(enum lx_policy_purpose v);
bool lx_policy_purpose_parse(const char *s, enum lx_policy_purpose *out);
const char *lx_policy_action_name(enum lx_policy_action v);
bool lx_policy_action_parse(const char *s, enum lx_policy_action *out);
const char *lx_policy_role_name(enum lx_policy_role v);
bool lx_policy_role_parse(const char *s, enum lx_policy_role *out);
const char *lx_policy_firm_status_name(enum lx_policy_firm_status v);
bool lx_policy_firm_status_parse(const char *s,
                                 enum lx_policy_firm_status *out);
const char *lx_policy_subject_name(enum lx_policy_subject v);
bool lx_policy_subject_parse(const char *s, enum lx_policy_subject *out);
const char *lx_policy_field_name(enum lx_policy_field v);
bool lx_policy_field_parse(const char *s, enum lx_policy_field *out);
const char *lx_policy_lead_state_name(enum lx_policy_lead_state v);
bool lx_policy_lead_state_parse(const char *s, enum lx_policy_lead_state *out);
const char *lx_policy_verdict_name(enum lx_policy_verdict v);

/* Role families: the five firm-side roles (bound by C4.1 assignment and the
 * firm's status), the four platform roles (least privilege). */
bool lx_policy_role_is_firm(enum lx_policy_role role);
bool lx_policy_role_is_platform(enum lx_policy_role role);

#endif /* LX_POLICY_H */
