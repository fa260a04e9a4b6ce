#pragma once
// The rollup contract (DEVELOPERS.md) on PostgreSQL without TimescaleDB: agent_events_hourly,
// agent_events_daily and agent_events_totals_5m as plain tables that maintain keeps up to date
// incrementally.
//
// How late events are caught: statement triggers on agent_events append the hours each INSERT,
// UPDATE, DELETE or TRUNCATE touched to agent_events_rollup_log, in the writer's transaction.
// A refresh re-aggregates from raw rows exactly the hours (and their days) found in the log,
// however old, and deletes those log rows in the same transaction. The watermark recorded after
// a refresh is the instant before which every committed event is counted, or has its hour waiting
// in the log; nothing depends on guessing how late events may arrive (no lookback window) or on an
// ingest-time column. Readers (query timeline) use a rollup bucket only when it ends by the
// watermark and none of its hours waits in the log.
//
// The first build commits the tables and triggers first, then logs every hour that has events in
// a second transaction that only reads agent_events, so writers never wait for that scan. Until
// that second transaction commits there is no row in agent_events_rollup_state, and the next run
// logs every hour again.

#include "lib/core/reporter.hpp"
#include "lib/core/time.hpp"
#include "lib/db/runner.hpp"
#include "lib/rollup/contract.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::rollup {

// What agent_events_hourly is in this schema.
enum class Kind
{
    absent,      // nothing of that name: maintain creates the plain rollups
    plain,       // devlogctl's plain tables (their COMMENT carries the contract marker)
    view,        // a view or materialized view: TimescaleDB's continuous aggregate, or someone's
    foreign      // a table devlogctl did not make: left alone
};

// The kind of rollups in the schema of agent_events (SCHEMA is its unquoted name).
Kind detect(db::Runner& runner, std::string_view schema);

struct RefreshOptions
{
    int batch_days = 7; // days re-aggregated per transaction
};

struct RefreshResult
{
    bool created = false;        // the rollups were made in this run (full build)
    std::int64_t days = 0;       // days re-aggregated (daily buckets)
    std::int64_t hours = 0;      // hours re-aggregated (hourly buckets)
    time::Micros watermark = 0;  // every event committed before it is counted now
};

// Creates the plain rollups when absent (tables, log, state, triggers on agent_events; every hour
// that has events logged, for a full build) and re-aggregates the logged hours in batches of
// whole days, reporting progress. Throws Error when agent_events_hourly is a view or a foreign
// table (see detect()), SqlError/LockTimeout from the server, Interrupted on Ctrl-C (the batches
// done so far stay; the rest stays logged for the next run).
RefreshResult refresh(db::Runner& runner, std::string_view schema, Reporter& reporter, const RefreshOptions& options = {});

// The DDL of the invalidation triggers on TABLE (qualified), in SCHEMA (quoted): for partition
// setup, which moves them to the partitioned table when it takes the name agent_events.
std::string trigger_sql(std::string_view quoted_schema, std::string_view qualified_table);

// Whether the plain rollups of SCHEMA lack agent_events_totals_5m (made by an older devlogctl:
// refresh() adds it and re-aggregates every hour once).
bool totals_missing(db::Runner& runner, std::string_view schema);

// The DDL of the plain rollup table NAME (a k_relations name) of WIDTH in SCHEMA (quoted): the
// columns, types and comments of columns(GROUPED), the relation's comment with k_marker.
std::vector<std::string> table_sql(std::string_view quoted_schema, std::string_view name, std::chrono::microseconds width,
                                   bool grouped = true);

// The last refresh as maintain recorded it; nullopt when the plain rollups are not devlogctl's or
// their history was never logged (a first build or trigger repair that has not finished).
struct State
{
    time::Micros watermark = 0;
    time::Micros refreshed_at = 0;
    std::int64_t pending_hours = 0; // distinct hours waiting in the log
};
std::optional<State> state(db::Runner& runner, std::string_view schema);

// The distinct hours (their starts, ascending) waiting in the log from FROM to before TO: their
// hourly buckets, and the daily ones holding them, are not current yet.
std::vector<time::Micros> pending_hours(db::Runner& runner, std::string_view schema, time::Micros from, time::Micros to);

} // namespace devlog::rollup
