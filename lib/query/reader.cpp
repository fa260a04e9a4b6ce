#include "lib/query/reader.hpp"

#include "lib/core/embedded.hpp"
#include "lib/output/sink.hpp"
#include "lib/stats/perf_metrics.hpp"

#include <algorithm>
#include <chrono>

namespace devlog::query {

void SinkWriter::begin(const std::vector<std::string>& columns)
{
    m_sink.begin(columns);
}

void SinkWriter::row(std::span<const nlohmann::json> values)
{
    m_sink.row(values);
}

void SinkWriter::flush()
{
    m_sink.flush();
}

namespace {

thread_local Measurements* t_measurements = nullptr;

// Tells the thread's Measurements (if any) that ST ran for WHAT: ROWS rows in TOOK.
void note_ran(const Statement& st, const std::string& what, std::uint64_t rows,
              std::chrono::steady_clock::duration took)
{
    if (Measurements* m = Measurements::current()) {
        m->add({what, st.text, rows, std::chrono::duration<double, std::milli>(took).count()});
    }
}

} // namespace

Measurements::Measurements()
{
    t_measurements = this;
}

Measurements::~Measurements()
{
    t_measurements = nullptr;
}

Measurements* Measurements::current()
{
    return t_measurements;
}

void Measurements::record(db::Runner& runner, Reporter& reporter, bool record)
{
    if (m_ran.empty()) {
        return;
    }
    stats::MetricsRecorder metrics(runner, reporter, record, setting);
    for (const auto& ran : m_ran) {
        constexpr std::string_view prefix = "query ";
        const std::string name = ran.what.starts_with(prefix) ? ran.what.substr(prefix.size()) : ran.what;
        metrics.record({"query", name, ran.ms, static_cast<std::int64_t>(ran.rows), std::nullopt, ran.sql});
    }
}

std::uint64_t stream(db::Runner& runner, const Statement& st, const std::string& what,
                     const std::function<void(const db::Result&)>& on_rows, const std::function<void()>& flush)
{
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    Clock::duration output{}; // time spent writing rows out: not the statement's
    const auto timed = [&output](const auto& work) {
        const auto at = Clock::now();
        work();
        output += Clock::now() - at;
    };
    const std::uint64_t rows = runner.stream(
        st.text, db::Location{what}, st.params, [&](const db::Result& r) { timed([&] { on_rows(r); }); },
        [&] { timed(flush); });
    note_ran(st, what, rows, Clock::now() - started - output);
    flush();
    return rows;
}

void emit(const db::Result& result, const std::vector<Kind>& kinds, const std::vector<std::size_t>& picked,
          RowWriter& out)
{
    std::vector<nlohmann::json> values(picked.size());
    for (std::size_t r = 0; r < result.rows(); ++r) {
        for (std::size_t i = 0; i < picked.size(); ++i) {
            values[i] = to_cell(kinds.at(picked[i]), result.get(r, static_cast<int>(picked[i])));
        }
        out.row(values);
    }
}

std::vector<Kind> kinds_of(const std::vector<Column>& columns)
{
    std::vector<Kind> kinds;
    for (const auto& c : columns) {
        kinds.push_back(c.kind);
    }
    return kinds;
}

Explained explain(db::Runner& runner, const Statement& st, Explain mode, const std::string& what)
{
    const std::string prefix = mode == Explain::analyze ? "EXPLAIN (ANALYZE, BUFFERS)\n" : "EXPLAIN\n";
    const db::Result result = runner.exec(prefix + st.text, db::Location{what}, st.params);
    Explained out{st.inlined(), {}};
    for (std::size_t r = 0; r < result.rows(); ++r) {
        out.plan.push_back(result.get(r, 0).value_or(""));
    }
    return out;
}

std::string begin_sql(bool with_projects, bool with_timescaledb)
{
    std::string sql = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SELECT "
                      "coalesce(current_setting('devlog.record_metrics', true), '')";
    if (with_projects) {
        sql += ",\n(SELECT json_agg(json_build_array(p.id, p.full_name, p.repo_url) ORDER BY p.id) FROM (\n";
        sql += embedded_sql("query/projects.sql");
        sql += "\n) p)";
    }
    if (with_timescaledb) {
        sql += ",\n(SELECT json_build_array(t.extversion, t.api_schema, t.functions_schema) FROM (\n";
        sql += embedded_sql("query/timescaledb.sql");
        sql += "\n) t)";
    }
    return sql;
}

std::vector<ProjectRow> project_rows(const std::optional<std::string>& json)
{
    std::vector<ProjectRow> rows;
    if (!json) {
        return rows; // json_agg of no rows
    }
    for (const auto& p : nlohmann::json::parse(*json)) {
        rows.push_back({p.at(0).get<std::int32_t>(), p.at(1).is_string() ? p.at(1).get<std::string>() : "",
                        p.at(2).is_string() ? p.at(2).get<std::string>() : ""});
    }
    return rows;
}

void resolve_projects(db::Runner& runner, EventFilter& filter)
{
    if (filter.projects.empty()) {
        return;
    }
    std::vector<ProjectRow> rows;
    if (Measurements* m = Measurements::current(); m != nullptr && m->projects) {
        rows = *m->projects; // read in BEGIN's round trip
    } else {
        const db::Result result = runner.exec(embedded_sql("query/projects.sql"), db::Location{"--project"});
        for (std::size_t r = 0; r < result.rows(); ++r) {
            rows.push_back({static_cast<std::int32_t>(std::stol(result.get(r, 0).value_or("0"))),
                            result.get(r, 1).value_or(""), result.get(r, 2).value_or("")});
        }
    }
    filter.project_ids.clear();
    for (const auto& spec : filter.projects) {
        const auto id = match_project(spec, rows);
        if (std::find(filter.project_ids.begin(), filter.project_ids.end(), id) == filter.project_ids.end()) {
            filter.project_ids.push_back(id);
        }
    }
}

} // namespace devlog::query
