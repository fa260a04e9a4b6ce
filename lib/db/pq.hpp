#pragma once
// Small libpqxx helpers for lib/ (never included by cli/). Version differences live here.

#include "lib/core/errors.hpp"

#include <pqxx/pqxx>

#include <optional>
#include <string>

namespace devlog::db {

// FIELD as T, or nullopt when NULL (pqxx 6.4 cannot convert to std::optional directly).
template <typename T> std::optional<T> opt(const pqxx::field& field)
{
    if (field.is_null()) {
        return std::nullopt;
    }
    return field.as<T>();
}

// NAME as a quoted SQL identifier: "name" with embedded quotes doubled.
std::string quote_name(std::string_view name);

// VALUE as a standard SQL string literal ('it''s'; E'' form when it holds a backslash). For SQL
// that is printed for people or scripts (--dry-run); SQL that devlogctl runs binds values instead.
std::string quote_literal(std::string_view value);

// The libpq connection under CONN, for what libpqxx 6.4 does not offer (asynchronous execution,
// cancellation, COPY FROM STDIN with given data, error fields). Never close it.
pg_conn* raw_connection(pqxx::connection_base& conn);

// The first line of TEXT without libpq's "ERROR:  " / "FATAL:  " prefix.
std::string first_line(std::string text);
// The first line of E's message without libpq's "ERROR:  " / "FATAL:  " prefix.
std::string server_message_of(const std::exception& e);
inline std::string server_message(const pqxx::sql_error& e)
{
    return server_message_of(e);
}

// The SQLSTATE of E (libpqxx 6.4 leaves it empty on some typed errors; filled in from the type).
std::string sqlstate_of(const pqxx::sql_error& e);

// E as a devlog::SqlError whose message starts with WHERE ("0003_x.sql:12: ...").
SqlError to_sql_error(const pqxx::sql_error& e, const std::string& where, std::string hint = {});

} // namespace devlog::db

namespace devlog::db {

// Runs F, turning libpqxx exceptions into devlog errors: a lost connection into ConnectError
// naming ENDPOINT, a server error into SqlError (SQLSTATE kept), other pqxx failures into Error.
template <typename F> auto translate_errors(const std::string& endpoint, F&& f) -> decltype(f())
{
    try {
        return f();
    } catch (const pqxx::broken_connection& e) {
        throw ConnectError("lost the connection to " + endpoint + ": " + server_message_of(e),
                           "the server may have restarted or dropped us; a migration in progress was rolled back",
                           e.what());
    } catch (const pqxx::sql_error& e) {
        throw to_sql_error(e, "");
    } catch (const pqxx::failure& e) {
        throw Error(server_message_of(e), "", e.what());
    }
}

} // namespace devlog::db
