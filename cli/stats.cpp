// devlogctl stats: storage, compression, chunks, jobs, aggregates (lib/stats).
#include "cli/context.hpp"
#include "lib/stats/stats.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <functional>
#include <memory>
#include <vector>

namespace devlog::cli {
namespace {

struct StatsOptions
{
    bool chunks = false;
};

// "1.5 MiB": bytes for people (tables); scripts get the exact numbers (json, csv).
std::string human_bytes(std::int64_t bytes)
{
    static constexpr std::array<const char*, 5> k_units = {"KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 1024) {
        return fmt::format("{} B", bytes);
    }
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    for (value /= 1024; value >= 1024 && unit + 1 < k_units.size(); value /= 1024) {
        ++unit;
    }
    return fmt::format("{:.1f} {}", value, k_units[unit]);
}

void show(const Context& ctx, stats::Report report)
{
    if (ctx.format() == output::Format::table) {
        for (std::size_t c = 0; c < report.table.columns.size(); ++c) {
            if (!report.table.columns[c].ends_with("_bytes")) {
                continue;
            }
            for (auto& row : report.table.rows) {
                if (row[c].is_number_integer()) {
                    row[c] = human_bytes(row[c].get<std::int64_t>());
                }
            }
        }
    }
    ctx.print(report.table);
    for (const auto& note : report.notes) {
        ctx.info(note);
    }
}

} // namespace

void register_stats(CLI::App& app, Context& ctx)
{
    auto o = std::make_shared<StatsOptions>();
    auto* stats = app.add_subcommand("stats", "What the database costs to keep: sizes, compression, chunks, jobs");
    stats->require_subcommand(1);

    struct Report
    {
        const char* name;
        const char* description;
        std::function<stats::Report(db::Database&)> run;
    };
    const std::vector<Report> reports = {
        {"storage", "Per table: rows, table, index and TOAST bytes, bytes per row", stats::storage},
        {"compression", "Per hypertable: compressed chunks, bytes before and after, ratio",
         [o](db::Database& db) { return stats::compression(db, o->chunks); }},
        {"chunks", "Every chunk: time range, compression status, sizes", stats::chunks},
        {"jobs", "TimescaleDB jobs: schedule, last and next run, failures, last error", stats::jobs},
        {"aggregates", "Continuous aggregates and rollups: watermark, lag, refresh policy", stats::aggregates}};
    std::vector<CLI::App*> subcommands;
    for (const auto& report : reports) {
        auto* sub = stats->add_subcommand(report.name, report.description);
        sub->callback([&ctx, run = report.run] {
            auto db = ctx.open_database();
            show(ctx, run(db));
        });
        subcommands.push_back(sub);
    }
    subcommands[1]->add_flag("--chunks", o->chunks, "One row per chunk instead of per hypertable");

    const char* const footer = "Global options (--database-url, --format, -v, ...) apply too: see devlogctl --help and "
                               "devlogctl-stats(1).";
    stats->footer(footer);
    for (CLI::App* sub : subcommands) {
        sub->footer(footer);
    }
}

} // namespace devlog::cli
