#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/runner.hpp"
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


// Polls SQL on C until it returns "t" or 10 s pass.
bool eventually(pqxx::connection& c, const std::string& sql)
{
    for (int i = 0; i < 200; ++i) {
        if (scalar(c, sql) == "t") {
            return true;
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

} // namespace

TEST_CASE("Runner errors")
{
    test::TempDatabase tdb;
    auto db = tdb.open();
    db::Runner runner(db);

    SUBCASE("the error names the line of the failing token inside a multi-line statement")
    {
        CHECK_THROWS_WITH_AS(runner.exec("SELECT 1,\n  2,\n  nosuchcol", {"f.sql", 10}),
                             "f.sql:12: column \"nosuchcol\" does not exist (SQLSTATE 42703)", SqlError);
    }
    SUBCASE("the server's hint and detail are kept")
    {
        try {
            runner.exec("SELECT no_such_function(1)", {"f.sql", 3});
            FAIL("expected an error");
        } catch (const SqlError& e) {
            CHECK(e.sqlstate() == "42883");
            CHECK(std::string(e.hint()).find("No function matches") != std::string::npos);
            CHECK(e.detail().find("statement: SELECT no_such_function(1)") != std::string::npos);
        }
    }
    SUBCASE("deadlocks and serialization failures are retryable, with file, line and SQLSTATE")
    {
        CHECK_THROWS_WITH_AS(
            runner.exec("DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '40P01'; END $$", {"g.sql", 3}),
            "g.sql:3: boom (SQLSTATE 40P01)", RetryableError);
        CHECK_THROWS_AS(runner.exec("DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '40001'; END $$"),
                        RetryableError);
    }
    SUBCASE("a statement that ends the transaction it runs in is reported truthfully")
    {
        CHECK_THROWS_WITH_AS(runner.transaction([&] {
            runner.exec("CREATE TABLE kept (id int)");
            runner.exec("COMMIT", {"h.sql", 2});
        }),
                             "h.sql:2: this statement (COMMIT) ended the transaction it was to run in: what ran before "
                             "it in that transaction is committed",
                             Error);
        auto raw = tdb.raw();
        CHECK(scalar(*raw, "SELECT to_regclass('kept') IS NOT NULL") == "t");
        CHECK_FALSE(runner.in_transaction());
        CHECK(runner.exec("SELECT 1").get(0, 0) == "1"); // the connection is usable
    }
}

TEST_CASE("Runner::copy_in")
{
    test::TempDatabase tdb;
    auto db = tdb.open();
    db::Runner runner(db);
    runner.exec("CREATE TABLE t (a int, b text)");
    const auto result = runner.copy_in("COPY t FROM STDIN", "1\tx\n2\t\\N\n");
    CHECK(result.affected() == 2);
    auto raw = tdb.raw();
    CHECK(scalar(*raw, "SELECT string_agg(a || ':' || coalesce(b, 'null'), ',' ORDER BY a) FROM t") == "1:x,2:null");
    CHECK_THROWS_WITH_AS(runner.copy_in("COPY t FROM STDIN", "3\tx\nnot-a-number\ty\n", {"d.sql", 1}),
                         "d.sql:1: invalid input syntax for type integer: \"not-a-number\" (SQLSTATE 22P02)", SqlError);
    CHECK(scalar(*raw, "SELECT count(*) FROM t") == "2");
    CHECK_THROWS_AS(runner.exec("COPY t FROM STDIN"), SqlError); // no data to give
}

TEST_CASE("Runner transaction")
{
    test::TempDatabase tdb;
    auto db = tdb.open();
    db::Runner runner(db);
    runner.exec("CREATE TABLE t (id int)");
    CHECK_THROWS_AS(runner.transaction([&] {
        runner.exec("INSERT INTO t VALUES (1)");
        runner.exec("INSERT INTO t VALUES ('x')");
    }),
                    SqlError);
    CHECK(runner.transaction([&] { return runner.exec("SELECT count(*) FROM t").get(0, 0); }) == "0");
    runner.transaction([&] { runner.exec("INSERT INTO t VALUES ($1)", {}, {"7"}); });
    CHECK(runner.exec("SELECT sum(id) FROM t").get(0, 0) == "7");
}

TEST_CASE("Runner cancels the server-side statement on SIGINT")
{
    test::TempDatabase tdb;
    auto watcher = tdb.raw();
    interrupt::reset_for_tests();
    auto result = std::async(std::launch::async, [&] {
        auto db = tdb.open();
        db::Runner runner(db);
        try {
            runner.exec("SELECT pg_sleep(30)", {"slow.sql", 4});
            return std::string("finished");
        } catch (const Interrupted& e) {
            return std::string(e.what());
        }
    });
    REQUIRE(eventually(*watcher, "SELECT count(*) = 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' "
                                 "AND state = 'active'"));
    const auto sent = std::chrono::steady_clock::now();
    interrupt::simulate(SIGINT);
    REQUIRE(result.wait_for(10s) == std::future_status::ready);
    CHECK(std::chrono::steady_clock::now() - sent < 5s);
    CHECK(result.get() == "slow.sql:4: interrupted by SIGINT: the statement was cancelled on the server");
    CHECK(scalar(*watcher, "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = "
                           "'active'") == "0");
    interrupt::reset_for_tests();
}

TEST_CASE("Runner lock_timeout")
{
    test::TempDatabase tdb;
    {
        auto raw = tdb.raw();
        pqxx::nontransaction tx(*raw);
        tx.exec("CREATE TABLE t (id int)");
    }
    auto holder = tdb.raw();
    auto holding = std::make_unique<pqxx::work>(*holder);
    holding->exec("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
    const int holder_pid = holder->backendpid();

    auto db = tdb.open();
    db::RunnerOptions options;
    options.lock_timeout = 300ms;
    options.lock_retries = 1;
    options.retry_backoff = 10ms;
    std::vector<int> attempts;
    std::string blocker_seen;
    options.on_lock_retry = [&](int attempt, const std::string& blocker, std::chrono::milliseconds) {
        attempts.push_back(attempt);
        blocker_seen = blocker;
    };

    SUBCASE("outside a transaction a statement is not retried unless the caller says it is atomic")
    {
        db::Runner runner(db, options);
        try {
            runner.exec("ALTER TABLE t ADD COLUMN c int", {"m.sql", 5});
            FAIL("expected LockTimeout");
        } catch (const LockTimeout& e) {
            CHECK(std::string(e.what()).starts_with("m.sql:5: could not get a lock within 300 ms; blocked by pid " +
                                                    std::to_string(holder_pid)));
        }
        CHECK(attempts.empty());
    }
    SUBCASE("gives up after the retries, naming the session that holds the lock")
    {
        options.retry_outside_transaction = true;
        db::Runner runner(db, options);
        try {
            runner.exec("ALTER TABLE t ADD COLUMN c int", {"m.sql", 5});
            FAIL("expected LockTimeout");
        } catch (const LockTimeout& e) {
            const std::string message = e.what();
            CHECK(message.starts_with("m.sql:5: could not get a lock within 300 ms in 2 attempts; blocked by pid " +
                                      std::to_string(holder_pid) + " (user "));
            CHECK(message.find("idle in transaction for ") != std::string::npos);
            CHECK(message.find("LOCK TABLE") == std::string::npos); // others' SQL only in the detail (-v)
            CHECK(e.detail().find("last ran: LOCK TABLE t IN ACCESS EXCLUSIVE MODE") != std::string::npos);
            CHECK(std::string(e.hint()).find("pg_terminate_backend") != std::string::npos);
        }
        CHECK(attempts == std::vector<int>{2});
        CHECK(blocker_seen.starts_with("pid " + std::to_string(holder_pid)));
        // Our queued lock is gone: nobody waits behind us.
        auto other = tdb.raw();
        CHECK(scalar(*other, "SELECT count(*) FROM pg_locks WHERE NOT granted") == "0");
    }
    SUBCASE("a transaction is retried from the start once the lock is free")
    {
        options.on_lock_retry = [&](int attempt, const std::string&, std::chrono::milliseconds) {
            attempts.push_back(attempt);
            holding->commit(); // the blocker goes away during the backoff
        };
        db::Runner runner(db, options);
        int runs = 0;
        runner.transaction([&] {
            ++runs;
            runner.exec("INSERT INTO t VALUES (1)");
            runner.exec("ALTER TABLE t ADD COLUMN c int");
        });
        CHECK(runs == 2);
        CHECK(attempts == std::vector<int>{2});
        auto raw = tdb.raw();
        CHECK(scalar(*raw, "SELECT count(*) FROM t") == "1"); // the first run's insert was rolled back
    }
}

TEST_CASE("Runner::reset_session")
{
    test::TempDatabase tdb;
    auto db = tdb.open();
    db::RunnerOptions options;
    options.lock_timeout = 1500ms;
    db::Runner runner(db, options);
    CHECK(runner.exec("SHOW lock_timeout").get(0, 0) == "1500ms");
    runner.exec("SELECT pg_advisory_lock(4242)");
    runner.exec("SET search_path = nowhere; SET statement_timeout = 1234; CREATE TEMP TABLE scratch (id int)");
    runner.reset_session();
    CHECK(runner.exec("SHOW search_path").get(0, 0) == "\"$user\", public");
    CHECK(runner.exec("SHOW statement_timeout").get(0, 0) == "0");
    CHECK(runner.exec("SELECT to_regclass('pg_temp.scratch') IS NULL").get(0, 0) == "t");
    CHECK(runner.exec("SHOW lock_timeout").get(0, 0) == "1500ms");
    CHECK(runner.exec("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
              .get(0, 0) == "1");
}
