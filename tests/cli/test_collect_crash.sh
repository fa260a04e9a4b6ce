#!/usr/bin/env bash
# Crash safety: collect and upload are killed with SIGKILL at random points, again and again;
# then one run finishes the job and the database holds every event exactly once with the right
# tokens (the totals the corpus generator counted). Bounded: 10 kills, each within 2 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
H=$T/home
mkdir -p "$H"
read -r _ claude_events claude_tokens < <(bash "$DEVLOG_SOURCE_DIR/bench/collect-corpus.sh" "$H" claude-code 10 100)
read -r _ codex_events codex_tokens < <(bash "$DEVLOG_SOURCE_DIR/bench/collect-corpus.sh" "$H" codex 6 60)
url=$(new_db)
run --database-url "$url" -q migrate up

landed=0
kill_at_random() { # ARGS...: starts devlogctl, kills it with SIGKILL after 0.05–2 s; counts kills that landed
  HOME=$H "$DEVLOGCTL" "$@" >/dev/null 2>&1 &
  local pid=$! status=0
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.05 + (r % 196) / 100 }')"
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  # 137 = killed by SIGKILL: the process was still at work (kill -0 also answers for one that
  # has just exited and not been waited for).
  [ "$status" -ne 137 ] || landed=$((landed + 1))
}
for i in 1 2 3 4 5 6; do
  kill_at_random --database-url "$url" -q collect --upload --batch-size 150
done
for i in 1 2 3 4; do
  kill_at_random --database-url "$url" -q upload --batch-size 100
done
[ "$landed" -gt 0 ] || fail "none of the 10 kills found a process still running: the test proved nothing"
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
