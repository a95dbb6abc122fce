-- 0001_schema: what the foundation needs. Later issues add their own
-- numbered files; never edit an applied migration, add a new one.

-- Facts about this installation (instance_id, created_at_ms: filled by the
-- migration runner). Values are text; keys are stable snake_case names.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
