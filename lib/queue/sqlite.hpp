#pragma once
// A thin RAII layer over libsqlite3 for the collector's queue: one connection, prepared statements,
// transactions, and SQLite's failures turned into devlog errors that say what to do (disk full,
// database locked, not a queue file).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace devlog::queue {

// One prepared statement. Bind with 1-based indexes, step() until it returns false, reset() to reuse.
class Statement
{
public:
    Statement(sqlite3* db, std::string_view sql, std::string where);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, std::string_view text);   // copied (SQLITE_TRANSIENT)
    Statement& bind_blob(int index, const void* data, std::size_t size);
    // Not copied (SQLITE_STATIC): TEXT or DATA must stay valid until the statement is reset (run()).
    Statement& bind_ref(int index, std::string_view text);
    Statement& bind_ref(int index, const std::optional<std::string>& text);
    Statement& bind_blob_ref(int index, const void* data, std::size_t size);
    Statement& bind_null(int index);
    Statement& bind(int index, const std::optional<std::string>& text);
    // Runs one step: true when a row is available, false when done. Throws devlog::Error.
    bool step();
    // Runs to completion (for statements without rows) and resets.
    void run();
    void reset();

    std::int64_t int64(int column) const;
    std::string text(int column) const;
    std::optional<std::string> opt_text(int column) const;
    std::string_view blob(int column) const;
    bool is_null(int column) const;

private:
    sqlite3* m_db;
    sqlite3_stmt* m_stmt = nullptr;
    std::string m_where;
};

// An open SQLite database in WAL mode.
class Connection
{
public:
    // Opens (creating) PATH. Throws devlog::Error naming PATH when it cannot be opened or is not
    // an SQLite database.
    explicit Connection(const std::string& path);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs SQL (several statements allowed, no parameters).
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    std::int64_t changes() const;
    const std::string& path() const { return m_path; }
    sqlite3* handle() { return m_db; }

    // BEGIN IMMEDIATE ... COMMIT around BODY; ROLLBACK when it throws.
    template <typename F> void transaction(F&& body)
    {
        exec("BEGIN IMMEDIATE");
        try {
            body();
            exec("COMMIT");
        } catch (...) {
            rollback_quietly();
            throw;
        }
    }

    // ROLLBACK, ignoring errors (no transaction open, or SQLite already rolled it back).
    void rollback_quietly() noexcept;

private:
    sqlite3* m_db = nullptr;
    std::string m_path;
};

// Throws the devlog::Error for SQLite result CODE on DB while doing WHAT (disk full, read-only, busy,
// corrupt, ...), with a hint.
[[noreturn]] void throw_sqlite(sqlite3* db, int code, const std::string& what);

} // namespace devlog::queue
