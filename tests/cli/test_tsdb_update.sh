#!/usr/bin/env bash
# ALTER EXTENSION timescaledb UPDATE takes a 2.17.2 database to 2.28.3 (the update scripts ship
# with 2.28.3): the hypertable, its compressed and uncompressed chunks and its policy survive.
. "$(dirname "$0")/lib.sh"

url=$(new_tsdb_db 2.17.2)
version="SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'"
assert_eq 2.17.2 "$(sql "$url" "$version")" "version before the update"

sql "$url" "CREATE TABLE metrics (ts timestamptz NOT NULL, device int NOT NULL, value double precision)"
sql "$url" "SELECT create_hypertable('metrics', 'ts', chunk_time_interval => interval '1 day')" >/dev/null
sql "$url" "INSERT INTO metrics SELECT timestamptz '2026-01-01 00:00+00' + g * interval '1 hour', g % 3, g
            FROM generate_series(0, 71) g"
sql "$url" "ALTER TABLE metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'device',
            timescaledb.compress_orderby = 'ts DESC')"
sql "$url" "SELECT compress_chunk(c) FROM show_chunks('metrics', older_than => timestamptz '2026-01-03 00:00+00') c" >/dev/null
# A policy that does not run during the test (the third chunk stays uncompressed until we say so).
sql "$url" "SELECT add_compression_policy('metrics', compress_after => interval '7 days',
            initial_start => now() + interval '1 day')" >/dev/null
state="SELECT count(*), sum(value),
              (SELECT count(*) FILTER (WHERE is_compressed) || '/' || count(*) FROM timescaledb_information.chunks
               WHERE hypertable_name = 'metrics'),
              (SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression')
       FROM metrics"
assert_eq "72|2556|2/3|1" "$(sql "$url" "$state")" "state before the update"

# The update must be the first statement of a fresh session (nothing of 2.17.2 loaded yet).
psql -X -q -v ON_ERROR_STOP=1 -d "$url" -c "ALTER EXTENSION timescaledb UPDATE" >"$T/update.log" 2>&1 ||
  fail "ALTER EXTENSION timescaledb UPDATE failed:
$(cat "$T/update.log")"
assert_eq 2.28.3 "$(sql "$url" "$version")" "version after the update"
assert_eq "72|2556|2/3|1" "$(sql "$url" "$state")" "state after the update"
# And the updated database works as a 2.28.3 one: the columnstore API is there.
chunk=$(sql "$url" "SELECT c FROM show_chunks('metrics', newer_than => timestamptz '2026-01-03 00:00+00') c")
sql "$url" "CALL convert_to_columnstore('$chunk')"
assert_eq "3/3" "$(sql "$url" "SELECT count(*) FILTER (WHERE is_compressed) || '/' || count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'metrics'")" "chunks after convert_to_columnstore"
pass
