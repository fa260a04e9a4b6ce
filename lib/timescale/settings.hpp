#pragma once
// The desired TimescaleDB state of the devlog database (design.md section 5), every default a
// flag of `timescale setup`, and the parsers for those flags' values.

#include "lib/core/time.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::timescale {

using std::chrono::microseconds;

// One ORDER BY item of the compression settings.
struct OrderItem
{
    std::string column;
    bool descending = false;
    bool nulls_first = false; // PostgreSQL's default: true for DESC, false for ASC
    bool operator==(const OrderItem&) const = default;
};

// What to do with a part of the setup.
enum class Want
{
    ensure, // bring it to the settings
    leave,  // skip it, leave whatever is there (--no-compression, --no-aggregates)
    remove, // take it away (retention remove, reorder remove, compression disable, aggregates drop)
};

// A continuous aggregate's refresh policy: the window [now - start, now - end], run every `every`.
struct Refresh
{
    microseconds start{};
    microseconds end{};
    microseconds every{};
};

struct Settings
{
    std::string table = "agent_events"; // resolved through the search_path
    microseconds chunk_interval = std::chrono::hours(24);
    Want compression = Want::ensure;
    std::vector<std::string> segment_by = {"project_id", "agent_id", "event_type"};
    // timestamp DESC, then id: the primary key is (id, timestamp) and TimescaleDB wants id in it.
    std::vector<OrderItem> order_by = {{"timestamp", true, true}, {"id", false, false}};
    microseconds compress_after = std::chrono::hours(24 * 7);
    Want retention = Want::ensure;
    microseconds retain = std::chrono::hours(24 * 365);
    Want reorder = Want::ensure;
    std::string reorder_index = "idx_agent_events_session_time";
    Want aggregates = Want::ensure;
    // The hourly window ends 5 minutes ago: an hour is materialized within 15 minutes of its end,
    // so `query timeline` reads at most ~75 minutes of raw rows (late events invalidate the hours
    // they fall in; timeline reads those from raw rows until the next refresh).
    Refresh hourly{std::chrono::hours(24), std::chrono::minutes(5), std::chrono::minutes(10)};
    Refresh daily{std::chrono::hours(24 * 3), std::chrono::hours(1), std::chrono::hours(1)};
    // agent_events_totals_5m: every 5 minutes, up to a minute ago (a raw tail of at most ~11 minutes).
    Refresh totals{std::chrono::hours(24), std::chrono::minutes(1), std::chrono::minutes(5)};
    // Drop and re-create rollup relations that do not follow the contract (their materialized
    // history is recomputed from the raw rows that are left).
    bool replace_aggregates = false;
};

// A duration flag: time::parse_duration's forms plus years ("1y", "2 years" = 365 days each).
// Throws UsageError naming FLAG.
microseconds parse_interval_flag(std::string_view text, std::string_view flag);

// "project_id, agent_id": column names separated by commas ("" is none). Throws UsageError
// naming FLAG for an empty item or a duplicate.
std::vector<std::string> parse_column_list(std::string_view text, std::string_view flag);
std::string format_column_list(const std::vector<std::string>& columns);

// "timestamp DESC, id" with ASC|DESC and NULLS FIRST|LAST per item; defaults filled in.
// Throws UsageError naming FLAG.
std::vector<OrderItem> parse_order_by(std::string_view text, std::string_view flag);
// Items as TimescaleDB takes them (identifiers quoted when they need it), defaults left out.
std::string format_order_by(const std::vector<OrderItem>& items);

// An identifier as TimescaleDB's option strings and people read it: bare when it is a plain
// lower-case name, else double-quoted.
std::string option_identifier(std::string_view name);

// An instant flag (--from, --to): ISO-8601 (UTC when no offset) or a duration before NOW ("7d").
// Throws UsageError naming FLAG.
time::Micros parse_instant_flag(std::string_view text, std::string_view flag, time::Micros now);

} // namespace devlog::timescale
