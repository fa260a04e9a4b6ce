#!/usr/bin/env bash
# Logs grow between runs: only new events are added, and a response whose final usage arrives
# after it was uploaded ends with that usage (one row, its first timestamp). Rewritten files
# (a compacted Copilot mutation log, a truncated transcript) add nothing twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
setup_home
url=$(new_db)
run --database-url "$url" -q migrate up
collectctl collect --source "ndjson:$H/events" --database-url "$url" --upload -q
assert_rc 0
assert_eq "$EXPECTED_EVENTS|$EXPECTED_TOKENS" "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events")" "first run"

main=$H/.claude/projects/-ROOT-acme/11111111-1111-4111-8111-111111111111.jsonl
rollout=$H/.codex/sessions/2026/11/20/rollout-2026-11-20T12-00-00-33333333-3333-4333-8333-333333333333.jsonl
line() { # MESSAGE_ID REQUEST_ID OUTPUT_TOKENS UUID TIME: an assistant line of the main session
  printf '{"type":"assistant","message":{"id":"%s","model":"claude-sonnet-4-5","content":[{"type":"text","text":"."}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":%s,"cache_read_input_tokens":3,"cache_creation_input_tokens":4}},"requestId":"%s","sessionId":"11111111-1111-4111-8111-111111111111","cwd":"%s/acme","version":"2.0.14","uuid":"%s","timestamp":"%s"}\n' \
    "$1" "$3" "$2" "$ROOT" "$4" "$5"
}
# The half-written last line gets its end (msg_m5: 1+1+1+1 = 4), and msg_m4, uploaded with
# 1+2+3+4 = 10, gets its final usage 1+200+3+4 = 208.
printf ',"model":"claude-sonnet-4-5","content":[{"type":"text","text":"more"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1,"cache_read_input_tokens":1,"cache_creation_input_tokens":1}},"requestId":"req_r5","sessionId":"11111111-1111-4111-8111-111111111111","cwd":"%s/acme","version":"2.0.14","uuid":"a7","timestamp":"2026-11-20T10:00:13.000Z"}\n' "$ROOT" >>"$main"
line msg_m4 req_r4 200 a8 2026-11-20T10:00:14.000Z >>"$main"
# Codex: the cumulative total grows to 1800 in / 1000 cached / 200 out (delta 300 + 40 = 340), then repeats.
for t in 13:00:00 13:00:01; do
  printf '{"timestamp":"2026-11-20T%s.000Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1800,"cached_input_tokens":1000,"output_tokens":200,"reasoning_output_tokens":40,"total_tokens":2000},"last_token_usage":{"input_tokens":300,"cached_input_tokens":100,"output_tokens":40,"reasoning_output_tokens":10,"total_tokens":340}}}}\n' "$t" >>"$rollout"
done
collectctl collect --format csv
assert_rc 0
assert_eq "2 1" "$(csv_field new) $(csv_field grown)" "second pass: new events, grown responses"
collectctl queue status --format csv
assert_contains "$out" "corrections,1"
# Before upload, a still larger copy of msg_m4 (1+300+3+4 = 308) updates the queued correction in place.
line msg_m4 req_r4 300 a9 2026-11-20T10:00:15.000Z >>"$main"
collectctl collect --format csv
assert_eq "0 1" "$(csv_field new) $(csv_field grown)" "third pass"
collectctl queue status --format csv
assert_contains "$out" "events,3"
assert_contains "$out" "corrections,1"
collectctl --database-url "$url" upload --format csv
assert_rc 0
assert_eq "3 2 1" "$(csv_field sent) $(csv_field new) $(csv_field corrected)" "upload of the growth"
assert_eq "$((EXPECTED_EVENTS + 2))|$((EXPECTED_TOKENS + 4 + 298 + 340))" \
  "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events")" "after growth"
assert_eq "1|308|2026-11-20 10:00:10+00" \
  "$(sql "$url" "SET timezone = 'UTC'; SELECT count(*), min((metrics->>'tokenCount')::int), min(timestamp) FROM agent_events WHERE data->>'messageId' = 'msg_m4'")" \
  "msg_m4: one row, the final usage, its first timestamp"
# A smaller copy arriving later changes nothing (never the last, never the sum).
line msg_m4 req_r4 7 a10 2026-11-20T10:00:16.000Z >>"$main"
collectctl collect --database-url "$url" --upload --format csv
assert_eq "308" "$(sql "$url" "SELECT metrics->>'tokenCount' FROM agent_events WHERE data->>'messageId' = 'msg_m4'")" "smaller copy"

# The Copilot mutation log is compacted (one kind 0 line with the whole state, as VS Code rewrites
# it) and a request added (tests/fixtures/collect/compacted-55555555.jsonl).
log=$H/.config/Code/User/workspaceStorage/abc123/chatSessions/55555555-5555-4555-8555-555555555555.jsonl
sed "s#@ROOT@#$ROOT#g" "$DEVLOG_SOURCE_DIR/tests/fixtures/collect/compacted-55555555.jsonl" >"$log"
collectctl collect --database-url "$url" --upload --format csv
assert_rc 0
assert_eq 2 "$(sql "$url" "SELECT count(*) FROM agent_events WHERE data->>'requestId' = 'request_D'")" "request_D after compaction"
assert_eq "$((EXPECTED_EVENTS + 4))" "$(sql "$url" "SELECT count(*) FROM agent_events")" "nothing twice after compaction"

# A transcript truncated and rewritten with a new line: read again from the start, nothing twice.
head -n 3 "$main" >"$T/head" && line msg_m11 req_r11 5 a11 2026-11-20T10:00:17.000Z >>"$T/head" && cp "$T/head" "$main"
collectctl collect --database-url "$url" --upload --format csv
assert_rc 0
assert_eq "1" "$(sql "$url" "SELECT count(*) FROM agent_events WHERE data->>'messageId' = 'msg_m11'")" "msg_m11"
assert_eq "$((EXPECTED_EVENTS + 5))" "$(sql "$url" "SELECT count(*) FROM agent_events")" "nothing twice after truncation"
# A deleted file's checkpoint is dropped; its events stay.
rm "$H/.claude/projects/-ROOT-acme/agent-old1.jsonl"
collectctl collect -q
collectctl queue status --format csv
assert_contains "$out" "files_tracked,8"
assert_eq "$((EXPECTED_EVENTS + 5))" "$(sql "$url" "SELECT count(*) FROM agent_events")" "after deletion"
pass
