#include "lib/output/progress.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>

namespace devlog::output {
namespace {

constexpr std::string_view k_dot = " · ";

double seconds(Elapsed d)
{
    return std::chrono::duration<double>(d).count();
}

std::string format_rate(double per_second, const std::string& unit)
{
    if (per_second >= 99.5) {
        return fmt::format("{} {}/s", format_count(static_cast<std::uint64_t>(std::llround(per_second))), unit);
    }
    return fmt::format("{:.1f} {}/s", per_second, unit);
}

// "12,345 rows", or with a total "12,345 of 100,000 rows (12%)".
std::string format_units(const Progress& state, bool with_total)
{
    if (with_total && state.total && *state.total > 0) {
        return fmt::format("{} of {} {} ({}%)", format_count(state.done), format_count(*state.total), state.unit,
                           state.done * 100 / *state.total);
    }
    return fmt::format("{} {}", format_count(state.done), state.unit);
}

// "" when no bytes are tracked; "3.2 MB", or "3.2 MB of 64.0 MB" (with its percentage when the
// units have no total).
std::string format_byte_part(const Progress& state, bool with_total)
{
    if (state.bytes == 0 && !state.total_bytes) {
        return {};
    }
    std::string text = format_bytes(state.bytes);
    if (with_total && state.total_bytes && *state.total_bytes > 0) {
        text += " of " + format_bytes(*state.total_bytes);
        if (!state.total) {
            text += fmt::format(" ({}%)", state.bytes * 100 / *state.total_bytes);
        }
    }
    return std::string(k_dot) + text;
}

std::string format_elapsed(Elapsed d)
{
    return seconds(d) < 60 ? fmt::format("{:.1f} s", seconds(d)) : format_clock(d);
}

} // namespace

std::string format_count(std::uint64_t n)
{
    std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return out;
}

std::string format_bytes(std::uint64_t n)
{
    static constexpr std::array<const char*, 6> k_units{"kB", "MB", "GB", "TB", "PB", "EB"};
    if (n < 1000) {
        return fmt::format("{} B", n);
    }
    double value = static_cast<double>(n) / 1000;
    std::size_t unit = 0;
    while (value >= 999.95 && unit + 1 < k_units.size()) {
        value /= 1000;
        ++unit;
    }
    return fmt::format("{:.1f} {}", value, k_units[unit]);
}

std::string format_clock(Elapsed d)
{
    const auto total = static_cast<std::uint64_t>(std::ceil(seconds(d) < 0 ? 0 : seconds(d)));
    const auto h = total / 3600;
    const auto m = total / 60 % 60;
    const auto s = total % 60;
    return h > 0 ? fmt::format("{}:{:02}:{:02}", h, m, s) : fmt::format("{}:{:02}", m, s);
}

std::string format_progress(const Progress& state, Elapsed elapsed)
{
    std::string text = state.task.empty() ? "" : state.task + ": ";
    text += format_units(state, true);
    text += format_byte_part(state, true);
    const double secs = seconds(elapsed);
    if (secs < 1.0 || (state.done == 0 && state.bytes == 0)) {
        return text;
    }
    const double rate = static_cast<double>(state.done) / secs;
    if (state.done > 0) {
        text += k_dot;
        text += format_rate(rate, state.unit);
    }
    std::optional<double> left; // seconds
    if (state.total && state.done > 0 && state.done < *state.total) {
        left = static_cast<double>(*state.total - state.done) / rate;
    } else if (!state.total && state.total_bytes && state.bytes > 0 && state.bytes < *state.total_bytes) {
        left = static_cast<double>(*state.total_bytes - state.bytes) / (static_cast<double>(state.bytes) / secs);
    }
    if (left) {
        text += fmt::format("{}ETA {}", k_dot,
                            format_clock(std::chrono::duration_cast<Elapsed>(std::chrono::duration<double>(*left))));
    }
    return text;
}

std::string format_summary(const Progress& state, Elapsed elapsed, TaskEnd how)
{
    std::string text = state.task.empty() ? "" : state.task + ": ";
    const bool finished = how == TaskEnd::finished;
    text += finished ? "done: " : "stopped after ";
    text += format_units(state, !finished);
    text += format_byte_part(state, !finished);
    text += " in " + format_elapsed(elapsed);
    if (state.done > 0 && seconds(elapsed) > 0) {
        text += k_dot;
        text += format_rate(static_cast<double>(state.done) / seconds(elapsed), state.unit);
    }
    return text;
}

} // namespace devlog::output
