#pragma once
// Native range partitions as they are in the database, and the operations maintain and
// partition setup apply to them: create a partition (moving the rows the default partition
// caught for it), drop an expired one, count the strays of the default partition. Every
// statement runs through the caller's Runner, so lock waits are bounded by its lock_timeout.

#include "lib/db/runner.hpp"
#include "lib/partition/period.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::partition {

// One partition of a partitioned table.
struct Partition
{
    std::string name; // relname (same schema as the parent)
    bool is_default = false;
    std::optional<time::Micros> from; // range bounds; nullopt for the default partition
    std::optional<time::Micros> to;
};

// A table as partition management sees it.
struct TableInfo
{
    std::string name;      // relname
    std::string schema;    // nspname
    char kind = 0;         // pg_class.relkind: 'r' table, 'p' partitioned table; 0: no such table
    bool is_partition = false;
    bool hypertable = false;              // TimescaleDB manages it
    std::optional<std::string> range_key; // the column of a single-column RANGE partition key
    std::vector<std::string> columns;     // its columns, in order
    std::vector<Partition> partitions;    // partitioned tables only, by lower bound (default first)

    bool exists() const { return kind != 0; }
    // Partitioned by RANGE on one column (what maintain manages).
    bool range_partitioned() const { return kind == 'p' && range_key.has_value(); }
    // "schema"."name"
    std::string qualified() const;
    // "schema"."relname" of one of its partitions.
    std::string qualified(std::string_view relname) const;
    const Partition* default_partition() const;
    // The range partitions with plain timestamp bounds, as Ranges.
    std::vector<Range> ranges() const;
    // The period of its range partitions (the most common one), or nullopt when none is aligned.
    std::optional<Period> period() const;
};

// Reads TABLE (a name the search_path resolves; "schema.table" works too). A missing table gives
// kind 0, not an error.
TableInfo inspect(db::Runner& runner, std::string_view table);

// Rows of the default partition, by the period they belong to.
struct Strays
{
    std::int64_t rows = 0;
    std::optional<time::Micros> oldest;
    std::optional<time::Micros> newest;
    std::vector<std::pair<time::Micros, std::int64_t>> by_period; // period start, rows
};

// What TABLE's default partition holds (empty Strays when it has none). Reads the whole default
// partition, which is meant to stay small.
Strays strays(db::Runner& runner, const TableInfo& table, Period period);

// Creates TABLE's partition RANGE in one transaction. When the default partition holds rows of
// RANGE, they are moved into the new partition (a standalone table filled, then attached), so the
// creation never fails on them; returns how many rows moved.
std::int64_t create_partition(db::Runner& runner, const TableInfo& table, const Range& range);

// Detaches and drops TABLE's partition NAME in one transaction: its rows are gone, nothing is
// deleted row by row.
void drop_partition(db::Runner& runner, const TableInfo& table, std::string_view name);

// "CREATE TABLE ... PARTITION OF ..." for RANGE of TABLE: what a dry run shows.
std::string create_partition_sql(const TableInfo& table, const Range& range);

// TIME as an SQL timestamptz literal: '2025-01-31T00:00:00.000000Z'.
std::string timestamp_literal(time::Micros instant);

} // namespace devlog::partition
