#include "lib/output/table.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace devlog::output {
namespace {

std::string cell_text(const nlohmann::json& value)
{
    if (value.is_null()) {
        return "";
    }
    if (value.is_string()) {
        return value.get<std::string>();
    }
    return value.dump();
}

std::string csv_field(const std::string& text)
{
    if (text.find_first_of(",\"\r\n") == std::string::npos) {
        return text;
    }
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') {
            out.push_back('"');
        }
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

// Display width of UTF-8 TEXT (code points; good enough for the ASCII-heavy data we print).
std::size_t width(const std::string& text)
{
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

nlohmann::ordered_json row_object(const Table& table, const std::vector<nlohmann::json>& row)
{
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        object[table.columns[i]] = i < row.size() ? row[i] : nlohmann::json();
    }
    return object;
}

} // namespace

Format parse_format(std::string_view text)
{
    if (text == "table") {
        return Format::table;
    }
    if (text == "json") {
        return Format::json;
    }
    if (text == "ndjson") {
        return Format::ndjson;
    }
    if (text == "csv") {
        return Format::csv;
    }
    throw UsageError(fmt::format("unknown output format '{}'", text), "use one of: table, json, ndjson, csv");
}

void render(std::ostream& out, const Table& table, Format format, const RenderOptions& options)
{
    switch (format) {
    case Format::json: {
        nlohmann::ordered_json array = nlohmann::ordered_json::array();
        for (const auto& row : table.rows) {
            array.push_back(row_object(table, row));
        }
        out << array.dump(2) << '\n';
        return;
    }
    case Format::ndjson:
        for (const auto& row : table.rows) {
            out << row_object(table, row).dump() << '\n';
        }
        return;
    case Format::csv: {
        for (std::size_t i = 0; i < table.columns.size(); ++i) {
            out << (i ? "," : "") << csv_field(table.columns[i]);
        }
        out << "\r\n";
        for (const auto& row : table.rows) {
            for (std::size_t i = 0; i < table.columns.size(); ++i) {
                out << (i ? "," : "") << csv_field(i < row.size() ? cell_text(row[i]) : "");
            }
            out << "\r\n";
        }
        return;
    }
    case Format::table: {
        std::vector<std::vector<std::string>> cells;
        std::vector<std::size_t> widths;
        for (const auto& column : table.columns) {
            widths.push_back(width(column));
        }
        for (const auto& row : table.rows) {
            auto& line = cells.emplace_back();
            for (std::size_t i = 0; i < table.columns.size(); ++i) {
                line.push_back(i < row.size() ? cell_text(row[i]) : "");
                widths[i] = std::max(widths[i], width(line.back()));
            }
        }
        auto print_line = [&](const std::vector<std::string>& line, bool header) {
            std::string text;
            for (std::size_t i = 0; i < line.size(); ++i) {
                text += line[i];
                if (i + 1 < line.size()) {
                    text += std::string(widths[i] - width(line[i]) + 2, ' ');
                }
            }
            if (header && options.color) {
                out << "\033[1m" << text << "\033[0m\n";
            } else {
                out << text << '\n';
            }
        };
        print_line(table.columns, true);
        for (const auto& line : cells) {
            print_line(line, false);
        }
        return;
    }
    }
}

} // namespace devlog::output
