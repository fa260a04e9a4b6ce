#pragma once
// Pure migration planning: from the migration files and the history rows to each migration's
// state, the problems that stop a run, what `up` and `down` would run, and the SQL a dry run
// prints. No database here: the migrator reads history, calls these, and applies the result.

#include "lib/migrate/migration.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace devlog::migrate {

// The history table, devlogctl's own (dbmate, golang-migrate and Rails use schema_migrations).
inline constexpr const char* k_history_schema = "devlogctl";
inline constexpr const char* k_history_table = "devlogctl.schema_migrations";

// One row of the history table.
struct HistoryRow
{
    std::int64_t version = 0;
    std::string name;
    std::string checksum;
    std::string applied_at; // ISO-8601 UTC
    std::int64_t execution_ms = 0;
    std::string kind = "migrate"; // "migrate" | "baseline"
    bool success = true;          // false: a transaction:false migration started and did not finish
    std::optional<int> statements_done;
    std::optional<int> statements_total;
    std::optional<std::string> error; // why it stopped; none while running or when the process died
    bool reverting = false;           // it was the down section that did not finish
};

enum class State
{
    applied, // in history, checksum matches the file
    pending, // file exists, not in history
    drifted, // in history, the file's checksum differs
    failed,  // a transaction:false migration that did not finish (failed, interrupted, killed)
    missing, // in history, no file: the database is newer than this devlogctl
};
const char* to_string(State state);

struct MigrationStatus
{
    std::int64_t version = 0;
    std::string name;
    std::string filename; // the file's name; for a missing migration "NNNN_name" as recorded
    State state = State::pending;
    std::optional<std::string> applied_at;
    std::optional<std::int64_t> execution_ms;
    std::optional<std::string> kind;
    std::string file_checksum;            // empty for missing
    std::optional<std::string> db_checksum;
    bool out_of_order = false;            // pending, but a later version is already applied
    std::string note;                     // one line for people: why it failed, what stayed, ...
};

struct StatusReport
{
    std::vector<MigrationStatus> migrations; // by version
    bool history_exists = false;
    std::size_t count(State state) const;
    // Highest applied version (0 when none).
    std::int64_t current_version() const;
    // Drifted, failed or missing entries: the history does not match the files.
    bool has_problems() const;
};

// Each file's state against HISTORY, by version; history rows without a file are `missing`.
StatusReport make_status(const std::vector<Migration>& files, const std::vector<HistoryRow>& history);

struct UpOptions
{
    std::optional<std::int64_t> target; // stop after this version
    bool retry_failed = false;          // re-run transaction:false migrations that did not finish
    bool allow_out_of_order = false;    // apply pending versions older than the newest applied one
};

// One line per problem that stops `up` (or, with default options, `down`), most important first.
std::vector<std::string> problems(const StatusReport& report, const UpOptions& options = {});

// The versions `up` runs, in order (empty: nothing to do). Throws UsageError for an unknown
// target and DriftError listing the problems (drift, failed, missing, out of order) with a hint.
std::vector<std::int64_t> plan_up(const StatusReport& report, const UpOptions& options);

// The versions `down` reverts, newest first. Throws UsageError when fewer than STEPS are applied
// or one of them has no down section (before anything changes), DriftError for problems.
std::vector<std::int64_t> plan_down(const StatusReport& report, const std::vector<Migration>& files, int steps);

// Tables that migrations up to VERSION leave behind (CREATE TABLE minus DROP TABLE, with
// renames), as written in the files ("agent_events", "app.users"): what baseline checks for.
std::vector<std::string> tables_created(const std::vector<Migration>& files, std::int64_t version);

enum class Direction
{
    up,
    down
};

// The SQL that applying MIGRATIONS in DIRECTION runs, history included, as a psql script: what
// `--dry-run` prints. Piped to `psql -v ON_ERROR_STOP=1` it has the same effect as the command.
std::string dry_run_script(const std::vector<const Migration*>& migrations, Direction direction);

} // namespace devlog::migrate
