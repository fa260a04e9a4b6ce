#include "lib/migrate/migrator.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/db/database.hpp"
#include "lib/db/pq.hpp"
#include "lib/migrate/sql_split.hpp"

#include <fmt/format.h>
#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <thread>

namespace devlog::migrate {
namespace {

// Session-level advisory lock key shared by every devlogctl migrator ("devlogmg").
constexpr std::int64_t k_lock_key = 0x6465766c6f676d67;

std::int64_t elapsed_ms(std::chrono::steady_clock::time_point since)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

std::string short_checksum(const std::string& checksum)
{
    return checksum.substr(0, 12);
}

// One line per problem that stops migrations from running, most important first.
std::vector<std::string> problems(const StatusReport& report, bool retry_failed)
{
    std::vector<std::string> out;
    for (const auto& m : report.migrations) {
        const std::string file = fmt::format("{}_{}.sql", format_version(m.version), m.name);
        switch (m.state) {
        case State::drifted:
            out.push_back(fmt::format("{} was changed after it was applied (checksum {} in the database, {} in the file)",
                                      file, short_checksum(m.db_checksum.value_or("")), short_checksum(m.file_checksum)));
            break;
        case State::failed:
            if (!retry_failed) {
                out.push_back(fmt::format("{} failed partway when it was applied at {} (it runs outside a transaction)",
                                          file, m.applied_at.value_or("?")));
            }
            break;
        case State::missing:
            out.push_back(fmt::format("migration {} ({}) is applied in the database but unknown to this devlogctl",
                                      format_version(m.version), m.name));
            break;
        default:
            break;
        }
    }
    return out;
}

// Forwards the server's notices and warnings to the observer while it lives.
class NoticeForwarder : public pqxx::errorhandler
{
public:
    NoticeForwarder(pqxx::connection_base& conn, Observer* observer) : pqxx::errorhandler(conn), m_observer(observer) {}
    bool operator()(const char message[]) noexcept override
    {
        if (m_observer != nullptr) {
            try {
                std::string text(message);
                while (!text.empty() && text.back() == '\n') {
                    text.pop_back();
                }
                m_observer->server_message(text);
            } catch (...) { // NOLINT(bugprone-empty-catch): a notice is not worth failing for
            }
        }
        return true;
    }

private:
    Observer* m_observer;
};

// Creates schema_migrations when it does not exist yet (sql/migrate/bookkeeping.sql).
void create_history(pqxx::transaction_base& tx)
{
    try {
        tx.exec(std::string(embedded_sql("migrate/bookkeeping.sql")));
    } catch (const pqxx::sql_error& e) {
        throw db::to_sql_error(e, "cannot create the migration history table schema_migrations",
                               db::sqlstate_of(e) == "42501"
                                   ? "migrate as the schema's owner, or GRANT CREATE ON SCHEMA to this user"
                                   : "");
    }
}

void throw_if_problems(const StatusReport& report, bool retry_failed)
{
    const auto found = problems(report, retry_failed);
    if (found.empty()) {
        return;
    }
    std::string message = "migration history does not match the migration files: " + found.front();
    if (found.size() > 1) {
        message += fmt::format(" (and {} more)", found.size() - 1);
    }
    std::string hint = "run 'devlogctl migrate status' to see every problem. ";
    if (report.count(State::drifted) > 0) {
        hint += "Never edit an applied migration: restore the file and write a new migration. ";
    }
    if (report.count(State::failed) > 0) {
        hint += "Check what the failed migration left behind, then run 'devlogctl migrate up --retry-failed'. ";
    }
    if (report.count(State::missing) > 0) {
        hint += "Upgrade devlogctl (or pass the newer --migrations-dir). ";
    }
    hint.pop_back();
    throw DriftError(message, hint);
}

} // namespace

const char* to_string(State state)
{
    switch (state) {
    case State::applied:
        return "applied";
    case State::pending:
        return "pending";
    case State::drifted:
        return "drifted";
    case State::failed:
        return "failed";
    case State::missing:
        return "missing";
    }
    return "?";
}

std::size_t StatusReport::count(State state) const
{
    return static_cast<std::size_t>(
        std::count_if(migrations.begin(), migrations.end(), [&](const auto& m) { return m.state == state; }));
}

std::int64_t StatusReport::current_version() const
{
    std::int64_t version = 0;
    for (const auto& m : migrations) {
        if (m.state == State::applied || m.state == State::drifted || m.state == State::missing) {
            version = std::max(version, m.version);
        }
    }
    return version;
}

// Holds the migration advisory lock for its lifetime; waits up to the timeout for it.
class Migrator::Lock
{
public:
    Lock(pqxx::connection_base& conn, const MigratorOptions& options) : m_conn(conn)
    {
        const auto deadline = std::chrono::steady_clock::now() + options.lock_timeout;
        bool told = false;
        for (;;) {
            pqxx::nontransaction tx(m_conn);
            if (tx.exec_params1("SELECT pg_try_advisory_lock($1)", k_lock_key)[0].as<bool>()) {
                return;
            }
            const auto holder = holder_pid(tx);
            if (!told && options.observer != nullptr) {
                options.observer->waiting_for_lock(holder);
                told = true;
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                throw LockTimeout(
                    fmt::format("another migrator{} still holds the migration lock after {} s",
                                holder ? fmt::format(" (server pid {})", *holder) : "",
                                std::chrono::duration_cast<std::chrono::seconds>(options.lock_timeout).count()),
                    "wait for it to finish, or raise --lock-timeout");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    ~Lock()
    {
        try {
            pqxx::nontransaction tx(m_conn);
            tx.exec_params("SELECT pg_advisory_unlock($1)", k_lock_key);
        } catch (...) { // NOLINT(bugprone-empty-catch): the server drops the lock with the session
        }
    }

private:
    static std::optional<int> holder_pid(pqxx::nontransaction& tx)
    {
        try {
            const auto r = tx.exec_params(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
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

const Migration* Migrator::find(std::int64_t version) const
{
    for (const auto& m : m_migrations) {
        if (m.version == version) {
            return &m;
        }
    }
    return nullptr;
}


StatusReport Migrator::status()
{
    return db::translate_errors(m_db.endpoint(), [&] { return status_locked_or_not(); });
}

std::vector<Step> Migrator::up(std::optional<std::int64_t> target, DryRun dry_run, bool retry_failed)
{
    return db::translate_errors(m_db.endpoint(), [&] { return up_impl(target, dry_run, retry_failed); });
}

std::vector<Step> Migrator::down(int steps, DryRun dry_run)
{
    return db::translate_errors(m_db.endpoint(), [&] { return down_impl(steps, dry_run); });
}

std::vector<Step> Migrator::baseline(std::int64_t version, DryRun dry_run)
{
    return db::translate_errors(m_db.endpoint(), [&] { return baseline_impl(version, dry_run); });
}

StatusReport Migrator::status_locked_or_not()
{
    StatusReport report;
    struct Row
    {
        std::string name, checksum, applied_at, kind;
        std::int64_t execution_ms;
        bool success;
    };
    std::map<std::int64_t, Row> rows;
    {
        pqxx::read_transaction tx(m_db.conn());
        report.history_exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL")[0].as<bool>();
        if (report.history_exists) {
            for (const auto& r : tx.exec(
                     "SELECT version, name, checksum, "
                     "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
                     "execution_ms, kind, success FROM schema_migrations ORDER BY version")) {
                rows[r[0].as<std::int64_t>()] = Row{r[1].as<std::string>(), r[2].as<std::string>(),
                                                    r[3].as<std::string>(), r[5].as<std::string>(),
                                                    r[4].as<std::int64_t>(), r[6].as<bool>()};
            }
        }
    }
    for (const auto& m : m_migrations) {
        MigrationStatus s;
        s.version = m.version;
        s.name = m.name;
        s.file_checksum = m.checksum;
        if (auto it = rows.find(m.version); it != rows.end()) {
            const Row& row = it->second;
            s.applied_at = row.applied_at;
            s.execution_ms = row.execution_ms;
            s.kind = row.kind;
            s.db_checksum = row.checksum;
            s.state = !row.success ? State::failed : row.checksum != m.checksum ? State::drifted : State::applied;
            rows.erase(it);
        }
        report.migrations.push_back(std::move(s));
    }
    for (const auto& [version, row] : rows) {
        MigrationStatus s;
        s.version = version;
        s.name = row.name;
        s.state = State::missing;
        s.applied_at = row.applied_at;
        s.execution_ms = row.execution_ms;
        s.kind = row.kind;
        s.db_checksum = row.checksum;
        report.migrations.push_back(std::move(s));
    }
    std::sort(report.migrations.begin(), report.migrations.end(),
              [](const auto& a, const auto& b) { return a.version < b.version; });
    return report;
}

void Migrator::run_step(const Migration& migration, Direction direction, Step& step)
{
    const Section& section = direction == Direction::up ? migration.up : *migration.down;
    const auto statements = split_statements(section.sql, section.first_line);
    if (statements.empty()) {
        throw InputError(fmt::format("{}:{}: the {} section has no SQL statements", migration.filename,
                                     section.first_line - 1, direction == Direction::up ? "up" : "down"));
    }
    if (m_options.observer != nullptr) {
        m_options.observer->starting(step);
    }
    const auto started = std::chrono::steady_clock::now();
    auto& conn = m_db.conn();
    NoticeForwarder notices(conn, m_options.observer);
    const auto record = [&](pqxx::transaction_base& tx, bool success) {
        if (direction == Direction::up) {
            tx.exec_params("INSERT INTO schema_migrations (version, name, checksum, execution_ms, success) "
                           "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (version) DO UPDATE SET "
                           "name = EXCLUDED.name, checksum = EXCLUDED.checksum, applied_at = now(), "
                           "execution_ms = EXCLUDED.execution_ms, kind = 'migrate', success = EXCLUDED.success",
                           migration.version, migration.name, migration.checksum, elapsed_ms(started), success);
        } else {
            tx.exec_params("DELETE FROM schema_migrations WHERE version = $1", migration.version);
        }
    };
    const auto where = [&](const Statement& s) { return fmt::format("{}:{}", migration.filename, s.line); };

    if (section.transactional) {
        pqxx::work tx(conn);
        // Created in the migration's own transaction: a failure leaves no trace at all.
        create_history(tx);
        for (const auto& statement : statements) {
            try {
                tx.exec(statement.text);
            } catch (const pqxx::sql_error& e) {
                throw db::to_sql_error(e, where(statement),
                                       fmt::format("{} was rolled back: the database is as it was before it",
                                                   migration.filename));
            }
        }
        record(tx, true);
        tx.commit();
    } else {
        {
            pqxx::nontransaction tx(conn);
            create_history(tx);
        }
        for (const auto& statement : statements) {
            try {
                pqxx::nontransaction tx(conn);
                tx.exec(statement.text);
            } catch (const pqxx::sql_error& e) {
                std::string hint = fmt::format(
                    "{} runs outside a transaction: the statements before line {} stay applied.", migration.filename,
                    statement.line);
                if (direction == Direction::up) {
                    pqxx::nontransaction tx(conn);
                    record(tx, false);
                    hint += " Fix the cause, then run 'devlogctl migrate up --retry-failed'.";
                }
                throw db::to_sql_error(e, where(statement), hint);
            }
        }
        pqxx::nontransaction tx(conn);
        record(tx, true);
    }
    step.execution_ms = elapsed_ms(started);
    if (m_options.observer != nullptr) {
        m_options.observer->finished(step);
    }
}

namespace {
Step make_step(const Migration& m, Direction direction)
{
    const Section& section = direction == Direction::up ? m.up : *m.down;
    return Step{m.version, m.name, m.filename, direction, section.transactional, 0, section.sql};
}
} // namespace

std::vector<Step> Migrator::up_impl(std::optional<std::int64_t> target, DryRun dry_run, bool retry_failed)
{
    if (target && find(*target) == nullptr) {
        throw UsageError(fmt::format("no migration with version {}", format_version(*target)),
                         "see 'devlogctl migrate status' for the known versions");
    }
    Lock lock(m_db.conn(), m_options);
    const StatusReport report = status_locked_or_not();
    throw_if_problems(report, retry_failed);
    std::vector<Step> steps;
    for (const auto& s : report.migrations) {
        const bool runnable = s.state == State::pending || (retry_failed && s.state == State::failed);
        if (!runnable || (target && s.version > *target)) {
            continue;
        }
        const Migration& m = *find(s.version);
        Step step = make_step(m, Direction::up);
        if (dry_run == DryRun::no) {
            run_step(m, Direction::up, step);
        }
        steps.push_back(std::move(step));
    }
    return steps;
}

std::vector<Step> Migrator::down_impl(int count, DryRun dry_run)
{
    if (count < 1) {
        throw UsageError("--steps must be at least 1");
    }
    Lock lock(m_db.conn(), m_options);
    const StatusReport report = status_locked_or_not();
    throw_if_problems(report, false);
    std::vector<const Migration*> targets;
    for (auto it = report.migrations.rbegin(); it != report.migrations.rend(); ++it) {
        if (it->state == State::applied && static_cast<int>(targets.size()) < count) {
            targets.push_back(find(it->version));
        }
    }
    if (static_cast<int>(targets.size()) < count) {
        throw UsageError(fmt::format("cannot revert {} migration{}: only {} {} applied", count, count == 1 ? "" : "s",
                                     targets.size(), targets.size() == 1 ? "is" : "are"));
    }
    for (const auto* m : targets) {
        if (!m->down) {
            throw UsageError(fmt::format("{} has no down section, so it cannot be reverted; nothing was changed",
                                         m->filename),
                             "write the reverse SQL under '-- migrate:down' in a new migration instead");
        }
    }
    std::vector<Step> steps;
    for (const auto* m : targets) {
        Step step = make_step(*m, Direction::down);
        if (dry_run == DryRun::no) {
            run_step(*m, Direction::down, step);
        }
        steps.push_back(std::move(step));
    }
    return steps;
}

std::vector<Step> Migrator::baseline_impl(std::int64_t version, DryRun dry_run)
{
    if (find(version) == nullptr) {
        throw UsageError(fmt::format("no migration with version {}", format_version(version)),
                         "see 'devlogctl migrate status' for the known versions");
    }
    Lock lock(m_db.conn(), m_options);
    const StatusReport before = status_locked_or_not();
    const std::size_t recorded = before.migrations.size() - before.count(State::pending);
    if (recorded > 0) {
        throw UsageError(
            fmt::format("the database already has migration history ({} entries); baseline is only for a database "
                        "without one",
                        recorded),
            "use 'devlogctl migrate status' to see it");
    }
    std::vector<Step> steps;
    for (const auto& m : m_migrations) {
        if (m.version <= version) {
            Step step = make_step(m, Direction::up);
            step.sql.clear();
            steps.push_back(std::move(step));
        }
    }
    if (dry_run == DryRun::yes) {
        return steps;
    }
    pqxx::work tx(m_db.conn());
    create_history(tx);
    for (const auto& step : steps) {
        const Migration& m = *find(step.version);
        tx.exec_params("INSERT INTO schema_migrations (version, name, checksum, execution_ms, kind) "
                       "VALUES ($1, $2, $3, 0, 'baseline')",
                       m.version, m.name, m.checksum);
    }
    tx.commit();
    return steps;
}

} // namespace devlog::migrate
