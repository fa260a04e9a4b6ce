-- The refresh policy of continuous aggregate $1.$2: job id, schedule, start and end offsets (each
-- as text and microseconds). The jobs view names the aggregate on 2.18+ and its materialization
-- hypertable before: match either.
SELECT j.job_id,
       j.schedule_interval::text, (EXTRACT(epoch FROM j.schedule_interval) * 1000000)::bigint,
       ((j.config ->> 'start_offset')::interval)::text,
       (EXTRACT(epoch FROM (j.config ->> 'start_offset')::interval) * 1000000)::bigint,
       ((j.config ->> 'end_offset')::interval)::text,
       (EXTRACT(epoch FROM (j.config ->> 'end_offset')::interval) * 1000000)::bigint
FROM timescaledb_information.continuous_aggregates ca
JOIN timescaledb_information.jobs j
  ON (j.hypertable_schema = ca.view_schema AND j.hypertable_name = ca.view_name)
  OR (j.hypertable_schema = ca.materialization_hypertable_schema AND j.hypertable_name = ca.materialization_hypertable_name)
WHERE ca.view_schema = $1 AND ca.view_name = $2 AND j.proc_name = 'policy_refresh_continuous_aggregate'
ORDER BY j.job_id
LIMIT 1
