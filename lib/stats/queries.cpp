#include "lib/stats/queries.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/partition/catalog.hpp"
#include "lib/partition/sql_util.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace devlog::stats {
namespace {

using partition::double_at;
using partition::int_at;
using partition::text_at;

void read_rows(const db::Result& r, std::vector<QueryRow>& out)
{
    for (std::size_t i = 0; i < r.rows(); ++i) {
        QueryRow row;
        row.source = text_at(r, i, 0);
        row.query = text_at(r, i, 1);
        row.calls = int_at(r, i, 2).value_or(0);
        row.total_ms = double_at(r, i, 3).value_or(0);
        row.mean_ms = double_at(r, i, 4).value_or(0);
        row.p95_ms = double_at(r, i, 5);
        row.p95_exact = partition::bool_at(r, i, 6);
        row.max_ms = double_at(r, i, 7);
        row.rows = int_at(r, i, 8);
        row.id = text_at(r, i, 9);
        out.push_back(std::move(row));
    }
}

} // namespace

QueriesReport top_queries(db::Runner& runner, const QueryOptions& options)
{
    QueriesReport report;
    const std::string order = options.order == QueryOrder::p95 ? "p95" : "total";
    const std::string limit = std::to_string(options.limit);
    const auto view = runner.exec("SELECT pg_catalog.to_regclass('pg_stat_statements')::text", {"looking for pg_stat_statements"});
    if (const auto name = view.get(0, 0)) {
        try {
            read_rows(runner.exec(partition::fill(embedded_sql("stats/queries_pgss.sql"), {{"@view@", *name}}),
                                  {"reading pg_stat_statements"}, {limit, order}),
                      report.rows);
            report.pg_stat_statements = true;
        } catch (const SqlError& e) {
            if (e.sqlstate() != "55000") { // object_not_in_prerequisite_state: not in shared_preload_libraries
                throw;
            }
            report.note = "pg_stat_statements is installed but not loaded (add it to shared_preload_libraries)";
        }
    } else {
        report.note = "pg_stat_statements is not installed in this database (CREATE EXTENSION pg_stat_statements, with it in "
                      "shared_preload_libraries): showing devlogctl's own measurements only";
    }
    const auto metrics = partition::inspect(runner, "performance_metrics");
    if (metrics.exists()) {
        const std::string since = time::format_iso8601(time::now() - options.since.count());
        read_rows(runner.exec(partition::fill(embedded_sql("stats/queries_metrics.sql"), {{"@table@", metrics.qualified()}}),
                              {"reading performance_metrics"}, {since, limit, order}),
                  report.rows);
        report.performance_metrics = true;
    }
    const auto key = [&](const QueryRow& r) { return options.order == QueryOrder::p95 ? r.p95_ms.value_or(0) : r.total_ms; };
    std::stable_sort(report.rows.begin(), report.rows.end(), [&](const QueryRow& a, const QueryRow& b) { return key(a) > key(b); });
    if (report.rows.size() > static_cast<std::size_t>(options.limit)) {
        report.rows.resize(static_cast<std::size_t>(options.limit));
    }
    return report;
}

QueriesReport top_queries(db::Database& db, const QueryOptions& options)
{
    db::Runner runner(db);
    return top_queries(runner, options);
}

} // namespace devlog::stats
