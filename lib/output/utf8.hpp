#pragma once
// UTF-8 text as a terminal shows it: code points, display columns, shortening with an ellipsis.

#include <cstddef>
#include <string>
#include <string_view>

namespace devlog::output {

// Decodes the code point that starts at TEXT[POS] and advances POS past it. An invalid or truncated
// sequence (overlong, surrogate, above U+10FFFF) yields U+FFFD and advances POS by one byte.
char32_t next_code_point(std::string_view text, std::size_t& pos);

// Columns a terminal uses for CP: 0 for combining marks and zero-width characters, 2 for East Asian
// wide and fullwidth characters and emoji, 1 otherwise (control characters included).
int code_point_width(char32_t cp);

// Columns TEXT takes on a terminal (invalid bytes count as one column each, as U+FFFD).
std::size_t display_width(std::string_view text);

// TEXT when it fits in WIDTH columns; otherwise its longest prefix that fits in WIDTH - 1 columns,
// cut between code points, followed by "…". WIDTH 0 gives "".
std::string fit_width(std::string_view text, std::size_t width);

// TEXT made safe to show on a terminal: tab, CR and LF become a space; other control characters
// (ESC included, so data cannot drive the terminal) and invalid bytes become U+FFFD.
std::string terminal_safe(std::string_view text);

} // namespace devlog::output
