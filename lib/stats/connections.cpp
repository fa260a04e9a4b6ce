#include "lib/stats/connections.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/partition/catalog.hpp"
#include "lib/partition/sql_util.hpp"

namespace devlog::stats {
namespace {

ConnectionsReport read(const db::Result& r, std::vector<std::string> columns, std::vector<bool> numeric)
{
    ConnectionsReport report{std::move(columns), {}, std::move(numeric)};
    for (std::size_t i = 0; i < r.rows(); ++i) {
        auto& row = report.rows.emplace_back();
        for (int c = 0; c < static_cast<int>(report.columns.size()); ++c) {
            row.push_back(r.get(i, c));
        }
    }
    return report;
}

} // namespace

ConnectionsReport connections_now(db::Runner& runner)
{
    return read(runner.exec(embedded_sql("stats/connections.sql"), {"reading pg_stat_activity"}),
                {"database", "application", "user", "state", "connections", "waiting", "longest_state_s",
                 "longest_transaction_s", "max_connections"},
                {false, false, false, false, true, true, true, true, true});
}

ConnectionsReport connections_history(db::Runner& runner, std::chrono::microseconds since)
{
    const auto table = partition::inspect(runner, "connection_pool_stats");
    if (!table.exists()) {
        throw Error("connection_pool_stats does not exist here", "run devlogctl migrate; devlogctl maintain then fills it");
    }
    return read(runner.exec(partition::fill(embedded_sql("stats/connections_history.sql"), {{"@table@", table.qualified()}}),
                            {"reading connection_pool_stats"}, {time::format_iso8601(time::now() - since.count())}),
                {"database", "application", "user", "state", "snapshots", "avg_connections", "max_connections", "max_waiting",
                 "longest_transaction_s", "last_seen"},
                {false, false, false, false, true, true, true, true, true, false});
}

ConnectionsReport connections_now(db::Database& db)
{
    db::Runner runner(db);
    return connections_now(runner);
}

ConnectionsReport connections_history(db::Database& db, std::chrono::microseconds since)
{
    db::Runner runner(db);
    return connections_history(runner, since);
}

} // namespace devlog::stats
