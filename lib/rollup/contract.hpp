#pragma once
// The rollup contract (DEVELOPERS.md "Rollup contract"): the columns of agent_events_hourly and
// agent_events_daily and the SQL that computes them from agent_events rows. TimescaleDB's
// continuous aggregates (timescale setup), plain-PostgreSQL rollup tables (maintain) and the raw
// fallback of query timeline all use these expressions, so they give the same numbers.

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::rollup {

inline constexpr std::string_view k_hourly = "agent_events_hourly";
inline constexpr std::string_view k_daily = "agent_events_daily";
// Every event per 5 minutes, without group keys: what `query timeline` without --by or a
// project/agent/type filter reads (one row per bucket instead of one per project, agent and type,
// and a raw tail of minutes instead of up to an hour).
inline constexpr std::string_view k_totals = "agent_events_totals_5m";

// A rollup relation of the contract: its name, its bucket width, and whether it is grouped by
// project, agent and event type.
struct Relation
{
    std::string_view name;
    std::chrono::microseconds width;
    bool grouped = true;
};
// In this order: timescale::State::aggregates, the refresh settings and maintain's refresh index it.
inline constexpr std::array<Relation, 3> k_relations = {{
    {k_hourly, std::chrono::hours(1), true},
    {k_daily, std::chrono::hours(24), true},
    {k_totals, std::chrono::minutes(5), false},
}};
static_assert(k_relations[0].name == k_hourly && k_relations[1].name == k_daily && k_relations[2].name == k_totals);

// Version of the contract, written into each rollup relation's COMMENT (k_marker): a relation
// whose comment lacks it was made by something else (seed 002's script, an older devlogctl).
inline constexpr std::string_view k_marker = "devlogctl rollup contract v1";

struct Column
{
    std::string_view name;
    std::string_view type;    // as format_type() prints it
    std::string_view comment; // COMMENT ON COLUMN text
    bool nullable = false;    // a sum (NULL where no event had the metric); keys and counts never are
};

// In order: the bucket, the three group keys, then the measures.
extern const std::array<Column, 16> k_columns;
// Whether NAME is one of the group keys (project_id, agent_id, event_type).
bool is_group_key(std::string_view name);
// The columns of a relation: k_columns, without the group keys when it is not GROUPED.
std::vector<Column> columns(bool grouped);

// Largest value of a metric that counts (a JSON number from 0 to this); anything else is absent.
inline constexpr std::string_view k_max_tokens = "1000000000";       // per event, each token metric
inline constexpr std::string_view k_max_duration_ms = "10000000000"; // ~115 days
inline constexpr std::string_view k_max_cost = "1000000";            // USD per event

// The metric KEY (events::metric: a token count, durationMs or cost) of ALIAS.metrics (of the bare
// column "metrics" when ALIAS is empty) as numeric where it is a JSON number from 0 to its maximum
// above, else NULL. Throws std::invalid_argument for any other key.
std::string metric(std::string_view alias, std::string_view key);

// The same numbers as metric() for a query that reads many rows: ` CROSS JOIN LATERAL (…) AS`
// followed by AS, a subquery that reads ALIAS.metrics once per row (jsonb_to_record) and yields
// one numeric column per contract metric, named by its key, NULL where it is not a JSON number.
// metric_column() then applies the range. metric() looks each key up three times and casts it
// twice; a raw-row query spends most of its time there. Never for a continuous aggregate, whose
// definition (and so whether setup finds it changed) is metric()'s.
std::string metrics_lateral(std::string_view alias, std::string_view as);
// The metric KEY of metrics_lateral(…, AS): equal to metric(alias, KEY).
std::string metric_column(std::string_view as, std::string_view key);

// The SELECT list and GROUP BY of one rollup row per (bucket, project_id, agent_id, event_type)
// (per bucket when not GROUPED) over SOURCE (an agent_events relation, already quoted), with
// BUCKET_EXPRESSION giving the bucket of "timestamp" (e.g. time_bucket(INTERVAL '1 hour',
// "timestamp")). Every metric is read defensively: a value that is not a JSON number in range
// counts as absent, never an error.
std::string select_sql(std::string_view bucket_expression, std::string_view source, bool grouped = true);

// time_bucket(INTERVAL '...', "timestamp") for WIDTH (5 minutes, 1 hour or 1 day), for TimescaleDB.
std::string time_bucket_expression(std::chrono::microseconds width);

// date_bin(INTERVAL '...', "timestamp", '2000-01-01 00:00:00+00') for WIDTH (as above): the
// same buckets (UTC) on PostgreSQL without TimescaleDB.
std::string date_bin_expression(std::chrono::microseconds width);

// The COMMENT of the rollup relation NAME of WIDTH (grouped or not): what it is, with k_marker.
std::string relation_comment(std::string_view name, std::chrono::microseconds width, bool grouped = true);

} // namespace devlog::rollup
