#include "lib/db/conninfo.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>

namespace devlog::db {
namespace {

const char* env_or_null(const GetEnv& getenv, const char* name)
{
    const char* value = getenv(name);
    return (value != nullptr && *value != '\0') ? value : nullptr;
}

} // namespace

UrlSource resolve_url(const std::optional<std::string>& flag, const GetEnv& getenv)
{
    if (flag && !flag->empty()) {
        return {*flag, "--database-url"};
    }
    for (const char* name : {"DEVLOG_DATABASE_URL", "DATABASE_URL"}) {
        if (const char* value = env_or_null(getenv, name)) {
            return {value, name};
        }
    }
    return {"", "libpq defaults (PG* variables, ~/.pgpass)"};
}

std::string redact(std::string_view conninfo)
{
    return ConnectionString(conninfo).redacted();
}

std::string build_conninfo(const ConnectSettings& settings, const GetEnv& getenv)
{
    const ConnectionString given(settings.source.url);
    if (!given.valid()) {
        throw UsageError(fmt::format("invalid connection string from {}: {}", settings.source.origin, given.error()),
                         "use postgresql://user@host:port/dbname or key=value pairs (libpq syntax)");
    }
    auto options = given.options();
    if (settings.connect_timeout_s) {
        options["connect_timeout"] = std::to_string(*settings.connect_timeout_s);
    } else if (!options.contains("connect_timeout") && env_or_null(getenv, "PGCONNECT_TIMEOUT") == nullptr) {
        options["connect_timeout"] = std::to_string(settings.default_connect_timeout_s);
    }
    if (!options.contains("application_name")) {
        options["fallback_application_name"] = settings.application_name;
    }
    return keyword_form(options);
}

std::string describe_endpoint(std::string_view conninfo, const GetEnv& getenv)
{
    const auto options = ConnectionString(conninfo).options();
    auto pick = [&](const char* key, const char* env, const char* fallback) -> std::string {
        if (auto it = options.find(key); it != options.end() && !it->second.empty()) {
            return it->second;
        }
        if (const char* value = env_or_null(getenv, env)) {
            return value;
        }
        return fallback;
    };
    std::string host = pick("hostaddr", "PGHOSTADDR", "");
    if (host.empty()) {
        host = pick("host", "PGHOST", "/var/run/postgresql");
    }
    const std::string port = pick("port", "PGPORT", "5432");
    if (host.starts_with('/')) {
        return fmt::format("socket {}/.s.PGSQL.{}", host, port);
    }
    if (host.find(':') != std::string::npos && host.find(',') == std::string::npos) {
        return fmt::format("[{}]:{}", host, port); // IPv6 literal
    }
    return fmt::format("{}:{}", host, port);
}

} // namespace devlog::db
