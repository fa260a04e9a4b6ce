// devlogctl maintain: the one command an operator's cron runs, with or without TimescaleDB.
#include "cli/context.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/time.hpp"
#include "lib/maintain/maintain.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <memory>

namespace devlog::cli {
namespace {

struct MaintainOptions
{
    int ahead = 7;
    std::string retain;
    std::string retain_metrics = "90d";
    std::string summaries_every = "1h";
    std::vector<std::string> skip;
    double lock_timeout_s = 5;
    int lock_retries = 3;
    bool dry_run = false;
};

std::chrono::microseconds duration_flag(const std::string& flag, const std::string& text)
{
    const auto d = time::parse_duration(text);
    if (!d) {
        throw UsageError(fmt::format("{}: '{}' is not a duration", flag, text), "e.g. 365d, 12w, 90 days");
    }
    return *d;
}

void run_maintain(Context& ctx, const MaintainOptions& o)
{
    maintain::Options options;
    options.ahead = o.ahead;
    if (!o.retain.empty()) {
        options.retain = duration_flag("--retain", o.retain);
    }
    options.retain_metrics = duration_flag("--retain-metrics", o.retain_metrics);
    options.summaries_every = duration_flag("--summaries-every", o.summaries_every);
    options.skip.insert(o.skip.begin(), o.skip.end());
    options.dry_run = o.dry_run;
    options.lock_timeout = std::chrono::milliseconds(std::llround(o.lock_timeout_s * 1000));
    options.lock_retries = o.lock_retries;
    options.record_metrics = ctx.global.record_metrics;

    auto db = ctx.open_database();
    const auto report = maintain::run(db, ctx.reporter(), options);
    output::Table table{{"step", "status", "detail", "ms"}, {}};
    for (const auto& s : report.steps) {
        table.rows.push_back({s.step, std::string(maintain::to_string(s.status)), s.detail, std::lround(s.ms)});
    }
    if (!report.ran) {
        ctx.info(fmt::format("another devlogctl maintain is running on this schema{}: nothing was done",
                             report.holder ? " (" + report.holder->text() + ")" : ""));
        if (ctx.format() != output::Format::table) {
            ctx.print(table);
        }
        return;
    }
    ctx.print(table);
    if (report.failed()) {
        ctx.warn("maintain: some steps failed (see the table); the others were done");
        ctx.exit_code = ExitCode::failure;
    } else if (o.dry_run) {
        ctx.info("dry run: nothing was changed");
    }
}

} // namespace

void register_maintain(CLI::App& app, Context& ctx)
{
    auto o = std::make_shared<MaintainOptions>();
    auto* cmd = app.add_subcommand("maintain", "Routine maintenance for cron: partitions, retention, rollups, statistics");
    cmd->add_option("--ahead", o->ahead, "agent_events partitions to keep ready after the current period (default 7)")
        ->type_name("N")
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--retain", o->retain,
                    "Drop agent_events partitions whose rows are all older than this (e.g. 365d); default: keep everything")
        ->type_name("DURATION");
    cmd->add_option("--retain-metrics", o->retain_metrics,
                    "Drop performance_metrics and connection_pool_stats partitions older than this (default 90d)")
        ->type_name("DURATION");
    cmd->add_option("--summaries-every", o->summaries_every,
                    "Refresh devlog_activity_summary (30 days of events) only when older than this (default 1h)")
        ->type_name("DURATION");
    std::vector<std::string> steps;
    for (const auto s : maintain::step_names()) {
        steps.emplace_back(s);
    }
    cmd->add_option("--skip", o->skip, "Leave out a step (repeatable)")->type_name("STEP")->check(CLI::IsMember(steps));
    cmd->add_option("--lock-timeout", o->lock_timeout_s,
                    "Seconds a statement may wait for a table lock before it is rolled back and retried (default 5)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.001, 3600.0));
    cmd->add_option("--lock-retries", o->lock_retries, "How often a statement that timed out waiting for a lock is retried (default 3)")
        ->type_name("N")
        ->check(CLI::Range(0, 100));
    cmd->add_flag("--dry-run", o->dry_run, "Show what would be created, moved and dropped; change nothing");
    cmd->callback([&ctx, o] { run_maintain(ctx, *o); });
    cmd->footer("Steps: timescaledb, partitions, strays, retention, rollups, connections, summaries (devlogctl-maintain(1)). A "
                "second maintain while one runs does nothing and says so (exit 0).");
}

} // namespace devlog::cli
