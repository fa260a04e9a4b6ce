#include "lib/importer/batch.hpp"

#include <doctest/doctest.h>

#include <array>

using namespace devlog;
using importer::Batch;
using importer::derive_event_id;
using importer::EventRow;

namespace {

EventRow sample()
{
    EventRow row;
    row.timestamp = 1'767'225'600'123'456; // 2026-01-01T00:00:00.123456Z
    row.event_type = "tool_use";
    row.agent_id = "claude-code";
    row.agent_version = "2.1";
    row.session_id = *Uuid::parse("0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c");
    row.project_id = 7;
    row.context = R"({"cwd": "/src"})";
    row.data = "{}";
    return row;
}

} // namespace

TEST_CASE("derive_event_id: the documented name, hashed")
{
    std::string scratch;
    const EventRow row = sample();
    // The name as DEVELOPERS.md and import(1) spell it: every column but id, length-prefixed.
    const std::string name = "agent_event:v1"
                             "16:1767225600123456"
                             "8:tool_use"
                             "11:claude-code"
                             "3:2.1"
                             "36:0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c"
                             "1:7"
                             "14:{\"cwd\":\"/src\"}"
                             "2:{}"
                             "~~~~~";
    CHECK(derive_event_id(row, scratch) == uuid_v5(devlog_namespace(), name));
    CHECK(derive_event_id(row, scratch).str() == "a37c70d4-eed5-5173-87f3-68a124ce1305");
}

TEST_CASE("derive_event_id: what changes the id and what does not")
{
    std::string scratch;
    const Uuid base = derive_event_id(sample(), scratch);

    SUBCASE("whitespace between JSON tokens does not")
    {
        EventRow row = sample();
        row.context = "{ \"cwd\" :\n\t\"/src\" }";
        CHECK(derive_event_id(row, scratch) == base);
    }
    SUBCASE("whitespace inside a JSON string does")
    {
        EventRow row = sample();
        row.context = R"({"cwd": "/src "})";
        CHECK(derive_event_id(row, scratch) != base);
    }
    SUBCASE("every column does")
    {
        const std::array<std::string_view, 1> one = {"x"};
        std::vector<EventRow> changed(12, sample());
        changed[0].timestamp += 1;
        changed[1].event_type = "file_read";
        changed[2].agent_id = "codex";
        changed[3].agent_version = "2.2";
        changed[4].session_id.bytes[15] ^= 1;
        changed[5].project_id = 8;
        changed[6].data = R"({"a":1})";
        changed[7].metrics = "{}";
        changed[8].parent_event_id = Uuid{};
        changed[9].related_event_ids = std::span<const std::string_view>(one);
        changed[10].tags = std::span<const std::string_view>();
        changed[11].severity = "info";
        for (std::size_t i = 0; i < changed.size(); ++i) {
            CAPTURE(i);
            CHECK(derive_event_id(changed[i], scratch) != base);
        }
    }
    SUBCASE("length prefixes keep neighbouring values apart")
    {
        EventRow a = sample();
        EventRow b = sample();
        a.agent_id = "ab";
        a.agent_version = "c";
        b.agent_id = "a";
        b.agent_version = "bc";
        CHECK(derive_event_id(a, scratch) != derive_event_id(b, scratch));
    }
}

TEST_CASE("Batch")
{
    Batch batch;
    EventRow row = sample();
    const Uuid derived = batch.add(row);
    row.timestamp -= 5;
    row.id = *Uuid::parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");
    CHECK(batch.add(row) == *row.id);
    CHECK(batch.rows() == 2);
    CHECK(batch.min_timestamp() == sample().timestamp - 5);
    CHECK(batch.max_timestamp() == sample().timestamp);
    CHECK(batch.row_bytes(0, 1).size() + batch.row_bytes(1, 2).size() == batch.bytes());
    CHECK(batch.row_bytes(0, 2).size() == batch.bytes());

    SUBCASE("an events::Event encodes as the same row")
    {
        events::Event event;
        event.id = derived;
        event.timestamp = sample().timestamp;
        event.event_type = "tool_use";
        event.agent_id = "claude-code";
        event.agent_version = "2.1";
        event.session_id = sample().session_id;
        event.project_id = 7;
        event.context = R"({"cwd": "/src"})";
        Batch other;
        other.add(event);
        CHECK(other.row_bytes(0, 1) == batch.row_bytes(0, 1));
    }
    SUBCASE("clear keeps nothing")
    {
        batch.clear();
        CHECK(batch.empty());
        CHECK(batch.bytes() == 0);
    }
}
