#include "lib/timescale/plan.hpp"

#include "lib/core/errors.hpp"
#include "lib/db/pq.hpp"
#include "lib/rollup/contract.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace devlog::timescale {
namespace {

using std::chrono::hours;

std::string interval_text(microseconds d)
{
    return time::format_interval(d);
}

// A job's config key KEY set to the interval VALUE ($2), through alter_job (keeps the job, its id
// and its history). The interval is cast by the server first, so only a valid one is written.
Statement alter_config(const Api& api, int job, std::string_view key, const std::string& value)
{
    return {fmt::format("SELECT {}(j.job_id, config => pg_catalog.jsonb_set(j.config, '{{{}}}', "
                        "pg_catalog.to_jsonb($2::interval::text))) FROM timescaledb_information.jobs j "
                        "WHERE j.job_id = $1",
                        api.function("alter_job"), key),
            {std::to_string(job), value}};
}

std::string segment_text(const std::vector<std::string>& columns)
{
    return columns.empty() ? "none" : format_column_list(columns);
}

std::string compression_text(const std::vector<std::string>& segment_by, const std::vector<OrderItem>& order_by)
{
    return fmt::format("segment by {}; order by {}", segment_text(segment_by),
                       order_by.empty() ? "none" : format_order_by(order_by));
}

Step in_place(std::string name, std::string value, std::string note = {})
{
    Step s;
    s.name = std::move(name);
    s.outcome = Outcome::in_place;
    s.new_value = std::move(value);
    s.note = std::move(note);
    return s;
}

Step skipped(std::string name, std::string why)
{
    Step s;
    s.name = std::move(name);
    s.outcome = Outcome::skip;
    s.note = std::move(why);
    return s;
}

Step runs(std::string name, Outcome outcome, std::string old_value, std::string new_value,
          std::vector<Statement> statements, std::string note = {})
{
    Step s;
    s.name = std::move(name);
    s.outcome = outcome;
    s.old_value = std::move(old_value);
    s.new_value = std::move(new_value);
    s.statements = std::move(statements);
    s.note = std::move(note);
    return s;
}

class Planner
{
  public:
    Planner(const Settings& settings, const State& state, unsigned parts)
        : m_s(settings), m_state(state), m_t(state.table), m_api(state.caps), m_parts(parts),
          m_table(state.table.exists ? state.table.qualified() : db::quote_name(settings.table))
    {
    }

    Plan run()
    {
        validate();
        if ((m_parts & part_extension) != 0U) {
            extension();
        }
        if ((m_parts & part_hypertable) != 0U) {
            hypertable();
        }
        if ((m_parts & part_compression) != 0U) {
            compression();
        }
        if ((m_parts & part_retention) != 0U) {
            retention();
        }
        if ((m_parts & part_reorder) != 0U) {
            reorder();
        }
        if ((m_parts & part_aggregates) != 0U) {
            aggregates();
        }
        return std::move(m_plan);
    }

  private:
    // The table, for people: schema.name.
    std::string who() const { return m_t.exists ? m_t.display() : m_s.table; }

    bool will_be_hypertable() const { return m_t.hypertable || (m_parts & part_hypertable) != 0U; }

    void need_hypertable(std::string_view what) const
    {
        if (!will_be_hypertable()) {
            throw Error(fmt::format("{} is not a hypertable: {} needs one", who(), what),
                        "run 'devlogctl timescale setup' (or 'devlogctl timescale hypertable') first");
        }
    }

    void need_column(const std::string& column, std::string_view flag) const
    {
        if (std::find(m_t.columns.begin(), m_t.columns.end(), column) == m_t.columns.end()) {
            std::string known;
            for (const auto& c : m_t.columns) {
                known += (known.empty() ? "" : ", ") + c;
            }
            throw UsageError(fmt::format("{}: {} has no column '{}'", flag, who(), column), "its columns: " + known);
        }
    }

    void validate() const
    {
        if (!m_t.exists) {
            throw Error(fmt::format("table {} does not exist in this database", m_s.table),
                        "create the devlog schema first: devlogctl migrate up");
        }
        if (m_t.kind == 'p') {
            throw Error(fmt::format("{} is a natively partitioned table: TimescaleDB cannot convert it", who()),
                        "a database set up with 'devlogctl partition setup' stays on plain PostgreSQL partitions");
        }
        if ((m_parts & part_compression) != 0U && m_s.compression == Want::ensure) {
            for (const auto& c : m_s.segment_by) {
                need_column(c, "--segment-by");
            }
            for (const auto& o : m_s.order_by) {
                need_column(o.column, "--order-by");
                if (std::find(m_s.segment_by.begin(), m_s.segment_by.end(), o.column) != m_s.segment_by.end()) {
                    throw UsageError(fmt::format("--order-by: column '{}' is also in --segment-by", o.column),
                                     "a column can be in only one of them");
                }
            }
        }
        if ((m_parts & part_reorder) != 0U && m_s.reorder == Want::ensure &&
            std::find(m_t.indexes.begin(), m_t.indexes.end(), m_s.reorder_index) == m_t.indexes.end()) {
            std::string known;
            for (const auto& i : m_t.indexes) {
                known += (known.empty() ? "" : ", ") + i;
            }
            throw UsageError(fmt::format("--reorder-index: {} has no index '{}'", who(), m_s.reorder_index),
                             "its indexes: " + known);
        }
        if ((m_parts & part_aggregates) != 0U && m_s.aggregates == Want::ensure) {
            check_window("hourly", m_s.hourly, hours(1));
            check_window("daily", m_s.daily, hours(24));
            check_window("totals", m_s.totals, std::chrono::minutes(5));
            if ((m_parts & part_retention) != 0U && m_s.retention == Want::ensure) {
                const auto widest = std::max({m_s.hourly.start, m_s.daily.start, m_s.totals.start});
                if (m_s.retain <= widest) {
                    throw UsageError(
                        fmt::format("--retain {} is not longer than the aggregates' refresh window ({}): a refresh "
                                    "over dropped chunks would erase aggregated history",
                                    interval_text(m_s.retain), interval_text(widest)),
                        "retain longer, or shorten --hourly-refresh-start / --daily-refresh-start / "
                        "--totals-refresh-start");
                }
            }
        }
    }

    static void check_window(std::string_view which, const Refresh& r, microseconds bucket)
    {
        if (r.start - r.end < 2 * bucket) {
            throw UsageError(
                fmt::format("--{0}-refresh-start {1} and --{0}-refresh-end {2} leave a refresh window under two "
                            "{3} buckets, which TimescaleDB refuses",
                            which, interval_text(r.start), interval_text(r.end), interval_text(bucket)),
                fmt::format("make --{}-refresh-start at least {}", which, interval_text(r.end + 2 * bucket)));
        }
    }

    void extension()
    {
        const auto& caps = m_state.caps;
        if (caps.installed) {
            std::string note;
            if (caps.available && *caps.available > *caps.installed) {
                note = fmt::format("{} is installed on the server: update with ALTER EXTENSION timescaledb UPDATE as "
                                   "the first command of a new session",
                                   caps.available->str());
            }
            m_plan.steps.push_back(in_place("extension", "timescaledb " + caps.installed->str(), note));
            return;
        }
        m_plan.steps.push_back(runs("extension", Outcome::apply, "",
                                    "timescaledb " + (caps.available ? caps.available->str() : std::string("?")),
                                    {{"CREATE EXTENSION IF NOT EXISTS timescaledb", {}}}));
    }

    void hypertable()
    {
        const std::string wanted = interval_text(m_s.chunk_interval);
        if (!m_t.hypertable) {
            Step s = runs("hypertable", Outcome::apply, "", fmt::format("{}, chunks of {}", m_t.name, wanted),
                          {{fmt::format("SELECT {}($1::regclass, $2::name, chunk_time_interval => $3::interval, "
                                        "migrate_data => true)",
                                        m_api.function("create_hypertable")),
                            {m_table, "timestamp", wanted}}});
            if (m_t.row_estimate > 0) {
                s.work = Work::convert;
                s.note = fmt::format("~{} rows moved into chunks; writers wait meanwhile", m_t.row_estimate);
            }
            m_plan.steps.push_back(std::move(s));
            return;
        }
        const auto& current = *m_t.chunk_interval;
        if (current.length == m_s.chunk_interval) {
            m_plan.steps.push_back(
                in_place("hypertable", fmt::format("{}, chunks of {}", m_t.name, current.display())));
            return;
        }
        m_plan.steps.push_back(
            runs("hypertable", Outcome::change, "chunks of " + current.display(), "chunks of " + wanted,
                 {{fmt::format("SELECT {}($1::regclass, $2::interval)", m_api.function("set_chunk_time_interval")),
                   {m_table, wanted}}},
                 "applies to chunks created from now on"));
    }

    void compression()
    {
        const std::string word(m_api.word());
        const std::string settings_step = word;
        const std::string policy_step = word + " policy";
        if (m_s.compression == Want::leave) {
            m_plan.steps.push_back(skipped(settings_step, "--no-compression: left as it is"));
            m_plan.steps.push_back(skipped(policy_step, "--no-compression: left as it is"));
            return;
        }
        need_hypertable(word);
        if (m_s.compression == Want::remove) {
            remove_compression(settings_step, policy_step);
            return;
        }
        const std::string wanted = compression_text(m_s.segment_by, m_s.order_by);
        const Statement enable =
            m_api.enable_compression(m_table, format_column_list(m_s.segment_by), format_order_by(m_s.order_by));
        if (!m_t.compression_enabled) {
            m_plan.steps.push_back(runs(settings_step, Outcome::apply, "", wanted, {enable}));
        } else if (m_t.segment_by == m_s.segment_by && m_t.order_by == m_s.order_by) {
            m_plan.steps.push_back(in_place(settings_step, wanted));
        } else {
            m_plan.steps.push_back(
                runs(settings_step, Outcome::change, compression_text(m_t.segment_by, m_t.order_by), wanted, {enable},
                     m_t.compressed_chunks > 0 ? "applies to chunks compressed from now on; compressed chunks keep "
                                                 "their settings until recompressed"
                                               : ""));
        }
        const std::string after = interval_text(m_s.compress_after);
        if (!m_t.compression_job) {
            m_plan.steps.push_back(runs(policy_step, Outcome::apply, "", "after " + after,
                                        {m_api.add_compression_policy(m_table, after)}));
        } else if (m_t.compress_after && m_t.compress_after->length == m_s.compress_after) {
            m_plan.steps.push_back(in_place(policy_step, "after " + m_t.compress_after->display(),
                                            fmt::format("job {}", *m_t.compression_job)));
        } else {
            m_plan.steps.push_back(runs(
                policy_step, Outcome::change, "after " + (m_t.compress_after ? m_t.compress_after->display() : "?"),
                "after " + after, {alter_config(m_api, *m_t.compression_job, "compress_after", after)},
                fmt::format("job {}", *m_t.compression_job)));
        }
    }

    void remove_compression(const std::string& settings_step, const std::string& policy_step)
    {
        if (m_t.compression_job) {
            m_plan.steps.push_back(runs(policy_step, Outcome::change,
                                        "after " + (m_t.compress_after ? m_t.compress_after->display() : "?"), "none",
                                        {m_api.remove_compression_policy(m_table)}));
        } else {
            m_plan.steps.push_back(in_place(policy_step, "none"));
        }
        if (!m_t.compression_enabled) {
            m_plan.steps.push_back(in_place(settings_step, "off"));
            return;
        }
        if (m_t.compressed_chunks > 0) {
            throw Error(fmt::format("{} has {} compressed chunk{}: {} cannot be turned off before they are "
                                    "decompressed",
                                    who(), m_t.compressed_chunks, m_t.compressed_chunks == 1 ? "" : "s", m_api.word()),
                        "decompress them first: devlogctl timescale compression decompress (it needs room for the "
                        "uncompressed rows)");
        }
        m_plan.steps.push_back(runs(settings_step, Outcome::change, compression_text(m_t.segment_by, m_t.order_by),
                                    "off", {m_api.disable_compression(m_table)}));
    }

    void retention()
    {
        const std::string name = "retention policy";
        if (m_s.retention == Want::leave) {
            m_plan.steps.push_back(skipped(name, "left as it is"));
            return;
        }
        need_hypertable("a retention policy");
        const std::string old = m_t.drop_after ? "drop after " + m_t.drop_after->display() : "?";
        if (m_s.retention == Want::remove) {
            if (!m_t.retention_job) {
                m_plan.steps.push_back(in_place(name, "none"));
                return;
            }
            m_plan.steps.push_back(runs(
                name, Outcome::change, old, "none",
                {{fmt::format("SELECT {}($1::regclass, if_exists => true)", m_api.function("remove_retention_policy")),
                  {m_table}}}));
            return;
        }
        const std::string retain = interval_text(m_s.retain);
        if (!m_t.retention_job) {
            m_plan.steps.push_back(runs(name, Outcome::apply, "", "drop after " + retain,
                                        {{fmt::format("SELECT {}($1::regclass, drop_after => $2::interval)",
                                                      m_api.function("add_retention_policy")),
                                          {m_table, retain}}}));
        } else if (m_t.drop_after && m_t.drop_after->length == m_s.retain) {
            m_plan.steps.push_back(in_place(name, old, fmt::format("job {}", *m_t.retention_job)));
        } else {
            m_plan.steps.push_back(runs(name, Outcome::change, old, "drop after " + retain,
                                        {alter_config(m_api, *m_t.retention_job, "drop_after", retain)},
                                        fmt::format("job {}", *m_t.retention_job)));
        }
    }

    void reorder()
    {
        const std::string name = "reorder policy";
        if (m_s.reorder == Want::leave) {
            m_plan.steps.push_back(skipped(name, "left as it is"));
            return;
        }
        need_hypertable("a reorder policy");
        const std::string old = m_t.reorder_index ? "by " + *m_t.reorder_index : "?";
        if (m_s.reorder == Want::remove) {
            if (!m_t.reorder_job) {
                m_plan.steps.push_back(in_place(name, "none"));
                return;
            }
            m_plan.steps.push_back(runs(
                name, Outcome::change, old, "none",
                {{fmt::format("SELECT {}($1::regclass, if_exists => true)", m_api.function("remove_reorder_policy")),
                  {m_table}}}));
            return;
        }
        const std::string wanted = "by " + m_s.reorder_index;
        if (!m_t.reorder_job) {
            m_plan.steps.push_back(
                runs(name, Outcome::apply, "", wanted,
                     {{fmt::format("SELECT {}($1::regclass, $2::name)", m_api.function("add_reorder_policy")),
                       {m_table, m_s.reorder_index}}}));
        } else if (m_t.reorder_index == m_s.reorder_index) {
            m_plan.steps.push_back(in_place(name, old, fmt::format("job {}", *m_t.reorder_job)));
        } else {
            m_plan.steps.push_back(runs(
                name, Outcome::change, old, wanted,
                {{fmt::format("SELECT {}(j.job_id, config => pg_catalog.jsonb_set(j.config, '{{index_name}}', "
                              "pg_catalog.to_jsonb($2::text))) FROM timescaledb_information.jobs j WHERE j.job_id = $1",
                              m_api.function("alter_job")),
                  {std::to_string(*m_t.reorder_job), m_s.reorder_index}}},
                fmt::format("job {}", *m_t.reorder_job)));
        }
    }

    void aggregates();
    void aggregate(const AggregateState& a, microseconds width, bool& created);
    void refresh_policy(const AggregateState& a, const Refresh& r, bool created);
    void materialize(const AggregateState& a, const Refresh& r, microseconds width, bool created);

    std::string relation(const AggregateState& a) const
    {
        return db::quote_name(m_t.schema) + "." + db::quote_name(a.name);
    }

    const Settings& m_s;
    const State& m_state;
    const TableState& m_t;
    Api m_api;
    unsigned m_parts;
    std::string m_table;
    Plan m_plan;
};

void Planner::aggregates()
{
    if (m_s.aggregates == Want::leave) {
        for (const auto& a : m_state.aggregates) {
            m_plan.steps.push_back(skipped("aggregate " + a.name, "--no-aggregates: left as it is"));
        }
        return;
    }
    need_hypertable("a continuous aggregate");
    if (m_s.aggregates == Want::remove) {
        for (const auto& a : m_state.aggregates) {
            const std::string name = "aggregate " + a.name;
            if (!a.exists) {
                m_plan.steps.push_back(in_place(name, "none"));
                continue;
            }
            if (!a.continuous && !a.marked) {
                throw Error(fmt::format("{} is not a continuous aggregate devlogctl made: not dropping it",
                                        m_t.schema + "." + a.name),
                            "drop it yourself if it should go");
            }
            const char* kind = a.continuous ? "MATERIALIZED VIEW" : a.kind == 'v' ? "VIEW" : "TABLE";
            m_plan.steps.push_back(runs(name, Outcome::change, a.continuous ? "continuous aggregate" : "rollup", "none",
                                        {{fmt::format("DROP {} {}", kind, relation(a)), {}}},
                                        "its materialized history is gone; raw rows stay"));
        }
        return;
    }
    // In the order of rollup::k_relations (State::aggregates).
    const std::array<const Refresh*, 3> refresh = {&m_s.hourly, &m_s.daily, &m_s.totals};
    std::array<bool, 3> created = {false, false, false};
    for (std::size_t i = 0; i < created.size(); ++i) {
        aggregate(m_state.aggregates[i], m_state.aggregates[i].width, created[i]);
    }
    for (std::size_t i = 0; i < created.size(); ++i) {
        refresh_policy(m_state.aggregates[i], *refresh[i], created[i]);
    }
    for (std::size_t i = 0; i < created.size(); ++i) {
        materialize(m_state.aggregates[i], *refresh[i], m_state.aggregates[i].width, created[i]);
    }
}

void Planner::aggregate(const AggregateState& a, microseconds width, bool& created)
{
    const std::string name = "aggregate " + a.name;
    const std::string every = interval_text(width);
    const std::string desc = fmt::format("continuous aggregate per {}{}", every.rfind("1 ", 0) == 0 ? every.substr(2) : every,
                                         a.grouped ? "" : ", all events together");
    std::vector<Statement> create;
    create.push_back({fmt::format("CREATE MATERIALIZED VIEW {} WITH (timescaledb.continuous, "
                                  "timescaledb.materialized_only = true) AS\n{}\nWITH NO DATA",
                                  relation(a), rollup::select_sql(rollup::time_bucket_expression(width), m_table, a.grouped)),
                      {}});
    create.push_back({fmt::format("COMMENT ON VIEW {} IS {}", relation(a),
                                  db::quote_literal(rollup::relation_comment(a.name, width, a.grouped))),
                      {}});
    for (const auto& c : rollup::columns(a.grouped)) {
        create.push_back({fmt::format("COMMENT ON COLUMN {}.{} IS {}", relation(a), db::quote_name(c.name),
                                      db::quote_literal(c.comment)),
                          {}});
    }
    if (!a.exists) {
        created = true;
        m_plan.steps.push_back(runs(name, Outcome::apply, "", desc, std::move(create)));
        return;
    }
    if (a.continuous && a.marked && a.columns_match) {
        if (a.materialized_only) {
            m_plan.steps.push_back(in_place(name, desc));
        } else {
            m_plan.steps.push_back(runs(name, Outcome::change, "real-time (materialized_only = false)",
                                        "materialized only",
                                        {{fmt::format("ALTER MATERIALIZED VIEW {} SET (timescaledb.materialized_only = "
                                                      "true)",
                                                      relation(a)),
                                          {}}},
                                        "query timeline adds the not yet materialized tail itself"));
        }
        return;
    }
    const std::string what = a.continuous    ? "a continuous aggregate that does not follow devlogctl's rollup contract"
                             : a.kind == 'r' ? "a table"
                                             : "a view";
    if (!m_s.replace_aggregates) {
        throw Error(fmt::format("{} exists and is {} (made by seed 002's script or an older tool?)",
                                m_t.schema + "." + a.name, what),
                    "re-create it with --replace-aggregates (its materialized history is recomputed from the raw rows "
                    "still there), or drop it yourself");
    }
    created = true;
    const char* kind = a.continuous ? "MATERIALIZED VIEW" : a.kind == 'v' ? "VIEW" : "TABLE";
    create.insert(create.begin(), {fmt::format("DROP {} {}", kind, relation(a)), {}});
    m_plan.steps.push_back(runs(name, Outcome::change, what, desc, std::move(create),
                                "re-created: its history is recomputed from the raw rows"));
}

void Planner::refresh_policy(const AggregateState& a, const Refresh& r, bool created)
{
    const std::string name = "refresh policy " + a.name;
    const std::string wanted = fmt::format("every {}, window {} to {} ago", interval_text(r.every),
                                           interval_text(r.start), interval_text(r.end));
    if (created || !a.policy_job) {
        m_plan.steps.push_back(
            runs(name, Outcome::apply, "", wanted,
                 {{fmt::format("SELECT {}($1::regclass, start_offset => $2::interval, end_offset => "
                               "$3::interval, schedule_interval => $4::interval)",
                               m_api.function("add_continuous_aggregate_policy")),
                   {relation(a), interval_text(r.start), interval_text(r.end), interval_text(r.every)}}}));
        return;
    }
    const auto text = [](const std::optional<Interval>& i) { return i ? i->display() : std::string("?"); };
    const std::string current =
        fmt::format("every {}, window {} to {} ago", text(a.schedule), text(a.start_offset), text(a.end_offset));
    const auto same = [](const std::optional<Interval>& i, microseconds d) { return i && i->length == d; };
    if (same(a.schedule, r.every) && same(a.start_offset, r.start) && same(a.end_offset, r.end)) {
        m_plan.steps.push_back(in_place(name, current, fmt::format("job {}", *a.policy_job)));
        return;
    }
    m_plan.steps.push_back(runs(
        name, Outcome::change, current, wanted,
        {{fmt::format(
              "SELECT {}(j.job_id, schedule_interval => $4::interval, config => "
              "pg_catalog.jsonb_set(pg_catalog.jsonb_set(j.config, '{{start_offset}}', "
              "pg_catalog.to_jsonb($2::interval::text)), '{{end_offset}}', pg_catalog.to_jsonb($3::interval::text))) "
              "FROM timescaledb_information.jobs j WHERE j.job_id = $1",
              m_api.function("alter_job")),
          {std::to_string(*a.policy_job), interval_text(r.start), interval_text(r.end), interval_text(r.every)}}},
        fmt::format("job {}", *a.policy_job)));
}

void Planner::materialize(const AggregateState& a, const Refresh& r, microseconds width, bool created)
{
    const std::string name = "materialize " + a.name;
    const time::Micros now = m_state.now;
    const time::Micros end = now - r.end.count();
    // What the policy never reaches: rows older than its window, not materialized yet or changed
    // since (late events). A new aggregate gets everything.
    std::optional<time::Micros> first = created ? m_t.min_time : a.first_unmaterialized;
    if (!created && a.first_late && *a.first_late < now - r.start.count()) {
        first = first ? std::min(*first, *a.first_late) : *a.first_late;
    }
    const bool needed = first && (created ? *first < end : *first < now - r.start.count());
    if (!needed) {
        const std::string state =
            a.watermark && !created ? "up to " + time::format_iso8601(*a.watermark) : std::string("nothing to do");
        m_plan.steps.push_back(in_place(name, state, created ? "no rows yet" : "the refresh policy keeps it current"));
        return;
    }
    auto statements = refresh_statements(m_api, relation(a), *first, end, width);
    if (statements.empty()) {
        m_plan.steps.push_back(in_place(name, "nothing to do", "no whole bucket to materialize yet"));
        return;
    }
    const std::string range =
        fmt::format("{} to {}", statements.front().params[1].value_or(""), statements.back().params[2].value_or(""));
    Step s = runs(name, Outcome::apply, "", range, std::move(statements));
    s.work = Work::batches;
    s.note = fmt::format("history the refresh policy does not reach, in {} batch{}", s.statements.size(),
                         s.statements.size() == 1 ? "" : "es");
    m_plan.steps.push_back(std::move(s));
}

} // namespace

std::string to_string(Outcome outcome, bool dry_run)
{
    switch (outcome) {
    case Outcome::apply:
        return dry_run ? "would apply" : "applied";
    case Outcome::in_place:
        return "already in place";
    case Outcome::change:
        return dry_run ? "would change" : "changed";
    case Outcome::skip:
        return "skipped";
    }
    return "?";
}

Plan plan(const Settings& settings, const State& state, unsigned parts)
{
    return Planner(settings, state, parts).run();
}

bool Plan::changes() const
{
    return std::any_of(steps.begin(), steps.end(), [](const Step& s) { return s.runs(); });
}

std::string dry_run_script(const std::vector<Step>& steps, const std::string& header)
{
    std::string out = "-- " + header + "\n-- Piped to psql -v ON_ERROR_STOP=1, this script has the same effect.\n";
    for (const auto& s : steps) {
        std::string detail = s.outcome == Outcome::change ? s.old_value + " -> " + s.new_value : s.new_value;
        if (!s.note.empty()) {
            detail += detail.empty() ? s.note : " (" + s.note + ")";
        }
        out += fmt::format("--   {:<40} {:<17} {}\n", s.name, to_string(s.outcome, true), detail);
    }
    for (const auto& s : steps) {
        if (!s.runs()) {
            continue;
        }
        out += fmt::format("\n-- {}: {}\n", s.name, to_string(s.outcome, true));
        for (const auto& st : s.statements) {
            out += render(st) + ";\n";
        }
    }
    return out;
}

} // namespace devlog::timescale
