// devlogctl migrate: versioned schema migrations.
#include "cli/context.hpp"
#include "lib/core/errors.hpp"
#include "lib/db/runner.hpp"
#include "lib/migrate/migrator.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>

namespace devlog::cli {
namespace {

struct MigrateOptions
{
    std::string migrations_dir;
    int lock_timeout_s = 60;
    double ddl_lock_timeout_s = 5;
    int ddl_retries = 4;
    std::string to;
    bool dry_run = false;
    bool retry_failed = false;
    bool allow_out_of_order = false;
    bool force = false;
    int steps = 1;
    bool strict = false;
    std::string name;
    std::string baseline_version;
};

std::vector<migrate::Migration> load(const MigrateOptions& o)
{
    return o.migrations_dir.empty() ? migrate::embedded_migrations() : migrate::load_migrations(o.migrations_dir);
}

// Prints progress of migrations on stderr.
class Progress : public migrate::Observer
{
public:
    explicit Progress(const Context& ctx) : m_ctx(ctx) {}
    void waiting_for_lock(std::optional<int> pid) override
    {
        m_ctx.info(fmt::format("waiting for another migrator{} to finish...",
                               pid ? fmt::format(" (server pid {})", *pid) : ""));
    }
    void starting(const migrate::Step& step) override
    {
        if (step.statements == 0) {
            m_ctx.warn(fmt::format("{} has no SQL statements (comments only): it is recorded as applied and does "
                                   "nothing; write its SQL before it is applied anywhere",
                                   step.filename));
        }
        m_ctx.info(fmt::format("{} {}{}", step.direction == migrate::Direction::up ? "applying" : "reverting",
                               step.filename, step.transactional ? "" : " (outside a transaction)"));
    }
    void finished(const migrate::Step& step) override
    {
        m_ctx.verbose(fmt::format("  done in {} ms", step.execution_ms));
    }
    // Warnings always; notices ("table x does not exist, skipping") only with -v.
    void server_message(const std::string& severity, const std::string& message) override
    {
        if (severity == "WARNING") {
            m_ctx.warn("server: " + message);
        } else {
            m_ctx.verbose(fmt::format("  server {}: {}", severity, message));
        }
    }
    void lock_retry(int attempt, const std::string& blocker, std::chrono::milliseconds wait) override
    {
        m_ctx.warn(fmt::format("a statement timed out waiting for a lock{}; rolled back, trying again in {} "
                               "(attempt {})",
                               blocker.empty() ? "" : " held by " + blocker, db::format_duration(wait), attempt));
    }
    void history_moved(const std::string& from) override
    {
        m_ctx.info(fmt::format("moved the migration history from {} to {}", from, migrate::k_history_table));
    }

private:
    const Context& m_ctx;
};

template <typename F> auto with_migrator(Context& ctx, const MigrateOptions& o, F&& f)
{
    auto migrations = load(o);
    auto db = ctx.open_database();
    Progress progress(ctx);
    migrate::MigratorOptions options;
    options.lock_timeout = std::chrono::seconds(o.lock_timeout_s);
    options.ddl_lock_timeout = std::chrono::milliseconds(std::llround(o.ddl_lock_timeout_s * 1000));
    options.ddl_retries = o.ddl_retries;
    options.observer = &progress;
    migrate::Migrator migrator(db, std::move(migrations), options);
    return f(migrator);
}

output::Table steps_table(const std::vector<migrate::Step>& steps, bool with_sql)
{
    output::Table table{{"version", "name", "direction", "transactional", "execution_ms"}, {}};
    if (with_sql) {
        table.columns.emplace_back("sql");
    }
    for (const auto& s : steps) {
        auto& row = table.rows.emplace_back();
        row = {migrate::format_version(s.version), s.name, s.direction == migrate::Direction::up ? "up" : "down",
               s.transactional, s.execution_ms};
        if (with_sql) {
            row.emplace_back(std::string(s.sql));
        }
    }
    return table;
}

void report_steps(Context& ctx, const migrate::Migrator& migrator, const std::vector<migrate::Step>& steps,
                  bool dry_run, const std::string& done_message)
{
    if (ctx.format() != output::Format::table) {
        ctx.print(steps_table(steps, dry_run));
        return;
    }
    if (dry_run) {
        std::cout << migrator.script(steps);
        ctx.info(fmt::format("dry run: {} migration{} would run; nothing was changed", steps.size(),
                             steps.size() == 1 ? "" : "s"));
        return;
    }
    std::cout << done_message << '\n';
}

void run_up(Context& ctx, const MigrateOptions& o)
{
    std::optional<std::int64_t> target;
    if (!o.to.empty()) {
        target = migrate::parse_version(o.to);
    }
    with_migrator(ctx, o, [&](migrate::Migrator& migrator) {
        migrate::UpOptions up;
        up.target = target;
        up.retry_failed = o.retry_failed;
        up.allow_out_of_order = o.allow_out_of_order;
        const auto steps = migrator.up(up, o.dry_run ? migrate::DryRun::yes : migrate::DryRun::no);
        std::string message;
        if (steps.empty()) {
            const auto version = migrator.status().current_version();
            message = fmt::format("database is up to date at version {}; nothing to do", migrate::format_version(version));
        } else {
            std::int64_t total_ms = 0;
            for (const auto& s : steps) {
                total_ms += s.execution_ms;
            }
            message = fmt::format("applied {} migration{} in {} ms; database is at version {}", steps.size(),
                                  steps.size() == 1 ? "" : "s", total_ms, migrate::format_version(migrator.status().current_version()));
        }
        report_steps(ctx, migrator, steps, o.dry_run, message);
    });
}

void run_down(Context& ctx, const MigrateOptions& o)
{
    with_migrator(ctx, o, [&](migrate::Migrator& migrator) {
        const auto steps = migrator.down(o.steps, o.dry_run ? migrate::DryRun::yes : migrate::DryRun::no);
        std::string message;
        if (!o.dry_run) {
            message = fmt::format("reverted {} migration{}; database is at version {}", steps.size(),
                                  steps.size() == 1 ? "" : "s",
                                  migrate::format_version(migrator.status().current_version()));
        }
        report_steps(ctx, migrator, steps, o.dry_run, message);
    });
}

output::Table status_table(const migrate::StatusReport& report)
{
    output::Table table{{"version", "name", "state", "applied_at", "execution_ms", "kind", "checksum", "note"}, {}};
    for (const auto& m : report.migrations) {
        nlohmann::json applied_at = m.applied_at ? nlohmann::json(*m.applied_at) : nlohmann::json();
        nlohmann::json ms = m.execution_ms ? nlohmann::json(*m.execution_ms) : nlohmann::json();
        nlohmann::json kind = m.kind ? nlohmann::json(*m.kind) : nlohmann::json();
        const std::string checksum = m.file_checksum.empty() ? m.db_checksum.value_or("") : m.file_checksum;
        table.rows.push_back({migrate::format_version(m.version), m.name, migrate::to_string(m.state), applied_at, ms,
                              kind, checksum.substr(0, 12), m.note});
    }
    return table;
}

std::string summary(const migrate::StatusReport& report)
{
    std::string text = fmt::format("version {}: {} applied, {} pending", migrate::format_version(report.current_version()),
                                   report.count(migrate::State::applied), report.count(migrate::State::pending));
    for (auto state : {migrate::State::drifted, migrate::State::failed, migrate::State::missing}) {
        if (auto n = report.count(state)) {
            text += fmt::format(", {} {}", n, migrate::to_string(state));
        }
    }
    return text;
}

void run_status(Context& ctx, const MigrateOptions& o)
{
    with_migrator(ctx, o, [&](migrate::Migrator& migrator) {
        const auto report = migrator.status();
        ctx.print(status_table(report));
        ctx.info(summary(report));
        if (report.has_problems()) {
            ctx.warn("migration history does not match the files: see the rows marked drifted/failed/missing");
        }
    });
}

void run_verify(Context& ctx, const MigrateOptions& o)
{
    with_migrator(ctx, o, [&](migrate::Migrator& migrator) {
        const auto report = migrator.status();
        output::Table problems{{"version", "name", "state"}, {}};
        for (const auto& m : report.migrations) {
            const bool bad = m.state == migrate::State::drifted || m.state == migrate::State::failed ||
                             m.state == migrate::State::missing || (o.strict && m.state == migrate::State::pending);
            if (bad) {
                problems.rows.push_back({migrate::format_version(m.version), m.name, migrate::to_string(m.state)});
            }
        }
        if (ctx.format() != output::Format::table || !problems.rows.empty()) {
            ctx.print(problems); // scripts always get a document, people only a non-empty table
        }
        if (report.has_problems()) {
            ctx.info("verify: FAILED: " + summary(report));
            ctx.exit_code = ExitCode::drift;
        } else if (o.strict && report.count(migrate::State::pending) > 0) {
            ctx.info("verify: FAILED (--strict): " + summary(report));
            ctx.exit_code = ExitCode::pending;
        } else {
            ctx.info("verify: ok: " + summary(report));
        }
    });
}

void run_new(Context& ctx, const MigrateOptions& o)
{
    const std::string dir = o.migrations_dir.empty() ? "migrations" : o.migrations_dir;
    const auto path = migrate::create_migration_file(dir, o.name, migrate::embedded_migrations());
    std::cout << path.string() << '\n';
    ctx.info("created " + path.string() + ": write the SQL under '-- migrate:up' (and '-- migrate:down')");
}

void run_baseline(Context& ctx, const MigrateOptions& o)
{
    const auto version = migrate::parse_version(o.baseline_version);
    with_migrator(ctx, o, [&](migrate::Migrator& migrator) {
        const auto steps = migrator.baseline(version, o.dry_run ? migrate::DryRun::yes : migrate::DryRun::no,
                                             o.force ? migrate::BaselineCheck::none : migrate::BaselineCheck::tables);
        if (ctx.format() != output::Format::table) {
            ctx.print(steps_table(steps, false));
            return;
        }
        for (const auto& s : steps) {
            std::cout << fmt::format("{} {}\n", migrate::format_version(s.version), s.name);
        }
        ctx.info(fmt::format("{} {} migration{} as applied without running them (baseline at {})",
                             o.dry_run ? "dry run: would mark" : "marked", steps.size(), steps.size() == 1 ? "" : "s",
                             migrate::format_version(version)));
    });
}

const char* const k_inherited = "Also: --migrations-dir, --lock-timeout, --ddl-lock-timeout, --ddl-retries (devlogctl migrate --help), and the "
                                "global options (--database-url, --format, -v, ...: devlogctl --help).";

} // namespace

void register_migrate(CLI::App& app, Context& ctx)
{
    auto o = std::make_shared<MigrateOptions>();
    auto* migrate = app.add_subcommand("migrate", "Versioned schema migrations (default: migrate up)");
    migrate->require_subcommand(0, 1);
    migrate->add_option("--migrations-dir", o->migrations_dir,
                        "Read migrations from DIR instead of the ones built into devlogctl (development)")
        ->type_name("DIR")
        ->check(CLI::ExistingDirectory);
    migrate->add_option("--lock-timeout", o->lock_timeout_s,
                        "Seconds to wait for another migrator to finish (default 60)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0, 86400));
    migrate->add_option("--ddl-lock-timeout", o->ddl_lock_timeout_s,
                        "Seconds a migration statement may wait for a table lock before its migration is rolled "
                        "back and retried (transaction:false ones fail at once), so it never blocks other sessions "
                        "for long (default 5)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.001, 3600.0));
    migrate->add_option("--ddl-retries", o->ddl_retries,
                        "How often a migration that timed out waiting for a lock is retried, with backoff (default 4)")
        ->type_name("N")
        ->check(CLI::Range(0, 100));
    migrate->callback([&ctx, o, migrate] {
        if (migrate->get_subcommands().empty()) {
            run_up(ctx, *o);
        }
    });

    auto* up = migrate->add_subcommand("up", "Apply pending migrations, each atomically");
    up->add_option("--to", o->to, "Stop after this version (e.g. 0003)")->type_name("VERSION");
    up->add_flag("--dry-run", o->dry_run, "Print the SQL that would run; change nothing");
    up->add_flag("--retry-failed", o->retry_failed,
                 "Re-run a transaction:false migration that failed partway (after checking what it left)");
    up->add_flag("--allow-out-of-order", o->allow_out_of_order,
                 "Also apply pending migrations older than the newest applied one");
    up->callback([&ctx, o] { run_up(ctx, *o); });

    auto* status = migrate->add_subcommand("status", "List applied, pending, drifted, failed and missing migrations");
    status->callback([&ctx, o] { run_status(ctx, *o); });

    auto* down = migrate->add_subcommand("down", "Revert the most recent migrations using their down sections");
    down->add_option("--steps", o->steps, "How many migrations to revert (default 1)")
        ->type_name("N")
        ->check(CLI::Range(1, 1000000));
    down->add_flag("--dry-run", o->dry_run, "Print the SQL that would run; change nothing");
    down->callback([&ctx, o] { run_down(ctx, *o); });

    auto* verify = migrate->add_subcommand("verify", "Exit 4 when applied migrations drifted from their files");
    verify->add_flag("--strict", o->strict, "Also exit 5 when migrations are pending");
    verify->callback([&ctx, o] { run_verify(ctx, *o); });

    auto* create = migrate->add_subcommand("new", "Create the next numbered migration file from a template");
    create->add_option("name", o->name, "What the migration does, e.g. add_event_index")->required();
    create->callback([&ctx, o] { run_new(ctx, *o); });

    for (CLI::App* sub : {up, status, down, verify, create}) {
        sub->footer(k_inherited);
    }

    auto* baseline = migrate->add_subcommand(
        "baseline", "Mark migrations up to VERSION as applied without running them (schema already there)");
    baseline->add_option("version", o->baseline_version, "Last migration the database already has")->required();
    baseline->add_flag("--dry-run", o->dry_run, "Show what would be marked; change nothing");
    baseline->add_flag("--force", o->force,
                       "Mark them even when tables the migrations create are missing from the database");
    baseline->callback([&ctx, o] { run_baseline(ctx, *o); });
    baseline->footer(k_inherited);
    migrate->footer("Global options (--database-url, --format, -v, ...) apply too: see devlogctl --help and "
                    "devlogctl-migrate(1).");
}

} // namespace devlog::cli
