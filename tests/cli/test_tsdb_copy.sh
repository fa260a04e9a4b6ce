#!/usr/bin/env bash
# COPY FROM STDIN into a hypertable (migration 0001's agent_events): psql's \copy from a file and
# COPY ... FROM STDIN from a pipe, on 2.17.2 and 2.28.3; rows land in one chunk per day.
. "$(dirname "$0")/lib.sh"

# events FIRST COUNT: prints COUNT CSV rows of project 1, one an hour from 2026-01-01 00:00 UTC
# plus FIRST hours.
events() {
  local i
  for ((i = $1; i < $1 + $2; i++)); do
    printf '00000000-0000-4000-8000-%012d,2026-01-%02d %02d:00:00+00,llm_response,claude-code,2.1.0,' "$i" $((1 + i / 24)) $((i % 24))
    printf '11111111-0000-4000-8000-%012d,1,"{""tokens"": %d}"\n' $((i % 5)) "$i"
  done
}
columns="id, timestamp, event_type, agent_id, agent_version, session_id, project_id, data"

for version in 2.17.2 2.28.3; do
  url=$(new_tsdb_db "$version")
  run --database-url "$url" migrate up
  assert_rc 0
  sql "$url" "SELECT create_hypertable('agent_events', 'timestamp', chunk_time_interval => interval '1 day')" >/dev/null
  sql "$url" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) VALUES ('p', 'o/p', 'https://example.com/o/p', 'o', 'p')" >/dev/null

  events 0 48 >"$T/first.csv"
  psql -X -q -v ON_ERROR_STOP=1 -d "$url" -c "\\copy agent_events ($columns) FROM '$T/first.csv' WITH (FORMAT csv)" ||
    fail "TimescaleDB $version: \\copy into the hypertable failed"
  events 48 24 | psql -X -q -v ON_ERROR_STOP=1 -d "$url" -c "COPY agent_events ($columns) FROM STDIN WITH (FORMAT csv)" ||
    fail "TimescaleDB $version: COPY FROM STDIN into the hypertable failed"

  assert_eq "72|72|3" "$(sql "$url" "SELECT count(*), count(DISTINCT id), count(DISTINCT date_trunc('day', timestamp, 'UTC')) FROM agent_events")" "rows, ids, days ($version)"
  assert_eq 3 "$(sql "$url" "SELECT count(*) FROM show_chunks('agent_events')")" "chunks ($version)"
  assert_eq 71 "$(sql "$url" "SELECT max((data->>'tokens')::int) FROM agent_events")" "data ($version)"
done
pass
