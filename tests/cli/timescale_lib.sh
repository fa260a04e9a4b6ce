# shellcheck shell=bash
# Helpers for the TimescaleDB tests (test_timescale_*.sh, test_status.sh); source after lib.sh.

# migrated_tsdb_db VERSION: a fresh TimescaleDB database at VERSION with devlog's schema migrated
# and two projects (ids 1 and 2); prints its URL.
migrated_tsdb_db() {
  local url
  url=$(new_tsdb_db "$1")
  "$DEVLOGCTL" --database-url "$url" -q migrate up >/dev/null || fail "migrate up failed on TimescaleDB $1"
  sql "$url" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name)
              VALUES ('devlog', 'o/devlog', 'https://github.com/o/devlog', 'o', 'devlog'),
                     ('tools', 'o/tools', 'https://github.com/o/tools', 'o', 'tools')" >/dev/null
  echo "$url"
}

# insert_events URL COUNT START STEP [FROM]: COUNT events from FROM (an SQL timestamp expression,
# default now()) - START, one every STEP (SQL intervals), over two projects, three agents, two event types, seven sessions; every sixth
# event's metrics hold junk (strings, arrays, out-of-range numbers, nulls), every fifth is an error.
insert_events() {
  sql "$1" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id,
                                      metrics, severity)
            SELECT ${5:-now()} - interval '$3' + g * interval '$4',
                   (ARRAY['llm_response', 'tool_use'])[1 + g % 2],
                   (ARRAY['claude-code', 'github-copilot', 'codex'])[1 + g % 3], '1.0',
                   md5('session' || (g % 7))::uuid, 1 + g % 2,
                   CASE g % 6
                     WHEN 0 THEN '{\"promptTokens\": \"many\", \"durationMs\": [1], \"cost\": \"free\"}'
                     WHEN 1 THEN '{\"promptTokens\": 1e300, \"responseTokens\": -3, \"durationMs\": null, \"cost\": 1e400}'
                     WHEN 2 THEN 'null'
                     ELSE jsonb_build_object('promptTokens', g % 100, 'responseTokens', g % 37,
                                             'cacheReadTokens', g % 11, 'cacheCreationTokens', g % 5,
                                             'tokenCount', g % 100 + g % 37 + g % 11 + g % 5,
                                             'durationMs', (g % 1000) * 1.5, 'cost', (g % 50) / 1000.0)
                   END,
                   CASE WHEN g % 5 = 0 THEN 'error' ELSE 'info' END
            FROM generate_series(0, $2 - 1) AS g" >/dev/null
}

# quiesce URL: cron mode. Pauses every job, waits until none runs, then runs each once with
# devlogctl, so that status judges runs whose outcome the test controls: on PostgreSQL 15.20,
# TimescaleDB 2.28.3's scheduled runs end Failed after doing their work (design.md section 5).
quiesce() {
  "$DEVLOGCTL" --database-url "$1" -q --format csv timescale jobs pause >/dev/null || fail "jobs pause failed"
  wait_for "jobs to finish running" 60 sql_is "$1" 0 \
    "SELECT count(*) FROM timescaledb_information.job_stats WHERE job_status = 'Running' AND job_id >= 1000"
  local id
  for id in $(sql "$1" "SELECT job_id FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY 1"); do
    "$DEVLOGCTL" --database-url "$1" -q --format csv timescale jobs run "$id" >/dev/null || fail "jobs run $id failed"
  done
}

# catalog URL: the TimescaleDB objects of the database as text (configuration, not statistics).
catalog() {
  sql "$1" "SELECT 'hypertable', hypertable_name, compression_enabled::text FROM timescaledb_information.hypertables
            UNION ALL SELECT 'dimension', column_name, time_interval::text FROM timescaledb_information.dimensions
            UNION ALL SELECT 'compression', attname, concat_ws(' ', segmentby_column_index, orderby_column_index,
                                                                orderby_asc, orderby_nullsfirst)
                      FROM timescaledb_information.compression_settings
            UNION ALL SELECT 'job ' || job_id, proc_name, concat_ws(' ', schedule_interval, scheduled, config)
                      FROM timescaledb_information.jobs
            UNION ALL SELECT 'aggregate', view_name, materialized_only::text || ' ' || md5(view_definition)
                      FROM timescaledb_information.continuous_aggregates
            UNION ALL SELECT 'comment', c.relname, md5(string_agg(coalesce(d.description, '-'), '|' ORDER BY d.objsubid))
                      FROM pg_class c JOIN pg_description d ON d.objoid = c.oid
                      WHERE c.relname LIKE 'agent_events%' GROUP BY c.relname
            UNION ALL SELECT 'relation', relname, relkind::text FROM pg_class
                      WHERE relnamespace = 'public'::regnamespace
            ORDER BY 1, 2"
}

# plain: $out (after run --format csv) without the CSV's CR line ends.
plain() {
  printf '%s\n' "$out" | tr -d '\r'
}
