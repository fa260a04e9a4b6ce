#!/usr/bin/env bash
# The plain rollups (no TimescaleDB): maintain creates agent_events_hourly / agent_events_daily /
# agent_events_totals_5m and
# keeps them equal to the rollup contract's GROUP BY over the raw rows (tests/fixtures/rollup/
# contract.sql), also after late events arrive (inserted, updated, deleted hours or days behind),
# on a plain agent_events and after partition setup made it partitioned.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/events_lib.sh"
url=$(new_db)
run --database-url "$url" migrate
assert_rc 0
seed_events "$url" 5 200

only_rollups=(--skip timescaledb --skip partitions --skip strays --skip retention --skip connections --skip summaries)
run --database-url "$url" maintain "${only_rollups[@]}" --format csv
assert_rc 0
assert_contains "$out" "rollups,done,\"created agent_events_hourly, agent_events_daily and agent_events_totals_5m;"
rollups_match "$url"
# Every column has a comment, the relation one carries the contract marker.
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM pg_attribute WHERE attrelid IN ('agent_events_hourly'::regclass,
  'agent_events_daily'::regclass, 'agent_events_totals_5m'::regclass) AND attnum > 0 AND col_description(attrelid, attnum) IS NULL")" "columns without a comment"
assert_contains "$(sql "$url" "SELECT obj_description('agent_events_totals_5m'::regclass)")" "devlogctl rollup contract v1"
assert_contains "$(sql "$url" "SELECT obj_description('agent_events_daily'::regclass)")" "devlogctl rollup contract v1"
# The columns and types are the contract's.
assert_eq "bucket:timestamp with time zone,project_id:integer,agent_id:text,event_type:text,event_count:bigint,error_count:bigint,session_count:bigint,prompt_tokens:bigint,response_tokens:bigint,cache_read_tokens:bigint,cache_creation_tokens:bigint,total_tokens:bigint,duration_ms_sum:double precision,duration_count:bigint,cost_sum:numeric,cost_count:bigint" \
  "$(sql "$url" "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute
                 WHERE attrelid = 'agent_events_hourly'::regclass AND attnum > 0")" "hourly columns"
assert_eq "bucket:timestamp with time zone,event_count:bigint,error_count:bigint,session_count:bigint,prompt_tokens:bigint,response_tokens:bigint,cache_read_tokens:bigint,cache_creation_tokens:bigint,total_tokens:bigint,duration_ms_sum:double precision,duration_count:bigint,cost_sum:numeric,cost_count:bigint" \
  "$(sql "$url" "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ',' ORDER BY attnum) FROM pg_attribute
                 WHERE attrelid = 'agent_events_totals_5m'::regclass AND attnum > 0")" "totals columns"

# A late event three days back, after the refresh: query timeline gives the raw rows' numbers before
# the next refresh (the event's hour and day wait in the log, read raw) and after it.
. "$(dirname "$0")/query_lib.sh"
since=$(sql "$url" "SELECT to_char(date_trunc('day', now() - interval '6 days', 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
until=$(sql "$url" "SELECT to_char(date_trunc('day', now(), 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
timeline_is_raw() { # WHAT: query timeline --bucket 1h and 1d equal a GROUP BY over the raw rows
  local width
  for width in hour day; do
    run --database-url "$url" -v query timeline --since "$since" --until "$until" --bucket "1$(echo $width | cut -c1)" \
      --format csv --columns bucket,events,total_tokens
    assert_rc 0
    assert_contains "$err" "(table)"
    assert_eq "$(sql "$url" "SELECT string_agg(to_char(b AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || ',' || n || ',' || t, E'\n' ORDER BY b)
      FROM (SELECT g AS b, count(e.id) AS n,
                   coalesce(sum(CASE WHEN jsonb_typeof(e.metrics -> 'tokenCount') = 'number' AND (e.metrics ->> 'tokenCount')::numeric <= 1e9
                                     AND (e.metrics ->> 'tokenCount')::numeric >= 0
                                     THEN round((e.metrics ->> 'tokenCount')::numeric) END), 0) AS t -- seeded tokenCounts are numbers
            FROM generate_series('$since'::timestamptz, '$until'::timestamptz - interval '1 $width', interval '1 $width') g
            LEFT JOIN agent_events e ON e.timestamp >= g AND e.timestamp < g + interval '1 $width'
            GROUP BY g) x")" "$(echo "$out" | tr -d '\r' | tail -n +2)" "timeline per $width = raw rows ($1)"
  done
}
timeline_is_raw "after the first build"
# Without --by or a key filter the 5-minute totals serve; with them, the grouped rollups.
run --database-url "$url" -v query timeline --since "$since" --until "$until" --bucket 1h
assert_contains "$err" "agent_events_totals_5m (table)"
run --database-url "$url" -v query timeline --since "$since" --until "$until" --bucket 1h --by agent
assert_contains "$err" "agent_events_hourly (table)"
assert_not_contains "$err" "agent_events_totals_5m"
run --database-url "$url" -v query timeline --since "$since" --until "$until" --bucket 1h --agent codex
assert_not_contains "$err" "agent_events_totals_5m"
sql "$url" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id, metrics)
            SELECT now() - interval '3 days', 'llm_response', 'codex', '2', gen_random_uuid(), min(id),
                   '{\"tokenCount\": 1234, \"cost\": 2.5}' FROM projects" >/dev/null
timeline_is_raw "a late event before the next refresh"
run --database-url "$url" -v query timeline --since "$since" --until "$until" --bucket 1h
assert_contains "$err" "agent_events (raw) $(sql "$url" "SELECT to_char(date_trunc('hour', now() - interval '3 days', 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")"
run --database-url "$url" maintain "${only_rollups[@]}"
assert_rc 0
timeline_is_raw "after the next refresh"

# A run with nothing new re-aggregates nothing, and says so.
run --database-url "$url" maintain "${only_rollups[@]}" --format csv
assert_rc 0
assert_contains "$out" "rollups,nothing to do,0 hours and 0 days re-aggregated"

# Late events: a batch two days behind (an offline laptop uploading), one three hours behind, an
# update of an old event's metrics, a deletion; then a refresh.
before=$(sql "$url" "SELECT (extract(epoch FROM statement_timestamp()) * 1000000)::bigint")
seed_events "$url" 1 40 "2 days"
sql "$url" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id, metrics)
            SELECT now() - interval '3 hours', 'llm_response', 'codex', '2', gen_random_uuid(), min(id),
                   '{\"tokenCount\": 77, \"cost\": 0.5}' FROM projects" >/dev/null
sql "$url" "UPDATE agent_events SET metrics = '{\"durationMs\": 999}' WHERE id = (SELECT id FROM agent_events ORDER BY timestamp LIMIT 1)" >/dev/null
sql "$url" "DELETE FROM agent_events WHERE id = (SELECT id FROM agent_events ORDER BY timestamp DESC OFFSET 50 LIMIT 1)" >/dev/null
[ "$(sql "$url" "SELECT count(DISTINCT hour) > 0 FROM agent_events_rollup_log")" = t ] || fail "the late writes logged no hour"
run --database-url "$url" maintain "${only_rollups[@]}"
assert_rc 0
rollups_match "$url"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM agent_events_rollup_log")" "log rows left after the refresh"
assert_eq t "$(sql "$url" "SELECT bool_and((extract(epoch FROM watermark) * 1000000)::bigint > $before) FROM agent_events_rollup_state")" "watermark advanced"

# Partition setup moves the rollup triggers to the partitioned table: late events keep counting.
run --database-url "$url" partition setup --ahead 2
assert_rc 0
assert_eq 4 "$(sql "$url" "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'agent_events'::regclass AND tgname LIKE 'agent_events_rollup_%'")" "rollup triggers on the partitioned table"
seed_events "$url" 1 30 "4 days"
sql "$url" "DELETE FROM agent_events WHERE timestamp < now() - interval '4 days 12 hours' AND timestamp > now() - interval '4 days 18 hours'" >/dev/null
run --database-url "$url" maintain
assert_rc 0
rollups_match "$url"

# A first build that ended after committing the tables and triggers, before logging the history
# (no state row): the next run logs every hour and builds the rollups.
sql "$url" "DELETE FROM agent_events_rollup_state; DELETE FROM agent_events_rollup_log;
            DELETE FROM agent_events_hourly; DELETE FROM agent_events_daily; DELETE FROM agent_events_totals_5m" >/dev/null
run --database-url "$url" -v query timeline --since "$since" --until "$until" --bucket 1d
assert_not_contains "$err" "(table)"
run --database-url "$url" maintain "${only_rollups[@]}"
assert_rc 0
rollups_match "$url"
# Triggers gone (agent_events replaced by hand): put back, every hour logged again, writes made
# without them counted.
sql "$url" "DROP TRIGGER agent_events_rollup_ins ON agent_events" >/dev/null
seed_events "$url" 1 24 "5 days"
run --database-url "$url" maintain "${only_rollups[@]}"
assert_rc 0
assert_contains "$err" "the rollup triggers on agent_events were missing"
rollups_match "$url"

# Plain rollups made before agent_events_totals_5m existed: the next run adds it and builds it.
sql "$url" "DROP TABLE agent_events_totals_5m" >/dev/null
run --database-url "$url" maintain "${only_rollups[@]}" --dry-run --format csv
assert_rc 0
assert_contains "$out" "rollups,done,would add agent_events_totals_5m (made by a newer devlogctl) and re-aggregate every hour once"
assert_eq f "$(sql "$url" "SELECT to_regclass('agent_events_totals_5m') IS NOT NULL")" "totals after --dry-run"
run --database-url "$url" maintain "${only_rollups[@]}"
assert_rc 0
assert_contains "$err" "created the plain rollup agent_events_totals_5m"
rollups_match "$url"
# The same after retention removed old raw rows (without logging them, as dropping a partition
# does): their history is only in the grouped rollups, and the timeline still shows it.
sql "$url" "DROP TABLE agent_events_totals_5m; SET session_replication_role = replica;
            DELETE FROM agent_events WHERE timestamp < now() - interval '3 days'" >/dev/null
run --database-url "$url" maintain "${only_rollups[@]}"
assert_rc 0
assert_contains "$err" "created the plain rollup agent_events_totals_5m"
from=$(sql "$url" "SELECT to_char(date_trunc('hour', now() - interval '6 days', 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
to=$(sql "$url" "SELECT to_char(date_trunc('hour', now() - interval '1 hour', 'UTC') AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
[ "$(sql "$url" "SELECT sum(event_count) FROM agent_events_hourly WHERE bucket < now() - interval '3 days 1 hour'")" -gt 0 ] ||
  fail "no history left only in the hourly rollup"
run --database-url "$url" -v query timeline --since "$from" --until "$to" --bucket 1h --format csv --columns bucket,events
assert_rc 0
assert_contains "$err" "agent_events_totals_5m (table)"
assert_eq "$(sql "$url" "SELECT string_agg(to_char(g AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || ',' ||
                                    (SELECT coalesce(sum(event_count), 0) FROM agent_events_hourly WHERE bucket = g), E'\n' ORDER BY g)
                         FROM generate_series('$from'::timestamptz, '$to'::timestamptz - interval '1 hour', interval '1 hour') g")" \
  "$(echo "$out" | tr -d '\r' | tail -n +2)" "timeline = the hourly rollup, its history before the totals included"

# TRUNCATE empties the rollups at the next refresh.
sql "$url" "TRUNCATE agent_events" >/dev/null
run --database-url "$url" maintain "${only_rollups[@]}"
assert_rc 0
assert_eq "0|0|0" "$(sql "$url" "SELECT (SELECT count(*) FROM agent_events_hourly), (SELECT count(*) FROM agent_events_daily),
                                          (SELECT count(*) FROM agent_events_totals_5m)")" "rollups after TRUNCATE"
pass
