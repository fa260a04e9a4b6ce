#pragma once
// The steps of partition setup (lib/partition/setup.hpp explains the whole): each one either
// commits completely or not at all, so the conversion can stop between any two of them.
// Internal to lib/partition.

#include "lib/core/reporter.hpp"
#include "lib/db/runner.hpp"
#include "lib/partition/catalog.hpp"
#include "lib/partition/setup.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace devlog::partition::convert {

// The row of agent_events_partition_setup: how far an unfinished conversion got.
struct Progress
{
    Period period = Period::day;
    std::optional<std::int64_t> target_block; // pages of agent_events holding rows from before the triggers
    std::int64_t next_block = 0;              // the copy is done below this page
    std::int64_t rows_copied = 0;
};

// The rows of EVENTS: the planner's estimate, or a count when it has none.
std::int64_t estimate_rows(db::Runner& runner, const TableInfo& events);

// The progress of an unfinished conversion of EVENTS, nullopt when none was started.
std::optional<Progress> read_progress(db::Runner& runner, const TableInfo& events);

// The periods that hold rows of EVENTS (index skip scan on "timestamp"), oldest first.
std::vector<time::Micros> periods_with_rows(db::Runner& runner, const TableInfo& events, Period period);

// The partitions to create: one per period in WITH_ROWS and each from the current period to AHEAD
// after it, by start.
std::vector<Range> partitions_for(const std::vector<time::Micros>& with_rows, Period period, time::Micros now, int ahead);

// Step 1, one transaction: the partitioned table, its partitions, keys, indexes, owner, the sync
// triggers on EVENTS and the progress row.
void prepare(db::Runner& runner, const TableInfo& events, Period period, const std::vector<Range>& partitions);

// Step 2: copies the remaining pages in batches, advancing PROGRESS; returns the rows copied.
std::int64_t copy(db::Runner& runner, Reporter& reporter, const TableInfo& events, const SetupOptions& options,
                  Progress& progress);

// Step 3: throws Error when the two tables do not hold the same number of rows in one snapshot.
void verify(db::Runner& runner, const TableInfo& events);

// Step 4, one transaction: the partitioned table becomes agent_events.
void swap(db::Runner& runner, const TableInfo& events, bool keep_old);

// Removes what an unfinished conversion made (partitioned table, triggers, progress row).
void abort(db::Runner& runner, const TableInfo& events);

} // namespace devlog::partition::convert
