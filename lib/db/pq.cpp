#include "lib/db/pq.hpp"

#include <fmt/format.h>

namespace devlog::db {
namespace {

// libpqxx 6.4 keeps its PGconn private (7.x has no public accessor either). An explicit template
// instantiation may name a private member ([temp.explicit]/12), which lets exactly this file read
// it without changing libpqxx. Checked by tests/integration (cancel, COPY) on every build.
using ConnMember = pqxx::internal::pq::PGconn* pqxx::connection_base::*;
struct ConnTag
{
};
ConnMember member_of(ConnTag);
template <ConnMember M> struct ConnAccess
{
    friend ConnMember member_of(ConnTag) { return M; }
};
template struct ConnAccess<&pqxx::connection_base::m_conn>;

} // namespace

pg_conn* raw_connection(pqxx::connection_base& conn)
{
    return conn.*member_of(ConnTag{});
}

std::string quote_literal(std::string_view value)
{
    const bool backslash = value.find('\\') != std::string_view::npos;
    std::string out = backslash ? "E'" : "'";
    for (char c : value) {
        if (c == '\'' || (backslash && c == '\\')) {
            out.push_back(c);
        }
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

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
    return first_line(e.what());
}

std::string first_line(std::string text)
{
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

std::string sqlstate_of(const pqxx::sql_error& e)
{
    if (!e.sqlstate().empty()) {
        return e.sqlstate();
    }
    // libpqxx 6.4 throws some of its typed errors without the SQLSTATE it dispatched on.
    if (dynamic_cast<const pqxx::insufficient_privilege*>(&e) != nullptr) {
        return "42501";
    }
    if (dynamic_cast<const pqxx::undefined_table*>(&e) != nullptr) {
        return "42P01";
    }
    if (dynamic_cast<const pqxx::undefined_column*>(&e) != nullptr) {
        return "42703";
    }
    if (dynamic_cast<const pqxx::undefined_function*>(&e) != nullptr) {
        return "42883";
    }
    if (dynamic_cast<const pqxx::syntax_error*>(&e) != nullptr) {
        return "42601";
    }
    return "";
}

SqlError to_sql_error(const pqxx::sql_error& e, const std::string& where, std::string hint)
{
    std::string message = server_message(e);
    const std::string sqlstate = sqlstate_of(e);
    if (!sqlstate.empty()) {
        message += fmt::format(" (SQLSTATE {})", sqlstate);
    }
    return SqlError(where.empty() ? message : where + ": " + message, sqlstate, std::move(hint), e.query());
}

} // namespace devlog::db
