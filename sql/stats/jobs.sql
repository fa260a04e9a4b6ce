-- TimescaleDB's background jobs (policies and others): schedule, last and next run, failures and
-- the latest error message (timescaledb_information views of 2.x).
SELECT j.job_id, j.application_name, j.proc_name, j.hypertable_name AS target,
       j.schedule_interval::text AS schedule, j.scheduled,
       (extract(epoch FROM s.last_run_started_at) * 1000000)::int8 AS last_run,
       s.last_run_status,
       (extract(epoch FROM s.last_successful_finish) * 1000000)::int8 AS last_success,
       (extract(epoch FROM j.next_start) * 1000000)::int8 AS next_run,
       s.total_runs, s.total_failures,
       (SELECT e.err_message
        FROM timescaledb_information.job_errors e
        WHERE e.job_id = j.job_id
        ORDER BY e.start_time DESC
        LIMIT 1) AS last_error
FROM timescaledb_information.jobs j
LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
ORDER BY j.job_id
