#include "lib/rollup/contract.hpp"

#include "lib/core/time.hpp"
#include "lib/events/event.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace devlog::rollup {

const std::array<Column, 16> k_columns = {{
    {"bucket", "timestamp with time zone", "Start of the bucket (UTC): time_bucket of agent_events.timestamp"},
    {"project_id", "integer", "Group key: agent_events.project_id"},
    {"agent_id", "text", "Group key: agent_events.agent_id"},
    {"event_type", "text", "Group key: agent_events.event_type"},
    {"event_count", "bigint", "Events in the group: count(*)"},
    {"error_count", "bigint", "Events in the group with severity = 'error'"},
    {"session_count", "bigint",
     "Distinct session_id in the group (exact); never sum it across groups or buckets: a session counts in each"},
    {"prompt_tokens", "bigint", "Sum of metrics.promptTokens (fresh input tokens) where it is a number from 0 to 1e9", true},
    {"response_tokens", "bigint", "Sum of metrics.responseTokens (output tokens) where it is a number from 0 to 1e9", true},
    {"cache_read_tokens", "bigint", "Sum of metrics.cacheReadTokens where it is a number from 0 to 1e9", true},
    {"cache_creation_tokens", "bigint", "Sum of metrics.cacheCreationTokens where it is a number from 0 to 1e9", true},
    {"total_tokens", "bigint", "Sum of metrics.tokenCount (all four token kinds) where it is a number from 0 to 1e9", true},
    {"duration_ms_sum", "double precision",
     "Sum of metrics.durationMs where it is a number from 0 to 1e10; average = duration_ms_sum / duration_count", true},
    {"duration_count", "bigint", "Events whose metrics.durationMs was summed into duration_ms_sum"},
    {"cost_sum", "numeric", "Sum of metrics.cost (USD) where it is a number from 0 to 1e6", true},
    {"cost_count", "bigint", "Events whose metrics.cost was summed into cost_sum"},
}};

bool is_group_key(std::string_view name)
{
    return name == "project_id" || name == "agent_id" || name == "event_type";
}

std::vector<Column> columns(bool grouped)
{
    std::vector<Column> out;
    for (const auto& c : k_columns) {
        if (grouped || !is_group_key(c.name)) {
            out.push_back(c);
        }
    }
    return out;
}

namespace {

std::string_view max_of(std::string_view key)
{
    namespace m = events::metric;
    for (const auto tokens : {m::prompt_tokens, m::response_tokens, m::cache_read_tokens, m::cache_creation_tokens,
                              m::token_count}) {
        if (key == tokens) {
            return k_max_tokens;
        }
    }
    if (key == m::duration_ms) {
        return k_max_duration_ms;
    }
    if (key == m::cost) {
        return k_max_cost;
    }
    throw std::invalid_argument(fmt::format("rollup::metric: '{}' is not a metric of the rollup contract", key));
}

std::string tokens(std::string_view key, std::string_view column)
{
    // Each event's count rounded to a whole token, then summed.
    return fmt::format("    sum(({})::bigint)::bigint AS {}", metric("", key), column);
}

} // namespace

std::string metric(std::string_view alias, std::string_view key)
{
    // Nested CASE, not AND: PostgreSQL does not promise to evaluate AND's operands in order, and the
    // cast fails on anything but a number.
    const std::string value = alias.empty() ? fmt::format("metrics -> '{}'", key)
                                            : fmt::format("{}.metrics -> '{}'", alias, key);
    return fmt::format("CASE WHEN jsonb_typeof({0}) = 'number' THEN CASE WHEN ({0})::numeric BETWEEN 0 AND {1} THEN "
                       "({0})::numeric END END",
                       value, max_of(key));
}

std::string metrics_lateral(std::string_view alias, std::string_view as)
{
    namespace m = events::metric;
    std::string values;
    std::string types;
    for (const auto key : {m::prompt_tokens, m::response_tokens, m::cache_read_tokens, m::cache_creation_tokens,
                           m::token_count, m::duration_ms, m::cost}) {
        values += fmt::format("{}CASE WHEN jsonb_typeof(j.\"{}\") = 'number' THEN (j.\"{}\")::numeric END AS \"{}\"",
                              values.empty() ? "" : ",\n               ", key, key, key);
        types += fmt::format("{}\"{}\" jsonb", types.empty() ? "" : ", ", key);
    }
    // OFFSET 0 keeps the subquery whole: pulled up, each of its columns would be computed again at
    // every use. A metrics value that is not an object counts as no metrics (jsonb_to_record
    // fails on one).
    return fmt::format("\n    CROSS JOIN LATERAL (\n        -- the metrics, each read once\n"
                       "        SELECT {}\n"
                       "        FROM jsonb_to_record(CASE WHEN jsonb_typeof({}.metrics) = 'object' THEN {}.metrics END)\n"
                       "             AS j({})\n"
                       "        OFFSET 0) AS {}",
                       values, alias, alias, types, as);
}

std::string metric_column(std::string_view as, std::string_view key)
{
    return fmt::format("CASE WHEN {0}.\"{1}\" BETWEEN 0 AND {2} THEN {0}.\"{1}\" END", as, key, max_of(key));
}

std::string select_sql(std::string_view bucket_expression, std::string_view source, bool grouped)
{
    namespace m = events::metric;
    const std::string duration = metric("", m::duration_ms);
    const std::string cost = metric("", m::cost);
    return fmt::format("SELECT {0} AS bucket{9},\n"
                       "    count(*) AS event_count,\n"
                       "    count(*) FILTER (WHERE severity = 'error') AS error_count,\n"
                       "    count(DISTINCT session_id) AS session_count,\n"
                       "{2},\n{3},\n{4},\n{5},\n{6},\n"
                       "    sum(({7})::double precision) AS duration_ms_sum,\n"
                       "    count({7}) AS duration_count,\n"
                       "    sum({8}) AS cost_sum,\n"
                       "    count({8}) AS cost_count\n"
                       "FROM {1}\n"
                       "GROUP BY {0}{9}",
                       bucket_expression, source, tokens(m::prompt_tokens, "prompt_tokens"),
                       tokens(m::response_tokens, "response_tokens"), tokens(m::cache_read_tokens, "cache_read_tokens"),
                       tokens(m::cache_creation_tokens, "cache_creation_tokens"), tokens(m::token_count, "total_tokens"),
                       duration, cost, grouped ? ", project_id, agent_id, event_type" : "");
}

std::string time_bucket_expression(std::chrono::microseconds width)
{
    return fmt::format("time_bucket(INTERVAL '{}', \"timestamp\")", time::format_interval(width));
}

std::string date_bin_expression(std::chrono::microseconds width)
{
    return fmt::format("date_bin(INTERVAL '{}', \"timestamp\", TIMESTAMPTZ '2000-01-01 00:00:00+00')",
                       time::format_interval(width));
}

std::string relation_comment(std::string_view name, std::chrono::microseconds width, bool grouped)
{
    return fmt::format("{}: agent_events per {} (UTC){}; sums and counts only, so buckets add up (except "
                       "session_count). {}.",
                       name,
                       width == std::chrono::hours(1)    ? "hour bucket"
                       : width == std::chrono::hours(24) ? "day bucket"
                                                         : "bucket of " + time::format_interval(width),
                       grouped ? ", project, agent and event type" : ", all events together", k_marker);
}

} // namespace devlog::rollup
