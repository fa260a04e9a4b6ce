#pragma once
// Crash points, for the crash-safety tests: with DEVLOG_CRASH_AT=NAME[:N] in the environment, the
// process kills itself with SIGKILL the Nth time (the first, without :N) it passes the point NAME.
// A SIGKILL sent from outside at a random moment mostly lands before or after the work once the
// work is fast; these land exactly where losing or repeating data would happen (after the server
// committed a batch the queue has not yet acknowledged, inside an open queue transaction, …).
// Without the variable a point costs one branch on a value read once.

#include <string_view>

namespace devlog::crash {

// The points that exist, with where they sit, for the tests and DEVELOPERS.md:
//   queue.grouped      a file's events and checkpoint written inside the open queue transaction
//   queue.committed    the queue transaction committed
//   upload.written     the server committed a batch; the queue has not yet acknowledged it
//   upload.acknowledged  the queue acknowledged the batch
void point(std::string_view name) noexcept;

} // namespace devlog::crash
