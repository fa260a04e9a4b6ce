# shellcheck shell=bash
# Helpers of the query and stats tests (sourced after lib.sh).
fixtures=${DEVLOG_SOURCE_DIR:?DEVLOG_SOURCE_DIR must name the source tree}/tests/fixtures/query

# load URL FILE...: migrates the database at URL and runs the fixture FILEs (names in tests/fixtures/query).
load() {
  local url=$1 f
  shift
  "$DEVLOGCTL" -q --database-url "$url" migrate up >/dev/null
  for f in "$@"; do
    psql -X -q -v ON_ERROR_STOP=1 -d "$url" -f "$fixtures/$f" >/dev/null
  done
}

# hypertable URL: makes agent_events a hypertable of 1-day chunks (before rows are loaded).
hypertable() {
  sql "$1" "SELECT create_hypertable('agent_events', 'timestamp', chunk_time_interval => interval '1 day')" >/dev/null
}

# field KEYCOLUMN KEY COLUMN: from the CSV in $out (as devlogctl prints it), the value of COLUMN in
# the row whose KEYCOLUMN is KEY. Fields must not hold commas (quoted notes are fine after COLUMN).
field() {
  echo "$out" | tr -d '\r' | awk -F, -v kc="$1" -v k="$2" -v c="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) { if ($i == kc) ki = i; if ($i == c) ci = i }; next }
    $ki == k { print $ci; exit }'
}

# maintain_rollups URL: builds or refreshes the plain rollups as an operator's cron does, with
# maintain's rollups step only (PostgreSQL without TimescaleDB).
maintain_rollups() {
  "$DEVLOGCTL" -q --database-url "$1" maintain --skip timescaledb --skip partitions --skip strays --skip retention \
    --skip connections --skip summaries >/dev/null || fail "maintain (rollups) failed on $1"
}

# tsdb_rollups URL TAIL: makes the loaded agent_events a hypertable with the contract's continuous
# aggregates as `timescale setup` does (no compression, retention or reorder policy; it
# materialises every row), but for the rows from TAIL (a timestamp) on: they are taken out before
# setup and put back after it, the tail the aggregates do not hold yet.
tsdb_rollups() {
  sql "$1" "CREATE TABLE tail AS SELECT * FROM agent_events WHERE timestamp >= '$2';
            DELETE FROM agent_events WHERE timestamp >= '$2'" >/dev/null
  "$DEVLOGCTL" -q --database-url "$1" timescale setup --no-compression --no-retention --no-reorder >/dev/null ||
    fail "timescale setup failed on $1"
  sql "$1" "INSERT INTO agent_events SELECT * FROM tail; DROP TABLE tail" >/dev/null
}
