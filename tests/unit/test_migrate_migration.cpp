#include "lib/core/errors.hpp"
#include "lib/migrate/migration.hpp"
#include "lib/migrate/sql_split.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace devlog::migrate;

TEST_CASE("parse_migration")
{
    SUBCASE("up and down sections with their first lines")
    {
        auto m =
            parse_migration("0003_add_index.sql",
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
        auto m =
            parse_migration("0004_c.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n");
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
        CHECK_THROWS_WITH_AS(parse_migration("V1__bad.sql", "-- migrate:up\n"),
                             "V1__bad.sql: a migration file name starts with its version number and ends in "
                             "'.sql', e.g. 0001_create_users.sql",
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
    CHECK(parse_version("20240101120000-Add-Users.sql") == 20240101120000);
    CHECK(parse_version("0003.sql") == 3);
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
    auto write = [&](const std::string& name, const std::string& content) { std::ofstream(dir / name) << content; };
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
    SUBCASE("editor and system files are ignored")
    {
        write(".0001_a.sql.swp", "x");
        write("._0001_a.sql", "x");
        write("0001_a.sql~", "x");
        CHECK(load_migrations(dir).size() == 2);
    }
    SUBCASE("a directory or broken link named like a migration is refused")
    {
        std::filesystem::create_symlink(dir / "nowhere.sql", dir / "0003_c.sql");
        CHECK_THROWS_WITH_AS(load_migrations(dir), ((dir / "0003_c.sql").string() + ": not a regular file").c_str(),
                             devlog::InputError);
    }
    SUBCASE("near misses are refused, naming the file and the fix")
    {
        write("0003_c.SQL", "-- migrate:up\nSELECT 3;\n");
        CHECK_THROWS_WITH_AS(load_migrations(dir),
                             ((dir / "0003_c.SQL").string() + ": a migration file name ends in '.sql' in lower case: "
                                                              "rename it to 0003_c.sql")
                                 .c_str(),
                             devlog::InputError);
        std::filesystem::rename(dir / "0003_c.SQL", dir / "V3__add_c.sql");
        CHECK_THROWS_WITH_AS(load_migrations(dir),
                             ((dir / "V3__add_c.sql").string() + ": a migration file name starts with its version "
                                                                 "number: rename it to 3_add_c.sql")
                                 .c_str(),
                             devlog::InputError);
        std::filesystem::rename(dir / "V3__add_c.sql", dir / "seed.sql");
        CHECK_THROWS_WITH_AS(load_migrations(dir),
                             ((dir / "seed.sql").string() +
                              ": a migration file name starts with its version number, "
                              "e.g. 0001_create_users.sql: rename it, or move it out "
                              "of " +
                              dir.string())
                                 .c_str(),
                             devlog::InputError);
    }
    SUBCASE("a directory without migration files is an error naming it")
    {
        const auto empty = dir / "empty";
        std::filesystem::create_directories(empty);
        std::ofstream(empty / "README.md") << "no migrations here";
        CHECK_THROWS_WITH_AS(load_migrations(empty),
                             (empty.string() + ": no migration files (names like 0001_create_users.sql)").c_str(),
                             devlog::InputError);
        CHECK(create_migration_file(empty, "first", {}).filename() == "0001_first.sql");
        CHECK(load_migrations(empty).size() == 1);
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

TEST_CASE("parse_migration: transaction control in a transactional migration")
{
    SUBCASE("is refused when the file is loaded, pointing to transaction:false")
    {
        CHECK_THROWS_WITH_AS(parse_migration("0007_wrapped.sql", "-- Flyway style\n-- migrate:up\nBEGIN;\n"
                                                                 "CREATE TABLE a (x int);\nCOMMIT;\n"),
                             "0007_wrapped.sql:3: BEGIN is transaction control, but this migration runs in one "
                             "transaction already: remove it, or write '-- migrate:up transaction:false' to run the "
                             "section as written",
                             devlog::InputError);
        CHECK_THROWS_WITH_AS(parse_migration("0007_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n"
                                                           "rollback prepared 'x';\n"),
                             "0007_a.sql:5: ROLLBACK PREPARED is transaction control, but this migration runs in one "
                             "transaction already: remove it, or write '-- migrate:down transaction:false' to run the "
                             "section as written",
                             devlog::InputError);
        for (const char* statement : {"START TRANSACTION", "COMMIT", "END", "ROLLBACK", "ABORT",
                                      "PREPARE TRANSACTION 'x'", "COMMIT PREPARED 'x'", "commit work"}) {
            CAPTURE(statement);
            CHECK_THROWS_AS(
                parse_migration("0007_a.sql", std::string("-- migrate:up\nSELECT 1;\n") + statement + ";\n"),
                devlog::InputError);
        }
    }
    SUBCASE("savepoints, BEGIN in bodies and COPY data that reads like SQL are fine")
    {
        auto m =
            parse_migration("0007_a.sql", "-- migrate:up\nSAVEPOINT s;\nROLLBACK TO s;\nROLLBACK TO SAVEPOINT s;\n"
                                          "RELEASE s;\nDO $$ BEGIN PERFORM 1; END $$;\nPREPARE q AS SELECT 1;\n"
                                          "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;\n"
                                          "COPY t (x) FROM stdin;\nBEGIN;\nCOMMIT;\n\\.\n");
        CHECK(m.up.transactional);
    }
    SUBCASE("transaction:false sections may control transactions themselves")
    {
        auto m = parse_migration("0007_a.sql",
                                 "-- migrate:up transaction:false\nBEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\n");
        CHECK_FALSE(m.up.transactional);
    }
}

TEST_CASE("parse_migration: SQL above the up marker")
{
    CHECK_THROWS_WITH_AS(
        parse_migration("0001_a.sql", "-- header\n\nCREATE TABLE lost (x int);\n-- migrate:up\nSELECT 1;\n"),
        "0001_a.sql:3: SQL above the '-- migrate:up' marker would never run: move it below the marker "
        "(only comments may come before it)",
        devlog::InputError);
    auto m = parse_migration("0001_a.sql", "-- header\n/* a block\n   comment; */\n\n-- migrate:up\nSELECT 1;\n");
    CHECK(m.up.first_line == 6);
}

TEST_CASE("parse_migration: file names dbmate accepts")
{
    auto m = parse_migration("20240101120000-Add-Users.sql", "-- migrate:up\nSELECT 1;\n");
    CHECK(m.version == 20240101120000);
    CHECK(m.name == "Add-Users");
    CHECK(m.filename == "20240101120000-Add-Users.sql");
    CHECK(parse_migration("1_init.sql", "-- migrate:up\n").name == "init");
    CHECK(parse_migration("1_init.sql", "-- migrate:up\n").version == 1);
    CHECK(parse_migration("0003.sql", "-- migrate:up\n").version == 3);
    CHECK(parse_migration("0003.sql", "-- migrate:up\n").name == "");
    CHECK(parse_migration("0004_snake_name.sql", "-- migrate:up\n").name == "snake_name");
    CHECK(parse_migration("0005__double.sql", "-- migrate:up\n").name == "_double");
    CHECK_THROWS_WITH_AS(parse_migration("1234567890123456789_x.sql", "-- migrate:up\n"),
                         "1234567890123456789_x.sql: the version number has more than 18 digits", devlog::InputError);
    CHECK_THROWS_AS(parse_migration("0001_a.sql.bak", "-- migrate:up\n"), devlog::InputError);
}

TEST_CASE("parse_migration: bytes as in the file, checksum as before")
{
    SUBCASE("a UTF-8 byte order mark before the marker")
    {
        auto m = parse_migration("0001_a.sql", "\xEF\xBB\xBF-- migrate:up\nSELECT 1;\n");
        CHECK(m.up.sql == "SELECT 1;\n");
        CHECK(m.up.first_line == 2);
    }
    SUBCASE("CR LF stays in the SQL that runs, string literals included")
    {
        auto m =
            parse_migration("0001_a.sql", "-- migrate:up\r\nINSERT INTO t VALUES ('a\r\nb');\r\n-- migrate:down\r\n"
                                          "DELETE FROM t;\r\n");
        CHECK(m.up.sql == "INSERT INTO t VALUES ('a\r\nb');\r\n");
        CHECK(m.up.first_line == 2);
        REQUIRE(m.down.has_value());
        CHECK(m.down->sql == "DELETE FROM t;\r\n");
        CHECK(m.down->first_line == 5);
    }
    SUBCASE("the checksum is SHA-256 of the whole file with CR LF as LF (known answers)")
    {
        CHECK(parse_migration("0001_a.sql", "-- migrate:up\nSELECT 1;\n").checksum ==
              "2be38f331755cac1a312dea121c3da64832ace82d37707cfd1a81ccd39dffbdf");
        CHECK(parse_migration("0001_a.sql", "\xEF\xBB\xBF-- header\r\n-- migrate:up\r\nSELECT 'a\r\nb';\r\n\r\r\n")
                  .checksum == "b12b3c3d7d4d8aa1527c69218728f178dff162d3bf1261baffffea52929a1658");
    }
    SUBCASE("a comment-only migration loads: it has nothing to run")
    {
        auto m = parse_migration("0002_noop.sql", "-- migrate:up\n-- nothing to do\n-- migrate:down\n-- nothing\n");
        CHECK(devlog::migrate::split_statements(m.up.sql, m.up.first_line).empty());
        CHECK_FALSE(m.down.has_value());
    }
    SUBCASE("pg_dump output: \\restrict lines are skipped, other psql meta-commands refused")
    {
        auto m = parse_migration("0004_dump.sql", "--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\n"
                                                  "-- migrate:up\nSET lock_timeout = 0;\n\\unrestrict abc\n");
        CHECK(devlog::migrate::split_statements(m.up.sql, m.up.first_line).size() == 1);
        CHECK_THROWS_WITH_AS(parse_migration("0004_dump.sql", "-- migrate:up\nSELECT 1;\n\\connect other\n"),
                             "0004_dump.sql:3: psql meta-command '\\connect' is not SQL: devlogctl runs SQL only, so "
                             "remove it",
                             devlog::InputError);
    }
    SUBCASE("COPY ... FROM STDIN data is part of the section")
    {
        auto m = parse_migration("0003_data.sql", "-- migrate:up\nCOPY t (x) FROM stdin;\n1\n2\n\\.\nSELECT 1;\n");
        const auto statements = devlog::migrate::split_statements(m.up.sql, m.up.first_line);
        REQUIRE(statements.size() == 2);
        CHECK(statements[0].copy_data == "1\n2\n");
        CHECK(statements[1].line == 6);
        CHECK_THROWS_WITH_AS(parse_migration("0003_data.sql", "-- migrate:up\nSELECT 1;\nCOPY t (x) FROM stdin;\n1\n"),
                             "0003_data.sql:3: COPY ... FROM STDIN without the '\\.' line that ends its data: add it "
                             "after the last data line",
                             devlog::InputError);
    }
}
