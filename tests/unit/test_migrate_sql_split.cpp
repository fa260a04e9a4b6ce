#include "lib/migrate/sql_split.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

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
        auto s =
            split_statements("SELECT 'a;b', \"c;d\"; -- x;y\n/* p; /* nested; */ q; */ SELECT $$ e; $$;\n"
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

TEST_CASE("split_statements: COPY ... FROM STDIN data, as psql reads it")
{
    using devlog::migrate::SplitError;
    SUBCASE("the lines up to '\\.' are the statement's data; later lines keep their numbers")
    {
        auto s = split_statements("CREATE TABLE t (a int, b text);\n"
                                  "COPY public.t (a, b) FROM stdin;\n"
                                  "1\tone; two\n"
                                  "2\t\\N\n"
                                  "\\.\n"
                                  "SELECT 3;\n",
                                  10);
        REQUIRE(s.size() == 3);
        CHECK_FALSE(s[0].copy_data.has_value());
        CHECK(s[1].text == "COPY public.t (a, b) FROM stdin");
        CHECK(s[1].line == 11);
        REQUIRE(s[1].copy_data.has_value());
        CHECK(*s[1].copy_data == "1\tone; two\n2\t\\N\n");
        CHECK(s[2].text == "SELECT 3");
        CHECK(s[2].line == 15);
        CHECK_FALSE(s[2].copy_data.has_value());
    }
    SUBCASE("any case, options, CSV data that looks like SQL, a comment after the ';'")
    {
        auto s = split_statements("copy t from STDIN with (format csv, header); -- pg_dump style\n"
                                  "a,b\n"
                                  "\"x;y\",'it''s\n"
                                  "COMMIT;\n"
                                  "\\.\n");
        REQUIRE(s.size() == 1);
        CHECK(s[0].text == "copy t from STDIN with (format csv, header)");
        CHECK(s[0].copy_data == "a,b\n\"x;y\",'it''s\nCOMMIT;\n");
    }
    SUBCASE("empty data and CR LF line ends, kept as they are")
    {
        auto s = split_statements("COPY t FROM stdin;\r\n\\.\r\nCOPY u FROM stdin;\r\n1\r\n\\.\r\nSELECT 1;", 1);
        REQUIRE(s.size() == 3);
        CHECK(s[0].copy_data == "");
        CHECK(s[1].copy_data == "1\r\n");
        CHECK(s[1].line == 3);
        CHECK(s[2].line == 6);
    }
    SUBCASE("COPY from a file or to stdout has no data")
    {
        auto s = split_statements(
            "COPY t FROM '/tmp/x';\nCOPY (SELECT stdin FROM t) TO STDOUT;\nCOPY t (stdin) FROM 'f';\n");
        REQUIRE(s.size() == 3);
        for (const auto& statement : s) {
            CHECK_FALSE(statement.copy_data.has_value());
        }
    }
    SUBCASE("data without its '\\.' line, or SQL after the ';', is an error naming the line")
    {
        const auto line_of = [](std::string_view sql) {
            try {
                split_statements(sql, 5);
            } catch (const SplitError& e) {
                return std::to_string(e.line()) + ": " + e.what();
            }
            return std::string("no error");
        };
        CHECK(line_of("SELECT 1;\nCOPY t FROM stdin;\n1\n2\n") ==
              "6: COPY ... FROM STDIN without the '\\.' line that ends its data: add it after the last data line");
        CHECK(line_of("COPY t FROM stdin; SELECT 1;\n1\n\\.\n") ==
              "5: SQL after 'COPY ... FROM STDIN;' on the same line: its data starts on the next line, so put the "
              "SQL after the '\\.' line");
    }
}

TEST_CASE("split_statements: BEGIN ATOMIC bodies and parentheses, as psql splits them")
{
    SUBCASE("SQL-standard function and procedure bodies stay one statement, CASE ... END included")
    {
        auto s = split_statements(
            "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\n"
            "BEGIN ATOMIC\n"
            "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\n"
            "  SELECT a + 1;\n"
            "END;\n"
            "create or replace procedure p() language sql begin atomic insert into t values (1); end;\n"
            "SELECT 1;\n");
        REQUIRE(s.size() == 3);
        CHECK(s[0].text.ends_with("SELECT a + 1;\nEND"));
        CHECK(s[1].text == "create or replace procedure p() language sql begin atomic insert into t values (1); end");
        CHECK(s[1].line == 6);
        CHECK(s[2].text == "SELECT 1");
    }
    SUBCASE("BEGIN outside CREATE FUNCTION / PROCEDURE is a statement of its own")
    {
        auto s =
            split_statements("BEGIN;\nCREATE TABLE begin_end (x int);\nCOMMIT;\n"
                             "CREATE FUNCTION g() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;\nEND;");
        REQUIRE(s.size() == 5);
        CHECK(s[0].text == "BEGIN");
        CHECK(s[4].text == "END");
    }
    SUBCASE("semicolons inside parentheses: CREATE RULE ... DO ALSO (...; ...)")
    {
        auto s = split_statements("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES (1); "
                                  "UPDATE c SET n = n + 1);\nSELECT 2;");
        REQUIRE(s.size() == 2);
        CHECK(s[0].text.ends_with("UPDATE c SET n = n + 1)"));
        CHECK(s[1].line == 2);
    }
    SUBCASE("an identifier ending in e is not an E'' string; e'' is")
    {
        auto s = split_statements("SELECT some'\\'; SELECT e'\\';'; SELECT 3;");
        REQUIRE(s.size() == 3);
        CHECK(s[0].text == "SELECT some'\\'");
        CHECK(s[1].text == "SELECT e'\\';'");
    }
}

TEST_CASE("for_each_statement hands over views of the statements one at a time")
{
    const std::string sql = "SELECT 1;\nCOPY t FROM stdin;\n1\n\\.\n\nSELECT 3";
    std::vector<int> lines;
    devlog::migrate::for_each_statement(sql, 7, [&](const devlog::migrate::StatementView& s) {
        lines.push_back(s.line);
        CHECK(s.text.data() >= sql.data());
        CHECK(s.text.data() + s.text.size() <= sql.data() + sql.size());
        if (s.copy_data) {
            CHECK(*s.copy_data == "1\n");
            CHECK(s.copy_data->data() == sql.data() + sql.find("1\n\\."));
        }
    });
    CHECK(lines == std::vector<int>{7, 8, 12});
}

TEST_CASE("transaction_control")
{
    using devlog::migrate::transaction_control;
    CHECK(transaction_control("BEGIN") == "BEGIN");
    CHECK(transaction_control("begin transaction isolation level serializable") == "BEGIN");
    CHECK(transaction_control("-- now\n/* really */ START TRANSACTION") == "START TRANSACTION");
    CHECK(transaction_control("COMMIT") == "COMMIT");
    CHECK(transaction_control("commit and chain") == "COMMIT");
    CHECK(transaction_control("END") == "END");
    CHECK(transaction_control("END TRANSACTION") == "END");
    CHECK(transaction_control("ROLLBACK") == "ROLLBACK");
    CHECK(transaction_control("ROLLBACK WORK") == "ROLLBACK");
    CHECK(transaction_control("ABORT") == "ABORT");
    CHECK(transaction_control("PREPARE TRANSACTION 'x'") == "PREPARE TRANSACTION");
    CHECK(transaction_control("COMMIT PREPARED 'x'") == "COMMIT PREPARED");
    CHECK(transaction_control("ROLLBACK PREPARED 'x'") == "ROLLBACK PREPARED");

    CHECK_FALSE(transaction_control("ROLLBACK TO s"));
    CHECK_FALSE(transaction_control("ROLLBACK TO SAVEPOINT s"));
    CHECK_FALSE(transaction_control("rollback transaction to savepoint s"));
    CHECK_FALSE(transaction_control("ROLLBACK WORK TO s"));
    CHECK_FALSE(transaction_control("SAVEPOINT s"));
    CHECK_FALSE(transaction_control("RELEASE SAVEPOINT s"));
    CHECK_FALSE(transaction_control("PREPARE q AS SELECT 1"));
    CHECK_FALSE(transaction_control("START something"));
    CHECK_FALSE(transaction_control("DO $$ BEGIN COMMIT; END $$"));
    CHECK_FALSE(transaction_control("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END"));
    CHECK_FALSE(transaction_control("\"begin\""));
    CHECK_FALSE(transaction_control("beginning"));
}

TEST_CASE("split_statements: psql meta-commands")
{
    SUBCASE("pg_dump's \\restrict and \\unrestrict lines are skipped: they change nothing the SQL does")
    {
        auto s =
            split_statements("\\restrict jSy6mNjF\n\nSET lock_timeout = 0;\nSELECT 1;\n\\unrestrict jSy6mNjF\n", 1);
        REQUIRE(s.size() == 2);
        CHECK(s[0].text == "SET lock_timeout = 0");
        CHECK(s[0].line == 3);
    }
    SUBCASE("any other is refused, naming its line")
    {
        try {
            split_statements("SELECT 1;\n\\connect other\nSELECT 2;\n", 1);
            FAIL("no error");
        } catch (const devlog::migrate::SplitError& e) {
            CHECK(e.line() == 2);
            CHECK(std::string(e.what()) ==
                  "psql meta-command '\\connect' is not SQL: devlogctl runs SQL only, so remove it");
        }
    }
}
