#include "lib/collect/copilot.hpp"

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace devlog::collect {
namespace {

using nlohmann::json;
constexpr std::string_view k_agent = events::agent::github_copilot;

// Response item kinds that carry nothing to collect (not counted as unknown).
constexpr std::array<std::string_view, 16> k_ignored = {
    "codeblockUri", "thinking", "markdownContent", "inlineReference", "progressMessage", "undoStop",
    "prepareToolInvocation", "confirmation", "warning", "command", "progressTask", "markdownVuln",
    "toolInvocation", "textEdit", "notebookEditGroup", "elicitation"};

const json* find(const json& obj, std::string_view key)
{
    if (!obj.is_object()) {
        return nullptr;
    }
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
}

std::string str(const json& obj, std::string_view key)
{
    const json* v = find(obj, key);
    return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

// A timestamp as VS Code writes it: epoch milliseconds or an ISO string.
std::optional<time::Micros> when(const json* value)
{
    if (value == nullptr) {
        return std::nullopt;
    }
    if (value->is_number()) {
        return time::from_epoch(value->get<double>());
    }
    if (value->is_string()) {
        return time::parse_iso8601(value->get_ref<const std::string&>(), time::Offset::assume_utc);
    }
    return std::nullopt;
}

// The path of a URI object ({path} or {fsPath}) or a URI string.
std::string path_of(const json& value)
{
    if (value.is_string()) {
        const auto& s = value.get_ref<const std::string&>();
        return s.starts_with("file:") ? uri_to_path(s) : s;
    }
    if (value.is_object()) {
        if (const json* uri = find(value, "uri")) {
            return path_of(*uri);
        }
        if (auto p = str(value, "fsPath"); !p.empty()) {
            return p;
        }
        return str(value, "path");
    }
    return {};
}

// The files a request's variables refer to: value as a URI object, a string, or an array of either.
void variable_files(const json& value, std::vector<std::string>& files)
{
    if (value.is_array()) {
        for (const auto& v : value) {
            variable_files(v, files);
        }
        return;
    }
    if (value.is_object()) {
        if (auto p = path_of(value); !p.empty()) {
            files.push_back(std::move(p));
        }
    }
    // a string value is text (instructions, a selection), not a file
}

// The message text: a string or {"value": …}.
std::string message_text(const json* value)
{
    if (value == nullptr) {
        return {};
    }
    if (value->is_string()) {
        return value->get<std::string>();
    }
    return str(*value, "value");
}

// The first file:// link in a tool's invocation message.
std::string invocation_file(const json& item)
{
    const std::string text = message_text(find(item, "invocationMessage"));
    const auto start = text.find("file://");
    if (start == std::string::npos) {
        return {};
    }
    const auto end = text.find_first_of(")] \n", start);
    return uri_to_path(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
}

json* walk(json& root, const json& path, bool create)
{
    json* node = &root;
    for (const auto& key : path) {
        if (key.is_number_integer()) {
            const auto index = key.get<std::size_t>();
            if (!node->is_array() || index >= node->size()) {
                return nullptr;
            }
            node = &(*node)[index];
        } else if (key.is_string()) {
            if (!node->is_object()) {
                if (!create || !node->is_null()) {
                    return nullptr;
                }
                *node = json::object();
            }
            const auto& name = key.get_ref<const std::string&>();
            if (!create && !node->contains(name)) {
                return nullptr;
            }
            node = &(*node)[name];
        } else {
            return nullptr;
        }
    }
    return node;
}

class CopilotParser final : public DocumentParser
{
public:
    CopilotParser(std::string workspace, bool mutation_log) : m_workspace(std::move(workspace)), m_log(mutation_log) {}

    void parse(std::string_view content, Emitter& out) override
    {
        json session;
        if (m_log) {
            session = replay_mutation_log(content, out);
        } else {
            session = json::parse(content, nullptr, false);
            if (session.is_discarded()) {
                out.malformed(0, "not a JSON document");
                return;
            }
        }
        if (!session.is_object()) {
            if (!session.is_null()) {
                out.malformed(0, "not a chat session object");
            }
            return;
        }
        const std::string session_id = str(session, "sessionId");
        if (session_id.empty()) {
            out.malformed(0, "no sessionId");
            return;
        }
        const Place& place = out.identities().for_directory(m_workspace);
        Origin origin;
        origin.agent = k_agent;
        origin.session = uuid_or_derived("copilot:session", session_id);
        origin.place = &place;
        origin.context = origin_context(k_agent, place, out.identities().machine(), json::object());
        const auto created = when(find(session, "creationDate"));
        if (created) {
            out.emit(make_item(origin, event_id(k_agent, "session-start", session_id), *created, "session_start", "{}"));
        }
        const json* requests = find(session, "requests");
        if (requests == nullptr || !requests->is_array()) {
            return;
        }
        for (const auto& r : *requests) {
            request(r, origin, created, out);
        }
    }

private:
    void request(const json& r, const Origin& origin, std::optional<time::Micros> fallback, Emitter& out)
    {
        const std::string id = str(r, "requestId");
        const auto ts = when(find(r, "timestamp")) ? when(find(r, "timestamp")) : fallback;
        if (id.empty() || !ts) {
            out.malformed(0, id.empty() ? "a request without requestId" : "request " + id + " without a timestamp");
            return;
        }
        const std::string model = str(r, "modelId");
        const json* message = find(r, "message");
        const std::string prompt = message != nullptr ? str(*message, "text") : std::string();
        std::vector<std::string> files;
        if (const json* vars = find(r, "variableData"); vars != nullptr) {
            if (const json* list = find(*vars, "variables"); list != nullptr && list->is_array()) {
                for (const auto& v : *list) {
                    if (const json* value = find(v, "value")) {
                        variable_files(*value, files);
                    }
                }
            }
        }
        json data = {{"model", model}, {"promptLength", prompt.size()}, {"requestId", id}};
        if (!files.empty()) {
            data["files"] = files;
        }
        if (const json* agent = find(r, "agent"); agent != nullptr && !str(*agent, "id").empty()) {
            data["mode"] = str(*agent, "id");
        }
        if (out.options().content) {
            data["text"] = content_text(prompt);
        }
        const auto request_event = event_id(k_agent, "request", id);
        out.emit(make_item(origin, request_event, *ts, "llm_request", data.dump()));

        std::string text;
        if (const json* response = find(r, "response"); response != nullptr && response->is_array()) {
            std::size_t index = 0;
            for (const auto& item : *response) {
                response_item(item, id, index++, origin, *ts, out, text);
            }
        }
        const json* result = find(r, "result");
        const json* state = find(r, "modelState");
        const json* state_value = state != nullptr ? find(*state, "value") : nullptr;
        const bool canceled = (find(r, "isCanceled") != nullptr && r["isCanceled"] == true) ||
                              (state_value != nullptr && *state_value == 2);
        const bool complete = canceled || (result != nullptr && result->is_object()) ||
                              (state_value != nullptr && state_value->is_number() && *state_value != 0);
        if (!complete) {
            return; // still running: its response comes with a later save
        }
        std::optional<double> elapsed;
        if (result != nullptr) {
            if (const json* timings = find(*result, "timings")) {
                if (const json* total = find(*timings, "totalElapsed"); total != nullptr && total->is_number()) {
                    elapsed = total->get<double>();
                }
            }
        }
        json rdata = {{"model", model}, {"requestId", id}, {"status", canceled ? "canceled" : "complete"}};
        if (out.options().content && !text.empty()) {
            rdata["text"] = content_text(text);
        }
        const auto done = *ts + static_cast<time::Micros>(elapsed.value_or(0) * 1000);
        auto item = make_item(origin, event_id(k_agent, "response", id), done, "llm_response", rdata.dump());
        item.event.parent_event_id = request_event;
        if (elapsed) {
            item.event.metrics = json{{"durationMs", *elapsed}}.dump();
        }
        out.emit(std::move(item));
        if (result != nullptr) {
            if (const json* error = find(*result, "errorDetails"); error != nullptr && error->is_object()) {
                json edata = {{"errorKind", "response"}, {"requestId", id}};
                if (auto code = str(*error, "code"); !code.empty()) {
                    edata["code"] = code;
                }
                if (out.options().content) {
                    edata["message"] = content_text(str(*error, "message"));
                }
                auto e = make_item(origin, event_id(k_agent, "error", id), done, "error_encountered", edata.dump());
                e.event.severity = "error";
                e.event.parent_event_id = request_event;
                out.emit(std::move(e));
            }
        }
    }

    void response_item(const json& item, const std::string& request, std::size_t index, const Origin& origin,
                       time::Micros ts, Emitter& out, std::string& text)
    {
        const json* kind_value = find(item, "kind");
        if (kind_value == nullptr || kind_value->is_null()) {
            if (const json* value = find(item, "value"); value != nullptr && value->is_string()) {
                text += value->get<std::string>();
            }
            return;
        }
        const std::string kind = kind_value->is_string() ? kind_value->get<std::string>() : "(not a string)";
        if (kind == "toolInvocationSerialized") {
            std::string call = str(item, "toolCallId");
            if (call.empty()) {
                call = request + "#" + std::to_string(index);
            }
            json data = {{"toolName", str(item, "toolId")}, {"toolUseId", call}};
            if (auto path = invocation_file(item); !path.empty()) {
                data["filePath"] = path;
            }
            if (out.options().content) {
                data["input"] = content_text(message_text(find(item, "invocationMessage")));
            }
            out.emit(make_item(origin, event_id(k_agent, "tool", call), ts, "tool_use", data.dump()));
        } else if (kind == "textEditGroup") {
            const json* uri = find(item, "uri");
            const std::string path = uri != nullptr ? path_of(*uri) : std::string();
            if (path.empty()) {
                return;
            }
            json data = {{"filePath", path}, {"requestId", request}};
            out.emit(make_item(origin, event_id(k_agent, "write", request + "|" + path), ts, "file_write", data.dump()));
        } else if (std::find(k_ignored.begin(), k_ignored.end(), kind) == k_ignored.end()) {
            out.unknown("response:" + kind);
        }
    }

    std::string m_workspace;
    bool m_log;
};

} // namespace

nlohmann::json replay_mutation_log(std::string_view text, Emitter& out)
{
    json state;
    std::int64_t line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const auto end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            break; // a half-written last line: replayed once it is complete
        }
        const auto line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        const json entry = json::parse(line, nullptr, false);
        if (entry.is_discarded() || !entry.is_object() || !entry.contains("kind") || !entry["kind"].is_number()) {
            out.malformed(line_no, "not a mutation log entry");
            continue;
        }
        const int kind = entry["kind"].get<int>();
        const json path = entry.value("k", json::array());
        if (kind == 0) {
            state = entry.value("v", json());
        } else if (kind == 1) {
            if (json* node = walk(state, path, true)) {
                *node = entry.value("v", json());
            }
        } else if (kind == 2) {
            json* node = walk(state, path, true);
            if (node == nullptr) {
                continue;
            }
            if (node->is_null()) {
                *node = json::array();
            }
            if (!node->is_array()) {
                out.malformed(line_no, "push onto something that is not an array");
                continue;
            }
            if (const auto i = entry.find("i"); i != entry.end() && i->is_number_unsigned() && i->get<std::size_t>() < node->size()) {
                node->erase(node->begin() + static_cast<std::ptrdiff_t>(i->get<std::size_t>()), node->end());
            }
            if (const auto v = entry.find("v"); v != entry.end() && v->is_array()) {
                for (const auto& element : *v) {
                    node->push_back(element);
                }
            }
        } else if (kind == 3) {
            if (path.empty()) {
                state = json();
                continue;
            }
            json parent_path = path;
            parent_path.erase(parent_path.size() - 1);
            json* parent = walk(state, parent_path, false);
            const json& last = path.back();
            if (parent != nullptr && parent->is_object() && last.is_string()) {
                parent->erase(last.get<std::string>());
            } else if (parent != nullptr && parent->is_array() && last.is_number_unsigned() && last.get<std::size_t>() < parent->size()) {
                parent->erase(parent->begin() + static_cast<std::ptrdiff_t>(last.get<std::size_t>()));
            }
        } else {
            out.unknown("mutation kind " + std::to_string(kind));
        }
    }
    return state;
}

std::string uri_to_path(std::string_view uri)
{
    std::string_view rest = uri;
    const bool file = uri.starts_with("file://");
    if (file) {
        rest = uri.substr(7);
        if (const auto slash = rest.find('/'); slash != 0 && slash != std::string_view::npos) {
            rest = rest.substr(slash); // file://host/path
        }
    }
    std::string out;
    out.reserve(rest.size());
    auto hex = [](char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    };
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '%' && i + 2 < rest.size() && hex(rest[i + 1]) >= 0 && hex(rest[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex(rest[i + 1]) * 16 + hex(rest[i + 2])));
            i += 2;
        } else {
            out.push_back(rest[i]);
        }
    }
    // file:///c%3A/Users/x → /c:/Users/x: keep as is (Windows paths are not local here anyway)
    return out;
}

std::string copilot_workspace_folder(const std::string& session_file)
{
    const auto dir = std::filesystem::path(session_file).parent_path();
    if (dir.filename() != "chatSessions") {
        return {};
    }
    std::ifstream in(dir.parent_path() / "workspace.json");
    if (!in) {
        return {};
    }
    std::stringstream s;
    s << in.rdbuf();
    const json ws = json::parse(s.str(), nullptr, false);
    if (!ws.is_object()) {
        return {};
    }
    if (auto folder = str(ws, "folder"); !folder.empty()) {
        return uri_to_path(folder);
    }
    return uri_to_path(str(ws, "workspace"));
}

std::unique_ptr<DocumentParser> make_copilot_parser(std::string workspace, bool mutation_log)
{
    return std::make_unique<CopilotParser>(std::move(workspace), mutation_log);
}

} // namespace devlog::collect
