#pragma once
// Small SQL helpers of the plain-PostgreSQL maintenance code (partition, rollup, maintain,
// stats): values out of a db::Result, and embedded SQL templates with @name@ placeholders.

#include "lib/core/reporter.hpp"
#include "lib/db/runner.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace devlog::partition {

// The bigint at ROW, COLUMN; nullopt for NULL.
inline std::optional<std::int64_t> int_at(const db::Result& r, std::size_t row, int column)
{
    const auto text = r.get(row, column);
    return text ? std::optional<std::int64_t>(std::stoll(*text)) : std::nullopt;
}

// The bigint at ROW, COLUMN, 0 for NULL.
inline std::int64_t int_or_zero(const db::Result& r, std::size_t row, int column)
{
    return int_at(r, row, column).value_or(0);
}

// The double at ROW, COLUMN; nullopt for NULL.
inline std::optional<double> double_at(const db::Result& r, std::size_t row, int column)
{
    const auto text = r.get(row, column);
    return text ? std::optional<double>(std::stod(*text)) : std::nullopt;
}

// The boolean at ROW, COLUMN (NULL is false).
inline bool bool_at(const db::Result& r, std::size_t row, int column)
{
    return r.get(row, column) == "t";
}

// The text at ROW, COLUMN, "" for NULL.
inline std::string text_at(const db::Result& r, std::size_t row, int column)
{
    return r.get(row, column).value_or("");
}

// Maintenance statements over many partitions look expensive to the planner (parameters it cannot
// see, dozens of partitions), so JIT compiles every partition's expressions first: a second or
// more before a statement that then runs for milliseconds. Maintenance sessions turn it off.
inline constexpr std::string_view k_no_jit = "SET jit = off";

// Runner options for maintenance work: every lock wait bounded by LOCK_TIMEOUT and retried RETRIES
// times with backoff (each retry told to REPORTER as a warning), server notices as debug lines.
inline db::RunnerOptions runner_options(Reporter& reporter, std::chrono::milliseconds lock_timeout, int retries)
{
    db::RunnerOptions o;
    o.lock_timeout = lock_timeout;
    o.lock_retries = retries;
    // Every statement maintenance runs outside a transaction is atomic (no CREATE INDEX
    // CONCURRENTLY) or idempotent (CALL run_job of a due TimescaleDB policy, which commits:
    // running it again redoes only what is left), so retrying it after a lock timeout is safe.
    o.retry_outside_transaction = true;
    o.on_notice = [&reporter](const db::Notice& n) { reporter.debug("server " + n.severity + ": " + n.message); };
    o.on_lock_retry = [&reporter](int attempt, const std::string& blocker, std::chrono::milliseconds wait) {
        reporter.warn("a statement timed out waiting for a lock" + (blocker.empty() ? std::string() : " held by " + blocker) +
                      "; rolled back, trying again in " + db::format_duration(wait) + " (attempt " + std::to_string(attempt) + ")");
    };
    return o;
}

// TEMPLATE with each @name@ of REPLACEMENTS replaced by its (already quoted) value. For
// identifiers in DDL that cannot be bound; values stay bound parameters.
inline std::string fill(std::string_view sql_template,
                        const std::vector<std::pair<std::string_view, std::string>>& replacements)
{
    std::string out(sql_template);
    for (const auto& [name, value] : replacements) {
        for (auto pos = out.find(name); pos != std::string::npos; pos = out.find(name, pos + value.size())) {
            out.replace(pos, name.size(), value);
        }
    }
    return out;
}

} // namespace devlog::partition
