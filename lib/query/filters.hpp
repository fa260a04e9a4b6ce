#pragma once
// The filters of `query events|sessions|timeline|usage` (--since, --project, --type, ...): parsed
// from the words on the command line into checked values. Pure functions: every mistake is a
// UsageError whose message starts with the flag ("--since: ...") so the user knows what to fix.

#include "lib/core/time.hpp"
#include "lib/core/uuid.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace devlog::query {

// The filter flags as typed (cli/ fills it; parse_filter checks it).
struct FilterArgs
{
    std::optional<std::string> since;
    std::optional<std::string> until;
    std::vector<std::string> projects;
    std::optional<std::string> session;
    std::vector<std::string> agents;
    std::vector<std::string> types;
    std::vector<std::string> severities;
    std::vector<std::string> tags;
    std::optional<std::string> data;
};

// Which events a query reads. Values within one list are alternatives (any project, any type),
// except tags: an event must carry every tag given.
struct EventFilter
{
    std::optional<time::Micros> since; // inclusive
    std::optional<time::Micros> until; // exclusive
    std::vector<std::string> projects; // as given (id, owner/repo, repo URL), until resolved
    std::vector<std::int32_t> project_ids; // resolved from projects (resolve_projects)
    std::optional<Uuid> session;
    std::vector<std::string> agents;
    std::vector<std::string> types; // canonical event types
    std::vector<std::string> severities;
    std::vector<std::string> tags;
    std::optional<std::string> data; // a JSON object the event's data must contain

    // True when only filters that the rollups can apply are set (time, project, agent, type).
    bool rollup_compatible() const { return !session && severities.empty() && tags.empty() && !data; }
};

// Checks ARGS; NOW resolves durations ("--since 2h" = NOW minus 2 hours). Throws UsageError naming
// the flag. Projects are kept as given (resolving them needs the database).
EventFilter parse_filter(const FilterArgs& args, time::Micros now);

// --since / --until: a duration back from NOW ("30m", "2h", "7d", "1h30m") or an ISO-8601 date or
// timestamp (UTC unless it has an offset). Throws UsageError "FLAG: ..." otherwise.
time::Micros parse_time_flag(std::string_view flag, std::string_view text, time::Micros now);

// A duration flag ("30s", "5m", "1h30m"); throws UsageError "FLAG: ..." otherwise.
std::chrono::microseconds parse_duration_flag(std::string_view flag, std::string_view text);

// --bucket: a duration of at least one second ("15m", "1h", "1d", "1w"). Throws UsageError.
std::chrono::microseconds parse_bucket(std::string_view text);

// One row of the projects table, for matching --project.
struct ProjectRow
{
    std::int32_t id = 0;
    std::string full_name;
    std::string repo_url;
};

// A repository URL or name in one comparable form: lower case, without scheme, user, port and
// ".git" ("git@github.com:O/R.git" and "https://github.com/o/r" both give "github.com/o/r").
std::string normalize_repo(std::string_view text);

// The id of the project SPEC names: its id, its full name (owner/repo) or its repository URL (any
// spelling normalize_repo equates). Throws UsageError "--project: ..." when none or several match.
std::int32_t match_project(std::string_view spec, const std::vector<ProjectRow>& projects);

} // namespace devlog::query
