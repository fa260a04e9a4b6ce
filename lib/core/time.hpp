#pragma once
// Instants and durations as devlogctl reads and prints them: microseconds since the Unix epoch,
// UTC (PostgreSQL's timestamptz resolution). Hand-written parsers: they run once per imported or
// collected event, so they allocate nothing.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace devlog::time {

// Microseconds since 1970-01-01 00:00:00 UTC.
using Micros = std::int64_t;

enum class Offset
{
    required,   // "2025-01-02T03:04:05" without Z or ±HH:MM is refused (import: ambiguous)
    assume_utc, // a missing offset means UTC (command-line --since, log formats that omit it)
};

// ISO-8601 / RFC 3339: "2025-01-02", "2025-01-02T03:04:05Z", "2025-01-02 03:04:05.123456+02:00",
// offsets "Z", "+HH:MM", "+HHMM", "+HH"; a fraction of any length, rounded to the microsecond as
// PostgreSQL rounds it (".1234567" is .123457, ".9999995" the next second). A date alone is
// midnight UTC. nullopt for anything else, including impossible dates
// (2025-02-30) and, with Offset::required, a time without an offset.
std::optional<Micros> parse_iso8601(std::string_view text, Offset offset = Offset::required);

// An epoch number as agents write it: seconds (below 1e11, i.e. before the year 5138), else
// milliseconds (below 1e14), else microseconds. Fractions of seconds and milliseconds are kept.
std::optional<Micros> from_epoch(double value);
std::optional<Micros> from_epoch(std::int64_t value);

// "2025-01-02T03:04:05.123456Z": always six fraction digits, so the strings sort as the instants.
std::string format_iso8601(Micros instant);

// A duration as people type it: "90s", "30m", "2h", "1d", "7d", "2w", "1h30m", "1.5h", and in
// words ("7 days", "2 hours", "30 minutes"). Units: us, ms, s, m (minutes), h, d, w and their
// words; a number without a unit is refused. nullopt for anything else or a total under 1 us.
std::optional<std::chrono::microseconds> parse_duration(std::string_view text);

// "7 days", "1 hour", "30 minutes", "90 seconds": a duration for messages and for SQL interval
// literals (the result is a valid PostgreSQL interval). Picks the largest unit that divides it.
std::string format_interval(std::chrono::microseconds duration);

// Now, as Micros (system clock).
Micros now();

} // namespace devlog::time
