#include "lib/collect/identity.hpp"

#include "lib/core/uuid.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <pwd.h>
#include <sstream>
#include <sys/utsname.h>
#include <unistd.h>

namespace devlog::collect {
namespace fs = std::filesystem;

namespace {

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(std::string_view s)
{
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) {
        return {};
    }
    const auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

std::optional<std::string> read_small_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The git directory of the work tree at DIR (DIR/.git a directory, or a file "gitdir: PATH").
std::optional<fs::path> git_dir_of(const fs::path& dir)
{
    std::error_code ec;
    const fs::path dot = dir / ".git";
    if (fs::is_directory(dot, ec)) {
        return dot;
    }
    if (!fs::is_regular_file(dot, ec)) {
        return std::nullopt;
    }
    const auto text = read_small_file(dot);
    if (!text || text->rfind("gitdir:", 0) != 0) {
        return std::nullopt;
    }
    fs::path target = trim(std::string_view(*text).substr(7));
    if (target.is_relative()) {
        target = dir / target;
    }
    return target.lexically_normal();
}

} // namespace

std::optional<Remote> normalize_remote(std::string_view url_in)
{
    std::string url = trim(url_in);
    std::string rest;
    if (const auto scheme = url.find("://"); scheme != std::string::npos) {
        const std::string proto = lower(url.substr(0, scheme));
        if (proto == "file") {
            return std::nullopt;
        }
        rest = url.substr(scheme + 3);
        const auto slash = rest.find('/');
        if (slash == std::string::npos) {
            return std::nullopt;
        }
        std::string authority = rest.substr(0, slash);
        rest = authority.substr(authority.rfind('@') == std::string::npos ? 0 : authority.rfind('@') + 1) + rest.substr(slash);
        // host[:port]/path
        const auto colon = rest.find(':');
        const auto first_slash = rest.find('/');
        if (colon != std::string::npos && colon < first_slash) {
            rest.erase(colon, first_slash - colon);
        }
    } else {
        // scp-like: [user@]host:path (a colon before any slash); anything else is a local path
        const auto colon = url.find(':');
        const auto slash = url.find('/');
        if (colon == std::string::npos || (slash != std::string::npos && slash < colon) || colon == 1) {
            return std::nullopt;
        }
        std::string host = url.substr(0, colon);
        if (const auto at = host.rfind('@'); at != std::string::npos) {
            host = host.substr(at + 1);
        }
        std::string path = url.substr(colon + 1);
        while (!path.empty() && path.front() == '/') {
            path.erase(0, 1);
        }
        rest = host + "/" + path;
    }
    while (!rest.empty() && rest.back() == '/') {
        rest.pop_back();
    }
    if (rest.size() > 4 && rest.compare(rest.size() - 4, 4, ".git") == 0) {
        rest.resize(rest.size() - 4);
    }
    const auto host_end = rest.find('/');
    const auto name_start = rest.rfind('/');
    if (host_end == std::string::npos || name_start == host_end || host_end == 0) {
        return std::nullopt;
    }
    Remote r;
    r.host = lower(rest.substr(0, host_end));
    r.owner = rest.substr(host_end + 1, name_start - host_end - 1);
    r.name = rest.substr(name_start + 1);
    if (r.owner.empty() || r.name.empty()) {
        return std::nullopt;
    }
    return r;
}

std::optional<std::string> origin_url(std::string_view text)
{
    bool in_origin = false;
    std::istringstream in{std::string(text)};
    for (std::string raw; std::getline(in, raw);) {
        std::string line = trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';') {
            continue;
        }
        if (line[0] == '[') {
            const auto close = line.find(']');
            std::string header = line.substr(1, close == std::string::npos ? std::string::npos : close - 1);
            // [remote "origin"] (subsection case-sensitive) or the old [remote.origin]
            const auto quote = header.find('"');
            if (quote != std::string::npos) {
                const std::string section = lower(trim(header.substr(0, quote)));
                std::string sub = header.substr(quote + 1);
                if (!sub.empty() && sub.back() == '"') {
                    sub.pop_back();
                }
                in_origin = section == "remote" && sub == "origin";
            } else {
                in_origin = lower(trim(header)) == "remote.origin";
            }
            if (close != std::string::npos && close + 1 < line.size()) {
                line = trim(line.substr(close + 1)); // "[remote "origin"] url = …" on one line
            } else {
                continue;
            }
        }
        if (!in_origin) {
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string::npos || lower(trim(line.substr(0, eq))) != "url") {
            continue;
        }
        std::string value = trim(line.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            value = value.substr(1, value.size() - 2);
        }
        return value;
    }
    return std::nullopt;
}

std::optional<GitRepository> find_repository(const std::string& dir)
{
    if (dir.empty() || dir[0] != '/') {
        return std::nullopt;
    }
    for (fs::path p = fs::path(dir).lexically_normal();; p = p.parent_path()) {
        if (auto git_dir = git_dir_of(p)) {
            GitRepository repo;
            repo.root = p.string();
            fs::path common = *git_dir;
            if (auto commondir = read_small_file(*git_dir / "commondir")) {
                fs::path c = trim(*commondir);
                common = (c.is_relative() ? *git_dir / c : c).lexically_normal();
            }
            if (auto config = read_small_file(common / "config")) {
                repo.origin = origin_url(*config);
            }
            if (auto head = read_small_file(*git_dir / "HEAD")) {
                const std::string h = trim(*head);
                if (h.rfind("ref: refs/heads/", 0) == 0) {
                    repo.branch = h.substr(16);
                }
            }
            return repo;
        }
        if (p == p.root_path() || p.empty()) {
            return std::nullopt;
        }
    }
}

std::string Machine::json() const
{
    return nlohmann::json{{"machineId", id},   {"hostname", hostname},    {"username", username},
                          {"osType", os_type}, {"osVersion", os_version}, {"machineType", type}}
        .dump();
}

std::string machine_type(const GetEnv& getenv)
{
    auto set = [&](const char* name) {
        const char* v = getenv(name);
        return v != nullptr && *v != '\0' && std::string_view(v) != "false" && std::string_view(v) != "0";
    };
    for (const char* name : {"GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "CIRCLECI", "TF_BUILD",
                             "TRAVIS", "TEAMCITY_VERSION", "CI"}) {
        if (set(name)) {
            return "ci";
        }
    }
    for (const char* name : {"CODESPACES", "GITPOD_WORKSPACE_ID", "CLOUD_SHELL", "AWS_CLOUD9_USER", "CODER"}) {
        if (set(name)) {
            return "cloud";
        }
    }
    for (const char* name : {"SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY", "REMOTE_CONTAINERS", "VSCODE_REMOTE_CONTAINERS_SESSION"}) {
        if (set(name)) {
            return "remote";
        }
    }
    return "local";
}

Machine this_machine(const GetEnv& getenv)
{
    Machine m;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    m.hostname = host;
    if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_name != nullptr) {
        m.username = pw->pw_name;
    } else if (const char* user = getenv("USER"); user != nullptr) {
        m.username = user;
    }
    utsname u{};
    if (::uname(&u) == 0) {
        m.os_type = lower(u.sysname);
        m.os_version = u.release;
    }
    m.type = machine_type(getenv);
    m.id = uuid_v5(devlog_namespace(), "machine:" + m.hostname + "\n" + m.username + "\n" + m.os_type).str();
    return m;
}

Identities::Identities(Machine machine) : m_machine(std::move(machine))
{
    add(m_machine.key(), "machine", m_machine.json());
}

void Identities::add(std::string key, std::string kind, std::string json)
{
    m_identities.try_emplace(key, queue::Identity{key, std::move(kind), std::move(json)});
}

const Place& Identities::for_directory(const std::string& dir, const std::string& remote_hint)
{
    const std::string cache_key = dir + '\n' + remote_hint;
    if (auto it = m_places.find(cache_key); it != m_places.end()) {
        return it->second;
    }
    Place place;
    place.path = dir;
    const auto repo = find_repository(dir);
    std::optional<Remote> remote;
    if (repo && repo->origin) {
        remote = normalize_remote(*repo->origin);
    }
    if (!remote && !remote_hint.empty() && !repo) {
        remote = normalize_remote(remote_hint);
    }
    nlohmann::json project;
    if (remote) {
        project = {{"repoUrl", remote->repo_url()}, {"fullName", remote->full_name()}, {"owner", remote->owner},
                   {"name", remote->name}, {"host", remote->host}};
    } else {
        // No remote: a local project, stable for this machine and directory.
        const std::string root = repo ? repo->root : (dir.empty() ? std::string("(no workspace)") : dir);
        const std::string url = "local://" + m_machine.hostname + (root[0] == '/' ? "" : "/") + root;
        const std::string base = root == "/" || root[0] != '/' ? root : fs::path(root).filename().string();
        const std::string tag = uuid_v5(devlog_namespace(), url).str().substr(0, 8);
        project = {{"repoUrl", url}, {"fullName", "local/" + base + "-" + tag}, {"owner", "local"}, {"name", base},
                   {"host", ""}};
    }
    place.project = "project:" + project["repoUrl"].get<std::string>();
    add(place.project, "project", project.dump());
    if (repo) {
        place.branch = repo->branch;
    }
    if (!dir.empty()) {
        const std::string workspace_id = uuid_v5(devlog_namespace(), "workspace:" + m_machine.id + ":" + dir).str();
        place.workspace = "workspace:" + workspace_id;
        add(place.workspace, "workspace",
            nlohmann::json{{"workspaceId", workspace_id},
                           {"path", dir},
                           {"type", dir.size() > 15 && dir.ends_with(".code-workspace") ? "multi-root" : "folder"},
                           {"branch", place.branch},
                           {"project", place.project},
                           {"machine", m_machine.key()}}
                .dump());
    }
    return m_places.emplace(cache_key, std::move(place)).first->second;
}

std::vector<queue::Identity> Identities::referenced(std::span<const queue::Item> items) const
{
    std::vector<queue::Identity> out;
    std::map<std::string, bool> seen;
    auto want = [&](const std::string& key) {
        if (key.empty() || !seen.emplace(key, true).second) {
            return;
        }
        if (auto it = m_identities.find(key); it != m_identities.end()) {
            out.push_back(it->second);
        }
    };
    want(m_machine.key());
    for (const auto& item : items) {
        want(item.project);
        want(item.workspace);
    }
    return out;
}

} // namespace devlog::collect
