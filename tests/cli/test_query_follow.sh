#!/usr/bin/env bash
# query events --follow: prints the newest --limit events, then every event committed while it runs,
# each exactly once, also when several share one microsecond and arrive out of order, or arrive a
# little late; polls less often while nothing arrives; SIGINT ends it cleanly (exit 0, output whole).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/query_lib.sh"

url=$(new_db)
load "$url" events.sql

# insert ID TIMESTAMP-EXPRESSION: one event in its own transaction.
insert() {
  sql "$url" "INSERT INTO agent_events (id, timestamp, event_type, agent_id, agent_version, session_id, project_id)
              VALUES ('$1', $2, 'tool_use', 'claude-code', '2.0.1', '11111111-1111-1111-1111-111111111111', 1)" >/dev/null
}
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
has_lines() { [ "$(lines "$1")" -ge "$2" ]; } # FILE N: for wait_for

"$DEVLOGCTL" --database-url "$url" query events --follow --limit 2 --format ndjson --columns id,timestamp \
  >"$T/follow.out" 2>"$T/follow.err" &
pid=$!
wait_for "the first two events" 20 has_lines "$T/follow.out" 2
assert_eq '{"id":"e0000000-0000-0000-0000-000000000017","timestamp":"2026-01-11T09:30:00.000000Z"}
{"id":"e0000000-0000-0000-0000-000000000018","timestamp":"2026-01-11T10:00:00.000000Z"}' "$(cat "$T/follow.out")" "start"

# Three events in one microsecond, committed highest id first; one a minute old; one "now".
sql "$url" "CREATE TABLE t AS SELECT date_trunc('second', now()) AS at" >/dev/null
insert a0000000-0000-0000-0000-000000000003 "(SELECT at FROM t)"
wait_for "the first new event" 20 has_lines "$T/follow.out" 3
insert a0000000-0000-0000-0000-000000000002 "(SELECT at FROM t)"
insert a0000000-0000-0000-0000-000000000001 "(SELECT at FROM t)"
insert a0000000-0000-0000-0000-000000000004 "(SELECT at - interval '1 minute' FROM t)"
insert a0000000-0000-0000-0000-000000000005 "clock_timestamp()"
wait_for "all five new events" 20 has_lines "$T/follow.out" 7
sleep 1 # anything printed twice would show up now
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
assert_eq 0 "$rc" "exit status after SIGINT (stderr: $(cat "$T/follow.err"))"
assert_eq 7 "$(lines "$T/follow.out")" "lines printed"
for id in 1 2 3 4 5; do
  assert_eq 1 "$(grep -c "a0000000-0000-0000-0000-00000000000$id" "$T/follow.out")" "event a...$id printed once"
done
assert_eq "" "$(cat "$T/follow.err")" "stderr"

# Idle: the poll interval backs off (at most every 2 s), so a few polls in 6 s, not 30.
"$DEVLOGCTL" --database-url "$url" query events --follow --limit 1 --format ndjson --columns id \
  >"$T/idle.out" 2>&1 &
pid=$!
wait_for "the follower" 20 has_lines "$T/idle.out" 1
sleep 3 # past the fast start
end=$(($(date +%s%N) + 6000000000))
polls=$(while [ "$(date +%s%N)" -lt "$end" ]; do
  sql "$url" "SELECT query_start FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND query LIKE '%FROM agent_events e%'"
  sleep 0.1
done | sort -u | wc -l)
kill -INT "$pid"
wait "$pid" || fail "follower did not exit 0"
[ "$polls" -le 6 ] || fail "the idle follower polled $polls times in 6 s"
[ "$polls" -ge 2 ] || fail "the idle follower stopped polling ($polls polls in 6 s)"

# Table format: one header, new rows under it.
"$DEVLOGCTL" --database-url "$url" query events --follow --limit 1 --columns id >"$T/table.out" 2>&1 &
pid=$!
wait_for "the table" 20 has_lines "$T/table.out" 2
insert a0000000-0000-0000-0000-000000000006 "clock_timestamp()"
wait_for "the new row" 20 has_lines "$T/table.out" 3
kill -INT "$pid"
wait "$pid" || fail "table follower did not exit 0"
assert_eq "id
a0000000-0000-0000-0000-000000000005
a0000000-0000-0000-0000-000000000006" "$(cat "$T/table.out")" "table follow"
pass
