#pragma once
// A connection string read by libpq's own parser, and the secrets in it that must never be shown.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace devlog::db {

// A connection string as the user gave it, read by libpq's own parser (PQconninfoParse), that
// knows its secrets: the password and sslpassword values and their forms in the input; for a string
// libpq cannot read, every part that could be one. Whatever is shown about a connection goes through it.
class ConnectionString
{
public:
    // Never throws: a malformed string gives valid() == false and an error() that hides its secrets.
    explicit ConnectionString(std::string_view raw);

    // libpq read it, and no part that reads as a password went elsewhere (a raw '/' or '@' in it).
    bool valid() const { return m_error.empty(); }
    // Why it is not valid, for people; never contains a secret. Empty when valid.
    const std::string& error() const { return m_error; }
    // The options libpq read (keyword -> value, only those given). Empty when not valid.
    const std::map<std::string, std::string>& options() const { return m_options; }
    // The string in the form given (URI or key=value, trimmed, scheme in lower case), secrets as "***".
    const std::string& redacted() const { return m_redacted; }
    // TEXT (a libpq or libpqxx message, anything derived from the string) with every secret as "***".
    std::string scrub(std::string_view text) const;

private:
    void mark_secrets(std::size_t uri_prefix);
    void mark_possible_secrets();
    void collect_secrets();
    std::string hide_parse_error(std::string_view libpq_message) const;

    std::string m_text; // the input, trimmed, its URI scheme in lower case
    std::map<std::string, std::string> m_options;
    std::vector<std::pair<std::size_t, std::size_t>> m_spans; // [begin, end) of secrets in m_text
    std::vector<std::string> m_secrets;                       // longest first
    std::string m_error;
    std::string m_redacted;
};

// OPTIONS (keyword -> value) as a key=value string that libpq reads back as they are.
std::string keyword_form(const std::map<std::string, std::string>& options);

} // namespace devlog::db
