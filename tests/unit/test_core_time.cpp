#include "lib/core/time.hpp"

#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <utility>

using namespace devlog::time;
using namespace std::chrono_literals;

TEST_CASE("parse_iso8601")
{
    CHECK(parse_iso8601("1970-01-01T00:00:00Z") == 0);
    CHECK(parse_iso8601("2025-01-02T03:04:05Z") == 1735787045000000LL);
    CHECK(parse_iso8601("2025-01-02T03:04:05.123456789Z") == 1735787045123457LL);
    CHECK(parse_iso8601("2025-01-02T03:04:05.123456Z") == 1735787045123456LL);
    CHECK(parse_iso8601("2025-01-02T03:04:05,25Z") == 1735787045250000LL);
    CHECK(parse_iso8601("2025-01-02T03:04:05.000000000000000000000000001Z") == 1735787045000000LL);
    CHECK(parse_iso8601("2025-01-02T03:04:05.5Z") == 1735787045500000LL);
    CHECK(parse_iso8601("2025-01-02 05:04:05+02:00") == 1735787045000000LL);
    CHECK(parse_iso8601("2025-01-01T22:04:05-0500") == 1735787045000000LL);
    CHECK(parse_iso8601("2025-01-02T04:04:05+01") == 1735787045000000LL);
    CHECK(parse_iso8601("2025-01-02T03:04Z") == 1735787040000000LL);
    CHECK(parse_iso8601("2025-01-02") == 1735776000000000LL);
    CHECK(parse_iso8601("1969-12-31T23:59:59.999999Z") == -1);
    CHECK(parse_iso8601("2024-02-29T00:00:00Z").has_value());
    SUBCASE("fractions round as PostgreSQL rounds them")
    {
        // What PostgreSQL 15 answers for '2026-01-01 23:59:59<fraction>+00'::timestamptz:
        // rint(fraction * 1e6) of the double, ties to even, carried into the next second.
        const Micros second = *parse_iso8601("2026-01-01T23:59:59Z");
        const std::pair<const char*, Micros> cases[] = {{".1234567", 123457},
                                                        {".1234565", 123456},
                                                        {".1234575", 123458},
                                                        {".0000005", 0},
                                                        {".0000015", 2},
                                                        {".0000025", 2},
                                                        {".0000035", 4},
                                                        {".9999995", 1000000},
                                                        {".9999994", 999999},
                                                        {".12345650000001", 123457},
                                                        {".1234564999999999999", 123456},
                                                        {".5000005", 500000},
                                                        {".2500005", 250000}};
        for (const auto& [fraction, micros] : cases) {
            CAPTURE(fraction);
            CHECK(parse_iso8601(std::string("2026-01-01T23:59:59") + fraction + "Z") == second + micros);
        }
        CHECK(format_iso8601(*parse_iso8601("2026-01-01T23:59:59.9999995Z")) == "2026-01-02T00:00:00.000000Z");
    }
    SUBCASE("refused")
    {
        for (const char* bad : {"", "2025", "2025-13-01", "2025-02-29", "2025-01-02T03:04:05", "2025-01-02T25:00Z",
                                "2025-01-02T03:04:05.Z", "2025-01-02T03:04:05Zjunk", "2025-01-02T03:04:05+2",
                                "yesterday", "2025-1-2"}) {
            CAPTURE(bad);
            CHECK_FALSE(parse_iso8601(bad).has_value());
        }
    }
    CHECK(parse_iso8601("2025-01-02T03:04:05", Offset::assume_utc) == 1735787045000000LL);
}

TEST_CASE("from_epoch")
{
    CHECK(from_epoch(std::int64_t{1735787045}) == 1735787045000000LL);
    CHECK(from_epoch(std::int64_t{1735787045123}) == 1735787045123000LL);
    CHECK(from_epoch(std::int64_t{1735787045123456}) == 1735787045123456LL);
    CHECK(from_epoch(1735787045.25) == 1735787045250000LL);
    CHECK(from_epoch(1735787045123.5) == 1735787045123500LL);
    CHECK_FALSE(from_epoch(1e300).has_value());
    CHECK_FALSE(from_epoch(std::numeric_limits<std::int64_t>::min()).has_value());
    CHECK(from_epoch(std::int64_t{-1}) == -1000000LL);
}

TEST_CASE("format_iso8601")
{
    CHECK(format_iso8601(0) == "1970-01-01T00:00:00.000000Z");
    CHECK(format_iso8601(1735787045123456LL) == "2025-01-02T03:04:05.123456Z");
    CHECK(format_iso8601(-1) == "1969-12-31T23:59:59.999999Z");
    for (Micros t : {0LL, 951782400000001LL, 4102444799999999LL, -86400000000LL}) {
        CHECK(parse_iso8601(format_iso8601(t)) == t);
    }
}

TEST_CASE("parse_duration and format_interval")
{
    CHECK(parse_duration("30m") == std::chrono::microseconds(30min));
    CHECK(parse_duration("2h") == std::chrono::microseconds(2h));
    CHECK(parse_duration("7d") == std::chrono::microseconds(7 * 24h));
    CHECK(parse_duration("2w") == std::chrono::microseconds(14 * 24h));
    CHECK(parse_duration("1h30m") == std::chrono::microseconds(90min));
    CHECK(parse_duration("1.5h") == std::chrono::microseconds(90min));
    CHECK(parse_duration("7 days") == std::chrono::microseconds(7 * 24h));
    CHECK(parse_duration("250ms") == std::chrono::microseconds(250ms));
    for (const char* bad : {"", "7", "7x", "yesterdayish", "-1d", "d", "0s", "1.5.5h", "."}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_duration(bad).has_value());
    }
    CHECK(format_interval(std::chrono::microseconds(7 * 24h)) == "7 days");
    CHECK(format_interval(std::chrono::microseconds(1h)) == "1 hour");
    CHECK(format_interval(std::chrono::microseconds(90min)) == "90 minutes");
    CHECK(format_interval(std::chrono::microseconds(1500ms)) == "1500 milliseconds");
}
