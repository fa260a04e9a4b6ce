#include "lib/importer/records.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace devlog::importer {
namespace {

constexpr std::size_t k_initial_buffer = 1 << 20;

bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool ends_with(std::string_view text, std::string_view suffix)
{
    if (text.size() < suffix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < suffix.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[text.size() - suffix.size() + i])) != suffix[i]) {
            return false;
        }
    }
    return true;
}

} // namespace

std::string_view format_name(InputFormat format)
{
    switch (format) {
    case InputFormat::ndjson:
        return "ndjson";
    case InputFormat::json_array:
        return "json";
    case InputFormat::csv:
        return "csv";
    }
    return "";
}

std::optional<InputFormat> format_from_name(std::string_view path)
{
    for (const std::string_view compressed : {".gz", ".zst"}) {
        if (ends_with(path, compressed)) {
            path.remove_suffix(compressed.size());
        }
    }
    if (ends_with(path, ".ndjson") || ends_with(path, ".jsonl")) {
        return InputFormat::ndjson;
    }
    if (ends_with(path, ".csv")) {
        return InputFormat::csv;
    }
    return std::nullopt;
}

RecordReader::RecordReader(ByteSource& source, std::optional<InputFormat> format, std::size_t max_record_bytes)
    : m_source(source), m_max(max_record_bytes)
{
    m_capacity = std::min(k_initial_buffer, m_max + 2);
    m_buffer = std::make_unique<char[]>(m_capacity + k_record_padding);
    fill();
    while (m_end - m_begin < 3 && fill()) {
    }
    if (m_end - m_begin >= 3 && std::memcmp(m_buffer.get() + m_begin, "\xEF\xBB\xBF", 3) == 0) {
        m_begin += 3;
    }
    if (format) {
        m_format = *format;
        return;
    }
    // Sniff: the first byte that is not blank.
    for (;;) {
        while (m_begin < m_end && blank(m_buffer[m_begin])) {
            ++m_begin; // blank lines before the first record: counted below
            if (m_buffer[m_begin - 1] == '\n') {
                ++m_line;
            }
        }
        if (m_begin < m_end || !fill()) {
            break;
        }
    }
    const char first = m_begin < m_end ? m_buffer[m_begin] : '{';
    m_format = first == '[' ? InputFormat::json_array : first == '{' ? InputFormat::ndjson : InputFormat::csv;
}

RecordReader::~RecordReader() = default;

bool RecordReader::fill()
{
    if (m_eof) {
        return false;
    }
    if (m_begin > 0) {
        std::memmove(m_buffer.get(), m_buffer.get() + m_begin, m_end - m_begin);
        m_end -= m_begin;
        m_begin = 0;
    }
    if (m_end == m_capacity) {
        const std::size_t grown = std::min(m_capacity * 2, m_max + 2);
        if (grown > m_capacity) {
            auto bigger = std::make_unique<char[]>(grown + k_record_padding);
            std::memcpy(bigger.get(), m_buffer.get(), m_end);
            m_buffer = std::move(bigger);
            m_capacity = grown;
        } else {
            return true; // full: the caller sees the record is too long
        }
    }
    const std::size_t n = m_source.read(m_buffer.get() + m_end, m_capacity - m_end);
    if (n == 0) {
        m_eof = true;
        return false;
    }
    m_end += n;
    return true;
}

void RecordReader::fail(std::uint64_t line, std::string_view what) const
{
    throw InputError(fmt::format("{}:{}: {}", m_source.name(), line, what));
}

bool RecordReader::next(Record& record)
{
    return m_format == InputFormat::json_array ? next_element(record) : next_line(record);
}

bool RecordReader::next_line(Record& record)
{
    const bool csv = m_format == InputFormat::csv;
    for (;;) {
        std::size_t scan = 0;       // offset from m_begin searched so far
        bool quoted = false;        // CSV: inside a quoted field at `scan`
        std::uint64_t inner = 0;    // CSV: line ends inside quoted fields
        bool skipping = false;      // too long: its bytes are dropped as they come
        std::size_t length = 0;     // of the record, once its end is found
        bool found = false;
        while (!found) {
            char* const base = m_buffer.get() + m_begin;
            const std::size_t avail = m_end - m_begin;
            while (scan < avail) {
                auto* nl = static_cast<char*>(std::memchr(base + scan, '\n', avail - scan));
                const std::size_t stop = nl != nullptr ? static_cast<std::size_t>(nl - base) : avail;
                if (csv) {
                    for (const char* q = base + scan; (q = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(base + stop - q)))) != nullptr; ++q) {
                        quoted = !quoted;
                    }
                }
                scan = stop;
                if (nl == nullptr) {
                    break;
                }
                if (!quoted) {
                    length = stop;
                    found = true;
                    break;
                }
                ++inner;
                ++scan;
            }
            if (found) {
                break;
            }
            if (skipping || avail >= m_max + 2) {
                skipping = true;
                m_begin = m_end; // drop what was read of the record
                scan = 0;
            }
            if (!fill()) {
                if (skipping || m_begin < m_end) {
                    length = m_end - m_begin;
                    found = true;
                    break;
                }
                return false;
            }
        }
        const std::uint64_t line = m_line;
        m_line += 1 + inner;
        std::size_t text_length = length;
        if (text_length > 0 && m_buffer[m_begin + text_length - 1] == '\r') {
            --text_length;
        }
        const char* text = m_buffer.get() + m_begin;
        m_begin = std::min(m_end, m_begin + length + 1);
        if (skipping || text_length > m_max) {
            record = Record{{}, 0, line, true};
            return true;
        }
        if (!csv) {
            std::size_t first = 0;
            while (first < text_length && blank(text[first])) {
                ++first;
            }
            if (first == text_length || text[first] == '#') {
                continue; // a blank or comment line
            }
        } else if (text_length == 0) {
            continue; // CSV: empty lines are no records
        }
        record.text = std::string_view(text, text_length);
        record.capacity = static_cast<std::size_t>(m_buffer.get() + m_capacity + k_record_padding - text);
        record.line = line;
        record.too_long = false;
        return true;
    }
}

bool RecordReader::next_element(Record& record)
{
    // Skips blanks; false at the end of the input.
    const auto skip_blanks = [&]() {
        for (;;) {
            while (m_begin < m_end && blank(m_buffer[m_begin])) {
                if (m_buffer[m_begin] == '\n') {
                    ++m_line;
                }
                ++m_begin;
            }
            if (m_begin < m_end) {
                return true;
            }
            if (!fill()) {
                return false;
            }
        }
    };
    for (;;) {
        const bool more = skip_blanks();
        const char c = more ? m_buffer[m_begin] : '\0';
        switch (m_array) {
        case ArrayState::start:
            if (c != '[') {
                fail(m_line, "not a JSON array (it should start with '[')");
            }
            ++m_begin;
            m_array = ArrayState::first;
            continue;
        case ArrayState::first:
            if (!more) {
                fail(m_line, "the JSON array ends early: ']' is missing (truncated file?)");
            }
            if (c == ']') {
                ++m_begin;
                m_array = ArrayState::done;
                continue;
            }
            break;
        case ArrayState::next:
            if (!more) {
                fail(m_line, "the JSON array ends early: ']' is missing (truncated file?)");
            }
            if (c == ']') {
                fail(m_line, "a ',' before the ']' that ends the JSON array");
            }
            break;
        case ArrayState::after:
            if (c == ',') {
                ++m_begin;
                m_array = ArrayState::next;
                continue;
            }
            if (c == ']') {
                ++m_begin;
                m_array = ArrayState::done;
                continue;
            }
            fail(m_line, more ? "expected ',' or ']' after an element of the JSON array"
                              : "the JSON array ends early: ']' is missing (truncated file?)");
        case ArrayState::done:
            if (more) {
                fail(m_line, "text after the end of the JSON array");
            }
            return false;
        }

        // An element starts at m_begin: find where it ends.
        const std::uint64_t line = m_line;
        std::size_t off = 0;
        int depth = 0;
        bool in_string = false;
        bool escaped = false;
        bool skipping = false;
        std::optional<std::size_t> end;
        while (!end) {
            const char* base = m_buffer.get() + m_begin;
            const std::size_t avail = m_end - m_begin;
            for (; off < avail && !end; ++off) {
                const char ch = base[off];
                if (in_string) {
                    if (escaped) {
                        escaped = false;
                    } else if (ch == '\\') {
                        escaped = true;
                    } else if (ch == '"') {
                        in_string = false;
                        if (depth == 0) {
                            end = off + 1;
                        }
                    } else if (ch == '\n') {
                        ++m_line;
                    }
                    continue;
                }
                switch (ch) {
                case '"':
                    in_string = true;
                    break;
                case '{':
                case '[':
                    ++depth;
                    break;
                case '}':
                case ']':
                    if (depth == 0) {
                        end = off;
                    } else if (--depth == 0) {
                        end = off + 1;
                    }
                    break;
                case ',':
                    if (depth == 0) {
                        end = off;
                    }
                    break;
                default:
                    if (blank(ch)) {
                        if (depth == 0 && off > 0) {
                            end = off;
                        } else if (ch == '\n') {
                            ++m_line;
                        }
                    }
                    break;
                }
                if (end) {
                    break;
                }
            }
            if (end) {
                break;
            }
            if (skipping || avail >= m_max + 2) {
                skipping = true;
                m_begin = m_end;
                off = 0;
            }
            if (!fill()) {
                fail(line, "the JSON array ends inside an element (truncated file?)");
            }
        }
        const char* text = m_buffer.get() + m_begin;
        m_begin += *end;
        m_array = ArrayState::after;
        if (skipping || *end > m_max) {
            record = Record{{}, 0, line, true};
            return true;
        }
        record.text = std::string_view(text, *end);
        record.capacity = static_cast<std::size_t>(m_buffer.get() + m_capacity + k_record_padding - text);
        record.line = line;
        record.too_long = false;
        return true;
    }
}

} // namespace devlog::importer
