// devlogctl status: is the devlog database healthy? For people and monitors (exit 7 when not).
#include "lib/status/status.hpp"
#include "cli/context.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>

namespace devlog::cli {
namespace {

void run_status(Context& ctx)
{
    auto db = ctx.open_database();
    const auto report = status::run(db, status::default_checks());
    const bool table = ctx.format() == output::Format::table;
    auto sink = ctx.stdout_sink();
    if (table) {
        sink->begin({"check", "subject", "health", "detail"});
    } else {
        sink->begin({"check", "subject", "health", "detail", "reason", "hint"});
    }
    const auto text = [](const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); };
    for (const auto& item : report.items()) {
        if (table) {
            sink->row({item.check, item.subject, status::to_string(item.health), item.detail});
        } else {
            sink->row({item.check, item.subject, status::to_string(item.health), text(item.detail), text(item.reason),
                       text(item.hint)});
        }
    }
    sink->end();
    const auto problems = report.count(status::Health::problem);
    if (table) {
        // One line per problem (and warning), so that cron mail and monitors can act on it.
        std::cout << '\n'
                  << (problems == 0 ? "healthy"
                                    : fmt::format("unhealthy: {} problem{}", problems, problems == 1 ? "" : "s"))
                  << '\n';
        for (const auto health : {status::Health::problem, status::Health::warning}) {
            for (const auto& item : report.items()) {
                if (item.health == health) {
                    std::cout << status::to_string(health) << ": " << item.reason << '\n';
                    if (!item.hint.empty()) {
                        std::cout << "  what to do: " << item.hint << '\n';
                    }
                }
            }
        }
    }
    if (problems > 0) {
        ctx.exit_code = ExitCode::unhealthy;
    }
}

} // namespace

void register_status(CLI::App& app, Context& ctx)
{
    auto* status = app.add_subcommand("status", "Health check: migrations, TimescaleDB jobs, aggregate freshness, "
                                                "compression backlog (exit 7 when unhealthy)");
    status->callback([&ctx] { run_status(ctx); });
    status->footer("Exit status 0 when healthy, 7 when not (one line per problem). Global options (--database-url, "
                   "--format, ...) apply: see devlogctl --help and devlogctl-status(1).");
}

} // namespace devlog::cli
