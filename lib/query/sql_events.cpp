// SQL of `query events` and its --follow.
#include "lib/db/pq.hpp"
#include "lib/events/event.hpp"
#include "lib/query/sql.hpp"
#include "lib/query/sql_parts.hpp"

#include <fmt/format.h>

namespace devlog::query {
namespace {

// The SQL expression of each event_columns() entry, on agent_events "e".
constexpr std::array<std::string_view, events::k_json_fields.size()> k_expressions = {
    "e.id::text",
    "(extract(epoch FROM e.timestamp) * 1000000)::int8",
    "e.event_type",
    "e.agent_id",
    "e.agent_version",
    "e.session_id::text",
    "e.project_id",
    "e.context",
    "e.data",
    "e.metrics",
    "e.parent_event_id::text",
    "to_jsonb(e.related_event_ids)",
    "to_jsonb(e.tags)",
    "e.severity"};

std::string select_list(const EventsSpec& spec)
{
    std::string out;
    for (const auto i : spec.columns) {
        out += fmt::format("{}{} AS {}", out.empty() ? "" : ",\n       ", k_expressions.at(i),
                           db::quote_name(event_columns().at(i).name));
    }
    if (spec.keys) {
        out += fmt::format("{}e.id::text AS _id, {} AS _ts", out.empty() ? "" : ",\n       ",
                           sql::micros("e.timestamp"));
    }
    return out.empty() ? "NULL" : out;
}

} // namespace

const std::vector<Column>& event_columns()
{
    static const std::vector<Column> k_columns = [] {
        std::vector<Column> columns;
        for (const auto name : events::k_json_fields) {
            Kind kind = Kind::text;
            if (name == "timestamp") {
                kind = Kind::timestamp;
            } else if (name == "projectId") {
                kind = Kind::integer;
            } else if (name == "context" || name == "data" || name == "metrics" || name == "relatedEventIds" ||
                       name == "tags") {
                kind = Kind::json;
            }
            columns.push_back({std::string(name), kind});
        }
        return columns;
    }();
    return k_columns;
}

Statement events_sql(const EventsSpec& spec)
{
    Statement st;
    const std::string columns = select_list(spec);
    const auto conds = sql::conditions(st, spec.filter, "e", sql::Scope::all);
    const std::string limit = spec.limit ? st.bind(std::to_string(*spec.limit)) + "::int8" : "";
    if (spec.last_ascending && spec.limit) {
        // The newest LIMIT events, then oldest first.
        st << fmt::format("SELECT {}\nFROM (\n    SELECT e.*\n    FROM agent_events e{}\n"
                          "    ORDER BY e.timestamp DESC, e.id DESC\n    LIMIT {}) e\nORDER BY e.timestamp, e.id",
                          columns, sql::where(conds, "    "), limit);
        return st;
    }
    const bool desc = spec.order == Order::desc && !spec.last_ascending;
    st << fmt::format("SELECT {}\nFROM agent_events e{}\nORDER BY {}", columns, sql::where(conds),
                      desc ? "e.timestamp DESC, e.id DESC" : "e.timestamp, e.id");
    if (!limit.empty()) {
        st << "\nLIMIT " << limit;
    }
    return st;
}

Statement follow_sql(const EventsSpec& spec, time::Micros low, const std::vector<std::string>& seen, std::int64_t limit)
{
    Statement st;
    EventsSpec with_keys = spec;
    with_keys.keys = true;
    const std::string columns = select_list(with_keys);
    auto conds = sql::conditions(st, spec.filter, "e", sql::Scope::all);
    conds.push_back("e.timestamp >= " + sql::timestamp_param(st, low));
    if (!seen.empty()) {
        conds.push_back(fmt::format("NOT (e.id = ANY({}::uuid[]))", st.bind(array_literal(seen))));
    }
    st << fmt::format("SELECT {}\nFROM agent_events e{}\nORDER BY e.timestamp, e.id\nLIMIT {}::int8", columns,
                      sql::where(conds), st.bind(std::to_string(limit)));
    return st;
}

Statement known_ids_sql(const EventFilter& filter, time::Micros low)
{
    Statement st;
    auto conds = sql::conditions(st, filter, "e", sql::Scope::all);
    conds.push_back("e.timestamp >= " + sql::timestamp_param(st, low));
    st << fmt::format("SELECT e.id::text, {}\nFROM agent_events e{}", sql::micros("e.timestamp"), sql::where(conds));
    return st;
}

} // namespace devlog::query
