#pragma once
// State shared by every command: global flags, output helpers, exit status.

#include "lib/db/database.hpp"
#include "lib/output/table.hpp"

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
};

struct GlobalOptions
{
    std::optional<std::string> database_url;
    std::optional<int> connect_timeout_s;
    std::string format = "table";
    int verbosity = 0;
    bool quiet = false;
    bool no_color = false;
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
    // Progress and notes for people: stderr, silenced by --quiet.
    void info(const std::string& message) const;
    // Extra detail: stderr, only with -v.
    void verbose(const std::string& message) const;
    void warn(const std::string& message) const;
    bool stdout_color() const;
    bool stderr_color() const;
};

// Adds --database-url, --connect-timeout, --format, -v, -q, --no-color, --version to APP.
void register_global(CLI::App& app, Context& ctx);
void register_migrate(CLI::App& app, Context& ctx);
void register_completion(CLI::App& app, Context& ctx);

} // namespace devlog::cli
