#pragma once
// Records to events: one decoder per input format. A decoder reuses its buffers from record to
// record (no allocation once warm); what it fills stays valid until its next decode().

#include "lib/importer/fields.hpp"
#include "lib/importer/records.hpp"

#include <memory>
#include <string>
#include <vector>

namespace devlog::importer {

// A JSON object per record (NDJSON lines, JSON array elements), keys in camelCase or snake_case.
// Validated in full (simdjson DOM) before any field is used; context, data and metrics are kept
// as the record's own JSON text.
class JsonDecoder
{
public:
    JsonDecoder();
    ~JsonDecoder();
    JsonDecoder(const JsonDecoder&) = delete;
    JsonDecoder& operator=(const JsonDecoder&) = delete;

    // Decodes RECORD into OUT. Throws BadField (a NUL byte, invalid UTF-8, invalid JSON, not an
    // object, a field of the wrong type or value, a required field missing).
    void decode(const Record& record, ParsedEvent& out);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// CSV (RFC 4180) with a header naming the columns (camelCase or snake_case, any order, unknown
// columns ignored). An empty unquoted field is NULL (as PostgreSQL's CSV writes it); JSON columns
// hold JSON text; tags and related_event_ids a JSON array or a PostgreSQL array literal {a,"b c"}.
class CsvDecoder
{
public:
    CsvDecoder();
    ~CsvDecoder();
    CsvDecoder(const CsvDecoder&) = delete;
    CsvDecoder& operator=(const CsvDecoder&) = delete;

    // Reads the header record. Throws InputError "NAME:LINE: ..." when a required column is missing
    // or named twice.
    void header(const Record& record, const std::string& name);
    // The header line as read (for a rejects file).
    const std::string& header_text() const;
    void decode(const Record& record, ParsedEvent& out);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// "invalid JSON: a string is not closed", ...: simdjson's error CODE (a simdjson::error_code) in words.
std::string describe_json_error(int code);

// The column of the first byte of TEXT that is not valid UTF-8 (1-based), or 0 when it is valid.
std::size_t invalid_utf8_column(std::string_view text);

} // namespace devlog::importer
