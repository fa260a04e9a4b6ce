#!/usr/bin/env bash
# collect --daemon with --upload against a PostgreSQL server of its own that goes down and comes
# back: events collected while it is down wait in the queue (retried with backoff) and arrive once
# it is up; the queue empties. One daemon per queue; SIGTERM stops it cleanly (exit 0); idle, it
# uses no CPU.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
. "$DEVLOG_SOURCE_DIR/scripts/lib/servers.sh"
setup_home
mkdir -p "$T/pg"
[ "$(id -u)" -ne 0 ] || chmod 755 "$T"
pg_start "$T/pg" >/dev/null || fail "cannot start a PostgreSQL server for this test"
daemon=""
stop_all() {
  local rc=$?
  [ -z "$daemon" ] || kill -9 "$daemon" 2>/dev/null || true
  pg_stop "$T/pg"
  (exit $rc)
  _cleanup
}
trap stop_all EXIT
port=$(cat "$T/pg/port")
url=$PG_URL
run --database-url "$url" -q migrate up
assert_rc 0
count() { sql "$url" "SELECT count(*) FROM agent_events"; }

HOME=$H env -u XDG_STATE_HOME "$DEVLOGCTL" --database-url "$url" collect --daemon --upload --upload-interval 1s \
  --source "ndjson:$H/events" >"$T/daemon.log" 2>&1 &
daemon=$!
wait_for "the fixture events in the database" 60 sql_is "$url" "$EXPECTED_EVENTS" "SELECT count(*) FROM agent_events"

# One daemon per queue.
collectctl collect --daemon
assert_rc 6
assert_contains "$err" "another devlogctl uses this queue (devlogctl collect --daemon, pid $daemon)"

# The server goes down; the agent writes on.
pg_stop "$T/pg"
main=$H/.claude/projects/-ROOT-acme/11111111-1111-4111-8111-111111111111.jsonl
printf ',"model":"claude-sonnet-4-5","content":[],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1,"cache_read_input_tokens":1,"cache_creation_input_tokens":1}},"requestId":"req_r5","sessionId":"11111111-1111-4111-8111-111111111111","cwd":"%s/acme","version":"2.0.14","uuid":"a7","timestamp":"2026-11-20T10:00:13.000Z"}\n' "$ROOT" >>"$main"
queued() { collectctl queue status --format csv && [[ "$out" == *$'events,1\r'* ]] && [[ "$out" == *"last_error,"?* ]]; }
wait_for "the new event queued while the server is down" 30 queued
assert_contains "$out" "collector,\"devlogctl collect --daemon, pid $daemon\""
wait_for "a failed upload in the log" 30 grep -q "upload failed" "$T/daemon.log"

# Back up, on the same port.
bin=$(cat "$T/pg/bindir")
_srv_as_pg "$bin/pg_ctl" start -w -t 60 -D "$T/pg/data" -l "$T/pg/pg.log" \
  -o "$(cat "$T/pg/options") -p $port -c unix_socket_directories='$T/pg'" >/dev/null
wait_for "the event collected while the server was down" 60 sql_is "$url" "$((EXPECTED_EVENTS + 1))" "SELECT count(*) FROM agent_events"
empty() { collectctl queue status --format csv && [[ "$out" == *$'events,0\r'* ]]; }
wait_for "the queue to empty" 30 empty

# Idle: no CPU spent while nothing changes (utime + stime in clock ticks over 3 s).
ticks() { awk '{ print $14 + $15 }' "/proc/$daemon/stat"; }
before=$(ticks)
sleep 3
used=$(($(ticks) - before))
[ "$used" -le 5 ] || fail "the idle daemon used $used clock ticks in 3 s"

kill -TERM "$daemon"
set +e
wait "$daemon"
status=$?
set -e
assert_eq 0 "$status" "exit status after SIGTERM"
assert_contains "$(cat "$T/daemon.log")" "collector stopping: interrupted by SIGTERM"
pass
