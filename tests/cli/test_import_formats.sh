#!/usr/bin/env bash
# import events: every input form gives the same rows, field for field (timestamps to the
# microsecond, JSON equal, tags, NULL vs missing) and the same derived ids: NDJSON in camelCase and
# snake_case, CRLF + BOM + no final newline, .gz, .zst, stdin, a JSON array, CSV (hand-written, and
# what psql's \copy exports).
. "$(dirname "$0")/lib.sh"

url=$(new_db)
run --database-url "$url" migrate up
assert_rc 0
sql "$url" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) VALUES ('api', 'acme/api', 'https://github.com/acme/api', 'acme', 'api')" >/dev/null

# Four events: every field and timestamp form; ids given, derived and derived from non-UUID ids.
cat >"$T/events.ndjson" <<'JSON'
{"id":"7c9e6679-7425-40de-944b-e07fc1f90ae7","timestamp":"2026-01-02T05:04:05.1234567+02:00","eventType":"llm_response","agentId":"claude-code","agentVersion":"2.1.14","sessionId":"0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c","projectId":1,"context":{"cwd":"/home/dev/src/api","model":"claude-sonnet-4-5"},"data":{"messageId":"msg_1","text":"say \"hi\" é"},"metrics":{"promptTokens":10,"responseTokens":20,"tokenCount":30,"cost":0.0125},"parentEventId":"5b0c5a1e-9a0f-4d3e-8c41-1f1b7c0c2d3e","relatedEventIds":["a","b c"],"tags":["x","y,z"],"severity":"info"}
{"timestamp":1767323046,"eventType":"tool_use","agentId":"codex","agentVersion":"0.58.0","sessionId":"rollout-1","project":"acme/api","data":{"toolName":"Bash","command":"ls -la"}}
{"timestamp":1767323047250,"eventType":"command_execution","agentId":"codex","agentVersion":"0.58.0","sessionId":"rollout-1","project":"git@github.com:acme/api.git","context":{},"data":{},"metrics":null,"tags":[],"severity":"error"}
{"timestamp":"2026-01-02T03:04:08Z","eventType":"file_modify","agentId":"cursor","agentVersion":"","sessionId":"0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c","projectId":"1","data":{"filePath":"/src/a.ts"},"tags":null}
JSON

dump() {
  sql "$url" "SELECT concat_ws(' | ', id, to_char(timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), event_type,
    agent_id, quote_literal(agent_version), session_id, project_id, context, data, coalesce(metrics::text, '<null>'),
    coalesce(parent_event_id::text, '<null>'), coalesce(related_event_ids::text, '<null>'), coalesce(tags::text, '<null>'),
    coalesce(severity, '<null>')) FROM agent_events ORDER BY timestamp"
}
expected=$(
  cat <<'ROWS'
7c9e6679-7425-40de-944b-e07fc1f90ae7 | 2026-01-02T03:04:05.123457 | llm_response | claude-code | '2.1.14' | 0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c | 1 | {"cwd": "/home/dev/src/api", "model": "claude-sonnet-4-5"} | {"text": "say \"hi\" é", "messageId": "msg_1"} | {"cost": 0.0125, "tokenCount": 30, "promptTokens": 10, "responseTokens": 20} | 5b0c5a1e-9a0f-4d3e-8c41-1f1b7c0c2d3e | {a,"b c"} | {x,"y,z"} | info
ID2 | 2026-01-02T03:04:06.000000 | tool_use | codex | '0.58.0' | SESSION | 1 | {} | {"command": "ls -la", "toolName": "Bash"} | <null> | <null> | <null> | <null> | <null>
ID3 | 2026-01-02T03:04:07.250000 | command_execute | codex | '0.58.0' | SESSION | 1 | {} | {} | <null> | <null> | <null> | {} | error
ID4 | 2026-01-02T03:04:08.000000 | file_write | cursor | '' | 0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c | 1 | {} | {"filePath": "/src/a.ts"} | <null> | <null> | <null> | <null> | <null>
ROWS
)

# The reference import; derived ids and the session id derived from "rollout-1" are filled in from it.
run --database-url "$url" import events "$T/events.ndjson"
assert_rc 0
reference=$(dump)
id() { sql "$url" "SELECT id FROM agent_events WHERE timestamp = to_timestamp($1)"; }
session=$(sql "$url" "SELECT DISTINCT session_id FROM agent_events WHERE agent_id = 'codex'")
want=${expected//SESSION/$session}
want=${want//ID2/$(id 1767323046)}
want=${want//ID3/$(id 1767323047.25)}
want=${want//ID4/$(id 1767323048)}
assert_eq "$want" "$reference" "rows after importing NDJSON"
# Seven fraction digits are rounded to six as PostgreSQL rounds them in its own input.
assert_eq 1 "$(sql "$url" "SELECT count(*) FROM agent_events WHERE timestamp = '2026-01-02T05:04:05.1234567+02:00'::timestamptz")" \
  "the timestamp is the one PostgreSQL reads from the same text"
[ "$(id 1767323046)" != "$(id 1767323048)" ] || fail "derived ids are not distinct"

# import_as NAME ARGS...: empties the table, imports with ARGS, and checks the rows are the reference.
import_as() {
  local name=$1
  shift
  sql "$url" "TRUNCATE agent_events" >/dev/null
  run --database-url "$url" "$@"
  [ "$rc" -eq 0 ] || fail "$name: exit code $rc
$err"
  assert_contains "$out" "finished" "$name: summary"
  assert_eq "$reference" "$(dump)" "$name: rows"
}

# snake_case keys
sed -e 's/"eventType"/"event_type"/; s/"agentId"/"agent_id"/; s/"agentVersion"/"agent_version"/; s/"sessionId"/"session_id"/' \
  -e 's/"projectId"/"project_id"/; s/"parentEventId"/"parent_event_id"/; s/"relatedEventIds"/"related_event_ids"/' \
  "$T/events.ndjson" >"$T/snake.jsonl"
import_as "snake_case keys" import events "$T/snake.jsonl"

# CRLF line ends, a UTF-8 byte-order mark, no final newline
{
  printf '\xef\xbb\xbf'
  sed 's/$/\r/' "$T/events.ndjson" | head -c -2
} >"$T/crlf.ndjson"
import_as "CRLF + BOM + no final newline" import events "$T/crlf.ndjson"

gzip -c "$T/events.ndjson" >"$T/events.ndjson.gz"
import_as "gzip" import events "$T/events.ndjson.gz"
zstd -q -c "$T/events.ndjson" >"$T/events.ndjson.zst"
import_as "zstd" import events "$T/events.ndjson.zst"
import_as "gzip on stdin" import events - <"$T/events.ndjson.gz"
import_as "stdin without a file argument" import events <"$T/events.ndjson"

# A JSON array, pretty-printed (whitespace in JSON payloads does not change derived ids).
{
  echo "["
  sed -e 's/,"/,\n    "/g' -e 's/^/  /' -e '$!s/$/,/' "$T/events.ndjson"
  echo "]"
} >"$T/events.json"
import_as "JSON array" import events "$T/events.json"
import_as "JSON array, --input-format json" import events --input-format json - <"$T/events.json"

# Hand-written CSV, camelCase header in another order, an ignored column, NULL as an unquoted empty field.
cat >"$T/events.csv" <<'CSV'
note,id,timestamp,eventType,agentId,agentVersion,sessionId,projectId,context,data,metrics,parentEventId,relatedEventIds,tags,severity
first,7c9e6679-7425-40de-944b-e07fc1f90ae7,2026-01-02 05:04:05.1234567+02,llm_response,claude-code,2.1.14,0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c,1,"{""cwd"":""/home/dev/src/api"",""model"":""claude-sonnet-4-5""}","{""messageId"":""msg_1"",""text"":""say \""hi\"" é""}","{""promptTokens"":10,""responseTokens"":20,""tokenCount"":30,""cost"":0.0125}",5b0c5a1e-9a0f-4d3e-8c41-1f1b7c0c2d3e,"[""a"",""b c""]","{x,""y,z""}",info
,,1767323046,tool_use,codex,0.58.0,rollout-1,acme/api,,"{""toolName"":""Bash"",""command"":""ls -la""}",,,,,
,,1767323047250,command_execution,codex,0.58.0,rollout-1,git@github.com:acme/api.git,{},{},,,,{},error
,,2026-01-02T03:04:08Z,file_modify,cursor,"",0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c,1,,"{""filePath"":""/src/a.ts""}",,,,,
CSV
import_as "CSV" import events "$T/events.csv"

# What psql's \copy exports (snake_case header, jsonb and timestamptz as PostgreSQL prints them) reads back the same.
psql -X -q -d "$url" -c "\\copy (SELECT * FROM agent_events ORDER BY timestamp) TO '$T/export.csv' WITH (FORMAT csv, HEADER)"
import_as "CSV exported by psql" import events "$T/export.csv"

# --format json: the summary as data.
sql "$url" "TRUNCATE agent_events" >/dev/null
run --database-url "$url" --format json import events "$T/events.ndjson"
assert_rc 0
assert_contains "$out" '"read": 4,' "json summary"
assert_contains "$out" '"inserted": 4,' "json summary"
assert_contains "$out" '"duplicates": 0,' "json summary"
assert_contains "$out" '"status": "finished"' "json summary"
pass
