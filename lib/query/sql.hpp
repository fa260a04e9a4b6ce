#pragma once
// SQL of the query commands, built from checked filters (filters.hpp): text with $n placeholders
// and bound parameters, never a spliced value. Pure functions, golden-tested
// (tests/unit/test_query_sql.cpp against tests/fixtures/query/golden/).

#include "lib/query/columns.hpp"
#include "lib/query/filters.hpp"
#include "lib/query/prices.hpp"
#include "lib/query/statement.hpp"
#include "lib/query/timeline_plan.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace devlog::query {

enum class Order
{
    asc,
    desc
};

// The columns of `query events`: events::k_json_fields, in that order.
const std::vector<Column>& event_columns();

// `query events`: the picked columns (indexes into event_columns()) of the events FILTER matches,
// ordered by (timestamp, id) in ORDER, at most LIMIT (nullopt: all). With KEYS, two more columns
// follow: the event's id and its timestamp in microseconds (for --follow). LAST_ASCENDING: the
// newest LIMIT events, oldest first (the start of --follow).
struct EventsSpec
{
    EventFilter filter;
    std::vector<std::size_t> columns;
    std::optional<std::int64_t> limit;
    Order order = Order::desc;
    bool keys = false;
    bool last_ascending = false;
};
Statement events_sql(const EventsSpec& spec);

// --follow: events FILTER matches with timestamp >= LOW whose id is not in SEEN, oldest first, at
// most LIMIT; the picked columns then id and timestamp (as events_sql with keys).
Statement follow_sql(const EventsSpec& spec, time::Micros low, const std::vector<std::string>& seen,
                     std::int64_t limit);

// --follow's start: id and timestamp of every event FILTER matches with timestamp >= LOW.
Statement known_ids_sql(const EventFilter& filter, time::Micros low);

// `query sessions`: one row per session with events matching FILTER, newest start first.
const std::vector<Column>& session_columns();
Statement sessions_sql(const EventFilter& filter, const PriceTable& prices, std::optional<std::int64_t> limit);

// `query usage --by`: what the rows are grouped by.
enum class UsageBy
{
    day,
    model,
    project,
    session,
    agent
};
UsageBy parse_usage_by(std::string_view text); // throws UsageError "--by: ..."
const char* name_of(UsageBy by);
std::vector<Column> usage_columns(UsageBy by);
// Token usage and cost per group: each API response counted once, cost from metrics.cost where an
// event has it, else from PRICES; unpriced_tokens counts the tokens no price covers.
Statement usage_sql(const EventFilter& filter, UsageBy by, const PriceTable& prices);

// `query timeline --by`: an extra group column (none: one row per bucket).
enum class TimelineBy
{
    none,
    agent,
    type,
    project
};
TimelineBy parse_timeline_by(std::string_view text); // throws UsageError "--by: ..."
std::vector<Column> timeline_columns(TimelineBy by);

struct TimelineSpec
{
    EventFilter filter; // rollup segments apply only its time, project, agent and type filters
    Interval range;     // whole buckets
    std::chrono::microseconds bucket{0};
    TimelineBy by = TimelineBy::none;
    std::vector<Segment> segments; // plan_segments(range, ...): rollup and raw parts
    bool timescaledb = false;      // time_bucket (else date_bin)
};
// Every bucket of RANGE (empty ones as zeros; with --by, every group seen in the range), summed
// from the segments' rollups and raw rows alike, so both give the same numbers.
Statement timeline_sql(const TimelineSpec& spec);

} // namespace devlog::query
