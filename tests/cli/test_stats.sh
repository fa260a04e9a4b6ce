#!/usr/bin/env bash
# stats storage|compression|chunks|jobs|aggregates agree with PostgreSQL's and TimescaleDB's own
# catalog functions, on plain PostgreSQL and on each TimescaleDB version of the test server; a
# compressed chunk shows up with its ratio; rows added after compression make a note; without
# TimescaleDB every report says what it cannot show and shows the table sizes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/query_lib.sh"

# ---- plain PostgreSQL ----
url=$(new_db)
load "$url" events.sql
sql "$url" "ANALYZE; CREATE TABLE parted (t timestamptz, v text) PARTITION BY RANGE (t);
  CREATE TABLE parted_2026_01 PARTITION OF parted FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
  CREATE TABLE parted_2026_02 PARTITION OF parted FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
  INSERT INTO parted SELECT '2026-01-15'::timestamptz + g * interval '1 hour', repeat('x', 3000) FROM generate_series(1, 900) g;
  ANALYZE parted" >/dev/null
run --database-url "$url" stats storage --format csv
assert_rc 0
assert_eq "$(sql "$url" "SELECT pg_total_relation_size('agent_events')")" "$(field table agent_events total_bytes)" "agent_events total"
assert_eq "$(sql "$url" "SELECT pg_indexes_size('agent_events')")" "$(field table agent_events index_bytes)" "agent_events indexes"
assert_eq "$(sql "$url" "SELECT pg_total_relation_size(reltoastrelid) FROM pg_class WHERE relname = 'agent_events'")" \
  "$(field table agent_events toast_bytes)" "agent_events TOAST"
assert_eq 18 "$(field table agent_events rows)" "agent_events rows"
assert_eq "$(sql "$url" "SELECT round(pg_total_relation_size('agent_events') / 18.0)")" "$(field table agent_events bytes_per_row)" "bytes per event"
assert_eq "partitioned table" "$(field table parted kind)" "partitioned kind"
assert_eq "$(sql "$url" "SELECT pg_total_relation_size('parted_2026_01') + pg_total_relation_size('parted_2026_02')")" \
  "$(field table parted total_bytes)" "partitioned total"
assert_eq "" "$(field table parted_2026_01 total_bytes)" "partitions are not listed on their own"
assert_eq "$(sql "$url" "SELECT pg_database_size(current_database())")" "$(field table '(database)' total_bytes)" "database size"
assert_contains "$err" "TimescaleDB is not installed in this database: every table is a plain PostgreSQL table"

run --database-url "$url" stats compression
assert_rc 0
assert_contains "$err" "TimescaleDB is not installed in this database: nothing is compressed, so there are no compression figures; shown instead: the table sizes"
assert_contains "$out" "agent_events"
run --database-url "$url" stats chunks --format csv
assert_rc 0
assert_eq "public.parted,parted_2026_02,FOR VALUES FROM ('2026-02-01 00:00:00+00') TO ('2026-03-01 00:00:00+00'),$(sql "$url" "SELECT count(*) FROM parted_2026_02")" \
  "$(echo "$out" | tr -d '\r' | grep parted_2026_02 | cut -d, -f1-4)" "a partition as a chunk"
assert_contains "$err" "shown: the partitions of partitioned tables"
run --database-url "$url" stats jobs
assert_rc 0
assert_contains "$err" "there are no background jobs"
run --database-url "$url" stats aggregates
assert_rc 0
assert_contains "$err" "there are no continuous aggregates, and no rollup tables (agent_events_hourly, agent_events_daily, agent_events_totals_5m) either"
maintain_rollups "$url"
iso="'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'"
sql "$url" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id)
            SELECT min(timestamp) - interval '3 days', 'tool_use', 'codex', '1', gen_random_uuid(), 1 FROM agent_events" >/dev/null
run --database-url "$url" stats aggregates --format csv
assert_rc 0
assert_eq "table" "$(field aggregate agent_events_hourly kind)" "plain rollup listed"
assert_eq "$(sql "$url" "SELECT to_char(watermark AT TIME ZONE 'UTC', $iso) || ' ' || to_char(refreshed_at AT TIME ZONE 'UTC', $iso)
                         FROM agent_events_rollup_state WHERE rollup = 'agent_events_hourly'")" \
  "$(field aggregate agent_events_hourly watermark) $(field aggregate agent_events_hourly last_refresh)" \
  "plain rollup: maintain's watermark and refresh time"
assert_eq 1 "$(field aggregate agent_events_daily pending_invalidations)" "plain rollup: the late event's hour waits in the log"
assert_contains "$err" "every event committed before the watermark is counted, except in the pending_invalidations hours waiting in agent_events_rollup_log"

# ---- TimescaleDB ----
need_tsdb
for version in $DEVLOG_TEST_TSDB_VERSIONS; do
  u=$(new_tsdb_db "$version")
  "$DEVLOGCTL" -q --database-url "$u" migrate up >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -d "$u" -f "$fixtures/timeline.sql" >/dev/null
  tsdb_rollups "$u" "2026-01-10 12:00:00+00"
  sql "$u" "ALTER TABLE agent_events SET (timescaledb.compress, timescaledb.compress_segmentby = 'project_id, agent_id, event_type',
              timescaledb.compress_orderby = 'timestamp DESC, id');
            SELECT count(compress_chunk(c)) FROM show_chunks('agent_events', older_than => '2026-01-10'::timestamptz) c;
            ANALYZE agent_events" >/dev/null
  case $version in 2.1[0-7].*) fn=hypertable_compression_stats ;; *) fn=hypertable_columnstore_stats ;; esac
  expect=$(sql "$u" "SELECT total_chunks || ',' || number_compressed_chunks || ',' || before_compression_total_bytes || ',' || after_compression_total_bytes FROM $fn('agent_events')")

  run --database-url "$u" stats compression --format csv
  assert_rc 0
  assert_eq "$expect" "$(field hypertable agent_events chunks),$(field hypertable agent_events compressed_chunks),$(field hypertable agent_events before_bytes),$(field hypertable agent_events after_bytes)" \
    "$version: compression figures = $fn"
  assert_eq "$(sql "$u" "SELECT round(before_compression_total_bytes::numeric / after_compression_total_bytes, 2) FROM $fn('agent_events')")" \
    "$(field hypertable agent_events ratio | awk '{printf "%.2f", $1}')" "$version: ratio"
  assert_eq "$(sql "$u" "SELECT sum(numrows_pre_compression) FROM _timescaledb_catalog.compression_chunk_size")" \
    "$(field hypertable agent_events rows_compressed)" "$version: rows compressed"
  assert_eq 0 "$(field hypertable agent_events partial_chunks)" "$version: no partial chunk yet"

  chunk=$(sql "$u" "SELECT chunk_name FROM timescaledb_information.chunks WHERE hypertable_name = 'agent_events' ORDER BY range_start LIMIT 1")
  run --database-url "$u" stats compression --chunks --format csv
  assert_eq compressed "$(field chunk "$chunk" status)" "$version: first chunk compressed"
  ratio=$(field chunk "$chunk" ratio)
  case $ratio in "" | 0*) fail "$version: the compressed chunk has no ratio: $ratio" ;; esac
  # A row into the compressed chunk: partial; the recorded sizes are stale, and the report says so.
  sql "$u" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id)
            VALUES ('2026-01-08 12:00:00.5+00', 'tool_use', 'codex', '1.0', gen_random_uuid(), 1)" >/dev/null
  run --database-url "$u" stats compression --format csv
  assert_eq 1 "$(field hypertable agent_events partial_chunks)" "$version: partial chunk"
  assert_contains "$out" "1 chunk got rows after compression: the recorded sizes are stale until they are recompressed"

  run --database-url "$u" stats storage --format csv
  assert_eq "$(sql "$u" "SELECT total_bytes FROM hypertable_detailed_size('agent_events')")" \
    "$(field table agent_events total_bytes)" "$version: hypertable total = hypertable_detailed_size"
  assert_eq "$(sql "$u" "SELECT total_bytes FROM hypertable_detailed_size('agent_events_hourly')")" \
    "$(field table agent_events_hourly total_bytes)" "$version: aggregate total"
  assert_eq "continuous aggregate" "$(field table agent_events_hourly kind)" "$version: aggregate kind"
  assert_eq "" "$(field table "$chunk" total_bytes)" "$version: chunks are not listed on their own"

  run --database-url "$u" stats chunks --format csv
  assert_eq "$(sql "$u" "SELECT count(*) FROM show_chunks('agent_events')")" \
    "$(echo "$out" | tr -d '\r' | grep -c '^agent_events,')" "$version: chunk count"
  assert_eq "$(sql "$u" "SELECT total_bytes FROM chunks_detailed_size('agent_events') WHERE chunk_name = '$chunk'")" \
    "$(field chunk "$chunk" total_bytes)" "$version: chunk size = chunks_detailed_size"
  assert_eq partial "$(field chunk "$chunk" status)" "$version: chunk status"

  sql "$u" "SELECT add_retention_policy('agent_events', interval '400 days')" >/dev/null
  run --database-url "$u" stats jobs --format csv
  assert_rc 0
  assert_eq policy_retention "$(field target agent_events proc_name)" "$version: the retention job"

  run --database-url "$u" stats aggregates --format csv
  assert_rc 0
  assert_eq "continuous aggregate" "$(field aggregate agent_events_hourly kind)" "$version: kind"
  for agg in agent_events_hourly agent_events_daily; do
    assert_eq "$(sql "$u" "SELECT to_char(_timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(mat_hypertable_id)) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM _timescaledb_catalog.continuous_agg WHERE user_view_name = '$agg'")" \
      "$(field aggregate $agg watermark)" "$version: $agg watermark = cagg_watermark"
  done
done
pass
