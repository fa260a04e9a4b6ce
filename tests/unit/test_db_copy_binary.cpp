#include "lib/db/copy_binary.hpp"

#include <doctest/doctest.h>

#include <array>
#include <string>

using devlog::db::CopyBuffer;

namespace {
std::string bytes(std::initializer_list<int> values)
{
    std::string out;
    for (int v : values) {
        out.push_back(static_cast<char>(v));
    }
    return out;
}
} // namespace

TEST_CASE("CopyBuffer: PostgreSQL's binary COPY layout")
{
    CHECK(CopyBuffer::header() == std::string_view("PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0", 19));
    CHECK(CopyBuffer::trailer() == "\xff\xff");

    CopyBuffer buffer;
    buffer.begin_row(3);
    buffer.add_int4(-2);
    buffer.add_null();
    buffer.add_text("hé");
    CHECK(buffer.rows() == bytes({0, 3, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 3, 'h', 0xc3, 0xa9}));

    SUBCASE("timestamptz counts microseconds from 2000-01-01")
    {
        buffer.clear();
        buffer.add_timestamptz(946'684'800'000'001); // 2000-01-01 00:00:00.000001 UTC
        CHECK(buffer.rows() == bytes({0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1}));
        buffer.clear();
        buffer.add_timestamptz(0); // 1970: before PostgreSQL's epoch
        CHECK(buffer.rows() == bytes({0, 0, 0, 8, 0xff, 0xfc, 0xa2, 0xfe, 0xc4, 0xc8, 0x20, 0x00}));
    }
    SUBCASE("uuid is 16 raw bytes, jsonb a version byte and the text")
    {
        buffer.clear();
        buffer.add_uuid(*devlog::Uuid::parse("00112233-4455-6677-8899-aabbccddeeff"));
        buffer.add_jsonb("{}");
        CHECK(buffer.rows() == bytes({0, 0, 0, 16, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
                                      0xbb, 0xcc, 0xdd, 0xee, 0xff, 0, 0, 0, 3, 1, '{', '}'}));
    }
    SUBCASE("text[]: dimensions, element type 25, each element with its length")
    {
        buffer.clear();
        const std::array<std::string_view, 2> tags = {"a", "bc"};
        buffer.add_text_array(tags);
        CHECK(buffer.rows() == bytes({0, 0, 0, 31, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 25, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0,
                                      1, 'a', 0, 0, 0, 2, 'b', 'c'}));
        buffer.clear();
        buffer.add_text_array({});
        CHECK(buffer.rows() == bytes({0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 25}));
    }
}
