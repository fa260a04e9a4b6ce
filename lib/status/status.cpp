#include "lib/status/status.hpp"

#include "lib/core/errors.hpp"
#include "lib/db/database.hpp"
#include "lib/db/runner.hpp"
#include "lib/maintain/health.hpp"
#include "lib/migrate/migrator.hpp"
#include "lib/timescale/health.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace devlog::status {
namespace {

// The server itself: its version, the database.
class ServerCheck final : public Check
{
  public:
    std::string_view name() const override { return "server"; }
    void run(Probe& probe, Report& report) const override
    {
        const auto r =
            probe.runner.exec("SELECT pg_catalog.current_setting('server_version'), "
                              "pg_catalog.current_database(), "
                              "pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(pg_catalog.current_database()))");
        report.add({"server",
                    "PostgreSQL",
                    Health::ok,
                    fmt::format("{} at {}, database {} ({})", r.get(0, 0).value_or("?"), probe.db.endpoint(),
                                r.get(0, 1).value_or("?"), r.get(0, 2).value_or("?")),
                    {},
                    {}});
    }
};

// The schema migrations built into devlogctl against the database's history.
class MigrationsCheck final : public Check
{
  public:
    std::string_view name() const override { return "migrations"; }
    void run(Probe& probe, Report& report) const override
    {
        migrate::Migrator migrator(probe.db, migrate::embedded_migrations());
        const auto s = migrator.status();
        Item item{"migrations", "schema", Health::ok, {}, {}, {}};
        const auto pending = s.count(migrate::State::pending);
        item.detail = fmt::format("version {}: {} applied, {} pending", migrate::format_version(s.current_version()),
                                  s.count(migrate::State::applied), pending);
        if (s.has_problems()) {
            item.health = Health::problem;
            item.reason = fmt::format("migration history does not match devlogctl's migrations ({} drifted, {} failed, "
                                      "{} unknown)",
                                      s.count(migrate::State::drifted), s.count(migrate::State::failed),
                                      s.count(migrate::State::missing));
            item.hint = "see devlogctl migrate status";
        } else if (pending > 0) {
            std::string names;
            for (const auto& m : s.migrations) {
                if (m.state == migrate::State::pending) {
                    names += (names.empty() ? "" : ", ") + m.filename;
                }
            }
            item.health = Health::problem;
            item.reason = fmt::format("{} pending migration{}: {}", pending, pending == 1 ? "" : "s", names);
            item.hint = "apply them: devlogctl migrate up";
        }
        report.add(std::move(item));
    }
};

} // namespace

const char* to_string(Health health)
{
    switch (health) {
    case Health::ok:
        return "ok";
    case Health::info:
        return "info";
    case Health::warning:
        return "warning";
    case Health::problem:
        return "problem";
    }
    return "?";
}

std::size_t Report::count(Health health) const
{
    return static_cast<std::size_t>(
        std::count_if(m_items.begin(), m_items.end(), [&](const Item& i) { return i.health == health; }));
}

std::vector<std::unique_ptr<Check>> default_checks()
{
    std::vector<std::unique_ptr<Check>> checks;
    checks.push_back(std::make_unique<ServerCheck>());
    checks.push_back(std::make_unique<MigrationsCheck>());
    checks.push_back(timescale::make_timescale_check());
    checks.push_back(maintain::make_plain_check());
    return checks;
}

Report run(db::Database& db, const std::vector<std::unique_ptr<Check>>& checks)
{
    db::Runner runner(db);
    Probe probe{db, runner, time::now()};
    if (const auto now = runner.exec("SELECT (EXTRACT(epoch FROM pg_catalog.now()) * 1000000)::bigint").get(0, 0)) {
        probe.now = std::stoll(*now);
    }
    Report report;
    for (const auto& check : checks) {
        try {
            check->run(probe, report);
        } catch (const Interrupted&) {
            throw;
        } catch (const ConnectError&) {
            throw;
        } catch (const Error& e) {
            report.add({std::string(check->name()),
                        "check",
                        Health::problem,
                        {},
                        fmt::format("could not check {}: {}", check->name(), e.what()),
                        e.hint()});
        }
    }
    return report;
}

} // namespace devlog::status
