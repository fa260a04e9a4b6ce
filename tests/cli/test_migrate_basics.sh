#!/usr/bin/env bash
# migrate up / status / verify / down / --dry-run on the built-in migrations.
. "$(dirname "$0")/lib.sh"
url=$(new_db)
tables="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"

# status on an empty database: everything pending, nothing created.
run --database-url "$url" migrate status --format json
assert_rc 0
assert_contains "$out" '"state": "pending"'
assert_not_contains "$out" '"state": "applied"'
assert_eq 0 "$(sql "$url" "$tables")" "tables after status"

# --dry-run prints the SQL and changes nothing (not even the history table).
run --database-url "$url" migrate up --dry-run
assert_rc 0
assert_contains "$out" "CREATE TABLE"
assert_contains "$out" "-- 0001_devlog_schema.sql (up, in one transaction)"
assert_contains "$err" "nothing was changed"
assert_eq 0 "$(sql "$url" "$tables")" "tables after --dry-run"

# The dry-run script is real SQL, history included: applied by psql it leaves the same database
# that 'migrate up' would, so that verify passes and up has nothing left to do.
by_hand=$(new_db)
echo "$out" | psql -X -q -v ON_ERROR_STOP=1 -d "$by_hand" >/dev/null 2>"$T/psql.err" || fail "psql rejected the dry-run script: $(cat "$T/psql.err")"
run --database-url "$by_hand" migrate verify --strict
assert_rc 0
run --database-url "$by_hand" migrate up
assert_rc 0
assert_contains "$out" "up to date"

# verify --strict fails with the 'pending' exit code on an unmigrated database.
run --database-url "$url" migrate verify --strict
assert_rc 5

# up applies everything and records it.
run --database-url "$url" migrate up
assert_rc 0
assert_contains "$err" "applying 0001_devlog_schema.sql"
assert_contains "$out" "database is at version"
applied=$(sql "$url" "SELECT count(*) FROM devlogctl.schema_migrations WHERE success AND kind = 'migrate'")
total=$(run --database-url "$url" migrate status --format ndjson; echo "$out" | grep -c '"state":"applied"')
assert_eq "$applied" "$total" "applied rows vs status"
[ "$applied" -ge 1 ] || fail "no migration recorded"
# (bool_and over every row: a failing query or no rows gives no "t" and fails the check)
assert_eq "t" "$(sql "$url" "SELECT bool_and(execution_ms >= 0 AND applied_at <= now() AND length(checksum) = 64)
  FROM devlogctl.schema_migrations")" "bookkeeping rows are sane"

# a second run is a no-op and says so.
before=$(sql "$url" "SELECT string_agg(version || ':' || applied_at, ',' ORDER BY version) FROM devlogctl.schema_migrations")
run --database-url "$url" migrate
assert_rc 0
assert_contains "$out" "up to date"
after=$(sql "$url" "SELECT string_agg(version || ':' || applied_at, ',' ORDER BY version) FROM devlogctl.schema_migrations")
assert_eq "$before" "$after" "history after a no-op run"

run --database-url "$url" migrate verify --strict
assert_rc 0
assert_contains "$err" "verify: ok"

# csv output has a header and one line per migration.
run --database-url "$url" migrate status --format csv
assert_rc 0
assert_eq "version,name,state,applied_at,execution_ms,kind,checksum,note" "$(echo "$out" | head -1 | tr -d '\r')" "csv header"

# down (dry run first: nothing changes), then down for real, then up: round trip.
schema_before=$(sql "$url" "SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'")
run --database-url "$url" migrate down --dry-run
assert_rc 0
assert_contains "$out" "DROP TABLE"
assert_eq "$applied" "$(sql "$url" "SELECT count(*) FROM devlogctl.schema_migrations")" "history after down --dry-run"

run --database-url "$url" migrate down --steps "$applied"
assert_rc 0
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM devlogctl.schema_migrations")" "history after down"
assert_eq 0 "$(sql "$url" "$tables")" "tables left in public after down"

run --database-url "$url" migrate down
assert_rc 2
assert_contains "$err" "only 0 are applied"

run --database-url "$url" migrate up
assert_rc 0
schema_after=$(sql "$url" "SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'")
assert_eq "$schema_before" "$schema_after" "schema after down + up"

# --to an unknown version is a usage error naming it.
run --database-url "$url" migrate up --to 9999
assert_rc 2
assert_contains "$err" "no migration with version 9999"
pass
