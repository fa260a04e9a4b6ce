#pragma once
// The one way lib/ runs statements that may take long or wait for locks (migrations, TimescaleDB
// setup, import): with or without a transaction, the server's notices forwarded, the server-side
// statement cancelled on SIGINT/SIGTERM, lock waits bounded by lock_timeout and retried with
// backoff, and errors turned into devlog errors that name where the SQL came from.

#include "lib/core/errors.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

struct pg_result;

namespace devlog::db {

class Database;

// Where a statement came from, for error messages: "0002_x.sql:14", "setup step 'compression'".
// With a FILE and LINE, an error's position inside the statement moves LINE to the failing line.
struct Location
{
    std::string file; // or a description; empty: no prefix
    int line = 0;     // line of the statement's first token in FILE; 0: no line
    std::string text() const;
};

// A text-format parameter: nullopt is SQL NULL.
using Param = std::optional<std::string>;

// The outcome of one statement: its rows as text, and how many rows it affected.
class Result
{
public:
    Result() = default;
    explicit Result(pg_result* result);
    std::size_t rows() const;
    int columns() const;
    // The value at ROW, COLUMN; nullopt for NULL.
    std::optional<std::string> get(std::size_t row, int column) const;
    // The command tag without its counts' meaning: "INSERT 0 5", "COMMIT", "CREATE TABLE".
    std::string command() const;
    // The number of rows the command affected (INSERT, UPDATE, DELETE, COPY, ...), 0 when none.
    std::int64_t affected() const;

private:
    std::shared_ptr<pg_result> m_result;
};

// A server NOTICE / WARNING / INFO sent while a statement ran.
struct Notice
{
    std::string severity; // "WARNING", "NOTICE", ...
    std::string message;  // the text after "SEVERITY:  ", without the trailing newline
};

struct RunnerOptions
{
    // lock_timeout for every statement (SET LOCAL in transactions, SET in autocommit); nullopt
    // leaves the server's setting. A transaction() that hits it is rolled back and retried.
    std::optional<std::chrono::milliseconds> lock_timeout;
    int lock_retries = 0;                                   // retries after the first attempt
    // Retry a statement outside transaction() that hit lock_timeout, too. Only for statements that
    // are atomic: CREATE INDEX CONCURRENTLY, a procedure that commits, or an explicit BEGIN in the
    // script can leave work behind (an invalid index) that a retry would build on.
    bool retry_outside_transaction = false;
    std::chrono::milliseconds retry_backoff{500};           // first wait; doubled, with jitter
    std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
    std::function<void(const Notice&)> on_notice;           // default: ignored
    // false: statements run even after SIGINT/SIGTERM and are not cancelled (for the few short
    // statements that record what happened, e.g. the history of an interrupted migration).
    bool interruptible = true;
    // Told before each retry: ATTEMPT (2, 3, ...), who blocked us (may be empty), the wait.
    std::function<void(int, const std::string&, std::chrono::milliseconds)> on_lock_retry;
};

// Runs statements on one connection. Not thread-safe; one Runner per connection at a time, and no
// libpqxx transaction may be open on the connection while it runs statements.
class Runner
{
public:
    explicit Runner(Database& db, RunnerOptions options = {});
    ~Runner();
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    // Runs SQL (one statement, or several separated by ';' when no parameters are given). Outside
    // transaction() each call commits on its own (retried on a lock timeout only when
    // retry_outside_transaction says it is safe). Throws SqlError
    // "WHERE: message (SQLSTATE x)", RetryableError (40001, 40P01), LockTimeout (lock retries used
    // up; names the blocking session), ConnectionLost, Interrupted (the statement was cancelled).
    Result exec(std::string_view sql, const Location& where = {}, const std::vector<Param>& params = {});

    // Runs SQL (one statement) and hands its rows to ON_ROW one at a time as they arrive (libpq's
    // single-row mode): the server runs it to completion as it runs psql's statements (parallel
    // workers included, which a cursor forgoes), and no more than a few rows sit in memory. ON_WAIT
    // (optional) is called before waiting for more rows: flush output there. When ON_ROW or ON_WAIT
    // throws, the statement is cancelled and the exception passes on. Returns the number of rows.
    // Errors as exec(); a lock timeout is not retried (rows went out).
    std::uint64_t stream(std::string_view sql, const Location& where, const std::vector<Param>& params,
                         const std::function<void(const Result&)>& on_row, const std::function<void()>& on_wait = {});
    // Runs SQL, a COPY ... FROM STDIN, sending DATA (text or csv rows, as in the statement) as its input.
    Result copy_in(std::string_view sql, std::string_view data, const Location& where = {});
    // The same with the input given as PIECES sent one after another (binary COPY: header, rows,
    // trailer). The data goes out in chunks while the server reads it; a signal meanwhile cancels
    // the COPY (Interrupted), also when the server has stopped reading (waiting for a row lock).
    Result copy_in(std::string_view sql, std::span<const std::string_view> pieces, const Location& where = {});

    // Runs BODY between BEGIN and COMMIT (with SET LOCAL lock_timeout); rolls back when BODY or the
    // COMMIT throws. When a statement of BODY times out waiting for a lock, everything is rolled
    // back and BODY runs again from the start (it must be re-runnable), up to lock_retries times.
    template <typename F> auto transaction(F&& body) -> std::invoke_result_t<F&>
    {
        return transaction_as("BEGIN", [&](const Result&) { return body(); });
    }
    // transaction() begun with BEGIN_SQL, a constant such as "BEGIN ISOLATION LEVEL REPEATABLE READ,
    // READ ONLY; SELECT ..." (several statements: one round trip) instead of BEGIN. BODY gets the
    // result of BEGIN_SQL's last statement. WHERE names BEGIN_SQL in its errors.
    template <typename F>
    auto transaction_as(std::string_view begin_sql, F&& body, const Location& where = {})
        -> std::invoke_result_t<F&, const Result&>
    {
        for (int attempt = 1;; ++attempt) {
            try {
                const Result begun = begin(begin_sql, where);
                if constexpr (std::is_void_v<std::invoke_result_t<F&, const Result&>>) {
                    body(begun);
                    commit();
                    return;
                } else {
                    auto result = body(begun);
                    commit();
                    return result;
                }
            } catch (const LockWaitTimedOut& e) {
                rollback_quietly();
                wait_before_retry(attempt, e, true);
            } catch (...) {
                rollback_quietly();
                throw;
            }
        }
    }
    bool in_transaction() const { return m_in_transaction; }
    // Rolls back a transaction that the statements themselves opened (an explicit BEGIN run
    // outside transaction()) and is still open or failed; true when there was one.
    bool abandon_open_transaction() noexcept;

    // Puts the session back as it was when it connected (role, search_path and every other
    // setting, temp tables, prepared statements, listeners) without releasing advisory locks,
    // then applies lock_timeout again. Call it between units of work that may change the session.
    void reset_session();

    Database& database() { return m_db; }

private:
    // A lock wait hit lock_timeout: handled by transaction() and exec() (retry), never escapes.
    class LockWaitTimedOut : public SqlError
    {
    public:
        LockWaitTimedOut(const SqlError& e, std::string where, std::string blocker)
            : SqlError(e.what(), e.sqlstate(), e.hint(), e.detail()), m_where(std::move(where)),
              m_blocker(std::move(blocker))
        {
        }
        const std::string& where() const { return m_where; }
        const std::string& blocker() const { return m_blocker; }

    private:
        std::string m_where;
        std::string m_blocker;
    };

    Result run(std::string_view sql, const Location& where, const std::vector<Param>& params,
               const std::span<const std::string_view>* copy_data);
    // Rows of stream(): the callbacks and the count so far.
    struct RowStream
    {
        const std::function<void(const Result&)>& on_row;
        const std::function<void()>& on_wait;
        std::uint64_t rows = 0;
    };
    Result run_once(std::string_view sql, const Location& where, const std::vector<Param>& params,
                    const std::span<const std::string_view>* copy_data, RowStream* rows = nullptr);
    // Sends PIECES as COPY data; false when a signal arrived first (the COPY must then be failed).
    bool send_copy_data(std::span<const std::string_view> pieces);
    [[noreturn]] void throw_error(const pg_result* result, const std::string& statement, const Location& where,
                                  bool cancel_sent);
    Result begin(std::string_view begin_sql, const Location& where);
    void commit();
    void rollback_quietly() noexcept;
    void apply_lock_timeout(bool local);
    // Sleeps before attempt ATTEMPT + 1, or throws LockTimeout when the retries are used up or
    // MAY_RETRY is false.
    void wait_before_retry(int attempt, const LockWaitTimedOut& e, bool may_retry);
    std::string describe_blockers();

    Database& m_db;
    RunnerOptions m_options;
    bool m_in_transaction = false;
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// "5 s", "250 ms": a duration for messages.
std::string format_duration(std::chrono::milliseconds duration);

} // namespace devlog::db
