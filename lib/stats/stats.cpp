#include "lib/stats/stats.hpp"

#include "lib/core/embedded.hpp"
#include "lib/db/database.hpp"
#include "lib/rollup/plain.hpp"
#include "lib/stats/snapshot.hpp"

#include <fmt/format.h>

#include <cmath>

namespace devlog::stats {
namespace {

using query::Column;
using query::Kind;

const char* const k_no_timescaledb = "TimescaleDB is not installed in this database";

// Plain rollup tables of the contract (no continuous aggregates): maintain's state, i.e. every
// event committed before the watermark is counted or has its hour waiting in the log. Returns
// whether there was one.
bool add_rollup_tables(db::Runner& runner, const std::optional<query::Timescale>& tsdb, Report& report)
{
    const auto now = time::now();
    bool added = false;
    for (const auto& r : query::detect_rollups(runner, tsdb, {now, now + 1})) {
        if (r.continuous_aggregate) {
            continue;
        }
        nlohmann::json watermark;
        nlohmann::json lag;
        nlohmann::json refreshed;
        nlohmann::json pending;
        const db::Result where = runner.exec("SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
                                             "n.oid = c.relnamespace WHERE c.oid = pg_catalog.to_regclass($1)",
                                             db::Location{"stats aggregates"}, {r.relation});
        if (const auto state = rollup::state(runner, where.rows() > 0 ? where.get(0, 0).value_or("") : "")) {
            watermark = time::format_iso8601(state->watermark);
            const db::Result lagging = runner.exec("SELECT justify_interval(date_trunc('second', now() - $1::timestamptz))::text",
                                                   db::Location{"stats aggregates"}, {time::format_iso8601(state->watermark)});
            lag = lagging.get(0, 0).value_or("");
            refreshed = time::format_iso8601(state->refreshed_at);
            pending = state->pending_hours;
        }
        report.table.rows.push_back(
            {r.relation, "table", "agent_events", nullptr, watermark, lag, nullptr, nullptr, nullptr, refreshed, pending});
        added = true;
    }
    return added;
}

} // namespace

output::Table table_of(const db::Result& result, const std::vector<Column>& columns)
{
    output::Table table{query::names_of(columns), {}};
    for (std::size_t r = 0; r < result.rows(); ++r) {
        auto& row = table.rows.emplace_back();
        for (std::size_t c = 0; c < columns.size(); ++c) {
            row.push_back(query::to_cell(columns[c].kind, result.get(r, static_cast<int>(c))));
        }
    }
    return table;
}

std::int64_t integer(const nlohmann::json& cell)
{
    return cell.is_number() ? cell.get<std::int64_t>() : 0;
}

Report storage_report(db::Runner& runner, const std::optional<query::Timescale>& tsdb)
{
    const db::Location where{"stats storage"};
    const db::Result result =
        runner.exec(embedded_sql(tsdb ? "stats/storage_timescaledb.sql" : "stats/storage.sql"), where);
    Report report{table_of(result, {{"schema", Kind::text},
                                    {"table", Kind::text},
                                    {"kind", Kind::text},
                                    {"rows", Kind::integer},
                                    {"table_bytes", Kind::integer},
                                    {"index_bytes", Kind::integer},
                                    {"toast_bytes", Kind::integer},
                                    {"total_bytes", Kind::integer}}),
                  {}};
    report.table.columns.emplace_back("bytes_per_row");
    for (auto& row : report.table.rows) {
        const auto rows = integer(row[3]);
        row.push_back(rows > 0 ? nlohmann::json(std::llround(static_cast<double>(integer(row[7])) /
                                                             static_cast<double>(rows)))
                               : nlohmann::json());
    }
    const db::Result database = runner.exec("SELECT pg_database_size(current_database())", where);
    report.table.rows.push_back({nullptr, "(database)", "database", nullptr, nullptr, nullptr, nullptr,
                                 query::to_cell(Kind::integer, database.get(0, 0)), nullptr});
    if (!tsdb) {
        report.notes.emplace_back(std::string(k_no_timescaledb) +
                                  ": every table is a plain PostgreSQL table (no hypertables, chunks or compression)");
    }
    return report;
}

Report instead_of(db::Runner& runner, const std::string& cannot)
{
    Report report = storage_report(runner, std::nullopt);
    report.notes = {fmt::format("{}: {}; shown instead: the table sizes", k_no_timescaledb, cannot)};
    return report;
}

Report storage(db::Database& db)
{
    return with_snapshot(db, storage_report);
}

Report compression(db::Database& db, bool per_chunk)
{
    return with_snapshot(db, [per_chunk](db::Runner& runner, const std::optional<query::Timescale>& tsdb) {
        if (!tsdb) {
            return instead_of(runner, "nothing is compressed, so there are no compression figures");
        }
        const std::string sql = fmt::format(
            fmt::runtime(embedded_sql("stats/compression.sql")),
            fmt::arg("chunk_stats", tsdb->columnstore() ? "chunk_columnstore_stats" : "chunk_compression_stats"));
        const db::Result result = runner.exec(sql, db::Location{"stats compression"});
        return summarize_compression(table_of(result, {{"hypertable", Kind::text},
                                                       {"compression_enabled", Kind::boolean},
                                                       {"chunk", Kind::text},
                                                       {"range_start", Kind::timestamp},
                                                       {"range_end", Kind::timestamp},
                                                       {"status", Kind::text},
                                                       {"rows_compressed", Kind::integer},
                                                       {"before_bytes", Kind::integer},
                                                       {"after_bytes", Kind::integer},
                                                       {"live_compressed_bytes", Kind::integer},
                                                       {"live_chunk_bytes", Kind::integer}}),
                                     per_chunk);
    });
}

Report chunks(db::Database& db)
{
    return with_snapshot(db, [](db::Runner& runner, const std::optional<query::Timescale>& tsdb) {
        const std::vector<Column> sizes = {{"rows", Kind::integer},        {"table_bytes", Kind::integer},
                                           {"index_bytes", Kind::integer}, {"toast_bytes", Kind::integer},
                                           {"total_bytes", Kind::integer}};
        if (tsdb) {
            std::vector<Column> columns = {{"hypertable", Kind::text}, {"chunk", Kind::text},
                                           {"range_start", Kind::timestamp}, {"range_end", Kind::timestamp},
                                           {"status", Kind::text}};
            columns.insert(columns.end(), sizes.begin(), sizes.end());
            Report report{table_of(runner.exec(embedded_sql("stats/chunks.sql"), db::Location{"stats chunks"}), columns), {}};
            if (report.table.rows.empty()) {
                report.notes.emplace_back("no hypertable has chunks yet");
            }
            return report;
        }
        std::vector<Column> columns = {{"table", Kind::text}, {"partition", Kind::text}, {"bounds", Kind::text}};
        columns.insert(columns.end(), sizes.begin(), sizes.end());
        Report report{table_of(runner.exec(embedded_sql("stats/partitions.sql"), db::Location{"stats chunks"}), columns),
                      {}};
        if (report.table.rows.empty()) {
            return instead_of(runner, "there are no chunks, and no partitioned tables either");
        }
        report.notes.emplace_back(std::string(k_no_timescaledb) + ": shown: the partitions of partitioned tables");
        return report;
    });
}

Report jobs(db::Database& db)
{
    return with_snapshot(db, [](db::Runner& runner, const std::optional<query::Timescale>& tsdb) {
        if (!tsdb) {
            return instead_of(runner, "there are no background jobs (without it, 'devlogctl maintain' run from cron "
                                      "does their work)");
        }
        Report report{table_of(runner.exec(embedded_sql("stats/jobs.sql"), db::Location{"stats jobs"}),
                               {{"job_id", Kind::integer},
                                {"application_name", Kind::text},
                                {"proc_name", Kind::text},
                                {"target", Kind::text},
                                {"schedule", Kind::text},
                                {"scheduled", Kind::boolean},
                                {"last_run", Kind::timestamp},
                                {"last_run_status", Kind::text},
                                {"last_success", Kind::timestamp},
                                {"next_run", Kind::timestamp},
                                {"total_runs", Kind::integer},
                                {"total_failures", Kind::integer},
                                {"last_error", Kind::text}}),
                      {}};
        for (const auto& row : report.table.rows) {
            if (row.back().is_string() && row.back().get<std::string>().find("cannot drop portal") != std::string::npos) {
                report.notes.emplace_back(
                    "jobs end 'Failed' with \"cannot drop portal\": PostgreSQL 15.20 and TimescaleDB 2.28's job runner "
                    "disagree after the job did its work; upgrade TimescaleDB, or run the policies from cron "
                    "(CALL run_job(ID) is not affected)");
                break;
            }
        }
        return report;
    });
}

Report aggregates(db::Database& db)
{
    return with_snapshot(db, [](db::Runner& runner, const std::optional<query::Timescale>& tsdb) {
        Report report{{{"aggregate", "kind", "source", "materialized_only", "watermark", "lag", "refresh_every",
                        "start_offset", "end_offset", "last_refresh", "pending_invalidations"},
                       {}},
                      {}};
        if (tsdb) {
            const std::string sql =
                fmt::format(fmt::runtime(embedded_sql("stats/aggregates.sql")), fmt::arg("watermark", "cagg_watermark"));
            const auto caggs = table_of(runner.exec(sql, db::Location{"stats aggregates"}),
                                        {{"aggregate", Kind::text},
                                         {"source", Kind::text},
                                         {"materialized_only", Kind::boolean},
                                         {"watermark", Kind::timestamp},
                                         {"lag", Kind::text},
                                         {"refresh_every", Kind::text},
                                         {"start_offset", Kind::text},
                                         {"end_offset", Kind::text},
                                         {"last_refresh", Kind::timestamp},
                                         {"pending_invalidations", Kind::integer}});
            for (const auto& row : caggs.rows) {
                // Copied into a new row with the kind second (not vector::insert, whose relocation
                // GCC 12 -O3 flags as a null dereference inside nlohmann::json).
                auto& out = report.table.rows.emplace_back();
                out.reserve(row.size() + 1);
                for (std::size_t i = 0; i < row.size(); ++i) {
                    if (i == 1) {
                        out.emplace_back("continuous aggregate");
                    }
                    out.push_back(row[i]);
                }
            }
        }
        const bool plain = add_rollup_tables(runner, tsdb, report);
        if (report.table.rows.empty()) {
            if (!tsdb) {
                return instead_of(runner, "there are no continuous aggregates, and no rollup tables "
                                          "(agent_events_hourly, agent_events_daily, agent_events_totals_5m) either");
            }
            report.notes.emplace_back("no continuous aggregates yet ('devlogctl timescale setup' creates them)");
        } else if (plain) {
            report.notes.emplace_back(
                std::string(tsdb ? "" : std::string(k_no_timescaledb) + ": ") +
                "shown: the plain rollup tables devlogctl maintain keeps (empty watermark: not devlogctl's, or never "
                "refreshed); every event committed before the watermark is counted, except in the pending_invalidations "
                "hours waiting in agent_events_rollup_log; last_refresh is when maintain ran");
        }
        return report;
    });
}

} // namespace devlog::stats
