#include "lib/queue/lock.hpp"

#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <sys/file.h>
#include <unistd.h>

namespace devlog::queue {
namespace {

int open_lock(const std::string& path)
{
    const auto dir = std::filesystem::path(path).parent_path();
    std::error_code ec;
    if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
        std::filesystem::create_directories(dir, ec);
        ::chmod(dir.c_str(), 0700);
    }
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw Error(fmt::format("cannot open the lock file {}: {}", path, std::strerror(errno)),
                    "check that the queue's directory is writable, or choose another with --queue");
    }
    return fd;
}

void write_holder(int fd, const std::string& holder)
{
    const std::string text = fmt::format("{}, pid {}\n", holder, ::getpid());
    if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] const auto n = ::pwrite(fd, text.data(), text.size(), 0);
    }
}

} // namespace

std::optional<std::string> InstanceLock::holder_of(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    char buffer[256] = {};
    const auto n = ::pread(fd, buffer, sizeof buffer - 1, 0);
    ::close(fd);
    std::string text(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    return text;
}

std::optional<std::string> InstanceLock::held_by(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt; // never locked
    }
    const bool free = ::flock(fd, LOCK_SH | LOCK_NB) == 0;
    ::close(fd);
    if (free) {
        return std::nullopt;
    }
    const auto who = holder_of(path);
    return who && !who->empty() ? *who : std::string("running");
}

InstanceLock::InstanceLock(std::string path, std::string holder, std::chrono::milliseconds wait)
    : m_path(std::move(path))
{
    m_fd = open_lock(m_path);
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        if (std::chrono::steady_clock::now() >= deadline) {
            ::close(m_fd);
            m_fd = -1;
            const auto who = holder_of(m_path);
            throw LockTimeout(fmt::format("another devlogctl uses this queue ({})", who && !who->empty() ? *who : m_path),
                              "one collector per queue: stop the other one, or give this one its own --queue");
        }
        interrupt::sleep_for(std::chrono::milliseconds(200));
        interrupt::check();
    }
    write_holder(m_fd, holder);
}

InstanceLock::~InstanceLock()
{
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

TryLock::TryLock(const std::string& path, const std::string& holder)
{
    m_fd = open_lock(path);
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(m_fd);
        m_fd = -1;
        return;
    }
    write_holder(m_fd, holder);
}

TryLock::~TryLock()
{
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

} // namespace devlog::queue
