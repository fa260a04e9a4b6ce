#include "lib/core/errors.hpp"
#include "lib/query/prices.hpp"

#include <doctest/doctest.h>

using namespace devlog;
using namespace devlog::query;

TEST_CASE("builtin_prices")
{
    const auto& table = builtin_prices();
    CHECK(table.source == "built-in");
    CHECK(table.taken == "2025-11-30");
    const auto* sonnet = find_price(table, "claude-sonnet-4-5-20250929");
    REQUIRE(sonnet != nullptr);
    CHECK(sonnet->model == "claude-sonnet-4-5");
    CHECK(sonnet->input == 3.0);
    CHECK(sonnet->cache_write == 3.75);
    CHECK(find_price(table, "claude-sonnet-4-20250514")->model == "claude-sonnet-4");
    CHECK(find_price(table, "claude-opus-4-1-20250805")->model == "claude-opus-4-1");
    CHECK(find_price(table, "GPT-5-mini")->model == "gpt-5-mini");
    CHECK(find_price(table, "gpt-5-codex")->model == "gpt-5");
    CHECK(find_price(table, "claude-3-5-sonnet@20240620")->model == "claude-3-5-sonnet");
    CHECK(find_price(table, "gpt-50") == nullptr);
    CHECK(find_price(table, "gemini-2.5-pro") == nullptr);
    CHECK(describe(table) == "the built-in price table (prices of 2025-11-30)");
}

TEST_CASE("parse_prices")
{
    const auto table = parse_prices(
        R"({"taken": "2026-02-01", "models": {"My-Model": {"input": 1, "output": 2, "cacheRead": 0.1, "cacheWrite": 1.5}}})",
        "p.json");
    REQUIRE(table.models.size() == 1);
    CHECK(table.models[0].model == "my-model");
    CHECK(table.models[0].cache_read == 0.1);
    CHECK(prices_parameter(table) ==
          R"([{"cache_read":0.1,"cache_write":1.5,"input":1.0,"model":"my-model","output":2.0}])");
    CHECK(describe(table) == "prices from p.json (prices of 2026-02-01)");
    CHECK_THROWS_WITH_AS(parse_prices("{", "p.json"), doctest::Contains("p.json: not valid JSON"), InputError);
    CHECK_THROWS_WITH_AS(parse_prices(R"({"models": {}})", "p.json"),
                         "p.json: needs \"taken\": the date the prices were taken (YYYY-MM-DD)", InputError);
    CHECK_THROWS_WITH_AS(parse_prices(R"({"taken": "2026-02-01", "models": {"m": {"input": 1, "output": 2}}})", "p.json"),
                         "p.json: model \"m\": \"cacheRead\" needs a number >= 0 (USD per million tokens)", InputError);
    CHECK_THROWS_WITH_AS(
        parse_prices(R"({"taken": "2026-02-01", "models": {"m": {"input": 1, "output": 2, "cacheRead": 0, "cacheWrite": 0},
                                                          "M": {"input": 1, "output": 2, "cacheRead": 0, "cacheWrite": 0}}})",
                     "p.json"),
        "p.json: model \"m\" is priced twice (names are compared in lower case)", InputError);
    CHECK_THROWS_WITH_AS(load_prices("/nonexistent/prices.json"), "/nonexistent/prices.json: cannot read the price file",
                         InputError);
}
