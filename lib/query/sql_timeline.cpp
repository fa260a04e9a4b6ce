// SQL of `query timeline`: buckets summed from the rollups where they are current, from raw rows
// elsewhere, with the same columns and numbers either way.
#include "lib/core/errors.hpp"
#include "lib/db/pq.hpp"
#include "lib/events/event.hpp"
#include "lib/query/sql.hpp"
#include "lib/query/sql_parts.hpp"
#include "lib/rollup/contract.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace devlog::query {
namespace {

const char* key_column(TimelineBy by)
{
    switch (by) {
    case TimelineBy::agent:
        return "agent_id";
    case TimelineBy::type:
        return "event_type";
    case TimelineBy::project:
        return "project_id";
    case TimelineBy::none:
        break;
    }
    return nullptr;
}

// One rollup segment: its buckets re-bucketed to the requested size.
std::string rollup_part(Statement& st, const TimelineSpec& spec, const Segment& s, const std::string& bucket)
{
    auto conds = sql::conditions(st, spec.filter, "r", sql::Scope::rollup);
    conds.insert(conds.begin(), {"r.bucket >= " + sql::timestamp_param(st, s.range.start),
                                 "r.bucket < " + sql::timestamp_param(st, s.range.end)});
    const char* key = key_column(spec.by);
    return fmt::format(
        "    -- {} from {} to {}\n"
        "    SELECT {} AS bucket{},\n"
        "           sum(r.event_count) AS events, sum(r.error_count) AS errors,\n"
        "           sum(r.prompt_tokens) AS prompt_tokens, sum(r.response_tokens) AS response_tokens,\n"
        "           sum(r.cache_read_tokens) AS cache_read_tokens, sum(r.cache_creation_tokens) AS cache_creation_tokens,\n"
        "           sum(r.total_tokens) AS total_tokens, sum(r.duration_ms_sum) AS duration_ms,\n"
        "           sum(r.duration_count) AS duration_count, sum(r.cost_sum) AS cost\n"
        "    FROM {} r{}\n"
        "    GROUP BY {}",
        s.rollup, time::format_iso8601(s.range.start), time::format_iso8601(s.range.end), fmt::format(fmt::runtime(bucket), "r.bucket"),
        key ? fmt::format(", r.{} AS key", key) : "", db::quote_name(s.rollup), sql::where(conds, "    "),
        key ? "1, 2" : "1");
}

// One raw segment, aggregated as the rollup contract aggregates.
std::string raw_part(Statement& st, const TimelineSpec& spec, const Segment& s, const std::string& bucket)
{
    namespace m = events::metric;
    auto conds = sql::conditions(st, spec.filter, "e", sql::Scope::no_time);
    conds.insert(conds.begin(), {"e.timestamp >= " + sql::timestamp_param(st, s.range.start),
                                 "e.timestamp < " + sql::timestamp_param(st, s.range.end)});
    const char* key = key_column(spec.by);
    return fmt::format(
        "    -- agent_events from {} to {}\n"
        "    SELECT {} AS bucket{},\n"
        "           count(*) AS events, count(*) FILTER (WHERE e.severity = 'error') AS errors,\n"
        "           sum(({})::bigint)::bigint AS prompt_tokens,\n"
        "           sum(({})::bigint)::bigint AS response_tokens,\n"
        "           sum(({})::bigint)::bigint AS cache_read_tokens,\n"
        "           sum(({})::bigint)::bigint AS cache_creation_tokens,\n"
        "           sum(({})::bigint)::bigint AS total_tokens,\n"
        "           sum(({})::double precision) AS duration_ms,\n"
        "           count({}) AS duration_count,\n"
        "           sum({}) AS cost\n"
        "    FROM agent_events e{}{}\n"
        "    GROUP BY {}",
        time::format_iso8601(s.range.start), time::format_iso8601(s.range.end), fmt::format(fmt::runtime(bucket), "e.timestamp"),
        key ? fmt::format(", e.{} AS key", key) : "", rollup::metric_column("n", m::prompt_tokens),
        rollup::metric_column("n", m::response_tokens), rollup::metric_column("n", m::cache_read_tokens),
        rollup::metric_column("n", m::cache_creation_tokens), rollup::metric_column("n", m::token_count),
        rollup::metric_column("n", m::duration_ms), rollup::metric_column("n", m::duration_ms),
        rollup::metric_column("n", m::cost), rollup::metrics_lateral("e", "n"), sql::where(conds, "    "),
        key ? "1, 2" : "1");
}

} // namespace

TimelineBy parse_timeline_by(std::string_view text)
{
    if (text == "agent") {
        return TimelineBy::agent;
    }
    if (text == "type") {
        return TimelineBy::type;
    }
    if (text == "project") {
        return TimelineBy::project;
    }
    throw UsageError(fmt::format("--by: '{}' is not one of agent, type, project", text));
}

std::vector<Column> timeline_columns(TimelineBy by)
{
    std::vector<Column> columns = {{"bucket", Kind::timestamp}};
    if (by != TimelineBy::none) {
        columns.push_back({by == TimelineBy::agent ? "agent" : by == TimelineBy::type ? "type" : "project", Kind::text});
    }
    for (const char* name : {"events", "errors", "prompt_tokens", "response_tokens", "cache_read_tokens",
                             "cache_creation_tokens", "total_tokens"}) {
        columns.push_back({name, Kind::integer});
    }
    columns.push_back({"duration_ms", Kind::number});
    columns.push_back({"avg_duration_ms", Kind::number});
    columns.push_back({"cost_usd", Kind::number});
    return columns;
}

Statement timeline_sql(const TimelineSpec& spec)
{
    Statement st;
    const std::string width = st.bind(time::format_interval(spec.bucket)) + "::interval";
    const std::string origin = sql::timestamp_param(st, k_bucket_origin);
    // "date_bin($1::interval, {}, $2::timestamptz)": a format string for the bucketed column.
    const std::string bucket = fmt::format("{}({}, {{}}, {})", spec.timescaledb ? "time_bucket" : "date_bin", width, origin);
    std::string parts;
    for (const auto& s : spec.segments) {
        parts += (parts.empty() ? "" : "\n    UNION ALL\n") +
                 (s.rollup.empty() ? raw_part(st, spec, s, bucket) : rollup_part(st, spec, s, bucket));
    }
    if (parts.empty()) {
        throw std::logic_error("timeline_sql: no segments");
    }
    const char* key = key_column(spec.by);
    const std::string first = sql::timestamp_param(st, spec.range.start);
    const std::string last = sql::timestamp_param(st, spec.range.end - spec.bucket.count());
    std::string shown_key;
    std::string joins;
    if (key) {
        const auto columns = timeline_columns(spec.by);
        shown_key = spec.by == TimelineBy::project ? "coalesce(pr.full_name, k.key::text)" : "k.key";
        shown_key = fmt::format("\n       {} AS {},", shown_key, columns[1].name);
        joins = "\nCROSS JOIN keys k";
        if (spec.by == TimelineBy::project) {
            joins += "\nLEFT JOIN projects pr ON pr.id = k.key";
        }
    }
    st << fmt::format(R"(WITH parts AS (
{}
),
buckets AS (
    SELECT generate_series({}, {}, {}) AS bucket
){}
SELECT {} AS bucket,{}
       coalesce(sum(p.events), 0)::int8 AS events,
       coalesce(sum(p.errors), 0)::int8 AS errors,
       coalesce(sum(p.prompt_tokens), 0)::int8 AS prompt_tokens,
       coalesce(sum(p.response_tokens), 0)::int8 AS response_tokens,
       coalesce(sum(p.cache_read_tokens), 0)::int8 AS cache_read_tokens,
       coalesce(sum(p.cache_creation_tokens), 0)::int8 AS cache_creation_tokens,
       coalesce(sum(p.total_tokens), 0)::int8 AS total_tokens,
       round(coalesce(sum(p.duration_ms), 0)::numeric, 3) AS duration_ms,
       round((sum(p.duration_ms) / nullif(sum(p.duration_count), 0))::numeric, 3) AS avg_duration_ms,
       round(coalesce(sum(p.cost), 0), 6) AS cost_usd
FROM buckets b{}
LEFT JOIN parts p ON p.bucket = b.bucket{}
GROUP BY b.bucket{}
ORDER BY b.bucket{})",
                      parts, first, last, width, key ? ",\nkeys AS (\n    SELECT DISTINCT key FROM parts\n)" : "",
                      sql::micros("b.bucket"), shown_key, joins, key ? " AND p.key = k.key" : "",
                      key ? (spec.by == TimelineBy::project ? ", k.key, pr.full_name" : ", k.key") : "",
                      key ? ", k.key" : "");
    return st;
}

} // namespace devlog::query
