#pragma once
// How lib/stats runs its reports (internal): one read-only snapshot with TimescaleDB's schemas on
// the search path, results turned into tables, and the storage report standing in for reports that
// need TimescaleDB when it is absent.

#include "lib/db/runner.hpp"
#include "lib/query/catalog.hpp"
#include "lib/query/columns.hpp"
#include "lib/query/reader.hpp"
#include "lib/stats/stats.hpp"

#include <optional>
#include <string>
#include <vector>

namespace devlog::stats {

// RESULT as a table of COLUMNS (one per result column, in order).
output::Table table_of(const db::Result& result, const std::vector<query::Column>& columns);

// CELL as an integer (0 when null).
std::int64_t integer(const nlohmann::json& cell);

// Runs BODY(runner, tsdb) in one read-only snapshot, with TimescaleDB's schemas put in front of the
// search path when it is installed (the stats SQL calls its functions unqualified; agent_events is
// still found in whatever schema the search path named).
template <typename F> Report with_snapshot(db::Database& db, F&& body)
{
    db::Runner runner(db);
    return query::read_only(runner, [&] {
        const auto tsdb = query::detect_timescaledb(runner);
        if (tsdb) {
            runner.exec(
                "SELECT set_config('search_path', 'pg_catalog, ' || quote_ident($1) || ', ' || quote_ident($2) || "
                "', ' || current_setting('search_path'), true)",
                {}, {tsdb->api_schema, tsdb->functions_schema});
        }
        return body(runner, tsdb);
    });
}

// The storage report.
Report storage_report(db::Runner& runner, const std::optional<query::Timescale>& tsdb);

// The storage report standing in for a report that needs TimescaleDB: its first note says what
// CANNOT be shown.
Report instead_of(db::Runner& runner, const std::string& cannot);

// The compression report from the rows of sql/stats/compression.sql (CHUNKS: hypertable,
// compression_enabled, chunk, range_start, range_end, status, rows_compressed, before_bytes,
// after_bytes, live_compressed_bytes, live_chunk_bytes): per hypertable, or per chunk. Pure.
Report summarize_compression(const output::Table& chunks, bool per_chunk);

} // namespace devlog::stats
