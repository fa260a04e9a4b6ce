#include "lib/collect/claude_code.hpp"

#include "lib/collect/simdjson_util.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <map>
#include <set>

namespace devlog::collect {
namespace {

using json::at;
using json::integer;
using json::text;

constexpr std::string_view k_agent = events::agent::claude_code;

// Record types that carry nothing to collect (not counted as unknown).
constexpr std::array<std::string_view, 10> k_bookkeeping = {
    "summary", "progress", "queue-operation", "ai-title", "attachment", "file-history-snapshot", "custom-title",
    "tag", "agent-name", "x-error"};

constexpr std::array<std::string_view, 4> k_edit_tools = {"Edit", "MultiEdit", "Write", "NotebookEdit"};

// The file path a tool's input names, if any.
std::string_view tool_file_path(simdjson::dom::element input)
{
    for (const char* key : {"file_path", "notebook_path", "path"}) {
        if (auto value = text(input, key); !value.empty()) {
            return value;
        }
    }
    return {};
}

class ClaudeCodeParser final : public LineParser
{
public:
    void parse_line(std::string_view line, std::int64_t line_no, Emitter& out) override
    {
        simdjson::dom::element record;
        if (auto error = m_json.parse(line.data(), line.size()).get(record); error) {
            out.malformed(line_no, std::string("not JSON: ") + simdjson::error_message(error));
            return;
        }
        if (!record.is_object()) {
            out.malformed(line_no, "not a JSON object");
            return;
        }
        const std::string_view type = text(record, "type");
        if (type != "user" && type != "assistant" && type != "system") {
            if (std::find(k_bookkeeping.begin(), k_bookkeeping.end(), type) == k_bookkeeping.end()) {
                out.unknown(type.empty() ? std::string_view("(no type)") : type);
            }
            return;
        }
        const auto ts = time::parse_iso8601(text(record, "timestamp"), time::Offset::assume_utc);
        const std::string_view session = text(record, "sessionId");
        if (!ts || session.empty()) {
            out.malformed(line_no, ts ? "no sessionId" : "no valid timestamp");
            return;
        }
        const Origin& origin = origin_of(record, session, out);
        if (!json::flag(record, "isSidechain") && m_started.insert(std::string(session)).second) {
            out.emit(make_item(origin, event_id(k_agent, "session-start", session), *ts, "session_start", "{}"));
        }
        if (type == "user") {
            user(record, origin, *ts, out);
        } else if (type == "assistant") {
            assistant(record, origin, *ts, out);
        } else {
            system(record, origin, *ts, out);
        }
    }

private:
    // The origin of RECORD. Its context (one JSON object per working directory, branch and subagent)
    // is built once per distinct value, not once per line; the result is reused (valid until the next call).
    const Origin& origin_of(simdjson::dom::element record, std::string_view session, Emitter& out)
    {
        const bool sidechain = json::flag(record, "isSidechain");
        const std::string_view cwd = text(record, "cwd");
        const std::string_view branch = text(record, "gitBranch");
        const std::string_view agent = sidechain ? text(record, "agentId") : std::string_view();
        std::string key;
        key.reserve(cwd.size() + branch.size() + agent.size() + 3);
        key.append(cwd).append(1, '\x1f').append(branch).append(1, sidechain ? '\x1f' : '\x1e').append(agent);
        auto it = m_contexts.find(key);
        if (it == m_contexts.end()) {
            const Place& place = out.identities().for_directory(std::string(cwd));
            nlohmann::json extra = nlohmann::json::object();
            if (sidechain) {
                extra["isSidechain"] = true;
                if (!agent.empty()) {
                    extra["subagentId"] = agent;
                }
            }
            if (!branch.empty()) {
                extra["gitBranch"] = branch;
            }
            it = m_contexts.emplace(std::move(key), std::pair{&place, origin_context(k_agent, place, out.identities().machine(), extra)})
                     .first;
        }
        Origin& origin = m_origin;
        origin.agent = k_agent;
        origin.agent_version = text(record, "version");
        if (session != m_session) {
            m_session = session;
            origin.session = uuid_or_derived("claude-code:session", session);
        }
        origin.place = it->second.first;
        origin.context = it->second.second;
        return origin;
    }

    void user(simdjson::dom::element record, const Origin& origin, time::Micros ts, Emitter& out)
    {
        if (json::flag(record, "isMeta") || json::flag(record, "isCompactSummary")) {
            return;
        }
        const auto content = at(record, "message", "content");
        std::string prompt;
        bool is_prompt = false;
        if (content.is_string()) {
            is_prompt = true;
            prompt = std::string(std::string_view(content));
        } else if (content.is_array()) {
            for (auto block : simdjson::dom::array(content)) {
                const auto kind = text(block, "type");
                if (kind == "tool_result") {
                    if (json::flag(block, "is_error")) {
                        tool_error(block, origin, ts, out);
                    }
                } else if (kind == "text") {
                    is_prompt = true;
                    prompt += text(block, "text");
                } else if (kind == "image" || kind == "document") {
                    is_prompt = true;
                }
            }
        }
        if (!is_prompt) {
            return;
        }
        std::string key(text(record, "uuid"));
        if (key.empty()) {
            key = std::string(text(record, "sessionId")) + "@" + std::to_string(ts);
        }
        ObjectText data;
        data.num("promptLength", static_cast<std::int64_t>(prompt.size()));
        if (out.options().content) {
            data.str("text", content_text(prompt));
        }
        out.emit(make_item(origin, event_id(k_agent, "prompt", key), ts, "llm_request", data.done()));
    }

    void tool_error(simdjson::dom::element block, const Origin& origin, time::Micros ts, Emitter& out)
    {
        const std::string_view tool_use_id = text(block, "tool_use_id");
        ObjectText data;
        data.str("errorKind", "tool_result");
        if (out.options().content) {
            const auto content = at(block, "content");
            data.str("message", content_text(content.is_string() ? std::string(std::string_view(content))
                                                                 : simdjson::minify(content)));
        }
        data.str("toolUseId", tool_use_id);
        auto item = make_item(origin, event_id(k_agent, "tool-error", tool_use_id), ts, "error_encountered", data.done());
        item.event.severity = "error";
        item.event.parent_event_id = event_id(k_agent, "tool", tool_use_id);
        out.emit(std::move(item));
    }

    void assistant(simdjson::dom::element record, const Origin& origin, time::Micros ts, Emitter& out)
    {
        const auto message = at(record, "message");
        const std::string_view model = text(message, "model");
        if (model == "<synthetic>" || json::flag(record, "isApiErrorMessage")) {
            return; // never billed
        }
        const std::string_view message_id = text(message, "id");
        const std::string_view request_id = text(record, "requestId");
        std::string text_content;
        if (const auto content = at(message, "content"); content.is_array()) {
            for (auto block : simdjson::dom::array(content)) {
                const auto kind = text(block, "type");
                if (kind == "tool_use") {
                    tool_use(block, origin, ts, out);
                } else if (kind == "text" && out.options().content) {
                    text_content += text(block, "text");
                }
            }
        }
        if (message_id.empty()) {
            return;
        }
        const auto usage = at(message, "usage");
        Usage u;
        u.prompt = integer(usage, "input_tokens");
        u.response = integer(usage, "output_tokens");
        u.cache_read = integer(usage, "cache_read_input_tokens");
        u.cache_creation = integer(usage, "cache_creation_input_tokens");
        const std::string key = request_id.empty() ? std::string(text(record, "sessionId")) + "|" + std::string(message_id)
                                                   : std::string(message_id) + "|" + std::string(request_id);
        ObjectText data;
        data.str("messageId", message_id).str("model", model);
        if (!request_id.empty()) {
            data.str("requestId", request_id);
        }
        if (auto stop = text(message, "stop_reason"); !stop.empty()) {
            data.str("stopReason", stop);
        }
        if (out.options().content && !text_content.empty()) {
            data.str("text", content_text(text_content));
        }
        auto item = make_item(origin, event_id(k_agent, "response", key), ts, "llm_response", data.done());
        item.event.metrics = u.metrics_json();
        item.tokens = u.total();
        out.emit(std::move(item));
    }

    void tool_use(simdjson::dom::element block, const Origin& origin, time::Micros ts, Emitter& out)
    {
        const std::string_view id = text(block, "id");
        const std::string_view name = text(block, "name");
        if (id.empty()) {
            return;
        }
        const auto input = at(block, "input");
        const std::string_view path = tool_file_path(input);
        ObjectText data;
        if (!path.empty()) {
            data.str("filePath", path);
        }
        if (out.options().content && input.is_object()) {
            data.str("input", content_text(simdjson::minify(input)));
        }
        data.str("toolName", name).str("toolUseId", id);
        out.emit(make_item(origin, event_id(k_agent, "tool", id), ts, "tool_use", data.done()));
        if (!path.empty() && std::find(k_edit_tools.begin(), k_edit_tools.end(), name) != k_edit_tools.end()) {
            auto write = ObjectText().str("filePath", path).str("toolName", name).str("toolUseId", id).done();
            auto item = make_item(origin, event_id(k_agent, "write", id), ts, "file_write", std::move(write));
            item.event.parent_event_id = event_id(k_agent, "tool", id);
            out.emit(std::move(item));
        }
    }

    void system(simdjson::dom::element record, const Origin& origin, time::Micros ts, Emitter& out)
    {
        const std::string_view subtype = text(record, "subtype");
        if (subtype != "compact_boundary") {
            return; // informational system lines (hook output, api errors shown to the user, …)
        }
        const auto meta = at(record, "compactMetadata");
        ObjectText data;
        if (auto pre = integer(meta, "preTokens"); pre > 0) {
            data.num("preTokens", pre);
        }
        data.str("reason", "compact");
        if (auto trigger = text(meta, "trigger"); !trigger.empty()) {
            data.str("trigger", trigger);
        }
        std::string key(text(record, "uuid"));
        out.emit(make_item(origin, event_id(k_agent, "compact", key.empty() ? std::to_string(ts) : key), ts,
                           "context_switch", data.done()));
    }

    simdjson::dom::parser m_json;
    std::set<std::string> m_started; // sessions whose session_start this parser emitted
    std::map<std::string, std::pair<const Place*, std::string>> m_contexts; // see origin_of
    Origin m_origin;       // origin_of's result, reused
    std::string m_session; // the session m_origin.session was derived from
};

} // namespace

std::unique_ptr<LineParser> make_claude_code_parser()
{
    return std::make_unique<ClaudeCodeParser>();
}

} // namespace devlog::collect
