# shellcheck shell=bash
# Helpers for black-box CLI tests. Source it from a test file:
#   . "$(dirname "$0")/lib.sh"
# Environment: DEVLOGCTL (the binary), DEVLOG_TEST_PG_URL (superuser URL of the PostgreSQL test
# server), optionally DEVLOG_TEST_TSDB_URL. Each test gets a temp dir ($T), kept on failure.
set -euo pipefail

: "${DEVLOGCTL:?DEVLOGCTL must name the devlogctl binary (run through ctest / scripts/test)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/devlogctl-test.XXXXXX")
_test_name=$(basename "$0" .sh)
_failed=0

_cleanup() {
  local rc=$?
  # new_db runs in $(...) subshells, so it records the names in a file, not a variable.
  if [ -s "$T/.databases" ] && [ -n "${DEVLOG_TEST_PG_URL:-}" ]; then
    while read -r db; do
      psql -X -q -d "$DEVLOG_TEST_PG_URL" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    done <"$T/.databases"
  fi
  if [ $rc -ne 0 ] || [ $_failed -ne 0 ]; then
    echo "$_test_name: FAILED; files kept in $T" >&2
  else
    rm -rf "$T"
  fi
}
trap _cleanup EXIT

fail() {
  _failed=1
  echo "FAIL: $*" >&2
  exit 1
}

need_pg() {
  [ -n "${DEVLOG_TEST_PG_URL:-}" ] || fail "DEVLOG_TEST_PG_URL is not set: run the suite through scripts/test"
}

# url_for_db NAME: the test server URL pointing at database NAME.
url_for_db() {
  need_pg
  local base=${DEVLOG_TEST_PG_URL%%\?*} query=""
  case "$DEVLOG_TEST_PG_URL" in *\?*) query="?${DEVLOG_TEST_PG_URL#*\?}" ;; esac
  echo "${base%/*}/$1$query"
}

# new_db: creates an empty database with a unique name; prints its URL. Dropped at exit.
new_db() {
  need_pg
  local name
  name="t_${_test_name//[^a-zA-Z0-9]/_}_$$_${RANDOM}${RANDOM}"
  name=${name,,}
  psql -X -q -v ON_ERROR_STOP=1 -d "$DEVLOG_TEST_PG_URL" -c "CREATE DATABASE \"$name\"" >/dev/null
  echo "$name" >>"$T/.databases"
  url_for_db "$name"
}

# sql URL QUERY: runs QUERY, prints unaligned tuples-only output (fields separated by '|').
sql() {
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# run ARGS...: runs devlogctl; sets $rc, $out (stdout) and $err (stderr). Never fails itself.
run() {
  set +e
  "$DEVLOGCTL" "$@" >"$T/stdout" 2>"$T/stderr"
  rc=$?
  set -e
  out=$(cat "$T/stdout")
  err=$(cat "$T/stderr")
}

assert_eq() { # EXPECTED ACTUAL [WHAT]
  [ "$1" == "$2" ] || fail "${3:-value}: expected [$1], got [$2]"
}

assert_rc() { # EXPECTED  (after run)
  [ "$rc" -eq "$1" ] || fail "exit code: expected $1, got $rc
--- stdout:
$out
--- stderr:
$err"
}

assert_contains() { # HAYSTACK NEEDLE [WHAT]
  case "$1" in *"$2"*) ;; *) fail "${3:-output} does not contain [$2]:
$1" ;; esac
}

assert_not_contains() { # HAYSTACK NEEDLE [WHAT]
  case "$1" in *"$2"*) fail "${3:-output} contains [$2]:
$1" ;; esac
}

pass() {
  echo "$_test_name: ok"
}

# wait_for SECONDS WHAT CMD...: runs CMD every 0.1 s until it succeeds; fails the test naming WHAT
# when SECONDS pass first. For ordering concurrent steps without fixed sleeps.
wait_for() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "timed out after ${seconds} s waiting for $what"
    sleep 0.1
  done
}
