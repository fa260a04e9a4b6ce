#pragma once
// Rows in PostgreSQL's binary COPY format (design.md §3), appended to one reusable byte buffer:
// `COPY t (cols) FROM STDIN (FORMAT binary)` reads header() + rows() + trailer(). Encoding is a
// few stores per field and allocates nothing once the buffer has grown to its working size.

#include "lib/core/time.hpp"
#include "lib/core/uuid.hpp"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace devlog::db {

class CopyBuffer
{
public:
    // The 19-byte file header and the 2-byte trailer that frame the rows of one COPY.
    static std::string_view header();
    static std::string_view trailer();

    // Forgets the rows; keeps the memory.
    void clear() { m_bytes.clear(); }
    // Starts a row of FIELDS fields; exactly that many add_* calls must follow.
    void begin_row(std::int16_t fields);
    void add_null();
    void add_uuid(const Uuid& value);
    // timestamptz from microseconds since the Unix epoch.
    void add_timestamptz(time::Micros value);
    void add_int4(std::int32_t value);
    // text: the bytes as they are (the caller guarantees UTF-8 without NUL).
    void add_text(std::string_view value);
    // jsonb: version 1 and the JSON text, which the server parses.
    void add_jsonb(std::string_view json);
    // text[] with one dimension (an empty array when VALUES is empty).
    void add_text_array(std::span<const std::string_view> values);

    // The encoded rows, without header and trailer; byte offsets into it are stable until clear().
    std::string_view rows() const { return m_bytes; }
    std::size_t size() const { return m_bytes.size(); }
    // Drops every byte from OFFSET on (a row that turned out bad while it was being added).
    void truncate(std::size_t offset) { m_bytes.resize(offset); }

private:
    void put16(std::int16_t v);
    void put32(std::int32_t v);
    void put64(std::int64_t v);
    std::string m_bytes;
};

} // namespace devlog::db
