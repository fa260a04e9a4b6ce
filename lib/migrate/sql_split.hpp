#pragma once
// Splits an SQL script into statements the way psql does, so each can run on its own and errors
// can name a line.

#include "lib/core/errors.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::migrate {

struct Statement
{
    std::string text; // the statement without its terminating ';', trimmed (leading comments kept)
    int line = 0;     // 1-based line of its first token in the script (FIRST_LINE-based)
    // For COPY ... FROM STDIN: the data lines that follow it up to the '\.' line, bytes as in the
    // script (each line ends in '\n'; the '\.' line is not included). Empty data is "".
    std::optional<std::string> copy_data;
};

// A statement as found by for_each_statement: the same, as views into the script (valid while
// the script is), so a big script is not copied.
struct StatementView
{
    std::string_view text;
    int line = 0;
    std::optional<std::string_view> copy_data;
};

// A script the splitter cannot take apart. what() is the reason without a place; line() is the
// 1-based line (FIRST_LINE-based) of the statement it is about.
class SplitError : public InputError
{
  public:
    SplitError(int line, const std::string& message) : InputError(message), m_line(line) {}
    int line() const noexcept { return m_line; }

  private:
    int m_line;
};

// Calls FN with each statement of SQL in order (see Statement), as psql would send them: ';' ends a statement
// outside quotes ('' with E'' escapes, "", $tag$), comments (--, nested /* */), parentheses and
// the BEGIN ... END (and CASE ... END) of a CREATE [OR REPLACE] FUNCTION|PROCEDURE body (BEGIN
// ATOMIC). A COPY ... FROM STDIN statement takes the lines after it up to a line '\.' as its data.
// Statements holding only whitespace and comments are skipped; a final one without ';' is kept.
// pg_dump's '\restrict' and '\unrestrict' lines between statements are skipped. Lines are
// counted from FIRST_LINE. Throws SplitError for another psql meta-command (\connect, \set, ...),
// COPY data without its '\.' line, or SQL after 'COPY ... FROM STDIN;' on its line. FN may
// throw; that ends the split.
void for_each_statement(std::string_view sql, int first_line, const std::function<void(const StatementView&)>& fn);

// All statements of SQL at once, as copies (see for_each_statement); a big script costs its size
// again.
std::vector<Statement> split_statements(std::string_view sql, int first_line = 1);

// How many bytes of STATEMENT (a Statement::text, which keeps its leading comments) come before
// its first token: whitespace, -- comments and nested /* */ comments.
std::size_t leading_trivia(std::string_view statement);

// When STATEMENT (a Statement::text) begins or ends a transaction, its command in upper case
// ("BEGIN", "START TRANSACTION", "COMMIT", "END", "ROLLBACK", "ABORT", "PREPARE TRANSACTION",
// "COMMIT PREPARED", "ROLLBACK PREPARED"); nullopt otherwise, also for SAVEPOINT, RELEASE and
// ROLLBACK [WORK | TRANSACTION] TO.
std::optional<std::string> transaction_control(std::string_view statement);

} // namespace devlog::migrate
