#include "lib/queue/queue.hpp"

#include "lib/core/errors.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <unistd.h>

using namespace devlog;
using namespace devlog::queue;

namespace {

struct TempQueue
{
    std::string path = (std::filesystem::temp_directory_path() /
                        ("devlog-queue-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++)) / "q.db")
                           .string();
    ~TempQueue() { std::filesystem::remove_all(std::filesystem::path(path).parent_path()); }
    static int& counter()
    {
        static int n = 0;
        return n;
    }
};

Item response(const char* key, time::Micros ts, std::int64_t tokens)
{
    Item item;
    item.event.id = uuid_v5(devlog_namespace(), key);
    item.event.timestamp = ts;
    item.event.event_type = "llm_response";
    item.event.agent_id = "claude-code";
    item.event.agent_version = "1";
    item.event.metrics = "{\"tokenCount\":" + std::to_string(tokens) + "}";
    item.event.tags = std::vector<std::string>{"a", "b"};
    item.project = "project:x";
    item.tokens = tokens;
    return item;
}

Checkpoint cp(const std::string& file, std::int64_t offset)
{
    Checkpoint c;
    c.path = file;
    c.source = "claude-code";
    c.offset = offset;
    c.size = offset;
    c.head_hash = "h";
    c.state = "{}";
    return c;
}

} // namespace

TEST_CASE("Queue: the ledger keeps one copy per id, the largest usage, the first timestamp")
{
    TempQueue t;
    Queue q(t.path);
    std::vector<Item> first{response("r1", 100, 10), response("r2", 100, 5), response("r1", 200, 8)};
    auto s = q.commit(first, cp("f", 10), {});
    CHECK(s.inserted == 2);
    CHECK(s.duplicates == 1);
    REQUIRE(q.checkpoint("f"));
    CHECK(q.checkpoint("f")->offset == 10);

    // A larger copy before upload: updated in place, still a plain new event, first timestamp kept.
    std::vector<Item> grown{response("r1", 300, 20)};
    s = q.commit(grown, cp("f", 20), {});
    CHECK(s.updated == 1);
    CHECK(grown[0].event.timestamp == 100);
    auto rows = q.claim(10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].item.tokens == 20);
    CHECK(rows[0].item.event.timestamp == 100);
    CHECK_FALSE(rows[0].correction);
    CHECK(rows[0].item.event.tags == std::vector<std::string>{"a", "b"});

    // Claimed (maybe on the server already), then grown: the row becomes a correction and survives the ack.
    std::vector<Item> again{response("r1", 400, 30)};
    q.commit(again, cp("f", 30), {});
    q.acknowledge(rows);
    auto left = q.claim(10);
    REQUIRE(left.size() == 1);
    CHECK(left[0].correction);
    CHECK(left[0].item.tokens == 30);
    q.acknowledge(left);
    CHECK(q.status().events == 0);

    // Grown after upload: queued as a correction; smaller or equal copies are duplicates.
    std::vector<Item> late{response("r2", 999, 7), response("r2", 999, 7), response("r2", 999, 6)};
    s = q.commit(late, cp("f", 40), {});
    CHECK(s.corrections == 1);
    CHECK(s.duplicates == 2);
    const auto correction = q.claim(10);
    REQUIRE(correction.size() == 1);
    CHECK(correction[0].correction);
    CHECK(correction[0].item.event.timestamp == 100);
    q.reject(correction[0], "bad");
    const auto status = q.status();
    CHECK(status.events == 0);
    CHECK(status.rejected == 1);
    CHECK(status.ledger == 2);
}

TEST_CASE("Queue: copies of a new id in one batch end as one row, counted as one at a time would count them")
{
    // r1 three times (10, 30, 20 tokens: the second is the largest), r2 twice with equal usage, r3 once.
    const auto batch = [] {
        std::vector<Item> items{response("r1", 100, 10), response("r2", 150, 5), response("r1", 200, 30),
                                response("r3", 160, 1), response("r1", 300, 20), response("r2", 250, 5)};
        items[2].event.data = R"({"snapshot":"final"})";
        items[5].event.data = R"({"copy":"second, same usage"})"; // not taken: usage not larger
        return items;
    };
    TempQueue together_path, apart_path;
    Queue together(together_path.path), apart(apart_path.path);
    auto items = batch();
    const auto s = together.commit(items, cp("f", 10), {});
    CHECK(s.inserted == 3);
    CHECK(s.updated == 1);
    CHECK(s.duplicates == 2);

    CommitStats sum;
    auto one_by_one = batch();
    for (std::size_t i = 0; i < one_by_one.size(); ++i) {
        const auto part = apart.commit(std::span(one_by_one).subspan(i, 1), cp("f", static_cast<std::int64_t>(i)), {});
        sum.inserted += part.inserted;
        sum.updated += part.updated;
        sum.duplicates += part.duplicates;
    }
    CHECK(sum.inserted == s.inserted);
    CHECK(sum.updated == s.updated);
    CHECK(sum.duplicates == s.duplicates);

    const auto a = together.claim(10);
    const auto b = apart.claim(10);
    REQUIRE(a.size() == 3);
    REQUIRE(b.size() == 3);
    for (std::size_t i = 0; i < a.size(); ++i) {
        CAPTURE(i);
        CHECK(a[i].item.event.id == b[i].item.event.id);
        CHECK(a[i].item.event.timestamp == b[i].item.event.timestamp);
        CHECK(a[i].item.tokens == b[i].item.tokens);
        CHECK(a[i].item.event.data == b[i].item.event.data);
        CHECK(a[i].item.event.metrics == b[i].item.event.metrics);
    }
    CHECK(a[0].item.tokens == 30);
    CHECK(a[0].item.event.timestamp == 100);
    CHECK(a[0].item.event.data == R"({"snapshot":"final"})");
    CHECK(a[1].item.event.data == batch()[1].event.data);
    // The grown copies leave commit() with the first timestamp, as one at a time leaves them.
    for (std::size_t i = 0; i < items.size(); ++i) {
        CAPTURE(i);
        CHECK(items[i].event.timestamp == one_by_one[i].event.timestamp);
    }

    // Copies of an id the ledger knows (30 tokens, claimed above) take the one-at-a-time path:
    // 25 and 30 are duplicates, 40 updates the claimed row (which becomes a correction), 35 is a
    // duplicate of 40.
    std::vector<Item> known{response("r1", 400, 25), response("r1", 450, 30), response("r1", 500, 40),
                            response("r1", 600, 35)};
    const auto k = together.commit(known, cp("f", 20), {});
    CHECK(k.inserted == 0);
    CHECK(k.updated == 1);
    CHECK(k.corrections == 0);
    CHECK(k.duplicates == 3);
    CHECK(together.status().ledger == 3);
    together.acknowledge(a); // r1 changed since its claim: it stays; r2 and r3 go
    const auto left = together.claim(10);
    REQUIRE(left.size() == 1);
    CHECK(left[0].item.event.id == a[0].item.event.id);
    CHECK(left[0].item.tokens == 40);
    CHECK(left[0].item.event.timestamp == 100);
    CHECK(left[0].correction);
}

TEST_CASE("Queue: rising copies of a new id in one batch: one row, the last copy's data, the first timestamp")
{
    TempQueue t;
    Queue q(t.path);
    std::vector<Item> items{response("r", 100, 10), response("r", 200, 20), response("r", 300, 30)};
    items[2].event.data = R"({"n":3})";
    const auto s = q.commit(items, cp("f", 1), {});
    CHECK(s.inserted == 1);
    CHECK(s.updated == 2);
    CHECK(s.duplicates == 0);
    for (const auto& item : items) {
        CHECK(item.event.timestamp == 100);
    }
    const auto rows = q.claim(10);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].item.tokens == 30);
    CHECK(rows[0].item.event.data == R"({"n":3})");
    CHECK(rows[0].item.event.timestamp == 100);
    CHECK(q.status().ledger == 1);
}

TEST_CASE("Queue: events and their checkpoint commit together or not at all")
{
    TempQueue t;
    Queue q(t.path);
    std::vector<Item> ok{response("r1", 1, 1)};
    q.commit(ok, cp("f", 10), {});
    {
        Connection c(t.path); // the checkpoint of file "boom" cannot be written
        c.exec("CREATE TRIGGER boom BEFORE INSERT ON files WHEN NEW.path = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    }
    std::vector<Item> lost{response("r2", 1, 1), response("r1", 1, 5)};
    CHECK_THROWS_AS(q.commit(lost, cp("boom", 20), {}), Error);
    const auto s = q.status();
    CHECK(s.events == 1);
    CHECK(s.ledger == 1);
    CHECK_FALSE(q.checkpoint("boom"));
    CHECK(q.claim(10).at(0).item.tokens == 1);
}

TEST_CASE("Queue: a group of commits is one transaction, rolled back whole when one fails")
{
    TempQueue t;
    Queue q(t.path);
    Connection reader(t.path);
    auto events = reader.prepare("SELECT count(*) FROM events");
    auto count = [&] {
        events.step();
        const auto n = events.int64(0);
        events.reset();
        return n;
    };
    q.begin_group();
    std::vector<Item> a{response("a", 1, 1)};
    std::vector<Item> b{response("b", 1, 1), response("a", 1, 1)};
    q.commit(a, cp("fa", 10), {});
    const auto s = q.commit(b, cp("fb", 10), {});
    CHECK(s.inserted == 1); // the group sees its own earlier commits
    CHECK(s.duplicates == 1);
    CHECK(count() == 0); // nothing visible before end_group
    q.end_group();
    CHECK(count() == 2);
    CHECK(q.checkpoint("fb"));

    {
        Connection c(t.path);
        c.exec("CREATE TRIGGER boom BEFORE INSERT ON files WHEN NEW.path = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END");
    }
    q.begin_group();
    std::vector<Item> c{response("c", 1, 1)};
    std::vector<Item> d{response("d", 1, 1)};
    q.commit(c, cp("fc", 10), {});
    CHECK_THROWS_AS(q.commit(d, cp("boom", 10), {}), Error);
    q.end_group(); // the group is gone already: nothing to commit
    CHECK(count() == 2);
    CHECK_FALSE(q.checkpoint("fc"));
    CHECK(q.status().ledger == 2);
}

TEST_CASE("Queue: refuses a queue from a newer devlogctl")
{
    TempQueue t;
    {
        Queue q(t.path);
    }
    {
        Connection c(t.path);
        c.exec("PRAGMA user_version = 99");
    }
    CHECK_THROWS_WITH_AS(Queue{t.path}, ("the queue " + t.path + " was written by a newer devlogctl (queue format 99, this one knows 2)").c_str(),
                         Error);
}

TEST_CASE("Queue: claims after a seq, while earlier batches are in flight, and acknowledges by key")
{
    TempQueue t;
    Queue q(t.path);
    std::vector<Item> items{response("a", 1, 1), response("b", 2, 1), response("c", 3, 1), response("d", 4, 1),
                            response("e", 5, 1)};
    q.commit(items, cp("f", 10), {});
    const auto first = q.claim(2);
    REQUIRE(first.size() == 2);
    const auto second = q.claim(2, first.back().seq);
    REQUIRE(second.size() == 2);
    CHECK(second.front().seq > first.back().seq);
    CHECK(second.front().item.event.timestamp == 3);
    const auto third = q.claim(2, second.back().seq);
    REQUIRE(third.size() == 1);
    CHECK(q.claim(2, third.back().seq).empty());

    // The second batch commits first; a row of the first grows meanwhile (it stays, a correction).
    std::vector<RowKey> keys;
    for (const auto& row : second) {
        keys.push_back({row.seq, row.rev});
    }
    q.acknowledge(keys);
    std::vector<Item> grown{response("a", 9, 5)};
    q.commit(grown, cp("f", 20), {});
    REQUIRE(q.queued(first[0].seq));
    CHECK(q.queued(first[0].seq)->correction);
    CHECK(q.queued(first[0].seq)->item.tokens == 5);
    CHECK_FALSE(q.queued(second[0].seq));
    q.acknowledge(first);
    q.acknowledge(third);
    const auto left = q.claim(10);
    REQUIRE(left.size() == 1);
    CHECK(left[0].item.event.id == items[0].event.id);
    CHECK(left[0].item.event.timestamp == 1); // the first copy's
    CHECK(left[0].correction);
}

namespace {

std::int64_t count(const std::string& path, const char* sql)
{
    Connection c(path);
    auto st = c.prepare(sql);
    st.step();
    return st.int64(0);
}

} // namespace

TEST_CASE("Queue: rows share their place (project, workspace, context); an empty queue drops the places")
{
    TempQueue t;
    Queue q(t.path);
    std::vector<Item> items{response("a", 1, 1), response("b", 2, 1), response("c", 3, 1)};
    items[0].event.context = R"({"cwd":"/a"})";
    items[1].event.context = R"({"cwd":"/b"})";
    items[1].workspace = "workspace:w";
    items[2].event.context = R"({"cwd":"/a"})";
    q.commit(items, cp("f", 10), {});
    CHECK(count(t.path, "SELECT count(*) FROM places") == 2);
    const auto rows = q.claim(10);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].item.event.context == R"({"cwd":"/a"})");
    CHECK(rows[1].item.event.context == R"({"cwd":"/b"})");
    CHECK(rows[1].item.workspace == "workspace:w");
    CHECK(rows[2].item.event.context == R"({"cwd":"/a"})");
    CHECK(rows[2].item.project == "project:x");
    CHECK(rows[2].item.workspace.empty());

    q.acknowledge(rows);
    std::vector<Item> next{response("d", 4, 1)};
    next[0].event.context = R"({"cwd":"/a"})";
    q.commit(next, cp("f", 20), {});
    CHECK(count(t.path, "SELECT count(*) FROM places") == 1); // the two old ones went with the queue
    const auto left = q.claim(10);
    REQUIRE(left.size() == 1);
    CHECK(left[0].item.event.context == R"({"cwd":"/a"})");
}

TEST_CASE("Queue: a place inserted by a rolled-back group is not used again")
{
    TempQueue t;
    Queue q(t.path);
    std::vector<Item> before{response("before", 1, 1)}; // the queue is not empty: places are kept
    q.commit(before, cp("e", 10), {});
    q.begin_group();
    std::vector<Item> first{response("a", 1, 1)};
    first[0].event.context = R"({"cwd":"/new"})";
    q.commit(first, cp("f", 10), {});
    q.abort_group();
    std::vector<Item> again{response("a", 1, 1)};
    again[0].event.context = R"({"cwd":"/new"})";
    q.commit(again, cp("f", 10), {});
    const auto rows = q.claim(10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[1].item.event.id == again[0].event.id);
    CHECK(rows[1].item.event.context == R"({"cwd":"/new"})");
}

TEST_CASE("Queue: a format 1 queue is upgraded with its rows, and never gives a seq twice")
{
    TempQueue t;
    std::filesystem::create_directories(std::filesystem::path(t.path).parent_path());
    {
        Connection c(t.path);
        c.exec(R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (
    path TEXT PRIMARY KEY, source TEXT NOT NULL, dev INTEGER NOT NULL, inode INTEGER NOT NULL,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, offset INTEGER NOT NULL, line INTEGER NOT NULL,
    head_hash TEXT NOT NULL, content_hash TEXT NOT NULL, state TEXT NOT NULL, updated_at INTEGER NOT NULL);
CREATE TABLE ledger (id BLOB PRIMARY KEY, ts INTEGER NOT NULL, tokens INTEGER NOT NULL, seq INTEGER) WITHOUT ROWID;
CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id BLOB NOT NULL, rev INTEGER NOT NULL DEFAULT 0,
    attempted INTEGER NOT NULL DEFAULT 0, correction INTEGER NOT NULL DEFAULT 0,
    ts INTEGER NOT NULL, event_type TEXT NOT NULL, agent_id TEXT NOT NULL, agent_version TEXT NOT NULL,
    session_id BLOB NOT NULL, project TEXT NOT NULL, workspace TEXT NOT NULL, context TEXT NOT NULL,
    data TEXT NOT NULL, metrics TEXT, parent_id BLOB, related TEXT, tags TEXT, severity TEXT,
    tokens INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE TABLE rejected (
    id BLOB PRIMARY KEY, rejected_at INTEGER NOT NULL, reason TEXT NOT NULL, event TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE identities (key TEXT PRIMARY KEY, kind TEXT NOT NULL, json TEXT NOT NULL);
INSERT INTO events (seq, id, rev, attempted, correction, ts, event_type, agent_id, agent_version, session_id,
                    project, workspace, context, data, metrics, tokens, bytes)
VALUES (7, x'00000000000000000000000000000007', 2, 1, 1, 70, 'llm_response', 'claude-code', '1', x'00',
        'project:p', 'workspace:w', '{"cwd":"/p"}', '{}', '{"tokenCount":9}', 9, 100),
       (9, x'00000000000000000000000000000009', 0, 0, 0, 90, 'tool_use', 'codex', '2', x'00',
        'project:q', '', '{"cwd":"/q"}', '{"toolName":"Read"}', NULL, 0, 100),
       (40, x'00000000000000000000000000000040', 0, 0, 0, 95, 'tool_use', 'codex', '2', x'00',
        'project:q', '', '{"cwd":"/q"}', '{}', NULL, 0, 100);
DELETE FROM events WHERE seq = 40;
PRAGMA user_version = 1;
)sql");
    }
    Queue q(t.path);
    CHECK(count(t.path, "PRAGMA user_version") == 2);
    CHECK(count(t.path, "SELECT count(*) FROM places") == 2);
    const auto rows = q.claim(10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].seq == 7);
    CHECK(rows[0].rev == 2);
    CHECK(rows[0].correction);
    CHECK(rows[0].item.project == "project:p");
    CHECK(rows[0].item.workspace == "workspace:w");
    CHECK(rows[0].item.event.context == R"({"cwd":"/p"})");
    CHECK(rows[0].item.event.metrics == std::optional<std::string>(R"({"tokenCount":9})"));
    CHECK(rows[1].seq == 9);
    CHECK(rows[1].item.project == "project:q");
    CHECK(rows[1].item.event.data == R"({"toolName":"Read"})");
    // Seq 40 was given (and its row uploaded): the next row comes after it.
    std::vector<Item> more{response("new", 100, 1)};
    q.commit(more, cp("f", 10), {});
    const auto after = q.claim(10, 9);
    REQUIRE(after.size() == 1);
    CHECK(after[0].seq > 40);
}

TEST_CASE("Queue: a claim whose reader throws leaves its rows queued, marked for a correction")
{
    TempQueue t;
    Queue q(t.path);
    std::vector<Item> items{response("a", 1, 1), response("b", 2, 1)};
    q.commit(items, cp("f", 10), {});
    CHECK_THROWS_AS(q.claim(10, 0, [](Row&) { throw Error("the server went away"); }), Error);
    std::vector<Item> grown{response("a", 5, 9)};
    q.commit(grown, cp("f", 20), {});
    const auto rows = q.claim(10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].correction); // it may be on the server: sent as a correction
    CHECK(rows[0].item.tokens == 9);
    CHECK_FALSE(rows[1].correction);
}

TEST_CASE("Queue: two processes opening a format 1 queue at once upgrade it once")
{
    TempQueue t;
    std::filesystem::create_directories(std::filesystem::path(t.path).parent_path());
    Connection holder(t.path);
    holder.exec("PRAGMA journal_mode=WAL; CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, id BLOB NOT NULL, rev INTEGER NOT NULL "
                "DEFAULT 0, attempted INTEGER NOT NULL DEFAULT 0, correction INTEGER NOT NULL DEFAULT 0, ts INTEGER "
                "NOT NULL, event_type TEXT NOT NULL, agent_id TEXT NOT NULL, agent_version TEXT NOT NULL, session_id "
                "BLOB NOT NULL, project TEXT NOT NULL, workspace TEXT NOT NULL, context TEXT NOT NULL, data TEXT NOT "
                "NULL, metrics TEXT, parent_id BLOB, related TEXT, tags TEXT, severity TEXT, tokens INTEGER NOT NULL, "
                "bytes INTEGER NOT NULL); PRAGMA user_version = 1;");
    holder.exec("BEGIN IMMEDIATE"); // both wait for it, having read format 1
    std::vector<std::string> errors(2);
    std::vector<std::thread> openers;
    for (std::size_t i = 0; i < 2; ++i) {
        openers.emplace_back([&, i] {
            try {
                Queue q(t.path);
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    holder.exec("COMMIT");
    for (auto& opener : openers) {
        opener.join();
    }
    CHECK_MESSAGE(errors[0].empty(), errors[0]);
    CHECK_MESSAGE(errors[1].empty(), errors[1]);
    CHECK(count(t.path, "PRAGMA user_version") == 2);
}
