#pragma once
// The natively partitioned tables that maintain looks after, and how: agent_events once
// partition setup made it partitioned (its period is read from its partitions), and the seed-004
// tables of migration 0002, monthly.

#include "lib/partition/period.hpp"

#include <array>
#include <string_view>

namespace devlog::maintain {

struct ManagedTable
{
    std::string_view name;
    partition::Period fallback_period; // when its partitions do not tell (only a default one yet)
    bool events;                       // agent_events: --ahead and --retain; else the metrics' own
};

inline constexpr std::array<ManagedTable, 3> k_managed_tables = {{
    {"agent_events", partition::Period::day, true},
    {"performance_metrics", partition::Period::month, false},
    {"connection_pool_stats", partition::Period::month, false},
}};

// Months created ahead for performance_metrics and connection_pool_stats.
inline constexpr int k_metrics_ahead = 2;

} // namespace devlog::maintain
