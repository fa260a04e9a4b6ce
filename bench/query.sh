#!/usr/bin/env bash
# bench/query.sh [RUNS] [EVENTS]: the query commands on EVENTS (default 5 000 000) events over 30
# days, in a tuned TimescaleDB hypertable (`devlogctl timescale setup`: 1-day chunks, chunks older
# than 7 days compressed, the rollup contract's continuous aggregates materialised up to an hour
# ago) and in a plain indexed table (migration 0001 as is), on one throwaway PostgreSQL 15 +
# TimescaleDB server. Each query runs RUNS times (default 30; usage a third as often), alternating
# with psql running the same SQL (the statement devlogctl --explain prints, parameters inlined), both
# as a user runs them: a new process and connection each time. Prints p50 and p95 wall time of
# each, and the ratios. The psql run is PostgreSQL 15's psql binary itself ($PSQL), not Debian's
# /usr/bin/psql, a Perl wrapper that adds 10-40 ms per run on a loaded machine.
# bench/query.sh --url URL LABEL [RUNS]: the same queries on a database someone else loaded
# (bench/partition.sh: partitioned, hypertable, unpartitioned), nothing started or loaded; the
# project queried is the 7th of its projects table (DEVLOG_BENCH_PROJECT overrides).
# Use a Release build: cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DDEVLOG_BUILD_TESTS=OFF &&
# cmake --build build-release && bench/query.sh
# DEVLOG_BENCH_KEEP=1 keeps the server and its data (in the printed directory) for another run.
# Before measuring, the events of the last 70 minutes are filled in (copied from the same minutes a
# day earlier, up to now, never twice), so the timeline's unmaterialised tail is as large as on a
# live database; DEVLOG_BENCH_RECENT=0 skips that.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
given_url=
label=
if [ "${1:-}" = --url ]; then
  [ $# -ge 3 ] || { echo "usage: bench/query.sh --url URL LABEL [RUNS]" >&2; exit 2; }
  given_url=$2
  label=$3
  runs=${4:-30}
else
  runs=${1:-30}
  events=${2:-5000000}
fi
bin=$(realpath "${DEVLOGCTL:-build-release/devlogctl}")
[ -x "$bin" ] || { echo "bench: build first (see the header of $0) or set DEVLOGCTL" >&2; exit 1; }
say() { echo "bench: $*" >&2; }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
PSQL=${PSQL:-/usr/lib/postgresql/15/bin/psql}
[ -x "$PSQL" ] || PSQL=$(command -v psql)
state=$(mktemp -d "${TMPDIR:-/tmp}/devlogctl-bench-query.XXXXXX")

if [ -z "$given_url" ]; then
  SERVERS_PREFIX=bench
  # shellcheck source=../scripts/lib/timescaledb.sh
  . "$root/scripts/lib/timescaledb.sh"
  # shellcheck source=../scripts/lib/servers.sh
  . "$root/scripts/lib/servers.sh"
  tsdb_ensure
  rm -rf "$state"
  state=${DEVLOG_BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/devlogctl-bench-query.XXXXXX")}
  mkdir -p "$state"
  chmod 755 "$state"
  if [ "${DEVLOG_BENCH_KEEP:-0}" = 1 ]; then
    trap 'say "kept the server and its data in $state (DEVLOG_BENCH_DIR=$state to reuse; pg_stop to end)"' EXIT
  else
    trap 'pg_stop "$state/pg" >/dev/null 2>&1; rm -rf "$state"' EXIT
  fi
  pg_start "$state/pg" "$TSDB_BINDIR" "${TSDB_SETTINGS[@]}" shared_buffers=2GB effective_cache_size=6GB \
    work_mem=64MB maintenance_work_mem=1GB max_wal_size=16GB checkpoint_timeout=30min jit=off
  server=$PG_URL
  url_of() { echo "${server%/*}/$1"; }
  tsdb=$(url_of bench_tsdb)
  plain=$(url_of bench_plain)

  # Load (once per data directory): the same rows into both, indexes built after the rows.
  if [ "$(psql -X -A -t -d "$server" -c "SELECT count(*) FROM pg_database WHERE datname = 'bench_plain'")" = 0 ]; then
    end=$(psql -X -A -t -d "$server" -c "SELECT date_trunc('minute', now())")
    for db in bench_tsdb bench_plain; do
      psql_q -d "$server" -c "CREATE DATABASE $db" >/dev/null
      url=$(url_of $db)
      [ $db = bench_plain ] || psql_q -d "$url" -c "CREATE EXTENSION timescaledb" >/dev/null
      "$bin" -q --database-url "$url" migrate up
      indexes=$(psql -X -A -t -d "$url" -c "SELECT string_agg(pg_get_indexdef(indexrelid), '; ') FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'agent_events'::regclass AND NOT i.indisprimary")
      psql_q -d "$url" >/dev/null <<<"SELECT format('DROP INDEX %s', string_agg(indexrelid::regclass::text, ', ')) FROM pg_index WHERE indrelid = 'agent_events'::regclass AND NOT indisprimary \gexec"
      [ $db = bench_plain ] || psql_q -d "$url" -c "SELECT create_hypertable('agent_events', 'timestamp', chunk_time_interval => interval '1 day', create_default_indexes => false)" >/dev/null
      started=$SECONDS
      psql_q -d "$url" -v n="$events" -v end="$end" -f bench/query_data.sql
      psql_q -d "$url" -c "$indexes" -c "VACUUM ANALYZE"
      say "$db: $events events loaded and indexed in $((SECONDS - started)) s"
    done
    # The hypertable as an operator sets it up: devlogctl's own setup (compression settings and
    # policy, continuous aggregates materialised), old chunks compressed now rather than by the
    # policy some time later.
    started=$SECONDS
    "$bin" -q --database-url "$tsdb" timescale setup --no-retention --no-reorder >/dev/null
    "$bin" -q --database-url "$tsdb" timescale compression compress >/dev/null
    psql_q -d "$tsdb" -c "VACUUM ANALYZE" >/dev/null
    say "bench_tsdb: timescale setup (aggregates) and compression in $((SECONDS - started)) s"
  fi
else
  trap 'rm -rf "$state"' EXIT
fi

now_ns() { date +%s%N; }
# percentile P (0-100) of the numbers on stdin
percentile() { sort -n | awk -v p="$1" '{a[NR]=$1} END {i = int((NR - 1) * p / 100 + 0.5) + 1; printf "%.1f", a[i]}'; }

# bench NAME URL N ARGS...: N alternating runs of devlogctl ARGS and psql with the same statement.
bench() {
  local name=$1 url=$2 n=$3 i t sql
  shift 3
  sql=$("$bin" --database-url "$url" "$@" --explain | sed -n '2,/^$/p' | sed '$d')
  [ -n "$sql" ] || { say "$name: no SQL from --explain"; return 1; }
  "$bin" --database-url "$url" "$@" >/dev/null 2>&1 # warm the cache once for both
  : >"$state/d.ms"
  : >"$state/p.ms"
  for ((i = 0; i < n; i++)); do
    t=$(now_ns)
    "$bin" -q --database-url "$url" "$@" >/dev/null
    echo "$((($(now_ns) - t) / 1000))" >>"$state/d.ms"
    t=$(now_ns)
    "$PSQL" -X -q -d "$url" -c "$sql" >/dev/null
    echo "$((($(now_ns) - t) / 1000))" >>"$state/p.ms"
  done
  local d50 d95 p50 p95
  d50=$(percentile 50 <"$state/d.ms" | awk '{print $1 / 1000}')
  d95=$(percentile 95 <"$state/d.ms" | awk '{print $1 / 1000}')
  p50=$(percentile 50 <"$state/p.ms" | awk '{print $1 / 1000}')
  p95=$(percentile 95 <"$state/p.ms" | awk '{print $1 / 1000}')
  printf '%-44s %5d %9.1f %9.1f %9.1f %9.1f %7.2f %7.2f\n' "$name" "$n" "$d50" "$d95" "$p50" "$p95" \
    "$(awk -v a="$d50" -v b="$p50" 'BEGIN {print a / b}')" "$(awk -v a="$d95" -v b="$p95" 'BEGIN {print a / b}')"
}

# recent URL: events keep arriving as in production: the events of the 70 minutes one day ago are
# copied (new ids) to the last 70 minutes, so the timeline has a raw tail as large as a live
# database's (the aggregates' policies then run in the background as they would).
recent() {
  psql_q -d "$1" -c "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id,
      context, data, metrics, parent_event_id, related_event_ids, tags, severity)
    SELECT timestamp + interval '1 day', event_type, agent_id, agent_version, session_id, project_id, context, data,
           metrics, parent_event_id, related_event_ids, tags, severity
    FROM agent_events
    WHERE timestamp > greatest(now() - interval '1 day 70 minutes', (SELECT max(timestamp) FROM agent_events) - interval '1 day')
      AND timestamp < now() - interval '1 day'" >/dev/null
}

# report URL NAME: the three queries on URL, rows named "NAME: query".
report() {
  local url=$1 name=$2 project=${DEVLOG_BENCH_PROJECT:-}
  [ "${DEVLOG_BENCH_RECENT:-1}" = 0 ] || recent "$url"
  [ -n "$project" ] || project=$(psql -X -A -t -d "$url" -c "SELECT full_name FROM projects ORDER BY id OFFSET 6 LIMIT 1")
  [ -n "$project" ] || project=$(psql -X -A -t -d "$url" -c "SELECT full_name FROM projects ORDER BY id LIMIT 1")
  bench "$name: events --since 1d --project P --limit 100" "$url" "$runs" query events --since 1d --project "$project" --limit 100
  bench "$name: timeline --bucket 1h --since 7d" "$url" "$runs" query timeline --bucket 1h --since 7d
  bench "$name: usage --by day --since 30d" "$url" "$(((runs + 2) / 3))" query usage --by day --since 30d
}

header() {
  printf '%-44s %5s %9s %9s %9s %9s %7s %7s\n' query runs "dctl p50" "dctl p95" "psql p50" "psql p95" "p50 x" "p95 x"
}

if [ -n "$given_url" ]; then
  printf '\n%s: wall time per run in ms (process start, connect, query, output)\n' "$label"
  header
  report "$given_url" "$label"
  exit 0
fi

printf '\n%s events over 30 days; wall time per run in ms (process start, connect, query, output)\n' "$events"
header
report "$tsdb" tsdb
report "$plain" plain
printf '\nstorage (stats storage / stats compression on the hypertable):\n'
"$bin" --database-url "$tsdb" stats compression
"$bin" --database-url "$plain" stats storage 2>/dev/null | grep -E "^(schema|public +agent_events )"
"$bin" --database-url "$tsdb" stats storage 2>/dev/null | grep -E "^(schema|public +agent_events )"
