#!/usr/bin/env bash
# The queue's size limit pauses collection (exit 10, checkpoints not advanced) and drops nothing:
# collecting and uploading in turns ends with every event. A write failure of the queue file (here:
# a file size limit) is a clear error, and the queue is intact afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
setup_home
url=$(new_db)
run --database-url "$url" -q migrate up

collectctl collect --source "ndjson:$H/events" --max-queue-size 3K --format csv
assert_rc 10
assert_contains "$err" "the queue is full (--max-queue-size): collection paused before reading everything"
first=$(csv_field new)
[ "$first" -gt 0 ] && [ "$first" -lt "$EXPECTED_EVENTS" ] || fail "a paused pass queued $first events"
for round in 1 2 3 4 5 6 7 8 9 10; do
  collectctl --database-url "$url" upload -q
  assert_rc 0
  collectctl collect --source "ndjson:$H/events" --max-queue-size 3K -q
  [ "$rc" -eq 10 ] || break
done
assert_rc 0
collectctl --database-url "$url" upload -q
assert_eq "$EXPECTED_EVENTS|$EXPECTED_TOKENS" "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events")" "after the rounds"

# The queue file cannot grow (ulimit -f): a clear error, and a later run completes.
setup_home
queue=$T/limited.db
collectctl collect --queue "$queue" -q # creates it
rm -f "$queue"*
set +e
(trap '' XFSZ; ulimit -f 40; HOME=$H exec "$DEVLOGCTL" collect --queue "$queue" --source "ndjson:$H/events") >"$T/stdout" 2>"$T/stderr"
rc=$?
set -e
err=$(cat "$T/stderr")
assert_rc 1
assert_contains "$err" "devlogctl: error: cannot write the queue $queue"
collectctl collect --queue "$queue" --source "ndjson:$H/events" --format csv
assert_rc 0
url2=$(new_db)
run --database-url "$url2" -q migrate up
collectctl --database-url "$url2" upload --queue "$queue" -q
assert_eq "$EXPECTED_EVENTS|$EXPECTED_TOKENS" "$(sql "$url2" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events")" "after the write failure"
pass
