#include "lib/core/errors.hpp"
#include "lib/partition/convert.hpp"
#include "lib/partition/period.hpp"

#include <doctest/doctest.h>

using namespace devlog;
using namespace devlog::partition;

namespace {
time::Micros at(const char* iso)
{
    return time::parse_iso8601(iso).value();
}
} // namespace

TEST_CASE("partition periods")
{
    SUBCASE("floor and advance, day and month, in UTC")
    {
        CHECK(floor(at("2025-01-31T23:59:59.999999Z"), Period::day) == at("2025-01-31"));
        CHECK(floor(at("2025-02-01T01:00:00+02:00"), Period::day) == at("2025-01-31"));
        CHECK(floor(at("1969-12-31T12:00:00Z"), Period::day) == at("1969-12-31"));
        CHECK(floor(at("2025-02-28T12:00:00Z"), Period::month) == at("2025-02-01"));
        CHECK(advance(at("2025-01-01"), Period::month, 1) == at("2025-02-01"));
        CHECK(advance(at("2025-12-01"), Period::month, 1) == at("2026-01-01"));
        CHECK(advance(at("2025-01-01"), Period::month, -1) == at("2024-12-01"));
        CHECK(advance(at("2024-02-28"), Period::day, 2) == at("2024-03-01"));
    }
    SUBCASE("period_of")
    {
        CHECK(period_of(at("2025-01-31"), at("2025-02-01")) == Period::day);
        CHECK(period_of(at("2025-02-01"), at("2025-03-01")) == Period::month);
        CHECK(period_of(at("2025-02-01"), at("2025-02-08")) == std::nullopt);
        CHECK(period_of(at("2025-02-01T01:00:00Z"), at("2025-02-02T01:00:00Z")) == std::nullopt);
    }
    SUBCASE("names")
    {
        CHECK(partition_name("agent_events", at("2025-01-31"), Period::day) == "agent_events_p20250131");
        CHECK(partition_name("performance_metrics", at("2025-01-01"), Period::month) == "performance_metrics_p202501");
        CHECK(default_partition_name("agent_events") == "agent_events_default");
        CHECK(format_period(at("2025-03-01"), Period::month) == "2025-03");
        CHECK_THROWS_AS(partition_name(std::string(60, 'x'), at("2025-01-31"), Period::day), UsageError);
        CHECK(parse_period("monthly") == Period::month);
        CHECK(parse_period("weekly") == std::nullopt);
    }
}

TEST_CASE("partition::plan")
{
    const time::Micros now = at("2025-03-10T15:00:00Z");
    const std::vector<Range> existing = {
        {"e_p20250308", at("2025-03-08"), at("2025-03-09")},
        {"e_p20250310", at("2025-03-10"), at("2025-03-11")},
        {"e_p20250311", at("2025-03-11"), at("2025-03-12")},
    };
    SUBCASE("creates the current period and the ones ahead that are missing")
    {
        const auto p = plan("e", existing, Period::day, now, 3, std::nullopt);
        REQUIRE(p.create.size() == 2);
        CHECK(p.create[0] == Range{"e_p20250312", at("2025-03-12"), at("2025-03-13")});
        CHECK(p.create[1] == Range{"e_p20250313", at("2025-03-13"), at("2025-03-14")});
        CHECK(p.drop.empty());
    }
    SUBCASE("never overlaps an existing partition of another width")
    {
        const std::vector<Range> monthly = {{"e_p202503", at("2025-03-01"), at("2025-04-01")}};
        const auto p = plan("e", monthly, Period::day, now, 2, std::nullopt);
        CHECK(p.create.empty());
    }
    SUBCASE("drops only partitions whose every row expired")
    {
        // cutoff 2025-03-09T15:00: 03-08 ends at 03-09 00:00 (expired); 03-10 does not.
        const auto p = plan("e", existing, Period::day, now, 0, std::chrono::hours(24));
        REQUIRE(p.drop.size() == 1);
        CHECK(p.drop[0].name == "e_p20250308");
        const auto exact = plan("e", existing, Period::day, at("2025-03-10T00:00:00Z"), 0, std::chrono::hours(24));
        CHECK(exact.drop.size() == 1); // ends exactly at the cutoff
    }
}

TEST_CASE("convert::partitions_for")
{
    const auto ranges = convert::partitions_for({at("2025-01-05"), at("2025-03-01")}, Period::day, at("2025-03-01T10:00:00Z"), 2);
    std::vector<std::string> names;
    for (const auto& r : ranges) {
        names.push_back(r.name);
    }
    CHECK(names == std::vector<std::string>{"agent_events_p20250105", "agent_events_p20250301", "agent_events_p20250302",
                                            "agent_events_p20250303"});
}
