#!/usr/bin/env bash
# timescale jobs on 2.17.2 and 2.28.3, in cron mode (every job paused, run by devlogctl): `jobs run
# --due` runs exactly the jobs whose next start has passed and their work is done (a chunk
# compressed, the hourly aggregate refreshed), while the jobs not due leave theirs undone (an
# expired chunk stays, the daily aggregate is not refreshed); their next start moves on, so a
# second run finds nothing due; a second devlogctl running the due jobs at the same time does
# nothing. Also jobs list, pause and resume.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/timescale_lib.sh"
need_tsdb

for version in 2.17.2 2.28.3; do
  url=$(migrated_tsdb_db "$version")
  "$DEVLOGCTL" --database-url "$url" -q timescale setup >/dev/null || fail "setup failed ($version)"
  quiesce "$url"
  job() { sql "$url" "SELECT job_id FROM timescaledb_information.jobs j WHERE proc_name = '$1' ${2:-}"; }
  compression=$(job policy_compression)
  retention=$(job policy_retention)
  hourly=$(job policy_refresh_continuous_aggregate "AND config->>'start_offset' = '1 day' AND config->>'end_offset' = '00:05:00'")
  daily=$(job policy_refresh_continuous_aggregate "AND config->>'start_offset' = '3 days'")

  # Work for each job.
  insert_events "$url" 24 "9 days" "1 minute"       # an old chunk to compress
  insert_events "$url" 12 "3 hours" "1 minute"      # for the hourly aggregate
  insert_events "$url" 12 "2 days" "1 minute"       # for the daily aggregate
  insert_events "$url" 1 "400 days" "1 minute"      # past retention
  old_chunk=$(sql "$url" "SELECT chunk_name FROM timescaledb_information.chunks
                          WHERE range_end <= now() - interval '8 days' AND range_end > now() - interval '10 days'")
  sql "$url" "SELECT alter_job(id, next_start => now() - interval '1 minute') FROM unnest(ARRAY[$compression, $hourly]) id" >/dev/null

  run --database-url "$url" --format csv timescale jobs run --due
  assert_rc 0
  assert_eq "$compression,$hourly" "$(plain | tail -n +2 | cut -d, -f1 | sort -n | paste -sd,)" "jobs run ($version)"
  assert_eq 2 "$(printf '%s\n' "$out" | grep -c ',succeeded,')" "succeeded ($version)"
  assert_eq t "$(sql "$url" "SELECT is_compressed FROM timescaledb_information.chunks WHERE chunk_name = '$old_chunk'")" "the old chunk, compressed ($version)"
  assert_eq 12 "$(sql "$url" "SELECT coalesce(sum(event_count), 0) FROM agent_events_hourly WHERE bucket > now() - interval '5 hours'")" "hourly aggregate refreshed ($version)"
  assert_eq 0 "$(sql "$url" "SELECT coalesce(sum(event_count), 0) FROM agent_events_daily WHERE bucket > now() - interval '3 days'")" "daily aggregate not refreshed ($version)"
  assert_eq 1 "$(sql "$url" "SELECT count(*) FROM agent_events WHERE timestamp < now() - interval '365 days'")" "expired row kept ($version)"
  assert_eq t "$(sql "$url" "SELECT bool_and(next_start > now()) FROM timescaledb_information.jobs WHERE job_id IN ($compression, $hourly)")" "next starts moved on ($version)"

  run --database-url "$url" --format csv timescale jobs run --due
  assert_rc 0
  assert_eq "id,name,result,duration_ms,error" "$(plain)" "second run ($version)"
  assert_contains "$err" "no job is due"

  # The retention job when due: the expired chunk goes.
  sql "$url" "SELECT alter_job($retention, next_start => now() - interval '1 minute')" >/dev/null
  run --database-url "$url" --format csv timescale jobs run --due
  assert_rc 0
  assert_eq "$retention" "$(plain | tail -n +2 | cut -d, -f1)" "the retention job ($version)"
  assert_eq 0 "$(sql "$url" "SELECT count(*) FROM agent_events WHERE timestamp < now() - interval '365 days'")" "expired row dropped ($version)"

  # Another devlogctl holds the due-jobs lock: nothing done, not a failure.
  sql "$url" "SELECT alter_job($daily, next_start => now() - interval '1 minute')" >/dev/null
  PGAPPNAME=devlog-test-holder psql -X -q -d "$url" -c "SELECT pg_advisory_lock($((0x6465766c6f676a62))), pg_sleep(60)" >/dev/null 2>&1 &
  holder=$!
  wait_for "the lock holder" 30 advisory_locks_are "$url" devlog-test-holder 1
  run --database-url "$url" timescale jobs run --due
  kill "$holder"
  wait "$holder" 2>/dev/null || true
  assert_rc 0
  assert_contains "$err" "another devlogctl is running the due jobs: nothing to do"
  assert_eq 0 "$(sql "$url" "SELECT coalesce(sum(event_count), 0) FROM agent_events_daily WHERE bucket > now() - interval '3 days'")" "daily aggregate still not refreshed ($version)"

  run --database-url "$url" --format csv timescale jobs list
  assert_rc 0
  assert_contains "$out" "$daily,Refresh Continuous Aggregate Policy [$daily],public.agent_events_daily,1 hour,paused,"
  assert_contains "$out" "$compression,"
  assert_contains "$out" ",succeeded (devlogctl),"
  run --database-url "$url" --format csv timescale jobs resume "$daily"
  assert_rc 0
  assert_eq "id,name,before,after
$daily,Refresh Continuous Aggregate Policy [$daily],paused,scheduled" "$(plain)" "resume ($version)"
  assert_eq t "$(sql "$url" "SELECT scheduled FROM timescaledb_information.jobs WHERE job_id = $daily")"
  run --database-url "$url" timescale jobs run 99999
  assert_rc 2
  assert_contains "$err" "there is no job 99999"
  run --database-url "$url" timescale jobs run
  assert_rc 2
done
pass
