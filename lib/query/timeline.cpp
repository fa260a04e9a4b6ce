// `query timeline`: where each part of the range comes from (catalog.cpp, timeline_plan.cpp), then
// one statement (sql_timeline.cpp).
#include "lib/core/errors.hpp"
#include "lib/db/database.hpp"
#include "lib/query/catalog.hpp"
#include "lib/query/query.hpp"
#include "lib/query/reader.hpp"
#include "lib/query/sql.hpp"

#include <fmt/format.h>

namespace devlog::query {
namespace {

constexpr std::int64_t k_max_buckets = 100'000;
constexpr time::Micros k_default_range = 86'400'000'000; // --since 1d

std::string describe(const std::vector<Segment>& segments)
{
    std::string out;
    for (const auto& s : segments) {
        out += fmt::format("{}{} {} .. {}", out.empty() ? "" : "; ",
                           s.rollup.empty() ? std::string("agent_events (raw)")
                                            : s.rollup + (s.continuous_aggregate ? " (continuous aggregate)" : " (table)"),
                           time::format_iso8601(s.range.start), time::format_iso8601(s.range.end));
    }
    return out;
}

} // namespace

std::vector<std::string> timeline_column_names(const std::string& by)
{
    return names_of(timeline_columns(by.empty() ? TimelineBy::none : parse_timeline_by(by)));
}

std::optional<Explained> timeline(db::Database& db, const TimelineOptions& o, RowWriter& out, Reporter& reporter)
{
    const auto bucket = parse_bucket(o.bucket);
    const time::Micros now = time::now();
    TimelineSpec spec;
    spec.filter = parse_filter(o.filter, now);
    spec.by = o.by ? parse_timeline_by(*o.by) : TimelineBy::none;
    spec.bucket = bucket;
    const time::Micros since = spec.filter.since.value_or(now - k_default_range);
    const time::Micros until = spec.filter.until.value_or(now);
    spec.range = {floor_to(since, bucket, k_bucket_origin), ceil_to(until, bucket, k_bucket_origin)};
    if (spec.range.end <= spec.range.start) {
        spec.range.end = spec.range.start + bucket.count();
    }
    const std::int64_t buckets = (spec.range.end - spec.range.start) / bucket.count();
    if (buckets > k_max_buckets) {
        throw UsageError(fmt::format("--bucket: {} buckets of {} from {} to {} are too many (at most {})", buckets,
                                     time::format_interval(bucket), time::format_iso8601(spec.range.start),
                                     time::format_iso8601(spec.range.end), k_max_buckets),
                         "use a larger --bucket or a shorter --since/--until range");
    }
    const auto columns = timeline_columns(spec.by);
    const auto picked = pick_columns(columns, o.columns, o.default_columns);
    db::Runner runner(db);
    return measured(runner, o, reporter, [&]() -> std::optional<Explained> {
        resolve_projects(runner, spec.filter);
        const auto tsdb = detect_timescaledb(runner);
        spec.timescaledb = tsdb.has_value();
        // The totals serve only a timeline that neither groups nor filters by project, agent or type.
        const bool ungrouped = spec.by == TimelineBy::none && spec.filter.project_ids.empty() &&
                               spec.filter.agents.empty() && spec.filter.types.empty();
        const auto rollups = spec.filter.rollup_compatible()
                                 ? detect_rollups(runner, tsdb, spec.range, bucket, ungrouped)
                                 : std::vector<Rollup>{};
        spec.segments = plan_segments(spec.range, bucket, rollups);
        reporter.debug("timeline reads " + describe(spec.segments));
        const Statement st = timeline_sql(spec);
        if (o.explain != Explain::no) {
            return explain(runner, st, o.explain, "query timeline");
        }
        std::vector<std::string> names;
        for (const auto i : picked) {
            names.push_back(columns[i].name);
        }
        out.begin(names);
        const auto kinds = kinds_of(columns);
        stream(
            runner, st, "query timeline", [&](const db::Result& result) { emit(result, kinds, picked, out); },
            [&] { out.flush(); });
        return std::nullopt;
    }, /*with_timescaledb=*/true);
}

} // namespace devlog::query
