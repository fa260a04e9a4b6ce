#include "lib/query/timeline_plan.hpp"

#include <algorithm>
#include <limits>

namespace devlog::query {
namespace {

constexpr time::Micros k_min = std::numeric_limits<time::Micros>::min();
constexpr time::Micros k_max = std::numeric_limits<time::Micros>::max();

// Sorts and merges overlapping or touching intervals.
std::vector<Interval> merged(std::vector<Interval> list)
{
    std::sort(list.begin(), list.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
    std::vector<Interval> out;
    for (const auto& i : list) {
        if (i.start >= i.end) {
            continue;
        }
        if (!out.empty() && i.start <= out.back().end) {
            out.back().end = std::max(out.back().end, i.end);
        } else {
            out.push_back(i);
        }
    }
    return out;
}

// Fills GAP with ROLLUPS[level...] where valid, the rest raw; appends to OUT.
void fill(Interval gap, const std::vector<const Rollup*>& rollups, std::size_t level, std::vector<Segment>& out)
{
    if (gap.start >= gap.end) {
        return;
    }
    if (level == rollups.size()) {
        if (!out.empty() && out.back().rollup.empty() && out.back().range.end == gap.start) {
            out.back().range.end = gap.end;
        } else {
            out.push_back({{}, gap});
        }
        return;
    }
    const Rollup& r = *rollups[level];
    time::Micros at = gap.start;
    for (const auto& v : r.valid) {
        const time::Micros start = std::max(gap.start, ceil_to(std::max(v.start, gap.start), r.width));
        const time::Micros end = std::min(gap.end, floor_to(std::min(v.end, gap.end), r.width));
        if (start >= end) {
            continue;
        }
        fill({at, start}, rollups, level + 1, out);
        out.push_back({r.relation, {start, end}, r.continuous_aggregate});
        at = end;
    }
    fill({at, gap.end}, rollups, level + 1, out);
}

} // namespace

time::Micros floor_to(time::Micros t, std::chrono::microseconds width, time::Micros origin)
{
    const time::Micros w = width.count();
    time::Micros offset = (t - origin) % w;
    if (offset < 0) {
        offset += w;
    }
    return t - offset;
}

time::Micros ceil_to(time::Micros t, std::chrono::microseconds width, time::Micros origin)
{
    const time::Micros down = floor_to(t, width, origin);
    return down == t ? t : down + width.count();
}

std::vector<Interval> valid_before_watermark(time::Micros watermark, const std::vector<Interval>& stale_closed)
{
    std::vector<Interval> stale;
    for (const auto& s : stale_closed) {
        stale.push_back({s.start, s.end == k_max ? k_max : s.end + 1});
    }
    std::vector<Interval> valid;
    time::Micros at = k_min;
    for (const auto& s : merged(stale)) {
        if (s.start >= watermark) {
            break;
        }
        if (at < s.start) {
            valid.push_back({at, s.start});
        }
        at = std::max(at, s.end);
    }
    if (at < watermark) {
        valid.push_back({at, watermark});
    }
    return valid;
}

std::vector<Interval> valid_plain(time::Micros watermark, std::chrono::microseconds width,
                                  const std::vector<time::Micros>& pending)
{
    std::vector<Interval> stale;
    const std::int64_t hour = std::chrono::microseconds(std::chrono::hours(1)).count();
    for (const auto pending_hour : pending) {
        // The buckets holding the hour: one day or hour bucket, or the hour's 5-minute buckets.
        const time::Micros start = floor_to(pending_hour, width);
        const time::Micros end = std::max(start + width.count(), pending_hour + hour);
        stale.push_back({start, end - 1}); // closed, as valid_before_watermark takes them
    }
    return valid_before_watermark(floor_to(watermark, width), stale);
}

std::vector<Segment> plan_segments(Interval range, std::chrono::microseconds bucket, const std::vector<Rollup>& rollups)
{
    std::vector<const Rollup*> usable;
    for (const auto& r : rollups) {
        if (r.width.count() > 0 && bucket.count() % r.width.count() == 0) {
            usable.push_back(&r);
        }
    }
    // Fewest rows first: a grouped rollup is taken to hold ~24 rows (projects x agents x types)
    // per bucket, so a day reads ~24 rows from the daily rollup, 288 from the 5-minute totals and
    // ~576 from the hourly one.
    const auto rows_per_day = [](const Rollup* r) {
        const double buckets = static_cast<double>(std::chrono::microseconds(std::chrono::hours(24)).count()) /
                               static_cast<double>(r->width.count());
        return buckets * (r->grouped ? 24.0 : 1.0);
    };
    std::stable_sort(usable.begin(), usable.end(),
                     [&](const Rollup* a, const Rollup* b) { return rows_per_day(a) < rows_per_day(b); });
    std::vector<Segment> out;
    fill(range, usable, 0, out);
    return out;
}

} // namespace devlog::query
