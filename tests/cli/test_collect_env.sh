#!/usr/bin/env bash
# The agents' own environment variables move their logs, and collect follows them: CLAUDE_CONFIG_DIR
# (instead of ~/.claude), $XDG_CONFIG_HOME/claude (instead of ~/.config/claude), CODEX_HOME (instead
# of ~/.codex), XDG_CONFIG_HOME for VS Code's User directory (Copilot), and XDG_STATE_HOME for the
# default queue. The fixture home's logs are moved there; decoys left at the default places must be
# ignored. The events found are the fixture's (test_collect_e2e.sh counts them), NDJSON aside.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
setup_home
C=$T/claude-config
X=$T/codex-home
G=$T/xdg-config
S=$T/xdg-state
mv "$H/.claude" "$C"
mv "$H/.codex" "$X"
mkdir -p "$G/claude/projects/-ROOT-acme"
mv "$H/.config/Code" "$G/Code"
# The continued session under $XDG_CONFIG_HOME/claude, the rest under $CLAUDE_CONFIG_DIR.
mv "$C/projects/-ROOT-acme/22222222-2222-4222-8222-222222222222.jsonl" "$G/claude/projects/-ROOT-acme/"
# Decoys at the default places (a Claude Code session, a Codex rollout, a Copilot session).
mkdir -p "$H/.claude/projects/-decoy" "$H/.config/claude/projects/-decoy" "$H/.codex/sessions/2026/11/21" \
  "$H/.config/Code/User/workspaceStorage/decoy/chatSessions"
decoy='{"type":"user","sessionId":"99999999-9999-4999-8999-999999999999","uuid":"d1","timestamp":"2026-11-21T08:00:00Z","cwd":"/tmp","message":{"role":"user","content":"decoy"}}'
echo "$decoy" >"$H/.claude/projects/-decoy/99999999-9999-4999-8999-999999999999.jsonl"
echo "$decoy" >"$H/.config/claude/projects/-decoy/99999999-9999-4999-8999-999999999999.jsonl"
cp "$X/sessions/2026/11/20/"*.jsonl "$H/.codex/sessions/2026/11/21/rollout-2026-11-21T08-00-00-99999999-9999-4999-8999-999999999999.jsonl"
cp "$G/Code/User/workspaceStorage/abc123/chatSessions/"*.json "$H/.config/Code/User/workspaceStorage/decoy/chatSessions/"

# agentctl ARGS...: like run, as the user of $H with the agents' variables pointing elsewhere.
agentctl() {
  set +e
  env -u VSCODE_PORTABLE -u CI -u GITHUB_ACTIONS -u SSH_CONNECTION -u SSH_CLIENT -u SSH_TTY \
    HOME="$H" CLAUDE_CONFIG_DIR="$C" CODEX_HOME="$X" XDG_CONFIG_HOME="$G" XDG_STATE_HOME="$S" \
    "$DEVLOGCTL" "$@" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  set -e
  out=$(cat "$T/stdout")
  err=$(cat "$T/stderr")
}

agentctl collect sources --format csv
assert_rc 0
assert_contains "$out" "claude-code,$C,CLAUDE_CONFIG_DIR,true,3,"
assert_contains "$out" "claude-code,$G/claude,XDG_CONFIG_HOME,true,1,"
assert_contains "$out" "codex,$X,CODEX_HOME,true,2,"
assert_contains "$out" "copilot,$G/Code/User,default,true,2,"
assert_not_contains "$out" "$H/.claude" "sources"
assert_not_contains "$out" "$H/.config" "sources"
assert_not_contains "$out" "$H/.codex" "sources"

agentctl collect --format csv
assert_rc 0
assert_eq 36 "$(csv_field new)" "new events (the fixture's 38 without the 2 NDJSON ones)"
[ -f "$S/devlogctl/queue.db" ] || fail "no queue at \$XDG_STATE_HOME/devlogctl/queue.db"
[ ! -e "$H/.local/state/devlogctl" ] || fail "a queue was made under ~/.local/state despite XDG_STATE_HOME"
agentctl queue status --format csv
assert_rc 0
assert_contains "$out" "events,36"

url=$(new_db)
run --database-url "$url" -q migrate up
assert_rc 0
agentctl --database-url "$url" -q upload
assert_rc 0
assert_eq "claude-code|15|242
codex|9|1660
github-copilot|12|" "$(sql "$url" "SELECT agent_id, count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events GROUP BY 1 ORDER BY 1")" "events by agent"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM agent_events WHERE session_id::text LIKE '99999999%' OR data::text LIKE '%decoy%'")" "decoy events"

# Without the variables, the default places (and only the decoys there) are read, into ~/.local/state.
collectctl collect sources --format csv
assert_rc 0
assert_contains "$out" "claude-code,$H/.claude,default,true,1,"
assert_contains "$out" "claude-code,$H/.config/claude,default,true,1,"
assert_contains "$out" "codex,$H/.codex,default,true,1,"
assert_contains "$out" "copilot,$H/.config/Code/User,default,true,1,"
collectctl collect --format csv
assert_rc 0
[ -f "$H/.local/state/devlogctl/queue.db" ] || fail "no queue at ~/.local/state/devlogctl/queue.db"
pass
