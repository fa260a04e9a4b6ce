-- Where the continuous aggregates named in $1 (text[], on the search path) are current,
-- overlapping [$2, $3) (int8 microseconds since the epoch, as TimescaleDB 2.x keeps them), all in
-- one round trip: per aggregate a row (name, 'watermark', its materialization watermark, NULL),
-- then a row (name, 'stale', lowest, greatest) per closed range that is not current: changes to the
-- raw hypertable not yet refreshed into it (hypertable log: moved to the aggregate's own log by the
-- next refresh) and ranges never materialised (the aggregate's log starts as [-inf, +inf]). No row
-- for a name: not a continuous aggregate. catalog.cpp fills in FUNCTIONS (the quoted schema of
-- TimescaleDB's internal functions) and PENDING (cagg_pending.sql on 2.22+, else nothing).
WITH ca AS (
    SELECT v.name, ca.mat_hypertable_id AS mat, ca.raw_hypertable_id AS raw
    FROM unnest($1::text[]) AS v(name)
    JOIN pg_class c ON c.oid = to_regclass(v.name)
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN _timescaledb_catalog.continuous_agg ca ON ca.user_view_schema = n.nspname AND ca.user_view_name = c.relname
)
SELECT ca.name, 'watermark' AS kind, {functions}.cagg_watermark(ca.mat) AS lowest, NULL::int8 AS greatest
FROM ca
UNION ALL
SELECT ca.name, 'stale', l.lowest_modified_value, l.greatest_modified_value
FROM ca
JOIN _timescaledb_catalog.continuous_aggs_materialization_invalidation_log l ON l.materialization_id = ca.mat
WHERE l.lowest_modified_value < $3 AND l.greatest_modified_value >= $2
UNION ALL
SELECT ca.name, 'stale', l.lowest_modified_value, l.greatest_modified_value
FROM ca
JOIN _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log l ON l.hypertable_id = ca.raw
WHERE l.lowest_modified_value < $3 AND l.greatest_modified_value >= $2
{pending}
