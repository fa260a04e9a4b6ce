-- Performance monitoring for devlog (seed 004, adapted): what devlogctl itself measures
-- (performance_metrics), snapshots of the server's connections (connection_pool_stats), and two
-- summary materialized views that 'devlogctl maintain' refreshes (query_performance_summary with
-- p95, devlog_activity_summary per project). Plain PostgreSQL 13+ like 0001; no extension needed.
--
-- Seed 004 was written for another application (tasks, lists, a web API) and scheduled with
-- pg_cron. What changed, and why:
--  1. No extensions. uuid-ossp is not needed (gen_random_uuid() is built in); pg_stat_statements
--     is not created here: managed services need it in shared_preload_libraries and CREATE
--     EXTENSION may need rights the migrating role lacks. 'devlogctl stats queries' reads it when
--     the database has it and works without it. pg_cron is not used: 'devlogctl maintain' (run by
--     the operator's cron) creates partitions, drops expired ones, takes the connection snapshot
--     and refreshes the views, so nothing depends on an extension the operator cannot install.
--  2. performance_metrics holds what devlogctl measures about its own work when asked
--     (--record-metrics, DEVLOG_RECORD_METRICS=1, or ALTER DATABASE ... SET
--     devlog.record_metrics = on): each import, upload, setup or maintenance step and query.
--     Kept from the seed: metric_type (the kind: import, upload, collect, setup, query, maintain,
--     partition, stats), metric_name, duration_ms, query_hash (SHA-256 hex of the SQL text),
--     timestamp, metadata. Added: row_count and byte_count (how much work the step did),
--     application_name and db_user (who measured). duration_ms is double precision, not integer:
--     many statements take under a millisecond and a p95 of zeros says nothing.
--     Dropped: memory_usage_mb, cpu_usage_percent (a CLI does not sample them), user_id (devlog's
--     users are the web app's accounts; devlogctl runs as a database role, kept in db_user),
--     session_id, request_id, endpoint, user_agent, ip_address (HTTP request context; devlogctl
--     has none). Indexes: (metric_type, timestamp) and (query_hash, timestamp) as in the seed; the
--     user, endpoint and duration indexes are dropped with their columns (a btree on duration_ms
--     does not help percentiles).
--  3. performance_metrics is partitioned by month on timestamp as in the seed, but this migration
--     creates only its DEFAULT partition: partitions named after the month the migration happens
--     to run in would make the schema depend on the date. 'devlogctl maintain' creates the
--     monthly partitions ahead of time, moves rows that landed in the default partition into
--     theirs, and drops months older than --retain-metrics. A partitioned table's primary key
--     must include the partition column: (id, timestamp).
--  4. connection_pool_stats: one row per (database, application_name, user, state) of
--     pg_stat_activity per snapshot, taken by 'devlogctl maintain' (collectors identify
--     themselves with application_name, so this is the pool view per client). Kept: recorded_at,
--     the counts (connections per state; waiting_connections = waiting for a lock). Replaced:
--     pool_name by application_name (a client-side pool is invisible to the server),
--     total/active/idle counts by one row per state (their sum is the total). Dropped:
--     avg/max_connection_time_ms, connection_errors (the server does not record them). Added:
--     longest_state_seconds and longest_transaction_seconds (idle-in-transaction sessions hold
--     locks and block maintenance) and max_connections (the headroom). Partitioned by month like
--     performance_metrics, so old snapshots are dropped as whole partitions, never deleted.
--  5. query_cache and cleanup_expired_cache() are dropped: devlogctl keeps no cache in the
--     database, and a cache table invalidated by DELETE every hour is the bloat this schema avoids.
--  6. user_activity_summary (tasks, lists, projects per user) becomes devlog_activity_summary: one
--     row per project with the last 30 days of agent activity (events, errors, sessions, agents,
--     tokens, cost, last event), the devlog entries (open, closed in 30 days, last update) and the
--     people and machines working on it (distinct machines.username and machines with a
--     workspace of the project). agent_events has no user column, so people are counted per
--     project rather than events per person. refreshed_at says how current it is: it reads 30 days
--     of events, so maintain refreshes it at most every --summaries-every (an hour by default)
--     rather than on every run. The view reads agent_events through the function
--     devlog_project_activity(since) (a SQL function records no dependency on the tables it
--     reads): 'devlogctl partition setup' replaces agent_events by a partitioned table, which
--     a view depending on agent_events would block.
--  7. query_performance_summary keeps the seed's shape (count, avg, min, max, p95 via
--     percentile_cont, distinct users, last execution; the last 7 days) grouped by
--     (metric_type, metric_name, query_hash) instead of query_hash alone, and without the seed's
--     HAVING count(*) > 10: devlogctl runs a handful of times an hour from cron, and
--     execution_count beside p95 tells how much a p95 is worth. query_hash is '' where none was
--     recorded, so the unique index that REFRESH ... CONCURRENTLY needs covers every row.
--  8. The seed's indexes on tasks, lists and users (status, position, due dates, full-text search,
--     is_active) are dropped: devlog has no such tables or columns. devlog_entries already has
--     its status/type/priority/project indexes (0001).
--  9. Every object has a COMMENT saying what fills it. Names are unqualified like 0001's.

-- migrate:up

CREATE TABLE performance_metrics (
    id               uuid             NOT NULL DEFAULT gen_random_uuid(),
    timestamp        timestamptz      NOT NULL DEFAULT now(),
    metric_type      text             NOT NULL,
    metric_name      text             NOT NULL,
    duration_ms      double precision NOT NULL,
    row_count        bigint,
    byte_count       bigint,
    query_hash       text,
    application_name text,
    db_user          text             NOT NULL DEFAULT current_user,
    metadata         jsonb            NOT NULL DEFAULT '{}',
    CONSTRAINT performance_metrics_pkey PRIMARY KEY (id, timestamp),
    CONSTRAINT performance_metrics_metric_type_check CHECK (metric_type ~ '^[a-z][a-z_]*$'),
    CONSTRAINT performance_metrics_duration_check CHECK (duration_ms >= 0),
    CONSTRAINT performance_metrics_row_count_check CHECK (row_count >= 0),
    CONSTRAINT performance_metrics_byte_count_check CHECK (byte_count >= 0)
) PARTITION BY RANGE (timestamp);

CREATE INDEX idx_performance_metrics_type_time ON performance_metrics (metric_type, timestamp);
CREATE INDEX idx_performance_metrics_query_hash ON performance_metrics (query_hash, timestamp);

CREATE TABLE performance_metrics_default PARTITION OF performance_metrics DEFAULT;

COMMENT ON TABLE performance_metrics IS
    'What devlogctl measured about its own work (with --record-metrics, DEVLOG_RECORD_METRICS=1 or devlog.record_metrics = on); monthly partitions made by devlogctl maintain';
COMMENT ON COLUMN performance_metrics.metric_type IS 'Kind of work: import, upload, collect, setup, query, maintain, partition, stats';
COMMENT ON COLUMN performance_metrics.metric_name IS 'Which one: a maintain step, a query name, an imported file';
COMMENT ON COLUMN performance_metrics.duration_ms IS 'Wall-clock time of the work, milliseconds';
COMMENT ON COLUMN performance_metrics.row_count IS 'Rows the work read, wrote or returned, when it counts them';
COMMENT ON COLUMN performance_metrics.byte_count IS 'Bytes the work read or wrote, when it counts them';
COMMENT ON COLUMN performance_metrics.query_hash IS 'SHA-256 (hex) of the SQL text the work ran, when it ran one statement';
COMMENT ON COLUMN performance_metrics.application_name IS 'application_name of the measuring connection';
COMMENT ON COLUMN performance_metrics.db_user IS 'Database role that measured';
COMMENT ON COLUMN performance_metrics.metadata IS 'Anything else worth keeping (a JSON object)';

CREATE TABLE connection_pool_stats (
    id                          uuid             NOT NULL DEFAULT gen_random_uuid(),
    recorded_at                 timestamptz      NOT NULL DEFAULT now(),
    database_name               text             NOT NULL,
    application_name            text             NOT NULL,
    user_name                   text             NOT NULL,
    state                       text             NOT NULL,
    connections                 integer          NOT NULL,
    waiting_connections         integer          NOT NULL DEFAULT 0,
    longest_state_seconds       double precision,
    longest_transaction_seconds double precision,
    max_connections             integer,
    CONSTRAINT connection_pool_stats_pkey PRIMARY KEY (id, recorded_at),
    CONSTRAINT connection_pool_stats_connections_check CHECK (connections >= 0),
    CONSTRAINT connection_pool_stats_waiting_check CHECK (waiting_connections >= 0)
) PARTITION BY RANGE (recorded_at);

CREATE INDEX idx_connection_pool_stats_time ON connection_pool_stats (recorded_at);
CREATE INDEX idx_connection_pool_stats_application ON connection_pool_stats (application_name, recorded_at);

CREATE TABLE connection_pool_stats_default PARTITION OF connection_pool_stats DEFAULT;

COMMENT ON TABLE connection_pool_stats IS
    'Snapshots of pg_stat_activity grouped by database, application_name, user and state, taken by devlogctl maintain';
COMMENT ON COLUMN connection_pool_stats.application_name IS 'application_name of the sessions (''(none)'' when empty)';
COMMENT ON COLUMN connection_pool_stats.state IS 'pg_stat_activity.state (active, idle, idle in transaction, ...; ''(unknown)'' when not visible to the role)';
COMMENT ON COLUMN connection_pool_stats.connections IS 'Client sessions in this group at recorded_at';
COMMENT ON COLUMN connection_pool_stats.waiting_connections IS 'Of those, sessions waiting for a lock';
COMMENT ON COLUMN connection_pool_stats.longest_state_seconds IS 'Longest time a session of the group had been in its state';
COMMENT ON COLUMN connection_pool_stats.longest_transaction_seconds IS 'Age of the oldest open transaction in the group';
COMMENT ON COLUMN connection_pool_stats.max_connections IS 'The server''s max_connections at recorded_at';

CREATE MATERIALIZED VIEW query_performance_summary AS
SELECT metric_type,
       metric_name,
       coalesce(query_hash, '') AS query_hash,
       count(*) AS execution_count,
       avg(duration_ms) AS avg_duration_ms,
       min(duration_ms) AS min_duration_ms,
       max(duration_ms) AS max_duration_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_duration_ms,
       sum(row_count) AS total_rows,
       count(DISTINCT db_user) AS unique_users,
       max(timestamp) AS last_execution
FROM performance_metrics
WHERE timestamp >= now() - interval '7 days'
GROUP BY metric_type, metric_name, coalesce(query_hash, '');

CREATE UNIQUE INDEX idx_query_performance_summary_key ON query_performance_summary (metric_type, metric_name, query_hash);
CREATE INDEX idx_query_performance_summary_avg_duration ON query_performance_summary (avg_duration_ms);

COMMENT ON MATERIALIZED VIEW query_performance_summary IS
    'performance_metrics of the last 7 days per kind, name and query hash, with p95; refreshed by devlogctl maintain';

-- The last activity per project since SINCE. A SQL function with a string body: it reads
-- agent_events by name when it runs, without a dependency that would block partition setup, in
-- the schemas of the search_path this migration ran with (SET search_path FROM CURRENT), whatever
-- the caller's search_path is.
CREATE FUNCTION devlog_project_activity(since timestamptz)
RETURNS TABLE (
    project_id            integer,
    project               text,
    events                bigint,
    error_events          bigint,
    sessions              bigint,
    agents                bigint,
    total_tokens          bigint,
    cost_usd              numeric,
    last_event_at         timestamptz,
    open_entries          bigint,
    closed_entries        bigint,
    last_entry_update     timestamptz,
    users                 bigint,
    machines              bigint
)
LANGUAGE sql STABLE
SET search_path FROM CURRENT
AS $$
    WITH ev AS (
        SELECT e.project_id,
               count(*) AS events,
               count(*) FILTER (WHERE e.severity = 'error') AS error_events,
               count(DISTINCT e.session_id) AS sessions,
               count(DISTINCT e.agent_id) AS agents,
               sum(CASE WHEN jsonb_typeof(e.metrics -> 'tokenCount') = 'number' THEN
                       CASE WHEN (e.metrics -> 'tokenCount')::numeric BETWEEN 0 AND 1000000000
                            THEN (e.metrics -> 'tokenCount')::numeric::bigint END END)::bigint AS total_tokens,
               sum(CASE WHEN jsonb_typeof(e.metrics -> 'cost') = 'number' THEN
                       CASE WHEN (e.metrics -> 'cost')::numeric BETWEEN 0 AND 1000000
                            THEN (e.metrics -> 'cost')::numeric END END) AS cost_usd,
               max(e.timestamp) AS last_event_at
        FROM agent_events e
        WHERE e.timestamp >= since
        GROUP BY e.project_id
    ), en AS (
        SELECT d.project_id,
               count(*) FILTER (WHERE d.closed_at IS NULL AND NOT d.archived) AS open_entries,
               count(*) FILTER (WHERE d.closed_at >= since) AS closed_entries,
               max(d.updated_at) AS last_entry_update
        FROM devlog_entries d
        GROUP BY d.project_id
    ), people AS (
        SELECT w.project_id, count(DISTINCT m.username) AS users, count(DISTINCT m.id) AS machines
        FROM workspaces w
        JOIN machines m ON m.id = w.machine_id
        GROUP BY w.project_id
    )
    SELECT p.id, p.full_name,
           coalesce(ev.events, 0), coalesce(ev.error_events, 0), coalesce(ev.sessions, 0),
           coalesce(ev.agents, 0), coalesce(ev.total_tokens, 0), coalesce(ev.cost_usd, 0),
           ev.last_event_at,
           coalesce(en.open_entries, 0), coalesce(en.closed_entries, 0), en.last_entry_update,
           coalesce(people.users, 0), coalesce(people.machines, 0)
    FROM projects p
    LEFT JOIN ev ON ev.project_id = p.id
    LEFT JOIN en ON en.project_id = p.id
    LEFT JOIN people ON people.project_id = p.id
$$;

COMMENT ON FUNCTION devlog_project_activity(timestamptz) IS
    'Activity per project since the given instant: agent events, devlog entries, people and machines (devlog_activity_summary reads it)';

CREATE MATERIALIZED VIEW devlog_activity_summary AS
SELECT a.*, now() AS refreshed_at FROM devlog_project_activity(now() - interval '30 days') AS a;

CREATE UNIQUE INDEX idx_devlog_activity_summary_project ON devlog_activity_summary (project_id);

COMMENT ON MATERIALIZED VIEW devlog_activity_summary IS
    'Per project: the last 30 days of agent activity, devlog entries, people and machines; refreshed by devlogctl maintain (at most every --summaries-every, default an hour: it reads 30 days of events)';

-- migrate:down

DROP MATERIALIZED VIEW IF EXISTS devlog_activity_summary;
DROP FUNCTION IF EXISTS devlog_project_activity(timestamptz);
DROP MATERIALIZED VIEW IF EXISTS query_performance_summary;
DROP TABLE IF EXISTS connection_pool_stats;
DROP TABLE IF EXISTS performance_metrics;
