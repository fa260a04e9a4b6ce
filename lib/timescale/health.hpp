#pragma once
// The TimescaleDB part of `devlogctl status`: the extension, hypertables, jobs, aggregate
// freshness and the compression backlog. The rules are pure functions (unit-tested); the check
// reads the state and applies them.

#include "lib/status/status.hpp"
#include "lib/timescale/jobs.hpp"
#include "lib/timescale/state.hpp"

#include <memory>
#include <optional>

namespace devlog::timescale {

// The check `status` runs for TimescaleDB.
std::unique_ptr<status::Check> make_timescale_check();

// The extension: not on the server or not created here (info), not preloaded (problem, naming
// the setting), older than the server's newest (warning: ALTER EXTENSION ... UPDATE).
status::Item extension_item(const Capabilities& caps);

// RUN failed the way every scheduled job fails on PostgreSQL 15.20 with TimescaleDB 2.28.3: the
// work done, then "cannot drop portal "" while it is being set up" (SQLSTATE 24000).
bool is_portal_failure(const JobRun& run);

// A job at NOW: a problem when its last run (the scheduler's or devlogctl's, whichever is newer)
// failed, or when it has not started one schedule interval (at least 5 minutes) after its next
// start; the portal failure gets its own explanation and ways out.
status::Item job_item(const Job& job, const Capabilities& caps, time::Micros now);

// A continuous aggregate of WIDTH at NOW: stale (a problem) when raw rows older than its refresh
// window's end plus one bucket plus two refresh intervals are not materialized. nullopt for a
// relation that is no continuous aggregate (a plain-PostgreSQL rollup has its own check).
std::optional<status::Item> aggregate_item(const AggregateState& a, microseconds width, time::Micros now);

// The compression backlog of TABLE (chunks from ReadChunks::yes) at NOW: a problem when chunks
// that ended before now - compress_after - the schedule interval of the policy (POLICY, its job)
// are not compressed; only a warning while a new policy has not had its first run. nullopt when
// the table has no compression policy.
std::optional<status::Item> backlog_item(const TableState& table, const Job* policy, time::Micros now);

} // namespace devlog::timescale
