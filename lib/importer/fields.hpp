#pragma once
// The fields of an imported record and how each value becomes a column: key names (camelCase or
// snake_case), timestamps, ids, event types, severities. Shared by the JSON and CSV decoders, so
// both accept and refuse the same values with the same words.

#include "lib/core/time.hpp"
#include "lib/core/uuid.hpp"
#include "lib/importer/batch.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace devlog::importer {

// What is wrong with a record: FIELD as the record names it ("eventType", "event_type"; "record"
// for the record as a whole) and the problem ("'yesterday' is not an ISO-8601 timestamp ...").
// Decoders throw it; the importer prefixes FILE:LINE.
struct BadField
{
    std::string field;
    std::string problem;
};

enum class Field : std::uint8_t
{
    id,
    timestamp,
    event_type,
    agent_id,
    agent_version,
    session_id,
    project_id,
    project,
    context,
    data,
    metrics,
    parent_event_id,
    related_event_ids,
    tags,
    severity,
    unknown
};

// The field a key names: "eventType" and "event_type" are both Field::event_type; "project" names
// a project by id, full name or URL, like projectId. Field::unknown for anything else (ignored).
Field field_of(std::string_view key);
// The key of FIELD in camelCase, or snake_case when SNAKE.
std::string_view field_key(Field field, bool snake);
// True for a snake_case key (it has an '_').
inline bool is_snake(std::string_view key)
{
    return key.find('_') != std::string_view::npos;
}

// A record decoded, before its project is looked up.
struct ParsedEvent
{
    EventRow row;
    std::optional<std::int64_t> project_number; // the project by id
    std::string_view project_text;              // or by full name ("owner/repo") or repository URL
    bool has_project = false;
    bool snake = false;                         // the record's keys are snake_case (for messages)
    // Which required fields were present.
    bool has_timestamp = false, has_event_type = false, has_agent_id = false, has_agent_version = false,
         has_session_id = false;

    void reset(); // forget the previous record (keeps nothing that allocates)
};

// Throws BadField "KEY: missing" for the first required field the record lacked (projects aside).
void require_fields(const ParsedEvent& event);

// VALUE for a message: quoted, shortened to 60 characters, control characters escaped.
std::string quoted(std::string_view value);

// An id given as text: a UUID as is, anything else (an agent's own id) as its UUIDv5 in
// devlogctl's namespace under KIND ("event", "session"). Throws BadField when empty or with a NUL.
Uuid id_value(std::string_view key, std::string_view text, std::string_view kind);
// A timestamp given as text: ISO-8601 with a UTC offset, or an epoch number (seconds or
// milliseconds, also with a fraction).
time::Micros timestamp_text(std::string_view key, std::string_view text);
// A timestamp given as an epoch number.
time::Micros timestamp_number(std::string_view key, double value);
time::Micros timestamp_number(std::string_view key, std::int64_t value);
// The canonical event type of TEXT (aliases mapped), as a view of a constant.
std::string_view event_type_value(std::string_view key, std::string_view text);
// info, warning or error (any case), as a view of a constant.
std::string_view severity_value(std::string_view key, std::string_view text);
// TEXT for a text column: refused with a NUL character (PostgreSQL cannot store it); REQUIRED
// refuses an empty string.
std::string_view text_value(std::string_view key, std::string_view text, bool required);
// A project id: a positive 32-bit integer.
std::int64_t project_number(std::string_view key, std::int64_t value);
// A project given as text: digits are its id, anything else its full name or repository URL.
void project_text_value(std::string_view key, std::string_view text, ParsedEvent& out);
// JSON text of an object (already validated): refused when it holds \u0000, which jsonb cannot store.
std::string_view json_object_text(std::string_view key, std::string_view json);

} // namespace devlog::importer
