#include "lib/rollup/plain.hpp"

#include <doctest/doctest.h>

using namespace devlog;

TEST_CASE("rollup::table_sql makes the plain table of k_columns, each commented, the relation marked")
{
    const auto sql = rollup::table_sql("\"s\"", rollup::k_hourly, std::chrono::hours(1));
    REQUIRE(sql.size() == 2 + rollup::k_columns.size());
    CHECK(sql[0].starts_with("CREATE TABLE \"s\".\"agent_events_hourly\" (\n    \"bucket\" timestamp with time zone NOT NULL,\n"));
    CHECK(sql[0].find("    \"total_tokens\" bigint,\n    \"duration_ms_sum\" double precision,\n    \"duration_count\" bigint "
                      "NOT NULL,\n") != std::string::npos);
    CHECK(sql[0].ends_with("CONSTRAINT \"agent_events_hourly_pkey\" PRIMARY KEY (bucket, project_id, agent_id, event_type)\n)"));
    CHECK(sql[1].find(std::string(rollup::k_marker)) != std::string::npos);
    CHECK(sql[1].starts_with("COMMENT ON TABLE \"s\".\"agent_events_hourly\" IS 'agent_events_hourly: agent_events per hour"));
    CHECK(sql.back() == "COMMENT ON COLUMN \"s\".\"agent_events_hourly\".\"cost_count\" IS 'Events whose metrics.cost was "
                        "summed into cost_sum'");
}
