#!/usr/bin/env bash
# maintain where TimescaleDB is installed: its timescaledb step runs the due jobs as `timescale
# jobs run --due` does (one crontab line for both worlds): the due compression job compresses the
# old chunk, the job not due leaves its work undone, a second run finds nothing due; the plain
# rollups are left to the continuous aggregates.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/timescale_lib.sh"
need_tsdb

url=$(migrated_tsdb_db 2.28.3)
"$DEVLOGCTL" --database-url "$url" -q timescale setup >/dev/null || fail "setup failed"
quiesce "$url"
job() { sql "$url" "SELECT job_id FROM timescaledb_information.jobs j WHERE proc_name = '$1' ${2:-}"; }
compression=$(job policy_compression)
daily=$(job policy_refresh_continuous_aggregate "AND config->>'start_offset' = '3 days'")
insert_events "$url" 24 "9 days" "1 minute" # an old chunk to compress
insert_events "$url" 12 "2 days" "1 minute" # for the daily aggregate (its job is not due)
old_chunk=$(sql "$url" "SELECT chunk_name FROM timescaledb_information.chunks
                        WHERE range_end <= now() - interval '8 days' AND range_end > now() - interval '10 days'")
sql "$url" "SELECT alter_job($compression, next_start => now() - interval '1 minute')" >/dev/null
t0=$(sql "$url" "SELECT clock_timestamp()")

run --database-url "$url" --format csv maintain
assert_rc 0
assert_contains "$out" "timescaledb,done,ran 1 due job: "
assert_eq t "$(sql "$url" "SELECT is_compressed FROM timescaledb_information.chunks WHERE chunk_name = '$old_chunk'")" \
  "the old chunk, compressed by maintain"
assert_eq 0 "$(sql "$url" "SELECT coalesce(sum(event_count), 0) FROM agent_events_daily WHERE bucket > now() - interval '3 days'")" \
  "daily aggregate not refreshed (its job was not due)"
assert_contains "$out" "rollups,skipped,agent_events is a TimescaleDB hypertable"
assert_eq 1 "$(sql "$url" "SELECT count(*) FROM devlogctl.timescale_job_runs WHERE job_id = $compression AND started_at > '$t0'")" \
  "the run is recorded as devlogctl's (status sees it)"

run --database-url "$url" --format csv maintain
assert_rc 0
assert_contains "$out" "timescaledb,nothing to do,no TimescaleDB job was due"
[ -n "$daily" ] || fail "no daily refresh job"
pass
