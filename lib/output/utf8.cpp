#include "lib/output/utf8.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace devlog::output {
namespace {

constexpr char32_t k_replacement = 0xFFFD;
constexpr std::string_view k_ellipsis = "…";
constexpr std::string_view k_replacement_utf8 = "\xEF\xBF\xBD";

using Range = std::pair<char32_t, char32_t>;

// Combining marks and zero-width characters (the common blocks; not every Mn code point), and the
// emoji skin-tone modifiers U+1F3FB..U+1F3FF, which join the emoji before them.
constexpr std::array k_zero_width{
    Range{0x0300, 0x036F}, Range{0x0483, 0x0489},   Range{0x0591, 0x05BD},   Range{0x0610, 0x061A},
    Range{0x064B, 0x065F}, Range{0x0E31, 0x0E31},   Range{0x0E34, 0x0E3A},   Range{0x0E47, 0x0E4E},
    Range{0x1AB0, 0x1AFF}, Range{0x1DC0, 0x1DFF},   Range{0x200B, 0x200F},   Range{0x202A, 0x202E},
    Range{0x2060, 0x2064}, Range{0x20D0, 0x20FF},   Range{0xFE00, 0xFE0F},   Range{0xFE20, 0xFE2F},
    Range{0xFEFF, 0xFEFF}, Range{0x1F3FB, 0x1F3FF}, Range{0xE0000, 0xE007F}, Range{0xE0100, 0xE01EF},
};

// East Asian Wide and Fullwidth (Unicode 15 EastAsianWidth.txt W/F), emoji presentation included.
constexpr std::array k_wide{
    Range{0x1100, 0x115F},   Range{0x231A, 0x231B},   Range{0x2329, 0x232A},   Range{0x23E9, 0x23EC},
    Range{0x23F0, 0x23F0},   Range{0x23F3, 0x23F3},   Range{0x25FD, 0x25FE},   Range{0x2614, 0x2615},
    Range{0x2648, 0x2653},   Range{0x267F, 0x267F},   Range{0x2693, 0x2693},   Range{0x26A1, 0x26A1},
    Range{0x26AA, 0x26AB},   Range{0x26BD, 0x26BE},   Range{0x26C4, 0x26C5},   Range{0x26CE, 0x26CE},
    Range{0x26D4, 0x26D4},   Range{0x26EA, 0x26EA},   Range{0x26F2, 0x26F3},   Range{0x26F5, 0x26F5},
    Range{0x26FA, 0x26FA},   Range{0x26FD, 0x26FD},   Range{0x2705, 0x2705},   Range{0x270A, 0x270B},
    Range{0x2728, 0x2728},   Range{0x274C, 0x274C},   Range{0x274E, 0x274E},   Range{0x2753, 0x2755},
    Range{0x2757, 0x2757},   Range{0x2795, 0x2797},   Range{0x27B0, 0x27B0},   Range{0x27BF, 0x27BF},
    Range{0x2B1B, 0x2B1C},   Range{0x2B50, 0x2B50},   Range{0x2B55, 0x2B55},   Range{0x2E80, 0x303E},
    Range{0x3041, 0x3247},   Range{0x3250, 0x33FF},   Range{0x3400, 0x4DBF},   Range{0x4E00, 0x9FFF},
    Range{0xA000, 0xA4CF},   Range{0xA960, 0xA97F},   Range{0xAC00, 0xD7A3},   Range{0xF900, 0xFAFF},
    Range{0xFE10, 0xFE19},   Range{0xFE30, 0xFE6F},   Range{0xFF00, 0xFF60},   Range{0xFFE0, 0xFFE6},
    Range{0x16FE0, 0x16FE4}, Range{0x16FF0, 0x16FF1}, Range{0x17000, 0x18CD5}, Range{0x18D00, 0x18D08},
    Range{0x1AFF0, 0x1AFF3}, Range{0x1AFF5, 0x1AFFB}, Range{0x1AFFD, 0x1AFFE}, Range{0x1B000, 0x1B2FB},
    Range{0x1F004, 0x1F004}, Range{0x1F0CF, 0x1F0CF}, Range{0x1F18E, 0x1F18E}, Range{0x1F191, 0x1F19A},
    Range{0x1F200, 0x1F202}, Range{0x1F210, 0x1F23B}, Range{0x1F240, 0x1F248}, Range{0x1F250, 0x1F251},
    Range{0x1F260, 0x1F265}, Range{0x1F300, 0x1F320}, Range{0x1F32D, 0x1F335}, Range{0x1F337, 0x1F37C},
    Range{0x1F37E, 0x1F393}, Range{0x1F3A0, 0x1F3CA}, Range{0x1F3CF, 0x1F3D3}, Range{0x1F3E0, 0x1F3F0},
    Range{0x1F3F4, 0x1F3F4}, Range{0x1F3F8, 0x1F3FA}, Range{0x1F400, 0x1F43E}, Range{0x1F440, 0x1F440},
    Range{0x1F442, 0x1F4FC}, Range{0x1F4FF, 0x1F53D}, Range{0x1F54B, 0x1F54E}, Range{0x1F550, 0x1F567},
    Range{0x1F57A, 0x1F57A}, Range{0x1F595, 0x1F596}, Range{0x1F5A4, 0x1F5A4}, Range{0x1F5FB, 0x1F64F},
    Range{0x1F680, 0x1F6C5}, Range{0x1F6CC, 0x1F6CC}, Range{0x1F6D0, 0x1F6D2}, Range{0x1F6D5, 0x1F6D7},
    Range{0x1F6DC, 0x1F6DF}, Range{0x1F6EB, 0x1F6EC}, Range{0x1F6F4, 0x1F6FC}, Range{0x1F7E0, 0x1F7EB},
    Range{0x1F7F0, 0x1F7F0}, Range{0x1F90C, 0x1F93A}, Range{0x1F93C, 0x1F945}, Range{0x1F947, 0x1F9FF},
    Range{0x1FA70, 0x1FAFF}, Range{0x20000, 0x2FFFD}, Range{0x30000, 0x3FFFD},
};

template <std::size_t N> bool in(const std::array<Range, N>& ranges, char32_t cp)
{
    const auto it = std::upper_bound(ranges.begin(), ranges.end(), cp,
                                     [](char32_t value, const Range& r) { return value < r.first; });
    return it != ranges.begin() && cp <= std::prev(it)->second;
}

bool is_control(char32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

} // namespace

char32_t next_code_point(std::string_view text, std::size_t& pos)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(pos);
    if (lead < 0x80) {
        ++pos;
        return lead;
    }
    std::size_t length = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, cp = lead & 0x1Fu, min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, cp = lead & 0x0Fu, min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, cp = lead & 0x07u, min = 0x10000;
    } else {
        ++pos;
        return k_replacement;
    }
    if (pos + length > text.size()) {
        ++pos;
        return k_replacement;
    }
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(pos + i) & 0xC0u) != 0x80) {
            ++pos;
            return k_replacement;
        }
        cp = (cp << 6) | (byte(pos + i) & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++pos;
        return k_replacement;
    }
    pos += length;
    return cp;
}

int code_point_width(char32_t cp)
{
    if (cp < 0x300) {
        return 1;
    }
    if (in(k_zero_width, cp)) {
        return 0;
    }
    return in(k_wide, cp) ? 2 : 1;
}

std::size_t display_width(std::string_view text)
{
    std::size_t width = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        if (static_cast<unsigned char>(text[pos]) < 0x80) { // ASCII fast path
            ++pos;
            ++width;
            continue;
        }
        width += static_cast<std::size_t>(code_point_width(next_code_point(text, pos)));
    }
    return width;
}

std::string fit_width(std::string_view text, std::size_t width)
{
    if (display_width(text) <= width) {
        return std::string(text);
    }
    if (width == 0) {
        return {};
    }
    std::size_t used = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t next = pos;
        const auto w = static_cast<std::size_t>(code_point_width(next_code_point(text, next)));
        if (used + w > width - 1) {
            break;
        }
        used += w;
        pos = next;
    }
    std::string out(text.substr(0, pos));
    out += k_ellipsis;
    return out;
}

std::string terminal_safe(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t start = pos;
        const char32_t cp = next_code_point(text, pos);
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            out.push_back(' ');
        } else if (is_control(cp) || (cp == k_replacement && pos - start == 1)) {
            out += k_replacement_utf8;
        } else {
            out.append(text.substr(start, pos - start));
        }
    }
    return out;
}

} // namespace devlog::output
