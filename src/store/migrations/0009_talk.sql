-- 0009_talk.sql — conversations between a firm and a user (C5.2-C5.9):
-- messages, contact attempts, opt-outs, fee quotes and charges, virtual
-- number bindings and call records. docs/talk.md describes the service.
--
-- Message text lives only in the vault (category chat, field
-- 'chat_<message id>' of the lead's subject); rows here keep ids, verdicts
-- and byte offsets, never the text. Findings are JSON arrays of
-- {category, clause, rule, start, end}: no quoted content.

CREATE TABLE talk_messages (
    id LX_ID_PK,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    firm_id BIGINT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('to_user', 'from_user')),
    sender_id BIGINT NOT NULL,
    sender_role TEXT NOT NULL,
    purpose TEXT NOT NULL,
    verdict TEXT NOT NULL CHECK (verdict IN ('allow', 'review', 'block')),
    status TEXT NOT NULL CHECK (status IN ('delivered', 'held', 'blocked')),
    review TEXT NOT NULL CHECK (review IN ('none', 'pending', 'confirmed',
        'dismissed')),
    reviewed_by BIGINT,
    reviewed_ms BIGINT,
    pack_version TEXT NOT NULL,
    findings TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX talk_messages_lead ON talk_messages (lead_id, id);
CREATE INDEX talk_messages_review ON talk_messages (review, id);

-- Every outgoing attempt (a message or a call binding) by a firm to the
-- user of a lead, allowed or not (C5.3). The contact-limit decision reads
-- the allowed ones.
CREATE TABLE talk_attempts (
    id LX_ID_PK,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    firm_id BIGINT NOT NULL,
    staff_id BIGINT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('message', 'call')),
    purpose TEXT NOT NULL,
    allowed BIGINT NOT NULL CHECK (allowed IN (0, 1)),
    reason TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX talk_attempts_lead ON talk_attempts (lead_id, firm_id, at_ms);

-- The user's opt-out for a lead (a button, or a message such as
-- "别再联系我"); a later user message lifts it (talk.h).
CREATE TABLE talk_optouts (
    id LX_ID_PK,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    user_id BIGINT,
    source TEXT NOT NULL CHECK (source IN ('button', 'message')),
    message_id BIGINT,
    at_ms BIGINT NOT NULL
);
CREATE INDEX talk_optouts_lead ON talk_optouts (lead_id, at_ms);

-- Fee quotes (C5.6): structured, integer fen. items is a JSON array of
-- {name, amount_fen}; findings the lx_talk_quote_check codes.
CREATE TABLE talk_quotes (
    id LX_ID_PK,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    firm_id BIGINT NOT NULL,
    staff_id BIGINT NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('fixed', 'hourly', 'staged',
        'contingency')),
    matter TEXT NOT NULL,
    group_case BIGINT NOT NULL CHECK (group_case IN (0, 1)),
    total_fen BIGINT NOT NULL,
    rate_fen BIGINT NOT NULL,
    max_hours BIGINT NOT NULL,
    base_fen BIGINT NOT NULL,
    rate_bp BIGINT NOT NULL,
    claim_fen BIGINT NOT NULL,
    items TEXT NOT NULL,
    included TEXT NOT NULL,
    valid_from_ms BIGINT NOT NULL,
    valid_until_ms BIGINT NOT NULL,
    ceiling_fen BIGINT NOT NULL,
    lure BIGINT NOT NULL CHECK (lure IN (0, 1)),
    findings TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('sent', 'accepted', 'rejected',
        'withdrawn')),
    accepted_ms BIGINT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX talk_quotes_lead ON talk_quotes (lead_id, id);

-- A revision adds to what an accepted quote lets the firm charge; only a
-- revision the user accepted counts.
CREATE TABLE talk_quote_revisions (
    id LX_ID_PK,
    quote_id BIGINT NOT NULL REFERENCES talk_quotes (id),
    add_fen BIGINT NOT NULL,
    reason TEXT NOT NULL,
    staff_id BIGINT NOT NULL,
    accepted_ms BIGINT,
    created_ms BIGINT NOT NULL
);
CREATE INDEX talk_quote_revisions_quote ON talk_quote_revisions (quote_id);

-- Charges recorded against a quote; excess_fen > 0 is a hidden mark-up.
CREATE TABLE talk_charges (
    id LX_ID_PK,
    quote_id BIGINT NOT NULL REFERENCES talk_quotes (id),
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    firm_id BIGINT NOT NULL,
    staff_id BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    excess_fen BIGINT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX talk_charges_quote ON talk_charges (quote_id);

-- Verified facts about a lawyer for credential claims (C5.4), beside the
-- first practice year read from the verified licence number. honours is
-- a JSON array of verified titles.
CREATE TABLE talk_lawyer_facts (
    staff_id BIGINT PRIMARY KEY,
    former_judge BIGINT NOT NULL CHECK (former_judge IN (0, 1)),
    former_prosecutor BIGINT NOT NULL CHECK (former_prosecutor IN (0, 1)),
    case_count BIGINT,
    honours TEXT NOT NULL,
    verified_by BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL
);

-- Virtual-number (AXB) bindings: the firm dials the virtual number, never
-- the user's own. At most one live binding per virtual number.
CREATE TABLE talk_bindings (
    id LX_ID_PK,
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    firm_id BIGINT NOT NULL,
    staff_id BIGINT NOT NULL,
    virtual_number TEXT NOT NULL,
    max_call_s BIGINT NOT NULL,
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    released_ms BIGINT
);
CREATE INDEX talk_bindings_number ON talk_bindings (virtual_number,
    expires_ms);
CREATE INDEX talk_bindings_lead ON talk_bindings (lead_id, id);

-- Call records from the telephony webhook, one row per provider call id;
-- event_id makes a redelivered event a no-op.
CREATE TABLE talk_calls (
    id LX_ID_PK,
    binding_id BIGINT NOT NULL REFERENCES talk_bindings (id),
    lead_id BIGINT NOT NULL REFERENCES leads (id),
    firm_id BIGINT NOT NULL,
    provider_call_id TEXT NOT NULL UNIQUE,
    started_ms BIGINT NOT NULL,
    answered_ms BIGINT,
    ended_ms BIGINT,
    duration_s BIGINT NOT NULL DEFAULT 0,
    over_limit BIGINT NOT NULL DEFAULT 0 CHECK (over_limit IN (0, 1))
);
CREATE INDEX talk_calls_lead ON talk_calls (lead_id, id);

CREATE TABLE talk_call_events (
    event_id TEXT PRIMARY KEY,
    call_id BIGINT NOT NULL REFERENCES talk_calls (id),
    kind TEXT NOT NULL CHECK (kind IN ('ringing', 'answered', 'ended')),
    at_ms BIGINT NOT NULL,
    received_ms BIGINT NOT NULL
);
