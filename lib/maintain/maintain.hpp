#pragma once
// devlogctl maintain: the one command an operator's cron runs. Each step is reported; a failing
// step does not stop the others; two maintains never run at once (a session advisory lock per
// schema: the second one says who holds it and does nothing).
//
// Steps, in order (--skip names them):
//   timescaledb  TimescaleDB installed: run its due jobs (lib/timescale/jobs.hpp run_due, as `timescale jobs run --due`)
//   partitions   create partitions N periods ahead (agent_events when natively partitioned,
//                performance_metrics, connection_pool_stats), so inserts never miss one
//   strays       rows the default partitions caught: moved into partitions made for them up to
//                the horizon (retention then drops the expired ones whole); the rest is reported
//   retention    drop whole partitions older than --retain (agent_events) / --retain-metrics
//   rollups      refresh the plain rollups agent_events_hourly / _daily / _totals_5m (no TimescaleDB)
//   connections  a snapshot of pg_stat_activity into connection_pool_stats
//   summaries    refresh query_performance_summary, and devlog_activity_summary when it is older
//                than summaries_every
// Lock waits are bounded by the runner's lock_timeout (its retries included).

#include "lib/core/reporter.hpp"
#include "lib/db/runner.hpp"
#include "lib/partition/lock.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::stats {
class MetricsRecorder;
}

namespace devlog::maintain {

// The step names, in the order they run.
const std::vector<std::string_view>& step_names();

enum class Status
{
    done,    // it changed something
    nothing, // nothing to do
    skipped, // not applicable here, or --skip
    warning, // done, with something an operator should look at
    failed
};
std::string_view to_string(Status status);

struct StepReport
{
    std::string step;
    Status status = Status::nothing;
    std::string detail; // one line, for people
    double ms = 0;
};

struct Options
{
    int ahead = 7;                                        // agent_events periods after the current one
    std::optional<std::chrono::microseconds> retain;      // agent_events; nullopt keeps everything
    std::chrono::microseconds retain_metrics = std::chrono::hours(24 * 90);
    std::set<std::string> skip;                           // step names
    bool dry_run = false;                                 // say what would change; change nothing
    int rollup_batch_days = 7;
    // devlog_activity_summary (30 days of events) is refreshed only when older than this.
    std::chrono::microseconds summaries_every = std::chrono::hours(1);
    std::chrono::milliseconds lock_timeout{5000}; // per statement waiting for a table lock
    int lock_retries = 3;                         // then rolled back and retried, with backoff
    bool record_metrics = false;                  // --record-metrics (see lib/stats/perf_metrics.hpp)
};

struct Report
{
    bool ran = false;                         // false: another maintain holds the lock
    std::optional<partition::Holder> holder;  // who, when !ran
    std::vector<StepReport> steps;
    bool failed() const;
};

// Runs every step not in OPTIONS.skip on the schema of agent_events. METRICS (may be null)
// records each step's duration. Throws Error when agent_events does not exist, Interrupted on
// Ctrl-C (steps done so far stay done); step failures are in the report.
Report run(db::Runner& runner, Reporter& reporter, const Options& options, stats::MetricsRecorder* metrics);
// The same on its own Runner on DB (OPTIONS' lock_timeout and retries), recording metrics when
// OPTIONS.record_metrics or the environment or database setting asks.
Report run(db::Database& db, Reporter& reporter, const Options& options);

} // namespace devlog::maintain
