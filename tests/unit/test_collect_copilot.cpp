#include "lib/collect/copilot.hpp"

#include "collect_helpers.hpp"

using namespace devlog;
using namespace devlog::collect;
using nlohmann::json;

namespace {

struct Run
{
    ParseOptions options;
    Identities identities{test::test_machine()};
    Emitter out{"s.jsonl", identities, options};
};

const char* k_request = R"J({"requestId":"r1","timestamp":1795100000000,"modelId":"gpt-4.1","message":{"text":"hi"},
  "variableData":{"variables":[{"value":{"uri":{"path":"/w/a.ts"}}},{"value":"plain text"},{"value":[{"path":"/w/b.ts"},{"fsPath":"/w/c.ts"}]}]},
  "response":[{"value":"ok"},{"kind":"toolInvocationSerialized","toolId":"copilot_readFile","toolCallId":"tc1","invocationMessage":"Reading [](file:///w/my%20dir/x.ts)"},
              {"kind":"textEditGroup","uri":{"path":"/w/a.ts"}},{"kind":"thinking","value":["a"]},{"kind":"futureKind"}],
  "result":{"timings":{"totalElapsed":1500}}})J";

} // namespace

TEST_CASE("Copilot: uri_to_path")
{
    CHECK(uri_to_path("file:///home/dev/src/web%20shop") == "/home/dev/src/web shop");
    CHECK(uri_to_path("file:///home/%C3%A9t%C3%A9/x%2") == "/home/été/x%2");
    CHECK(uri_to_path("file://server/share/a") == "/share/a");
    CHECK(uri_to_path("vscode-remote://ssh-remote%2Bbox/home/x") == "vscode-remote://ssh-remote+box/home/x");
}

TEST_CASE("Copilot: a session document")
{
    Run r;
    const std::string doc = std::string(R"({"version":3,"sessionId":"44444444-4444-4444-8444-444444444444","creationDate":1795099990000,"requests":[)") +
                            k_request + R"(,{"requestId":"r2","timestamp":"2026-11-20T13:05:00Z","isCanceled":true,"response":[]},
                              {"requestId":"r3","timestamp":1795100100000,"response":[]}]})";
    make_copilot_parser("/w", false)->parse(doc, r.out);
    REQUIRE(test::types(r.out.items) == "session_start llm_request tool_use file_write llm_response llm_request llm_response llm_request");
    CHECK(test::data(r.out.items[1])["files"] == json::parse(R"(["/w/a.ts","/w/b.ts","/w/c.ts"])"));
    CHECK(test::data(r.out.items[2]) == json::parse(R"({"toolName":"copilot_readFile","toolUseId":"tc1","filePath":"/w/my dir/x.ts"})"));
    CHECK(test::metrics(r.out.items[4]) == json::parse(R"({"durationMs":1500.0})"));
    CHECK(r.out.items[4].event.timestamp == r.out.items[1].event.timestamp + 1'500'000);
    CHECK(test::data(r.out.items[6])["status"] == "canceled");
    CHECK(r.out.unknown_kinds == std::map<std::string, std::int64_t>{{"response:futureKind", 1}});
    // r3 is still running: no response yet.
}

TEST_CASE("Copilot: a mutation log replayed (set, push with truncation, delete), malformed and half-written lines")
{
    Run r;
    const std::string log = std::string(R"({"kind":0,"v":{"sessionId":"s5","creationDate":1795100900000,"requests":[]}})") + "\n" +
                            R"({"kind":2,"k":["requests"],"v":[{"requestId":"a","timestamp":1795101000000,"modelState":{"value":0}}]})" + "\n" +
                            R"({"kind":1,"k":["requests",0,"modelState"],"v":{"value":1}})" + "\n" +
                            R"({"kind":2,"k":["requests"],"v":[{"requestId":"b","timestamp":1795101100000}]})" + "\n" +
                            R"({"kind":2,"k":["requests"],"i":1,"v":[{"requestId":"c","timestamp":1795101200000,"followups":[]}]})" + "\n" +
                            R"({"kind":1,"k":["requests",1,"modelState"],"v":{"value":2}})" + "\n" +
                            R"({"kind":3,"k":["requests",1,"followups"]})" + "\n" + "garbage\n" + R"({"kind":7})" + "\n" +
                            R"({"kind":2,"k":["requests"],"v":[{"requestId":"d")";
    const json state = replay_mutation_log(log, r.out);
    CHECK(state["requests"].size() == 2);
    CHECK(state["requests"][1]["requestId"] == "c");
    CHECK_FALSE(state["requests"][1].contains("followups"));
    CHECK(r.out.malformed_lines == std::vector<std::string>{"s.jsonl:8: not a mutation log entry"});
    CHECK(r.out.unknown_kinds == std::map<std::string, std::int64_t>{{"mutation kind 7", 1}});
    Run events;
    make_copilot_parser("", true)->parse(log, events.out);
    CHECK(test::types(events.out.items) == "session_start llm_request llm_response llm_request llm_response");
    CHECK(test::data(events.out.items[4])["status"] == "canceled");
}
