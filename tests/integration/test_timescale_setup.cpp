// timescale::setup against the TimescaleDB test server, 2.17.2 and 2.28.3, while a collector
// writes into agent_events: DDL waits for its lock at most lock_timeout per attempt, so other
// writers are never stuck behind setup for long; a step that cannot get its lock fails alone
// (earlier steps stay, later ones are not run) and running setup again finishes the job; Ctrl-C
// while waiting cancels and changes nothing.
#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/migrate/migrator.hpp"
#include "lib/timescale/setup.hpp"
#include "pg_fixture.hpp"

#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include <csignal>
#include <future>
#include <thread>

using namespace devlog;
using devlog::test::scalar;
using namespace std::chrono_literals;

namespace {

const char* const k_insert = "INSERT INTO agent_events (timestamp, event_type, agent_id, agent_version, session_id, "
                             "project_id) VALUES (now() - interval '2 days', 'tool_use', 'collector', '1', "
                             "gen_random_uuid(), 1)";

void migrate_up(const test::TimescaleDatabase& tdb)
{
    auto db = tdb.open();
    migrate::Migrator(db, migrate::embedded_migrations()).up({}, migrate::DryRun::no);
    auto c = tdb.raw();
    pqxx::nontransaction tx(*c);
    tx.exec(
        "INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) VALUES ('p', 'o/p', 'u', 'o', 'p')");
    tx.exec(k_insert);
}

// A collector in the middle of a transaction that wrote a row: it holds agent_events' lock.
struct Collector
{
    explicit Collector(const test::TimescaleDatabase& tdb) : conn(tdb.raw()), tx(std::make_unique<pqxx::work>(*conn))
    {
        tx->exec(k_insert);
    }
    void commit() { tx->commit(); }
    std::unique_ptr<pqxx::connection> conn;
    std::unique_ptr<pqxx::work> tx;
};

timescale::RunOptions quick()
{
    timescale::RunOptions o;
    o.ddl_lock_timeout = 300ms;
    o.ddl_retries = 1;
    return o;
}

std::vector<std::string> results(const timescale::Result& r)
{
    std::vector<std::string> out;
    for (std::size_t i = 0; i < r.steps.size(); ++i) {
        out.push_back(r.steps[i].step.name + ": " +
                      (r.failed == i ? std::string("failed") : timescale::to_string(r.steps[i].step.outcome)));
    }
    return out;
}

} // namespace

TEST_CASE("timescale::setup with a collector writing")
{
    for (const char* version : {"2.17.2", "2.28.3"}) {
        CAPTURE(version);
        test::TimescaleDatabase tdb(version);
        migrate_up(tdb);
        const std::string word = std::string(version) == "2.17.2" ? "compression" : "columnstore";
        auto db = tdb.open();

        // The hypertable first; then compression cannot get its lock while the collector writes.
        timescale::setup(db, {}, timescale::part_extension | timescale::part_hypertable, quick());
        auto check = tdb.raw();
        REQUIRE(scalar(*check, "SELECT count(*) FROM timescaledb_information.hypertables") == "1");
        auto collector = std::make_unique<Collector>(tdb);

        // Meanwhile another writer gets through within about one lock_timeout, not after the collector.
        auto writer = std::async(std::launch::async, [&] {
            std::this_thread::sleep_for(100ms); // setup is waiting by then
            auto c = tdb.raw();
            const auto start = std::chrono::steady_clock::now();
            pqxx::nontransaction(*c).exec(k_insert);
            return std::chrono::steady_clock::now() - start;
        });
        const auto failed = timescale::setup(db, {}, timescale::part_all, quick());
        CHECK(writer.get() < 1500ms);
        REQUIRE(failed.failed.has_value());
        CHECK(results(failed) == std::vector<std::string>{"extension: already in place", "hypertable: already in place",
                                                          word + ": failed"});
        CHECK(failed.not_run.size() == 12);
        try {
            std::rethrow_exception(failed.error);
        } catch (const LockTimeout& e) {
            INFO(std::string(e.what()));
            CHECK(std::string(e.what()).starts_with("step '" + word +
                                                    "': could not get a lock within 300 ms in 2 "
                                                    "attempts; blocked by pid "));
        }
        // Nothing of the failed step or after it happened.
        CHECK(scalar(*check, "SELECT compression_enabled FROM timescaledb_information.hypertables") == "f");
        CHECK(scalar(*check, "SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000") == "0");
        CHECK(scalar(*check, "SELECT count(*) FROM timescaledb_information.continuous_aggregates") == "0");

        // Ctrl-C while waiting for the lock: cancelled, nothing changed.
        interrupt::reset_for_tests();
        auto options = quick();
        options.ddl_lock_timeout = 10s;
        auto signal = std::async(std::launch::async, [] {
            std::this_thread::sleep_for(300ms);
            interrupt::simulate(SIGINT);
        });
        const auto interrupted = timescale::setup(db, {}, timescale::part_all, options);
        REQUIRE(interrupted.failed.has_value());
        CHECK(interrupted.steps.at(*interrupted.failed).step.name == word);
        CHECK_THROWS_AS(std::rethrow_exception(interrupted.error), Interrupted);
        signal.get();
        interrupt::reset_for_tests();
        CHECK(scalar(*check, "SELECT compression_enabled FROM timescaledb_information.hypertables") == "f");

        // The collector commits: running setup again finishes the job, every row kept.
        collector->commit();
        collector.reset();
        auto again_db = tdb.open(); // the interrupted session is not reused
        const auto done = timescale::setup(again_db, {}, timescale::part_all, quick());
        CHECK_FALSE(done.error);
        CHECK(results(done) ==
              std::vector<std::string>{
                  "extension: already in place", "hypertable: already in place", word + ": applied",
                  word + " policy: applied", "retention policy: applied", "reorder policy: applied",
                  "aggregate agent_events_hourly: applied", "aggregate agent_events_daily: applied",
                  "aggregate agent_events_totals_5m: applied", "refresh policy agent_events_hourly: applied",
                  "refresh policy agent_events_daily: applied", "refresh policy agent_events_totals_5m: applied",
                  "materialize agent_events_hourly: applied", "materialize agent_events_daily: applied",
                  "materialize agent_events_totals_5m: applied"});
        CHECK(scalar(*check, "SELECT count(*) FROM agent_events") == "3");
        CHECK(scalar(*check, "SELECT sum(event_count) FROM agent_events_hourly") == "3");
    }
}
