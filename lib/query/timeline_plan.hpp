#pragma once
// Where `query timeline` reads each part of its range from: the rollups (agent_events_daily,
// agent_events_totals_5m, agent_events_hourly) where they hold current numbers for whole buckets,
// raw agent_events for the
// rest (the unmaterialised tail, invalidated ranges, times before the rollups begin). Pure: the
// catalog facts come in, a list of segments goes out; lib/query/timeline.cpp gathers the facts.

#include "lib/core/time.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace devlog::query {

// [start, end) in microseconds since the epoch.
struct Interval
{
    time::Micros start = 0;
    time::Micros end = 0;
    bool operator==(const Interval&) const = default;
};

// What one rollup relation holds.
struct Rollup
{
    std::string relation;                       // "agent_events_hourly"
    std::chrono::microseconds width{0};         // its bucket width (5 minutes, 1 hour, 1 day)
    std::vector<Interval> valid;                // where its buckets are materialised and current
    bool continuous_aggregate = false;          // TimescaleDB (else a plain table): for messages
    bool grouped = true;                        // by project, agent and event type (else totals only)
};

// Ranges a continuous aggregate holds current numbers for: everything before WATERMARK except the
// STALE ranges (invalidation logs; closed [lowest, greatest] in microseconds, as TimescaleDB keeps
// them). Sorted, disjoint.
std::vector<Interval> valid_before_watermark(time::Micros watermark, const std::vector<Interval>& stale_closed);

// Ranges a plain rollup table (maintain's, lib/rollup/plain.hpp) holds current numbers for: its
// buckets of WIDTH that end by WATERMARK, except those holding one of the PENDING hours (hour
// starts waiting in agent_events_rollup_log). Sorted, disjoint.
std::vector<Interval> valid_plain(time::Micros watermark, std::chrono::microseconds width,
                                  const std::vector<time::Micros>& pending);

// A part of the range and where its rows come from.
struct Segment
{
    std::string rollup; // the rollup relation; empty: raw agent_events
    Interval range;
    bool continuous_aggregate = false; // the rollup is one (for messages)
    bool operator==(const Segment&) const = default;
};

// Splits RANGE (whole buckets of BUCKET) into segments: each rollup whose width divides BUCKET is
// used where it is valid, for whole rollup buckets, the one with the fewest rows per day first
// (daily, then the 5-minute totals, then hourly: a grouped rollup is taken to hold ~24 rows per
// bucket); the rest is raw. Adjacent raw pieces are merged. ROLLUPS may be
// empty (then one raw segment). The caller leaves out ungrouped rollups where a query groups or
// filters by a key.
std::vector<Segment> plan_segments(Interval range, std::chrono::microseconds bucket, const std::vector<Rollup>& rollups);

// T rounded down / up to a multiple of WIDTH counted from ORIGIN.
time::Micros floor_to(time::Micros t, std::chrono::microseconds width, time::Micros origin = 0);
time::Micros ceil_to(time::Micros t, std::chrono::microseconds width, time::Micros origin = 0);

// TimescaleDB's default time_bucket origin (Monday 2000-01-03 00:00 UTC), also date_bin's here,
// so weeks start on Mondays and every bucket of whole hours or days falls on hour or day bounds.
inline constexpr time::Micros k_bucket_origin = 946'857'600'000'000;

} // namespace devlog::query
