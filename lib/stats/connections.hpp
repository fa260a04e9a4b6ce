#pragma once
// devlogctl stats connections: the server's client sessions grouped by database, application,
// user and state, now (pg_stat_activity) or over time (connection_pool_stats, which maintain
// fills). Collectors identify themselves with application_name, so each is its own row.

#include "lib/db/runner.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace devlog::stats {

// Rows as text cells, with their column names: the two views have different columns.
struct ConnectionsReport
{
    std::vector<std::string> columns;
    std::vector<std::vector<std::optional<std::string>>> rows;
    std::vector<bool> numeric; // per column: render as a number
};

// Sessions now. Sessions of roles we may not look into count under the state '(unknown)'.
ConnectionsReport connections_now(db::Runner& runner);

// connection_pool_stats over the last SINCE, per group: snapshots, average and largest sessions,
// waiters, longest transaction, last seen. Throws Error when connection_pool_stats is missing.
ConnectionsReport connections_history(db::Runner& runner, std::chrono::microseconds since);
ConnectionsReport connections_now(db::Database& db);
ConnectionsReport connections_history(db::Database& db, std::chrono::microseconds since);

} // namespace devlog::stats
