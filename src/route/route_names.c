/*
 * route_names.c — stable snake_case names of route's enums, for records,
 * configuration and the service's own input (route.h).
 */
#include "route/route.h"

#include <string.h>

/* clang-format off */
static const char *const areas[LX_ROUTE_AREA_COUNT] = {
    [LX_ROUTE_AREA_NONE] = "none",
    [LX_ROUTE_AREA_MARRIAGE_FAMILY] = "marriage_family",
    [LX_ROUTE_AREA_LABOR] = "labor",
    [LX_ROUTE_AREA_DEBT] = "debt",
    [LX_ROUTE_AREA_CONTRACT] = "contract",
    [LX_ROUTE_AREA_PROPERTY] = "property",
    [LX_ROUTE_AREA_TRAFFIC] = "traffic",
    [LX_ROUTE_AREA_CRIMINAL] = "criminal",
    [LX_ROUTE_AREA_COMPANY] = "company",
    [LX_ROUTE_AREA_ADMINISTRATIVE] = "administrative",
    [LX_ROUTE_AREA_IP] = "ip",
    [LX_ROUTE_AREA_CONSUMER] = "consumer",
    [LX_ROUTE_AREA_OTHER] = "other",
};

static const char *const statuses[LX_ROUTE_FIRM_COUNT] = {
    [LX_ROUTE_FIRM_UNKNOWN] = "unknown",
    [LX_ROUTE_FIRM_ACTIVE] = "active",
    [LX_ROUTE_FIRM_RESTRICTED] = "restricted",
    [LX_ROUTE_FIRM_DISTRIBUTION_SUSPENDED] = "distribution_suspended",
    [LX_ROUTE_FIRM_COOPERATION_SUSPENDED] = "cooperation_suspended",
    [LX_ROUTE_FIRM_TERMINATING] = "terminating",
    [LX_ROUTE_FIRM_TERMINATED] = "terminated",
};

static const char *const reasons[LX_ROUTE_REASON_COUNT] = {
    [LX_ROUTE_REASON_NONE] = "none",
    [LX_ROUTE_REASON_CHOSEN] = "chosen",
    [LX_ROUTE_REASON_NO_COVERAGE] = "no_coverage",
    [LX_ROUTE_REASON_STATUS] = "status",
    [LX_ROUTE_REASON_OFFERED] = "offered",
    [LX_ROUTE_REASON_COOLDOWN] = "cooldown",
    [LX_ROUTE_REASON_CAPACITY] = "capacity",
};

static const char *const gates[LX_ROUTE_GATE_COUNT] = {
    [LX_ROUTE_GATE_STATUS] = "status",
    [LX_ROUTE_GATE_OFFERED] = "offered",
    [LX_ROUTE_GATE_COOLDOWN] = "cooldown",
    [LX_ROUTE_GATE_CAPACITY] = "capacity",
};

static const char *const states[LX_ROUTE_STATE_COUNT] = {
    [LX_ROUTE_STATE_PENDING] = "pending",
    [LX_ROUTE_STATE_OFFERED] = "offered",
    [LX_ROUTE_STATE_CLAIMED] = "claimed",
    [LX_ROUTE_STATE_EXHAUSTED] = "exhausted",
    [LX_ROUTE_STATE_CANCELLED] = "cancelled",
};

static const char *const events[LX_ROUTE_EV_COUNT] = {
    [LX_ROUTE_EV_NONE] = "none",
    [LX_ROUTE_EV_OFFER] = "offer",
    [LX_ROUTE_EV_CLAIM] = "claim",
    [LX_ROUTE_EV_DECLINE] = "decline",
    [LX_ROUTE_EV_TIMEOUT] = "timeout",
    [LX_ROUTE_EV_EXHAUST] = "exhaust",
    [LX_ROUTE_EV_CANCEL] = "cancel",
};

static const char *const declines[LX_ROUTE_DECLINE_COUNT] = {
    [LX_ROUTE_DECLINE_NONE] = "none",
    [LX_ROUTE_DECLINE_NO_CAPACITY] = "no_capacity",
    [LX_ROUTE_DECLINE_CONFLICT_OF_INTEREST] = "conflict_of_interest",
    [LX_ROUTE_DECLINE_OUT_OF_SCOPE] = "out_of_scope",
    [LX_ROUTE_DECLINE_OUT_OF_REGION] = "out_of_region",
    [LX_ROUTE_DECLINE_OTHER] = "other",
};

static const char *const outcomes[LX_ROUTE_OUTCOME_COUNT] = {
    [LX_ROUTE_OUTCOME_OPEN] = "open",
    [LX_ROUTE_OUTCOME_CLAIMED] = "claimed",
    [LX_ROUTE_OUTCOME_DECLINED] = "declined",
    [LX_ROUTE_OUTCOME_TIMED_OUT] = "timed_out",
    [LX_ROUTE_OUTCOME_CANCELLED] = "cancelled",
};
/* clang-format on */

static const char *
name_of(const char *const *tab, unsigned count, unsigned v)
{
    return v < count ? tab[v] : "invalid";
}

/* Index of 's' among tab[1..count), or 0 when absent. */
static unsigned
find(const char *const *tab, unsigned count, const char *s)
{
    if (s == NULL) {
        return 0;
    }
    for (unsigned i = 1; i < count; i++) {
        if (strcmp(tab[i], s) == 0) {
            return i;
        }
    }
    return 0;
}

const char *
lx_route_area_name(enum lx_route_area v)
{
    return name_of(areas, LX_ROUTE_AREA_COUNT, (unsigned)v);
}

bool
lx_route_area_parse(const char *s, enum lx_route_area *out)
{
    unsigned i = find(areas, LX_ROUTE_AREA_COUNT, s);

    if (i == 0) {
        return false;
    }
    *out = (enum lx_route_area)i;
    return true;
}

const char *
lx_route_firm_status_name(enum lx_route_firm_status v)
{
    return name_of(statuses, LX_ROUTE_FIRM_COUNT, (unsigned)v);
}

bool
lx_route_firm_status_parse(const char *s, enum lx_route_firm_status *out)
{
    unsigned i = find(statuses, LX_ROUTE_FIRM_COUNT, s);

    if (i == 0) {
        return false;
    }
    *out = (enum lx_route_firm_status)i;
    return true;
}

const char *
lx_route_reason_name(enum lx_route_reason v)
{
    return name_of(reasons, LX_ROUTE_REASON_COUNT, (unsigned)v);
}

const char *
lx_route_gate_name(enum lx_route_gate v)
{
    return name_of(gates, LX_ROUTE_GATE_COUNT, (unsigned)v);
}

const char *
lx_route_state_name(enum lx_route_state v)
{
    return name_of(states, LX_ROUTE_STATE_COUNT, (unsigned)v);
}

const char *
lx_route_event_name(enum lx_route_event_kind v)
{
    return name_of(events, LX_ROUTE_EV_COUNT, (unsigned)v);
}

const char *
lx_route_decline_name(enum lx_route_decline v)
{
    return name_of(declines, LX_ROUTE_DECLINE_COUNT, (unsigned)v);
}

bool
lx_route_decline_parse(const char *s, enum lx_route_decline *out)
{
    unsigned i = find(declines, LX_ROUTE_DECLINE_COUNT, s);

    if (i == 0) {
        return false;
    }
    *out = (enum lx_route_decline)i;
    return true;
}

const char *
lx_route_outcome_name(enum lx_route_outcome v)
{
    return name_of(outcomes, LX_ROUTE_OUTCOME_COUNT, (unsigned)v);
}
