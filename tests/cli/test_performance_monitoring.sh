#!/usr/bin/env bash
# Migration 0002 (seed 004 adapted): performance_metrics and connection_pool_stats partitioned by
# month with a default partition, the summary views populated and refreshable; what devlogctl
# measures is recorded only when asked (--record-metrics, DEVLOG_RECORD_METRICS, the database
# setting devlog.record_metrics); maintain snapshots the connections; stats queries and stats
# connections show rows from that real activity.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/events_lib.sh"
url=$(new_db)
run --database-url "$url" migrate
assert_rc 0
assert_eq "performance_metrics:p:RANGE (\"timestamp\"),connection_pool_stats:p:RANGE (recorded_at)" \
  "$(sql "$url" "SELECT string_agg(relname || ':' || relkind::text || ':' || pg_get_partkeydef(oid), ',' ORDER BY relname DESC)
                 FROM pg_class WHERE relname IN ('performance_metrics', 'connection_pool_stats')")" "partitioned tables"
assert_eq "connection_pool_stats_default,performance_metrics_default" \
  "$(sql "$url" "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relispartition AND relkind = 'r'")" "default partitions"
assert_eq "devlog_activity_summary:true,query_performance_summary:true" \
  "$(sql "$url" "SELECT string_agg(relname || ':' || relispopulated::text, ',' ORDER BY relname) FROM pg_class WHERE relkind = 'm'")" "summary views"
assert_eq "idx_devlog_activity_summary_project,idx_query_performance_summary_key" \
  "$(sql "$url" "SELECT string_agg(ic.relname, ',' ORDER BY ic.relname) FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
                 JOIN pg_class c ON c.oid = i.indrelid WHERE c.relkind = 'm' AND i.indisunique")" "unique indexes for CONCURRENTLY"
assert_eq "" "$(sql "$url" "SELECT string_agg(c.relname, ',') FROM pg_class c WHERE c.relname IN ('performance_metrics',
  'connection_pool_stats', 'query_performance_summary', 'devlog_activity_summary') AND obj_description(c.oid) IS NULL")" "relations without a comment"

seed_events "$url" 40 20
# Nothing is recorded unless asked. devlog_activity_summary was empty (no projects when the
# migration made it): refreshed.
run --database-url "$url" maintain --format csv
assert_rc 0
assert_contains "$out" "summaries,done,\"refreshed query_performance_summary, devlog_activity_summary\""
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM performance_metrics")" "metrics without --record-metrics"

# Two sessions of a collector, identified by application_name, busy while maintain snapshots.
for i in 1 2; do
  PGAPPNAME=collector-test psql -X -q -d "$url" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
  echo $! >>"$T/sleepers"
done
trap 'status=$?; set +e; kill $(cat "$T/sleepers") 2>/dev/null; (exit $status); _cleanup' EXIT
wait_for "the collector sessions" 30 sql_is "$url" 2 "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'collector-test' AND state = 'active'"

run --database-url "$url" --record-metrics maintain --format csv
assert_rc 0
assert_contains "$out" "connections,done,recorded "
# devlog_activity_summary reads 30 days of events: refreshed at most every --summaries-every (1h).
assert_contains "$out" "summaries,done,refreshed query_performance_summary; devlog_activity_summary is "
assert_contains "$out" " old (refreshed every 1 hour: --summaries-every)"
assert_eq "active|2|0" "$(sql "$url" "SELECT state, connections, waiting_connections FROM connection_pool_stats WHERE application_name = 'collector-test'")" "snapshot of the collector"
assert_eq "connections,partitions,retention,rollups,strays,summaries" \
  "$(sql "$url" "SELECT string_agg(metric_name, ',' ORDER BY metric_name) FROM performance_metrics WHERE metric_type = 'maintain'")" "recorded steps"
DEVLOG_RECORD_METRICS=1 run --database-url "$url" maintain
assert_rc 0
sql "$url" "ALTER DATABASE \"${url##*/}\" SET devlog.record_metrics = on" >/dev/null
sleep 2 # the summaries refreshed by the run before are then more than --summaries-every old
run --database-url "$url" maintain --summaries-every 1s --format csv
assert_rc 0
assert_contains "$out" "summaries,done,\"refreshed query_performance_summary, devlog_activity_summary\""
assert_eq 3 "$(sql "$url" "SELECT count(*) FROM performance_metrics WHERE metric_name = 'rollups'")" "recorded runs (flag, environment, database setting)"
# The rows went into the month's partition that maintain created, not the default one.
assert_eq "performance_metrics_p$(date -u +%Y%m)" "$(sql "$url" "SELECT DISTINCT tableoid::regclass FROM performance_metrics")" "partition of the metrics"

# The summaries were refreshed by the last run (after its rollups step was recorded): p95 per
# step, activity per project.
assert_eq t "$(sql "$url" "SELECT execution_count = 3 AND p95_duration_ms >= min_duration_ms AND p95_duration_ms <= max_duration_ms
                           FROM query_performance_summary WHERE metric_type = 'maintain' AND metric_name = 'rollups'")" "query_performance_summary"
assert_eq "$(sql "$url" "SELECT count(*) FROM agent_events WHERE project_id = (SELECT min(id) FROM projects) AND timestamp >= now() - interval '30 days'")" \
  "$(sql "$url" "SELECT events FROM devlog_activity_summary WHERE project_id = (SELECT min(id) FROM projects)")" "devlog_activity_summary events"

# stats queries: devlogctl's own measurements (no pg_stat_statements here), p95 exact.
run --database-url "$url" stats queries --format csv
assert_rc 0
assert_contains "$err" "pg_stat_statements is not installed in this database"
assert_eq "source,query,calls,total_ms,mean_ms,p95_ms,p95_exact,max_ms,rows,id" "$(head -1 <<<"$out" | tr -d '\r')" "stats queries header"
assert_contains "$out" "performance_metrics,maintain rollups,3,"
run --database-url "$url" stats queries --sort p95 --limit 2 --format ndjson
assert_rc 0
assert_eq 2 "$(wc -l <<<"$out")" "rows with --limit 2"
assert_contains "$out" '"p95_exact":true'

# stats connections: the collector's two sessions now, and in the snapshots.
run --database-url "$url" stats connections --format csv
assert_rc 0
assert_contains "$out" ",collector-test,postgres,active,2,0,"
run --database-url "$url" stats connections --history --format json
assert_rc 0
assert_contains "$out" '"application": "collector-test"'
assert_contains "$out" '"max_connections": 2'
# --since is a window of the snapshots: without --history it is refused, not ignored.
run --database-url "$url" stats connections --since 1h
assert_rc 2
assert_eq "devlogctl: error: --since: applies to --history only (the sessions now have no time window)
  hint: add --history to summarise maintain's snapshots of that window" "$err" "stats connections --since without --history"
assert_eq "" "$out" "nothing printed"

# migrate down reverts 0002 completely.
run --database-url "$url" migrate down
assert_rc 0
assert_eq "" "$(sql "$url" "SELECT string_agg(relname, ',') FROM pg_class WHERE relname LIKE 'performance_metrics%'
  OR relname LIKE 'connection_pool_stats%' OR relname IN ('query_performance_summary', 'devlog_activity_summary')")" "seed-004 relations after down"
pass
