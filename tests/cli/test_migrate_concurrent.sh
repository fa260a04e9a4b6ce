#!/usr/bin/env bash
# Two migrators at once: exactly one applies, the other waits for the lock and finds nothing to do.
# A third with a short --lock-timeout fails with exit code 6 while the lock is held.
. "$(dirname "$0")/lib.sh"
url=$(new_db)
mkdir "$T/mig"
cat >"$T/mig/0001_slow.sql" <<'SQL'
-- migrate:up
CREATE TABLE slow (id int);
SELECT pg_sleep(2);
INSERT INTO slow VALUES (1);
-- migrate:down
DROP TABLE slow;
SQL

"$DEVLOGCTL" --database-url "$url" migrate --migrations-dir "$T/mig" up >"$T/a.out" 2>"$T/a.err" &
pa=$!
"$DEVLOGCTL" --database-url "$url" migrate --migrations-dir "$T/mig" up >"$T/b.out" 2>"$T/b.err" &
pb=$!
# One holds the lock (its migration sleeps), the other says it waits: no fixed sleeps.
lock_held() {
  [ "$(sql "$url" "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" = 1 ]
}
wait_for "one migrator to hold the lock" 20 lock_held
wait_for "the other migrator to wait" 20 grep -q "waiting for another migrator" "$T/a.err" "$T/b.err"
run --database-url "$url" migrate --migrations-dir "$T/mig" --lock-timeout 0 up
assert_rc 6
assert_contains "$err" "still holds the migration lock"
wait $pa || fail "first migrator failed: $(cat "$T/a.err")"
wait $pb || fail "second migrator failed: $(cat "$T/b.err")"

outs="$(cat "$T/a.out" "$T/b.out")"
assert_eq 1 "$(grep -c 'applied 1 migration' <<<"$outs")" "migrators that applied"
assert_eq 1 "$(grep -c 'up to date' <<<"$outs")" "migrators that found nothing to do"
assert_eq 1 "$(sql "$url" "SELECT count(*) FROM slow")" "rows inserted by the migration"
assert_eq 1 "$(sql "$url" "SELECT count(*) FROM devlogctl.schema_migrations")" "history rows"
# The waiting one said so on stderr.
assert_contains "$(cat "$T/a.err" "$T/b.err")" "waiting for another migrator"
# The lock is per database: a migrator waiting in this database names the session holding the lock
# here, not one that holds the same key in another database.
other=$(new_db)
key=$((0x6465766c6f676d67))
coproc ELSEWHERE { psql -X -q -A -t -d "$other" 2>&1; }
printf '%s\n' "SELECT pg_advisory_lock($key);" '\echo held' >&"${ELSEWHERE[1]}"
read -r line <&"${ELSEWHERE[0]}"
read -r line <&"${ELSEWHERE[0]}"
assert_eq held "$line" "lock in the other database"
coproc HERE { psql -X -q -A -t -d "$url" 2>&1; }
printf '%s\n' "SELECT pg_backend_pid(); SELECT pg_advisory_lock($key);" '\echo held' >&"${HERE[1]}"
read -r here_pid <&"${HERE[0]}"
read -r line <&"${HERE[0]}"
run --database-url "$url" migrate --migrations-dir "$T/mig" --lock-timeout 0 up
assert_rc 6
assert_contains "$err" "another migrator (server pid $here_pid) still holds the migration lock"
exec {HERE[1]}>&- {ELSEWHERE[1]}>&-
pass
