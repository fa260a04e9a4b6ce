#include "lib/timescale/state.hpp"

#include "lib/core/embedded.hpp"
#include "lib/db/pq.hpp"
#include "lib/rollup/contract.hpp"
#include "lib/timescale/values.hpp"

#include <fmt/format.h>

namespace devlog::timescale {
namespace {

const db::Location k_where{"reading the TimescaleDB state"};

std::string contract_columns(bool grouped)
{
    std::string out;
    for (const auto& c : rollup::columns(grouped)) {
        out += fmt::format("{}{} {}", out.empty() ? "" : ", ", c.name, c.type);
    }
    return out;
}

void read_table(db::Runner& runner, const std::string& name, State& state)
{
    auto& t = state.table;
    const auto r = runner.exec(embedded_sql("timescale/table.sql"), k_where, {name});
    if (r.rows() == 0) {
        state.now = time::now();
        return;
    }
    t.exists = true;
    t.schema = r.get(0, 0).value_or("");
    t.name = r.get(0, 1).value_or("");
    t.kind = r.get(0, 2).value_or("r").front();
    t.row_estimate = int_at(r, 0, 3).value_or(0);
    t.total_bytes = int_at(r, 0, 4).value_or(0);
    state.now = int_at(r, 0, 5).value_or(time::now());
    const std::vector<db::Param> oid = {t.qualified()};
    const auto columns = runner.exec("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND "
                                     "attnum > 0 AND NOT attisdropped ORDER BY attnum",
                                     k_where, oid);
    for (std::size_t i = 0; i < columns.rows(); ++i) {
        t.columns.push_back(columns.get(i, 0).value_or(""));
    }
    const auto indexes =
        runner.exec("SELECT c.relname FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = "
                    "i.indexrelid WHERE i.indrelid = $1::regclass ORDER BY 1",
                    k_where, oid);
    for (std::size_t i = 0; i < indexes.rows(); ++i) {
        t.indexes.push_back(indexes.get(i, 0).value_or(""));
    }
    if (t.row_estimate < 0) { // never analyzed: count, up to a point
        t.row_estimate =
            std::stoll(runner
                           .exec(fmt::format("SELECT pg_catalog.count(*) FROM (SELECT 1 FROM {} LIMIT 1000000) AS x",
                                             t.qualified()),
                                 k_where)
                           .get(0, 0)
                           .value_or("0"));
    }
    const auto range =
        runner.exec(fmt::format("SELECT (EXTRACT(epoch FROM pg_catalog.min(\"timestamp\")) * 1000000)::bigint, "
                                "(EXTRACT(epoch FROM pg_catalog.max(\"timestamp\")) * 1000000)::bigint FROM {}",
                                t.qualified()),
                    k_where);
    t.min_time = int_at(range, 0, 0);
    t.max_time = int_at(range, 0, 1);
}

void read_hypertable(db::Runner& runner, TableState& t)
{
    const std::vector<db::Param> key = {t.schema, t.name};
    const auto h = runner.exec(embedded_sql("timescale/hypertable.sql"), k_where, key);
    if (h.rows() == 0) {
        return;
    }
    t.hypertable = true;
    t.chunk_interval = interval_at(h, 0, 0);
    t.compression_enabled = h.get(0, 2) == "t";
    t.chunks = static_cast<int>(int_at(h, 0, 3).value_or(0));
    t.compressed_chunks = static_cast<int>(int_at(h, 0, 4).value_or(0));

    const auto settings = runner.exec(
        "SELECT attname, segmentby_column_index, orderby_column_index, orderby_asc, orderby_nullsfirst "
        "FROM timescaledb_information.compression_settings WHERE hypertable_schema = $1 AND hypertable_name = $2 "
        "ORDER BY segmentby_column_index NULLS LAST, orderby_column_index NULLS LAST",
        k_where, key);
    for (std::size_t i = 0; i < settings.rows(); ++i) {
        const std::string column = settings.get(i, 0).value_or("");
        if (settings.get(i, 1)) {
            t.segment_by.push_back(column);
        } else if (settings.get(i, 2)) {
            t.order_by.push_back({column, settings.get(i, 3) == "f", settings.get(i, 4) == "t"});
        }
    }

    const auto jobs = runner.exec(embedded_sql("timescale/policies.sql"), k_where, key);
    for (std::size_t i = 0; i < jobs.rows(); ++i) {
        const int id = static_cast<int>(int_at(jobs, i, 0).value_or(0));
        const std::string proc = jobs.get(i, 1).value_or("");
        if (proc == "policy_compression") {
            t.compression_job = id;
            t.compress_after = interval_at(jobs, i, 2);
        } else if (proc == "policy_retention") {
            t.retention_job = id;
            t.drop_after = interval_at(jobs, i, 2);
        } else if (proc == "policy_reorder") {
            t.reorder_job = id;
            t.reorder_index = jobs.get(i, 4);
        }
    }
}

void read_chunks(db::Runner& runner, TableState& t)
{
    // Status bit 8 is "partial": rows inserted into a compressed chunk since it was compressed.
    const auto r = runner.exec(
        "SELECT pg_catalog.format('%I.%I', ch.chunk_schema, ch.chunk_name), "
        "(EXTRACT(epoch FROM ch.range_start) * 1000000)::bigint, (EXTRACT(epoch FROM ch.range_end) * 1000000)::bigint, "
        "ch.is_compressed, coalesce(k.status & 8 <> 0, false) "
        "FROM timescaledb_information.chunks ch "
        "LEFT JOIN _timescaledb_catalog.chunk k ON k.schema_name = ch.chunk_schema AND k.table_name = ch.chunk_name "
        "WHERE ch.hypertable_schema = $1 AND ch.hypertable_name = $2 ORDER BY ch.range_start",
        k_where, {t.schema, t.name});
    for (std::size_t i = 0; i < r.rows(); ++i) {
        t.chunk_list.push_back({r.get(i, 0).value_or(""), int_at(r, i, 1).value_or(0), int_at(r, i, 2).value_or(0),
                                r.get(i, 3) == "t", r.get(i, 4) == "t"});
    }
}

void read_aggregate(db::Runner& runner, const TableState& t, bool timescale, AggregateState& a)
{
    const std::vector<db::Param> key = {t.schema, a.name};
    if (!timescale) {
        const auto r =
            runner.exec("SELECT c.relkind::text FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
                        "n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                        k_where, key);
        a.exists = r.rows() > 0;
        a.kind = a.exists ? r.get(0, 0).value_or("v").front() : 'v';
        return;
    }
    const auto r = runner.exec(embedded_sql("timescale/aggregate.sql"), k_where, key);
    if (r.rows() == 0) {
        return;
    }
    a.exists = true;
    a.kind = r.get(0, 0).value_or("v").front();
    a.marked = r.get(0, 1).value_or("").find(rollup::k_marker) != std::string::npos;
    a.columns_match = r.get(0, 2).value_or("") == contract_columns(a.grouped);
    a.continuous = r.get(0, 3) == "t";
    a.materialized_only = r.get(0, 4) != "f";
    a.watermark = int_at(r, 0, 5);
    if (!a.continuous) {
        return;
    }
    const auto p = runner.exec(embedded_sql("timescale/aggregate_policy.sql"), k_where, key);
    if (p.rows() > 0) {
        a.policy_job = static_cast<int>(int_at(p, 0, 0).value_or(0));
        a.schedule = interval_at(p, 0, 1);
        a.start_offset = interval_at(p, 0, 3);
        a.end_offset = interval_at(p, 0, 5);
    }
    const auto first =
        runner.exec(fmt::format("SELECT (EXTRACT(epoch FROM pg_catalog.min(\"timestamp\")) * 1000000)::bigint "
                                "FROM {} WHERE \"timestamp\" >= $1::timestamptz",
                                t.qualified()),
                    k_where, {a.watermark ? time::format_iso8601(*a.watermark) : "-infinity"});
    a.first_unmaterialized = int_at(first, 0, 0);
    if (a.watermark) {
        std::string late(embedded_sql("timescale/late_rows.sql"));
        late.replace(late.find("{table}"), 7, t.qualified());
        a.first_late = int_at(runner.exec(late, k_where, key), 0, 0);
    }
}

} // namespace

std::array<AggregateState, 3> contract_aggregates()
{
    static_assert(std::tuple_size_v<std::array<AggregateState, 3>> == rollup::k_relations.size());
    std::array<AggregateState, 3> out;
    for (std::size_t i = 0; i < rollup::k_relations.size(); ++i) {
        out[i].name = std::string(rollup::k_relations[i].name);
        out[i].width = rollup::k_relations[i].width;
        out[i].grouped = rollup::k_relations[i].grouped;
    }
    return out;
}

State read_state(db::Runner& runner, const Capabilities& caps, const std::string& table, ReadChunks chunks)
{
    State state;
    state.caps = caps;
    read_table(runner, table, state);
    if (!state.table.exists) {
        return state;
    }
    const bool timescale = caps.installed && caps.preloaded();
    if (timescale) {
        read_hypertable(runner, state.table);
        if (chunks == ReadChunks::yes && state.table.hypertable) {
            read_chunks(runner, state.table);
        }
    }
    for (auto& a : state.aggregates) {
        read_aggregate(runner, state.table, timescale, a);
    }
    return state;
}

std::string Interval::display() const
{
    const bool calendar = text.find("mon") != std::string::npos || text.find("year") != std::string::npos;
    return calendar || length.count() <= 0 ? text : time::format_interval(length);
}

std::string TableState::qualified() const
{
    return db::quote_name(schema) + "." + db::quote_name(name);
}

} // namespace devlog::timescale
