#include "lib/core/reporter.hpp"
#include "lib/output/console_reporter.hpp"

#include <doctest/doctest.h>

#include <sstream>
#include <stdexcept>

using namespace devlog;

namespace {

// A real reporter writing plain log lines into a string, on a clock that does not move.
struct LogReporter
{
    std::ostringstream out;
    output::ConsoleReporter reporter;
    LogReporter() : reporter(out, options(), clocks()) {}

    static output::ConsoleOptions options()
    {
        output::ConsoleOptions o;
        o.timestamps = false;
        return o;
    }
    static output::Clocks clocks()
    {
        output::Clocks c;
        c.steady = [] { return std::chrono::steady_clock::time_point{}; };
        return c;
    }
};

} // namespace

TEST_CASE("Task")
{
    LogReporter log;
    SUBCASE("adds up and finishes once")
    {
        Task task(log.reporter, {.task = "loading", .unit = "events"});
        task.add(10, 1000);
        task.add(5, 500);
        CHECK(task.state().done == 15);
        CHECK(task.state().bytes == 1500);
        task.set_totals(20, std::nullopt);
        CHECK(task.state().total == 20);
        task.finish();
        task.finish();
        CHECK(log.out.str() == "loading: done: 15 events · 1.5 kB in 0.0 s\n");
    }
    SUBCASE("an exception unwinding through it reports the task stopped")
    {
        try {
            Task task(log.reporter, {.task = "loading", .unit = "events", .total = 100});
            task.add(40);
            throw std::runtime_error("server went away");
        } catch (const std::runtime_error&) {
        }
        CHECK(log.out.str() == "loading: stopped after 40 of 100 events (40%) in 0.0 s\n");
    }
}

TEST_CASE("NullReporter accepts everything and says nothing")
{
    NullReporter null;
    Reporter& reporter = null;
    Task task(reporter, {.task = "x"});
    task.add(1);
    reporter.warn("ignored");
    reporter.notice(Level::error, "ignored");
    task.finish();
    CHECK(task.state().done == 1);
}
