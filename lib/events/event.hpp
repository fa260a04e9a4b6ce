#pragma once
// The canonical agent event (design.md §4): one row of agent_events, as importers, the collector,
// the upload queue and `query events` all see it. JSON columns are kept as JSON text (already
// serialised, an object), because the writer sends text and re-serialising costs the hot path.

#include "lib/core/time.hpp"
#include "lib/core/uuid.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::events {

// The canonical event types (the CHECK constraint of agent_events, migration 0001).
inline constexpr std::array<std::string_view, 17> k_event_types = {
    "session_start", "session_end",      "llm_request",    "llm_response",      "tool_use",
    "file_read",     "file_write",       "file_create",    "file_delete",       "command_execute",
    "test_run",      "build_trigger",    "search_performed", "error_encountered", "commit_created",
    "user_interaction", "context_switch"};

// NAME as a canonical event type: itself, or what an alias means (tool_invocation -> tool_use,
// command_execution -> command_execute, file_modify -> file_write); case and '-' vs '_' are
// ignored. nullopt for an unknown type.
std::optional<std::string_view> canonical_event_type(std::string_view name);

inline constexpr std::array<std::string_view, 3> k_severities = {"info", "warning", "error"};

// The metric keys every producer writes and every aggregate reads (design.md §4), on the
// llm_response event of the API response they belong to, once per response.
namespace metric {
inline constexpr std::string_view prompt_tokens = "promptTokens";     // fresh input (no cache reads/writes)
inline constexpr std::string_view response_tokens = "responseTokens"; // output
inline constexpr std::string_view cache_read_tokens = "cacheReadTokens";
inline constexpr std::string_view cache_creation_tokens = "cacheCreationTokens";
inline constexpr std::string_view token_count = "tokenCount"; // the sum of the four above
inline constexpr std::string_view duration_ms = "durationMs";
inline constexpr std::string_view cost = "cost"; // USD
} // namespace metric

// The agent_id of the agents devlogctl knows (design.md §7); other tools keep their own.
namespace agent {
inline constexpr std::string_view claude_code = "claude-code";
inline constexpr std::string_view github_copilot = "github-copilot";
inline constexpr std::string_view codex = "codex";
inline constexpr std::string_view cursor = "cursor";
} // namespace agent

// One agent_events row.
struct Event
{
    Uuid id;
    time::Micros timestamp = 0;
    std::string event_type; // canonical
    std::string agent_id;
    std::string agent_version;
    Uuid session_id;
    std::int32_t project_id = 0;
    std::string context = "{}";         // JSON object text
    std::string data = "{}";            // JSON object text
    std::optional<std::string> metrics; // JSON object text
    std::optional<Uuid> parent_event_id;
    std::optional<std::vector<std::string>> related_event_ids;
    std::optional<std::vector<std::string>> tags;
    std::optional<std::string> severity; // info | warning | error
};

// The JSON field names of an event in devlogctl's canonical shape (camelCase, as Prisma and the
// devlog API use), in column order; importers also accept the snake_case column names.
inline constexpr std::array<std::string_view, 14> k_json_fields = {
    "id",        "timestamp", "eventType", "agentId", "agentVersion",    "sessionId", "projectId",
    "context",   "data",      "metrics",   "parentEventId", "relatedEventIds", "tags",  "severity"};

} // namespace devlog::events
