#include "lib/output/table_sink.hpp"

#include <doctest/doctest.h>

#include <sstream>

using namespace devlog::output;
using nlohmann::json;

namespace {

std::string table(const std::vector<std::string>& columns, const std::vector<std::vector<json>>& rows,
                  RenderOptions options)
{
    std::ostringstream out;
    TableSink sink(out, options);
    sink.begin(columns);
    for (const auto& row : rows) {
        sink.row(row);
    }
    sink.end();
    return out.str();
}

const std::vector<std::string> k_columns{"id", "event_type", "data"};
const std::vector<std::vector<json>> k_rows{
    {1, "tool_use", json{{"filePath", "src/components/very/long/path/Button.tsx"}, {"tool", "Edit"}}},
    {22, "llm_response", json{{"promptTokens", 1200}}},
};

} // namespace

TEST_CASE("table sink")
{
    SUBCASE("piped: every cell whole, whatever its length")
    {
        CHECK(table(k_columns, k_rows, {}) ==
              "id  event_type    data\n"
              "1   tool_use      {\"filePath\":\"src/components/very/long/path/Button.tsx\",\"tool\":\"Edit\"}\n"
              "22  llm_response  {\"promptTokens\":1200}\n");
    }
    SUBCASE("a terminal wide enough: the same")
    {
        CHECK(table(k_columns, k_rows, {false, 200}) == table(k_columns, k_rows, {}));
    }
    SUBCASE("a narrow terminal: the widest column shortened with an ellipsis; lines fit exactly")
    {
        CHECK(table(k_columns, k_rows, {false, 40}) == "id  event_type    data\n"
                                                       "1   tool_use      {\"filePath\":\"src/comp…\n"
                                                       "22  llm_response  {\"promptTokens\":1200}\n");
    }
    SUBCASE("terminal: wide characters take two columns; control characters are neutralised")
    {
        CHECK(table({"name", "n"}, {{"日本語", 1}, {"a\x1b[2Jb", 2}}, {false, 80}) == "name    n\n"
                                                                                      "日本語  1\n"
                                                                                      "a\uFFFD[2Jb  2\n");
    }
    SUBCASE("bold header with color")
    {
        CHECK(table({"a", "b"}, {{1, 2}}, {true, std::nullopt}) == "\033[1ma  b\033[0m\n1  2\n");
    }
    SUBCASE("no rows: the header alone")
    {
        CHECK(table({"version", "name"}, {}, {}) == "version  name\n");
    }
}

TEST_CASE("fit_columns")
{
    CHECK(fit_columns({5, 10}, {5, 4}, 20) == std::vector<std::size_t>{5, 10});
    // The widest column is capped first; spare columns go left to right among the shortened ones.
    CHECK(fit_columns({4, 30, 20}, {2, 4, 4}, 40) == std::vector<std::size_t>{4, 16, 16});
    CHECK(fit_columns({4, 30, 20}, {2, 4, 4}, 41) == std::vector<std::size_t>{4, 17, 16});
    // Never below the header (or 6 columns): a line may then be wider than the terminal.
    CHECK(fit_columns({13, 30}, {13, 4}, 10) == std::vector<std::size_t>{13, 6});
}
