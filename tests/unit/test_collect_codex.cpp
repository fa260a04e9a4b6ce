#include "lib/collect/codex.hpp"

#include "collect_helpers.hpp"

#include <fmt/format.h>

using namespace devlog;
using namespace devlog::collect;
using test::feed;
using test::types;

namespace {

const std::string k_file = "rollout-2026-11-20T12-00-00-33333333-3333-4333-8333-333333333333.jsonl";

std::string record(const std::string& type, const std::string& payload, int second = 0)
{
    return fmt::format(R"({{"timestamp":"2026-11-20T12:00:{:02}.000Z","type":"{}","payload":{}}})", second, type, payload) + "\n";
}

std::string tokens(int input, int cached, int output, int second, int last_output = 999)
{
    return record("event_msg",
                  fmt::format(R"({{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{},"cached_input_tokens":{},"output_tokens":{},"reasoning_output_tokens":5,"total_tokens":{}}},"last_token_usage":{{"input_tokens":1,"cached_input_tokens":0,"output_tokens":{},"total_tokens":1}}}}}})",
                              input, cached, output, input + output, last_output),
                  second);
}

const std::string k_meta = record("session_meta", R"({"id":"33333333-3333-4333-8333-333333333333","cwd":"/nowhere","cli_version":"0.50.0","git":{"repository_url":"git@github.com:acme/api.git"}})") +
                           record("turn_context", R"({"model":"gpt-5-codex","cwd":"/nowhere"})", 1);

struct Run
{
    ParseOptions options;
    Identities identities{test::test_machine()};
    Emitter out{k_file, identities, options};
    std::unique_ptr<LineParser> parser = make_codex_parser(k_file);
};

} // namespace

TEST_CASE("Codex: tokens are deltas of the cumulative total; repeats and info:null add nothing")
{
    Run r;
    feed(*r.parser,
         k_meta + record("event_msg", R"({"type":"token_count","info":null})", 2) + tokens(1000, 400, 100, 3) +
             tokens(1000, 400, 100, 4) + tokens(1500, 900, 160, 5),
         r.out);
    REQUIRE(types(r.out.items) == "session_start llm_response llm_response");
    CHECK(test::metrics(r.out.items[1]) == nlohmann::json::parse(R"({"promptTokens":600,"responseTokens":100,"cacheReadTokens":400,"cacheCreationTokens":0,"tokenCount":1100})"));
    CHECK(test::metrics(r.out.items[2]) == nlohmann::json::parse(R"({"promptTokens":0,"responseTokens":60,"cacheReadTokens":500,"cacheCreationTokens":0,"tokenCount":560})"));
    CHECK(test::data(r.out.items[2])["model"] == "gpt-5-codex");
    // The project comes from the recorded remote when the directory is not a repository here.
    CHECK(r.out.items[1].project == "project:https://github.com/acme/api");
}

TEST_CASE("Codex: the running total survives a restart (state), and a copy of the file yields the same ids")
{
    Run a;
    feed(*a.parser, k_meta + tokens(1000, 400, 100, 3), a.out);
    Run b; // the next pass, from the checkpoint
    b.parser->restore(a.parser->state());
    feed(*b.parser, tokens(1000, 400, 100, 4) + tokens(1200, 400, 150, 5), b.out);
    REQUIRE(b.out.items.size() == 1);
    CHECK(b.out.items[0].tokens == 250);
    Run copy; // an archived copy read from the start
    feed(*copy.parser, k_meta + tokens(1000, 400, 100, 3) + tokens(1000, 400, 100, 4) + tokens(1200, 400, 150, 5), copy.out);
    REQUIRE(copy.out.items.size() == 3);
    CHECK(copy.out.items[1].event.id == a.out.items[1].event.id);
    CHECK(copy.out.items[2].event.id == b.out.items[0].event.id);
}

TEST_CASE("Codex: a total that goes down starts a new series without counting it")
{
    Run r;
    feed(*r.parser, k_meta + tokens(1000, 0, 100, 3) + tokens(10, 0, 1, 4) + tokens(20, 0, 2, 5), r.out);
    REQUIRE(r.out.items.size() == 3);
    CHECK(r.out.items[2].tokens == 11);
}

TEST_CASE("Codex: prompts, tool calls, failures, patches, unknown records")
{
    Run r;
    feed(*r.parser,
         k_meta + record("event_msg", R"({"type":"user_message","message":"fix it"})", 2) +
             record("response_item", R"({"type":"function_call","name":"shell","arguments":"{}","call_id":"c1"})", 3) +
             record("response_item", R"({"type":"function_call_output","call_id":"c1","output":"{\"output\":\"x\",\"metadata\":{\"exit_code\":2}}"})", 4) +
             record("response_item", R"({"type":"function_call_output","call_id":"c0","output":"{\"output\":\"x\",\"metadata\":{\"exit_code\":0}}"})", 4) +
             record("response_item", R"({"type":"custom_tool_call","name":"apply_patch","call_id":"c2","input":"*** Begin Patch\n*** Add File: a.rs\n+x\n*** Update File: b.rs\n*** Delete File: c.rs\n*** End Patch"})", 5) +
             record("response_item", R"({"type":"reasoning"})", 6) + record("mystery", "{}", 7) +
             record("response_item", R"({"type":"brand_new"})", 8) + "not json\n" + R"({"type":"event_msg"})" + "\n",
         r.out);
    CHECK(types(r.out.items) == "session_start llm_request tool_use error_encountered tool_use file_create file_write file_delete");
    CHECK(test::data(r.out.items[3]) == nlohmann::json::parse(R"({"errorKind":"exit_code","exitCode":2,"toolUseId":"c1"})"));
    CHECK(test::data(r.out.items[6])["filePath"] == "b.rs");
    CHECK(r.out.unknown_kinds == std::map<std::string, std::int64_t>{{"mystery", 1}, {"response_item:brand_new", 1}});
    REQUIRE(r.out.malformed_lines.size() == 2);
    CHECK(r.out.malformed_lines[1] == k_file + ":12: not a rollout record ({timestamp, type, payload})");
}
