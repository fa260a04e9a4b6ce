#include "lib/core/errors.hpp"
#include "lib/importer/records.hpp"

#include <doctest/doctest.h>
#include <zlib.h>
#include <zstd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

using namespace devlog;
using namespace devlog::importer;

namespace {

// A file in a temp directory, removed at the end.
class TempFile
{
public:
    explicit TempFile(const std::string& content, const std::string& suffix = ".txt")
    {
        static std::atomic<int> counter{0};
        m_path = std::filesystem::temp_directory_path() /
                 ("devlog-records-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + suffix);
        std::ofstream(m_path, std::ios::binary) << content;
    }
    ~TempFile() { std::filesystem::remove(m_path); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    std::string path() const { return m_path.string(); }

private:
    std::filesystem::path m_path;
};

struct Line
{
    std::uint64_t line;
    std::string text; // "<too long>" for a skipped record
    bool operator==(const Line&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Line& l)
{
    return out << l.line << ":" << l.text;
}

std::vector<Line> read_all(const std::string& path, std::optional<InputFormat> format, std::size_t max = 1 << 20,
                           InputFormat* detected = nullptr)
{
    auto source = ByteSource::open(path);
    RecordReader reader(*source, format, max);
    if (detected != nullptr) {
        *detected = reader.format();
    }
    std::vector<Line> out;
    Record record;
    while (reader.next(record)) {
        REQUIRE((record.too_long || record.capacity >= record.text.size() + k_record_padding));
        out.push_back({record.line, record.too_long ? "<too long>" : std::string(record.text)});
    }
    return out;
}

std::string gzip(const std::string& text)
{
    std::string out(compressBound(static_cast<uLong>(text.size())) + 64, '\0');
    z_stream z{};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

std::string zstd(const std::string& text)
{
    std::string out(ZSTD_compressBound(text.size()), '\0');
    out.resize(ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3));
    return out;
}

} // namespace

TEST_CASE("RecordReader: NDJSON")
{
    SUBCASE("lines, blank and comment lines skipped, CRLF, BOM, no final newline")
    {
        TempFile f("\xEF\xBB\xBF{\"a\":1}\r\n\n  \r\n# a comment\n{\"b\":2}\n{\"c\":3}", ".ndjson");
        CHECK(read_all(f.path(), std::nullopt) ==
              std::vector<Line>{{1, "{\"a\":1}"}, {5, "{\"b\":2}"}, {6, "{\"c\":3}"}});
    }
    SUBCASE("a line over the limit is skipped whole, and the next one is read")
    {
        TempFile f("{\"a\":1}\n{\"long\":\"" + std::string(300, 'x') + "\"}\n{\"b\":2}\n");
        CHECK(read_all(f.path(), InputFormat::ndjson, 100) ==
              std::vector<Line>{{1, "{\"a\":1}"}, {2, "<too long>"}, {3, "{\"b\":2}"}});
    }
    SUBCASE("a limit smaller than the read buffer, and records crossing reads")
    {
        std::string text;
        for (int i = 0; i < 5000; ++i) {
            text += "{\"i\":" + std::to_string(i) + ",\"pad\":\"" + std::string(static_cast<std::size_t>(i % 97), 'p') + "\"}\n";
        }
        TempFile f(text);
        const auto lines = read_all(f.path(), InputFormat::ndjson, 200);
        REQUIRE(lines.size() == 5000);
        CHECK(lines[4999] == Line{5000, "{\"i\":4999,\"pad\":\"" + std::string(4999 % 97, 'p') + "\"}"});
    }
    SUBCASE("gzip (two members) and zstd, whatever the name")
    {
        TempFile gz(gzip("{\"a\":1}\n") + gzip("{\"b\":2}\n"), ".data");
        CHECK(read_all(gz.path(), InputFormat::ndjson) == std::vector<Line>{{1, "{\"a\":1}"}, {2, "{\"b\":2}"}});
        TempFile zst(zstd("{\"a\":1}\n{\"b\":2}"), ".ndjson.zst");
        InputFormat format{};
        CHECK(read_all(zst.path(), std::nullopt, 1 << 20, &format) ==
              std::vector<Line>{{1, "{\"a\":1}"}, {2, "{\"b\":2}"}});
        CHECK(format == InputFormat::ndjson);
    }
    SUBCASE("a truncated gzip file is an error")
    {
        const std::string whole = gzip(std::string(10000, 'x') + "\n");
        TempFile gz(whole.substr(0, whole.size() / 2), ".gz");
        CHECK_THROWS_WITH_AS(read_all(gz.path(), InputFormat::ndjson),
                             ("cannot read " + gz.path() + ": the gzip data ends early (truncated file?)").c_str(),
                             InputError);
    }
}

TEST_CASE("RecordReader: CSV")
{
    TempFile f("a,b\r\n1,\"two\nlines\"\r\n\r\n3,\"say \"\"hi\"\"\"\r\n4,x");
    InputFormat format{};
    CHECK(read_all(f.path(), std::nullopt, 1 << 20, &format) ==
          std::vector<Line>{{1, "a,b"}, {2, "1,\"two\nlines\""}, {5, "3,\"say \"\"hi\"\"\""}, {6, "4,x"}});
    CHECK(format == InputFormat::csv);
}

TEST_CASE("RecordReader: JSON array")
{
    SUBCASE("elements over several lines, found by the first byte")
    {
        TempFile f("  [\n  {\"a\": [1, {\"b\": \"]},\"}]},\n  {\"c\":\n 2}\n  , \"s\", 3\n]\n", ".json");
        InputFormat format{};
        CHECK(read_all(f.path(), std::nullopt, 1 << 20, &format) ==
              std::vector<Line>{{2, "{\"a\": [1, {\"b\": \"]},\"}]}"}, {3, "{\"c\":\n 2}"}, {5, "\"s\""}, {5, "3"}});
        CHECK(format == InputFormat::json_array);
    }
    SUBCASE("empty")
    {
        TempFile f("[]");
        CHECK(read_all(f.path(), InputFormat::json_array).empty());
    }
    SUBCASE("an element over the limit")
    {
        TempFile f("[{\"a\":\"" + std::string(500, 'x') + "\"},{\"b\":1}]");
        CHECK(read_all(f.path(), InputFormat::json_array, 100) == std::vector<Line>{{1, "<too long>"}, {1, "{\"b\":1}"}});
    }
    SUBCASE("what is not an array")
    {
        TempFile no_bracket("{\"a\":1}");
        CHECK_THROWS_WITH_AS(read_all(no_bracket.path(), InputFormat::json_array),
                             (no_bracket.path() + ":1: not a JSON array (it should start with '[')").c_str(), InputError);
        TempFile truncated("[\n{\"a\":1},\n{\"b\":");
        CHECK_THROWS_WITH_AS(read_all(truncated.path(), InputFormat::json_array),
                             (truncated.path() + ":3: the JSON array ends inside an element (truncated file?)").c_str(),
                             InputError);
        TempFile unclosed("[{\"a\":1}\n");
        CHECK_THROWS_WITH_AS(read_all(unclosed.path(), InputFormat::json_array),
                             (unclosed.path() + ":2: the JSON array ends early: ']' is missing (truncated file?)").c_str(),
                             InputError);
        TempFile missing_comma("[{\"a\":1} {\"b\":2}]");
        CHECK_THROWS_WITH_AS(read_all(missing_comma.path(), InputFormat::json_array),
                             (missing_comma.path() + ":1: expected ',' or ']' after an element of the JSON array").c_str(),
                             InputError);
        TempFile trailing("[{\"a\":1}] x");
        CHECK_THROWS_WITH_AS(read_all(trailing.path(), InputFormat::json_array),
                             (trailing.path() + ":1: text after the end of the JSON array").c_str(), InputError);
    }
}

TEST_CASE("format_from_name")
{
    CHECK(format_from_name("x.ndjson") == InputFormat::ndjson);
    CHECK(format_from_name("x.JSONL.gz") == InputFormat::ndjson);
    CHECK(format_from_name("x.csv.zst") == InputFormat::csv);
    CHECK_FALSE(format_from_name("x.json").has_value());
    CHECK_FALSE(format_from_name("-").has_value());
}

TEST_CASE("ByteSource: a missing file")
{
    CHECK_THROWS_WITH_AS(ByteSource::open("/nonexistent/x.ndjson"), "cannot open /nonexistent/x.ndjson: No such file or directory",
                         InputError);
}
