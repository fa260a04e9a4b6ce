#pragma once
// The output formats of --format: the one list that the parser, CLI11 and the completions use.

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

// The names --format accepts, in help order: table, json, ndjson, csv.
const std::vector<std::string>& format_names();

// Parses one of format_names(). Throws UsageError otherwise.
Format parse_format(std::string_view text);

} // namespace devlog::output
