#include "lib/rollup/contract.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace devlog;

TEST_CASE("rollup::select_sql names the contract's columns, in order")
{
    const std::string sql = rollup::select_sql(rollup::time_bucket_expression(std::chrono::hours(1)), "agent_events");
    CHECK(sql.starts_with("SELECT time_bucket(INTERVAL '1 hour', \"timestamp\") AS bucket, project_id, agent_id, "
                          "event_type,"));
    CHECK(sql.ends_with("FROM agent_events\nGROUP BY time_bucket(INTERVAL '1 hour', \"timestamp\"), project_id, "
                        "agent_id, event_type"));
    std::vector<std::string> names = {"bucket", "project_id", "agent_id", "event_type"};
    const std::regex as(R"( AS ([a-z_]+)\b)");
    for (auto it = std::sregex_iterator(sql.begin(), sql.end(), as); it != std::sregex_iterator(); ++it) {
        if ((*it)[1] != "bucket") {
            names.push_back((*it)[1]);
        }
    }
    REQUIRE(names.size() == rollup::k_columns.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        CHECK(names[i] == rollup::k_columns[i].name);
    }
    // Every metric is read defensively: typed before it is cast.
    CHECK(sql.find("CASE WHEN jsonb_typeof(metrics -> 'durationMs') = 'number' THEN CASE WHEN (metrics -> "
                   "'durationMs')::numeric BETWEEN 0 AND 10000000000") != std::string::npos);
    CHECK(sql.find("metrics->>") == std::string::npos);
    CHECK(sql.find("avg(") == std::string::npos);
    CHECK(rollup::relation_comment("agent_events_daily", std::chrono::hours(24)).find(rollup::k_marker) !=
          std::string::npos);
}

TEST_CASE("rollup::select_sql without group keys: the totals, the same measures per bucket")
{
    const std::string sql = rollup::select_sql(rollup::time_bucket_expression(std::chrono::minutes(5)), "e", false);
    CHECK(sql.starts_with("SELECT time_bucket(INTERVAL '5 minutes', \"timestamp\") AS bucket,\n    count(*) AS event_count"));
    CHECK(sql.ends_with("FROM e\nGROUP BY time_bucket(INTERVAL '5 minutes', \"timestamp\")"));
    CHECK(sql.find("project_id") == std::string::npos);
    // The same measure expressions as the grouped rollups.
    const std::string grouped = rollup::select_sql(rollup::time_bucket_expression(std::chrono::minutes(5)), "e");
    const auto measures = [](const std::string& s) { return s.substr(s.find("count(*) AS event_count"), s.find("FROM e") - s.find("count(*) AS event_count")); };
    CHECK(measures(sql) == measures(grouped));
    const auto columns = rollup::columns(false);
    REQUIRE(columns.size() == rollup::k_columns.size() - 3);
    CHECK(columns[0].name == "bucket");
    CHECK(columns[1].name == "event_count");
    CHECK(rollup::columns(true).size() == rollup::k_columns.size());
    CHECK(rollup::relation_comment(rollup::k_totals, std::chrono::minutes(5), false) ==
          "agent_events_totals_5m: agent_events per bucket of 5 minutes (UTC), all events together; sums and counts only, "
          "so buckets add up (except session_count). devlogctl rollup contract v1.");
}

TEST_CASE("rollup::metric reads one metric with the contract's range, for any alias")
{
    CHECK(rollup::metric("e", "tokenCount") ==
          "CASE WHEN jsonb_typeof(e.metrics -> 'tokenCount') = 'number' THEN CASE WHEN (e.metrics -> 'tokenCount')::numeric "
          "BETWEEN 0 AND 1000000000 THEN (e.metrics -> 'tokenCount')::numeric END END");
    CHECK(rollup::metric("", "cost").find("(metrics -> 'cost')::numeric BETWEEN 0 AND 1000000 THEN") != std::string::npos);
    CHECK(rollup::metric("r", "durationMs").find("BETWEEN 0 AND 10000000000") != std::string::npos);
    // select_sql sums exactly these expressions.
    const std::string sql = rollup::select_sql("b", "s");
    for (const char* key : {"promptTokens", "responseTokens", "cacheReadTokens", "cacheCreationTokens", "tokenCount",
                            "durationMs", "cost"}) {
        CHECK(sql.find(rollup::metric("", key)) != std::string::npos);
    }
    CHECK_THROWS_AS(rollup::metric("e", "linesAdded"), std::invalid_argument);
}

TEST_CASE("rollup::date_bin_expression gives time_bucket's buckets on plain PostgreSQL")
{
    CHECK(rollup::date_bin_expression(std::chrono::hours(24)) ==
          "date_bin(INTERVAL '1 day', \"timestamp\", TIMESTAMPTZ '2000-01-01 00:00:00+00')");
}
