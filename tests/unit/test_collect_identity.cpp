#include "lib/collect/identity.hpp"

#include "collect_helpers.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace devlog;
using namespace devlog::collect;
namespace fs = std::filesystem;

namespace {

struct TempDir
{
    fs::path path = fs::temp_directory_path() / ("devlog-identity-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    TempDir() { fs::create_directories(path); }
    ~TempDir() { fs::remove_all(path); }
    static int& counter()
    {
        static int n = 0;
        return n;
    }
    void write(const std::string& name, const std::string& text) const
    {
        fs::create_directories((path / name).parent_path());
        std::ofstream(path / name) << text;
    }
};

std::string name_of(const std::string& url)
{
    const auto r = normalize_remote(url);
    return r ? r->host + " " + r->owner + " " + r->name : "none";
}

} // namespace

TEST_CASE("normalize_remote")
{
    CHECK(name_of("git@github.com:acme/api.git") == "github.com acme api");
    CHECK(name_of("ssh://git@GitHub.com:22/acme/api.git/") == "github.com acme api");
    CHECK(name_of("https://user:secret@github.com/acme/api.git") == "github.com acme api");
    CHECK(name_of("https://gitlab.example.com:8443/group/sub/repo") == "gitlab.example.com group/sub repo");
    CHECK(name_of("git://host.xz/o/r") == "host.xz o r");
    CHECK(name_of("host:o/r") == "host o r");
    CHECK(name_of("/srv/git/repo.git") == "none");
    CHECK(name_of("file:///srv/git/repo.git") == "none");
    CHECK(name_of("../other") == "none");
    CHECK(name_of("C:/repos/x") == "none");
    CHECK(name_of("https://github.com/onlyowner") == "none");
    CHECK(normalize_remote("git@github.com:acme/api.git")->repo_url() == "https://github.com/acme/api");
}

TEST_CASE("origin_url reads git config without git")
{
    CHECK(origin_url("[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = a\n[remote \"origin\"]\n\tfetch = x\n\tURL = \"git@h:o/r.git\" \n") ==
          "git@h:o/r.git");
    CHECK(origin_url("[remote.origin]\nurl=https://h/o/r\n") == "https://h/o/r");
    CHECK(origin_url("[remote \"Origin\"]\nurl = x\n") == std::nullopt); // subsection names are case-sensitive
    CHECK(origin_url("# nothing\n") == std::nullopt);
}

TEST_CASE("find_repository: directories, worktrees and submodules (.git files), nested paths")
{
    TempDir d;
    const auto root = d.path.string();
    d.write("main/.git/config", "[remote \"origin\"]\n\turl = git@github.com:acme/api.git\n");
    d.write("main/.git/HEAD", "ref: refs/heads/main\n");
    d.write("main/.git/worktrees/wt/HEAD", "ref: refs/heads/feature\n");
    d.write("main/.git/worktrees/wt/commondir", "../..\n");
    d.write("wt/.git", "gitdir: " + root + "/main/.git/worktrees/wt\n");
    d.write("main/.git/modules/lib/config", "[remote \"origin\"]\n\turl = https://github.com/acme/lib.git\n");
    d.write("main/.git/modules/lib/HEAD", "0123456789abcdef\n");
    d.write("main/lib/.git", "gitdir: ../.git/modules/lib\n");
    d.write("plain/.git/HEAD", "ref: refs/heads/main\n");
    fs::create_directories(d.path / "main/src/deep");

    const auto nested = find_repository(root + "/main/src/deep");
    REQUIRE(nested);
    CHECK(nested->root == root + "/main");
    CHECK(nested->origin == "git@github.com:acme/api.git");
    CHECK(nested->branch == "main");
    const auto worktree = find_repository(root + "/wt");
    REQUIRE(worktree);
    CHECK(worktree->origin == "git@github.com:acme/api.git");
    CHECK(worktree->branch == "feature");
    const auto submodule = find_repository(root + "/main/lib");
    REQUIRE(submodule);
    CHECK(submodule->origin == "https://github.com/acme/lib.git");
    CHECK(submodule->branch.empty()); // detached
    const auto plain = find_repository(root + "/plain");
    REQUIRE(plain);
    CHECK_FALSE(plain->origin);

    Identities ids(test::test_machine());
    CHECK(ids.for_directory(root + "/wt").project == "project:https://github.com/acme/api");
    CHECK(ids.for_directory(root + "/main/lib").project == "project:https://github.com/acme/lib");
    // No remote: a local project, the same every time for this machine and repository.
    const auto& local = ids.for_directory(root + "/plain");
    CHECK(local.project == "project:local://host" + root + "/plain");
    Identities again(test::test_machine());
    CHECK(again.for_directory(root + "/plain").project == local.project);
    CHECK(again.for_directory(root + "/plain").workspace == local.workspace);
    const auto stored = again.referenced(std::vector<queue::Item>{queue::Item{{}, local.project, local.workspace, 0}});
    REQUIRE(stored.size() == 3); // machine, project, workspace
    const auto project = nlohmann::json::parse(stored[1].json);
    CHECK(project["owner"] == "local");
    CHECK(project["name"] == "plain");
    CHECK(project["fullName"].get<std::string>().starts_with("local/plain-"));
}

TEST_CASE("machine_type from the environment")
{
    auto env = [](std::map<std::string, std::string> vars) {
        return [vars](const char* name) -> const char* {
            const auto it = vars.find(name);
            return it == vars.end() ? nullptr : it->second.c_str();
        };
    };
    CHECK(machine_type(env({})) == "local");
    CHECK(machine_type(env({{"GITHUB_ACTIONS", "true"}, {"SSH_CONNECTION", "1 2 3 4"}})) == "ci");
    CHECK(machine_type(env({{"CI", "false"}})) == "local");
    CHECK(machine_type(env({{"CODESPACES", "true"}})) == "cloud");
    CHECK(machine_type(env({{"SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22"}})) == "remote");
    const auto a = this_machine(env({}));
    CHECK(a.id == this_machine(env({{"SSH_TTY", "/dev/pts/1"}})).id); // the id does not depend on how we got here
}
