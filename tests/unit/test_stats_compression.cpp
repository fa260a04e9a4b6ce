#include "lib/stats/snapshot.hpp"

#include <doctest/doctest.h>

using namespace devlog;
using nlohmann::json;

namespace {

// A row of sql/stats/compression.sql.
std::vector<json> chunk(const char* hypertable, bool enabled, const char* name, const char* status, json rows,
                        json before, json after, json live_compressed, json live_chunk)
{
    return {hypertable, enabled, name, "2026-01-01T00:00:00.000000Z", "2026-01-02T00:00:00.000000Z", status,
            rows, before, after, live_compressed, live_chunk};
}

} // namespace

TEST_CASE("summarize_compression")
{
    const output::Table chunks{
        {},
        {chunk("agent_events", true, "_hyper_1_1_chunk", "compressed", 1000, 400000, 40000, 40000, 16384),
         chunk("agent_events", true, "_hyper_1_2_chunk", "partial", 1000, 400000, 60000, 60000, 24576),
         chunk("agent_events", true, "_hyper_1_3_chunk", "uncompressed", nullptr, nullptr, nullptr, nullptr, 500000),
         chunk("other", false, "_hyper_2_4_chunk", "uncompressed", nullptr, nullptr, nullptr, nullptr, 8192)}};

    SUBCASE("per hypertable")
    {
        const auto report = stats::summarize_compression(chunks, false);
        REQUIRE(report.table.rows.size() == 2);
        CHECK(report.table.columns ==
              std::vector<std::string>{"hypertable", "chunks", "compressed_chunks", "partial_chunks",
                                       "rows_compressed", "before_bytes", "after_bytes", "ratio", "bytes_per_event",
                                       "live_bytes", "note"});
        CHECK(report.table.rows[0] ==
              std::vector<json>{"agent_events", 3, 2, 1, 2000, 800000, 100000, 8.0, 50, 140960,
                                "1 chunk got rows after compression: the recorded sizes are stale until they are "
                                "recompressed"});
        CHECK(report.table.rows[1] ==
              std::vector<json>{"other", 1, 0, 0, 0, 0, 0, nullptr, nullptr, 0, "compression is not enabled"});
    }
    SUBCASE("per chunk")
    {
        const auto report = stats::summarize_compression(chunks, true);
        REQUIRE(report.table.rows.size() == 4);
        CHECK(report.table.rows[0][8] == 10.0); // ratio
        CHECK(report.table.rows[0][9] == 40);   // bytes per event
        CHECK(report.table.rows[0][10] == 56384);
        CHECK(report.table.rows[0][11] == "");
        CHECK(report.table.rows[1][11] ==
              "rows were added after compression: the recorded sizes are stale until it is recompressed");
        CHECK(report.table.rows[2][5].is_null());
        CHECK(report.table.rows[2][10] == 500000);
    }
    SUBCASE("changed compressed data")
    {
        const output::Table changed{
            {}, {chunk("agent_events", true, "c", "compressed", 10, 1000, 100, 200, 0)}};
        CHECK(stats::summarize_compression(changed, false).table.rows[0][10] ==
              "the compressed data of 1 chunk changed since it was recorded");
    }
}
