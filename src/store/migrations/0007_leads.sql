-- 0007_leads.sql — leads: intake, offers to partner firms, claiming,
-- handover records (C1.2, C2.1, C4.3). docs/leads.md describes the flow.
--
-- Personal data lives in the vault (subject_id); a lead row holds only
-- the masked preview and masked contact. The offer rows carry the routing
-- figures (score, weight, credit): platform confidential (C1.2), never
-- part of a partner-facing response.

CREATE TABLE leads (
    id LX_ID_PK,
    user_id BIGINT,
    subject_id BIGINT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('user', 'api', 'system')),
    area TEXT NOT NULL,
    region TEXT NOT NULL,
    preview TEXT NOT NULL,
    contact_masked TEXT NOT NULL,
    minor BIGINT NOT NULL CHECK (minor IN (0, 1)),
    sensitive BIGINT NOT NULL CHECK (sensitive IN (0, 1)),
    consent_version TEXT NOT NULL,
    consent_ms BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('new', 'offered', 'claimed',
        'assigned', 'closed', 'returned', 'exhausted', 'duplicate')),
    duplicate_of BIGINT REFERENCES leads (id),
    firm_id BIGINT,
    staff_id BIGINT,
    offer_deadline_ms BIGINT,
    outcome TEXT,
    return_reason TEXT,
    created_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);
CREATE INDEX leads_subject ON leads (subject_id);
CREATE INDEX leads_firm ON leads (firm_id, state);
CREATE INDEX leads_deadline ON leads (state, offer_deadline_ms);

-- One row per offer: at most one open offer per lead, a firm offered a
-- lead at most once. Routing figures are platform records only.
CREATE TABLE lead_offers (
    id LX_ID_PK,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    firm_id BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    offered_ms BIGINT NOT NULL,
    deadline_ms BIGINT NOT NULL,
    closed_ms BIGINT,
    outcome TEXT NOT NULL CHECK (outcome IN ('open', 'claimed', 'declined',
        'timed_out', 'cancelled')),
    decline_reason TEXT,
    covering BIGINT NOT NULL,
    candidates BIGINT NOT NULL,
    score BIGINT NOT NULL,
    weight BIGINT NOT NULL,
    credit_before BIGINT NOT NULL,
    credit_after BIGINT NOT NULL,
    UNIQUE (lead_id, firm_id)
);
CREATE UNIQUE INDEX lead_offers_open ON lead_offers (lead_id)
    WHERE outcome = 'open';
CREATE INDEX lead_offers_firm ON lead_offers (firm_id, outcome, closed_ms);

-- Fairness credit per firm, kept between routing snapshots (route.h).
CREATE TABLE lead_route_credit (
    firm_id BIGINT PRIMARY KEY,
    credit BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- Handover records (C4.3): every assignment and handover inside a firm.
CREATE TABLE lead_handovers (
    id LX_ID_PK,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    firm_id BIGINT NOT NULL,
    from_staff BIGINT,
    to_staff BIGINT NOT NULL,
    reason TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    acknowledged_ms BIGINT,
    actor_id BIGINT NOT NULL
);
CREATE INDEX lead_handovers_lead ON lead_handovers (lead_id, id);
