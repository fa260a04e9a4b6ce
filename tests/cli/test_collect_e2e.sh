#!/usr/bin/env bash
# collect → upload of the fixture agent home (tests/fixtures/collect/home) on real PostgreSQL: the
# database holds exactly the events, tokens, sessions and identities counted by hand, and a second
# pass adds nothing.
#
# Counted by hand from the fixtures:
#   Claude Code (15 events, 242 tokens): main session: session_start, prompt u1, response msg_m1
#     (two lines, streaming snapshot out=5 then 50: usage 10+50+100+20 = 180), Edit toolu_A as
#     tool_use + file_write, its failed result (error_encountered), msg_m4 (1+2+3+4 = 10), a
#     compact_boundary (context_switch); skipped: summary, <synthetic>, isApiErrorMessage, the
#     progress line (a copy of msg_m9), an unknown type, a malformed line, a half-written last line.
#     Subagent (new layout): prompt, msg_m9 (7+8+9+10 = 34), Read toolu_S. Subagent (old layout):
#     msg_m10 (4). Continued session: session_start, copies of u1 and msg_m1 (not counted again),
#     prompt u3, msg_m6 (2+3+4+5 = 14).
#   Codex (9 events, 1660 tokens = the last total_token_usage): session_start, prompt, shell call_1
#     and its failure (exit 101), usage 1100 (the repeated total and info:null add nothing),
#     apply_patch call_2 (tool_use, file_write src/lib.rs, file_create src/retry.rs), usage 560
#     (not last_token_usage summed); the archived copy adds nothing.
#   Copilot (12 events, no tokens): the .json session: session_start, request_1 (llm_request,
#     tool_use tc1, file_write, llm_response), request_2 canceled (llm_request, llm_response); the
#     .jsonl mutation log: session_start, request_A and request_C (canceled; request_B truncated
#     away) as llm_request + llm_response each.
#   NDJSON (2 events, 11 tokens): command_execution (alias) and an llm_response without an id.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
setup_home
url=$(new_db)
run --database-url "$url" -q migrate up
assert_rc 0

collectctl collect sources --format csv
assert_rc 0
assert_contains "$out" "claude-code,$H/.claude,default,true,4,"
assert_contains "$out" "codex,$H/.codex,default,true,2,"
assert_contains "$out" "copilot,$H/.config/Code/User,default,true,2,"

collectctl collect --source "ndjson:$H/events" --format csv
assert_rc 0
assert_eq 38 "$(csv_field new)" "new events"
assert_eq 3 "$(csv_field malformed)" "malformed lines"
assert_eq 5 "$(csv_field unknown)" "unknown record kinds"
assert_contains "$err" "11111111-1111-4111-8111-111111111111.jsonl:10: not JSON"
assert_contains "$err" "55555555-5555-4555-8555-555555555555.jsonl:9: not a mutation log entry"
assert_contains "$err" "events/tool.ndjson:3: record: invalid JSON"

collectctl queue status --format csv
assert_contains "$out" "events,38"

collectctl --database-url "$url" upload --format csv
assert_rc 0
assert_eq '38 38 0' "$(csv_field sent) $(csv_field new) $(csv_field queued)" "upload"

assert_eq "$EXPECTED_EVENTS|$EXPECTED_TOKENS" "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events")" "events and tokens"
assert_eq "command_execute|1|
context_switch|1|
error_encountered|2|
file_create|1|
file_write|3|
llm_request|8|
llm_response|12|1913
session_start|5|
tool_use|5|" "$(sql "$url" "SELECT event_type, count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events GROUP BY 1 ORDER BY 1")" "events by type"
assert_eq "aider|2|11
claude-code|15|242
codex|9|1660
github-copilot|12|" "$(sql "$url" "SELECT agent_id, count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events GROUP BY 1 ORDER BY 1")" "events by agent"
# Each response once, with the largest copy's usage.
assert_eq '{"tokenCount": 180, "promptTokens": 10, "responseTokens": 50, "cacheReadTokens": 100, "cacheCreationTokens": 20}' \
  "$(sql "$url" "SELECT metrics FROM agent_events WHERE data->>'messageId' = 'msg_m1'")" "msg_m1"
assert_eq '{"tokenCount": 560, "promptTokens": 0, "responseTokens": 60, "cacheReadTokens": 500, "cacheCreationTokens": 0}' \
  "$(sql "$url" "SELECT metrics FROM agent_events WHERE agent_id = 'codex' AND event_type = 'llm_response' ORDER BY timestamp DESC LIMIT 1")" "codex delta"
# Identities: projects from the git origins (scp-like and https), workspaces, the machine, sessions.
assert_eq "acme/api|https://github.com/acme/api|acme|api
acme/tools|https://github.com/acme/tools|acme|tools
team/web-shop|https://gitlab.com/team/web-shop|team|web-shop" \
  "$(sql "$url" "SELECT full_name, repo_url, repo_owner, repo_name FROM projects ORDER BY 1")" "projects"
assert_eq "$ROOT/acme|folder|main|acme/api
$ROOT/web shop|folder|feature/x|team/web-shop" \
  "$(sql "$url" "SELECT w.workspace_path, w.workspace_type, w.branch, p.full_name FROM workspaces w JOIN projects p ON p.id = w.project_id ORDER BY 1")" "workspaces"
assert_eq "1|local|$(hostname)" "$(sql "$url" "SELECT count(*), min(machine_type), min(hostname) FROM machines")" "machine"
assert_eq "2" "$(sql "$url" "SELECT count(*) FROM machine_projects")" "machine_projects"
assert_eq "11111111-1111-4111-8111-111111111111|claude-code|2.0.14|2026-11-20 10:00:00+00|2026-11-20 10:00:12+00|12
22222222-2222-4222-8222-222222222222|claude-code|2.0.14|2026-11-20 10:00:00+00|2026-11-20 11:00:04+00|3604
33333333-3333-4333-8333-333333333333|codex|0.50.0|2026-11-20 12:00:00+00|2026-11-20 12:00:07+00|7" \
  "$(sql "$url" "SET timezone = 'UTC'; SELECT id, agent_id, agent_version, start_time, end_time, duration FROM agent_sessions WHERE agent_id IN ('claude-code', 'codex') ORDER BY 1")" "sessions"
assert_eq 6 "$(sql "$url" "SELECT count(*) FROM agent_sessions")" "sessions"
# Metadata only by default: no prompt text anywhere.
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM agent_events WHERE data::text LIKE '%retries%' OR data ? 'text' OR data ? 'input'")" "no content"
assert_eq '["'"$ROOT"'/web shop/client.ts", "'"$ROOT"'/web shop/a.ts", "'"$ROOT"'/web shop/b.ts"]' \
  "$(sql "$url" "SELECT data->'files' FROM agent_events WHERE data->>'requestId' = 'request_1' AND event_type = 'llm_request'")" "copilot variables: object, string and array values"

# A second pass finds nothing new; a second upload sends nothing.
collectctl collect --source "ndjson:$H/events" --format csv
assert_rc 0
assert_eq '0 0' "$(csv_field new) $(csv_field grown)" "second pass"
collectctl --database-url "$url" upload --format csv
assert_eq 0 "$(csv_field sent)" "second upload"
assert_eq "$EXPECTED_EVENTS" "$(sql "$url" "SELECT count(*) FROM agent_events")" "events after the second pass"

# A fresh queue re-reading everything (deterministic ids) duplicates nothing in the database.
collectctl collect --source "ndjson:$H/events" --queue "$T/fresh.db" -q
collectctl --database-url "$url" upload --queue "$T/fresh.db" --format csv
assert_eq '38 0' "$(csv_field sent) $(csv_field new)" "re-sent batch"
assert_eq "$EXPECTED_EVENTS|$EXPECTED_TOKENS" "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events")" "after re-sending"

# A row the server refuses (its project id does not exist) moves to the queue's rejected table;
# the rest of its batch is uploaded.
mkdir -p "$T/refused"
for n in 1 2 3 4; do
  project='"project":"acme/tools"'
  [ "$n" = 2 ] && project='"projectId":999999'
  echo '{"timestamp":"2026-11-22T10:00:0'"$n"'Z","eventType":"tool_use","agentId":"aider","agentVersion":"0.80","sessionId":"aider-session-9",'"$project"',"data":{"n":'"$n"'}}'
done >"$T/refused/r.ndjson"
collectctl collect --source "ndjson:$T/refused" --queue "$T/refused.db" -q
collectctl --database-url "$url" upload --queue "$T/refused.db" --format csv
assert_rc 0
assert_eq '39 3 1 0' "$(csv_field sent) $(csv_field new) $(csv_field rejected) $(csv_field queued)" "upload with a refused row"
assert_contains "$err" "1 event was refused by the server: kept in the queue's rejected table (queue status)"
collectctl queue status --queue "$T/refused.db" --format csv
assert_contains "$out" $'events,0\r'
assert_contains "$out" $'rejected,1\r'
assert_eq "$((EXPECTED_EVENTS + 3))" "$(sql "$url" "SELECT count(*) FROM agent_events")" "events with the refused batch's"

# --content keeps text, with secrets redacted.
echo '{"type":"user","cwd":"'"$ROOT"'/acme","sessionId":"77777777-7777-4777-8777-777777777777","version":"2.0.14","uuid":"x1","timestamp":"2026-11-21T09:00:00Z","message":{"role":"user","content":"deploy with https://admin:hunter2@db.example.com and sk-ant-api03-abcdefghijklmnopqrstuv"}}' \
  >"$H/.claude/projects/-ROOT-acme/77777777-7777-4777-8777-777777777777.jsonl"
collectctl collect --content --queue "$T/content.db" -q
collectctl --database-url "$url" upload --queue "$T/content.db" -q
assert_eq "deploy with https://admin:[REDACTED]@db.example.com and [REDACTED]" \
  "$(sql "$url" "SELECT data->>'text' FROM agent_events WHERE session_id = '77777777-7777-4777-8777-777777777777' AND event_type = 'llm_request'")" "redacted content"
# The same NDJSON file through import events and through collect: the same ids (a non-UUID id, ids
# derived from the content) and the same validation; the upload adds nothing.
pid=$(sql "$url" "SELECT id FROM projects WHERE full_name = 'acme/tools'")
mkdir -p "$T/same"
cat >"$T/same/e.ndjson" <<EOF
{"timestamp":"2026-11-21T08:00:00Z","eventType":"tool_use","agentId":"aider","agentVersion":"0.80","sessionId":"aider-session-2","projectId":$pid,"data":{"toolName": "Read"},"severity":"WARNING"}
{"id":"aider-evt-7","timestamp":"2026-11-21T08:00:01Z","event_type":"llm_response","agent_id":"aider","agent_version":"0.80","session_id":"aider-session-2","project_id":$pid,"metrics":{"tokenCount":12}}
{"timestamp":1795248002,"eventType":"command_execution","agentId":"aider","agentVersion":"0.80","sessionId":"aider-session-2","projectId":$pid,"data":{"command":"make test"},"tags":["ci","local"]}
{"timestamp":"2026-11-21T08:00:03Z","eventType":"tool_use","agentId":"aider","agentVersion":"0.80","sessionId":"aider-session-2","projectId":$pid,"tags":[1]}
EOF
run --database-url "$url" import events --max-errors 10 "$T/same/e.ndjson"
assert_rc 9
assert_contains "$err" "e.ndjson:4: tags: element 1 is a number; expected strings"
assert_eq "3|warning" "$(sql "$url" "SELECT count(*), min(severity) FROM agent_events WHERE agent_id = 'aider' AND timestamp >= '2026-11-21' AND timestamp < '2026-11-22'")" "imported"
collectctl collect --source "ndjson:$T/same" --queue "$T/same.db" --format csv
assert_rc 0
assert_contains "$err" "e.ndjson:4: tags: element 1 is a number; expected strings"
collectctl --database-url "$url" upload --queue "$T/same.db" --format csv
assert_rc 0
# (36 events of the default sources, 2 of the --content session above, 3 of the file)
assert_eq '41 0' "$(csv_field sent) $(csv_field new)" "the imported file collected and uploaded"

# Projects made by import (a URL spelled with .git; only the same full name) are the collector's
# projects too: no twins.
url2=$(new_db)
run --database-url "$url2" -q migrate up
sql "$url2" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) VALUES
  ('api', 'acme/api', 'https://github.com/acme/api.git', 'acme', 'api'),
  ('web-shop', 'team/web-shop', 'https://example.com/mirror/web-shop', 'team', 'web-shop')" >/dev/null
collectctl collect --source "ndjson:$H/events" --queue "$T/twins.db" -q
collectctl --database-url "$url2" upload --queue "$T/twins.db" --format csv
assert_rc 0
assert_eq "acme/api|https://github.com/acme/api.git|26
acme/tools|https://github.com/acme/tools|2
team/web-shop|https://example.com/mirror/web-shop|12" \
  "$(sql "$url2" "SELECT p.full_name, p.repo_url, count(e.id) FROM projects p LEFT JOIN agent_events e ON e.project_id = p.id GROUP BY 1, 2 ORDER BY 1")" "projects found as import finds them"
pass
