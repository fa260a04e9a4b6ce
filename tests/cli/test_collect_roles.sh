#!/usr/bin/env bash
# roles setup: the writer role uploads (events and their parent rows) but cannot read, change or
# delete anything; the reader role reads the devlog tables but not users' secrets and writes
# nothing. Idempotent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
setup_home
url=$(new_db)
run --database-url "$url" -q migrate up

run --database-url "$url" roles setup --dry-run
assert_rc 0
assert_contains "$out" 'CREATE ROLE "devlog_writer" NOLOGIN;'
assert_contains "$out" 'GRANT INSERT ON "public".agent_events TO "devlog_writer";'
w=w_$$_$RANDOM r=r_$$_$RANDOM
run --database-url "$url" roles setup --writer "$w" --reader "$r" --format csv
assert_rc 0
assert_contains "$out" "create role $w,created"
assert_contains "$out" "$w: INSERT on agent_events (no SELECT or UPDATE or DELETE),granted"
run --database-url "$url" roles setup --writer "$w" --reader "$r" --format csv
assert_rc 0
assert_contains "$out" "create role $w,exists"

# Login roles that are members of them, with passwords (TCP needs one on the test server).
sql "$url" "CREATE ROLE ${w}_laptop LOGIN PASSWORD 'pw-laptop' IN ROLE $w; CREATE ROLE ${r}_analyst LOGIN PASSWORD 'pw-analyst' IN ROLE $r" >/dev/null
as() { # ROLE PASSWORD: the database URL as that role
  local rest=${url#*://}
  echo "postgresql://$1:$2@${rest#*@}"
}
writer=$(as "${w}_laptop" pw-laptop)
reader=$(as "${r}_analyst" pw-analyst)

# The writer uploads everything, including a correction of an uploaded response.
collectctl collect --source "ndjson:$H/events" -q
collectctl --database-url "$writer" upload --format csv
assert_rc 0
assert_eq "38 38" "$(csv_field sent) $(csv_field new)" "upload as the writer"
main=$H/.claude/projects/-ROOT-acme/11111111-1111-4111-8111-111111111111.jsonl
printf '\n{"type":"assistant","message":{"id":"msg_m4","model":"claude-sonnet-4-5","content":[],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":90,"cache_read_input_tokens":3,"cache_creation_input_tokens":4}},"requestId":"req_r4","sessionId":"11111111-1111-4111-8111-111111111111","cwd":"%s/acme","version":"2.0.14","uuid":"a8","timestamp":"2026-11-20T10:00:14.000Z"}\n' "$ROOT" >>"$main"
collectctl collect -q
collectctl --database-url "$writer" upload --format csv
assert_rc 0
assert_eq "1" "$(csv_field corrected)" "correction as the writer"
assert_eq "$EXPECTED_EVENTS|$((EXPECTED_TOKENS + 88))" "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events")" "after the writer's uploads"

denied() { # URL SQL: the statement fails with permission denied
  local got
  got=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>&1) && fail "allowed: $2 → $got"
  assert_contains "$got" "permission denied" "$2"
}
for statement in "SELECT count(*) FROM agent_events" "SELECT * FROM projects" "SELECT * FROM machines" \
  "SELECT * FROM workspaces" "SELECT * FROM agent_sessions" "SELECT * FROM users" \
  "DELETE FROM agent_events" "UPDATE agent_events SET severity = 'error'" "TRUNCATE agent_events" \
  "DELETE FROM projects" "UPDATE projects SET name = 'x'" "SELECT * FROM devlogctl.schema_migrations"; do
  denied "$writer" "$statement"
done
# Through the upload functions it cannot change what is not a larger usage of a response.
sql "$writer" "SELECT devlogctl.upload_corrections_v1('[{\"id\": \"66666666-6666-4666-8666-666666666666\", \"timestamp\": \"2026-11-20T14:00:00Z\", \"event_type\": \"command_execute\", \"agent_id\": \"aider\", \"agent_version\": \"x\", \"session_id\": \"66666666-6666-4666-8666-666666666666\", \"project_id\": 1, \"data\": {\"command\": \"rm -rf /\"}}]')" >/dev/null
assert_eq '{"command": "make"}' "$(sql "$url" "SELECT data FROM agent_events WHERE id = '66666666-6666-4666-8666-666666666666'")" "a non-response through the corrections function"
# A response's metrics only, and only from the same agent and session.
m4=$(sql "$url" "SELECT jsonb_build_object('id', id, 'timestamp', timestamp, 'event_type', event_type, 'agent_id', agent_id, 'agent_version', agent_version, 'session_id', session_id, 'project_id', project_id, 'data', '{\"hijacked\": true}'::jsonb, 'metrics', '{\"tokenCount\": 5000}'::jsonb) FROM agent_events WHERE data->>'messageId' = 'msg_m4'")
sql "$writer" "SELECT devlogctl.upload_corrections_v1(jsonb_build_array('$m4'::jsonb || '{\"session_id\": \"99999999-9999-4999-8999-999999999999\"}'))" >/dev/null
assert_eq '98|' "$(sql "$url" "SELECT metrics->>'tokenCount', data->>'hijacked' FROM agent_events WHERE data->>'messageId' = 'msg_m4'")" "a response of another session through the corrections function"
sql "$writer" "SELECT devlogctl.upload_corrections_v1(jsonb_build_array('$m4'::jsonb))" >/dev/null
assert_eq '5000|' "$(sql "$url" "SELECT metrics->>'tokenCount', data->>'hijacked' FROM agent_events WHERE data->>'messageId' = 'msg_m4'")" "a larger usage of the same response: metrics only"
# An event of any type the server does not hold yet is inserted (its first upload failed).
pid=$(sql "$url" "SELECT min(id) FROM projects")
sql "$writer" "SELECT devlogctl.upload_corrections_v1('[{\"id\": \"88888888-8888-4888-8888-888888888888\", \"timestamp\": \"2026-11-20T15:00:00Z\", \"event_type\": \"tool_use\", \"agent_id\": \"aider\", \"agent_version\": \"x\", \"session_id\": \"66666666-6666-4666-8666-666666666666\", \"project_id\": $pid, \"data\": {\"toolName\": \"Read\"}}]')" >/dev/null
assert_eq 'tool_use|Read' "$(sql "$url" "SELECT event_type, data->>'toolName' FROM agent_events WHERE id = '88888888-8888-4888-8888-888888888888'")" "a new non-response through the corrections function"

# The reader reads the devlog tables, not the secrets, and writes nothing.
assert_eq "$((EXPECTED_EVENTS + 1))" "$(sql "$reader" "SELECT count(*) FROM agent_events")" "reader"
assert_eq 3 "$(sql "$reader" "SELECT count(*) FROM projects")" "reader: projects"
for statement in "SELECT * FROM users" "SELECT * FROM password_reset_tokens" "DELETE FROM agent_events" \
  "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) VALUES ('a', 'b', 'c', 'd', 'e')" \
  "SELECT devlogctl.upload_sessions_v1('[]')"; do
  denied "$reader" "$statement"
done

# Without roles setup, a role that may not create the functions is told what to do.
url2=$(new_db)
run --database-url "$url2" -q migrate up
sql "$url2" "GRANT CONNECT ON DATABASE \"${url2##*/}\" TO ${w}_laptop" >/dev/null
collectctl --database-url "$(as "${w}_laptop" pw-laptop | sed "s#/[^/]*\$#/${url2##*/}#")" upload --queue "$T/other.db"
collectctl collect -q --queue "$T/other.db"
collectctl --database-url "$(as "${w}_laptop" pw-laptop | sed "s#/[^/]*\$#/${url2##*/}#")" upload --queue "$T/other.db"
assert_rc 1
assert_contains "$err" "the upload functions (schema devlogctl) are missing, and this role may not create them"
# Roles belong to the whole server: remove them.
for db in "$url" "$url2"; do
  sql "$db" "DROP OWNED BY $w, $r, ${w}_laptop, ${r}_analyst" >/dev/null 2>&1 || true
done
sql "$url" "DROP ROLE ${w}_laptop; DROP ROLE ${r}_analyst; DROP ROLE $w; DROP ROLE $r" >/dev/null
pass
