// SQL of `query usage` and `query sessions`: token usage with each API response counted once, and
// its cost.
#include "lib/core/errors.hpp"
#include "lib/events/event.hpp"
#include "lib/query/sql.hpp"
#include "lib/query/sql_parts.hpp"
#include "lib/rollup/contract.hpp"

#include <fmt/format.h>

namespace devlog::query {
namespace sql {
namespace {

// A response's total: tokenCount, else the sum of its four counts.
constexpr std::string_view k_total = "coalesce(r.token_count, coalesce(r.prompt_tokens, 0) + coalesce(r.response_tokens, "
                                     "0) + coalesce(r.cache_read_tokens, 0) + coalesce(r.cache_creation_tokens, 0))";

} // namespace

std::string usage_ctes(Statement& st, const EventFilter& filter, std::string_view key, const PriceTable& prices)
{
    namespace m = events::metric;
    auto conds = conditions(st, filter, "e", Scope::all);
    conds.push_back(fmt::format("e.metrics ?| ARRAY['{}', '{}', '{}', '{}', '{}', '{}']", m::prompt_tokens,
                                m::response_tokens, m::cache_read_tokens, m::cache_creation_tokens, m::token_count,
                                m::cost));
    std::string out = fmt::format(
        R"(tok AS (
    -- Events with token metrics or a cost. One API response may be stored several times (a copy
    -- per content block, streaming snapshots, copies in continued sessions): the same data.messageId
    -- and data.requestId (or messageId within the session) mark the copies.
    SELECT e.id, e.timestamp, e.session_id, e.project_id, e.agent_id,
           lower(coalesce(e.data ->> 'model', e.context ->> 'model')) AS model,
           CASE WHEN e.data ? 'messageId' OR e.data ? 'requestId'
                THEN coalesce(e.data ->> 'messageId', '') || '|' || coalesce(e.data ->> 'requestId', e.session_id::text)
           END AS response_key,
           ({})::bigint AS prompt_tokens,
           ({})::bigint AS response_tokens,
           ({})::bigint AS cache_read_tokens,
           ({})::bigint AS cache_creation_tokens,
           ({})::bigint AS token_count,
           {} AS cost
    FROM agent_events e{}{}
),
responses AS (
    -- Each response once: the copy with the largest total of its four counts.
    (SELECT DISTINCT ON (t.response_key) t.*
     FROM tok t
     WHERE t.response_key IS NOT NULL
     ORDER BY t.response_key,
              coalesce(t.prompt_tokens, 0) + coalesce(t.response_tokens, 0) + coalesce(t.cache_read_tokens, 0)
                + coalesce(t.cache_creation_tokens, 0) DESC,
              coalesce(t.token_count, 0) DESC, t.timestamp, t.id)
    UNION ALL
    SELECT t.* FROM tok t WHERE t.response_key IS NULL
),
per_model AS (
    SELECT {} AS key, r.model, count(*) AS responses,
           sum(r.prompt_tokens) AS prompt_tokens,
           sum(r.response_tokens) AS response_tokens,
           sum(r.cache_read_tokens) AS cache_read_tokens,
           sum(r.cache_creation_tokens) AS cache_creation_tokens,
           sum({}) AS total_tokens,
           sum(r.cost) AS recorded_cost,
           -- What responses without a recorded cost used: priced below.
           sum(r.prompt_tokens) FILTER (WHERE r.cost IS NULL) AS open_prompt,
           sum(r.response_tokens) FILTER (WHERE r.cost IS NULL) AS open_response,
           sum(r.cache_read_tokens) FILTER (WHERE r.cost IS NULL) AS open_cache_read,
           sum(r.cache_creation_tokens) FILTER (WHERE r.cost IS NULL) AS open_cache_creation,
           sum({}) FILTER (WHERE r.cost IS NULL) AS open_total,
           sum({}) FILTER (WHERE r.cost IS NULL AND r.prompt_tokens IS NULL AND r.response_tokens IS NULL
                                 AND r.cache_read_tokens IS NULL AND r.cache_creation_tokens IS NULL) AS open_unsplit
    FROM responses r
    -- Junk (no metric a number) is no response.
    WHERE num_nonnulls(r.prompt_tokens, r.response_tokens, r.cache_read_tokens, r.cache_creation_tokens,
                       r.token_count, r.cost) > 0
    GROUP BY 1, 2
),
prices AS (
    SELECT * FROM jsonb_to_recordset({}::jsonb)
        AS p(model text, input numeric, output numeric, cache_read numeric, cache_write numeric)
),
usage AS (
    SELECT m.key,
           sum(m.responses)::int8 AS responses,
           coalesce(sum(m.prompt_tokens), 0)::int8 AS prompt_tokens,
           coalesce(sum(m.response_tokens), 0)::int8 AS response_tokens,
           coalesce(sum(m.cache_read_tokens), 0)::int8 AS cache_read_tokens,
           coalesce(sum(m.cache_creation_tokens), 0)::int8 AS cache_creation_tokens,
           coalesce(sum(m.total_tokens), 0)::int8 AS total_tokens,
           round(coalesce(sum(m.recorded_cost), 0) + coalesce(sum(c.estimate), 0), 6) AS cost_usd,
           round(coalesce(sum(m.recorded_cost), 0), 6) AS recorded_cost_usd,
           round(coalesce(sum(c.estimate), 0), 6) AS estimated_cost_usd,
           -- Tokens no price covers: of unpriced models, and totals without the four counts.
           coalesce(sum(CASE WHEN p.model IS NULL THEN m.open_total ELSE m.open_unsplit END), 0)::int8
               AS unpriced_tokens
    FROM per_model m
    LEFT JOIN LATERAL (
        SELECT * FROM prices p
        WHERE m.model = p.model OR starts_with(m.model, p.model || '-') OR starts_with(m.model, p.model || '@')
        ORDER BY length(p.model) DESC
        LIMIT 1) p ON true
    CROSS JOIN LATERAL (
        SELECT (coalesce(m.open_prompt, 0) * p.input + coalesce(m.open_response, 0) * p.output
                + coalesce(m.open_cache_read, 0) * p.cache_read
                + coalesce(m.open_cache_creation, 0) * p.cache_write) / 1000000 AS estimate) c
    GROUP BY m.key
))",
        rollup::metric_column("n", m::prompt_tokens), rollup::metric_column("n", m::response_tokens),
        rollup::metric_column("n", m::cache_read_tokens), rollup::metric_column("n", m::cache_creation_tokens),
        rollup::metric_column("n", m::token_count), rollup::metric_column("n", m::cost),
        rollup::metrics_lateral("e", "n"), where(conds, "    "), key, k_total, k_total, k_total, st.bind(prices_parameter(prices)));
    return out;
}

} // namespace sql

UsageBy parse_usage_by(std::string_view text)
{
    for (const auto by : {UsageBy::day, UsageBy::model, UsageBy::project, UsageBy::session, UsageBy::agent}) {
        if (text == name_of(by)) {
            return by;
        }
    }
    throw UsageError(fmt::format("--by: '{}' is not one of day, model, project, session, agent", text));
}

const char* name_of(UsageBy by)
{
    switch (by) {
    case UsageBy::day:
        return "day";
    case UsageBy::model:
        return "model";
    case UsageBy::project:
        return "project";
    case UsageBy::session:
        return "session";
    case UsageBy::agent:
        return "agent";
    }
    return "";
}

std::vector<Column> usage_columns(UsageBy by)
{
    return {{name_of(by), by == UsageBy::day ? Kind::date : Kind::text},
            {"responses", Kind::integer},
            {"prompt_tokens", Kind::integer},
            {"response_tokens", Kind::integer},
            {"cache_read_tokens", Kind::integer},
            {"cache_creation_tokens", Kind::integer},
            {"total_tokens", Kind::integer},
            {"cost_usd", Kind::number},
            {"recorded_cost_usd", Kind::number},
            {"estimated_cost_usd", Kind::number},
            {"unpriced_tokens", Kind::integer}};
}

Statement usage_sql(const EventFilter& filter, UsageBy by, const PriceTable& prices)
{
    Statement st;
    std::string key;
    std::string shown = "u.key";
    std::string join;
    switch (by) {
    case UsageBy::day:
        key = "date_bin('1 day'::interval, r.timestamp, '2000-01-03 00:00:00+00'::timestamptz)";
        shown = sql::micros("u.key");
        break;
    case UsageBy::model:
        key = "r.model";
        break;
    case UsageBy::project:
        key = "r.project_id";
        shown = "coalesce(pr.full_name, u.key::text)";
        join = "\nLEFT JOIN projects pr ON pr.id = u.key";
        break;
    case UsageBy::session:
        key = "r.session_id";
        shown = "u.key::text";
        break;
    case UsageBy::agent:
        key = "r.agent_id";
        break;
    }
    st.text = "WITH " + sql::usage_ctes(st, filter, key, prices);
    st << fmt::format("\nSELECT {} AS {}, u.responses, u.prompt_tokens, u.response_tokens, u.cache_read_tokens,\n"
                      "       u.cache_creation_tokens, u.total_tokens, u.cost_usd, u.recorded_cost_usd,\n"
                      "       u.estimated_cost_usd, u.unpriced_tokens\n"
                      "FROM usage u{}\n"
                      "ORDER BY u.key NULLS LAST",
                      shown, name_of(by), join);
    return st;
}

const std::vector<Column>& session_columns()
{
    static const std::vector<Column> k_columns = {
        {"session", Kind::text},       {"agent", Kind::text},          {"project", Kind::text},
        {"start", Kind::timestamp},    {"end", Kind::timestamp},       {"duration_s", Kind::integer},
        {"events", Kind::integer},     {"errors", Kind::integer},      {"tokens", Kind::integer},
        {"cost_usd", Kind::number},    {"unpriced_tokens", Kind::integer}, {"outcome", Kind::text}};
    return k_columns;
}

Statement sessions_sql(const EventFilter& filter, const PriceTable& prices, std::optional<std::int64_t> limit)
{
    Statement st;
    st.text = "WITH " + sql::usage_ctes(st, filter, "r.session_id", prices);
    const auto conds = sql::conditions(st, filter, "e", sql::Scope::all);
    st << fmt::format(R"(,
ev AS (
    SELECT e.session_id, min(e.timestamp) AS first_at, max(e.timestamp) AS last_at, count(*) AS events,
           count(*) FILTER (WHERE e.severity = 'error') AS errors,
           min(e.agent_id) AS agent_id, min(e.project_id) AS project_id
    FROM agent_events e{}
    GROUP BY e.session_id
),
sessions AS (
    SELECT ev.*, least(s.start_time, ev.first_at) AS start_at, coalesce(s.end_time, ev.last_at) AS end_at,
           s.agent_id AS session_agent, s.project_id AS session_project, s.outcome
    FROM ev
    LEFT JOIN agent_sessions s ON s.id = ev.session_id
)
SELECT x.session_id::text AS session, coalesce(x.session_agent, x.agent_id) AS agent,
       coalesce(pr.full_name, coalesce(x.session_project, x.project_id)::text) AS project,
       {} AS start, {} AS "end",
       round(extract(epoch FROM x.end_at - x.start_at))::int8 AS duration_s,
       x.events, x.errors, coalesce(u.total_tokens, 0) AS tokens, coalesce(u.cost_usd, 0) AS cost_usd,
       coalesce(u.unpriced_tokens, 0) AS unpriced_tokens, x.outcome
FROM sessions x
LEFT JOIN projects pr ON pr.id = coalesce(x.session_project, x.project_id)
LEFT JOIN usage u ON u.key = x.session_id
ORDER BY x.start_at DESC, x.session_id)",
                      sql::where(conds, "    "), sql::micros("x.start_at"), sql::micros("x.end_at"));
    if (limit) {
        st << "\nLIMIT " << st.bind(std::to_string(*limit)) << "::int8";
    }
    return st;
}

} // namespace devlog::query
