#include "lib/core/errors.hpp"
#include "lib/rollup/contract.hpp"
#include "lib/timescale/plan.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace devlog;
using namespace devlog::timescale;
using std::chrono::hours;

namespace {

constexpr time::Micros k_now = 1'767'225'600'000'000; // 2026-01-01T00:00:00Z
constexpr std::int64_t k_hour = 3'600'000'000;

// A migrated database with TimescaleDB VERSION created and nothing set up.
State fresh(const char* version = "2.28.3")
{
    State s;
    s.caps.server_version = "15.18";
    s.caps.available = Version::parse("2.28.3");
    s.caps.installed = Version::parse(version);
    s.caps.shared_preload_libraries = "timescaledb";
    s.caps.columnstore_api = *s.caps.installed >= k_columnstore_api;
    s.now = k_now;
    auto& t = s.table;
    t.exists = true;
    t.schema = "public";
    t.name = "agent_events";
    t.columns = {"id",         "timestamp", "event_type", "agent_id", "agent_version",   "session_id",
                 "project_id", "context",   "data",       "metrics",  "parent_event_id", "related_event_ids",
                 "tags",       "severity"};
    t.indexes = {"agent_events_pkey", "idx_agent_events_session_time", "idx_agent_events_time"};
    CHECK(s.aggregates[0].name == "agent_events_hourly"); // State's defaults
    CHECK(s.aggregates[2].name == "agent_events_totals_5m");
    CHECK_FALSE(s.aggregates[2].grouped);
    return s;
}

Interval iv(std::int64_t hours_count, std::string text)
{
    return {std::move(text), microseconds(hours_count * k_hour)};
}

// STATE as `setup` with the default settings leaves it.
State set_up(const char* version = "2.28.3")
{
    State s = fresh(version);
    auto& t = s.table;
    t.hypertable = true;
    t.chunk_interval = iv(24, "1 day");
    t.compression_enabled = true;
    t.segment_by = {"project_id", "agent_id", "event_type"};
    t.order_by = {{"timestamp", true, true}, {"id", false, false}};
    t.compression_job = 1000;
    t.compress_after = iv(24 * 7, "7 days");
    t.retention_job = 1001;
    t.drop_after = iv(24 * 365, "365 days");
    t.reorder_job = 1002;
    t.reorder_index = "idx_agent_events_session_time";
    t.min_time = k_now - 30 * 24 * k_hour;
    int job = 1003;
    for (auto& a : s.aggregates) {
        a.exists = a.continuous = a.marked = a.columns_match = true;
        a.policy_job = job++;
        a.watermark = k_now - 2 * k_hour;
        const bool hourly = a.name == "agent_events_hourly";
        const bool totals = a.name == "agent_events_totals_5m";
        a.schedule = hourly   ? Interval{"00:10:00", std::chrono::minutes(10)}
                     : totals ? Interval{"00:05:00", std::chrono::minutes(5)}
                              : iv(1, "01:00:00");
        a.start_offset = hourly || totals ? iv(24, "1 day") : iv(72, "3 days");
        a.end_offset = hourly   ? Interval{"00:05:00", std::chrono::minutes(5)}
                       : totals ? Interval{"00:01:00", std::chrono::minutes(1)}
                                : iv(1, "01:00:00");
    }
    return s;
}

const Step& step(const Plan& plan, const std::string& name)
{
    const auto it = std::find_if(plan.steps.begin(), plan.steps.end(), [&](const Step& s) { return s.name == name; });
    REQUIRE_MESSAGE(it != plan.steps.end(), "no step " << name);
    return *it;
}

std::vector<std::string> names(const Plan& plan)
{
    std::vector<std::string> out;
    for (const auto& s : plan.steps) {
        out.push_back(s.name);
    }
    return out;
}

} // namespace

TEST_CASE("plan: a fresh database")
{
    SUBCASE("2.28.3: every step applies, with the columnstore API")
    {
        const auto p = plan(Settings{}, fresh());
        CHECK(names(p) == std::vector<std::string>{
                              "extension", "hypertable", "columnstore", "columnstore policy", "retention policy",
                              "reorder policy", "aggregate agent_events_hourly", "aggregate agent_events_daily",
                              "aggregate agent_events_totals_5m", "refresh policy agent_events_hourly",
                              "refresh policy agent_events_daily", "refresh policy agent_events_totals_5m",
                              "materialize agent_events_hourly", "materialize agent_events_daily",
                              "materialize agent_events_totals_5m"});
        CHECK(step(p, "extension").outcome == Outcome::in_place);
        const auto& h = step(p, "hypertable");
        CHECK(h.outcome == Outcome::apply);
        CHECK(h.work == Work::plain); // no rows
        CHECK(render(h.statements.at(0)) ==
              "SELECT \"public\".create_hypertable('\"public\".\"agent_events\"'::regclass, 'timestamp'::name, "
              "chunk_time_interval => '1 day'::interval, migrate_data => true)");
        CHECK(
            render(step(p, "columnstore").statements.at(0)) ==
            "ALTER TABLE \"public\".\"agent_events\" SET (timescaledb.enable_columnstore = true, timescaledb.segmentby "
            "= 'project_id, agent_id, event_type', timescaledb.orderby = 'timestamp DESC, id')");
        const auto& policy = step(p, "columnstore policy");
        CHECK(render(policy.statements.at(0)) ==
              "CALL \"public\".add_columnstore_policy('\"public\".\"agent_events\"'::regclass, after => '7 "
              "days'::interval)");
        CHECK(policy.new_value == "after 7 days");
        CHECK(render(step(p, "retention policy").statements.at(0)) ==
              "SELECT \"public\".add_retention_policy('\"public\".\"agent_events\"'::regclass, drop_after => '365 "
              "days'::interval)");
        const auto& hourly = step(p, "aggregate agent_events_hourly");
        REQUIRE(hourly.statements.size() == 2 + rollup::k_columns.size());
        CHECK(hourly.statements[0].sql.starts_with(
            "CREATE MATERIALIZED VIEW \"public\".\"agent_events_hourly\" WITH (timescaledb.continuous, "
            "timescaledb.materialized_only = true) AS\nSELECT time_bucket(INTERVAL '1 hour', \"timestamp\") AS "
            "bucket"));
        CHECK(hourly.statements[2].sql ==
              "COMMENT ON COLUMN \"public\".\"agent_events_hourly\".\"bucket\" IS 'Start of "
              "the bucket (UTC): time_bucket of agent_events.timestamp'");
        CHECK(render(step(p, "refresh policy agent_events_daily").statements.at(0)) ==
              "SELECT \"public\".add_continuous_aggregate_policy('\"public\".\"agent_events_daily\"'::regclass, "
              "start_offset => '3 days'::interval, end_offset => '1 hour'::interval, schedule_interval => '1 "
              "hour'::interval)");
        // The totals: no group keys, one row per 5 minutes, refreshed every 5 minutes up to a minute ago.
        const auto& totals = step(p, "aggregate agent_events_totals_5m");
        CHECK(totals.new_value == "continuous aggregate per 5 minutes, all events together");
        REQUIRE(totals.statements.size() == 2 + rollup::k_columns.size() - 3);
        CHECK(totals.statements[0].sql.starts_with(
            "CREATE MATERIALIZED VIEW \"public\".\"agent_events_totals_5m\" WITH (timescaledb.continuous, "
            "timescaledb.materialized_only = true) AS\nSELECT time_bucket(INTERVAL '5 minutes', \"timestamp\") AS "
            "bucket,\n    count(*) AS event_count"));
        CHECK(totals.statements[0].sql.find("GROUP BY time_bucket(INTERVAL '5 minutes', \"timestamp\")\nWITH NO DATA") !=
              std::string::npos);
        CHECK(totals.statements[0].sql.find("project_id") == std::string::npos);
        CHECK(render(step(p, "refresh policy agent_events_totals_5m").statements.at(0)) ==
              "SELECT \"public\".add_continuous_aggregate_policy('\"public\".\"agent_events_totals_5m\"'::regclass, "
              "start_offset => '1 day'::interval, end_offset => '1 minute'::interval, schedule_interval => '5 "
              "minutes'::interval)");
        CHECK(step(p, "materialize agent_events_hourly").outcome == Outcome::in_place); // no rows
    }
    SUBCASE("2.17.2: the compression API")
    {
        const auto p = plan(Settings{}, fresh("2.17.2"));
        CHECK(render(step(p, "compression policy").statements.at(0)) ==
              "SELECT \"public\".add_compression_policy('\"public\".\"agent_events\"'::regclass, compress_after => '7 "
              "days'::interval)");
        CHECK_FALSE(step(p, "compression policy").statements.at(0).autocommit);
        CHECK(step(p, "compression").statements.at(0).sql.find("timescaledb.compress_orderby") != std::string::npos);
        CHECK(step(p, "extension").note == "2.28.3 is installed on the server: update with ALTER EXTENSION timescaledb "
                                           "UPDATE as the first command of a new session");
    }
    SUBCASE("no extension yet: created, and the API predicted from the server's version")
    {
        State s = fresh();
        s.caps.installed.reset();
        s.caps.columnstore_api = true;
        const auto p = plan(Settings{}, s);
        CHECK(step(p, "extension").outcome == Outcome::apply);
        CHECK(step(p, "extension").statements.at(0).sql == "CREATE EXTENSION IF NOT EXISTS timescaledb");
        CHECK(step(p, "columnstore policy").outcome == Outcome::apply);
    }
    SUBCASE("rows already there: moved with progress, history materialized")
    {
        State s = fresh();
        s.table.row_estimate = 5000;
        s.table.min_time = k_now - 10 * 24 * k_hour - 1234;
        const auto p = plan(Settings{}, s);
        CHECK(step(p, "hypertable").work == Work::convert);
        const auto& m = step(p, "materialize agent_events_hourly");
        CHECK(m.outcome == Outcome::apply);
        CHECK(m.work == Work::batches);
        CHECK(m.statements.size() == 2); // 10 days in weeks
        CHECK(m.statements.front().params.at(1) == "2025-12-21T23:00:00.000000Z");
        CHECK(m.statements.back().params.at(2) == "2025-12-31T23:00:00.000000Z");
        CHECK(m.statements.front().autocommit);
    }
}

TEST_CASE("plan: an up-to-date database changes nothing")
{
    for (const char* version : {"2.17.2", "2.28.3"}) {
        CAPTURE(version);
        const auto p = plan(Settings{}, set_up(version));
        CHECK_FALSE(p.changes());
        for (const auto& s : p.steps) {
            CAPTURE(s.name);
            CHECK(s.outcome == Outcome::in_place);
            CHECK(s.statements.empty());
        }
        CHECK(step(p, "refresh policy agent_events_hourly").new_value ==
              "every 10 minutes, window 1 day to 5 minutes ago");
    }
}

TEST_CASE("plan: changing one setting changes exactly that")
{
    Settings settings;
    settings.compress_after = hours(24 * 3);
    settings.retain = hours(24 * 730);
    const auto p = plan(settings, set_up());
    for (const auto& s : p.steps) {
        CAPTURE(s.name);
        CHECK((s.outcome == Outcome::change) == (s.name == "columnstore policy" || s.name == "retention policy"));
    }
    const auto& c = step(p, "columnstore policy");
    CHECK(c.old_value == "after 7 days");
    CHECK(c.new_value == "after 3 days");
    CHECK(
        render(c.statements.at(0)) ==
        "SELECT \"public\".alter_job(j.job_id, config => pg_catalog.jsonb_set(j.config, '{compress_after}', "
        "pg_catalog.to_jsonb('3 days'::interval::text))) FROM timescaledb_information.jobs j WHERE j.job_id = '1000'");
    CHECK(step(p, "retention policy").old_value == "drop after 365 days");
    CHECK(step(p, "retention policy").new_value == "drop after 730 days");

    SUBCASE("chunk interval and compression settings")
    {
        Settings s2;
        s2.chunk_interval = hours(12);
        s2.segment_by = {"project_id"};
        const auto p2 = plan(s2, set_up("2.17.2"));
        CHECK(step(p2, "hypertable").old_value == "chunks of 1 day");
        CHECK(step(p2, "hypertable").new_value == "chunks of 12 hours");
        CHECK(step(p2, "compression").old_value ==
              "segment by project_id, agent_id, event_type; order by timestamp DESC, id");
        CHECK(step(p2, "compression").new_value == "segment by project_id; order by timestamp DESC, id");
    }
    SUBCASE("--no-retention and --no-reorder remove the policies; --no-aggregates leaves them")
    {
        Settings s3;
        s3.retention = Want::remove;
        s3.reorder = Want::remove;
        s3.aggregates = Want::leave;
        const auto p3 = plan(s3, set_up());
        CHECK(step(p3, "retention policy").outcome == Outcome::change);
        CHECK(step(p3, "retention policy").new_value == "none");
        CHECK(step(p3, "reorder policy").statements.at(0).sql ==
              "SELECT \"public\".remove_reorder_policy($1::regclass, if_exists => true)");
        CHECK(step(p3, "aggregate agent_events_hourly").outcome == Outcome::skip);
        CHECK(step(p3, "aggregate agent_events_hourly").note == "--no-aggregates: left as it is");
    }
    SUBCASE("a refresh policy's window")
    {
        Settings s4;
        s4.hourly.start = hours(48);
        const auto p4 = plan(s4, set_up());
        const auto& r = step(p4, "refresh policy agent_events_hourly");
        CHECK(r.outcome == Outcome::change);
        CHECK(r.old_value == "every 10 minutes, window 1 day to 5 minutes ago");
        CHECK(r.new_value == "every 10 minutes, window 2 days to 5 minutes ago");
    }
}

TEST_CASE("plan: materialize what the refresh policy cannot reach")
{
    State s = set_up();
    s.aggregates[0].first_unmaterialized = k_now - 3 * 24 * k_hour; // older than the 1-day window
    s.aggregates[1].first_unmaterialized = k_now - 2 * 24 * k_hour; // inside the 3-day window
    const auto p = plan(Settings{}, s);
    CHECK(step(p, "materialize agent_events_hourly").outcome == Outcome::apply);
    CHECK(step(p, "materialize agent_events_daily").outcome == Outcome::in_place);

    // Late events below the watermark, older than the daily window: refreshed from there.
    s.aggregates[1].first_late = k_now - 5 * 24 * k_hour - 7;
    const auto late = plan(Settings{}, s);
    const auto& m = step(late, "materialize agent_events_daily");
    CHECK(m.outcome == Outcome::apply);
    CHECK(m.statements.front().params.at(1) == "2025-12-26T00:00:00.000000Z");
}

TEST_CASE("plan: refusals")
{
    SUBCASE("no table")
    {
        State s = fresh();
        s.table.exists = false;
        CHECK_THROWS_WITH(plan(Settings{}, s), "table agent_events does not exist in this database");
    }
    SUBCASE("unknown column, overlapping columns, unknown index")
    {
        Settings a;
        a.segment_by = {"project"};
        CHECK_THROWS_WITH_AS(plan(a, fresh()), "--segment-by: public.agent_events has no column 'project'",
                             UsageError);
        Settings b;
        b.order_by = {{"agent_id", false, false}};
        CHECK_THROWS_WITH(plan(b, fresh()), "--order-by: column 'agent_id' is also in --segment-by");
        Settings c;
        c.reorder_index = "nope";
        CHECK_THROWS_WITH(plan(c, fresh()), "--reorder-index: public.agent_events has no index 'nope'");
    }
    SUBCASE("refresh windows and retention")
    {
        Settings a;
        a.daily.start = hours(36);
        CHECK_THROWS_WITH(plan(a, fresh()),
                          "--daily-refresh-start 36 hours and --daily-refresh-end 1 hour leave a refresh window under "
                          "two 1 day buckets, which TimescaleDB refuses");
        Settings b;
        b.retain = hours(48);
        CHECK_THROWS_AS(plan(b, fresh()), UsageError);
    }
    SUBCASE("a part that needs a hypertable")
    {
        CHECK_THROWS_WITH(plan(Settings{}, fresh(), part_retention),
                          "public.agent_events is not a hypertable: a retention policy needs one");
    }
    SUBCASE("rollups that are not devlogctl's")
    {
        State s = set_up();
        s.aggregates[0].marked = false; // e.g. seed 002's agent_events_hourly
        CHECK_THROWS_WITH(plan(Settings{}, s),
                          "public.agent_events_hourly exists and is a continuous aggregate "
                          "that does not follow devlogctl's rollup contract (made by seed 002's "
                          "script or an older tool?)");
        Settings replace;
        replace.replace_aggregates = true;
        const auto p = plan(replace, s);
        const auto& a = step(p, "aggregate agent_events_hourly");
        CHECK(a.outcome == Outcome::change);
        CHECK(a.statements.at(0).sql == "DROP MATERIALIZED VIEW \"public\".\"agent_events_hourly\"");
        CHECK(step(p, "refresh policy agent_events_hourly").outcome == Outcome::apply);
        CHECK(step(p, "materialize agent_events_hourly").outcome == Outcome::apply);
    }
    SUBCASE("compression off with compressed chunks")
    {
        State s = set_up();
        s.table.compressed_chunks = 3;
        Settings off;
        off.compression = Want::remove;
        CHECK_THROWS_WITH(
            plan(off, s, part_compression),
            "public.agent_events has 3 compressed chunks: columnstore cannot be turned off before "
            "they are decompressed");
        s.table.compressed_chunks = 0;
        const auto p = plan(off, s, part_compression);
        CHECK(names(p) == std::vector<std::string>{"columnstore policy", "columnstore"});
        CHECK(step(p, "columnstore").new_value == "off");
    }
}

TEST_CASE("plan_compress, plan_decompress, plan_refresh")
{
    State s = set_up("2.17.2");
    const time::Micros day = 24 * k_hour;
    for (int i = 10; i >= 1; --i) {
        s.table.chunk_list.push_back({"\"_timescaledb_internal\".\"c" + std::to_string(i) + "\"", k_now - i * day,
                                      k_now - (i - 1) * day, i >= 9, i == 9});
    }
    const auto c = plan_compress(s, hours(24 * 7));
    CHECK(c.outcome == Outcome::apply);
    REQUIRE(c.statements.size() == 2); // c9 (partial), c8; c10 is compressed, c7 and newer are too new
    CHECK(c.statements[0].params.at(0) == "\"_timescaledb_internal\".\"c9\"");
    CHECK(c.statements[0].sql == "SELECT \"public\".compress_chunk($1::regclass, if_not_compressed => true)");
    const auto d = plan_decompress(s, std::nullopt);
    CHECK(d.statements.size() == 2);
    CHECK(plan_decompress(s, hours(24)).outcome == Outcome::in_place);
    const auto r = plan_refresh(s, 1, k_now - 40 * day, k_now - k_hour);
    CHECK(r.statements.size() == 2);
    CHECK(r.statements.back().params.at(2) == "2025-12-31T00:00:00.000000Z");
    s.table.compression_enabled = false;
    CHECK_THROWS_WITH(plan_compress(s, hours(1)), "compression is off for public.agent_events");
}

TEST_CASE("refresh_windows")
{
    const std::int64_t h = k_hour;
    const auto w = refresh_windows(k_now + h / 2, k_now + 5 * h + 1, hours(1), hours(2));
    REQUIRE(w.size() == 3);
    CHECK(w[0].from == k_now);
    CHECK(w[0].to == k_now + 2 * h);
    CHECK(w[2].from == k_now + 4 * h);
    CHECK(w[2].to == k_now + 5 * h);
    CHECK(refresh_windows(k_now, k_now + h - 1, hours(1), hours(2)).empty());
}
