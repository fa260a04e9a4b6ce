#pragma once
// Where agents keep their logs (design.md §7): default places on Linux and macOS, the agents' own
// environment overrides (CLAUDE_CONFIG_DIR, XDG_CONFIG_HOME, CODEX_HOME, VSCODE_PORTABLE), and
// places given with --source KIND:PATH.

#include "lib/collect/identity.hpp"
#include "lib/collect/parser.hpp"

#include <string>
#include <vector>

namespace devlog::collect {

// A place to look for one agent's logs: a directory (searched recursively) or a file.
struct SourceRoot
{
    Kind kind;
    std::string path;
    std::string origin; // "default", "CLAUDE_CONFIG_DIR", "--source", …
};

// How the files of a source are read.
enum class Format
{
    jsonl,        // append-only lines (Claude Code, Codex, NDJSON)
    document,     // a JSON document rewritten whole (Copilot .json)
    mutation_log, // a JSONL object mutation log, compacted from time to time (Copilot .jsonl)
};

struct SourceFile
{
    Kind kind;
    Format format;
    std::string path;
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
};

// The default places of every kind, whether they exist or not; HOME from GETENV.
std::vector<SourceRoot> default_roots(const GetEnv& getenv = std::getenv);

// "KIND:PATH" (--source). Throws UsageError for an unknown kind or an empty path.
SourceRoot parse_source(std::string_view spec);

// The log files under ROOT, oldest modification first (an original session before the sessions
// continued from it). A missing root gives none.
std::vector<SourceFile> find_files(const SourceRoot& root);

} // namespace devlog::collect
