#include "lib/migrate/sql_split.hpp"

#include <doctest/doctest.h>

using devlog::migrate::split_statements;

TEST_CASE("split_statements")
{
    SUBCASE("plain statements with lines")
    {
        auto s = split_statements("CREATE TABLE a (x int);\n\nCREATE TABLE b (y int);\n", 10);
        REQUIRE(s.size() == 2);
        CHECK(s[0].text == "CREATE TABLE a (x int)");
        CHECK(s[0].line == 10);
        CHECK(s[1].text == "CREATE TABLE b (y int)");
        CHECK(s[1].line == 12);
    }
    SUBCASE("semicolons inside strings, identifiers, comments and dollar quotes")
    {
        auto s = split_statements("SELECT 'a;b', \"c;d\"; -- x;y\n/* p; /* nested; */ q; */ SELECT $$ e; $$;\n"
                                  "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql;");
        REQUIRE(s.size() == 3);
        CHECK(s[0].text == "SELECT 'a;b', \"c;d\"");
        CHECK(s[1].text.find("SELECT $$ e; $$") != std::string::npos);
        CHECK(s[1].line == 2);
        CHECK(s[2].text.starts_with("CREATE FUNCTION"));
        CHECK(s[2].line == 3);
    }
    SUBCASE("doubled quotes and E-strings")
    {
        auto s = split_statements("SELECT 'it''s;'; SELECT E'\\';'; SELECT 1");
        REQUIRE(s.size() == 3);
        CHECK(s[0].text == "SELECT 'it''s;'");
        CHECK(s[1].text == "SELECT E'\\';'");
        CHECK(s[2].text == "SELECT 1");
    }
    SUBCASE("positional parameters and identifiers with $ are not quotes")
    {
        auto s = split_statements("SELECT $1; SELECT a$b$ FROM t; SELECT 2;");
        REQUIRE(s.size() == 3);
    }
    SUBCASE("comment-only and empty statements are dropped")
    {
        CHECK(split_statements("-- nothing\n;;  /* x */ ;\n").empty());
    }
    SUBCASE("the line is that of the first token, not of a leading comment")
    {
        auto s = split_statements("-- about b\n-- more\nSELECT 1;", 1);
        REQUIRE(s.size() == 1);
        CHECK(s[0].line == 3);
    }
    SUBCASE("multi-line strings advance the line count")
    {
        auto s = split_statements("SELECT 'a\nb\nc';\nSELECT 2;", 1);
        REQUIRE(s.size() == 2);
        CHECK(s[1].line == 4);
    }
}
