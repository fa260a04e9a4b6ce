#!/usr/bin/env bash
# devlogctl status on 2.17.2 and 2.28.3: exit 7 with the right one-line reason for a pending
# migration, a failing job (the scheduler's run, then devlogctl's), the PostgreSQL 15.20 x
# TimescaleDB 2.28.3 portal failure (its own explanation and ways out), an overdue paused job, a
# stale aggregate, late events, a compression backlog; exit 0 and "healthy" again after each fix.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/timescale_lib.sh"
need_tsdb

healthy() { # WHAT: status must say healthy
  run --database-url "$url" status
  [ "$rc" -eq 0 ] || fail "status not healthy $1 ($version): rc $rc
$out"
  assert_contains "$out" "
healthy" "status $1"
}
unhealthy() { # WHAT TEXT: status must exit 7 with a problem line containing TEXT
  run --database-url "$url" status
  [ "$rc" -eq 7 ] || fail "status: expected 7 $1 ($version), got $rc:
$out"
  assert_contains "$out" "unhealthy: "
  printf '%s\n' "$out" | grep -q "^problem: .*$2" || fail "no problem line with [$2] $1 ($version):
$out"
}
# status_says TEXT: polled by wait_for: the status output contains TEXT.
status_says() {
  local text
  text=$("$DEVLOGCTL" --database-url "$url" status 2>/dev/null) || true # exit 7 when unhealthy
  case "$text" in *"$1"*) return 0 ;; *) return 1 ;; esac
}

for version in 2.17.2 2.28.3; do
  url=$(new_tsdb_db "$version")
  unhealthy "before migrations" "2 pending migrations: 0001_devlog_schema.sql, 0002_performance_monitoring.sql"
  assert_contains "$out" "  what to do: apply them: devlogctl migrate up"
  "$DEVLOGCTL" --database-url "$url" -q migrate up >/dev/null
  healthy "after migrate up"
  sql "$url" "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) VALUES ('p', 'o/p', 'u', 'o', 'p'), ('q', 'o/q', 'v', 'o', 'q')" >/dev/null
  "$DEVLOGCTL" --database-url "$url" -q timescale setup >/dev/null
  quiesce "$url"
  healthy "after setup"
  run --database-url "$url" --format json status
  assert_rc 0
  assert_contains "$out" '"check": "job",'
  assert_contains "$out" '"health": "info",'

  # A job that fails: recorded by the scheduler, then fixed and run by devlogctl.
  sql "$url" "CREATE PROCEDURE boom(job_id int, config jsonb) LANGUAGE plpgsql AS \$\$ BEGIN RAISE EXCEPTION 'boom %', job_id; END \$\$" >/dev/null
  boom=$(sql "$url" "SELECT add_job('boom', interval '1 second')")
  wait_for "status to see job $boom fail ($version)" 60 status_says "boom $boom (SQLSTATE P0001)"
  # Polled, not checked once: the job runs again every second, and while a retry runs the
  # scheduler's stats may not show the last failure yet.
  failing_reported() {
    run --database-url "$url" status
    [ "$rc" -eq 7 ] && printf '%s\n' "$out" | grep -q "^problem: .*job $boom (.*) failed at .*: boom $boom (SQLSTATE P0001)"
  }
  wait_for "status to exit 7 with job $boom's failure as a problem ($version)" 60 failing_reported
  assert_contains "$out" "unhealthy: "
  # From then on it stays a problem, also while the scheduler's retries run (job_stats shows no
  # last status during a run: status reads the last failure from job_errors then). The message
  # itself may lag: job_errors records a run's error a moment after job_stats records the run.
  for _ in $(seq 20); do
    run --database-url "$url" status
    assert_rc 7
    printf '%s\n' "$out" | grep -q "^problem: .*job $boom (.*) failed at " ||
      fail "status while job $boom keeps failing and retrying ($version) does not name the failure: $out"
    sleep 0.2
  done
  assert_contains "$out" "what to do: fix the cause, then run it: devlogctl timescale jobs run $boom"
  "$DEVLOGCTL" --database-url "$url" -q timescale jobs pause "$boom" >/dev/null
  wait_for "job $boom to stop" 30 sql_is "$url" 0 "SELECT count(*) FROM timescaledb_information.job_stats WHERE job_id = $boom AND job_status = 'Running'"
  sql "$url" "CREATE OR REPLACE PROCEDURE boom(job_id int, config jsonb) LANGUAGE plpgsql AS \$\$ BEGIN END \$\$" >/dev/null
  run --database-url "$url" timescale jobs run "$boom"
  assert_rc 0
  healthy "after the failing job was fixed"

  # The portal failure of PostgreSQL 15.20 with TimescaleDB 2.28.3, as the scheduler records it.
  sql "$url" "CREATE PROCEDURE portal(job_id int, config jsonb) LANGUAGE plpgsql AS \$\$ BEGIN
                RAISE EXCEPTION 'cannot drop portal \"\" while it is being set up' USING ERRCODE = 'invalid_cursor_state'; END \$\$" >/dev/null
  portal=$(sql "$url" "SELECT add_job('portal', interval '1 second')")
  wait_for "status to see job $portal fail ($version)" 60 status_says "the known clash of TimescaleDB"
  unhealthy "with the portal failure" "job $portal (.*): scheduled runs end Failed with 'cannot drop portal \"\" while it is being set up' (SQLSTATE 24000), the known clash of TimescaleDB $version with PostgreSQL 15"
  assert_contains "$out" "ways out: a TimescaleDB release that fixes it, or run the policies from cron, where they are not affected: devlogctl timescale jobs pause, then a crontab line such as '*/5 * * * * devlogctl timescale jobs run --due'"
  sql "$url" "SELECT delete_job($portal)" >/dev/null
  healthy "after the portal job went"

  # A paused policy that nothing runs.
  compression=$(sql "$url" "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_compression'")
  sql "$url" "SELECT alter_job($compression, next_start => now() - interval '2 days')" >/dev/null
  unhealthy "with an overdue job" "job $compression (.*) is overdue: it was due at .*, 2 days ago, and it is paused"
  "$DEVLOGCTL" --database-url "$url" -q timescale jobs run --due >/dev/null
  healthy "after jobs run --due"

  # Rows the aggregates' refresh policies never reach.
  insert_events "$url" 24 "3 days" "1 minute"
  unhealthy "with unmaterialized rows" "agent_events_hourly is stale: rows from .* on (.* ago) are not materialized, it is empty"
  assert_contains "$out" "(those rows are older than its refresh policy's window, which never reaches them)"
  "$DEVLOGCTL" --database-url "$url" -q timescale aggregates refresh >/dev/null
  healthy "after aggregates refresh"

  # Old rows arriving late: a compression backlog, and aggregates wrong where they arrived. They
  # start an hour into a UTC day, so that their 24 minutes are one daily chunk whatever the time.
  insert_events "$url" 24 "12 days" "1 minute" "date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 hour'"
  unhealthy "with a compression backlog" "compression backlog on agent_events: 1 chunk older than compress-after (7 days) plus the policy's interval are not compressed, the oldest from "
  printf '%s\n' "$out" | grep -q "^problem: agent_events_hourly is stale: rows from .* on changed after they were materialized (late events)" ||
    fail "no late-events problem ($version):
$out"
  "$DEVLOGCTL" --database-url "$url" -q timescale compression compress >/dev/null
  unhealthy "with late events only" "agent_events_daily is stale"
  assert_not_contains "$out" "compression backlog"
  "$DEVLOGCTL" --database-url "$url" -q timescale aggregates refresh >/dev/null
  healthy "after compress and refresh"
done
pass
