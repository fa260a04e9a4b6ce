#include "lib/core/errors.hpp"
#include "lib/output/sink.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <streambuf>

#if defined(__SANITIZE_ADDRESS__)
// From <sanitizer/allocator_interface.h>, which Debian ships only with clang.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes(); // NOLINT(bugprone-reserved-identifier)
#else
#include <malloc.h>
#endif

using namespace devlog::output;
using nlohmann::json;

namespace {

std::string rendered(Format format, const std::vector<std::string>& columns, const std::vector<std::vector<json>>& rows)
{
    std::ostringstream out;
    const auto sink = make_sink(out, format);
    sink->begin(columns);
    for (const auto& row : rows) {
        sink->row(row);
    }
    sink->end();
    return out.str();
}

// A stream that keeps nothing: counts the bytes written and the flushes.
class CountingBuffer : public std::streambuf
{
public:
    std::uint64_t bytes = 0;
    int syncs = 0;

protected:
    std::streamsize xsputn(const char*, std::streamsize n) override
    {
        bytes += static_cast<std::uint64_t>(n);
        return n;
    }
    int_type overflow(int_type c) override
    {
        ++bytes;
        return traits_type::not_eof(c);
    }
    int sync() override
    {
        ++syncs;
        return 0;
    }
};

// A stream whose device is full: every write fails.
class FullBuffer : public std::streambuf
{
protected:
    std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
    int_type overflow(int_type) override { return traits_type::eof(); }
};

// Bytes the program holds on the heap now.
std::size_t heap_in_use()
{
#if defined(__SANITIZE_ADDRESS__)
    return __sanitizer_get_current_allocated_bytes();
#else
    return mallinfo2().uordblks;
#endif
}

// 256 realistic rows (an id, a time, a JSON payload of varying size, a cost or null), built once:
// the test measures the sink, not the building of JSON values.
const std::vector<std::vector<json>>& row_pool()
{
    static const std::vector<std::vector<json>> k_pool = [] {
        std::vector<std::vector<json>> pool;
        for (int i = 0; i < 256; ++i) {
            const json payload = {{"filePath", "src/module_" + std::to_string(i) + ".ts"},
                                  {"tokens", i},
                                  {"tags", json::array({"a", std::string(static_cast<std::size_t>(i), 'x')})}};
            pool.push_back(
                {i, "2025-06-01T12:00:00.123456Z", "tool_use", payload, i % 3 == 0 ? json() : json(0.25 * i)});
        }
        return pool;
    }();
    return k_pool;
}

void push_rows(RowSink& sink, int rows)
{
    const auto& pool = row_pool();
    for (int i = 0; i < rows; ++i) {
        sink.row(pool[static_cast<std::size_t>(i) % pool.size()]);
    }
}

const std::vector<std::string> k_columns{"id", "timestamp", "event_type", "data", "cost"};

} // namespace

TEST_CASE("json sink")
{
    SUBCASE("writes each row when it arrives, in column order")
    {
        std::ostringstream out;
        const auto sink = make_sink(out, Format::json);
        sink->begin({"zeta", "alpha"});
        CHECK(out.str().empty());
        sink->row({1, "x"});
        CHECK(out.str() == "[\n  {\n    \"zeta\": 1,\n    \"alpha\": \"x\"\n  }");
        sink->row({2});
        sink->end();
        CHECK(out.str() == "[\n  {\n    \"zeta\": 1,\n    \"alpha\": \"x\"\n  },\n"
                           "  {\n    \"zeta\": 2,\n    \"alpha\": null\n  }\n]\n");
    }
    SUBCASE("zero rows is an empty array")
    {
        CHECK(rendered(Format::json, {"a"}, {}) == "[]\n");
        CHECK(rendered(Format::ndjson, {"a"}, {}) == "");
        CHECK(rendered(Format::csv, {"a", "b"}, {}) == "a,b\r\n");
    }
    SUBCASE("laid out exactly as nlohmann's dump(2), nested values included")
    {
        const json data = {{"b", {1, 2, json::object()}}, {"a", json::array()}, {"c", {{"d", nullptr}}}};
        nlohmann::ordered_json expected = nlohmann::ordered_json::array();
        expected.push_back({{"id", 7}, {"data", data}, {"ok", true}});
        CHECK(rendered(Format::json, {"id", "data", "ok"}, {{7, data, true}}) == expected.dump(2) + "\n");
    }
}

TEST_CASE("ndjson sink")
{
    std::ostringstream out;
    const auto sink = make_sink(out, Format::ndjson);
    sink->begin({"zeta", "alpha", "data"});
    sink->row({1, "a\"b\\c\n\t\x01", json{{"k", {1.5, nullptr}}}});
    CHECK(out.str() == "{\"zeta\":1,\"alpha\":\"a\\\"b\\\\c\\n\\t\\u0001\",\"data\":{\"k\":[1.5,null]}}\n");
    sink->row({2, "é日🙂"});
    CHECK(out.str().ends_with("{\"zeta\":2,\"alpha\":\"é日🙂\",\"data\":null}\n"));
    sink->end();

    SUBCASE("invalid UTF-8 becomes U+FFFD: the line stays valid JSON")
    {
        const auto line = rendered(Format::ndjson, {"s"}, {{std::string("ok\xC3(\xFF")}});
        CHECK(line == "{\"s\":\"ok\xEF\xBF\xBD(\xEF\xBF\xBD\"}\n");
        CHECK(json::parse(line)["s"] == "ok\xEF\xBF\xBD(\xEF\xBF\xBD");
    }
}

TEST_CASE("numbers render exactly")
{
    const auto i64 = std::numeric_limits<std::int64_t>::min();
    const auto u64 = std::numeric_limits<std::uint64_t>::max();
    const auto nan = std::numeric_limits<double>::quiet_NaN();
    const auto inf = std::numeric_limits<double>::infinity();
    const std::vector<std::vector<json>> rows{{i64, u64, 9007199254740993LL, 0.1, 100.0},
                                              {0.30000000000000004, 1e21, 1e-7, 5e-8, -0.0},
                                              {1.7976931348623157e308, 123456.789, nan, inf, -inf}};
    CHECK(rendered(Format::ndjson, {"a", "b", "c", "d", "e"}, rows) ==
          "{\"a\":-9223372036854775808,\"b\":18446744073709551615,\"c\":9007199254740993,\"d\":0.1,\"e\":100.0}\n"
          "{\"a\":0.30000000000000004,\"b\":1e+21,\"c\":0.0000001,\"d\":5e-08,\"e\":-0.0}\n"
          "{\"a\":1.7976931348623157e+308,\"b\":123456.789,\"c\":null,\"d\":null,\"e\":null}\n");
    CHECK(rendered(Format::csv, {"a", "b", "c", "d", "e"}, rows) ==
          "a,b,c,d,e\r\n"
          "-9223372036854775808,18446744073709551615,9007199254740993,0.1,100.0\r\n"
          "0.30000000000000004,1e+21,0.0000001,5e-08,-0.0\r\n"
          "1.7976931348623157e+308,123456.789,NaN,Infinity,-Infinity\r\n");
    // Every finite double reads back as itself.
    for (double d : {0.1, 1.0 / 3, 2.5e-300, 6.02214076e23, 1234567890.0123}) {
        CHECK(json::parse(rendered(Format::ndjson, {"d"}, {{d}}))["d"].get<double>() == d);
    }
}

TEST_CASE("csv sink")
{
    const std::vector<std::vector<json>> rows{
        {"a,b", "say \"hi\"", "two\nlines"}, {"", nullptr, json{{"k", "v,w"}}}, {true, 0, "plain"}};
    CHECK(rendered(Format::csv, {"x", "y,z", "w"}, rows) == "x,\"y,z\",w\r\n"
                                                            "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
                                                            "\"\",,\"{\"\"k\"\":\"\"v,w\"\"}\"\r\n"
                                                            "true,0,plain\r\n");
}

TEST_CASE("RowSink contract")
{
    std::ostringstream out;
    const auto sink = make_sink(out, Format::ndjson);
    CHECK_THROWS_AS(sink->row({1}), std::logic_error);
    CHECK_THROWS_WITH_AS(sink->begin({"a", "b", "a"}), "column 'a' is named twice", devlog::UsageError);
    const auto good = make_sink(out, Format::csv);
    good->begin({"a"});
    CHECK_THROWS_WITH_AS(good->row({1, 2}), "row has 2 values for 1 columns", std::invalid_argument);
    good->end();
    CHECK_THROWS_AS(good->end(), std::logic_error);
}

TEST_CASE("a failing stream stops the producer")
{
    FullBuffer full;
    std::ostream out(&full);
    for (Format format : {Format::json, Format::ndjson, Format::csv}) {
        out.clear();
        const auto sink = make_sink(out, format);
        CHECK_THROWS_WITH_AS(
            {
                sink->begin({"a"});
                sink->row({1});
            },
            "writing the output failed (disk full, or the reader stopped reading?)", devlog::Error);
    }
}

TEST_CASE("flush() pushes rows to the reader; rows alone leave it to the stream's buffer")
{
    CountingBuffer counter;
    std::ostream out(&counter);
    const auto sink = make_sink(out, Format::ndjson);
    sink->begin({"a"});
    sink->row({1});
    sink->row({2});
    CHECK(counter.syncs == 0);
    sink->flush();
    CHECK(counter.syncs == 1);
    sink->end();
    CHECK(counter.syncs == 2);
    CHECK(counter.bytes == 16);
}

TEST_CASE("streamed sinks hold no rows: memory stays flat however many rows pass")
{
    // 20,000 rows against a 64 KiB bound: keeping as little as 4 bytes a row would fail.
    for (Format format : {Format::json, Format::ndjson, Format::csv, Format::table}) {
        CAPTURE(format);
        const bool buffered = format == Format::table;
        const int rows = buffered ? 5000 : 20000;
        CountingBuffer counter;
        std::ostream out(&counter);
        const auto sink = make_sink(out, format);
        sink->begin(k_columns);
        push_rows(*sink, 1000); // reusable buffers reach their working size
        const std::size_t before = heap_in_use();
        push_rows(*sink, rows);
        const std::size_t after = heap_in_use();
        if (buffered) {
            // The table keeps every row until end(): this proves the measurement sees buffering.
            CHECK(after > before + 1000 * 1000);
        } else {
            CHECK(after < before + 64 * 1024);
            CHECK(counter.bytes > static_cast<std::uint64_t>(rows) * 100);
        }
        sink->end();
    }
}
