#include "lib/query/timeline_plan.hpp"

#include <doctest/doctest.h>

#include <limits>

using namespace devlog;
using namespace devlog::query;

namespace {
constexpr time::Micros H = 3'600'000'000; // one hour
constexpr time::Micros T = 1'767'225'600'000'000; // 2026-01-01T00:00:00Z, a day bound
constexpr time::Micros k_min = std::numeric_limits<time::Micros>::min();
constexpr time::Micros k_max = std::numeric_limits<time::Micros>::max();
} // namespace

TEST_CASE("floor_to and ceil_to")
{
    CHECK(floor_to(T + 90 * 60'000'000LL, std::chrono::hours(1)) == T + H);
    CHECK(ceil_to(T + 90 * 60'000'000LL, std::chrono::hours(1)) == T + 2 * H);
    CHECK(ceil_to(T, std::chrono::hours(1)) == T);
    CHECK(floor_to(-1, std::chrono::hours(1)) == -H);
    // Weeks start on Mondays: 2026-01-01 is a Thursday, the week began 2025-12-29.
    CHECK(floor_to(T, std::chrono::hours(24 * 7), k_bucket_origin) == T - 3 * 24 * H);
}

TEST_CASE("valid_before_watermark")
{
    // Never refreshed: the aggregate's own log holds [-inf, +inf].
    CHECK(valid_before_watermark(k_min, {{k_min, k_max}}).empty());
    // Refreshed [T+10h, T+24h): everything before T+10h is still in the log, and a late insert at T+12h30.
    const auto valid = valid_before_watermark(T + 24 * H, {{k_min, T + 10 * H - 1}, {T + 12 * H + 1800'000'000, T + 12 * H + 1800'000'000}});
    REQUIRE(valid.size() == 2);
    CHECK(valid[0] == Interval{T + 10 * H, T + 12 * H + 1800'000'000});
    CHECK(valid[1] == Interval{T + 12 * H + 1800'000'001, T + 24 * H});
    // Overlapping and touching stale ranges merge; those at or above the watermark do not matter.
    CHECK(valid_before_watermark(T, {{T - 5 * H, T - 3 * H}, {T - 4 * H, T - 2 * H - 1}, {T + H, k_max}}) ==
          std::vector<Interval>{{k_min, T - 5 * H}, {T - 2 * H, T}});
}

TEST_CASE("valid_plain: buckets that end by the watermark, but for the hours waiting in the log")
{
    // Watermark 2026-01-03 10:20; hours logged since: 2026-01-01 05:00 and 06:00, 2026-01-03 09:00.
    const std::vector<time::Micros> pending = {T + 5 * H, T + 6 * H, T + 2 * 24 * H + 9 * H};
    const time::Micros watermark = T + 2 * 24 * H + 10 * H + 20 * 60'000'000LL;
    CHECK(valid_plain(watermark, std::chrono::hours(1), pending) ==
          std::vector<Interval>{{k_min, T + 5 * H}, {T + 7 * H, T + 2 * 24 * H + 9 * H}});
    // Daily: the days holding a logged hour are out, and so is the day of the watermark.
    CHECK(valid_plain(watermark, std::chrono::hours(24), pending) == std::vector<Interval>{{k_min, T}, {T + 24 * H, T + 2 * 24 * H}});
    CHECK(valid_plain(watermark, std::chrono::hours(24), {}) == std::vector<Interval>{{k_min, T + 2 * 24 * H}});
    // 5-minute buckets: a logged hour takes out all twelve of its buckets; the watermark's own
    // bucket (10:20 to 10:25) is not whole yet.
    CHECK(valid_plain(watermark, std::chrono::minutes(5), pending) ==
          std::vector<Interval>{{k_min, T + 5 * H}, {T + 7 * H, T + 2 * 24 * H + 9 * H}, {T + 2 * 24 * H + 10 * H, watermark}});
}

TEST_CASE("plan_segments")
{
    const Rollup hourly{"agent_events_hourly", std::chrono::hours(1), {{T - 48 * H, T + 20 * H + 1800'000'000}}, true};
    const Rollup daily{"agent_events_daily", std::chrono::hours(24), {{T - 48 * H, T}}, true};

    SUBCASE("no rollups: one raw segment")
    {
        CHECK(plan_segments({T, T + 24 * H}, std::chrono::hours(1), {}) == std::vector<Segment>{{{}, {T, T + 24 * H}}});
    }
    SUBCASE("the unmaterialised tail is raw, cut at a whole hour")
    {
        CHECK(plan_segments({T, T + 24 * H}, std::chrono::hours(1), {hourly, daily}) ==
              std::vector<Segment>{{"agent_events_hourly", {T, T + 20 * H}, true}, {{}, {T + 20 * H, T + 24 * H}}});
    }
    SUBCASE("buckets the rollups do not divide are raw")
    {
        CHECK(plan_segments({T, T + 24 * H}, std::chrono::minutes(30), {hourly, daily}) ==
              std::vector<Segment>{{{}, {T, T + 24 * H}}});
    }
    SUBCASE("widest first, the gaps filled by narrower rollups, then raw")
    {
        CHECK(plan_segments({T - 72 * H, T + 24 * H}, std::chrono::hours(24), {hourly, daily}) ==
              std::vector<Segment>{{{}, {T - 72 * H, T - 48 * H}},
                                   {"agent_events_daily", {T - 48 * H, T}, true},
                                   {"agent_events_hourly", {T, T + 20 * H}, true},
                                   {{}, {T + 20 * H, T + 24 * H}}});
    }
    SUBCASE("the 5-minute totals before the hourly rollup, after the daily one; each fills the others' gaps")
    {
        const time::Micros M5 = 300'000'000;
        const Rollup totals{"agent_events_totals_5m", std::chrono::minutes(5), {{T - 24 * H, T + 22 * H + 7 * M5}}, true, false};
        CHECK(plan_segments({T - 72 * H, T + 24 * H}, std::chrono::hours(1), {hourly, daily, totals}) ==
              std::vector<Segment>{{{}, {T - 72 * H, T - 48 * H}},
                                   {"agent_events_hourly", {T - 48 * H, T - 24 * H}, true},
                                   {"agent_events_totals_5m", {T - 24 * H, T + 22 * H + 7 * M5}, true},
                                   {{}, {T + 22 * H + 7 * M5, T + 24 * H}}});
        CHECK(plan_segments({T - 72 * H, T + 24 * H}, std::chrono::hours(24), {hourly, daily, totals}) ==
              std::vector<Segment>{{{}, {T - 72 * H, T - 48 * H}},
                                   {"agent_events_daily", {T - 48 * H, T}, true},
                                   {"agent_events_totals_5m", {T, T + 22 * H + 7 * M5}, true},
                                   {{}, {T + 22 * H + 7 * M5, T + 24 * H}}});
    }
    SUBCASE("a stale hour in the middle")
    {
        const Rollup holed{"agent_events_hourly", std::chrono::hours(1), valid_before_watermark(T + 6 * H, {{k_min, T - 1}, {T + 2 * H + 5, T + 2 * H + 5}}), true};
        CHECK(plan_segments({T, T + 8 * H}, std::chrono::hours(2), {holed}) ==
              std::vector<Segment>{{"agent_events_hourly", {T, T + 2 * H}, true},
                                   {{}, {T + 2 * H, T + 3 * H}},
                                   {"agent_events_hourly", {T + 3 * H, T + 6 * H}, true},
                                   {{}, {T + 6 * H, T + 8 * H}}});
    }
}
