#pragma once
// Helpers for the collector's unit tests: a fixed machine, a parser run over text, lookups.

#include "lib/collect/parser.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace devlog::test {

inline collect::Machine test_machine()
{
    return collect::Machine{"m-1", "host", "dev", "linux", "6.1", "local"};
}

// Feeds TEXT to PARSER line by line (complete lines only), as the collector does.
inline void feed(collect::LineParser& parser, std::string_view text, collect::Emitter& out)
{
    std::int64_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            break;
        }
        ++line_no;
        parser.parse_line(text.substr(pos, nl - pos), line_no, out);
        pos = nl + 1;
    }
}

// The event types of ITEMS, space-separated (readable in a failing CHECK).
inline std::string types(const std::vector<queue::Item>& items)
{
    std::string out;
    for (const auto& i : items) {
        out += (out.empty() ? "" : " ") + i.event.event_type;
    }
    return out;
}

inline nlohmann::json data(const queue::Item& item)
{
    return nlohmann::json::parse(item.event.data);
}

inline nlohmann::json metrics(const queue::Item& item)
{
    return item.event.metrics ? nlohmann::json::parse(*item.event.metrics) : nlohmann::json();
}

} // namespace devlog::test
