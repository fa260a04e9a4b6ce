#include "lib/output/console_reporter.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <sstream>

using namespace devlog;
using namespace devlog::output;
using namespace std::chrono_literals;

namespace {

// A reporter writing into a string, on a clock the test moves.
struct Fixture
{
    std::ostringstream out;
    std::chrono::steady_clock::time_point now{};
    std::unique_ptr<ConsoleReporter> reporter;

    explicit Fixture(ConsoleOptions options)
    {
        Clocks clocks;
        clocks.steady = [this] { return now; };
        clocks.wall = [] { return std::chrono::system_clock::time_point(1'750'000'000s); }; // 2025-06-15T15:06:40Z
        reporter = std::make_unique<ConsoleReporter>(out, options, clocks);
    }
    std::string take()
    {
        std::string text = out.str();
        out.str("");
        return text;
    }
};

ConsoleOptions terminal(std::size_t width = 80)
{
    ConsoleOptions o;
    o.terminal = true;
    o.width = width;
    return o;
}

} // namespace

TEST_CASE("ConsoleReporter on a terminal")
{
    Fixture f(terminal());
    Progress p{.task = "importing", .done = 0};
    f.reporter->begin(p);
    p.done = 10;
    f.now += 50ms;
    f.reporter->update(p);
    CHECK(f.take() == ""); // an instant task never flashes a line
    f.now += 50ms;
    f.reporter->update(p);
    CHECK(f.take() == "\rimporting: 10 rows\033[K");
    p.done = 20;
    f.now += 99ms;
    f.reporter->update(p);
    CHECK(f.take() == ""); // throttled
    f.reporter->warn("bad line");
    CHECK(f.take() == "\r\033[Kdevlogctl: warning: bad line\n\rimporting: 10 rows\033[K");
    f.now += 1s;
    f.reporter->update(p);
    CHECK(f.take() == "\rimporting: 20 rows · 16.7 rows/s\033[K");
    f.reporter->end(p, TaskEnd::finished);
    CHECK(f.take() == "\r\033[K");
    f.reporter->info("done");
    CHECK(f.take() == "done\n");
}

TEST_CASE("ConsoleReporter redraws at most 10 times a second")
{
    Fixture f(terminal());
    Progress p{.task = "t"};
    f.reporter->begin(p);
    for (int i = 0; i < 1000; ++i) { // one update a millisecond for one second
        f.now += 1ms;
        p.done = static_cast<std::uint64_t>(i);
        f.reporter->update(p);
    }
    const std::string text = f.take();
    CHECK(std::count(text.begin(), text.end(), '\r') == 10);
}

TEST_CASE("ConsoleReporter fits the progress line to the terminal")
{
    Fixture f(terminal(30));
    const Progress p{.task = "importing a-very-long-file-name.ndjson", .done = 5};
    f.reporter->begin(p);
    f.now += 1s;
    f.reporter->update(p);
    CHECK(f.take() == "\rimporting a-very-long-file-n…\033[K");
}

TEST_CASE("ConsoleReporter without a terminal: log lines")
{
    Fixture f(ConsoleOptions{});
    Progress p{.task = "uploading", .unit = "events"};
    f.reporter->begin(p);
    for (int second = 1; second <= 25; ++second) {
        f.now += 1s;
        p.done += 100;
        f.reporter->update(p);
    }
    f.reporter->warn("server slow");
    f.reporter->end(p, TaskEnd::finished);
    CHECK(f.take() == "2025-06-15T15:06:40Z uploading: 1,000 events · 100 events/s\n"
                      "2025-06-15T15:06:40Z uploading: 2,000 events · 100 events/s\n"
                      "devlogctl: warning: server slow\n"
                      "2025-06-15T15:06:40Z uploading: done: 2,500 events in 25.0 s · 100 events/s\n");

    SUBCASE("under journald: no timestamps of our own; a daemon may stamp notices too")
    {
        ConsoleOptions options;
        options.timestamps = false;
        Fixture g(options);
        g.reporter->begin(p);
        g.reporter->end(p, TaskEnd::stopped);
        CHECK(g.take() == "uploading: stopped after 2,500 events in 0.0 s\n");
        options.timestamps = true;
        options.stamp_notices = true;
        Fixture h(options);
        h.reporter->notice(Level::error, "upload failed; retrying in 30 s");
        CHECK(h.take() == "2025-06-15T15:06:40Z devlogctl: error: upload failed; retrying in 30 s\n");
    }
}

TEST_CASE("ConsoleReporter levels: -q, -v, color")
{
    const auto all_levels = [](ConsoleOptions options) {
        Fixture f(options);
        Progress p{.task = "t", .done = 1};
        f.reporter->begin(p);
        f.now += 20s;
        f.reporter->update(p);
        f.reporter->debug("debug");
        f.reporter->info("info");
        f.reporter->warn("warning");
        f.reporter->notice(Level::error, "error");
        f.reporter->end(p, TaskEnd::finished);
        return f.take();
    };
    ConsoleOptions options;
    options.timestamps = false;
    CHECK(all_levels(options) == "t: 1 rows · 0.1 rows/s\ninfo\ndevlogctl: warning: warning\n"
                                 "devlogctl: error: error\nt: done: 1 rows in 20.0 s · 0.1 rows/s\n");
    options.verbosity = 1;
    CHECK(all_levels(options) == "t: 1 rows · 0.1 rows/s\ndebug\ninfo\ndevlogctl: warning: warning\n"
                                 "devlogctl: error: error\nt: done: 1 rows in 20.0 s · 0.1 rows/s\n");
    options.quiet = true; // -q wins over -v; warnings and errors are never silenced
    CHECK(all_levels(options) == "devlogctl: warning: warning\ndevlogctl: error: error\n");
    options.color = true;
    CHECK(all_levels(options) ==
          "\033[33mdevlogctl: warning:\033[0m warning\n\033[31mdevlogctl: error:\033[0m error\n");
    auto quiet_terminal = terminal();
    quiet_terminal.quiet = true;
    CHECK(all_levels(quiet_terminal) == "devlogctl: warning: warning\ndevlogctl: error: error\n");
}
