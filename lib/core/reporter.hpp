#pragma once
// How lib/ tells people what it is doing without printing: long tasks report their progress and
// notices go to a Reporter that cli/ implements (terminal line, log lines, or nothing in tests).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace devlog {

// How important a notice is. Errors and warnings always reach the user; info is silenced by -q;
// debug is shown only with -v.
enum class Level
{
    debug,
    info,
    warning,
    error
};

// The state of one long task, as lib/ reports it.
struct Progress
{
    std::string task;                              // what is being done: "importing events.ndjson"
    std::string unit = "rows";                     // what `done` counts, plural
    std::uint64_t done = 0;                        // units done so far
    std::optional<std::uint64_t> total = {};       // units in all, when known
    std::uint64_t bytes = 0;                       // bytes consumed so far (0 and no total_bytes: not shown)
    std::optional<std::uint64_t> total_bytes = {}; // bytes in all, when known (a file's size)
};

// How a task ended: finished, or stopped early (an error or an interruption unwound through it).
enum class TaskEnd
{
    finished,
    stopped
};

// Receives progress and notices from lib/. Implementations are thread-safe (workers may send
// notices while another thread reports progress) and cheap to call for every row: they throttle.
// One task runs at a time; begin() and end() bracket it (use Task rather than calling them).
class Reporter
{
public:
    virtual ~Reporter() = default;
    virtual void begin(const Progress& state) = 0;
    virtual void update(const Progress& state) = 0;
    virtual void end(const Progress& state, TaskEnd how) = 0;
    // One message for people. MESSAGE is one line without the trailing newline.
    virtual void notice(Level level, std::string_view message) = 0;

    void debug(std::string_view message) { notice(Level::debug, message); }
    void info(std::string_view message) { notice(Level::info, message); }
    void warn(std::string_view message) { notice(Level::warning, message); }
};

// Reports nothing: for tests and for callers that do not want to hear.
class NullReporter final : public Reporter
{
public:
    void begin(const Progress&) override {}
    void update(const Progress&) override {}
    void end(const Progress&, TaskEnd) override {}
    void notice(Level, std::string_view) override {}
};

// One task's progress, reported to a Reporter from construction to finish(). When finish() was not
// called (an exception unwinds through it), the destructor reports the task as stopped.
// Use it from one thread: workers add to their own counters and one thread reports the sum.
class Task
{
public:
    Task(Reporter& reporter, Progress initial);
    ~Task();
    Task(const Task&) = delete;
    Task& operator=(const Task&) = delete;

    // Adds UNITS and BYTES to what is done and reports the new state.
    void add(std::uint64_t units, std::uint64_t bytes = 0);
    // Sets the totals once they are known (nullopt: unknown).
    void set_totals(std::optional<std::uint64_t> units, std::optional<std::uint64_t> bytes);
    // Ends the task as finished. Further calls do nothing.
    void finish();
    const Progress& state() const noexcept { return m_state; }

private:
    Reporter& m_reporter;
    Progress m_state;
    bool m_ended = false;
};

} // namespace devlog
