#include "lib/partition/setup.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/db/database.hpp"
#include "lib/partition/catalog.hpp"
#include "lib/partition/convert.hpp"
#include "lib/partition/lock.hpp"
#include "lib/partition/sql_util.hpp"
#include "lib/stats/perf_metrics.hpp"

#include <fmt/format.h>

namespace devlog::partition {
namespace {

std::string describe_partitions(const std::vector<Range>& ranges)
{
    if (ranges.empty()) {
        return fmt::format("only {}", default_partition_name(k_events));
    }
    return fmt::format("{} ({} .. {}) and {}", ranges.size(), ranges.front().name, ranges.back().name,
                       default_partition_name(k_events));
}

// Refuses, naming every problem, when agent_events has what a partitioned table cannot keep.
void preflight(db::Runner& runner, const TableInfo& events)
{
    if (runner.database().server_version() < 140000) {
        throw Error("partition setup needs PostgreSQL 14 or newer (it copies by ranges of pages, which older servers scan "
                    "whole)");
    }
    if (events.is_partition) {
        throw Error("agent_events is itself a partition of another table: partition setup leaves it alone");
    }
    const auto problems = runner.exec(embedded_sql("partition/preflight.sql"), {"partition setup: checking agent_events"},
                                      {events.qualified()});
    if (problems.rows() == 0) {
        return;
    }
    std::string list;
    for (std::size_t i = 0; i < problems.rows(); ++i) {
        list += fmt::format("{}{} {}", list.empty() ? "" : "; ", text_at(problems, i, 0), text_at(problems, i, 1));
    }
    throw Error(fmt::format("agent_events cannot become a partitioned table as it is: {}", list),
                "drop or change these first (views and triggers can be created again on the partitioned table afterwards); "
                "nothing was changed");
}

SetupResult already_partitioned(const TableInfo& events, const SetupOptions& options)
{
    if (events.range_key != "timestamp") {
        throw Error("agent_events is partitioned, but not by RANGE on \"timestamp\": partition setup and maintain leave it alone");
    }
    const auto period = events.period();
    if (options.period && period && *options.period != *period) {
        throw Error(fmt::format("agent_events is already partitioned by {}; changing the period to {} is not supported",
                                to_string(*period), to_string(*options.period)));
    }
    SetupResult result;
    result.outcome = Outcome::already_partitioned;
    result.period = period.value_or(options.period.value_or(Period::day));
    result.partitions = events.ranges().size();
    result.actions.push_back({"none", fmt::format("agent_events is already partitioned by {} ({} partitions{})",
                                                  to_string(result.period), result.partitions,
                                                  events.default_partition() ? " and a default one" : "")});
    return result;
}

} // namespace

SetupResult setup(db::Runner& runner, Reporter& reporter, const SetupOptions& options)
{
    TableInfo events = inspect(runner, k_events);
    if (!events.exists()) {
        throw Error("agent_events does not exist here", "run devlogctl migrate first (or set the search_path to its schema)");
    }
    if (events.hypertable) {
        throw Error("agent_events is a TimescaleDB hypertable: it is partitioned into chunks already, and partition setup is for "
                    "PostgreSQL without TimescaleDB; nothing was changed",
                    "TimescaleDB's retention and continuous aggregates do this job there: devlogctl maintain runs their jobs");
    }
    if (events.kind == 'p') {
        if (options.abort) {
            return {Outcome::nothing_to_abort, events.period().value_or(Period::day), 0, events.ranges().size(), false,
                    {{"none", "no partition setup is unfinished"}}};
        }
        return already_partitioned(events, options);
    }
    if (events.kind != 'r') {
        throw Error(fmt::format("agent_events is not a table (relkind '{}'): partition setup leaves it alone", events.kind));
    }

    const auto lock = AdvisoryLock::try_take(runner, k_setup_lock, events.schema);
    if (!lock) {
        const auto holder = AdvisoryLock::holder(runner, k_setup_lock, events.schema);
        throw LockTimeout(fmt::format("another partition setup is running on this schema{}",
                                      holder ? " (" + holder->text() + ")" : ""),
                          "wait for it to finish; it reports its progress");
    }

    runner.exec(k_no_jit);
    auto progress = convert::read_progress(runner, events);
    const TableInfo partitioned = inspect(runner, events.qualified(k_partitioned));
    if (!progress && partitioned.exists()) {
        throw Error(fmt::format("{} exists but no partition setup is in progress ({} is missing): it was not made by devlogctl",
                                k_partitioned, k_progress),
                    "rename or drop it, then run partition setup again");
    }
    if (options.abort) {
        if (!progress) {
            return {Outcome::nothing_to_abort, options.period.value_or(Period::day), 0, 0, false,
                    {{"none", "no partition setup is unfinished"}}};
        }
        SetupResult result{Outcome::aborted, progress->period, 0, 0, false, {}};
        result.actions.push_back({"abort", fmt::format("dropped {} and its partitions, the sync triggers on agent_events and {}",
                                                       k_partitioned, k_progress)});
        if (options.dry_run == DryRun::no) {
            convert::abort(runner, events);
        } else {
            result.outcome = Outcome::planned;
        }
        return result;
    }
    if (progress && options.period && *options.period != progress->period) {
        throw Error(fmt::format("a conversion to {} partitions is unfinished; it cannot continue with --period {}",
                                to_string(progress->period), to_string(*options.period)),
                    fmt::format("run partition setup --period {} to finish it, or partition setup --abort", to_string(progress->period)));
    }
    preflight(runner, events);
    if (!progress && !options.abort && options.dry_run == DryRun::no &&
        bool_at(runner.exec("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'timescaledb')"), 0, 0)) {
        reporter.warn("TimescaleDB is installed in this database: a natively partitioned agent_events cannot become a "
                      "hypertable later");
    }

    SetupResult result;
    result.period = progress ? progress->period : options.period.value_or(Period::day);
    result.resumed = progress.has_value();
    std::vector<Range> ranges;
    if (progress) {
        ranges = partitioned.ranges();
        result.actions.push_back({"resume", fmt::format("{} exists with {}; the copy goes on from page {}", k_partitioned,
                                                        describe_partitions(ranges), progress->next_block)});
    } else {
        ranges = convert::partitions_for(convert::periods_with_rows(runner, events, result.period), result.period, time::now(),
                                         options.ahead);
        result.actions.push_back({"create table", fmt::format("{}: the columns, defaults, checks, keys, foreign keys and indexes "
                                                              "of agent_events, partitioned by RANGE (\"timestamp\") per {}",
                                                              k_partitioned, to_string(result.period))});
        result.actions.push_back({"create partitions", describe_partitions(ranges)});
        result.actions.push_back({"sync triggers", "agent_events_partition_sync_* on agent_events apply every write to the "
                                                   "copy until the swap"});
    }
    result.partitions = ranges.size();
    result.actions.push_back({"copy", fmt::format("about {} rows of agent_events in batches of {} rows",
                                                  convert::estimate_rows(runner, events), options.batch_rows)});
    result.actions.push_back({"verify", "both tables hold the same number of rows in one snapshot"});
    result.actions.push_back({"swap", options.keep_old ? fmt::format("agent_events becomes {}; {} becomes agent_events", k_kept,
                                                                     k_partitioned)
                                                       : fmt::format("agent_events is dropped; {} becomes agent_events",
                                                                     k_partitioned)});
    if (options.dry_run == DryRun::yes) {
        result.outcome = Outcome::planned;
        return result;
    }

    if (!progress) {
        reporter.info(fmt::format("creating {} with {}", k_partitioned, describe_partitions(ranges)));
        convert::prepare(runner, events, result.period, ranges);
        progress = convert::read_progress(runner, events);
    } else {
        reporter.info(fmt::format("continuing an unfinished partition setup ({} rows copied so far)", progress->rows_copied));
    }
    events = inspect(runner, k_events);
    convert::copy(runner, reporter, events, options, *progress);
    result.rows_copied = progress->rows_copied;
    reporter.info("verifying the copy");
    convert::verify(runner, events);
    reporter.info("swapping agent_events for the partitioned table");
    convert::swap(runner, events, options.keep_old);
    reporter.info("analyzing agent_events");
    runner.exec("ANALYZE " + events.qualified(), {"partition setup: ANALYZE agent_events"});
    result.outcome = Outcome::converted;
    return result;
}

SetupResult setup(db::Database& db, Reporter& reporter, const SetupOptions& options)
{
    db::Runner runner(db, runner_options(reporter, options.lock_timeout, options.lock_retries));
    const auto started = std::chrono::steady_clock::now();
    auto result = setup(runner, reporter, options);
    if (result.outcome == Outcome::converted) {
        stats::MetricsRecorder metrics(runner, reporter, options.record_metrics);
        metrics.record({"partition", "setup", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count(),
                        result.rows_copied, std::nullopt, std::nullopt});
    }
    return result;
}

} // namespace devlog::partition
