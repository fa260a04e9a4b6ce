#!/usr/bin/env bash
# Migration 0001 on PostgreSQL 15 + TimescaleDB, 2.17.2 and 2.28.3 alike: migrate up applies and
# verifies, agent_events then becomes a hypertable (its primary key includes the time column), a
# second migrate up has nothing to do, and migrate down takes the hypertable away with the rest.
. "$(dirname "$0")/lib.sh"

for version in 2.17.2 2.28.3; do
  url=$(new_tsdb_db "$version")
  assert_eq "$version" "$(sql "$url" "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")" "extension version"

  run --database-url "$url" migrate up
  assert_rc 0
  assert_contains "$out" "database is at version"
  run --database-url "$url" migrate verify --strict
  assert_rc 0

  sql "$url" "SELECT create_hypertable('agent_events', 'timestamp')" >/dev/null ||
    fail "TimescaleDB $version: agent_events cannot become a hypertable"
  assert_eq "agent_events" "$(sql "$url" "SELECT hypertable_name FROM timescaledb_information.hypertables")" "hypertables ($version)"

  run --database-url "$url" migrate up
  assert_rc 0
  assert_contains "$out" "up to date"
  run --database-url "$url" migrate verify --strict
  assert_rc 0

  run --database-url "$url" migrate down --steps "$(sql "$url" "SELECT count(*) FROM devlogctl.schema_migrations")"
  assert_rc 0
  assert_eq "f" "$(sql "$url" "SELECT to_regclass('agent_events') IS NOT NULL")" "agent_events after down ($version)"
  assert_eq 0 "$(sql "$url" "SELECT count(*) FROM timescaledb_information.hypertables")" "hypertables after down ($version)"
done
pass
