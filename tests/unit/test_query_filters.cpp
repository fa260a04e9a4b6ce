#include "lib/core/errors.hpp"
#include "lib/query/filters.hpp"

#include <doctest/doctest.h>

using namespace devlog;
using namespace devlog::query;

namespace {
constexpr time::Micros k_now = 1'767'225'600'000'000; // 2026-01-01T00:00:00Z
constexpr time::Micros k_hour = 3'600'000'000;
} // namespace

TEST_CASE("parse_time_flag")
{
    CHECK(parse_time_flag("--since", "30m", k_now) == k_now - k_hour / 2);
    CHECK(parse_time_flag("--since", "2h", k_now) == k_now - 2 * k_hour);
    CHECK(parse_time_flag("--since", "7d", k_now) == k_now - 7 * 24 * k_hour);
    CHECK(parse_time_flag("--since", "2025-12-31", k_now) == k_now - 24 * k_hour);
    CHECK(parse_time_flag("--until", "2025-12-31T23:00:00Z", k_now) == k_now - k_hour);
    CHECK(parse_time_flag("--until", "2026-01-01T01:00:00+01:00", k_now) == k_now);
    CHECK(parse_time_flag("--until", "2025-12-31T23:00:00", k_now) == k_now - k_hour); // UTC
    CHECK_THROWS_WITH_AS(parse_time_flag("--since", "yesterdayish", k_now),
                         "--since: 'yesterdayish' is neither a duration (30m, 2h, 7d) nor a date or timestamp "
                         "(2025-01-31, 2025-01-31T12:00:00Z)",
                         UsageError);
}

TEST_CASE("parse_bucket")
{
    CHECK(parse_bucket("1h") == std::chrono::hours(1));
    CHECK(parse_bucket("15m") == std::chrono::minutes(15));
    CHECK(parse_bucket("1w") == std::chrono::hours(24 * 7));
    CHECK_THROWS_WITH_AS(parse_bucket("7x"), "--bucket: '7x' is not a duration", UsageError);
    CHECK_THROWS_WITH_AS(parse_bucket("500ms"), "--bucket: '500ms' is not a whole number of seconds", UsageError);
}

TEST_CASE("parse_filter")
{
    FilterArgs args;
    args.since = "1d";
    args.until = "2026-01-01";
    args.projects = {"o/r", "o/r", "7"};
    args.session = "0190A5B2-7C3D-7E4F-8A9B-0C1D2E3F4A5B";
    args.agents = {"claude-code"};
    args.types = {"tool_invocation", "File-Write"};
    args.severities = {"ERROR"};
    args.tags = {"ci"};
    args.data = R"({ "filePath" : "src/a.ts" })";
    const auto f = parse_filter(args, k_now);
    CHECK(f.since == k_now - 24 * k_hour);
    CHECK(f.until == k_now);
    CHECK(f.projects == std::vector<std::string>{"o/r", "7"});
    CHECK(f.session->str() == "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b");
    CHECK(f.types == std::vector<std::string>{"tool_use", "file_write"});
    CHECK(f.severities == std::vector<std::string>{"error"});
    CHECK(f.data == R"({"filePath":"src/a.ts"})");
    CHECK_FALSE(f.rollup_compatible());

    SUBCASE("mistakes name their flag")
    {
        FilterArgs bad;
        bad.data = "{filePath: x}";
        CHECK_THROWS_WITH_AS(parse_filter(bad, k_now),
                             "--data: not valid JSON: parse error at line 1, column 3: syntax error while parsing "
                             "object key - invalid literal; last read: '{fi'; expected string literal",
                             UsageError);
        bad.data = R"(["a"])";
        CHECK_THROWS_WITH_AS(parse_filter(bad, k_now), "--data: must be a JSON object, not array", UsageError);
        bad = {};
        bad.types = {"file_touch"};
        CHECK_THROWS_WITH_AS(parse_filter(bad, k_now), "--type: unknown event type 'file_touch'", UsageError);
        bad = {};
        bad.severities = {"fatal"};
        CHECK_THROWS_WITH_AS(parse_filter(bad, k_now), "--severity: 'fatal' is not one of info, warning, error",
                             UsageError);
        bad = {};
        bad.session = "abc";
        CHECK_THROWS_WITH_AS(parse_filter(bad, k_now), "--session: 'abc' is not a UUID", UsageError);
        bad = {};
        bad.since = "2026-01-02";
        bad.until = "2026-01-01";
        CHECK_THROWS_WITH_AS(parse_filter(bad, k_now),
                             "--until: 2026-01-01T00:00:00.000000Z is not after --since 2026-01-02T00:00:00.000000Z",
                             UsageError);
    }
}

TEST_CASE("normalize_repo")
{
    CHECK(normalize_repo("https://github.com/Owner/Repo.git") == "github.com/owner/repo");
    CHECK(normalize_repo("git@github.com:owner/repo.git") == "github.com/owner/repo");
    CHECK(normalize_repo("ssh://git@github.com:22/owner/repo") == "github.com/owner/repo");
    CHECK(normalize_repo("https://user:secret@gitlab.example.com/group/repo/") == "gitlab.example.com/group/repo");
    CHECK(normalize_repo("owner/repo") == "owner/repo");
}

TEST_CASE("match_project")
{
    const std::vector<ProjectRow> projects = {{1, "acme/api", "https://github.com/acme/api"},
                                              {2, "acme/web", "git@github.com:acme/web.git"},
                                              {3, "other/api", "https://gitlab.com/other/api"}};
    CHECK(match_project("2", projects) == 2);
    CHECK(match_project("acme/api", projects) == 1);
    CHECK(match_project("ACME/Web", projects) == 2);
    CHECK(match_project("https://github.com/acme/web", projects) == 2);
    CHECK(match_project("git@gitlab.com:other/api.git", projects) == 3);
    CHECK(match_project("github.com/acme/api", projects) == 1);
    CHECK_THROWS_WITH_AS(match_project("nobody/nothing", projects), "--project: no project matches 'nobody/nothing'",
                         UsageError);
    CHECK_THROWS_WITH_AS(match_project("api", projects),
                         "--project: 'api' matches 2 projects: acme/api (1), other/api (3)", UsageError);
    CHECK_THROWS_AS(match_project("9", projects), UsageError);
}
