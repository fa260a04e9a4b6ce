#include "lib/importer/projects.hpp"

#include "lib/core/embedded.hpp"
#include "lib/db/database.hpp"
#include "lib/db/runner.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace devlog::importer {
namespace {

bool has_blank(std::string_view text)
{
    return std::any_of(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// OWNER/…/REPO (".git" and slashes at either end dropped) into RESULT; false with fewer than two parts.
bool split_path(std::string_view path, RepoName& result)
{
    while (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
    }
    while (!path.empty() && path.back() == '/') {
        path.remove_suffix(1);
    }
    if (path.ends_with(".git")) {
        path.remove_suffix(4);
    }
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == path.size() ||
        path.find("//") != std::string_view::npos) {
        return false;
    }
    result.owner = std::string(path.substr(0, slash));
    result.repo = std::string(path.substr(slash + 1));
    return true;
}

std::string lower(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

} // namespace

std::string RepoName::url() const
{
    return fmt::format("https://{}/{}/{}", host.empty() ? "github.com" : host, owner, repo);
}

std::optional<RepoName> parse_repo(std::string_view text)
{
    if (text.empty() || has_blank(text)) {
        return std::nullopt;
    }
    RepoName result;
    if (const auto scheme = text.find("://"); scheme != std::string_view::npos) {
        std::string_view rest = text.substr(scheme + 3);
        const auto slash = rest.find('/');
        if (slash == std::string_view::npos) {
            return std::nullopt;
        }
        std::string_view authority = rest.substr(0, slash);
        if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
            authority.remove_prefix(at + 1);
        }
        if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
            authority = authority.substr(0, colon);
        }
        if (authority.empty() || !split_path(rest.substr(slash), result)) {
            return std::nullopt;
        }
        result.host = lower(authority);
        return result;
    }
    const auto colon = text.find(':');
    if (colon != std::string_view::npos && text.substr(0, colon).find('/') == std::string_view::npos) {
        std::string_view host = text.substr(0, colon); // scp-like: [user@]host:owner/repo
        if (const auto at = host.rfind('@'); at != std::string_view::npos) {
            host.remove_prefix(at + 1);
        }
        if (host.empty() || !split_path(text.substr(colon + 1), result)) {
            return std::nullopt;
        }
        result.host = lower(host);
        return result;
    }
    if (text.front() == '/' || !split_path(text, result)) {
        return std::nullopt;
    }
    return result;
}

struct ProjectResolver::Impl
{
    explicit Impl(db::Database& db) : runner(db) {}
    db::Runner runner;
    db::Location where{"looking up projects", 0};
};

ProjectResolver::ProjectResolver(db::Database& db, bool create) : m_impl(std::make_unique<Impl>(db)), m_create(create) {}

ProjectResolver::~ProjectResolver() = default;

bool ProjectResolver::exists(std::int32_t id)
{
    if (const auto it = m_by_id.find(id); it != m_by_id.end()) {
        return it->second;
    }
    const bool found = m_impl->runner.exec(embedded_sql("importer/project_exists.sql"), m_impl->where, {std::to_string(id)}).rows() > 0;
    m_by_id.emplace(id, found);
    return found;
}

std::optional<std::int32_t> ProjectResolver::find(std::string_view text)
{
    if (!m_last_text.empty() && text == m_last_text) {
        return m_last_id;
    }
    if (const auto it = m_by_text.find(text); it != m_by_text.end()) {
        m_last_text.assign(text);
        m_last_id = it->second;
        return it->second;
    }
    const auto repo = parse_repo(text);
    std::string urls = "{}";
    std::string full_name(text);
    if (repo && !repo->host.empty()) {
        // As given, and normalised with and without .git: repo_url holds whatever its writer chose.
        urls = "{";
        for (const std::string& url : {std::string(text), repo->url(), repo->url() + ".git"}) {
            std::string quoted = "\"";
            for (const char c : url) {
                if (c == '"' || c == '\\') {
                    quoted.push_back('\\');
                }
                quoted.push_back(c);
            }
            urls += (urls.size() > 1 ? "," : "") + quoted + "\"";
        }
        urls += "}";
        full_name = repo->full_name();
    }
    const auto lookup = [&]() -> std::optional<std::int32_t> {
        const auto rows = m_impl->runner.exec(embedded_sql("importer/project_find.sql"), m_impl->where, {urls, full_name});
        if (rows.rows() == 0) {
            return std::nullopt;
        }
        return static_cast<std::int32_t>(std::stol(rows.get(0, 0).value_or("0")));
    };
    std::optional<std::int32_t> id = lookup();
    if (!id && m_create && repo) {
        const auto rows = m_impl->runner.exec(embedded_sql("importer/project_create.sql"), m_impl->where,
                                              {repo->repo, repo->full_name(), repo->url(), repo->owner, repo->repo});
        if (rows.rows() > 0) {
            id = static_cast<std::int32_t>(std::stol(rows.get(0, 0).value_or("0")));
            ++m_created;
        } else {
            id = lookup(); // another session created it meanwhile
        }
    }
    m_by_text.emplace(std::string(text), id);
    if (id) {
        m_by_id[*id] = true;
    }
    m_last_text.assign(text);
    m_last_id = id;
    return id;
}

} // namespace devlog::importer
