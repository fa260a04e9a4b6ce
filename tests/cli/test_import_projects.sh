#!/usr/bin/env bash
# import events and projects: --project fills the project of records that name none (given by id,
# full name or repository URL) and leaves the others alone; --create-projects creates the projects
# that records (or --project) name by full name or URL, once each: another spelling of the same
# repository finds the project created. Without those flags such records are bad records.
. "$(dirname "$0")/lib.sh"
url=$(new_db)
run --database-url "$url" migrate up
assert_rc 0
sql "$url" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) VALUES
            ('api', 'acme/api', 'https://github.com/acme/api', 'acme', 'api'),
            ('lib', 'acme/lib', 'https://github.com/acme/lib', 'acme', 'lib')" >/dev/null
api=$(sql "$url" "SELECT id FROM projects WHERE full_name = 'acme/api'")
lib=$(sql "$url" "SELECT id FROM projects WHERE full_name = 'acme/lib'")
# The full names of the events' projects, oldest event first.
projects_of() {
  sql "$url" "SELECT string_agg(p.full_name, ',' ORDER BY e.timestamp) FROM agent_events e JOIN projects p ON p.id = e.project_id"
}
event() { # SECOND [PROJECT FIELD]
  echo "{\"timestamp\":\"2026-01-02T03:00:0$1Z\",\"eventType\":\"tool_use\",\"agentId\":\"codex\",\"agentVersion\":\"1\",\"sessionId\":\"s1\"${2:+,$2}}"
}
{
  event 0
  event 1 "\"projectId\":$lib"
  event 2 '"project":"acme/lib"'
  event 3
} >"$T/mixed.ndjson"

run --database-url "$url" import events "$T/mixed.ndjson"
assert_rc 1
assert_contains "$err" "$T/mixed.ndjson:1: projectId: missing (give --project for records without one)"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM agent_events")" "rows loaded without --project"

for ref in acme/api https://github.com/acme/api git@github.com:acme/api.git "$api"; do
  run --database-url "$url" import events --project "$ref" "$T/mixed.ndjson"
  assert_rc 0
  assert_eq "acme/api,acme/lib,acme/lib,acme/api" "$(projects_of)" "projects with --project $ref"
  sql "$url" "TRUNCATE agent_events" >/dev/null
done

# Unknown projects by full name and by URL (two spellings each).
{
  event 0 '"project":"acme/new"'
  event 1 '"project":"https://github.com/acme/new"'
  event 2 '"project":"git@gitlab.com:team/tool.git"'
  event 3 '"project":"https://gitlab.com/team/tool"'
  event 4
} >"$T/new.ndjson"
run --database-url "$url" import events --project acme/api "$T/new.ndjson"
assert_rc 1
assert_contains "$err" "$T/new.ndjson:1: projectId: unknown project 'acme/new' (create it first, or add --create-projects)"
assert_eq 2 "$(sql "$url" "SELECT count(*) FROM projects")" "projects without --create-projects"

run --database-url "$url" import events --create-projects --project acme/api "$T/new.ndjson"
assert_rc 0
assert_contains "$err" "created 2 projects"
assert_eq "acme/new,acme/new,team/tool,team/tool,acme/api" "$(projects_of)" "projects of the records"
assert_eq "acme/new|https://github.com/acme/new|acme|new|new
team/tool|https://gitlab.com/team/tool|team|tool|tool" \
  "$(sql "$url" "SELECT full_name, repo_url, repo_owner, repo_name, name FROM projects WHERE id NOT IN ($api, $lib) ORDER BY full_name")" \
  "created projects"

# --project names an unknown project: created with --create-projects, refused without.
sql "$url" "TRUNCATE agent_events" >/dev/null
run --database-url "$url" import events --project https://github.com/acme/other "$T/mixed.ndjson"
assert_rc 2
assert_contains "$err" "devlogctl: error: --project: unknown project 'https://github.com/acme/other'"
run --database-url "$url" import events --create-projects --project https://github.com/acme/other "$T/mixed.ndjson"
assert_rc 0
assert_contains "$err" "created 1 project"
assert_eq "acme/other,acme/lib,acme/lib,acme/other" "$(projects_of)" "projects with --project of a created project"
assert_eq 1 "$(sql "$url" "SELECT count(*) FROM projects WHERE full_name = 'acme/other' AND repo_url = 'https://github.com/acme/other'")" "created by --project"
pass
