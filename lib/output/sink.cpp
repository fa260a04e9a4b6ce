#include "lib/output/sink.hpp"

#include "lib/core/errors.hpp"
#include "lib/output/json_text.hpp"
#include "lib/output/table_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace devlog::output {

void RowSink::begin(std::vector<std::string> columns)
{
    if (m_state != State::fresh) {
        throw std::logic_error("RowSink::begin called twice");
    }
    for (auto it = columns.begin(); it != columns.end(); ++it) {
        if (std::find(columns.begin(), it, *it) != it) {
            throw UsageError(fmt::format("column '{}' is named twice", *it));
        }
    }
    m_columns = std::move(columns);
    m_state = State::open;
    on_begin();
}

void RowSink::row(std::span<const nlohmann::json> values)
{
    if (m_state != State::open) {
        throw std::logic_error("RowSink::row called outside begin() and end()");
    }
    if (values.size() > m_columns.size()) {
        throw std::invalid_argument(fmt::format("row has {} values for {} columns", values.size(), m_columns.size()));
    }
    on_row(values);
}

void RowSink::flush()
{
    m_out.flush();
    check_stream();
}

void RowSink::end()
{
    if (m_state != State::open) {
        throw std::logic_error("RowSink::end called without begin() or twice");
    }
    m_state = State::ended;
    on_end();
    flush();
}

void RowSink::write(std::string_view text)
{
    m_out.write(text.data(), static_cast<std::streamsize>(text.size()));
    check_stream();
}

void RowSink::check_stream() const
{
    if (!m_out) {
        throw Error("writing the output failed (disk full, or the reader stopped reading?)");
    }
}

const nlohmann::json& RowSink::cell(std::span<const nlohmann::json> values, std::size_t i)
{
    static const nlohmann::json k_null;
    return i < values.size() ? values[i] : k_null;
}

namespace {

// One JSON object per line.
class NdjsonSink final : public RowSink
{
public:
    using RowSink::RowSink;

protected:
    void on_begin() override
    {
        for (const auto& column : columns()) {
            std::string key;
            append_json_string(key, column);
            m_keys.push_back(key + ":");
        }
    }
    void on_row(std::span<const nlohmann::json> values) override
    {
        m_line.clear();
        m_line += '{';
        for (std::size_t i = 0; i < m_keys.size(); ++i) {
            m_line += i ? "," : "";
            m_line += m_keys[i];
            append_json(m_line, cell(values, i));
        }
        m_line += "}\n";
        write(m_line);
    }
    void on_end() override {}

private:
    std::vector<std::string> m_keys; // "\"name\":" per column, escaped once
    std::string m_line;              // reused for every row: its capacity is the longest row's
};

// One JSON array of objects, laid out as nlohmann's dump(2), written object by object.
class JsonSink final : public RowSink
{
public:
    using RowSink::RowSink;

protected:
    void on_begin() override
    {
        for (const auto& column : columns()) {
            std::string key = "    ";
            append_json_string(key, column);
            m_keys.push_back(key + ": ");
        }
    }
    void on_row(std::span<const nlohmann::json> values) override
    {
        m_line.assign(m_rows++ == 0 ? "[\n  {" : ",\n  {");
        if (m_keys.empty()) {
            m_line += '}';
        } else {
            for (std::size_t i = 0; i < m_keys.size(); ++i) {
                m_line += i ? ",\n" : "\n";
                m_line += m_keys[i];
                append_json(m_line, cell(values, i), 2, 2);
            }
            m_line += "\n  }";
        }
        write(m_line);
    }
    void on_end() override { write(m_rows == 0 ? "[]\n" : "\n]\n"); }

private:
    std::vector<std::string> m_keys; // "    \"name\": " per column
    std::string m_line;
    std::uint64_t m_rows = 0; // a count, not the rows
};

// RFC 4180: fields with a comma, quote, CR or LF are quoted; lines end in CRLF.
class CsvSink final : public RowSink
{
public:
    using RowSink::RowSink;

protected:
    void on_begin() override
    {
        m_line.clear();
        for (std::size_t i = 0; i < columns().size(); ++i) {
            m_line += i ? "," : "";
            append_field(columns()[i], false);
        }
        m_line += "\r\n";
        write(m_line);
    }
    void on_row(std::span<const nlohmann::json> values) override
    {
        m_line.clear();
        for (std::size_t i = 0; i < columns().size(); ++i) {
            m_line += i ? "," : "";
            const auto& value = cell(values, i);
            if (value.is_string()) {
                append_field(value.get_ref<const std::string&>(), true);
            } else {
                m_cell.clear();
                append_cell_text(m_cell, value);
                append_field(m_cell, false);
            }
        }
        m_line += "\r\n";
        write(m_line);
    }
    void on_end() override {}

private:
    // An empty string is written "" so that it reads back apart from null (an empty field), as
    // PostgreSQL's COPY … CSV does.
    void append_field(std::string_view text, bool is_string)
    {
        const bool quote = (is_string && text.empty()) || std::any_of(text.begin(), text.end(), [](char c) {
                               return c == ',' || c == '"' || c == '\r' || c == '\n';
                           });
        if (!quote) {
            m_line += text;
            return;
        }
        m_line += '"';
        for (std::size_t quote_at = text.find('"'); quote_at != std::string_view::npos; quote_at = text.find('"')) {
            m_line.append(text.substr(0, quote_at + 1));
            m_line += '"';
            text.remove_prefix(quote_at + 1);
        }
        m_line.append(text);
        m_line += '"';
    }

    std::string m_line;
    std::string m_cell; // a non-string cell's text, reused
};

} // namespace

std::unique_ptr<RowSink> make_sink(std::ostream& out, Format format, const RenderOptions& options)
{
    switch (format) {
    case Format::table:
        return std::make_unique<TableSink>(out, options);
    case Format::json:
        return std::make_unique<JsonSink>(out);
    case Format::ndjson:
        return std::make_unique<NdjsonSink>(out);
    case Format::csv:
        return std::make_unique<CsvSink>(out);
    }
    throw std::invalid_argument("unknown output format");
}

} // namespace devlog::output
