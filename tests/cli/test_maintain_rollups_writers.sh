#!/usr/bin/env bash
# Writers never wait for the rollups' history scan (issue 11): the first build of the plain rollups
# commits its triggers, then logs every hour of agent_events in a transaction that only reads
# agent_events and appends to the keyless rollup log. Here that transaction is held open on purpose
# (another session has an uncommitted row under the rollup state's key, so maintain's state insert
# waits for it) while inserts into agent_events must go through with a 2 s lock timeout; then the
# holder goes away, maintain finishes, and the rollups count the writers' rows too.
# The state is emptied first: that is the state a first build is in between committing its
# triggers and logging the history (lib/rollup/plain.cpp: create, then log_history).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/events_lib.sh"
url=$(new_db)
run --database-url "$url" migrate
assert_rc 0
seed_events "$url" 3 100
only_rollups=(--skip timescaledb --skip partitions --skip strays --skip retention --skip connections --skip summaries)
run --database-url "$url" maintain "${only_rollups[@]}"
assert_rc 0
sql "$url" "DELETE FROM agent_events_rollup_state" >/dev/null

# The holder: an uncommitted row under the hourly rollup's state key, kept until it is terminated.
PGAPPNAME=devlog-test-holder psql -X -q -d "$url" \
  -c "BEGIN; INSERT INTO agent_events_rollup_state VALUES ('agent_events_hourly', now(), now(), 0, 0); SELECT pg_sleep(300);" \
  >"$T/holder.log" 2>&1 &
holder=$!
wait_for "the holder's open transaction" 20 sql_is "$url" 1 \
  "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'devlog-test-holder' AND query LIKE '%pg_sleep%' AND state = 'active'"

"$DEVLOGCTL" --database-url "$url" maintain "${only_rollups[@]}" --lock-timeout 120 --format csv >"$T/maintain.out" 2>"$T/maintain.err" &
maintain=$!
# maintain is inside the history transaction, waiting for the holder.
waiting_sql="SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'devlogctl%' AND wait_event_type = 'Lock'
              AND query LIKE '%agent_events_rollup_state%' AND backend_xid IS NOT NULL"
wait_for "maintain waiting in its history transaction" 30 sql_is "$url" 1 "$waiting_sql"
assert_eq 1 "$(sql "$url" "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
                           WHERE a.application_name LIKE 'devlogctl%' AND l.granted AND l.relation = 'agent_events'::regclass
                             AND l.mode = 'AccessShareLock'")" \
  "maintain holds its scan's lock on agent_events"

# Writers: a batch and a single row, each allowed to wait 2 s for a lock at most.
for rows in 50 1; do
  PGOPTIONS='-c lock_timeout=2s -c statement_timeout=10s' sql "$url" "
    INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id, metrics)
    SELECT now() - interval '1 day' - g * interval '1 minute', 'llm_response', 'codex', '2', gen_random_uuid(),
           (SELECT min(id) FROM projects), '{\"tokenCount\": 7}' FROM generate_series(1, $rows) g" >/dev/null ||
    fail "an insert of $rows rows into agent_events waited on maintain's history scan"
done
assert_eq 1 "$(sql "$url" "$waiting_sql")" "maintain was still in its history transaction while the writers wrote"

sql "$url" "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'devlog-test-holder'" >/dev/null
wait "$holder" || true
wait "$maintain" || fail "maintain failed after the holder went away: $(cat "$T/maintain.err")"
assert_contains "$(cat "$T/maintain.out")" "rollups,done"
# The writers' rows came after the history scan's snapshot: their hours wait in the log (triggers),
# and the next run counts them.
run --database-url "$url" maintain "${only_rollups[@]}"
assert_rc 0
rollups_match "$url"
assert_eq 351 "$(sql "$url" "SELECT sum(event_count) FROM agent_events_daily")" "every event is in the daily rollup"
pass
