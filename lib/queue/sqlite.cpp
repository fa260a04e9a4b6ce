#include "lib/queue/sqlite.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <sqlite3.h>

namespace devlog::queue {

void throw_sqlite(sqlite3* db, int code, const std::string& what)
{
    const std::string file = db != nullptr && sqlite3_db_filename(db, "main") != nullptr ? sqlite3_db_filename(db, "main") : "";
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    switch (code & 0xff) {
    case SQLITE_FULL:
        throw Error(fmt::format("cannot write the queue {}: the disk is full ({})", file, what),
                    "free some space; nothing was lost or half-written: the transaction was rolled back and "
                    "collection resumes where it stopped");
    case SQLITE_IOERR:
        throw Error(fmt::format("cannot write the queue {}: I/O error while {} ({})", file, what, message),
                    "check the disk (full? a file size limit?); the queue keeps its last committed state");
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
        throw Error(fmt::format("cannot open the queue {}: {}", file, message),
                    "check that the directory exists and is writable by this user, or choose another with --queue");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        throw LockTimeout(fmt::format("the queue {} stayed locked by another process while {}", file, what),
                          "another devlogctl holds it; try again in a moment");
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        throw Error(fmt::format("the queue {} is not a usable SQLite database: {}", file, message),
                    "move it aside and collect again (events are re-read from the agents' logs)");
    default:
        throw Error(fmt::format("queue {}: {} failed: {}", file, what, message));
    }
}

Statement::Statement(sqlite3* db, std::string_view sql, std::string where) : m_db(db), m_where(std::move(where))
{
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &m_stmt, nullptr);
    if (rc != SQLITE_OK) {
        throw_sqlite(db, rc, "preparing " + m_where);
    }
}

Statement::~Statement()
{
    sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db), m_stmt(other.m_stmt), m_where(std::move(other.m_where))
{
    other.m_stmt = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value)
{
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text)
{
    sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size)
{
    sqlite3_bind_blob(m_stmt, index, data, static_cast<int>(size), SQLITE_TRANSIENT);
    return *this;
}

Statement& Statement::bind_ref(int index, std::string_view text)
{
    sqlite3_bind_text(m_stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bind_ref(int index, const std::optional<std::string>& text)
{
    return text ? bind_ref(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind_blob_ref(int index, const void* data, std::size_t size)
{
    sqlite3_bind_blob(m_stmt, index, data, static_cast<int>(size), SQLITE_STATIC);
    return *this;
}

Statement& Statement::bind_null(int index)
{
    sqlite3_bind_null(m_stmt, index);
    return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text)
{
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

bool Statement::step()
{
    const int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    sqlite3_reset(m_stmt);
    throw_sqlite(m_db, rc, m_where);
}

void Statement::run()
{
    while (step()) {
    }
    reset();
}

void Statement::reset()
{
    sqlite3_reset(m_stmt);
    sqlite3_clear_bindings(m_stmt);
}

std::int64_t Statement::int64(int column) const
{
    return sqlite3_column_int64(m_stmt, column);
}

std::string Statement::text(int column) const
{
    const auto* p = sqlite3_column_text(m_stmt, column);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(m_stmt, column));
}

std::optional<std::string> Statement::opt_text(int column) const
{
    if (is_null(column)) {
        return std::nullopt;
    }
    return text(column);
}

std::string_view Statement::blob(int column) const
{
    const void* p = sqlite3_column_blob(m_stmt, column);
    return p == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(p), sqlite3_column_bytes(m_stmt, column));
}

bool Statement::is_null(int column) const
{
    return sqlite3_column_type(m_stmt, column) == SQLITE_NULL;
}

Connection::Connection(const std::string& path) : m_path(path)
{
    // No memory statistics (a global mutex around every allocation); only possible before SQLite
    // initialises, so done once, before the first connection.
    [[maybe_unused]] static const int k_config = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    const int rc = sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = m_db != nullptr ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        throw Error(fmt::format("cannot open the queue {}: {}", path, message),
                    "check that its directory exists and is writable, or choose another with --queue");
    }
    sqlite3_busy_timeout(m_db, 10'000);
    sqlite3_extended_result_codes(m_db, 1);
}

Connection::~Connection()
{
    sqlite3_close_v2(m_db);
}

void Connection::exec(std::string_view sql)
{
    const std::string text(sql);
    char* error = nullptr;
    const int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &error);
    sqlite3_free(error);
    if (rc != SQLITE_OK) {
        const auto start = std::min(sql.size(), sql.find_first_not_of(" \n"));
        const auto words = sql.substr(start);
        throw_sqlite(m_db, rc, std::string(words.substr(0, words.find_first_of(" \n"))));
    }
}

Statement Connection::prepare(std::string_view sql)
{
    return Statement(m_db, sql, std::string(sql.substr(0, 40)));
}

std::int64_t Connection::changes() const
{
    return sqlite3_changes64(m_db);
}

void Connection::rollback_quietly() noexcept
{
    sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
}

} // namespace devlog::queue
