#include "lib/rollup/plain.hpp"

#include "lib/core/embedded.hpp"
#include "lib/core/errors.hpp"
#include "lib/db/pq.hpp"
#include "lib/partition/sql_util.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace devlog::rollup {
namespace {

using partition::int_at;
using partition::int_or_zero;
using partition::text_at;

constexpr std::chrono::hours k_hour{1};
constexpr std::chrono::hours k_day{24};

// '{"2025-01-01T00:00:00.000000Z",...}': a timestamptz[] parameter.
std::string array_param(const std::vector<time::Micros>& instants)
{
    std::string out = "{";
    for (const auto t : instants) {
        out += fmt::format("{}\"{}\"", out.size() > 1 ? "," : "", time::format_iso8601(t));
    }
    return out + "}";
}

std::string quoted(std::string_view schema)
{
    return db::quote_name(schema);
}

std::string table(std::string_view schema, std::string_view name)
{
    return quoted(schema) + "." + db::quote_name(name);
}

// Creates every object of the plain rollups in one short transaction: the tables, the log, the
// state and the triggers (from then on every write logs its hours).
void create(db::Runner& runner, std::string_view schema)
{
    const std::string q = quoted(schema);
    runner.transaction([&] {
        for (const auto& r : k_relations) {
            for (const auto& statement : table_sql(q, r.name, r.width, r.grouped)) {
                runner.exec(statement, {"creating the rollups"});
            }
        }
        runner.exec(partition::fill(embedded_sql("rollup/objects.sql"), {{"@schema@", q}, {"@hourly@", db::quote_name(k_hourly)}}),
                    {"creating the rollups"});
        runner.exec(trigger_sql(q, table(schema, "agent_events")), {"creating the rollup triggers"});
    });
}

// Whether the history was logged (agent_events_rollup_state has the hourly rollup's row).
bool history_logged(db::Runner& runner, std::string_view schema)
{
    return runner
               .exec(fmt::format("SELECT 1 FROM {}.agent_events_rollup_state WHERE rollup = $1", quoted(schema)),
                     {"reading the rollup state"}, {std::string(k_hourly)})
               .rows() > 0;
}

// Logs every hour that has events, and records the state: every event committed before the
// transaction began is now counted or has its hour in the log (later writes log theirs through
// the triggers, already committed). Only reads agent_events: writers go on meanwhile.
void log_history(db::Runner& runner, std::string_view schema)
{
    const std::string q = quoted(schema);
    runner.transaction([&] {
        runner.exec(fmt::format("INSERT INTO {}.agent_events_rollup_log (hour) SELECT DISTINCT {} FROM {}", q,
                                date_bin_expression(k_hour), table(schema, "agent_events")),
                    {"logging every hour that has events"});
        runner.exec(fmt::format("INSERT INTO {}.agent_events_rollup_state (rollup, watermark, refreshed_at, refresh_ms, "
                                "buckets_refreshed) SELECT r, now(), now(), 0, 0 FROM unnest($1::text[]) AS r "
                                "ON CONFLICT (rollup) DO NOTHING",
                                q),
                    {"recording the rollup state"},
                    {fmt::format("{{{},{},{}}}", k_hourly, k_daily, k_totals)});
    });
}

// Puts the triggers back when they are missing (e.g. agent_events was replaced by hand), and
// forgets the state in the same transaction: changes made without them were not logged, so the
// rollups are not current until every hour is logged again (log_history).
bool repair_triggers(db::Runner& runner, std::string_view schema)
{
    const std::string events = table(schema, "agent_events");
    const auto n = int_or_zero(runner.exec("SELECT count(*) FROM pg_catalog.pg_trigger WHERE tgrelid = $1::regclass "
                                           "AND tgname LIKE 'agent\\_events\\_rollup\\_%' AND NOT tgisinternal",
                                           {"checking the rollup triggers"}, {events}),
                               0, 0);
    if (n == 4) {
        return false;
    }
    runner.transaction([&] {
        for (const char* suffix : {"ins", "upd", "del", "trunc"}) {
            runner.exec(fmt::format("DROP TRIGGER IF EXISTS agent_events_rollup_{} ON {}", suffix, events));
        }
        runner.exec(trigger_sql(quoted(schema), events), {"repairing the rollup triggers"});
        runner.exec(fmt::format("DELETE FROM {}.agent_events_rollup_state", quoted(schema)), {"repairing the rollup triggers"});
    });
    return true;
}

// Adds agent_events_totals_5m to plain rollups made before it existed, and forgets the state in the
// same transaction, so this run logs every hour again and re-aggregates all three (once).
bool add_missing_totals(db::Runner& runner, std::string_view schema)
{
    if (!totals_missing(runner, schema)) {
        return false;
    }
    runner.transaction([&] {
        for (const auto& statement : table_sql(quoted(schema), k_totals, k_relations[2].width, false)) {
            runner.exec(statement, {"creating the rollups"});
        }
        runner.exec(fmt::format("DELETE FROM {}.agent_events_rollup_state", quoted(schema)), {"creating the rollups"});
    });
    return true;
}

// Re-aggregates the rollup RELATION (buckets of WIDTH; grouped or not) for SPANS: the starts of the
// logged spans of SPAN_WIDTH (hours, or days for the daily rollup) whose buckets it replaces.
void reaggregate(db::Runner& runner, std::string_view schema, const Relation& relation,
                 std::chrono::microseconds span_width, const std::string& spans)
{
    const std::string target = table(schema, relation.name);
    const db::Location where{fmt::format("refreshing {}", relation.name)};
    const std::string span = time::format_interval(span_width);
    runner.exec(fmt::format("DELETE FROM {} AS r USING unnest($1::timestamptz[]) AS b(start) "
                            "WHERE r.bucket >= b.start AND r.bucket < b.start + INTERVAL '{}'",
                            target, span),
                where, {spans});
    const std::string source = fmt::format("unnest($1::timestamptz[]) AS b(start) JOIN {} AS e ON e.\"timestamp\" >= b.start "
                                           "AND e.\"timestamp\" < b.start + INTERVAL '{}'",
                                           table(schema, "agent_events"), span);
    runner.exec(fmt::format("INSERT INTO {} {}", target,
                            select_sql(date_bin_expression(relation.width), source, relation.grouped)),
                where, {spans});
}

} // namespace

bool totals_missing(db::Runner& runner, std::string_view schema)
{
    return runner.exec("SELECT pg_catalog.to_regclass($1) IS NULL", {"looking for the rollups"}, {table(schema, k_totals)})
               .get(0, 0) == "t";
}

std::vector<std::string> table_sql(std::string_view quoted_schema, std::string_view name, std::chrono::microseconds width,
                                   bool grouped)
{
    const std::string relation = fmt::format("{}.{}", quoted_schema, db::quote_name(name));
    std::string columns;
    for (const auto& c : rollup::columns(grouped)) {
        columns += fmt::format("    {} {}{},\n", db::quote_name(c.name), c.type, c.nullable ? "" : " NOT NULL");
    }
    std::vector<std::string> out = {
        fmt::format("CREATE TABLE {} (\n{}    CONSTRAINT {} PRIMARY KEY ({})\n)", relation, columns,
                    db::quote_name(fmt::format("{}_pkey", name)),
                    grouped ? "bucket, project_id, agent_id, event_type" : "bucket"),
        fmt::format("COMMENT ON TABLE {} IS {}", relation,
                    db::quote_literal(relation_comment(name, width, grouped) +
                                      " A plain table maintained by devlogctl maintain from agent_events_rollup_log.")),
    };
    for (const auto& c : rollup::columns(grouped)) {
        out.push_back(fmt::format("COMMENT ON COLUMN {}.{} IS {}", relation, db::quote_name(c.name),
                                  db::quote_literal(c.comment)));
    }
    return out;
}

std::string trigger_sql(std::string_view quoted_schema, std::string_view qualified_table)
{
    return partition::fill(embedded_sql("rollup/triggers.sql"),
                           {{"@schema@", std::string(quoted_schema)}, {"@table@", std::string(qualified_table)}});
}

Kind detect(db::Runner& runner, std::string_view schema)
{
    const auto r = runner.exec("SELECT c.relkind::text, pg_catalog.obj_description(c.oid, 'pg_class') FROM pg_catalog.pg_class c "
                               "WHERE c.oid = pg_catalog.to_regclass($1)",
                               {"looking for the rollups"}, {table(schema, k_hourly)});
    if (r.rows() == 0) {
        return Kind::absent;
    }
    const std::string kind = text_at(r, 0, 0);
    if (kind == "v" || kind == "m") {
        return Kind::view;
    }
    return kind == "r" && text_at(r, 0, 1).find(k_marker) != std::string::npos ? Kind::plain : Kind::foreign;
}

RefreshResult refresh(db::Runner& runner, std::string_view schema, Reporter& reporter, const RefreshOptions& options)
{
    RefreshResult result;
    switch (detect(runner, schema)) {
    case Kind::view:
        throw Error(fmt::format("{} is a view (a TimescaleDB continuous aggregate?): devlogctl maintains only its own plain "
                                "rollup tables",
                                k_hourly),
                    "TimescaleDB refreshes continuous aggregates with its policies: devlogctl maintain runs its due jobs");
    case Kind::foreign:
        throw Error(fmt::format("{} exists but was not made by devlogctl (its comment lacks the rollup contract marker)",
                                k_hourly),
                    "rename or drop it, and devlogctl maintain creates the plain rollups");
    case Kind::absent:
        reporter.info(fmt::format("creating the plain rollups {}, {} and {} (first build from every event)", k_hourly,
                                  k_daily, k_totals));
        create(runner, schema);
        result.created = true;
        break;
    case Kind::plain:
        if (repair_triggers(runner, schema)) {
            reporter.warn("the rollup triggers on agent_events were missing: put them back; every hour is re-aggregated");
        }
        if (add_missing_totals(runner, schema)) {
            reporter.info(fmt::format("created the plain rollup {} (made by a newer devlogctl): every hour is "
                                      "re-aggregated once",
                                      k_totals));
        }
        break;
    }
    if (!history_logged(runner, schema)) {
        log_history(runner, schema);
    }

    const std::string log = table(schema, "agent_events_rollup_log");
    // Every event committed before this instant has its hour in the log (or was counted already).
    result.watermark = int_or_zero(runner.exec("SELECT (extract(epoch FROM statement_timestamp()) * 1000000)::bigint"), 0, 0);
    const auto pending = runner.exec(fmt::format("SELECT DISTINCT (extract(epoch FROM {}) * 1000000)::bigint FROM {} ORDER BY 1",
                                                 "date_bin(INTERVAL '1 day', hour, TIMESTAMPTZ '2000-01-01 00:00:00+00')", log),
                                     {"reading the rollup log"});
    std::vector<time::Micros> days;
    for (std::size_t i = 0; i < pending.rows(); ++i) {
        days.push_back(int_or_zero(pending, i, 0));
    }

    Task task(reporter, {"refreshing rollups", "days", 0, days.size()});
    const auto started = std::chrono::steady_clock::now();
    const auto batch_size = static_cast<std::size_t>(std::max(1, options.batch_days));
    for (std::size_t first = 0; first < days.size(); first += batch_size) {
        const std::vector<time::Micros> batch(days.begin() + static_cast<std::ptrdiff_t>(first),
                                              days.begin() + static_cast<std::ptrdiff_t>(std::min(days.size(), first + batch_size)));
        const std::string batch_days = array_param(batch);
        result.hours += runner.transaction([&]() -> std::int64_t {
            runner.exec("SET LOCAL jit = off"); // see partition::k_no_jit
            const auto hours = runner.exec(
                fmt::format("WITH done AS (DELETE FROM {} WHERE date_bin(INTERVAL '1 day', hour, TIMESTAMPTZ '2000-01-01 "
                            "00:00:00+00') = ANY ($1::timestamptz[]) RETURNING hour) "
                            "SELECT DISTINCT (extract(epoch FROM hour) * 1000000)::bigint FROM done ORDER BY 1",
                            log),
                {"taking hours from the rollup log"}, {batch_days});
            std::vector<time::Micros> batch_hours;
            for (std::size_t i = 0; i < hours.rows(); ++i) {
                batch_hours.push_back(int_or_zero(hours, i, 0));
            }
            const std::string hours_param = array_param(batch_hours);
            reaggregate(runner, schema, k_relations[0], k_hour, hours_param);
            reaggregate(runner, schema, k_relations[1], k_day, batch_days);
            reaggregate(runner, schema, k_relations[2], k_hour, hours_param);
            return static_cast<std::int64_t>(batch_hours.size());
        });
        result.days += static_cast<std::int64_t>(batch.size());
        task.add(batch.size());
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    for (const auto& [name, buckets] :
         {std::pair{k_hourly, result.hours}, std::pair{k_daily, result.days}, std::pair{k_totals, result.hours}}) {
        runner.exec(fmt::format("INSERT INTO {}.agent_events_rollup_state AS s (rollup, watermark, refreshed_at, refresh_ms, "
                                "buckets_refreshed) VALUES ($1, to_timestamp($2::double precision / 1000000), now(), $3, $4) "
                                "ON CONFLICT (rollup) DO UPDATE SET watermark = EXCLUDED.watermark, refreshed_at = "
                                "EXCLUDED.refreshed_at, refresh_ms = EXCLUDED.refresh_ms, buckets_refreshed = "
                                "EXCLUDED.buckets_refreshed",
                                quoted(schema)),
                    {"recording the rollup watermark"},
                    {std::string(name), std::to_string(result.watermark), fmt::format("{:.3f}", ms), std::to_string(buckets)});
    }
    task.finish();
    return result;
}

std::optional<State> state(db::Runner& runner, std::string_view schema)
{
    if (detect(runner, schema) != Kind::plain) {
        return std::nullopt;
    }
    const auto r = runner.exec(fmt::format("SELECT (extract(epoch FROM watermark) * 1000000)::bigint, "
                                           "(extract(epoch FROM refreshed_at) * 1000000)::bigint, "
                                           "(SELECT count(DISTINCT hour) FROM {0}.agent_events_rollup_log) "
                                           "FROM {0}.agent_events_rollup_state WHERE rollup = $1",
                                           quoted(schema)),
                               {"reading the rollup state"}, {std::string(k_hourly)});
    if (r.rows() == 0) {
        return std::nullopt;
    }
    return State{int_or_zero(r, 0, 0), int_or_zero(r, 0, 1), int_or_zero(r, 0, 2)};
}

std::vector<time::Micros> pending_hours(db::Runner& runner, std::string_view schema, time::Micros from, time::Micros to)
{
    const auto r = runner.exec(fmt::format("SELECT DISTINCT (extract(epoch FROM hour) * 1000000)::bigint FROM "
                                           "{}.agent_events_rollup_log WHERE hour >= $1::timestamptz AND hour < $2::timestamptz ORDER BY 1",
                                           quoted(schema)),
                               {"reading the rollup log"}, {time::format_iso8601(from), time::format_iso8601(to)});
    std::vector<time::Micros> out;
    for (std::size_t i = 0; i < r.rows(); ++i) {
        out.push_back(int_or_zero(r, i, 0));
    }
    return out;
}

} // namespace devlog::rollup
