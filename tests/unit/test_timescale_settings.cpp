#include "lib/core/errors.hpp"
#include "lib/timescale/settings.hpp"

#include <doctest/doctest.h>

using namespace devlog;
using namespace devlog::timescale;
using std::chrono::hours;

TEST_CASE("parse_interval_flag")
{
    CHECK(parse_interval_flag("7d", "--x") == hours(24 * 7));
    CHECK(parse_interval_flag("1y", "--x") == hours(24 * 365));
    CHECK(parse_interval_flag("2 years", "--x") == hours(24 * 730));
    CHECK(parse_interval_flag("90m", "--x") == std::chrono::minutes(90));
    CHECK_THROWS_AS(parse_interval_flag("7", "--retain"), UsageError);
    CHECK_THROWS_WITH(parse_interval_flag("soon", "--retain"), "--retain: 'soon' is not a duration");
}

TEST_CASE("parse_column_list")
{
    CHECK(parse_column_list("project_id, agent_id", "--segment-by") ==
          std::vector<std::string>{"project_id", "agent_id"});
    CHECK(parse_column_list("Project_ID", "--segment-by") == std::vector<std::string>{"project_id"});
    CHECK(parse_column_list("\"Odd, Name\"", "--segment-by") == std::vector<std::string>{"Odd, Name"});
    CHECK(parse_column_list("  ", "--segment-by").empty());
    CHECK_THROWS_WITH(parse_column_list("a, a", "--segment-by"), "--segment-by: column 'a' is listed twice");
    CHECK_THROWS_WITH(parse_column_list("a,,b", "--segment-by"), "--segment-by: '' is not a column name");
    CHECK_THROWS_WITH(parse_column_list("a b", "--segment-by"), "--segment-by: 'a b' is not a column name");
    CHECK(format_column_list({"project_id", "Odd, Name"}) == "project_id, \"Odd, Name\"");
}

TEST_CASE("parse_order_by")
{
    const auto items = parse_order_by("timestamp DESC, id", "--order-by");
    REQUIRE(items.size() == 2);
    CHECK(items[0] == OrderItem{"timestamp", true, true});
    CHECK(items[1] == OrderItem{"id", false, false});
    CHECK(format_order_by(items) == "timestamp DESC, id");
    CHECK(format_order_by(parse_order_by("a asc nulls first, b desc nulls last", "--order-by")) ==
          "a NULLS FIRST, b DESC NULLS LAST");
    CHECK_THROWS_WITH(parse_order_by("a sideways", "--order-by"), "--order-by: 'a sideways' is not an ORDER BY item");
    CHECK_THROWS_WITH(parse_order_by("a, a desc", "--order-by"), "--order-by: column 'a' is listed twice");
}

TEST_CASE("parse_instant_flag")
{
    const time::Micros now = 1'700'000'000'000'000;
    CHECK(parse_instant_flag("7d", "--from", now) == now - 7LL * 86400 * 1'000'000);
    CHECK(parse_instant_flag("2026-01-02", "--from", now) == *time::parse_iso8601("2026-01-02T00:00:00Z"));
    CHECK_THROWS_WITH(parse_instant_flag("yesterdayish", "--from", now),
                      "--from: 'yesterdayish' is neither a time nor a duration");
}
