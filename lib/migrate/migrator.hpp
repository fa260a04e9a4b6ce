#pragma once
// Applies, reverts and reports versioned migrations, keeping history in schema_migrations.

#include "lib/migrate/migration.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace devlog::db {
class Database;
}

namespace devlog::migrate {

enum class State
{
    applied,  // in history, checksum matches the file
    pending,  // file exists, not in history
    drifted,  // in history, the file's checksum differs
    failed,   // a transaction:false migration that failed partway
    missing,  // in history, no file: the database is newer than this devlogctl
};
const char* to_string(State state);

struct MigrationStatus
{
    std::int64_t version = 0;
    std::string name;
    State state = State::pending;
    std::optional<std::string> applied_at; // ISO-8601 UTC
    std::optional<std::int64_t> execution_ms;
    std::optional<std::string> kind;          // "migrate" | "baseline"
    std::string file_checksum;                // empty for missing
    std::optional<std::string> db_checksum;   // empty for pending
};

struct StatusReport
{
    std::vector<MigrationStatus> migrations; // by version
    bool history_exists = false;
    std::size_t count(State state) const;
    // Highest applied version (0 when none).
    std::int64_t current_version() const;
};

enum class DryRun
{
    no,
    yes
};

enum class Direction
{
    up,
    down
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
    std::string sql; // the section's SQL (shown by --dry-run)
};

// Told about progress; the CLI prints it. Default: ignore everything.
class Observer
{
public:
    virtual ~Observer() = default;
    virtual void waiting_for_lock(std::optional<int> /*holder_pid*/) {}
    virtual void starting(const Step& /*step*/) {}
    virtual void finished(const Step& /*step*/) {}
    // A NOTICE or WARNING the server sent while a migration ran ("WARNING:  ..." as sent).
    virtual void server_message(const std::string& /*message*/) {}
};

struct MigratorOptions
{
    std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
    Observer* observer = nullptr;
};

class Migrator
{
public:
    Migrator(db::Database& db, std::vector<Migration> migrations, MigratorOptions options = {});

    // Compares history with the files. Reads only; takes no lock.
    StatusReport status();

    // Applies pending migrations in version order, up to and including TARGET when given, each in
    // its own transaction (unless its file says transaction:false). Returns the steps run (empty:
    // up to date). Throws DriftError when history has drifted, failed (unless RETRY_FAILED) or
    // missing entries, LockTimeout when another migrator holds the lock past the timeout,
    // SqlError "FILE:LINE: message" when a statement fails (that migration is rolled back),
    // UsageError for an unknown TARGET.
    std::vector<Step> up(std::optional<std::int64_t> target, DryRun dry_run, bool retry_failed = false);

    // Reverts the STEPS most recently applied migrations, newest first, each in a transaction.
    // Throws UsageError when one of them has no down section (before changing anything).
    std::vector<Step> down(int steps, DryRun dry_run);

    // Records every migration up to VERSION as applied without running it, for a database that
    // already has that schema. Throws UsageError when history already has entries.
    std::vector<Step> baseline(std::int64_t version, DryRun dry_run);

private:
    class Lock;
    std::vector<Step> up_impl(std::optional<std::int64_t> target, DryRun dry_run, bool retry_failed);
    std::vector<Step> down_impl(int steps, DryRun dry_run);
    std::vector<Step> baseline_impl(std::int64_t version, DryRun dry_run);
    StatusReport status_locked_or_not();
    const Migration* find(std::int64_t version) const;
    void run_step(const Migration& migration, Direction direction, Step& step);

    db::Database& m_db;
    std::vector<Migration> m_migrations;
    MigratorOptions m_options;
};

} // namespace devlog::migrate
