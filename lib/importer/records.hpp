#pragma once
// Splits an input into records without copying them: NDJSON lines, the elements of one JSON array,
// CSV records (a quoted field may span lines). Memory stays at the read buffer whatever the input
// size; a record longer than the limit is skipped (and reported) without being held.

#include "lib/importer/input.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

namespace devlog::importer {

enum class InputFormat
{
    ndjson,
    json_array,
    csv
};

// "ndjson", "json", "csv".
std::string_view format_name(InputFormat format);
// The format a file name announces (.ndjson, .jsonl, .csv, also before .gz / .zst); nullopt for
// .json (an array or NDJSON: look at the data) and anything else.
std::optional<InputFormat> format_from_name(std::string_view path);

// One record; TEXT stays valid until the next call of RecordReader::next().
struct Record
{
    std::string_view text;      // without its line end (and without a trailing CR)
    std::size_t capacity = 0;   // readable bytes from text.data(): at least text.size() + k_record_padding
    std::uint64_t line = 0;     // 1-based line where the record starts
    bool too_long = false;      // over the limit: TEXT is empty, the bytes were skipped
};

// Readable bytes after every record, for simdjson (SIMDJSON_PADDING).
inline constexpr std::size_t k_record_padding = 64;

class RecordReader
{
public:
    // Reads SOURCE as FORMAT, or, without one, as what its first byte says ('[' a JSON array,
    // '{' NDJSON, anything else CSV). A UTF-8 byte-order mark at the start is skipped.
    RecordReader(ByteSource& source, std::optional<InputFormat> format, std::size_t max_record_bytes);
    ~RecordReader();
    RecordReader(const RecordReader&) = delete;
    RecordReader& operator=(const RecordReader&) = delete;

    InputFormat format() const { return m_format; }
    // The next record; false at the end. NDJSON skips blank lines and comment lines (first
    // non-blank character '#', as a rejects file has them). Throws InputError "NAME:LINE: ..." when
    // a JSON array input is not one (text between elements, unterminated array).
    bool next(Record& record);

private:
    bool next_line(Record& record);
    bool next_element(Record& record);
    // Reads more input after the unconsumed bytes; false at the end of the input.
    bool fill();
    [[noreturn]] void fail(std::uint64_t line, std::string_view what) const;

    ByteSource& m_source;
    InputFormat m_format = InputFormat::ndjson;
    std::size_t m_max;
    std::unique_ptr<char[]> m_buffer;
    std::size_t m_capacity = 0; // without the padding
    std::size_t m_begin = 0;    // unconsumed bytes: [m_begin, m_end)
    std::size_t m_end = 0;
    bool m_eof = false;
    std::uint64_t m_line = 1;
    // JSON array state.
    enum class ArrayState
    {
        start,
        first,
        next,
        after,
        done
    } m_array = ArrayState::start;
};

} // namespace devlog::importer
