#include "lib/output/format.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>

namespace devlog::output {

const std::vector<std::string>& format_names()
{
    // Same order as the Format enumerators.
    static const std::vector<std::string> k_names{"table", "json", "ndjson", "csv"};
    return k_names;
}

Format parse_format(std::string_view text)
{
    const auto& names = format_names();
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == text) {
            return static_cast<Format>(i);
        }
    }
    throw UsageError(fmt::format("unknown output format '{}'", text),
                     fmt::format("use one of: {}", fmt::join(names, ", ")));
}

} // namespace devlog::output
