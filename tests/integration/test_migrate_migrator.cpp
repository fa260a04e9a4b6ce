#include "lib/core/errors.hpp"
#include "lib/migrate/migrator.hpp"
#include "pg_fixture.hpp"

#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include "lib/core/interrupt.hpp"

#include <csignal>
#include <future>
#include <thread>

using namespace devlog;
using devlog::test::scalar;
using namespace devlog::migrate;

namespace {

class Recorder : public Observer
{
public:
    int waits = 0;
    std::vector<std::string> started;
    void waiting_for_lock(std::optional<int>) override { ++waits; }
    void starting(const Step& step) override { started.push_back(step.filename); }
};

bool table_exists(pqxx::connection& c, const std::string& name)
{
    pqxx::nontransaction tx(c);
    return !tx.exec_params1("SELECT to_regclass($1) IS NULL", name)[0].as<bool>();
}

MigratorOptions with(Observer* observer, std::chrono::milliseconds lock_timeout = std::chrono::seconds(5))
{
    MigratorOptions o;
    o.lock_timeout = lock_timeout;
    o.observer = observer;
    return o;
}

UpOptions to(std::optional<std::int64_t> target = std::nullopt)
{
    UpOptions o;
    o.target = target;
    return o;
}

} // namespace

TEST_CASE("Migrator::up")
{
    test::TempDatabase tdb;
    test::MigrationDir dir;
    dir.write("0001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n");
    dir.write("0002_b.sql", "-- migrate:up\nCREATE TABLE b (id int);\n");
    auto db = tdb.open();
    Recorder recorder;
    Migrator migrator(db, load_migrations(dir.path()), with(&recorder));

    SUBCASE("applies in order, then is a no-op")
    {
        auto steps = migrator.up(to(), DryRun::no);
        REQUIRE(steps.size() == 2);
        CHECK(recorder.started == std::vector<std::string>{"0001_a.sql", "0002_b.sql"});
        CHECK(migrator.up(to(), DryRun::no).empty());
        auto report = migrator.status();
        CHECK(report.count(State::applied) == 2);
        CHECK(report.current_version() == 2);
    }
    SUBCASE("--to stops at the target")
    {
        CHECK(migrator.up(to(1), DryRun::no).size() == 1);
        auto raw = tdb.raw();
        CHECK(table_exists(*raw, "a"));
        CHECK_FALSE(table_exists(*raw, "b"));
        CHECK(migrator.status().count(State::pending) == 1);
    }
    SUBCASE("dry run creates nothing, not even the history table")
    {
        auto steps = migrator.up(to(), DryRun::yes);
        CHECK(steps.size() == 2);
        CHECK(steps[0].sql == "CREATE TABLE a (id int);\n");
        auto raw = tdb.raw();
        CHECK_FALSE(table_exists(*raw, "devlogctl.schema_migrations"));
        CHECK_FALSE(table_exists(*raw, "a"));
    }
}

TEST_CASE("Migrator lock")
{
    test::TempDatabase tdb;
    test::MigrationDir dir;
    dir.write("0001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n");
    auto holder = tdb.raw();
    {
        pqxx::nontransaction tx(*holder);
        tx.exec("SELECT pg_advisory_lock(" + std::to_string(0x6465766c6f676d67LL) + ")");
    }
    auto db = tdb.open();
    Recorder recorder;
    Migrator migrator(db, load_migrations(dir.path()), with(&recorder, std::chrono::milliseconds(300)));

    SUBCASE("times out with LockTimeout and changes nothing")
    {
        CHECK_THROWS_AS(migrator.up(to(), DryRun::no), LockTimeout);
        CHECK(recorder.waits == 1);
        CHECK_FALSE(table_exists(*holder, "a"));
    }
    SUBCASE("proceeds once the holder releases the lock")
    {
        holder.reset(); // closing the session releases its advisory lock
        CHECK(migrator.up(to(), DryRun::no).size() == 1);
    }
}

TEST_CASE("Migrator::down")
{
    test::TempDatabase tdb;
    test::MigrationDir dir;
    dir.write("0001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n");
    dir.write("0002_b.sql", "-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n");
    auto db = tdb.open();
    Migrator migrator(db, load_migrations(dir.path()));
    migrator.up(to(), DryRun::no);

    SUBCASE("refuses before changing anything when one migration has no down section")
    {
        CHECK_THROWS_WITH_AS(migrator.down(2, DryRun::no),
                             "0001_a.sql has no down section, so it cannot be reverted; nothing was changed",
                             UsageError);
        CHECK(migrator.status().count(State::applied) == 2);
        auto raw = tdb.raw();
        CHECK(table_exists(*raw, "b"));
    }
    SUBCASE("reverts the newest")
    {
        auto steps = migrator.down(1, DryRun::no);
        REQUIRE(steps.size() == 1);
        CHECK(steps[0].version == 2);
        auto raw = tdb.raw();
        CHECK_FALSE(table_exists(*raw, "b"));
        CHECK(migrator.status().count(State::pending) == 1);
    }
}

TEST_CASE("Migrator::baseline")
{
    test::TempDatabase tdb;
    test::MigrationDir dir;
    dir.write("0001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n");
    dir.write("0002_b.sql", "-- migrate:up\nCREATE TABLE b (id int);\n");
    auto db = tdb.open();
    {
        // The schema of 0001 was created by another tool (e.g. Prisma).
    Migrator checker(db, load_migrations(dir.path()));
    CHECK_THROWS_WITH_AS(checker.baseline(1, DryRun::no),
                         "cannot baseline at 0001: 1 of the 1 tables that migrations up to 0001 create are not in the "
                         "database (a); nothing was recorded",
                         Error);
    CHECK_FALSE(checker.status().history_exists);
        auto raw = tdb.raw();
        pqxx::nontransaction tx(*raw);
        tx.exec("CREATE TABLE a (id int)");
    }
    Migrator migrator(db, load_migrations(dir.path()));

    auto steps = migrator.baseline(1, DryRun::no);
    REQUIRE(steps.size() == 1);
    auto report = migrator.status();
    REQUIRE(report.migrations.size() == 2);
    CHECK(report.migrations[0].state == State::applied);
    CHECK(report.migrations[0].kind == std::optional<std::string>("baseline"));
    CHECK(report.migrations[1].state == State::pending);
    // up now runs only 0002 (0001 would fail: table a exists).
    CHECK(migrator.up(to(), DryRun::no).size() == 1);
    CHECK_THROWS_AS(migrator.baseline(2, DryRun::no), UsageError);
    CHECK_THROWS_AS(migrator.baseline(9, DryRun::no), UsageError);
}

TEST_CASE("Migrator failure is atomic")
{
    test::TempDatabase tdb;
    test::MigrationDir dir;
    dir.write("0001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n"
                            "INSERT INTO a VALUES ('not a number');\n");
    auto db = tdb.open();
    Migrator migrator(db, load_migrations(dir.path()));
    try {
        migrator.up(to(), DryRun::no);
        FAIL("expected an SqlError");
    } catch (const SqlError& e) {
        CHECK(std::string(e.what()) ==
              "0001_a.sql:4: invalid input syntax for type integer: \"not a number\" (SQLSTATE 22P02)");
        CHECK(e.sqlstate() == "22P02");
        CHECK(e.detail() == "statement: INSERT INTO a VALUES ('not a number')");
        CHECK(e.hint() == "0001_a.sql was rolled back: the database is as it was before it");
    }
    auto raw = tdb.raw();
    CHECK_FALSE(table_exists(*raw, "a"));
    // created in the same, rolled back, transaction
    CHECK_FALSE(table_exists(*raw, "devlogctl.schema_migrations"));
}

TEST_CASE("Migrator keeps its history whatever a migration does to the session")
{
    test::TempDatabase tdb;
    test::MigrationDir dir;
    auto db = tdb.open();

    SUBCASE("SET search_path in one migration does not move the next one, nor the history")
    {
        dir.write("0001_a.sql", "-- migrate:up\nCREATE SCHEMA app;\nSET search_path = app, public;\nCREATE TABLE a1 (id int);\n");
        dir.write("0002_b.sql", "-- migrate:up\nCREATE TABLE b2 (id int);\n");
        Migrator migrator(db, load_migrations(dir.path()));
        CHECK(migrator.up(to(), DryRun::no).size() == 2);
        auto raw = tdb.raw();
        CHECK(table_exists(*raw, "app.a1"));
        CHECK(table_exists(*raw, "public.b2"));
        CHECK_FALSE(table_exists(*raw, "app.schema_migrations"));
        CHECK(scalar(*raw, "SELECT count(*) FROM devlogctl.schema_migrations") == "2");
        CHECK(migrator.status().count(State::applied) == 2);
        CHECK(migrator.up(to(), DryRun::no).empty());
    }
    SUBCASE("SET LOCAL search_path, set_config as pg_dump does, and SET ROLE to a role without rights")
    {
        const std::string role = "t_weak_" + std::to_string(::getpid());
        {
            auto raw = tdb.raw();
            pqxx::nontransaction tx(*raw);
            tx.exec("DROP ROLE IF EXISTS " + role);
            tx.exec("CREATE ROLE " + role);
        }
        dir.write("0001_a.sql", "-- migrate:up\nSET LOCAL search_path = '';\nCREATE TABLE public.a (id int);\n");
        dir.write("0002_b.sql", "-- migrate:up\nSELECT pg_catalog.set_config('search_path', '', false);\n"
                                "CREATE TABLE public.b (id int);\n");
        dir.write("0003_c.sql", "-- migrate:up\nGRANT USAGE, CREATE ON SCHEMA public TO " + role + ";\nSET ROLE " +
                                    role + ";\nCREATE TABLE public.c (id int);\n");
        {
            Migrator migrator(db, load_migrations(dir.path()));
            CHECK(migrator.up(to(), DryRun::no).size() == 3);
            CHECK(migrator.status().count(State::applied) == 3);
        }
        auto raw = tdb.raw();
        CHECK(scalar(*raw, "SELECT string_agg(version::text, ',' ORDER BY version) FROM devlogctl.schema_migrations") ==
              "1,2,3");
        pqxx::nontransaction tx(*raw);
        tx.exec("DROP OWNED BY " + role);
        tx.exec("DROP ROLE " + role);
    }
}

TEST_CASE("Migrator and other tools' or older history tables")
{
    test::TempDatabase tdb;
    test::MigrationDir dir;
    dir.write("0001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n");
    dir.write("0002_b.sql", "-- migrate:up\nCREATE TABLE b (id int);\n");
    auto db = tdb.open();
    auto raw = tdb.raw();

    SUBCASE("dbmate's schema_migrations is neither read nor touched")
    {
        {
            pqxx::nontransaction tx(*raw);
            tx.exec("CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY)");
            tx.exec("INSERT INTO schema_migrations VALUES ('20240101000000')");
        }
        Migrator migrator(db, load_migrations(dir.path()));
        CHECK(migrator.status().count(State::pending) == 2);
        CHECK(migrator.up(to(), DryRun::no).size() == 2);
        CHECK(scalar(*raw, "SELECT string_agg(version, ',') FROM public.schema_migrations") == "20240101000000");
        CHECK(scalar(*raw, "SELECT count(*) FROM devlogctl.schema_migrations") == "2");
    }
    SUBCASE("an older devlogctl's history is read, then moved by the next migration")
    {
        const auto files = load_migrations(dir.path());
        {
            pqxx::nontransaction tx(*raw);
            tx.exec("CREATE TABLE a (id int)");
            tx.exec("CREATE TABLE schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, checksum text NOT "
                    "NULL, applied_at timestamptz NOT NULL DEFAULT now(), execution_ms bigint NOT NULL DEFAULT 0, kind "
                    "text NOT NULL DEFAULT 'migrate', success boolean NOT NULL DEFAULT true)");
            tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES (1, 'a', $1)",
                           files[0].checksum);
        }
        class Moved : public Observer
        {
        public:
            std::string from;
            void history_moved(const std::string& f) override { from = f; }
        } moved;
        MigratorOptions options;
        options.observer = &moved;
        Migrator migrator(db, files, options);
        const auto report = migrator.status();
        CHECK(report.migrations[0].state == State::applied);
        CHECK(report.migrations[1].state == State::pending);
        CHECK(migrator.up(to(), DryRun::no).size() == 1);
        CHECK(moved.from == "public.schema_migrations");
        CHECK_FALSE(table_exists(*raw, "public.schema_migrations"));
        CHECK(scalar(*raw, "SELECT string_agg(version || ':' || kind, ',' ORDER BY version) FROM "
                           "devlogctl.schema_migrations") == "1:migrate,2:migrate");
    }
}

TEST_CASE("Migrator transaction:false records how far it got")
{
    test::TempDatabase tdb;
    test::MigrationDir dir;
    dir.write("0001_a.sql", "-- migrate:up transaction:false\nCREATE TABLE x (id int);\nCREATE TABLE y (id int);\n"
                            "CREATE TABLE x (id int);\nCREATE TABLE z (id int);\n");
    auto db = tdb.open();
    Migrator migrator(db, load_migrations(dir.path()));
    try {
        migrator.up(to(), DryRun::no);
        FAIL("expected an SqlError");
    } catch (const SqlError& e) {
        CHECK(std::string(e.what()) == "0001_a.sql:4: relation \"x\" already exists (SQLSTATE 42P07)");
        CHECK(e.hint().starts_with("0001_a.sql runs outside a transaction: its statements before line 4 stay applied. "
                                   "Fix the cause, then run 'devlogctl migrate up --retry-failed'"));
    }
    const auto report = migrator.status();
    CHECK(report.migrations[0].state == State::failed);
    CHECK(report.migrations[0].note == "stopped after 2 of 4 statements (statements 1-2 stay applied): 0001_a.sql:4: "
                                       "relation \"x\" already exists (SQLSTATE 42P07)");
    CHECK_THROWS_AS(migrator.up(to(), DryRun::no), DriftError);
}

TEST_CASE("Migrator interrupted by SIGINT rolls back and releases the lock")
{
    test::TempDatabase tdb;
    test::MigrationDir dir;
    dir.write("0001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\nSELECT pg_sleep(30);\n");
    dir.write("0002_b.sql", "-- migrate:up transaction:false\nCREATE TABLE b (id int);\nSELECT pg_sleep(31);\n");
    auto watcher = tdb.raw();
    interrupt::reset_for_tests();
    const auto interrupt_when = [&](const std::string& query) {
        for (int i = 0; i < 200; ++i) {
            if (scalar(*watcher, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query = '" + query +
                                     "'") == "1") {
                interrupt::simulate(SIGINT);
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return false;
    };
    const auto run_up = [&](std::int64_t target) {
        auto db = tdb.open();
        Migrator migrator(db, load_migrations(dir.path()));
        try {
            migrator.up(to(target), DryRun::no);
            return std::string("finished");
        } catch (const Interrupted& e) {
            return std::string(e.what()) + " | " + e.hint();
        }
    };

    SUBCASE("in a transaction: nothing stays")
    {
        auto result = std::async(std::launch::async, run_up, 1);
        REQUIRE(interrupt_when("SELECT pg_sleep(30)"));
        REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        CHECK(result.get() == "0001_a.sql:3: interrupted by SIGINT: the statement was cancelled on the server | "
                              "0001_a.sql was rolled back: the database is as it was before it");
        CHECK_FALSE(table_exists(*watcher, "a"));
        CHECK(scalar(*watcher, "SELECT pg_try_advisory_lock(" + std::to_string(0x6465766c6f676d67LL) + ")") == "t");
    }
    SUBCASE("outside a transaction: the history says what stayed")
    {
        {
            auto db = tdb.open();
            dir.write("0001_a.sql", "-- migrate:up\nCREATE TABLE a (id int);\n");
            Migrator(db, load_migrations(dir.path())).up(to(1), DryRun::no);
        }
        auto result = std::async(std::launch::async, run_up, 2);
        REQUIRE(interrupt_when("SELECT pg_sleep(31)"));
        REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        CHECK(result.get().starts_with("0002_b.sql:3: interrupted by SIGINT"));
        interrupt::reset_for_tests();
        auto db = tdb.open();
        const auto report = Migrator(db, load_migrations(dir.path())).status();
        CHECK(report.migrations[1].state == State::failed);
        CHECK(report.migrations[1].note == "stopped after 1 of 2 statements (statement 1 stays applied): 0002_b.sql:3: "
                                           "interrupted by SIGINT: the statement was cancelled on the server");
    }
    interrupt::reset_for_tests();
}
