# shellcheck shell=bash
# Helpers for black-box CLI tests. Source it from a test file:
#   . "$(dirname "$0")/lib.sh"
# Environment: DEVLOGCTL (the binary), DEVLOG_TEST_PG_URL (superuser URL of the PostgreSQL test
# server), DEVLOG_TEST_TSDB_URL and DEVLOG_TEST_TSDB_VERSIONS (the PostgreSQL test server with
# TimescaleDB, and its versions, newest first). Each test gets a temp dir ($T), kept on failure.
set -euo pipefail

: "${DEVLOGCTL:?DEVLOGCTL must name the devlogctl binary (run through ctest / scripts/test)}"
T=$(mktemp -d "${TMPDIR:-/tmp}/devlogctl-test.XXXXXX")
_test_name=$(basename "$0" .sh)
_failed=0
_skip_code=77 # CTest's SKIP_RETURN_CODE (tests/CMakeLists.txt)

_cleanup() {
  local rc=$?
  local server db
  # new_db runs in $(...) subshells, so it records the databases in a file, not a variable:
  # one line each, the variable naming the server's URL and the database name.
  if [ -s "$T/.databases" ]; then
    while read -r server db; do
      [ -n "${!server:-}" ] || continue
      psql -X -q -d "${!server}" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
    done <"$T/.databases"
  fi
  if [ $rc -eq $_skip_code ] && [ $_failed -eq 0 ]; then
    rm -rf "$T"
  elif [ $rc -ne 0 ] || [ $_failed -ne 0 ]; then
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

# skip REASON: ends the test as skipped (CTest shows it so, not as passed).
skip() {
  echo "SKIP: $*" >&2
  exit $_skip_code
}

need_pg() {
  [ -n "${DEVLOG_TEST_PG_URL:-}" ] || fail "DEVLOG_TEST_PG_URL is not set: run the suite through scripts/test"
}

# need_tsdb [VERSION]: skips the test when no TimescaleDB server was given (ctest run by hand);
# scripts/test always gives one, and then a missing VERSION fails the test.
need_tsdb() {
  [ -n "${DEVLOG_TEST_TSDB_URL:-}" ] ||
    skip "DEVLOG_TEST_TSDB_URL is not set: run the suite through scripts/test for the TimescaleDB server"
  [ $# -eq 0 ] || case " ${DEVLOG_TEST_TSDB_VERSIONS:-} " in
    *" $1 "*) ;;
    *) fail "TimescaleDB $1 is not among the test server's versions [${DEVLOG_TEST_TSDB_VERSIONS:-}]" ;;
  esac
}

# url_for_db NAME [SERVER_URL]: SERVER_URL (default the PostgreSQL test server) with database NAME.
url_for_db() {
  local server=${2:-}
  if [ -z "$server" ]; then
    need_pg
    server=$DEVLOG_TEST_PG_URL
  fi
  local base=${server%%\?*} query=""
  case "$server" in *\?*) query="?${server#*\?}" ;; esac
  echo "${base%/*}/$1$query"
}

# _create_db SERVER_VAR: creates an empty database with a unique name on the server whose URL is
# in the variable SERVER_VAR, records it for dropping at exit and prints its name.
_create_db() {
  local name
  name="t_${_test_name//[^a-zA-Z0-9]/_}_$$_${RANDOM}${RANDOM}"
  name=${name,,}
  psql -X -q -v ON_ERROR_STOP=1 -d "${!1}" -c "CREATE DATABASE \"$name\"" >/dev/null
  echo "$1 $name" >>"$T/.databases"
  echo "$name"
}

# new_db: creates an empty database with a unique name; prints its URL. Dropped at exit.
new_db() {
  need_pg
  url_for_db "$(_create_db DEVLOG_TEST_PG_URL)"
}

# new_tsdb_db [VERSION]: a fresh database on the TimescaleDB test server with the extension at
# VERSION (default the newest, first in DEVLOG_TEST_TSDB_VERSIONS); prints its URL. Dropped at exit.
new_tsdb_db() {
  local version=${1:-${DEVLOG_TEST_TSDB_VERSIONS%% *}} url
  need_tsdb "$version"
  url=$(url_for_db "$(_create_db DEVLOG_TEST_TSDB_URL)" "$DEVLOG_TEST_TSDB_URL")
  # CREATE EXTENSION prints a banner: keep its output for when it fails.
  psql -X -q -v ON_ERROR_STOP=1 -d "$url" -c "CREATE EXTENSION timescaledb VERSION '$version'" \
    >"$T/.create_extension" 2>&1 || fail "CREATE EXTENSION timescaledb VERSION '$version' failed:
$(cat "$T/.create_extension")"
  echo "$url"
}

# wait_for DESCRIPTION SECONDS COMMAND...: polls COMMAND (every 0.2 s) until it succeeds; fails
# the test with DESCRIPTION when SECONDS pass first.
wait_for() {
  local what=$1 seconds=$2 deadline=$((SECONDS + $2))
  shift 2
  until "$@"; do
    [ $SECONDS -lt $deadline ] || fail "timed out after $seconds s waiting for $what"
    sleep 0.2
  done
}

# sql URL QUERY: runs QUERY, prints unaligned tuples-only output (fields separated by '|').
sql() {
  psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}

# sql_is URL EXPECTED QUERY: true when QUERY's output (as sql prints it) is EXPECTED; for wait_for.
sql_is() {
  [ "$(sql "$1" "$3" 2>/dev/null)" = "$2" ]
}

# advisory_locks_are URL APPLICATION N: true when the sessions named APPLICATION (a LIKE pattern)
# hold N advisory locks in URL's database; for wait_for. Counting every advisory lock on the
# server is wrong: tests in other databases, and TimescaleDB's job scheduler, take their own.
advisory_locks_are() {
  sql_is "$1" "$3" "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE '$2'
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
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
