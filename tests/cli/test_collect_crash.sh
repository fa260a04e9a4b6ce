#!/usr/bin/env bash
# Crash safety: collect and upload die by SIGKILL at the points where an event could be lost or
# counted twice — inside an open queue transaction, right after a queue commit, after the server
# committed a batch the queue has not yet acknowledged, right after an acknowledgement — each
# kill landing for certain (DEVLOG_CRASH_AT, lib/core/crash_point.hpp), then at random moments;
# then one run finishes the job and the database holds every event exactly once with the right
# tokens (the totals the corpus generator counted).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
H=$T/home
mkdir -p "$H"
read -r _ claude_events claude_tokens < <(bash "$DEVLOG_SOURCE_DIR/bench/collect-corpus.sh" "$H" claude-code 10 100)
read -r _ codex_events codex_tokens < <(bash "$DEVLOG_SOURCE_DIR/bench/collect-corpus.sh" "$H" codex 6 60)
total=$((claude_events + codex_events))
url=$(new_db)
run --database-url "$url" -q migrate up

# crash_at POINT ARGS...: runs devlogctl with the crash point armed; it must die by SIGKILL there.
crash_at() {
  local point=$1 status=0
  shift
  DEVLOG_CRASH_AT=$point HOME=$H "$DEVLOGCTL" "$@" >"$T/crash.out" 2>"$T/crash.err" || status=$?
  [ "$status" -eq 137 ] || fail "devlogctl $* with DEVLOG_CRASH_AT=$point exited $status instead of dying there: $(cat "$T/crash.err")"
}
queued() {
  HOME=$H "$DEVLOGCTL" queue status --format csv | tr -d '\r' | awk -F, '$1 == "events" { print $2 }'
}
server_rows() { sql "$url" "SELECT count(*) FROM agent_events"; }

# Inside the queue transaction, after the third file: nothing of it stays (SQLite rolls it back).
crash_at queue.grouped:3 collect
assert_eq 0 "$(queued)" "queued after dying inside the queue transaction"

# The queue committed everything; collect --upload dies before uploading any of it.
crash_at queue.committed --database-url "$url" collect --upload --batch-size 150
assert_eq "$total" "$(queued)" "queued after dying right after the queue commit"
assert_eq 0 "$(server_rows)" "rows on the server before any upload"

# The server committed the second batch (and maybe the next ones, loading meanwhile on the other
# connections), the queue never heard of it: the next upload sends those rows again and the
# server must store them once.
crash_at upload.written:2 --database-url "$url" upload --batch-size 150
rows=$(server_rows)
[ "$rows" -ge 300 ] && [ "$rows" -le "$total" ] ||
  fail "rows on the server after dying before the second acknowledgement: $rows, expected 300 to $total"
assert_eq $((total - 150)) "$(queued)" "queued after dying before the second acknowledgement"

crash_at upload.acknowledged:2 --database-url "$url" upload --batch-size 100
assert_eq $((total - 350)) "$(queued)" "queued after dying right after an acknowledgement"

# And at random moments (some of these find the work already done: that is allowed here).
for i in 1 2 3 4; do
  HOME=$H "$DEVLOGCTL" --database-url "$url" -q upload --batch-size 50 >/dev/null 2>&1 &
  pid=$!
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.02 + (r % 30) / 100 }')"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done

collectctl collect -q
assert_rc 0
collectctl --database-url "$url" upload --format csv
assert_rc 0
assert_eq 0 "$(csv_field queued)" "queue after the last run"
assert_eq "claude-code|$claude_events|$claude_tokens
codex|$codex_events|$codex_tokens" \
  "$(sql "$url" "SELECT agent_id, count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events GROUP BY 1 ORDER BY 1")" \
  "every event exactly once, with its tokens"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM (SELECT id FROM agent_events GROUP BY id HAVING count(*) > 1) d")" "duplicates"
pass
