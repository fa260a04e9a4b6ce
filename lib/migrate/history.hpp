#pragma once
// The history table devlogctl.schema_migrations: reading it, creating it (and moving an older
// devlogctl's unqualified schema_migrations into it), and writing its rows. Every statement names
// the table and functions schema-qualified, so what a migration did to search_path cannot
// redirect it. Used by the migrator only.

#include "lib/migrate/plan.hpp"

#include <optional>
#include <string>
#include <vector>

namespace devlog::db {
class Runner;
}

namespace devlog::migrate::history {

// The rows, by version, from devlogctl.schema_migrations or else from an older devlogctl's
// schema_migrations on the search_path; nullopt when neither exists. Creates nothing.
std::optional<std::vector<HistoryRow>> read(db::Runner& runner);

// Creates devlogctl.schema_migrations when it does not exist; an older devlogctl's table is moved
// into it (rows copied, old table dropped). Call inside a transaction. Returns the moved table's
// name, or "". Throws SqlError naming the table (with a hint on permissions).
std::string ensure(db::Runner& runner);

// Records M as applied (or re-applied). Call at the end of M's own transaction: it first undoes
// what M did to the session (role, search_path, ...) so the write cannot fail or go astray.
void record_applied(db::Runner& runner, const Migration& m, std::int64_t execution_ms);
void record_reverted(db::Runner& runner, const Migration& m);
void record_baseline(db::Runner& runner, const Migration& m);

// A transaction:false migration, written on a connection of its own as it goes: started (before
// its first statement), progress (after each), stopped (with the reason), finished.
void record_started(db::Runner& runner, const Migration& m, int statements);
// A transaction:false down section about to run (the row stays until it finishes).
void record_revert_started(db::Runner& runner, const Migration& m, int statements);
void record_progress(db::Runner& runner, const Migration& m, int done);
void record_stopped(db::Runner& runner, const Migration& m, int done, const std::string& error);
void record_finished(db::Runner& runner, const Migration& m, std::int64_t execution_ms);

} // namespace devlog::migrate::history
