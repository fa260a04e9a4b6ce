#pragma once
// The query commands' entry points: `devlogctl query events|sessions|timeline|usage`. Each reads
// (never writes) in one read-only snapshot, streams its rows to a RowWriter (a million rows never
// sit in memory), or with --explain returns the plan instead. Errors: UsageError for bad flags
// (the message names the flag), SqlError, ConnectError, Interrupted (Ctrl-C cancels the statement).

#include "lib/core/reporter.hpp"
#include "lib/query/filters.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace devlog::db {
class Database;
}
namespace devlog::output {
class RowSink;
}

namespace devlog::query {

// Where query results go, batch by batch.
class RowWriter
{
public:
    virtual ~RowWriter() = default;
    // Once, before the first row, with the output columns.
    virtual void begin(const std::vector<std::string>& columns) = 0;
    virtual void row(std::span<const nlohmann::json> values) = 0;
    // A batch is complete: show it now (--follow waits after this).
    virtual void flush() = 0;
};

// A RowWriter into a row sink (begin, row, flush; the caller ends the sink).
class SinkWriter final : public RowWriter
{
public:
    explicit SinkWriter(output::RowSink& sink) : m_sink(sink) {}
    void begin(const std::vector<std::string>& columns) override;
    void row(std::span<const nlohmann::json> values) override;
    void flush() override;

private:
    output::RowSink& m_sink;
};

enum class Explain
{
    no,
    plan,    // EXPLAIN: the plan the server chose
    analyze, // EXPLAIN (ANALYZE, BUFFERS): the plan run, with timings
};

// What --explain returns instead of rows.
struct Explained
{
    std::string sql;               // the statement with its parameters inlined (to paste into psql)
    std::vector<std::string> plan; // EXPLAIN's lines
};

// Flags every query command shares.
struct Common
{
    FilterArgs filter;
    std::vector<std::string> columns;         // --columns (names; "a,b" allowed); empty: the defaults
    std::vector<std::string> default_columns; // used when COLUMNS is empty; empty: every column
    Explain explain = Explain::no;
    // --record-metrics: the command's statement is recorded in performance_metrics (kind query,
    // its rows and query hash), also when the environment or the database setting asks.
    bool record_metrics = false;
};

struct EventsOptions : Common
{
    std::int64_t limit = 100;          // 0: no limit
    std::optional<std::string> order;  // "asc" | "desc" (default desc; --follow: asc)
};

struct FollowOptions
{
    // Events whose timestamp is older than this when they are committed are not shown (they are
    // looked for this far back). The seen ids of this window are kept to print each event once.
    std::chrono::microseconds window{std::chrono::minutes(5)};
    std::chrono::milliseconds min_interval{200}; // poll interval while events arrive
    std::chrono::milliseconds max_interval{2000}; // poll interval when idle (doubling up to it)
    std::int64_t batch = 1000;                    // rows per poll at most (more: poll again at once)
};

// `query events`: the newest LIMIT events matching the filters (--order asc: oldest first).
// REPORTER hears when the metrics cannot be recorded.
std::optional<Explained> events(db::Database& db, const EventsOptions& options, RowWriter& out, Reporter& reporter);

// `query events --follow`: the newest LIMIT events oldest first, then every new one as it is
// committed, each once, until SIGINT/SIGTERM (then returns normally). Polls with backoff.
void follow_events(db::Database& db, const EventsOptions& options, const FollowOptions& follow, RowWriter& out);

struct PricedOptions : Common
{
    std::optional<std::string> prices_file; // --prices FILE; default the built-in table
};

struct SessionsOptions : PricedOptions
{
    std::int64_t limit = 100; // 0: no limit
};
// `query sessions`: sessions with events matching the filters, newest first.
std::optional<Explained> sessions(db::Database& db, const SessionsOptions& options, RowWriter& out, Reporter& reporter);

struct UsageOptions : PricedOptions
{
    std::string by = "day";
};
// `query usage`: tokens and cost per day/model/project/session/agent. Tells REPORTER which prices
// were used and warns about tokens of models without a price.
std::optional<Explained> usage(db::Database& db, const UsageOptions& options, RowWriter& out, Reporter& reporter);

struct TimelineOptions : Common
{
    std::string bucket = "1h";
    std::optional<std::string> by; // agent | type | project
};
// `query timeline`: counts, tokens and durations per bucket (whole buckets; --since defaults to
// 1 day back), from the rollups where current and raw rows elsewhere. REPORTER hears (debug) where
// each part of the range came from.
std::optional<Explained> timeline(db::Database& db, const TimelineOptions& options, RowWriter& out,
                                  Reporter& reporter);

// The columns `query timeline` prints for BY ("" = none), for cli/ to choose table defaults.
std::vector<std::string> timeline_column_names(const std::string& by);

} // namespace devlog::query
