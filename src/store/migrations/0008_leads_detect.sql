-- 0008_leads_detect.sql — lead-trading detection (C5.9): canary leads and
-- the facts the detectors need that no other table kept. docs/leads.md,
-- "Lead-trading detection".
--
-- leads.canary: a synthetic lead seeded for one firm (lx_leads_canary_seed);
-- never distributed to any other firm.
ALTER TABLE leads ADD COLUMN canary BIGINT NOT NULL DEFAULT 0
    CHECK (canary IN (0, 1));
CREATE INDEX leads_canary ON leads (canary, subject_id);

-- sessions.origin: where a staff session was opened from: the hex SHA-256
-- of the source address that the sign-in throttle keeps (auth/signin.c),
-- never the address itself; NULL when not known. The sharing detector
-- compares tokens only.
ALTER TABLE sessions ADD COLUMN origin TEXT;

-- A canary lead's phone seen again at intake (vault blind index): the new
-- lead that carried it. One row per (canary, new lead).
CREATE TABLE lead_canary_hits (
    id LX_ID_PK,
    canary_id BIGINT NOT NULL REFERENCES leads (id),
    hit_lead_id BIGINT NOT NULL REFERENCES leads (id),
    hit_ms BIGINT NOT NULL,
    UNIQUE (canary_id, hit_lead_id)
);
