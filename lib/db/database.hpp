#pragma once
// An open connection to the devlog database. Commands hold a Database; only lib/ sees pqxx.

#include "lib/db/conninfo.hpp"

#include <memory>
#include <string>

namespace pqxx {
class connection_base; // pqxx 6.4: pqxx::connection is an alias of a template; transactions take the base
}

namespace devlog::db {

class Database
{
public:
    // Connects within the settings' timeout. Throws UsageError for a malformed URL and
    // ConnectError ("cannot connect to HOST:PORT: reason") when the server is unreachable or
    // refuses us; the message never contains a password.
    static Database open(const ConnectSettings& settings);

    Database(Database&&) noexcept;
    Database& operator=(Database&&) noexcept;
    ~Database();

    pqxx::connection_base& conn() { return *m_conn; }
    // "host:port" the connection went to, for messages.
    const std::string& endpoint() const { return m_endpoint; }
    // The settings it was opened with: open() them again for a second connection to the same place.
    const ConnectSettings& settings() const { return m_settings; }
    // The server's version number, e.g. 150004 for 15.4.
    int server_version() const;
    // The server process serving this connection (pg_stat_activity.pid).
    int backend_pid() const;

private:
    using Deleter = void (*)(pqxx::connection_base*);
    Database(std::unique_ptr<pqxx::connection_base, Deleter> conn, std::string endpoint, ConnectSettings settings);

    std::unique_ptr<pqxx::connection_base, Deleter> m_conn; // pqxx 6.4 connections are not movable
    std::string m_endpoint;
    ConnectSettings m_settings;
};

// Turns a libpq connection failure message into one short reason ("connection refused",
// "password authentication failed for user \"x\"", "timed out after 3 s", ...).
std::string summarize_connect_error(std::string_view libpq_message);

} // namespace devlog::db
