#!/usr/bin/env bash
# query events: every filter and combinations against a fixture with exactly known rows; the
# formats; ndjson in the canonical event shape that re-imports unchanged; bad input names its flag
# and exits 2.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/query_lib.sh"

url=$(new_db)
load "$url" events.sql

# ids ARGS...: the events `query events ARGS` returns, oldest first, as the last two digits of their ids.
ids() {
  run --database-url "$url" query events --format csv --columns id --order asc --limit 0 "$@"
  assert_rc 0
  echo "$out" | tail -n +2 | tr -d '\r' | sed 's/.*\(..\)$/\1/' | paste -sd' '
}

assert_eq "01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18" "$(ids)" "all events"
assert_eq "10 11 12 13 14 15 16 17 18" "$(ids --since 2026-01-10T11:00:00Z)" "--since (ISO timestamp, inclusive)"
assert_eq "01 02 03 04 05 06 07 08 09" "$(ids --until 2026-01-10T11:00Z)" "--until (exclusive)"
assert_eq "14 15" "$(ids --since 2026-01-10T12:00Z --until 2026-01-11)" "--since and --until (a date)"
assert_eq "10 11 12 13 18" "$(ids --project acme/web)" "--project owner/repo"
assert_eq "10 11 12 13 18" "$(ids --project https://github.com/ACME/web.git)" "--project repository URL"
assert_eq "10 11 12 13 18" "$(ids --project 2)" "--project id"
assert_eq "09 14 15 17" "$(ids --session 33333333-3333-3333-3333-333333333333)" "--session"
assert_eq "10 11 12 13 18" "$(ids --agent codex)" "--agent"
assert_eq "03 04 08 09 11 12 17 18" "$(ids --type llm_response)" "--type"
assert_eq "05 13" "$(ids --type tool_invocation --type command_execution)" "--type aliases, repeated"
assert_eq "05 13" "$(ids --type tool_use,command_execute)" "--type comma-separated"
assert_eq "07" "$(ids --severity error)" "--severity"
assert_eq "07 13" "$(ids --severity error --severity warning)" "--severity repeated"
assert_eq "05 06" "$(ids --tag edit)" "--tag"
assert_eq "05" "$(ids --tag edit --tag ci)" "--tag twice: both tags"
assert_eq "05 06 14" "$(ids --data '{"filePath":"src/a.ts"}')" "--data containment"
assert_eq "05" "$(ids --data '{"filePath":"src/a.ts"}' --type tool_use --project acme/api --agent claude-code \
  --session 11111111-1111-1111-1111-111111111111 --tag ci --since 2026-01-10 --until 2026-01-11)" "every filter at once"
assert_eq "14" "$(ids --data '{"filePath":"src/a.ts"}' --session 33333333-3333-3333-3333-333333333333)" "--data with --session"
assert_eq "" "$(ids --project acme/web --agent claude-code)" "filters that exclude each other"
assert_eq "" "$(ids --since 30m)" "--since a duration (nothing in the last 30 minutes)"
assert_eq "01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18" "$(ids --since 3650d)" "--since 3650d"

# Order and limit: newest first by default, ties by id; --limit.
run --database-url "$url" query events --format csv --columns id --limit 3
assert_rc 0
assert_eq "id
e0000000-0000-0000-0000-000000000018
e0000000-0000-0000-0000-000000000017
e0000000-0000-0000-0000-000000000016" "$(echo "$out" | tr -d '\r')" "newest 3"
run --database-url "$url" query events --format csv --columns id --type file_read
assert_eq "id
e0000000-0000-0000-0000-000000000015
e0000000-0000-0000-0000-000000000014" "$(echo "$out" | tr -d '\r')" "same microsecond: by id"

# The canonical JSON shape: every field, camelCase, ISO timestamps, JSON objects, arrays, nulls.
run --database-url "$url" query events --format ndjson --limit 0 --order asc
assert_rc 0
[ "$(echo "$out" | wc -l)" -eq 18 ] || fail "ndjson: expected 18 lines"
line5=$(echo "$out" | sed -n 5p)
assert_eq '{"id":"e0000000-0000-0000-0000-000000000005","timestamp":"2026-01-10T10:02:00.000000Z","eventType":"tool_use","agentId":"claude-code","agentVersion":"2.0.1","sessionId":"11111111-1111-1111-1111-111111111111","projectId":1,"context":{},"data":{"filePath":"src/a.ts","toolName":"Edit"},"metrics":{"durationMs":35},"parentEventId":null,"relatedEventIds":["e0000000-0000-0000-0000-000000000003"],"tags":["edit","ci"],"severity":null}' \
  "$line5" "ndjson line of event 05"
assert_contains "$(echo "$out" | sed -n 15p)" '"timestamp":"2026-01-10T12:30:00.123456Z"' "microseconds kept"
assert_contains "$(echo "$out" | sed -n 7p)" '"message":"it'"'"'s \"broken\"\nline 2"' "escapes in data"
echo "$out" >"$T/events.ndjson"

# Re-import: the ndjson read back into a copy of the table by the canonical field names gives the
# same rows (every column equal). With 'devlogctl import' available, it must find them all present.
psql -X -q -v ON_ERROR_STOP=1 -d "$url" >/dev/null <<SQL
CREATE TABLE reread (doc jsonb);
\copy reread FROM '$T/events.ndjson' WITH (FORMAT csv, QUOTE E'\x01', DELIMITER E'\x02')
CREATE TABLE roundtrip AS
SELECT (doc->>'id')::uuid AS id, (doc->>'timestamp')::timestamptz AS timestamp, doc->>'eventType' AS event_type,
       doc->>'agentId' AS agent_id, doc->>'agentVersion' AS agent_version, (doc->>'sessionId')::uuid AS session_id,
       (doc->>'projectId')::int AS project_id, doc->'context' AS context, doc->'data' AS data,
       CASE WHEN doc->'metrics' = 'null' THEN NULL ELSE doc->'metrics' END AS metrics,
       (doc->>'parentEventId')::uuid AS parent_event_id,
       CASE WHEN doc->'relatedEventIds' = 'null' THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(doc->'relatedEventIds')) END AS related_event_ids,
       CASE WHEN doc->'tags' = 'null' THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(doc->'tags')) END AS tags,
       doc->>'severity' AS severity
FROM reread;
SQL
assert_eq "0" "$(sql "$url" "SELECT count(*) FROM ((TABLE agent_events EXCEPT ALL TABLE roundtrip) UNION ALL (TABLE roundtrip EXCEPT ALL TABLE agent_events)) d")" \
  "rows read back from the ndjson differ from the table"
run --database-url "$url" --format csv import events "$T/events.ndjson"
assert_rc 0
assert_contains "$out" "
18,0,18,0,0," "re-import: every event read, none inserted, all duplicates"
assert_eq "18" "$(sql "$url" "SELECT count(*) FROM agent_events")" "re-import added nothing"

# json: one array; csv: JSON columns as JSON text.
run --database-url "$url" query events --format json --columns id,tags --limit 1 --type tool_use
assert_eq '[
  {
    "id": "e0000000-0000-0000-0000-000000000005",
    "tags": [
      "edit",
      "ci"
    ]
  }
]' "$out" "json"
run --database-url "$url" query events --format csv --columns eventType,data,tags --limit 1 --type tool_use
assert_eq 'eventType,data,tags
tool_use,"{""filePath"":""src/a.ts"",""toolName"":""Edit""}","[""edit"",""ci""]"' "$(echo "$out" | tr -d '\r')" "csv"

# The table fits the terminal: COLUMNS=60 through script(1) would need a tty; the default columns:
run --database-url "$url" query events --limit 1
assert_eq "timestamp                    eventType     agentId  projectId  sessionId                             severity  data
2026-01-11T10:00:00.000000Z  llm_response  codex    2          22222222-2222-2222-2222-222222222222            {\"model\":\"gpt-5-codex\"}" "$out" "table"

# --explain prints the statement and the plan; --analyze the timings.
run --database-url "$url" query events --project acme/api --since 2026-01-10 --explain
assert_rc 0
assert_contains "$out" "WHERE e.timestamp >= '2026-01-10T00:00:00.000000Z'::timestamptz"
assert_contains "$out" "AND e.project_id = '1'::int4"
assert_contains "$out" "Limit"
run --database-url "$url" query events --analyze
assert_contains "$out" "actual time="
assert_contains "$out" "Execution Time"

# Bad input: a clear message naming the flag, exit 2.
run --database-url "$url" query events --since yesterdayish
assert_rc 2
assert_contains "$err" "--since: 'yesterdayish' is neither a duration (30m, 2h, 7d) nor a date or timestamp"
run --database-url "$url" query events --project nobody/nothing
assert_rc 2
assert_contains "$err" "--project: no project matches 'nobody/nothing'"
assert_contains "$err" "known: acme/api, acme/web"
run --database-url "$url" query events --data '{"filePath":'
assert_rc 2
assert_contains "$err" "--data: not valid JSON"
run --database-url "$url" query events --type file_touch
assert_rc 2
assert_contains "$err" "--type: unknown event type 'file_touch'"
run --database-url "$url" query events --session nope
assert_rc 2
assert_contains "$err" "--session: 'nope' is not a UUID"
run --database-url "$url" query events --columns id,nope
assert_rc 2
assert_contains "$err" "--columns: unknown column 'nope'"
run --database-url "$url" query timeline --bucket 7x
assert_rc 2
assert_contains "$err" "--bucket: '7x' is not a duration"
run --database-url "$url" query events --limit -1
assert_rc 2
assert_contains "$err" "--limit: '-1' is not a count: give 0 (no limit) or a positive whole number"
assert_not_contains "$err" "1.79769"
run --database-url "$url" query sessions --limit 1e3
assert_rc 2
assert_contains "$err" "'1e3' is not a count"
run --database-url "$url" query events --follow --until 1h
assert_rc 2
assert_contains "$err" "--follow: cannot be combined with --until"
pass
