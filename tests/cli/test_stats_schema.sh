#!/usr/bin/env bash
# devlog's tables in a schema other than public (the database's search_path names it): with
# TimescaleDB the stats reports put its schemas in front of the search path, not in place of it,
# so `stats aggregates` still lists plain rollup tables of that schema; devlog_project_activity
# (migration 0002) reads the agent_events of the schema it was created in, whatever the caller's
# search_path is.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/query_lib.sh"
need_tsdb
u=$(new_tsdb_db)
db=${u##*/}
db=${db%%\?*}
sql "$u" "CREATE SCHEMA devlog; ALTER DATABASE \"$db\" SET search_path = devlog" >/dev/null
load "$u" events.sql
# The plain rollups as maintain builds them (it leaves rollups to TimescaleDB where the extension
# is), then TimescaleDB back in the database: the reports take their TimescaleDB path.
sql "$u" "DROP EXTENSION timescaledb" >/dev/null
maintain_rollups "$u"
sql "$u" "CREATE EXTENSION timescaledb" >/dev/null 2>&1
assert_eq "devlog,devlog" "$(sql "$u" "SELECT string_agg(relnamespace::regnamespace::text, ',' ORDER BY relname)
                                       FROM pg_class WHERE relname IN ('agent_events', 'agent_events_hourly')")" "tables in schema devlog"

run --database-url "$u" stats aggregates --format csv
assert_rc 0
assert_eq table "$(field aggregate agent_events_hourly kind)" "plain rollup in schema devlog listed"
assert_eq "$(sql "$u" "SELECT to_char(watermark AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')
                       FROM agent_events_rollup_state WHERE rollup = 'agent_events_hourly'")" \
  "$(field aggregate agent_events_hourly watermark)" "its watermark (maintain's)"

assert_eq "$(sql "$u" "SELECT count(*) FROM agent_events WHERE project_id = 1")" \
  "$(sql "$u" "SET search_path = pg_catalog; SELECT events FROM devlog.devlog_project_activity('2000-01-01') WHERE project_id = 1")" \
  "devlog_project_activity called with another search_path"
pass
