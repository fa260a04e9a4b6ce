#include "lib/core/errors.hpp"
#include "lib/migrate/migration.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace devlog::migrate;

TEST_CASE("parse_migration")
{
    SUBCASE("up and down sections with their first lines")
    {
        auto m = parse_migration("0003_add_index.sql",
                                 "-- header\n-- migrate:up\nCREATE INDEX i ON t (x);\n-- migrate:down\nDROP INDEX i;\n");
        CHECK(m.version == 3);
        CHECK(m.name == "add_index");
        CHECK(m.up.sql == "CREATE INDEX i ON t (x);\n");
        CHECK(m.up.first_line == 3);
        CHECK(m.up.transactional);
        REQUIRE(m.down.has_value());
        CHECK(m.down->sql == "DROP INDEX i;\n");
        CHECK(m.down->first_line == 5);
        CHECK(m.checksum.size() == 64);
    }
    SUBCASE("transaction:false")
    {
        auto m = parse_migration("0004_c.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n");
        CHECK_FALSE(m.up.transactional);
        CHECK_FALSE(m.down.has_value());
    }
    SUBCASE("an empty down section means not reversible")
    {
        auto m = parse_migration("0005_c.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n-- nothing\n");
        CHECK_FALSE(m.down.has_value());
    }
    SUBCASE("CRLF line endings do not change the checksum")
    {
        auto a = parse_migration("0001_a.sql", "-- migrate:up\nSELECT 1;\n");
        auto b = parse_migration("0001_a.sql", "-- migrate:up\r\nSELECT 1;\r\n");
        CHECK(a.checksum == b.checksum);
        auto c = parse_migration("0001_a.sql", "-- migrate:up\nSELECT 2;\n");
        CHECK(a.checksum != c.checksum);
    }
    SUBCASE("errors name the file and line")
    {
        CHECK_THROWS_WITH_AS(parse_migration("1-bad.sql", "-- migrate:up\n"),
                             "1-bad.sql: migration file names must look like 0001_snake_case_name.sql",
                             devlog::InputError);
        CHECK_THROWS_WITH_AS(parse_migration("0001_a.sql", "SELECT 1;\n"),
                             "0001_a.sql: no '-- migrate:up' marker; put one line '-- migrate:up' before the SQL",
                             devlog::InputError);
        CHECK_THROWS_WITH_AS(parse_migration("0001_a.sql", "-- migrate:up\n-- migrate:up\n"),
                             "0001_a.sql:2: second '-- migrate:up' marker", devlog::InputError);
        CHECK_THROWS_WITH_AS(parse_migration("0001_a.sql", "-- migrate:up transaction:maybe\n"),
                             "0001_a.sql:1: unknown migration option 'transaction:maybe' (known: transaction:false)",
                             devlog::InputError);
        CHECK_THROWS_WITH_AS(parse_migration("0001_a.sql", "-- migrate:sideways\n"),
                             "0001_a.sql:1: unknown marker 'migrate:sideways' (expected migrate:up or migrate:down)",
                             devlog::InputError);
    }
}

TEST_CASE("parse_version / format_version")
{
    CHECK(parse_version("1") == 1);
    CHECK(parse_version("0012") == 12);
    CHECK(parse_version("0012_name.sql") == 12);
    CHECK_THROWS_AS(parse_version("abc"), devlog::UsageError);
    CHECK_THROWS_AS(parse_version("12x"), devlog::UsageError);
    CHECK_THROWS_AS(parse_version(""), devlog::UsageError);
    CHECK(format_version(7) == "0007");
    CHECK(format_version(12345) == "12345");
}

TEST_CASE("embedded migrations parse and are numbered from 1 without gaps")
{
    const auto all = embedded_migrations();
    REQUIRE_FALSE(all.empty());
    for (std::size_t i = 0; i < all.size(); ++i) {
        CHECK(all[i].version == static_cast<std::int64_t>(i + 1));
    }
}

TEST_CASE("load_migrations and create_migration_file")
{
    const auto dir = std::filesystem::temp_directory_path() / ("devlog-unit-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream(dir / name) << content;
    };
    write("0002_b.sql", "-- migrate:up\nSELECT 2;\n");
    write("0001_a.sql", "-- migrate:up\nSELECT 1;\n");
    write("README.md", "not a migration");

    SUBCASE("sorted by version, other files ignored")
    {
        auto all = load_migrations(dir);
        REQUIRE(all.size() == 2);
        CHECK(all[0].filename == "0001_a.sql");
        CHECK(all[1].filename == "0002_b.sql");
    }
    SUBCASE("duplicate versions are an error")
    {
        write("0002_c.sql", "-- migrate:up\nSELECT 3;\n");
        CHECK_THROWS_AS(load_migrations(dir), devlog::InputError);
    }
    SUBCASE("new file is numbered after the highest known version")
    {
        auto path = create_migration_file(dir, "Add event-index", {});
        CHECK(path.filename() == "0003_add_event_index.sql");
        auto again = load_migrations(dir);
        CHECK(again.size() == 3);
        Migration known;
        known.version = 9;
        CHECK(create_migration_file(dir, "next", {known}).filename() == "0010_next.sql");
        CHECK_THROWS_AS(create_migration_file(dir, "bad/name", {}), devlog::UsageError);
        CHECK_THROWS_AS(create_migration_file(dir / "nope", "x", {}), devlog::InputError);
    }
    std::filesystem::remove_all(dir);
}
