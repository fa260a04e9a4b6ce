#pragma once
// devlogctl stats queries: the statements that cost the most, from pg_stat_statements when this
// database has it (never required) and from what devlogctl recorded in performance_metrics.

#include "lib/db/runner.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace devlog::stats {

enum class QueryOrder
{
    total, // by total time
    p95    // by 95th percentile
};

struct QueryOptions
{
    int limit = 20;
    QueryOrder order = QueryOrder::total;
    std::chrono::microseconds since = std::chrono::hours(24 * 7); // performance_metrics window
};

// One statement (pg_stat_statements) or one kind of devlogctl work (performance_metrics).
struct QueryRow
{
    std::string source; // "pg_stat_statements" or "performance_metrics"
    std::string query;  // statement text (whitespace folded, at most 200 characters) or "kind name"
    std::int64_t calls = 0;
    double total_ms = 0;
    double mean_ms = 0;
    std::optional<double> p95_ms;
    bool p95_exact = false; // percentile_cont over every duration; false: estimated from mean and stddev
    std::optional<double> max_ms;
    std::optional<std::int64_t> rows;
    std::string id; // pg_stat_statements queryid, or the SHA-256 query hash
};

struct QueriesReport
{
    std::vector<QueryRow> rows;   // both sources, ordered as asked, at most limit
    bool pg_stat_statements = false;
    std::string note;             // why pg_stat_statements was not read, when it was not
    bool performance_metrics = false;
};

// The top statements of both sources. Throws SqlError for server errors other than
// pg_stat_statements being absent or not loaded (that is a note).
QueriesReport top_queries(db::Runner& runner, const QueryOptions& options);
QueriesReport top_queries(db::Database& db, const QueryOptions& options);

} // namespace devlog::stats
