#pragma once
// Row sinks: where commands write result rows, one renderer per --format. The streamed ones (csv,
// json, ndjson) write each row when it arrives and keep none, so a million rows never sit in memory.

#include "lib/output/format.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

namespace devlog::output {

struct RenderOptions
{
    bool color = false; // table: bold header
    // The output is a terminal this many columns wide. Then (table format only) lines are fitted to
    // it, long cells shortened with "…" and control characters neutralised; never when piped.
    std::optional<std::size_t> terminal_width = {};
};

// Receives one result set: begin() once with the column names, row() once per row, end() once.
// Cells are JSON values (null, booleans, numbers, strings, objects, arrays), rendered in column order.
// Calls out of order throw std::logic_error; a stream that fails (disk full, reader gone) throws
// devlog::Error.
class RowSink
{
public:
    explicit RowSink(std::ostream& out) : m_out(out) {}
    virtual ~RowSink() = default;

    // Starts the result with COLUMNS, in output order. Throws UsageError on a duplicate name.
    void begin(std::vector<std::string> columns);
    // Renders one row: VALUES[i] is the cell of column i; missing trailing cells are null. More
    // values than columns throws std::invalid_argument.
    void row(std::span<const nlohmann::json> values);
    void row(std::initializer_list<nlohmann::json> values) { row(std::span(values.begin(), values.size())); }
    // Pushes what was written so far to the reader now. Call it after each batch and before waiting
    // for more rows (--follow); streamed formats otherwise leave flushing to the stream's buffer.
    void flush();
    // Ends the result (closes the JSON array, prints the table) and flushes.
    void end();

    const std::vector<std::string>& columns() const noexcept { return m_columns; }

protected:
    // Writes TEXT to the stream; throws devlog::Error when the stream has failed.
    void write(std::string_view text);
    // The cell of column I in VALUES (null when VALUES is short).
    static const nlohmann::json& cell(std::span<const nlohmann::json> values, std::size_t i);

    virtual void on_begin() = 0;
    virtual void on_row(std::span<const nlohmann::json> values) = 0;
    virtual void on_end() = 0;

private:
    enum class State
    {
        fresh,
        open,
        ended
    };
    std::ostream& m_out;
    std::vector<std::string> m_columns;
    State m_state = State::fresh;

    void check_stream() const;
};

// A sink that renders FORMAT to OUT (which must outlive it).
// table: aligned columns under a header, buffered until end(); json: one array of objects;
// ndjson: one object per line; csv: RFC 4180 with a header line and CRLF line ends, null as an
// empty field and the empty string as "".
std::unique_ptr<RowSink> make_sink(std::ostream& out, Format format, const RenderOptions& options = {});

} // namespace devlog::output
