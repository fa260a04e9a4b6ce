// Golden tests of the query SQL builders: each statement (text and parameters, Statement::describe)
// is compared with tests/fixtures/query/golden/NAME.sql. After an intended change, regenerate them
// with DEVLOG_UPDATE_GOLDEN=1 build/tests/devlog_unit_tests -tc='query SQL*' and review the diff.
#include "lib/query/sql.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace devlog;
using namespace devlog::query;

namespace {

const std::filesystem::path k_golden = std::filesystem::path(DEVLOG_TESTS_DIR) / "fixtures" / "query" / "golden";

void check_golden(const std::string& name, const Statement& st)
{
    const auto path = k_golden / (name + ".sql");
    const std::string actual = st.describe();
    const char* update = std::getenv("DEVLOG_UPDATE_GOLDEN");
    if (update != nullptr && std::string(update) == "1") {
        std::ofstream(path, std::ios::binary) << actual;
    }
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "missing golden file " << path << " (DEVLOG_UPDATE_GOLDEN=1 writes it)");
    std::ostringstream expected;
    expected << in.rdbuf();
    CAPTURE(path);
    CHECK(actual == expected.str());
}

constexpr time::Micros k_jan1 = 1'767'225'600'000'000; // 2026-01-01T00:00:00Z
constexpr time::Micros k_hour = 3'600'000'000;

EventFilter every_filter()
{
    EventFilter f;
    f.since = k_jan1;
    f.until = k_jan1 + 24 * k_hour;
    f.project_ids = {3, 7};
    f.session = Uuid::parse("0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b");
    f.agents = {"claude-code"};
    f.types = {"file_write", "tool_use"};
    f.severities = {"error"};
    f.tags = {"ci", "it's \"quoted\""};
    f.data = R"({"filePath":"src/a.ts"})";
    return f;
}

std::vector<std::size_t> all_event_columns()
{
    std::vector<std::size_t> all;
    for (std::size_t i = 0; i < event_columns().size(); ++i) {
        all.push_back(i);
    }
    return all;
}

} // namespace

TEST_CASE("query SQL: events")
{
    EventsSpec spec;
    spec.columns = all_event_columns();
    spec.limit = 100;
    check_golden("events_default", events_sql(spec));

    spec.filter = every_filter();
    spec.columns = {1, 2, 8};
    spec.limit = 50;
    spec.order = Order::asc;
    check_golden("events_every_filter", events_sql(spec));

    EventsSpec one;
    one.filter.project_ids = {3};
    one.filter.types = {"tool_use"};
    one.filter.since = k_jan1;
    one.columns = {0, 1};
    check_golden("events_no_limit", events_sql(one));
}

TEST_CASE("query SQL: follow")
{
    EventsSpec spec;
    spec.filter.agents = {"claude-code", "codex"};
    spec.columns = {1, 2};
    spec.limit = 10;
    spec.keys = true;
    spec.last_ascending = true;
    check_golden("follow_start", events_sql(spec));
    check_golden("follow_known_ids", known_ids_sql(spec.filter, k_jan1));
    check_golden("follow_poll",
                 follow_sql(spec, k_jan1, {"0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b", "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5c"},
                            1000));
    check_golden("follow_poll_nothing_seen", follow_sql(spec, k_jan1, {}, 1000));
}

TEST_CASE("query SQL: usage and sessions")
{
    PriceTable prices{"test", "2025-11-30", {{"claude-sonnet-4-5", 3, 15, 0.3, 3.75}}};
    check_golden("usage_by_day", usage_sql({}, UsageBy::day, prices));
    EventFilter f;
    f.since = k_jan1;
    f.project_ids = {3};
    check_golden("usage_by_project", usage_sql(f, UsageBy::project, prices));
    check_golden("usage_by_model", usage_sql(f, UsageBy::model, prices));
    check_golden("sessions", sessions_sql(f, prices, 100));
}

TEST_CASE("query SQL: timeline")
{
    const Rollup hourly{"agent_events_hourly", std::chrono::hours(1), {{k_jan1 - 48 * k_hour, k_jan1 + 20 * k_hour}},
                        true};
    const Rollup daily{"agent_events_daily", std::chrono::hours(24), {{k_jan1 - 48 * k_hour, k_jan1}}, true};
    TimelineSpec spec;
    spec.range = {k_jan1, k_jan1 + 24 * k_hour};
    spec.bucket = std::chrono::hours(1);
    spec.segments = plan_segments(spec.range, spec.bucket, {});
    check_golden("timeline_raw", timeline_sql(spec));

    spec.timescaledb = true;
    spec.by = TimelineBy::agent;
    spec.filter.project_ids = {3};
    spec.filter.types = {"llm_response"};
    spec.segments = plan_segments(spec.range, spec.bucket, {hourly, daily});
    REQUIRE(spec.segments.size() == 2);
    check_golden("timeline_hourly_and_tail", timeline_sql(spec));

    spec.range = {k_jan1 - 48 * k_hour, k_jan1 + 24 * k_hour};
    spec.bucket = std::chrono::hours(24);
    spec.by = TimelineBy::project;
    spec.segments = plan_segments(spec.range, spec.bucket, {hourly, daily});
    REQUIRE(spec.segments.size() == 3);
    check_golden("timeline_daily_hourly_raw_by_project", timeline_sql(spec));
}

TEST_CASE("Statement::inlined")
{
    Statement st;
    st << "SELECT " << st.bind("it's") << "::text, " << st.bind(std::nullopt) << ", '$1', $12";
    CHECK(st.inlined() == "SELECT 'it''s'::text, NULL, '$1', $12");
    CHECK(array_literal({"a", "b\"c", "d\\e"}) == R"({"a","b\"c","d\\e"})");
}
