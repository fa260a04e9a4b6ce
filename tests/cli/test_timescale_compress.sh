#!/usr/bin/env bash
# compression compress / decompress / disable / enable on 2.17.2 (compress_chunk) and 2.28.3
# (convert_to_columnstore): old chunks really get compressed (chunk status), rows read back
# identical, a chunk with rows inserted after compression (partial) is compressed again, recent
# chunks decompress, compression cannot be turned off while chunks are compressed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/timescale_lib.sh"
need_tsdb

rows() { sql "$1" "SELECT count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY id)) FROM agent_events t"; }
status_of() { # URL: compressed/partial chunk counts by TimescaleDB's own catalog
  sql "$1" "SELECT count(*) FILTER (WHERE k.status & 1 = 1) || ' ' || count(*) FILTER (WHERE k.status & 8 = 8)
            FROM _timescaledb_catalog.chunk k JOIN _timescaledb_catalog.hypertable h ON h.id = k.hypertable_id
            WHERE h.table_name = 'agent_events'"
}

for version in 2.17.2 2.28.3; do
  url=$(migrated_tsdb_db "$version")
  insert_events "$url" 480 "20 days" "1 hour" # 20 daily chunks, 24 rows each
  # A compress-after beyond the data: the background policy has nothing to do.
  "$DEVLOGCTL" --database-url "$url" -q timescale setup --compress-after 30d >/dev/null
  before=$(rows "$url")
  assert_eq "0 0" "$(status_of "$url")" "chunk status before ($version)"

  run --database-url "$url" timescale compression compress --older-than 10d --dry-run
  assert_rc 0
  assert_eq "0 0" "$(status_of "$url")" "chunk status after --dry-run ($version)"

  run --database-url "$url" --format csv timescale compression compress --older-than 10d
  assert_rc 0
  assert_contains "$out" "compress chunks,applied,,10 chunks from"
  assert_eq "10 0" "$(status_of "$url")" "chunks compressed ($version)"
  assert_eq 10 "$(sql "$url" "SELECT count(*) FROM timescaledb_information.chunks WHERE is_compressed")"
  assert_eq "$before" "$(rows "$url")" "rows read back after compression ($version)"
  run --database-url "$url" timescale compression compress --older-than 10d
  assert_rc 0
  assert_contains "$out" "no uncompressed chunk older than 10 days"

  # A late row into a compressed chunk makes it partial; compress folds it in.
  sql "$url" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id)
              VALUES (now() - interval '15 days', 'tool_use', 'late', '1', gen_random_uuid(), 1)" >/dev/null
  assert_eq "10 1" "$(status_of "$url")" "a partial chunk ($version)"
  after_late=$(rows "$url")
  run --database-url "$url" --format csv timescale compression compress --older-than 10d
  assert_rc 0
  assert_contains "$out" "compress chunks,applied,,1 chunk from"
  assert_eq "10 0" "$(status_of "$url")" "partial chunk compressed again ($version)"
  assert_eq "$after_late" "$(rows "$url")" "rows after recompression ($version)"

  # Compression cannot be turned off over compressed chunks.
  run --database-url "$url" timescale compression disable
  assert_rc 1
  assert_contains "$err" "has 10 compressed chunks"
  assert_contains "$err" "hint: decompress them first: devlogctl timescale compression decompress"

  run --database-url "$url" --format csv timescale compression decompress --newer-than 15d
  assert_rc 0
  assert_eq "5 0" "$(status_of "$url")" "after decompressing the chunks of the last 15 days ($version)"
  run --database-url "$url" --format csv timescale compression decompress
  assert_rc 0
  assert_eq "0 0" "$(status_of "$url")" "after decompressing all ($version)"
  assert_eq "$after_late" "$(rows "$url")" "rows after decompression ($version)"

  run --database-url "$url" --format csv timescale compression disable
  assert_rc 0
  assert_eq "f|0" "$(sql "$url" "SELECT compression_enabled, (SELECT count(*) FROM timescaledb_information.jobs
    WHERE proc_name = 'policy_compression') FROM timescaledb_information.hypertables")" "compression off ($version)"
  run --database-url "$url" --format csv timescale compression enable --compress-after 30d
  assert_rc 0
  assert_eq "t|1" "$(sql "$url" "SELECT compression_enabled, (SELECT count(*) FROM timescaledb_information.jobs
    WHERE proc_name = 'policy_compression') FROM timescaledb_information.hypertables")" "compression on again ($version)"
done
pass
