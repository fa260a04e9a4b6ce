#!/usr/bin/env bash
# query timeline gives the same output, for the same rows, on (issues 9 and 11):
#  - an unpartitioned agent_events without rollups (everything from raw rows, date_bin),
#  - plain PostgreSQL with the rollups `maintain` keeps, unpartitioned and after `partition setup`,
#    with a late event written after the refresh (its hour and day waiting in the log: raw rows)
#    and again after the next refresh,
#  - TimescaleDB (each test-server version) after `timescale setup`: continuous aggregates with a
#    tail they do not hold yet and an invalidated (late-written) hour: aggregates where current,
#    raw rows (time_bucket) for the rest.
# Empty buckets are zeros; the chart is drawn on request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/query_lib.sh"

late="INSERT INTO agent_events (id, timestamp, event_type, agent_id, agent_version, session_id, project_id, metrics)
      VALUES ('f0000000-0000-0000-0000-000000000001', '2026-01-09 05:30:00+00', 'llm_response', 'codex', '1.0',
              'f0000000-0000-0000-0000-000000000002', 2, '{\"tokenCount\": 77, \"durationMs\": 5}')"

raw=$(new_db)
load "$raw" timeline.sql
sql "$raw" "$late" >/dev/null

plain=$(new_db)
load "$plain" timeline.sql
maintain_rollups "$plain"
sql "$plain" "$late" >/dev/null # after the refresh: 2026-01-09 05:00 waits in the log

part=$(new_db)
load "$part" timeline.sql
"$DEVLOGCTL" -q --database-url "$part" partition setup --period month --ahead 1 >/dev/null || fail "partition setup failed"
maintain_rollups "$part"
sql "$part" "$late" >/dev/null
[ "$(sql "$part" "SELECT relkind FROM pg_class WHERE relname = 'agent_events'")" = p ] || fail "agent_events is not partitioned"

tsdb_urls=()
for version in ${DEVLOG_TEST_TSDB_VERSIONS:-}; do
  u=$(new_tsdb_db "$version")
  load "$u" timeline.sql
  tsdb_rollups "$u" "2026-01-10 12:00:00+00"
  sql "$u" "$late" >/dev/null # after setup: invalidates 2026-01-09 05:00 in both aggregates
  tsdb_urls+=("$u")
done
[ ${#tsdb_urls[@]} -gt 0 ] || need_tsdb

# same_output ARGS...: query timeline ARGS gives the raw database's output on every other one.
same_output() {
  local u expected
  run --database-url "$raw" query timeline --since 2026-01-08 --until 2026-01-12 --format csv "$@"
  assert_rc 0
  expected=$out
  [ "$(echo "$expected" | wc -l)" -ge 2 ] || fail "$*: no rows: $expected"
  for u in "$plain" "$part" "${tsdb_urls[@]}"; do
    run --database-url "$u" -v query timeline --since 2026-01-08 --until 2026-01-12 --format csv "$@"
    assert_rc 0
    [ "$out" == "$expected" ] || fail "$*: output differs on $u:
$(diff <(echo "$expected") <(echo "$out") | head -20)"
  done
}

cases=(
  "--bucket 1h"
  "--bucket 1d"
  "--bucket 6h --by agent"
  "--bucket 1d --by type"
  "--bucket 2h --by project --project acme/web"
  "--bucket 1h --agent codex --type llm_response"
  "--bucket 30m"
  "--bucket 5m"
  "--bucket 15m"
  "--bucket 1w"
  "--bucket 1h --severity error"
  "--bucket 1d --data {\"filePath\":\"src/3.ts\"}"
)
for c in "${cases[@]}"; do
  # shellcheck disable=SC2086 # the case is a list of words
  same_output $c
done

# Where the rows came from: TimescaleDB read its aggregates (but not the invalidated 5 minutes or
# hour, nor the tail setup did not see): the 5-minute totals without --by, the hourly aggregate
# with it; the plain tables all but the late event's hour (and its day, from the totals).
run --database-url "${tsdb_urls[0]}" -v query timeline --since 2026-01-08 --until 2026-01-12 --bucket 1h
assert_contains "$err" "timeline reads agent_events_totals_5m (continuous aggregate) 2026-01-08T00:00:00.000000Z .. 2026-01-09T05:30:00.000000Z; agent_events (raw) 2026-01-09T05:30:00.000000Z .. 2026-01-09T05:35:00.000000Z; agent_events_totals_5m (continuous aggregate) 2026-01-09T05:35:00.000000Z .. 2026-01-10T12:00:00.000000Z; agent_events (raw) 2026-01-10T12:00:00.000000Z .. "
run --database-url "${tsdb_urls[0]}" -v query timeline --since 2026-01-08 --until 2026-01-12 --bucket 1h --by type
assert_contains "$err" "timeline reads agent_events_hourly (continuous aggregate) 2026-01-08T00:00:00.000000Z .. 2026-01-09T05:00:00.000000Z; agent_events (raw) 2026-01-09T05:00:00.000000Z .. 2026-01-09T06:00:00.000000Z; agent_events_hourly (continuous aggregate) 2026-01-09T06:00:00.000000Z .. 2026-01-10T12:00:00.000000Z; agent_events (raw) 2026-01-10T12:00:00.000000Z .. "
run --database-url "${tsdb_urls[0]}" -v query timeline --since 2026-01-08 --until 2026-01-12 --bucket 1d
assert_contains "$err" "agent_events_daily (continuous aggregate) 2026-01-08T00:00:00.000000Z .. 2026-01-09T00:00:00.000000Z"
for u in "$plain" "$part"; do
  run --database-url "$u" -v query timeline --since 2026-01-08 --until 2026-01-12 --bucket 1d
  assert_contains "$err" "timeline reads agent_events_daily (table) 2026-01-08T00:00:00.000000Z .. 2026-01-09T00:00:00.000000Z; agent_events_totals_5m (table) 2026-01-09T00:00:00.000000Z .. 2026-01-09T05:00:00.000000Z; agent_events (raw) 2026-01-09T05:00:00.000000Z .. 2026-01-09T06:00:00.000000Z; agent_events_totals_5m (table) 2026-01-09T06:00:00.000000Z .. 2026-01-10T00:00:00.000000Z; agent_events_daily (table) 2026-01-10T00:00:00.000000Z .. 2026-01-12T00:00:00.000000Z"
done
# The next refresh takes the late hour in: the daily rollup covers the whole range, same numbers.
maintain_rollups "$part"
run --database-url "$part" -v query timeline --since 2026-01-08 --until 2026-01-12 --bucket 1d
assert_contains "$err" "timeline reads agent_events_daily (table) 2026-01-08T00:00:00.000000Z .. 2026-01-12T00:00:00.000000Z"
same_output --bucket 1d
same_output --bucket 1h --by agent
run --database-url "${tsdb_urls[0]}" query timeline --since 2026-01-08 --until 2026-01-12 --bucket 1h --explain
assert_contains "$out" "FROM \"agent_events_totals_5m\" r"
assert_contains "$out" "time_bucket('1 hour'::interval, e.timestamp"
run --database-url "${tsdb_urls[0]}" query timeline --since 2026-01-08 --until 2026-01-12 --bucket 1h --by agent --explain
assert_contains "$out" "FROM \"agent_events_hourly\" r"
assert_not_contains "$out" "agent_events_totals_5m"

# The numbers: the daily totals equal a plain count; a quiet hour is a zero row, not a gap.
run --database-url "$raw" query timeline --since 2026-01-09T01:00Z --until 2026-01-09T06:00Z --format csv --columns bucket,events
assert_eq "bucket,events
2026-01-09T01:00:00.000000Z,32
2026-01-09T02:00:00.000000Z,0
2026-01-09T03:00:00.000000Z,0
2026-01-09T04:00:00.000000Z,0
2026-01-09T05:00:00.000000Z,$(sql "$raw" "SELECT count(*) FROM agent_events WHERE timestamp >= '2026-01-09 05:00' AND timestamp < '2026-01-09 06:00'")" \
  "$(echo "$out" | tr -d '\r')" "hourly events around the quiet stretch"
run --database-url "${tsdb_urls[0]}" query timeline --since 2026-01-08 --until 2026-01-12 --bucket 1d --format csv --columns events,total_tokens
assert_eq "$(sql "$raw" "SELECT count(*) || ',' || coalesce(sum(CASE WHEN jsonb_typeof(metrics->'tokenCount') = 'number' THEN (metrics->>'tokenCount')::int8 END), 0)
  FROM agent_events GROUP BY date_trunc('day', timestamp AT TIME ZONE 'UTC') ORDER BY 1")" \
  "$(echo "$out" | tr -d '\r' | tail -n +2 | sort)" "daily events and tokens"

# The chart: bars of the first numeric column beside the numbers.
run --database-url "$raw" query timeline --since 2026-01-09T01:00Z --until 2026-01-09T03:00Z --chart --columns bucket,events
assert_rc 0
assert_eq "bucket                       events  chart: events
2026-01-09T01:00:00.000000Z  32      ████████████████████████
2026-01-09T02:00:00.000000Z  0       " "$out" "chart"
run --database-url "$raw" query timeline --since 2026-01-09T01:00Z --until 2026-01-09T03:00Z --no-chart --columns bucket,events
assert_not_contains "$out" "chart"
run --database-url "$raw" query timeline --since 2026-01-01 --until 2026-01-12 --bucket 1s
assert_rc 2
assert_contains "$err" "--bucket: 950400 buckets of 1 second from 2026-01-01T00:00:00.000000Z to 2026-01-12T00:00:00.000000Z are too many (at most 100000)"
pass
