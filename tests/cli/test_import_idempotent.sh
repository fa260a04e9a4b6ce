#!/usr/bin/env bash
# import events twice inserts nothing the second time: on plain PostgreSQL, with ids in the file
# and without (derived ids), with 2 workers; and on a hypertable (TimescaleDB 2.28.3 and 2.17.2)
# whose chunks were compressed in between, where a file with new rows among old ones adds exactly
# the new ones.
. "$(dirname "$0")/lib.sh"
: "${GEN_EVENTS:?GEN_EVENTS must name the gen-events binary (run through ctest)}"

"$GEN_EVENTS" --events 3000 --projects 4 --days 3 --projects-sql "$T/projects.sql" -o "$T/ids.ndjson"
"$GEN_EVENTS" --events 3000 --projects 4 --days 3 --no-ids --keys snake -o "$T/no-ids.ndjson"

# summary URL ARGS...: "read inserted duplicates rejected" of an import that must succeed.
summary() {
  local url=$1
  shift
  run --database-url "$url" --format csv import events --batch-rows 500 "$@"
  [ "$rc" -eq 0 ] || fail "import $*: exit code $rc
$err"
  sed -n 2p <<<"$out" | cut -d, -f1-4
}

url=$(new_db)
run --database-url "$url" migrate up
assert_rc 0
psql -X -q -v ON_ERROR_STOP=1 -d "$url" -f "$T/projects.sql" >/dev/null
assert_eq "3000,3000,0,0" "$(summary "$url" "$T/ids.ndjson")" "first import"
assert_eq "3000,0,3000,0" "$(summary "$url" "$T/ids.ndjson")" "second import"
assert_eq "3000,3000,0,0" "$(summary "$url" "$T/no-ids.ndjson")" "first import, derived ids"
assert_eq "3000,0,3000,0" "$(summary "$url" --workers 2 "$T/no-ids.ndjson")" "second import, derived ids, 2 workers"
assert_eq 6000 "$(sql "$url" "SELECT count(*) FROM agent_events")"

for version in ${DEVLOG_TEST_TSDB_VERSIONS:-}; do
  url=$(new_tsdb_db "$version")
  run --database-url "$url" migrate up
  assert_rc 0
  psql -X -q -v ON_ERROR_STOP=1 -d "$url" -f "$T/projects.sql" >/dev/null
  sql "$url" "SELECT create_hypertable('agent_events', 'timestamp', chunk_time_interval => interval '1 day')" >/dev/null
  head -n 2000 "$T/ids.ndjson" >"$T/first.ndjson"
  assert_eq "2000,2000,0,0" "$(summary "$url" "$T/first.ndjson")" "first import ($version)"
  sql "$url" "ALTER TABLE agent_events SET (timescaledb.compress, timescaledb.compress_segmentby = 'project_id, agent_id, event_type', timescaledb.compress_orderby = 'timestamp DESC, id')" >/dev/null
  sql "$url" "SELECT count(compress_chunk(c)) FROM show_chunks('agent_events') c" >/dev/null
  assert_eq 0 "$(sql "$url" "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'agent_events' AND NOT is_compressed")" "uncompressed chunks ($version)"
  assert_eq "2000,0,2000,0" "$(summary "$url" "$T/first.ndjson")" "again into compressed chunks ($version)"
  # The whole file: its first 2000 rows are in compressed chunks, 1000 are new, interleaved by batch.
  shuf --random-source=<(yes) "$T/ids.ndjson" >"$T/shuffled.ndjson"
  assert_eq "3000,1000,2000,0" "$(summary "$url" "$T/shuffled.ndjson")" "new rows among compressed ones ($version)"
  assert_eq "3000|3000" "$(sql "$url" "SELECT count(*), count(DISTINCT id) FROM agent_events")" "rows ($version)"
done
pass
