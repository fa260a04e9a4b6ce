#!/usr/bin/env bash
# Upload into a TimescaleDB hypertable (both versions the test server has): new events, a
# correction of a response whose chunk is compressed by then, and the writer role creating chunks.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/collect_fixture.sh"
need_tsdb
for version in $DEVLOG_TEST_TSDB_VERSIONS; do
  setup_home
  url=$(new_tsdb_db "$version")
  run --database-url "$url" -q migrate up
  sql "$url" "SELECT create_hypertable('agent_events', 'timestamp', chunk_time_interval => interval '1 day')" >/dev/null
  w=w_$$_$RANDOM
  run --database-url "$url" roles setup --writer "$w" --reader "r_$w" -q
  assert_rc 0
  sql "$url" "CREATE ROLE ${w}_l LOGIN PASSWORD 'pw' IN ROLE $w" >/dev/null
  rest=${url#*://}
  writer="postgresql://${w}_l:pw@${rest#*@}"
  collectctl collect --source "ndjson:$H/events" -q
  collectctl --database-url "$writer" upload --format csv
  assert_rc 0
  assert_eq "38 38" "$(csv_field sent) $(csv_field new)" "$version: upload into the hypertable as the writer"
  # Compress the chunks, then correct an uploaded response and re-send everything.
  sql "$url" "ALTER TABLE agent_events SET (timescaledb.compress, timescaledb.compress_segmentby = 'project_id', timescaledb.compress_orderby = 'timestamp DESC, id'); SELECT count(compress_chunk(c)) FROM show_chunks('agent_events') c" >/dev/null 2>&1
  assert_eq t "$(sql "$url" "SELECT bool_and(is_compressed) FROM timescaledb_information.chunks WHERE hypertable_name = 'agent_events'")" "$version: compressed"
  main=$H/.claude/projects/-ROOT-acme/11111111-1111-4111-8111-111111111111.jsonl
  printf '\n{"type":"assistant","message":{"id":"msg_m4","model":"claude-sonnet-4-5","content":[],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":90,"cache_read_input_tokens":3,"cache_creation_input_tokens":4}},"requestId":"req_r4","sessionId":"11111111-1111-4111-8111-111111111111","cwd":"%s/acme","version":"2.0.14","uuid":"a8","timestamp":"2026-11-20T10:00:14.000Z"}\n' "$ROOT" >>"$main"
  collectctl collect -q
  collectctl --database-url "$writer" upload --format csv
  assert_rc 0
  assert_eq "1" "$(csv_field corrected)" "$version: correction in a compressed chunk"
  collectctl collect --source "ndjson:$H/events" -q --queue "$T/again-$version.db"
  collectctl --database-url "$writer" upload --queue "$T/again-$version.db" --format csv
  assert_eq "38 0" "$(csv_field sent) $(csv_field new)" "$version: everything again"
  assert_eq "$EXPECTED_EVENTS|$((EXPECTED_TOKENS + 88))" \
    "$(sql "$url" "SELECT count(*), sum((metrics->>'tokenCount')::bigint) FROM agent_events")" "$version: events and tokens"
  # One batch mixing events already in compressed chunks with new ones in the same chunks: every
  # new one arrives (TimescaleDB 2.17.2 drops the rows after the first conflict with a compressed
  # row when ON CONFLICT DO NOTHING alone filters them: timescaledb#7672).
  mkdir -p "$T/mixed-$version"
  {
    head -n 1 "$H/events/tool.ndjson"
    for n in $(seq 10 29); do
      echo '{"timestamp":"2026-11-20T14:00:'"$n"'Z","eventType":"tool_use","agentId":"aider","agentVersion":"0.80","sessionId":"aider-session-1","project":"acme/tools","data":{"n":'"$n"'}}'
      [ "$n" = 19 ] && sed -n 2p "$H/events/tool.ndjson"
    done
  } >"$T/mixed-$version/mixed.ndjson"
  collectctl collect --source "ndjson:$T/mixed-$version" -q --queue "$T/mixed-$version.db"
  collectctl --database-url "$writer" upload --queue "$T/mixed-$version.db" --format csv
  assert_rc 0
  assert_eq "58 20" "$(csv_field sent) $(csv_field new)" "$version: a batch mixing compressed duplicates and new events"
  assert_eq "20" "$(sql "$url" "SELECT count(*) FROM agent_events WHERE data ? 'n'")" "$version: the new events"
  sql "$url" "DROP OWNED BY $w, r_$w, ${w}_l; DROP ROLE ${w}_l; DROP ROLE $w; DROP ROLE r_$w" >/dev/null
done
pass
