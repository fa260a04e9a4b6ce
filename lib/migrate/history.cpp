#include "lib/migrate/history.hpp"

#include "lib/core/embedded.hpp"
#include "lib/db/runner.hpp"

#include <fmt/format.h>

namespace devlog::migrate::history {
namespace {

// An older devlogctl kept its history unqualified, in the first schema of the search_path.
// Recognised by its columns, so that dbmate's or Rails' schema_migrations is never touched.
const char* const k_find_legacy = R"(
SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = 'schema_migrations' AND c.relkind = 'r' AND n.nspname <> 'devlogctl'
  AND n.nspname = ANY (pg_catalog.current_schemas(false))
  AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_attribute a
       WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
         AND a.attname IN ('version', 'name', 'checksum', 'applied_at', 'execution_ms', 'kind', 'success')) = 7
ORDER BY pg_catalog.array_position(pg_catalog.current_schemas(false), n.nspname)
LIMIT 1)";

const char* const k_columns = "version, name, checksum, applied_at, execution_ms, kind, success";

std::optional<std::string> legacy_table(db::Runner& runner)
{
    return runner.exec(k_find_legacy).get(0, 0);
}

bool exists(db::Runner& runner)
{
    return runner.exec("SELECT pg_catalog.to_regclass('devlogctl.schema_migrations') IS NOT NULL").get(0, 0) == "t";
}

std::int64_t to_int(const std::optional<std::string>& text)
{
    return text ? std::stoll(*text) : 0;
}

std::optional<int> to_opt_int(const std::optional<std::string>& text)
{
    return text ? std::optional<int>(std::stoi(*text)) : std::nullopt;
}

} // namespace

std::optional<std::vector<HistoryRow>> read(db::Runner& runner)
{
    std::string sql;
    if (exists(runner)) {
        sql = fmt::format("SELECT {}, statements_done, statements_total, error, reverting FROM {}", k_columns,
                          k_history_table);
    } else if (const auto legacy = legacy_table(runner)) {
        sql = fmt::format("SELECT {}, NULL, NULL, NULL, false FROM {}", k_columns, *legacy);
    } else {
        return std::nullopt;
    }
    // applied_at as ISO-8601 UTC whatever the session's TimeZone and DateStyle.
    sql.replace(sql.find("applied_at"), 10,
                "pg_catalog.to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
    const auto rows = runner.exec(sql + " ORDER BY version");
    std::vector<HistoryRow> out;
    for (std::size_t r = 0; r < rows.rows(); ++r) {
        HistoryRow row;
        row.version = to_int(rows.get(r, 0));
        row.name = rows.get(r, 1).value_or("");
        row.checksum = rows.get(r, 2).value_or("");
        row.applied_at = rows.get(r, 3).value_or("");
        row.execution_ms = to_int(rows.get(r, 4));
        row.kind = rows.get(r, 5).value_or("migrate");
        row.success = rows.get(r, 6) == "t";
        row.statements_done = to_opt_int(rows.get(r, 7));
        row.statements_total = to_opt_int(rows.get(r, 8));
        row.error = rows.get(r, 9);
        row.reverting = rows.get(r, 10) == "t";
        out.push_back(std::move(row));
    }
    return out;
}

std::string ensure(db::Runner& runner)
{
    if (exists(runner)) {
        return "";
    }
    try {
        if (runner.exec("SELECT pg_catalog.to_regnamespace('devlogctl') IS NULL").get(0, 0) == "t") {
            runner.exec("CREATE SCHEMA devlogctl");
        }
        runner.exec(embedded_sql("migrate/bookkeeping.sql"));
    } catch (const SqlError& e) {
        throw SqlError(fmt::format("cannot create the migration history table {}: {}", k_history_table, e.what()),
                       e.sqlstate(),
                       e.sqlstate() == "42501"
                           ? "migrate as the database owner, or GRANT CREATE ON DATABASE to this user (devlogctl keeps "
                             "its history in a schema of its own, devlogctl)"
                           : e.hint(),
                       e.detail());
    }
    const auto legacy = legacy_table(runner);
    if (!legacy) {
        return "";
    }
    runner.exec(fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM {2}", k_history_table, k_columns, *legacy));
    runner.exec(fmt::format("DROP TABLE {}", *legacy));
    return *legacy;
}

void record_applied(db::Runner& runner, const Migration& m, std::int64_t execution_ms)
{
    // Undo what the migration did to the session: SET ROLE to a role without rights on the
    // history, SET LOCAL search_path, set_config(..., true), statement_timeout, ...
    runner.exec("SET SESSION AUTHORIZATION DEFAULT; RESET ALL; SET LOCAL search_path = pg_catalog, pg_temp");
    runner.exec(fmt::format("INSERT INTO {} AS h (version, name, checksum, execution_ms, kind, success) "
                            "VALUES ($1, $2, $3, $4, 'migrate', true) ON CONFLICT (version) DO UPDATE SET "
                            "name = EXCLUDED.name, checksum = EXCLUDED.checksum, applied_at = pg_catalog.now(), "
                            "execution_ms = EXCLUDED.execution_ms, kind = 'migrate', success = true, "
                            "statements_done = NULL, statements_total = NULL, error = NULL, reverting = false",
                            k_history_table),
                {}, {std::to_string(m.version), m.name, m.checksum, std::to_string(execution_ms)});
}

void record_reverted(db::Runner& runner, const Migration& m)
{
    runner.exec("SET SESSION AUTHORIZATION DEFAULT; RESET ALL; SET LOCAL search_path = pg_catalog, pg_temp");
    runner.exec(fmt::format("DELETE FROM {} WHERE version = $1", k_history_table), {}, {std::to_string(m.version)});
}

void record_baseline(db::Runner& runner, const Migration& m)
{
    runner.exec(fmt::format("INSERT INTO {} (version, name, checksum, execution_ms, kind) VALUES ($1, $2, $3, 0, "
                            "'baseline')",
                            k_history_table),
                {}, {std::to_string(m.version), m.name, m.checksum});
}

void record_started(db::Runner& runner, const Migration& m, int statements)
{
    runner.exec(fmt::format("INSERT INTO {} (version, name, checksum, execution_ms, kind, success, statements_done, "
                            "statements_total, error, reverting) VALUES ($1, $2, $3, 0, 'migrate', false, 0, $4, "
                            "NULL, false) "
                            "ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, "
                            "applied_at = pg_catalog.now(), execution_ms = 0, kind = 'migrate', success = false, "
                            "statements_done = 0, statements_total = EXCLUDED.statements_total, error = NULL, "
                            "reverting = false",
                            k_history_table),
                {}, {std::to_string(m.version), m.name, m.checksum, std::to_string(statements)});
}

void record_revert_started(db::Runner& runner, const Migration& m, int statements)
{
    runner.exec(fmt::format("UPDATE {} SET success = false, statements_done = 0, statements_total = $2, error = NULL, "
                            "reverting = true WHERE version = $1",
                            k_history_table),
                {}, {std::to_string(m.version), std::to_string(statements)});
}

void record_progress(db::Runner& runner, const Migration& m, int done)
{
    runner.exec(fmt::format("UPDATE {} SET statements_done = $2 WHERE version = $1", k_history_table), {},
                {std::to_string(m.version), std::to_string(done)});
}

void record_stopped(db::Runner& runner, const Migration& m, int done, const std::string& error)
{
    runner.exec(fmt::format("UPDATE {} SET statements_done = $2, error = $3 WHERE version = $1", k_history_table), {},
                {std::to_string(m.version), std::to_string(done), error});
}

void record_finished(db::Runner& runner, const Migration& m, std::int64_t execution_ms)
{
    runner.exec(fmt::format("UPDATE {} SET success = true, execution_ms = $2, statements_done = statements_total, "
                            "error = NULL, reverting = false WHERE version = $1",
                            k_history_table),
                {}, {std::to_string(m.version), std::to_string(execution_ms)});
}

} // namespace devlog::migrate::history
