#!/usr/bin/env bash
# The TimescaleDB scheduler really runs jobs, on 2.17.2 and 2.28.3: a custom job (add_job of a
# procedure) on a 1-second schedule inserts rows, and a compression policy (2.17.2's compression
# API, 2.28.3's columnstore API) compresses the chunks older than a day. The test checks the work,
# never the job's status: on PostgreSQL 15.20, 2.28.3's scheduled jobs do their work and then end
# Failed (design.md §5).
. "$(dirname "$0")/lib.sh"

for version in 2.17.2 2.28.3; do
  url=$(new_tsdb_db "$version")
  sql "$url" "CREATE TABLE ticks (job_id int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())"
  sql "$url" "CREATE PROCEDURE tick(job_id int, config jsonb) LANGUAGE plpgsql
              AS \$\$ BEGIN INSERT INTO ticks (job_id) VALUES (job_id); END \$\$"
  job=$(sql "$url" "SELECT add_job('tick', interval '1 second')")

  # Three whole UTC days ten days ago (three daily chunks), and one row now (a fourth chunk).
  sql "$url" "CREATE TABLE metrics (ts timestamptz NOT NULL, device int NOT NULL, value double precision)"
  sql "$url" "SELECT create_hypertable('metrics', 'ts', chunk_time_interval => interval '1 day')" >/dev/null
  sql "$url" "INSERT INTO metrics
              SELECT date_trunc('day', now() - interval '10 days', 'UTC') + g * interval '1 hour', g % 3, g
              FROM generate_series(0, 71) g
              UNION ALL SELECT now(), 0, -1"
  if [ "$version" = 2.17.2 ]; then
    sql "$url" "ALTER TABLE metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'device',
                timescaledb.compress_orderby = 'ts DESC')"
    sql "$url" "SELECT add_compression_policy('metrics', compress_after => interval '1 day',
                schedule_interval => interval '1 second')" >/dev/null
  else
    sql "$url" "ALTER TABLE metrics SET (timescaledb.enable_columnstore, timescaledb.segmentby = 'device',
                timescaledb.orderby = 'ts DESC')"
    sql "$url" "CALL add_columnstore_policy('metrics', after => interval '1 day',
                schedule_interval => interval '1 second')"
  fi

  wait_for "job $job to insert a row (TimescaleDB $version)" 60 \
    sql_is "$url" t "SELECT count(*) > 0 FROM ticks WHERE job_id = $job"
  wait_for "the compression policy to compress the three old chunks (TimescaleDB $version)" 60 \
    sql_is "$url" "3|4" "SELECT count(*) FILTER (WHERE is_compressed), count(*)
                         FROM timescaledb_information.chunks WHERE hypertable_name = 'metrics'"
  assert_eq "73|2555" "$(sql "$url" "SELECT count(*), sum(value) FROM metrics")" "rows after compression ($version)"
done
pass
