#include "lib/migrate/sql_split.hpp"

#include <cctype>

namespace devlog::migrate {
namespace {

bool is_ident_char(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
}

bool is_ident_start(char c)
{
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

// Length of a dollar-quote tag ("$$", "$body$") starting at POS, or 0 when there is none.
std::size_t dollar_tag_length(std::string_view sql, std::size_t pos)
{
    if (pos > 0 && is_ident_char(sql[pos - 1])) {
        return 0; // "a$b$" is an identifier, not a quote
    }
    std::size_t i = pos + 1;
    if (i < sql.size() && sql[i] == '$') {
        return 2;
    }
    if (i >= sql.size() || !is_ident_start(sql[i])) {
        return 0; // "$1" is a parameter
    }
    while (i < sql.size() && is_ident_char(sql[i]) && sql[i] != '$') {
        ++i;
    }
    return (i < sql.size() && sql[i] == '$') ? i - pos + 1 : 0;
}

std::string trim(std::string_view s)
{
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])) != 0) {
        ++b;
    }
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])) != 0) {
        --e;
    }
    return std::string(s.substr(b, e - b));
}

} // namespace

std::vector<Statement> split_statements(std::string_view sql, int first_line)
{
    std::vector<Statement> out;
    std::size_t start = 0;    // where the current statement's text begins
    int line = first_line;    // current line
    int start_line = 0;       // line of the current statement's first token; 0 = none yet
    std::size_t i = 0;

    auto count_lines = [&](std::size_t from, std::size_t to) {
        for (std::size_t k = from; k < to && k < sql.size(); ++k) {
            if (sql[k] == '\n') {
                ++line;
            }
        }
    };
    auto token = [&] {
        if (start_line == 0) {
            start_line = line;
        }
    };
    auto finish = [&](std::size_t end) {
        if (start_line != 0) {
            out.push_back({trim(sql.substr(start, end - start)), start_line, std::nullopt});
        }
        start_line = 0;
    };

    while (i < sql.size()) {
        const char c = sql[i];
        const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
        if (c == '\n') {
            ++line;
            ++i;
        } else if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            ++i;
        } else if (c == '-' && next == '-') {
            while (i < sql.size() && sql[i] != '\n') {
                ++i;
            }
        } else if (c == '/' && next == '*') {
            int depth = 0;
            std::size_t j = i;
            while (j < sql.size()) {
                if (sql[j] == '/' && j + 1 < sql.size() && sql[j + 1] == '*') {
                    ++depth;
                    j += 2;
                } else if (sql[j] == '*' && j + 1 < sql.size() && sql[j + 1] == '/') {
                    j += 2;
                    if (--depth == 0) {
                        break;
                    }
                } else {
                    ++j;
                }
            }
            count_lines(i, j);
            i = j;
        } else if (c == '\'' || c == '"') {
            token();
            const bool backslash_escapes = c == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e') &&
                                           (i < 2 || !is_ident_char(sql[i - 2]));
            std::size_t j = i + 1;
            while (j < sql.size()) {
                if (backslash_escapes && sql[j] == '\\') {
                    j += 2;
                } else if (sql[j] == c) {
                    if (j + 1 < sql.size() && sql[j + 1] == c) {
                        j += 2; // doubled quote
                    } else {
                        break;
                    }
                } else {
                    ++j;
                }
            }
            j = std::min(j + 1, sql.size());
            count_lines(i, j);
            i = j;
        } else if (c == '$' && dollar_tag_length(sql, i) > 0) {
            token();
            const std::size_t tag_length = dollar_tag_length(sql, i);
            const std::string_view tag = sql.substr(i, tag_length);
            const std::size_t close = sql.find(tag, i + tag_length);
            const std::size_t j = close == std::string_view::npos ? sql.size() : close + tag_length;
            count_lines(i, j);
            i = j;
        } else if (c == ';') {
            finish(i);
            ++i;
            start = i;
        } else {
            token();
            ++i;
        }
    }
    finish(sql.size());
    return out;
}

} // namespace devlog::migrate
