#!/usr/bin/env bash
# maintain on plain PostgreSQL: creates partitions ahead (agent_events after partition setup, and
# the seed-004 tables), moves rows the default partition caught into partitions made for them,
# drops whole partitions older than --retain (their rows gone, the others untouched), reports
# every step; two maintains at once do the work once (the second says who runs); --dry-run
# changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/events_lib.sh"
url=$(new_db)
run --database-url "$url" migrate
assert_rc 0

# Before partition setup: agent_events is not partitioned, which maintain says, and it still
# looks after the seed-004 tables.
seed_events "$url" 60 10
run --database-url "$url" maintain --format csv
assert_rc 0
assert_contains "$out" "agent_events is not partitioned (devlogctl partition setup converts it)"
assert_contains "$out" "performance_metrics: created performance_metrics_p$(date -u +%Y%m)"
assert_contains "$out" "summaries,done,"

run --database-url "$url" partition setup --ahead 2
assert_rc 0
day() { date -u -d "$1" +%Y%m%d; }
exists() { [ "$(sql "$url" "SELECT to_regclass('$1') IS NOT NULL")" = t ]; }
exists "agent_events_p$(day '+2 days')" || fail "setup made no partition 2 days ahead"
exists "agent_events_p$(day '+5 days')" && fail "setup made a partition 5 days ahead"

# --dry-run: says what it would create and drop, changes nothing.
tables="SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname LIKE 'agent_events_p%' OR relname LIKE 'performance_metrics_p%'"
before=$(sql "$url" "$tables")
run --database-url "$url" maintain --ahead 10 --retain 30d --dry-run --format csv
assert_rc 0
assert_contains "$out" "partitions,done,agent_events: would create "
assert_contains "$out" "retention,done,agent_events: would drop "
assert_eq "$before" "$(sql "$url" "$tables")" "partitions after --dry-run"

# Partitions ahead.
run --database-url "$url" maintain --ahead 10
assert_rc 0
for n in 3 10; do exists "agent_events_p$(day "+$n days")" || fail "no partition $n days ahead"; done
exists "agent_events_p$(day '+11 days')" && fail "a partition 11 days ahead"
run --database-url "$url" maintain --ahead 10 --format csv
assert_rc 0
assert_contains "$out" "partitions,nothing to do,agent_events: up to date (10 ahead)"

# Strays: a row for a day whose partition is gone lands in the default partition; maintain makes
# the partition and moves it there. One far in the future stays, reported.
gap="agent_events_p$(day '-20 days')"
gap_rows=$(sql "$url" "SELECT count(*) FROM $gap")
[ "$gap_rows" -gt 0 ] || fail "no rows in $gap to drop"
total=$(sql "$url" "SELECT count(*) FROM agent_events")
sql "$url" "ALTER TABLE agent_events DETACH PARTITION $gap; DROP TABLE $gap" >/dev/null
p=$(sql "$url" "SELECT min(id) FROM projects")
sql "$url" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id) VALUES
            (now() - interval '20 days', 'tool_use', 'codex', '1', gen_random_uuid(), $p),
            (now() + interval '400 days', 'tool_use', 'codex', '1', gen_random_uuid(), $p)" >/dev/null
assert_eq 2 "$(sql "$url" "SELECT count(*) FROM agent_events_default")" "rows in the default partition"
run --database-url "$url" maintain --ahead 10 --format csv
assert_rc 0
assert_contains "$out" "strays,warning,agent_events_default: moved 1 rows into $gap; agent_events_default keeps 1 rows from"
assert_eq "1|$gap" "$(sql "$url" "SELECT count(*), min(tableoid::regclass::text) FROM agent_events
  WHERE timestamp::date = (now() - interval '20 days')::date AND agent_id = 'codex' AND agent_version = '1' AND data = '{}'
  AND timestamp > now() - interval '21 days' AND tableoid::regclass::text = '$gap'")" "the stray in its partition"
assert_eq "$((total - gap_rows + 2))" "$(sql "$url" "SELECT count(*) FROM agent_events")" \
  "rows after dropping $gap ($gap_rows rows) and adding 2 strays: none lost or copied twice by the move"

# Retention drops whole partitions: every row older than the cutoff's day is gone, the rest stays.
cutoff="date_trunc('day', now() - interval '30 days', 'UTC')"
kept=$(sql "$url" "SELECT count(*) FROM agent_events WHERE timestamp >= $cutoff")
old=$(sql "$url" "SELECT count(*) FROM agent_events WHERE timestamp < $cutoff")
[ "$old" -gt 0 ] || fail "no rows older than 30 days to expire"
kept_digest=$(sql "$url" "SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM agent_events WHERE timestamp >= $cutoff")
run --database-url "$url" maintain --ahead 10 --retain 30d --format csv
assert_rc 0
assert_contains "$out" "retention,done,agent_events: dropped "
assert_eq 0 "$(sql "$url" "SELECT count(*) FROM agent_events WHERE timestamp < $cutoff")" "expired rows"
assert_eq "$kept" "$(sql "$url" "SELECT count(*) FROM agent_events WHERE timestamp >= $cutoff")" "rows kept"
assert_eq "$kept_digest" "$(sql "$url" "SELECT md5(string_agg(id::text, ',' ORDER BY id)) FROM agent_events WHERE timestamp >= $cutoff")" "kept rows"
exists "agent_events_p$(day '-31 days')" && fail "the partition of 31 days ago survived"
exists "agent_events_p$(day '-29 days')" || fail "the partition of 29 days ago was dropped"
run --database-url "$url" maintain --ahead 10 --retain 30d --format csv
assert_contains "$out" "retention,nothing to do,agent_events: nothing older than 30 days"
# A late event older than the retention: moved out of the default partition into its own, which
# retention then drops whole (no DELETE). The far-future stray stays.
sql "$url" "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id)
            VALUES (now() - interval '100 days', 'tool_use', 'late', '1', gen_random_uuid(), $p)" >/dev/null
run --database-url "$url" maintain --ahead 10 --retain 30d --format csv
assert_rc 0
assert_contains "$out" "strays,warning,agent_events_default: moved 1 rows into agent_events_p$(day '-100 days');"
assert_contains "$out" "retention,done,agent_events: dropped agent_events_p$(day '-100 days') (older than 30 days)"
assert_eq "0|1" "$(sql "$url" "SELECT (SELECT count(*) FROM agent_events WHERE agent_id = 'late'), (SELECT count(*) FROM agent_events_default)")" "expired stray, far-future stray"

# Two at once: the first holds the lock (it waits here on a table lock held by psql), the second
# says who runs and does nothing; once the lock is free, the first finishes.
coproc HOLDER { psql -X -q -A -t -d "$url" -v ON_ERROR_STOP=1 2>&1; }
printf '%s\n' "BEGIN; LOCK TABLE connection_pool_stats IN ACCESS EXCLUSIVE MODE;" '\echo locked' >&"${HOLDER[1]}"
read -r line <&"${HOLDER[0]}"
assert_eq locked "$line" "holder"
"$DEVLOGCTL" --database-url "$url" maintain --ahead 12 --lock-timeout 1 --lock-retries 20 >"$T/first.out" 2>"$T/first.err" &
first=$!
wait_for "the first maintain to take its lock" 30 advisory_locks_are "$url" 'devlogctl%' 1
run --database-url "$url" maintain --ahead 12
assert_rc 0
assert_contains "$err" "another devlogctl maintain is running on this schema (server pid"
assert_contains "$err" "nothing was done"
assert_eq "" "$out" "output of the second maintain"
printf '%s\n' "COMMIT;" '\q' >&"${HOLDER[1]}"
wait "$first" || fail "the first maintain failed: $(cat "$T/first.err")"
assert_contains "$(cat "$T/first.out")" "agent_events: created agent_events_p$(day '+11 days'), agent_events_p$(day '+12 days')"
# And started together, both end well and the partitions exist once.
"$DEVLOGCTL" --database-url "$url" maintain --ahead 14 >"$T/a.out" 2>"$T/a.err" &
a=$!
"$DEVLOGCTL" --database-url "$url" maintain --ahead 14 >"$T/b.out" 2>"$T/b.err" &
b=$!
wait "$a" || fail "maintain a failed: $(cat "$T/a.err")"
wait "$b" || fail "maintain b failed: $(cat "$T/b.err")"
assert_eq 1 "$(cat "$T/a.out" "$T/b.out" | grep -c "agent_events_p$(day '+14 days')")" "runs that created the partition 14 days ahead"
pass
