-- Beside the plain rollup tables (rollup::table_sql): the invalidation log their refresh reads,
-- the refresh state and the trigger function that fills the log. @schema@ is the schema of
-- agent_events (quoted), @hourly@ the hourly rollup (quoted). Runs in one transaction with the
-- tables, the first time maintain finds no rollups (lib/rollup/plain.cpp).

-- Which hours of agent_events changed since the rollups last saw them: statement triggers on
-- agent_events append one row per touched hour (no key: concurrent writers never wait on each
-- other here), and the refresh deletes what it re-aggregated.
CREATE TABLE @schema@.agent_events_rollup_log (
    hour      timestamptz NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE @schema@.agent_events_rollup_log IS
    'Hours of agent_events touched by INSERT, UPDATE, DELETE or TRUNCATE since the last rollup refresh (written by triggers, consumed by devlogctl maintain)';

CREATE TABLE @schema@.agent_events_rollup_state (
    rollup            text PRIMARY KEY,
    watermark         timestamptz NOT NULL,
    refreshed_at      timestamptz NOT NULL,
    refresh_ms        double precision NOT NULL,
    buckets_refreshed bigint NOT NULL
);
COMMENT ON TABLE @schema@.agent_events_rollup_state IS
    'Last refresh of each plain rollup: every agent_events row committed before watermark is counted in it';
COMMENT ON COLUMN @schema@.agent_events_rollup_state.watermark IS
    'The rollup counts every event committed before this instant (late events included); later changes wait in agent_events_rollup_log';

-- Appends the hours a statement touched to the log. Every name is qualified: it runs with the
-- search_path of whoever writes agent_events.
CREATE FUNCTION @schema@.agent_events_rollup_invalidate() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO @schema@.agent_events_rollup_log (hour) SELECT DISTINCT bucket FROM @schema@.@hourly@;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO @schema@.agent_events_rollup_log (hour)
        SELECT DISTINCT date_bin('1 hour', "timestamp", '2000-01-01 00:00:00+00') FROM rollup_new;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO @schema@.agent_events_rollup_log (hour)
        SELECT DISTINCT date_bin('1 hour', "timestamp", '2000-01-01 00:00:00+00') FROM rollup_old;
    END IF;
    RETURN NULL;
END
$fn$;
COMMENT ON FUNCTION @schema@.agent_events_rollup_invalidate() IS
    'Trigger of agent_events: logs the hours a statement changed for the plain rollups (devlogctl maintain)';
