#include "lib/partition/lock.hpp"

#include "lib/partition/sql_util.hpp"

#include <fmt/format.h>

namespace devlog::partition {

std::string Holder::text() const
{
    std::string extra;
    if (!application.empty()) {
        extra = application;
    }
    if (!since.empty()) {
        extra += (extra.empty() ? "" : ", ") + std::string("since ") + since;
    }
    return fmt::format("server pid {}{}", pid, extra.empty() ? "" : " (" + extra + ")");
}

AdvisoryLock::AdvisoryLock(db::Runner& runner, std::int32_t key, std::string schema)
    : m_runner(runner), m_key(key), m_schema(std::move(schema))
{
}

std::unique_ptr<AdvisoryLock> AdvisoryLock::try_take(db::Runner& runner, std::int32_t key, std::string_view schema)
{
    const auto r = runner.exec("SELECT pg_catalog.pg_try_advisory_lock($1::int4, pg_catalog.hashtext($2))", {"taking the lock"},
                               {std::to_string(key), std::string(schema)});
    if (!bool_at(r, 0, 0)) {
        return nullptr;
    }
    return std::unique_ptr<AdvisoryLock>(new AdvisoryLock(runner, key, std::string(schema)));
}

std::optional<Holder> AdvisoryLock::holder(db::Runner& runner, std::int32_t key, std::string_view schema)
{
    const auto r = runner.exec(
        "SELECT l.pid, coalesce(a.application_name, ''), "
        "coalesce(to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), '') "
        "FROM pg_catalog.pg_locks l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
        "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
        "AND l.classid::bigint = ($1::bigint & 4294967295) AND l.objid::bigint = (pg_catalog.hashtext($2)::bigint & 4294967295) "
        "LIMIT 1",
        {"looking for the lock holder"}, {std::to_string(key), std::string(schema)});
    if (r.rows() == 0) {
        return std::nullopt;
    }
    return Holder{static_cast<int>(int_or_zero(r, 0, 0)), text_at(r, 0, 1), text_at(r, 0, 2)};
}

AdvisoryLock::~AdvisoryLock()
{
    try {
        m_runner.exec("SELECT pg_catalog.pg_advisory_unlock($1::int4, pg_catalog.hashtext($2))", {},
                      {std::to_string(m_key), m_schema});
    } catch (...) { // NOLINT(bugprone-empty-catch): the server drops the lock with the session
    }
}

} // namespace devlog::partition
