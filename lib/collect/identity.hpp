#pragma once
// Who and where an event comes from (design.md §7 "Identity"): the project (the workspace's git
// origin, read from the repository's own files without a git binary), the workspace, the machine.

#include "lib/queue/queue.hpp"

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::collect {

// A git remote reduced to host/owner/repo.
struct Remote
{
    std::string host;  // lower case
    std::string owner; // may contain '/' (GitLab groups)
    std::string name;
    std::string repo_url() const { return "https://" + host + "/" + owner + "/" + name; }
    std::string full_name() const { return owner + "/" + name; }
};

// URL as host/owner/repo: scp-like "git@host:o/r.git", "ssh://git@host:22/o/r", "https://user:pw@host/o/r.git",
// "git://host/o/r"; credentials, ports, a trailing ".git" and '/' dropped. nullopt for local paths and
// anything without an owner and a name.
std::optional<Remote> normalize_remote(std::string_view url);

struct GitRepository
{
    std::string root;                  // the work tree's top directory
    std::optional<std::string> origin; // remote.origin.url
    std::string branch;                // from HEAD; empty when detached
};

// The repository whose work tree contains DIR, found by walking up to a ".git" directory or file
// ("gitdir: …" of worktrees and submodules; a worktree's config is in its "commondir"). nullopt
// when there is none or it cannot be read.
std::optional<GitRepository> find_repository(const std::string& dir);

// Parses git config TEXT: the value of remote.origin.url, if any.
std::optional<std::string> origin_url(std::string_view config_text);

struct Machine
{
    std::string id; // stable: UUIDv5 of hostname, user and OS
    std::string hostname;
    std::string username;
    std::string os_type;
    std::string os_version;
    std::string type; // ci, cloud, remote, local
    std::string key() const { return "machine:" + id; }
    std::string json() const;
};

using GetEnv = std::function<const char*(const char*)>;

// "ci", "cloud", "remote" or "local" from the environment (GITHUB_ACTIONS, CI, CODESPACES, SSH_CONNECTION, …).
std::string machine_type(const GetEnv& getenv);
Machine this_machine(const GetEnv& getenv = std::getenv);

// Where one working directory belongs: identity keys of its project and workspace.
struct Place
{
    std::string project;
    std::string workspace;
    std::string path;
    std::string branch;
};

// Resolves working directories to projects and workspaces, once each, and remembers which
// identities are new so they are stored with the events that refer to them.
class Identities
{
public:
    explicit Identities(Machine machine);

    // The place of working directory DIR (empty: "no workspace"). REMOTE_HINT is a remote URL the
    // agent recorded, used when DIR is not (or no longer) a readable repository.
    const Place& for_directory(const std::string& dir, const std::string& remote_hint = "");
    // The identities ITEMS refer to (their projects, workspaces and this machine), to store with them.
    std::vector<queue::Identity> referenced(std::span<const queue::Item> items) const;
    const Machine& machine() const { return m_machine; }

private:
    void add(std::string key, std::string kind, std::string json);
    Machine m_machine;
    std::map<std::string, Place> m_places;
    std::map<std::string, queue::Identity> m_identities; // by key
};

} // namespace devlog::collect
