#pragma once
// SIGINT / SIGTERM handling for long work. The handler only records the signal and makes a pipe
// readable; code that waits (on a socket, a lock, a backoff) polls that pipe beside its own file
// descriptors and stops: the statement runner cancels the server-side statement, loops throw
// Interrupted. A second signal ends the process at once (exit 128 + signal).

#include <chrono>

namespace devlog::interrupt {

// Installs the handlers (idempotent). Until it is called, received() stays 0 unless simulated.
void install();

// The first signal received (SIGINT, SIGTERM), or 0.
int received() noexcept;

// A file descriptor that becomes readable (and stays so) once a signal arrived: poll it for POLLIN.
int wake_fd() noexcept;

// Throws Interrupted ("interrupted by SIGINT") when a signal arrived; WHAT names the work stopped.
void check(const char* what = nullptr);

// Sleeps up to DURATION; returns false early when a signal arrives (or had arrived).
bool sleep_for(std::chrono::milliseconds duration);

// Behaves as if SIGNAL had been delivered (tests; also used to stop a daemon from within).
void simulate(int signal) noexcept;

// Forgets a received signal (tests only).
void reset_for_tests() noexcept;

// "SIGINT", "SIGTERM", or "signal N".
const char* signal_name(int signal) noexcept;

} // namespace devlog::interrupt
