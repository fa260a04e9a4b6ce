#include "lib/core/errors.hpp"
#include "lib/migrate/plan.hpp"

#include <fmt/format.h>

#include <doctest/doctest.h>

using namespace devlog;
using namespace devlog::migrate;

namespace {

Migration file(std::int64_t version, const std::string& name, const std::string& up, const std::string& down = {})
{
    std::string text = "-- migrate:up\n" + up + "\n";
    if (!down.empty()) {
        text += "-- migrate:down\n" + down + "\n";
    }
    return parse_migration(fmt::format("{:04d}_{}.sql", version, name), text);
}

HistoryRow applied(const Migration& m)
{
    HistoryRow row;
    row.version = m.version;
    row.name = m.name;
    row.checksum = m.checksum;
    row.applied_at = "2026-01-01T00:00:00Z";
    return row;
}

} // namespace

TEST_CASE("make_status")
{
    const std::vector<Migration> files = {file(1, "a", "CREATE TABLE a ();"), file(2, "b", "CREATE TABLE b ();"),
                                          file(3, "c", "CREATE TABLE c ();")};

    SUBCASE("applied, pending, drifted, failed, missing")
    {
        auto drifted = applied(files[1]);
        drifted.checksum = "0123456789abcdef";
        auto failed = applied(files[2]);
        failed.success = false;
        failed.statements_done = 2;
        failed.statements_total = 5;
        failed.error = "0003_c.sql:7: boom (SQLSTATE XX000)";
        HistoryRow unknown;
        unknown.version = 9;
        unknown.name = "future";
        const auto report = make_status(files, {applied(files[0]), drifted, failed, unknown});
        REQUIRE(report.migrations.size() == 4);
        CHECK(report.migrations[0].state == State::applied);
        CHECK(report.migrations[1].state == State::drifted);
        CHECK(report.migrations[1].note.starts_with("the file changed after it was applied (checksum 0123456789ab"));
        CHECK(report.migrations[2].state == State::failed);
        CHECK(report.migrations[2].note ==
              "stopped after 2 of 5 statements (statements 1-2 stay applied): 0003_c.sql:7: boom (SQLSTATE XX000)");
        CHECK(report.migrations[3].state == State::missing);
        CHECK(report.current_version() == 9);
        CHECK(report.has_problems());
    }
    SUBCASE("a killed transaction:false migration says so")
    {
        auto row = applied(files[0]);
        row.success = false;
        row.statements_done = 0;
        row.statements_total = 3;
        const auto report = make_status(files, {row});
        CHECK(report.migrations[0].note ==
              "stopped after 0 of 3 statements: the process ended before it could say why (killed, or the connection "
              "broke)");
    }
    SUBCASE("a pending migration below an applied one is out of order")
    {
        const auto report = make_status(files, {applied(files[0]), applied(files[2])});
        CHECK(report.migrations[1].state == State::pending);
        CHECK(report.migrations[1].out_of_order);
        CHECK(report.migrations[1].note == "out of order: 0003 is already applied");
        CHECK_FALSE(report.has_problems());
        CHECK(report.current_version() == 3);
    }
}

TEST_CASE("plan_up")
{
    const std::vector<Migration> files = {file(1, "a", "CREATE TABLE a ();"), file(2, "b", "CREATE TABLE b ();"),
                                          file(3, "c", "CREATE TABLE c ();")};
    UpOptions options;

    SUBCASE("pending in order, up to the target")
    {
        CHECK(plan_up(make_status(files, {}), options) == std::vector<std::int64_t>{1, 2, 3});
        options.target = 2;
        CHECK(plan_up(make_status(files, {}), options) == std::vector<std::int64_t>{1, 2});
        CHECK(plan_up(make_status(files, {applied(files[0]), applied(files[1])}), options).empty());
    }
    SUBCASE("an unknown target is a usage error")
    {
        options.target = 7;
        CHECK_THROWS_WITH_AS(plan_up(make_status(files, {}), options), "no migration with version 0007", UsageError);
    }
    SUBCASE("out of order is refused unless allowed")
    {
        const auto report = make_status(files, {applied(files[0]), applied(files[2])});
        CHECK_THROWS_WITH_AS(plan_up(report, options),
                             "migration history does not match the migration files: 0002_b.sql is pending, but a "
                             "newer migration is already applied (0003 is already applied)",
                             DriftError);
        try {
            plan_up(report, options);
        } catch (const DriftError& e) {
            CHECK(std::string(e.hint()).find("--allow-out-of-order") != std::string::npos);
        }
        options.allow_out_of_order = true;
        CHECK(plan_up(report, options) == std::vector<std::int64_t>{2});
    }
    SUBCASE("out of order below the target only")
    {
        const auto report = make_status(files, {applied(files[0]), applied(files[2])});
        options.target = 1;
        CHECK(plan_up(report, options).empty());
    }
    SUBCASE("failed blocks unless retried; drift and missing always block")
    {
        auto failed = applied(files[0]);
        failed.success = false;
        CHECK_THROWS_AS(plan_up(make_status(files, {failed}), options), DriftError);
        options.retry_failed = true;
        CHECK(plan_up(make_status(files, {failed}), options) == std::vector<std::int64_t>{1, 2, 3});
        auto drifted = applied(files[0]);
        drifted.checksum = "x";
        CHECK_THROWS_AS(plan_up(make_status(files, {drifted}), options), DriftError);
    }
}

TEST_CASE("plan_down")
{
    const std::vector<Migration> files = {file(1, "a", "CREATE TABLE a ();"),
                                          file(2, "b", "CREATE TABLE b ();", "DROP TABLE b;")};
    const auto report = make_status(files, {applied(files[0]), applied(files[1])});
    CHECK(plan_down(report, files, 1) == std::vector<std::int64_t>{2});
    CHECK_THROWS_WITH_AS(plan_down(report, files, 2),
                         "0001_a.sql has no down section, so it cannot be reverted; nothing was changed", UsageError);
    CHECK_THROWS_WITH_AS(plan_down(report, files, 3), "cannot revert 3 migrations: only 2 are applied", UsageError);
}

TEST_CASE("tables_created")
{
    const std::vector<Migration> files = {
        file(1, "a",
             "-- the projects\n/* nested /* comment */ */ CREATE TABLE IF NOT EXISTS Projects (id int);\nCREATE TABLE \"Mixed\"\"Case\" (id int);\n"
             "CREATE TABLE app.users (id int);\nCREATE TEMP TABLE scratch (id int);\n"
             "CREATE UNLOGGED TABLE cache (k text);\nCREATE INDEX ON projects (id);"),
        file(2, "b", "DROP TABLE IF EXISTS cache, nothing;\nALTER TABLE app.users RENAME TO people;"),
        file(3, "c", "CREATE TABLE later (id int);")};
    CHECK(tables_created(files, 1) == std::vector<std::string>{"projects", "Mixed\"Case", "app.users", "cache"});
    CHECK(tables_created(files, 2) == std::vector<std::string>{"projects", "Mixed\"Case", "app.people"});
}

TEST_CASE("dry_run_script")
{
    const auto a = file(1, "a", "CREATE TABLE a (id int)", "DROP TABLE a;");
    const auto b = parse_migration("0002_it's.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n");
    const std::string up = dry_run_script({&a, &b}, Direction::up);
    CHECK(up.find("CREATE SCHEMA IF NOT EXISTS devlogctl;") != std::string::npos);
    // The last statement had no ';': the script adds one before the history insert.
    CHECK(up.find("BEGIN;\nCREATE TABLE a (id int)\n;\nINSERT INTO devlogctl.schema_migrations") != std::string::npos);
    CHECK(up.find("VALUES (1, 'a', '" + a.checksum + "', 0, 'migrate', true)") != std::string::npos);
    CHECK(up.find("-- 0002_it's.sql (up, outside a transaction)\nCREATE INDEX CONCURRENTLY i ON a (id);\nINSERT") !=
          std::string::npos);
    CHECK(up.find("VALUES (2, 'it''s', ") != std::string::npos);
    const std::string down = dry_run_script({&a}, Direction::down);
    CHECK(down.find("BEGIN;\nDROP TABLE a;\nDELETE FROM devlogctl.schema_migrations WHERE version = 1;\nCOMMIT;\n") !=
          std::string::npos);
    CHECK(down.find("CREATE SCHEMA") == std::string::npos);
}
