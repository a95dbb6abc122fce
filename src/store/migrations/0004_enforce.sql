-- 0004_enforce: the violation ledger (C8.1; docs/sla.md, src/enforce/).
--
-- One record per breach, from any module (sla first; talk and cases
-- later), with the contract clause it breaches. Kept minimal: it is the
-- seed of the C8.1 ladder, which will add points, windows and operator
-- decisions in its own migration. A record is written at most once per
-- (kind, object_ref): the writer inserts with ON CONFLICT DO NOTHING, so a
-- retried or duplicated detection never counts twice. firm_id names
-- orgs.id; it is not a foreign key, so a detection is never lost because
-- the org row is missing or being replaced. at_ms is when the breach
-- happened (for a missed deadline: the deadline itself).
CREATE TABLE violation (
    id LX_ID_PK,
    firm_id BIGINT NOT NULL,
    clause TEXT NOT NULL,
    kind TEXT NOT NULL,
    object_ref TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    evidence_ref TEXT NOT NULL,
    UNIQUE (kind, object_ref)
);
CREATE INDEX violation_firm ON violation (firm_id, at_ms);
CREATE INDEX violation_at ON violation (at_ms);
