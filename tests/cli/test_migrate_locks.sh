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
# Kept now: bash unsets HOLDER_PID and HOLDER as soon as it reaps the ended coprocess.
holder_psql=$HOLDER_PID
holder_in=${HOLDER[1]}
# The pid first, the lock last (its query is what the error shows), then a marker from psql itself.
printf '%s\n' "SET application_name = 'long_report'; SELECT pg_backend_pid(); BEGIN;" \
  "LOCK TABLE busy IN ACCESS EXCLUSIVE MODE;" '\echo locked' >&"${HOLDER[1]}"
read -r holder_pid <&"${HOLDER[0]}"
read -r line <&"${HOLDER[0]}"
assert_eq locked "$line" "holder"

run -v --database-url "$url" migrate --migrations-dir "$T/mig" --ddl-lock-timeout 0.5 --ddl-retries 2 up
assert_rc 6
assert_contains "$err" "devlogctl: error: 0001_alter.sql:3: could not get a lock within 500 ms in 3 attempts; blocked by pid $holder_pid (user postgres, application long_report, idle in transaction for"
# The other session's statement text is shown only with -v (it may hold anything).
assert_contains "$err" "pid $holder_pid last ran: LOCK TABLE busy IN ACCESS EXCLUSIVE MODE"
assert_not_contains "$(grep -v '^  detail' <<<"$err" | grep 'devlogctl: ')" "LOCK TABLE busy"
assert_contains "$err" "0001_alter.sql was rolled back"
assert_contains "$err" "(SELECT pg_terminate_backend($holder_pid))"
assert_eq 2 "$(grep -c "timed out waiting for a lock held by pid $holder_pid" <<<"$err")" "retry warnings"
assert_eq "" "$(sql "$url" "SELECT to_regclass('other')")" "table of the rolled back migration"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM pg_locks WHERE NOT granted")" "lock requests left queued"

# Once the holder commits, the same command succeeds.
echo "COMMIT;" >&"$holder_in"
exec {holder_in}>&-
wait "$holder_psql" 2>/dev/null || true
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
# CREATE INDEX CONCURRENTLY behind an open write: a lock timeout outside a transaction is not
# retried (the failed build leaves an invalid index that IF NOT EXISTS would then skip), and a
# later run that skips the invalid index is caught instead of being recorded as applied.
url=$(new_db)
rm -f "$T/mig"/*.sql
sql "$url" "CREATE TABLE t (id int)" >/dev/null
cat >"$T/mig/0001_idx.sql" <<'SQL'
-- migrate:up transaction:false
CREATE INDEX CONCURRENTLY IF NOT EXISTS t_id ON t (id);
SQL
coproc WRITER { psql -X -q -A -t -d "$url" -v ON_ERROR_STOP=1 2>&1; }
writer_psql=$WRITER_PID
writer_in=${WRITER[1]}
printf '%s\n' "BEGIN; INSERT INTO t VALUES (1);" '\echo written' >&"${WRITER[1]}"
read -r line <&"${WRITER[0]}"
assert_eq written "$line" "writer"
run --database-url "$url" migrate --migrations-dir "$T/mig" --ddl-lock-timeout 0.3 --ddl-retries 3 up
assert_rc 6
assert_contains "$err" "0001_idx.sql:2: could not get a lock within 300 ms;"
assert_not_contains "$err" "trying again"
assert_eq "f" "$(sql "$url" "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass")" "index after the timeout"
echo "COMMIT;" >&"$writer_in"
exec {writer_in}>&-
wait "$writer_psql" 2>/dev/null || true
run --database-url "$url" migrate --migrations-dir "$T/mig" up --retry-failed
assert_rc 1
assert_contains "$err" "0001_idx.sql ran to its end, but index public.t_id is invalid"
assert_contains "$err" "DROP INDEX CONCURRENTLY public.t_id"
run --database-url "$url" migrate --migrations-dir "$T/mig" status --format csv
assert_contains "$out" "0001,idx,failed,"
sql "$url" "DROP INDEX CONCURRENTLY t_id" >/dev/null
run --database-url "$url" migrate --migrations-dir "$T/mig" up --retry-failed
assert_rc 0
assert_eq "t" "$(sql "$url" "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass")" "index after the retry"
pass
