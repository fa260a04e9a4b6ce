#include "lib/core/time.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <string>

namespace devlog::time {
namespace {

constexpr std::int64_t k_us_per_second = 1'000'000;
constexpr std::int64_t k_us_per_day = 86'400 * k_us_per_second;

// Days since 1970-01-01 of the proleptic Gregorian date Y-M-D (Howard Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil
{
    std::int64_t year;
    unsigned month;
    unsigned day;
};

constexpr Civil civil_from_days(std::int64_t z)
{
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {y + (m <= 2 ? 1 : 0), m, d};
}

bool leap(std::int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned days_in_month(std::int64_t y, unsigned m)
{
    constexpr std::array<unsigned, 12> k_days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : k_days[m - 1];
}

// Reads exactly N digits at POS; advances POS. -1 when they are not all digits.
int digits(std::string_view s, std::size_t& pos, int n)
{
    if (pos + static_cast<std::size_t>(n) > s.size()) {
        return -1;
    }
    int value = 0;
    for (int i = 0; i < n; ++i) {
        const char c = s[pos + static_cast<std::size_t>(i)];
        if (c < '0' || c > '9') {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(n);
    return value;
}

// The fraction of a second written as DIGITS (after the point) in microseconds, rounded as
// PostgreSQL's timestamp input rounds it (ParseFractionalSecond: rint(strtod(".DIGITS") * 1e6),
// the double's nearest, ties to even): ".1234567" is 123457, ".9999995" a whole second (1000000).
Micros fraction_micros(std::string_view digits)
{
    std::string text = "0.";
    text.append(digits);
    double value = 0;
    if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc{}) {
        return 0; // not reached: "0." and digits always parse
    }
    return static_cast<Micros>(std::rint(value * 1e6));
}

} // namespace

std::optional<Micros> parse_iso8601(std::string_view s, Offset offset)
{
    std::size_t pos = 0;
    const int year = digits(s, pos, 4);
    if (year < 0 || pos >= s.size() || s[pos++] != '-') {
        return std::nullopt;
    }
    const int month = digits(s, pos, 2);
    if (month < 1 || month > 12 || pos >= s.size() || s[pos++] != '-') {
        return std::nullopt;
    }
    const int day = digits(s, pos, 2);
    if (day < 1 || static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month))) {
        return std::nullopt;
    }
    const Micros midnight = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * k_us_per_day;
    if (pos == s.size()) {
        return midnight; // a date alone
    }
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') {
        return std::nullopt;
    }
    ++pos;
    const int hour = digits(s, pos, 2);
    if (hour < 0 || hour > 23 || pos >= s.size() || s[pos++] != ':') {
        return std::nullopt;
    }
    const int minute = digits(s, pos, 2);
    if (minute < 0 || minute > 59) {
        return std::nullopt;
    }
    int second = 0;
    Micros fraction = 0;
    if (pos < s.size() && s[pos] == ':') {
        ++pos;
        second = digits(s, pos, 2);
        if (second < 0 || second > 60) { // 60: a leap second, read as the next second's start
            return std::nullopt;
        }
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
            ++pos;
            const std::size_t start = pos;
            while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
                ++pos;
            }
            if (pos == start) {
                return std::nullopt;
            }
            fraction = fraction_micros(s.substr(start, pos - start));
        }
    }
    Micros offset_us = 0;
    if (pos == s.size()) {
        if (offset == Offset::required) {
            return std::nullopt;
        }
    } else if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        const int sign = s[pos++] == '-' ? -1 : 1;
        const int oh = digits(s, pos, 2);
        int om = 0;
        if (oh < 0 || oh > 23) {
            return std::nullopt;
        }
        if (pos < s.size()) {
            if (s[pos] == ':') {
                ++pos;
            }
            om = digits(s, pos, 2);
            if (om < 0 || om > 59) {
                return std::nullopt;
            }
        }
        if (pos != s.size()) {
            return std::nullopt;
        }
        offset_us = sign * (static_cast<Micros>(oh) * 3600 + om * 60) * k_us_per_second;
    } else {
        return std::nullopt;
    }
    return midnight + (static_cast<Micros>(hour) * 3600 + minute * 60 + second) * k_us_per_second + fraction - offset_us;
}

std::optional<Micros> from_epoch(std::int64_t value)
{
    // Compared without negating: -INT64_MIN overflows.
    const auto within = [value](std::int64_t bound) { return value > -bound && value < bound; };
    if (within(100'000'000'000LL)) {
        return value * k_us_per_second;
    }
    if (within(100'000'000'000'000LL)) {
        return value * 1000;
    }
    if (within(100'000'000'000'000'000LL)) {
        return value;
    }
    return std::nullopt;
}

std::optional<Micros> from_epoch(double value)
{
    if (!std::isfinite(value)) {
        return std::nullopt;
    }
    const double magnitude = std::fabs(value);
    double us = 0;
    if (magnitude < 1e11) {
        us = value * 1e6;
    } else if (magnitude < 1e14) {
        us = value * 1e3;
    } else if (magnitude < 1e17) {
        us = value;
    } else {
        return std::nullopt;
    }
    return static_cast<Micros>(std::llround(us));
}

std::string format_iso8601(Micros instant)
{
    std::int64_t days = instant / k_us_per_day;
    std::int64_t rest = instant % k_us_per_day;
    if (rest < 0) {
        rest += k_us_per_day;
        --days;
    }
    const Civil date = civil_from_days(days);
    const std::int64_t seconds = rest / k_us_per_second;
    return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z", date.year, date.month, date.day,
                       seconds / 3600, seconds / 60 % 60, seconds % 60, rest % k_us_per_second);
}

std::optional<std::chrono::microseconds> parse_duration(std::string_view s)
{
    struct Unit
    {
        std::string_view name;
        double us;
    };
    static constexpr std::array<Unit, 22> k_units = {{
        {"us", 1},          {"ms", 1e3},       {"s", 1e6},           {"sec", 1e6},         {"secs", 1e6},
        {"second", 1e6},    {"seconds", 1e6},  {"m", 60e6},          {"min", 60e6},        {"mins", 60e6},
        {"minute", 60e6},   {"minutes", 60e6}, {"h", 3600e6},        {"hour", 3600e6},     {"hours", 3600e6},
        {"d", 86400e6},     {"day", 86400e6},  {"days", 86400e6},    {"w", 604800e6},      {"week", 604800e6},
        {"weeks", 604800e6}, {"hr", 3600e6},
    }};
    double total = 0;
    std::size_t pos = 0;
    bool any = false;
    while (pos < s.size()) {
        while (pos < s.size() && s[pos] == ' ') {
            ++pos;
        }
        if (pos == s.size()) {
            break;
        }
        const std::size_t number_start = pos;
        while (pos < s.size() && ((s[pos] >= '0' && s[pos] <= '9') || s[pos] == '.')) {
            ++pos;
        }
        if (pos == number_start) {
            return std::nullopt;
        }
        double number = 0;
        const std::string digits(s.substr(number_start, pos - number_start));
        try {
            std::size_t used = 0;
            number = std::stod(digits, &used);
            if (used != digits.size()) {
                return std::nullopt; // "1.5.5h"
            }
        } catch (const std::exception&) {
            return std::nullopt;
        }
        while (pos < s.size() && s[pos] == ' ') {
            ++pos;
        }
        const std::size_t unit_start = pos;
        while (pos < s.size() && ((s[pos] >= 'a' && s[pos] <= 'z') || (s[pos] >= 'A' && s[pos] <= 'Z'))) {
            ++pos;
        }
        std::string unit(s.substr(unit_start, pos - unit_start));
        for (auto& c : unit) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        const Unit* found = nullptr;
        for (const auto& u : k_units) {
            if (u.name == unit) {
                found = &u;
            }
        }
        if (found == nullptr) {
            return std::nullopt;
        }
        total += number * found->us;
        any = true;
    }
    if (!any || total < 1 || total > 1e17) {
        return std::nullopt;
    }
    return std::chrono::microseconds(std::llround(total));
}

std::string format_interval(std::chrono::microseconds duration)
{
    struct Unit
    {
        std::int64_t us;
        const char* one;
        const char* many;
    };
    static constexpr std::array<Unit, 6> k_units = {{{86400'000'000LL, "day", "days"},
                                                      {3600'000'000LL, "hour", "hours"},
                                                      {60'000'000LL, "minute", "minutes"},
                                                      {1'000'000LL, "second", "seconds"},
                                                      {1'000LL, "millisecond", "milliseconds"},
                                                      {1LL, "microsecond", "microseconds"}}};
    const std::int64_t us = duration.count();
    for (const auto& u : k_units) {
        if (us % u.us == 0) {
            const std::int64_t n = us / u.us;
            return fmt::format("{} {}", n, n == 1 ? u.one : u.many);
        }
    }
    return fmt::format("{} microseconds", us);
}

Micros now()
{
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace devlog::time
