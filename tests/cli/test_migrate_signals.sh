#!/usr/bin/env bash
# Ctrl-C / SIGTERM during a migration: the statement is cancelled on the server (not left running),
# the migration is rolled back, the migrator lock released, and the exit code says which signal.
. "$(dirname "$0")/lib.sh"
url=$(new_db)
mkdir "$T/mig"

# active_count QUERY: sessions of this database running exactly QUERY.
active_count() {
  sql "$url" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
    AND query = '$1'"
}
is_active() { [ "$(active_count "$1")" = 1 ]; }

# 1. SIGINT while a statement runs.
cat >"$T/mig/0001_slow.sql" <<'SQL'
-- migrate:up
CREATE TABLE half (id int);
SELECT pg_sleep(60);
SQL
"$DEVLOGCTL" --database-url "$url" migrate --migrations-dir "$T/mig" up >"$T/a.out" 2>"$T/a.err" &
pid=$!
wait_for "the migration to reach pg_sleep" 20 is_active "SELECT pg_sleep(60)"
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
assert_eq 130 "$rc" "exit code after SIGINT"
assert_contains "$(cat "$T/a.err")" "devlogctl: error: 0001_slow.sql:3: interrupted by SIGINT: the statement was cancelled on the server"
assert_contains "$(cat "$T/a.err")" "0001_slow.sql was rolled back"
assert_eq 0 "$(active_count "SELECT pg_sleep(60)")" "statements still running on the server"
assert_eq "" "$(sql "$url" "SELECT to_regclass('half')")" "table of the interrupted migration"
assert_eq "t" "$(sql "$url" "SELECT pg_try_advisory_lock($((0x6465766c6f676d67)))")" "migrator lock is free"

# 2. SIGTERM while queued behind a table lock: the queued lock request must vanish too, or every
# later query on the table would wait behind it.
sql "$url" "CREATE TABLE busy (id int)" >/dev/null
cat >"$T/mig/0001_slow.sql" <<'SQL'
-- migrate:up
ALTER TABLE busy ADD COLUMN extra int;
SQL
coproc HOLDER { psql -X -q -A -t -d "$url" -v ON_ERROR_STOP=1 2>&1; }
# Kept now: bash unsets HOLDER_PID (and HOLDER) as soon as it reaps the ended coprocess.
holder_pid=$HOLDER_PID
holder_in=${HOLDER[1]}
printf '%s\n' "BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE;" '\echo locked' >&"${HOLDER[1]}"
read -r line <&"${HOLDER[0]}"
assert_contains "$line" "locked" "holder"
"$DEVLOGCTL" --database-url "$url" migrate --migrations-dir "$T/mig" --ddl-lock-timeout 60 up >"$T/b.out" 2>"$T/b.err" &
pid=$!
waiting() {
  [ "$(sql "$url" "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
    WHERE NOT l.granted AND a.application_name = 'devlogctl'")" = 1 ]
}
wait_for "the migration to queue for the table lock" 20 waiting
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
assert_eq 143 "$rc" "exit code after SIGTERM"
assert_contains "$(cat "$T/b.err")" "interrupted by SIGTERM"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM pg_locks WHERE NOT granted")" "lock requests still queued"
echo "COMMIT;" >&"$holder_in"
exec {holder_in}>&-
wait "$holder_pid" 2>/dev/null || true
assert_eq "" "$(sql "$url" "SELECT attname FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attname = 'extra'")" "column of the interrupted migration"
pass
