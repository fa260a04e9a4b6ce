#pragma once
// TimescaleDB jobs (policies and custom jobs): list them with their runs, run one or every due
// one in this session (from cron), pause and resume them. A run by devlogctl is recorded in
// devlogctl.timescale_job_runs, because CALL run_job() leaves TimescaleDB's job statistics alone:
// without it, `status` could not tell that cron keeps a paused policy going.

#include "lib/timescale/capabilities.hpp"
#include "lib/timescale/setup.hpp"
#include "lib/timescale/state.hpp"

#include <optional>
#include <string>
#include <vector>

namespace devlog::db {
class Database;
}

namespace devlog::timescale {

// The first id of jobs that are not TimescaleDB's own housekeeping (telemetry, log retention).
inline constexpr int k_first_user_job = 1000;

struct JobRun
{
    time::Micros started = 0;
    std::optional<time::Micros> finished;
    bool succeeded = false;
    std::string sqlstate;      // of the error, when it failed
    std::string message;       // the error message, when it failed and it is known
    bool by_devlogctl = false; // run by `devlogctl timescale jobs run`, not by the scheduler
};

struct Job
{
    int id = 0;
    std::string name;   // application_name, e.g. "Columnstore Policy [1000]"
    std::string proc;   // schema.name of its procedure
    std::string target; // the hypertable or continuous aggregate it works on ("" for custom jobs)
    Interval schedule;
    bool scheduled = true; // false: paused
    std::optional<time::Micros> next_start;
    std::string job_status; // Scheduled, Running, Paused (TimescaleDB's)
    std::int64_t total_runs = 0;
    std::int64_t total_failures = 0;
    std::optional<JobRun> scheduler_run; // the scheduler's last run, with its error when it failed
    std::optional<JobRun> devlogctl_run; // the last run by devlogctl
    std::optional<time::Micros> last_success; // when the scheduler's last successful run finished

    // The most recent of the two runs (nullopt: never ran).
    std::optional<JobRun> last_run() const;
    bool running() const { return job_status == "Running"; }
};

// Every job with an id from k_first_user_job, by id. Needs TimescaleDB (UnavailableError).
std::vector<Job> list_jobs(db::Database& db);
std::vector<Job> read_jobs(db::Runner& runner, const Capabilities& caps);

struct RunOutcome
{
    int id = 0;
    std::string name;
    bool succeeded = false;
    std::chrono::milliseconds duration{0};
    std::string error; // when it failed
};

// Runs job ID now, in this session (CALL run_job), records the run and, when it succeeded, moves
// its next start one schedule interval ahead as the scheduler would. A job that fails is an
// outcome, not an exception; UsageError for an unknown id.
RunOutcome run_job(db::Database& db, int id, const RunOptions& options);

struct DueRun
{
    bool busy = false; // another devlogctl was running the due jobs: nothing done
    std::vector<RunOutcome> runs;
};

// Runs every job whose next start has passed (or that never started), one after the other, as
// run_job does; skips jobs running right now. For cron: two at once do the work once.
DueRun run_due(db::Database& db, const RunOptions& options);
// The same through RUNNER (its own lock_timeout and retries; OPTIONS gives the reporter): for
// `maintain`, which runs the due jobs as one of its steps on its connection.
DueRun run_due(db::Runner& runner, const RunOptions& options);

struct ScheduleChange
{
    int id = 0;
    std::string name;
    bool was_scheduled = false;
    bool scheduled = false;
};

// Pauses (SCHEDULED false) or resumes jobs IDS (empty: every job from k_first_user_job).
std::vector<ScheduleChange> set_scheduled(db::Database& db, const std::vector<int>& ids, bool scheduled,
                                          const RunOptions& options);

} // namespace devlog::timescale
