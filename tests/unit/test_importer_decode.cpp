#include "lib/core/errors.hpp"
#include "lib/importer/decode.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>

using namespace devlog;
using namespace devlog::importer;

namespace {

// TEXT as a record, with the padding the decoders may read.
struct Padded
{
    explicit Padded(std::string text) : buffer(std::move(text)), size(buffer.size())
    {
        buffer.append(k_record_padding, '\0');
    }
    Record record(std::uint64_t line = 1) const { return Record{std::string_view(buffer.data(), size), buffer.size(), line, false}; }
    std::string buffer;
    std::size_t size;
};

// "field: problem" of what decoding TEXT throws, or "ok".
std::string json_error(const std::string& text)
{
    JsonDecoder decoder;
    ParsedEvent event;
    const Padded padded(text);
    try {
        decoder.decode(padded.record(), event);
        return "ok";
    } catch (const BadField& e) {
        return e.field + ": " + e.problem;
    }
}

const std::string k_base = R"("timestamp":"2026-01-02T03:04:05Z","eventType":"tool_use","agentId":"a","agentVersion":"1","sessionId":"s")";

std::string with(const std::string& more)
{
    return "{" + k_base + (more.empty() ? "" : "," + more) + "}";
}

} // namespace

TEST_CASE("JsonDecoder: fields")
{
    JsonDecoder decoder;
    ParsedEvent e;

    SUBCASE("camelCase, every field")
    {
        const Padded p(R"({"id":"7C9E6679-7425-40DE-944B-E07FC1F90AE7","timestamp":"2026-01-02T03:04:05.1234567+02:00",)"
                       R"("eventType":"Tool-Invocation","agentId":"claude-code","agentVersion":"2.1","sessionId":"0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c",)"
                       R"("projectId":3,"context":{"k": [1, 2]},"data":{"s":"a\"}b"},"metrics":{"tokenCount":5},)"
                       R"("parentEventId":"p-1","relatedEventIds":["x","y"],"tags":[],"severity":"ERROR","extra":{"ignored":tru}})");
        // "extra" holds invalid JSON: the whole record is refused, ignored key or not.
        CHECK_THROWS_AS(decoder.decode(p.record(), e), BadField);
        const Padded q(std::string(p.buffer.data(), p.size).replace(p.buffer.find("tru}"), 4, "true}"));
        decoder.decode(q.record(), e);
        CHECK(e.row.id->str() == "7c9e6679-7425-40de-944b-e07fc1f90ae7");
        CHECK(e.row.timestamp == 1'767'323'045'123'457 - 2 * 3'600'000'000LL); // .1234567 rounds as PostgreSQL rounds it
        CHECK(e.row.event_type == "tool_use");
        CHECK(e.row.agent_id == "claude-code");
        CHECK(e.row.agent_version == "2.1");
        CHECK(e.row.session_id.str() == "0b7f9a3c-1d2e-4f5a-8b6c-7d8e9f0a1b2c");
        CHECK(e.project_number == 3);
        CHECK(e.row.context == R"({"k": [1, 2]})");
        CHECK(e.row.data == R"({"s":"a\"}b"})");
        CHECK(e.row.metrics == R"({"tokenCount":5})");
        CHECK(*e.row.parent_event_id == uuid_or_derived("event", "p-1"));
        REQUIRE(e.row.related_event_ids.has_value());
        CHECK(e.row.related_event_ids->size() == 2);
        CHECK((*e.row.related_event_ids)[1] == "y");
        REQUIRE(e.row.tags.has_value());
        CHECK(e.row.tags->empty());
        CHECK(e.row.severity == "error");
    }
    SUBCASE("snake_case, epoch timestamps, nulls as missing, project by name")
    {
        const Padded p(R"({"timestamp":1767323045123,"event_type":"command_execution","agent_id":"codex","agent_version":"",)"
                       R"("session_id":"s","project":"acme/api","metrics":null,"tags":null,"context":null})");
        decoder.decode(p.record(), e);
        CHECK(e.row.timestamp == 1'767'323'045'123'000);
        CHECK(e.row.event_type == "command_execute");
        CHECK(e.row.session_id == uuid_or_derived("session", "s"));
        CHECK(e.project_text == "acme/api");
        CHECK_FALSE(e.project_number.has_value());
        CHECK_FALSE(e.row.metrics.has_value());
        CHECK_FALSE(e.row.tags.has_value());
        CHECK(e.row.context == "{}");
        CHECK_FALSE(e.row.id.has_value());
    }
    SUBCASE("epoch seconds with a fraction, a project id as a string")
    {
        const Padded p(with(R"("timestamp":1767323045.5,"projectId":"12")"));
        decoder.decode(p.record(), e);
        CHECK(e.row.timestamp == 1'767'323'045'500'000);
        CHECK(e.project_number == 12);
    }
}

TEST_CASE("JsonDecoder: bad records, word for word")
{
    CHECK(json_error(with("")) == "ok");
    CHECK(json_error("{\"timestamp\":") == "record: invalid JSON: missing or extra commas, brackets, braces or quotes");
    CHECK(json_error(with(R"("data":{"a":01})")) == "record: invalid JSON: a malformed number, or one beyond 64-bit range");
    CHECK(json_error(with(R"("data":"x)")) == "record: invalid JSON: a string is not closed");
    CHECK(json_error("[1,2]") == "record: expected a JSON object, got an array");
    CHECK(json_error(std::string("{\"a\":\"\xC3\x28\"}")) == "record: not valid UTF-8 (byte 0xC3 at byte 7)");
    CHECK(json_error(std::string("{\"a\":\"x\0y\"}", 11)) == "record: contains a NUL byte (at byte 8)");
    CHECK(json_error(R"({"eventType":"tool_use","agentId":"a","agentVersion":"1","sessionId":"s"})") == "timestamp: missing");
    CHECK(json_error(R"({"timestamp":1767323045,"event_type":"tool_use","agent_id":"a","session_id":"s"})") ==
          "agent_version: missing");
    CHECK(json_error(with(R"("timestamp":"yesterday")")) ==
          "timestamp: 'yesterday' is not an ISO-8601 timestamp with a UTC offset or an epoch number");
    CHECK(json_error(with(R"("timestamp":"2026-01-02T03:04:05")")) ==
          "timestamp: '2026-01-02T03:04:05' has no UTC offset (add Z or +HH:MM)");
    CHECK(json_error(with(R"("timestamp":"2026-02-30T00:00:00Z")")) ==
          "timestamp: '2026-02-30T00:00:00Z' is not an ISO-8601 timestamp with a UTC offset or an epoch number");
    CHECK(json_error(with(R"("timestamp":true)")) == "timestamp: expected an ISO-8601 string or an epoch number, got true or false");
    CHECK(json_error(with(R"("eventType":"tool_used")")) == "eventType: 'tool_used' is not a known event type");
    CHECK(json_error(with(R"("agentId":7)")) == "agentId: expected a string, got a number");
    CHECK(json_error(with(R"("agentId":"")")) == "agentId: empty");
    CHECK(json_error(with(R"("agentId":"a\u0000b")")) ==
          "agentId: contains a NUL character (\\u0000), which PostgreSQL cannot store");
    CHECK(json_error(with(R"("data":{"a":"x\u0000"})")) == "data: contains \\u0000, which PostgreSQL's jsonb cannot store");
    CHECK(json_error(with(R"("data":{"a":"x\\u0000"})")) == "ok");
    CHECK(json_error(with(R"("data":[1])")) == "data: expected a JSON object, got an array");
    CHECK(json_error(with(R"("tags":["a",2])")) == "tags: element 2 is a number; expected strings");
    CHECK(json_error(with(R"("tags":"a")")) == "tags: expected an array of strings, got a string");
    CHECK(json_error(with(R"("severity":"fatal")")) == "severity: 'fatal' is not one of info, warning, error");
    CHECK(json_error(with(R"("projectId":0)")) == "projectId: 0 is not a project id (a positive 32-bit integer)");
    CHECK(json_error(with(R"("projectId":1.5)")) ==
          "projectId: expected a project id, full name (owner/repo) or repository URL, got a number");
    CHECK(json_error(with(R"("sessionId":"")")) == "sessionId: empty");
}

namespace {

// CSV records after HEADER: "ok" and what was decoded (VALUES, valid only while the decoder
// lives, are written out), or "field: problem".
std::string show(const ParsedEvent& e)
{
    std::string tags = "<null>";
    if (e.row.tags) {
        tags.clear();
        for (const auto tag : *e.row.tags) {
            tags += "[" + std::string(tag) + "]";
        }
    }
    return fmt::format("{}|{}|{}|{}|{}|{}|{}", e.row.timestamp, e.row.event_type, e.row.agent_version,
                       e.project_number ? std::to_string(*e.project_number) : std::string(e.project_text), tags, e.row.data,
                       e.row.severity.value_or("<null>"));
}

std::vector<std::string> csv(const std::string& header, const std::vector<std::string>& records)
{
    CsvDecoder decoder;
    decoder.header(Padded(header).record(), "t.csv");
    std::vector<std::string> out;
    for (const auto& text : records) {
        ParsedEvent e;
        const Padded padded(text);
        try {
            decoder.decode(padded.record(), e);
            out.push_back("ok " + show(e));
        } catch (const BadField& bad) {
            out.push_back(bad.field + ": " + bad.problem);
        }
    }
    return out;
}

} // namespace

TEST_CASE("CsvDecoder")
{
    const std::string header = "timestamp,event_type,agent_id,agent_version,session_id,project_id,tags,data,severity,note";

    SUBCASE("header problems")
    {
        CsvDecoder decoder;
        CHECK_THROWS_WITH_AS(decoder.header(Padded("timestamp,eventType,agentId,sessionId").record(), "t.csv"),
                             "t.csv:1: CSV header: no agentVersion column", InputError);
        CHECK_THROWS_WITH_AS(decoder.header(Padded("timestamp,eventType,event_type").record(), "t.csv"),
                             "t.csv:1: CSV header: columns 'eventType' and 'event_type' are both eventType", InputError);
    }
    SUBCASE("values: NULL, arrays both ways, quoted JSON")
    {
        CHECK(csv(header, {R"(2026-01-02 03:04:05.5+00,tool_use,a,1,s,3,"{x,""y z"",\,}","{""k"":""v""}",,ignored)",
                           R"(1767323045,file_modify,a,"",s,acme/api,"[""p"",""q""]",,warning,)"}) ==
              std::vector<std::string>{R"(ok 1767323045500000|tool_use|1|3|[x][y z][,]|{"k":"v"}|<null>)",
                                       R"(ok 1767323045000000|file_write||acme/api|[p][q]|{}|warning)"});
    }
    SUBCASE("bad records")
    {
        CHECK(csv(header, {"2026-01-02T00:00:00Z,tool_use,a,1,s,3,,,",
                           "2026-01-02T00:00:00Z,tool_use,a,1,s,3,,\"{\"\"k\"\":}\",,",
                           "2026-01-02T00:00:00Z,tool_use,a,1,s,3,,\"[1]\",,",
                           "2026-01-02T00:00:00Z,tool_use,a,1,s,3,\"{a,NULL}\",,,",
                           "2026-01-02T00:00:00Z,tool_use,a,1,s,3,x,,,",
                           "2026-01-02T00:00:00Z,tool_use,a,1,s,3,,\"{}\"x,,",
                           "2026-01-02T00:00:00Z,tool_use,a,1,s,3,,\"{},,",
                           "2026-01-02T00:00:00Z,tool_use,,1,s,3,,,,"}) ==
              std::vector<std::string>{
                  "record: 9 fields, but the header has 10 columns",
                  "data: invalid JSON: missing or extra commas, brackets, braces or quotes",
                  "data: expected a JSON object",
                  "tags: element 2 is NULL; expected strings",
                  "tags: expected a JSON array [\"a\",\"b\"] or a PostgreSQL array {a,b}",
                  "record: field 8 has text after its closing quote",
                  "record: field 8 has an opening quote but no closing one",
                  "agent_id: missing",
              });
    }
}
