#pragma once
// Result columns of the query commands: their output name, how a value arrives from the server
// (text) and how it is shown (a JSON cell for the row sinks).

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::query {

enum class Kind
{
    text,      // a string
    integer,   // an int64
    number,    // a double (costs, averages)
    json,      // JSON text: parsed, shown as the value
    timestamp, // microseconds since the epoch: shown as time::format_iso8601
    date,      // microseconds since the epoch of a UTC midnight: shown as YYYY-MM-DD
    boolean,   // PostgreSQL's t / f
};

struct Column
{
    std::string name; // output name (events: the canonical camelCase field)
    Kind kind = Kind::text;
};

// VALUE (the server's text, nullopt for NULL) as the cell of a column of KIND. Throws Error when
// the text does not fit the kind (a server-side bug, never user input).
nlohmann::json to_cell(Kind kind, const std::optional<std::string>& value);

// The names of COLUMNS, in order.
std::vector<std::string> names_of(const std::vector<Column>& columns);

// The columns of ALL named by SPEC ("a,b" or several --columns), in SPEC's order; FLAG names the
// option in errors. Empty SPEC: DEFAULTS (names), or all when DEFAULTS is empty. Throws UsageError
// for an unknown or repeated name, listing the known ones.
std::vector<std::size_t> pick_columns(const std::vector<Column>& all, const std::vector<std::string>& spec,
                                      const std::vector<std::string>& defaults);

} // namespace devlog::query
