#!/usr/bin/env bash
# The finer timescale commands on a real server, 2.17.2 and 2.28.3: hypertable (rows kept, chunk
# interval), retention set / change / remove, reorder set / remove, aggregates create (history
# materialized, refresh policies), each idempotent; setup --format json reports every step;
# status warns that a newer TimescaleDB is installed but not applied (2.17.2 beside 2.28.3).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/timescale_lib.sh"
need_tsdb

policy() { # URL PROC: the policy's setting as TimescaleDB reports it, "" when there is none
  sql "$1" "SELECT coalesce(config->>'drop_after', config->>'index_name', '') FROM timescaledb_information.jobs
            WHERE proc_name = '$2' AND hypertable_name = 'agent_events'"
}

for version in 2.17.2 2.28.3; do
  url=$(migrated_tsdb_db "$version")
  insert_events "$url" 48 "5 days" "1 hour" # 48 hourly events, all older than 2 days
  rows_before=$(sql "$url" "SELECT count(*) || ' ' || md5(string_agg(id::text || timestamp::text, ',' ORDER BY id)) FROM agent_events")

  run --database-url "$url" --format csv timescale hypertable --chunk-interval 2d
  assert_rc 0
  assert_contains "$out" "hypertable,applied,"
  assert_eq "agent_events|2 days" "$(sql "$url" "SELECT hypertable_name, time_interval FROM timescaledb_information.dimensions")" \
    "hypertable and its chunk interval ($version)"
  assert_eq "$rows_before" "$(sql "$url" "SELECT count(*) || ' ' || md5(string_agg(id::text || timestamp::text, ',' ORDER BY id)) FROM agent_events")" \
    "rows moved into chunks ($version)"
  run --database-url "$url" --format csv timescale hypertable --chunk-interval 2d
  assert_rc 0
  assert_contains "$out" "hypertable,already in place,"

  run --database-url "$url" --format csv timescale retention set --retain 90d
  assert_rc 0
  assert_eq "90 days" "$(policy "$url" policy_retention)" "retention set ($version)"
  run --database-url "$url" --format csv timescale retention set --retain 120d
  assert_rc 0
  assert_contains "$out" ",changed,"
  assert_eq "120 days" "$(policy "$url" policy_retention)" "retention changed ($version)"
  run --database-url "$url" --format csv timescale retention remove
  assert_rc 0
  assert_eq "" "$(policy "$url" policy_retention)" "retention removed ($version)"
  assert_eq 48 "$(sql "$url" "SELECT count(*) FROM agent_events")" "data kept after retention remove ($version)"
  run --database-url "$url" --format csv timescale retention remove
  assert_rc 0
  assert_contains "$out" "already in place"

  run --database-url "$url" --format csv timescale reorder set
  assert_rc 0
  assert_eq "idx_agent_events_session_time" "$(policy "$url" policy_reorder)" "reorder set ($version)"
  run --database-url "$url" --format csv timescale reorder remove
  assert_rc 0
  assert_eq "" "$(policy "$url" policy_reorder)" "reorder removed ($version)"

  run --database-url "$url" --format csv timescale aggregates create
  assert_rc 0
  assert_eq "48 48 48" "$(sql "$url" "SELECT (SELECT sum(event_count) FROM agent_events_hourly) || ' ' || (SELECT sum(event_count) FROM agent_events_daily)
    || ' ' || (SELECT sum(event_count) FROM agent_events_totals_5m)")" \
    "history materialized in the three aggregates ($version)"
  assert_eq 3 "$(sql "$url" "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate'")" \
    "refresh policies ($version)"
  run --database-url "$url" --format csv timescale aggregates create
  assert_rc 0
  assert_not_contains "$out" ",applied,"

  # setup on top: JSON, one object per step with its outcome, old -> new where it changes.
  run --database-url "$url" --format json timescale setup --no-retention --no-reorder
  assert_rc 0
  assert_contains "$out" '"step": "extension",
    "result": "already in place",'
  assert_contains "$out" '"step": "hypertable",
    "result": "changed",
    "old": "chunks of 2 days",
    "new": "chunks of 1 day",'
  word=columnstore
  [ "$version" != 2.17.2 ] || word=compression
  assert_contains "$out" "\"step\": \"$word\",
    \"result\": \"applied\","

  if [ "$version" = 2.17.2 ]; then
    run --database-url "$url" status
    assert_contains "$out" "warning: TimescaleDB 2.28.3 is installed on the server but this database still uses 2.17.2"
    assert_contains "$out" "ALTER EXTENSION timescaledb UPDATE"
  fi

  # A database set up by the release before agent_events_totals_5m (two aggregates, the hourly
  # window ending an hour ago): refresh still refreshes what is there; status names what is
  # missing; setup adds the totals, moves the hourly window and materializes the totals.
  sql "$url" "DROP MATERIALIZED VIEW agent_events_totals_5m" >/dev/null
  hourly_job=$(sql "$url" "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate'
                           AND config->>'start_offset' = '1 day' AND config->>'end_offset' = '00:05:00'")
  [ -n "$hourly_job" ] || fail "no hourly refresh policy ($version)"
  sql "$url" "SELECT alter_job($hourly_job, config => jsonb_set(j.config, '{end_offset}', '\"01:00:00\"')) FROM timescaledb_information.jobs j WHERE j.job_id = $hourly_job" >/dev/null
  run --database-url "$url" --format csv timescale aggregates refresh
  assert_rc 0
  assert_contains "$out" "refresh agent_events_totals_5m,skipped,,,missing: devlogctl timescale setup"
  assert_contains "$out" "refresh agent_events_hourly,"
  run --database-url "$url" status
  assert_contains "$out" "agent_events_totals_5m does not exist"
  run --database-url "$url" --format csv timescale setup --no-retention --no-reorder
  assert_rc 0
  assert_contains "$out" "aggregate agent_events_totals_5m,applied,"
  assert_contains "$out" "refresh policy agent_events_hourly,changed,\"every 10 minutes, window 1 day to 1 hour ago\",\"every 10 minutes, window 1 day to 5 minutes ago\""
  assert_contains "$out" "materialize agent_events_totals_5m,applied,"
  assert_eq "48" "$(sql "$url" "SELECT sum(event_count) FROM agent_events_totals_5m")" "totals materialized after the upgrade ($version)"
done
pass
