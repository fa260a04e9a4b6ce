#include "lib/events/event.hpp"

#include <algorithm>

namespace devlog::events {

std::optional<std::string_view> canonical_event_type(std::string_view name)
{
    std::string key(name);
    for (auto& c : key) {
        c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    for (const auto type : k_event_types) {
        if (type == key) {
            return type;
        }
    }
    struct Alias
    {
        std::string_view from, to;
    };
    static constexpr std::array<Alias, 3> k_aliases = {
        {{"tool_invocation", "tool_use"}, {"command_execution", "command_execute"}, {"file_modify", "file_write"}}};
    for (const auto& alias : k_aliases) {
        if (alias.from == key) {
            return alias.to;
        }
    }
    return std::nullopt;
}

} // namespace devlog::events
