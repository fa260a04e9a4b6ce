#pragma once
// `devlogctl stats storage|compression|chunks|jobs|aggregates`: what the devlog database costs to
// keep and how TimescaleDB's background work is doing. Read-only. Without TimescaleDB each report
// says what it cannot show (in its notes) and shows the table sizes instead.

#include "lib/output/table.hpp"

#include <string>
#include <vector>

namespace devlog::db {
class Database;
}

namespace devlog::stats {

struct Report
{
    output::Table table;
    std::vector<std::string> notes; // for people: what is missing, what is stale, what to do
};

// Per table (hypertables and continuous aggregates summed over their chunks, compressed ones
// included; partitioned tables over their partitions): approximate rows, table, index, TOAST and
// total bytes, bytes per row; a last row "(database)" with pg_database_size.
Report storage(db::Database& db);

// Per hypertable (PER_CHUNK: per chunk): compressed and uncompressed chunks, rows compressed, bytes
// before and after compression as TimescaleDB recorded them when compressing, the ratio, bytes per
// event after compression, and the bytes the compressed chunks take now; a note where the two
// disagree (rows added after compression, changed compressed data).
Report compression(db::Database& db, bool per_chunk);

// Every chunk with its range, status and sizes (without TimescaleDB: partitions of partitioned tables).
Report chunks(db::Database& db);

// TimescaleDB jobs: schedule, last and next run, failures and the last error.
Report jobs(db::Database& db);

// Continuous aggregates (and plain rollup tables): watermark, lag, refresh policy, pending invalidations.
Report aggregates(db::Database& db);

} // namespace devlog::stats
