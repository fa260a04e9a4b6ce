#pragma once
// Applies, reverts and reports versioned migrations, keeping history in devlogctl.schema_migrations.
// The rules (states, problems, what runs) are pure functions in plan.hpp; this applies them.

#include "lib/migrate/migration.hpp"
#include "lib/migrate/plan.hpp"
#include "lib/migrate/sql_split.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace devlog::db {
class Database;
class Runner;
} // namespace devlog::db

namespace devlog::migrate {

enum class DryRun
{
    no,
    yes
};

// One migration run (or, in a dry run, that would run).
struct Step
{
    std::int64_t version = 0;
    std::string name;
    std::string filename;
    Direction direction = Direction::up;
    bool transactional = true;
    std::int64_t execution_ms = 0;
    std::string_view sql; // the section's SQL (shown by --dry-run), valid while the Migrator lives
    int statements = 0; // how many statements it has (0: comments only, a no-op that is recorded)
};

// Told about progress; the CLI prints it. Default: ignore everything.
class Observer
{
public:
    virtual ~Observer() = default;
    virtual void waiting_for_lock(std::optional<int> /*holder_pid*/) {}
    virtual void starting(const Step& /*step*/) {}
    virtual void finished(const Step& /*step*/) {}
    // A NOTICE or WARNING the server sent while a migration ran.
    virtual void server_message(const std::string& /*severity*/, const std::string& /*message*/) {}
    // A statement timed out waiting for a lock; it runs again (attempt ATTEMPT) after WAIT.
    virtual void lock_retry(int /*attempt*/, const std::string& /*blocker*/, std::chrono::milliseconds /*wait*/) {}
    // The history of an older devlogctl was moved from FROM to devlogctl.schema_migrations.
    virtual void history_moved(const std::string& /*from*/) {}
};

struct MigratorOptions
{
    // How long to wait for another migrator (the advisory lock).
    std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
    // lock_timeout of each migration statement, and how often a migration that hit it is retried.
    std::chrono::milliseconds ddl_lock_timeout{std::chrono::seconds(5)};
    int ddl_retries = 4;
    Observer* observer = nullptr;
};

enum class BaselineCheck
{
    tables, // refuse when tables the migrations create are missing
    none    // --force
};

class Migrator
{
public:
    Migrator(db::Database& db, std::vector<Migration> migrations, MigratorOptions options = {});

    // Compares history with the files. Reads only; takes no lock.
    StatusReport status();

    // Applies what plan_up() selects, in version order, each migration in its own transaction
    // (unless its file says transaction:false), resetting the session between migrations.
    // Returns the steps run (empty: up to date). Throws what plan_up() throws, LockTimeout (another
    // migrator, or a table lock through every retry), SqlError "FILE:LINE: message" (that migration
    // is rolled back), Interrupted (the statement was cancelled on the server and rolled back).
    std::vector<Step> up(const UpOptions& options, DryRun dry_run);

    // Reverts the STEPS most recently applied migrations, newest first, each in a transaction.
    // Throws UsageError when one of them has no down section (before changing anything).
    std::vector<Step> down(int steps, DryRun dry_run);

    // Records every migration up to VERSION as applied without running it, for a database that
    // already has that schema. Throws UsageError when history already has entries, and Error when
    // CHECK finds tables those migrations create missing from the database.
    std::vector<Step> baseline(std::int64_t version, DryRun dry_run, BaselineCheck check = BaselineCheck::tables);

    // The psql script of a dry run of STEPS (plan.hpp dry_run_script).
    std::string script(const std::vector<Step>& steps) const;

private:
    class Lock;
    const Migration& find(std::int64_t version) const;
    std::vector<Step> run(const std::vector<std::int64_t>& versions, Direction direction, DryRun dry_run);
    void run_outside_transaction(db::Runner& runner, const Migration& m, const Section& section, Step& step,
                                 const std::function<void(db::Runner&, const StatementView&)>& execute);

    db::Database& m_db;
    std::vector<Migration> m_migrations;
    MigratorOptions m_options;
};

} // namespace devlog::migrate
