#pragma once
// Time ranges of native partitions (daily or monthly, UTC) and the pure planning of which
// partitions to create ahead and which to drop for retention. No server here: maintain and
// partition setup read the catalog, ask these functions, and apply the answer.

#include "lib/core/time.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::partition {

// How wide one partition is. Boundaries are UTC midnights (day) or first days of months (month).
enum class Period
{
    day,
    month
};

// "day" / "month".
std::string_view to_string(Period period);
// "day", "daily", "month", "monthly"; nullopt for anything else.
std::optional<Period> parse_period(std::string_view text);

// The start of the period that holds INSTANT.
time::Micros floor(time::Micros instant, Period period);
// START (a period boundary) moved by N periods (N may be negative).
time::Micros advance(time::Micros start, Period period, int n);
// The period whose boundaries FROM and TO are, or nullopt when they are not one aligned period.
std::optional<Period> period_of(time::Micros from, time::Micros to);

// The name of PARENT's partition for the period starting at START: parent_p20250131 (day) or
// parent_p202501 (month). Throws UsageError when it would exceed PostgreSQL's 63-byte names.
std::string partition_name(std::string_view parent, time::Micros start, Period period);
// The name of PARENT's default partition: parent_default.
std::string default_partition_name(std::string_view parent);

// One partition: [from, to).
struct Range
{
    std::string name;
    time::Micros from = 0;
    time::Micros to = 0;
    bool operator==(const Range&) const = default;
};

struct Plan
{
    std::vector<Range> create; // missing partitions from the current period to AHEAD periods on
    std::vector<Range> drop;   // partitions that end at or before NOW - RETAIN
};

// What maintain does to PARENT's partitions: EXISTING are its range partitions (any order).
// Creates the partitions of the current period and the AHEAD periods after it that no existing
// partition overlaps; drops (when RETAIN is given) those whose end is at or before NOW - RETAIN:
// a partition is dropped only when every row it can hold has expired.
Plan plan(std::string_view parent, const std::vector<Range>& existing, Period period, time::Micros now, int ahead,
          std::optional<std::chrono::microseconds> retain);

// The partition of PERIOD that holds INSTANT, for PARENT.
Range range_at(std::string_view parent, time::Micros instant, Period period);

// "2025-01-31" (day) / "2025-01" (month): a period for messages.
std::string format_period(time::Micros start, Period period);

} // namespace devlog::partition
