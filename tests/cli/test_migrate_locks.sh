#!/usr/bin/env bash
# A migration waits for a table lock only --ddl-lock-timeout at a time, is retried, and finally
# fails with exit code 6 naming the session that holds the lock; the database is unchanged.
# A transaction:false migration killed with -9 shows how far it got.
. "$(dirname "$0")/lib.sh"
url=$(new_db)
mkdir "$T/mig"
sql "$url" "CREATE TABLE busy (id int)" >/dev/null
cat >"$T/mig/0001_alter.sql" <<'SQL'
-- migrate:up
CREATE TABLE other (id int);
ALTER TABLE busy ADD COLUMN extra int;
SQL
coproc HOLDER { psql -X -q -A -t -d "$url" -v ON_ERROR_STOP=1 2>&1; }
# The pid first, the lock last (its query is what the error shows), then a marker from psql itself.
printf '%s\n' "SET application_name = 'long_report'; SELECT pg_backend_pid(); BEGIN;" \
  "LOCK TABLE busy IN ACCESS EXCLUSIVE MODE;" '\echo locked' >&"${HOLDER[1]}"
read -r holder_pid <&"${HOLDER[0]}"
read -r line <&"${HOLDER[0]}"
assert_eq locked "$line" "holder"

run --database-url "$url" migrate --migrations-dir "$T/mig" --ddl-lock-timeout 0.2 --ddl-retries 2 up
assert_rc 6
assert_contains "$err" "devlogctl: error: 0001_alter.sql:3: could not get a lock within 200 ms in 3 attempts; blocked by pid $holder_pid (user postgres, application long_report, idle in transaction for"
assert_contains "$err" "last query: LOCK TABLE busy IN ACCESS EXCLUSIVE MODE"
assert_contains "$err" "0001_alter.sql was rolled back"
assert_contains "$err" "(SELECT pg_terminate_backend($holder_pid))"
assert_eq 2 "$(grep -c "timed out waiting for a lock held by pid $holder_pid" <<<"$err")" "retry warnings"
assert_eq "" "$(sql "$url" "SELECT to_regclass('other')")" "table of the rolled back migration"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM pg_locks WHERE NOT granted")" "lock requests left queued"

# Once the holder commits, the same command succeeds.
echo "COMMIT;" >&"${HOLDER[1]}"
exec {HOLDER[1]}>&-
wait "$HOLDER_PID" 2>/dev/null || true
run --database-url "$url" migrate --migrations-dir "$T/mig" --ddl-lock-timeout 0.2 up
assert_rc 0

# kill -9 in the middle of a transaction:false migration: status tells the truth, up refuses.
cat >"$T/mig/0002_slow.sql" <<'SQL'
-- migrate:up transaction:false
CREATE TABLE first (id int);
SELECT pg_sleep(60);
CREATE TABLE never (id int);
SQL
"$DEVLOGCTL" --database-url "$url" migrate --migrations-dir "$T/mig" up >"$T/k.out" 2>"$T/k.err" &
pid=$!
sleeping() {
  [ "$(sql "$url" "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'")" = 1 ]
}
wait_for "the migration to reach pg_sleep" 20 sleeping
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
# The operator ends the orphaned server session (it holds the migrator lock until pg_sleep ends).
sql "$url" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)'" >/dev/null
run --database-url "$url" migrate --migrations-dir "$T/mig" status --format csv
assert_rc 0
assert_contains "$out" "0002,slow,failed,"
assert_contains "$out" "stopped after 1 of 3 statements (statement 1 stays applied): the process ended before it could say why"
run --database-url "$url" migrate --migrations-dir "$T/mig" --lock-timeout 5 up
assert_rc 4
assert_contains "$err" "0002_slow.sql did not finish"
assert_contains "$err" "--retry-failed"
pass
