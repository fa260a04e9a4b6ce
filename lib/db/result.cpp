// The value types of lib/db/runner.hpp: Location, Result, format_duration.
#include "lib/db/runner.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

namespace devlog::db {

std::string Location::text() const
{
    if (file.empty()) {
        return "";
    }
    return line > 0 ? fmt::format("{}:{}", file, line) : file;
}

std::string format_duration(std::chrono::milliseconds duration)
{
    const auto ms = duration.count();
    if (ms % 1000 == 0) {
        return fmt::format("{} s", ms / 1000);
    }
    if (ms > 1000) {
        return fmt::format("{:.1f} s", static_cast<double>(ms) / 1000.0);
    }
    return fmt::format("{} ms", ms);
}

Result::Result(pg_result* result) : m_result(result, &PQclear) {}

std::size_t Result::rows() const
{
    return m_result ? static_cast<std::size_t>(PQntuples(m_result.get())) : 0;
}

int Result::columns() const
{
    return m_result ? PQnfields(m_result.get()) : 0;
}

std::optional<std::string> Result::get(std::size_t row, int column) const
{
    const int r = static_cast<int>(row);
    if (!m_result || r >= PQntuples(m_result.get()) || column >= PQnfields(m_result.get()) ||
        PQgetisnull(m_result.get(), r, column) != 0) {
        return std::nullopt;
    }
    return std::string(PQgetvalue(m_result.get(), r, column),
                       static_cast<std::size_t>(PQgetlength(m_result.get(), r, column)));
}

std::string Result::command() const
{
    return m_result ? PQcmdStatus(m_result.get()) : "";
}

std::int64_t Result::affected() const
{
    if (!m_result) {
        return 0;
    }
    const char* tuples = PQcmdTuples(m_result.get());
    return (tuples != nullptr && *tuples != '\0') ? std::stoll(tuples) : 0;
}

} // namespace devlog::db
