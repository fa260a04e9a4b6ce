#pragma once
// One collector (or one uploader) per queue at a time: an advisory lock (flock) on a file beside
// the queue, released by the kernel when the process ends however it ends (kill -9 included).

#include <chrono>
#include <optional>
#include <string>

namespace devlog::queue {

class InstanceLock
{
public:
    // Locks PATH (created when missing), waiting up to WAIT (zero: not at all). Throws LockTimeout
    // naming the process that holds it ("devlogctl collect --daemon, pid 123") when it stays locked.
    InstanceLock(std::string path, std::string holder, std::chrono::milliseconds wait);
    ~InstanceLock();
    InstanceLock(const InstanceLock&) = delete;
    InstanceLock& operator=(const InstanceLock&) = delete;

    // What the holder of the lock file PATH wrote ("devlogctl collect --daemon, pid 123"), if anything.
    static std::optional<std::string> holder_of(const std::string& path);

    // Whether a process holds the lock file PATH now, and what it wrote ("running" when nothing):
    // a probe for `queue status`. It takes a shared lock for an instant and writes nothing, so it
    // never passes for the holder; an InstanceLock started at that instant waits for it to pass.
    static std::optional<std::string> held_by(const std::string& path);

private:
    int m_fd = -1;
    std::string m_path;
};

// Like InstanceLock, but gives up at once and says so instead of throwing: for a daemon that
// skips a round when a cron upload is running.
class TryLock
{
public:
    explicit TryLock(const std::string& path, const std::string& holder);
    ~TryLock();
    TryLock(const TryLock&) = delete;
    TryLock& operator=(const TryLock&) = delete;
    bool locked() const { return m_fd >= 0; }

private:
    int m_fd = -1;
};

} // namespace devlog::queue
