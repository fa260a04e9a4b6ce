#include "lib/core/errors.hpp"
#include "lib/migrate/migrator.hpp"
#include "pg_fixture.hpp"

#include <doctest/doctest.h>
#include <pqxx/pqxx>

using namespace devlog;
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
