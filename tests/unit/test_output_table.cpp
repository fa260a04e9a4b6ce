#include "lib/core/errors.hpp"
#include "lib/output/table.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace devlog::output;

namespace {
std::string rendered(const Table& t, Format f)
{
    std::ostringstream out;
    render(out, t, f);
    return out.str();
}
const Table k_table{{"version", "name", "ms"}, {{"0001", "a,b", 12}, {"0002", "say \"hi\"", nullptr}}};
} // namespace

TEST_CASE("render")
{
    CHECK(rendered(k_table, Format::table) == "version  name      ms\n"
                                              "0001     a,b       12\n"
                                              "0002     say \"hi\"  \n");
    CHECK(rendered(k_table, Format::csv) == "version,name,ms\r\n0001,\"a,b\",12\r\n0002,\"say \"\"hi\"\"\",\r\n");
    CHECK(rendered(k_table, Format::ndjson) == "{\"version\":\"0001\",\"name\":\"a,b\",\"ms\":12}\n"
                                               "{\"version\":\"0002\",\"name\":\"say \\\"hi\\\"\",\"ms\":null}\n");
    const auto json = nlohmann::json::parse(rendered(k_table, Format::json));
    REQUIRE(json.is_array());
    CHECK(json.size() == 2);
    CHECK(json[1]["ms"].is_null());
    CHECK(rendered(Table{{"a"}, {}}, Format::json) == "[]\n");
}

TEST_CASE("parse_format")
{
    CHECK(parse_format("csv") == Format::csv);
    CHECK_THROWS_WITH_AS(parse_format("xml"), "unknown output format 'xml'", devlog::UsageError);
}
