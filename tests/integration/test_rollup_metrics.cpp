// The two ways SQL reads the rollup contract's metrics give the same numbers on a real server:
// rollup::metric() (the continuous aggregates' definition) and metrics_lateral() + metric_column()
// (the raw-row queries of query timeline, usage and sessions), also for values that are not
// numbers, out of range, or a metrics column that is not an object at all.
#include "lib/events/event.hpp"
#include "lib/rollup/contract.hpp"
#include "pg_fixture.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <pqxx/pqxx>

using namespace devlog;

TEST_CASE("rollup: metrics_lateral and metric_column equal metric() for every contract metric")
{
    test::TempDatabase tdb;
    auto conn = tdb.raw();
    pqxx::nontransaction tx(*conn);
    tx.exec("CREATE TABLE t (n int, metrics jsonb)");
    tx.exec(R"(INSERT INTO t VALUES
        (1, '{"promptTokens": 12, "responseTokens": 3.6, "cacheReadTokens": 0, "cacheCreationTokens": 1000000000,
              "tokenCount": 1000000001, "durationMs": 12.5, "cost": 0.25}'),
        (2, '{"promptTokens": "12", "responseTokens": -1, "cacheReadTokens": null, "cacheCreationTokens": true,
              "tokenCount": {"n": 1}, "durationMs": [5], "cost": 1000001}'),
        (3, '{"promptTokens": 1e3, "tokenCount": 42, "durationMs": 10000000000, "cost": 1e-7, "other": 5}'),
        (4, '{}'), (5, NULL), (6, '[1, 2]'), (7, '"text"'), (8, '7'))");
    namespace m = events::metric;
    for (const auto key : {m::prompt_tokens, m::response_tokens, m::cache_read_tokens, m::cache_creation_tokens,
                           m::token_count, m::duration_ms, m::cost}) {
        CAPTURE(key);
        const auto differ = tx.exec1(fmt::format(
            "SELECT count(*), count(*) FILTER (WHERE ({}) IS DISTINCT FROM ({})), count({}) FROM t{}",
            rollup::metric("t", key), rollup::metric_column("x", key), rollup::metric_column("x", key),
            rollup::metrics_lateral("t", "x")));
        CHECK(tx.exec1(fmt::format("SELECT bool_and(pg_typeof({}) = pg_typeof({})) FROM t{}", rollup::metric("t", key),
                                   rollup::metric_column("x", key), rollup::metrics_lateral("t", "x")))[0]
                  .as<bool>());
        CHECK(differ[0].as<int>() == 8); // no row lost to the lateral subquery
        CHECK(differ[1].as<int>() == 0);
        CHECK(differ[2].as<int>() >= 1); // some value counted: the comparison is not NULL = NULL throughout
    }
    CHECK(tx.exec1(fmt::format("SELECT sum({}) FROM t{}", rollup::metric_column("x", m::cache_creation_tokens),
                               rollup::metrics_lateral("t", "x")))[0]
              .as<std::string>() == "1000000000");
}
