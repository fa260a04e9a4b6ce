#include "lib/core/interrupt.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <unistd.h>

namespace devlog::interrupt {
namespace {

std::atomic<int> g_signal{0};
int g_pipe[2] = {-1, -1};
std::once_flag g_pipe_once;

void make_pipe()
{
    if (::pipe(g_pipe) != 0) {
        g_pipe[0] = g_pipe[1] = -1;
        return;
    }
    for (int fd : g_pipe) {
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
}

void ensure_pipe()
{
    std::call_once(g_pipe_once, make_pipe);
}

// Async-signal-safe: an atomic store, write(2) and _exit(2) only.
void on_signal(int signal)
{
    int expected = 0;
    if (!g_signal.compare_exchange_strong(expected, signal)) {
        ::_exit(128 + expected); // second signal: the user insists
    }
    if (g_pipe[1] >= 0) {
        const char byte = 1;
        const int saved = errno;
        [[maybe_unused]] const auto n = ::write(g_pipe[1], &byte, 1);
        errno = saved;
    }
}

} // namespace

void install()
{
    ensure_pipe();
    struct sigaction action = {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
}

int received() noexcept
{
    return g_signal.load();
}

int wake_fd() noexcept
{
    ensure_pipe();
    return g_pipe[0];
}

const char* signal_name(int signal) noexcept
{
    switch (signal) {
    case SIGINT:
        return "SIGINT";
    case SIGTERM:
        return "SIGTERM";
    default:
        return "a signal";
    }
}

void check(const char* what)
{
    if (const int signal = received(); signal != 0) {
        throw Interrupted(signal, what != nullptr ? fmt::format("interrupted by {}: {}", signal_name(signal), what)
                                                  : fmt::format("interrupted by {}", signal_name(signal)));
    }
}

bool sleep_for(std::chrono::milliseconds duration)
{
    const auto deadline = std::chrono::steady_clock::now() + duration;
    for (;;) {
        if (received() != 0) {
            return false;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return true;
        }
        pollfd fd{wake_fd(), POLLIN, 0};
        ::poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1000)));
    }
}

void simulate(int signal) noexcept
{
    ensure_pipe();
    int expected = 0;
    if (g_signal.compare_exchange_strong(expected, signal) && g_pipe[1] >= 0) {
        const char byte = 1;
        [[maybe_unused]] const auto n = ::write(g_pipe[1], &byte, 1);
    }
}

void reset_for_tests() noexcept
{
    ensure_pipe();
    g_signal.store(0);
    char buffer[64];
    while (g_pipe[0] >= 0 && ::read(g_pipe[0], buffer, sizeof buffer) > 0) {
    }
}

} // namespace devlog::interrupt
