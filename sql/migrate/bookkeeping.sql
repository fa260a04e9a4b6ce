-- The migration history devlogctl keeps in the target database (one row per applied migration).
-- kind: 'migrate' (run by devlogctl) or 'baseline' (marked applied by 'migrate baseline').
-- success = false: a transaction:false migration failed partway; 'migrate up' refuses to go on
-- until an operator has looked (then 'migrate up --retry-failed').
CREATE TABLE IF NOT EXISTS schema_migrations (
    version      bigint      PRIMARY KEY,
    name         text        NOT NULL,
    checksum     text        NOT NULL,
    applied_at   timestamptz NOT NULL DEFAULT now(),
    execution_ms bigint      NOT NULL DEFAULT 0,
    kind         text        NOT NULL DEFAULT 'migrate' CHECK (kind IN ('migrate', 'baseline')),
    success      boolean     NOT NULL DEFAULT true
)
