#include "lib/collect/sources.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <sys/stat.h>

namespace devlog::collect {
namespace fs = std::filesystem;

std::vector<SourceRoot> default_roots(const GetEnv& getenv)
{
    auto env = [&](const char* name) -> std::string {
        const char* v = getenv(name);
        return v != nullptr ? v : "";
    };
    const std::string home = env("HOME");
    std::vector<SourceRoot> roots;
    // Claude Code: $CLAUDE_CONFIG_DIR replaces ~/.claude; $XDG_CONFIG_HOME/claude (~/.config/claude) too.
    if (auto dir = env("CLAUDE_CONFIG_DIR"); !dir.empty()) {
        roots.push_back({Kind::claude_code, dir, "CLAUDE_CONFIG_DIR"});
    } else if (!home.empty()) {
        roots.push_back({Kind::claude_code, home + "/.claude", "default"});
    }
    if (auto xdg = env("XDG_CONFIG_HOME"); !xdg.empty()) {
        roots.push_back({Kind::claude_code, xdg + "/claude", "XDG_CONFIG_HOME"});
    } else if (!home.empty()) {
        roots.push_back({Kind::claude_code, home + "/.config/claude", "default"});
    }
    // Codex
    if (auto dir = env("CODEX_HOME"); !dir.empty()) {
        roots.push_back({Kind::codex, dir, "CODEX_HOME"});
    } else if (!home.empty()) {
        roots.push_back({Kind::codex, home + "/.codex", "default"});
    }
    // VS Code user directories
    if (auto portable = env("VSCODE_PORTABLE"); !portable.empty()) {
        roots.push_back({Kind::copilot, portable + "/user-data/User", "VSCODE_PORTABLE"});
    }
    if (!home.empty()) {
        const std::string config = env("XDG_CONFIG_HOME").empty() ? home + "/.config" : env("XDG_CONFIG_HOME");
        for (const char* product : {"Code", "Code - Insiders", "VSCodium"}) {
            roots.push_back({Kind::copilot, config + "/" + product + "/User", "default"});
            roots.push_back({Kind::copilot, home + "/Library/Application Support/" + product + "/User", "default"});
        }
        roots.push_back({Kind::copilot, home + "/.vscode-server/data/User", "default"});
        roots.push_back({Kind::copilot, home + "/.vscode-server-insiders/data/User", "default"});
    }
    return roots;
}

SourceRoot parse_source(std::string_view spec)
{
    const auto colon = spec.find(':');
    const auto kind = colon == std::string_view::npos ? std::nullopt : parse_kind(spec.substr(0, colon));
    if (!kind) {
        throw UsageError(fmt::format("--source {}: expected KIND:PATH with KIND one of claude-code, copilot, codex, ndjson", spec));
    }
    std::string path(spec.substr(colon + 1));
    if (path.empty()) {
        throw UsageError(fmt::format("--source {}: the path is empty", spec));
    }
    return {*kind, fs::absolute(path).lexically_normal().string(), "--source"};
}

namespace {

bool wanted(Kind kind, const fs::path& path, Format& format)
{
    const auto ext = path.extension().string();
    switch (kind) {
    case Kind::claude_code:
    case Kind::codex:
        format = Format::jsonl;
        return ext == ".jsonl";
    case Kind::ndjson:
        format = Format::jsonl;
        return ext == ".jsonl" || ext == ".ndjson" || ext == ".json";
    case Kind::copilot: {
        const auto parent = path.parent_path().filename().string();
        if (parent != "chatSessions" && parent != "emptyWindowChatSessions") {
            return false;
        }
        format = ext == ".jsonl" ? Format::mutation_log : Format::document;
        return ext == ".json" || ext == ".jsonl";
    }
    }
    return false;
}

void add(std::vector<SourceFile>& out, Kind kind, const fs::path& path)
{
    Format format{};
    struct stat st{};
    if (!wanted(kind, path, format) || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return;
    }
    out.push_back({kind, format, path.string(), static_cast<std::int64_t>(st.st_size),
                   static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec});
}

} // namespace

std::vector<SourceFile> find_files(const SourceRoot& root)
{
    std::vector<SourceFile> out;
    std::error_code ec;
    fs::path base = root.path;
    if (fs::is_regular_file(base, ec)) {
        if (root.kind == Kind::copilot || root.kind == Kind::ndjson) {
            Format format{};
            struct stat st{};
            if (::stat(base.c_str(), &st) == 0) {
                const bool log = base.extension() == ".jsonl" && root.kind == Kind::copilot;
                format = root.kind == Kind::ndjson ? Format::jsonl : log ? Format::mutation_log : Format::document;
                out.push_back({root.kind, format, base.string(), static_cast<std::int64_t>(st.st_size),
                               static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec});
            }
        } else {
            add(out, root.kind, base);
        }
        return out;
    }
    if (!fs::is_directory(base, ec)) {
        return out;
    }
    // Agents' homes hold other JSONL files (Claude's and Codex's history.jsonl): read only their logs.
    std::vector<fs::path> dirs;
    if (root.kind == Kind::claude_code && fs::is_directory(base / "projects", ec)) {
        dirs.push_back(base / "projects");
    } else if (root.kind == Kind::codex && (fs::is_directory(base / "sessions", ec) || fs::is_directory(base / "archived_sessions", ec))) {
        dirs.push_back(base / "sessions");
        dirs.push_back(base / "archived_sessions");
    } else {
        dirs.push_back(base);
    }
    for (const auto& dir : dirs) {
        if (!fs::is_directory(dir, ec)) {
            continue;
        }
        for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            if (it->is_regular_file(ec)) {
                add(out, root.kind, it->path());
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const SourceFile& a, const SourceFile& b) {
        return a.mtime_ns != b.mtime_ns ? a.mtime_ns < b.mtime_ns : a.path < b.path;
    });
    return out;
}

} // namespace devlog::collect
