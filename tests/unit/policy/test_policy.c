/*
 * test_policy.c — decision tables for src/policy.
 *
 * The expected results here are written independently of the engine's own
 * tables (role x action, firm status x action, purposes per action), so a
 * change on one side only fails a test. Layout:
 *   - cases[]: one row per rule and clause: facts -> verdict, reason, clause;
 *   - matrix tests: every role x action x purpose, and every firm status x
 *     action x purpose for the firm roles, on otherwise ideal facts;
 *   - boundaries: expiry exactly at now_ms, all-zero facts, every unknown
 *     enum value;
 *   - properties: forgetting any one fact (setting it to zero) never turns a
 *     deny into an allow, checked field by field over the table rows, the
 *     matrix and perturbed random facts; explain() agrees with decide().
 */
#include "policy/policy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Rows override fields of BASE in the same initialiser; later wins. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

#define NOW INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */
#define DAY INT64_C(86400000)

#define ACTOR 11
#define APPROVER 12
#define COLLEAGUE 13
#define GRANTEE 14
#define FIRM 7
#define OTHER_FIRM 8
#define LEAD 500
#define ACCESS 900

/* Facts under which every rule that could apply passes: an active firm, a
 * trained and licensed actor holding the lead, an adult subject, an
 * ordinary field, and valid grant, approval, target and grantee facts. */
#define BASE                                                                   \
    .now_ms = NOW, .access_id = ACCESS, .actor.id = ACTOR,                     \
    .actor.firm_id = FIRM, .actor.firm_status = LX_POLICY_FIRM_ACTIVE,         \
    .actor.training_expires_ms = NOW + DAY, .actor.licence_verified = true,    \
    .lead.id = LEAD, .lead.state = LX_POLICY_LEAD_HELD, .lead.firm_id = FIRM,  \
    .lead.staff_id = ACTOR, .lead.user_id = ACTOR,                             \
    .lead.subject = LX_POLICY_SUBJECT_ADULT,                                   \
    .lead.field = LX_POLICY_FIELD_ORDINARY, .grant.staff_id = ACTOR,           \
    .grant.approver_id = APPROVER, .grant.expires_ms = NOW + DAY,              \
    .minor_approval.access_id = ACCESS, .minor_approval.staff_id = ACTOR,      \
    .minor_approval.approver_id = APPROVER,                                    \
    .minor_approval.expires_ms = NOW + DAY, .target.staff_id = COLLEAGUE,      \
    .target.firm_id = FIRM, .target.firm_status = LX_POLICY_FIRM_ACTIVE,       \
    .target.training_expires_ms = NOW + DAY, .grantee.staff_id = GRANTEE,      \
    .grantee.firm_id = FIRM

#define R(x) .actor.role = LX_POLICY_ROLE_##x
#define ACT(x) .action = LX_POLICY_ACTION_##x
#define P(x) .purpose = LX_POLICY_PURPOSE_##x

struct row {
    const char *name;
    struct lx_policy_facts f;
    enum lx_policy_verdict verdict;
    const char *reason;
    const char *clause;
};

#define OK_ "allowed", "C2.1"
#define ALLOW LX_POLICY_ALLOW, OK_
#define DENY LX_POLICY_DENY

/* clang-format off */
static const struct row cases[] = {
    /* --- missing and unknown basics (C2.1, C4.1, C4.2) --- */
    {"all zero facts deny", {0}, DENY, "unknown_action", "C2.1"},
    {"no action", {BASE, R(LAWYER), P(CONSULTATION)},
     DENY, "unknown_action", "C2.1"},
    {"no purpose", {BASE, R(LAWYER), ACT(VIEW_MASKED)},
     DENY, "no_purpose", "C2.1"},
    {"claim is for consultation only",
     {BASE, R(LAWYER), ACT(CLAIM), P(COMPLAINT),
      .lead.state = LX_POLICY_LEAD_OFFERED},
     DENY, "purpose_not_for_action", "C2.1"},
    {"export only for a legal duty", {BASE, R(USER), ACT(EXPORT), P(ENGAGEMENT)},
     DENY, "purpose_not_for_action", "C2.1"},
    {"quote not for complaints", {BASE, R(LAWYER), ACT(QUOTE), P(COMPLAINT)},
     DENY, "purpose_not_for_action", "C2.1"},
    /* --- a firm admin's view over its own staff's records (C4.3) --- */
    {"firm admin reads its firm's records, no lead needed",
     {BASE, R(FIRM_ADMIN), ACT(READ_FIRM_AUDIT), P(COMPLAINT), .lead = {0}},
     ALLOW},
    {"firm records are not for consultation",
     {BASE, R(FIRM_ADMIN), ACT(READ_FIRM_AUDIT), P(CONSULTATION)},
     DENY, "purpose_not_for_action", "C2.1"},
    {"a lawyer has no firm-wide view",
     {BASE, R(LAWYER), ACT(READ_FIRM_AUDIT), P(LEGAL_DUTY)},
     DENY, "role_not_permitted", "C4.1"},
    {"platform auditors use read_audit, not the firm view",
     {BASE, R(PLATFORM_COMPLIANCE), ACT(READ_FIRM_AUDIT), P(LEGAL_DUTY),
      .actor.firm_id = 0},
     DENY, "least_privilege", "C4.1"},
    {"an untrained firm admin reads nothing",
     {BASE, R(FIRM_ADMIN), ACT(READ_FIRM_AUDIT), P(LEGAL_DUTY),
      .actor.training_expires_ms = NOW - 1},
     DENY, "not_trained", "C4.2"},
    {"a terminated firm reads nothing",
     {BASE, R(FIRM_ADMIN), ACT(READ_FIRM_AUDIT), P(LEGAL_DUTY),
      .actor.firm_status = LX_POLICY_FIRM_TERMINATED},
     DENY, "firm_terminated", "C7.1"},
    {"read_audit not for consultation",
     {BASE, R(FIRM_ADMIN), ACT(READ_AUDIT), P(CONSULTATION)},
     DENY, "purpose_not_for_action", "C2.1"},
    {"no role", {BASE, ACT(VIEW_MASKED), P(CONSULTATION)},
     DENY, "unknown_role", "C4.1"},
    {"no actor", {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
                  .actor.id = 0},
     DENY, "unknown_actor", "C4.1"},
    {"no clock", {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
                  .now_ms = 0},
     DENY, "unknown_clock", "C4.2"},
    {"negative clock", {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
                        .now_ms = -5},
     DENY, "unknown_clock", "C4.2"},

    /* --- role x action: partner and platform roles (C2.2, C2.3, C4.1,
     * C5.7) --- */
    {"lawyer views a lead it holds",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION)}, ALLOW},
    {"firm admin may not message (advice)",
     {BASE, R(FIRM_ADMIN), ACT(MESSAGE), P(CONSULTATION)},
     DENY, "not_licensed_lawyer", "C5.7"},
    {"assistant may not quote", {BASE, R(ASSISTANT), ACT(QUOTE), P(ENGAGEMENT)},
     DENY, "not_licensed_lawyer", "C5.7"},
    {"customer service may not call",
     {BASE, R(CUSTOMER_SERVICE), ACT(CALL), P(COMMUNICATION)},
     DENY, "not_licensed_lawyer", "C5.7"},
    {"customer service may not reveal",
     {BASE, R(CUSTOMER_SERVICE), ACT(REVEAL_FIELD), P(CONSULTATION)},
     DENY, "role_not_permitted", "C4.1"},
    {"admin staff views masked",
     {BASE, R(ADMIN_STAFF), ACT(VIEW_MASKED), P(COMMUNICATION)}, ALLOW},
    {"lawyer may not export", {BASE, R(LAWYER), ACT(EXPORT), P(LEGAL_DUTY)},
     DENY, "export_forbidden", "C2.3"},
    {"firm admin may not export",
     {BASE, R(FIRM_ADMIN), ACT(EXPORT), P(LEGAL_DUTY)},
     DENY, "export_forbidden", "C2.3"},
    {"lawyer may not delete", {BASE, R(LAWYER), ACT(DELETE), P(LEGAL_DUTY)},
     DENY, "role_not_permitted", "C4.1"},
    {"lawyer may not assign", {BASE, R(LAWYER), ACT(ASSIGN), P(CONSULTATION)},
     DENY, "role_not_permitted", "C4.1"},
    {"platform admin may not export",
     {BASE, R(PLATFORM_ADMIN), ACT(EXPORT), P(LEGAL_DUTY)},
     DENY, "export_forbidden", "C2.2"},
    {"platform admin does not audit itself",
     {BASE, R(PLATFORM_ADMIN), ACT(READ_AUDIT), P(COMPLAINT)},
     DENY, "separation_of_duties", "C4.1"},
    {"platform admin reveals only for a legal duty",
     {BASE, R(PLATFORM_ADMIN), ACT(REVEAL_FIELD), P(CONSULTATION)},
     DENY, "purpose_not_for_role", "C2.1"},
    {"platform admin reveals sensitive for a legal duty with a grant",
     {BASE, R(PLATFORM_ADMIN), ACT(REVEAL_FIELD), P(LEGAL_DUTY),
      .lead.field = LX_POLICY_FIELD_SENSITIVE},
     ALLOW},
    {"platform admin deletes for a legal duty",
     {BASE, R(PLATFORM_ADMIN), ACT(DELETE), P(LEGAL_DUTY)}, ALLOW},
    {"platform admin may not claim",
     {BASE, R(PLATFORM_ADMIN), ACT(CLAIM), P(CONSULTATION)},
     DENY, "least_privilege", "C4.1"},
    {"platform ops may not reveal",
     {BASE, R(PLATFORM_OPS), ACT(REVEAL_FIELD), P(COMPLAINT)},
     DENY, "least_privilege", "C4.1"},
    {"platform ops may not message",
     {BASE, R(PLATFORM_OPS), ACT(MESSAGE), P(COMMUNICATION)},
     DENY, "not_licensed_lawyer", "C5.7"},
    {"platform ops views a lead of any firm",
     {BASE, R(PLATFORM_OPS), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.firm_id = OTHER_FIRM, .lead.staff_id = COLLEAGUE},
     ALLOW},
    {"compliance reads the audit log",
     {BASE, R(PLATFORM_COMPLIANCE), ACT(READ_AUDIT), P(COMPLAINT)}, ALLOW},
    {"compliance reads the log without a lead",
     {BASE, R(PLATFORM_COMPLIANCE), ACT(READ_AUDIT), P(LEGAL_DUTY),
      .lead.id = 0, .lead.state = 0},
     ALLOW},
    {"compliance views masked", {BASE, R(PLATFORM_COMPLIANCE),
                                 ACT(VIEW_MASKED), P(COMPLAINT)}, ALLOW},
    {"compliance never reveals",
     {BASE, R(PLATFORM_COMPLIANCE), ACT(REVEAL_FIELD), P(COMPLAINT)},
     DENY, "auditor_read_only", "C4.1"},
    {"compliance never deletes",
     {BASE, R(PLATFORM_COMPLIANCE), ACT(DELETE), P(LEGAL_DUTY)},
     DENY, "auditor_read_only", "C4.1"},
    {"compliance never reassigns",
     {BASE, R(PLATFORM_COMPLIANCE), ACT(HANDOVER), P(COMPLAINT)},
     DENY, "auditor_read_only", "C4.1"},
    {"compliance never approves grants",
     {BASE, R(PLATFORM_COMPLIANCE), ACT(APPROVE_GRANT), P(LEGAL_DUTY)},
     DENY, "auditor_read_only", "C4.1"},
    {"security reads the log for an incident",
     {BASE, R(PLATFORM_SECURITY), ACT(READ_AUDIT), P(LEGAL_DUTY)}, ALLOW},
    {"security does not browse leads",
     {BASE, R(PLATFORM_SECURITY), ACT(VIEW_MASKED), P(LEGAL_DUTY)},
     DENY, "least_privilege", "C4.1"},

    /* --- training (C4.2) --- */
    {"training lapses exactly at expiry",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .actor.training_expires_ms = NOW},
     DENY, "not_trained", "C4.2"},
    {"training current one ms before expiry",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .actor.training_expires_ms = NOW + 1},
     ALLOW},
    {"no training record", {BASE, R(ASSISTANT), ACT(VIEW_MASKED),
                            P(CONSULTATION), .actor.training_expires_ms = 0},
     DENY, "not_trained", "C4.2"},
    {"untrained firm admin reads no audit",
     {BASE, R(FIRM_ADMIN), ACT(READ_AUDIT), P(COMPLAINT),
      .actor.training_expires_ms = NOW - DAY},
     DENY, "not_trained", "C4.2"},
    {"untrained platform ops dispatches nothing",
     {BASE, R(PLATFORM_OPS), ACT(ASSIGN), P(CONSULTATION),
      .actor.training_expires_ms = NOW - 1},
     DENY, "not_trained", "C4.2"},
    {"untrained auditor reads no log",
     {BASE, R(PLATFORM_COMPLIANCE), ACT(READ_AUDIT), P(COMPLAINT),
      .actor.training_expires_ms = 0},
     DENY, "not_trained", "C4.2"},

    /* --- licence (C5.7) --- */
    {"unverified lawyer may not message",
     {BASE, R(LAWYER), ACT(MESSAGE), P(CONSULTATION),
      .actor.licence_verified = false},
     DENY, "licence_unverified", "C5.7"},
    {"unverified lawyer may not quote",
     {BASE, R(LAWYER), ACT(QUOTE), P(ENGAGEMENT),
      .actor.licence_verified = false},
     DENY, "licence_unverified", "C5.7"},
    {"unverified lawyer may not call",
     {BASE, R(LAWYER), ACT(CALL), P(COMMUNICATION),
      .actor.licence_verified = false},
     DENY, "licence_unverified", "C5.7"},
    {"unverified lawyer may not claim",
     {BASE, R(LAWYER), ACT(CLAIM), P(CONSULTATION),
      .lead.state = LX_POLICY_LEAD_OFFERED, .actor.licence_verified = false},
     DENY, "licence_unverified", "C5.7"},
    {"unverified lawyer still reads its lead",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .actor.licence_verified = false},
     ALLOW},
    {"verified lawyer quotes", {BASE, R(LAWYER), ACT(QUOTE), P(CONSULTATION)},
     ALLOW},
    {"verified lawyer messages", {BASE, R(LAWYER), ACT(MESSAGE), P(ENGAGEMENT)},
     ALLOW},

    /* --- the actor's firm and its status (C4.1, C8.1, C7.1) --- */
    {"firm-side actor without a firm",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION), .actor.firm_id = 0},
     DENY, "unknown_firm", "C4.1"},
    {"firm status unknown", {BASE, R(LAWYER), ACT(VIEW_MASKED),
                             P(CONSULTATION), .actor.firm_status = 0},
     DENY, "unknown_firm_status", "C8.1"},
    {"restricted: ordinary reveal goes on",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .actor.firm_status = LX_POLICY_FIRM_RESTRICTED},
     ALLOW},
    {"restricted: sensitive reveal frozen despite a grant",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .actor.firm_status = LX_POLICY_FIRM_RESTRICTED,
      .lead.field = LX_POLICY_FIELD_SENSITIVE},
     DENY, "firm_restricted", "C8.1"},
    {"restricted: a minor's field counts as sensitive",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .actor.firm_status = LX_POLICY_FIRM_RESTRICTED,
      .lead.subject = LX_POLICY_SUBJECT_MINOR},
     DENY, "firm_restricted", "C8.1"},
    {"restricted: unknown field class is not ordinary",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .actor.firm_status = LX_POLICY_FIRM_RESTRICTED, .lead.field = 0},
     DENY, "firm_restricted", "C8.1"},
    {"restricted: no new grants",
     {BASE, R(FIRM_ADMIN), ACT(APPROVE_GRANT), P(CONSULTATION),
      .actor.firm_status = LX_POLICY_FIRM_RESTRICTED},
     DENY, "firm_restricted", "C8.1"},
    {"restricted: claims go on",
     {BASE, R(LAWYER), ACT(CLAIM), P(CONSULTATION),
      .lead.state = LX_POLICY_LEAD_OFFERED,
      .actor.firm_status = LX_POLICY_FIRM_RESTRICTED},
     ALLOW},
    {"distribution suspended: no claims",
     {BASE, R(LAWYER), ACT(CLAIM), P(CONSULTATION),
      .lead.state = LX_POLICY_LEAD_OFFERED,
      .actor.firm_status = LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED},
     DENY, "distribution_suspended", "C8.1"},
    {"distribution suspended: held leads still served",
     {BASE, R(LAWYER), ACT(MESSAGE), P(COMMUNICATION),
      .actor.firm_status = LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED},
     ALLOW},
    {"distribution suspended: internal handover goes on",
     {BASE, R(LAWYER), ACT(HANDOVER), P(CONSULTATION),
      .actor.firm_status = LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED},
     ALLOW},
    {"cooperation suspended: no consultation",
     {BASE, R(LAWYER), ACT(MESSAGE), P(CONSULTATION),
      .actor.firm_status = LX_POLICY_FIRM_COOPERATION_SUSPENDED},
     DENY, "cooperation_suspended", "C8.1"},
    {"cooperation suspended: complaint reply allowed",
     {BASE, R(LAWYER), ACT(MESSAGE), P(COMPLAINT),
      .actor.firm_status = LX_POLICY_FIRM_COOPERATION_SUSPENDED},
     ALLOW},
    {"cooperation suspended: no calls",
     {BASE, R(LAWYER), ACT(CALL), P(COMPLAINT),
      .actor.firm_status = LX_POLICY_FIRM_COOPERATION_SUSPENDED},
     DENY, "cooperation_suspended", "C8.1"},
    {"cooperation suspended: ordinary reveal for a legal duty",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(LEGAL_DUTY),
      .actor.firm_status = LX_POLICY_FIRM_COOPERATION_SUSPENDED},
     ALLOW},
    {"cooperation suspended: no sensitive reveal",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(LEGAL_DUTY),
      .lead.field = LX_POLICY_FIELD_SENSITIVE,
      .actor.firm_status = LX_POLICY_FIRM_COOPERATION_SUSPENDED},
     DENY, "cooperation_suspended", "C8.1"},
    {"terminating: no new processing",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(LEGAL_DUTY),
      .actor.firm_status = LX_POLICY_FIRM_TERMINATING},
     DENY, "firm_terminating", "C7.1"},
    {"terminating: deletion goes on",
     {BASE, R(FIRM_ADMIN), ACT(DELETE), P(LEGAL_DUTY),
      .actor.firm_status = LX_POLICY_FIRM_TERMINATING},
     ALLOW},
    {"terminating: complaint view masked",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(COMPLAINT),
      .actor.firm_status = LX_POLICY_FIRM_TERMINATING},
     ALLOW},
    {"terminated: nothing at all",
     {BASE, R(FIRM_ADMIN), ACT(VIEW_MASKED), P(LEGAL_DUTY),
      .actor.firm_status = LX_POLICY_FIRM_TERMINATED},
     DENY, "firm_terminated", "C7.1"},
    {"terminated: not even deletion",
     {BASE, R(FIRM_ADMIN), ACT(DELETE), P(LEGAL_DUTY),
      .actor.firm_status = LX_POLICY_FIRM_TERMINATED},
     DENY, "firm_terminated", "C7.1"},
    {"firm status binds the firm, not the platform",
     {BASE, R(PLATFORM_OPS), ACT(VIEW_MASKED), P(CONSULTATION),
      .actor.firm_status = LX_POLICY_FIRM_TERMINATED},
     ALLOW},

    /* --- the lead: firm and assignment (C4.1, C5.9) --- */
    {"no lead", {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
                 .lead.id = 0},
     DENY, "unknown_lead", "C4.1"},
    {"lead state unknown", {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
                            .lead.state = 0},
     DENY, "unknown_lead_state", "C4.1"},
    {"platform needs the lead too",
     {BASE, R(PLATFORM_OPS), ACT(VIEW_MASKED), P(CONSULTATION), .lead.id = 0},
     DENY, "unknown_lead", "C4.1"},
    {"lead of another firm", {BASE, R(FIRM_ADMIN), ACT(VIEW_MASKED),
                              P(CONSULTATION), .lead.firm_id = OTHER_FIRM},
     DENY, "lead_not_in_firm", "C4.1"},
    {"unassigned lead (firm 0)",
     {BASE, R(FIRM_ADMIN), ACT(VIEW_MASKED), P(CONSULTATION), .lead.firm_id = 0},
     DENY, "lead_not_in_firm", "C4.1"},
    {"firm admin reaches a colleague's lead",
     {BASE, R(FIRM_ADMIN), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.staff_id = COLLEAGUE},
     ALLOW},
    {"lawyer does not reach a colleague's lead",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.staff_id = COLLEAGUE},
     DENY, "lead_not_assigned", "C4.1"},
    {"assistant reaches a lead handed to it",
     {BASE, R(ASSISTANT), ACT(REVEAL_FIELD), P(COMMUNICATION)}, ALLOW},
    {"customer service needs the lead assigned",
     {BASE, R(CUSTOMER_SERVICE), ACT(VIEW_MASKED), P(COMMUNICATION),
      .lead.staff_id = 0},
     DENY, "lead_not_assigned", "C4.1"},
    {"lawyer claims an offered lead",
     {BASE, R(LAWYER), ACT(CLAIM), P(CONSULTATION),
      .lead.state = LX_POLICY_LEAD_OFFERED, .lead.staff_id = 0},
     ALLOW},
    {"firm admin claims an offered lead",
     {BASE, R(FIRM_ADMIN), ACT(CLAIM), P(CONSULTATION),
      .lead.state = LX_POLICY_LEAD_OFFERED},
     ALLOW},
    {"lawyer views an offered lead before claiming",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.state = LX_POLICY_LEAD_OFFERED, .lead.staff_id = 0},
     ALLOW},
    {"assistant does not browse offered leads",
     {BASE, R(ASSISTANT), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.state = LX_POLICY_LEAD_OFFERED},
     DENY, "lead_not_assigned", "C4.1"},
    {"no reveal before claiming",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.state = LX_POLICY_LEAD_OFFERED},
     DENY, "lead_not_claimed", "C4.1"},
    {"no deletion of an offered lead",
     {BASE, R(FIRM_ADMIN), ACT(DELETE), P(LEGAL_DUTY),
      .lead.state = LX_POLICY_LEAD_OFFERED},
     DENY, "lead_not_claimed", "C4.1"},
    {"firm admin reads the audit of an offered lead",
     {BASE, R(FIRM_ADMIN), ACT(READ_AUDIT), P(LEGAL_DUTY),
      .lead.state = LX_POLICY_LEAD_OFFERED},
     ALLOW},
    {"a held lead cannot be claimed",
     {BASE, R(LAWYER), ACT(CLAIM), P(CONSULTATION),
      .lead.staff_id = COLLEAGUE},
     DENY, "lead_already_held", "C5.9"},
    {"firm admin reads its firm's access records",
     {BASE, R(FIRM_ADMIN), ACT(READ_AUDIT), P(COMPLAINT)}, ALLOW},
    {"firm admin reads no other firm's records",
     {BASE, R(FIRM_ADMIN), ACT(READ_AUDIT), P(COMPLAINT),
      .lead.firm_id = OTHER_FIRM},
     DENY, "lead_not_in_firm", "C4.1"},

    /* --- minors: a per-access approval, recorded (C1.3, C2.4) --- */
    {"subject unknown", {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
                         .lead.subject = 0},
     DENY, "unknown_subject", "C1.3"},
    {"minor: masked view with this access's approval",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR},
     ALLOW},
    {"minor: no approval",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR, .minor_approval.access_id = 0},
     DENY, "minor_needs_approval", "C2.4"},
    {"minor: approval of another access",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR,
      .minor_approval.access_id = ACCESS + 1},
     DENY, "minor_needs_approval", "C2.4"},
    {"minor: no access id to bind to",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR, .access_id = 0,
      .minor_approval.access_id = 0},
     DENY, "minor_needs_approval", "C2.4"},
    {"minor: approval without approver",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR,
      .minor_approval.approver_id = 0},
     DENY, "minor_needs_approval", "C2.4"},
    {"minor: approval given to someone else",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR,
      .minor_approval.staff_id = COLLEAGUE},
     DENY, "minor_approval_not_for_actor", "C2.4"},
    {"minor: self-approved",
     {BASE, R(FIRM_ADMIN), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR,
      .minor_approval.approver_id = ACTOR},
     DENY, "minor_approval_self_approved", "C2.4"},
    {"minor: approval lapses exactly at expiry",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR,
      .minor_approval.expires_ms = NOW},
     DENY, "minor_approval_expired", "C2.4"},
    {"minor: approval current one ms before expiry",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR,
      .minor_approval.expires_ms = NOW + 1},
     ALLOW},
    {"minor: platform ops needs approval too",
     {BASE, R(PLATFORM_OPS), ACT(VIEW_MASKED), P(COMPLAINT),
      .lead.subject = LX_POLICY_SUBJECT_MINOR, .minor_approval.access_id = 0},
     DENY, "minor_needs_approval", "C2.4"},
    {"minor: deletion needs approval too",
     {BASE, R(FIRM_ADMIN), ACT(DELETE), P(LEGAL_DUTY),
      .lead.subject = LX_POLICY_SUBJECT_MINOR,
      .minor_approval.expires_ms = NOW - 1},
     DENY, "minor_approval_expired", "C2.4"},
    {"minor: reading access records is not an access",
     {BASE, R(FIRM_ADMIN), ACT(READ_AUDIT), P(COMPLAINT),
      .lead.subject = LX_POLICY_SUBJECT_MINOR, .minor_approval.access_id = 0},
     ALLOW},
    {"minor: every field is sensitive (needs a grant)",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR, .grant.staff_id = 0},
     DENY, "no_sensitive_grant", "C2.4"},
    {"minor: reveal with approval and grant",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.subject = LX_POLICY_SUBJECT_MINOR},
     ALLOW},

    /* --- sensitive fields need a grant (C2.4) --- */
    {"field class unknown", {BASE, R(LAWYER), ACT(REVEAL_FIELD),
                             P(CONSULTATION), .lead.field = 0},
     DENY, "unknown_field_class", "C1.3"},
    {"ordinary field needs no grant",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION), .grant.staff_id = 0,
      .grant.approver_id = 0, .grant.expires_ms = 0},
     ALLOW},
    {"sensitive field without grant",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.field = LX_POLICY_FIELD_SENSITIVE, .grant.staff_id = 0},
     DENY, "no_sensitive_grant", "C2.4"},
    {"sensitive field, grant without approver",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.field = LX_POLICY_FIELD_SENSITIVE, .grant.approver_id = 0},
     DENY, "no_sensitive_grant", "C2.4"},
    {"sensitive field, grant names someone else",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.field = LX_POLICY_FIELD_SENSITIVE, .grant.staff_id = COLLEAGUE},
     DENY, "grant_not_for_actor", "C2.4"},
    {"sensitive field, self-approved grant",
     {BASE, R(FIRM_ADMIN), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.field = LX_POLICY_FIELD_SENSITIVE, .grant.approver_id = ACTOR},
     DENY, "grant_self_approved", "C2.4"},
    {"sensitive field, grant lapses exactly at expiry",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.field = LX_POLICY_FIELD_SENSITIVE, .grant.expires_ms = NOW},
     DENY, "grant_expired", "C2.4"},
    {"sensitive field, grant current one ms before expiry",
     {BASE, R(LAWYER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .lead.field = LX_POLICY_FIELD_SENSITIVE, .grant.expires_ms = NOW + 1},
     ALLOW},
    {"masked view of a sensitive record needs no grant",
     {BASE, R(LAWYER), ACT(VIEW_MASKED), P(CONSULTATION),
      .lead.field = LX_POLICY_FIELD_SENSITIVE, .grant.staff_id = 0},
     ALLOW},

    /* --- assignment and handover targets (C4.2, C4.3, C5.9, C8.1) --- */
    {"firm admin assigns to a trained colleague",
     {BASE, R(FIRM_ADMIN), ACT(ASSIGN), P(CONSULTATION),
      .lead.staff_id = COLLEAGUE, .target.staff_id = GRANTEE},
     ALLOW},
    {"assign to nobody", {BASE, R(FIRM_ADMIN), ACT(ASSIGN), P(CONSULTATION),
                          .target.staff_id = 0},
     DENY, "unknown_target", "C4.3"},
    {"handover out of the firm",
     {BASE, R(LAWYER), ACT(HANDOVER), P(CONSULTATION),
      .target.firm_id = OTHER_FIRM},
     DENY, "target_outside_firm", "C5.9"},
    {"handover to an untrained colleague (expiry == now)",
     {BASE, R(LAWYER), ACT(HANDOVER), P(COMMUNICATION),
      .target.training_expires_ms = NOW},
     DENY, "target_not_trained", "C4.2"},
    {"lawyer hands over its own lead",
     {BASE, R(LAWYER), ACT(HANDOVER), P(ENGAGEMENT)}, ALLOW},
    {"lawyer cannot hand over a colleague's lead",
     {BASE, R(LAWYER), ACT(HANDOVER), P(ENGAGEMENT),
      .lead.staff_id = COLLEAGUE},
     DENY, "lead_not_assigned", "C4.1"},
    {"platform ops dispatches to an active firm",
     {BASE, R(PLATFORM_OPS), ACT(ASSIGN), P(CONSULTATION),
      .target.firm_id = OTHER_FIRM, .target.staff_id = 0},
     ALLOW},
    {"platform ops dispatches to a restricted firm",
     {BASE, R(PLATFORM_OPS), ACT(HANDOVER), P(COMPLAINT),
      .target.firm_id = OTHER_FIRM,
      .target.firm_status = LX_POLICY_FIRM_RESTRICTED},
     ALLOW},
    {"no dispatch to a firm with distribution suspended",
     {BASE, R(PLATFORM_OPS), ACT(ASSIGN), P(CONSULTATION),
      .target.firm_id = OTHER_FIRM,
      .target.firm_status = LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED},
     DENY, "target_firm_not_accepting", "C8.1"},
    {"no dispatch to a terminated firm",
     {BASE, R(PLATFORM_ADMIN), ACT(HANDOVER), P(CONSULTATION),
      .target.firm_status = LX_POLICY_FIRM_TERMINATED},
     DENY, "target_firm_not_accepting", "C8.1"},
    {"dispatch target status unknown",
     {BASE, R(PLATFORM_OPS), ACT(ASSIGN), P(CONSULTATION),
      .target.firm_status = 0},
     DENY, "unknown_target_status", "C8.1"},
    {"dispatch to no firm", {BASE, R(PLATFORM_OPS), ACT(ASSIGN),
                             P(CONSULTATION), .target.firm_id = 0},
     DENY, "unknown_target", "C4.3"},

    /* --- grant approval: separation of duties (C2.4, C4.1) --- */
    {"firm admin approves a colleague's grant",
     {BASE, R(FIRM_ADMIN), ACT(APPROVE_GRANT), P(CONSULTATION)}, ALLOW},
    {"firm admin cannot approve its own grant",
     {BASE, R(FIRM_ADMIN), ACT(APPROVE_GRANT), P(CONSULTATION),
      .grantee.staff_id = ACTOR},
     DENY, "self_approval", "C2.4"},
    {"grant approval without grantee",
     {BASE, R(FIRM_ADMIN), ACT(APPROVE_GRANT), P(CONSULTATION),
      .grantee.staff_id = 0},
     DENY, "unknown_grantee", "C2.4"},
    {"firm admin approves nobody outside its firm",
     {BASE, R(FIRM_ADMIN), ACT(APPROVE_GRANT), P(CONSULTATION),
      .grantee.firm_id = OTHER_FIRM},
     DENY, "grantee_outside_firm", "C4.1"},
    {"platform admin approves platform staff",
     {BASE, R(PLATFORM_ADMIN), ACT(APPROVE_GRANT), P(LEGAL_DUTY),
      .grantee.firm_id = 0},
     ALLOW},
    {"platform admin cannot approve its own grant",
     {BASE, R(PLATFORM_ADMIN), ACT(APPROVE_GRANT), P(LEGAL_DUTY),
      .grantee.staff_id = ACTOR, .grantee.firm_id = 0},
     DENY, "self_approval", "C2.4"},
    {"grant approval needs current training",
     {BASE, R(FIRM_ADMIN), ACT(APPROVE_GRANT), P(CONSULTATION),
      .actor.training_expires_ms = NOW},
     DENY, "not_trained", "C4.2"},

    /* --- users reach only their own records (C2.1, C2.2) --- */
    {"user views own lead", {BASE, R(USER), ACT(VIEW_MASKED), P(CONSULTATION)},
     LX_POLICY_ALLOW, "own_data", "C2.1"},
    {"user reveals own field without training or grant",
     {BASE, R(USER), ACT(REVEAL_FIELD), P(CONSULTATION),
      .actor.training_expires_ms = 0, .lead.field = LX_POLICY_FIELD_SENSITIVE,
      .grant.staff_id = 0},
     LX_POLICY_ALLOW, "own_data", "C2.1"},
    {"user messages on own lead",
     {BASE, R(USER), ACT(MESSAGE), P(COMMUNICATION)},
     LX_POLICY_ALLOW, "own_data", "C2.1"},
    {"user reads own access history",
     {BASE, R(USER), ACT(READ_AUDIT), P(LEGAL_DUTY)},
     LX_POLICY_ALLOW, "own_data", "C2.1"},
    {"user exports own data", {BASE, R(USER), ACT(EXPORT), P(LEGAL_DUTY)},
     LX_POLICY_ALLOW, "own_data", "C2.1"},
    {"user does not reach another user's lead",
     {BASE, R(USER), ACT(VIEW_MASKED), P(CONSULTATION), .lead.user_id = 99},
     DENY, "not_own_data", "C2.2"},
    {"user lead owner unknown",
     {BASE, R(USER), ACT(VIEW_MASKED), P(CONSULTATION), .lead.user_id = 0},
     DENY, "not_own_data", "C2.2"},
    {"user with no lead", {BASE, R(USER), ACT(READ_AUDIT), P(COMPLAINT),
                           .lead.id = 0},
     DENY, "unknown_lead", "C4.1"},
    {"user does not call", {BASE, R(USER), ACT(CALL), P(COMMUNICATION)},
     DENY, "role_not_permitted", "C4.1"},
    {"user does not delete directly",
     {BASE, R(USER), ACT(DELETE), P(LEGAL_DUTY)},
     DENY, "role_not_permitted", "C4.1"},
};

/* clang-format on */

#define N_CASES (sizeof cases / sizeof cases[0])

/* Every scalar fact, for the monotonicity property. */
struct field {
    const char *name;
    size_t off;
    size_t size;
};

/* clang-format off */
#define F(m) \
    {#m, offsetof(struct lx_policy_facts, m), \
     sizeof(((struct lx_policy_facts *)0)->m)}
/* clang-format on */

static const struct field fields[] = {
    F(now_ms),
    F(action),
    F(purpose),
    F(access_id),
    F(actor.role),
    F(actor.id),
    F(actor.firm_id),
    F(actor.firm_status),
    F(actor.training_expires_ms),
    F(actor.licence_verified),
    F(lead.id),
    F(lead.state),
    F(lead.firm_id),
    F(lead.staff_id),
    F(lead.user_id),
    F(lead.subject),
    F(lead.field),
    F(grant.staff_id),
    F(grant.approver_id),
    F(grant.expires_ms),
    F(minor_approval.access_id),
    F(minor_approval.staff_id),
    F(minor_approval.approver_id),
    F(minor_approval.expires_ms),
    F(target.staff_id),
    F(target.firm_id),
    F(target.firm_status),
    F(target.training_expires_ms),
    F(grantee.staff_id),
    F(grantee.firm_id),
};

#define N_FIELDS (sizeof fields / sizeof fields[0])

static void
zero_field(struct lx_policy_facts *f, const struct field *fd)
{
    memset((char *)f + fd->off, 0, fd->size);
}

static struct lx_policy_decision
decide(const struct lx_policy_facts *f)
{
    struct lx_policy_decision d;

    memset(&d, 0xa5, sizeof d); /* decide() must write every member */
    lx_policy_decide(f, &d);
    return d;
}

/* Check decide() against explain() and the shape of every decision. */
static void
check_consistent(const struct lx_policy_facts *f, const char *what)
{
    struct lx_policy_decision d = decide(f);
    struct lx_policy_trace tr;
    unsigned i;
    unsigned j;

    if (d.reason == NULL || d.clause == NULL || d.clause[0] != 'C' ||
        (d.verdict != LX_POLICY_ALLOW && d.verdict != LX_POLICY_DENY)) {
        fail_msg("%s: malformed decision", what);
    }
    memset(&tr, 0xa5, sizeof tr);
    lx_policy_explain(f, &tr);
    if (tr.decision.verdict != d.verdict || tr.decision.rule != d.rule ||
        strcmp(tr.decision.reason, d.reason) != 0 ||
        strcmp(tr.decision.clause, d.clause) != 0) {
        fail_msg("%s: explain and decide disagree", what);
    }
    if (tr.n == 0 || tr.n > LX_POLICY_RULE_COUNT) {
        fail_msg("%s: trace length %u", what, tr.n);
    }
    /* The last step decided; all before it passed; no rule twice. */
    if (tr.steps[tr.n - 1].rule != d.rule ||
        tr.steps[tr.n - 1].passed != (d.verdict == LX_POLICY_ALLOW)) {
        fail_msg("%s: last trace step is not the deciding rule", what);
    }
    for (i = 0; i < tr.n; i++) {
        if (i + 1 < tr.n && !tr.steps[i].passed) {
            fail_msg("%s: failed step before the end", what);
        }
        for (j = i + 1; j < tr.n; j++) {
            if (tr.steps[i].rule == tr.steps[j].rule) {
                fail_msg("%s: rule %s twice", what,
                         lx_policy_rule_name(tr.steps[i].rule));
            }
        }
        if (i > 0 && tr.steps[i].rule <= tr.steps[i - 1].rule) {
            fail_msg("%s: rules out of order", what);
        }
    }
    if (d.verdict == LX_POLICY_ALLOW && d.rule != LX_POLICY_RULE_ALLOW) {
        fail_msg("%s: allow not decided by the allow rule", what);
    }
}

static void
test_cases(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < N_CASES; i++) {
        const struct row *c = &cases[i];
        struct lx_policy_decision d = decide(&c->f);

        if (d.verdict != c->verdict || strcmp(d.reason, c->reason) != 0 ||
            strcmp(d.clause, c->clause) != 0) {
            fail_msg("case '%s': got %s %s %s, want %s %s %s", c->name,
                     lx_policy_verdict_name(d.verdict), d.reason, d.clause,
                     lx_policy_verdict_name(c->verdict), c->reason, c->clause);
        }
        check_consistent(&c->f, c->name);
    }
}

static void
test_null_and_zero(void **state)
{
    struct lx_policy_facts zero = {0};
    struct lx_policy_decision d = decide(NULL);
    struct lx_policy_trace tr;

    (void)state;
    assert_int_equal(d.verdict, LX_POLICY_DENY);
    assert_string_equal(d.reason, "no_facts");
    lx_policy_explain(NULL, &tr);
    assert_int_equal(tr.decision.verdict, LX_POLICY_DENY);
    assert_int_equal(tr.n, 0);

    d = decide(&zero);
    assert_int_equal(d.verdict, LX_POLICY_DENY);
    assert_int_equal(d.rule, LX_POLICY_RULE_ACTION_KNOWN);

    /* An all-zero decision is itself a deny. */
    assert_int_equal(LX_POLICY_DENY, 0);
}

/* ---- matrices -------------------------------------------------------- */

#define PU(x) (1u << LX_POLICY_PURPOSE_##x)
#define EX_ALL                                                                 \
    (PU(CONSULTATION) | PU(COMMUNICATION) | PU(ENGAGEMENT) | PU(COMPLAINT) |   \
     PU(LEGAL_DUTY))
#define EX_SERVICE                                                             \
    (PU(CONSULTATION) | PU(COMMUNICATION) | PU(ENGAGEMENT) | PU(COMPLAINT))

/* clang-format off */
/* docs/policy.md, "Purposes per action". */
static const unsigned expect_action_purposes[LX_POLICY_ACTION_COUNT] = {
    [LX_POLICY_ACTION_VIEW_MASKED] = EX_ALL,
    [LX_POLICY_ACTION_REVEAL_FIELD] = EX_ALL,
    [LX_POLICY_ACTION_MESSAGE] = EX_SERVICE,
    [LX_POLICY_ACTION_CALL] = EX_SERVICE,
    [LX_POLICY_ACTION_QUOTE] = PU(CONSULTATION) | PU(ENGAGEMENT),
    [LX_POLICY_ACTION_CLAIM] = PU(CONSULTATION),
    [LX_POLICY_ACTION_ASSIGN] = EX_SERVICE,
    [LX_POLICY_ACTION_HANDOVER] = EX_SERVICE,
    [LX_POLICY_ACTION_EXPORT] = PU(LEGAL_DUTY),
    [LX_POLICY_ACTION_DELETE] = PU(LEGAL_DUTY),
    [LX_POLICY_ACTION_READ_AUDIT] = PU(COMPLAINT) | PU(LEGAL_DUTY),
    [LX_POLICY_ACTION_APPROVE_GRANT] = EX_ALL,
    [LX_POLICY_ACTION_READ_FIRM_AUDIT] = PU(COMPLAINT) | PU(LEGAL_DUTY),
};

/*
 * docs/policy.md, "Roles and actions". Columns in action order: view_masked
 * reveal_field message call quote claim assign handover export delete
 * read_audit approve_grant read_firm_audit. 'A' allowed for every purpose
 * of the action,
 * 'L' only for legal_duty; a lower-case letter is a deny and its reason:
 * r role_not_permitted C4.1, l not_licensed_lawyer C5.7, x export_forbidden
 * C2.3, X export_forbidden C2.2, p least_privilege C4.1, a auditor_read_only
 * C4.1, s separation_of_duties C4.1.
 */
static const char *const expect_roles[LX_POLICY_ROLE_COUNT] = {
    [LX_POLICY_ROLE_FIRM_ADMIN] = "AAlllAAAxAAAA",
    [LX_POLICY_ROLE_LAWYER] = "AAAAAArAxrrrr",
    [LX_POLICY_ROLE_ASSISTANT] = "AAllllrAxrrrr",
    [LX_POLICY_ROLE_CUSTOMER_SERVICE] = "Arllllrrxrrrr",
    [LX_POLICY_ROLE_ADMIN_STAFF] = "Arllllrrxrrrr",
    [LX_POLICY_ROLE_PLATFORM_ADMIN] = "ALlllpAAXAsAp",
    [LX_POLICY_ROLE_PLATFORM_OPS] = "AplllpAAXpppp",
    [LX_POLICY_ROLE_PLATFORM_COMPLIANCE] = "AaaaaaaaXaAap",
    [LX_POLICY_ROLE_PLATFORM_SECURITY] = "pplllpppXpApp",
    [LX_POLICY_ROLE_USER] = "AAArrrrrArArr",
};

/*
 * docs/policy.md, "Firm status". Same columns. 'A' open, 'O' open for
 * ordinary fields of adults only, 'C' complaint and legal_duty only, 'c' the
 * same and ordinary only, 'P' complaint only, 'L' legal_duty only, '-'
 * closed.
 */
static const char *const expect_status[LX_POLICY_FIRM_COUNT] = {
    [LX_POLICY_FIRM_ACTIVE] = "AAAAAAAAAAAAA",
    [LX_POLICY_FIRM_RESTRICTED] = "AOAAAAAAAAA-A",
    [LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED] = "AOAAA-AAAAA-A",
    [LX_POLICY_FIRM_COOPERATION_SUSPENDED] = "CcP------LC-C",
    [LX_POLICY_FIRM_TERMINATING] = "C--------LC-C",
    [LX_POLICY_FIRM_TERMINATED] = "-------------",
};

static const char *const expect_status_reason[LX_POLICY_FIRM_COUNT] = {
    [LX_POLICY_FIRM_RESTRICTED] = "firm_restricted C8.1",
    [LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED] = "distribution_suspended C8.1",
    [LX_POLICY_FIRM_COOPERATION_SUSPENDED] = "cooperation_suspended C8.1",
    [LX_POLICY_FIRM_TERMINATING] = "firm_terminating C7.1",
    [LX_POLICY_FIRM_TERMINATED] = "firm_terminated C7.1",
};

/* clang-format on */

static const char *
deny_code(char c)
{
    switch (c) {
    case 'r':
        return "role_not_permitted C4.1";
    case 'l':
        return "not_licensed_lawyer C5.7";
    case 'x':
        return "export_forbidden C2.3";
    case 'X':
        return "export_forbidden C2.2";
    case 'p':
        return "least_privilege C4.1";
    case 'a':
        return "auditor_read_only C4.1";
    case 's':
        return "separation_of_duties C4.1";
    default:
        return "?";
    }
}

static unsigned
status_purposes(char c)
{
    switch (c) {
    case 'A':
    case 'O':
        return EX_ALL;
    case 'C':
    case 'c':
        return PU(COMPLAINT) | PU(LEGAL_DUTY);
    case 'P':
        return PU(COMPLAINT);
    case 'L':
        return PU(LEGAL_DUTY);
    default:
        return 0;
    }
}

/* Ideal facts for one role, action and purpose. */
static struct lx_policy_facts
ideal(enum lx_policy_role r, enum lx_policy_action a, enum lx_policy_purpose p)
{
    struct lx_policy_facts f = {BASE};

    f.actor.role = r;
    f.action = a;
    f.purpose = p;
    if (a == LX_POLICY_ACTION_CLAIM) {
        f.lead.state = LX_POLICY_LEAD_OFFERED;
    }
    return f;
}

static void
test_role_action_matrix(void **state)
{
    unsigned r;
    unsigned a;
    unsigned p;
    char what[96];
    char got[64];

    (void)state;
    for (r = 1; r < LX_POLICY_ROLE_COUNT; r++) {
        assert_non_null(expect_roles[r]);
        assert_int_equal(strlen(expect_roles[r]), LX_POLICY_ACTION_COUNT - 1);
        for (a = 1; a < LX_POLICY_ACTION_COUNT; a++) {
            char cell = expect_roles[r][a - 1];
            for (p = 1; p < LX_POLICY_PURPOSE_COUNT; p++) {
                struct lx_policy_facts f = ideal(r, a, p);
                struct lx_policy_decision d = decide(&f);
                const char *want;

                snprintf(what, sizeof what, "%s %s %s", lx_policy_role_name(r),
                         lx_policy_action_name(a), lx_policy_purpose_name(p));
                snprintf(got, sizeof got, "%s %s", d.reason, d.clause);
                if (!(expect_action_purposes[a] & (1u << p))) {
                    want = "purpose_not_for_action C2.1";
                } else if (cell == 'A') {
                    want = r == LX_POLICY_ROLE_USER ? "own_data C2.1"
                                                    : "allowed C2.1";
                } else if (cell == 'L') {
                    want = p == LX_POLICY_PURPOSE_LEGAL_DUTY
                               ? "allowed C2.1"
                               : "purpose_not_for_role C2.1";
                } else {
                    want = deny_code(cell);
                }
                if (strcmp(got, want) != 0 ||
                    (d.verdict == LX_POLICY_ALLOW) !=
                        (strncmp(want, "allowed", 7) == 0 ||
                         strncmp(want, "own_data", 8) == 0)) {
                    fail_msg("%s: got %s, want %s", what, got, want);
                }
                check_consistent(&f, what);
            }
        }
    }
}

static void
test_status_action_matrix(void **state)
{
    unsigned r;
    unsigned s;
    unsigned a;
    unsigned p;
    int sensitive;
    char what[128];
    char got[64];

    (void)state;
    for (r = LX_POLICY_ROLE_FIRM_ADMIN; r <= LX_POLICY_ROLE_ADMIN_STAFF; r++) {
        for (s = 1; s < LX_POLICY_FIRM_COUNT; s++) {
            assert_int_equal(strlen(expect_status[s]),
                             LX_POLICY_ACTION_COUNT - 1);
            for (a = 1; a < LX_POLICY_ACTION_COUNT; a++) {
                char rc = expect_roles[r][a - 1];
                char sc = expect_status[s][a - 1];
                for (p = 1; p < LX_POLICY_PURPOSE_COUNT; p++) {
                    for (sensitive = 0; sensitive < 2; sensitive++) {
                        struct lx_policy_facts f = ideal(r, a, p);
                        struct lx_policy_decision d;
                        const char *want;
                        bool role_ok = rc == 'A';
                        bool status_ok =
                            (status_purposes(sc) & (1u << p)) &&
                            !(sensitive && (sc == 'O' || sc == 'c'));

                        f.actor.firm_status = s;
                        if (sensitive) {
                            f.lead.field = LX_POLICY_FIELD_SENSITIVE;
                        }
                        d = decide(&f);
                        snprintf(what, sizeof what, "%s %s %s %s%s",
                                 lx_policy_role_name(r),
                                 lx_policy_firm_status_name(s),
                                 lx_policy_action_name(a),
                                 lx_policy_purpose_name(p),
                                 sensitive ? " sensitive" : "");
                        snprintf(got, sizeof got, "%s %s", d.reason, d.clause);
                        if (!(expect_action_purposes[a] & (1u << p)) ||
                            !role_ok) {
                            if (d.verdict != LX_POLICY_DENY) {
                                fail_msg("%s: allowed", what);
                            }
                            continue;
                        }
                        want = status_ok ? "allowed C2.1"
                                         : expect_status_reason[s];
                        if (strcmp(got, want) != 0) {
                            fail_msg("%s: got %s, want %s", what, got, want);
                        }
                        check_consistent(&f, what);
                    }
                }
            }
        }
    }
}

/* ---- unknown enum values --------------------------------------------- */

static void
test_unknown_enums(void **state)
{
    static const int bad[] = {-1, 255, 1000, 0x7fffffff};
    struct lx_policy_facts base =
        ideal(LX_POLICY_ROLE_LAWYER, LX_POLICY_ACTION_REVEAL_FIELD,
              LX_POLICY_PURPOSE_CONSULTATION);
    struct lx_policy_facts disp =
        ideal(LX_POLICY_ROLE_PLATFORM_OPS, LX_POLICY_ACTION_ASSIGN,
              LX_POLICY_PURPOSE_CONSULTATION);
    size_t i;
    int k;

    (void)state;
    assert_int_equal(decide(&base).verdict, LX_POLICY_ALLOW);
    assert_int_equal(decide(&disp).verdict, LX_POLICY_ALLOW);
    for (k = -1; k < (int)(sizeof bad / sizeof bad[0]); k++) {
        struct lx_policy_facts f;
        int v;

#define TRY(facts, member, count, want_reason)                                 \
    do {                                                                       \
        v = k < 0 ? (int)(count) : bad[k];                                     \
        f = (facts);                                                           \
        memcpy(&f.member, &v, sizeof f.member);                                \
        struct lx_policy_decision d_ = decide(&f);                             \
        if (d_.verdict != LX_POLICY_DENY ||                                    \
            strcmp(d_.reason, (want_reason)) != 0) {                           \
            fail_msg("%s = %d: got %s", #member, v, d_.reason);                \
        }                                                                      \
        check_consistent(&f, #member);                                         \
    } while (0)

        TRY(base, action, LX_POLICY_ACTION_COUNT, "unknown_action");
        TRY(base, purpose, LX_POLICY_PURPOSE_COUNT, "no_purpose");
        TRY(base, actor.role, LX_POLICY_ROLE_COUNT, "unknown_role");
        TRY(base, actor.firm_status, LX_POLICY_FIRM_COUNT,
            "unknown_firm_status");
        TRY(base, lead.state, LX_POLICY_LEAD_STATE_COUNT, "unknown_lead_state");
        TRY(base, lead.subject, LX_POLICY_SUBJECT_COUNT, "unknown_subject");
        TRY(base, lead.field, LX_POLICY_FIELD_COUNT, "unknown_field_class");
        TRY(disp, target.firm_status, LX_POLICY_FIRM_COUNT,
            "unknown_target_status");
#undef TRY
    }
    /* Out-of-range values print as "invalid" and never index a table. */
    assert_string_equal(lx_policy_rule_name(LX_POLICY_RULE_COUNT), "invalid");
    assert_string_equal(lx_policy_rule_clause(LX_POLICY_RULE_COUNT), "");
    for (i = 0; i < LX_POLICY_RULE_COUNT; i++) {
        assert_string_not_equal(lx_policy_rule_name(i), "invalid");
    }
}

/* ---- monotonicity ---------------------------------------------------- */

static unsigned long n_checked;
static unsigned long n_allowed;

/* Forgetting any one fact never turns a deny into an allow; and when an
 * allowed decision stays allowed, the fact was not one the decision needs. */
static void
check_monotone(const struct lx_policy_facts *f, const char *what)
{
    struct lx_policy_decision d0 = decide(f);
    enum lx_policy_role r = f->actor.role;
    enum lx_policy_action a = f->action;
    size_t i;

    if (d0.verdict == LX_POLICY_ALLOW) {
        n_allowed++;
    }
    for (i = 0; i < N_FIELDS; i++) {
        struct lx_policy_facts g = *f;
        struct lx_policy_decision d1;
        const char *n = fields[i].name;
        bool needed;

        zero_field(&g, &fields[i]);
        d1 = decide(&g);
        n_checked++;
        if (d0.verdict == LX_POLICY_DENY && d1.verdict == LX_POLICY_ALLOW) {
            fail_msg("%s: forgetting %s turned %s into allow", what, n,
                     d0.reason);
        }
        if (d0.verdict != LX_POLICY_ALLOW) {
            continue;
        }
        needed = strcmp(n, "now_ms") == 0 || strcmp(n, "action") == 0 ||
                 strcmp(n, "purpose") == 0 || strcmp(n, "actor.role") == 0 ||
                 strcmp(n, "actor.id") == 0;
        if (r != LX_POLICY_ROLE_USER) {
            needed = needed || strcmp(n, "actor.training_expires_ms") == 0;
        }
        if (lx_policy_role_is_firm(r)) {
            needed =
                needed || strcmp(n, "actor.firm_id") == 0 ||
                strcmp(n, "actor.firm_status") == 0 ||
                (a != LX_POLICY_ACTION_APPROVE_GRANT &&
                 a != LX_POLICY_ACTION_READ_FIRM_AUDIT &&
                 (strcmp(n, "lead.id") == 0 || strcmp(n, "lead.state") == 0 ||
                  strcmp(n, "lead.firm_id") == 0));
        }
        if (r == LX_POLICY_ROLE_USER) {
            needed = needed || strcmp(n, "lead.id") == 0 ||
                     strcmp(n, "lead.user_id") == 0;
        }
        if (a == LX_POLICY_ACTION_REVEAL_FIELD && r != LX_POLICY_ROLE_USER) {
            needed = needed || strcmp(n, "lead.field") == 0 ||
                     strcmp(n, "lead.subject") == 0;
        }
        if (needed && d1.verdict != LX_POLICY_DENY) {
            fail_msg("%s: still allowed without %s", what, n);
        }
    }
}

/* xorshift64*: deterministic, so a failure can be replayed. */
static uint64_t
next_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* Put a value from a small, rule-relevant set into one field. */
static void
perturb(struct lx_policy_facts *f, const struct field *fd, uint64_t x)
{
    static const int64_t times[] = {0, NOW - 1, NOW, NOW + 1, NOW + DAY, -1};
    static const uint64_t ids[] = {0,    ACTOR,      APPROVER, COLLEAGUE,
                                   FIRM, OTHER_FIRM, ACCESS,   LEAD};
    char *p = (char *)f + fd->off;

    if (fd->size == sizeof(int64_t) && strstr(fd->name, "_ms") != NULL) {
        int64_t v = times[x % (sizeof times / sizeof times[0])];
        memcpy(p, &v, sizeof v);
    } else if (fd->size == sizeof(uint64_t)) {
        uint64_t v = ids[x % (sizeof ids / sizeof ids[0])];
        memcpy(p, &v, sizeof v);
    } else if (fd->size == sizeof(bool)) {
        bool v = (x & 1) != 0;
        memcpy(p, &v, sizeof v);
    } else {
        int v = (int)(x % 14) - 1; /* every enum's range and beyond */
        memcpy(p, &v, sizeof v);
    }
}

static void
test_monotone(void **state)
{
    uint64_t seed = UINT64_C(0x9e3779b97f4a7c15);
    unsigned r;
    unsigned a;
    unsigned p;
    size_t i;
    int k;

    (void)state;
    n_checked = 0;
    n_allowed = 0;
    for (i = 0; i < N_CASES; i++) {
        check_monotone(&cases[i].f, cases[i].name);
    }
    for (r = 1; r < LX_POLICY_ROLE_COUNT; r++) {
        for (a = 1; a < LX_POLICY_ACTION_COUNT; a++) {
            for (p = 1; p < LX_POLICY_PURPOSE_COUNT; p++) {
                struct lx_policy_facts f = ideal(r, a, p);
                check_monotone(&f, "matrix");
                f.lead.subject = LX_POLICY_SUBJECT_MINOR;
                f.lead.field = LX_POLICY_FIELD_SENSITIVE;
                check_monotone(&f, "matrix minor sensitive");
            }
        }
    }
    /* Near misses: an ideal case with one to three facts perturbed. */
    for (k = 0; k < 20000; k++) {
        struct lx_policy_facts f;
        int m;
        int nm;

        r = 1 + (unsigned)(next_rand(&seed) % (LX_POLICY_ROLE_COUNT - 1));
        a = 1 + (unsigned)(next_rand(&seed) % (LX_POLICY_ACTION_COUNT - 1));
        p = 1 + (unsigned)(next_rand(&seed) % (LX_POLICY_PURPOSE_COUNT - 1));
        f = ideal(r, a, p);
        nm = 1 + (int)(next_rand(&seed) % 3);
        for (m = 0; m < nm; m++) {
            uint64_t x = next_rand(&seed);
            perturb(&f, &fields[x % N_FIELDS], x >> 16);
        }
        check_monotone(&f, "perturbed");
        check_consistent(&f, "perturbed");
    }
    /* The walk must have met both verdicts plenty of times. */
    assert_true(n_allowed > 1000);
    assert_true(n_checked > 100000);
}

/* ---- names ----------------------------------------------------------- */

static void
test_names(void **state)
{
    unsigned v;

    (void)state;
#define ROUND_TRIP(kind, count, type, zero_name)                               \
    do {                                                                       \
        type out_;                                                             \
        assert_string_equal(lx_policy_##kind##_name(0), zero_name);            \
        assert_string_equal(lx_policy_##kind##_name((type)(count)),            \
                            "invalid");                                        \
        assert_false(lx_policy_##kind##_parse(zero_name, &out_));              \
        assert_int_equal(out_, 0);                                             \
        assert_false(lx_policy_##kind##_parse(NULL, &out_));                   \
        assert_false(lx_policy_##kind##_parse("", &out_));                     \
        assert_false(lx_policy_##kind##_parse("invalid", &out_));              \
        for (v = 1; v < (count); v++) {                                        \
            const char *n_ = lx_policy_##kind##_name((type)v);                 \
            char up_[64];                                                      \
            assert_true(lx_policy_##kind##_parse(n_, &out_));                  \
            assert_int_equal(out_, v);                                         \
            snprintf(up_, sizeof up_, "%s ", n_);                              \
            assert_false(lx_policy_##kind##_parse(up_, &out_));                \
            assert_int_equal(out_, 0);                                         \
        }                                                                      \
    } while (0)

    ROUND_TRIP(purpose, LX_POLICY_PURPOSE_COUNT, enum lx_policy_purpose,
               "none");
    ROUND_TRIP(action, LX_POLICY_ACTION_COUNT, enum lx_policy_action, "none");
    ROUND_TRIP(role, LX_POLICY_ROLE_COUNT, enum lx_policy_role, "none");
    ROUND_TRIP(firm_status, LX_POLICY_FIRM_COUNT, enum lx_policy_firm_status,
               "unknown");
    ROUND_TRIP(subject, LX_POLICY_SUBJECT_COUNT, enum lx_policy_subject,
               "unknown");
    ROUND_TRIP(field, LX_POLICY_FIELD_COUNT, enum lx_policy_field, "unknown");
    ROUND_TRIP(lead_state, LX_POLICY_LEAD_STATE_COUNT,
               enum lx_policy_lead_state, "unknown");
#undef ROUND_TRIP

    /* The exact spellings the CLI and the issue use. */
    {
        enum lx_policy_purpose p;
        enum lx_policy_action a;
        enum lx_policy_role r;
        enum lx_policy_firm_status s;

        assert_true(lx_policy_purpose_parse("legal_duty", &p));
        assert_int_equal(p, LX_POLICY_PURPOSE_LEGAL_DUTY);
        assert_false(lx_policy_purpose_parse("Consultation", &p));
        assert_false(lx_policy_purpose_parse("marketing", &p));
        assert_true(lx_policy_action_parse("read_audit", &a));
        assert_int_equal(a, LX_POLICY_ACTION_READ_AUDIT);
        assert_true(lx_policy_role_parse("customer_service", &r));
        assert_int_equal(r, LX_POLICY_ROLE_CUSTOMER_SERVICE);
        assert_true(lx_policy_role_parse("platform_compliance", &r));
        assert_int_equal(r, LX_POLICY_ROLE_PLATFORM_COMPLIANCE);
        assert_true(lx_policy_firm_status_parse("distribution_suspended", &s));
        assert_int_equal(s, LX_POLICY_FIRM_DISTRIBUTION_SUSPENDED);
    }
    assert_string_equal(lx_policy_verdict_name(LX_POLICY_ALLOW), "allow");
    assert_string_equal(lx_policy_verdict_name(LX_POLICY_DENY), "deny");
    assert_string_equal(lx_policy_rule_name(LX_POLICY_RULE_TRAINED), "trained");
    assert_string_equal(lx_policy_rule_clause(LX_POLICY_RULE_TRAINED), "C4.2");
    assert_true(lx_policy_role_is_firm(LX_POLICY_ROLE_ADMIN_STAFF));
    assert_false(lx_policy_role_is_firm(LX_POLICY_ROLE_PLATFORM_ADMIN));
    assert_false(lx_policy_role_is_firm(LX_POLICY_ROLE_USER));
    assert_true(lx_policy_role_is_platform(LX_POLICY_ROLE_PLATFORM_SECURITY));
    assert_false(lx_policy_role_is_platform(LX_POLICY_ROLE_USER));
    assert_false(lx_policy_role_is_platform(LX_POLICY_ROLE_NONE));
}

/* An explain trace names the rules a reader needs: here, a sensitive reveal
 * by a lawyer walks every rule up to the grant, then allows. */
static void
test_explain_trace(void **state)
{
    struct lx_policy_facts f =
        ideal(LX_POLICY_ROLE_LAWYER, LX_POLICY_ACTION_REVEAL_FIELD,
              LX_POLICY_PURPOSE_CONSULTATION);
    static const enum lx_policy_rule want[] = {
        LX_POLICY_RULE_ACTION_KNOWN,
        LX_POLICY_RULE_PURPOSE_KNOWN,
        LX_POLICY_RULE_PURPOSE_FITS_ACTION,
        LX_POLICY_RULE_ROLE_KNOWN,
        LX_POLICY_RULE_ACTOR_KNOWN,
        LX_POLICY_RULE_CLOCK_KNOWN,
        LX_POLICY_RULE_ROLE_PERMITS,
        LX_POLICY_RULE_TRAINED,
        LX_POLICY_RULE_FIRM_KNOWN,
        LX_POLICY_RULE_FIRM_STATUS,
        LX_POLICY_RULE_LEAD_KNOWN,
        LX_POLICY_RULE_LEAD_IN_SCOPE,
        LX_POLICY_RULE_LEAD_ASSIGNED,
        LX_POLICY_RULE_SUBJECT_KNOWN,
        LX_POLICY_RULE_FIELD_KNOWN,
        LX_POLICY_RULE_SENSITIVE_GRANT,
        LX_POLICY_RULE_ALLOW,
    };
    struct lx_policy_trace tr;
    unsigned i;

    (void)state;
    f.lead.field = LX_POLICY_FIELD_SENSITIVE;
    lx_policy_explain(&f, &tr);
    assert_int_equal(tr.decision.verdict, LX_POLICY_ALLOW);
    assert_int_equal(tr.n, sizeof want / sizeof want[0]);
    for (i = 0; i < tr.n; i++) {
        assert_int_equal(tr.steps[i].rule, want[i]);
        assert_true(tr.steps[i].passed);
    }

    f.grant.expires_ms = f.now_ms;
    lx_policy_explain(&f, &tr);
    assert_int_equal(tr.decision.verdict, LX_POLICY_DENY);
    assert_int_equal(tr.decision.rule, LX_POLICY_RULE_SENSITIVE_GRANT);
    assert_int_equal(tr.n, sizeof want / sizeof want[0] - 1);
    assert_false(tr.steps[tr.n - 1].passed);
    assert_string_equal(lx_policy_rule_name(tr.steps[tr.n - 1].rule),
                        "sensitive_grant");
}

/* ---- docs/policy.md agrees with the expectations above --------------- */

/* Split a markdown table row "| a | b |" into trimmed cells, in place. */
static int
split_row(char *line, char **cells, int max)
{
    int n = 0;
    char *p = line;

    if (*p != '|') {
        return 0;
    }
    p++;
    while (*p != '\0' && *p != '\n' && n < max) {
        char *end = strchr(p, '|');
        char *s = p;
        char *e;

        if (end == NULL) {
            break;
        }
        *end = '\0';
        while (*s == ' ') {
            s++;
        }
        e = s + strlen(s);
        while (e > s && e[-1] == ' ') {
            *--e = '\0';
        }
        cells[n++] = s;
        p = end + 1;
    }
    return n;
}

static void
test_docs_tables(void **state)
{
    const char *src = getenv("LEXGATE_SRC");
    char path[1024];
    char line[1024];
    FILE *fp;
    int section = 0; /* 1 purposes table, 2 roles table */
    unsigned roles_seen = 0;
    unsigned actions_seen = 0;

    (void)state;
    if (src == NULL) {
        skip();
    }
    snprintf(path, sizeof path, "%s/docs/policy.md", src);
    fp = fopen(path, "r");
    if (fp == NULL) {
        fail_msg("cannot open docs/policy.md");
    }
    while (fgets(line, sizeof line, fp) != NULL) {
        char *cells[16];
        int n;
        unsigned v;

        if (strncmp(line, "| action | consultation |", 25) == 0) {
            section = 1;
            continue;
        }
        if (strncmp(line, "| role | view_masked |", 22) == 0) {
            section = 2;
            continue;
        }
        if (line[0] != '|') {
            section = 0;
            continue;
        }
        n = split_row(line, cells, 16);
        if (section == 1 && n == 6 && strcmp(cells[1], "---") != 0) {
            enum lx_policy_action a;
            unsigned mask = 0;
            int i;

            if (!lx_policy_action_parse(cells[0], &a)) {
                fail_msg("docs: unknown action row '%s'", cells[0]);
            }
            for (i = 1; i <= 5; i++) {
                if (strcmp(cells[i], "yes") == 0) {
                    mask |= 1u << i;
                }
            }
            if (mask != expect_action_purposes[a]) {
                fail_msg("docs: purposes of %s differ", cells[0]);
            }
            actions_seen++;
        } else if (section == 2 && n == LX_POLICY_ACTION_COUNT &&
                   strcmp(cells[1], "---") != 0) {
            enum lx_policy_role r;
            char got[16];

            if (!lx_policy_role_parse(cells[0], &r)) {
                fail_msg("docs: unknown role row '%s'", cells[0]);
            }
            for (v = 1; v < LX_POLICY_ACTION_COUNT; v++) {
                got[v - 1] = strlen(cells[v]) == 1 ? cells[v][0] : '?';
            }
            got[LX_POLICY_ACTION_COUNT - 1] = '\0';
            if (strcmp(got, expect_roles[r]) != 0) {
                fail_msg("docs: role %s is %s, tests expect %s", cells[0], got,
                         expect_roles[r]);
            }
            roles_seen++;
        }
    }
    fclose(fp);
    assert_int_equal(actions_seen, LX_POLICY_ACTION_COUNT - 1);
    assert_int_equal(roles_seen, LX_POLICY_ROLE_COUNT - 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_null_and_zero),
        cmocka_unit_test(test_role_action_matrix),
        cmocka_unit_test(test_status_action_matrix),
        cmocka_unit_test(test_unknown_enums),
        cmocka_unit_test(test_monotone),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_explain_trace),
        cmocka_unit_test(test_docs_tables),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
