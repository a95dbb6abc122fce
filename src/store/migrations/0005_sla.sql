-- 0005_sla: durable SLA deadlines (C5.1, C6.1, C6.2, C6.3, C7.2;
-- docs/sla.md, src/sla/).
--
-- One row per (kind, object_id): scheduling twice is a no-op. state is
-- 'open' until the runner fires it ('fired': the deadline passed, a
-- violation was written in the same transaction) or the duty is met in
-- time ('satisfied'). done_ms is when the duty was met (also after a
-- breach, for response-time figures); fired_ms, late and fired_by say when
-- and by which daemon the breach was handled: late = 1 when it fired more
-- than the grace after due_ms (the daemon was down or behind).
CREATE TABLE sla_timer (
    id LX_ID_PK,
    kind TEXT NOT NULL,
    object_id BIGINT NOT NULL,
    firm_id BIGINT NOT NULL,
    start_ms BIGINT NOT NULL,
    due_ms BIGINT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open'
        CHECK (state IN ('open', 'fired', 'satisfied')),
    done_ms BIGINT,
    fired_ms BIGINT,
    late BIGINT NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    fired_by TEXT,
    created_ms BIGINT NOT NULL,
    UNIQUE (kind, object_id)
);
CREATE INDEX sla_timer_due ON sla_timer (state, due_ms);
CREATE INDEX sla_timer_firm ON sla_timer (firm_id, kind, state, due_ms);
