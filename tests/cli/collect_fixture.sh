# shellcheck shell=bash
# The agent home of tests/fixtures/collect/home, made real for a test (sourced by test_collect_*.sh
# after lib.sh): setup_home copies it to $T/home, creates the work trees its logs point at under
# $T/root (acme: a git repository with origin git@github.com:acme/api.git; "web shop": origin
# https://gitlab.com/team/web-shop.git) and replaces @ROOT@ in the logs. collectctl runs devlogctl
# with HOME=$T/home and none of the agents' own variables.
#
# What the fixtures hold, counted by hand (see the comments in test_collect_e2e.sh):
EXPECTED_EVENTS=38
EXPECTED_TOKENS=1913

setup_home() {
  local src=${DEVLOG_SOURCE_DIR:?}
  H=$T/home
  ROOT=$T/root
  rm -rf "$H" "$ROOT"
  cp -r "$src/tests/fixtures/collect/home" "$H"
  mkdir -p "$ROOT/acme/.git" "$ROOT/web shop/.git"
  printf '[core]\n\tbare = false\n[remote "origin"]\n\turl = git@github.com:acme/api.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n' >"$ROOT/acme/.git/config"
  echo "ref: refs/heads/main" >"$ROOT/acme/.git/HEAD"
  printf '[remote "origin"]\n\turl = https://gitlab.com/team/web-shop.git\n' >"$ROOT/web shop/.git/config"
  echo "ref: refs/heads/feature/x" >"$ROOT/web shop/.git/HEAD"
  find "$H" -type f -exec sed -i "s#@ROOT@#$ROOT#g" {} +
  # The original session before the session continued from it (the collector reads oldest first).
  touch -d '2026-11-20 10:00' "$H/.claude/projects/-ROOT-acme/11111111-1111-4111-8111-111111111111.jsonl"
}

# collectctl ARGS...: like run, as the user of $H.
collectctl() {
  HOME=$H run_env "$@"
}

run_env() {
  set +e
  env -u CLAUDE_CONFIG_DIR -u CODEX_HOME -u XDG_CONFIG_HOME -u XDG_STATE_HOME -u VSCODE_PORTABLE \
    -u CI -u GITHUB_ACTIONS -u SSH_CONNECTION -u SSH_CLIENT -u SSH_TTY \
    "$DEVLOGCTL" "$@" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  set -e
  out=$(cat "$T/stdout")
  err=$(cat "$T/stderr")
}

# csv_field NAME: column NAME of the first data row of $out (a command run with --format csv).
csv_field() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) { sub("\r$", "", $i); if ($i == name) c = i } }
                        NR == 2 { sub("\r$", ""); print $c }' <<<"$out"
}

# collected_db: the fixture home set up and collected (with the NDJSON events) into the default
# queue, and a new database with the schema in $url.
collected_db() {
  setup_home
  url=$(new_db)
  run --database-url "$url" -q migrate up
  assert_rc 0
  collectctl collect --source "ndjson:$H/events" -q
  assert_rc 0
}
