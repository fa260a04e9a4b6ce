#pragma once
// The exceptions lib/ throws. cli/main.cpp maps each to an exit code (README "Exit codes").
// Expected outcomes (nothing to do, pending migrations found) are return values, not exceptions.

#include <stdexcept>
#include <string>

namespace devlog {

// Base of every devlogctl error. what() is one line for people; hint() says what to do about it;
// detail() is extra text (a failing statement, the library's own message) shown only with -v.
class Error : public std::runtime_error
{
public:
    explicit Error(const std::string& message, std::string hint = {}, std::string detail = {})
        : std::runtime_error(message), m_hint(std::move(hint)), m_detail(std::move(detail))
    {
    }
    const std::string& hint() const noexcept { return m_hint; }
    const std::string& detail() const noexcept { return m_detail; }

private:
    std::string m_hint;
    std::string m_detail;
};

// The user asked for something impossible: a malformed URL, an unknown version, a bad flag value.
class UsageError : public Error
{
    using Error::Error;
};

// An input file (migration, import file, ...) is malformed. The message names file and line.
class InputError : public Error
{
    using Error::Error;
};

// The database server could not be reached or refused us (network, authentication, database).
class ConnectError : public Error
{
    using Error::Error;
};

// The server rejected a statement. Carries the SQLSTATE; the message names where it came from.
class SqlError : public Error
{
public:
    SqlError(const std::string& message, std::string sqlstate, std::string hint = {}, std::string detail = {})
        : Error(message, std::move(hint), std::move(detail)), m_sqlstate(std::move(sqlstate))
    {
    }
    const std::string& sqlstate() const noexcept { return m_sqlstate; }

private:
    std::string m_sqlstate;
};

// Applied migrations differ from the files (changed checksum, failed or unknown migration).
class DriftError : public Error
{
    using Error::Error;
};

// Another process holds a lock we need and did not release it within the timeout (the migrator's
// advisory lock, or a table lock that DDL waited for through every retry).
class LockTimeout : public Error
{
    using Error::Error;
};

// Something the command needs is not available on the server or not allowed here: TimescaleDB not
// installed, not in shared_preload_libraries, too old, or CREATE EXTENSION not permitted.
// cli/main.cpp exits 8. The hint says what an operator does about it.
class UnavailableError : public Error
{
    using Error::Error;
};

// A failure that is worth retrying as is: a serialization failure (40001) or deadlock (40P01) rolled
// the transaction back. Import and upload retry these; other callers report them like SqlError.
class RetryableError : public SqlError
{
    using SqlError::SqlError;
};

// The connection broke while a statement ran (server restart, network). Whatever transaction was
// open is gone; retrying on a new connection is safe for idempotent work.
class ConnectionLost : public ConnectError
{
    using ConnectError::ConnectError;
};

// SIGINT or SIGTERM arrived: the running statement was cancelled on the server and rolled back.
// cli/main.cpp exits with 128 + signal (130, 143).
class Interrupted : public Error
{
public:
    explicit Interrupted(int signal, const std::string& message, std::string hint = {})
        : Error(message, std::move(hint)), m_signal(signal)
    {
    }
    int signal() const noexcept { return m_signal; }

private:
    int m_signal;
};

} // namespace devlog
