#pragma once
// Projects as imported records name them: by id, by full name ("owner/repo"), or by repository
// URL in any of git's spellings. Looked up once per distinct name per run; created on request.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace devlog::db {
class Database;
}

namespace devlog::importer {

// A repository named by URL or full name, normalised.
struct RepoName
{
    std::string host;  // "github.com" (lower case); empty for a full name alone
    std::string owner; // "owner", or "group/subgroup"
    std::string repo;  // "repo", without ".git"
    std::string full_name() const { return owner + "/" + repo; }
    // "https://HOST/OWNER/REPO" ("https://github.com/..." for a full name alone).
    std::string url() const;
};

// TEXT as a repository: "owner/repo", "https://host/owner/repo(.git)", "http://…", "ssh://user@host:port/owner/repo",
// "git@host:owner/repo.git", "git://…". nullopt when it is none of these (no owner, no repo).
std::optional<RepoName> parse_repo(std::string_view text);

// Resolves project references to ids over its own connection (one thread).
class ProjectResolver
{
public:
    // CREATE: add unknown projects named by full name or URL (`import --create-projects`).
    ProjectResolver(db::Database& db, bool create);
    ~ProjectResolver();
    ProjectResolver(const ProjectResolver&) = delete;
    ProjectResolver& operator=(const ProjectResolver&) = delete;

    // The project TEXT names (full name or URL); nullopt when there is none and it was not created.
    // Throws BadField-free: the caller words the refusal. Cached: the database is asked once per text.
    std::optional<std::int32_t> find(std::string_view text);
    // Whether project ID exists (cached).
    bool exists(std::int32_t id);
    // Projects created so far.
    std::uint64_t created() const { return m_created; }

private:
    struct Hash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    bool m_create;
    std::uint64_t m_created = 0;
    std::unordered_map<std::string, std::optional<std::int32_t>, Hash, std::equal_to<>> m_by_text;
    std::unordered_map<std::int32_t, bool> m_by_id;
    std::string m_last_text; // the common case: the same project as the record before
    std::optional<std::int32_t> m_last_id;
};

} // namespace devlog::importer
