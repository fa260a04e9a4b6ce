// devlogctl roles: least-privilege roles for collectors (writer) and analysts (reader).
#include "cli/context.hpp"
#include "lib/db/runner.hpp"
#include "lib/upload/roles.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace devlog::cli {
namespace {

struct RolesFlags
{
    upload::RolesOptions roles;
    bool dry_run = false;
};

void run_setup(Context& ctx, RolesFlags& f)
{
    auto db = ctx.open_database();
    db::Runner runner(db);
    auto plan = upload::plan_roles(runner, f.roles);
    if (f.dry_run && ctx.format() == output::Format::table) {
        for (const auto& step : plan) {
            if (step.needed) {
                std::cout << step.sql << ";\n";
            }
        }
        ctx.info("dry run: nothing was changed (the upload functions of schema devlogctl are created too)");
        return;
    }
    if (!f.dry_run) {
        upload::apply_roles(runner, plan);
    }
    output::Table table{{"step", "status"}, {}};
    for (const auto& step : plan) {
        const bool create = step.what.rfind("create role", 0) == 0;
        const char* status = f.dry_run ? (step.needed ? "would run" : "exists")
                                       : (step.needed ? (create ? "created" : "granted") : "exists");
        table.rows.push_back({step.what, status});
    }
    ctx.print(table);
    if (!f.dry_run) {
        ctx.info(fmt::format("give a collector a login in the writer role: CREATE ROLE laptop1 LOGIN PASSWORD '…' IN "
                             "ROLE {}; an analyst: … IN ROLE {}",
                             f.roles.writer, f.roles.reader));
    }
}

} // namespace

void register_roles(CLI::App& app, Context& ctx)
{
    auto f = std::make_shared<RolesFlags>();
    auto* roles = app.add_subcommand("roles", "Least-privilege roles: a writer for collectors, a reader for analysts");
    roles->require_subcommand(1);
    auto* setup = roles->add_subcommand("setup", "Create or refresh the writer and reader roles and their grants");
    setup->add_option("--writer", f->roles.writer, "Name of the writer role (default devlog_writer)")->type_name("NAME");
    setup->add_option("--reader", f->roles.reader, "Name of the reader role (default devlog_reader)")->type_name("NAME");
    setup->add_flag("--dry-run", f->dry_run, "Print the statements that would run; change nothing");
    setup->callback([&ctx, f] { run_setup(ctx, *f); });
}

} // namespace devlog::cli
