#!/usr/bin/env bash
# --record-metrics (issue 11) records devlogctl's own work in performance_metrics: an import (rows,
# input bytes), each step `timescale setup` did, each query command (its rows and the hash of its
# SQL, the same for the same statement whatever its parameters); `stats queries` lists them.
# Nothing is recorded unless asked.
. "$(dirname "$0")/lib.sh"
need_tsdb
u=$(new_tsdb_db)
run --database-url "$u" migrate
assert_rc 0
sql "$u" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name)
          VALUES ('api', 'acme/api', 'https://github.com/acme/api', 'acme', 'api')" >/dev/null
for i in $(seq 0 29); do
  printf '{"timestamp":"2026-01-02T03:%02d:00Z","eventType":"llm_response","agentId":"codex","agentVersion":"1","sessionId":"s%d","project":"acme/api","data":{"model":"gpt-5"},"metrics":{"promptTokens":%d,"responseTokens":1,"tokenCount":%d}}\n' \
    "$i" $((i % 3)) "$i" $((i + 1))
done >"$T/events.ndjson"
bytes=$(stat -c %s "$T/events.ndjson")
metrics() { sql "$u" "SELECT count(*) FROM performance_metrics"; }

run --database-url "$u" import events "$T/events.ndjson"
assert_rc 0
run --database-url "$u" query events --limit 5
assert_rc 0
assert_eq 0 "$(metrics)" "rows recorded without --record-metrics"

# Import: one row, the records loaded and the bytes read.
sql "$u" "TRUNCATE agent_events" >/dev/null
run --database-url "$u" --record-metrics import events "$T/events.ndjson"
assert_rc 0
assert_eq "events|30|$bytes|t|t" "$(sql "$u" "SELECT metric_name, row_count, byte_count, duration_ms > 0, query_hash IS NULL
                                             FROM performance_metrics WHERE metric_type = 'import'")" "the import's row"

# timescale setup: one row per step it did, named as it reports them.
run --database-url "$u" --record-metrics --format csv timescale setup
assert_rc 0
done_steps=$(printf '%s\n' "$out" | tr -d '\r' | tail -n +2 | grep -v ',already in place,' | cut -d, -f1 | LC_ALL=C sort)
assert_contains "$done_steps" "hypertable"
assert_eq "$done_steps" "$(sql "$u" "SELECT metric_name FROM performance_metrics WHERE metric_type = 'setup' ORDER BY metric_name COLLATE \"C\"")" \
  "setup steps recorded"
assert_eq 0 "$(sql "$u" "SELECT count(*) FROM performance_metrics WHERE metric_type = 'setup' AND (duration_ms < 0 OR query_hash IS NOT NULL)")" "setup rows"

# Queries: the rows each printed, and the hash of its SQL (LIMIT is a parameter: the same hash).
expect=""
for q in "events --limit 5" "events --limit 7" "events --limit 5 --type llm_response" "sessions" \
  "timeline --since 2026-01-02 --until 2026-01-03" "usage"; do
  # shellcheck disable=SC2086 # the words of $q are arguments
  run --database-url "$u" --record-metrics --format csv query $q
  assert_rc 0
  expect+="${q%% *}|$(($(printf '%s\n' "$out" | wc -l) - 1))"$'\n'
done
assert_eq "$(printf '%s' "$expect" | LC_ALL=C sort)" \
  "$(sql "$u" "SELECT metric_name || '|' || row_count FROM performance_metrics WHERE metric_type = 'query' ORDER BY (metric_name || '|' || row_count) COLLATE \"C\"")" \
  "query rows (name|rows printed)"
assert_eq 0 "$(sql "$u" "SELECT count(*) FROM performance_metrics WHERE metric_type = 'query' AND query_hash !~ '^[0-9a-f]{64}$'")" \
  "query rows without a SHA-256 query hash"
assert_eq "2|1" "$(sql "$u" "SELECT string_agg(n::text, '|' ORDER BY n DESC) FROM (SELECT count(*) AS n FROM performance_metrics
                             WHERE metric_name = 'events' AND metric_type = 'query' GROUP BY query_hash) h")" "events queries per hash"
hash=$(sql "$u" "SELECT query_hash FROM performance_metrics WHERE metric_type = 'query' AND metric_name = 'events' GROUP BY query_hash HAVING count(*) = 2")

# stats queries lists them, per kind, name and hash.
run --database-url "$u" stats queries --format csv --limit 100
assert_rc 0
assert_contains "$out" "performance_metrics,import events,1,"
assert_contains "$out" "performance_metrics,setup hypertable,1,"
line=$(tr -d '\r' <<<"$out" | grep "^performance_metrics,query events,2,") || fail "no line for the events queries:
$out"
assert_eq "$hash" "${line##*,}" "the hash stats queries shows"
assert_contains "$out" "performance_metrics,query sessions,1,"
assert_contains "$out" "performance_metrics,query timeline,1,"
assert_contains "$out" "performance_metrics,query usage,1,"
pass
