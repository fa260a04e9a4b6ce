#include "lib/importer/writer.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/database.hpp"
#include "lib/db/pq.hpp"
#include "lib/db/runner.hpp"

#include <fmt/format.h>

#include <array>
#include <chrono>

namespace devlog::importer {
namespace {

constexpr std::string_view k_staging = "pg_temp.devlogctl_import_staging";

// A refusal that concerns one row's values (data exception, constraint) rather than the statement.
bool row_error(const std::string& sqlstate)
{
    return sqlstate.starts_with("22") || (sqlstate.starts_with("23") && sqlstate != "23505");
}

std::string column_list(const char* prefix)
{
    std::string out;
    for (const auto column : k_columns) {
        out += fmt::format("{}{}{}", out.empty() ? "" : ", ", prefix, db::quote_name(column));
    }
    return out;
}

// "schema.name" with each part quoted.
std::string qualified_name(std::string_view name)
{
    std::string out;
    for (std::size_t start = 0;;) {
        const auto dot = name.find('.', start);
        out += db::quote_name(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
        if (dot == std::string_view::npos) {
            return out;
        }
        out += '.';
        start = dot + 1;
    }
}

} // namespace

struct EventWriter::Impl
{
    Impl(db::Database& db, WriterOptions o)
        : options(std::move(o)), runner(db), where{fmt::format("loading into {}", options.table), 0}
    {
        const std::string table = db::quote_name(options.table);
        copy_sql = fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", table, column_list(""));
        staging_copy_sql = fmt::format("COPY {} ({}) FROM STDIN (FORMAT binary)", k_staging, column_list(""));
    }

    // Creates the staging table (once per connection) and the INSERT that empties it into the table.
    void prepare_staging()
    {
        if (!insert_sql.empty()) {
            return;
        }
        const std::string table = db::quote_name(options.table);
        runner.exec(fmt::format("CREATE TEMP TABLE IF NOT EXISTS devlogctl_import_staging ON COMMIT DELETE ROWS "
                                "AS SELECT {} FROM {} WITH NO DATA",
                                column_list(""), table),
                    where);
        // Rows already present are filtered out before the INSERT instead of being left to ON
        // CONFLICT: TimescaleDB before 2.18.1 ends such an INSERT at the first conflict with a
        // compressed row and silently drops the rows after it (timescaledb#7672). ON CONFLICT DO
        // NOTHING (no target: portable to a distributed table) still covers duplicates within the
        // batch and rows another session inserts meanwhile. The time bounds let chunks be excluded.
        if (!options.existing_keys_function.empty()) {
            // The caller may not read the table: the function names the keys that exist.
            insert_sql = fmt::format("WITH existing AS MATERIALIZED (SELECT * FROM {0}((SELECT array_agg(id) FROM {1}), "
                                     "$1::timestamptz, $2::timestamptz)) INSERT INTO {2} ({3}) SELECT {4} FROM {1} s "
                                     "WHERE NOT EXISTS (SELECT FROM existing e WHERE e.id = s.id AND e.\"timestamp\" = "
                                     "s.\"timestamp\") ON CONFLICT DO NOTHING",
                                     qualified_name(options.existing_keys_function), k_staging, table,
                                     column_list(""), column_list("s."));
            has_bounds = true;
            return;
        }
        const auto key = runner.exec(embedded_sql("importer/primary_key.sql"), where, {table});
        std::string filter;
        for (std::size_t i = 0; i < key.rows(); ++i) {
            const std::string column = db::quote_name(key.get(i, 0).value_or(""));
            filter += fmt::format(" AND e.{0} = s.{0}", column);
        }
        insert_sql = fmt::format("INSERT INTO {0} ({1}) SELECT {2} FROM {3} s", table, column_list(""),
                                 column_list("s."), k_staging);
        if (!filter.empty()) {
            insert_sql += fmt::format(" WHERE NOT EXISTS (SELECT FROM {} e WHERE e.\"timestamp\" BETWEEN "
                                      "$1::timestamptz AND $2::timestamptz{})",
                                      table, filter);
        }
        insert_sql += " ON CONFLICT DO NOTHING";
        has_bounds = !filter.empty();
    }

    WriteResult write_once(const Batch& batch, std::size_t max_refused)
    {
        const std::array<std::string_view, 3> pieces = {db::CopyBuffer::header(), batch.row_bytes(0, batch.rows()),
                                                        db::CopyBuffer::trailer()};
        bool known_bad = false;
        try {
            const auto done = runner.copy_in(copy_sql, pieces, where);
            WriteResult result;
            result.inserted = static_cast<std::uint64_t>(done.affected());
            return result;
        } catch (const RetryableError&) {
            throw;
        } catch (const SqlError& e) {
            if (e.sqlstate() != "23505" && !row_error(e.sqlstate())) {
                throw;
            }
            known_bad = e.sqlstate() != "23505";
        }
        prepare_staging();
        WriteResult result;
        runner.transaction([&] {
            result = WriteResult{};
            staging_used = false;
            load_range(batch, 0, batch.rows(), known_bad, max_refused, result);
        });
        result.via_staging = true;
        result.duplicates = batch.rows() - result.inserted - result.refused.size();
        return result;
    }

    // Loads rows FIRST..LAST-1 through the staging table, under a savepoint; a range the server
    // refuses is split in halves until the refused rows are single (recorded in RESULT).
    void load_range(const Batch& batch, std::size_t first, std::size_t last, bool known_bad, std::size_t max_refused,
                    WriteResult& result)
    {
        if (first >= last) {
            return;
        }
        if (!known_bad) {
            runner.exec("SAVEPOINT devlogctl_range", where);
            try {
                if (staging_used) {
                    runner.exec(fmt::format("TRUNCATE {}", k_staging), where);
                }
                staging_used = true;
                const std::array<std::string_view, 3> pieces = {
                    db::CopyBuffer::header(), batch.row_bytes(first, last), db::CopyBuffer::trailer()};
                runner.copy_in(staging_copy_sql, pieces, where);
                std::vector<db::Param> bounds;
                if (has_bounds) {
                    bounds = {time::format_iso8601(batch.min_timestamp()), time::format_iso8601(batch.max_timestamp())};
                }
                const auto done = runner.exec(insert_sql, where, bounds);
                runner.exec("RELEASE SAVEPOINT devlogctl_range", where);
                result.inserted += static_cast<std::uint64_t>(done.affected());
                return;
            } catch (const RetryableError&) {
                throw;
            } catch (const SqlError& e) {
                if (!row_error(e.sqlstate())) {
                    throw;
                }
                runner.exec("ROLLBACK TO SAVEPOINT devlogctl_range", where);
                runner.exec("RELEASE SAVEPOINT devlogctl_range", where);
                staging_used = true; // the rollback undid the TRUNCATE too: empty it next time
                if (last - first == 1) {
                    std::string message = e.what();
                    const std::string prefix = where.text() + ": ";
                    if (message.starts_with(prefix)) {
                        message.erase(0, prefix.size());
                    }
                    result.refused.push_back({first, message});
                    if (result.refused.size() > max_refused) {
                        throw RowRefused(first, message);
                    }
                    return;
                }
            }
        }
        const std::size_t middle = first + (last - first) / 2;
        load_range(batch, first, middle, false, max_refused, result);
        load_range(batch, middle, last, false, max_refused, result);
    }

    WriterOptions options;
    db::Runner runner;
    db::Location where;
    std::string copy_sql;
    std::string staging_copy_sql;
    std::string insert_sql;
    bool has_bounds = false;
    bool staging_used = false;
};

EventWriter::EventWriter(db::Database& db, WriterOptions options)
    : m_impl(std::make_unique<Impl>(db, std::move(options)))
{
}

EventWriter::~EventWriter() = default;

WriteResult EventWriter::write(const Batch& batch, std::size_t max_refused)
{
    if (batch.empty()) {
        return {};
    }
    for (int attempt = 1;; ++attempt) {
        try {
            return m_impl->write_once(batch, max_refused);
        } catch (const RetryableError&) {
            if (attempt > m_impl->options.retries) {
                throw;
            }
            // Deadlock or serialization failure (workers inserting the same keys): everything was
            // rolled back; try again after a short, growing pause.
            if (!interrupt::sleep_for(std::chrono::milliseconds(20 * attempt))) {
                interrupt::check("while retrying a batch");
            }
        }
    }
}

} // namespace devlog::importer
