#include "lib/output/json_text.hpp"

#include "lib/output/utf8.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace devlog::output {
namespace {

template <typename T> void append_chars(std::string& out, T value)
{
    std::array<char, 32> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), result.ptr);
}

// A finite double in the shortest digits that round-trip (see append_json).
void append_double(std::string& out, double value)
{
    std::array<char, 64> buffer{};
    const double magnitude = std::fabs(value);
    const bool fixed = magnitude == 0.0 || (magnitude >= 1e-7 && magnitude < 1e21);
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                      fixed ? std::chars_format::fixed : std::chars_format::scientific);
    const std::string_view text(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data()));
    out += text;
    if (fixed && text.find('.') == std::string_view::npos) {
        out += ".0"; // keeps it a float for readers that tell 1 from 1.0 (nlohmann, Python)
    }
}

// Appends a number; returns false for NaN and infinities (callers spell those themselves).
bool append_number(std::string& out, const nlohmann::json& value)
{
    switch (value.type()) {
    case nlohmann::json::value_t::number_integer:
        append_chars(out, value.get<std::int64_t>());
        return true;
    case nlohmann::json::value_t::number_unsigned:
        append_chars(out, value.get<std::uint64_t>());
        return true;
    default: {
        const double d = value.get<double>();
        if (!std::isfinite(d)) {
            return false;
        }
        append_double(out, d);
        return true;
    }
    }
}

void append_newline_indent(std::string& out, int indent, int level)
{
    out += '\n';
    out.append(static_cast<std::size_t>(indent) * static_cast<std::size_t>(level), ' ');
}

} // namespace

void append_json_string(std::string& out, std::string_view text)
{
    static constexpr std::string_view k_hex = "0123456789abcdef";
    const auto plain = [](unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; };
    out += '"';
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t run = pos;
        while (run < text.size() && plain(static_cast<unsigned char>(text[run]))) {
            ++run;
        }
        out.append(text.data() + pos, run - pos);
        pos = run;
        if (pos == text.size()) {
            break;
        }
        const auto c = static_cast<unsigned char>(text[pos]);
        if (c >= 0x80) {
            const std::size_t start = pos;
            const char32_t cp = next_code_point(text, pos);
            if (cp == 0xFFFD && pos - start == 1) {
                out += "\xEF\xBF\xBD"; // an invalid byte
            } else {
                out.append(text.substr(start, pos - start));
            }
            continue;
        }
        ++pos;
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            out += "\\u00";
            out += k_hex[c >> 4];
            out += k_hex[c & 0xF];
        }
    }
    out += '"';
}

void append_json(std::string& out, const nlohmann::json& value, int indent, int level)
{
    using Type = nlohmann::json::value_t;
    switch (value.type()) {
    case Type::null:
        out += "null";
        return;
    case Type::boolean:
        out += value.get<bool>() ? "true" : "false";
        return;
    case Type::number_integer:
    case Type::number_unsigned:
    case Type::number_float:
        if (!append_number(out, value)) {
            out += "null"; // JSON has no NaN or infinity; nlohmann writes null too
        }
        return;
    case Type::string:
        append_json_string(out, value.get_ref<const std::string&>());
        return;
    case Type::object:
    case Type::array: {
        const bool object = value.is_object();
        if (value.empty()) {
            out += object ? "{}" : "[]";
            return;
        }
        out += object ? '{' : '[';
        bool first = true;
        for (const auto& item : value.items()) {
            if (!first) {
                out += ',';
            }
            first = false;
            if (indent >= 0) {
                append_newline_indent(out, indent, level + 1);
            }
            if (object) {
                append_json_string(out, item.key());
                out += indent >= 0 ? ": " : ":";
            }
            append_json(out, item.value(), indent, level + 1);
        }
        if (indent >= 0) {
            append_newline_indent(out, indent, level);
        }
        out += object ? '}' : ']';
        return;
    }
    case Type::binary:
    case Type::discarded:
        out += value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
    }
}

void append_cell_text(std::string& out, const nlohmann::json& value)
{
    if (value.is_null()) {
        return;
    }
    if (value.is_string()) {
        out += value.get_ref<const std::string&>();
        return;
    }
    if (value.is_number() && !append_number(out, value)) {
        const double d = value.get<double>();
        out += std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
        return;
    }
    if (!value.is_number()) {
        append_json(out, value);
    }
}

std::string cell_text(const nlohmann::json& value)
{
    std::string out;
    append_cell_text(out, value);
    return out;
}

} // namespace devlog::output
