#!/usr/bin/env bash
# bench/partition.sh [EVENTS] [DAYS] [RUNS]: the plain-PostgreSQL path beside TimescaleDB, on one
# throwaway PostgreSQL 15 server with TimescaleDB available (created only in the hypertable's
# database; the others are plain PostgreSQL).
#   1. EVENTS (default 5,000,000) generated events over DAYS (default 60) in an unpartitioned
#      agent_events (migration 0001, as a user without partition setup has it), cloned into a
#      second database, which `devlogctl partition setup` converts (time, rows/s), and a third,
#      which `devlogctl timescale setup` makes a hypertable with continuous aggregates (old chunks
#      then compressed with `timescale compression compress`).
#   2. The same queries on all three (pgbench, median and p95 latency): the query of design.md §8
#      (one project, last day, newest 100), a session's events, events per day over 7 days from
#      the raw rows, and per day over 30 days from agent_events_daily (the plain rollup or the
#      continuous aggregate).
#   3. `devlogctl maintain` on the partitioned database: the first run (creates the rollups from
#      every event), a run with nothing new, a run after an hour of new events plus late ones; the
#      first run on the unpartitioned one; a run on the hypertable (its due jobs).
#   4. The query benchmark of the query issue (bench/query.sh --url, RUNS runs, default 30) on the
#      partitioned, hypertable and unpartitioned databases.
#   5. Size on disk of the three tables (before 6 adds rows).
#   6. What the rollup invalidation triggers cost writers: COPY of 100,000 rows and 2,000
#      single-row INSERTs with the triggers and with them disabled.
# Use a Release build: DEVLOGCTL=build-rel/devlogctl bench/partition.sh
# A smoke run: DEVLOGCTL=build/devlogctl bench/partition.sh 5000 3 2
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
events=${1:-5000000}
days=${2:-60}
runs=${3:-30}
bin=${DEVLOGCTL:-build/devlogctl}
[ -x "$bin" ] || { echo "bench: build first (cmake --build build) or set DEVLOGCTL" >&2; exit 1; }
bin=$(realpath "$bin")
pgbench=${PGBENCH:-/usr/lib/postgresql/15/bin/pgbench}

SERVERS_PREFIX=bench
# shellcheck source=../scripts/lib/timescaledb.sh
. "$root/scripts/lib/timescaledb.sh"
# shellcheck source=../scripts/lib/servers.sh
. "$root/scripts/lib/servers.sh"
tsdb_ensure
state=$(mktemp -d "${TMPDIR:-/tmp}/devlogctl-bench.XXXXXX")
chmod 755 "$state"
trap 'pg_stop "$state/pg" >/dev/null 2>&1; rm -rf "$state"' EXIT
pg_start "$state/pg" "$TSDB_BINDIR" "${TSDB_SETTINGS[@]}" shared_buffers=2GB max_wal_size=8GB checkpoint_timeout=30min
admin=$PG_URL
plain="${admin%/*}/bench_plain"
part="${admin%/*}/bench_partitioned"
hyper="${admin%/*}/bench_hypertable"

now_ms() { date +%s%3N; }
q() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }
say() { printf '%s\n' "$*"; }
elapsed() { # LABEL START_MS [ROWS]
  local ms=$(($(now_ms) - $2))
  if [ -n "${3:-}" ]; then
    awk -v l="$1" -v ms="$ms" -v n="$3" 'BEGIN { printf "  %-52s %8.1f s  %9.0f rows/s\n", l, ms / 1000, n / (ms / 1000) }'
  else
    awk -v l="$1" -v ms="$ms" 'BEGIN { printf "  %-52s %8.1f s\n", l, ms / 1000 }'
  fi
}

say "== $events events over $days days (PostgreSQL $(q "$admin" "SHOW server_version"), $(nproc) cores)"
q "$admin" "CREATE DATABASE bench_plain" >/dev/null
"$bin" -q --database-url "$plain" migrate
start=$(now_ms)
q "$plain" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name)
            SELECT 'p' || i, 'org/p' || i, 'https://x/p' || i, 'org', 'p' || i FROM generate_series(1, 20) i" >/dev/null
# Events in time order (as collectors write them), 20 projects, 4 agents, sessions of ~200 events.
q "$plain" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id, data, metrics, severity, tags)
  SELECT now() - interval '$days days' + (g * interval '$days days') / $events,
         (ARRAY['llm_response', 'tool_use', 'file_read', 'file_write', 'command_execute', 'search_performed'])[1 + g % 6],
         (ARRAY['claude-code', 'codex', 'github-copilot', 'cursor'])[1 + g % 4], '1.0',
         md5('s' || (g / 200)::text)::uuid, 1 + (g / 200) % 20,
         jsonb_build_object('tool', 'Read', 'file', 'src/module' || g % 500 || '.ts', 'lines', g % 300),
         CASE WHEN g % 6 = 0 THEN jsonb_build_object('promptTokens', g % 2000, 'responseTokens', g % 700,
              'cacheReadTokens', g % 9000, 'tokenCount', g % 2000 + g % 700 + g % 9000, 'durationMs', g % 9000,
              'cost', (g % 300) / 10000.0) END,
         CASE WHEN g % 97 = 0 THEN 'error' END, ARRAY['bench']
  FROM generate_series(1, $events) g" >/dev/null
q "$plain" "VACUUM ANALYZE agent_events" >/dev/null
elapsed "generate + VACUUM ANALYZE (unpartitioned)" "$start" "$events"
start=$(now_ms)
# clone NAME: a copy of bench_plain. TimescaleDB's launcher (preloaded) briefly connects to each
# new database to look for the extension, so a copy may have to wait for it.
clone() {
  local i
  for i in $(seq 50); do
    q "$admin" "CREATE DATABASE $1 TEMPLATE bench_plain" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  q "$admin" "CREATE DATABASE $1 TEMPLATE bench_plain" >/dev/null
}
clone bench_partitioned
clone bench_hypertable
elapsed "clone the database (twice)" "$start"

start=$(now_ms)
"$bin" -q --database-url "$part" partition setup --period day
elapsed "devlogctl partition setup (daily)" "$start" "$events"
say "  partitions: $(q "$part" "SELECT count(*) FROM pg_inherits WHERE inhparent = 'agent_events'::regclass")"
q "$hyper" "CREATE EXTENSION timescaledb" >/dev/null 2>&1
start=$(now_ms)
"$bin" -q --database-url "$hyper" timescale setup --no-retention --no-reorder >/dev/null
elapsed "devlogctl timescale setup (hypertable, aggregates)" "$start" "$events"
start=$(now_ms)
"$bin" -q --database-url "$hyper" timescale compression compress >/dev/null
q "$hyper" "VACUUM ANALYZE" >/dev/null
elapsed "devlogctl timescale compression compress + ANALYZE" "$start"

# --- queries -------------------------------------------------------------------------------
# Time bounds are constants, as devlogctl's queries bind them (design.md §4): with now() in the
# SQL, PostgreSQL plans every partition (pruning waits for execution) and planning dominates.
session=$(q "$plain" "SELECT session_id FROM agent_events ORDER BY timestamp DESC OFFSET 5000 LIMIT 1")
day_ago=$(q "$plain" "SELECT now() - interval '1 day'")
week_ago=$(q "$plain" "SELECT now() - interval '7 days'")
month_ago=$(q "$plain" "SELECT now() - interval '30 days'")
cat >"$state/recent.sql" <<SQL
SELECT * FROM agent_events WHERE project_id = 7 AND timestamp >= '$day_ago' ORDER BY timestamp DESC LIMIT 100;
SQL
cat >"$state/session.sql" <<SQL
SELECT id, timestamp, event_type FROM agent_events WHERE session_id = '$session' ORDER BY timestamp DESC;
SQL
cat >"$state/per_day_raw.sql" <<SQL
SELECT date_bin('1 day', timestamp, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS day, count(*), count(DISTINCT session_id)
FROM agent_events WHERE timestamp >= '$week_ago' GROUP BY 1 ORDER BY 1;
SQL
cat >"$state/per_day_rollup.sql" <<SQL
SELECT bucket, sum(event_count), sum(total_tokens), sum(cost_sum) FROM agent_events_daily
WHERE bucket >= '$month_ago' GROUP BY 1 ORDER BY 1;
SQL
cat >"$state/recent_now.sql" <<'SQL'
SELECT * FROM agent_events WHERE project_id = 7 AND timestamp >= now() - interval '1 day' ORDER BY timestamp DESC LIMIT 100;
SQL
latency() { # URL FILE: "median p95" in ms over 30 runs after 3 warm-ups
  (cd "$state" && "$pgbench" -n -f "$2" -t 3 "$1" >/dev/null 2>&1 &&
    rm -f pgbench_log.* && "$pgbench" -n -f "$2" -t 30 -l "$1" >/dev/null 2>&1 &&
    cat pgbench_log.* | awk '{print $3 / 1000}' | sort -n | awk '{a[NR]=$1} END {printf "%.2f %.2f", a[int((NR+1)/2)], a[int(NR*0.95+0.5)]}'
    rm -f pgbench_log.*)
}

say "== maintain (partitioned)"
start=$(now_ms)
"$bin" -q --database-url "$part" maintain >/dev/null
elapsed "first run (creates the rollups from every event)" "$start" "$events"
start=$(now_ms)
"$bin" -q --database-url "$part" maintain >/dev/null
elapsed "run with nothing new" "$start"
new=$((events / days / 24))
q "$part" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id, metrics)
  SELECT now() - (g * interval '1 hour') / $new, 'llm_response', 'codex', '1.1', md5('n' || (g / 200)::text)::uuid, 1 + g % 20,
         jsonb_build_object('tokenCount', g % 1000)
  FROM generate_series(1, $new) g
  UNION ALL
  SELECT now() - interval '1 day' * (2 + g % 20), 'tool_use', 'codex', '1.1', gen_random_uuid(), 1 + g % 20, NULL
  FROM generate_series(1, 1000) g" >/dev/null
start=$(now_ms)
"$bin" -q --database-url "$part" maintain >/dev/null
elapsed "run after an hour of events ($new) + 1000 late ones" "$start"
start=$(now_ms)
"$bin" -q --database-url "$plain" maintain >/dev/null
elapsed "unpartitioned: first run (rollups from every event)" "$start" "$events"
start=$(now_ms)
"$bin" -q --database-url "$hyper" maintain >/dev/null
elapsed "hypertable: a run (the due TimescaleDB jobs)" "$start"

say "== queries: median / p95 ms over 30 runs (pgbench)"
printf '  %-40s %18s %18s %18s\n' query unpartitioned partitioned hypertable
for f in recent session per_day_raw per_day_rollup recent_now; do
  printf '  %-40s %18s %18s %18s\n' "$f" "$(latency "$plain" "$f.sql")" "$(latency "$part" "$f.sql")" "$(latency "$hyper" "$f.sql")"
done
say "== the query benchmark (bench/query.sh --url)"
DEVLOGCTL=$bin bench/query.sh --url "$part" partitioned "$runs"
DEVLOGCTL=$bin bench/query.sh --url "$hyper" hypertable "$runs"
DEVLOGCTL=$bin bench/query.sh --url "$plain" unpartitioned "$runs"

say "== size on disk (table + indexes)"
say "  unpartitioned: $(q "$plain" "SELECT pg_size_pretty(pg_total_relation_size('agent_events'))")"
say "  partitioned:   $(q "$part" "SELECT pg_size_pretty(sum(pg_total_relation_size(inhrelid))) FROM pg_inherits WHERE inhparent = 'agent_events'::regclass")"
say "  hypertable:    $(q "$hyper" "SELECT pg_size_pretty(hypertable_size('agent_events'))")"

say "== what the rollup triggers cost writers (partitioned database)"
q "$part" "CREATE TABLE copy_src AS SELECT * FROM agent_events ORDER BY timestamp DESC LIMIT 100000;
           UPDATE copy_src SET id = gen_random_uuid()" >/dev/null
psql -X -q -d "$part" -c "\\copy copy_src TO '$state/batch.csv' WITH (FORMAT csv)"
for mode in with without; do
  [ "$mode" = without ] && q "$part" "ALTER TABLE agent_events DISABLE TRIGGER USER" >/dev/null
  q "$part" "DELETE FROM agent_events WHERE id IN (SELECT id FROM copy_src)" >/dev/null
  start=$(now_ms)
  psql -X -q -d "$part" -c "\\copy agent_events FROM '$state/batch.csv' WITH (FORMAT csv)"
  elapsed "COPY 100000 rows, $mode rollup triggers" "$start" 100000
  q "$part" "SELECT 'INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id) VALUES (now() - interval ''' || g || ' seconds'', ''tool_use'', ''codex'', ''1'', gen_random_uuid(), 1);' FROM generate_series(1, 2000) g" >"$state/single.sql"
  start=$(now_ms)
  psql -X -q -d "$part" -f "$state/single.sql" >/dev/null
  elapsed "2000 single-row INSERTs, $mode rollup triggers" "$start" 2000
done
q "$part" "ALTER TABLE agent_events ENABLE TRIGGER USER; DROP TABLE copy_src" >/dev/null

