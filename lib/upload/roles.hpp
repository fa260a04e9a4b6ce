#pragma once
// `devlogctl roles setup`: least privilege for collectors and analysts. A writer role that can add
// events (INSERT on agent_events) and, through devlogctl's SECURITY DEFINER upload functions, the
// projects, machines, workspaces and sessions they refer to, and nothing else: it cannot read,
// change or delete other data. A reader role that can read the devlog tables (not users' password
// hashes and tokens). Both NOLOGIN: give people or machines LOGIN roles that are members of them.

#include <string>
#include <vector>

namespace devlog::db {
class Runner;
}

namespace devlog::upload {

struct RolesOptions
{
    std::string writer = "devlog_writer";
    std::string reader = "devlog_reader";
};

struct RoleStep
{
    std::string what; // for people: "create role devlog_writer", "grant INSERT on agent_events"
    std::string sql;
    bool needed = true; // false: nothing to do (the role exists already)
};

// The statements that set up the roles in RUNNER's database (nothing runs). Throws Error when
// the schema is missing.
std::vector<RoleStep> plan_roles(db::Runner& runner, const RolesOptions& options);

// Runs PLAN (one transaction, with the upload functions installed first); marks what it did.
void apply_roles(db::Runner& runner, std::vector<RoleStep>& plan);

} // namespace devlog::upload
