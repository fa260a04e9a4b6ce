-- Continuous aggregates: source hypertable, real-time or not, the materialisation watermark (the
-- installed version's catalog function: {watermark}; microseconds since the epoch, its minimum
-- when nothing was materialised yet), how far it lags behind now, the refresh policy and its last
-- success, and the invalidation-log entries below the watermark still waiting for a refresh.
SELECT ca.user_view_name AS aggregate, raw.table_name AS source, ca.materialized_only,
       (extract(epoch FROM w.watermark) * 1000000)::int8 AS watermark,
       justify_interval(date_trunc('second', now() - w.watermark))::text AS lag,
       j.schedule_interval::text AS refresh_every,
       j.config ->> 'start_offset' AS start_offset, j.config ->> 'end_offset' AS end_offset,
       (extract(epoch FROM s.last_successful_finish) * 1000000)::int8 AS last_refresh,
       (SELECT count(*)
        FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log l
        WHERE l.materialization_id = ca.mat_hypertable_id AND l.lowest_modified_value < m.value)
       + (SELECT count(*)
          FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log l
          WHERE l.hypertable_id = ca.raw_hypertable_id AND l.lowest_modified_value < m.value) AS pending_invalidations
FROM _timescaledb_catalog.continuous_agg ca
JOIN _timescaledb_catalog.hypertable raw ON raw.id = ca.raw_hypertable_id
CROSS JOIN LATERAL (SELECT {watermark}(ca.mat_hypertable_id) AS value) m
CROSS JOIN LATERAL (
    SELECT CASE WHEN m.value > -210866803200000000
                THEN 'epoch'::timestamptz + m.value * interval '1 microsecond' END AS watermark) w
LEFT JOIN timescaledb_information.jobs j
       ON j.proc_name = 'policy_refresh_continuous_aggregate' AND j.hypertable_schema = ca.user_view_schema
      AND j.hypertable_name = ca.user_view_name
LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
ORDER BY ca.user_view_schema, ca.user_view_name
