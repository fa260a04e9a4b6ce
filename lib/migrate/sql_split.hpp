#pragma once
// Splits an SQL script into statements, so each can run on its own and errors can name a line.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::migrate {

struct Statement
{
    std::string text; // the statement without its terminating ';', trimmed
    int line;         // 1-based line of its first token in the script (FIRST_LINE-based)
    std::optional<std::string> copy_data; // COPY ... FROM STDIN: the data lines that follow it
};

// Splits SQL on ';' outside single-quoted strings (E'' with backslash escapes), quoted
// identifiers, dollar-quoted bodies ($$ ... $$, $tag$ ... $tag$), -- comments and nested /* */
// comments. Statements holding only whitespace and comments are dropped. A final statement
// without ';' is kept. Lines are counted from FIRST_LINE. BEGIN ATOMIC bodies are not understood.
std::vector<Statement> split_statements(std::string_view sql, int first_line = 1);

} // namespace devlog::migrate
