#include "lib/partition/catalog.hpp"

#include "lib/core/embedded.hpp"
#include "lib/db/pq.hpp"
#include "lib/partition/sql_util.hpp"

#include <fmt/format.h>

#include <map>

namespace devlog::partition {
namespace {

// Microseconds since the epoch of a timestamptz expression, as SQL.
std::string epoch_us(std::string_view expression)
{
    return fmt::format("(extract(epoch FROM {}) * 1000000)::bigint", expression);
}

std::string bounds_sql(const Range& range)
{
    return fmt::format("FOR VALUES FROM ({}) TO ({})", timestamp_literal(range.from), timestamp_literal(range.to));
}

std::string column_list(const TableInfo& table, std::string_view prefix = {})
{
    std::string out;
    for (const auto& c : table.columns) {
        out += fmt::format("{}{}{}", out.empty() ? "" : ", ", prefix, db::quote_name(c));
    }
    return out;
}

} // namespace

std::string timestamp_literal(time::Micros instant)
{
    return db::quote_literal(time::format_iso8601(instant));
}

std::string TableInfo::qualified() const
{
    return qualified(name);
}

std::string TableInfo::qualified(std::string_view relname) const
{
    return db::quote_name(schema) + "." + db::quote_name(relname);
}

const Partition* TableInfo::default_partition() const
{
    for (const auto& p : partitions) {
        if (p.is_default) {
            return &p;
        }
    }
    return nullptr;
}

std::vector<Range> TableInfo::ranges() const
{
    std::vector<Range> out;
    for (const auto& p : partitions) {
        if (p.from && p.to) {
            out.push_back({p.name, *p.from, *p.to});
        }
    }
    return out;
}

std::optional<Period> TableInfo::period() const
{
    std::map<Period, int> votes;
    for (const auto& r : ranges()) {
        if (const auto p = period_of(r.from, r.to)) {
            ++votes[*p];
        }
    }
    std::optional<Period> best;
    int most = 0;
    for (const auto& [p, n] : votes) {
        if (n > most) {
            best = p;
            most = n;
        }
    }
    return best;
}

TableInfo inspect(db::Runner& runner, std::string_view table)
{
    TableInfo info;
    const db::Location where{fmt::format("reading the catalog for {}", table)};
    const auto r = runner.exec(embedded_sql("partition/table.sql"), where, {std::string(table)});
    if (r.rows() == 0) {
        info.name = std::string(table);
        return info;
    }
    info.schema = text_at(r, 0, 0);
    info.name = text_at(r, 0, 1);
    info.kind = text_at(r, 0, 2).front();
    info.is_partition = bool_at(r, 0, 3);
    info.range_key = r.get(0, 4);
    if (bool_at(r, 0, 5)) {
        info.hypertable = bool_at(runner.exec(embedded_sql("partition/hypertable.sql"), where, {info.schema, info.name}), 0, 0);
    }
    const auto cols = runner.exec("SELECT attname FROM pg_catalog.pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
                                  "AND NOT attisdropped ORDER BY attnum",
                                  where, {info.qualified()});
    for (std::size_t i = 0; i < cols.rows(); ++i) {
        info.columns.push_back(text_at(cols, i, 0));
    }
    if (info.kind == 'p') {
        const auto parts = runner.exec(embedded_sql("partition/partitions.sql"), where, {info.qualified()});
        for (std::size_t i = 0; i < parts.rows(); ++i) {
            info.partitions.push_back({text_at(parts, i, 0), bool_at(parts, i, 1), int_at(parts, i, 2), int_at(parts, i, 3)});
        }
    }
    return info;
}

Strays strays(db::Runner& runner, const TableInfo& table, Period period)
{
    Strays out;
    const Partition* def = table.default_partition();
    if (def == nullptr || !table.range_key) {
        return out;
    }
    const std::string key = db::quote_name(*table.range_key);
    const db::Location where{fmt::format("reading the default partition {}", def->name)};
    const auto r = runner.exec(fmt::format("SELECT {}, n FROM (SELECT pg_catalog.date_trunc($1, {}, 'UTC') AS p, count(*) AS n "
                                           "FROM {} GROUP BY 1) AS s ORDER BY 1",
                                           epoch_us("p"), key, table.qualified(def->name)),
                               where, {std::string(to_string(period))});
    for (std::size_t i = 0; i < r.rows(); ++i) {
        out.by_period.emplace_back(int_or_zero(r, i, 0), int_or_zero(r, i, 1));
        out.rows += int_or_zero(r, i, 1);
    }
    if (out.rows > 0) {
        const auto mm = runner.exec(fmt::format("SELECT {}, {} FROM {}", epoch_us(fmt::format("min({})", key)),
                                                epoch_us(fmt::format("max({})", key)), table.qualified(def->name)),
                                    where);
        out.oldest = int_at(mm, 0, 0);
        out.newest = int_at(mm, 0, 1);
    }
    return out;
}

std::string create_partition_sql(const TableInfo& table, const Range& range)
{
    return fmt::format("CREATE TABLE {} PARTITION OF {} {}", table.qualified(range.name), table.qualified(), bounds_sql(range));
}

std::int64_t create_partition(db::Runner& runner, const TableInfo& table, const Range& range)
{
    const db::Location where{fmt::format("creating partition {}", range.name)};
    const Partition* def = table.default_partition();
    if (def == nullptr) {
        runner.exec(create_partition_sql(table, range), where);
        return 0;
    }
    const std::string dflt = table.qualified(def->name);
    const std::string key = db::quote_name(table.range_key.value_or("timestamp"));
    const std::string part = table.qualified(range.name);
    const std::vector<db::Param> bounds{time::format_iso8601(range.from), time::format_iso8601(range.to)};
    return runner.transaction([&]() -> std::int64_t {
        // Inserts routed to the default partition wait while we move its rows; others go on.
        runner.exec(fmt::format("LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE", dflt), where);
        const auto n = int_or_zero(
            runner.exec(fmt::format("SELECT count(*) FROM {} WHERE {} >= $1 AND {} < $2", dflt, key, key), where, bounds), 0, 0);
        if (n == 0) {
            runner.exec(create_partition_sql(table, range), where);
            return 0;
        }
        runner.exec(fmt::format("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE "
                                "INCLUDING COMPRESSION INCLUDING GENERATED INCLUDING STATISTICS)",
                                part, table.qualified()),
                    where);
        const auto moved = runner.exec(fmt::format("WITH moved AS (DELETE FROM {0} WHERE {1} >= $1 AND {1} < $2 RETURNING {2}) "
                                                   "INSERT INTO {3} ({2}) SELECT {2} FROM moved",
                                                   dflt, key, column_list(table), part),
                                       where, bounds);
        runner.exec(fmt::format("ALTER TABLE {} ATTACH PARTITION {} {}", table.qualified(), part, bounds_sql(range)), where);
        return moved.affected();
    });
}

void drop_partition(db::Runner& runner, const TableInfo& table, std::string_view name)
{
    const db::Location where{fmt::format("dropping partition {}", name)};
    runner.transaction([&] {
        runner.exec(fmt::format("ALTER TABLE {} DETACH PARTITION {}", table.qualified(), table.qualified(name)), where);
        runner.exec(fmt::format("DROP TABLE {}", table.qualified(name)), where);
    });
}

} // namespace devlog::partition
