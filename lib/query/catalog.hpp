#pragma once
// What the database has that the query and stats commands can use: the TimescaleDB extension (its
// version decides which catalog functions and names exist) and the rollup relations.

#include "lib/db/runner.hpp"
#include "lib/query/timeline_plan.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace devlog::query {

struct Timescale
{
    std::string version;          // "2.28.3"
    int major = 0;
    int minor = 0;
    std::string api_schema;       // where hypertable_detailed_size & co. live (usually public)
    std::string functions_schema; // _timescaledb_functions (2.12+) or _timescaledb_internal

    // 2.18+ names compression "columnstore" (hypertable_columnstore_stats, ...).
    bool columnstore() const { return major > 2 || (major == 2 && minor >= 18); }
    bool at_least(int want_major, int want_minor) const
    {
        return major > want_major || (major == want_major && minor >= want_minor);
    }
    // "public.name" as a quoted identifier pair for the API function NAME.
    std::string api(std::string_view name) const;
};

// The TimescaleDB extension in this database, or nullopt.
std::optional<Timescale> detect_timescaledb(db::Runner& runner);

// The rollups of the contract (rollup::k_relations) that exist with every contract column, with the ranges where their buckets are current, overlapping RANGE:
// continuous aggregates below their watermark (the catalog function of the installed version)
// except invalidated and pending ranges; maintain's plain tables below their watermark except the
// hours (and days) waiting in agent_events_rollup_log (valid_plain); any other table nowhere.
// With BUCKET, only the rollups whose buckets make up buckets of that width (the others cannot
// serve it: their catalog is not read). UNGROUPED: agent_events_totals_5m too (it can serve only
// a query that neither groups nor filters by project, agent or event type).
std::vector<Rollup> detect_rollups(db::Runner& runner, const std::optional<Timescale>& tsdb, Interval range,
                                   std::optional<std::chrono::microseconds> bucket = std::nullopt,
                                   bool ungrouped = true);

} // namespace devlog::query
