#include "lib/migrate/plan.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/db/pq.hpp"
#include "lib/migrate/sql_split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>

namespace devlog::migrate {
namespace {

const std::string& file_of(const MigrationStatus& m)
{
    return m.filename;
}

std::string short_checksum(const std::string& checksum)
{
    return checksum.substr(0, 12);
}

// The note shown for a transaction:false migration that did not finish.
std::string failed_note(const HistoryRow& row)
{
    std::string progress;
    const char* what = row.reverting ? "its down section (revert) stopped" : "stopped";
    if (row.statements_done && row.statements_total) {
        progress = fmt::format("{} after {} of {} statements", what, *row.statements_done, *row.statements_total);
        if (*row.statements_done == 1) {
            progress += " (statement 1 stays applied)";
        } else if (*row.statements_done > 1) {
            progress += fmt::format(" (statements 1-{} stay applied)", *row.statements_done);
        }
    } else {
        progress = std::string(what) + " partway";
    }
    if (row.error) {
        return progress + ": " + *row.error;
    }
    return progress + ": the process ended before it could say why (killed, or the connection broke)";
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

bool StatusReport::has_problems() const
{
    return count(State::drifted) + count(State::failed) + count(State::missing) > 0;
}

StatusReport make_status(const std::vector<Migration>& files, const std::vector<HistoryRow>& history)
{
    StatusReport report;
    std::map<std::int64_t, const HistoryRow*> rows;
    for (const auto& row : history) {
        rows[row.version] = &row;
    }
    const auto fill = [](MigrationStatus& s, const HistoryRow& row) {
        s.applied_at = row.applied_at;
        s.execution_ms = row.execution_ms;
        s.kind = row.kind;
        s.db_checksum = row.checksum;
    };
    for (const auto& m : files) {
        MigrationStatus s;
        s.version = m.version;
        s.name = m.name;
        s.filename = m.filename;
        s.file_checksum = m.checksum;
        if (auto it = rows.find(m.version); it != rows.end()) {
            const HistoryRow& row = *it->second;
            fill(s, row);
            if (!row.success) {
                s.state = State::failed;
                s.note = failed_note(row);
            } else if (row.checksum != m.checksum) {
                s.state = State::drifted;
                s.note = fmt::format("the file changed after it was applied (checksum {} in the database, {} in the file)",
                                     short_checksum(row.checksum), short_checksum(m.checksum));
            } else {
                s.state = State::applied;
            }
            rows.erase(it);
        }
        report.migrations.push_back(std::move(s));
    }
    for (const auto& [version, row] : rows) {
        MigrationStatus s;
        s.version = version;
        s.name = row->name;
        s.filename = fmt::format("{}_{}", format_version(version), row->name);
        s.state = State::missing;
        s.note = "applied in the database, but this devlogctl has no such migration";
        fill(s, *row);
        report.migrations.push_back(std::move(s));
    }
    std::sort(report.migrations.begin(), report.migrations.end(),
              [](const auto& a, const auto& b) { return a.version < b.version; });
    std::int64_t newest_applied = 0;
    for (const auto& m : report.migrations) {
        if (m.state != State::pending) {
            newest_applied = std::max(newest_applied, m.version);
        }
    }
    for (auto& m : report.migrations) {
        if (m.state == State::pending && m.version < newest_applied) {
            m.out_of_order = true;
            m.note = fmt::format("out of order: {} is already applied", format_version(newest_applied));
        }
    }
    report.history_exists = !history.empty();
    return report;
}

std::vector<std::string> problems(const StatusReport& report, const UpOptions& options)
{
    std::vector<std::string> out;
    for (const auto& m : report.migrations) {
        switch (m.state) {
        case State::drifted:
            out.push_back(fmt::format("{} was changed after it was applied (checksum {} in the database, {} in the file)",
                                      file_of(m), short_checksum(m.db_checksum.value_or("")),
                                      short_checksum(m.file_checksum)));
            break;
        case State::failed:
            if (!options.retry_failed) {
                out.push_back(fmt::format("{} did not finish when it was run at {} (it runs outside a transaction): {}",
                                          file_of(m), m.applied_at.value_or("?"), m.note));
            }
            break;
        case State::missing:
            out.push_back(fmt::format("migration {} ({}) is applied in the database but unknown to this devlogctl",
                                      format_version(m.version), m.name));
            break;
        case State::pending:
            if (m.out_of_order && !options.allow_out_of_order &&
                (!options.target || m.version <= *options.target)) {
                out.push_back(fmt::format("{} is pending, but a newer migration is already applied ({})", file_of(m),
                                          m.note.substr(m.note.find(": ") + 2)));
            }
            break;
        case State::applied:
            break;
        }
    }
    return out;
}

namespace {

[[noreturn]] void throw_problems(const StatusReport& report, const std::vector<std::string>& found,
                                 const UpOptions& options)
{
    std::string message = "migration history does not match the migration files: " + found.front();
    if (found.size() > 1) {
        message += fmt::format(" (and {} more)", found.size() - 1);
    }
    std::string hint = "run 'devlogctl migrate status' to see every problem. ";
    if (report.count(State::drifted) > 0) {
        hint += "Never edit an applied migration: restore the file and write a new migration. ";
    }
    if (report.count(State::failed) > 0 && !options.retry_failed) {
        hint += "Check what the unfinished migration left behind, then run 'devlogctl migrate up --retry-failed'. ";
    }
    if (report.count(State::missing) > 0) {
        hint += "Upgrade devlogctl (or pass the newer --migrations-dir). ";
    }
    const bool out_of_order = std::any_of(report.migrations.begin(), report.migrations.end(),
                                          [](const auto& m) { return m.out_of_order; });
    if (out_of_order && !options.allow_out_of_order) {
        hint += "A migration added below the newest applied version runs out of order: check it does not depend on "
                "the newer ones, then pass --allow-out-of-order. ";
    }
    hint.pop_back();
    throw DriftError(message, hint);
}

} // namespace

std::vector<std::int64_t> plan_up(const StatusReport& report, const UpOptions& options)
{
    if (options.target) {
        const bool known = std::any_of(report.migrations.begin(), report.migrations.end(), [&](const auto& m) {
            return m.version == *options.target && m.state != State::missing;
        });
        if (!known) {
            throw UsageError(fmt::format("no migration with version {}", format_version(*options.target)),
                             "see 'devlogctl migrate status' for the known versions");
        }
    }
    if (const auto found = problems(report, options); !found.empty()) {
        throw_problems(report, found, options);
    }
    std::vector<std::int64_t> out;
    for (const auto& m : report.migrations) {
        const bool runnable = m.state == State::pending || (options.retry_failed && m.state == State::failed);
        if (runnable && (!options.target || m.version <= *options.target)) {
            out.push_back(m.version);
        }
    }
    return out;
}

std::vector<std::int64_t> plan_down(const StatusReport& report, const std::vector<Migration>& files, int steps)
{
    if (steps < 1) {
        throw UsageError("--steps must be at least 1");
    }
    UpOptions none;
    none.allow_out_of_order = true; // a pending migration below is no reason not to revert
    if (const auto found = problems(report, none); !found.empty()) {
        throw_problems(report, found, none);
    }
    std::vector<std::int64_t> out;
    for (auto it = report.migrations.rbegin(); it != report.migrations.rend(); ++it) {
        if (it->state == State::applied && static_cast<int>(out.size()) < steps) {
            out.push_back(it->version);
        }
    }
    if (static_cast<int>(out.size()) < steps) {
        throw UsageError(fmt::format("cannot revert {} migration{}: only {} {} applied", steps, steps == 1 ? "" : "s",
                                     out.size(), out.size() == 1 ? "is" : "are"));
    }
    for (const auto version : out) {
        const auto file = std::find_if(files.begin(), files.end(), [&](const auto& m) { return m.version == version; });
        if (file != files.end() && !file->down) {
            throw UsageError(fmt::format("{} has no down section, so it cannot be reverted; nothing was changed",
                                         file->filename),
                             "write the reverse SQL under '-- migrate:down' in a new migration instead");
        }
    }
    return out;
}

namespace {

// "name", "\"Quoted\"\"\"" or "schema.name": a possibly qualified, possibly quoted identifier.
const char* const k_ident = R"((?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))";

std::string normalise_part(const std::string& part)
{
    if (part.size() >= 2 && part.front() == '"') {
        std::string out;
        for (std::size_t i = 1; i + 1 < part.size(); ++i) {
            out.push_back(part[i]);
            if (part[i] == '"') {
                ++i; // "" inside quotes is one "
            }
        }
        return out;
    }
    std::string out = part;
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

// NAME ("a.b", "\"A\".b") as the catalog spells it: "a.b", "A.b".
std::string normalise_name(const std::string& name)
{
    static const std::regex k_parts(std::string("^(") + k_ident + R"()(?:\s*\.\s*()" + k_ident + "))?$");
    std::smatch m;
    if (!std::regex_match(name, m, k_parts)) {
        return name;
    }
    return m[2].matched ? normalise_part(m[1].str()) + "." + normalise_part(m[2].str()) : normalise_part(m[1].str());
}

} // namespace

std::vector<std::string> tables_created(const std::vector<Migration>& files, std::int64_t version)
{
    const std::string name = std::string(k_ident) + R"((?:\s*\.\s*)" + k_ident + ")?";
    const auto icase = std::regex::ECMAScript | std::regex::icase;
    static const std::regex k_create(
        std::string(R"(^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?()") + name + ")",
        icase);
    static const std::regex k_temp(R"(^CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?TEMP(?:ORARY)?\s)", icase);
    static const std::regex k_drop(std::string(R"(^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?()") + name +
                                       R"((?:\s*,\s*)" + name + ")*)",
                                   icase);
    static const std::regex k_rename(std::string(R"(^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?()") + name +
                                         R"()\s+RENAME\s+TO\s+()" + k_ident + ")",
                                     icase);
    static const std::regex k_name(name);
    std::vector<std::string> tables;
    const auto erase = [&](const std::string& table) {
        tables.erase(std::remove(tables.begin(), tables.end(), table), tables.end());
    };
    for (const auto& m : files) {
        if (m.version > version) {
            continue;
        }
        for (const auto& statement : split_statements(m.up.sql)) {
            const std::string text = statement.text.substr(leading_trivia(statement.text));
            std::smatch match;
            if (std::regex_search(text, match, k_temp)) {
                continue;
            }
            if (std::regex_search(text, match, k_create)) {
                const std::string table = normalise_name(match[1].str());
                erase(table);
                tables.push_back(table);
            } else if (std::regex_search(text, match, k_drop)) {
                const std::string list = match[1].str();
                for (std::sregex_iterator it(list.begin(), list.end(), k_name), end; it != end; ++it) {
                    erase(normalise_name(it->str()));
                }
            } else if (std::regex_search(text, match, k_rename)) {
                const std::string from = normalise_name(match[1].str());
                const auto dot = from.rfind('.');
                const std::string to = (dot == std::string::npos ? "" : from.substr(0, dot + 1)) +
                                       normalise_part(match[2].str());
                if (std::find(tables.begin(), tables.end(), from) != tables.end()) {
                    erase(from);
                    tables.push_back(to);
                }
            }
        }
    }
    return tables;
}

namespace {

// True when SQL's last statement is terminated by ';' (comments and blank lines after it aside).
bool ends_terminated(const std::string& sql)
{
    const auto statements = split_statements(sql);
    if (statements.empty()) {
        return true;
    }
    const auto& last = statements.back();
    const auto at = sql.rfind(last.text);
    if (at == std::string::npos) {
        return false;
    }
    const auto after = sql.find_first_not_of(" \t\r\n", at + last.text.size());
    return after != std::string::npos && sql[after] == ';';
}

std::string history_write(const Migration& m, Direction direction)
{
    if (direction == Direction::down) {
        return fmt::format("DELETE FROM {} WHERE version = {};\n", k_history_table, m.version);
    }
    return fmt::format("INSERT INTO {} (version, name, checksum, execution_ms, kind, success) VALUES ({}, {}, {}, 0, "
                       "'migrate', true)\n  ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = "
                       "EXCLUDED.checksum, applied_at = now(), execution_ms = 0, kind = 'migrate', success = true, "
                       "statements_done = NULL, statements_total = NULL, error = NULL, reverting = false;\n",
                       k_history_table, m.version, db::quote_literal(m.name), db::quote_literal(m.checksum));
}

} // namespace

std::string dry_run_script(const std::vector<const Migration*>& migrations, Direction direction)
{
    std::string out = fmt::format("-- devlogctl migrate {} --dry-run: what would run, history included.\n"
                                  "-- Applying it by hand: psql -v ON_ERROR_STOP=1 -f FILE\n\n",
                                  direction == Direction::up ? "up" : "down");
    if (migrations.empty()) {
        return out + "-- nothing to do\n";
    }
    if (direction == Direction::up) {
        out += "-- the history table (when it does not exist yet)\n";
        out += "CREATE SCHEMA IF NOT EXISTS devlogctl;\n";
        out += embedded_sql("migrate/bookkeeping.sql");
        out += "\n";
    }
    for (const Migration* m : migrations) {
        const Section& section = direction == Direction::up ? m->up : *m->down;
        out += fmt::format("\n-- {} ({}, {})\n", m->filename, direction == Direction::up ? "up" : "down",
                           section.transactional ? "in one transaction" : "outside a transaction");
        if (section.transactional) {
            out += "BEGIN;\n";
        }
        out += section.sql;
        if (!section.sql.empty() && section.sql.back() != '\n') {
            out += '\n';
        }
        if (!ends_terminated(section.sql)) {
            out += ";\n";
        }
        out += history_write(*m, direction);
        if (section.transactional) {
            out += "COMMIT;\n";
        }
    }
    return out;
}

} // namespace devlog::migrate
