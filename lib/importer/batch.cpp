#include "lib/importer/batch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace devlog::importer {
namespace {

void put_field(std::string& out, std::string_view value)
{
    fmt::format_to(std::back_inserter(out), "{}:", value.size());
    out.append(value);
}

void put_number(std::string& out, std::int64_t value)
{
    const fmt::format_int text(value);
    put_field(out, std::string_view(text.data(), text.size()));
}

void put_null(std::string& out)
{
    out.push_back('~');
}

void put_uuid(std::string& out, const Uuid& id)
{
    static constexpr char k_hex[] = "0123456789abcdef";
    out.append("36:");
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out.push_back('-');
        }
        out.push_back(k_hex[id.bytes[i] >> 4]);
        out.push_back(k_hex[id.bytes[i] & 0xF]);
    }
}

bool json_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// JSON text without the whitespace between tokens, as a length-prefixed field. Copies runs of
// bytes, not bytes: this runs for every payload of every event without an id.
void put_json(std::string& out, std::string_view json)
{
    const std::size_t length_at = out.size();
    out.append("0000000000:"); // patched below: fixed width so the text need not move
    const std::size_t start = out.size();
    const char* p = json.data();
    const char* const end = p + json.size();
    const char* run = p;
    while (p < end) {
        if (*p == '"') {
            ++p; // to the closing quote: one not preceded by an odd number of backslashes
            for (;;) {
                const auto* quote = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
                if (quote == nullptr) {
                    p = end;
                    break;
                }
                const char* slashes = quote;
                while (slashes > p && slashes[-1] == '\\') {
                    --slashes;
                }
                p = quote + 1;
                if ((quote - slashes) % 2 == 0) {
                    break;
                }
            }
        } else if (json_blank(*p)) {
            out.append(run, static_cast<std::size_t>(p - run));
            while (p < end && json_blank(*p)) {
                ++p;
            }
            run = p;
        } else {
            ++p;
        }
    }
    out.append(run, static_cast<std::size_t>(end - run));
    // The real length replaces the placeholder (shorter: the tail moves left).
    const fmt::format_int length(out.size() - start);
    out.replace(length_at, 10, length.data(), length.size());
}

void put_array(std::string& out, const std::optional<std::span<const std::string_view>>& values)
{
    if (!values) {
        put_null(out);
        return;
    }
    fmt::format_to(std::back_inserter(out), "[{}]", values->size());
    for (const auto value : *values) {
        put_field(out, value);
    }
}

} // namespace

Uuid derive_event_id(const EventRow& row, std::string& out)
{
    out.assign("agent_event:v1");
    put_number(out, row.timestamp);
    put_field(out, row.event_type);
    put_field(out, row.agent_id);
    put_field(out, row.agent_version);
    put_uuid(out, row.session_id);
    put_number(out, row.project_id);
    put_json(out, row.context);
    put_json(out, row.data);
    if (row.metrics) {
        put_json(out, *row.metrics);
    } else {
        put_null(out);
    }
    if (row.parent_event_id) {
        put_uuid(out, *row.parent_event_id);
    } else {
        put_null(out);
    }
    put_array(out, row.related_event_ids);
    put_array(out, row.tags);
    if (row.severity) {
        put_field(out, *row.severity);
    } else {
        put_null(out);
    }
    return uuid_v5(devlog_namespace(), out);
}

Uuid Batch::add(const EventRow& row)
{
    const Uuid id = row.id ? *row.id : derive_event_id(row, m_scratch);
    encode(id, row);
    return id;
}

void Batch::add(const events::Event& event)
{
    EventRow row;
    row.timestamp = event.timestamp;
    row.event_type = event.event_type;
    row.agent_id = event.agent_id;
    row.agent_version = event.agent_version;
    row.session_id = event.session_id;
    row.project_id = event.project_id;
    row.context = event.context;
    row.data = event.data;
    if (event.metrics) {
        row.metrics = *event.metrics;
    }
    row.parent_event_id = event.parent_event_id;
    const auto views = [](const std::optional<std::vector<std::string>>& from, std::vector<std::string_view>& to)
        -> std::optional<std::span<const std::string_view>> {
        if (!from) {
            return std::nullopt;
        }
        to.assign(from->begin(), from->end());
        return std::span<const std::string_view>(to);
    };
    row.related_event_ids = views(event.related_event_ids, m_related);
    row.tags = views(event.tags, m_tags);
    if (event.severity) {
        row.severity = *event.severity;
    }
    encode(event.id, row);
}

void Batch::encode(const Uuid& id, const EventRow& row)
{
    if (m_buffer.size() > 0xFFFF'FFFFu - (1u << 20)) {
        throw std::length_error("a batch of events is larger than 4 GB");
    }
    m_row_starts.push_back(static_cast<std::uint32_t>(m_buffer.size()));
    m_buffer.begin_row(static_cast<std::int16_t>(k_columns.size()));
    m_buffer.add_uuid(id);
    m_buffer.add_timestamptz(row.timestamp);
    m_buffer.add_text(row.event_type);
    m_buffer.add_text(row.agent_id);
    m_buffer.add_text(row.agent_version);
    m_buffer.add_uuid(row.session_id);
    m_buffer.add_int4(row.project_id);
    m_buffer.add_jsonb(row.context);
    m_buffer.add_jsonb(row.data);
    if (row.metrics) {
        m_buffer.add_jsonb(*row.metrics);
    } else {
        m_buffer.add_null();
    }
    if (row.parent_event_id) {
        m_buffer.add_uuid(*row.parent_event_id);
    } else {
        m_buffer.add_null();
    }
    for (const auto& array : {row.related_event_ids, row.tags}) {
        if (array) {
            m_buffer.add_text_array(*array);
        } else {
            m_buffer.add_null();
        }
    }
    if (row.severity) {
        m_buffer.add_text(*row.severity);
    } else {
        m_buffer.add_null();
    }
    if (m_row_starts.size() == 1) {
        m_min = m_max = row.timestamp;
    } else {
        m_min = std::min(m_min, row.timestamp);
        m_max = std::max(m_max, row.timestamp);
    }
}

void Batch::clear()
{
    m_buffer.clear();
    m_row_starts.clear();
    m_min = m_max = 0;
}

std::string_view Batch::row_bytes(std::size_t first, std::size_t last) const
{
    const std::string_view all = m_buffer.rows();
    const std::size_t from = first < m_row_starts.size() ? m_row_starts[first] : all.size();
    const std::size_t to = last < m_row_starts.size() ? m_row_starts[last] : all.size();
    return all.substr(from, to - from);
}

} // namespace devlog::importer
