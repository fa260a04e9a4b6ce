#!/usr/bin/env bash
# Collectors identify themselves to the server: upload's connections are "devlogctl upload",
# those of collect --upload "devlogctl collect", so stats connections tells them apart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
collected_db

# A session holding agent_events keeps the upload waiting, long enough to be seen.
coproc HOLDER { psql -X -q -A -t -d "$url" -v ON_ERROR_STOP=1 2>&1; }
holder=$HOLDER_PID
lock() {
  printf '%s\n' "BEGIN;" "LOCK TABLE agent_events IN ACCESS EXCLUSIVE MODE;" '\echo locked' >&"${HOLDER[1]}"
  read -r line <&"${HOLDER[0]}"
  assert_eq locked "$line" "holder"
}
lock
seen() { # NAME: a connection of that name waits for the lock
  sql_is "$url" 1 "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND wait_event_type = 'Lock'"
}

HOME=$H "$DEVLOGCTL" --database-url "$url" -q upload --timeout 60s >"$T/upload.out" 2>&1 &
upload=$!
wait_for "the upload's connection" 30 seen "devlogctl upload"
run --database-url "$url" stats connections --format csv
assert_rc 0
assert_contains "$out" ",devlogctl upload,postgres,"
assert_not_contains "$out" ",devlogctl collect,"
echo "COMMIT;" >&"${HOLDER[1]}"
wait "$upload" || fail "upload failed: $(cat "$T/upload.out")"
lock

HOME=$H "$DEVLOGCTL" --database-url "$url" -q collect --source "ndjson:$H/events" --queue "$T/second.db" --upload \
  --timeout 60s >"$T/collect.out" 2>&1 &
collect=$!
wait_for "collect's connection" 30 seen "devlogctl collect"
run --database-url "$url" stats connections --format csv
assert_contains "$out" ",devlogctl collect,postgres,"
echo "COMMIT;" >&"${HOLDER[1]}"
exec {HOLDER[1]}>&-
wait "$collect" || fail "collect --upload failed: $(cat "$T/collect.out")"
wait "$holder" 2>/dev/null || true
assert_eq "$EXPECTED_EVENTS" "$(sql "$url" "SELECT count(*) FROM agent_events")" "events"
pass
