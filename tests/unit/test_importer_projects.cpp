#include "lib/importer/projects.hpp"

#include <doctest/doctest.h>

using devlog::importer::parse_repo;

namespace {
std::string show(std::string_view text)
{
    const auto repo = parse_repo(text);
    return repo ? repo->host + "|" + repo->full_name() + "|" + repo->url() : "none";
}
} // namespace

TEST_CASE("parse_repo: every spelling of a repository")
{
    CHECK(show("acme/api") == "|acme/api|https://github.com/acme/api");
    CHECK(show("group/sub/repo") == "|group/sub/repo|https://github.com/group/sub/repo");
    CHECK(show("https://github.com/acme/api") == "github.com|acme/api|https://github.com/acme/api");
    CHECK(show("https://GitHub.com/acme/api.git/") == "github.com|acme/api|https://github.com/acme/api");
    CHECK(show("http://user:pw@gitlab.example.com:8443/g/s/r.git") == "gitlab.example.com|g/s/r|https://gitlab.example.com/g/s/r");
    CHECK(show("ssh://git@github.com:22/acme/api.git") == "github.com|acme/api|https://github.com/acme/api");
    CHECK(show("git@github.com:acme/api.git") == "github.com|acme/api|https://github.com/acme/api");
    CHECK(show("git://example.org/acme/api") == "example.org|acme/api|https://example.org/acme/api");
    CHECK(show("api") == "none");
    CHECK(show("acme/") == "none");
    CHECK(show("/abs/path") == "none");
    CHECK(show("https://github.com/acme") == "none");
    CHECK(show("acme/my api") == "none");
    CHECK(show("") == "none");
}
