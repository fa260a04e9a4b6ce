#pragma once
// Where the connection string comes from, how it is handed to libpq, and how it is shown to people.

#include "lib/db/connection_string.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace devlog::db {

// A connection string and where it came from ("--database-url", "DEVLOG_DATABASE_URL", ...).
struct UrlSource
{
    std::string url;    // URI or key=value form; empty: libpq's PG* variables and ~/.pgpass
    std::string origin; // for messages: which flag or variable gave it
};

using GetEnv = std::function<const char*(const char*)>;

// The first of: FLAG (when given and non-empty), DEVLOG_DATABASE_URL, DATABASE_URL, and finally
// the empty string, which lets libpq use PGHOST, PGPORT, PGUSER, PGDATABASE, ... and ~/.pgpass.
UrlSource resolve_url(const std::optional<std::string>& flag, const GetEnv& getenv = std::getenv);

// ConnectionString(CONNINFO).redacted(): a connection string fit to show. Text that is not one
// (a message quoting URIs or key=value pairs) loses everything that could be a password.
std::string redact(std::string_view conninfo);

struct ConnectSettings
{
    UrlSource source;
    std::optional<int> connect_timeout_s; // overrides the URL's connect_timeout when given
    int default_connect_timeout_s = 10;   // used when neither the flag, the URL nor PGCONNECT_TIMEOUT says
    std::string application_name = "devlogctl";
};

// The key=value string handed to libpq: the parsed URL plus connect_timeout and
// fallback_application_name. Throws UsageError naming the origin when the URL is malformed
// (ConnectionString::valid()); the message never contains a password.
std::string build_conninfo(const ConnectSettings& settings, const GetEnv& getenv = std::getenv);

// "host:port" (or "socket DIR:port") that CONNINFO targets, filling in PGHOST/PGPORT and libpq's
// defaults, for messages. Never contains a password.
std::string describe_endpoint(std::string_view conninfo, const GetEnv& getenv = std::getenv);

} // namespace devlog::db
