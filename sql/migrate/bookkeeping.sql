-- The migration history devlogctl keeps in the target database: one row per applied migration, in
-- a schema of its own so that it never collides with another tool's schema_migrations (dbmate,
-- golang-migrate, Rails) nor moves with the migrations' search_path.
-- kind: 'migrate' (run by devlogctl) or 'baseline' (marked applied by 'migrate baseline').
-- success = false: a transaction:false migration started and did not finish (statements_done of
-- statements_total ran; error says why, or is NULL when the process died); 'migrate up' refuses
-- to go on until an operator has looked (then 'migrate up --retry-failed'). reverting = true: it
-- was the down section that did not finish.
-- The schema devlogctl is created by devlogctl first, only when missing (CREATE SCHEMA IF NOT
-- EXISTS would need CREATE on the database even when the schema exists).
CREATE TABLE IF NOT EXISTS devlogctl.schema_migrations (
    version          bigint      PRIMARY KEY,
    name             text        NOT NULL,
    checksum         text        NOT NULL,
    applied_at       timestamptz NOT NULL DEFAULT now(),
    execution_ms     bigint      NOT NULL DEFAULT 0,
    kind             text        NOT NULL DEFAULT 'migrate' CHECK (kind IN ('migrate', 'baseline')),
    success          boolean     NOT NULL DEFAULT true,
    statements_done  integer,
    statements_total integer,
    error            text,
    reverting        boolean     NOT NULL DEFAULT false
);
