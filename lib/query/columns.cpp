#include "lib/query/columns.hpp"

#include "lib/core/errors.hpp"
#include "lib/core/time.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace devlog::query {
namespace {

std::int64_t to_int(std::string_view text)
{
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        throw Error(fmt::format("unexpected value '{}' where the server should send an integer", text));
    }
    return value;
}

std::vector<std::string> split_commas(const std::vector<std::string>& spec)
{
    std::vector<std::string> out;
    for (const auto& item : spec) {
        std::size_t start = 0;
        while (start <= item.size()) {
            const auto comma = std::min(item.find(',', start), item.size());
            std::string name = item.substr(start, comma - start);
            name.erase(0, name.find_first_not_of(' '));
            name.erase(name.find_last_not_of(' ') + 1);
            if (!name.empty()) {
                out.push_back(name);
            }
            start = comma + 1;
        }
    }
    return out;
}

} // namespace

nlohmann::json to_cell(Kind kind, const std::optional<std::string>& value)
{
    if (!value) {
        return nullptr;
    }
    switch (kind) {
    case Kind::text:
        return *value;
    case Kind::integer:
        return to_int(*value);
    case Kind::number:
        return std::stod(*value);
    case Kind::json:
        return nlohmann::json::parse(*value);
    case Kind::timestamp:
        return time::format_iso8601(to_int(*value));
    case Kind::date:
        return time::format_iso8601(to_int(*value)).substr(0, 10);
    case Kind::boolean:
        return *value == "t" || *value == "true";
    }
    return nullptr;
}

std::vector<std::string> names_of(const std::vector<Column>& columns)
{
    std::vector<std::string> names;
    for (const auto& c : columns) {
        names.push_back(c.name);
    }
    return names;
}

std::vector<std::size_t> pick_columns(const std::vector<Column>& all, const std::vector<std::string>& spec,
                                      const std::vector<std::string>& defaults)
{
    std::vector<std::string> wanted = split_commas(spec);
    if (wanted.empty()) {
        wanted = defaults.empty() ? names_of(all) : defaults;
    }
    std::vector<std::size_t> picked;
    for (const auto& name : wanted) {
        const auto it = std::find_if(all.begin(), all.end(), [&name](const Column& c) { return c.name == name; });
        if (it == all.end()) {
            std::string known;
            for (const auto& c : all) {
                known += (known.empty() ? "" : ", ") + c.name;
            }
            throw UsageError(fmt::format("--columns: unknown column '{}'", name), "columns: " + known);
        }
        const auto index = static_cast<std::size_t>(it - all.begin());
        if (std::find(picked.begin(), picked.end(), index) != picked.end()) {
            throw UsageError(fmt::format("--columns: column '{}' is named twice", name));
        }
        picked.push_back(index);
    }
    return picked;
}

} // namespace devlog::query
