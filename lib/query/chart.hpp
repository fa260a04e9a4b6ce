#pragma once
// Compact bar charts for terminals (`query timeline` beside its numbers).

#include <cstddef>
#include <string>

namespace devlog::query {

// A horizontal bar of VALUE out of MAX, WIDTH cells wide at most, in eighth-cell steps (U+2588 full
// block down to U+258F one eighth). Empty for a value <= 0; at least one eighth for any value > 0.
std::string bar(double value, double max, std::size_t width);

} // namespace devlog::query
