#include "lib/partition/period.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace devlog::partition {
namespace {

constexpr time::Micros k_us_per_day = 86'400'000'000LL;

struct YearMonth
{
    int year = 0;
    int month = 0; // 1-12
};

// The UTC calendar month of INSTANT, read from its ISO-8601 form (time:: owns the calendar).
YearMonth year_month(time::Micros instant)
{
    const std::string iso = time::format_iso8601(instant);
    const bool negative = iso.front() == '-';
    const auto dash = iso.find('-', negative ? 1 : 0);
    return {std::stoi(iso.substr(0, dash)), std::stoi(iso.substr(dash + 1, 2))};
}

time::Micros first_of_month(YearMonth ym)
{
    const auto parsed = time::parse_iso8601(fmt::format("{:04}-{:02}-01", ym.year, ym.month));
    if (!parsed) {
        throw std::logic_error(fmt::format("partition: no month {}-{}", ym.year, ym.month));
    }
    return *parsed;
}

time::Micros floor_div(time::Micros value, time::Micros unit)
{
    const time::Micros q = value / unit;
    return (value % unit != 0 && value < 0) ? q - 1 : q;
}

bool overlaps(const Range& a, time::Micros from, time::Micros to)
{
    return a.from < to && from < a.to;
}

} // namespace

std::string_view to_string(Period period)
{
    return period == Period::day ? "day" : "month";
}

std::optional<Period> parse_period(std::string_view text)
{
    if (text == "day" || text == "daily") {
        return Period::day;
    }
    if (text == "month" || text == "monthly") {
        return Period::month;
    }
    return std::nullopt;
}

time::Micros floor(time::Micros instant, Period period)
{
    if (period == Period::day) {
        return floor_div(instant, k_us_per_day) * k_us_per_day;
    }
    return first_of_month(year_month(instant));
}

time::Micros advance(time::Micros start, Period period, int n)
{
    if (period == Period::day) {
        return start + n * k_us_per_day;
    }
    const YearMonth ym = year_month(start);
    const int months = ym.year * 12 + (ym.month - 1) + n;
    return first_of_month({months / 12, months % 12 + 1});
}

std::optional<Period> period_of(time::Micros from, time::Micros to)
{
    for (const Period p : {Period::day, Period::month}) {
        if (floor(from, p) == from && advance(from, p, 1) == to) {
            return p;
        }
    }
    return std::nullopt;
}

std::string format_period(time::Micros start, Period period)
{
    return time::format_iso8601(start).substr(0, period == Period::day ? 10 : 7);
}

std::string partition_name(std::string_view parent, time::Micros start, Period period)
{
    std::string digits = format_period(start, period);
    digits.erase(std::remove(digits.begin(), digits.end(), '-'), digits.end());
    std::string name = fmt::format("{}_p{}", parent, digits);
    if (name.size() > 63) {
        throw UsageError(fmt::format("the partitions of {} would have names longer than 63 bytes ({})", parent, name));
    }
    return name;
}

std::string default_partition_name(std::string_view parent)
{
    return fmt::format("{}_default", parent);
}

Range range_at(std::string_view parent, time::Micros instant, Period period)
{
    const time::Micros from = floor(instant, period);
    return {partition_name(parent, from, period), from, advance(from, period, 1)};
}

Plan plan(std::string_view parent, const std::vector<Range>& existing, Period period, time::Micros now, int ahead,
          std::optional<std::chrono::microseconds> retain)
{
    Plan result;
    const time::Micros current = floor(now, period);
    for (int i = 0; i <= ahead; ++i) {
        const time::Micros from = advance(current, period, i);
        const time::Micros to = advance(from, period, 1);
        const bool taken = std::any_of(existing.begin(), existing.end(), [&](const Range& r) { return overlaps(r, from, to); });
        if (!taken) {
            result.create.push_back({partition_name(parent, from, period), from, to});
        }
    }
    if (retain) {
        const time::Micros cutoff = now - retain->count();
        for (const Range& r : existing) {
            if (r.to <= cutoff) {
                result.drop.push_back(r);
            }
        }
        std::sort(result.drop.begin(), result.drop.end(), [](const Range& a, const Range& b) { return a.from < b.from; });
    }
    return result;
}

} // namespace devlog::partition
