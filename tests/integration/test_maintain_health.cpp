#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/core/reporter.hpp"
#include "lib/db/runner.hpp"
#include "lib/maintain/health.hpp"
#include "lib/maintain/maintain.hpp"
#include "lib/migrate/migrator.hpp"
#include "lib/partition/setup.hpp"
#include "pg_fixture.hpp"

#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include <csignal>

using namespace devlog;
using devlog::test::scalar;

namespace {

void exec(pqxx::connection& c, const std::string& sql)
{
    pqxx::nontransaction tx(c);
    tx.exec(sql);
}

std::vector<std::string> checks(const std::vector<maintain::Problem>& problems)
{
    std::vector<std::string> out;
    for (const auto& p : problems) {
        out.push_back(p.check + " " + p.object);
    }
    return out;
}

} // namespace

TEST_CASE("maintain::plain_health")
{
    test::TempDatabase tdb;
    auto db = tdb.open();
    migrate::Migrator(db, migrate::embedded_migrations(), {}).up({}, migrate::DryRun::no);
    auto c = tdb.raw();
    exec(*c, "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) VALUES ('p', 'o/p', 'u', 'o', 'p')");
    exec(*c, "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id) "
             "SELECT now() - g * interval '1 hour', 'tool_use', 'codex', '1', gen_random_uuid(), 1 FROM generate_series(1, 50) g");
    NullReporter quiet;
    db::Runner runner(db);

    SUBCASE("an unpartitioned database without rollups: nothing but the seed-004 tables to check")
    {
        // performance_metrics has only its default partition until maintain runs.
        CHECK(checks(maintain::plain_health(runner)) ==
              std::vector<std::string>{"future partitions performance_metrics", "future partitions connection_pool_stats"});
    }
    SUBCASE("after partition setup and maintain: healthy; then each problem is found")
    {
        partition::SetupOptions setup;
        setup.ahead = 3;
        partition::setup(runner, quiet, setup);
        maintain::Options options;
        REQUIRE_FALSE(maintain::run(runner, quiet, options, nullptr).failed());
        CHECK(maintain::plain_health(runner).empty());

        const std::string tomorrow = scalar(*c, "SELECT 'agent_events_p' || to_char(now() AT TIME ZONE 'UTC' + interval '1 day', 'YYYYMMDD')");
        exec(*c, "ALTER TABLE agent_events DETACH PARTITION " + tomorrow + "; DROP TABLE " + tomorrow);
        exec(*c, "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, project_id) "
                 "VALUES ('2001-02-03T04:05:06Z', 'tool_use', 'codex', '1', gen_random_uuid(), 1)");
        exec(*c, "UPDATE agent_events_rollup_state SET watermark = now() - interval '3 hours'");
        const auto problems = maintain::plain_health(runner);
        CHECK(checks(problems) == std::vector<std::string>{"future partitions agent_events", "default partition agent_events_default",
                                                           "stale rollups agent_events_hourly"});
        const std::string day = scalar(*c, "SELECT to_char(now() AT TIME ZONE 'UTC' + interval '1 day', 'YYYY-MM-DD')");
        CHECK(problems[0].message == "agent_events has no partition for " + day + ": its rows land in the default partition");
        CHECK(problems[1].message ==
              "agent_events_default holds 1 rows (2001-02-03T04:05:06.000000Z .. 2001-02-03T04:05:06.000000Z)");
        CHECK(problems[2].message.starts_with("the rollups were last refreshed 3 hours ago"));

        // maintain repairs all three.
        REQUIRE_FALSE(maintain::run(runner, quiet, options, nullptr).failed());
        CHECK(checks(maintain::plain_health(runner)) == std::vector<std::string>{});
    }
    SUBCASE("an unfinished partition setup")
    {
        partition::SetupOptions setup;
        setup.batch_rows = 1;
        interrupt::reset_for_tests();
        // Interrupted right after the first batch: the copy stops there.
        struct StopAfterFirst final : Reporter
        {
            void begin(const Progress&) override {}
            void end(const Progress&, TaskEnd) override {}
            void notice(Level, std::string_view) override {}
            void update(const Progress& p) override
            {
                if (p.done > 0) {
                    interrupt::simulate(SIGINT);
                }
            }
        } stopper;
        CHECK_THROWS_AS(partition::setup(runner, stopper, setup), Interrupted);
        interrupt::reset_for_tests();
        CHECK(checks(maintain::plain_health(runner)) ==
              std::vector<std::string>{"future partitions performance_metrics", "future partitions connection_pool_stats",
                                       "partition setup agent_events_partition_setup"});
    }
}
