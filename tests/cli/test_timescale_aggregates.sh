#!/usr/bin/env bash
# The continuous aggregates on 2.17.2 and 2.28.3 follow the rollup contract: after setup and
# `aggregates refresh`, agent_events_hourly, agent_events_daily and agent_events_totals_5m equal a GROUP BY over the raw
# rows written here independently, bucket by bucket, although a third of the events carry junk
# metrics (strings, arrays, 1e400, negatives, JSON null); late events are picked up by a refresh;
# seed 002's aggregate (wrong keys, averages) is refused, and replaced with --replace-aggregates.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/timescale_lib.sh"
need_tsdb

# differences URL AGGREGATE WIDTH [totals]: rows of AGGREGATE that differ from the raw GROUP BY, both
# ways, over the buckets the aggregate has materialized (one statement: one snapshot); with
# "totals", grouped by the bucket alone (agent_events_totals_5m).
differences() {
  local keys=", project_id, agent_id, event_type" group=", 2, 3, 4"
  [ "${4:-}" != totals ] || { keys=""; group=""; }
  sql "$1" "CREATE FUNCTION pg_temp.num(m jsonb, k text, hi numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS
              \$\$ SELECT CASE WHEN jsonb_typeof(m -> k) = 'number'
                               THEN CASE WHEN (m ->> k)::numeric >= 0 AND (m ->> k)::numeric <= hi
                                         THEN (m ->> k)::numeric END END \$\$;
            WITH cagg AS (SELECT * FROM $2),
            raw AS (
              SELECT time_bucket(interval '$3', timestamp) AS bucket$keys,
                     count(*) AS event_count, count(*) FILTER (WHERE severity = 'error') AS error_count,
                     count(DISTINCT session_id) AS session_count,
                     sum(round(pg_temp.num(metrics, 'promptTokens', 1e9)))::bigint,
                     sum(round(pg_temp.num(metrics, 'responseTokens', 1e9)))::bigint,
                     sum(round(pg_temp.num(metrics, 'cacheReadTokens', 1e9)))::bigint,
                     sum(round(pg_temp.num(metrics, 'cacheCreationTokens', 1e9)))::bigint,
                     sum(round(pg_temp.num(metrics, 'tokenCount', 1e9)))::bigint,
                     sum(pg_temp.num(metrics, 'durationMs', 1e10)::float8),
                     count(pg_temp.num(metrics, 'durationMs', 1e10)),
                     sum(pg_temp.num(metrics, 'cost', 1e6)), count(pg_temp.num(metrics, 'cost', 1e6))
              FROM agent_events
              WHERE timestamp < (SELECT max(bucket) + interval '$3' FROM cagg)
              GROUP BY 1$group)
            SELECT count(*) FROM ((SELECT * FROM cagg EXCEPT ALL SELECT * FROM raw)
                                  UNION ALL (SELECT * FROM raw EXCEPT ALL SELECT * FROM cagg)) AS d" | tail -1
}

check_equal() { # URL WHAT
  assert_eq 0 "$(differences "$1" agent_events_hourly '1 hour')" "hourly rows differing from GROUP BY ($2)"
  assert_eq 0 "$(differences "$1" agent_events_daily '1 day')" "daily rows differing from GROUP BY ($2)"
  assert_eq 0 "$(differences "$1" agent_events_totals_5m '5 minutes' totals)" "5-minute totals differing from GROUP BY ($2)"
  [ "$(sql "$1" "SELECT count(*) FROM agent_events_totals_5m")" -gt 100 ] || fail "agent_events_totals_5m is nearly empty ($2)"
}

for version in 2.17.2 2.28.3; do
  url=$(migrated_tsdb_db "$version")
  insert_events "$url" 1200 "6 days" "7 minutes"
  "$DEVLOGCTL" --database-url "$url" -q timescale setup >/dev/null || fail "setup failed ($version)"
  run --database-url "$url" --format csv timescale aggregates refresh
  assert_rc 0
  assert_contains "$out" "refresh agent_events_hourly,applied"
  [ "$(sql "$url" "SELECT count(*) FROM agent_events_hourly")" -gt 100 ] || fail "agent_events_hourly is nearly empty"
  [ "$(sql "$url" "SELECT count(*) FROM agent_events WHERE jsonb_typeof(metrics -> 'promptTokens') = 'string'
         AND timestamp < now() - interval '2 days'")" -gt 50 ] || fail "too little junk to prove anything"
  check_equal "$url" "$version"
  # The daily session count is exact (checked above), not the sum of the hourly ones.
  assert_eq t "$(sql "$url" "SELECT (SELECT sum(session_count) FROM agent_events_hourly WHERE bucket >= d AND bucket < d + interval '1 day')
                            > (SELECT sum(session_count) FROM agent_events_daily WHERE bucket = d)
                             FROM date_trunc('day', now() - interval '2 days', 'UTC') AS d")" "hourly sessions add up to more ($version)"

  # Late events, older than the refresh windows: the aggregates differ until a refresh.
  insert_events "$url" 24 "4 days 12 hours" "1 hour"
  [ "$(differences "$url" agent_events_hourly '1 hour')" -gt 0 ] || fail "late events did not change the raw GROUP BY ($version)"
  run --database-url "$url" timescale aggregates refresh --from 5d
  assert_rc 0
  check_equal "$url" "$version, after late events"

  # Seed 002's hourly aggregate is not devlogctl's: refused, then replaced on request.
  run --database-url "$url" timescale aggregates drop
  assert_rc 0
  assert_eq 0 "$(sql "$url" "SELECT count(*) FROM timescaledb_information.continuous_aggregates")" "aggregates after drop"
  sql "$url" "CREATE MATERIALIZED VIEW agent_events_hourly WITH (timescaledb.continuous) AS
              SELECT time_bucket('1 hour', timestamp) AS bucket, project_id, agent_id, event_type,
                     COUNT(*) AS event_count, AVG((metrics->>'promptTokens')::int) AS avg_prompt_tokens,
                     SUM((metrics->>'duration')::int) AS total_duration
              FROM agent_events WHERE false GROUP BY bucket, project_id, agent_id, event_type WITH NO DATA" >/dev/null
  run --database-url "$url" timescale setup
  assert_rc 1
  assert_contains "$err" "public.agent_events_hourly exists and is a continuous aggregate that does not follow devlogctl's rollup contract"
  assert_contains "$err" "hint: re-create it with --replace-aggregates"
  run --database-url "$url" --format csv timescale setup --replace-aggregates
  assert_rc 0
  assert_contains "$out" "aggregate agent_events_hourly,changed,a continuous aggregate that does not follow devlogctl's rollup contract"
  assert_contains "$out" "aggregate agent_events_daily,applied"
  check_equal "$url" "$version, re-created"
done
pass
