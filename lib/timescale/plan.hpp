#pragma once
// Pure planning of TimescaleDB setup: desired settings + current state -> the steps that bring
// the database there, each with its outcome (applied / already in place / changed / skipped) and
// its SQL. No database here: setup.cpp reads the state, calls plan(), and applies the result.

#include "lib/timescale/capabilities.hpp"
#include "lib/timescale/settings.hpp"
#include "lib/timescale/state.hpp"

#include <string>
#include <vector>

namespace devlog::timescale {

enum class Outcome
{
    apply,    // created / turned on
    in_place, // already as wanted: nothing to do
    change,   // was OLD, becomes NEW (a removal: NEW is "none")
    skip,     // not touched, with the reason in the note
};

// "applied", "already in place", "changed", "skipped"; a dry run says "would apply", "would change".
std::string to_string(Outcome outcome, bool dry_run = false);

// How a step's statements run and report progress.
enum class Work
{
    plain,   // one statement or a few (one transaction unless one of them must run alone)
    convert, // a table with rows becomes a hypertable: one long statement, progress estimated
    batches, // one statement per batch (refresh windows, chunks), progress per statement
};

struct Step
{
    std::string name; // "hypertable", "compression policy", "aggregate agent_events_hourly", ...
    Outcome outcome = Outcome::in_place;
    std::string old_value; // change: what was there
    std::string new_value; // apply/change: what it becomes; in place: what is there
    std::string note;      // skip: why; otherwise a remark for people ("" when none)
    std::vector<Statement> statements;
    Work work = Work::plain;
    bool runs() const { return outcome == Outcome::apply || outcome == Outcome::change; }
};

// Parts of the setup, for the finer commands (bit flags).
enum Part : unsigned
{
    part_extension = 1U << 0U,
    part_hypertable = 1U << 1U,
    part_compression = 1U << 2U,
    part_retention = 1U << 3U,
    part_reorder = 1U << 4U,
    part_aggregates = 1U << 5U,
    part_all = (1U << 6U) - 1,
};

struct Plan
{
    std::vector<Step> steps;
    // Any step that would change something.
    bool changes() const;
};

// The steps that bring STATE to SETTINGS for PARTS, in order: extension, hypertable, compression
// settings and policy, retention, reorder, the three aggregates, their refresh policies, and the
// materialization of history the policies cannot reach. Throws UsageError for settings that cannot
// work (an unknown column or index, a refresh window under two buckets, retention shorter than a
// refresh window) and Error when the state forbids a step (no agent_events, a partitioned table, a
// part needing a hypertable that is not one, rollup relations not following the contract without
// replace_aggregates, compressed chunks when compression is to be removed).
Plan plan(const Settings& settings, const State& state, unsigned parts = part_all);

// Maintenance on demand (plan_chunks.cpp). Each returns one step with one statement per chunk or
// window (Work::batches), in place when there is nothing to do; Error when TABLE is no hypertable
// or compression is off.
// Compresses the chunks that end at or before now - OLDER_THAN and are not compressed, or are
// partially compressed (rows inserted since).
Step plan_compress(const State& state, microseconds older_than);
// Decompresses the compressed chunks that end after now - NEWER_THAN (nullopt: all of them).
Step plan_decompress(const State& state, std::optional<microseconds> newer_than);
// Refreshes aggregate INDEX (0 hourly, 1 daily) over [FROM, TO), in whole buckets.
Step plan_refresh(const State& state, std::size_t index, time::Micros from, time::Micros to);

// Refresh windows [from, to) over FROM..TO in whole buckets of WIDTH, at most BATCH long each.
struct Window
{
    time::Micros from = 0;
    time::Micros to = 0;
};
std::vector<Window> refresh_windows(time::Micros from, time::Micros to, microseconds width, microseconds batch);

// CALL refresh_continuous_aggregate(RELATION, ...) per window of FROM..TO: whole buckets of WIDTH,
// a week of hourly or four weeks of daily buckets per call. Run each on its own (not in a
// transaction).
std::vector<Statement> refresh_statements(const Api& api, const std::string& relation, time::Micros from,
                                          time::Micros to, microseconds width);

// STEPS as a psql script for --dry-run: the plan as comments, then each step's SQL.
std::string dry_run_script(const std::vector<Step>& steps, const std::string& header);

} // namespace devlog::timescale
