#include "lib/collect/parser.hpp"

#include "lib/collect/redact.hpp"
#include "lib/output/json_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace devlog::collect {

std::string_view kind_name(Kind kind)
{
    switch (kind) {
    case Kind::claude_code:
        return "claude-code";
    case Kind::copilot:
        return "copilot";
    case Kind::codex:
        return "codex";
    case Kind::ndjson:
        return "ndjson";
    }
    return "?";
}

std::optional<Kind> parse_kind(std::string_view name)
{
    if (name == "claude-code" || name == "claude") {
        return Kind::claude_code;
    }
    if (name == "copilot" || name == "github-copilot") {
        return Kind::copilot;
    }
    if (name == "codex") {
        return Kind::codex;
    }
    if (name == "ndjson") {
        return Kind::ndjson;
    }
    return std::nullopt;
}

void Emitter::malformed(std::int64_t line, std::string_view what)
{
    ++malformed_count;
    if (malformed_lines.size() < 100) {
        malformed_lines.push_back(line > 0 ? fmt::format("{}:{}: {}", m_file, line, what) : fmt::format("{}: {}", m_file, what));
    }
}

void ObjectText::key(std::string_view key)
{
    if (m_text.size() > 1) {
        m_text += ',';
    }
    output::append_json_string(m_text, key);
    m_text += ':';
}

ObjectText& ObjectText::str(std::string_view k, std::string_view value)
{
    key(k);
    output::append_json_string(m_text, value);
    return *this;
}

ObjectText& ObjectText::num(std::string_view k, std::int64_t value)
{
    key(k);
    fmt::format_to(std::back_inserter(m_text), "{}", value);
    return *this;
}

ObjectText& ObjectText::flag(std::string_view k, bool value)
{
    key(k);
    m_text += value ? "true" : "false";
    return *this;
}

std::string ObjectText::done()
{
    m_text += '}';
    return std::move(m_text);
}

Uuid event_id(std::string_view agent, std::string_view kind, std::string_view key)
{
    std::string name;
    name.reserve(agent.size() + kind.size() + key.size() + 2);
    name.append(agent).append(":").append(kind).append(":").append(key);
    return uuid_v5(devlog_namespace(), name);
}

std::string Usage::metrics_json(std::optional<double> duration_ms) const
{
    std::string out = fmt::format(R"({{"promptTokens":{},"responseTokens":{},"cacheReadTokens":{},"cacheCreationTokens":{},"tokenCount":{})",
                                  prompt, response, cache_read, cache_creation, total());
    if (duration_ms) {
        out += fmt::format(R"(,"durationMs":{})", *duration_ms);
    }
    out += '}';
    return out;
}

std::string origin_context(std::string_view agent, const Place& place, const Machine& machine,
                           const nlohmann::json& extra)
{
    nlohmann::json c = {{"parser", fmt::format("{}/{}", agent, k_parser_version)}, {"machineId", machine.id}};
    if (!place.path.empty()) {
        c["cwd"] = place.path;
    }
    if (!place.branch.empty()) {
        c["gitBranch"] = place.branch;
    }
    if (extra.is_object()) {
        for (const auto& [k, v] : extra.items()) {
            if (!v.is_null()) {
                c[k] = v;
            }
        }
    }
    return c.dump();
}

queue::Item make_item(const Origin& origin, const Uuid& id, time::Micros ts, std::string_view type, std::string data)
{
    queue::Item item;
    auto& e = item.event;
    e.id = id;
    e.timestamp = ts;
    e.event_type = std::string(type);
    e.agent_id = std::string(origin.agent);
    e.agent_version = origin.agent_version.empty() ? "unknown" : origin.agent_version;
    e.session_id = origin.session;
    e.context = origin.context;
    e.data = std::move(data);
    if (origin.place != nullptr) {
        item.project = origin.place->project;
        item.workspace = origin.place->workspace;
    }
    return item;
}

namespace {

// TEXT cut to at most LIMIT bytes on a UTF-8 boundary.
void cut_utf8(std::string& text, std::size_t limit)
{
    if (text.size() <= limit) {
        return;
    }
    while (limit > 0 && (static_cast<unsigned char>(text[limit]) & 0xC0) == 0x80) {
        --limit;
    }
    text.resize(limit);
}

} // namespace

std::string content_text(std::string_view text)
{
    // Redacted before it is cut, so that a secret across the cut is still recognised: private key
    // blocks over the whole text; the other rules (regular expressions, whose cost grows with the
    // length of a match) over what is kept plus a margin, where a secret crossing the cut starts.
    constexpr std::size_t k_margin = 1024;
    std::string out = redact_private_keys(text);
    cut_utf8(out, k_content_limit + k_margin);
    out = redact_secrets(out);
    if (out.size() <= k_content_limit) {
        return out;
    }
    cut_utf8(out, k_content_limit);
    return out + "…[truncated]";
}

} // namespace devlog::collect
