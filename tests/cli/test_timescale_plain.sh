#!/usr/bin/env bash
# Without TimescaleDB (plain PostgreSQL 15): timescale setup says what is missing and how to get
# it, exits 8 and changes nothing, --dry-run too; the finer commands exit 8 as well; status is
# healthy and says the TimescaleDB checks are skipped.
. "$(dirname "$0")/lib.sh"

url=$(new_db)
"$DEVLOGCTL" --database-url "$url" -q migrate up >/dev/null
snapshot() {
  sql "$url" "SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) FROM pg_class
              WHERE relnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
                AND relnamespace::regnamespace::text NOT LIKE 'pg_toast%'"
  sql "$url" "SELECT count(*) FROM pg_extension"
}
before=$(snapshot)

for args in "timescale setup" "timescale setup --dry-run" "timescale hypertable"; do
  # shellcheck disable=SC2086
  run --database-url "$url" $args
  assert_rc 8
  assert_contains "$err" "devlogctl: error: TimescaleDB is not installed on this server (PostgreSQL 15"
  assert_contains "$err" "hint: install TimescaleDB 2.13 or newer for this PostgreSQL version on the server"
  assert_contains "$err" "add timescaledb to shared_preload_libraries and restart PostgreSQL"
  assert_eq "" "$out" "stdout of $args"
done
for args in "timescale compression compress" "timescale jobs list" "timescale aggregates refresh"; do
  # shellcheck disable=SC2086
  run --database-url "$url" $args
  assert_rc 8
done
assert_eq "$before" "$(snapshot)" "the database after the failed setups"

run --database-url "$url" status
assert_rc 0
assert_contains "$out" "not installed on this server: TimescaleDB checks skipped"
assert_contains "$out" "healthy"
pass
