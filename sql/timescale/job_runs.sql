-- Runs of TimescaleDB jobs by 'devlogctl timescale jobs run' (CALL run_job records nothing in
-- TimescaleDB's job statistics): the last run of each job, for 'devlogctl status'.
CREATE SCHEMA IF NOT EXISTS devlogctl;
CREATE TABLE IF NOT EXISTS devlogctl.timescale_job_runs (
    job_id      integer     PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL,
    succeeded   boolean     NOT NULL,
    sqlstate    text,
    message     text
);
