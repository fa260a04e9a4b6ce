#pragma once
// Pieces shared by the SQL builders of lib/query (internal to lib/query).

#include "lib/query/filters.hpp"
#include "lib/query/statement.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace devlog::query::sql {

// Which filters a WHERE clause applies.
enum class Scope
{
    all,    // every filter, times included
    no_time, // every filter but --since/--until (the caller bounds the time itself)
    rollup, // project, agent and type only (what the rollups have)
};

// The conditions of FILTER on the relation ALIAS, each "ALIAS.column ... $n" (parameters bound in
// ST), joined with AND; empty when there are none.
std::vector<std::string> conditions(Statement& st, const EventFilter& filter, std::string_view alias, Scope scope,
                                    std::string_view time_column = "timestamp");

// " WHERE a AND b" (with a leading newline and indent), or "" when CONDITIONS is empty.
std::string where(const std::vector<std::string>& conditions, std::string_view indent = "");

// Microseconds since the epoch of the timestamptz EXPR, as int8 (exact: extract returns numeric).
std::string micros(std::string_view expr);

// TIME as a bound timestamptz parameter: "$n::timestamptz".
std::string timestamp_param(Statement& st, time::Micros time);

} // namespace devlog::query::sql

namespace devlog::query {
struct PriceTable;
}

namespace devlog::query::sql {

// The common table expressions of token usage, ending in one named "usage" with one row per KEY
// (an expression over the deduplicated response rows "r": r.session_id, r.model, ...): key,
// responses, prompt_tokens, response_tokens, cache_read_tokens, cache_creation_tokens,
// total_tokens, cost_usd, recorded_cost_usd, estimated_cost_usd, unpriced_tokens. Without "WITH".
std::string usage_ctes(Statement& st, const EventFilter& filter, std::string_view key, const PriceTable& prices);

} // namespace devlog::query::sql
