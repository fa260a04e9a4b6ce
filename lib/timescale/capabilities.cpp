#include "lib/timescale/capabilities.hpp"

#include "lib/core/embedded.hpp"
#include "lib/db/pq.hpp"

#include <fmt/format.h>

#include <charconv>

namespace devlog::timescale {

std::optional<Version> Version::parse(std::string_view text)
{
    Version v;
    int* parts[] = {&v.major, &v.minor, &v.patch};
    std::size_t pos = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        const auto* begin = text.data() + pos;
        const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), *parts[i]);
        if (ec != std::errc() || end == begin) {
            return std::nullopt;
        }
        pos = static_cast<std::size_t>(end - text.data());
        if (pos == text.size() || text[pos] != '.') {
            // "2.28" has no patch; "2.18.0-dev" a suffix after it: both fine, "2" is not.
            return i >= 1 ? std::optional<Version>(v) : std::nullopt;
        }
        if (i < 2) {
            ++pos;
        }
    }
    return v;
}

std::string Version::str() const
{
    return fmt::format("{}.{}.{}", major, minor, patch);
}

bool lists_timescaledb(std::string_view setting)
{
    std::size_t start = 0;
    while (start <= setting.size()) {
        auto end = setting.find(',', start);
        if (end == std::string_view::npos) {
            end = setting.size();
        }
        std::string_view item = setting.substr(start, end - start);
        while (!item.empty() && (item.front() == ' ' || item.front() == '"' || item.front() == '\'')) {
            item.remove_prefix(1);
        }
        while (!item.empty() && (item.back() == ' ' || item.back() == '"' || item.back() == '\'')) {
            item.remove_suffix(1);
        }
        if (item == "timescaledb") {
            return true;
        }
        start = end + 1;
    }
    return false;
}

bool Capabilities::preloaded() const
{
    return lists_timescaledb(shared_preload_libraries);
}

std::optional<Version> Capabilities::effective() const
{
    return installed ? installed : available;
}

std::optional<Unavailable> unavailable(const Capabilities& caps, Need need)
{
    if (!caps.available && !caps.installed) {
        return Unavailable{
            fmt::format("TimescaleDB is not installed on this server (PostgreSQL {}): the timescaledb extension is "
                        "not among its available extensions",
                        caps.server_version),
            "install TimescaleDB 2.13 or newer for this PostgreSQL version on the server (packages from "
            "https://docs.timescale.com/self-hosted/latest/install/, e.g. timescaledb-2-postgresql-15), add "
            "timescaledb "
            "to shared_preload_libraries and restart PostgreSQL; managed services (Amazon RDS, Cloud SQL, ...) mostly "
            "do not offer it: without it, devlogctl keeps working on plain PostgreSQL"};
    }
    if (!caps.preloaded()) {
        const std::string current =
            caps.shared_preload_libraries.empty() ? "empty" : "'" + caps.shared_preload_libraries + "'";
        const std::string wanted = caps.shared_preload_libraries.empty()
                                       ? std::string("timescaledb")
                                       : "timescaledb," + caps.shared_preload_libraries;
        return Unavailable{
            fmt::format("TimescaleDB is installed but not loaded: shared_preload_libraries does not list timescaledb "
                        "(it is {})",
                        current),
            fmt::format("set shared_preload_libraries = '{}' in postgresql.conf (or run ALTER SYSTEM SET "
                        "shared_preload_libraries = '{}' as a superuser) and restart PostgreSQL",
                        wanted, wanted)};
    }
    if (need == Need::installed && !caps.installed) {
        return Unavailable{"the timescaledb extension is not created in this database",
                           "run 'devlogctl timescale setup', which creates it, or CREATE EXTENSION timescaledb as a "
                           "superuser"};
    }
    if (const auto v = caps.effective(); v && *v < k_oldest_supported) {
        return Unavailable{fmt::format("TimescaleDB {} is older than {}, the oldest devlogctl supports", v->str(),
                                       k_oldest_supported.str()),
                           caps.installed ? "update it: install a newer TimescaleDB on the server, then run ALTER "
                                            "EXTENSION timescaledb UPDATE as the first command of a new session"
                                          : "install TimescaleDB 2.13 or newer on the server"};
    }
    return std::nullopt;
}

Capabilities detect(db::Runner& runner)
{
    const auto r = runner.exec(embedded_sql("timescale/capabilities.sql"), {"TimescaleDB capabilities"});
    Capabilities caps;
    caps.server_version = r.get(0, 0).value_or("");
    caps.server_version_num = std::stoi(r.get(0, 1).value_or("0"));
    if (const auto v = r.get(0, 2)) {
        caps.available = Version::parse(*v);
    }
    if (const auto v = r.get(0, 3)) {
        caps.installed = Version::parse(*v);
    }
    caps.extension_schema = r.get(0, 4).value_or("public");
    caps.shared_preload_libraries = r.get(0, 5).value_or("");
    caps.superuser = r.get(0, 6) == "t";
    if (caps.installed) {
        caps.columnstore_api = r.get(0, 7) == "t";
        caps.job_errors_view = r.get(0, 8) == "t";
    } else if (caps.available) {
        caps.columnstore_api = *caps.available >= k_columnstore_api;
        caps.job_errors_view = true;
    }
    return caps;
}

std::string render(const Statement& statement)
{
    std::string out;
    const std::string& sql = statement.sql;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        if (sql[i] == '$' && i + 1 < sql.size() && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
            std::size_t j = i + 1;
            std::size_t n = 0;
            while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') {
                n = n * 10 + static_cast<std::size_t>(sql[j] - '0');
                ++j;
            }
            if (n >= 1 && n <= statement.params.size()) {
                const auto& p = statement.params[n - 1];
                out += p ? db::quote_literal(*p) : "NULL";
                i = j - 1;
                continue;
            }
        }
        out += sql[i];
    }
    return out;
}

Api::Api(const Capabilities& caps)
    : m_columnstore(caps.columnstore_api), m_schema(db::quote_name(caps.extension_schema))
{
}

std::string Api::function(std::string_view name) const
{
    return m_schema + "." + std::string(name);
}

Statement Api::enable_compression(const std::string& table, const std::string& segment_by,
                                  const std::string& order_by) const
{
    // ALTER TABLE takes no parameters: the values are literals (identifiers quoted inside them).
    const auto* names = m_columnstore ? "timescaledb.enable_columnstore = true, timescaledb.segmentby = {}, "
                                        "timescaledb.orderby = {}"
                                      : "timescaledb.compress = true, timescaledb.compress_segmentby = {}, "
                                        "timescaledb.compress_orderby = {}";
    return {fmt::format("ALTER TABLE {} SET ({})", table,
                        fmt::format(fmt::runtime(names), db::quote_literal(segment_by), db::quote_literal(order_by))),
            {}};
}

Statement Api::disable_compression(const std::string& table) const
{
    return {fmt::format("ALTER TABLE {} SET ({} = false)", table,
                        m_columnstore ? "timescaledb.enable_columnstore" : "timescaledb.compress"),
            {}};
}

Statement Api::add_compression_policy(const std::string& table, const std::string& after) const
{
    if (m_columnstore) {
        return {fmt::format("CALL {}($1::regclass, after => $2::interval)", function("add_columnstore_policy")),
                {table, after},
                true};
    }
    return {fmt::format("SELECT {}($1::regclass, compress_after => $2::interval)", function("add_compression_policy")),
            {table, after}};
}

Statement Api::remove_compression_policy(const std::string& table) const
{
    if (m_columnstore) {
        return {fmt::format("CALL {}($1::regclass, if_exists => true)", function("remove_columnstore_policy")),
                {table},
                true};
    }
    return {fmt::format("SELECT {}($1::regclass, if_exists => true)", function("remove_compression_policy")), {table}};
}

Statement Api::compress_chunk(const std::string& chunk) const
{
    // if_not_... is checked before the chunk's lock is taken: a policy may compress it meanwhile.
    Statement s =
        m_columnstore
            ? Statement{fmt::format("CALL {}($1::regclass, if_not_columnstore => true)",
                                    function("convert_to_columnstore")),
                        {chunk},
                        true}
            : Statement{fmt::format("SELECT {}($1::regclass, if_not_compressed => true)", function("compress_chunk")),
                        {chunk}};
    s.done_sqlstate = "42710";
    s.done_message = "already";
    return s;
}

Statement Api::decompress_chunk(const std::string& chunk) const
{
    Statement s =
        m_columnstore
            ? Statement{fmt::format("CALL {}($1::regclass, if_columnstore => true)", function("convert_to_rowstore")),
                        {chunk},
                        true}
            : Statement{fmt::format("SELECT {}($1::regclass, if_compressed => true)", function("decompress_chunk")),
                        {chunk}};
    s.done_sqlstate = "55000";
    s.done_message = "is not c"; // "is not compressed", "is not converted to columnstore"
    return s;
}

} // namespace devlog::timescale
