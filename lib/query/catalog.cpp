#include "lib/query/catalog.hpp"

#include "lib/core/embedded.hpp"
#include "lib/db/pq.hpp"
#include "lib/query/reader.hpp"
#include "lib/query/sql.hpp"
#include "lib/rollup/plain.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <map>

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

// The ranges each continuous aggregate of VIEWS has current buckets in, within RANGE; the views
// that are not continuous aggregates are absent. One statement for all: their watermarks and the
// ranges not current.
std::map<std::string, std::vector<Interval>> cagg_valid(db::Runner& runner, const Timescale& tsdb,
                                                        const std::vector<std::string>& views, Interval range)
{
    if (views.empty()) {
        return {};
    }
    const std::string sql =
        fill(fill(std::string(embedded_sql("query/cagg_state.sql")), "{functions}", db::quote_name(tsdb.functions_schema)),
             "{pending}", tsdb.at_least(2, 22) ? embedded_sql("query/cagg_pending.sql") : "");
    const db::Result r = runner.exec(sql, db::Location{"query timeline: the continuous aggregates"},
                                     {array_literal(views), std::to_string(range.start), std::to_string(range.end)});
    std::map<std::string, std::int64_t> watermarks;
    std::map<std::string, std::vector<Interval>> stale;
    for (std::size_t i = 0; i < r.rows(); ++i) {
        const std::string view = r.get(i, 0).value_or("");
        if (r.get(i, 1) == std::optional<std::string>("watermark")) {
            watermarks[view] = int_of(r, i, 2);
        } else {
            stale[view].push_back({int_of(r, i, 2), int_of(r, i, 3)});
        }
    }
    std::map<std::string, std::vector<Interval>> out;
    for (const auto& [view, watermark] : watermarks) {
        out[view] = valid_before_watermark(watermark, stale[view]);
    }
    return out;
}

// VALID without what lies before START.
std::vector<Interval> starting_at(std::vector<Interval> valid, time::Micros start)
{
    std::vector<Interval> out;
    for (auto& v : valid) {
        v.start = std::max(v.start, start);
        if (v.start < v.end) {
            out.push_back(v);
        }
    }
    return out;
}

constexpr time::Micros k_never = std::numeric_limits<time::Micros>::max();

} // namespace

std::string Timescale::api(std::string_view name) const
{
    return db::quote_name(api_schema) + "." + db::quote_name(name);
}

std::optional<Timescale> detect_timescaledb(db::Runner& runner)
{
    Timescale t;
    if (Measurements* m = Measurements::current(); m != nullptr && m->timescaledb) {
        if (!*m->timescaledb) {
            return std::nullopt; // read in BEGIN's round trip: not installed
        }
        const auto row = nlohmann::json::parse(**m->timescaledb);
        t.version = row.at(0).is_string() ? row.at(0).get<std::string>() : "";
        t.api_schema = row.at(1).is_string() ? row.at(1).get<std::string>() : "public";
        t.functions_schema = row.at(2).is_string() ? row.at(2).get<std::string>() : "_timescaledb_functions";
    } else {
        const db::Result r = runner.exec(embedded_sql("query/timescaledb.sql"), db::Location{"TimescaleDB"});
        if (r.rows() == 0) {
            return std::nullopt;
        }
        t.version = r.get(0, 0).value_or("");
        t.api_schema = r.get(0, 1).value_or("public");
        t.functions_schema = r.get(0, 2).value_or("_timescaledb_functions");
    }
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
        (rollup::is_group_key(c.name) ? keys : measures).emplace_back(c.name);
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
    // The rollups that can serve, and the continuous aggregates among them (read in one statement).
    std::vector<std::pair<std::size_t, const rollup::Relation*>> usable;
    std::vector<std::string> views;
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
        usable.emplace_back(i, &*known);
        if (tsdb && found.get(i, 1) == std::optional<std::string>("v")) {
            views.push_back(name);
        }
    }
    const auto caggs = tsdb ? cagg_valid(runner, *tsdb, views, range) : std::map<std::string, std::vector<Interval>>{};
    std::vector<Rollup> out;
    for (const auto& [i, known] : usable) {
        const std::string name(known->name);
        Rollup r{name, known->width, {}, false, known->grouped};
        const std::string schema = found.get(i, 2).value_or("");
        if (const auto cagg = caggs.find(name); cagg != caggs.end()) {
            r.valid = cagg->second;
            r.continuous_aggregate = true;
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
            if (plain->state && !r.grouped) {
                // The totals may be younger than the grouped rollups (added by an upgrade after
                // retention dropped raw partitions whose history only the grouped ones keep):
                // current only from their first bucket on.
                const db::Result first = runner.exec(
                    fmt::format("SELECT (extract(epoch FROM min(bucket)) * 1000000)::bigint FROM {}.{}",
                                db::quote_name(schema), db::quote_name(name)),
                    db::Location{"query timeline: " + name});
                r.valid = starting_at(std::move(r.valid), first.get(0, 0) ? int_of(first, 0, 0) : k_never);
            }
        }
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace devlog::query
