#include "lib/query/sql_parts.hpp"

#include <fmt/format.h>

namespace devlog::query::sql {
namespace {

// "ALIAS.COLUMN = $n::TYPE" for one value, "ALIAS.COLUMN = ANY($n::TYPE[])" for several.
void any_of(Statement& st, std::vector<std::string>& out, std::string_view alias, std::string_view column,
            std::string_view type, const std::vector<std::string>& values)
{
    if (values.size() == 1) {
        out.push_back(fmt::format("{}.{} = {}::{}", alias, column, st.bind(values.front()), type));
    } else if (!values.empty()) {
        out.push_back(fmt::format("{}.{} = ANY({}::{}[])", alias, column, st.bind(array_literal(values)), type));
    }
}

} // namespace

std::vector<std::string> conditions(Statement& st, const EventFilter& f, std::string_view alias, Scope scope,
                                    std::string_view time_column)
{
    std::vector<std::string> out;
    if (scope == Scope::all) {
        if (f.since) {
            out.push_back(fmt::format("{}.{} >= {}", alias, time_column, timestamp_param(st, *f.since)));
        }
        if (f.until) {
            out.push_back(fmt::format("{}.{} < {}", alias, time_column, timestamp_param(st, *f.until)));
        }
    }
    std::vector<std::string> ids;
    for (const auto id : f.project_ids) {
        ids.push_back(std::to_string(id));
    }
    any_of(st, out, alias, "project_id", "int4", ids);
    any_of(st, out, alias, "agent_id", "text", f.agents);
    any_of(st, out, alias, "event_type", "text", f.types);
    if (scope == Scope::rollup) {
        return out;
    }
    if (f.session) {
        out.push_back(fmt::format("{}.session_id = {}::uuid", alias, st.bind(f.session->str())));
    }
    any_of(st, out, alias, "severity", "text", f.severities);
    if (!f.tags.empty()) {
        out.push_back(fmt::format("{}.tags @> {}::text[]", alias, st.bind(array_literal(f.tags))));
    }
    if (f.data) {
        out.push_back(fmt::format("{}.data @> {}::jsonb", alias, st.bind(*f.data)));
    }
    return out;
}

std::string where(const std::vector<std::string>& conditions, std::string_view indent)
{
    std::string out;
    for (std::size_t i = 0; i < conditions.size(); ++i) {
        out += fmt::format("\n{}{} {}", indent, i == 0 ? "WHERE" : "  AND", conditions[i]);
    }
    return out;
}

std::string micros(std::string_view expr)
{
    return fmt::format("(extract(epoch FROM {}) * 1000000)::int8", expr);
}

std::string timestamp_param(Statement& st, time::Micros time)
{
    return st.bind(time::format_iso8601(time)) + "::timestamptz";
}

} // namespace devlog::query::sql
