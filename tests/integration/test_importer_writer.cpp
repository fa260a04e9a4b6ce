#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/importer/writer.hpp"
#include "lib/migrate/migrator.hpp"
#include "pg_fixture.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <pqxx/pqxx>

#include <csignal>

using namespace devlog;
using devlog::test::scalar;
using importer::Batch;
using importer::EventWriter;

namespace {

// Migration 0001 and project 1.
void schema(db::Database& db, pqxx::connection& check)
{
    migrate::Migrator migrator(db, migrate::embedded_migrations());
    migrator.up({}, migrate::DryRun::no);
    pqxx::nontransaction tx(check);
    tx.exec("INSERT INTO projects (name, full_name, repo_url, repo_owner, repo_name) "
            "VALUES ('api', 'acme/api', 'https://github.com/acme/api', 'acme', 'api')");
}

// Event N of hourly events from 2026-01-01, project 1.
events::Event event(int n)
{
    events::Event e;
    e.id = *Uuid::parse(fmt::format("00000000-0000-4000-8000-{:012}", n));
    e.timestamp = 1'767'225'600'000'000 + static_cast<time::Micros>(n) * 3'600'000'000 + 123'456;
    e.event_type = "tool_use";
    e.agent_id = "claude-code";
    e.agent_version = "2.1";
    e.session_id = *Uuid::parse("11111111-0000-4000-8000-000000000001");
    e.project_id = 1;
    e.data = fmt::format(R"({{"n": {}, "path": "/src/{}.cpp"}})", n, n);
    return e;
}

Batch batch_of(std::initializer_list<int> numbers)
{
    Batch batch;
    for (const int n : numbers) {
        batch.add(event(n));
    }
    return batch;
}

std::string count(pqxx::connection& c)
{
    return scalar(c, "SELECT count(*) FROM agent_events");
}

} // namespace

TEST_CASE("EventWriter on plain PostgreSQL")
{
    test::TempDatabase tdb;
    auto db = tdb.open();
    auto check = tdb.raw();
    schema(db, *check);
    EventWriter writer(db);

    const auto first = writer.write(batch_of({1, 2, 3}));
    CHECK(first.inserted == 3);
    CHECK(first.duplicates == 0);
    CHECK_FALSE(first.via_staging);

    SUBCASE("every field comes back as it was sent")
    {
        events::Event e = event(10);
        e.event_type = "llm_response";
        e.context = R"({"cwd": "/home/dev/src", "nested": {"a": [1, 2.5, null, true]}})";
        e.metrics = R"({"tokenCount": 12345678901, "cost": 0.012345})";
        e.parent_event_id = event(1).id;
        e.related_event_ids = std::vector<std::string>{"a", "b c", ""};
        e.tags = std::vector<std::string>{"x", "é,\"q\""};
        e.severity = "warning";
        Batch batch;
        batch.add(e);
        batch.add(event(11)); // optional columns absent: NULL
        CHECK(writer.write(batch).inserted == 2);
        CHECK(scalar(*check, "SELECT concat_ws('|', timestamp AT TIME ZONE 'UTC', event_type, agent_id, agent_version, "
                             "session_id, project_id, context = '" + e.context + "'::jsonb, data = '" + e.data +
                             "'::jsonb, metrics = '" + *e.metrics + "'::jsonb, parent_event_id, related_event_ids, tags, "
                             "severity) FROM agent_events WHERE id = '" + e.id.str() + "'") ==
              "2026-01-01 10:00:00.123456|llm_response|claude-code|2.1|11111111-0000-4000-8000-000000000001|1|t|t|t|"
              "00000000-0000-4000-8000-000000000001|{a,\"b c\",\"\"}|{x,\"é,\\\"q\\\"\"}|warning");
        CHECK(scalar(*check, "SELECT concat_ws('|', context, metrics IS NULL, parent_event_id IS NULL, related_event_ids "
                             "IS NULL, tags IS NULL, severity IS NULL) FROM agent_events WHERE id = '" +
                                 event(11).id.str() + "'") == "{}|t|t|t|t|t");
    }
    SUBCASE("a batch sent again inserts nothing")
    {
        const auto again = writer.write(batch_of({1, 2, 3}));
        CHECK(again.inserted == 0);
        CHECK(again.duplicates == 3);
        CHECK(again.via_staging);
        CHECK(count(*check) == "3");
    }
    SUBCASE("old and new rows mixed, and a row twice in one batch")
    {
        const auto mixed = writer.write(batch_of({4, 1, 5, 5, 2, 6}));
        CHECK(mixed.inserted == 3);
        CHECK(mixed.duplicates == 3);
        CHECK(count(*check) == "6");
    }
    SUBCASE("a row the server refuses: nothing of the batch, or all but it")
    {
        Batch batch = batch_of({20, 21});
        events::Event orphan = event(22);
        orphan.project_id = 999; // no such project: the foreign key refuses it
        batch.add(orphan);
        batch.add(event(23));
        try {
            writer.write(batch);
            FAIL("expected RowRefused");
        } catch (const importer::RowRefused& e) {
            CHECK(e.row() == 2);
            CHECK(std::string(e.what()) == "insert or update on table \"agent_events\" violates foreign key constraint "
                                           "\"agent_events_project_id_fkey\" (SQLSTATE 23503)");
        }
        CHECK(count(*check) == "3");
        const auto result = writer.write(batch, 1);
        CHECK(result.inserted == 3);
        REQUIRE(result.refused.size() == 1);
        CHECK(result.refused[0].row == 2);
        CHECK(count(*check) == "6");
    }
    SUBCASE("interrupted: nothing is loaded")
    {
        interrupt::simulate(SIGINT);
        CHECK_THROWS_AS(writer.write(batch_of({30, 31})), Interrupted);
        interrupt::reset_for_tests();
        CHECK(count(*check) == "3");
    }
}

TEST_CASE("EventWriter on a hypertable whose chunks are compressed")
{
    for (const auto& version : test::timescaledb_versions()) {
        CAPTURE(version);
        test::TimescaleDatabase tdb(version);
        auto db = tdb.open();
        auto check = tdb.raw();
        schema(db, *check);
        {
            pqxx::nontransaction tx(*check);
            tx.exec("SELECT create_hypertable('agent_events', 'timestamp', chunk_time_interval => interval '1 day')");
        }
        EventWriter writer(db);
        Batch day;
        for (int n = 0; n < 48; n += 2) {
            day.add(event(n));
        }
        CHECK(writer.write(day).inserted == 24);
        {
            pqxx::nontransaction tx(*check);
            tx.exec("ALTER TABLE agent_events SET (timescaledb.compress, timescaledb.compress_segmentby = "
                    "'project_id, agent_id, event_type', timescaledb.compress_orderby = 'timestamp DESC, id')");
            tx.exec("SELECT count(compress_chunk(c)) FROM show_chunks('agent_events') c");
        }
        CHECK(scalar(*check, "SELECT count(*) FILTER (WHERE is_compressed) || '/' || count(*) FROM "
                             "timescaledb_information.chunks WHERE hypertable_name = 'agent_events'") == "2/2");

        const auto again = writer.write(day);
        CHECK(again.inserted == 0);
        CHECK(again.duplicates == 24);
        // New rows after a duplicate in a compressed chunk: TimescaleDB before 2.18.1 drops them
        // in an INSERT ... ON CONFLICT DO NOTHING (timescaledb#7672); the writer must not.
        const auto mixed = writer.write(batch_of({0, 1, 2, 3, 4, 5, 47, 49}));
        CHECK(mixed.inserted == 5);
        CHECK(mixed.duplicates == 3);
        CHECK(count(*check) == "29");
        std::string ids;
        for (const int n : {1, 3, 5, 47, 49}) {
            ids += (ids.empty() ? "'" : ",'") + event(n).id.str() + "'";
        }
        CHECK(scalar(*check, "SELECT count(*) FROM agent_events WHERE id IN (" + ids + ")") == "5");
    }
}
