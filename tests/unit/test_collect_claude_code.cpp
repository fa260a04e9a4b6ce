#include "lib/collect/claude_code.hpp"

#include "collect_helpers.hpp"

using namespace devlog;
using namespace devlog::collect;
using test::feed;
using test::types;

namespace {

std::string line(const std::string& body, const std::string& session = "11111111-1111-4111-8111-111111111111")
{
    return R"({"sessionId":")" + session + R"(","cwd":"/nowhere/acme","version":"2.0.14","timestamp":"2026-11-20T10:00:00.000Z",)" +
           body + "}\n";
}

std::string assistant(const std::string& id, const std::string& request, int out, const std::string& blocks,
                      const std::string& extra = "")
{
    return line(R"("type":"assistant","uuid":"x)" + id + std::to_string(out) + R"(","requestId":")" + request +
                R"(",)" + extra + R"("message":{"id":")" + id +
                R"(","model":"claude-sonnet-4-5","content":)" + blocks +
                R"(,"usage":{"input_tokens":10,"output_tokens":)" + std::to_string(out) +
                R"(,"cache_read_input_tokens":100,"cache_creation_input_tokens":20,"cache_creation":{"ephemeral_5m_input_tokens":20},"server_tool_use":{"web_search_requests":3}}})");
}

struct Run
{
    ParseOptions options;
    Identities identities{test::test_machine()};
    Emitter out{"f.jsonl", identities, options};
    std::unique_ptr<LineParser> parser = make_claude_code_parser();
    std::vector<queue::Item>& items() { return out.items; }
};

} // namespace

TEST_CASE("Claude Code: one API response is one key; each copy carries its own usage, extras never add")
{
    Run r;
    feed(*r.parser,
         assistant("msg_1", "req_1", 5, R"([{"type":"text","text":"Hi"}])") +
             assistant("msg_1", "req_1", 50, R"([{"type":"tool_use","id":"toolu_1","name":"Edit","input":{"file_path":"/a.ts"}}])") +
             assistant("msg_1", "req_1", 50, R"([{"type":"tool_use","id":"toolu_2","name":"Bash","input":{"command":"ls"}}])"),
         r.out);
    REQUIRE(types(r.items()) == "session_start llm_response tool_use file_write llm_response tool_use llm_response");
    const auto& first = r.items()[1];
    const auto& second = r.items()[4];
    CHECK(first.event.id == second.event.id);
    CHECK(first.event.id == event_id("claude-code", "response", "msg_1|req_1"));
    CHECK(first.tokens == 135);
    CHECK(second.tokens == 180);
    CHECK(test::metrics(second) == nlohmann::json::parse(
                                       R"({"promptTokens":10,"responseTokens":50,"cacheReadTokens":100,"cacheCreationTokens":20,"tokenCount":180})"));
    CHECK(test::data(r.items()[3]) == nlohmann::json::parse(R"({"filePath":"/a.ts","toolName":"Edit","toolUseId":"toolu_1"})"));
    CHECK(r.items()[3].event.parent_event_id == r.items()[2].event.id);
    CHECK(test::data(r.items()[5]).value("toolName", "") == "Bash");
    CHECK_FALSE(test::data(r.items()[5]).contains("input")); // metadata only by default
}

TEST_CASE("Claude Code: without requestId a response is keyed within its session")
{
    Run r;
    feed(*r.parser, assistant("msg_1", "", 5, "[]"), r.out);
    CHECK(r.items().back().event.id == event_id("claude-code", "response", "11111111-1111-4111-8111-111111111111|msg_1"));
}

TEST_CASE("Claude Code: skipped records")
{
    Run r;
    feed(*r.parser,
         assistant("msg_s", "req_s", 999, "[]") +
             line(R"("type":"assistant","requestId":"r","message":{"id":"m","model":"<synthetic>","content":[],"usage":{"input_tokens":9,"output_tokens":9}})") +
             line(R"("type":"assistant","isApiErrorMessage":true,"requestId":"r2","message":{"id":"m2","model":"claude","content":[],"usage":{"input_tokens":9,"output_tokens":9}})") +
             line(R"("type":"progress","data":{"message":{"type":"assistant"}})") + line(R"("type":"summary")") +
             line(R"("type":"file-history-snapshot")") + line(R"("type":"brand-new","x":1)") + line(R"("type":"brand-new")") +
             line(R"("type":"user","isMeta":true,"message":{"role":"user","content":"<command-name>"})") +
             "{\"type\":\"user\", cut\n" + "[1,2]\n" + R"({"type":"user","sessionId":"s","timestamp":"yesterday"})" + "\n",
         r.out);
    CHECK(types(r.items()) == "session_start llm_response");
    CHECK(r.out.unknown_kinds == std::map<std::string, std::int64_t>{{"brand-new", 2}});
    REQUIRE(r.out.malformed_lines.size() == 3);
    CHECK(r.out.malformed_lines[0].starts_with("f.jsonl:10: not JSON: "));
    CHECK(r.out.malformed_lines[1] == "f.jsonl:11: not a JSON object");
    CHECK(r.out.malformed_lines[2] == "f.jsonl:12: no valid timestamp");
}

TEST_CASE("Claude Code: prompts, failed tool results, compaction, subagents")
{
    Run r;
    feed(*r.parser,
         line(R"("type":"user","uuid":"u1","message":{"role":"user","content":"Fix it"})") +
             line(R"("type":"user","uuid":"u2","message":{"role":"user","content":[{"type":"text","text":"Look"},{"type":"image"}]})") +
             line(R"("type":"user","uuid":"u3","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"},{"type":"tool_result","tool_use_id":"toolu_2","content":[{"type":"text","text":"boom"}],"is_error":true}]})") +
             line(R"("type":"system","subtype":"compact_boundary","uuid":"c1","compactMetadata":{"trigger":"manual","preTokens":1234})") +
             line(R"("type":"system","subtype":"api_error","uuid":"c2")") +
             line(R"("type":"user","isSidechain":true,"agentId":"a1","uuid":"s1","message":{"role":"user","content":"sub"})",
                  "22222222-2222-4222-8222-222222222222"),
         r.out);
    REQUIRE(types(r.items()) == "session_start llm_request llm_request error_encountered context_switch llm_request");
    CHECK(test::data(r.items()[1]) == nlohmann::json::parse(R"({"promptLength":6})"));
    CHECK(r.items()[1].event.id == event_id("claude-code", "prompt", "u1"));
    const auto& error = r.items()[3];
    CHECK(error.event.severity == "error");
    CHECK(error.event.parent_event_id == event_id("claude-code", "tool", "toolu_2"));
    CHECK(test::data(error) == nlohmann::json::parse(R"({"errorKind":"tool_result","toolUseId":"toolu_2"})"));
    CHECK(test::data(r.items()[4]) == nlohmann::json::parse(R"({"reason":"compact","trigger":"manual","preTokens":1234})"));
    // A subagent's records carry the parent's session id and isSidechain: no session_start of their own.
    const auto context = nlohmann::json::parse(r.items()[5].event.context);
    CHECK(context["isSidechain"] == true);
    CHECK(context["subagentId"] == "a1");
    CHECK(context["parser"] == "claude-code/1");
    CHECK(r.items()[5].event.session_id.str() == "22222222-2222-4222-8222-222222222222");
}

TEST_CASE("Claude Code: --content keeps text, redacted")
{
    Run r;
    r.options.content = true;
    feed(*r.parser,
         line(R"("type":"user","uuid":"u1","message":{"role":"user","content":"use password=hunter22 now"})") +
             assistant("msg_1", "req_1", 5, R"([{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"curl -H 'Authorization: Bearer abcdefghijkl'"}}])"),
         r.out);
    CHECK(test::data(r.items()[1])["text"] == "use password=[REDACTED] now");
    CHECK(test::data(r.items()[2])["input"] == R"({"command":"curl -H 'Authorization: Bearer [REDACTED]'"})");
}
