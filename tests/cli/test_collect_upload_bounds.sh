#!/usr/bin/env bash
# Bounded uploads for cron: --max-batches stops after N batches; --timeout gives up on a server
# that stays unreachable (exit 11, everything still queued). collect --daemon --no-inotify finds
# appended lines by rescanning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
collected_db

collectctl --database-url "$url" upload --batch-size 10 --max-batches 2 --format csv
assert_rc 0
assert_eq '2 20 20 18' "$(csv_field batches) $(csv_field sent) $(csv_field new) $(csv_field queued)" "--max-batches 2"
assert_eq 20 "$(sql "$url" "SELECT count(*) FROM agent_events")" "events after two batches"

# Nothing listens on port 1: connecting fails at once, again and again, until --timeout.
started=$SECONDS
collectctl --database-url "postgresql://devlog@127.0.0.1:1/devlog" upload --timeout 3s --format csv
assert_rc 11
assert_contains "$err" "upload stopped at --timeout: the server stayed unreachable ("
assert_contains "$err" "18 events stay queued"
assert_eq '0 0 18' "$(csv_field batches) $(csv_field sent) $(csv_field queued)" "unreachable"
[ $((SECONDS - started)) -le 20 ] || fail "--timeout 3s took $((SECONDS - started)) s"
collectctl queue status --format csv
assert_contains "$out" $'events,18\r'
assert_contains "$out" "last_error,"

collectctl --database-url "$url" upload --format csv
assert_rc 0
assert_eq '18 0' "$(csv_field sent) $(csv_field queued)" "the rest"
assert_eq "$EXPECTED_EVENTS" "$(sql "$url" "SELECT count(*) FROM agent_events")" "every event"

# --no-inotify: the daemon rescans and finds a line appended to a log.
HOME=$H env -u XDG_STATE_HOME "$DEVLOGCTL" collect --daemon --no-inotify --rescan-interval 1s \
  --source "ndjson:$H/events" >"$T/daemon.log" 2>&1 &
daemon=$!
echo '{"timestamp":"2026-11-22T10:00:00Z","eventType":"tool_use","agentId":"aider","agentVersion":"0.80","sessionId":"aider-session-1","project":"acme/tools"}' \
  >>"$H/events/tool.ndjson"
queued() {
  kill -0 "$daemon" 2>/dev/null || fail "the daemon stopped: $(cat "$T/daemon.log")"
  collectctl queue status --format csv && [[ "$out" == *$'events,1\r'* ]]
}
wait_for "the appended line queued by rescanning" 30 queued
kill -TERM "$daemon"
wait "$daemon" || fail "the daemon failed: $(cat "$T/daemon.log")"
assert_contains "$(cat "$T/daemon.log")" "rescanning periodically"
pass
