#!/usr/bin/env bash
# status on plain PostgreSQL (no TimescaleDB) after partition setup: healthy while maintain keeps
# partitions ahead, the default partition empty and the rollups current; exit 7 with one line
# each for a missing future partition, rows in the default partition and stale rollups; healthy
# again after maintain.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/events_lib.sh"

url=$(new_db)
"$DEVLOGCTL" --database-url "$url" -q migrate up >/dev/null || fail "migrate up failed"
seed_events "$url" 3 20
"$DEVLOGCTL" --database-url "$url" -q partition setup --ahead 3 >/dev/null || fail "partition setup failed"
"$DEVLOGCTL" --database-url "$url" -q maintain --ahead 3 >/dev/null || fail "maintain failed"

run --database-url "$url" status
assert_rc 0
assert_contains "$out" "partitioned natively: partitions ahead, default partition empty, rollups current"
assert_contains "$out" "
healthy"

# The partition for tomorrow is gone, a stray row sits in the default partition, the rollups are
# three hours behind.
tomorrow=agent_events_p$(date -u -d '+1 day' +%Y%m%d)
sql "$url" "DROP TABLE $tomorrow" >/dev/null
sql "$url" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id)
            SELECT now() + interval '1 day', 'tool_use', 'codex', '1.0', gen_random_uuid(), min(id) FROM projects" >/dev/null
sql "$url" "UPDATE agent_events_rollup_state SET watermark = now() - interval '3 hours'" >/dev/null
run --database-url "$url" status
assert_rc 7
assert_contains "$out" "unhealthy: 3 problems"
assert_contains "$out" "problem: agent_events has no partition for"
assert_contains "$out" "problem: agent_events_default holds 1 rows"
assert_contains "$out" "problem: the rollups were last refreshed"
assert_contains "$out" "  what to do: run devlogctl maintain"

run --database-url "$url" maintain --ahead 3
assert_rc 0
run --database-url "$url" status
assert_rc 0
assert_contains "$out" "
healthy"
pass
