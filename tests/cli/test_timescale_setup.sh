#!/usr/bin/env bash
# timescale setup on 2.17.2 (compression API) and 2.28.3 (columnstore API): a migrated database
# whose agent_events already holds rows over 40 days becomes a tuned TimescaleDB one (every object
# and policy in timescaledb_information; all rows kept, in chunks); --dry-run changes nothing; a
# second setup reports every step "already in place" and leaves the catalog as it was; changing
# --compress-after and --retain changes exactly those two policies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/timescale_lib.sh"
need_tsdb

for version in 2.17.2 2.28.3; do
  url=$(migrated_tsdb_db "$version")
  insert_events "$url" 1920 "40 days" "30 minutes"
  rows_before=$(sql "$url" "SELECT count(*) || ' ' || md5(string_agg(id::text || timestamp::text || coalesce(metrics::text, ''), ',' ORDER BY id)) FROM agent_events")

  run --database-url "$url" timescale setup --dry-run
  assert_rc 0
  assert_contains "$out" "--   hypertable                               would apply       agent_events, chunks of 1 day"
  assert_contains "$out" "create_hypertable('\"public\".\"agent_events\"'::regclass, 'timestamp'::name, chunk_time_interval => '1 day'::interval, migrate_data => true);"
  if [ "$version" = 2.17.2 ]; then
    assert_contains "$out" "add_compression_policy('\"public\".\"agent_events\"'::regclass, compress_after => '7 days'::interval);"
  else
    assert_contains "$out" "CALL \"public\".add_columnstore_policy('\"public\".\"agent_events\"'::regclass, after => '7 days'::interval);"
  fi
  assert_eq 0 "$(sql "$url" "SELECT count(*) FROM timescaledb_information.hypertables")" "hypertables after --dry-run ($version)"

  run --database-url "$url" timescale setup
  assert_rc 0
  for step in hypertable "retention policy" "reorder policy" "aggregate agent_events_hourly" \
    "aggregate agent_events_daily" "aggregate agent_events_totals_5m" "refresh policy agent_events_hourly" \
    "refresh policy agent_events_daily" "refresh policy agent_events_totals_5m" \
    "materialize agent_events_hourly" "materialize agent_events_daily" "materialize agent_events_totals_5m"; do
    assert_contains "$out" "$(printf '%-38s applied' "$step")" "setup output ($version)"
  done
  assert_contains "$out" "$(printf '%-38s already in place  timescaledb %s' extension "$version")"

  # Every object and policy, as TimescaleDB reports it.
  assert_eq "agent_events|1 day|t" "$(sql "$url" "SELECT h.hypertable_name, d.time_interval, h.compression_enabled
    FROM timescaledb_information.hypertables h JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)")" "hypertable ($version)"
  assert_eq "project_id 1,agent_id 2,event_type 3,timestamp 1 f t,id 2 t f" "$(sql "$url" "SELECT string_agg(attname || ' ' ||
    concat_ws(' ', segmentby_column_index, orderby_column_index, orderby_asc, orderby_nullsfirst), ','
    ORDER BY segmentby_column_index, orderby_column_index) FROM timescaledb_information.compression_settings")" "compression settings ($version)"
  assert_eq "policy_compression|7 days
policy_refresh_continuous_aggregate|1 day 00:01:00 00:05:00
policy_refresh_continuous_aggregate|1 day 00:05:00 00:10:00
policy_refresh_continuous_aggregate|3 days 01:00:00 01:00:00
policy_reorder|idx_agent_events_session_time
policy_retention|365 days" "$(sql "$url" "SELECT proc_name, coalesce(config->>'compress_after', config->>'drop_after', config->>'index_name',
      concat_ws(' ', config->>'start_offset', config->>'end_offset', schedule_interval))
    FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY 1, 2")" "policies ($version)"
  assert_eq "agent_events_daily|t|16
agent_events_hourly|t|16
agent_events_totals_5m|t|13" "$(sql "$url" "SELECT view_name, materialized_only,
      (SELECT count(col_description(format('%I.%I', view_schema, view_name)::regclass, a.attnum)) FROM pg_attribute a
       WHERE a.attrelid = format('%I.%I', view_schema, view_name)::regclass AND a.attnum > 0)
    FROM timescaledb_information.continuous_aggregates ORDER BY 1")" "aggregates and their column comments ($version)"
  assert_contains "$(sql "$url" "SELECT obj_description('agent_events_hourly'::regclass)")" "devlogctl rollup contract v1"

  # All rows kept, now in daily chunks.
  assert_eq "$rows_before" "$(sql "$url" "SELECT count(*) || ' ' || md5(string_agg(id::text || timestamp::text || coalesce(metrics::text, ''), ',' ORDER BY id)) FROM agent_events")" "rows after setup ($version)"
  chunks=$(sql "$url" "SELECT count(*) FROM show_chunks('agent_events')")
  [ "$chunks" -ge 40 ] || fail "expected at least 40 daily chunks, got $chunks ($version)"
  # History older than the refresh windows is materialized.
  for agg in agent_events_hourly agent_events_daily agent_events_totals_5m; do
    case $agg in
    agent_events_hourly) width="1 hour" ;;
    agent_events_daily) width="1 day" ;;
    *) width="5 minutes" ;;
    esac
    assert_eq t "$(sql "$url" "SELECT (SELECT sum(event_count) FROM $agg) = (SELECT count(*) FROM agent_events
      WHERE timestamp < (SELECT max(bucket) FROM $agg) + interval '$width')")" \
      "$agg holds every event up to its last bucket ($version)"
  done

  # Idempotent: the second run changes nothing.
  before=$(catalog "$url")
  run --database-url "$url" --format csv timescale setup
  assert_rc 0
  steps=$(printf '%s\n' "$out" | tail -n +2 | wc -l)
  assert_eq "$steps" "$(printf '%s\n' "$out" | grep -c '^[^,]*,already in place,')" "steps already in place ($version):
$out"
  assert_contains "$err" "nothing to do: everything is already in place"
  assert_eq "$before" "$(catalog "$url")" "catalog after a second setup ($version)"

  # A different --compress-after and --retain change exactly those two policies.
  run --database-url "$url" --format csv timescale setup --compress-after 3d --retain 2y
  assert_rc 0
  changed=$(printf '%s\n' "$out" | grep ',changed,' | cut -d, -f1-4 | tr '\n' ';')
  if [ "$version" = 2.17.2 ]; then word=compression; else word=columnstore; fi
  assert_eq "$word policy,changed,after 7 days,after 3 days;retention policy,changed,drop after 365 days,drop after 730 days;" "$changed" "changed steps ($version)"
  assert_eq "$(printf '%s\n' "$before" | grep -v 'policy_compression\|policy_retention')" \
    "$(catalog "$url" | grep -v 'policy_compression\|policy_retention')" "the rest of the catalog ($version)"
  assert_eq "3 days|730 days" "$(sql "$url" "SELECT max(config->>'compress_after'), max(config->>'drop_after') FROM timescaledb_information.jobs")" "changed configs ($version)"
done
pass
