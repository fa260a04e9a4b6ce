#include "lib/query/filters.hpp"

#include "lib/core/errors.hpp"
#include "lib/events/event.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace devlog::query {
namespace {

std::string lower(std::string_view text)
{
    std::string out(text);
    for (auto& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string joined(auto&& names, std::string_view separator = ", ")
{
    std::string out;
    for (const auto& name : names) {
        out += (out.empty() ? "" : std::string(separator)) + std::string(name);
    }
    return out;
}

// nlohmann's message without its "[json.exception.parse_error.101] " prefix.
std::string json_message(const std::exception& e)
{
    std::string text = e.what();
    if (const auto close = text.find("] "); text.starts_with("[json.exception") && close != std::string::npos) {
        text.erase(0, close + 2);
    }
    return text;
}

std::string parse_data(std::string_view text)
{
    nlohmann::json value;
    try {
        value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(fmt::format("--data: not valid JSON: {}", json_message(e)),
                         R"(give a JSON object the event's data must contain, e.g. --data '{"filePath":"src/a.ts"}')");
    }
    if (!value.is_object()) {
        throw UsageError(fmt::format("--data: must be a JSON object, not {}", value.type_name()),
                         R"(e.g. --data '{"filePath":"src/a.ts"}')");
    }
    return value.dump();
}

std::string parse_type(std::string_view text)
{
    if (const auto type = events::canonical_event_type(text)) {
        return std::string(*type);
    }
    throw UsageError(fmt::format("--type: unknown event type '{}'", text),
                     "event types: " + joined(events::k_event_types));
}

std::string parse_severity(std::string_view text)
{
    const std::string value = lower(text);
    if (std::find(events::k_severities.begin(), events::k_severities.end(), value) == events::k_severities.end()) {
        throw UsageError(fmt::format("--severity: '{}' is not one of {}", text, joined(events::k_severities)));
    }
    return value;
}

template <typename T> void add_unique(std::vector<T>& list, T value)
{
    if (std::find(list.begin(), list.end(), value) == list.end()) {
        list.push_back(std::move(value));
    }
}

} // namespace

time::Micros parse_time_flag(std::string_view flag, std::string_view text, time::Micros now)
{
    if (const auto duration = time::parse_duration(text)) {
        return now - duration->count();
    }
    if (const auto instant = time::parse_iso8601(text, time::Offset::assume_utc)) {
        return *instant;
    }
    throw UsageError(fmt::format("{}: '{}' is neither a duration (30m, 2h, 7d) nor a date or timestamp "
                                 "(2025-01-31, 2025-01-31T12:00:00Z)",
                                 flag, text));
}

std::chrono::microseconds parse_duration_flag(std::string_view flag, std::string_view text)
{
    const auto duration = time::parse_duration(text);
    if (!duration) {
        throw UsageError(fmt::format("{}: '{}' is not a duration", flag, text), "durations look like 90s, 15m, 1h, 1d, 1w");
    }
    return *duration;
}

std::chrono::microseconds parse_bucket(std::string_view text)
{
    const auto duration = time::parse_duration(text);
    if (!duration) {
        throw UsageError(fmt::format("--bucket: '{}' is not a duration", text), "e.g. --bucket 15m, 1h, 6h, 1d, 1w");
    }
    if (*duration < std::chrono::seconds(1) || duration->count() % 1'000'000 != 0) {
        throw UsageError(fmt::format("--bucket: '{}' is not a whole number of seconds", text),
                         "e.g. --bucket 15m, 1h, 6h, 1d, 1w");
    }
    return *duration;
}

EventFilter parse_filter(const FilterArgs& args, time::Micros now)
{
    EventFilter f;
    if (args.since) {
        f.since = parse_time_flag("--since", *args.since, now);
    }
    if (args.until) {
        f.until = parse_time_flag("--until", *args.until, now);
    }
    if (f.since && f.until && *f.until <= *f.since) {
        throw UsageError(fmt::format("--until: {} is not after --since {}", time::format_iso8601(*f.until),
                                     time::format_iso8601(*f.since)));
    }
    for (const auto& p : args.projects) {
        if (p.empty()) {
            throw UsageError("--project: empty project name");
        }
        add_unique(f.projects, p);
    }
    if (args.session) {
        const auto id = Uuid::parse(*args.session);
        if (!id) {
            throw UsageError(fmt::format("--session: '{}' is not a UUID", *args.session));
        }
        f.session = *id;
    }
    for (const auto& a : args.agents) {
        if (a.empty()) {
            throw UsageError("--agent: empty agent id");
        }
        add_unique(f.agents, a);
    }
    for (const auto& t : args.types) {
        add_unique(f.types, parse_type(t));
    }
    for (const auto& s : args.severities) {
        add_unique(f.severities, parse_severity(s));
    }
    for (const auto& t : args.tags) {
        if (t.empty()) {
            throw UsageError("--tag: empty tag");
        }
        add_unique(f.tags, t);
    }
    if (args.data) {
        f.data = parse_data(*args.data);
    }
    return f;
}

std::string normalize_repo(std::string_view text)
{
    std::string s = lower(text);
    while (!s.empty() && (s.back() == '/' || std::isspace(static_cast<unsigned char>(s.back())) != 0)) {
        s.pop_back();
    }
    if (s.ends_with(".git")) {
        s.resize(s.size() - 4);
    }
    const auto scheme = s.find("://");
    const bool scp_like = scheme == std::string::npos && s.find(':') != std::string::npos;
    if (scheme != std::string::npos) {
        s.erase(0, scheme + 3);
    }
    if (const auto at = s.find('@'); at != std::string::npos && at < s.find('/')) {
        s.erase(0, at + 1); // user (and password) of the URL
    }
    if (const auto colon = s.find(':'); colon != std::string::npos && colon < s.find('/')) {
        if (scp_like) {
            s[colon] = '/'; // git@host:owner/repo
        } else {
            const auto slash = s.find('/');
            s.erase(colon, slash == std::string::npos ? std::string::npos : slash - colon); // :port
        }
    }
    return s;
}

std::int32_t match_project(std::string_view spec, const std::vector<ProjectRow>& projects)
{
    const bool numeric = !spec.empty() && spec.size() <= 10 &&
                         std::all_of(spec.begin(), spec.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
    std::vector<const ProjectRow*> found;
    if (numeric) {
        const long long id = std::stoll(std::string(spec));
        for (const auto& p : projects) {
            if (p.id == id) {
                found.push_back(&p);
            }
        }
    }
    if (found.empty()) {
        const std::string key = normalize_repo(spec);
        const auto same = [&key](const std::string& name) {
            const std::string other = normalize_repo(name);
            return !other.empty() && (other == key || other.ends_with("/" + key));
        };
        for (const auto& p : projects) {
            if (same(p.full_name) || same(p.repo_url)) {
                found.push_back(&p);
            }
        }
    }
    if (found.size() == 1) {
        return found.front()->id;
    }
    std::vector<std::string> names;
    for (const auto* p : found) {
        names.push_back(fmt::format("{} ({})", p->full_name, p->id));
    }
    if (!found.empty()) {
        throw UsageError(fmt::format("--project: '{}' matches {} projects: {}", spec, found.size(), joined(names)),
                         "name one by its id or its full repository URL");
    }
    for (std::size_t i = 0; i < projects.size() && i < 10; ++i) {
        names.push_back(projects[i].full_name);
    }
    throw UsageError(fmt::format("--project: no project matches '{}'", spec),
                     projects.empty() ? "the projects table is empty"
                                      : fmt::format("projects are named by id, owner/repo or repository URL; known: "
                                                    "{}{}",
                                                    joined(names), projects.size() > 10 ? ", ..." : ""));
}

} // namespace devlog::query
