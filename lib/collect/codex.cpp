#include "lib/collect/codex.hpp"

#include "lib/collect/simdjson_util.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>

namespace devlog::collect {
namespace {

using json::at;
using json::integer;
using json::text;

constexpr std::string_view k_agent = events::agent::codex;

struct Totals
{
    std::int64_t input = 0, cached = 0, output = 0, reasoning = 0, total = 0;
};

// Files a patch (apply_patch input) touches, with the event type of each.
std::vector<std::pair<std::string, std::string_view>> patch_files(std::string_view patch)
{
    std::vector<std::pair<std::string, std::string_view>> out;
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 3> k_markers = {
        {{"*** Add File: ", "file_create"}, {"*** Update File: ", "file_write"}, {"*** Delete File: ", "file_delete"}}};
    std::size_t pos = 0;
    while (pos < patch.size()) {
        auto end = patch.find('\n', pos);
        if (end == std::string_view::npos) {
            end = patch.size();
        }
        const auto line = patch.substr(pos, end - pos);
        for (const auto& [marker, type] : k_markers) {
            if (line.starts_with(marker)) {
                std::string path(line.substr(marker.size()));
                while (!path.empty() && (path.back() == '\r' || path.back() == ' ')) {
                    path.pop_back();
                }
                out.emplace_back(std::move(path), type);
            }
        }
        pos = end + 1;
    }
    return out;
}

class CodexParser final : public LineParser
{
public:
    explicit CodexParser(const std::string& file_name)
    {
        // rollout-2025-01-02T03-04-05-<uuid>.jsonl: the last 36 characters before ".jsonl"
        const std::string stem = std::filesystem::path(file_name).stem().string();
        if (stem.size() >= 36) {
            if (auto id = Uuid::parse(std::string_view(stem).substr(stem.size() - 36))) {
                m_session = id->str();
            }
        }
    }

    void restore(std::string_view state) override
    {
        const auto s = nlohmann::json::parse(state, nullptr, false);
        if (!s.is_object()) {
            return;
        }
        m_session = s.value("session", m_session);
        m_cwd = s.value("cwd", "");
        m_version = s.value("version", "");
        m_model = s.value("model", "");
        m_repo = s.value("repo", "");
        if (const auto t = s.find("total"); t != s.end() && t->is_array() && t->size() == 5) {
            m_total = {(*t)[0].get<std::int64_t>(), (*t)[1].get<std::int64_t>(), (*t)[2].get<std::int64_t>(),
                       (*t)[3].get<std::int64_t>(), (*t)[4].get<std::int64_t>()};
        }
    }

    std::string state() const override
    {
        return nlohmann::json{{"session", m_session},
                              {"cwd", m_cwd},
                              {"version", m_version},
                              {"model", m_model},
                              {"repo", m_repo},
                              {"total", {m_total.input, m_total.cached, m_total.output, m_total.reasoning, m_total.total}}}
            .dump();
    }

    void parse_line(std::string_view line, std::int64_t line_no, Emitter& out) override
    {
        simdjson::dom::element record;
        if (auto error = m_json.parse(line.data(), line.size()).get(record); error) {
            out.malformed(line_no, std::string("not JSON: ") + simdjson::error_message(error));
            return;
        }
        const std::string_view type = text(record, "type");
        const auto payload = at(record, "payload");
        const auto ts = time::parse_iso8601(text(record, "timestamp"), time::Offset::assume_utc);
        if (!record.is_object() || type.empty() || !payload.is_object()) {
            out.malformed(line_no, "not a rollout record ({timestamp, type, payload})");
            return;
        }
        if (!ts) {
            out.malformed(line_no, "no valid timestamp");
            return;
        }
        if (type == "session_meta") {
            session_meta(payload, *ts, out);
        } else if (type == "turn_context") {
            if (auto model = text(payload, "model"); !model.empty()) {
                m_model = model;
            }
            if (auto cwd = text(payload, "cwd"); !cwd.empty()) {
                m_cwd = cwd;
            }
        } else if (type == "event_msg") {
            event_msg(payload, line, *ts, out);
        } else if (type == "response_item") {
            response_item(payload, *ts, out);
        } else if (type != "compacted") {
            out.unknown(type);
        }
    }

private:
    // The origin of the current record: computed again only when the session, working directory,
    // remote or version changed (valid until the next call).
    const Origin& origin(Emitter& out)
    {
        if (m_origin.place == nullptr || m_origin_session != m_session || m_origin_cwd != m_cwd ||
            m_origin_repo != m_repo || m_origin.agent_version != m_version) {
            const Place& place = out.identities().for_directory(m_cwd, m_repo);
            m_origin.agent = k_agent;
            m_origin.agent_version = m_version;
            m_origin.session = uuid_or_derived("codex:session", m_session);
            m_origin.place = &place;
            m_origin.context = origin_context(k_agent, place, out.identities().machine(), nlohmann::json::object());
            m_origin_session = m_session;
            m_origin_cwd = m_cwd;
            m_origin_repo = m_repo;
        }
        return m_origin;
    }

    void session_meta(simdjson::dom::element p, time::Micros ts, Emitter& out)
    {
        if (auto id = text(p, "id"); !id.empty()) {
            m_session = id;
        }
        m_cwd = text(p, "cwd");
        m_version = text(p, "cli_version");
        m_repo = text(at(p, "git"), "repository_url");
        ObjectText data;
        if (auto commit = text(at(p, "git"), "commit_hash"); !commit.empty()) {
            data.str("commit", commit);
        }
        if (auto originator = text(p, "originator"); !originator.empty()) {
            data.str("originator", originator);
        }
        const auto start = time::parse_iso8601(text(p, "timestamp"), time::Offset::assume_utc).value_or(ts);
        out.emit(make_item(origin(out), event_id(k_agent, "session-start", m_session), start, "session_start", data.done()));
    }

    void event_msg(simdjson::dom::element p, std::string_view line, time::Micros ts, Emitter& out)
    {
        const std::string_view kind = text(p, "type");
        if (kind == "user_message") {
            const std::string_view message = text(p, "message");
            ObjectText data;
            data.num("promptLength", static_cast<std::int64_t>(message.size()));
            if (out.options().content) {
                data.str("text", content_text(message));
            }
            // No id in the record: the line itself (identical in an archived copy) is the key.
            const auto id = event_id(k_agent, "prompt", m_session + "|" + sha_key(line));
            out.emit(make_item(origin(out), id, ts, "llm_request", data.done()));
        } else if (kind == "token_count") {
            const auto usage = at(p, "info", "total_token_usage");
            if (!usage.is_object()) {
                return; // info may be null (rate-limit updates)
            }
            const Totals now{integer(usage, "input_tokens"), integer(usage, "cached_input_tokens"),
                             integer(usage, "output_tokens"), integer(usage, "reasoning_output_tokens"),
                             integer(usage, "total_tokens")};
            if (now.total < m_total.total || now.input < m_total.input || now.output < m_total.output) {
                m_total = now; // the count restarted (a new cumulative series): nothing to attribute
                return;
            }
            if (now.total == m_total.total && now.input == m_total.input && now.output == m_total.output) {
                return; // a repeated total adds nothing
            }
            Usage u;
            const auto d_input = now.input - m_total.input;
            u.cache_read = std::max<std::int64_t>(0, now.cached - m_total.cached);
            u.prompt = std::max<std::int64_t>(0, d_input - u.cache_read);
            u.response = now.output - m_total.output;
            m_total = now;
            auto data = ObjectText()
                            .str("model", m_model.empty() ? std::string_view("unknown") : std::string_view(m_model))
                            .num("reasoningTokens", now.reasoning)
                            .done();
            const auto id = event_id(k_agent, "usage", m_session + "|" + std::to_string(now.total) + "|" +
                                                           std::to_string(now.input) + "|" + std::to_string(now.output));
            auto item = make_item(origin(out), id, ts, "llm_response", std::move(data));
            item.event.metrics = u.metrics_json();
            item.tokens = u.total();
            out.emit(std::move(item));
        }
    }

    void response_item(simdjson::dom::element p, time::Micros ts, Emitter& out)
    {
        const std::string_view kind = text(p, "type");
        if (kind == "function_call" || kind == "custom_tool_call" || kind == "local_shell_call") {
            const std::string_view call_id = text(p, "call_id");
            const std::string_view name = kind == "local_shell_call" ? std::string_view("shell") : text(p, "name");
            if (call_id.empty()) {
                return;
            }
            ObjectText data;
            const std::string_view input = kind == "custom_tool_call" ? text(p, "input") : text(p, "arguments");
            if (out.options().content && !input.empty()) {
                data.str("input", content_text(input));
            }
            data.str("toolName", name).str("toolUseId", call_id);
            const auto tool = event_id(k_agent, "tool", m_session + "|" + std::string(call_id));
            const auto& o = origin(out);
            out.emit(make_item(o, tool, ts, "tool_use", data.done()));
            if (name == "apply_patch") {
                for (const auto& [path, type] : patch_files(input)) {
                    auto write = ObjectText().str("filePath", path).str("toolName", name).str("toolUseId", call_id).done();
                    auto item = make_item(o, event_id(k_agent, "write", m_session + "|" + std::string(call_id) + "|" + path),
                                          ts, type, std::move(write));
                    item.event.parent_event_id = tool;
                    out.emit(std::move(item));
                }
            }
        } else if (kind == "function_call_output" || kind == "custom_tool_call_output") {
            tool_output(p, ts, out);
        } else if (kind != "message" && kind != "reasoning" && kind != "web_search_call" &&
                   kind != "local_shell_call_output") {
            out.unknown(std::string("response_item:").append(kind));
        }
    }

    // A failed call: the output's metadata.exit_code is not 0.
    void tool_output(simdjson::dom::element p, time::Micros ts, Emitter& out)
    {
        const std::string_view call_id = text(p, "call_id");
        std::string_view output = text(p, "output");
        if (output.empty()) {
            output = text(at(p, "output"), "content");
        }
        simdjson::dom::element parsed;
        if (call_id.empty() || output.empty() || output.front() != '{' || m_inner.parse(output.data(), output.size()).get(parsed)) {
            return;
        }
        const auto exit_code = at(parsed, "metadata", "exit_code");
        if (!exit_code.is_number() || integer(exit_code) == 0) {
            return;
        }
        ObjectText data;
        data.str("errorKind", "exit_code").num("exitCode", integer(exit_code));
        if (out.options().content) {
            data.str("message", content_text(text(parsed, "output")));
        }
        data.str("toolUseId", call_id);
        auto item = make_item(origin(out), event_id(k_agent, "tool-error", m_session + "|" + std::string(call_id)), ts,
                              "error_encountered", data.done());
        item.event.severity = "error";
        item.event.parent_event_id = event_id(k_agent, "tool", m_session + "|" + std::string(call_id));
        out.emit(std::move(item));
    }

    static std::string sha_key(std::string_view line) { return uuid_v5(devlog_namespace(), line).str(); }

    simdjson::dom::parser m_json;
    simdjson::dom::parser m_inner;
    std::string m_session;
    std::string m_cwd;
    std::string m_version;
    std::string m_model;
    std::string m_repo;
    Totals m_total;
    Origin m_origin; // see origin()
    std::string m_origin_session, m_origin_cwd, m_origin_repo;
};

} // namespace

std::unique_ptr<LineParser> make_codex_parser(const std::string& file_name)
{
    return std::make_unique<CodexParser>(file_name);
}

} // namespace devlog::collect
