#pragma once
// The current TimescaleDB state of agent_events and its rollups, as read from the catalog: what
// the planner compares with the settings. Reading works on any server (without TimescaleDB it
// finds a plain table and no policies).

#include "lib/core/time.hpp"
#include "lib/timescale/capabilities.hpp"
#include "lib/timescale/settings.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace devlog::timescale {

// An interval as the server holds it: its text for people and its length for comparing.
struct Interval
{
    std::string text; // "7 days", "01:00:00", "1 year"
    microseconds length{};
    // For people: "10 minutes" rather than the server's "00:10:00"; months and years as the server says.
    std::string display() const;
};

// One chunk of the hypertable.
struct Chunk
{
    std::string name; // schema-qualified, quoted: a regclass text
    time::Micros range_start = 0;
    time::Micros range_end = 0;
    bool compressed = false;
    bool partial = false; // compressed, with rows inserted since (status 9): compressing folds them in
};

struct TableState
{
    bool exists = false;
    std::string schema;               // e.g. public
    std::string name;                 // e.g. agent_events
    char kind = 'r';                  // pg_class.relkind: r table, p partitioned table
    std::int64_t row_estimate = 0;    // pg_class.reltuples (-1 when never analyzed: counted)
    std::int64_t total_bytes = 0;     // pg_total_relation_size
    std::vector<std::string> columns; // in order
    std::vector<std::string> indexes; // names
    bool hypertable = false;
    std::optional<Interval> chunk_interval;
    bool compression_enabled = false;
    std::vector<std::string> segment_by;
    std::vector<OrderItem> order_by;
    int chunks = 0;
    int compressed_chunks = 0;
    std::optional<int> compression_job;
    std::optional<Interval> compress_after;
    std::optional<int> retention_job;
    std::optional<Interval> drop_after;
    std::optional<int> reorder_job;
    std::optional<std::string> reorder_index;
    std::optional<time::Micros> min_time; // earliest and latest raw row
    std::optional<time::Micros> max_time;
    std::vector<Chunk> chunk_list; // oldest first; read only when asked for (read_state)

    // schema.name, quoted: for SQL.
    std::string qualified() const;
    // schema.name: for people.
    std::string display() const { return schema + "." + name; }
};

struct AggregateState
{
    std::string name; // agent_events_hourly, agent_events_daily, agent_events_totals_5m
    std::chrono::microseconds width{0}; // its bucket width (rollup::k_relations)
    bool grouped = true;                // grouped by project, agent and event type
    bool exists = false;
    char kind = 'v';
    bool continuous = false;    // a TimescaleDB continuous aggregate
    bool marked = false;        // its comment carries the contract marker
    bool columns_match = false; // its columns are exactly the contract's, in order
    bool materialized_only = true;
    std::optional<int> policy_job;
    std::optional<Interval> start_offset;
    std::optional<Interval> end_offset;
    std::optional<Interval> schedule;
    // The end of what is materialized (nullopt: nothing yet).
    std::optional<time::Micros> watermark;
    // The earliest raw row at or after the watermark (nullopt: none): not in the aggregate yet.
    std::optional<time::Micros> first_unmaterialized;
    // The earliest raw row below the watermark that changed after its bucket was materialized (a
    // late event): the aggregate is wrong there until a refresh covers it.
    std::optional<time::Micros> first_late;
};

// The aggregates of the rollup contract, nothing read yet.
std::array<AggregateState, 3> contract_aggregates();

struct State
{
    Capabilities caps;
    TableState table;
    // rollup::k_relations in order (hourly, daily, totals): names, widths and grouping filled in.
    std::array<AggregateState, 3> aggregates = contract_aggregates();
    time::Micros now = 0;                     // the server's clock when read
};

enum class ReadChunks
{
    no,
    yes
};

// Reads the state of TABLE (resolved through the search_path) and its rollups; with CHUNKS, the
// hypertable's chunks too. CAPS from detect().
State read_state(db::Runner& runner, const Capabilities& caps, const std::string& table,
                 ReadChunks chunks = ReadChunks::no);

} // namespace devlog::timescale
