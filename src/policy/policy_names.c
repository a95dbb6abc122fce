/*
 * policy_names.c — enum <-> snake_case names for the CLI and HTTP API.
 *
 * One table per enum, indexed by value; the zero member's name is shown but
 * never parsed, so "none"/"unknown" cannot be passed in as a real value.
 */
#include "policy/policy.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

static const char *const purpose_names[] = {
    "none",       "consultation", "communication",
    "engagement", "complaint",    "legal_duty",
};
static_assert(sizeof purpose_names / sizeof purpose_names[0] ==
                  LX_POLICY_PURPOSE_COUNT,
              "one name per purpose");

static const char *const action_names[] = {
    "none",   "view_masked", "reveal_field",  "message",  "call",
    "quote",  "claim",       "assign",        "handover", "export",
    "delete", "read_audit",  "approve_grant", "read_firm_audit",
};
static_assert(sizeof action_names / sizeof action_names[0] ==
                  LX_POLICY_ACTION_COUNT,
              "one name per action");

static const char *const role_names[] = {
    "none",
    "firm_admin",
    "lawyer",
    "assistant",
    "customer_service",
    "admin_staff",
    "platform_admin",
    "platform_ops",
    "platform_compliance",
    "platform_security",
    "user",
};
static_assert(sizeof role_names / sizeof role_names[0] == LX_POLICY_ROLE_COUNT,
              "one name per role");

static const char *const firm_status_names[] = {
    "unknown",
    "active",
    "restricted",
    "distribution_suspended",
    "cooperation_suspended",
    "terminating",
    "terminated",
};
static_assert(sizeof firm_status_names / sizeof firm_status_names[0] ==
                  LX_POLICY_FIRM_COUNT,
              "one name per firm status");

static const char *const subject_names[] = {"unknown", "adult", "minor"};
static_assert(sizeof subject_names / sizeof subject_names[0] ==
                  LX_POLICY_SUBJECT_COUNT,
              "one name per subject kind");

static const char *const field_names[] = {"unknown", "ordinary", "sensitive"};
static_assert(sizeof field_names / sizeof field_names[0] ==
                  LX_POLICY_FIELD_COUNT,
              "one name per field class");

static const char *const lead_state_names[] = {"unknown", "offered", "held"};
static_assert(sizeof lead_state_names / sizeof lead_state_names[0] ==
                  LX_POLICY_LEAD_STATE_COUNT,
              "one name per lead state");

static const char *
name_of(const char *const *names, unsigned count, unsigned v)
{
    return v < count ? names[v] : "invalid";
}

/* Index of 's' among names[1..count-1], or 0 when absent. */
static unsigned
index_of(const char *const *names, unsigned count, const char *s)
{
    unsigned i;

    if (s == NULL) {
        return 0;
    }
    for (i = 1; i < count; i++) {
        if (strcmp(names[i], s) == 0) {
            return i;
        }
    }
    return 0;
}

const char *
lx_policy_purpose_name(enum lx_policy_purpose v)
{
    return name_of(purpose_names, LX_POLICY_PURPOSE_COUNT, (unsigned)v);
}

bool
lx_policy_purpose_parse(const char *s, enum lx_policy_purpose *out)
{
    *out = (enum lx_policy_purpose)index_of(purpose_names,
                                            LX_POLICY_PURPOSE_COUNT, s);
    return *out != LX_POLICY_PURPOSE_NONE;
}

const char *
lx_policy_action_name(enum lx_policy_action v)
{
    return name_of(action_names, LX_POLICY_ACTION_COUNT, (unsigned)v);
}

bool
lx_policy_action_parse(const char *s, enum lx_policy_action *out)
{
    *out = (enum lx_policy_action)index_of(action_names, LX_POLICY_ACTION_COUNT,
                                           s);
    return *out != LX_POLICY_ACTION_NONE;
}

const char *
lx_policy_role_name(enum lx_policy_role v)
{
    return name_of(role_names, LX_POLICY_ROLE_COUNT, (unsigned)v);
}

bool
lx_policy_role_parse(const char *s, enum lx_policy_role *out)
{
    *out = (enum lx_policy_role)index_of(role_names, LX_POLICY_ROLE_COUNT, s);
    return *out != LX_POLICY_ROLE_NONE;
}

const char *
lx_policy_firm_status_name(enum lx_policy_firm_status v)
{
    return name_of(firm_status_names, LX_POLICY_FIRM_COUNT, (unsigned)v);
}

bool
lx_policy_firm_status_parse(const char *s, enum lx_policy_firm_status *out)
{
    *out = (enum lx_policy_firm_status)index_of(firm_status_names,
                                                LX_POLICY_FIRM_COUNT, s);
    return *out != LX_POLICY_FIRM_UNKNOWN;
}

const char *
lx_policy_subject_name(enum lx_policy_subject v)
{
    return name_of(subject_names, LX_POLICY_SUBJECT_COUNT, (unsigned)v);
}

bool
lx_policy_subject_parse(const char *s, enum lx_policy_subject *out)
{
    *out = (enum lx_policy_subject)index_of(subject_names,
                                            LX_POLICY_SUBJECT_COUNT, s);
    return *out != LX_POLICY_SUBJECT_UNKNOWN;
}

const char *
lx_policy_field_name(enum lx_policy_field v)
{
    return name_of(field_names, LX_POLICY_FIELD_COUNT, (unsigned)v);
}

bool
lx_policy_field_parse(const char *s, enum lx_policy_field *out)
{
    *out =
        (enum lx_policy_field)index_of(field_names, LX_POLICY_FIELD_COUNT, s);
    return *out != LX_POLICY_FIELD_UNKNOWN;
}

const char *
lx_policy_lead_state_name(enum lx_policy_lead_state v)
{
    return name_of(lead_state_names, LX_POLICY_LEAD_STATE_COUNT, (unsigned)v);
}

bool
lx_policy_lead_state_parse(const char *s, enum lx_policy_lead_state *out)
{
    *out = (enum lx_policy_lead_state)index_of(lead_state_names,
                                               LX_POLICY_LEAD_STATE_COUNT, s);
    return *out != LX_POLICY_LEAD_UNKNOWN;
}

const char *
lx_policy_verdict_name(enum lx_policy_verdict v)
{
    switch (v) {
    case LX_POLICY_DENY:
        return "deny";
    case LX_POLICY_ALLOW:
        return "allow";
    }
    return "invalid";
}
