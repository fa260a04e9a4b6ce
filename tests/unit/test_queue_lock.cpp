#include "lib/queue/lock.hpp"

#include "lib/core/errors.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <thread>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

using namespace devlog;
using namespace devlog::queue;

namespace {

struct TempDir
{
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("devlog-lock-" + std::to_string(::getpid()));
    TempDir() { std::filesystem::create_directories(dir); }
    ~TempDir() { std::filesystem::remove_all(dir); }
    std::string file(const char* name) const { return (dir / name).string(); }
};

std::string contents(const std::string& path)
{
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

TEST_CASE("held_by: nobody, then the holder's own words, and the probe leaves them alone")
{
    TempDir tmp;
    const auto path = tmp.file("collect.lock");
    CHECK_FALSE(InstanceLock::held_by(path).has_value()); // no file yet
    CHECK_FALSE(std::filesystem::exists(path));           // and the probe did not create one
    {
        InstanceLock lock(path, "devlogctl collect --daemon", std::chrono::milliseconds(0));
        const auto who = InstanceLock::held_by(path);
        REQUIRE(who.has_value());
        CHECK(who->rfind("devlogctl collect --daemon, pid ", 0) == 0);
        CHECK(contents(path).rfind("devlogctl collect --daemon, pid ", 0) == 0);
    }
    CHECK_FALSE(InstanceLock::held_by(path).has_value()); // released with its holder
    CHECK(contents(path).rfind("devlogctl collect --daemon", 0) == 0); // the probe wrote nothing
}

TEST_CASE("InstanceLock: a second instance is refused with the holder named; a waiting one gets it once free")
{
    TempDir tmp;
    const auto path = tmp.file("collect.lock");
    auto first = std::make_unique<InstanceLock>(path, "devlogctl collect --daemon", std::chrono::milliseconds(0));
    try {
        InstanceLock second(path, "devlogctl collect", std::chrono::milliseconds(0));
        FAIL("the second lock was granted");
    } catch (const LockTimeout& e) {
        CHECK(std::string(e.what()).find("devlogctl collect --daemon, pid") != std::string::npos);
    }
    // A momentary holder (what a `queue status` probe was): a lock that waits a little gets it.
    const int probe = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    first.reset();
    REQUIRE(::flock(probe, LOCK_SH | LOCK_NB) == 0);
    std::thread release([probe] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        ::close(probe);
    });
    CHECK_NOTHROW(InstanceLock(path, "devlogctl collect --daemon", std::chrono::seconds(1)));
    release.join();
}
