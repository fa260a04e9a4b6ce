#pragma once
// Health of the plain-PostgreSQL path, for `devlogctl status`: each problem is one line an
// operator can act on: unhealthy (exit 7) for agent_events and its rollups, a warning for
// devlogctl's own monitoring tables.

#include "lib/db/runner.hpp"
#include "lib/status/status.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace devlog::maintain {

// One reason the database is unhealthy.
struct Problem
{
    std::string check;   // "future partitions", "default partition", "stale rollups", "partition setup"
    std::string object;  // the table or relation concerned
    std::string message; // what is wrong, one line
    std::string hint;    // what to do
};

struct HealthOptions
{
    int min_ahead = 1;                                     // periods after the current one that must exist
    std::chrono::minutes rollup_max_age{std::chrono::hours(2)}; // watermark older than this: stale
};

// The problems of the managed partitioned tables (missing current or future partitions, rows in a
// default partition), the plain rollups (watermark older than rollup_max_age) and an unfinished
// partition setup. Empty when healthy, and on tables that are not natively partitioned (a
// hypertable, an unpartitioned agent_events). Throws SqlError when the catalog cannot be read.
std::vector<Problem> plain_health(db::Runner& runner, const HealthOptions& options = {});

// The status check "partitions": plain_health()'s problems as items of `devlogctl status`, and one
// ok item when agent_events is natively partitioned and healthy.
std::unique_ptr<status::Check> make_plain_check();

} // namespace devlog::maintain
