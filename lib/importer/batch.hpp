#pragma once
// Rows of agent_events on their way to the server: the view of one row that parsers fill without
// copying (EventRow), the id an event without one gets (derive_event_id), and the batch the writer
// loads in one transaction (Batch), encoded for binary COPY as rows are added.

#include "lib/core/time.hpp"
#include "lib/core/uuid.hpp"
#include "lib/db/copy_binary.hpp"
#include "lib/events/event.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::importer {

// The columns of agent_events the writer fills, in the order rows are encoded.
inline constexpr std::array<std::string_view, 14> k_columns = {
    "id",       "timestamp", "event_type", "agent_id",        "agent_version",     "session_id", "project_id",
    "context",  "data",      "metrics",    "parent_event_id", "related_event_ids", "tags",       "severity"};

// One agent_events row as views into the caller's buffers (valid until the row is added). Values
// are already checked: a canonical event type, UTF-8 text without NUL, JSON objects as JSON text.
struct EventRow
{
    std::optional<Uuid> id; // nullopt: derive_event_id
    time::Micros timestamp = 0;
    std::string_view event_type;
    std::string_view agent_id;
    std::string_view agent_version;
    Uuid session_id;
    std::int32_t project_id = 0;
    std::string_view context = "{}";
    std::string_view data = "{}";
    std::optional<std::string_view> metrics;
    std::optional<Uuid> parent_event_id;
    std::optional<std::span<const std::string_view>> related_event_ids;
    std::optional<std::span<const std::string_view>> tags;
    std::optional<std::string_view> severity;
};

// The id of an event that came without one: the UUIDv5, in devlogctl's namespace, of
// "agent_event:v1" followed by every other column in k_columns order, each written as "~" for
// NULL or LENGTH ":" BYTES (decimal byte length): timestamp as decimal microseconds since the Unix
// epoch, UUIDs in lower-case 8-4-4-4-12 form, project_id in decimal, JSON objects as their text
// with the whitespace outside strings removed, arrays as "[" COUNT "]" and their elements.
// So key style, field order, timestamp notation and event-type alias do not change the id; any
// value that differs does. SCRATCH is reused to build the name (no allocation once grown).
Uuid derive_event_id(const EventRow& row, std::string& scratch);

// Rows for one COPY, with what the writer needs to redo part of it (each row's byte range) and the
// time range its rows span. Reuse one Batch (clear()) so its memory is allocated once.
class Batch
{
public:
    // Encodes ROW (deriving its id when it has none). Returns the id the row got.
    Uuid add(const EventRow& row);
    // Encodes EVENT as is (its id included): for producers that build events::Event (the collector).
    void add(const events::Event& event);
    void clear();

    std::size_t rows() const { return m_row_starts.size(); }
    // Encoded size in bytes (what batch limits count).
    std::size_t bytes() const { return m_buffer.size(); }
    bool empty() const { return m_row_starts.empty(); }
    // The encoded rows FIRST .. LAST-1 (no COPY header or trailer).
    std::string_view row_bytes(std::size_t first, std::size_t last) const;
    time::Micros min_timestamp() const { return m_min; }
    time::Micros max_timestamp() const { return m_max; }

private:
    void encode(const Uuid& id, const EventRow& row);

    db::CopyBuffer m_buffer;
    std::vector<std::uint32_t> m_row_starts;
    time::Micros m_min = 0;
    time::Micros m_max = 0;
    std::string m_scratch;
    std::vector<std::string_view> m_tags; // views of an events::Event's arrays while it is added
    std::vector<std::string_view> m_related;
};

} // namespace devlog::importer
