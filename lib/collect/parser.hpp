#pragma once
// What every agent-log parser has in common: the kinds of source, the options that apply to all,
// where parsed events go (Emitter), and the two shapes of parser: line by line for append-only
// JSONL logs, whole document for files rewritten in place.

#include "lib/collect/identity.hpp"
#include "lib/queue/queue.hpp"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::collect {

enum class Kind
{
    claude_code,
    copilot,
    codex,
    ndjson
};

// "claude-code", "copilot", "codex", "ndjson".
std::string_view kind_name(Kind kind);
// A kind by name (also "github-copilot", "claude"); nullopt when unknown.
std::optional<Kind> parse_kind(std::string_view name);

// The parser version written on every event (context.parser), so data can be re-derived later.
inline constexpr std::string_view k_parser_version = "1";

struct ParseOptions
{
    // Keep prompts, responses and tool inputs (with obvious secrets redacted). Default: metadata only.
    bool content = false;
};

// Receives a parser's output for one file: events, and what was skipped or malformed.
class Emitter
{
public:
    Emitter(std::string file, Identities& identities, const ParseOptions& options)
        : m_file(std::move(file)), m_identities(identities), m_options(options)
    {
    }

    void emit(queue::Item item) { items.push_back(std::move(item)); }
    // A record kind the parser does not know: skipped and counted under KIND.
    void unknown(std::string_view kind) { ++unknown_kinds[std::string(kind)]; }
    // A line that is not what the format says (bad JSON, missing field): reported as FILE:LINE.
    void malformed(std::int64_t line, std::string_view what);

    const std::string& file() const { return m_file; }
    Identities& identities() { return m_identities; }
    const ParseOptions& options() const { return m_options; }

    std::vector<queue::Item> items;
    std::map<std::string, std::int64_t> unknown_kinds;
    std::vector<std::string> malformed_lines; // "FILE:LINE: what"
    std::int64_t malformed_count = 0;

private:
    std::string m_file;
    Identities& m_identities;
    const ParseOptions& m_options;
};

// A parser of an append-only JSONL log, fed its complete lines in order. It may keep state across
// lines (and across runs: state() is stored with the file's checkpoint and handed to restore()).
class LineParser
{
public:
    virtual ~LineParser() = default;
    virtual void restore(std::string_view /*state*/) {}
    virtual std::string state() const { return {}; }
    // LINE without its newline; LINE_NO counts from 1.
    virtual void parse_line(std::string_view line, std::int64_t line_no, Emitter& out) = 0;
};

// A parser of a file that is rewritten whole (VS Code chat sessions): given all of it each time it
// changed; event ids are stable, so what was already collected is recognised as such.
class DocumentParser
{
public:
    virtual ~DocumentParser() = default;
    virtual void parse(std::string_view content, Emitter& out) = 0;
};

// An event's data object written member by member, without building a JSON tree (the hot path of
// collection). Keys come out in the order added: give them sorted, as nlohmann's dump() writes them.
class ObjectText
{
public:
    ObjectText& str(std::string_view key, std::string_view value);
    ObjectText& num(std::string_view key, std::int64_t value);
    ObjectText& flag(std::string_view key, bool value);
    // The object's text ("{}" when empty).
    std::string done();

private:
    void key(std::string_view key);
    std::string m_text = "{";
};

// Deterministic event id: UUIDv5 of AGENT ":" KIND ":" KEY in devlogctl's namespace.
Uuid event_id(std::string_view agent, std::string_view kind, std::string_view key);

// The four token counts of one API response, as the canonical metrics object (tokenCount is their
// sum), and that sum.
struct Usage
{
    std::int64_t prompt = 0;
    std::int64_t response = 0;
    std::int64_t cache_read = 0;
    std::int64_t cache_creation = 0;
    std::int64_t total() const { return prompt + response + cache_read + cache_creation; }
    std::string metrics_json(std::optional<double> duration_ms = std::nullopt) const;
};

// The fields the events of one record share.
struct Origin
{
    std::string_view agent; // events::agent id
    std::string agent_version;
    Uuid session;
    const Place* place = nullptr;
    std::string context; // JSON object text (origin_context)
};

// The context object of an event: parser version, machine, working directory and branch, plus EXTRA's members.
std::string origin_context(std::string_view agent, const Place& place, const Machine& machine,
                           const nlohmann::json& extra);

// One queue item of ORIGIN: id, timestamp, canonical type and data (JSON object text).
queue::Item make_item(const Origin& origin, const Uuid& id, time::Micros ts, std::string_view type, std::string data);

// TEXT as --content keeps it: at most k_content_limit bytes (cut on a UTF-8 boundary, "…[truncated]"), secrets redacted.
inline constexpr std::size_t k_content_limit = 8192;
std::string content_text(std::string_view text);

} // namespace devlog::collect
