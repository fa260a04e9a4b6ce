#include "lib/partition/convert.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/pq.hpp"
#include "lib/partition/sql_util.hpp"
#include "lib/rollup/plain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace devlog::partition::convert {
namespace {

constexpr std::string_view k_temp_prefix = "p_";   // temporary names of the partitioned table's keys and indexes
constexpr std::string_view k_kept_prefix = "u_";   // names of the kept old table's keys and indexes (--keep-old)
constexpr const char* k_sync_triggers[] = {"agent_events_partition_sync_ins", "agent_events_partition_sync_upd",
                                           "agent_events_partition_sync_del", "agent_events_partition_sync_trunc"};

std::string q(std::string_view name)
{
    return db::quote_name(name);
}

// The primary key columns of EVENTS, in key order.
std::vector<std::string> key_columns(db::Runner& runner, const TableInfo& events)
{
    const auto r = runner.exec("SELECT a.attname FROM pg_catalog.pg_constraint c "
                               "CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord) "
                               "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
                               "WHERE c.conrelid = $1::regclass AND c.contype = 'p' ORDER BY k.ord",
                               {"reading the primary key"}, {events.qualified()});
    std::vector<std::string> out;
    for (std::size_t i = 0; i < r.rows(); ++i) {
        out.push_back(text_at(r, i, 0));
    }
    if (out.empty()) {
        throw Error(fmt::format("{} has no primary key: partition setup needs one to copy rows exactly once", events.name));
    }
    return out;
}

std::string join(const std::vector<std::string>& names, std::string_view prefix = {}, std::string_view separator = ", ")
{
    std::string out;
    for (const auto& n : names) {
        out += fmt::format("{}{}{}", out.empty() ? "" : separator, prefix, q(n));
    }
    return out;
}

std::string match(const std::vector<std::string>& key, std::string_view left, std::string_view right)
{
    std::string out;
    for (const auto& k : key) {
        out += fmt::format("{}{}.{} = {}.{}", out.empty() ? "" : " AND ", left, q(k), right, q(k));
    }
    return out;
}

std::string temp_name(std::string_view name)
{
    const std::string out = std::string(k_temp_prefix) + std::string(name);
    if (out.size() > 63) {
        throw Error(fmt::format("the name {} is too long to carry over to the partitioned table (63 bytes with the prefix {})",
                                name, k_temp_prefix));
    }
    return out;
}

// "CREATE [UNIQUE] INDEX name ON table USING ..." of an index of EVENTS, made for TABLE as NAME.
std::string index_for(const std::string& definition, std::string_view name, std::string_view table)
{
    const auto using_at = definition.find(" USING ");
    const bool unique = definition.starts_with("CREATE UNIQUE INDEX ");
    if (using_at == std::string::npos || !(unique || definition.starts_with("CREATE INDEX "))) {
        throw Error("cannot carry over an index of agent_events: unexpected definition", "", definition);
    }
    return fmt::format("CREATE {}INDEX {} ON {}{}", unique ? "UNIQUE " : "", q(name), table, definition.substr(using_at));
}

void sleep_between_batches(std::chrono::milliseconds delay)
{
    if (delay.count() > 0 && !interrupt::sleep_for(delay)) {
        interrupt::check("partition setup");
    }
    interrupt::check("partition setup");
}

} // namespace

std::int64_t estimate_rows(db::Runner& runner, const TableInfo& events)
{
    const auto r = runner.exec("SELECT c.reltuples::bigint FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass", {},
                               {events.qualified()});
    const std::int64_t estimate = int_or_zero(r, 0, 0);
    if (estimate >= 0) {
        return estimate;
    }
    // Never analyzed (reltuples -1): count.
    return int_or_zero(runner.exec(fmt::format("SELECT count(*) FROM {}", events.qualified()), {"counting agent_events"}), 0, 0);
}

std::optional<Progress> read_progress(db::Runner& runner, const TableInfo& events)
{
    const std::string table = events.qualified(k_progress);
    if (!bool_at(runner.exec("SELECT pg_catalog.to_regclass($1) IS NOT NULL", {}, {table}), 0, 0)) {
        return std::nullopt;
    }
    const auto r = runner.exec(fmt::format("SELECT period, target_block, next_block, rows_copied FROM {}", table),
                               {"reading the partition setup progress"});
    if (r.rows() != 1) {
        throw Error(fmt::format("{} should hold one row, it holds {}", k_progress, r.rows()),
                    "run partition setup --abort and start again");
    }
    Progress p;
    p.period = parse_period(text_at(r, 0, 0)).value_or(Period::day);
    p.target_block = int_at(r, 0, 1);
    p.next_block = int_or_zero(r, 0, 2);
    p.rows_copied = int_or_zero(r, 0, 3);
    return p;
}

std::vector<time::Micros> periods_with_rows(db::Runner& runner, const TableInfo& events, Period period)
{
    // One index probe per period: min("timestamp") at or after the end of the previous one.
    const std::string unit(to_string(period));
    const auto r = runner.exec(
        fmt::format("WITH RECURSIVE p(start) AS ("
                    " SELECT pg_catalog.date_trunc($1, min(\"timestamp\"), 'UTC') FROM {0}"
                    " UNION ALL"
                    " SELECT (SELECT pg_catalog.date_trunc($1, min(e.\"timestamp\"), 'UTC') FROM {0} AS e"
                    "         WHERE e.\"timestamp\" >= ((p.start AT TIME ZONE 'UTC') + ('1 ' || $1)::interval) AT TIME ZONE 'UTC')"
                    " FROM p WHERE p.start IS NOT NULL)"
                    " SELECT (extract(epoch FROM start) * 1000000)::bigint FROM p WHERE start IS NOT NULL ORDER BY 1",
                    events.qualified()),
        {"finding the periods that hold events"}, {unit});
    std::vector<time::Micros> out;
    for (std::size_t i = 0; i < r.rows(); ++i) {
        out.push_back(int_or_zero(r, i, 0));
    }
    return out;
}

std::vector<Range> partitions_for(const std::vector<time::Micros>& with_rows, Period period, time::Micros now, int ahead)
{
    std::set<time::Micros> starts(with_rows.begin(), with_rows.end());
    const time::Micros current = floor(now, period);
    for (int i = 0; i <= ahead; ++i) {
        starts.insert(advance(current, period, i));
    }
    std::vector<Range> out;
    for (const auto start : starts) {
        out.push_back({partition_name(k_events, start, period), start, advance(start, period, 1)});
    }
    return out;
}

void prepare(db::Runner& runner, const TableInfo& events, Period period, const std::vector<Range>& partitions)
{
    const std::string schema = q(events.schema);
    const std::string old_table = events.qualified();
    const std::string new_table = events.qualified(k_partitioned);
    const auto key = key_columns(runner, events);
    const db::Location where{"partition setup: preparing"};
    runner.transaction([&] {
        runner.exec(fmt::format("CREATE TABLE {} (period text NOT NULL, target_block bigint, next_block bigint NOT NULL DEFAULT 0, "
                                "rows_copied bigint NOT NULL DEFAULT 0, started_at timestamptz NOT NULL DEFAULT now(), "
                                "updated_at timestamptz NOT NULL DEFAULT now())",
                                events.qualified(k_progress)),
                    where);
        runner.exec(fmt::format("COMMENT ON TABLE {} IS 'devlogctl partition setup in progress: copying agent_events into "
                                "agent_events_partitioned (re-run devlogctl partition setup to finish, or --abort)'",
                                events.qualified(k_progress)),
                    where);
        runner.exec(fmt::format("INSERT INTO {} (period) VALUES ($1)", events.qualified(k_progress)), where,
                    {std::string(to_string(period))});
        runner.exec(fmt::format("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED "
                                "INCLUDING STORAGE INCLUDING COMMENTS INCLUDING STATISTICS INCLUDING COMPRESSION) "
                                "PARTITION BY RANGE (\"timestamp\")",
                                new_table, old_table),
                    where);
        const auto structure = runner.exec(embedded_sql("partition/structure.sql"), where, {old_table});
        for (std::size_t i = 0; i < structure.rows(); ++i) {
            const std::string kind = text_at(structure, i, 0);
            const std::string name = text_at(structure, i, 1);
            const std::string definition = text_at(structure, i, 2);
            if (kind == "index") {
                runner.exec(index_for(definition, temp_name(name), new_table), where);
            } else {
                // Keys need a schema-wide unique name (their index); foreign keys keep theirs.
                runner.exec(fmt::format("ALTER TABLE {} ADD CONSTRAINT {} {}", new_table, q(kind == "key" ? temp_name(name) : name),
                                        definition),
                            where);
            }
        }
        for (const auto& range : partitions) {
            runner.exec(fmt::format("CREATE TABLE {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})", events.qualified(range.name),
                                    new_table, timestamp_literal(range.from), timestamp_literal(range.to)),
                        where);
        }
        runner.exec(fmt::format("CREATE TABLE {} PARTITION OF {} DEFAULT", events.qualified(default_partition_name(k_events)),
                                new_table),
                    where);
        // The owner of agent_events owns the new tables too (partitions included: maintain drops them).
        runner.exec(fmt::format("DO $do$ DECLARE r record; o text := (SELECT pg_catalog.pg_get_userbyid(relowner) FROM "
                                "pg_catalog.pg_class WHERE oid = {0}::regclass); BEGIN IF o <> current_user THEN "
                                "EXECUTE format('ALTER TABLE %s OWNER TO %I', {1}::regclass, o); FOR r IN SELECT inhrelid::regclass AS p "
                                "FROM pg_catalog.pg_inherits WHERE inhparent = {2}::regclass LOOP EXECUTE format('ALTER TABLE "
                                "%s OWNER TO %I', r.p, o); END LOOP; END IF; END $do$",
                                db::quote_literal(old_table), db::quote_literal(new_table), db::quote_literal(new_table)),
                    where);
        std::vector<std::string> rest;
        std::copy_if(events.columns.begin(), events.columns.end(), std::back_inserter(rest),
                     [&](const std::string& c) { return std::find(key.begin(), key.end(), c) == key.end(); });
        std::string set;
        for (const auto& c : rest) {
            set += fmt::format("{}{} = EXCLUDED.{}", set.empty() ? "" : ", ", q(c), q(c));
        }
        runner.exec(fill(embedded_sql("partition/sync.sql"),
                         {{"@schema@", schema},
                          {"@old@", old_table},
                          {"@new@", new_table},
                          {"@cols@", join(events.columns)},
                          {"@match_new@", match(key, "s", "o")},
                          {"@match@", match(key, "n", "o")},
                          {"@key@", join(key)},
                          {"@set@", set.empty() ? q(key.front()) + " = EXCLUDED." + q(key.front()) : set}}),
                    {"partition setup: creating the sync triggers"});
    });
}

std::int64_t copy(db::Runner& runner, Reporter& reporter, const TableInfo& events, const SetupOptions& options,
                  Progress& progress)
{
    const std::string old_table = events.qualified();
    const std::string progress_table = events.qualified(k_progress);
    if (!progress.target_block) {
        // Rows written before the sync triggers all sit below this page; later ones are synced.
        progress.target_block = int_or_zero(
            runner.exec(fmt::format("UPDATE {} SET target_block = pg_catalog.pg_relation_size($1::regclass) / "
                                    "current_setting('block_size')::bigint RETURNING target_block",
                                    progress_table),
                        {"partition setup: measuring agent_events"}, {old_table}),
            0, 0);
    }
    const std::int64_t estimate = estimate_rows(runner, events);
    const std::int64_t pages = std::max<std::int64_t>(1, *progress.target_block);
    const double rows_per_page = std::max(1.0, static_cast<double>(estimate) / static_cast<double>(pages));
    const std::int64_t step = std::max<std::int64_t>(1, static_cast<std::int64_t>(static_cast<double>(options.batch_rows) / rows_per_page));

    Task task(reporter, {"copying agent_events into partitions", "rows", 0,
                         static_cast<std::uint64_t>(std::max<std::int64_t>(0, estimate - progress.rows_copied))});
    const std::string statement = fmt::format(
        "WITH src AS (SELECT {0} FROM {1} WHERE ctid >= $1::tid AND ctid < $2::tid FOR KEY SHARE) "
        "INSERT INTO {2} ({0}) SELECT {0} FROM src ON CONFLICT DO NOTHING",
        join(events.columns), old_table, events.qualified(k_partitioned));
    std::int64_t copied = 0;
    while (progress.next_block < *progress.target_block) {
        const std::int64_t from = progress.next_block;
        const std::int64_t to = std::min(*progress.target_block, from + step);
        const auto n = runner.transaction([&]() -> std::int64_t {
            const auto inserted = runner.exec(statement, {"partition setup: copying a batch"},
                                              {fmt::format("({},0)", from), fmt::format("({},0)", to)});
            runner.exec(fmt::format("UPDATE {} SET next_block = $1, rows_copied = rows_copied + $2, updated_at = now()",
                                    progress_table),
                        {"partition setup: recording progress"}, {std::to_string(to), std::to_string(inserted.affected())});
            return inserted.affected();
        });
        progress.next_block = to;
        progress.rows_copied += n;
        copied += n;
        task.add(static_cast<std::uint64_t>(n));
        if (progress.next_block < *progress.target_block) {
            sleep_between_batches(options.batch_delay);
        }
    }
    task.finish();
    return copied;
}

void verify(db::Runner& runner, const TableInfo& events)
{
    // One statement, one snapshot: the sync triggers keep both tables equal in every snapshot.
    const auto counts = runner.exec(fmt::format("SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM {})", events.qualified(),
                                                events.qualified(k_partitioned)),
                                    {"partition setup: verifying the copy"});
    const auto before = int_or_zero(counts, 0, 0);
    const auto after = int_or_zero(counts, 0, 1);
    if (before != after) {
        throw Error(fmt::format("the copy is incomplete: agent_events holds {} rows, agent_events_partitioned {} in the same "
                                "snapshot; nothing was swapped",
                                before, after),
                    "run devlogctl partition setup --abort, then partition setup again");
    }
}

void swap(db::Runner& runner, const TableInfo& events, bool keep_old)
{
    const std::string schema = q(events.schema);
    const std::string old_table = events.qualified();
    const std::string new_table = events.qualified(k_partitioned);
    const db::Location where{"partition setup: swapping the tables"};
    runner.transaction([&] {
        runner.exec(fmt::format("LOCK TABLE {}, {} IN ACCESS EXCLUSIVE MODE", old_table, new_table), where);
        const auto old_state = runner.exec(
            "SELECT pg_catalog.obj_description(c.oid, 'pg_class'), "
            "EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = 'agent_events_rollup_ins') "
            "FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass",
            where, {old_table});
        if (const auto comment = old_state.get(0, 0)) {
            runner.exec(fmt::format("COMMENT ON TABLE {} IS {}", new_table, db::quote_literal(*comment)), where);
        }
        const bool rollup_triggers = bool_at(old_state, 0, 1);
        // Grants: every privilege anyone has on agent_events, on the new table too.
        const auto grants = runner.exec(
            "SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid("
            "a.grantee)) END, a.is_grantable FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) AS a "
            "WHERE c.oid = $1::regclass",
            where, {old_table});
        for (std::size_t i = 0; i < grants.rows(); ++i) {
            runner.exec(fmt::format("GRANT {} ON {} TO {}{}", text_at(grants, i, 0), new_table, text_at(grants, i, 1),
                                    bool_at(grants, i, 2) ? " WITH GRANT OPTION" : ""),
                        where);
        }
        if (keep_old) {
            for (const char* trigger : k_sync_triggers) {
                runner.exec(fmt::format("DROP TRIGGER {} ON {}", trigger, old_table), where);
            }
            for (const char* suffix : {"ins", "upd", "del", "trunc"}) {
                runner.exec(fmt::format("DROP TRIGGER IF EXISTS agent_events_rollup_{} ON {}", suffix, old_table), where);
            }
            runner.exec(fmt::format("DO $do$ DECLARE r record; BEGIN "
                                    "FOR r IN SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = {0}::regclass AND "
                                    "contype IN ('p', 'u') LOOP EXECUTE format('ALTER TABLE %s RENAME CONSTRAINT %I TO %I', "
                                    "{0}::regclass, r.conname, {1} || r.conname); END LOOP; "
                                    "FOR r IN SELECT i.indexrelid::regclass AS idx, c.relname FROM pg_catalog.pg_index i JOIN "
                                    "pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = {0}::regclass AND NOT EXISTS "
                                    "(SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = i.indexrelid) LOOP "
                                    "EXECUTE format('ALTER INDEX %s RENAME TO %I', r.idx, {1} || r.relname); END LOOP; END $do$",
                                    db::quote_literal(old_table), db::quote_literal(k_kept_prefix)),
                        where);
            runner.exec(fmt::format("ALTER TABLE {} RENAME TO {}", old_table, q(k_kept)), where);
        } else {
            runner.exec(fmt::format("DROP TABLE {}", old_table), where);
        }
        runner.exec(fmt::format("DROP FUNCTION {}.agent_events_partition_sync()", schema), where);
        runner.exec(fmt::format("ALTER TABLE {} RENAME TO {}", new_table, q(k_events)), where);
        runner.exec(fmt::format("DO $do$ DECLARE r record; BEGIN "
                                "FOR r IN SELECT conname FROM pg_catalog.pg_constraint WHERE conrelid = {0}::regclass AND "
                                "contype IN ('p', 'u') AND starts_with(conname, {1}) LOOP EXECUTE format('ALTER TABLE %s RENAME "
                                "CONSTRAINT %I TO %I', {0}::regclass, r.conname, substr(r.conname, {2})); END LOOP; "
                                "FOR r IN SELECT i.indexrelid::regclass AS idx, c.relname FROM pg_catalog.pg_index i JOIN "
                                "pg_catalog.pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = {0}::regclass AND "
                                "starts_with(c.relname, {1}) LOOP EXECUTE format('ALTER INDEX %s RENAME TO %I', r.idx, "
                                "substr(r.relname, {2})); END LOOP; END $do$",
                                db::quote_literal(old_table), db::quote_literal(k_temp_prefix), k_temp_prefix.size() + 1),
                    where);
        if (rollup_triggers) {
            runner.exec(rollup::trigger_sql(schema, old_table), where);
        }
        runner.exec(fmt::format("DROP TABLE {}", events.qualified(k_progress)), where);
    });
}

void abort(db::Runner& runner, const TableInfo& events)
{
    const db::Location where{"partition setup --abort"};
    runner.transaction([&] {
        for (const char* trigger : k_sync_triggers) {
            runner.exec(fmt::format("DROP TRIGGER IF EXISTS {} ON {}", trigger, events.qualified()), where);
        }
        runner.exec(fmt::format("DROP FUNCTION IF EXISTS {}.agent_events_partition_sync()", q(events.schema)), where);
        runner.exec(fmt::format("DROP TABLE IF EXISTS {}", events.qualified(k_partitioned)), where);
        runner.exec(fmt::format("DROP TABLE IF EXISTS {}", events.qualified(k_progress)), where);
    });
}

} // namespace devlog::partition::convert
