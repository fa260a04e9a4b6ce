#!/usr/bin/env bash
# With TimescaleDB: partition setup refuses a hypertable cleanly (exit 1, nothing changed), and
# maintain does the TimescaleDB side (its "timescaledb" step is the seam to 'timescale jobs run
# --due'), leaves the plain rollups alone and still looks after the seed-004 tables.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/events_lib.sh"
url=$(new_tsdb_db)
run --database-url "$url" migrate
assert_rc 0
sql "$url" "SELECT create_hypertable('agent_events', 'timestamp')" >/dev/null
seed_events "$url" 3 10
digest=$(rows_digest "$url")
catalog="SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname LIKE 'agent_events%' AND relnamespace = 'public'::regnamespace"
before=$(sql "$url" "$catalog")

run --database-url "$url" partition setup
assert_rc 1
assert_contains "$err" "devlogctl: error: agent_events is a TimescaleDB hypertable: it is partitioned into chunks already, and partition setup is for PostgreSQL without TimescaleDB; nothing was changed"
assert_contains "$err" "hint: TimescaleDB's retention and continuous aggregates do this job there"
run --database-url "$url" partition setup --dry-run
assert_rc 1
assert_eq "$before" "$(sql "$url" "$catalog")" "relations after the refusal"
assert_eq "$digest" "$(rows_digest "$url")" "rows after the refusal"

run --database-url "$url" maintain --format csv
assert_rc 0
assert_contains "$out" "timescaledb,nothing to do,no TimescaleDB job was due"
assert_contains "$out" "agent_events is a TimescaleDB hypertable (TimescaleDB manages its chunks)"
assert_contains "$out" "rollups,skipped,agent_events is a TimescaleDB hypertable: its rollups are continuous aggregates"
assert_contains "$out" "performance_metrics: created performance_metrics_p$(date -u +%Y%m)"
assert_eq "" "$(sql "$url" "SELECT to_regclass('agent_events_hourly')")" "plain rollups on TimescaleDB"
pass
