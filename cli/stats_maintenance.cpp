// devlogctl stats queries / stats connections: which statements cost the most and who is
// connected. The rest of the stats group lives in cli/stats.cpp; these two attach to it.
#include "cli/context.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/time.hpp"
#include "lib/stats/connections.hpp"
#include "lib/stats/queries.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <memory>

namespace devlog::cli {
namespace {

struct StatsMaintenanceOptions
{
    int limit = 20;
    std::string sort = "total";
    std::string since;
    bool history = false;
};

std::chrono::microseconds since_or(const std::string& text, std::chrono::microseconds fallback)
{
    if (text.empty()) {
        return fallback;
    }
    const auto d = time::parse_duration(text);
    if (!d) {
        throw UsageError(fmt::format("--since: '{}' is not a duration", text), "e.g. 1h, 7d");
    }
    return *d;
}

nlohmann::json number_or_null(const std::optional<double>& v)
{
    return v ? nlohmann::json(std::round(*v * 1000) / 1000) : nlohmann::json();
}

void run_queries(Context& ctx, const StatsMaintenanceOptions& o)
{
    stats::QueryOptions options;
    options.limit = o.limit;
    options.order = o.sort == "p95" ? stats::QueryOrder::p95 : stats::QueryOrder::total;
    options.since = since_or(o.since, options.since);
    auto db = ctx.open_database();
    const auto report = stats::top_queries(db, options);
    if (!report.note.empty()) {
        ctx.info(report.note);
    }
    output::Table table{{"source", "query", "calls", "total_ms", "mean_ms", "p95_ms", "p95_exact", "max_ms", "rows", "id"}, {}};
    for (const auto& r : report.rows) {
        table.rows.push_back({r.source, r.query, r.calls, number_or_null(r.total_ms), number_or_null(r.mean_ms),
                              number_or_null(r.p95_ms), r.p95_exact, number_or_null(r.max_ms),
                              r.rows ? nlohmann::json(*r.rows) : nlohmann::json(), r.id});
    }
    ctx.print(table);
}

void run_connections(Context& ctx, const StatsMaintenanceOptions& o)
{
    if (!o.history && !o.since.empty()) {
        throw UsageError("--since: applies to --history only (the sessions now have no time window)",
                         "add --history to summarise maintain's snapshots of that window");
    }
    auto db = ctx.open_database();
    const auto report = o.history ? stats::connections_history(db, since_or(o.since, std::chrono::hours(24)))
                                  : stats::connections_now(db);
    output::Table table{report.columns, {}};
    for (const auto& row : report.rows) {
        auto& out = table.rows.emplace_back();
        for (std::size_t c = 0; c < row.size(); ++c) {
            if (!row[c]) {
                out.emplace_back();
            } else if (report.numeric[c] && row[c]->find_first_of(".eE") == std::string::npos) {
                out.emplace_back(std::stoll(*row[c]));
            } else if (report.numeric[c]) {
                out.emplace_back(std::round(std::stod(*row[c]) * 10) / 10);
            } else {
                out.emplace_back(*row[c]);
            }
        }
    }
    ctx.print(table);
}

} // namespace

void register_stats_maintenance(CLI::App& app, Context& ctx)
{
    // Attach to the stats group when cli/stats.cpp registered it first; create it otherwise.
    CLI::App* stats = nullptr;
    try {
        stats = app.get_subcommand("stats");
    } catch (const CLI::OptionNotFound&) {
        stats = app.add_subcommand("stats", "Database statistics");
        stats->require_subcommand(1);
    }
    auto o = std::make_shared<StatsMaintenanceOptions>();
    auto* queries = stats->add_subcommand(
        "queries", "Top statements by total or p95 time (pg_stat_statements when present, and devlogctl's own metrics)");
    queries->add_option("--limit", o->limit, "How many (default 20)")->type_name("N")->check(CLI::Range(1, 10000));
    queries->add_option("--sort", o->sort, "Order by total or p95 time (default total)")
        ->type_name("ORDER")
        ->check(CLI::IsMember({"total", "p95"}));
    queries->add_option("--since", o->since, "Window of performance_metrics to read (default 7d)")->type_name("DURATION");
    queries->callback([&ctx, o] { run_queries(ctx, *o); });

    auto* connections = stats->add_subcommand(
        "connections", "Client sessions by database, application, user and state (now, or --history from maintain's snapshots)");
    connections->add_flag("--history", o->history, "Summarise connection_pool_stats instead of the sessions now");
    connections->add_option("--since", o->since, "Window of --history (default 24h)")->type_name("DURATION");
    connections->callback([&ctx, o] { run_connections(ctx, *o); });
}

} // namespace devlog::cli
