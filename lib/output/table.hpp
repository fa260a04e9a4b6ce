#pragma once
// Rendering of tabular results as a text table, JSON, NDJSON or CSV.

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::output {

enum class Format
{
    table,
    json,
    ndjson,
    csv
};

// Parses "table", "json", "ndjson" or "csv". Throws UsageError otherwise.
Format parse_format(std::string_view text);

// Rows of named columns. Cells are JSON values: null renders as empty (table, CSV) or null (JSON).
struct Table
{
    std::vector<std::string> columns;
    std::vector<std::vector<nlohmann::json>> rows;
};

struct RenderOptions
{
    bool color = false; // bold header in table format (only when writing to a terminal)
};

// Writes TABLE to OUT: 'table' aligns columns under a header; 'json' is one array of objects;
// 'ndjson' one object per line; 'csv' RFC 4180 with a header line.
void render(std::ostream& out, const Table& table, Format format, const RenderOptions& options = {});

} // namespace devlog::output
