#include "lib/upload/roles.hpp"

#include "lib/core/errors.hpp"
#include "lib/db/pq.hpp"
#include "lib/db/runner.hpp"
#include "lib/upload/uploader.hpp"

#include <fmt/format.h>

namespace devlog::upload {
namespace {

// Tables an analyst has no business reading: password hashes and one-time tokens.
constexpr std::array<std::string_view, 4> k_private_tables = {"users", "user_providers", "email_verification_tokens",
                                                              "password_reset_tokens"};

constexpr std::array<std::string_view, 6> k_function_signatures = {
    "devlogctl.upload_machine_v1(text, text, text, text, text, text)",
    "devlogctl.upload_project_v1(text, text, text, text, text)",
    "devlogctl.upload_workspace_v1(integer, integer, text, text, text, text)",
    "devlogctl.upload_sessions_v1(jsonb)", "devlogctl.upload_corrections_v1(jsonb)",
    "devlogctl.upload_existing_v1(uuid[], timestamptz, timestamptz)"};

} // namespace

std::vector<RoleStep> plan_roles(db::Runner& runner, const RolesOptions& options)
{
    if (options.writer.empty() || options.reader.empty() || options.writer == options.reader) {
        throw UsageError("the writer and reader roles need two different, non-empty names");
    }
    const auto r = runner.exec("SELECT n.nspname, current_database() FROM pg_class c JOIN pg_namespace n ON n.oid = "
                               "c.relnamespace WHERE c.oid = to_regclass('agent_events')",
                               {"roles: the schema of agent_events"});
    if (r.rows() == 0) {
        throw Error("the database has no agent_events table", "create the schema first: devlogctl migrate");
    }
    const std::string schema = db::quote_name(*r.get(0, 0));
    const std::string database = db::quote_name(*r.get(0, 1));
    const std::string writer = db::quote_name(options.writer);
    const std::string reader = db::quote_name(options.reader);
    std::vector<RoleStep> plan;
    for (const auto& [name, quoted] : {std::pair{options.writer, writer}, std::pair{options.reader, reader}}) {
        const bool exists = runner.exec("SELECT 1 FROM pg_roles WHERE rolname = $1", {"roles"}, {name}).rows() == 1;
        plan.push_back({fmt::format("create role {}", name), fmt::format("CREATE ROLE {} NOLOGIN", quoted), !exists});
    }
    auto grant = [&](std::string what, std::string sql) { plan.push_back({std::move(what), std::move(sql), true}); };
    // Writer: connect, a temporary staging table, INSERT into agent_events, the upload functions.
    grant(fmt::format("{}: connect and use temporary tables", options.writer),
          fmt::format("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}", database, writer));
    grant(fmt::format("{}: see the schemas", options.writer),
          fmt::format("GRANT USAGE ON SCHEMA {}, devlogctl TO {}", schema, writer));
    grant(fmt::format("{}: INSERT on agent_events (no SELECT or UPDATE or DELETE)", options.writer),
          fmt::format("GRANT INSERT ON {}.agent_events TO {}", schema, writer));
    for (const auto signature : k_function_signatures) {
        grant(fmt::format("{}: execute {}", options.writer, signature.substr(0, signature.find('('))),
              fmt::format("GRANT EXECUTE ON FUNCTION {} TO {}", signature, writer));
    }
    // Reader: SELECT on every table and view of the schema (now and later) but the private ones.
    grant(fmt::format("{}: connect", options.reader), fmt::format("GRANT CONNECT ON DATABASE {} TO {}", database, reader));
    grant(fmt::format("{}: see the schema", options.reader), fmt::format("GRANT USAGE ON SCHEMA {} TO {}", schema, reader));
    grant(fmt::format("{}: SELECT on the devlog tables and views", options.reader),
          fmt::format("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}", schema, reader));
    grant(fmt::format("{}: SELECT on tables created later", options.reader),
          fmt::format("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}", schema, reader));
    for (const auto table : k_private_tables) {
        const bool exists = runner.exec("SELECT to_regclass($1) IS NOT NULL", {"roles"},
                                        {*r.get(0, 0) + "." + std::string(table)})
                                .get(0, 0) == "t";
        if (exists) {
            grant(fmt::format("{}: no access to {}", options.reader, table),
                  fmt::format("REVOKE ALL ON {}.{} FROM {}", schema, db::quote_name(table), reader));
        }
    }
    return plan;
}

void apply_roles(db::Runner& runner, std::vector<RoleStep>& plan)
{
    install_functions(runner);
    runner.transaction([&] {
        for (const auto& step : plan) {
            if (step.needed) {
                runner.exec(step.sql, {"roles: " + step.what});
            }
        }
    });
}

} // namespace devlog::upload
