#include "lib/collect/ndjson.hpp"
#include "lib/importer/batch.hpp"

#include "collect_helpers.hpp"

using namespace devlog;
using namespace devlog::collect;
using test::feed;

namespace {

struct Run
{
    ParseOptions options;
    Identities identities{test::test_machine()};
    Emitter out{"events.ndjson", identities, options};
    std::unique_ptr<LineParser> parser = make_ndjson_parser();
};

} // namespace

TEST_CASE("NDJSON: ids as import gives them")
{
    Run run;
    feed(*run.parser,
         R"({"id":"evt-1","timestamp":"2026-11-20T14:00:00Z","eventType":"tool_use","agentId":"aider","agentVersion":"0.80","sessionId":"s-1","projectId":7})"
         "\n"
         R"({"timestamp":"2026-11-20T14:00:01Z","eventType":"llm_response","agentId":"aider","agentVersion":"0.80","sessionId":"s-1","projectId":7, "metrics":{"tokenCount":11}})"
         "\n",
         run.out);
    REQUIRE(run.out.items.size() == 2);
    // A non-UUID id is the agent's own: its UUIDv5, as import makes it.
    CHECK(run.out.items[0].event.id == uuid_or_derived("event", "evt-1"));
    // Without an id: import's derive_event_id over the content (whitespace in JSON aside).
    importer::EventRow row;
    row.timestamp = *time::parse_iso8601("2026-11-20T14:00:01Z", time::Offset::required);
    row.event_type = "llm_response";
    row.agent_id = "aider";
    row.agent_version = "0.80";
    row.session_id = uuid_or_derived("session", "s-1");
    row.project_id = 7;
    row.metrics = std::string_view(R"({"tokenCount":11})");
    std::string scratch;
    CHECK(run.out.items[1].event.id == importer::derive_event_id(row, scratch));
    CHECK(run.out.items[1].project == "id:7");
}

TEST_CASE("NDJSON: import's validation")
{
    Run run;
    feed(*run.parser,
         R"({"timestamp":"2026-11-20T14:00:00Z","eventType":"tool_use","agentId":"aider","agentVersion":"0.80","sessionId":"s-1","projectId":7,"severity":"ERROR"})"
         "\n"
         R"({"timestamp":"2026-11-20T14:00:00Z","eventType":"tool_use","agentId":"aider","agentVersion":"0.80","sessionId":"s-1","projectId":7,"tags":[1]})"
         "\n"
         R"({"timestamp":"2026-11-20T14:00:00Z","eventType":"tool_use","agentId":"aider","sessionId":"s-1","projectId":7})"
         "\n",
         run.out);
    REQUIRE(run.out.items.size() == 1);
    CHECK(run.out.items[0].event.severity == "error");
    REQUIRE(run.out.malformed_lines.size() == 2);
    CHECK(run.out.malformed_lines[0] == "events.ndjson:2: tags: element 1 is a number; expected strings");
    CHECK(run.out.malformed_lines[1] == "events.ndjson:3: agentVersion: missing");
}

TEST_CASE("NDJSON: only a response has a usage size")
{
    Run run;
    feed(*run.parser,
         R"({"timestamp":"2026-11-20T14:00:00Z","eventType":"tool_use","agentId":"aider","agentVersion":"0.80","sessionId":"s-1","projectId":7,"metrics":{"tokenCount":50}})"
         "\n"
         R"({"timestamp":"2026-11-20T14:00:00Z","eventType":"llm_response","agentId":"aider","agentVersion":"0.80","sessionId":"s-1","projectId":7,"metrics":{"tokenCount":50}})"
         "\n",
         run.out);
    REQUIRE(run.out.items.size() == 2);
    CHECK(run.out.items[0].tokens == 0);
    CHECK(run.out.items[1].tokens == 50);
}
