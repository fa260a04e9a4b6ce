// devlogctl: administration and analytics for the devlog agent-observability database.
#include "cli/context.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>


namespace {

using devlog::cli::ExitCode;

// Prints E through the reporter (which clears a progress line first): "devlogctl: error: ...",
// its hint, and with -v its detail.
int report(const devlog::cli::Context& ctx, const devlog::Error& e, ExitCode code)
{
    std::string text = e.what();
    if (!e.hint().empty()) {
        text += "\n  hint: " + e.hint();
    }
    if (!e.detail().empty() && ctx.global.verbosity > 0) {
        text += "\n  detail:\n" + e.detail();
    }
    ctx.reporter().notice(devlog::Level::error, text);
    return static_cast<int>(code);
}

// The deepest command the user named ("devlogctl migrate up"), for hints: CLI11 reports parse
// errors against the top-level app.
const CLI::App* deepest_command(const CLI::App* app)
{
    for (;;) {
        const auto chosen = app->get_subcommands();
        if (chosen.size() != 1) {
            return app;
        }
        app = chosen.front();
    }
}

std::string command_path(const CLI::App* app)
{
    std::string path = app->get_name();
    for (const CLI::App* parent = app->get_parent(); parent != nullptr; parent = parent->get_parent()) {
        path = parent->get_name() + " " + path;
    }
    return path;
}

// One line for a parse error; an unknown or missing command lists the commands there are.
std::string parse_error_message(const CLI::App* app, const CLI::Error& e)
{
    const std::string what = e.what();
    std::string names;
    for (const CLI::App* sub : app->get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); })) {
        names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    auto extra = app->remaining();
    if (const auto colon = what.find("not expected: "); extra.empty() && colon != std::string::npos) {
        extra.push_back(what.substr(colon + 14, what.find(' ', colon + 14) - colon - 14));
    }
    const bool unknown_word = !names.empty() && !extra.empty() && !extra.front().starts_with("-") &&
                              (what.find("subcommand is required") != std::string::npos ||
                               what.starts_with("The following argument was not expected"));
    if (unknown_word) {
        return fmt::format("unknown command '{}' (commands: {})", extra.front(), names);
    }
    if (what.find("subcommand is required") != std::string::npos) {
        return fmt::format("'{}' needs a command: {}", command_path(app), names);
    }
    return what;
}

} // namespace

int main(int argc, char** argv)
{
    devlog::interrupt::install();
    devlog::cli::Context ctx;
    CLI::App app{"devlogctl: administration and analytics for the devlog AI-agent observability database "
                 "(PostgreSQL + TimescaleDB)",
                 "devlogctl"};
    app.fallthrough();
    app.require_subcommand(1);
    devlog::cli::register_global(app, ctx);
    devlog::cli::register_migrate(app, ctx);
    devlog::cli::register_timescale(app, ctx);
    devlog::cli::register_status(app, ctx);
    devlog::cli::register_import(app, ctx);
    devlog::cli::register_query(app, ctx);
    devlog::cli::register_stats(app, ctx);
    devlog::cli::register_partition(app, ctx);
    devlog::cli::register_maintain(app, ctx);
    devlog::cli::register_stats_maintenance(app, ctx);
    devlog::cli::register_collect(app, ctx);
    devlog::cli::register_upload(app, ctx);
    devlog::cli::register_roles(app, ctx);
    devlog::cli::register_completion(app, ctx);
    app.footer("Exit codes: 0 ok, 1 failure, 2 usage error, 3 cannot connect, 4 drift found, 5 pending "
               "migrations (verify --strict), 6 lock timeout, 7 unhealthy (status), 8 TimescaleDB not available, "
               "9 import finished with rejected records, 10 queue full (collect), 11 upload incomplete, "
               "130/143 interrupted (SIGINT/SIGTERM).\nSee "
               "devlogctl(1) and devlogctl-COMMAND(1).");
    // Parse errors take the same path as every other error: "devlogctl: error: ..." and a hint.
    app.failure_message([&ctx](const CLI::App* root, const CLI::Error& e) {
        const CLI::App* command = deepest_command(root);
        return std::string(ctx.stderr_color() ? "\033[31mdevlogctl: error:\033[0m " : "devlogctl: error: ") +
               parse_error_message(command, e) + "\n  hint: see '" + command_path(command) + " --help'\n";
    });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
    } catch (const devlog::UsageError& e) {
        return report(ctx, e, ExitCode::usage);
    } catch (const devlog::ConnectError& e) {
        return report(ctx, e, ExitCode::cannot_connect);
    } catch (const devlog::DriftError& e) {
        return report(ctx, e, ExitCode::drift);
    } catch (const devlog::LockTimeout& e) {
        return report(ctx, e, ExitCode::lock_timeout);
    } catch (const devlog::UnavailableError& e) {
        return report(ctx, e, ExitCode::unavailable);
    } catch (const devlog::Interrupted& e) {
        report(ctx, e, ExitCode::failure);
        return 128 + e.signal();
    } catch (const devlog::Error& e) {
        return report(ctx, e, ExitCode::failure);
    } catch (const std::exception& e) {
        return report(ctx, devlog::Error(e.what()), ExitCode::failure);
    }
    return static_cast<int>(ctx.exit_code);
}
