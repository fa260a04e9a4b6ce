-- Jobs from id $1 up (lib/timescale/jobs.cpp): id, name, procedure, target (the continuous
-- aggregate for a refresh policy, whose jobs row names its materialization hypertable before
-- 2.18), schedule (text, microseconds), scheduled, next start, job status, total runs and
-- failures, the scheduler's last run: status, start, finish (no status while a run is in progress),
-- and the finish of its last successful run. Instants in microseconds since
-- the epoch; NULL for none (TimescaleDB's -infinity).
WITH j AS (
    SELECT j.*, s.job_status, s.last_run_status, s.last_run_started_at, s.total_runs, s.total_failures,
           s.last_run_duration, s.last_successful_finish,
           coalesce(ca.view_schema || '.' || ca.view_name, j.hypertable_schema || '.' || j.hypertable_name) AS target
    FROM timescaledb_information.jobs j
    LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
    LEFT JOIN timescaledb_information.continuous_aggregates ca
           ON j.hypertable_schema = ca.materialization_hypertable_schema
          AND j.hypertable_name = ca.materialization_hypertable_name
    WHERE j.job_id >= $1
)
SELECT job_id, application_name, proc_schema || '.' || proc_name, coalesce(target, ''),
       schedule_interval::text, (EXTRACT(epoch FROM schedule_interval) * 1000000)::bigint,
       scheduled,
       CASE WHEN pg_catalog.isfinite(next_start) THEN (EXTRACT(epoch FROM next_start) * 1000000)::bigint END,
       coalesce(job_status, ''), coalesce(total_runs, 0), coalesce(total_failures, 0),
       coalesce(last_run_status, ''),
       CASE WHEN pg_catalog.isfinite(last_run_started_at)
            THEN (EXTRACT(epoch FROM last_run_started_at) * 1000000)::bigint END,
       CASE WHEN pg_catalog.isfinite(last_run_started_at + last_run_duration)
            THEN (EXTRACT(epoch FROM last_run_started_at + last_run_duration) * 1000000)::bigint END,
       CASE WHEN pg_catalog.isfinite(last_successful_finish)
            THEN (EXTRACT(epoch FROM last_successful_finish) * 1000000)::bigint END
FROM j
ORDER BY job_id
