#include "lib/output/utf8.hpp"

#include <doctest/doctest.h>

using namespace devlog::output;

TEST_CASE("next_code_point")
{
    const auto decode_all = [](std::string_view text) {
        std::u32string out;
        for (std::size_t pos = 0; pos < text.size();) {
            out += next_code_point(text, pos);
        }
        return out;
    };
    CHECK(decode_all("aé日🙂") == U"aé日🙂");
    CHECK(decode_all("\xC0\xAF") == U"\uFFFD\uFFFD");                     // overlong '/'
    CHECK(decode_all("\xED\xA0\x80") == U"\uFFFD\uFFFD\uFFFD");           // a surrogate
    CHECK(decode_all("\xF4\x90\x80\x80") == U"\uFFFD\uFFFD\uFFFD\uFFFD"); // above U+10FFFF
    CHECK(decode_all("\xE6\x97") == U"\uFFFD\uFFFD");                     // truncated
    CHECK(decode_all("\xE6(") == U"\uFFFD(");
}

TEST_CASE("display_width")
{
    CHECK(display_width("") == 0);
    CHECK(display_width("abc") == 3);
    CHECK(display_width("héllo") == 5);
    CHECK(display_width("e\xCC\x81") == 1); // e + combining acute
    CHECK(display_width("日本語") == 6);
    CHECK(display_width("한국") == 4);
    CHECK(display_width("ＡＢ") == 4);         // fullwidth forms
    CHECK(display_width("🙂👍🏽") == 4); // emoji; the skin tone modifier takes no column
    CHECK(display_width("a\xFF") == 2);        // an invalid byte shows as U+FFFD
    CHECK(display_width("a\u200Bb") == 2);     // zero-width space
}

TEST_CASE("fit_width")
{
    CHECK(fit_width("short", 10) == "short");
    CHECK(fit_width("exactly10!", 10) == "exactly10!");
    CHECK(fit_width("exactly 11!", 10) == "exactly 1…");
    CHECK(fit_width("日本語テキスト", 6) == "日本…"); // 4 columns + "…"; a third wide char would not fit
    CHECK(fit_width("日本語テキスト", 5) == "日本…");
    CHECK(fit_width("é"
                    "e\xCC\x81"
                    "xyz",
                    3) == "ée\xCC\x81…"); // never splits a code point
    CHECK(fit_width("abc", 1) == "…");
    CHECK(fit_width("abc", 0) == "");
    CHECK(fit_width("{\"filePath\":\"src/a.ts\",\"tokens\":12}", 16) == "{\"filePath\":\"sr…");
}

TEST_CASE("terminal_safe")
{
    CHECK(terminal_safe("plain é") == "plain é");
    CHECK(terminal_safe("a\tb\r\nc") == "a b  c");
    CHECK(terminal_safe("\x1b[31mred\x1b[0m") == "\uFFFD[31mred\uFFFD[0m");
    CHECK(terminal_safe("\x7f\xC2\x9B") == "\uFFFD\uFFFD"); // DEL and the C1 CSI
    CHECK(terminal_safe("bad\xFF") == "bad\uFFFD");
}
