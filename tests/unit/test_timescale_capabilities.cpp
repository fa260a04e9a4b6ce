#include "lib/timescale/capabilities.hpp"

#include <doctest/doctest.h>

using namespace devlog::timescale;

namespace {

Capabilities caps_of(const char* version, bool columnstore)
{
    Capabilities c;
    c.server_version = "15.18";
    c.available = Version::parse("2.28.3");
    c.installed = Version::parse(version);
    c.shared_preload_libraries = "timescaledb";
    c.columnstore_api = columnstore;
    return c;
}

} // namespace

TEST_CASE("Version::parse")
{
    CHECK(Version::parse("2.17.2") == Version{2, 17, 2});
    CHECK(Version::parse("2.28") == Version{2, 28, 0});
    CHECK(Version::parse("2.18.0-dev") == Version{2, 18, 0});
    CHECK_FALSE(Version::parse("2").has_value());
    CHECK_FALSE(Version::parse("x.1").has_value());
    CHECK(*Version::parse("2.9.3") < *Version::parse("2.13.0"));
    CHECK(Version{2, 17, 2}.str() == "2.17.2");
}

TEST_CASE("lists_timescaledb")
{
    CHECK(lists_timescaledb("timescaledb"));
    CHECK(lists_timescaledb("pg_stat_statements, timescaledb"));
    CHECK(lists_timescaledb("'timescaledb',pg_cron"));
    CHECK(lists_timescaledb("\"timescaledb\""));
    CHECK_FALSE(lists_timescaledb(""));
    CHECK_FALSE(lists_timescaledb("pg_stat_statements"));
    CHECK_FALSE(lists_timescaledb("timescaledb_toolkit"));
}

TEST_CASE("unavailable")
{
    Capabilities none;
    none.server_version = "15.18";
    auto why = unavailable(none, Need::server);
    REQUIRE(why);
    CHECK(why->message == "TimescaleDB is not installed on this server (PostgreSQL 15.18): the timescaledb extension "
                          "is not among its available extensions");

    Capabilities not_loaded = caps_of("2.28.3", true);
    not_loaded.shared_preload_libraries = "pg_stat_statements";
    why = unavailable(not_loaded, Need::installed);
    REQUIRE(why);
    CHECK(why->message == "TimescaleDB is installed but not loaded: shared_preload_libraries does not list timescaledb "
                          "(it is 'pg_stat_statements')");
    CHECK(why->hint == "set shared_preload_libraries = 'timescaledb,pg_stat_statements' in postgresql.conf (or run "
                       "ALTER SYSTEM SET shared_preload_libraries = 'timescaledb,pg_stat_statements' as a superuser) "
                       "and restart PostgreSQL");

    Capabilities available = caps_of("2.28.3", true);
    available.installed.reset();
    CHECK_FALSE(unavailable(available, Need::server));
    REQUIRE(unavailable(available, Need::installed));
    CHECK(unavailable(available, Need::installed)->message ==
          "the timescaledb extension is not created in this database");

    CHECK(unavailable(caps_of("2.9.3", false), Need::installed)->message ==
          "TimescaleDB 2.9.3 is older than 2.13.0, the oldest devlogctl supports");
    CHECK_FALSE(unavailable(caps_of("2.17.2", false), Need::installed));
}

TEST_CASE("Api: compression API before 2.18, columnstore API from 2.18")
{
    const Api old_api(caps_of("2.17.2", false));
    const Api new_api(caps_of("2.28.3", true));
    const std::string t = "\"public\".\"agent_events\"";

    SUBCASE("settings")
    {
        CHECK(
            old_api.enable_compression(t, "project_id", "\"timestamp\" DESC").sql ==
            "ALTER TABLE \"public\".\"agent_events\" SET (timescaledb.compress = true, timescaledb.compress_segmentby "
            "= 'project_id', timescaledb.compress_orderby = '\"timestamp\" DESC')");
        CHECK(
            new_api.enable_compression(t, "project_id", "id").sql ==
            "ALTER TABLE \"public\".\"agent_events\" SET (timescaledb.enable_columnstore = true, timescaledb.segmentby "
            "= 'project_id', timescaledb.orderby = 'id')");
        CHECK(new_api.disable_compression(t).sql ==
              "ALTER TABLE \"public\".\"agent_events\" SET (timescaledb.enable_columnstore = false)");
        CHECK(old_api.word() == "compression");
        CHECK(new_api.word() == "columnstore");
    }
    SUBCASE("policy: a function before 2.18, a procedure (CALL, alone) after")
    {
        const auto old_policy = old_api.add_compression_policy(t, "7 days");
        CHECK(old_policy.sql ==
              "SELECT \"public\".add_compression_policy($1::regclass, compress_after => $2::interval)");
        CHECK_FALSE(old_policy.autocommit);
        const auto new_policy = new_api.add_compression_policy(t, "7 days");
        CHECK(new_policy.sql == "CALL \"public\".add_columnstore_policy($1::regclass, after => $2::interval)");
        CHECK(new_policy.autocommit);
        CHECK(new_policy.params == std::vector<devlog::db::Param>{t, "7 days"});
        CHECK(new_api.remove_compression_policy(t).sql ==
              "CALL \"public\".remove_columnstore_policy($1::regclass, if_exists => true)");
    }
    SUBCASE("chunks")
    {
        CHECK(old_api.compress_chunk("c").sql ==
              "SELECT \"public\".compress_chunk($1::regclass, if_not_compressed => true)");
        CHECK(new_api.compress_chunk("c").sql ==
              "CALL \"public\".convert_to_columnstore($1::regclass, if_not_columnstore => true)");
        CHECK(old_api.decompress_chunk("c").sql ==
              "SELECT \"public\".decompress_chunk($1::regclass, if_compressed => true)");
        CHECK(new_api.decompress_chunk("c").sql ==
              "CALL \"public\".convert_to_rowstore($1::regclass, if_columnstore => true)");
        // A policy may compress the chunk between the check and the lock: "already compressed" is done.
        CHECK(old_api.compress_chunk("c").done_sqlstate == "42710");
        CHECK(new_api.decompress_chunk("c").done_sqlstate == "55000");
    }
}

TEST_CASE("render")
{
    CHECK(render({"SELECT f($1, $2, $10, $3)", {"it's", std::nullopt, "x"}}) == "SELECT f('it''s', NULL, $10, 'x')");
    CHECK(render({"SELECT 1", {}}) == "SELECT 1");
}
