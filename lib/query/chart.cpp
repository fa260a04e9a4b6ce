#include "lib/query/chart.hpp"

#include <array>
#include <cmath>
#include <string_view>

namespace devlog::query {

std::string bar(double value, double max, std::size_t width)
{
    if (!(value > 0) || !(max > 0) || width == 0) {
        return {};
    }
    static constexpr std::array<std::string_view, 8> k_eighths = {"▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"};
    const double fraction = std::min(value, max) / max;
    auto eighths = static_cast<std::size_t>(std::lround(fraction * static_cast<double>(width * 8)));
    eighths = std::max<std::size_t>(eighths, 1);
    std::string out;
    for (std::size_t i = 0; i < eighths / 8; ++i) {
        out += k_eighths[7];
    }
    if (eighths % 8 != 0) {
        out += k_eighths[eighths % 8 - 1];
    }
    return out;
}

} // namespace devlog::query
