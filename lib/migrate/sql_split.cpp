#include "lib/migrate/sql_split.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace devlog::migrate {
namespace {

// Character classes of psql's lexer (src/fe_utils/psqlscan.l): identifiers may hold '$' and
// any byte >= 0x80; whitespace is [ \t\n\r\f].
bool is_ident_start(char c)
{
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}

bool is_ident_char(char c)
{
    return is_ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '$';
}

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// WORD equals UPPER (an upper-case ASCII keyword), ignoring case.
bool is_keyword(std::string_view word, std::string_view upper)
{
    return word.size() == upper.size() && std::equal(word.begin(), word.end(), upper.begin(), [](char a, char b) {
               return std::toupper(static_cast<unsigned char>(a)) == b;
           });
}

// Index just past the (nested) /* */ comment starting at POS; the end of SQL when it is unclosed.
std::size_t block_comment_end(std::string_view sql, std::size_t pos)
{
    int depth = 0;
    std::size_t j = pos;
    while (j < sql.size()) {
        if (sql[j] == '/' && j + 1 < sql.size() && sql[j + 1] == '*') {
            ++depth;
            j += 2;
        } else if (sql[j] == '*' && j + 1 < sql.size() && sql[j + 1] == '/') {
            j += 2;
            if (--depth == 0) {
                return j;
            }
        } else {
            ++j;
        }
    }
    return j;
}

// Length of a dollar-quote tag ("$$", "$body$") starting at POS, or 0 when there is none ("$1").
std::size_t dollar_tag_length(std::string_view sql, std::size_t pos)
{
    std::size_t i = pos + 1;
    if (i < sql.size() && sql[i] == '$') {
        return 2;
    }
    if (i >= sql.size() || !is_ident_start(sql[i])) {
        return 0;
    }
    while (i < sql.size() && is_ident_char(sql[i]) && sql[i] != '$') {
        ++i;
    }
    return (i < sql.size() && sql[i] == '$') ? i - pos + 1 : 0;
}

std::string_view trim(std::string_view s)
{
    std::size_t b = 0;
    std::size_t e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b])) != 0) {
        ++b;
    }
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])) != 0) {
        --e;
    }
    return s.substr(b, e - b);
}

// One pass over a script, with the state psql's lexer keeps to find where a statement ends.
class Splitter
{
  public:
    Splitter(std::string_view sql, int first_line, const std::function<void(const StatementView&)>& emit)
        : m_sql(sql), m_line(first_line), m_emit(emit)
    {
    }

    void run()
    {
        while (m_pos < m_sql.size()) {
            step();
        }
        if (m_start_line != 0) {
            StatementView statement{trim(m_sql.substr(m_start)), m_start_line, {}};
            if (m_copy && m_from_stdin) {
                statement.copy_data.emplace(); // psql: the end of the script ends the data
            }
            m_emit(statement);
        }
    }

  private:
    void step()
    {
        const char c = m_sql[m_pos];
        const char next = m_pos + 1 < m_sql.size() ? m_sql[m_pos + 1] : '\0';
        if (c == '\n') {
            ++m_line;
            ++m_pos;
        } else if (is_space(c)) {
            ++m_pos;
        } else if (c == '-' && next == '-') {
            m_pos = std::min(m_sql.find('\n', m_pos), m_sql.size());
        } else if (c == '/' && next == '*') {
            advance_to(block_comment_end(m_sql, m_pos));
        } else if (c == '\'' || c == '"') {
            other_token();
            skip_quoted(false);
        } else if (c == '$' && dollar_tag_length(m_sql, m_pos) > 0) {
            other_token();
            const std::string_view tag = m_sql.substr(m_pos, dollar_tag_length(m_sql, m_pos));
            const std::size_t close = m_sql.find(tag, m_pos + tag.size());
            advance_to(close == std::string_view::npos ? m_sql.size() : close + tag.size());
        } else if (is_ident_start(c)) {
            word();
        } else if (c == '\\') {
            meta_command();
        } else if (c == ';' && m_paren_depth == 0 && m_begin_depth == 0) {
            end_statement();
        } else {
            if (c == '(') {
                ++m_paren_depth;
            } else if (c == ')' && m_paren_depth > 0) {
                --m_paren_depth;
            }
            if (c != ';') {
                other_token();
            }
            ++m_pos;
        }
    }

    // A backslash outside quotes starts a psql meta-command, which runs to the end of the line.
    // pg_dump's \restrict and \unrestrict between statements only guard psql itself: skipped.
    // Others are refused.
    void meta_command()
    {
        std::size_t end = m_pos + 1;
        while (end < m_sql.size() && std::isalpha(static_cast<unsigned char>(m_sql[end])) != 0) {
            ++end;
        }
        const std::string_view command = m_sql.substr(m_pos + 1, std::max(end, m_pos + 2) - m_pos - 1); // or "\\."
        if ((command != "restrict" && command != "unrestrict") || m_start_line != 0) {
            throw SplitError(m_line, "psql meta-command '\\" + std::string(command) +
                                         "' is not SQL: devlogctl runs SQL only, so remove it");
        }
        m_pos = std::min(m_sql.find('\n', m_pos), m_sql.size());
        m_start = m_pos; // not part of the next statement's text
    }

    // Moves to TO, counting the lines passed.
    void advance_to(std::size_t to)
    {
        m_line += static_cast<int>(std::count(m_sql.begin() + static_cast<std::ptrdiff_t>(m_pos),
                                              m_sql.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
        m_pos = to;
    }

    void first_token()
    {
        if (m_start_line == 0) {
            m_start_line = m_line;
        }
    }

    void other_token()
    {
        first_token();
        m_after_from = false;
    }

    // A '' string (E'' when BACKSLASH_ESCAPES) or "" identifier starting at m_pos.
    void skip_quoted(bool backslash_escapes)
    {
        const char quote = m_sql[m_pos];
        std::size_t j = m_pos + 1;
        while (j < m_sql.size()) {
            if (backslash_escapes && m_sql[j] == '\\') {
                j += 2;
            } else if (m_sql[j] == quote) {
                if (j + 1 < m_sql.size() && m_sql[j + 1] == quote) {
                    j += 2; // doubled quote
                } else {
                    break;
                }
            } else {
                ++j;
            }
        }
        advance_to(std::min(j + 1, m_sql.size()));
    }

    // An identifier or keyword; psql watches a few of them (see track_body).
    void word()
    {
        std::size_t end = m_pos;
        while (end < m_sql.size() && is_ident_char(m_sql[end])) {
            ++end;
        }
        const std::string_view w = m_sql.substr(m_pos, end - m_pos);
        if (w.size() == 1 && (w[0] == 'e' || w[0] == 'E') && end < m_sql.size() && m_sql[end] == '\'') {
            other_token();
            m_pos = end;
            skip_quoted(true);
            return;
        }
        if (m_start_line == 0) {
            m_copy = is_keyword(w, "COPY");
        }
        first_token();
        m_pos = end;
        track_body(w);
        if (m_paren_depth == 0) {
            m_from_stdin = m_from_stdin || (m_after_from && is_keyword(w, "STDIN"));
            m_after_from = is_keyword(w, "FROM");
        } else {
            m_after_from = false;
        }
    }

    // psql's heuristic: in a statement that starts CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN
    // (and, inside it, CASE) opens a block that END closes; ';' inside a block ends nothing.
    void track_body(std::string_view w)
    {
        if (m_ident_count == 0) {
            m_idents.fill('\0');
        }
        const bool watched = is_keyword(w, "CREATE") || is_keyword(w, "FUNCTION") || is_keyword(w, "PROCEDURE") ||
                             is_keyword(w, "OR") || is_keyword(w, "REPLACE");
        if (watched && m_ident_count < static_cast<int>(m_idents.size())) {
            m_idents[static_cast<std::size_t>(m_ident_count)] =
                static_cast<char>(std::tolower(static_cast<unsigned char>(w[0])));
        }
        ++m_ident_count;
        const auto& id = m_idents;
        const bool routine = id[0] == 'c' && (id[1] == 'f' || id[1] == 'p' ||
                                              (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p')));
        if (!routine || m_paren_depth != 0) {
            return;
        }
        if (is_keyword(w, "BEGIN")) {
            ++m_begin_depth;
        } else if (is_keyword(w, "CASE")) {
            if (m_begin_depth >= 1) {
                ++m_begin_depth;
            }
        } else if (is_keyword(w, "END") && m_begin_depth > 0) {
            --m_begin_depth;
        }
    }

    // At a statement-ending ';'.
    void end_statement()
    {
        const std::size_t end = m_pos;
        ++m_pos;
        if (m_start_line != 0) {
            StatementView statement{trim(m_sql.substr(m_start, end - m_start)), m_start_line, {}};
            if (m_copy && m_from_stdin) {
                read_copy_data(statement);
            }
            m_emit(statement);
        }
        m_start = m_pos;
        m_start_line = 0;
        m_ident_count = 0;
        m_copy = false;
        m_from_stdin = false;
        m_after_from = false;
    }

    // As psql: the data starts on the line after 'COPY ... FROM STDIN;' and ends before a line
    // that is exactly '\.' (CR LF or LF).
    void read_copy_data(StatementView& statement)
    {
        std::size_t p = m_pos;
        while (p < m_sql.size() && m_sql[p] != '\n' && is_space(m_sql[p])) {
            ++p;
        }
        if (m_sql.substr(p, 2) == "--") {
            p = std::min(m_sql.find('\n', p), m_sql.size());
        }
        if (p < m_sql.size() && m_sql[p] != '\n') {
            throw SplitError(statement.line, "SQL after 'COPY ... FROM STDIN;' on the same line: its data starts "
                                             "on the next line, so put the SQL after the '\\.' line");
        }
        const std::size_t data = p + 1;
        for (std::size_t line = data; line < m_sql.size();) {
            const std::size_t eol = m_sql.find('\n', line);
            const std::size_t next = eol == std::string_view::npos ? m_sql.size() : eol + 1;
            const std::string_view text = m_sql.substr(line, std::min(eol, m_sql.size()) - line);
            if (text == "\\." || text == "\\.\r") {
                statement.copy_data = m_sql.substr(data, line - data);
                advance_to(next);
                return;
            }
            line = next;
        }
        throw SplitError(
            statement.line,
            "COPY ... FROM STDIN without the '\\.' line that ends its data: add it after the last data line");
    }

    std::string_view m_sql;
    std::size_t m_pos = 0;
    int m_line;
    const std::function<void(const StatementView&)>& m_emit;

    // The statement being read.
    std::size_t m_start = 0; // where its text begins
    int m_start_line = 0;    // line of its first token; 0: none yet
    int m_paren_depth = 0;
    int m_begin_depth = 0;
    int m_ident_count = 0;          // identifiers so far (psql's identifier_count)
    std::array<char, 4> m_idents{}; // first letters of the first CREATE/OR/REPLACE/FUNCTION/PROCEDURE
    bool m_copy = false;            // its first token is COPY
    bool m_after_from = false;      // the last token was FROM, outside parentheses
    bool m_from_stdin = false;      // FROM STDIN seen, outside parentheses
};

} // namespace

void for_each_statement(std::string_view sql, int first_line, const std::function<void(const StatementView&)>& fn)
{
    Splitter(sql, first_line, fn).run();
}

std::vector<Statement> split_statements(std::string_view sql, int first_line)
{
    std::vector<Statement> out;
    for_each_statement(sql, first_line, [&](const StatementView& s) {
        out.push_back(
            {std::string(s.text), s.line, s.copy_data ? std::optional<std::string>(*s.copy_data) : std::nullopt});
    });
    return out;
}

std::size_t leading_trivia(std::string_view statement)
{
    std::size_t i = 0;
    while (i < statement.size()) {
        if (is_space(statement[i])) {
            ++i;
        } else if (statement.substr(i, 2) == "--") {
            i = std::min(statement.find('\n', i), statement.size());
        } else if (statement.substr(i, 2) == "/*") {
            i = block_comment_end(statement, i);
        } else {
            break;
        }
    }
    return i;
}

std::optional<std::string> transaction_control(std::string_view statement)
{
    std::array<std::string_view, 3> w{};
    std::size_t count = 0;
    std::size_t i = 0;
    while (count < w.size() && i < statement.size()) {
        if (is_space(statement[i])) {
            ++i;
        } else if (statement.substr(i, 2) == "--") {
            i = std::min(statement.find('\n', i), statement.size());
        } else if (statement.substr(i, 2) == "/*") {
            i = block_comment_end(statement, i);
        } else if (is_ident_start(statement[i])) {
            const std::size_t start = i;
            while (i < statement.size() && is_ident_char(statement[i])) {
                ++i;
            }
            w[count++] = statement.substr(start, i - start);
        } else {
            break;
        }
    }
    const auto is = [&](std::size_t k, std::string_view keyword) { return k < count && is_keyword(w[k], keyword); };
    if (is(0, "BEGIN") || is(0, "END") || is(0, "ABORT")) {
        return std::string(is(0, "BEGIN") ? "BEGIN" : is(0, "END") ? "END" : "ABORT");
    }
    if ((is(0, "START") || is(0, "PREPARE")) && is(1, "TRANSACTION")) {
        return is(0, "START") ? "START TRANSACTION" : "PREPARE TRANSACTION";
    }
    if (is(0, "COMMIT")) {
        return is(1, "PREPARED") ? "COMMIT PREPARED" : "COMMIT";
    }
    if (is(0, "ROLLBACK")) {
        const bool to_savepoint = is(1, "TO") || ((is(1, "WORK") || is(1, "TRANSACTION")) && is(2, "TO"));
        if (to_savepoint) {
            return std::nullopt;
        }
        return is(1, "PREPARED") ? "ROLLBACK PREPARED" : "ROLLBACK";
    }
    return std::nullopt;
}

} // namespace devlog::migrate
