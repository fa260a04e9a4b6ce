#pragma once
// The Reporter that cli/ gives lib/: progress and notices on a stream meant for people (stderr).
// cli/ decides what the stream is (a terminal? how wide? colors? -q, -v?); this renders it.

#include "lib/core/reporter.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <ostream>
#include <string>

namespace devlog::output {

struct ConsoleOptions
{
    bool terminal = false;  // the stream is a terminal: progress is redrawn on one line
    std::size_t width = 80; // the terminal's width in columns
    bool color = false;     // color the "warning:" and "error:" prefixes
    bool quiet = false;     // -q: no progress, no info; warnings and errors still show
    int verbosity = 0;      // -v (> 0): debug notices too
    // Not a terminal: progress becomes a log line at most every LOG_INTERVAL, and each task ends
    // with a summary line; TIMESTAMPS starts those lines with the UTC time (off under journald,
    // which stamps lines itself); STAMP_NOTICES stamps notices too (a daemon writing to a file).
    bool timestamps = true;
    bool stamp_notices = false;
    std::chrono::milliseconds redraw_interval{100}; // terminal: at most 10 redraws a second
    std::chrono::seconds log_interval{10};
};

// Where the reporter reads the time; tests pass fixed clocks.
struct Clocks
{
    std::function<std::chrono::steady_clock::time_point()> steady = [] { return std::chrono::steady_clock::now(); };
    std::function<std::chrono::system_clock::time_point()> wall = [] { return std::chrono::system_clock::now(); };
};

// Renders to OUT (which must outlive it). On a terminal: one progress line, redrawn in place
// ("\r…\033[K") at most every redraw_interval, first after one interval (instant tasks never
// flash), cleared when the task ends; notices are printed above it. Otherwise plain lines (see
// ConsoleOptions). Notices: info and debug as the message alone, warnings and errors after
// "devlogctl: warning: " / "devlogctl: error: ".
class ConsoleReporter final : public Reporter
{
public:
    ConsoleReporter(std::ostream& out, ConsoleOptions options, Clocks clocks = {});
    ~ConsoleReporter() override;
    ConsoleReporter(const ConsoleReporter&) = delete;
    ConsoleReporter& operator=(const ConsoleReporter&) = delete;

    void begin(const Progress& state) override;
    void update(const Progress& state) override;
    void end(const Progress& state, TaskEnd how) override;
    void notice(Level level, std::string_view message) override;

    const ConsoleOptions& options() const noexcept { return m_options; }

private:
    void draw(const std::string& line);
    void clear_line();
    void log_line(const std::string& line, bool stamp);

    std::mutex m_mutex;
    std::ostream& m_out;
    ConsoleOptions m_options;
    Clocks m_clocks;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_last_shown; // last redraw or log line (or the start)
    std::string m_shown;                                // the progress line on the terminal now ("" when none)
};

} // namespace devlog::output
