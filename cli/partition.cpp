// devlogctl partition: agent_events natively partitioned by time, for PostgreSQL without
// TimescaleDB (Amazon RDS, Aurora, Cloud SQL, ...).
#include "cli/context.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/time.hpp"
#include "lib/partition/setup.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>

namespace devlog::cli {
namespace {

struct PartitionOptions
{
    std::string period;
    int ahead = 7;
    std::int64_t batch_size = 50'000;
    std::string batch_delay;
    double lock_timeout_s = 5;
    int lock_retries = 10;
    bool keep_old = false;
    bool abort = false;
    bool dry_run = false;
};

partition::SetupOptions setup_options(const PartitionOptions& o)
{
    partition::SetupOptions s;
    if (!o.period.empty()) {
        s.period = partition::parse_period(o.period);
    }
    s.ahead = o.ahead;
    s.batch_rows = o.batch_size;
    if (!o.batch_delay.empty()) {
        const auto delay = time::parse_duration(o.batch_delay);
        if (!delay) {
            throw UsageError(fmt::format("--batch-delay: '{}' is not a duration", o.batch_delay), "e.g. 100ms, 2s");
        }
        s.batch_delay = std::chrono::duration_cast<std::chrono::milliseconds>(*delay);
    }
    s.lock_timeout = std::chrono::milliseconds(std::llround(o.lock_timeout_s * 1000));
    s.lock_retries = o.lock_retries;
    s.keep_old = o.keep_old;
    s.abort = o.abort;
    s.dry_run = o.dry_run ? partition::DryRun::yes : partition::DryRun::no;
    return s;
}

std::string summary(const partition::SetupResult& r)
{
    using partition::Outcome;
    switch (r.outcome) {
    case Outcome::converted:
        return fmt::format("agent_events is partitioned by {} now: {} partitions and agent_events_default; {} rows copied{}",
                           partition::to_string(r.period), r.partitions, r.rows_copied,
                           r.resumed ? " (continuing an interrupted run)" : "");
    case Outcome::already_partitioned:
        return r.actions.front().detail + ": nothing to do";
    case Outcome::aborted:
        return "removed the unfinished partition setup; agent_events is as it was";
    case Outcome::nothing_to_abort:
        return "no partition setup is unfinished: nothing to abort";
    case Outcome::planned:
        break;
    }
    return "";
}

void run_setup(Context& ctx, const PartitionOptions& o)
{
    auto options = setup_options(o);
    options.record_metrics = ctx.global.record_metrics;
    auto db = ctx.open_database();
    const auto result = partition::setup(db, ctx.reporter(), options);
    if (ctx.format() != output::Format::table || result.outcome == partition::Outcome::planned) {
        output::Table table{{"action", "detail"}, {}};
        for (const auto& a : result.actions) {
            table.rows.push_back({a.action, a.detail});
        }
        ctx.print(table);
    }
    if (result.outcome == partition::Outcome::planned) {
        ctx.info("dry run: nothing was changed");
    } else if (ctx.format() == output::Format::table) {
        std::cout << summary(result) << '\n';
    } else {
        ctx.info(summary(result));
    }
}

} // namespace

void register_partition(CLI::App& app, Context& ctx)
{
    auto o = std::make_shared<PartitionOptions>();
    auto* partition = app.add_subcommand("partition", "Native time partitioning of agent_events (PostgreSQL without TimescaleDB)");
    partition->require_subcommand(1);
    auto* setup = partition->add_subcommand(
        "setup", "Convert agent_events into a table partitioned by day or month, online and resumable");
    setup->add_option("--period", o->period, "Partition width: day or month (default day; an unfinished run keeps its own)")
        ->type_name("PERIOD")
        ->check(CLI::IsMember({"day", "month"}));
    setup->add_option("--ahead", o->ahead, "Periods after the current one to create partitions for (default 7)")
        ->type_name("N")
        ->check(CLI::Range(0, 1000));
    setup->add_option("--batch-size", o->batch_size, "Rows copied per transaction, about (default 50000)")
        ->type_name("ROWS")
        ->check(CLI::Range(static_cast<std::int64_t>(1), static_cast<std::int64_t>(100'000'000)));
    setup->add_option("--batch-delay", o->batch_delay, "Pause between batches, to spare a busy server (e.g. 100ms; default none)")
        ->type_name("DURATION");
    setup->add_option("--lock-timeout", o->lock_timeout_s,
                      "Seconds a statement may wait for a table lock (the final swap) before it is rolled back and retried "
                      "(default 5)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.001, 3600.0));
    setup->add_option("--lock-retries", o->lock_retries, "How often a statement that timed out waiting for a lock is retried (default 10)")
        ->type_name("N")
        ->check(CLI::Range(0, 1000));
    setup->add_flag("--keep-old", o->keep_old, "Keep the old table as agent_events_unpartitioned instead of dropping it");
    setup->add_flag("--abort", o->abort, "Undo an unfinished setup: drop the partitioned copy and the sync triggers");
    setup->add_flag("--dry-run", o->dry_run, "Show what would be done; change nothing");
    setup->callback([&ctx, o] { run_setup(ctx, *o); });
    setup->footer("See devlogctl-partition(1): how the conversion stays consistent while collectors write, and what to do "
                  "after a Ctrl-C.");
}

} // namespace devlog::cli
