#include "lib/timescale/jobs.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/db/database.hpp"
#include "lib/db/pq.hpp"
#include "lib/timescale/values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace devlog::timescale {
namespace {

using Clock = std::chrono::steady_clock;

// Who runs due jobs right now ("devlogjb"): cron may start a second run before the first ended.
constexpr std::int64_t k_due_lock_key = 0x6465766c6f676a62;

const db::Location k_where{"reading TimescaleDB jobs"};

Capabilities usable(db::Runner& runner)
{
    const Capabilities caps = detect(runner);
    if (const auto why = unavailable(caps, Need::installed)) {
        throw UnavailableError(why->message, why->hint);
    }
    return caps;
}

void record_run(db::Runner& runner, int id, const std::string& started, const std::optional<SqlError>& error,
                Reporter* reporter)
{
    try {
        runner.exec(embedded_sql("timescale/job_runs.sql"), {"recording the job run"});
        runner.exec("INSERT INTO devlogctl.timescale_job_runs (job_id, started_at, finished_at, succeeded, sqlstate, "
                    "message) VALUES ($1, $2::timestamptz, pg_catalog.clock_timestamp(), $3, $4, $5) "
                    "ON CONFLICT (job_id) DO UPDATE SET started_at = EXCLUDED.started_at, finished_at = "
                    "EXCLUDED.finished_at, succeeded = EXCLUDED.succeeded, sqlstate = EXCLUDED.sqlstate, message = "
                    "EXCLUDED.message",
                    {"recording the job run"},
                    {std::to_string(id), started, error ? "false" : "true",
                     error ? db::Param(error->sqlstate()) : std::nullopt,
                     error ? db::Param(error->what()) : std::nullopt});
    } catch (const Interrupted&) {
        throw;
    } catch (const SqlError& e) {
        if (reporter != nullptr) {
            reporter->warn(fmt::format("could not record the run of job {} in devlogctl.timescale_job_runs ({}): "
                                       "'devlogctl status' will not see it",
                                       id, e.what()));
        }
    }
}

RunOutcome run_one(db::Runner& runner, const Capabilities& caps, const Job& job, const RunOptions& options)
{
    const Api api(caps);
    RunOutcome outcome{job.id, job.name, false, {}, {}};
    const std::string started = runner.exec("SELECT pg_catalog.clock_timestamp()::text").get(0, 0).value_or("now");
    const auto t0 = Clock::now();
    std::optional<SqlError> error;
    if (options.reporter != nullptr) {
        options.reporter->info(fmt::format("running job {} ({})", job.id, job.name));
    }
    try {
        runner.exec(fmt::format("CALL {}($1)", api.function("run_job")), {fmt::format("job {}", job.id)},
                    {std::to_string(job.id)});
    } catch (const SqlError& e) {
        error = e;
    } catch (const LockTimeout& e) {
        error = SqlError(e.what(), "55P03");
    }
    outcome.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    record_run(runner, job.id, started, error, options.reporter);
    if (error) {
        outcome.error = error->what();
        return outcome;
    }
    outcome.succeeded = true;
    // As the scheduler does after a success: the next start one interval on (on the fixed grid for
    // fixed-schedule jobs).
    runner.exec(
        fmt::format("SELECT {}(j.job_id, next_start => CASE WHEN j.fixed_schedule AND j.initial_start IS NOT NULL "
                    "AND j.schedule_interval > INTERVAL '0' THEN j.initial_start + j.schedule_interval * "
                    "pg_catalog.ceil(EXTRACT(epoch FROM pg_catalog.clock_timestamp() - j.initial_start) / "
                    "EXTRACT(epoch FROM j.schedule_interval))::double precision ELSE pg_catalog.clock_timestamp() "
                    "+ j.schedule_interval END) FROM timescaledb_information.jobs j WHERE j.job_id = $1",
                    api.function("alter_job")),
        {fmt::format("job {}: setting its next start", job.id)}, {std::to_string(job.id)});
    return outcome;
}

const Job& find(const std::vector<Job>& jobs, int id)
{
    const auto it = std::find_if(jobs.begin(), jobs.end(), [&](const Job& j) { return j.id == id; });
    if (it == jobs.end()) {
        throw UsageError(fmt::format("there is no job {}", id), "devlogctl timescale jobs list shows the jobs");
    }
    return *it;
}

} // namespace

std::optional<JobRun> Job::last_run() const
{
    if (scheduler_run && devlogctl_run) {
        return devlogctl_run->started >= scheduler_run->started ? devlogctl_run : scheduler_run;
    }
    return scheduler_run ? scheduler_run : devlogctl_run;
}

std::vector<Job> read_jobs(db::Runner& runner, const Capabilities& caps)
{
    const std::vector<db::Param> first = {std::to_string(k_first_user_job)};
    const auto r = runner.exec(embedded_sql("timescale/jobs.sql"), k_where, first);
    std::vector<Job> jobs;
    for (std::size_t i = 0; i < r.rows(); ++i) {
        Job j;
        j.id = static_cast<int>(int_at(r, i, 0).value_or(0));
        j.name = r.get(i, 1).value_or("");
        j.proc = r.get(i, 2).value_or("");
        j.target = r.get(i, 3).value_or("");
        j.schedule = {r.get(i, 4).value_or(""), microseconds(int_at(r, i, 5).value_or(0))};
        j.scheduled = r.get(i, 6) != "f";
        j.next_start = int_at(r, i, 7);
        j.job_status = r.get(i, 8).value_or("");
        j.total_runs = int_at(r, i, 9).value_or(0);
        j.total_failures = int_at(r, i, 10).value_or(0);
        const std::string status = r.get(i, 11).value_or("");
        if (const auto started = int_at(r, i, 12); started && !status.empty()) {
            j.scheduler_run = JobRun{*started, int_at(r, i, 13), status == "Success", {}, {}, false};
        }
        j.last_success = int_at(r, i, 14);
        jobs.push_back(std::move(j));
    }
    std::map<int, Job*> by_id;
    for (auto& j : jobs) {
        by_id[j.id] = &j;
    }
    if (caps.job_errors_view) {
        const auto e = runner.exec(
            "SELECT DISTINCT ON (job_id) job_id, (EXTRACT(epoch FROM start_time) * 1000000)::bigint, "
            "coalesce(sqlerrcode, ''), coalesce(err_message, ''), "
            "CASE WHEN pg_catalog.isfinite(finish_time) THEN (EXTRACT(epoch FROM finish_time) * 1000000)::bigint END "
            "FROM timescaledb_information.job_errors "
            "WHERE job_id >= $1 AND pg_catalog.isfinite(start_time) ORDER BY job_id, start_time DESC",
            k_where, first);
        for (std::size_t i = 0; i < e.rows(); ++i) {
            const auto it = by_id.find(static_cast<int>(int_at(e, i, 0).value_or(0)));
            if (it == by_id.end()) {
                continue;
            }
            Job& job = *it->second;
            const time::Micros error_started = int_at(e, i, 1).value_or(0);
            if (!job.scheduler_run && job.total_failures > 0 &&
                (!job.last_success || *job.last_success < error_started)) {
                // No last status: a run is in progress (job_stats shows none then). The last run that
                // finished is this failure, not "never ran" (a monitor must not see it as healthy
                // while a retry runs).
                job.scheduler_run = JobRun{error_started, int_at(e, i, 4), false, e.get(i, 2).value_or(""),
                                           e.get(i, 3).value_or(""), false};
                continue;
            }
            if (!job.scheduler_run || job.scheduler_run->succeeded) {
                continue;
            }
            // The error of the last run: job_errors stamps it a few microseconds after job_stats.
            auto& run = *it->second->scheduler_run;
            if (error_started >= run.started - 1'000'000) {
                run.sqlstate = e.get(i, 2).value_or("");
                run.message = e.get(i, 3).value_or("");
            }
        }
    }
    if (runner.exec("SELECT pg_catalog.to_regclass('devlogctl.timescale_job_runs') IS NOT NULL").get(0, 0) == "t") {
        const auto d =
            runner.exec("SELECT job_id, (EXTRACT(epoch FROM started_at) * 1000000)::bigint, "
                        "(EXTRACT(epoch FROM finished_at) * 1000000)::bigint, succeeded, coalesce(sqlstate, ''), "
                        "coalesce(message, '') FROM devlogctl.timescale_job_runs",
                        k_where);
        for (std::size_t i = 0; i < d.rows(); ++i) {
            const auto it = by_id.find(static_cast<int>(int_at(d, i, 0).value_or(0)));
            if (it != by_id.end()) {
                it->second->devlogctl_run =
                    JobRun{int_at(d, i, 1).value_or(0), int_at(d, i, 2),          d.get(i, 3) == "t",
                           d.get(i, 4).value_or(""),    d.get(i, 5).value_or(""), true};
            }
        }
    }
    return jobs;
}

std::vector<Job> list_jobs(db::Database& db)
{
    db::Runner runner(db);
    const auto caps = usable(runner);
    return read_jobs(runner, caps);
}

RunOutcome run_job(db::Database& db, int id, const RunOptions& options)
{
    db::Runner runner(db, runner_options(options));
    const auto caps = usable(runner);
    const auto jobs = read_jobs(runner, caps);
    return run_one(runner, caps, find(jobs, id), options);
}

DueRun run_due(db::Database& db, const RunOptions& options)
{
    db::Runner runner(db, runner_options(options));
    return run_due(runner, options);
}

DueRun run_due(db::Runner& runner, const RunOptions& options)
{
    const auto caps = usable(runner);
    DueRun due;
    if (runner.exec("SELECT pg_catalog.pg_try_advisory_lock($1)", {}, {std::to_string(k_due_lock_key)}).get(0, 0) !=
        "t") {
        due.busy = true;
        return due;
    }
    struct Unlock
    {
        db::Runner& runner;
        ~Unlock()
        {
            try {
                runner.exec("SELECT pg_catalog.pg_advisory_unlock($1)", {}, {std::to_string(k_due_lock_key)});
            } catch (...) { // NOLINT(bugprone-empty-catch): the server drops it with the session
            }
        }
    } unlock{runner};
    const auto now = std::stoll(
        runner.exec("SELECT (EXTRACT(epoch FROM pg_catalog.now()) * 1000000)::bigint").get(0, 0).value_or("0"));
    for (const auto& job : read_jobs(runner, caps)) {
        if (!job.running() && (!job.next_start || *job.next_start <= now)) {
            due.runs.push_back(run_one(runner, caps, job, options));
        }
    }
    return due;
}

std::vector<ScheduleChange> set_scheduled(db::Database& db, const std::vector<int>& ids, bool scheduled,
                                          const RunOptions& options)
{
    db::Runner runner(db, runner_options(options));
    const auto caps = usable(runner);
    const Api api(caps);
    const auto jobs = read_jobs(runner, caps);
    std::vector<const Job*> chosen;
    if (ids.empty()) {
        for (const auto& j : jobs) {
            chosen.push_back(&j);
        }
    } else {
        for (const int id : ids) {
            chosen.push_back(&find(jobs, id));
        }
    }
    std::vector<ScheduleChange> changes;
    for (const auto* j : chosen) {
        if (j->scheduled != scheduled) {
            runner.exec(fmt::format("SELECT {}($1, scheduled => $2)", api.function("alter_job")),
                        {fmt::format("job {}", j->id)}, {std::to_string(j->id), scheduled ? "true" : "false"});
        }
        changes.push_back({j->id, j->name, j->scheduled, scheduled});
    }
    return changes;
}

} // namespace devlog::timescale
