#include "cli/context.hpp"

#include "lib/core/version.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace devlog::cli {

void register_global(CLI::App& app, Context& ctx)
{
    auto& g = ctx.global;
    app.set_version_flag("--version", fmt::format("devlogctl {}", k_version), "Print the version and exit");
    app.add_option("--database-url", g.database_url,
                   "PostgreSQL URL or key=value string (default: $DEVLOG_DATABASE_URL, $DATABASE_URL, then "
                   "libpq's PG* variables and ~/.pgpass)")
        ->type_name("URL");
    app.add_option("--connect-timeout", g.connect_timeout_s, "Seconds to wait for the server to answer (default 10)")
        ->type_name("SECONDS")
        ->check(CLI::Range(1, 3600));
    app.add_option("--format", g.format, "Output format for data")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"table", "json", "ndjson", "csv"}));
    app.add_flag("-v,--verbose", g.verbosity, "More detail on stderr (failing SQL, server messages)");
    app.add_flag("-q,--quiet", g.quiet, "Only errors on stderr");
    app.add_flag("--no-color", g.no_color, "Never use color (also: NO_COLOR environment variable)");
}

db::ConnectSettings Context::connect_settings() const
{
    db::ConnectSettings settings;
    settings.source = db::resolve_url(global.database_url);
    settings.connect_timeout_s = global.connect_timeout_s;
    return settings;
}

db::Database Context::open_database() const
{
    const db::ConnectSettings settings = connect_settings();
    verbose(fmt::format("connecting to {} (from {})", settings.source.url.empty() ? "libpq defaults" : db::redact(settings.source.url),
                        settings.source.origin));
    return db::Database::open(settings);
}

output::Format Context::format() const
{
    return output::parse_format(global.format);
}

void Context::print(const output::Table& table) const
{
    output::render(std::cout, table, format(), {stdout_color()});
    std::cout.flush();
}

void Context::info(const std::string& message) const
{
    if (!global.quiet) {
        std::cerr << message << '\n';
    }
}

void Context::verbose(const std::string& message) const
{
    if (global.verbosity > 0 && !global.quiet) {
        std::cerr << message << '\n';
    }
}

void Context::warn(const std::string& message) const
{
    std::cerr << (stderr_color() ? "\033[33mdevlogctl: warning:\033[0m " : "devlogctl: warning: ") << message << '\n';
}

namespace {
bool color_allowed(const GlobalOptions& g, int fd)
{
    const char* no_color = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    return !g.no_color && (no_color == nullptr || *no_color == '\0') && isatty(fd) == 1 &&
           !(term != nullptr && std::string(term) == "dumb");
}
} // namespace

bool Context::stdout_color() const
{
    return color_allowed(global, STDOUT_FILENO);
}

bool Context::stderr_color() const
{
    return color_allowed(global, STDERR_FILENO);
}

} // namespace devlog::cli
