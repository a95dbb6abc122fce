/*
 * cmd_policy — `lexgate policy explain`: the decision the policy engine
 * takes for a staff member, and every fact and rule behind it.
 *
 * The actor's facts (role, firm and its status, training, licence, grant,
 * a minor's approval) are loaded from the database by people/ exactly as
 * services load them. Lead facts come from the options (--lead-state …):
 * the engine is pure, so this is also a what-if tool for a lead in any
 * state. --at replays the decision at another instant.
 */
#include "base/conf.h"
#include "base/time.h"
#include "cli/cli_int.h"
#include "leads/leads.h"
#include "crypto/crypto.h"
#include "people/people.h"
#include "policy/policy.h"
#include "store/store.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
print_time(const char *key, int64_t ms)
{
    char t[40];

    if (ms <= 0) {
        printf("  %-26s none\n", key);
        return;
    }
    lx_time_format(ms, 480, false, t, sizeof(t));
    printf("  %-26s %s\n", key, t);
}

static void
print_id(const char *key, uint64_t v)
{
    if (v == 0) {
        printf("  %-26s none\n", key);
    } else {
        printf("  %-26s %" PRIu64 "\n", key, v);
    }
}

static void
print_explain(const struct lx_policy_facts *f, const struct lx_policy_trace *t)
{
    const struct lx_policy_decision *d = &t->decision;

    printf("decision: %s\n", lx_policy_verdict_name(d->verdict));
    printf("rule: %s\n", lx_policy_rule_name(d->rule));
    printf("reason: %s\n", d->reason != NULL ? d->reason : "");
    printf("clause: %s\n", d->clause != NULL ? d->clause : "");
    printf("facts:\n");
    print_time("now", f->now_ms);
    printf("  %-26s %s\n", "action", lx_policy_action_name(f->action));
    printf("  %-26s %s\n", "purpose", lx_policy_purpose_name(f->purpose));
    print_id("access_id", f->access_id);
    printf("  %-26s %s\n", "actor.role", lx_policy_role_name(f->actor.role));
    print_id("actor.id", f->actor.id);
    print_id("actor.firm_id", f->actor.firm_id);
    printf("  %-26s %s\n", "actor.firm_status",
           lx_policy_firm_status_name(f->actor.firm_status));
    print_time("actor.training_expires", f->actor.training_expires_ms);
    printf("  %-26s %s\n", "actor.licence_verified",
           f->actor.licence_verified ? "yes" : "no");
    print_id("lead.id", f->lead.id);
    printf("  %-26s %s\n", "lead.state",
           lx_policy_lead_state_name(f->lead.state));
    print_id("lead.firm_id", f->lead.firm_id);
    print_id("lead.staff_id", f->lead.staff_id);
    print_id("lead.user_id", f->lead.user_id);
    printf("  %-26s %s\n", "lead.subject",
           lx_policy_subject_name(f->lead.subject));
    printf("  %-26s %s\n", "lead.field", lx_policy_field_name(f->lead.field));
    print_id("grant.approver_id", f->grant.approver_id);
    print_time("grant.expires", f->grant.expires_ms);
    print_id("minor_approval.access_id", f->minor_approval.access_id);
    print_id("minor_approval.approver_id", f->minor_approval.approver_id);
    print_time("minor_approval.expires", f->minor_approval.expires_ms);
    print_id("target.staff_id", f->target.staff_id);
    print_id("target.firm_id", f->target.firm_id);
    print_time("target.training_expires", f->target.training_expires_ms);
    print_id("grantee.staff_id", f->grantee.staff_id);
    print_id("grantee.firm_id", f->grantee.firm_id);
    printf("trace:\n");
    for (unsigned i = 0; i < t->n; i++) {
        printf("  %-26s %s\n", lx_policy_rule_name(t->steps[i].rule),
               t->steps[i].passed ? "pass" : "FAIL");
    }
}

struct explain_arg {
    bool lead_found; /* --lead named a stored lead */
    int64_t staff;
    int64_t target;
    int64_t grantee;
    int64_t access;
    struct lx_policy_facts *f;
};

static lx_rc
explain_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct explain_arg *a = arg;
    struct lx_policy_facts g = {0};
    lx_rc rc;

    rc = lx_people_facts_load_tx(tx, a->staff, a->f->now_ms, a->access, a->f,
                                 err);
    if (rc == LX_OK && a->target != 0) {
        rc = lx_people_target_load_tx(tx, a->target, a->f->now_ms, a->f, err);
    }
    if (rc == LX_OK && a->f->lead.id != 0) {
        /* The stored lead's facts, unless a flag set one for a what-if. */
        struct lx_policy_facts l = {0};
        bool found = false;

        rc = lx_leads_facts_load_tx(tx, (int64_t)a->f->lead.id, &l, &found,
                                    err);
        if (rc == LX_OK && found) {
            a->lead_found = true;
            if (a->f->lead.state == LX_POLICY_LEAD_UNKNOWN) {
                a->f->lead.state = l.lead.state;
            }
            if (a->f->lead.firm_id == 0) {
                a->f->lead.firm_id = l.lead.firm_id;
            }
            if (a->f->lead.staff_id == 0) {
                a->f->lead.staff_id = l.lead.staff_id;
            }
            if (a->f->lead.user_id == 0) {
                a->f->lead.user_id = l.lead.user_id;
            }
            if (a->f->lead.subject == LX_POLICY_SUBJECT_UNKNOWN) {
                a->f->lead.subject = l.lead.subject;
            }
        }
    }
    if (rc == LX_OK && a->grantee != 0) {
        /* The grantee's firm: the firm of their actor facts. */
        rc = lx_people_facts_load_tx(tx, a->grantee, a->f->now_ms, 0, &g, err);
        a->f->grantee.staff_id = (uint64_t)a->grantee;
        a->f->grantee.firm_id = g.actor.firm_id;
    }
    return rc;
}

int
cmd_policy_explain(struct lx_cli *cli, int argc, char **argv)
{
    enum {
        O_DB = 1,
        O_STAFF,
        O_ACTION,
        O_PURPOSE,
        O_LEAD,
        O_AT,
        O_ACCESS,
        O_STATE,
        O_LFIRM,
        O_LSTAFF,
        O_LUSER,
        O_SUBJECT,
        O_FIELD,
        O_TARGET,
        O_GRANTEE,
        O_CONFIG
    };
    static const struct option opts[] = {
        {"db", required_argument, NULL, O_DB},
        {"staff", required_argument, NULL, O_STAFF},
        {"action", required_argument, NULL, O_ACTION},
        {"purpose", required_argument, NULL, O_PURPOSE},
        {"lead", required_argument, NULL, O_LEAD},
        {"at", required_argument, NULL, O_AT},
        {"access", required_argument, NULL, O_ACCESS},
        {"lead-state", required_argument, NULL, O_STATE},
        {"lead-firm", required_argument, NULL, O_LFIRM},
        {"lead-staff", required_argument, NULL, O_LSTAFF},
        {"lead-user", required_argument, NULL, O_LUSER},
        {"subject", required_argument, NULL, O_SUBJECT},
        {"field", required_argument, NULL, O_FIELD},
        {"target", required_argument, NULL, O_TARGET},
        {"grantee", required_argument, NULL, O_GRANTEE},
        {"config", required_argument, NULL, O_CONFIG},
        {NULL, 0, NULL, 0},
    };
    struct lx_policy_facts f = {0};
    struct lx_policy_trace trace;
    struct explain_arg a = {.f = &f};
    struct lx_store *store = NULL;
    struct lx_err err = {0};
    int64_t v = 0;
    int c;
    lx_rc rc;

    f.now_ms = lx_time_now_ms();
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_DB:
            if (!cli_conf_flag(cli, "store.db", optarg)) {
                return LX_CLI_USAGE;
            }
            break;
        case O_STAFF:
            if (!cli_parse_id(optarg, &a.staff)) {
                return cli_usage("--staff needs a positive id");
            }
            break;
        case O_ACTION:
            if (!lx_policy_action_parse(optarg, &f.action)) {
                return cli_usage("--action: unknown action");
            }
            break;
        case O_PURPOSE:
            if (!lx_policy_purpose_parse(optarg, &f.purpose)) {
                return cli_usage("--purpose: one of consultation,"
                                 " communication, engagement, complaint,"
                                 " legal_duty");
            }
            break;
        case O_LEAD:
            if (!cli_parse_id(optarg, &v)) {
                return cli_usage("--lead needs a positive id");
            }
            f.lead.id = (uint64_t)v;
            break;
        case O_AT:
            if (lx_time_parse_iso(optarg, strlen(optarg), &f.now_ms, NULL,
                                  &err) != LX_OK) {
                return cli_usage("--at: not an ISO 8601 time with an"
                                 " offset");
            }
            break;
        case O_ACCESS:
            if (!cli_parse_id(optarg, &a.access)) {
                return cli_usage("--access needs a positive id");
            }
            break;
        case O_STATE:
            if (!lx_policy_lead_state_parse(optarg, &f.lead.state)) {
                return cli_usage("--lead-state: offered or held");
            }
            break;
        case O_LFIRM:
        case O_LSTAFF:
        case O_LUSER:
            if (!cli_parse_id(optarg, &v)) {
                return cli_usage("--%s needs a positive id",
                                 c == O_LFIRM    ? "lead-firm"
                                 : c == O_LSTAFF ? "lead-staff"
                                                 : "lead-user");
            }
            if (c == O_LFIRM) {
                f.lead.firm_id = (uint64_t)v;
            } else if (c == O_LSTAFF) {
                f.lead.staff_id = (uint64_t)v;
            } else {
                f.lead.user_id = (uint64_t)v;
            }
            break;
        case O_SUBJECT:
            if (!lx_policy_subject_parse(optarg, &f.lead.subject)) {
                return cli_usage("--subject: adult or minor");
            }
            break;
        case O_FIELD:
            if (!lx_policy_field_parse(optarg, &f.lead.field)) {
                return cli_usage("--field: ordinary or sensitive");
            }
            break;
        case O_TARGET:
            if (!cli_parse_id(optarg, &a.target)) {
                return cli_usage("--target needs a positive id");
            }
            break;
        case O_GRANTEE:
            if (!cli_parse_id(optarg, &a.grantee)) {
                return cli_usage("--grantee needs a positive id");
            }
            break;
        case O_CONFIG:
            break; /* read by main */
        case ':':
        default:
            return cli_bad_option(c, argv, optind);
        }
    }
    if (optind < argc) {
        return cli_usage("unexpected argument '%s'", argv[optind]);
    }
    if (a.staff == 0 || f.action == LX_POLICY_ACTION_NONE ||
        f.purpose == LX_POLICY_PURPOSE_NONE) {
        return cli_usage("--staff, --action and --purpose are required");
    }
    rc = cli_store_open(cli, LX_CLI_STORE_MUST_EXIST, 1, &store, &err);
    if (rc != LX_OK) {
        return cli_fail(&err, true);
    }
    rc = lx_store_read(store, explain_unit, &a, &err);
    lx_store_close(store);
    if (rc != LX_OK) {
        return cli_fail(&err, false);
    }
    if (f.actor.id == 0) {
        /* An unknown, disabled or deleted member is a fact: say so, then
         * show the (deny) decision the engine takes on it. */
        printf("note: staff %lld is unknown, disabled or deleted\n",
               (long long)a.staff);
    }
    if (f.lead.id != 0 && !a.lead_found) {
        printf("note: lead %llu is not stored; its facts come from flags\n",
               (unsigned long long)f.lead.id);
    }
    lx_policy_explain(&f, &trace);
    print_explain(&f, &trace);
    return LX_CLI_OK;
}
