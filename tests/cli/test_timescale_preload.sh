#!/usr/bin/env bash
# TimescaleDB installed on the server but missing from shared_preload_libraries (a server of its
# own, with the test server's TimescaleDB build): a database that has the extension makes status
# unhealthy with the setting to change; setup there, and on a database without it, exits 8
# naming the setting and changes nothing.
. "$(dirname "$0")/lib.sh"
need_tsdb
src=${DEVLOG_SOURCE_DIR:?DEVLOG_SOURCE_DIR must name the source tree}
SERVERS_PREFIX=test_timescale_preload
# shellcheck source=../../scripts/lib/servers.sh
. "$src/scripts/lib/servers.sh"

bindir=$(sql "$DEVLOG_TEST_TSDB_URL" "SELECT setting FROM pg_config WHERE name = 'BINDIR'")
chmod 755 "$T" # the server may run as the postgres user
trap 'rc_=$?; pg_stop "$T/server"; (exit $rc_); _cleanup' EXIT

pg_start "$T/server" "$bindir" shared_preload_libraries=timescaledb timescaledb.telemetry_level=off || fail "server with TimescaleDB did not start"
server=$PG_URL
for db in with_extension without_extension; do
  sql "$server" "CREATE DATABASE $db" >/dev/null
done
with=$(url_for_db with_extension "$server")
without=$(url_for_db without_extension "$server")
psql -X -q -d "$with" -c "CREATE EXTENSION timescaledb" >/dev/null 2>&1 || fail "CREATE EXTENSION failed"
"$DEVLOGCTL" --database-url "$with" -q migrate up >/dev/null
"$DEVLOGCTL" --database-url "$without" -q migrate up >/dev/null

# The same server without timescaledb in shared_preload_libraries.
pg_start "$T/server" "$bindir" timescaledb.telemetry_level=off || fail "server without preload did not restart"
with=$(url_for_db with_extension "$PG_URL")
without=$(url_for_db without_extension "$PG_URL")

run --database-url "$with" status
assert_rc 7
assert_contains "$out" "problem: TimescaleDB is installed but not loaded: shared_preload_libraries does not list timescaledb (it is empty)"
assert_contains "$out" "  what to do: set shared_preload_libraries = 'timescaledb' in postgresql.conf (or run ALTER SYSTEM SET shared_preload_libraries = 'timescaledb' as a superuser) and restart PostgreSQL"

for url in "$with" "$without"; do
  before=$(sql "$url" "SELECT count(*) FROM pg_extension")
  run --database-url "$url" timescale setup
  assert_rc 8
  assert_contains "$err" "devlogctl: error: TimescaleDB is installed but not loaded: shared_preload_libraries does not list timescaledb"
  assert_contains "$err" "hint: set shared_preload_libraries = 'timescaledb' in postgresql.conf"
  assert_eq "$before" "$(sql "$url" "SELECT count(*) FROM pg_extension")" "extensions after setup"
  assert_eq "r" "$(sql "$url" "SELECT relkind FROM pg_class WHERE relname = 'agent_events'")" "agent_events after setup"
done
pass
