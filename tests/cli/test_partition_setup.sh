#!/usr/bin/env bash
# partition setup on plain PostgreSQL: a table holding 60 days of events becomes partitioned by
# day (then, in another database, by month) with the same rows, the partitions expected, the
# primary key, indexes, grants and comment of agent_events; a second run changes nothing; new
# inserts land in the partition of their day (or the default one); --dry-run changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/events_lib.sh"
url=$(new_db)
run --database-url "$url" migrate
assert_rc 0
seed_events "$url" 60 24
role="devlog_collector_$$"
sql "$url" "CREATE ROLE $role; GRANT SELECT, INSERT ON agent_events TO $role;
            COMMENT ON TABLE agent_events IS 'what the agents did'" >/dev/null
# Roles outlive the test database: drop it too (keeping the test's exit status for _cleanup).
trap 'status=$?; set +e; (exit $status); _cleanup; psql -X -q -d "$DEVLOG_TEST_PG_URL" -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true' EXIT
digest=$(rows_digest "$url")
# Expected: one partition per UTC day holding rows, plus today and the 7 days after it.
expected=$(sql "$url" "SELECT string_agg('agent_events_p' || to_char(d, 'YYYYMMDD'), ',' ORDER BY d) FROM (
  SELECT DISTINCT date_trunc('day', timestamp AT TIME ZONE 'UTC') AS d FROM agent_events
  UNION SELECT date_trunc('day', now() AT TIME ZONE 'UTC') + k * interval '1 day' FROM generate_series(0, 7) k) AS days")
partitions="SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'agent_events'::regclass AND c.relname <> 'agent_events_default'"

# --dry-run says what would happen and changes nothing.
run --database-url "$url" partition setup --dry-run
assert_rc 0
assert_contains "$out" "create partitions"
assert_contains "$out" "and agent_events_default"
assert_contains "$err" "dry run: nothing was changed"
assert_eq "r|" "$(sql "$url" "SELECT relkind, to_regclass('agent_events_partitioned') FROM pg_class WHERE oid = 'agent_events'::regclass")" "after --dry-run"

run --database-url "$url" partition setup --batch-size 300
assert_rc 0
assert_contains "$out" "agent_events is partitioned by day now: $(tr ',' '\n' <<<"$expected" | wc -l) partitions and agent_events_default; 1440 rows copied"
assert_eq p "$(sql "$url" "SELECT relkind FROM pg_class WHERE oid = 'agent_events'::regclass")" "relkind"
assert_eq "$digest" "$(rows_digest "$url")" "rows after partition setup"
assert_eq "$expected" "$(sql "$url" "$partitions")" "partitions"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM agent_events_default")" "rows in the default partition"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM agent_events
  WHERE tableoid::regclass::text <> 'agent_events_p' || to_char(timestamp AT TIME ZONE 'UTC', 'YYYYMMDD')")" "rows outside their day's partition"
# Nothing of the conversion is left.
assert_eq "||" "$(sql "$url" "SELECT to_regclass('agent_events_partitioned'), to_regclass('agent_events_partition_setup'),
  to_regprocedure('agent_events_partition_sync()')")" "helpers left"
# Keys and indexes keep their names and columns (the agent_events lines of the schema fixture).
fixture=$(grep '^agent_events|' "$DEVLOG_SOURCE_DIR/tests/fixtures/schema/indexes.txt" | LC_ALL=C sort)
actual=$(sql "$url" "
  SELECT c.relname, ic.relname, am.amname, CASE WHEN i.indisunique THEN 'unique' ELSE 'plain' END,
         (SELECT string_agg(a.attname || CASE WHEN i.indoption[k.n - 1] & 1 = 1 THEN ' DESC' ELSE '' END, ',' ORDER BY k.n)
            FROM generate_series(1, i.indnkeyatts) k(n)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k.n - 1])
  FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
  WHERE c.oid = 'agent_events'::regclass" | LC_ALL=C sort)
assert_eq "$fixture" "$actual" "indexes of agent_events"
assert_eq "agent_events_event_type_check,agent_events_pkey,agent_events_project_id_fkey,agent_events_severity_check" \
  "$(sql "$url" "SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'agent_events'::regclass")" "constraints"
assert_eq "t|t|what the agents did" "$(sql "$url" "SELECT has_table_privilege('$role', 'agent_events', 'INSERT'),
  has_table_privilege('$role', 'agent_events', 'SELECT'), obj_description('agent_events'::regclass)")" "grants and comment"

# A second run is a no-op and says so.
catalog="SELECT string_agg(c.relname || ':' || c.oid, ',' ORDER BY c.relname) FROM pg_class c WHERE c.relname LIKE 'agent_events%'"
before=$(sql "$url" "$catalog")
run --database-url "$url" partition setup
assert_rc 0
assert_eq "agent_events is already partitioned by day ($(tr ',' '\n' <<<"$expected" | wc -l) partitions and a default one): nothing to do" "$out" "second run"
assert_eq "$before" "$(sql "$url" "$catalog")" "catalog after the second run"
# Asking for another period is refused.
run --database-url "$url" partition setup --period month
assert_rc 1
assert_contains "$err" "agent_events is already partitioned by day; changing the period to month is not supported"

# New rows land in the partition of their day; a row without one in the default partition. Writes
# that name the primary key constraint (as importers do) work on the partitioned table.
p=$(sql "$url" "SELECT min(id) FROM projects")
ins="INSERT INTO agent_events (id, timestamp, event_type, agent_id, agent_version, session_id, project_id) VALUES"
sql "$url" "$ins ('00000000-0000-0000-0000-0000000000a1', now(), 'tool_use', 'codex', '1', gen_random_uuid(), $p),
                 ('00000000-0000-0000-0000-0000000000a2', now() + interval '3 days', 'tool_use', 'codex', '1', gen_random_uuid(), $p),
                 ('00000000-0000-0000-0000-0000000000a3', '2001-02-03T04:05:06Z', 'tool_use', 'codex', '1', gen_random_uuid(), $p)" >/dev/null
assert_eq "agent_events_p$(date -u +%Y%m%d),agent_events_p$(date -u -d '+3 days' +%Y%m%d),agent_events_default" \
  "$(sql "$url" "SELECT string_agg(tableoid::regclass::text, ',' ORDER BY id) FROM agent_events WHERE id::text LIKE '%0000000000a_'")" "partitions of new rows"
sql "$url" "$ins ('00000000-0000-0000-0000-0000000000a1', (SELECT timestamp FROM agent_events WHERE id = '00000000-0000-0000-0000-0000000000a1'),
                  'tool_use', 'codex', '1', gen_random_uuid(), $p) ON CONFLICT ON CONSTRAINT agent_events_pkey DO NOTHING" >/dev/null ||
  fail "ON CONFLICT ON CONSTRAINT agent_events_pkey failed on the partitioned table"

# Monthly, keeping the old table.
url=$(new_db)
run --database-url "$url" migrate
assert_rc 0
seed_events "$url" 60 10
digest=$(rows_digest "$url")
months=$(sql "$url" "SELECT string_agg('agent_events_p' || to_char(d, 'YYYYMM'), ',' ORDER BY d) FROM (
  SELECT DISTINCT date_trunc('month', timestamp AT TIME ZONE 'UTC') AS d FROM agent_events
  UNION SELECT date_trunc('month', now() AT TIME ZONE 'UTC') + k * interval '1 month' FROM generate_series(0, 2) k) AS m")
run --database-url "$url" partition setup --period month --ahead 2 --keep-old
assert_rc 0
assert_eq "$months" "$(sql "$url" "$partitions")" "monthly partitions"
assert_eq "$digest" "$(rows_digest "$url")" "rows after the monthly setup"
assert_eq "$digest" "$(rows_digest "$url" agent_events_unpartitioned)" "rows of the kept table"
assert_eq "u_agent_events_pkey" "$(sql "$url" "SELECT conname FROM pg_constraint WHERE conrelid = 'agent_events_unpartitioned'::regclass AND contype = 'p'")" "kept table's key"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'agent_events_unpartitioned'::regclass AND NOT tgisinternal")" "triggers on the kept table"
pass
