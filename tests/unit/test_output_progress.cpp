#include "lib/output/progress.hpp"

#include <doctest/doctest.h>

using namespace devlog;
using namespace devlog::output;
using namespace std::chrono_literals;

TEST_CASE("format_count, format_bytes, format_clock")
{
    CHECK(format_count(0) == "0");
    CHECK(format_count(999) == "999");
    CHECK(format_count(1000) == "1,000");
    CHECK(format_count(1234567) == "1,234,567");
    CHECK(format_count(18446744073709551615ULL) == "18,446,744,073,709,551,615");
    CHECK(format_bytes(0) == "0 B");
    CHECK(format_bytes(999) == "999 B");
    CHECK(format_bytes(1000) == "1.0 kB");
    CHECK(format_bytes(3'245'000) == "3.2 MB");
    CHECK(format_bytes(999'960'000) == "1.0 GB");
    CHECK(format_bytes(64'000'000) == "64.0 MB");
    CHECK(format_clock(0s) == "0:00");
    CHECK(format_clock(11'200ms) == "0:12");
    CHECK(format_clock(725s) == "12:05");
    CHECK(format_clock(3723s) == "1:02:03");
}

TEST_CASE("format_progress")
{
    Progress p{.task = "importing events.ndjson", .unit = "rows", .done = 12345, .bytes = 3'200'000};
    SUBCASE("no rate in the first second")
    {
        CHECK(format_progress(p, 500ms) == "importing events.ndjson: 12,345 rows · 3.2 MB");
    }
    SUBCASE("no total: rate, no ETA")
    {
        CHECK(format_progress(p, 3s) == "importing events.ndjson: 12,345 rows · 3.2 MB · 4,115 rows/s");
    }
    SUBCASE("file size known: ETA from the bytes")
    {
        p.total_bytes = 64'000'000;
        CHECK(format_progress(p, 3s) ==
              "importing events.ndjson: 12,345 rows · 3.2 MB of 64.0 MB (5%) · 4,115 rows/s · ETA 0:57");
    }
    SUBCASE("row total known: percentage and ETA from the rows")
    {
        p.total = 100000;
        p.total_bytes = 64'000'000;
        CHECK(format_progress(p, 3s) ==
              "importing events.ndjson: 12,345 of 100,000 rows (12%) · 3.2 MB of 64.0 MB · 4,115 rows/s · ETA 0:22");
    }
    SUBCASE("no bytes tracked, slow rate, hours left")
    {
        const Progress q{.task = "", .unit = "files", .done = 3, .total = 100000};
        CHECK(format_progress(q, 10s) == "3 of 100,000 files (0%) · 0.3 files/s · ETA 92:35:24");
    }
}

TEST_CASE("format_summary")
{
    const Progress p{.task = "uploading", .unit = "events", .done = 1000, .total = 5000, .bytes = 2'000'000};
    CHECK(format_summary(p, 4200ms, TaskEnd::finished) ==
          "uploading: done: 1,000 events · 2.0 MB in 4.2 s · 238 events/s");
    CHECK(format_summary(p, 65s, TaskEnd::stopped) ==
          "uploading: stopped after 1,000 of 5,000 events (20%) · 2.0 MB in 1:05 · 15.4 events/s");
    CHECK(format_summary(Progress{.task = "scanning"}, 0s, TaskEnd::finished) == "scanning: done: 0 rows in 0.0 s");
}
