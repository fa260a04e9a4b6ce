#include "lib/core/errors.hpp"
#include "lib/db/conninfo.hpp"
#include "lib/db/database.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace devlog::db;

namespace {
GetEnv env(std::map<std::string, std::string> vars)
{
    auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
    return [shared](const char* name) -> const char* {
        auto it = shared->find(name);
        return it == shared->end() ? nullptr : it->second.c_str();
    };
}
} // namespace

TEST_CASE("resolve_url")
{
    SUBCASE("flag wins over every variable")
    {
        auto s = resolve_url(std::string("postgresql://a/b"), env({{"DEVLOG_DATABASE_URL", "x"}, {"DATABASE_URL", "y"}}));
        CHECK(s.url == "postgresql://a/b");
        CHECK(s.origin == "--database-url");
    }
    SUBCASE("DEVLOG_DATABASE_URL before DATABASE_URL")
    {
        auto s = resolve_url(std::nullopt, env({{"DEVLOG_DATABASE_URL", "x"}, {"DATABASE_URL", "y"}}));
        CHECK(s.url == "x");
        CHECK(s.origin == "DEVLOG_DATABASE_URL");
    }
    SUBCASE("empty values are skipped")
    {
        auto s = resolve_url(std::string(""), env({{"DEVLOG_DATABASE_URL", ""}, {"DATABASE_URL", "y"}}));
        CHECK(s.url == "y");
        CHECK(s.origin == "DATABASE_URL");
    }
    SUBCASE("nothing set: libpq defaults")
    {
        auto s = resolve_url(std::nullopt, env({}));
        CHECK(s.url.empty());
        CHECK(s.origin.find("libpq") != std::string::npos);
    }
}

TEST_CASE("redact")
{
    CHECK(redact("postgresql://bob:s3cret@db:5432/devlog") == "postgresql://bob:***@db:5432/devlog");
    CHECK(redact("postgres://bob@db/devlog") == "postgres://bob@db/devlog");
    CHECK(redact("postgresql://bob:p@ss@db/x") == "postgresql://bob:***@db/x");
    CHECK(redact("postgresql://db/x?user=bob&password=s3cret&sslmode=require") ==
          "postgresql://db/x?user=bob&password=***&sslmode=require");
    CHECK(redact("host=db password=s3cret user=bob") == "host=db password=*** user=bob");
    CHECK(redact("host=db password = 'a b\\' c' user=bob") == "host=db password = *** user=bob");
    CHECK(redact("host=db passwordx=1") == "host=db passwordx=1");
    CHECK(redact("host=h user=postgres password=s3cret dbname=postgres") ==
          "host=h user=postgres password=*** dbname=postgres");
    CHECK(redact("host=h password=a postgresql://u:b@h/x password=c") ==
          "host=h password=*** postgresql://u:***@h/x password=***");
    CHECK(redact("invalid URI: \"postgresql://u:topsecret@[::1/x\"") == "invalid URI: \"postgresql://u:***@[::1/x\"");
    CHECK(redact("") == "");
}

TEST_CASE("build_conninfo")
{
    ConnectSettings s;
    SUBCASE("adds the default timeout and application name")
    {
        s.source = {"postgresql://bob@db:6543/devlog", "--database-url"};
        const auto c = build_conninfo(s, env({}));
        CHECK(c.find("connect_timeout='10'") != std::string::npos);
        CHECK(c.find("host='db'") != std::string::npos);
        CHECK(c.find("port='6543'") != std::string::npos);
        CHECK(c.find("fallback_application_name='devlogctl'") != std::string::npos);
    }
    SUBCASE("the flag overrides the URL's timeout")
    {
        s.source = {"postgresql://db/x?connect_timeout=30", "--database-url"};
        s.connect_timeout_s = 2;
        CHECK(build_conninfo(s, env({})).find("connect_timeout='2'") != std::string::npos);
    }
    SUBCASE("PGCONNECT_TIMEOUT is left to libpq")
    {
        s.source = {"", "libpq defaults"};
        CHECK(build_conninfo(s, env({{"PGCONNECT_TIMEOUT", "4"}})).find("connect_timeout") == std::string::npos);
    }
    SUBCASE("quotes values")
    {
        s.source = {"host=db password='it''s'", "x"};
        s.source.url = "host=db password=it\\'s";
        CHECK(build_conninfo(s, env({})).find("password='it\\'s'") != std::string::npos);
    }
    SUBCASE("malformed URL: names the origin, hides the password")
    {
        s.source = {"postgresql://bob:s3cret@db/x?bogus=1", "DATABASE_URL"};
        REQUIRE_THROWS_AS(build_conninfo(s, env({})), devlog::UsageError);
        try {
            build_conninfo(s, env({}));
        } catch (const devlog::UsageError& e) {
            CHECK(std::string(e.what()) == "invalid connection string from DATABASE_URL: invalid URI query parameter: \"bogus\"");
        }
    }
}

TEST_CASE("describe_endpoint")
{
    CHECK(describe_endpoint("host=db port=6543", env({})) == "db:6543");
    CHECK(describe_endpoint("postgresql://127.0.0.1/x", env({})) == "127.0.0.1:5432");
    CHECK(describe_endpoint("", env({{"PGHOST", "h"}, {"PGPORT", "7"}})) == "h:7");
    CHECK(describe_endpoint("", env({})) == "socket /var/run/postgresql/.s.PGSQL.5432");
    CHECK(describe_endpoint("postgresql://[::1]:5433/x", env({})) == "[::1]:5433");
    CHECK(describe_endpoint("postgresql://u:secret@h/x", env({})).find("secret") == std::string::npos);
}

TEST_CASE("summarize_connect_error")
{
    CHECK(summarize_connect_error("connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n\tIs the "
                                  "server running on that host and accepting TCP/IP connections?\n") ==
          "connection refused (is the server running and listening on that port?)");
    CHECK(summarize_connect_error("connection to server at \"h\" (10.0.0.1), port 5432 failed: FATAL:  password "
                                  "authentication failed for user \"bob\"\n") ==
          "password authentication failed for user \"bob\"");
    CHECK(summarize_connect_error("connection to server at \"h\", port 5432 failed: timeout expired\n") == "timed out");
    CHECK(summarize_connect_error("") == "unknown error");
}
