// Runner::stream: rows reach the caller while the statement still runs, a consumer that fails
// cancels the statement and leaves the connection usable, and the statement is planned as a plain
// one (parallel workers allowed, unlike a cursor's).
#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/runner.hpp"
#include "pg_fixture.hpp"

#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include <chrono>
#include <csignal>
#include <stdexcept>

using namespace devlog;
using devlog::test::scalar;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

TEST_CASE("Runner::stream hands rows over as the server sends them")
{
    test::TempDatabase tdb;
    auto db = tdb.open();
    db::Runner runner(db);
    // Rows larger than the server's 8 kB output buffer go out as they are made (row 1 whole once row
    // 2 follows it); the third comes 2 s later.
    const std::string sql = "SELECT g, repeat('x', 10000) AS pad, CASE WHEN g = 3 THEN pg_sleep(2) END "
                            "FROM generate_series(1, $1::int) g";
    const auto started = Clock::now();
    std::vector<Clock::duration> arrived;
    std::vector<std::string> values;
    int waits = 0;
    const auto rows = runner.stream(
        sql, {"stream.sql"}, {"3"},
        [&](const db::Result& r) {
            REQUIRE(r.rows() == 1);
            arrived.push_back(Clock::now() - started);
            values.push_back(r.get(0, 0).value_or("?"));
        },
        [&] { ++waits; });
    CHECK(rows == 3);
    CHECK(values == std::vector<std::string>{"1", "2", "3"});
    REQUIRE(arrived.size() == 3);
    CHECK(arrived[0] < 1s); // before the statement ended
    CHECK(arrived[2] >= 2s);
    CHECK(waits >= 1); // told before waiting for the slow row
}

TEST_CASE("Runner::stream: no rows, and errors as exec")
{
    test::TempDatabase tdb;
    auto db = tdb.open();
    db::Runner runner(db);
    int seen = 0;
    CHECK(runner.stream("SELECT 1 WHERE false", {}, {}, [&](const db::Result&) { ++seen; }) == 0);
    CHECK(seen == 0);
    CHECK_THROWS_WITH_AS(runner.stream("SELECT 1 / $1::int", {"q"}, {"0"}, [&](const db::Result&) { ++seen; }),
                         "q: division by zero (SQLSTATE 22012)", SqlError);
    CHECK(runner.exec("SELECT 2").get(0, 0) == "2");
}

TEST_CASE("Runner::stream: a consumer that throws cancels the statement")
{
    test::TempDatabase tdb;
    auto watcher = tdb.raw();
    auto db = tdb.open();
    db::Runner runner(db);
    // Row 1 goes out whole once row 2 pushes it out of the server's buffer; row 3 takes 30 s.
    const std::string sql =
        "SELECT g, repeat('x', 10000), CASE WHEN g = 3 THEN pg_sleep(30) END FROM generate_series(1, 3) g";
    const auto started = Clock::now();
    SUBCASE("outside a transaction")
    {
        CHECK_THROWS_WITH_AS(
            runner.stream(sql, {}, {}, [](const db::Result&) { throw std::runtime_error("reader gone"); }),
            "reader gone", std::runtime_error);
    }
    SUBCASE("inside one: rolled back")
    {
        CHECK_THROWS_AS(runner.transaction([&] {
            runner.exec("CREATE TABLE t (id int)");
            runner.stream(sql, {}, {}, [](const db::Result&) { throw std::runtime_error("reader gone"); });
        }),
                        std::runtime_error);
        CHECK(runner.exec("SELECT to_regclass('t') IS NULL").get(0, 0) == "t");
    }
    CHECK(Clock::now() - started < 10s); // the 30 s sleep was cancelled
    CHECK(runner.exec("SELECT 2").get(0, 0) == "2");
    CHECK(scalar(*watcher, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND state = "
                           "'active' AND pid <> pg_backend_pid()") == "0");
}

TEST_CASE("Runner::stream: a signal while rows pour in stops them and cancels the statement")
{
    test::TempDatabase tdb;
    auto db = tdb.open();
    db::Runner runner(db);
    interrupt::reset_for_tests();
    std::uint64_t seen = 0;
    CHECK_THROWS_WITH_AS(runner.stream("SELECT g FROM generate_series(1, 10000000) g", {"rows.sql"}, {},
                                       [&](const db::Result&) {
                                           if (++seen == 10) {
                                               interrupt::simulate(SIGINT);
                                           }
                                       }),
                         doctest::Contains("interrupted by SIGINT"), Interrupted);
    interrupt::reset_for_tests();
    CHECK(seen == 10);
    CHECK(runner.exec("SELECT 2").get(0, 0) == "2");
}

TEST_CASE("Runner::stream runs the statement as a plain one: parallel workers allowed")
{
    test::TempDatabase tdb;
    auto watcher = tdb.raw();
    auto db = tdb.open();
    db::Runner runner(db);
    // force_parallel_mode puts a worker under every plan that may have one: a plain statement's, never
    // a cursor's. While the first row is in our hands, the worker still has 20 MB to send.
    runner.exec("SET force_parallel_mode = on");
    std::string workers;
    std::uint64_t rows = runner.stream("SELECT g, repeat('x', 10000) FROM generate_series(1, $1::int) g", {}, {"2000"},
                                       [&](const db::Result&) {
                                           if (workers.empty()) {
                                               workers = scalar(*watcher, "SELECT count(*) FROM pg_stat_activity "
                                                                          "WHERE leader_pid = " +
                                                                              std::to_string(db.backend_pid()));
                                           }
                                       });
    CHECK(rows == 2000);
    CHECK(workers == "1");
}
