#include "lib/db/conninfo.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <map>
#include <memory>

namespace devlog::db {
namespace {

const char* env_or_null(const GetEnv& getenv, const char* name)
{
    const char* value = getenv(name);
    return (value != nullptr && *value != '\0') ? value : nullptr;
}

// Parses CONNINFO with libpq's own parser (URI or key=value). Returns nullopt and sets ERROR on
// failure. Only options with a value are returned.
std::optional<std::map<std::string, std::string>> parse(std::string_view conninfo, std::string& error)
{
    char* errmsg = nullptr;
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
        PQconninfoParse(std::string(conninfo).c_str(), &errmsg), &PQconninfoFree);
    if (!options) {
        error = errmsg != nullptr ? errmsg : "out of memory";
        PQfreemem(errmsg);
        while (!error.empty() && (error.back() == '\n' || error.back() == ' ')) {
            error.pop_back();
        }
        return std::nullopt;
    }
    std::map<std::string, std::string> result;
    for (const PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o) {
        if (o->val != nullptr) {
            result[o->keyword] = o->val;
        }
    }
    return result;
}

std::string quote_value(std::string_view value)
{
    std::string out = "'";
    for (char c : value) {
        if (c == '\'' || c == '\\') {
            out.push_back('\\');
        }
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

bool is_uri(std::string_view s)
{
    return s.starts_with("postgresql://") || s.starts_with("postgres://");
}

// Masks the password of a URI's user-info ("user:secret@host" -> "user:***@host") and of a
// password query parameter.
std::string redact_uri(std::string_view uri)
{
    const auto scheme_end = uri.find("://") + 3;
    auto authority_end = uri.find_first_of("/?#", scheme_end);
    if (authority_end == std::string_view::npos) {
        authority_end = uri.size();
    }
    std::string out(uri.substr(0, scheme_end));
    const std::string_view authority = uri.substr(scheme_end, authority_end - scheme_end);
    const auto at = authority.rfind('@');
    if (at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        const auto colon = userinfo.find(':');
        if (colon != std::string_view::npos) {
            out += userinfo.substr(0, colon + 1);
            out += "***";
        } else {
            out += userinfo;
        }
        out += authority.substr(at);
    } else {
        out += authority;
    }
    std::string rest(uri.substr(authority_end));
    for (std::size_t pos = 0; (pos = rest.find("password=", pos)) != std::string::npos;) {
        if (pos == 0 || (rest[pos - 1] != '?' && rest[pos - 1] != '&')) {
            pos += 9;
            continue;
        }
        const auto value_start = pos + 9;
        const auto value_end = std::min(rest.find('&', value_start), rest.find('#', value_start));
        rest.replace(value_start, (value_end == std::string::npos ? rest.size() : value_end) - value_start,
                     "***");
        pos = value_start + 3;
    }
    return out + rest;
}

// Masks password=VALUE in key=value form; VALUE may be quoted.
std::string redact_keyword_form(std::string_view s)
{
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto pos = s.find("password", i);
        if (pos == std::string_view::npos) {
            break;
        }
        const bool word_start = pos == 0 || s[pos - 1] == ' ' || s[pos - 1] == '\t';
        auto j = pos + 8;
        while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) {
            ++j;
        }
        if (!word_start || j >= s.size() || s[j] != '=') {
            out += s.substr(i, pos + 8 - i);
            i = pos + 8;
            continue;
        }
        ++j;
        while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) {
            ++j;
        }
        out += s.substr(i, j - i);
        out += "***";
        if (j < s.size() && s[j] == '\'') {
            ++j;
            while (j < s.size() && s[j] != '\'') {
                j += (s[j] == '\\') ? 2 : 1;
            }
            ++j;
        } else {
            while (j < s.size() && s[j] != ' ' && s[j] != '\t') {
                ++j;
            }
        }
        i = std::min(j, s.size());
    }
    out += s.substr(std::min(i, s.size()));
    return out;
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
    // URIs may be embedded in longer text (libpq error messages quote them); the text between
    // them may hold key=value pairs.
    std::string out;
    std::size_t segment = 0; // start of the text not yet copied to OUT
    std::size_t search = 0;
    while (search < conninfo.size()) {
        const auto pos = conninfo.find("postgres", search);
        if (pos == std::string_view::npos) {
            break;
        }
        const std::string_view tail = conninfo.substr(pos);
        if (!is_uri(tail)) {
            search = pos + 8;
            continue;
        }
        out += redact_keyword_form(conninfo.substr(segment, pos - segment));
        auto end = tail.find_first_of(" \t\n\"'");
        if (end == std::string_view::npos) {
            end = tail.size();
        }
        out += redact_uri(tail.substr(0, end));
        segment = search = pos + end;
    }
    out += redact_keyword_form(conninfo.substr(std::min(segment, conninfo.size())));
    return out;
}

std::string build_conninfo(const ConnectSettings& settings, const GetEnv& getenv)
{
    std::string error;
    auto options = parse(settings.source.url, error);
    if (!options) {
        throw UsageError(fmt::format("invalid connection string from {}: {}", settings.source.origin, redact(error)),
                         "use postgresql://user@host:port/dbname or key=value pairs (libpq syntax)");
    }
    if (settings.connect_timeout_s) {
        (*options)["connect_timeout"] = std::to_string(*settings.connect_timeout_s);
    } else if (!options->contains("connect_timeout") && env_or_null(getenv, "PGCONNECT_TIMEOUT") == nullptr) {
        (*options)["connect_timeout"] = std::to_string(settings.default_connect_timeout_s);
    }
    if (!options->contains("application_name")) {
        (*options)["fallback_application_name"] = settings.application_name;
    }
    std::string out;
    for (const auto& [key, value] : *options) {
        if (!out.empty()) {
            out.push_back(' ');
        }
        out += key + "=" + quote_value(value);
    }
    return out;
}

std::string describe_endpoint(std::string_view conninfo, const GetEnv& getenv)
{
    std::string error;
    auto options = parse(conninfo, error).value_or(std::map<std::string, std::string>{});
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
