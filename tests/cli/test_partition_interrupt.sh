#!/usr/bin/env bash
# partition setup while a collector keeps writing, interrupted by a real SIGINT in the middle of
# the copy: exit 130, agent_events still complete and writable, its writes (inserts, an update, a
# delete) applied to the partial copy too; a second setup meanwhile is refused (exit 6); the
# re-run finishes with exactly the rows agent_events held. --abort removes an unfinished setup.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/events_lib.sh"
url=$(new_db)
run --database-url "$url" migrate
assert_rc 0
seed_events "$url" 60 50
total=$(sql "$url" "SELECT count(*) FROM agent_events")
p=$(sql "$url" "SELECT min(id) FROM projects")

# A collector: 40 single-row inserts over the next seconds, each its own transaction.
writer() {
  local i
  for i in $(seq 1 40); do
    sql "$url" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id, data)
                VALUES (now() - interval '$i hours', 'tool_use', 'collector', '1', gen_random_uuid(), $p, '{\"n\": $i}')" >/dev/null
    sleep 0.1
  done
}
writer &
writer_pid=$!

# Small batches with a pause: the copy takes seconds, so the signal lands in the middle of it.
"$DEVLOGCTL" --database-url "$url" partition setup --batch-size 40 --batch-delay 250ms >"$T/setup.out" 2>"$T/setup.err" &
setup_pid=$!
wait_for "the copy to get going" 60 sql_is "$url" t "SELECT rows_copied >= 80 FROM agent_events_partition_setup"

run --database-url "$url" partition setup
assert_rc 6
assert_contains "$err" "another partition setup is running on this schema (server pid"

kill -INT "$setup_pid"
set +e
wait "$setup_pid"
setup_rc=$?
set -e
assert_eq 130 "$setup_rc" "exit status after SIGINT (stderr: $(cat "$T/setup.err"))"
assert_contains "$(cat "$T/setup.err")" "interrupted by SIGINT"

# Consistent: agent_events is the whole plain table; the copy is partial and kept in sync.
assert_eq r "$(sql "$url" "SELECT relkind FROM pg_class WHERE oid = 'agent_events'::regclass")" "relkind after SIGINT"
copied=$(sql "$url" "SELECT rows_copied FROM agent_events_partition_setup")
[ "$copied" -gt 0 ] && [ "$copied" -lt "$total" ] || fail "rows copied before the signal: $copied of $total"
assert_eq 4 "$(sql "$url" "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'agent_events'::regclass AND tgname LIKE 'agent_events_partition_sync_%'")" "sync triggers"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
  AND query LIKE '%agent_events_partitioned%' AND state <> 'idle'")" "statements of partition setup left running"
# Writes now reach both tables: an insert, an update of a row not copied yet, a delete.
sql "$url" "INSERT INTO agent_events (id, timestamp, event_type, agent_id, agent_version, session_id, project_id)
            VALUES ('00000000-0000-0000-0000-0000000000b1', now(), 'tool_use', 'codex', '1', gen_random_uuid(), $p)" >/dev/null
assert_eq 1 "$(sql "$url" "SELECT count(*) FROM agent_events_partitioned WHERE id = '00000000-0000-0000-0000-0000000000b1'")" "insert synced"
sql "$url" "UPDATE agent_events SET tags = ARRAY['updated'] WHERE id = (SELECT id FROM agent_events ORDER BY ctid DESC LIMIT 1 OFFSET 100)" >/dev/null
assert_eq 1 "$(sql "$url" "SELECT count(*) FROM agent_events_partitioned WHERE tags = ARRAY['updated']")" "update synced"
sql "$url" "DELETE FROM agent_events WHERE id = (SELECT id FROM agent_events_partitioned ORDER BY timestamp LIMIT 1)" >/dev/null

# The dry run of an unfinished setup says it resumes.
run --database-url "$url" partition setup --dry-run
assert_rc 0
assert_contains "$out" "resume"

wait "$writer_pid" || fail "the collector's inserts failed during partition setup"
digest=$(rows_digest "$url")
assert_eq "$((total + 40))" "$(sql "$url" "SELECT count(*) FROM agent_events")" "rows after the collector"

run --database-url "$url" partition setup
assert_rc 0
assert_contains "$out" "(continuing an interrupted run)"
assert_eq p "$(sql "$url" "SELECT relkind FROM pg_class WHERE oid = 'agent_events'::regclass")" "relkind after the re-run"
assert_eq "$digest" "$(rows_digest "$url")" "rows after the re-run"
assert_eq "||" "$(sql "$url" "SELECT to_regclass('agent_events_partitioned'), to_regclass('agent_events_partition_setup'),
  to_regprocedure('agent_events_partition_sync()')")" "helpers left"

# --abort: an interrupted setup removed, agent_events untouched.
url=$(new_db)
run --database-url "$url" migrate
assert_rc 0
seed_events "$url" 10 50
digest=$(rows_digest "$url")
"$DEVLOGCTL" --database-url "$url" partition setup --batch-size 20 --batch-delay 200ms >/dev/null 2>&1 &
setup_pid=$!
wait_for "the copy to get going" 60 sql_is "$url" t "SELECT rows_copied > 0 FROM agent_events_partition_setup"
kill -INT "$setup_pid"
wait "$setup_pid" || true
run --database-url "$url" partition setup --abort
assert_rc 0
assert_eq "removed the unfinished partition setup; agent_events is as it was" "$out" "--abort"
assert_eq "r||" "$(sql "$url" "SELECT relkind, to_regclass('agent_events_partitioned'), to_regclass('agent_events_partition_setup')
  FROM pg_class WHERE oid = 'agent_events'::regclass")" "after --abort"
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'agent_events'::regclass AND NOT tgisinternal")" "triggers after --abort"
assert_eq "$digest" "$(rows_digest "$url")" "rows after --abort"
run --database-url "$url" partition setup --abort
assert_rc 0
assert_contains "$out" "nothing to abort"
pass
