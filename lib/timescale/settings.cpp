#include "lib/timescale/settings.hpp"

#include "lib/core/errors.hpp"
#include "lib/db/pq.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <regex>

namespace devlog::timescale {
namespace {

std::string trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) {
        s.remove_suffix(1);
    }
    return std::string(s);
}

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// Splits TEXT at commas outside double quotes.
std::vector<std::string> split_items(std::string_view text)
{
    std::vector<std::string> items;
    std::string current;
    bool quoted = false;
    for (const char c : text) {
        if (c == '"') {
            quoted = !quoted;
        }
        if (c == ',' && !quoted) {
            items.push_back(trim(current));
            current.clear();
        } else {
            current += c;
        }
    }
    items.push_back(trim(current));
    return items;
}

// An identifier as written: "Quoted ""name""" or a bare name (folded to lower case).
std::optional<std::string> parse_identifier(std::string_view& rest)
{
    if (rest.empty()) {
        return std::nullopt;
    }
    if (rest.front() == '"') {
        std::string name;
        for (std::size_t i = 1; i < rest.size(); ++i) {
            if (rest[i] == '"') {
                if (i + 1 < rest.size() && rest[i + 1] == '"') {
                    name += '"';
                    ++i;
                    continue;
                }
                rest.remove_prefix(i + 1);
                return name.empty() ? std::nullopt : std::optional<std::string>(name);
            }
            name += rest[i];
        }
        return std::nullopt;
    }
    std::size_t n = 0;
    while (n < rest.size() && (std::isalnum(static_cast<unsigned char>(rest[n])) != 0 || rest[n] == '_' ||
                               static_cast<unsigned char>(rest[n]) >= 0x80)) {
        ++n;
    }
    if (n == 0 || std::isdigit(static_cast<unsigned char>(rest.front())) != 0) {
        return std::nullopt;
    }
    std::string name = lower(std::string(rest.substr(0, n)));
    rest.remove_prefix(n);
    return name;
}

} // namespace

microseconds parse_interval_flag(std::string_view text, std::string_view flag)
{
    static const std::regex k_years(R"(^\s*(\d+)\s*(y|yr|yrs|year|years)\s*$)", std::regex::icase);
    std::cmatch m;
    if (std::regex_match(text.begin(), text.end(), m, k_years)) {
        const long years = std::stol(m[1].str());
        if (years >= 1 && years <= 1000) {
            return std::chrono::hours(24 * 365 * years);
        }
    }
    if (const auto d = time::parse_duration(text)) {
        return *d;
    }
    throw UsageError(fmt::format("{}: '{}' is not a duration", flag, text),
                     "write it like 30m, 12h, 7d, 2w or 1y (a year is 365 days), or in words: '7 days'");
}

std::vector<std::string> parse_column_list(std::string_view text, std::string_view flag)
{
    std::vector<std::string> columns;
    if (trim(text).empty()) {
        return columns;
    }
    for (const auto& item : split_items(text)) {
        std::string_view rest = item;
        const auto name = parse_identifier(rest);
        if (!name || !trim(rest).empty()) {
            throw UsageError(fmt::format("{}: '{}' is not a column name", flag, item),
                             "list column names separated by commas, e.g. 'project_id, agent_id'");
        }
        if (std::find(columns.begin(), columns.end(), *name) != columns.end()) {
            throw UsageError(fmt::format("{}: column '{}' is listed twice", flag, *name));
        }
        columns.push_back(*name);
    }
    return columns;
}

std::string option_identifier(std::string_view name)
{
    const bool plain = !name.empty() && std::isdigit(static_cast<unsigned char>(name.front())) == 0 &&
                       std::all_of(name.begin(), name.end(),
                                   [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
    return plain ? std::string(name) : db::quote_name(name);
}

std::string format_column_list(const std::vector<std::string>& columns)
{
    std::string out;
    for (const auto& c : columns) {
        out += (out.empty() ? "" : ", ") + option_identifier(c);
    }
    return out;
}

std::vector<OrderItem> parse_order_by(std::string_view text, std::string_view flag)
{
    std::vector<OrderItem> items;
    if (trim(text).empty()) {
        return items;
    }
    for (const auto& item : split_items(text)) {
        std::string_view rest = item;
        const auto name = parse_identifier(rest);
        const auto bad = [&] {
            return UsageError(fmt::format("{}: '{}' is not an ORDER BY item", flag, item),
                              "write column [ASC|DESC] [NULLS FIRST|LAST], separated by commas, e.g. "
                              "'timestamp DESC, id'");
        };
        if (!name) {
            throw bad();
        }
        OrderItem order{*name, false, false};
        std::vector<std::string> words;
        std::string word;
        for (const char c : std::string(rest) + " ") {
            if (std::isspace(static_cast<unsigned char>(c)) != 0) {
                if (!word.empty()) {
                    words.push_back(lower(word));
                    word.clear();
                }
            } else {
                word += c;
            }
        }
        std::size_t i = 0;
        if (i < words.size() && (words[i] == "asc" || words[i] == "desc")) {
            order.descending = words[i] == "desc";
            ++i;
        }
        order.nulls_first = order.descending;
        if (i + 1 < words.size() && words[i] == "nulls" && (words[i + 1] == "first" || words[i + 1] == "last")) {
            order.nulls_first = words[i + 1] == "first";
            i += 2;
        }
        if (i != words.size()) {
            throw bad();
        }
        if (std::any_of(items.begin(), items.end(), [&](const OrderItem& o) { return o.column == order.column; })) {
            throw UsageError(fmt::format("{}: column '{}' is listed twice", flag, order.column));
        }
        items.push_back(order);
    }
    return items;
}

std::string format_order_by(const std::vector<OrderItem>& items)
{
    std::string out;
    for (const auto& o : items) {
        out += (out.empty() ? "" : ", ") + option_identifier(o.column);
        if (o.descending) {
            out += " DESC";
        }
        if (o.nulls_first != o.descending) {
            out += o.nulls_first ? " NULLS FIRST" : " NULLS LAST";
        }
    }
    return out;
}

time::Micros parse_instant_flag(std::string_view text, std::string_view flag, time::Micros now)
{
    if (const auto at = time::parse_iso8601(text, time::Offset::assume_utc)) {
        return *at;
    }
    if (const auto ago = time::parse_duration(text)) {
        return now - ago->count();
    }
    throw UsageError(fmt::format("{}: '{}' is neither a time nor a duration", flag, text),
                     "give an ISO-8601 time (2026-01-31, 2026-01-31T12:00:00Z) or how long ago (7d, 12h)");
}

} // namespace devlog::timescale
