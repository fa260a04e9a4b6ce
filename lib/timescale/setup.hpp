#pragma once
// The entry points of `devlogctl timescale`: each detects what the server offers, reads the
// state, plans (plan.hpp) and applies the steps one by one, with bounded lock waits and retries,
// cancellable with Ctrl-C. Nothing is half-applied: a step runs in one transaction, or, when its
// statements cannot run in one (CALL of a procedure, refresh), each statement on its own and
// re-runnable; a failure stops at that step, keeps the earlier ones, and running again finishes.

#include "lib/core/reporter.hpp"
#include "lib/db/runner.hpp"
#include "lib/timescale/plan.hpp"

#include <chrono>
#include <exception>
#include <optional>
#include <vector>

namespace devlog::db {
class Database;
}

namespace devlog::timescale {

enum class DryRun
{
    no,
    yes
};

struct RunOptions
{
    DryRun dry_run = DryRun::no;
    // lock_timeout of each statement, and how often a statement that hit it is retried with backoff.
    std::chrono::milliseconds ddl_lock_timeout{std::chrono::seconds(5)};
    int ddl_retries = 4;
    Reporter* reporter = nullptr; // progress, server warnings, lock retries; nullptr: none
    // --record-metrics: each step done is recorded in performance_metrics (kind setup, the step's
    // name), also when the environment or the database setting asks (lib/stats/perf_metrics.hpp).
    bool record_metrics = false;
};

// RunOptions as db::Runner takes them: lock_timeout and retries; server warnings and lock retries
// told to the reporter.
db::RunnerOptions runner_options(const RunOptions& options);

struct StepResult
{
    Step step;
    std::chrono::milliseconds duration{0};
};

// What a command did, step by step. When a step failed, `steps` holds the ones done and then the
// failed one (index `failed`), `not_run` the ones after it, and `error` why: the caller reports
// the steps, then rethrows it (its type carries the exit code).
struct Result
{
    Capabilities caps;
    std::vector<StepResult> steps;
    std::optional<std::size_t> failed;
    std::vector<Step> not_run;
    std::exception_ptr error;
    bool dry_run = false;
};

// `timescale setup` and the finer commands that are parts of it (hypertable, compression
// enable|disable, retention set|remove, reorder set|remove, aggregates create|drop). Throws
// UnavailableError when TimescaleDB cannot be used (nothing changed), UsageError and Error from
// plan(), LockTimeout when another devlogctl holds the setup lock.
Result setup(db::Database& db, const Settings& settings, unsigned parts, const RunOptions& options);

// Compresses chunks older than OLDER_THAN (default: the policy's compress-after, else 7 days).
Result compress(db::Database& db, std::optional<microseconds> older_than, const RunOptions& options);
// Decompresses chunks newer than NEWER_THAN (nullopt: every compressed chunk).
Result decompress(db::Database& db, std::optional<microseconds> newer_than, const RunOptions& options);
// Refreshes both aggregates over [FROM, TO) (defaults: the first raw row; now minus each refresh
// policy's end offset, one bucket when it has none).
Result refresh(db::Database& db, std::optional<time::Micros> from, std::optional<time::Micros> to,
               const RunOptions& options);

} // namespace devlog::timescale
