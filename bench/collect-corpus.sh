#!/usr/bin/env bash
# bench/collect-corpus.sh HOME_DIR KIND SESSIONS TURNS [CWD]
# Writes a generated agent home for the collector: KIND claude-code (HOME_DIR/.claude/projects/…,
# 4 lines a turn: a prompt, an assistant response written as two lines — a streaming snapshot with
# a smaller usage, then the tool call with the final usage — and the tool's result; every third
# call an Edit, every tenth result an error) or codex (HOME_DIR/.codex/sessions/…, 4–5 lines a
# turn: prompt, tool call, its output, the cumulative token count, repeated every third turn).
# Prints "LINES EVENTS TOKENS": what the collector must find (counted by the generator).
set -euo pipefail
dir=$1 kind=$2 sessions=$3 turns=$4 cwd=${5:-/home/dev/src/generated}
case "$kind" in
  claude-code) mkdir -p "$dir/.claude/projects/-generated" ;;
  codex) mkdir -p "$dir/.codex/sessions/2026/11/20" ;;
  *) echo "collect-corpus: KIND is claude-code or codex" >&2; exit 2 ;;
esac
awk -v dir="$dir" -v kind="$kind" -v sessions="$sessions" -v turns="$turns" -v cwd="$cwd" '
function pad(n,   s) { s = sprintf("%0" n "d", 0); gsub("0", "x", s); return s }
function uuid(a, b) { return sprintf("%08x-%04x-4%03x-8%03x-%012x", a, b % 65536, a % 4096, b % 4096, a * 100000 + b) }
function ts(s, t, k) { return sprintf("2026-11-%02dT%02d:%02d:%02d.%03dZ", 1 + s % 28, t % 24, (t / 24) % 60, k, (s * 7) % 1000) }
BEGIN {
  filler = pad(420)
  lines = 0; events = 0; tokens = 0
  for (s = 1; s <= sessions; s++) {
    sid = uuid(s, 0)
    if (kind == "claude-code") {
      file = dir "/.claude/projects/-generated/" sid ".jsonl"
      events++ # session_start
      for (t = 1; t <= turns; t++) {
        head = "{\"parentUuid\":null,\"isSidechain\":false,\"userType\":\"external\",\"cwd\":\"" cwd "\",\"sessionId\":\"" sid "\",\"version\":\"2.0.14\",\"gitBranch\":\"main\""
        printf "%s,\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":\"Please change step %d of the plan: %s\"},\"uuid\":\"%s\",\"timestamp\":\"%s\"}\n", head, t, substr(filler, 1, 80), uuid(s, 4 * t), ts(s, t, 0) > file
        in_ = 3 + t % 7; out = 40 + t % 300; cr = 1000 + 37 * t; cc = t % 5 == 0 ? 400 : 0
        tool = t % 3 == 0 ? "Edit" : (t % 3 == 1 ? "Read" : "Bash")
        input = tool == "Bash" ? "{\"command\":\"make test\",\"description\":\"Run the tests\"}" : "{\"file_path\":\"" cwd "/src/file" t % 50 ".ts\",\"old_string\":\"a\",\"new_string\":\"b\"}"
        usage1 = sprintf("{\"input_tokens\":%d,\"cache_creation_input_tokens\":%d,\"cache_read_input_tokens\":%d,\"output_tokens\":%d,\"service_tier\":\"standard\"}", in_, cc, cr, 1)
        usage2 = sprintf("{\"input_tokens\":%d,\"cache_creation_input_tokens\":%d,\"cache_read_input_tokens\":%d,\"output_tokens\":%d,\"service_tier\":\"standard\"}", in_, cc, cr, out)
        msg = "{\"id\":\"msg_" s "_" t "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\""
        printf "%s,\"message\":%s,\"content\":[{\"type\":\"text\",\"text\":\"I will look at it. %s\"}],\"stop_reason\":null,\"usage\":%s},\"requestId\":\"req_%d_%d\",\"type\":\"assistant\",\"uuid\":\"%s\",\"timestamp\":\"%s\"}\n", head, msg, substr(filler, 1, 120), usage1, s, t, uuid(s, 4 * t + 1), ts(s, t, 1) > file
        printf "%s,\"message\":%s,\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_%d_%d\",\"name\":\"%s\",\"input\":%s}],\"stop_reason\":\"tool_use\",\"usage\":%s},\"requestId\":\"req_%d_%d\",\"type\":\"assistant\",\"uuid\":\"%s\",\"timestamp\":\"%s\"}\n", head, msg, s, t, tool, input, usage2, s, t, uuid(s, 4 * t + 2), ts(s, t, 2) > file
        err = t % 10 == 7 ? "true" : "false"
        printf "%s,\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"tool_use_id\":\"toolu_%d_%d\",\"type\":\"tool_result\",\"content\":\"%s\",\"is_error\":%s}]},\"uuid\":\"%s\",\"timestamp\":\"%s\"}\n", head, s, t, filler, err, uuid(s, 4 * t + 3), ts(s, t, 3) > file
        lines += 4
        events += 3 + (tool == "Edit") + (err == "true")
        tokens += in_ + out + cr + cc
      }
      close(file)
    } else {
      file = dir "/.codex/sessions/2026/11/20/rollout-2026-11-20T10-00-00-" sid ".jsonl"
      printf "{\"timestamp\":\"%s\",\"type\":\"session_meta\",\"payload\":{\"id\":\"%s\",\"timestamp\":\"%s\",\"cwd\":\"%s\",\"originator\":\"codex_cli_rs\",\"cli_version\":\"0.50.0\",\"git\":{\"branch\":\"main\",\"repository_url\":\"git@github.com:acme/generated.git\"}}}\n", ts(s, 0, 0), sid, ts(s, 0, 0), cwd > file
      printf "{\"timestamp\":\"%s\",\"type\":\"turn_context\",\"payload\":{\"cwd\":\"%s\",\"model\":\"gpt-5-codex\",\"effort\":\"medium\"}}\n", ts(s, 0, 1), cwd > file
      lines += 2; events++
      tin = 0; tcached = 0; tout = 0; treason = 0
      for (t = 1; t <= turns; t++) {
        printf "{\"timestamp\":\"%s\",\"type\":\"event_msg\",\"payload\":{\"type\":\"user_message\",\"message\":\"step %d: %s\",\"kind\":\"plain\"}}\n", ts(s, t, 0), t, substr(filler, 1, 80) > file
        printf "{\"timestamp\":\"%s\",\"type\":\"response_item\",\"payload\":{\"type\":\"function_call\",\"name\":\"shell\",\"arguments\":\"{\\\"command\\\":[\\\"make\\\",\\\"test\\\"]}\",\"call_id\":\"call_%d_%d\"}}\n", ts(s, t, 1), s, t > file
        code = t % 10 == 7 ? 2 : 0
        printf "{\"timestamp\":\"%s\",\"type\":\"response_item\",\"payload\":{\"type\":\"function_call_output\",\"call_id\":\"call_%d_%d\",\"output\":\"{\\\"output\\\":\\\"%s\\\",\\\"metadata\\\":{\\\"exit_code\\\":%d,\\\"duration_seconds\\\":0.5}}\"}}\n", ts(s, t, 2), s, t, substr(filler, 1, 300), code > file
        din = 2000 + 13 * t; dcached = 1500 + 11 * t; dout = 100 + t % 50
        tin += din; tcached += dcached; tout += dout; treason += 10
        tc = sprintf("{\"timestamp\":\"%s\",\"type\":\"event_msg\",\"payload\":{\"type\":\"token_count\",\"info\":{\"total_token_usage\":{\"input_tokens\":%d,\"cached_input_tokens\":%d,\"output_tokens\":%d,\"reasoning_output_tokens\":%d,\"total_tokens\":%d},\"last_token_usage\":{\"input_tokens\":%d,\"cached_input_tokens\":%d,\"output_tokens\":%d,\"reasoning_output_tokens\":10,\"total_tokens\":%d}}}}", ts(s, t, 3), tin, tcached, tout, treason, tin + tout, din, dcached, dout, din + dout)
        print tc > file
        lines += 4
        if (t % 3 == 0) { print tc > file; lines++ }
        events += 3 + (code != 0)
        tokens += din + dout
      }
      close(file)
    }
  }
  printf "%d %d %.0f\n", lines, events, tokens # %.0f: awk prints large numbers as 4.9e+09 otherwise
}'
