#include "lib/query/catalog.hpp"

#include "lib/core/embedded.hpp"
#include "lib/db/pq.hpp"
#include "lib/query/sql.hpp"
#include "lib/rollup/plain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>

namespace devlog::query {
namespace {

std::int64_t int_of(const db::Result& r, std::size_t row, int column)
{
    return std::stoll(r.get(row, column).value_or("0"));
}

// TEXT with each MARKER replaced by VALUE.
std::string fill(std::string text, std::string_view marker, std::string_view value)
{
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + value.size())) {
        text.replace(at, marker.size(), value);
    }
    return text;
}

// The ranges a continuous aggregate's buckets are current in, within RANGE; nullopt when VIEW is not
// a continuous aggregate. One statement: its watermark and the ranges not current.
std::optional<std::vector<Interval>> cagg_valid(db::Runner& runner, const Timescale& tsdb, const std::string& view, Interval range)
{
    const std::string sql =
        fill(fill(std::string(embedded_sql("query/cagg_state.sql")), "{functions}", db::quote_name(tsdb.functions_schema)),
             "{pending}", tsdb.at_least(2, 22) ? embedded_sql("query/cagg_pending.sql") : "");
    const db::Result r = runner.exec(sql, db::Location{"query timeline: " + view},
                                     {view, std::to_string(range.start), std::to_string(range.end)});
    std::optional<std::int64_t> watermark;
    std::vector<Interval> stale;
    for (std::size_t i = 0; i < r.rows(); ++i) {
        if (r.get(i, 0) == std::optional<std::string>("watermark")) {
            watermark = int_of(r, i, 1);
        } else {
            stale.push_back({int_of(r, i, 1), int_of(r, i, 2)});
        }
    }
    if (!watermark) {
        return std::nullopt;
    }
    return valid_before_watermark(*watermark, stale);
}

} // namespace

std::string Timescale::api(std::string_view name) const
{
    return db::quote_name(api_schema) + "." + db::quote_name(name);
}

std::optional<Timescale> detect_timescaledb(db::Runner& runner)
{
    const db::Result r = runner.exec(embedded_sql("query/timescaledb.sql"), db::Location{"TimescaleDB"});
    if (r.rows() == 0) {
        return std::nullopt;
    }
    Timescale t;
    t.version = r.get(0, 0).value_or("");
    t.api_schema = r.get(0, 1).value_or("public");
    t.functions_schema = r.get(0, 2).value_or("_timescaledb_functions");
    if (std::sscanf(t.version.c_str(), "%d.%d", &t.major, &t.minor) != 2) { // NOLINT(cert-err34-c)
        t.major = 0;
        t.minor = 0;
    }
    return t;
}

std::vector<Rollup> detect_rollups(db::Runner& runner, const std::optional<Timescale>& tsdb, Interval range,
                                   std::optional<std::chrono::microseconds> bucket, bool ungrouped)
{
    const auto& k_known = rollup::k_relations;
    std::vector<std::string> names;
    for (const auto& r : k_known) {
        if (r.grouped || ungrouped) {
            names.emplace_back(r.name);
        }
    }
    std::vector<std::string> measures;
    std::vector<std::string> keys;
    for (const auto& c : rollup::k_columns) {
        (c.name == "project_id" || c.name == "agent_id" || c.name == "event_type" ? keys : measures).emplace_back(c.name);
    }
    const db::Result found = runner.exec(embedded_sql("query/rollups.sql"), db::Location{"query timeline"},
                                         {array_literal(names), array_literal(measures), array_literal(keys)});
    // maintain's state and the hours waiting in its log, read once per schema (both rollups share them).
    struct Plain
    {
        std::string schema;
        std::optional<rollup::State> state;
        std::vector<time::Micros> pending;
    };
    std::optional<Plain> plain;
    std::vector<Rollup> out;
    for (std::size_t i = 0; i < found.rows(); ++i) {
        const std::string name = found.get(i, 0).value_or("");
        const auto known =
            std::find_if(k_known.begin(), k_known.end(), [&](const rollup::Relation& k) { return name == k.name; });
        if (bucket && bucket->count() % known->width.count() != 0) {
            continue;
        }
        if (known->grouped && found.get(i, 3) != std::optional<std::string>("t")) {
            continue; // without the group keys it cannot serve what it is named for
        }
        Rollup r{name, known->width, {}, false, known->grouped};
        const std::string schema = found.get(i, 2).value_or("");
        if (tsdb && found.get(i, 1) == std::optional<std::string>("v")) {
            if (auto valid = cagg_valid(runner, *tsdb, name, range)) {
                r.valid = std::move(*valid);
                r.continuous_aggregate = true;
            }
        }
        if (!r.continuous_aggregate) {
            // maintain's plain table: current below its watermark but for the hours still logged.
            if (!plain || plain->schema != schema) {
                plain = Plain{schema, rollup::state(runner, schema), {}};
                if (plain->state) {
                    plain->pending =
                        rollup::pending_hours(runner, schema, floor_to(range.start, std::chrono::hours(24)), range.end);
                }
            }
            if (plain->state) {
                r.valid = valid_plain(plain->state->watermark, r.width, plain->pending);
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace devlog::query
