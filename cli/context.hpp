#pragma once
// State shared by every command: global flags, output helpers, exit status.

#include "lib/core/reporter.hpp"
#include "lib/db/database.hpp"
#include "lib/output/console_reporter.hpp"
#include "lib/output/sink.hpp"
#include "lib/output/table.hpp"

#include <memory>
#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace devlog::cli {

// Documented in README "Exit codes" and man/devlogctl.1.scd.
enum class ExitCode : int
{
    ok = 0,
    failure = 1,      // the operation failed (server error, bad input file, ...)
    usage = 2,        // bad command line or flag value
    cannot_connect = 3,
    drift = 4,        // migration history does not match the files
    pending = 5,      // pending migrations (migrate verify --strict)
    lock_timeout = 6, // another process held the lock too long
    unhealthy = 7,    // status found problems
    unavailable = 8,  // TimescaleDB is not available (not installed, not preloaded, not allowed)
    rejected = 9,     // import finished but skipped bad records
    queue_full = 10,  // collect: the queue reached --max-queue-size; collection paused
    upload_incomplete = 11, // upload: the server stayed unreachable until --timeout; events stay queued
};

struct GlobalOptions
{
    std::optional<std::string> database_url;
    std::optional<int> connect_timeout_s;
    std::string format = "table";
    int verbosity = 0;
    bool quiet = false;
    bool no_color = false;
    bool record_metrics = false; // --record-metrics: write performance_metrics (lib/stats/perf_metrics.hpp)
};

class Context
{
public:
    GlobalOptions global;
    ExitCode exit_code = ExitCode::ok;

    // Where and how to connect (--database-url / environment, see README "Configuration"), as a
    // value: open it once, or several times for commands that need more than one connection.
    db::ConnectSettings connect_settings() const;
    // Connects with connect_settings().
    db::Database open_database() const;
    output::Format format() const;
    // Writes TABLE to stdout in the chosen --format.
    void print(const output::Table& table) const;
    // A sink that streams rows to stdout in the chosen --format; tables fit the terminal's width
    // when stdout is one. Call flush() on it after each batch and before waiting (--follow).
    std::unique_ptr<output::RowSink> stdout_sink() const;
    // Progress and notices on stderr, for lib/ functions to report to: progress drawn on one line
    // when stderr is a terminal, else a timestamped log line every 10 s and a summary per task;
    // -q silences progress and info, never warnings and errors; -v adds debug notices.
    Reporter& reporter() const;
    // Progress and notes for people: stderr, silenced by --quiet.
    void info(const std::string& message) const;
    // Extra detail: stderr, only with -v.
    void verbose(const std::string& message) const;
    void warn(const std::string& message) const;
    bool stdout_color() const;
    bool stderr_color() const;
    // How stdout_sink() renders: color, and the terminal's width when stdout is one (for commands
    // that render tables themselves, e.g. one table per batch with --follow).
    output::RenderOptions stdout_options() const;

private:
    mutable std::unique_ptr<output::ConsoleReporter> m_reporter; // made on first use, after parsing
};

// Adds --database-url, --connect-timeout, --format, -v, -q, --no-color, --version to APP.
void register_global(CLI::App& app, Context& ctx);
void register_migrate(CLI::App& app, Context& ctx);
void register_timescale(CLI::App& app, Context& ctx);
void register_status(CLI::App& app, Context& ctx);
void register_import(CLI::App& app, Context& ctx);
void register_query(CLI::App& app, Context& ctx);
void register_stats(CLI::App& app, Context& ctx);
void register_partition(CLI::App& app, Context& ctx);
void register_maintain(CLI::App& app, Context& ctx);
// Adds `stats queries` and `stats connections` to the stats group (creates it when absent): call
// it after register_stats.
void register_stats_maintenance(CLI::App& app, Context& ctx);
void register_collect(CLI::App& app, Context& ctx);
void register_upload(CLI::App& app, Context& ctx); // upload and queue
void register_roles(CLI::App& app, Context& ctx);
void register_completion(CLI::App& app, Context& ctx);

} // namespace devlog::cli
