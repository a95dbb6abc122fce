-- 0003_audit: the tamper-evident audit log (C4.3, C3.4, C7.3; docs/audit.md).
--
-- audit_log holds the raw fields of every entry; `lexgate audit verify`
-- re-encodes each row canonically and recomputes its RFC 9162 leaf hash, so
-- `leaf` is a convenience for proofs and a tripwire, never trusted. Rows are
-- only ever inserted: seq is 1, 2, 3 … without gaps (one writer on SQLite;
-- on PostgreSQL the appending transaction first takes
-- pg_advisory_xact_lock on the audit key). Subjects appear only as keyed-hash
-- pseudonyms, so crypto-shredding never forces a rewrite.
CREATE TABLE audit_log (
    seq LX_ID_PK, -- given explicitly (largest + 1), never generated
    time_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_kind BIGINT NOT NULL,
    actor_id BIGINT NOT NULL,
    actor_firm BIGINT NOT NULL,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    subject LX_BYTES NOT NULL,
    field TEXT NOT NULL,
    purpose TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT NOT NULL,
    clause TEXT NOT NULL,
    request_id TEXT NOT NULL,
    leaf LX_BYTES NOT NULL
);
-- Compliance queries narrow by firm, staff member, subject pseudonym or time
-- first; action and clause filter within those (an index each cost ~5% of
-- the append rate in bench/audit).
CREATE INDEX audit_log_firm ON audit_log (actor_firm, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_time ON audit_log (time_ms);

-- Signed checkpoints (C2SP tlog-checkpoint notes), newest = highest id.
CREATE TABLE audit_checkpoint (
    id LX_ID_PK,
    tree_size BIGINT NOT NULL,
    root LX_BYTES NOT NULL,
    note TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE INDEX audit_checkpoint_size ON audit_checkpoint (tree_size);
