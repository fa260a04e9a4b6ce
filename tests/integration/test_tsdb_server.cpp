// The TimescaleDB test server as the library sees it: each database gets the TimescaleDB version
// it asks for, devlog::db::Database connects to it, and COPY FROM STDIN (libpq's COPY protocol,
// as the importer uses it) fills a hypertable. The plain server stays without TimescaleDB.
#include "pg_fixture.hpp"

#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include <tuple>

using namespace devlog;
using devlog::test::scalar;

TEST_CASE("TimescaleDatabase")
{
    SUBCASE("the default is the newest version")
    {
        test::TimescaleDatabase tdb;
        CHECK(tdb.version() == "2.28.3");
        auto conn = tdb.raw();
        CHECK(scalar(*conn, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'") == "2.28.3");
    }

    SUBCASE("each database gets its version; COPY FROM STDIN fills a hypertable")
    {
        for (const char* version : {"2.17.2", "2.28.3"}) {
            CAPTURE(version);
            test::TimescaleDatabase tdb(version);
            auto conn = tdb.raw();
            CHECK(scalar(*conn, "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'") == version);
            CHECK(tdb.open().server_version() / 10000 == 15);

            {
                pqxx::nontransaction tx(*conn);
                tx.exec("CREATE TABLE m (ts timestamptz NOT NULL, device int NOT NULL, value double precision)");
                tx.exec("SELECT create_hypertable('m', 'ts', chunk_time_interval => interval '1 day')");
            }
            {
                pqxx::work tx(*conn);
                pqxx::stream_to copy(tx, "m", std::vector<std::string>{"ts", "device", "value"});
                for (int hour = 0; hour < 72; ++hour) {
                    const auto ts = "2026-01-0" + std::to_string(1 + hour / 24) + " " + std::to_string(hour % 24) + ":00+00";
                    copy << std::make_tuple(ts, hour % 3, hour * 0.5);
                }
                copy.complete();
                tx.commit();
            }
            CHECK(scalar(*conn, "SELECT count(*) || '|' || sum(value) FROM m") == "72|1278");
            CHECK(scalar(*conn, "SELECT count(*) FROM show_chunks('m')") == "3");
        }
    }
}

TEST_CASE("TempDatabase: the plain server has no TimescaleDB")
{
    test::TempDatabase tdb;
    auto conn = tdb.raw();
    CHECK(scalar(*conn, "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'") == "0");
    CHECK(scalar(*conn, "SHOW shared_preload_libraries").empty());
}
