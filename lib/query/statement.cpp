#include "lib/query/statement.hpp"

#include "lib/db/pq.hpp"

#include <fmt/format.h>

#include <cctype>

namespace devlog::query {

std::string Statement::bind(db::Param value)
{
    params.push_back(std::move(value));
    return fmt::format("${}", params.size());
}

std::string Statement::inlined() const
{
    std::string out;
    out.reserve(text.size());
    bool quoted = false; // inside a '...' literal, where $1 is text
    for (std::size_t i = 0; i < text.size(); ++i) {
        quoted = text[i] == '\'' ? !quoted : quoted;
        if (quoted || text[i] != '$' || i + 1 >= text.size() ||
            std::isdigit(static_cast<unsigned char>(text[i + 1])) == 0) {
            out += text[i];
            continue;
        }
        std::size_t end = i + 1;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])) != 0) {
            ++end;
        }
        const std::size_t n = std::stoul(text.substr(i + 1, end - i - 1));
        if (n == 0 || n > params.size()) {
            out.append(text, i, end - i);
        } else {
            out += params[n - 1] ? db::quote_literal(*params[n - 1]) : "NULL";
        }
        i = end - 1;
    }
    return out;
}

std::string Statement::describe() const
{
    std::string out = text;
    if (!out.empty() && out.back() != '\n') {
        out += '\n';
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
        out += fmt::format("-- ${} = {}\n", i + 1, params[i] ? *params[i] : "NULL");
    }
    return out;
}

std::string array_literal(const std::vector<std::string>& values)
{
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); ++i) {
        out += i ? ",\"" : "\"";
        for (const char c : values[i]) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

} // namespace devlog::query
