/*
 * tests/lib/talkfix.h — the people and the lead a conversation test starts
 * from (header-only; include as "lib/talkfix.h", after lib/svcfix.h's
 * fixture is open).
 *
 * Two firms, A (10) and B (20), cover labour law; A always covers Beijing
 * (110000), B the region the test names, so an intake from 110105 reaches
 * A alone or both. The staff come from one roster (firm admins, lawyers
 * 102 and 202, an assistant, platform staff of org 1), each trained in
 * privacy; the two lawyers hold verified licences whose numbers the test
 * chooses (digits 6-9 are the licence year). talkfix_user_add() makes an
 * app user; talkfix_intake() takes a lead, talkfix_claim() has the lawyer
 * of the firm it was offered to claim it, talkfix_claimed_lead() does both.
 */
#ifndef LX_TESTS_TALKFIX_H
#define LX_TESTS_TALKFIX_H

#include "leads/leads.h"
#include "lib/svcfix.h"

enum {
    TALKFIX_PLATFORM = 1,
    TALKFIX_FIRM_A = 10,
    TALKFIX_FIRM_B = 20,
};

/* Who may be seeded: id, org, role, display name and e-mail. */
static const struct talkfix_staff {
    int64_t id;
    int64_t org;
    const char *role;
    const char *name;
    const char *email;
} talkfix_roster[] = {
    {101, TALKFIX_FIRM_A, "firm_admin", "a", "a1@example.org"},
    {102, TALKFIX_FIRM_A, "lawyer", "a", "a2@example.org"},
    {103, TALKFIX_FIRM_A, "assistant", "a", "a3@example.org"},
    {202, TALKFIX_FIRM_B, "lawyer", "b", "b2@example.org"},
    {901, TALKFIX_PLATFORM, "platform_compliance", "p", "p1@example.org"},
    {902, TALKFIX_PLATFORM, "platform_admin", "p", "p2@example.org"},
};

/* What talkfix_seed() inserts. */
struct talkfix_seed {
    bool platform;        /* org 1, the platform, too */
    int64_t org_ms;       /* the orgs' status_changed/created/updated_ms */
    const char *b_region; /* firm B's region code */
    const int64_t *staff; /* roster ids, in insertion order */
    size_t n_staff;
    int64_t trained_ms;    /* every staff member passed privacy then */
    int64_t valid_ms;      /* training expiry and licence recheck */
    const char *a_licence; /* lawyer 102's verified licence number */
    const char *b_licence; /* lawyer 202's */
};

static inline const struct talkfix_staff *
talkfix_who(int64_t id)
{
    for (size_t i = 0; i < sizeof(talkfix_roster) / sizeof(talkfix_roster[0]);
         i++) {
        if (talkfix_roster[i].id == id) {
            return &talkfix_roster[i];
        }
    }
    fail();
    return NULL;
}

/* Insert the firms, the staff, their training and the two licences. */
static inline void
talkfix_seed(struct svcfix *f, const struct talkfix_seed *s)
{
    char sql[4096];
    size_t n = 0;
    long long o = s->org_ms;

    if (s->platform) {
        n += (size_t)snprintf(sql + n, sizeof(sql) - n,
                              "INSERT INTO orgs (id, kind, name, uscc,"
                              " daily_capacity, status, status_changed_ms,"
                              " created_ms, updated_ms) VALUES"
                              " (1, 'platform', 'P', NULL, 0, 'active', %lld,"
                              " %lld, %lld);",
                              o, o, o);
    }
    n += (size_t)snprintf(
        sql + n, sizeof(sql) - n,
        "INSERT INTO orgs (id, kind, name, uscc, daily_capacity, status,"
        " status_changed_ms, created_ms, updated_ms) VALUES"
        " (10, 'firm', 'A', NULL, 100, 'active', %lld, %lld, %lld),"
        " (20, 'firm', 'B', NULL, 100, 'active', %lld, %lld, %lld);"
        "INSERT INTO org_regions (org_id, code) VALUES (10, '110000'),"
        " (20, '%s');"
        "INSERT INTO org_areas (org_id, area) VALUES (10, 'labor'),"
        " (20, 'labor');"
        "INSERT INTO staff (id, org_id, role, display_name, email, status,"
        " created_ms, updated_ms) VALUES",
        o, o, o, o, o, o, s->b_region);
    for (size_t i = 0; i < s->n_staff; i++) {
        const struct talkfix_staff *w = talkfix_who(s->staff[i]);

        n += (size_t)snprintf(sql + n, sizeof(sql) - n,
                              "%s (%lld, %lld, '%s', '%s', '%s', 'active', 1,"
                              " 1)",
                              i == 0 ? "" : ",", (long long)w->id,
                              (long long)w->org, w->role, w->name, w->email);
    }
    n += (size_t)snprintf(
        sql + n, sizeof(sql) - n,
        ";INSERT INTO staff_training (staff_id, course, version, passed_ms,"
        " expires_ms, recorded_by, created_ms) SELECT id, 'privacy', '1',"
        " %lld, %lld, 1, 1 FROM staff;"
        "INSERT INTO staff_licences (staff_id, number, status, evidence_ref,"
        " verified_ms, recheck_ms, updated_ms) VALUES"
        " (102, '%s', 'verified', 'x', 1, %lld, 1),"
        " (202, '%s', 'verified', 'x', 1, %lld, 1)",
        (long long)s->trained_ms, (long long)s->valid_ms, s->a_licence,
        (long long)s->valid_ms, s->b_licence, (long long)s->valid_ms);
    assert_true(n < sizeof(sql));
    svcfix_exec(f, sql);
}

/* Make the context's actor roster member 'id'; platform staff get
 * firm_id 'platform_firm'. */
static inline void
talkfix_as_staff(struct lx_ctx *ctx, int64_t id, int64_t platform_firm)
{
    const struct talkfix_staff *w = talkfix_who(id);

    svcfix_as_staff(
        ctx, id, w->org == TALKFIX_PLATFORM ? platform_firm : w->org, w->role);
}

struct talkfix__user {
    int64_t id;
    const void *ref;
    size_t len;
};

static inline lx_rc
talkfix__user_unit(struct lx_store_tx *tx, void *arg, struct lx_err *err)
{
    const struct talkfix__user *u = arg;
    struct lx_store_stmt *s = NULL;
    bool row = false;
    lx_rc rc;

    rc = lx_store_prepare(tx,
                          "INSERT INTO app_users (id, phone_ref, status,"
                          " created_ms) VALUES (:id, :ref, 'active', 1)",
                          &s, err);
    if (rc == LX_OK) {
        lx_store_bind_int(s, ":id", u->id);
        rc = lx_store_bind_blob(s, ":ref", u->ref, u->len);
    }
    if (rc == LX_OK) {
        rc = lx_store_step(s, &row, err);
    }
    lx_store_stmt_free(s);
    return rc;
}

/* Add active app user 'id' whose phone_ref is the 'len' bytes at 'ref'. */
static inline void
talkfix_user_add(struct svcfix *f, int64_t id, const void *ref, size_t len)
{
    struct talkfix__user u = {id, ref, len};
    struct lx_err err = {0};

    if (lx_store_write(f->app.store, talkfix__user_unit, &u, &err) != LX_OK) {
        fprintf(stderr, "user: %s\n", lx_err_message(&err));
        fail();
    }
}

/* Take a labour lead from Beijing (110105) by intake as the context's
 * current actor, with consent to share given at 'consent_ms'. Returns the
 * lead id. */
static inline int64_t
talkfix_intake(struct svcfix *f, const char *phone, const char *description,
               int64_t consent_ms)
{
    struct lx_leads_intake in = {0};
    struct lx_leads_intake_result r;

    in.area = "labor";
    in.region = "110105";
    in.description = description;
    in.phone = phone;
    in.consent_version = "pn-2026-01";
    in.consent_ms = consent_ms;
    in.consent_share = true;
    if (lx_leads_intake(&f->ctx, NULL, &in, &r) != LX_OK) {
        fprintf(stderr, "intake: %s\n", lx_err_message(&f->ctx.err));
        fail();
    }
    assert_int_equal(r.state, LX_LEADS_OFFERED);
    return r.id;
}

/* Claim offered 'lead' as the lawyer (102 or 202) of the firm it was
 * offered to, which must be 'firm' unless that is 0. Returns that firm;
 * the actor is left the lawyer. */
static inline int64_t
talkfix_claim(struct svcfix *f, int64_t lead, int64_t firm)
{
    int64_t got = svcfix_countf(f,
                                "SELECT COALESCE(firm_id, 0) FROM leads"
                                " WHERE id = %lld",
                                (long long)lead);

    assert_true(got == TALKFIX_FIRM_A || got == TALKFIX_FIRM_B);
    if (firm != 0) {
        assert_int_equal(got, firm);
    }
    svcfix_as_staff(&f->ctx, got == TALKFIX_FIRM_A ? 102 : 202, got, "lawyer");
    if (lx_leads_claim(&f->ctx, NULL, lead) != LX_OK) {
        fprintf(stderr, "claim: %s\n", lx_err_message(&f->ctx.err));
        fail();
    }
    return got;
}

/* talkfix_intake() then talkfix_claim(); *held (when not NULL) gets the
 * firm that holds the lead. */
static inline int64_t
talkfix_claimed_lead(struct svcfix *f, const char *phone,
                     const char *description, int64_t consent_ms, int64_t firm,
                     int64_t *held)
{
    int64_t lead = talkfix_intake(f, phone, description, consent_ms);
    int64_t got = talkfix_claim(f, lead, firm);

    if (held != NULL) {
        *held = got;
    }
    return lead;
}

#endif /* LX_TESTS_TALKFIX_H */
