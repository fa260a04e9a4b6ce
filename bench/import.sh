#!/usr/bin/env bash
# bench/import.sh [EVENTS] [RUNS]: `devlogctl import events` of EVENTS realistic events (NDJSON,
# default 1000000) side by side with `psql \copy` of the same rows as CSV, into migration 0001's
# agent_events (all its indexes and constraints) on the same throwaway PostgreSQL 15, runs
# alternating (a fresh database from one template each time). Prints the median rows/s of both
# and the ratio; then devlogctl with --workers 2, without ids in the file (derived ids), a second
# import of the same file (all duplicates), both tools into a hypertable (TimescaleDB 2.28.3,
# 1-day chunks), and devlogctl's peak RSS at 100 k, 1 M and 5 M events (from a pipe).
#   DEVLOGCTL (default build-release/devlogctl) and GEN_EVENTS (default build-release/gen-events):
#   cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DDEVLOG_BUILD_TESTS=OFF
#   cmake --build build-release --target devlogctl gen-events
# The machine is shared: note the load average printed at the start and at the end.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
events=${1:-1000000}
runs=${2:-5}
bin=$(realpath "${DEVLOGCTL:-build-release/devlogctl}")
gen=$(realpath "${GEN_EVENTS:-build-release/gen-events}")
[ -x "$bin" ] && [ -x "$gen" ] || { echo "bench: build devlogctl and gen-events first (see the header) or set DEVLOGCTL/GEN_EVENTS" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

SERVERS_PREFIX=bench
# shellcheck source=../scripts/lib/servers.sh
. "$root/scripts/lib/servers.sh"
# shellcheck source=../scripts/lib/timescaledb.sh
. "$root/scripts/lib/timescaledb.sh"
state=$(mktemp -d "${TMPDIR:-/tmp}/devlogctl-bench.XXXXXX")
chmod 755 "$state"
trap 'pg_stop "$state/pg" >/dev/null 2>&1; pg_stop "$state/tsdb" >/dev/null 2>&1; rm -rf "$state"' EXIT
pg_start "$state/pg"
pg=$PG_URL
tsdb=
if tsdb_ensure && pg_start "$state/tsdb" "$TSDB_BINDIR" "${TSDB_SETTINGS[@]}"; then
  tsdb=$PG_URL
else
  say "no TimescaleDB server: skipping the hypertable runs"
fi

columns="id, timestamp, event_type, agent_id, agent_version, session_id, project_id, context, data, metrics, parent_event_id, related_event_ids, tags, severity"
say "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
say "generating $events events (NDJSON with ids, the same as CSV, NDJSON without ids)"
"$gen" --events "$events" --projects-sql "$state/projects.sql" -o "$state/events.ndjson"
"$gen" --events "$events" --format csv -o "$state/events.csv"
"$gen" --events "$events" --no-ids -o "$state/noids.ndjson"
say "$(du -h "$state/events.ndjson" | cut -f1) NDJSON, $(du -h "$state/events.csv" | cut -f1) CSV"

url_of() { echo "${1%/*}/$2"; }
# template SERVER NAME [hypertable]: a database with the schema and the projects, to copy from.
template() {
  local server=$1 name=$2 url
  psql -X -q -d "$server" -c "CREATE DATABASE $name" >/dev/null
  url=$(url_of "$server" "$name")
  [ "${3:-}" != hypertable ] || psql -X -q -d "$url" -c "CREATE EXTENSION timescaledb" >/dev/null 2>&1
  "$bin" -q --database-url "$url" migrate up >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -d "$url" -f "$state/projects.sql" >/dev/null
  if [ "${3:-}" = hypertable ]; then
    psql -X -q -d "$url" -c "SELECT create_hypertable('agent_events', 'timestamp', chunk_time_interval => interval '1 day')" >/dev/null
  fi
  # Nobody may stay connected to a template (TimescaleDB's scheduler would).
  psql -X -q -d "$server" -c "ALTER DATABASE $name ALLOW_CONNECTIONS false" \
    -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '$name'" >/dev/null
}
n=0
# fresh SERVER TEMPLATE: a new database copied from TEMPLATE; its URL in $url.
fresh() {
  n=$((n + 1))
  psql -X -q -d "$1" -c "CREATE DATABASE run_$n TEMPLATE $2" >/dev/null
  url=$(url_of "$1" "run_$n")
}
drop() { psql -X -q -d "$1" -c "DROP DATABASE run_$n" >/dev/null; }
now_ns() { date +%s%N; }
# rate TOOL URL [ARGS...]: loads the events with TOOL into URL; prints rows/s.
rate() {
  local tool=$1 url=$2 start elapsed rows
  shift 2
  sync
  start=$(now_ns)
  case $tool in
    devlogctl) "$bin" -q --database-url "$url" import events "$@" >/dev/null ;;
    psql) psql -X -q -v ON_ERROR_STOP=1 -d "$url" -c "\\copy agent_events ($columns) FROM '$state/events.csv' WITH (FORMAT csv, HEADER)" ;;
  esac
  elapsed=$(($(now_ns) - start))
  rows=$(psql -X -A -t -d "$url" -c "SELECT count(*) FROM agent_events")
  [ "$rows" -eq "$events" ] || { say "$tool loaded $rows rows, not $events"; exit 1; }
  echo $((events * 1000000000 / elapsed))
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
row() { printf '  %-46s %10s rows/s\n' "$1" "$2"; }

template "$pg" tpl
declare -A r
for ((i = 0; i < runs; i++)); do
  order=(devlogctl psql)
  [ $((i % 2)) -eq 0 ] || order=(psql devlogctl)
  for tool in "${order[@]}"; do
    fresh "$pg" tpl
    r[$tool]+="$(rate "$tool" "$url" "$state/events.ndjson") "
    drop "$pg"
  done
  fresh "$pg" tpl
  r[workers2]+="$(rate devlogctl "$url" --workers 2 "$state/events.ndjson") "
  r[again]+="$(rate devlogctl "$url" "$state/events.ndjson") "
  drop "$pg"
  fresh "$pg" tpl
  r[noids]+="$(rate devlogctl "$url" "$state/noids.ndjson") "
  drop "$pg"
  last() { local v=${r[$1]% }; echo "${v##* }"; }
  say "run $((i + 1))/$runs: devlogctl $(last devlogctl), psql $(last psql), --workers 2 $(last workers2), again $(last again), no ids $(last noids) rows/s (load $(cut -d' ' -f1 /proc/loadavg))"
done
if [ -n "$tsdb" ]; then
  template "$tsdb" tpl hypertable
  for ((i = 0; i < runs; i++)); do
    order=(devlogctl psql)
    [ $((i % 2)) -eq 0 ] || order=(psql devlogctl)
    for tool in "${order[@]}"; do
      fresh "$tsdb" tpl
      r[ht_$tool]+="$(rate "$tool" "$url" "$state/events.ndjson") "
      drop "$tsdb"
    done
  done
fi

declare -A m
for k in "${!r[@]}"; do
  m[$k]=$(tr ' ' '\n' <<<"${r[$k]}" | grep . | median)
done
echo "import of $events events, median of $runs runs (rows/s; higher is better)"
row "devlogctl import events (1 connection)" "${m[devlogctl]}"
row "psql \\copy of the same rows as CSV" "${m[psql]}"
echo "  ratio devlogctl / psql: $(ratio "${m[devlogctl]}" "${m[psql]}")"
row "devlogctl --workers 2" "${m[workers2]}"
echo "  ratio --workers 2 / psql: $(ratio "${m[workers2]}" "${m[psql]}")"
row "devlogctl, no ids in the file (derived)" "${m[noids]}"
row "devlogctl, the same file again (all duplicates)" "${m[again]}"
if [ -n "$tsdb" ]; then
  row "hypertable: devlogctl" "${m[ht_devlogctl]}"
  row "hypertable: psql \\copy" "${m[ht_psql]}"
  echo "  ratio on the hypertable: $(ratio "${m[ht_devlogctl]}" "${m[ht_psql]}")"
fi

# Peak RSS from a pipe (constant memory whatever the size).
echo "peak RSS of devlogctl import events (NDJSON from a pipe)"
for count in 100000 1000000 5000000; do
  fresh "$pg" tpl
  if [ -x /usr/bin/time ]; then
    kb=$("$gen" --events "$count" --seed 7 | /usr/bin/time -f %M "$bin" -q --database-url "$url" import events - 2>&1 >/dev/null | tail -1)
  else
    kb="? (install GNU time)"
  fi
  drop "$pg"
  printf '  %9s events: %s MB\n' "$count" "$(awk -v k="$kb" 'BEGIN {printf "%.1f", k / 1024}')"
done
say "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
