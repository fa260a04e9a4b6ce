-- The earliest row of the raw table (the caller formats its quoted name into the FROM below) that changed after the
-- continuous aggregate $1.$2 materialized its bucket: the invalidation ranges TimescaleDB keeps
-- for the raw hypertable and for the aggregate, below the watermark, where rows exist. Microseconds
-- since the epoch; NULL when there is none. Internal catalog tables, the same from 2.13 to 2.28.
WITH k AS (
    SELECT raw_hypertable_id, mat_hypertable_id, _timescaledb_functions.cagg_watermark(mat_hypertable_id) AS wm
    FROM _timescaledb_catalog.continuous_agg
    WHERE user_view_schema = $1 AND user_view_name = $2
), r AS (
    SELECT l.lowest_modified_value AS lo, l.greatest_modified_value AS hi
    FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log l JOIN k ON l.hypertable_id = k.raw_hypertable_id
    UNION ALL
    SELECT m.lowest_modified_value, m.greatest_modified_value
    FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log m JOIN k ON m.materialization_id = k.mat_hypertable_id
)
SELECT (EXTRACT(epoch FROM pg_catalog.min(x.first)) * 1000000)::bigint
FROM r CROSS JOIN k
CROSS JOIN LATERAL (
    SELECT pg_catalog.min("timestamp") AS first FROM {table}
    WHERE "timestamp" >= _timescaledb_functions.to_timestamp(greatest(r.lo, -210866803200000000))
      AND "timestamp" <= _timescaledb_functions.to_timestamp(least(r.hi, k.wm - 1))
) x
WHERE r.lo < k.wm
