#include "lib/timescale/health.hpp"

#include <doctest/doctest.h>

using namespace devlog;
using namespace devlog::timescale;
using status::Health;

namespace {

constexpr time::Micros k_now = 1'767'225'600'000'000; // 2026-01-01T00:00:00Z
constexpr std::int64_t k_minute = 60'000'000;

Capabilities caps()
{
    Capabilities c;
    c.server_version = "15.20";
    c.installed = Version::parse("2.28.3");
    c.available = c.installed;
    c.shared_preload_libraries = "timescaledb";
    return c;
}

Job policy()
{
    Job j;
    j.id = 1000;
    j.name = "Columnstore Policy [1000]";
    j.target = "public.agent_events";
    j.schedule = {"12:00:00", std::chrono::hours(12)};
    j.job_status = "Scheduled";
    j.next_start = k_now + 60 * k_minute;
    return j;
}

} // namespace

TEST_CASE("job_item")
{
    SUBCASE("never ran, scheduled: ok")
    {
        const auto item = job_item(policy(), caps(), k_now);
        CHECK(item.health == Health::ok);
        CHECK(item.subject == "job 1000");
        CHECK(item.detail == "Columnstore Policy [1000] on public.agent_events: every 12 hours, never ran, next "
                             "2026-01-01T01:00:00Z");
    }
    SUBCASE("the last run failed")
    {
        Job j = policy();
        j.scheduler_run = JobRun{k_now - 10 * k_minute, k_now - 9 * k_minute, false, "P0001", "boom 1000", false};
        j.total_runs = 4;
        j.total_failures = 1;
        const auto item = job_item(j, caps(), k_now);
        CHECK(item.health == Health::problem);
        CHECK(item.reason ==
              "job 1000 (Columnstore Policy [1000] on public.agent_events) failed at 2025-12-31T23:50:00Z: "
              "boom 1000 (SQLSTATE P0001)");
        CHECK(item.hint == "fix the cause, then run it: devlogctl timescale jobs run 1000");
        CHECK(item.detail.find("1 of 4 scheduled runs failed") != std::string::npos);

        SUBCASE("a later successful run by devlogctl makes it healthy")
        {
            j.devlogctl_run = JobRun{k_now - 5 * k_minute, k_now - 5 * k_minute, true, "", "", true};
            const auto fixed = job_item(j, caps(), k_now);
            CHECK(fixed.health == Health::ok);
            CHECK(fixed.detail.find("last run 2025-12-31T23:55:00Z succeeded (devlogctl jobs run)") !=
                  std::string::npos);
        }
    }
    SUBCASE("the PostgreSQL 15.20 x TimescaleDB 2.28.3 portal failure has its own explanation")
    {
        Job j = policy();
        j.scheduler_run = JobRun{k_now - 10 * k_minute,
                                 k_now - 9 * k_minute,
                                 false,
                                 "24000",
                                 "cannot drop portal \"\" while it is being set up",
                                 false};
        CHECK(is_portal_failure(*j.scheduler_run));
        const auto item = job_item(j, caps(), k_now);
        CHECK(item.health == Health::problem);
        CHECK(
            item.reason ==
            "job 1000 (Columnstore Policy [1000] on public.agent_events): scheduled runs end Failed with 'cannot drop "
            "portal \"\" while it is being set up' (SQLSTATE 24000), the known clash of TimescaleDB 2.28.3 with "
            "PostgreSQL 15.20 (15.20 and later): the job does its work, then its background worker fails, and failed "
            "jobs are retried only after a backoff");
        CHECK(item.hint.find("devlogctl timescale jobs run --due") != std::string::npos);
        CHECK(item.hint.find("devlogctl timescale jobs pause") != std::string::npos);
    }
    SUBCASE("overdue")
    {
        Job j = policy();
        j.next_start = k_now - 13 * 60 * k_minute; // more than one 12 h interval late
        const auto item = job_item(j, caps(), k_now);
        CHECK(item.health == Health::problem);
        CHECK(item.reason == "job 1000 (Columnstore Policy [1000] on public.agent_events) is overdue: it was due at "
                             "2025-12-31T11:00:00Z, 13 h ago");
        j.next_start = k_now - 11 * 60 * k_minute;
        CHECK(job_item(j, caps(), k_now).health == Health::ok);
        j.next_start = k_now - 13 * 60 * k_minute;
        j.job_status = "Running";
        CHECK(job_item(j, caps(), k_now).health == Health::ok);
    }
    SUBCASE("paused: info, and overdue when nothing runs it")
    {
        Job j = policy();
        j.scheduled = false;
        CHECK(job_item(j, caps(), k_now).health == Health::info);
        j.next_start = k_now - 24 * 60 * k_minute;
        const auto item = job_item(j, caps(), k_now);
        CHECK(item.health == Health::problem);
        CHECK(item.reason.ends_with("24 h ago, and it is paused"));
        CHECK(item.hint == "resume it (devlogctl timescale jobs resume 1000) or run due jobs from cron (devlogctl "
                           "timescale jobs run --due)");
    }
}

TEST_CASE("aggregate_item")
{
    AggregateState a;
    a.name = "agent_events_hourly";
    a.exists = a.continuous = true;
    a.policy_job = 1003;
    a.schedule = Interval{"00:10:00", std::chrono::minutes(10)};
    a.start_offset = Interval{"1 day", std::chrono::hours(24)};
    a.end_offset = Interval{"01:00:00", std::chrono::hours(1)};
    a.watermark = k_now - 120 * k_minute;
    const auto width = std::chrono::hours(1);

    CHECK(aggregate_item(a, width, k_now)->health == Health::ok);
    a.first_unmaterialized = k_now - 110 * k_minute; // within end offset + bucket + two intervals (140 min)
    CHECK(aggregate_item(a, width, k_now)->health == Health::ok);
    a.first_unmaterialized = k_now - 150 * k_minute;
    auto item = aggregate_item(a, width, k_now);
    CHECK(item->health == Health::problem);
    CHECK(item->reason == "agent_events_hourly is stale: rows from 2025-12-31T21:30:00Z on (2 h ago) are not "
                          "materialized, it ends at 2025-12-31T22:00:00Z");
    CHECK(item->hint ==
          "refresh it: devlogctl timescale aggregates refresh; check that its refresh policy, job 1003, runs");
    a.first_unmaterialized = k_now - 48 * 60 * k_minute;
    a.watermark.reset();
    item = aggregate_item(a, width, k_now);
    CHECK(item->reason.ends_with("are not materialized, it is empty"));
    CHECK(item->hint.find("never reaches them") != std::string::npos);

    a.continuous = false; // a plain-PostgreSQL rollup: not this check's business
    CHECK_FALSE(aggregate_item(a, width, k_now).has_value());
}

TEST_CASE("backlog_item")
{
    TableState t;
    t.schema = "public";
    t.name = "agent_events";
    t.hypertable = t.compression_enabled = true;
    t.compression_job = 1000;
    t.compress_after = Interval{"7 days", std::chrono::hours(24 * 7)};
    const time::Micros day = 24 * 60 * k_minute;
    for (int i = 10; i >= 1; --i) {
        t.chunk_list.push_back({"c", k_now - i * day, k_now - (i - 1) * day, false, false});
    }
    t.chunks = 10;
    Job job = policy();
    job.scheduler_run = JobRun{k_now - 60 * k_minute, k_now - 60 * k_minute, true, "", "", false};
    // Chunks that ended before now - 7 days - 12 hours: those ending 8 and 9 days ago.
    auto item = backlog_item(t, &job, k_now);
    REQUIRE(item);
    CHECK(item->health == Health::problem);
    CHECK(item->reason == "compression backlog on agent_events: 2 chunks older than compress-after (7 days) plus the "
                          "policy's interval are not compressed, the oldest from 2025-12-22T00:00:00Z");
    CHECK(item->subject == "public.agent_events");

    job.scheduler_run.reset(); // a new policy that has not run yet
    CHECK(backlog_item(t, &job, k_now)->health == Health::warning);

    job.scheduler_run = JobRun{k_now - 60 * k_minute, k_now - 60 * k_minute, true, "", "", false};
    t.chunk_list[0].compressed = t.chunk_list[1].compressed = true;
    t.compressed_chunks = 2;
    item = backlog_item(t, &job, k_now);
    CHECK(item->health == Health::ok);
    CHECK(item->detail == "2 of 10 chunks compressed, compress after 7 days (job 1000)");

    t.compression_job.reset();
    CHECK_FALSE(backlog_item(t, nullptr, k_now).has_value());
}

TEST_CASE("extension_item")
{
    Capabilities c = caps();
    CHECK(extension_item(c).health == Health::ok);
    c.installed = Version::parse("2.17.2");
    CHECK(extension_item(c).health == Health::warning);
    CHECK(extension_item(c).reason ==
          "TimescaleDB 2.28.3 is installed on the server but this database still uses 2.17.2");
    c.shared_preload_libraries.clear();
    const auto item = extension_item(c);
    CHECK(item.health == Health::problem);
    CHECK(item.hint == "set shared_preload_libraries = 'timescaledb' in postgresql.conf (or run ALTER SYSTEM SET "
                       "shared_preload_libraries = 'timescaledb' as a superuser) and restart PostgreSQL");
    Capabilities none;
    CHECK(extension_item(none).health == Health::info);
}

TEST_CASE("aggregate_item: late events older than the refresh window")
{
    AggregateState a;
    a.name = "agent_events_daily";
    a.exists = a.continuous = true;
    a.policy_job = 1004;
    a.schedule = Interval{"01:00:00", std::chrono::hours(1)};
    a.start_offset = Interval{"3 days", std::chrono::hours(72)};
    a.end_offset = Interval{"01:00:00", std::chrono::hours(1)};
    a.watermark = k_now;
    a.first_late = k_now - 2 * 24 * 60 * k_minute; // the policy reaches it
    CHECK(aggregate_item(a, std::chrono::hours(24), k_now)->health == Health::ok);
    a.first_late = k_now - 5 * 24 * 60 * k_minute;
    const auto item = aggregate_item(a, std::chrono::hours(24), k_now);
    CHECK(item->health == Health::problem);
    CHECK(item->reason == "agent_events_daily is stale: rows from 2025-12-27T00:00:00Z on changed after they were "
                          "materialized (late events), older than its refresh window, which never reaches them");
    CHECK(item->hint == "refresh it: devlogctl timescale aggregates refresh --from 2025-12-27T00:00:00Z");
}
