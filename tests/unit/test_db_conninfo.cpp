#include "lib/core/errors.hpp"
#include "lib/db/conninfo.hpp"
#include "lib/db/database.hpp"

#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <utility>
#include <vector>

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
        auto s =
            resolve_url(std::string("postgresql://a/b"), env({{"DEVLOG_DATABASE_URL", "x"}, {"DATABASE_URL", "y"}}));
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

namespace {
// The secret in these tests is S3cr3t<sep>XYZ: neither half may appear in anything shown.
void check_no_secret(const std::string& shown)
{
    INFO(shown);
    CHECK(shown.find("S3cr3t") == std::string::npos);
    CHECK(shown.find("XYZ") == std::string::npos);
}

// The message of the ErrorType that ATTEMPT throws; fails when any part of the error shows a secret.
template <typename ErrorType> std::string message_of(const std::function<void()>& attempt)
{
    try {
        attempt();
    } catch (const ErrorType& e) {
        check_no_secret(e.what());
        check_no_secret(e.hint());
        check_no_secret(e.detail());
        return e.what();
    }
    FAIL("nothing thrown");
    return {};
}

std::string usage_error_of(const std::string& url)
{
    ConnectSettings s;
    s.source = {url, "DATABASE_URL"};
    INFO(url);
    return message_of<devlog::UsageError>([&] { build_conninfo(s, env({})); });
}

std::string connect_error_of(const std::string& url)
{
    ConnectSettings s;
    s.source = {url, "DATABASE_URL"};
    INFO(url);
    return message_of<devlog::ConnectError>([&] { Database::open(s); });
}
} // namespace

TEST_CASE("redact: what -v shows, from libpq's own parse")
{
    const std::map<std::string, std::string> cases = {
        // URI passwords with characters that end a URI's authority elsewhere but not in libpq
        {"postgresql://u:S3cr3t#XYZ@h/db", "postgresql://u:***@h/db"},
        {"postgresql://u:S3cr3t?XYZ@h/db", "postgresql://u:***@h/db"},
        {"postgresql://u:S3cr3t'XYZ@h/db", "postgresql://u:***@h/db"},
        {"postgresql://u:S3cr3t XYZ@h/db", "postgresql://u:***@h/db"},
        {"postgresql://u:S3cr3t\"XYZ@h/db", "postgresql://u:***@h/db"},
        {"postgresql://u:S3cr3t%2FXYZ@h:5/db?sslmode=disable", "postgresql://u:***@h:5/db?sslmode=disable"},
        {"postgres://h/db?sslpassword=S3cr3t%26XYZ&password=S3cr3t-XYZ",
         "postgres://h/db?sslpassword=***&password=***"},
        // raw '/' and '@' in the password (libpq reads them as host, port or database: rejected)
        {"postgresql://u:S3cr3t/XYZ@h/db", "postgresql://u:***@h/db"},
        {"postgresql://u:S3cr3t@XYZ@h/db", "postgresql://u:***@h/db"},
        {"postgresql://u:ab/S3cr3t/XYZ@h:5432/db?sslmode=disable", "postgresql://u:***@h:5432/db?sslmode=disable"},
        // schemes libpq does not know
        {"POSTGRESQL://u:S3cr3t-XYZ@h/db", "postgresql://u:***@h/db"},
        {"Postgres://u:S3cr3t-XYZ@h/db", "postgres://u:***@h/db"},
        {"postgresq://u:S3cr3t-XYZ@h/db", "postgresq://u:***@h/db"},
        {"mysql://u:S3cr3t-XYZ@h/db", "mysql://u:***@h/db"},
        {"postgresql:/u:S3cr3t-XYZ@h/db", "postgresql:/u:***@h/db"},
        {"  postgresql://u:S3cr3t-XYZ@h/db\n", "postgresql://u:***@h/db"},
        // key=value: any whitespace separates, quotes and backslashes, sslpassword
        {"host=h\npassword=S3cr3t-XYZ\nuser=u", "host=h\npassword=***\nuser=u"},
        {"host=h\r\n  password\n=\nS3cr3t-XYZ\r\nuser=u", "host=h\r\n  password\n=\n***\r\nuser=u"},
        {"host=h password='S3cr3t XYZ' user=u", "host=h password=*** user=u"},
        {"host=h password='S3cr3t\\' XYZ' user=u", "host=h password=*** user=u"},
        {"host=h password=S3cr3t\\ XYZ user=u", "host=h password=*** user=u"},
        {"host=h password=S3cr3t'XYZ user=u", "host=h password=*** user=u"},
        {"host=h password=S3cr3t#XYZ user=u", "host=h password=*** user=u"},
        {"host=h sslpassword=S3cr3t-XYZ sslkey=/k", "host=h sslpassword=*** sslkey=/k"},
        // malformed key=value: everything that could belong to the password is hidden
        {"host=h password=S3cr3t XYZ", "host=h password=***"},
        {"host=h password='S3cr3t XYZ", "host=h password=***"},
        {"host=h password=S3cr3t XYZ user=u", "host=h password=*** user=u"},
    };
    for (const auto& [input, expected] : cases) {
        INFO(input);
        const std::string shown = redact(input);
        CHECK(shown == expected);
        check_no_secret(shown);
    }
}

TEST_CASE("ConnectionString")
{
    SUBCASE("a URI: libpq's options, every form of the password scrubbed")
    {
        const ConnectionString c("postgresql://u:S3cr3t%2FXYZ@h:5/db?sslpassword=k3y-S3cr3t");
        REQUIRE(c.valid());
        CHECK(c.error().empty());
        CHECK(c.options().at("password") == "S3cr3t/XYZ");
        CHECK(c.options().at("host") == "h");
        CHECK(c.redacted() == "postgresql://u:***@h:5/db?sslpassword=***");
        CHECK(c.scrub("a S3cr3t/XYZ b S3cr3t%2FXYZ c password='S3cr3t/XYZ' d k3y-S3cr3t") ==
              "a *** b *** c password=*** d ***");
    }
    SUBCASE("key=value: quoted, escaped, as build_conninfo writes it")
    {
        const ConnectionString c("host=h password='S3cr3t\\' XYZ'");
        REQUIRE(c.valid());
        CHECK(c.options().at("password") == "S3cr3t' XYZ");
        CHECK(c.scrub("S3cr3t' XYZ|'S3cr3t\\' XYZ'|S3cr3t%27%20XYZ") == "***|***|***");
    }
    SUBCASE("a short password is hidden only where it stands alone")
    {
        const ConnectionString c("host=h password=ab");
        CHECK(c.scrub("tab ab \"ab\" grab") == "tab *** \"***\" grab");
        CHECK(ConnectionString("host=h password=/").scrub("socket /tmp/.s.PGSQL.5432 \"/\"") ==
              "socket /tmp/.s.PGSQL.5432 \"***\"");
    }
    SUBCASE("nothing secret: text unchanged")
    {
        const ConnectionString c("host=h user=u");
        CHECK(c.redacted() == "host=h user=u");
        CHECK(c.scrub("host h user u") == "host h user u");
        CHECK(ConnectionString("").valid());
        CHECK(ConnectionString("").redacted().empty());
    }
    SUBCASE("not valid: no options, and what could be a password is a secret")
    {
        const ConnectionString c("postgresq://u:S3cr3t-XYZ@h/db");
        CHECK_FALSE(c.valid());
        CHECK(c.options().empty());
        CHECK(c.redacted() == "postgresq://u:***@h/db");
        CHECK(c.scrub("x S3cr3t-XYZ y") == "x *** y");
        const ConnectionString raw_slash("postgresql://u:S3cr3t/XYZ@h/db");
        CHECK_FALSE(raw_slash.valid());
        CHECK(raw_slash.options().empty());
        CHECK(raw_slash.scrub("S3cr3t/XYZ") == "***");
    }
}

TEST_CASE("build_conninfo: malformed strings are refused without their secrets")
{
    const std::string raw_slash_or_at =
        "a '/' or '@' in the user name or password of a URI must be percent-encoded (%2F, %40)";
    const std::string missing_equals = "missing \"=\" after \"***\" in connection info string";
    const std::vector<std::pair<std::string, std::string>> cases = {
        // a raw '/' or '@' in a URI password: libpq would read part of it as host, port or database
        {"postgresql://u:S3cr3t/XYZ@127.0.0.1:1/db", raw_slash_or_at},
        {"postgresql://u:12/S3cr3tXYZ@127.0.0.1:1/db", raw_slash_or_at},
        {"postgresql://u:S3cr3t@XYZ@127.0.0.1:1/db", raw_slash_or_at},
        {"postgresql://u:S3cr3t@XYZ@127.0.0.1:1?sslmode=disable", raw_slash_or_at},
        // an unknown scheme; libpq reads the second as key=value and quotes it whole: shown redacted
        {"postgresq://u:S3cr3t-XYZ@h/db",
         "unknown URI scheme \"postgresq://\" (libpq knows postgresql:// and postgres://)"},
        {"postgresql:/u:S3cr3t-XYZ@h/db", "missing \"=\" after \"postgresql:/u:***@h/db\" in connection info string"},
        // libpq's parse errors lose the parts that could be secret
        {"host=h password=S3cr3t XYZ", missing_equals},
        {"host=h password=S3cr3t XYZabc", missing_equals},
        {"host=h password='S3cr3t XYZ", "unterminated quoted string in connection info string"},
        {"postgresql://u:S3cr3t%zzXYZ@h/db", "invalid percent-encoded token: \"***\""},
        {"postgresql://h/db?password=S3cr3t%zzXYZ", "invalid percent-encoded token: \"***\""},
        {"postgresql://u:S3cr3t-XYZ@[::1/db",
         "end of string reached when looking for matching \"]\" in IPv6 host address in URI: "
         "\"postgresql://u:***@[::1/db\""},
        {"postgresql://u:S3cr3t-XYZ@[::1]x/db",
         "unexpected character in URI (expected \":\" or \"/\"): \"postgresql://u:***@[::1]x/db\""},
        {"postgresql://h/db?password=S3cr3t&XYZ", "missing key/value separator \"=\" in URI query parameter: \"***\""},
        {"host=h passwd=S3cr3t-XYZ", "invalid connection option \"passwd\""},
    };
    for (const auto& [input, expected] : cases) {
        CHECK(usage_error_of(input) == "invalid connection string from DATABASE_URL: " + expected);
    }
}

TEST_CASE("build_conninfo: an uppercase scheme is a URI (RFC 3986: schemes are case-insensitive)")
{
    ConnectSettings s;
    s.source = {"POSTGRESQL://bob:S3cr3t-XYZ@db:6543/devlog", "--database-url"};
    const auto c = build_conninfo(s, env({}));
    CHECK(c.find("host='db'") != std::string::npos);
    CHECK(c.find("port='6543'") != std::string::npos);
    CHECK(c.find("password='S3cr3t-XYZ'") != std::string::npos);
}

TEST_CASE("Database::open: connection errors never show the password")
{
    // Nothing listens on port 1. libpq repeats option values in its messages (here the port).
    CHECK(connect_error_of("host=127.0.0.1 port=S3cr3tXYZ password=S3cr3tXYZ") ==
          "cannot connect to 127.0.0.1:***: invalid integer value \"***\" for connection option \"port\"");
    CHECK(connect_error_of("postgresql://u:S3cr3t-XYZ@127.0.0.1:1/db?sslpassword=S3cr3t-XYZ") ==
          "cannot connect to 127.0.0.1:1: connection refused (is the server running and listening on that port?)");
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
            CHECK(std::string(e.what()) ==
                  "invalid connection string from DATABASE_URL: invalid URI query parameter: \"bogus\"");
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
