/*
 * routes — THE route table of the HTTP API (STYLE.md: lists are tables).
 *
 * One row per method and path template. `lexgate routes` prints it, and
 * tests/cli/t0100-openapi-routes.sh checks it against docs/openapi.yaml,
 * so a row added here without its OpenAPI path fails the build's tests.
 * Rows of one template sit together; the first row of a template is its
 * metrics slot (requests are counted by template, never by raw path).
 */
#include "http/http.h"
#include "http/http_int.h"

#include <string.h>
#include <unistd.h>

const struct lx_http_route http__routes[] = {
    /* method  template             handler           summary */
    {"GET", "/healthz", http__h_healthz, "Liveness: the process answers"},
    {"GET", "/readyz", http__h_readyz, "Readiness: the store is reachable"},
    {"GET", "/metrics", http__h_metrics,
     "Prometheus metrics in the text exposition format"},
    {"GET", "/v1/openapi.yaml", http__h_openapi,
     "This API's OpenAPI 3.1 description"},
    {"POST", "/v1/calendar/deadline", http__h_calendar_deadline,
     "Deadline of a period on the business calendar (C5.1, C6.1)"},
    {"POST", "/v1/auth/sign-in", http__h_signin,
     "Staff sign-in by email and password; returns a session token"},
    {"POST", "/v1/auth/sign-out", http__h_signout,
     "End the presented session"},
    {"POST", "/v1/auth/otp", http__h_otp_request,
     "Send a one-time sign-in code to a user's phone"},
    {"POST", "/v1/auth/otp/verify", http__h_otp_verify,
     "User sign-in with a one-time code; returns a session token"},
    {"GET", "/v1/me", http__h_me, "Who the presented token belongs to"},
    {"GET", "/v1/audit/checkpoint", http__h_audit_checkpoint,
     "The newest signed checkpoint of the audit log (C2SP note, C4.3)"},
    {"GET", "/v1/audit/entries", http__h_audit_entries,
     "Audit entries for compliance staff, or a firm admin's own firm (C4.3)"},
    {"GET", "/v1/sla/deadlines", http__h_sla_deadlines,
     "SLA deadlines by firm and kind, soonest due first (C5.1, C6.1)"},
    {"GET", "/v1/sla/figures", http__h_sla_figures,
     "Per-firm response-time figures of one SLA kind (scorecards)"},
    {"GET", "/v1/sla/breaches", http__h_sla_breaches,
     "Breaches per firm and clause in a period"},
    {"POST", "/v1/api-keys", http__h_apikeys_create,
     "Create an API key for a machine client (shown once)"},
    {"GET", "/v1/firms", http__h_firms_list, "Organisations you may see"},
    {"POST", "/v1/firms", http__h_firms_create, "Register a partner firm"},
    {"GET", "/v1/firms/{id}", http__h_firm_get, "One organisation"},
    {"PATCH", "/v1/firms/{id}", http__h_firm_update,
     "Change a firm's profile, coverage, capacity or contract record"},
    {"DELETE", "/v1/firms/{id}", http__h_firm_delete,
     "Delete a terminated firm"},
    {"POST", "/v1/firms/{id}/status", http__h_firm_status,
     "Move a firm along the C8.1 ladder"},
    {"GET", "/v1/staff", http__h_staff_list, "Staff members you may see"},
    {"POST", "/v1/staff", http__h_staff_create, "Create a staff account"},
    {"GET", "/v1/staff/{id}", http__h_staff_get, "One staff member"},
    {"PATCH", "/v1/staff/{id}", http__h_staff_update,
     "Change a staff member's display name or status"},
    {"DELETE", "/v1/staff/{id}", http__h_staff_delete,
     "Delete a staff account"},
    {"POST", "/v1/staff/{id}/password", http__h_staff_password,
     "Set a staff member's password (ends their other sessions)"},
    {"GET", "/v1/staff/{id}/training", http__h_training_list,
     "Training records of a staff member (C4.2)"},
    {"POST", "/v1/staff/{id}/training", http__h_training_add,
     "Record a passed training course (C4.2)"},
    {"GET", "/v1/staff/{id}/licence", http__h_licence_get,
     "A lawyer's practising licence and its verification (C5.7)"},
    {"PUT", "/v1/staff/{id}/licence", http__h_licence_set,
     "Record a lawyer's licence number (pending verification)"},
    {"POST", "/v1/staff/{id}/licence/verification", http__h_licence_verify,
     "Record the verification of a licence (platform compliance)"},
    {"POST", "/v1/grants", http__h_grants_create,
     "Request a sensitive-data grant for a staff member (C2.4)"},
    {"GET", "/v1/grants/{id}", http__h_grant_get, "One sensitive-data grant"},
    {"DELETE", "/v1/grants/{id}", http__h_grant_revoke,
     "Revoke a sensitive-data grant"},
    {"POST", "/v1/grants/{id}/decision", http__h_grant_decide,
     "Approve or reject a grant (separation of duties, audited)"},
    {"POST", "/v1/approvals", http__h_approvals_create,
     "Ask for one access to a minor's data"},
    {"GET", "/v1/approvals/{id}", http__h_approval_get,
     "One per-access approval"},
    {"POST", "/v1/approvals/{id}/decision", http__h_approval_decide,
     "Approve or reject one access to a minor's data (audited)"},
    {"POST", "/v1/leads", http__h_leads_create,
     "Submit a request for legal help (user or intake API key)"},
    {"GET", "/v1/leads", http__h_leads_list, "Leads you may see, masked"},
    {"GET", "/v1/leads/{id}", http__h_lead_get, "One lead, masked"},
    {"POST", "/v1/leads/{id}/claim", http__h_lead_claim,
     "Claim the lead offered to your firm"},
    {"POST", "/v1/leads/{id}/decline", http__h_lead_decline,
     "Decline the lead offered to your firm, with a reason"},
    {"POST", "/v1/leads/{id}/assign", http__h_lead_assign,
     "Assign a held lead to a staff member (handover record, C4.3)"},
    {"POST", "/v1/leads/{id}/handover", http__h_lead_handover,
     "Hand a held lead to a colleague (handover record, C4.3)"},
    {"POST", "/v1/leads/{id}/acknowledge", http__h_lead_acknowledge,
     "Acknowledge the handover of a lead to you"},
    {"POST", "/v1/leads/{id}/reveal", http__h_lead_reveal,
     "Reveal one contact field for a declared purpose (audited)"},
    {"POST", "/v1/leads/{id}/close", http__h_lead_close,
     "Close a held lead with an outcome"},
    {"POST", "/v1/leads/{id}/return", http__h_lead_return,
     "Return a held lead to the platform with a reason"},
    {"GET", "/v1/leads/{id}/accesses", http__h_lead_accesses,
     "Who accessed the personal data behind a lead (PIPL Art. 44-45)"},
    {"POST", "/v1/leads/{id}/messages", http__h_talk_send,
     "Send a message on a lead (staff messages are screened, C5.2-C5.9)"},
    {"GET", "/v1/leads/{id}/messages", http__h_talk_messages,
     "The conversation of a lead as the reader may see it (audited)"},
    {"POST", "/v1/leads/{id}/optout", http__h_talk_optout,
     "The user asks the firm to stop contacting them (C5.3)"},
    {"POST", "/v1/leads/{id}/quotes", http__h_talk_quote_send,
     "Send a structured fee quote to the lead's user (C5.6)"},
    {"POST", "/v1/leads/{id}/bindings", http__h_talk_bind,
     "Bind a virtual number to call the lead's user (C5.3)"},
    {"GET", "/v1/reviews/messages", http__h_talk_reviews,
     "Messages awaiting platform review, without their text"},
    {"POST", "/v1/reviews/messages/{id}", http__h_talk_review_decide,
     "Confirm or dismiss a flagged message (platform review)"},
    {"PUT", "/v1/staff/{id}/verified-facts", http__h_talk_facts_set,
     "Record what the platform verified about a lawyer (C5.4)"},
    {"GET", "/v1/quotes/{id}", http__h_talk_quote_get,
     "One fee quote with what it allows and what was charged"},
    {"POST", "/v1/quotes/{id}/answer", http__h_talk_quote_answer,
     "The user accepts or rejects a fee quote"},
    {"POST", "/v1/quotes/{id}/revisions", http__h_talk_quote_revise,
     "Propose to raise an accepted quote, with a reason"},
    {"POST", "/v1/revisions/{id}/accept", http__h_talk_revision_accept,
     "The user accepts a quote revision"},
    {"POST", "/v1/quotes/{id}/charges", http__h_talk_charge,
     "Record a charge against a quote (hidden mark-up check, C5.6)"},
    {"POST", "/v1/telephony/events", http__h_telephony_events,
     "Call events from the telephony provider (signed webhook)"},
    {NULL, NULL, NULL, NULL},
};

size_t
http__route_count(void)
{
    static const size_t n = sizeof(http__routes) / sizeof(http__routes[0]) - 1;
    return n;
}

/*
 * Does 'path' match template 't'? Captures {x} segments (non-empty, no
 * '/') as arena copies when 'params' is not NULL.
 */
static bool
tmpl_match(const char *t, const char *path, struct lx_arena *arena,
           const char **params, size_t *nparams)
{
    const char *p = path;
    size_t np = 0;

    while (*t != '\0') {
        if (*t == '{') {
            const char *close = strchr(t, '}');
            size_t seg = strcspn(p, "/");
            if (close == NULL || seg == 0 || np == HTTP_MAX_PARAMS) {
                return false;
            }
            if (params != NULL) {
                params[np] = lx_arena_strndup(arena, p, seg);
            }
            np++;
            t = close + 1;
            p += seg;
            continue;
        }
        if (*t != *p) {
            return false;
        }
        t++;
        p++;
    }
    if (*p != '\0') {
        return false;
    }
    if (nparams != NULL) {
        *nparams = np;
    }
    return true;
}

static bool
method_is(const struct lx_http_route *r, const char *method)
{
    if (strcmp(r->method, method) == 0) {
        return true;
    }
    /* HEAD is GET without the body; libmicrohttpd drops the body. */
    return strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0;
}

/* First row with the same template as row i. */
static int
template_slot(size_t i)
{
    for (size_t j = 0; j < i; j++) {
        if (strcmp(http__routes[j].tmpl, http__routes[i].tmpl) == 0) {
            return (int)j;
        }
    }
    return (int)i;
}

enum http__match
http__route_find(const char *method, const char *path, struct lx_arena *arena,
                 const struct lx_http_route **route, const char **params,
                 size_t *nparams, int *slot, const char **allow)
{
    size_t n = http__route_count();
    int tmpl_row = -1;

    *route = NULL;
    *nparams = 0;
    *slot = (int)n;
    *allow = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct lx_http_route *r = &http__routes[i];
        if (!tmpl_match(r->tmpl, path, NULL, NULL, NULL)) {
            continue;
        }
        if (tmpl_row < 0) {
            tmpl_row = (int)i;
        }
        if (method_is(r, method)) {
            tmpl_match(r->tmpl, path, arena, params, nparams);
            *route = r;
            *slot = template_slot(i);
            return HTTP_MATCH_OK;
        }
    }
    if (tmpl_row < 0) {
        return HTTP_MATCH_NONE;
    }
    {
        /* Allow: every method of the template, GET implying HEAD. */
        struct lx_buf b = LX_BUF_INIT(256);
        const char *tmpl = http__routes[tmpl_row].tmpl;
        for (size_t i = (size_t)tmpl_row; i < n; i++) {
            if (strcmp(http__routes[i].tmpl, tmpl) != 0) {
                continue;
            }
            if (b.len > 0) {
                lx_buf_append_str(&b, ", ");
            }
            lx_buf_append_str(&b, http__routes[i].method);
            if (strcmp(http__routes[i].method, "GET") == 0) {
                lx_buf_append_str(&b, ", HEAD");
            }
        }
        *allow = lx_arena_strdup(arena, lx_buf_peek(&b));
        lx_buf_release(&b);
    }
    *slot = tmpl_row;
    return HTTP_MATCH_METHOD;
}

void
lx_http_routes_write(int fd)
{
    struct lx_buf b = LX_BUF_INIT(64 * 1024);

    for (size_t i = 0; i < http__route_count(); i++) {
        lx_buf_printf(&b, "%s %s\n", http__routes[i].method,
                      http__routes[i].tmpl);
    }
    for (size_t off = 0; off < b.len;) {
        ssize_t w = write(fd, b.p + off, b.len - off);
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    lx_buf_release(&b);
}
