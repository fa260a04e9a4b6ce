#!/usr/bin/env bash
# Interrupted imports never leave a partial batch, and running the same command again completes
# the load with no duplicates: kill -9 at several points (1 and 2 workers), the server ending the
# worker's session mid-load, and Ctrl-C (exit 130 at once; the COPY, waiting for a lock, is
# cancelled on the server).
. "$(dirname "$0")/lib.sh"
: "${GEN_EVENTS:?GEN_EVENTS must name the gen-events binary (run through ctest)}"

events=20000
batch=500
"$GEN_EVENTS" --events $events --projects 4 --days 5 --projects-sql "$T/projects.sql" -o "$T/events.ndjson"
url=$(new_db)
run --database-url "$url" migrate up
assert_rc 0
psql -X -q -v ON_ERROR_STOP=1 -d "$url" -f "$T/projects.sql" >/dev/null
count() { sql "$url" "SELECT count(*) FROM agent_events"; }

# start ARGS...: the import in the background; its pid in $pid.
start() {
  "$DEVLOGCTL" --database-url "$url" -q import events --batch-rows $batch "$@" "$T/events.ndjson" >"$T/bg.out" 2>"$T/bg.err" &
  pid=$!
}
# until_rows N: waits until at least N rows are in (and the import still runs).
until_rows() {
  wait_for "$1 rows" 120 sql_is_at_least "$1"
}
sql_is_at_least() {
  [ "$(count)" -ge "$1" ] || { kill -0 "$pid" 2>/dev/null || fail "the import ended early: $(cat "$T/bg.err")"; false; }
}
whole_batches() {
  local n
  n=$(count)
  [ $((n % batch)) -eq 0 ] || fail "$1: $n rows is not a whole number of batches of $batch"
}
complete() {
  run --database-url "$url" --format csv import events --batch-rows $batch "$@" "$T/events.ndjson"
  [ "$rc" -eq 0 ] || fail "$1: re-run failed ($rc): $err"
  assert_eq "$events|$events" "$(sql "$url" "SELECT count(*), count(DISTINCT id) FROM agent_events")" "rows after the re-run"
  sql "$url" "TRUNCATE agent_events" >/dev/null
}

for workers in 1 2; do
  for at in 500 6000 14000; do
    start --workers $workers
    until_rows $at
    kill -9 "$pid"
    wait "$pid" 2>/dev/null || true
    whole_batches "kill -9 after $at rows, $workers worker(s)"
    complete --workers $workers
  done
done

# The server ends the worker's session mid-load: exit 3, no partial batch; the re-run completes.
start
until_rows 3000
sql "$url" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'devlogctl import'" >/dev/null
set +e
wait "$pid"
rc=$?
set -e
assert_eq 3 "$rc" "exit code when the server drops the worker"
assert_contains "$(cat "$T/bg.err")" "lost the connection to"
whole_batches "terminated session"
complete

# Ctrl-C while the COPY waits for a lock that another session holds (SHARE: reads go on, writes
# wait): devlogctl cancels the statement on the server and exits 130 within seconds, while the
# lock is still held; a COPY that was not cancelled would stay active on the server, waiting.
start
until_rows 3000
PGAPPNAME=devlog-test-locker psql -X -q -d "$url" -c "BEGIN; LOCK TABLE agent_events IN SHARE MODE; SELECT pg_sleep(300); COMMIT" \
  >/dev/null 2>&1 &
locker=$!
trap 'status=$?; set +e; kill "$locker" 2>/dev/null; (exit $status); _cleanup' EXIT
wait_for "the import's COPY to wait for the lock" 60 sql_is "$url" 1 \
  "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'devlogctl import' AND state = 'active'
     AND wait_event_type = 'Lock' AND query ILIKE 'COPY%'"
held="SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE a.application_name = 'devlog-test-locker' AND l.relation = 'agent_events'::regclass AND l.mode = 'ShareLock' AND l.granted"
assert_eq 1 "$(sql "$url" "$held")" "the lock is held before SIGINT"
sent=$(date +%s%N)
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
took_ms=$((($(date +%s%N) - sent) / 1000000))
assert_eq 130 "$rc" "exit code after SIGINT"
[ "$took_ms" -lt 5000 ] || fail "the import took ${took_ms} ms to stop after SIGINT while the lock was held"
assert_contains "$(cat "$T/bg.err")" "interrupted by SIGINT"
assert_contains "$(cat "$T/bg.out")" "stopped"
assert_eq 1 "$(sql "$url" "$held")" "the lock is still held after devlogctl exited"
wait_for "no active COPY from devlogctl on the server (cancelled)" 5 sql_is "$url" 0 \
  "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'devlogctl%' AND state = 'active'"
sql "$url" "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'devlog-test-locker'" >/dev/null
wait "$locker" 2>/dev/null || true
whole_batches "SIGINT"
complete
pass
