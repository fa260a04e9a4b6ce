// lib/query against a real server: rows stream to the writer while the statement runs (never all in
// memory), Ctrl-C ends --follow normally and cancels a plain query.
#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/runner.hpp"
#include "lib/query/query.hpp"
#include "pg_fixture.hpp"

#include <doctest/doctest.h>
#include <pqxx/pqxx>

#include <csignal>
#include <functional>
#include <thread>

using namespace devlog;
using namespace std::chrono_literals;

namespace {

// Counts what it receives; keeps nothing but the last row.
class Counter final : public query::RowWriter
{
public:
    void begin(const std::vector<std::string>& columns) override { names = columns; }
    void row(std::span<const nlohmann::json> values) override
    {
        if (rows++ == 0 && on_first_row) {
            on_first_row();
        }
        last = {values.begin(), values.end()};
    }
    void flush() override { ++flushes; }
    std::function<void()> on_first_row;
    std::vector<std::string> names;
    std::vector<nlohmann::json> last;
    std::size_t rows = 0, flushes = 0;
};

void load(test::TempDatabase& tdb, int events, int pad = 0)
{
    auto conn = tdb.raw();
    pqxx::nontransaction tx(*conn);
    tx.exec("CREATE TABLE projects (id int PRIMARY KEY, full_name text, repo_url text)");
    tx.exec("INSERT INTO projects VALUES (1, 'acme/api', 'https://github.com/acme/api')");
    tx.exec("CREATE TABLE agent_events (id uuid, timestamp timestamptz, event_type text, agent_id text, agent_version "
            "text, session_id uuid, project_id int, context jsonb, data jsonb, metrics jsonb, parent_event_id uuid, "
            "related_event_ids text[], tags text[], severity text)");
    tx.exec_params(
        "INSERT INTO agent_events SELECT md5(g::text)::uuid, '2026-01-01'::timestamptz + g * interval '1 second', "
        "'tool_use', 'codex', '1', md5('s')::uuid, 1, '{}', jsonb_build_object('n', g) || "
        "CASE WHEN $2::int > 0 THEN jsonb_build_object('pad', repeat('x', $2::int)) ELSE '{}' END, NULL, NULL, NULL, "
        "NULL, NULL FROM generate_series(1, $1::int) g",
        events, pad);
}

} // namespace

TEST_CASE("query::events streams: rows reach the writer while the statement runs")
{
    test::TempDatabase tdb;
    load(tdb, 2000, 8000); // 16 MB of output: far more than the socket buffers hold
    auto db = tdb.open();
    auto watcher = tdb.raw();
    query::EventsOptions options;
    options.limit = 0;
    options.order = "asc";
    options.columns = {"timestamp,data"};
    Counter out;
    std::string state;
    // With the whole result in memory first (or a cursor's batch fetched), the server would be idle.
    out.on_first_row = [&] {
        state = test::scalar(*watcher,
                             "SELECT state FROM pg_stat_activity WHERE pid = " + std::to_string(db.backend_pid()));
    };
    NullReporter reporter;
    CHECK_FALSE(query::events(db, options, out, reporter).has_value());
    CHECK(state == "active");
    CHECK(out.names == std::vector<std::string>{"timestamp", "data"});
    CHECK(out.rows == 2000);
    CHECK(out.flushes >= 1);
    CHECK(out.last.at(0) == "2026-01-01T00:33:20.000000Z");
    CHECK(out.last.at(1).at("n") == 2000);
}

TEST_CASE("query::follow_events ends normally on a signal")
{
    test::TempDatabase tdb;
    load(tdb, 10);
    auto db = tdb.open();
    interrupt::reset_for_tests();
    query::EventsOptions options;
    options.limit = 3;
    Counter out;
    std::thread stop([] {
        std::this_thread::sleep_for(500ms);
        interrupt::simulate(SIGINT);
    });
    CHECK_NOTHROW(query::follow_events(db, options, {}, out));
    stop.join();
    interrupt::reset_for_tests();
    CHECK(out.rows == 3);
    CHECK(out.last.at(1) == "2026-01-01T00:00:10.000000Z");
}

TEST_CASE("query::events: a signal cancels the statement")
{
    test::TempDatabase tdb;
    load(tdb, 10);
    auto db = tdb.open();
    interrupt::reset_for_tests();
    query::EventsOptions options;
    options.filter.data = R"({"n": 1})";
    options.columns = {"id"};
    // A slow statement: pg_sleep in the filter via a view would need DDL; use the server's own delay instead.
    {
        auto conn = tdb.raw();
        pqxx::nontransaction tx(*conn);
        tx.exec("ALTER TABLE agent_events RENAME TO agent_events_base");
        tx.exec("CREATE VIEW agent_events AS SELECT * FROM agent_events_base WHERE pg_sleep(1) IS NOT NULL");
    }
    Counter out;
    NullReporter reporter;
    std::thread stop([] {
        std::this_thread::sleep_for(300ms);
        interrupt::simulate(SIGINT);
    });
    const auto started = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(query::events(db, options, out, reporter), Interrupted);
    stop.join();
    interrupt::reset_for_tests();
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}
