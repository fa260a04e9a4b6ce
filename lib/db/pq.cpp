#include "lib/db/pq.hpp"

#include <fmt/format.h>

namespace devlog::db {

std::string quote_name(std::string_view name)
{
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') {
            out.push_back('"');
        }
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

std::string server_message_of(const std::exception& e)
{
    std::string text = e.what();
    if (auto nl = text.find('\n'); nl != std::string::npos) {
        text.resize(nl);
    }
    for (const char* prefix : {"ERROR:  ", "FATAL:  "}) {
        if (text.starts_with(prefix)) {
            text = text.substr(std::char_traits<char>::length(prefix));
        }
    }
    return text;
}

SqlError to_sql_error(const pqxx::sql_error& e, const std::string& where, std::string hint)
{
    std::string message = server_message(e);
    if (!e.sqlstate().empty()) {
        message += fmt::format(" (SQLSTATE {})", e.sqlstate());
    }
    return SqlError(where.empty() ? message : where + ": " + message, e.sqlstate(), std::move(hint), e.query());
}

} // namespace devlog::db
