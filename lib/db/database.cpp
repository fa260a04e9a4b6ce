#include "lib/db/database.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

namespace devlog::db {

namespace {
void delete_connection(pqxx::connection_base* conn)
{
    delete static_cast<pqxx::connection*>(conn); // NOLINT(cppcoreguidelines-owning-memory)
}
} // namespace

Database::Database(std::unique_ptr<pqxx::connection_base, Deleter> conn, std::string endpoint,
                   ConnectSettings settings)
    : m_conn(std::move(conn)), m_endpoint(std::move(endpoint)), m_settings(std::move(settings))
{
}
Database::Database(Database&&) noexcept = default;
Database& Database::operator=(Database&&) noexcept = default;
Database::~Database() = default;

int Database::server_version() const
{
    return m_conn->server_version();
}

int Database::backend_pid() const
{
    return m_conn->backendpid();
}

std::string summarize_connect_error(std::string_view message)
{
    std::string text(message);
    // libpq 14+: 'connection to server at "h" (addr), port N failed: REASON\n\tHint...'
    // Older: 'could not connect to server: REASON\n\tIs the server running...'
    const auto first_line_end = text.find('\n');
    std::string line = text.substr(0, first_line_end);
    for (const std::string marker : {"failed: ", "could not connect to server: "}) {
        if (auto pos = line.find(marker); pos != std::string::npos) {
            line = line.substr(pos + marker.size());
            break;
        }
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
        line.pop_back();
    }
    if (line.starts_with("FATAL:  ")) {
        line = line.substr(8);
    }
    if (line == "timeout expired") {
        return "timed out";
    }
    if (line == "Connection refused") {
        return "connection refused (is the server running and listening on that port?)";
    }
    if (!line.empty()) {
        line[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(line[0])));
    }
    return line.empty() ? "unknown error" : line;
}

Database Database::open(const ConnectSettings& settings)
{
    // libpq's messages repeat option values (a port, a host name): every text shown goes through
    // the connection string's scrub(), so no form of its password gets out.
    const ConnectionString given(settings.source.url);
    const std::string conninfo = build_conninfo(settings);
    const std::string endpoint = given.scrub(describe_endpoint(conninfo));
    std::string hint = fmt::format("the connection string came from {}", settings.source.origin);
    try {
        std::unique_ptr<pqxx::connection_base, Deleter> conn(new pqxx::connection(conninfo), &delete_connection);
        return Database(std::move(conn), endpoint, settings);
    } catch (const pqxx::broken_connection& e) {
        const std::string message = given.scrub(e.what());
        const std::string reason = summarize_connect_error(message);
        if (reason.find("password") != std::string::npos) {
            hint += "; check the user and password (or ~/.pgpass)";
        } else if (reason.find("does not exist") != std::string::npos) {
            hint += "; create the database first (createdb) or name another one";
        } else if (reason == "timed out") {
            hint += "; the server did not answer within --connect-timeout";
        }
        throw ConnectError(fmt::format("cannot connect to {}: {}", endpoint, reason), hint, message);
    } catch (const std::exception& e) { // pqxx::sql_error and whatever else libpqxx throws here
        const std::string message = given.scrub(e.what());
        throw ConnectError(fmt::format("cannot connect to {}: {}", endpoint, summarize_connect_error(message)), hint,
                           message);
    }
}

} // namespace devlog::db
