#include "lib/maintain/maintain.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/db/pq.hpp"
#include "lib/maintain/partition_steps.hpp"
#include "lib/partition/catalog.hpp"
#include "lib/partition/sql_util.hpp"
#include "lib/rollup/plain.hpp"
#include "lib/stats/perf_metrics.hpp"
#include "lib/timescale/jobs.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace devlog::maintain {
namespace {

using partition::bool_at;
using partition::int_at;
using partition::int_or_zero;
using partition::text_at;

constexpr std::string_view k_activity = "devlog_activity_summary";
constexpr std::string_view k_summaries[] = {"query_performance_summary", k_activity};

struct Run
{
    db::Runner& runner;
    Reporter& reporter;
    const Options& options;
    partition::TableInfo events;
};

bool installed(db::Runner& runner, std::string_view extension)
{
    return bool_at(runner.exec("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = $1)", {},
                               {std::string(extension)}),
                   0, 0);
}

void timescaledb(Run& r, StepReport& report)
{
    if (!installed(r.runner, "timescaledb")) {
        report.status = Status::skipped;
        report.detail = "TimescaleDB is not installed in this database";
        return;
    }
    if (r.options.dry_run) {
        report.status = Status::skipped;
        report.detail = "dry run: TimescaleDB jobs are not run";
        return;
    }
    // What `devlogctl timescale jobs run --due` does: the policies whose next start has passed
    // (compression, retention, reorder, aggregate refreshes), so one crontab line serves both worlds.
    timescale::RunOptions options;
    options.reporter = &r.reporter;
    timescale::DueRun due;
    try {
        due = timescale::run_due(r.runner, options);
    } catch (const UnavailableError& e) {
        report.status = Status::warning;
        report.detail = fmt::format("TimescaleDB jobs not run: {}", e.what());
        return;
    }
    if (due.busy) {
        report.status = Status::nothing;
        report.detail = "another devlogctl is running the due TimescaleDB jobs";
        return;
    }
    if (due.runs.empty()) {
        report.status = Status::nothing;
        report.detail = "no TimescaleDB job was due";
        return;
    }
    std::vector<std::string> parts;
    bool failed = false;
    for (const auto& run : due.runs) {
        failed = failed || !run.succeeded;
        parts.push_back(run.succeeded ? fmt::format("{} ({} ms)", run.name, run.duration.count())
                                      : fmt::format("{} failed: {}", run.name, run.error));
    }
    report.status = failed ? Status::failed : Status::done;
    report.detail = fmt::format("ran {} due job{}: {}", due.runs.size(), due.runs.size() == 1 ? "" : "s",
                                fmt::join(parts, "; "));
}

void rollups(Run& r, StepReport& report)
{
    report.status = Status::skipped;
    if (r.events.hypertable) {
        report.detail = "agent_events is a TimescaleDB hypertable: its rollups are continuous aggregates (timescaledb step)";
        return;
    }
    const auto kind = rollup::detect(r.runner, r.events.schema);
    if (kind == rollup::Kind::view) {
        report.detail = "agent_events_hourly is a view (a continuous aggregate?): not devlogctl's to refresh";
        return;
    }
    if (kind == rollup::Kind::absent && installed(r.runner, "timescaledb")) {
        // Plain rollup tables would take the names timescale setup gives its continuous aggregates.
        report.detail = "TimescaleDB is installed: the rollups are its continuous aggregates (devlogctl timescale setup)";
        return;
    }
    if (r.options.dry_run) {
        const auto state = rollup::state(r.runner, r.events.schema);
        report.status = Status::done;
        if (kind == rollup::Kind::absent) {
            report.detail = "would create agent_events_hourly, agent_events_daily and agent_events_totals_5m from every event";
        } else if (kind == rollup::Kind::plain && rollup::totals_missing(r.runner, r.events.schema)) {
            report.detail = "would add agent_events_totals_5m (made by a newer devlogctl) and re-aggregate every hour once";
        } else {
            report.detail = fmt::format("would re-aggregate {} logged hours", state ? state->pending_hours : 0);
        }
        return;
    }
    rollup::RefreshOptions options;
    options.batch_days = r.options.rollup_batch_days;
    const auto result = rollup::refresh(r.runner, r.events.schema, r.reporter, options);
    report.status = result.days > 0 || result.created ? Status::done : Status::nothing;
    report.detail = fmt::format("{}{} hours and {} days re-aggregated; every event committed before {} is counted",
                                result.created ? "created agent_events_hourly, agent_events_daily and agent_events_totals_5m; " : "", result.hours,
                                result.days, time::format_iso8601(result.watermark));
}

void connections(Run& r, StepReport& report)
{
    const auto table = partition::inspect(r.runner, "connection_pool_stats");
    if (!table.exists()) {
        report.status = Status::skipped;
        report.detail = "connection_pool_stats is missing (run devlogctl migrate)";
        return;
    }
    if (r.options.dry_run) {
        report.status = Status::done;
        report.detail = "would record a snapshot of pg_stat_activity";
        return;
    }
    const auto result = r.runner.exec(partition::fill(embedded_sql("maintain/connections_snapshot.sql"),
                                                      {{"@table@", table.qualified()}, {"@select@", std::string(embedded_sql("stats/connections.sql"))}}),
                                      {"recording the connection snapshot"});
    report.status = Status::done;
    report.detail = fmt::format("recorded {} groups ({} connections)", text_at(result, 0, 0), text_at(result, 0, 1));
}

void summaries(Run& r, StepReport& report)
{
    std::vector<std::string> done;
    for (const auto name : k_summaries) {
        const auto view = r.runner.exec("SELECT c.relispopulated FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1) "
                                        "AND c.relkind = 'm'",
                                        {}, {r.events.qualified(name)});
        if (view.rows() == 0) {
            report.detail += fmt::format("{}{} is missing (run devlogctl migrate)", report.detail.empty() ? "" : "; ", name);
            continue;
        }
        if (bool_at(view, 0, 0) && name == k_activity) {
            // It reads 30 days of events: not on every run.
            const auto age = int_at(r.runner.exec(fmt::format("SELECT (extract(epoch FROM now() - max(refreshed_at)) * 1000000)::bigint "
                                                              "FROM {}",
                                                              r.events.qualified(name)),
                                                  {fmt::format("reading {}", name)}),
                                    0, 0);
            if (age && *age < r.options.summaries_every.count()) {
                report.detail += fmt::format("{}{} is {} old (refreshed every {}: --summaries-every)",
                                             report.detail.empty() ? "" : "; ", name,
                                             *age < 60'000'000 ? time::format_interval(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::microseconds(std::max<std::int64_t>(*age, 1'000'000))))
                                                               : time::format_interval(std::chrono::duration_cast<std::chrono::minutes>(std::chrono::microseconds(*age))),
                                             time::format_interval(r.options.summaries_every));
                continue;
            }
        }
        if (!r.options.dry_run) {
            r.runner.exec(fmt::format("REFRESH MATERIALIZED VIEW {}{}", bool_at(view, 0, 0) ? "CONCURRENTLY " : "",
                                      r.events.qualified(name)),
                          {fmt::format("refreshing {}", name)});
        }
        done.emplace_back(name);
    }
    if (done.empty()) {
        report.status = Status::skipped;
        return;
    }
    report.status = Status::done;
    report.detail = fmt::format("{} {}{}{}", r.options.dry_run ? "would refresh" : "refreshed", detail::name_list(done),
                                report.detail.empty() ? "" : "; ", report.detail);
}

using StepFn = void (*)(Run&, StepReport&);

struct StepDef
{
    std::string_view name;
    StepFn fn;
};

const std::vector<StepDef>& steps()
{
    static const std::vector<StepDef> k_steps = {
        {"timescaledb", timescaledb},
        {"partitions", [](Run& r, StepReport& s) { detail::create_ahead(r.runner, r.options, s); }},
        {"strays", [](Run& r, StepReport& s) { detail::rescue_strays(r.runner, r.options, s); }},
        {"retention", [](Run& r, StepReport& s) { detail::apply_retention(r.runner, r.options, s); }},
        {"rollups", rollups},
        {"connections", connections},
        {"summaries", summaries},
    };
    return k_steps;
}

} // namespace

const std::vector<std::string_view>& step_names()
{
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const auto& s : steps()) {
            out.push_back(s.name);
        }
        return out;
    }();
    return names;
}

std::string_view to_string(Status status)
{
    switch (status) {
    case Status::done:
        return "done";
    case Status::nothing:
        return "nothing to do";
    case Status::skipped:
        return "skipped";
    case Status::warning:
        return "warning";
    case Status::failed:
        return "failed";
    }
    return "?";
}

bool Report::failed() const
{
    return std::any_of(steps.begin(), steps.end(), [](const StepReport& s) { return s.status == Status::failed; });
}

Report run(db::Runner& runner, Reporter& reporter, const Options& options, stats::MetricsRecorder* metrics)
{
    Run r{runner, reporter, options, partition::inspect(runner, "agent_events")};
    if (!r.events.exists()) {
        throw Error("agent_events does not exist here", "run devlogctl migrate first (or set the search_path to its schema)");
    }
    Report report;
    const auto lock = partition::AdvisoryLock::try_take(runner, partition::k_maintain_lock, r.events.schema);
    if (!lock) {
        report.holder = partition::AdvisoryLock::holder(runner, partition::k_maintain_lock, r.events.schema);
        return report;
    }
    report.ran = true;
    runner.exec(partition::k_no_jit);
    for (const auto& step : steps()) {
        StepReport& s = report.steps.emplace_back();
        s.step = std::string(step.name);
        if (options.skip.contains(s.step)) {
            s.status = Status::skipped;
            s.detail = "--skip";
            continue;
        }
        reporter.debug(fmt::format("maintain: {}", step.name));
        const auto started = std::chrono::steady_clock::now();
        try {
            step.fn(r, s);
        } catch (const Interrupted&) {
            throw;
        } catch (const Error& e) {
            s.status = Status::failed;
            s.detail = e.what();
            reporter.warn(fmt::format("maintain: {} failed: {}", step.name, e.what()));
        }
        s.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        if (metrics != nullptr && s.status != Status::skipped && !options.dry_run) {
            metrics->record({"maintain", s.step, s.ms, std::nullopt, std::nullopt, std::nullopt});
        }
    }
    return report;
}

Report run(db::Database& db, Reporter& reporter, const Options& options)
{
    db::Runner runner(db, partition::runner_options(reporter, options.lock_timeout, options.lock_retries));
    stats::MetricsRecorder metrics(runner, reporter, options.record_metrics);
    return run(runner, reporter, options, &metrics);
}

} // namespace devlog::maintain
