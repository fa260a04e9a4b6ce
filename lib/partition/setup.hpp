#pragma once
// partition setup: agent_events, a plain table, becomes a table natively partitioned by RANGE on
// "timestamp" (daily or monthly) while collectors keep writing, and a Ctrl-C at any point leaves
// a consistent state that the next run completes.
//
// How (man devlogctl-partition has the long version):
//  1. prepare (one transaction): the partitioned table agent_events_partitioned is created
//     beside agent_events (same columns, defaults, CHECKs, keys, foreign keys and indexes, under
//     temporary names), with one partition per period that holds rows plus the coming ones and a
//     DEFAULT partition; statement triggers on agent_events apply every later write to it too;
//     the progress table agent_events_partition_setup records how far the copy got.
//  2. copy: the rows that existed before the triggers, by ranges of physical pages (TID range
//     scans), in bounded batches, each one transaction that also advances the progress row; rows
//     are key-share locked while copied, so a concurrent DELETE waits for the batch instead of
//     resurrecting a row. Progress is reported; --batch-delay leaves room to a busy server.
//  3. verify: in one REPEATABLE READ snapshot both tables hold the same number of rows.
//  4. swap (one short transaction with lock_timeout, retried): agent_events is dropped (or kept
//     under another name with --keep-old), the partitioned table takes its name, its constraints
//     and indexes their names, grants, comment and rollup triggers; the helpers are dropped.
// Readers and writers see the complete agent_events throughout; they wait only for the swap.

#include "lib/core/reporter.hpp"
#include "lib/db/runner.hpp"
#include "lib/partition/period.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace devlog::partition {

inline constexpr std::string_view k_events = "agent_events";
inline constexpr std::string_view k_partitioned = "agent_events_partitioned";
inline constexpr std::string_view k_progress = "agent_events_partition_setup";
inline constexpr std::string_view k_kept = "agent_events_unpartitioned";

enum class DryRun
{
    no,
    yes
};

struct SetupOptions
{
    std::optional<Period> period;           // nullopt: day, or the period of a conversion in progress
    int ahead = 7;                          // periods after the current one to create
    std::int64_t batch_rows = 50'000;       // rows copied per transaction (about)
    std::chrono::milliseconds batch_delay{0}; // pause between batches
    bool keep_old = false;                  // keep the old table as agent_events_unpartitioned
    bool abort = false;                     // undo an unfinished conversion instead
    std::chrono::milliseconds lock_timeout{5000}; // per statement waiting for a table lock (the swap)
    int lock_retries = 10;                  // then rolled back and retried, with backoff
    bool record_metrics = false;            // --record-metrics: the conversion's time in performance_metrics
    DryRun dry_run = DryRun::no;
};

// One thing setup did or, in a dry run, would do.
struct Action
{
    std::string action; // "create table", "create partitions", "copy", "swap", ...
    std::string detail;
};

enum class Outcome
{
    converted,           // agent_events is partitioned now
    already_partitioned, // nothing to do
    planned,             // dry run: nothing changed
    aborted,             // --abort removed an unfinished conversion
    nothing_to_abort
};

struct SetupResult
{
    Outcome outcome = Outcome::planned;
    Period period = Period::day;
    std::int64_t rows_copied = 0;
    std::size_t partitions = 0; // range partitions of agent_events (after, or planned)
    bool resumed = false;       // an earlier, interrupted run's copy was continued
    std::vector<Action> actions;
};

// Converts agent_events (see above). Refuses with Error, changing nothing, when agent_events is a
// TimescaleDB hypertable, partitioned some other way, missing, or has what a partitioned table
// cannot keep (dependent views, foreign keys pointing at it, other triggers, row-level security,
// unique keys without "timestamp"); and on PostgreSQL before 14. LockTimeout when another
// partition setup runs, or the swap could not get its lock through the retries; Interrupted on
// Ctrl-C (whatever batches committed stay; the next run goes on from there).
SetupResult setup(db::Runner& runner, Reporter& reporter, const SetupOptions& options);
// The same on its own Runner on DB, with OPTIONS' lock_timeout and retries.
SetupResult setup(db::Database& db, Reporter& reporter, const SetupOptions& options);

} // namespace devlog::partition
