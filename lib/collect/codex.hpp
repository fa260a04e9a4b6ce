#pragma once
// OpenAI Codex CLI rollouts (design.md §7): ${CODEX_HOME:-~/.codex}/sessions/YYYY/MM/DD/rollout-*.jsonl
// and their copies under archived_sessions/. Tokens are the deltas of the cumulative
// total_token_usage within a file (a repeated total adds nothing; last_token_usage is never summed);
// each delta is one llm_response whose id derives from the session and the cumulative total, so an
// archived copy yields the same ids and counts once. The running total is the parser's state.

#include "lib/collect/parser.hpp"

#include <memory>

namespace devlog::collect {

// FILE_NAME (rollout-<ts>-<uuid>.jsonl) gives the session id when the file lacks session_meta.
std::unique_ptr<LineParser> make_codex_parser(const std::string& file_name);

} // namespace devlog::collect
