-- The compression (columnstore), retention and reorder policies of hypertable $1.$2: job id, proc
-- name, the interval the policy is about (compress_after, drop_after) as text and microseconds,
-- and the reorder index.
SELECT j.job_id, j.proc_name,
       (v.value::interval)::text,
       (EXTRACT(epoch FROM v.value::interval) * 1000000)::bigint,
       j.config ->> 'index_name'
FROM timescaledb_information.jobs j
CROSS JOIN LATERAL (SELECT j.config ->> (CASE j.proc_name WHEN 'policy_compression' THEN 'compress_after'
                                                          WHEN 'policy_retention' THEN 'drop_after' END) AS value) v
WHERE j.hypertable_schema = $1 AND j.hypertable_name = $2 AND j.proc_schema = '_timescaledb_functions'
  AND j.proc_name IN ('policy_compression', 'policy_retention', 'policy_reorder')
ORDER BY j.job_id
