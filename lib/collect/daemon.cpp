#include "lib/collect/daemon.hpp"

#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/runner.hpp"
#include "lib/queue/lock.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <map>
#include <poll.h>
#include <random>
#include <sys/inotify.h>
#include <unistd.h>

namespace devlog::collect {
namespace {

using Clock = std::chrono::steady_clock;

// Without inotify, files are looked at this often (or every rescan_interval when shorter).
constexpr std::chrono::milliseconds k_poll = std::chrono::seconds(30);

// Forwards notices, drops progress: a pass every second must not log a summary line each time.
class NoticesOnly final : public Reporter
{
public:
    explicit NoticesOnly(Reporter& to) : m_to(to) {}
    void begin(const Progress&) override {}
    void update(const Progress&) override {}
    void end(const Progress&, TaskEnd) override {}
    void notice(Level level, std::string_view message) override { m_to.notice(level, message); }

private:
    Reporter& m_to;
};

// inotify watches on every directory under the roots; new directories are added as they appear.
class Watcher
{
public:
    Watcher() : m_fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}
    ~Watcher()
    {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    Watcher(const Watcher&) = delete;
    Watcher& operator=(const Watcher&) = delete;

    bool ok() const { return m_fd >= 0 && !m_failed; }
    int fd() const { return m_fd; }
    const std::string& problem() const { return m_problem; }

    // Watches ROOT and the directories below it (those that exist).
    void add_tree(const std::string& root)
    {
        std::error_code ec;
        if (m_fd < 0 || !std::filesystem::is_directory(root, ec)) {
            return;
        }
        add(root);
        for (auto it = std::filesystem::recursive_directory_iterator(
                 root, std::filesystem::directory_options::skip_permission_denied, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_directory(ec)) {
                add(it->path().string());
            }
        }
    }

    // Reads the pending events; true when any concerned a file (or a new directory, now watched).
    bool drain()
    {
        alignas(inotify_event) char buffer[64 * 1024];
        bool any = false;
        for (;;) {
            const auto n = ::read(m_fd, buffer, sizeof buffer);
            if (n <= 0) {
                return any;
            }
            for (char* p = buffer; p < buffer + n;) {
                const auto* event = reinterpret_cast<const inotify_event*>(p);
                p += sizeof(inotify_event) + event->len;
                if ((event->mask & IN_Q_OVERFLOW) != 0) {
                    any = true;
                    continue;
                }
                const auto dir = m_watches.find(event->wd);
                if ((event->mask & IN_IGNORED) != 0) {
                    if (dir != m_watches.end()) {
                        m_paths.erase(dir->second);
                        m_watches.erase(dir);
                    }
                    continue;
                }
                any = true;
                if ((event->mask & IN_ISDIR) != 0 && (event->mask & (IN_CREATE | IN_MOVED_TO)) != 0 &&
                    dir != m_watches.end() && event->len > 0) {
                    add_tree(dir->second + "/" + event->name);
                }
            }
        }
    }

private:
    void add(const std::string& dir)
    {
        if (m_paths.count(dir) != 0) {
            return;
        }
        const int wd = ::inotify_add_watch(m_fd, dir.c_str(),
                                           IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                               IN_DELETE | IN_ONLYDIR);
        if (wd < 0) {
            if (errno == ENOSPC && !m_failed) {
                m_failed = true;
                m_problem = "the inotify watch limit (fs.inotify.max_user_watches) is reached";
            }
            return;
        }
        m_watches[wd] = dir;
        m_paths[dir] = wd;
    }

    int m_fd;
    bool m_failed = false;
    std::string m_problem;
    std::map<int, std::string> m_watches;
    std::map<std::string, int> m_paths;
};

std::string summary(const CollectResult& r)
{
    std::string text = fmt::format("collected {} new event{} from {} changed file{}", r.events.inserted,
                                   r.events.inserted == 1 ? "" : "s", r.files_read, r.files_read == 1 ? "" : "s");
    if (r.events.updated + r.events.corrections > 0) {
        text += fmt::format("; {} response{} grew", r.events.updated + r.events.corrections,
                            r.events.updated + r.events.corrections == 1 ? "" : "s");
    }
    if (r.malformed > 0) {
        text += fmt::format("; {} malformed line{} skipped", r.malformed, r.malformed == 1 ? "" : "s");
    }
    return text;
}

} // namespace

void run_daemon(queue::Queue& queue, Identities& identities, const DaemonOptions& options, Reporter& reporter)
{
    NoticesOnly quiet(reporter);
    Watcher watcher;
    bool use_inotify = options.inotify && watcher.ok();
    auto watch_all = [&] {
        if (!use_inotify) {
            return;
        }
        for (const auto& root : options.collect.roots) {
            watcher.add_tree(root.path);
        }
        if (!watcher.ok()) {
            reporter.warn(fmt::format("{}: watching by rescanning every {} instead", watcher.problem(),
                                      db::format_duration(options.rescan_interval)));
            use_inotify = false;
        }
    };
    reporter.info(fmt::format("collector started (queue {}, {}; {})", queue.path(),
                              use_inotify ? "watching with inotify" : "rescanning periodically",
                              options.database ? fmt::format("uploading every {}", db::format_duration(options.upload_interval))
                                               : "not uploading"));
    std::mt19937 random{std::random_device{}()};
    auto now = Clock::now();
    auto next_scan = now;
    auto next_upload = now;
    bool dirty = false; // a file changed since the last pass (not an optional: GCC 12 -O3 -Wmaybe-uninitialized)
    Clock::time_point dirty_since{};
    auto backoff = options.upload.first_backoff;
    bool paused_said = false;
    bool worked = false; // a pass or an upload ran since the daemon last gave memory back
    try {
        for (;;) {
            now = Clock::now();
            if (now >= next_scan || (dirty && now >= dirty_since + options.debounce)) {
                watch_all();
                const auto result = collect_once(queue, identities, options.collect, quiet);
                worked = true;
                dirty = false;
                next_scan = Clock::now() + (use_inotify ? options.rescan_interval : std::min(options.rescan_interval, k_poll));
                if (result.events.inserted + result.events.updated + result.events.corrections + result.malformed > 0) {
                    reporter.info(summary(result));
                }
                for (const auto& line : result.malformed_lines) {
                    reporter.warn("malformed line skipped: " + line);
                }
                if (result.paused && !paused_said) {
                    reporter.warn("the queue is full: collection is paused until upload drains it");
                }
                paused_said = result.paused;
            }
            if (options.database && Clock::now() >= next_upload) {
                queue::TryLock lock(options.upload_lock, "devlogctl collect --daemon (upload)");
                if (lock.locked() && queue.count(1) > 0) {
                    worked = true;
                    auto upload_options = options.upload;
                    upload_options.timeout = std::min<std::chrono::milliseconds>(options.upload_interval, std::chrono::seconds(30));
                    upload_options.max_backoff = std::chrono::seconds(5);
                    try {
                        const auto r = upload::upload(queue, *options.database, upload_options, quiet);
                        if (r.sent > 0) {
                            reporter.info(fmt::format("uploaded {} event{} ({} new){}", r.sent, r.sent == 1 ? "" : "s",
                                                      r.inserted, r.remaining > 0 ? fmt::format("; {} still queued", r.remaining) : ""));
                        }
                        if (r.stopped_unreachable) {
                            throw Error(r.last_error);
                        }
                        backoff = options.upload.first_backoff;
                        next_upload = Clock::now() + options.upload_interval;
                    } catch (const Interrupted&) {
                        throw;
                    } catch (const Error& e) {
                        const auto cap = std::min(backoff, options.upload.max_backoff);
                        std::uniform_int_distribution<long long> jitter(cap.count() / 2, cap.count());
                        const auto wait = std::max(std::chrono::milliseconds(jitter(random)), options.upload_interval);
                        reporter.warn(fmt::format("upload failed: {}; trying again in {}", e.what(), db::format_duration(wait)));
                        backoff = std::min(backoff * 2, options.upload.max_backoff);
                        next_upload = Clock::now() + wait;
                    }
                } else {
                    next_upload = Clock::now() + options.upload_interval;
                }
            }
            // Sleep until the next thing to do, a file change, or a signal, holding no more memory
            // than needed meanwhile.
            if (worked) {
                queue.release_memory();
                worked = false;
            }
            auto wake = next_scan;
            if (options.database) {
                wake = std::min(wake, next_upload);
            }
            if (dirty) {
                wake = std::min(wake, dirty_since + options.debounce);
            }
            const auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - Clock::now()).count();
            pollfd fds[2] = {{interrupt::wake_fd(), POLLIN, 0}, {use_inotify ? watcher.fd() : -1, POLLIN, 0}};
            ::poll(fds, 2, static_cast<int>(std::clamp<long long>(wait_ms, 0, INT_MAX)));
            interrupt::check();
            if ((fds[1].revents & POLLIN) != 0 && watcher.drain() && !dirty) {
                dirty = true;
                dirty_since = Clock::now();
            }
        }
    } catch (const Interrupted& e) {
        reporter.info(fmt::format("collector stopping: {}", e.what()));
    }
}

} // namespace devlog::collect
