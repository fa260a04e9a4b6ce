#pragma once
// Claude Code transcripts (design.md §7): <root>/projects/<encoded cwd>/<sessionId>.jsonl and the
// subagent transcripts beside or under them. One API response appears on several lines and in
// several files; it becomes one llm_response keyed by (message.id, requestId) whose usage is the
// largest copy's (the queue's ledger keeps the largest). Synthetic and API-error records, progress
// lines (copies of subagent records) and bookkeeping lines are skipped.

#include "lib/collect/parser.hpp"

#include <memory>

namespace devlog::collect {

std::unique_ptr<LineParser> make_claude_code_parser();

} // namespace devlog::collect
