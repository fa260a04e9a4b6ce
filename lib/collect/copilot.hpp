#pragma once
// GitHub Copilot chat sessions in VS Code (design.md §7): <User>/workspaceStorage/<hash>/chatSessions/
// <sessionId>.json (one document, rewritten whole on each save) or .jsonl (an object mutation log:
// kind 0 = whole state, 1 = set at path, 2 = push after truncating to i, 3 = delete; compacted from
// time to time), and <User>/globalStorage/emptyWindowChatSessions/. The workspace folder comes from
// the sibling workspace.json. No reliable token usage: responses carry durations only.

#include "lib/collect/parser.hpp"

#include <nlohmann/json.hpp>

#include <memory>

namespace devlog::collect {

// A parser for a chat session file in the workspace whose folder is WORKSPACE (a local path, a
// non-file URI, or empty). MUTATION_LOG: the file is a .jsonl mutation log.
std::unique_ptr<DocumentParser> make_copilot_parser(std::string workspace, bool mutation_log);

// The session that mutation log TEXT describes, replayed from its complete lines; malformed lines
// are reported to OUT and skipped.
nlohmann::json replay_mutation_log(std::string_view text, Emitter& out);

// "file:///home/dev/web%20shop" → "/home/dev/web shop"; other URIs are percent-decoded whole.
std::string uri_to_path(std::string_view uri);

// The folder (or .code-workspace file) of the workspace a chatSessions file belongs to, from
// <hash>/workspace.json; "" when there is none (empty-window sessions).
std::string copilot_workspace_folder(const std::string& session_file);

} // namespace devlog::collect
