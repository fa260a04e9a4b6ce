#pragma once
// How lib/query runs its statements: one read-only snapshot per command, rows streamed as the
// server sends them (Runner::stream), cells converted to JSON, --explain. Internal to lib/query.

#include "lib/core/reporter.hpp"
#include "lib/db/runner.hpp"
#include "lib/query/columns.hpp"
#include "lib/query/filters.hpp"
#include "lib/query/query.hpp"
#include "lib/query/statement.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace devlog::query {

// Runs BODY in a REPEATABLE READ, READ ONLY transaction: every statement in it sees one snapshot
// (the timeline's catalog facts and its rows agree). BEGIN and the transaction mode go in one
// round trip.
template <typename F> auto read_only(db::Runner& runner, F&& body)
{
    return runner.transaction_as("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
                                 [&](const db::Result&) { return body(); });
}

// While it lives, collects what stream() runs on this thread (the statement, its rows and time),
// so that a query command can record it in performance_metrics once its read-only transaction
// is over. Not nested.
class Measurements
{
  public:
    Measurements();
    Measurements(const Measurements&) = delete;
    Measurements& operator=(const Measurements&) = delete;
    ~Measurements();
    // Records each statement collected as kind "query", named after the command ("events" for
    // "query events"), with its rows and the SQL text (its hash: query_hash), when RECORD is set or
    // the environment or the database setting asks (lib/stats/perf_metrics.hpp). Never throws but
    // Interrupted.
    void record(db::Runner& runner, Reporter& reporter, bool record);
    // devlog.record_metrics as read in the command's transaction (nullopt: not read, ask).
    std::optional<std::string> setting;
    // The projects table, read in BEGIN's round trip when --project was given (resolve_projects).
    std::optional<std::vector<ProjectRow>> projects;
    // TimescaleDB's row (timescaledb.sql as a JSON array; nullopt inside: not installed), when it
    // was read in BEGIN's round trip (detect_timescaledb).
    std::optional<std::optional<std::string>> timescaledb;

    struct Ran
    {
        std::string what;
        std::string sql;
        std::uint64_t rows = 0;
        double ms = 0;
    };

    // The collector of this thread, if any (stream() adds to it).
    static Measurements* current();
    void add(Ran ran) { m_ran.push_back(std::move(ran)); }

  private:
    std::vector<Ran> m_ran;
};

// The statement that opens a query command's transaction: BEGIN, then one row of the database
// setting devlog.record_metrics and, WITH_PROJECTS, the projects table as JSON (ProjectRow fields)
// and, WITH_TIMESCALEDB, the row of query/timescaledb.sql as a JSON array.
std::string begin_sql(bool with_projects, bool with_timescaledb = false);
// The projects of begin_sql's second column.
std::vector<ProjectRow> project_rows(const std::optional<std::string>& json);

// read_only for a query command: runs BODY in one read-only snapshot, then records the statements
// it streamed (Measurements::record, when COMMON.record_metrics or the settings ask). The database
// setting devlog.record_metrics, and the projects when --project was given, are read in BEGIN's
// round trip: a command run once per process saves a round trip and a statement on each.
// WITH_TIMESCALEDB: TimescaleDB's version and schemas are read there too (detect_timescaledb).
template <typename F>
auto measured(db::Runner& runner, const Common& common, Reporter& reporter, F&& body, bool with_timescaledb = false)
{
    Measurements measurements;
    const bool with_projects = !common.filter.projects.empty();
    // Only the projects part of BEGIN's round trip can fail on the schema: errors name --project.
    auto result = runner.transaction_as(
        begin_sql(with_projects, with_timescaledb),
        [&](const db::Result& begun) {
            measurements.setting = begun.get(0, 0);
            if (with_projects) {
                measurements.projects = project_rows(begun.get(0, 1));
            }
            if (with_timescaledb) {
                measurements.timescaledb = begun.get(0, with_projects ? 2 : 1);
            }
            return body();
        },
        with_projects ? db::Location{"--project"} : db::Location{});
    measurements.record(runner, reporter, common.record_metrics);
    return result;
}

// Runs ST (inside read_only) and calls ON_ROWS with its rows as they arrive (a result of one row at
// a time: Runner::stream), so they never sit in memory together, and the server plans and runs ST
// as it would psql's (parallel workers included). FLUSH is called before waiting for more rows.
// WHAT names the command in errors (and in performance_metrics, under Measurements). Returns the
// number of rows.
std::uint64_t stream(db::Runner& runner, const Statement& st, const std::string& what,
                     const std::function<void(const db::Result&)>& on_rows, const std::function<void()>& flush);

// Writes rows of RESULT to OUT: cell i is RESULT's column PICKED[i] converted as KINDS[PICKED[i]].
void emit(const db::Result& result, const std::vector<Kind>& kinds, const std::vector<std::size_t>& picked,
          RowWriter& out);

// The kinds of COLUMNS.
std::vector<Kind> kinds_of(const std::vector<Column>& columns);

// EXPLAIN (with ANALYZE, BUFFERS for Explain::analyze) of ST.
Explained explain(db::Runner& runner, const Statement& st, Explain mode, const std::string& what);

// Fills FILTER.project_ids from FILTER.projects (match_project against the projects table).
void resolve_projects(db::Runner& runner, EventFilter& filter);

} // namespace devlog::query
