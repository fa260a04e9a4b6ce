# shellcheck shell=bash
# Helpers for the partition, maintain and rollup tests (source after lib.sh).

# seed_events URL DAYS PER_DAY [OFFSET]: two projects (once) and DAYS * PER_DAY events spread
# evenly over the DAYS days before now (minus OFFSET, an interval), with every metric shape the
# rollup contract must survive: numbers, fractions, strings, negatives, huge values, no metrics.
seed_events() {
  local url=$1 days=$2 per_day=$3 offset=${4:-0 seconds}
  sql "$url" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name)
              VALUES ('devlog', 'codervisor/devlog', 'https://x/devlog', 'codervisor', 'devlog'),
                     ('other', 'codervisor/other', 'https://x/other', 'codervisor', 'other')
              ON CONFLICT DO NOTHING" >/dev/null
  sql "$url" "
    INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id, metrics, severity, tags)
    SELECT now() - interval '$offset' - (g * interval '1 day') / $per_day,
           (ARRAY['llm_response', 'tool_use', 'file_read', 'command_execute'])[1 + g % 4],
           (ARRAY['claude-code', 'codex', 'github-copilot'])[1 + g % 3],
           '1.0',
           md5('session' || (g / 7)::text)::uuid,
           (SELECT id FROM projects ORDER BY id OFFSET g % 2 LIMIT 1),
           CASE g % 6
             WHEN 0 THEN jsonb_build_object('promptTokens', g % 900, 'responseTokens', g % 250, 'cacheReadTokens', g % 4000,
                                            'cacheCreationTokens', g % 50, 'tokenCount', g % 900 + g % 250 + g % 4000 + g % 50,
                                            'durationMs', (g % 7000) + 0.25, 'cost', (g % 97) / 1000.0)
             WHEN 1 THEN jsonb_build_object('promptTokens', '12', 'durationMs', -5, 'cost', 'free')
             WHEN 2 THEN jsonb_build_object('tokenCount', 1e15, 'durationMs', 12.5, 'responseTokens', 10.6)
             WHEN 3 THEN '{}'::jsonb
             ELSE NULL END,
           CASE WHEN g % 11 = 0 THEN 'error' WHEN g % 5 = 0 THEN 'warning' END,
           ARRAY['t' || (g % 3)]
    FROM generate_series(1, $days * $per_day) AS g" >/dev/null
}

# rows_digest URL [TABLE]: one md5 over every row of TABLE (default agent_events), by key.
rows_digest() {
  sql "$1" "SELECT count(*) || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t.id, t.timestamp), ''))
            FROM ${2:-agent_events} AS t"
}

# rollup_matches URL TABLE WIDTH EXPECTED ACTUAL: TABLE holds exactly the rows of EXPECTED, a SELECT
# over the view "expected" (the contract's GROUP BY of tests/fixtures/rollup/contract.sql per WIDTH),
# compared with ACTUAL (a SELECT of the same columns over TABLE); fails the test with the difference.
rollup_matches() {
  local url=$1 table=$2 width=$3 diff
  diff=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$url" -v width="$width" <<SQL
CREATE TEMP VIEW expected AS $(cat "${DEVLOG_SOURCE_DIR:?}/tests/fixtures/rollup/contract.sql");
CREATE TEMP VIEW cmp_expected AS $4;
CREATE TEMP VIEW cmp_actual AS $5;
SELECT 'missing: ' || x::text FROM (SELECT * FROM cmp_expected EXCEPT ALL SELECT * FROM cmp_actual) x
UNION ALL
SELECT 'extra: ' || x::text FROM (SELECT * FROM cmp_actual EXCEPT ALL SELECT * FROM cmp_expected) x
LIMIT 10;
SQL
  ) || fail "comparing $table with the contract failed"
  [ -z "$diff" ] || fail "$table differs from the contract's GROUP BY:
$diff"
  [ "$(sql "$url" "SELECT count(*) > 0 FROM $table")" = t ] || fail "$table is empty"
}

# rollups_match URL: the plain rollups hold exactly what the contract's GROUP BY over the raw rows
# gives (tests/fixtures/rollup/contract.sql), hourly and daily, and the 5-minute totals; fails the
# test with the difference.
rollups_match() {
  local url=$1 width table
  # duration_ms_sum is a double: summed in another order it may differ in the last bits.
  local measures="event_count, error_count, session_count, prompt_tokens, response_tokens, cache_read_tokens,
    cache_creation_tokens, total_tokens, round(duration_ms_sum::numeric, 6) AS duration_ms_sum, duration_count,
    cost_sum, cost_count"
  for width in hour day; do
    [ "$width" = hour ] && table=agent_events_hourly || table=agent_events_daily
    rollup_matches "$url" "$table" "1 $width" \
      "SELECT bucket, project_id, agent_id, event_type, $measures FROM expected" \
      "SELECT bucket, project_id, agent_id, event_type, $measures FROM $table"
  done
  # agent_events_totals_5m: the same GROUP BY per 5 minutes, summed over the group keys; sessions
  # counted over all events of the bucket.
  rollup_matches "$url" agent_events_totals_5m "5 minutes" \
    "SELECT bucket, sum(event_count)::bigint AS event_count, sum(error_count)::bigint AS error_count,
       (SELECT count(DISTINCT session_id) FROM agent_events e
        WHERE date_bin('5 minutes', e.timestamp, TIMESTAMPTZ '2000-01-01 00:00:00+00') = x.bucket) AS session_count,
       sum(prompt_tokens)::bigint AS prompt_tokens, sum(response_tokens)::bigint AS response_tokens,
       sum(cache_read_tokens)::bigint AS cache_read_tokens, sum(cache_creation_tokens)::bigint AS cache_creation_tokens,
       sum(total_tokens)::bigint AS total_tokens, round(sum(duration_ms_sum)::numeric, 6) AS duration_ms_sum,
       sum(duration_count)::bigint AS duration_count, sum(cost_sum) AS cost_sum, sum(cost_count)::bigint AS cost_count
     FROM expected x GROUP BY bucket" \
    "SELECT bucket, $measures FROM agent_events_totals_5m"
}
