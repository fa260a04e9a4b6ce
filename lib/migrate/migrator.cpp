#include "lib/migrate/migrator.hpp"

#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/database.hpp"
#include "lib/db/pq.hpp"
#include "lib/db/runner.hpp"
#include "lib/migrate/history.hpp"
#include "lib/migrate/sql_split.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <cctype>
#include <functional>

namespace devlog::migrate {
namespace {

// Session-level advisory lock key shared by every devlogctl migrator ("devlogmg").
constexpr std::int64_t k_lock_key = 0x6465766c6f676d67;

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

int count_statements(const Section& section)
{
    int count = 0;
    for_each_statement(section.sql, section.first_line, [&](const StatementView&) { ++count; });
    return count;
}

Step make_step(const Migration& m, Direction direction)
{
    const Section& section = direction == Direction::up ? m.up : *m.down;
    return Step{m.version, m.name, m.filename, direction, section.transactional, 0, section.sql,
                count_statements(section)};
}

db::RunnerOptions runner_options(const MigratorOptions& o)
{
    db::RunnerOptions r;
    r.lock_timeout = o.ddl_lock_timeout;
    r.lock_retries = o.ddl_retries;
    if (Observer* observer = o.observer) {
        r.on_notice = [observer](const db::Notice& n) { observer->server_message(n.severity, n.message); };
        r.on_lock_retry = [observer](int attempt, const std::string& blocker, std::chrono::milliseconds wait) {
            observer->lock_retry(attempt, blocker, wait);
        };
    }
    return r;
}

// ERROR with HINT in front of its own hint, same type (an interrupted migration stays Interrupted).
[[noreturn]] void rethrow_with_hint(std::string hint)
{
    try {
        throw;
    } catch (const SqlError& e) {
        if (e.sqlstate() == "25001") { // e.g. CREATE INDEX CONCURRENTLY "cannot run inside a transaction block"
            hint += ". Statements that cannot run in a transaction belong in a migration whose marker reads "
                    "'-- migrate:up transaction:false'";
        }
    } catch (...) { // NOLINT(bugprone-empty-catch): only looking
    }
    const auto join = [&](const std::string& own) { return own.empty() ? hint : hint + "; " + own; };
    try {
        throw;
    } catch (const Interrupted& e) {
        throw Interrupted(e.signal(), e.what(), join(e.hint()));
    } catch (const LockTimeout& e) {
        throw LockTimeout(e.what(), join(e.hint()), e.detail());
    } catch (const ConnectionLost& e) {
        throw ConnectionLost(e.what(), join(e.hint()), e.detail());
    } catch (const RetryableError& e) {
        throw RetryableError(e.what(), e.sqlstate(), join(e.hint()), e.detail());
    } catch (const SqlError& e) {
        throw SqlError(e.what(), e.sqlstate(), join(e.hint()), e.detail());
    } catch (const InputError& e) {
        throw InputError(e.what(), join(e.hint()), e.detail());
    } catch (const Error& e) {
        throw Error(e.what(), join(e.hint()), e.detail());
    }
}

} // namespace

// Holds the migration advisory lock (session-level) for its lifetime; waits up to the timeout.
class Migrator::Lock
{
public:
    Lock(pqxx::connection_base& conn, const MigratorOptions& options) : m_conn(conn)
    {
        const auto deadline = std::chrono::steady_clock::now() + options.lock_timeout;
        bool told = false;
        for (;;) {
            {
                pqxx::nontransaction tx(m_conn);
                if (tx.exec_params1("SELECT pg_catalog.pg_try_advisory_lock($1)", k_lock_key)[0].as<bool>()) {
                    return;
                }
            }
            const auto holder = holder_pid();
            if (!told && options.observer != nullptr) {
                options.observer->waiting_for_lock(holder);
                told = true;
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                throw LockTimeout(
                    fmt::format("another migrator{} still holds the migration lock after {}",
                                holder ? fmt::format(" (server pid {})", *holder) : "",
                                db::format_duration(options.lock_timeout)),
                    "wait for it to finish, or raise --lock-timeout");
            }
            if (!interrupt::sleep_for(std::chrono::milliseconds(100))) {
                interrupt::check("while waiting for another migrator");
            }
        }
    }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock()
    {
        try {
            pqxx::nontransaction tx(m_conn);
            tx.exec_params("SELECT pg_catalog.pg_advisory_unlock($1)", k_lock_key);
        } catch (...) { // NOLINT(bugprone-empty-catch): the server drops the lock with the session
        }
    }

private:
    // The session holding our key in this database (other databases use the same key freely).
    std::optional<int> holder_pid()
    {
        try {
            pqxx::nontransaction tx(m_conn);
            const auto r = tx.exec_params(
                "SELECT pid FROM pg_catalog.pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
                "AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1 LIMIT 1",
                (k_lock_key >> 32) & 0xffffffff, k_lock_key & 0xffffffff);
            if (!r.empty()) {
                return r[0][0].as<int>();
            }
        } catch (const pqxx::sql_error&) { // pg_locks is optional for the message
        }
        return std::nullopt;
    }

    pqxx::connection_base& m_conn;
};

Migrator::Migrator(db::Database& db, std::vector<Migration> migrations, MigratorOptions options)
    : m_db(db), m_migrations(std::move(migrations)), m_options(options)
{
}

const Migration& Migrator::find(std::int64_t version) const
{
    const auto it = std::find_if(m_migrations.begin(), m_migrations.end(),
                                 [&](const auto& m) { return m.version == version; });
    if (it == m_migrations.end()) {
        throw std::logic_error(fmt::format("migration {} planned but not loaded", version));
    }
    return *it;
}

StatusReport Migrator::status()
{
    return db::translate_errors(m_db.endpoint(), [&] {
        db::Runner runner(m_db);
        const auto rows = history::read(runner);
        StatusReport report = make_status(m_migrations, rows.value_or(std::vector<HistoryRow>{}));
        report.history_exists = rows.has_value();
        return report;
    });
}

std::vector<Step> Migrator::up(const UpOptions& options, DryRun dry_run)
{
    return db::translate_errors(m_db.endpoint(), [&] {
        Lock lock(m_db.conn(), m_options);
        const auto versions = plan_up(status(), options);
        return run(versions, Direction::up, dry_run);
    });
}

std::vector<Step> Migrator::down(int steps, DryRun dry_run)
{
    return db::translate_errors(m_db.endpoint(), [&] {
        Lock lock(m_db.conn(), m_options);
        const auto versions = plan_down(status(), m_migrations, steps);
        return run(versions, Direction::down, dry_run);
    });
}

namespace {

// Invalid indexes (a CREATE INDEX CONCURRENTLY that failed or was interrupted) whose names appear
// in SQL: IF NOT EXISTS would skip them on a retry and leave the index unusable for good.
std::vector<std::string> invalid_indexes_in(db::Runner& runner, std::string_view sql)
{
    std::string lower(sql);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto rows = runner.exec("SELECT n.nspname, c.relname FROM pg_catalog.pg_index i "
                                  "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid "
                                  "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid");
    std::vector<std::string> found;
    for (std::size_t r = 0; r < rows.rows(); ++r) {
        std::string name = rows.get(r, 1).value_or("");
        std::string key = name;
        std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
        if (!key.empty() && lower.find(key) != std::string::npos) {
            found.push_back(rows.get(r, 0).value_or("") + "." + name);
        }
    }
    return found;
}

} // namespace

std::vector<Step> Migrator::run(const std::vector<std::int64_t>& versions, Direction direction, DryRun dry_run)
{
    std::vector<Step> steps;
    for (const auto version : versions) {
        const Migration& m = find(version);
        const Section& section = direction == Direction::up ? m.up : *m.down;
        // Checked before anything runs (also in a dry run): failing here after earlier
        // migrations committed would leave a half-done run.
        if (section.sql.find_first_not_of(" \t\r\n") == std::string::npos) {
            throw InputError(fmt::format("{}:{}: the {} section is empty: write its SQL (a comment alone makes a "
                                         "deliberate no-op); nothing was changed",
                                         m.filename, section.first_line - 1,
                                         direction == Direction::up ? "up" : "down"));
        }
        steps.push_back(make_step(m, direction));
    }
    if (dry_run == DryRun::yes || steps.empty()) {
        return steps;
    }
    Observer* observer = m_options.observer;
    db::Runner runner(m_db, runner_options(m_options));
    for (auto& step : steps) {
        const Migration& m = find(step.version);
        const Section& section = direction == Direction::up ? m.up : *m.down;
        // Statements are views into the section (no copy of a big migration), run as they are
        // found, from their first token on: the server's error position then maps to the line.
        const auto execute = [&](db::Runner& r, const StatementView& s) {
            const db::Location where{m.filename, s.line};
            const std::string_view text = s.text.substr(leading_trivia(s.text));
            if (s.copy_data) {
                r.copy_in(text, *s.copy_data, where);
            } else {
                r.exec(text, where);
            }
        };
        if (observer != nullptr) {
            observer->starting(step);
        }
        const auto started = std::chrono::steady_clock::now();
        if (section.transactional) {
            std::string moved;
            try {
                runner.transaction([&] {
                    moved = history::ensure(runner);
                    for_each_statement(section.sql, section.first_line,
                                       [&](const StatementView& s) { execute(runner, s); });
                    if (direction == Direction::up) {
                        history::record_applied(runner, m, elapsed_ms(started));
                    } else {
                        history::record_reverted(runner, m);
                    }
                });
            } catch (const ConnectionLost&) {
                throw; // the runner says whether the outcome is known
            } catch (const Error&) {
                rethrow_with_hint(fmt::format("{} was rolled back: the database is as it was before it", m.filename));
            }
            if (!moved.empty() && observer != nullptr) {
                observer->history_moved(moved);
            }
        } else {
            run_outside_transaction(runner, m, section, step, execute);
        }
        runner.reset_session();
        step.execution_ms = elapsed_ms(started);
        if (observer != nullptr) {
            observer->finished(step);
        }
    }
    return steps;
}

void Migrator::run_outside_transaction(db::Runner& runner, const Migration& m, const Section& section, Step& step,
                                       const std::function<void(db::Runner&, const StatementView&)>& execute)
{
    // The history of a migration outside a transaction is written as it goes, on a connection of
    // its own: whatever the migration does to its session, and however it ends, the row says how
    // far it got (for a down section too: until it finishes, the migration is not reverted).
    Observer* observer = m_options.observer;
    const bool up = step.direction == Direction::up;
    const auto started = std::chrono::steady_clock::now();
    db::ConnectSettings settings = m_db.settings();
    settings.application_name = "devlogctl (migration history)";
    db::Database book_db = db::Database::open(settings);
    db::RunnerOptions book_options;
    book_options.interruptible = false; // it must record an interruption too
    db::Runner book(book_db, book_options);
    book.transaction([&] {
        if (const auto moved = history::ensure(book); !moved.empty() && observer != nullptr) {
            observer->history_moved(moved);
        }
        if (up) {
            history::record_started(book, m, step.statements);
        } else {
            history::record_revert_started(book, m, step.statements);
        }
    });
    const std::string retry = up ? "'devlogctl migrate up --retry-failed'"
                                 : "'devlogctl migrate up --retry-failed' (to apply it again) after restoring what "
                                   "the down section removed";
    int done = 0;
    for_each_statement(section.sql, section.first_line, [&](const StatementView& s) {
        try {
            execute(runner, s);
        } catch (const Error& e) {
            std::string hint = fmt::format("{} runs outside a transaction: ", m.filename);
            hint += done == 0 ? "none of its statements ran"
                              : fmt::format("its statements before line {} stay applied", s.line);
            if (runner.abandon_open_transaction()) {
                hint += ", except those after its own BEGIN, which were rolled back";
            }
            try {
                history::record_stopped(book, m, done, e.what());
            } catch (const Error&) { // NOLINT(bugprone-empty-catch): the row already says "stopped"
            }
            hint += ". Fix the cause, then run " + retry;
            rethrow_with_hint(hint);
        }
        ++done;
        history::record_progress(book, m, done);
    });
    if (!up) {
        book.transaction([&] { history::record_reverted(book, m); });
        return;
    }
    if (const auto invalid = invalid_indexes_in(runner, section.sql); !invalid.empty()) {
        const std::string message = fmt::format(
            "{} ran to its end, but index {} is invalid: a CREATE INDEX CONCURRENTLY failed or was interrupted, "
            "and IF NOT EXISTS skipped it since",
            m.filename, invalid.front());
        history::record_stopped(book, m, done, message);
        throw Error(message, fmt::format("drop it (DROP INDEX CONCURRENTLY {}), then run {}; writing DROP INDEX "
                                         "CONCURRENTLY IF EXISTS before the CREATE makes a retry safe",
                                         invalid.front(), retry));
    }
    history::record_finished(book, m, elapsed_ms(started));
}

std::vector<Step> Migrator::baseline(std::int64_t version, DryRun dry_run, BaselineCheck check)
{
    return db::translate_errors(m_db.endpoint(), [&] {
        if (std::none_of(m_migrations.begin(), m_migrations.end(), [&](const auto& m) { return m.version == version; })) {
            throw UsageError(fmt::format("no migration with version {}", format_version(version)),
                             "see 'devlogctl migrate status' for the known versions");
        }
        Lock lock(m_db.conn(), m_options);
        const StatusReport before = status();
        const std::size_t recorded = before.migrations.size() - before.count(State::pending);
        if (recorded > 0) {
            throw UsageError(fmt::format("the database already has migration history ({} entries); baseline is only "
                                         "for a database without one",
                                         recorded),
                             "use 'devlogctl migrate status' to see it");
        }
        db::Runner runner(m_db, runner_options(m_options));
        if (check == BaselineCheck::tables) {
            const auto tables = tables_created(m_migrations, version);
            std::vector<std::string> missing;
            for (const auto& table : tables) {
                const auto dot = table.find('.');
                const std::string quoted = dot == std::string::npos
                                               ? db::quote_name(table)
                                               : db::quote_name(table.substr(0, dot)) + "." +
                                                     db::quote_name(table.substr(dot + 1));
                if (runner.exec("SELECT pg_catalog.to_regclass($1) IS NULL", {}, {quoted}).get(0, 0) == "t") {
                    missing.push_back(table);
                }
            }
            if (!missing.empty()) {
                std::string list;
                for (std::size_t i = 0; i < missing.size() && i < 5; ++i) {
                    list += (i > 0 ? ", " : "") + missing[i];
                }
                if (missing.size() > 5) {
                    list += fmt::format(", and {} more", missing.size() - 5);
                }
                throw Error(fmt::format("cannot baseline at {}: {} of the {} tables that migrations up to {} create "
                                        "are not in the database ({}); nothing was recorded",
                                        format_version(version), missing.size(), tables.size(),
                                        format_version(version), list),
                            "baseline is for a database that already has the schema: to create it, run 'devlogctl "
                            "migrate up'; if the tables exist under other names or schemas, pass --force");
            }
        }
        std::vector<Step> steps;
        for (const auto& m : m_migrations) {
            if (m.version <= version) {
                Step step = make_step(m, Direction::up);
                step.sql = {};
                steps.push_back(std::move(step));
            }
        }
        if (dry_run == DryRun::yes) {
            return steps;
        }
        runner.transaction([&] {
            if (const auto moved = history::ensure(runner); !moved.empty() && m_options.observer != nullptr) {
                m_options.observer->history_moved(moved);
            }
            for (const auto& step : steps) {
                history::record_baseline(runner, find(step.version));
            }
        });
        return steps;
    });
}

std::string Migrator::script(const std::vector<Step>& steps) const
{
    std::vector<const Migration*> migrations;
    for (const auto& s : steps) {
        migrations.push_back(&find(s.version));
    }
    return dry_run_script(migrations, steps.empty() ? Direction::up : steps.front().direction);
}

} // namespace devlog::migrate
