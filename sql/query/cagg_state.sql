-- Where the continuous aggregate named $1 (on the search path) is current, overlapping [$2, $3)
-- (int8 microseconds since the epoch, as TimescaleDB 2.x keeps them), in one round trip: a row
-- ('watermark', its materialization watermark, NULL), then a row ('stale', lowest, greatest) per
-- closed range that is not current: changes to the raw hypertable not yet refreshed into it
-- (hypertable log: moved to the aggregate's own log by the next refresh) and ranges never
-- materialised (the aggregate's log starts as [-inf, +inf]). No row: not a continuous aggregate.
-- catalog.cpp fills in FUNCTIONS (the quoted schema of TimescaleDB's internal functions) and
-- PENDING (cagg_pending.sql on 2.22+, else nothing).
WITH ca AS (
    SELECT ca.mat_hypertable_id AS mat, ca.raw_hypertable_id AS raw
    FROM _timescaledb_catalog.continuous_agg ca
    JOIN pg_namespace n ON n.nspname = ca.user_view_schema
    JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = ca.user_view_name
    WHERE c.oid = to_regclass($1)
)
SELECT 'watermark' AS kind, {functions}.cagg_watermark(ca.mat) AS lowest, NULL::int8 AS greatest
FROM ca
UNION ALL
SELECT 'stale', l.lowest_modified_value, l.greatest_modified_value
FROM ca
JOIN _timescaledb_catalog.continuous_aggs_materialization_invalidation_log l ON l.materialization_id = ca.mat
WHERE l.lowest_modified_value < $3 AND l.greatest_modified_value >= $2
UNION ALL
SELECT 'stale', l.lowest_modified_value, l.greatest_modified_value
FROM ca
JOIN _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log l ON l.hypertable_id = ca.raw
WHERE l.lowest_modified_value < $3 AND l.greatest_modified_value >= $2
{pending}
