/*
 * leads.c — the lead state machine, names, intake and the read side.
 * Distribution and the firm-side actions are in firm.c; shared helpers in
 * leads_int.h.
 */
#include "leads/leads.h"
#include "leads/leads_int.h"

#include "base/asset.h"
#include "base/mem.h"
#include "base/time.h"
#include "base/utf8.h"
#include "pii/pii.h"
#include "route/route.h"
#include "store/store.h"
#include "vault/vault.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names and the state machine ----------------------------------------- */

static const char *const state_names[LX_LEADS_STATE_COUNT] = {
    "new",      "offered",   "claimed",   "assigned",
    "closed",   "returned",  "exhausted", "duplicate",
};

static const char *const event_names[LX_LEADS_EV_COUNT] = {
    "none",     "offer",       "decline", "timeout", "exhaust", "claim",
    "assign",   "handover",    "acknowledge", "close", "return",
    "revoke",
};

static const char *const outcome_names[LX_LEADS_OUTCOME_COUNT] = {
    "none", "engaged", "no_need", "unreachable", "declined", "duplicate",
};

/* The table of leads.h; LX_LEADS_STATE_COUNT marks "-". */
#define NO LX_LEADS_STATE_COUNT
static const enum lx_leads_state table[LX_LEADS_STATE_COUNT]
                                      [LX_LEADS_EV_COUNT] = {
    /* none offer decline timeout exhaust claim assign handover ack close
     * return revoke */
    [LX_LEADS_NEW] = {NO, LX_LEADS_OFFERED, NO, NO, LX_LEADS_EXHAUSTED, NO,
                      NO, NO, NO, NO, NO, NO},
    [LX_LEADS_OFFERED] = {NO, NO, LX_LEADS_NEW, LX_LEADS_NEW, NO,
                          LX_LEADS_CLAIMED, NO, NO, NO, NO, NO, NO},
    [LX_LEADS_CLAIMED] = {NO, NO, NO, NO, NO, NO, LX_LEADS_ASSIGNED,
                          LX_LEADS_ASSIGNED, NO, LX_LEADS_CLOSED,
                          LX_LEADS_RETURNED, LX_LEADS_NEW},
    [LX_LEADS_ASSIGNED] = {NO, NO, NO, NO, NO, NO, LX_LEADS_ASSIGNED,
                           LX_LEADS_ASSIGNED, LX_LEADS_ASSIGNED,
                           LX_LEADS_CLOSED, LX_LEADS_RETURNED, LX_LEADS_NEW},
    [LX_LEADS_CLOSED] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO},
    [LX_LEADS_RETURNED] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO},
    [LX_LEADS_EXHAUSTED] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO},
    [LX_LEADS_DUPLICATE] = {NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO},
};

const char *
lx_leads_state_name(enum lx_leads_state s)
{
    return (unsigned)s < LX_LEADS_STATE_COUNT ? state_names[s] : "invalid";
}

bool
lx_leads_state_parse(const char *s, enum lx_leads_state *out)
{
    for (unsigned i = 0; s != NULL && i < LX_LEADS_STATE_COUNT; i++) {
        if (strcmp(s, state_names[i]) == 0) {
            *out = (enum lx_leads_state)i;
            return true;
        }
    }
    return false;
}

const char *
lx_leads_event_name(enum lx_leads_event e)
{
    return (unsigned)e < LX_LEADS_EV_COUNT ? event_names[e] : "invalid";
}

const char *
lx_leads_outcome_name(enum lx_leads_outcome o)
{
    return (unsigned)o < LX_LEADS_OUTCOME_COUNT ? outcome_names[o]
                                                : "invalid";
}

bool
lx_leads_outcome_parse(const char *s, enum lx_leads_outcome *out)
{
    for (unsigned i = 1; s != NULL && i < LX_LEADS_OUTCOME_COUNT; i++) {
        if (strcmp(s, outcome_names[i]) == 0) {
            *out = (enum lx_leads_outcome)i;
            return true;
        }
    }
    return false;
}

lx_rc
lx_leads_transition(enum lx_leads_state from, enum lx_leads_event ev,
                    enum lx_leads_state *to, struct lx_err *err)
{
    if ((unsigned)from >= LX_LEADS_STATE_COUNT) {
        return lx_err_set(err, LX_EINVAL, "/state", "unknown lead state");
    }
    if (ev == LX_LEADS_EV_NONE || (unsigned)ev >= LX_LEADS_EV_COUNT) {
        return lx_err_set(err, LX_EINVAL, "/event", "unknown lead event");
    }
    if (table[from][ev] == NO) {
        return lx_err_set(err, LX_ECONFLICT, "/state",
                          "lead is %s: %s is not possible", state_names[from],
                          event_names[ev]);
    }
    *to = table[from][ev];
    return LX_OK;
}
#undef NO

/* ---- validation ----------------------------------------------------------- */

static bool
code_in_csv(const char *asset, const char *code)
{
    const struct lx_asset *a = lx_asset_find(asset);
    const char *p;
    const char *end;

    if (a == NULL) {
        return false;
    }
    p = (const char *)a->data;
    end = p + a->len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

        if (len > 6 && memcmp(p, code, 6) == 0 && p[6] == ',') {
            return true;
        }
        p = nl != NULL ? nl + 1 : end;
    }
    return false;
}

bool
lx_leads_region_valid(const char *code, size_t n)
{
    char c[7];

    if (code == NULL || n != 6) {
        return false;
    }
    for (size_t i = 0; i < 6; i++) {
        if (code[i] < '0' || code[i] > '9') {
            return false;
        }
    }
    memcpy(c, code, 6);
    c[6] = '\0';
    return lx_route_region_level((uint32_t)strtoul(c, NULL, 10)) != 0 &&
           (code_in_csv("data/gbt2260/divisions.csv", c) ||
            code_in_csv("data/gbt2260/retired.csv", c));
}

static bool
blank(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* The ID number's birth date makes the holder a minor (under 14) at now. */
static bool
id_is_minor(const char *id18, int64_t now_ms)
{
    int y = 0;
    int m = 0;
    int d = 0;

    for (int i = 6; i < 14; i++) {
        int v = id18[i] - '0';

        if (i < 10) {
            y = y * 10 + v;
        } else if (i < 12) {
            m = m * 10 + v;
        } else {
            d = d * 10 + v;
        }
    }
    return lx_date_valid(y, m, d) &&
           lx_pii_is_minor(y, m, d, leads__local_days(now_ms));
}

int64_t
leads__local_days(int64_t now_ms)
{
    int64_t t = now_ms + LEADS_TZ_MS;

    return t >= 0 ? t / LEADS_DAY_MS : -((-t + LEADS_DAY_MS - 1) / LEADS_DAY_MS);
}

struct intake_clean {
    enum lx_route_area area;
    char phone[256]; /* lx_vault_normalise wants 256 bytes */
    char id_number[256];
    bool minor;
    bool sensitive;
};

static lx_rc
intake_validate(struct lx_ctx *ctx, const struct lx_leads_intake *in,
                struct intake_clean *c)
{
    struct lx_err *err = &ctx->err;
    size_t n;

    if (blank(in->area) || !lx_route_area_parse(in->area, &c->area)) {
        return lx_err_set(err, LX_EINVAL, "/area", "not a practice area");
    }
    if (blank(in->region) ||
        !lx_leads_region_valid(in->region, strlen(in->region))) {
        return lx_err_set(err, LX_EINVAL, "/region",
                          "not a GB/T 2260 code");
    }
    if (blank(in->description)) {
        return lx_err_set(err, LX_EINVAL, "/description", "required");
    }
    n = strlen(in->description);
    if (n > LX_LEADS_DESC_MAX) {
        return lx_err_set(err, LX_ETOOBIG, "/description",
                          "longer than %d bytes", LX_LEADS_DESC_MAX);
    }
    if (!lx_utf8_valid(in->description, n, NULL)) {
        return lx_err_set(err, LX_EINVAL, "/description", "not UTF-8");
    }
    if (blank(in->phone) ||
        lx_vault_normalise(LX_VAULT_INDEX_PHONE, in->phone, strlen(in->phone),
                           c->phone, sizeof(c->phone), NULL) != LX_OK) {
        return lx_err_set(err, LX_EINVAL, "/phone",
                          "not a mainland mobile number");
    }
    if (!blank(in->name) &&
        (strlen(in->name) > 64 ||
         !lx_utf8_valid(in->name, strlen(in->name), NULL))) {
        return lx_err_set(err, LX_EINVAL, "/name",
                          "not UTF-8 of at most 64 bytes");
    }
    c->id_number[0] = '\0';
    if (!blank(in->id_number) &&
        lx_vault_normalise(LX_VAULT_INDEX_ID_NUMBER, in->id_number,
                           strlen(in->id_number), c->id_number,
                           sizeof(c->id_number), NULL) != LX_OK) {
        return lx_err_set(err, LX_EINVAL, "/id_number",
                          "not a valid resident ID number");
    }
    if (blank(in->consent_version) ||
        strlen(in->consent_version) > LX_LEADS_CONSENT_MAX) {
        return lx_err_set(err, LX_EINVAL, "/consent/notice_version",
                          "required, at most %d bytes", LX_LEADS_CONSENT_MAX);
    }
    for (const char *p = in->consent_version; *p != '\0'; p++) {
        if (*p < 0x21 || *p > 0x7e) {
            return lx_err_set(err, LX_EINVAL, "/consent/notice_version",
                              "printable ASCII only");
        }
    }
    if (in->consent_ms <= 0 || in->consent_ms > ctx->now_ms + 300000) {
        return lx_err_set(err, LX_EINVAL, "/consent/at",
                          "not a time at or before now");
    }
    if (!in->consent_share) {
        return lx_err_set(err, LX_EINVAL, "/consent/share_with_firm",
                          "consent to share with the assigned firm is "
                          "required (PIPL Art. 23)");
    }
    c->minor = in->minor ||
               (c->id_number[0] != '\0' && id_is_minor(c->id_number,
                                                        ctx->now_ms));
    c->sensitive = c->minor || in->custody;
    return LX_OK;
}

/* ---- intake --------------------------------------------------------------- */

struct intake_unit {
    struct lx_ctx *ctx;
    const struct lx_leads_opts *o;
    const struct lx_leads_intake *in;
    const struct intake_clean *c;
    const char *channel;
    int64_t user_id;
    int64_t subject_id;
    const int64_t *dup_subjects;
    size_t n_dup;
    const char *preview;
    const char *contact;
    struct lx_leads_intake_result *out;
};

static lx_rc
find_duplicate_tx(struct lx_store_tx *tx, struct intake_unit *a,
                  int64_t *dup, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    int64_t window = a->o->dedupe_window_ms > 0 ? a->o->dedupe_window_ms
                                                : LX_LEADS_DEDUPE_DEFAULT_MS;
    lx_rc rc;

    *dup = 0;
    if (a->n_dup == 0) {
        return LX_OK;
    }
    rc = lx_store_prepare(tx,
                          "SELECT MIN(id) FROM leads WHERE subject_id = :s"
                          " AND created_ms >= :since AND duplicate_of IS NULL",
                          &s, err);
    for (size_t i = 0; rc == LX_OK && i < a->n_dup; i++) {
        bool row = false;

        lx_store_reset(s);
        lx_store_bind_int(s, ":s", a->dup_subjects[i]);
        lx_store_bind_int(s, ":since", a->ctx->now_ms - window);
        rc = lx_store_step(s, &row, err);
        if (rc == LX_OK && row && !lx_store_col_is_null(s, 0)) {
            int64_t id = lx_store_col_int(s, 0);

            if (*dup == 0 || id < *dup) {
                *dup = id;
            }
        }
    }
    lx_store_stmt_free(s);
    return rc;
}

static lx_rc
put_field_tx(struct lx_ctx *ctx, struct lx_store_tx *tx, int64_t subject,
             const char *name, enum lx_vault_category cat,
             enum lx_vault_sensitivity sens, enum lx_vault_format fmt,
             const char *value)
{
    struct lx_vault_field f = {name, cat, sens, fmt, value, strlen(value)};

    return lx_vault_put_tx(ctx, tx, subject, &f);
}

/* The personal data of the intake into a fresh vault subject, in the
 * unit that records the lead: both or neither. */
static lx_rc
store_subject_tx(struct lx_store_tx *tx, struct intake_unit *a)
{
    struct lx_ctx *ctx = a->ctx;
    const struct intake_clean *c = a->c;
    const struct lx_leads_intake *in = a->in;
    enum lx_vault_sensitivity sens =
        c->minor ? LX_VAULT_SENS_MINOR : LX_VAULT_SENS_NONE;
    lx_rc rc = lx_vault_subject_create_tx(ctx, tx, &a->subject_id);

    if (rc == LX_OK) {
        rc = put_field_tx(ctx, tx, a->subject_id, "phone", LX_VAULT_CAT_PHONE,
                          sens, LX_VAULT_FMT_MOBILE, c->phone);
    }
    if (rc == LX_OK && !blank(in->name)) {
        rc = put_field_tx(ctx, tx, a->subject_id, "name", LX_VAULT_CAT_NAME,
                          sens, LX_VAULT_FMT_NAME, in->name);
    }
    if (rc == LX_OK && c->id_number[0] != '\0') {
        rc = put_field_tx(ctx, tx, a->subject_id, "id_number",
                          LX_VAULT_CAT_IDENTITY,
                          c->minor ? LX_VAULT_SENS_MINOR
                                   : LX_VAULT_SENS_ID_DOCUMENT,
                          LX_VAULT_FMT_CN_ID, c->id_number);
    }
    if (rc == LX_OK) {
        rc = put_field_tx(ctx, tx, a->subject_id, "description",
                          LX_VAULT_CAT_CASE_MATERIAL,
                          c->minor       ? LX_VAULT_SENS_MINOR
                          : c->sensitive ? LX_VAULT_SENS_FAMILY
                                         : LX_VAULT_SENS_NONE,
                          LX_VAULT_FMT_TEXT, in->description);
    }
    return rc;
}

static lx_rc
intake_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct intake_unit *a = arg;
    struct lx_store_stmt *s = NULL;
    int64_t dup = 0;
    bool row = false;
    lx_rc rc = store_subject_tx(tx, a);

    if (rc == LX_OK) {
        rc = find_duplicate_tx(tx, a, &dup, err);
    }

    if (rc == LX_OK) {
        rc = lx_store_prepare(
            tx,
            "INSERT INTO leads (user_id, subject_id, channel, area, region,"
            " preview, contact_masked, minor, sensitive, consent_version,"
            " consent_ms, state, duplicate_of, created_ms, updated_ms)"
            " VALUES (:u, :s, :ch, :area, :region, :preview, :contact,"
            " :minor, :sens, :cv, :cms, :state, :dup, :now, :now)"
            " RETURNING id",
            &s, err);
    }
    if (rc == LX_OK) {
        if (a->user_id > 0) {
            lx_store_bind_int(s, ":u", a->user_id);
        } else {
            lx_store_bind_null(s, ":u");
        }
        lx_store_bind_int(s, ":s", a->subject_id);
        lx_store_bind_text(s, ":ch", a->channel, strlen(a->channel));
        lx_store_bind_text(s, ":area", a->in->area, strlen(a->in->area));
        lx_store_bind_text(s, ":region", a->in->region, 6);
        lx_store_bind_text(s, ":preview", a->preview, strlen(a->preview));
        lx_store_bind_text(s, ":contact", a->contact, strlen(a->contact));
        lx_store_bind_int(s, ":minor", a->c->minor ? 1 : 0);
        lx_store_bind_int(s, ":sens", a->c->sensitive ? 1 : 0);
        lx_store_bind_text(s, ":cv", a->in->consent_version,
                           strlen(a->in->consent_version));
        lx_store_bind_int(s, ":cms", a->in->consent_ms);
        lx_store_bind_text(s, ":state", dup > 0 ? "duplicate" : "new",
                           dup > 0 ? 9 : 3);
        if (dup > 0) {
            lx_store_bind_int(s, ":dup", dup);
        } else {
            lx_store_bind_null(s, ":dup");
        }
        lx_store_bind_int(s, ":now", a->ctx->now_ms);
        rc = lx_store_step(s, &row, err);
    }
    if (rc == LX_OK && !row) {
        rc = lx_err_set(err, LX_EINTERNAL, NULL, "insert returned no id");
    }
    if (rc == LX_OK) {
        a->out->id = lx_store_col_int(s, 0);
        a->out->duplicate_of = dup;
        a->out->state = LX_LEADS_DUPLICATE;
    }
    lx_store_stmt_free(s);
    if (rc == LX_OK) { /* C5.9: a canary's phone coming back */
        rc = leads__canary_check_tx(tx, a->ctx, a->dup_subjects, a->n_dup,
                                    a->out->id, err);
    }
    if (rc == LX_OK && dup == 0) {
        rc = leads__distribute_tx(tx, a->ctx, a->o, a->out->id, a->c->area,
                                  a->in->region, &a->out->state, err);
    }
    return rc;
}

static lx_rc
mask_preview(struct lx_ctx *ctx, const char *text, struct lx_buf *out)
{
    struct lx_pii_regions *r = lx_pii_regions_new();
    const struct lx_asset *cur = lx_asset_find("data/gbt2260/divisions.csv");
    const struct lx_asset *old = lx_asset_find("data/gbt2260/retired.csv");
    struct lx_pii_opts po = {r, leads__local_days(ctx->now_ms)};
    lx_rc rc = LX_OK;

    if (cur != NULL) {
        rc = lx_pii_regions_add_csv(r, (const char *)cur->data, cur->len,
                                    NULL, &ctx->err);
    }
    if (rc == LX_OK && old != NULL) {
        rc = lx_pii_regions_add_csv(r, (const char *)old->data, old->len,
                                    NULL, &ctx->err);
    }
    if (rc == LX_OK) {
        rc = lx_pii_mask_text(&po, text, strlen(text), out, NULL, &ctx->err);
    }
    if (rc == LX_OK) {
        rc = lx_buf_append(out, "", 1);
    }
    lx_pii_regions_free(r);
    return rc;
}

lx_rc
lx_leads_intake(struct lx_ctx *ctx, const struct lx_leads_opts *o,
                const struct lx_leads_intake *in,
                struct lx_leads_intake_result *out)
{
    static const struct lx_leads_opts defaults = {0};
    struct intake_clean c = {0};
    struct intake_unit a = {0};
    struct lx_buf preview = LX_BUF_INIT(LX_LEADS_PREVIEW_MAX + 1);
    char contact[32];
    int64_t dups[32];
    size_t ndup = 0;
    lx_rc rc;

    memset(out, 0, sizeof(*out));
    if (o == NULL) {
        o = &defaults;
    }
    switch (ctx->actor.kind) {
    case LX_ACTOR_USER:
        a.channel = "user";
        a.user_id = ctx->actor.id;
        break;
    case LX_ACTOR_APIKEY:
        a.channel = "api";
        break;
    case LX_ACTOR_SYSTEM:
        a.channel = "system";
        break;
    case LX_ACTOR_NONE:
    case LX_ACTOR_STAFF:
    default:
        return lx_err_set(&ctx->err, LX_EDENIED, NULL,
                          "only users and intake channels submit leads");
    }
    rc = intake_validate(ctx, in, &c);
    if (rc != LX_OK) {
        return rc;
    }
    if (lx_pii_mask_value(LX_PII_CN_MOBILE, c.phone, strlen(c.phone), contact,
                          sizeof(contact), NULL, &ctx->err) != LX_OK) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/phone",
                          "not a mainland mobile number");
    }
    rc = mask_preview(ctx, in->description, &preview);
    if (rc == LX_ETOOBIG) {
        rc = lx_err_set(&ctx->err, LX_ETOOBIG, "/description",
                        "masked preview too long");
    }
    if (rc == LX_OK) {
        rc = lx_vault_find(ctx, LX_VAULT_INDEX_PHONE, c.phone, strlen(c.phone),
                           dups, sizeof(dups) / sizeof(dups[0]), &ndup);
    }
    if (rc == LX_OK) {
        a.ctx = ctx;
        a.o = o;
        a.in = in;
        a.c = &c;
        a.dup_subjects = dups;
        a.n_dup = ndup < 32 ? ndup : 32;
        a.preview = lx_buf_peek(&preview);
        a.contact = contact;
        a.out = out;
        /* The vault subject, its fields and the lead commit together:
         * personal data without a lead never stays behind. */
        rc = lx_store_write(ctx->app->store, intake_unit, &a, &ctx->err);
    }
    if (rc != LX_OK) {
        memset(out, 0, sizeof(*out));
    }
    lx_buf_release(&preview);
    explicit_bzero(c.phone, sizeof(c.phone));
    explicit_bzero(c.id_number, sizeof(c.id_number));
    return rc;
}

/* ---- reading -------------------------------------------------------------- */

#define LEAD_COLS                                                              \
    "id, user_id, subject_id, area, region, preview, contact_masked, minor,"   \
    " sensitive, state, firm_id, staff_id, offer_deadline_ms, outcome,"        \
    " created_ms, updated_ms"

static void
copy_col(struct lx_store_stmt *s, int col, char *out, size_t size)
{
    size_t len = 0;
    const char *t = lx_store_col_text(s, col, &len);

    if (t == NULL || len >= size) {
        len = 0;
    }
    if (len > 0) {
        memcpy(out, t, len);
    }
    out[len] = '\0';
}

static void
read_row(struct lx_store_stmt *s, struct leads__row *r)
{
    char state[16];
    char outcome[16];

    memset(r, 0, sizeof(*r));
    r->id = lx_store_col_int(s, 0);
    r->user_id = lx_store_col_int(s, 1);
    r->subject_id = lx_store_col_int(s, 2);
    copy_col(s, 3, r->view.area, sizeof(r->view.area));
    copy_col(s, 4, r->view.region, sizeof(r->view.region));
    copy_col(s, 5, r->view.preview, sizeof(r->view.preview));
    copy_col(s, 6, r->view.contact_masked, sizeof(r->view.contact_masked));
    r->view.minor = lx_store_col_int(s, 7) != 0;
    r->view.sensitive = lx_store_col_int(s, 8) != 0;
    copy_col(s, 9, state, sizeof(state));
    (void)lx_leads_state_parse(state, &r->view.state);
    r->firm_id = lx_store_col_int(s, 10);
    r->view.staff_id = lx_store_col_int(s, 11);
    r->view.offer_deadline_ms =
        r->view.state == LX_LEADS_OFFERED ? lx_store_col_int(s, 12) : 0;
    copy_col(s, 13, outcome, sizeof(outcome));
    (void)lx_leads_outcome_parse(outcome, &r->view.outcome);
    r->view.created_ms = lx_store_col_int(s, 14);
    r->view.updated_ms = lx_store_col_int(s, 15);
    r->view.id = r->id;
}

lx_rc
leads__load_tx(struct lx_store_tx *tx, int64_t id, struct leads__row *r,
               bool *found, struct lx_err *err)
{
    struct lx_store_stmt *s = NULL;
    lx_rc rc = lx_store_prepare(tx, "SELECT " LEAD_COLS
                                    " FROM leads WHERE id = :id",
                                &s, err);

    *found = false;
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", id);
        rc = lx_store_step(s, found, err);
    }
    if (rc == LX_OK && *found) {
        read_row(s, r);
    }
    lx_store_stmt_free(s);
    return rc;
}

bool
leads__visible(const struct lx_ctx *ctx, const struct leads__row *r)
{
    enum lx_policy_role role = LX_POLICY_ROLE_NONE;

    switch (ctx->actor.kind) {
    case LX_ACTOR_SYSTEM:
        return true;
    case LX_ACTOR_USER:
        return r->user_id != 0 && r->user_id == ctx->actor.id;
    case LX_ACTOR_STAFF:
        (void)lx_policy_role_parse(ctx->actor.role, &role);
        if (lx_policy_role_is_platform(role)) {
            return true;
        }
        if (!lx_policy_role_is_firm(role) || ctx->actor.firm_id == 0 ||
            r->firm_id != ctx->actor.firm_id) {
            return false;
        }
        /* C4.1: the firm admin reaches every lead of the firm; a lawyer
         * also an offered one (they may claim it); everyone else only a
         * lead they hold. */
        switch (r->view.state) {
        case LX_LEADS_OFFERED:
            return role == LX_POLICY_ROLE_FIRM_ADMIN ||
                   role == LX_POLICY_ROLE_LAWYER;
        case LX_LEADS_CLAIMED:
        case LX_LEADS_ASSIGNED:
        case LX_LEADS_CLOSED:
        case LX_LEADS_RETURNED:
            return role == LX_POLICY_ROLE_FIRM_ADMIN ||
                   (r->view.staff_id != 0 &&
                    r->view.staff_id == ctx->actor.id);
        case LX_LEADS_NEW:
        case LX_LEADS_EXHAUSTED:
        case LX_LEADS_DUPLICATE:
        case LX_LEADS_STATE_COUNT:
        default:
            return false;
        }
    case LX_ACTOR_NONE:
    case LX_ACTOR_APIKEY:
    default:
        return false;
    }
}

struct get_unit {
    struct lx_ctx *ctx;
    int64_t id;
    int64_t after;
    struct lx_leads_view *out;
    size_t max;
    size_t n;
    bool found;
};

static lx_rc
get_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct get_unit *a = arg;
    struct leads__row *r = lx_xmalloc(sizeof(*r));
    lx_rc rc = leads__load_tx(tx, a->id, r, &a->found, err);

    if (rc == LX_OK && a->found && leads__visible(a->ctx, r)) {
        *a->out = r->view;
    } else if (rc == LX_OK) {
        a->found = false;
    }
    free(r);
    return rc;
}

lx_rc
lx_leads_get(struct lx_ctx *ctx, int64_t id, struct lx_leads_view *out)
{
    struct get_unit a = {.ctx = ctx, .id = id, .out = out};
    lx_rc rc = lx_store_read(ctx->app->store, get_unit, &a, &ctx->err);

    if (rc == LX_OK && !a.found) {
        rc = lx_err_set(&ctx->err, LX_ENOTFOUND, NULL, "no such lead");
    }
    return rc;
}

static lx_rc
list_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    struct get_unit *a = arg;
    struct lx_store_stmt *s = NULL;
    struct leads__row *r = lx_xmalloc(sizeof(*r));
    enum lx_policy_role role = LX_POLICY_ROLE_NONE;
    bool row = false;
    lx_rc rc;

    (void)lx_policy_role_parse(a->ctx->actor.role, &role);
    /* Narrow by the actor in SQL; leads__visible has the last word. */
    if (a->ctx->actor.kind == LX_ACTOR_USER) {
        rc = lx_store_prepare(tx, "SELECT " LEAD_COLS " FROM leads WHERE"
                                  " id > :after AND user_id = :who"
                                  " ORDER BY id LIMIT 1000",
                              &s, err);
    } else if (a->ctx->actor.kind == LX_ACTOR_STAFF &&
               lx_policy_role_is_firm(role)) {
        rc = lx_store_prepare(tx, "SELECT " LEAD_COLS " FROM leads WHERE"
                                  " id > :after AND firm_id = :who"
                                  " ORDER BY id LIMIT 1000",
                              &s, err);
    } else {
        rc = lx_store_prepare(tx, "SELECT " LEAD_COLS " FROM leads WHERE"
                                  " id > :after"
                                  " ORDER BY id LIMIT 1000",
                              &s, err);
    }
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":after", a->after);
    }
    if (rc == LX_OK && a->ctx->actor.kind == LX_ACTOR_USER) {
        lx_store_bind_int(s, ":who", a->ctx->actor.id);
    } else if (rc == LX_OK && a->ctx->actor.kind == LX_ACTOR_STAFF &&
               lx_policy_role_is_firm(role)) {
        lx_store_bind_int(s, ":who", a->ctx->actor.firm_id);
    }
    while (rc == LX_OK && a->n < a->max &&
           (rc = lx_store_step(s, &row, err)) == LX_OK && row) {
        read_row(s, r);
        if (leads__visible(a->ctx, r)) {
            a->out[a->n++] = r->view;
        }
    }
    lx_store_stmt_free(s);
    free(r);
    return rc;
}

lx_rc
lx_leads_list(struct lx_ctx *ctx, int64_t after_id, struct lx_leads_view *out,
              size_t max, size_t *n)
{
    struct get_unit a = {.ctx = ctx, .after = after_id, .out = out, .max = max};
    lx_rc rc;

    *n = 0;
    if (max < 1 || max > 100) {
        return lx_err_set(&ctx->err, LX_EINVAL, "/limit", "must be 1..100");
    }
    rc = lx_store_read(ctx->app->store, list_unit, &a, &ctx->err);
    *n = a.n;
    return rc;
}
