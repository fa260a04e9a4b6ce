#include "cli/context.hpp"

#include "lib/core/version.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <sys/ioctl.h>
#include <sys/stat.h>
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
        ->check(CLI::IsMember(output::format_names()));
    app.add_flag("-v,--verbose", g.verbosity, "More detail on stderr (failing SQL, server messages)");
    app.add_flag("-q,--quiet", g.quiet, "Only errors on stderr");
    app.add_flag("--no-color", g.no_color, "Never use color (also: NO_COLOR environment variable)");
    app.add_flag("--record-metrics", g.record_metrics,
                 "Record how long devlogctl's work took in performance_metrics (also: DEVLOG_RECORD_METRICS=1, or the "
                 "database setting devlog.record_metrics = on)");
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
    output::render(std::cout, table, format(), stdout_options());
}

std::unique_ptr<output::RowSink> Context::stdout_sink() const
{
    return output::make_sink(std::cout, format(), stdout_options());
}

void Context::info(const std::string& message) const
{
    reporter().notice(Level::info, message);
}

void Context::verbose(const std::string& message) const
{
    reporter().notice(Level::debug, message);
}

void Context::warn(const std::string& message) const
{
    reporter().notice(Level::warning, message);
}

namespace {
bool color_allowed(const GlobalOptions& g, int fd)
{
    const char* no_color = std::getenv("NO_COLOR");
    const char* term = std::getenv("TERM");
    return !g.no_color && (no_color == nullptr || *no_color == '\0') && isatty(fd) == 1 &&
           !(term != nullptr && std::string(term) == "dumb");
}

// FD's width in columns when it is a terminal: the kernel's idea, else $COLUMNS, else 80.
std::optional<std::size_t> terminal_width(int fd)
{
    if (isatty(fd) != 1) {
        return std::nullopt;
    }
    winsize size{};
    if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
        return size.ws_col;
    }
    const char* columns = std::getenv("COLUMNS");
    const long parsed = columns != nullptr ? std::strtol(columns, nullptr, 10) : 0;
    return parsed > 0 ? static_cast<std::size_t>(parsed) : 80;
}

// systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the journal stream it connects stdout and stderr
// to; journald stamps each line itself.
bool stderr_is_journal()
{
    const char* stream = std::getenv("JOURNAL_STREAM");
    struct stat st{};
    if (stream == nullptr || fstat(STDERR_FILENO, &st) != 0) {
        return false;
    }
    return std::string(stream) == fmt::format("{}:{}", st.st_dev, st.st_ino);
}
} // namespace

output::RenderOptions Context::stdout_options() const
{
    return {stdout_color(), terminal_width(STDOUT_FILENO)};
}

Reporter& Context::reporter() const
{
    if (!m_reporter) {
        const char* term = std::getenv("TERM");
        const auto width = terminal_width(STDERR_FILENO);
        output::ConsoleOptions options;
        options.terminal = width.has_value() && !(term != nullptr && std::string(term) == "dumb");
        options.width = width.value_or(80);
        options.color = stderr_color();
        options.quiet = global.quiet;
        options.verbosity = global.verbosity;
        options.timestamps = !stderr_is_journal();
        m_reporter = std::make_unique<output::ConsoleReporter>(std::cerr, options);
    }
    return *m_reporter;
}

bool Context::stdout_color() const
{
    return color_allowed(global, STDOUT_FILENO);
}

bool Context::stderr_color() const
{
    return color_allowed(global, STDERR_FILENO);
}

} // namespace devlog::cli
