#include "lib/collect/collector.hpp"

#include "collect_helpers.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace devlog;
using namespace devlog::collect;
namespace fs = std::filesystem;

namespace {

std::string prompt(int n)
{
    return R"({"type":"user","sessionId":"11111111-1111-4111-8111-111111111111","cwd":"/nowhere","timestamp":"2026-11-20T10:00:00Z","uuid":"u)" +
           std::to_string(n) + R"(","message":{"role":"user","content":"p"}})";
}

struct Setup
{
    fs::path dir = fs::temp_directory_path() / ("devlog-collector-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    fs::path file = dir / "home/.claude/projects/-x/s.jsonl";
    queue::Queue queue{(dir / "q.db").string()};
    Identities identities{test::test_machine()};
    NullReporter reporter;
    CollectOptions options;
    Setup()
    {
        fs::create_directories(file.parent_path());
        options.roots = {{Kind::claude_code, (dir / "home/.claude").string(), "test"}};
        options.settle = std::chrono::hours(1);
    }
    ~Setup() { fs::remove_all(dir); }
    static int& counter()
    {
        static int n = 0;
        return n;
    }
    void append(const std::string& text) const { std::ofstream(file, std::ios::app) << text; }
    CollectResult pass() { return collect_once(queue, identities, options, reporter); }
};

} // namespace

TEST_CASE("collect_once: only complete lines; a half-written line waits for its end")
{
    Setup s;
    const std::string third = prompt(3);
    s.append(prompt(1) + "\n" + prompt(2) + "\n" + third.substr(0, 40));
    auto r = s.pass();
    CHECK(r.events.inserted == 3); // session_start and two prompts
    CHECK(r.lines == 2);
    CHECK(s.queue.checkpoint(s.file.string())->offset == static_cast<std::int64_t>(2 * (prompt(1).size() + 1)));
    r = s.pass(); // unchanged, but not read to its end: looked at again
    CHECK(r.files_read == 1);
    CHECK(r.events.inserted == 0);
    s.append(third.substr(40) + "\n");
    r = s.pass();
    CHECK(r.events.inserted == 1);
    CHECK(r.malformed == 0);
    r = s.pass();
    CHECK(r.files_read == 0); // read to its end and unchanged: not opened
}

TEST_CASE("collect_once: a last line without newline is taken once the file has settled")
{
    Setup s;
    s.append(prompt(1) + "\n" + prompt(2));
    CHECK(s.pass().events.inserted == 2);
    s.options.settle = std::chrono::seconds(0);
    CHECK(s.pass().events.inserted == 1);
    s.append("\n" + prompt(3) + "\n"); // the writer finishes the line later: nothing twice
    const auto r = s.pass();
    CHECK(r.events.inserted == 1);
    CHECK(r.events.duplicates == 1); // the session's start, which each pass meets again
    CHECK(s.queue.status().events == 4);
}

TEST_CASE("collect_once: a replaced or truncated file is read again from the start without duplicates")
{
    Setup s;
    s.append(prompt(1) + "\n" + prompt(2) + "\n");
    CHECK(s.pass().events.inserted == 3);
    const auto tmp = s.file.string() + ".tmp";
    std::ofstream(tmp) << prompt(1) << "\n" << prompt(2) << "\n" << prompt(3) << "\n";
    fs::rename(tmp, s.file); // a new inode
    auto r = s.pass();
    CHECK(r.restarted == 1);
    CHECK(r.events.inserted == 1);
    CHECK(r.events.duplicates == 3);
    std::ofstream(s.file, std::ios::trunc) << prompt(4) << "\n"; // truncated in place
    r = s.pass();
    CHECK(r.restarted == 1);
    CHECK(r.events.inserted == 1);
    fs::remove(s.file);
    r = s.pass();
    CHECK(r.forgotten == 1);
    CHECK(s.queue.status().events == 5);
}
