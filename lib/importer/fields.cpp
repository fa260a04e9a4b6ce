#include "lib/importer/fields.hpp"

#include "lib/events/event.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cstring>
#include <limits>

namespace devlog::importer {
namespace {

struct Key
{
    std::string_view camel;
    std::string_view snake;
};

// Indexed by Field.
constexpr std::array<Key, 15> k_keys = {{{"id", "id"},
                                         {"timestamp", "timestamp"},
                                         {"eventType", "event_type"},
                                         {"agentId", "agent_id"},
                                         {"agentVersion", "agent_version"},
                                         {"sessionId", "session_id"},
                                         {"projectId", "project_id"},
                                         {"project", "project"},
                                         {"context", "context"},
                                         {"data", "data"},
                                         {"metrics", "metrics"},
                                         {"parentEventId", "parent_event_id"},
                                         {"relatedEventIds", "related_event_ids"},
                                         {"tags", "tags"},
                                         {"severity", "severity"}}};

[[noreturn]] void bad(std::string_view key, std::string problem)
{
    throw BadField{std::string(key), std::move(problem)};
}

bool ascii_iequal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto x = static_cast<unsigned char>(a[i]);
        const auto y = static_cast<unsigned char>(b[i]);
        if (std::tolower(x) != std::tolower(y)) {
            return false;
        }
    }
    return true;
}

} // namespace

Field field_of(std::string_view key)
{
    for (std::size_t i = 0; i < k_keys.size(); ++i) {
        if (k_keys[i].camel == key || k_keys[i].snake == key) {
            return static_cast<Field>(i);
        }
    }
    return Field::unknown;
}

std::string_view field_key(Field field, bool snake)
{
    const auto i = static_cast<std::size_t>(field);
    if (i >= k_keys.size()) {
        return "record";
    }
    return snake ? k_keys[i].snake : k_keys[i].camel;
}

void ParsedEvent::reset()
{
    row = EventRow{};
    project_number.reset();
    project_text = {};
    has_project = snake = false;
    has_timestamp = has_event_type = has_agent_id = has_agent_version = has_session_id = false;
}

void require_fields(const ParsedEvent& e)
{
    const std::array<std::pair<bool, Field>, 5> required = {{{e.has_timestamp, Field::timestamp},
                                                             {e.has_event_type, Field::event_type},
                                                             {e.has_agent_id, Field::agent_id},
                                                             {e.has_agent_version, Field::agent_version},
                                                             {e.has_session_id, Field::session_id}}};
    for (const auto& [present, field] : required) {
        if (!present) {
            bad(field_key(field, e.snake), "missing");
        }
    }
}

std::string quoted(std::string_view value)
{
    std::string out = "'";
    std::size_t shown = 0;
    for (const char c : value) {
        if (shown == 60) {
            out += "...";
            break;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) {
            out += fmt::format("\\x{:02x}", u);
        } else {
            out.push_back(c);
        }
        if ((u & 0xC0) != 0x80) {
            ++shown;
        }
    }
    return out + "'";
}

std::string_view text_value(std::string_view key, std::string_view text, bool required)
{
    if (required && text.empty()) {
        bad(key, "empty");
    }
    if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
        bad(key, "contains a NUL character (\\u0000), which PostgreSQL cannot store");
    }
    return text;
}

Uuid id_value(std::string_view key, std::string_view text, std::string_view kind)
{
    text_value(key, text, true);
    if (auto parsed = Uuid::parse(text)) {
        return *parsed;
    }
    return uuid_or_derived(kind, text);
}

time::Micros timestamp_number(std::string_view key, double value)
{
    const auto micros = time::from_epoch(value);
    // PostgreSQL's timestamptz ends in 294276; the epoch forms reach far less.
    if (!micros) {
        bad(key, fmt::format("{} is not an epoch time in seconds or milliseconds", value));
    }
    return *micros;
}

time::Micros timestamp_number(std::string_view key, std::int64_t value)
{
    const auto micros = time::from_epoch(value);
    if (!micros) {
        bad(key, fmt::format("{} is not an epoch time in seconds or milliseconds", value));
    }
    return *micros;
}

time::Micros timestamp_text(std::string_view key, std::string_view text)
{
    const bool numeric = !text.empty() && text.find_first_not_of("0123456789.-") == std::string_view::npos &&
                         (text.size() < 5 || text[4] != '-'); // "2025-01-02" is a date
    if (numeric) {
        std::int64_t whole = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), whole);
        if (ec == std::errc() && end == text.data() + text.size()) {
            return timestamp_number(key, whole);
        }
        double fractional = 0;
        const auto [dend, dec] = std::from_chars(text.data(), text.data() + text.size(), fractional);
        if (dec == std::errc() && dend == text.data() + text.size()) {
            return timestamp_number(key, fractional);
        }
    }
    if (const auto micros = time::parse_iso8601(text, time::Offset::required)) {
        return *micros;
    }
    if (time::parse_iso8601(text, time::Offset::assume_utc)) {
        bad(key, fmt::format("{} has no UTC offset (add Z or +HH:MM)", importer::quoted(text)));
    }
    bad(key, fmt::format("{} is not an ISO-8601 timestamp with a UTC offset or an epoch number", importer::quoted(text)));
}

std::string_view event_type_value(std::string_view key, std::string_view text)
{
    for (const auto type : events::k_event_types) {
        if (type == text) {
            return type; // the common case: no lowering, no allocation
        }
    }
    if (const auto canonical = events::canonical_event_type(text)) {
        return *canonical;
    }
    bad(key, fmt::format("{} is not a known event type", importer::quoted(text)));
}

std::string_view severity_value(std::string_view key, std::string_view text)
{
    for (const auto severity : events::k_severities) {
        if (ascii_iequal(severity, text)) {
            return severity;
        }
    }
    bad(key, fmt::format("{} is not one of info, warning, error", importer::quoted(text)));
}

std::int64_t project_number(std::string_view key, std::int64_t value)
{
    if (value <= 0 || value > std::numeric_limits<std::int32_t>::max()) {
        bad(key, fmt::format("{} is not a project id (a positive 32-bit integer)", value));
    }
    return value;
}

void project_text_value(std::string_view key, std::string_view text, ParsedEvent& out)
{
    out.has_project = true;
    text_value(key, text, true);
    std::int64_t number = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc() && end == text.data() + text.size()) {
        out.project_number = project_number(key, number);
    } else if (ec == std::errc::result_out_of_range) {
        bad(key, fmt::format("{} is not a project id (a positive 32-bit integer)", text));
    } else {
        out.project_text = text;
    }
}

std::string_view json_object_text(std::string_view key, std::string_view json)
{
    // \u0000 outside a string is not JSON; inside one it is preceded by an odd number of '\'.
    for (std::size_t at = json.find("u0000"); at != std::string_view::npos; at = json.find("u0000", at + 1)) {
        std::size_t slashes = 0;
        while (at > slashes && json[at - 1 - slashes] == '\\') {
            ++slashes;
        }
        if (slashes % 2 == 1) {
            bad(key, "contains \\u0000, which PostgreSQL's jsonb cannot store");
        }
    }
    return json;
}

} // namespace devlog::importer
