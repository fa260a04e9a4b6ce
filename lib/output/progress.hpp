#pragma once
// Progress as text for people: "importing x: 12,345 rows · 3.2 MB · 41,000 rows/s · ETA 0:12".
// Pure functions of the state and the time elapsed, so the exact text is unit-tested.

#include "lib/core/reporter.hpp"

#include <chrono>
#include <cstdint>
#include <string>

namespace devlog::output {

using Elapsed = std::chrono::steady_clock::duration;

// 1234567 → "1,234,567".
std::string format_count(std::uint64_t n);
// Decimal units with one decimal from 1 kB: "512 B", "3.2 kB", "64.0 MB", "1.2 GB".
std::string format_bytes(std::uint64_t n);
// A clock duration, rounded up to whole seconds: "0:12", "12:05", "1:02:03".
std::string format_clock(Elapsed d);

// One progress line: the task, units done (of the total and its percentage when known), bytes
// (of the total), then from one second on the rate and, when a total is known, the time left
// (from the units when their total is known, else from the bytes).
std::string format_progress(const Progress& state, Elapsed elapsed);

// The last line of a task: "importing x: done: 1,000 rows · 2.0 MB in 4.2 s · 238 rows/s", or
// "importing x: stopped after 12 of 1,000 rows (1%) in 1:05 · 0.2 rows/s".
std::string format_summary(const Progress& state, Elapsed elapsed, TaskEnd how);

} // namespace devlog::output
