#!/usr/bin/env bash
# upload keeps several batches in flight, one per --workers connection, while it claims the next:
# with agent_events locked, all the workers wait on the server at once. Then every event arrives
# exactly once, rows the server refuses in any batch move to the queue's rejected table (the rest
# of their batches is stored), each session spans exactly its stored events, and responses whose
# usage grew after their upload (corrections) end with the grown count, batches finishing in any
# order.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
H=$T/home
mkdir -p "$H/events"
url=$(new_db)
run --database-url "$url" -q migrate up

# events FIRST LAST TOKENS: NDJSON events FIRST..LAST over 12 sessions; every 3rd a response with
# an id of its own and TOKENS tokens, every 37th (but not a response) in a project that does not
# exist (the server refuses it).
events() {
  awk -v first="$1" -v last="$2" -v tokens="$3" 'BEGIN {
    for (n = first; n <= last; n++) {
      project = (n % 37 == 0 && n % 3 != 0) ? "\"projectId\":999999" : "\"project\":\"acme/tools\""
      sec = n % 60; min = int(n / 60) % 60
      ts = sprintf("2026-11-22T10:%02d:%02dZ", min, sec)
      session = sprintf("\"sessionId\":\"s-%d\"", n % 12)
      if (n % 3 == 0) {
        printf "{\"id\":\"00000000-0000-4000-8000-%012d\",\"timestamp\":\"%s\",\"eventType\":\"llm_response\",\"agentId\":\"aider\",\"agentVersion\":\"0.80\",%s,%s,\"metrics\":{\"tokenCount\":%d}}\n", n, ts, session, project, tokens
      } else {
        printf "{\"timestamp\":\"%s\",\"eventType\":\"tool_use\",\"agentId\":\"aider\",\"agentVersion\":\"0.80\",%s,%s,\"data\":{\"n\":%d}}\n", ts, session, project, n
      }
    }
  }'
}
refused_in() { # FIRST LAST: how many events of that range the server refuses
  awk -v first="$1" -v last="$2" 'BEGIN { for (n = first; n <= last; n++) c += (n % 37 == 0 && n % 3 != 0); print c }'
}
events 1 300 10 >"$H/events/a.ndjson"
collectctl collect --no-default-sources --source "ndjson:$H/events" -q
assert_rc 0
bad=$(refused_in 1 300)
[ "$bad" -ge 5 ] || fail "the fixture should refuse a few rows in several batches, not $bad"

# The first event alone: the upload functions are installed (validating them reads agent_events).
collectctl --database-url "$url" upload --batch-size 1 --max-batches 1 -q
assert_rc 0

# A session holding agent_events keeps every worker waiting, and shows them.
hold() {
  coproc HOLDER { psql -X -q -A -t -d "$url" -v ON_ERROR_STOP=1 2>&1; }
  holder_pid=$HOLDER_PID
  holder_in=${HOLDER[1]}
  holder_out=${HOLDER[0]}
  printf '%s\n' "BEGIN;" "LOCK TABLE agent_events IN ACCESS EXCLUSIVE MODE;" '\echo locked' >&"$holder_in"
  read -r line <&"$holder_out"
  assert_eq locked "$line" "holder"
}
release() {
  echo "COMMIT;" >&"$holder_in"
  exec {holder_in}>&-
  wait "$holder_pid" 2>/dev/null || true
}
waiting() { # N: N upload connections wait for the lock
  sql_is "$url" "$1" "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'devlogctl upload' AND wait_event_type = 'Lock'"
}
# held_upload: agent_events held, an upload of batches of 20 on 3 workers, started and waiting.
held_upload() {
  hold
  HOME=$H "$DEVLOGCTL" --database-url "$url" upload --batch-size 20 --workers 3 --format csv >"$T/upload.out" 2>"$T/upload.err" &
  upload=$!
  wait_for "three workers loading at once" 30 waiting 3
}
# finish_upload: releases agent_events; the upload must succeed; its output in $out.
finish_upload() {
  release
  wait "$upload" || fail "upload failed: $(cat "$T/upload.err")"
  out=$(cat "$T/upload.out")
}
# collect_more FIRST LAST TOKENS: events FIRST..LAST appended to the log and collected.
collect_more() {
  events "$@" >>"$H/events/a.ndjson"
  collectctl collect --no-default-sources --source "ndjson:$H/events" -q
  assert_rc 0
}
held_upload
finish_upload
assert_eq "15 $((299 - bad)) $((299 - bad)) $bad 0" \
  "$(csv_field batches) $(csv_field sent) $(csv_field new) $(csv_field rejected) $(csv_field queued)" "first upload"
assert_eq "$((300 - bad))" "$(sql "$url" "SELECT count(DISTINCT id) FROM agent_events")" "distinct events"
assert_eq "$((300 - bad))" "$(sql "$url" "SELECT count(*) FROM agent_events")" "events"
collectctl queue status --format csv
assert_contains "$out" $'rejected,'"$bad"$'\r'

# The same responses grown (corrections, interleaved with new events in every batch).
events 1 300 25 | awk 'NR % 3 == 0' >>"$H/events/a.ndjson"
collect_more 301 420 25
collectctl --database-url "$url" upload --batch-size 20 --workers 3 --format csv
assert_rc 0
bad2=$(refused_in 301 420)
assert_eq "$((100 + 120 - bad2)) $((120 - bad2)) 100 $bad2 0" \
  "$(csv_field sent) $(csv_field new) $(csv_field corrected) $(csv_field rejected) $(csv_field queued)" "second upload"
assert_eq "140|3500" \
  "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events WHERE event_type = 'llm_response'")" \
  "responses with their grown usage"
assert_eq "$((420 - bad - bad2))" "$(sql "$url" "SELECT count(*) FROM agent_events")" "events after the second upload"

# The server ends one worker's session while three batches wait (and then commit on the others):
# upload retries from the first event not acknowledged, and the server holds everything once.
collect_more 421 520 30
bad3=$(refused_in 421 520)
held_upload
sql "$url" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'devlogctl upload'
  AND wait_event_type = 'Lock' ORDER BY backend_start LIMIT 1" >/dev/null
finish_upload
assert_contains "$(cat "$T/upload.err")" "retrying in"
[ "$(csv_field retries)" -ge 1 ] || fail "retries after a lost worker: $(csv_field retries)"
assert_eq "$((100 - bad3)) $bad3 0" "$(csv_field sent) $(csv_field rejected) $(csv_field queued)" "third upload"
assert_eq "$((520 - bad - bad2 - bad3))|$((520 - bad - bad2 - bad3))" \
  "$(sql "$url" "SELECT count(*), count(DISTINCT id) FROM agent_events")" "events after a lost worker"
assert_eq "173|4490" \
  "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events WHERE event_type = 'llm_response'")" \
  "responses after a lost worker"

# Responses that grow while their batch is in flight (a collector runs meanwhile): their rows are
# not acknowledged, and the same upload sends them again as corrections before it ends.
collect_more 521 600 10
bad4=$(refused_in 521 600)
held_upload
events 521 540 50 | grep llm_response >>"$H/events/a.ndjson" # the first batch's 7 responses, grown
collectctl collect --no-default-sources --source "ndjson:$H/events" --format csv
assert_rc 0
assert_contains "$out" ",7," # updated in place: in flight, now corrections
finish_upload
assert_eq "$((80 - bad4 + 7)) 7 0" "$(csv_field sent) $(csv_field corrected) $(csv_field queued)" "upload with rows grown in flight"
assert_eq "7|350" "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events
  WHERE event_type = 'llm_response' AND id::text BETWEEN '00000000-0000-4000-8000-000000000521' AND '00000000-0000-4000-8000-000000000540'")" \
  "the grown responses"

# Each session spans exactly its stored events.
assert_eq "12|0" "$(sql "$url" "SELECT count(*), count(*) FILTER (WHERE s.start_time IS DISTINCT FROM e.first
    OR s.end_time IS DISTINCT FROM e.last) FROM agent_sessions s FULL JOIN (SELECT session_id, min(\"timestamp\") AS first,
    max(\"timestamp\") AS last FROM agent_events GROUP BY 1) e ON e.session_id = s.id")" "sessions"
pass
