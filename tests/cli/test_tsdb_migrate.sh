#!/usr/bin/env bash
# Migration 0001 on the TimescaleDB test server (PostgreSQL 17 + TimescaleDB, pglite): applies,
# is recorded, verifies and reverts. The server has one shared session: clean up afterwards.
. "$(dirname "$0")/lib.sh"
if [ -z "${DEVLOG_TEST_TSDB_URL:-}" ]; then
  echo "SKIP: DEVLOG_TEST_TSDB_URL is not set (the TimescaleDB test server did not start; see scripts/test output)"
  exit 0
fi
url=$DEVLOG_TEST_TSDB_URL
[ "$(sql "$url" "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'")" = 1 ] ||
  fail "the TimescaleDB test server has no timescaledb extension"

cleanup_tsdb() {
  "$DEVLOGCTL" --database-url "$url" migrate down --steps "$(sql "$url" "SELECT count(*) FROM schema_migrations" 2>/dev/null || echo 1)" >/dev/null 2>&1 || true
  sql "$url" "DROP TABLE IF EXISTS schema_migrations" >/dev/null 2>&1 || true
}
cleanup_tsdb
trap 'cleanup_tsdb; _cleanup' EXIT

run --database-url "$url" migrate up
assert_rc 0
assert_contains "$out" "database is at version"
run --database-url "$url" migrate verify --strict
assert_rc 0
assert_eq "t" "$(sql "$url" "SELECT to_regclass('agent_events') IS NOT NULL")" "agent_events exists"
# The primary key includes the time column, so the table can become a hypertable.
sql "$url" "SELECT create_hypertable('agent_events', 'timestamp', migrate_data => true)" >/dev/null ||
  fail "agent_events cannot be converted to a hypertable"
run --database-url "$url" migrate up
assert_rc 0
assert_contains "$out" "up to date"
pass
