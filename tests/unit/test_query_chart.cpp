#include "lib/query/chart.hpp"
#include "lib/query/columns.hpp"
#include "lib/core/errors.hpp"

#include <doctest/doctest.h>

using namespace devlog::query;

TEST_CASE("bar")
{
    CHECK(bar(0, 10, 4) == "");
    CHECK(bar(10, 10, 4) == "████");
    CHECK(bar(5, 10, 4) == "██");
    CHECK(bar(1, 10, 4) == "▍");     // 3.2 eighths -> 3
    CHECK(bar(0.001, 10, 4) == "▏"); // anything above zero shows
    CHECK(bar(7, 10, 1) == "▊");     // 5.6 eighths -> 6
    CHECK(bar(20, 10, 2) == "██");
}

TEST_CASE("to_cell and pick_columns")
{
    CHECK(to_cell(Kind::integer, "42") == 42);
    CHECK(to_cell(Kind::number, "0.125") == 0.125);
    CHECK(to_cell(Kind::timestamp, "1767225600000001") == "2026-01-01T00:00:00.000001Z");
    CHECK(to_cell(Kind::date, "1767225600000000") == "2026-01-01");
    CHECK(to_cell(Kind::json, R"({"a":[1,null]})") == nlohmann::json::parse(R"({"a":[1,null]})"));
    CHECK(to_cell(Kind::boolean, "t") == true);
    CHECK(to_cell(Kind::text, std::nullopt).is_null());
    CHECK_THROWS_AS(to_cell(Kind::integer, "x"), devlog::Error);

    const std::vector<Column> all = {{"a", Kind::text}, {"b", Kind::text}, {"c", Kind::text}};
    CHECK(pick_columns(all, {}, {}) == std::vector<std::size_t>{0, 1, 2});
    CHECK(pick_columns(all, {}, {"c", "a"}) == std::vector<std::size_t>{2, 0});
    CHECK(pick_columns(all, {"b, c", "a"}, {"c"}) == std::vector<std::size_t>{1, 2, 0});
    CHECK_THROWS_WITH_AS(pick_columns(all, {"a,d"}, {}), "--columns: unknown column 'd'", devlog::UsageError);
    CHECK_THROWS_WITH_AS(pick_columns(all, {"a,a"}, {}), "--columns: column 'a' is named twice", devlog::UsageError);
}
