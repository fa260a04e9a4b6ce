// devlogctl query: events, sessions, timeline, usage (lib/query), and the price table.
#include "cli/context.hpp"
#include "lib/core/errors.hpp"
#include "lib/query/chart.hpp"
#include "lib/query/prices.hpp"
#include "lib/query/query.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <charconv>
#include <iostream>
#include <memory>
#include <sstream>
#include <unistd.h>

namespace devlog::cli {
namespace {

// --limit's check (CLI::NonNegativeNumber would answer -1 with its whole floating-point range).
const CLI::Validator k_count_check(
    [](std::string& text) -> std::string {
        std::int64_t n = 0;
        const char* end = text.data() + text.size();
        const char* begin = text.starts_with('+') ? text.data() + 1 : text.data();
        const auto parsed = std::from_chars(begin, end, n);
        if (parsed.ec != std::errc{} || parsed.ptr != end || n < 0) {
            return fmt::format("'{}' is not a count: give 0 (no limit) or a positive whole number", text);
        }
        return {};
    },
    "", "count");

struct QueryOptions
{
    query::FilterArgs filter;
    std::vector<std::string> columns;
    bool explain = false;
    bool analyze = false;
    std::int64_t limit = 100;
    std::optional<std::string> order;
    bool follow = false;
    std::string follow_window = "5m";
    std::optional<std::string> prices;
    std::string bucket = "1h";
    std::optional<std::string> timeline_by;
    std::string usage_by = "day";
    bool chart = false;
    bool no_chart = false;
};

// --follow in table format: each batch is a table of its own, the header only above the first.
class FollowTable final : public query::RowWriter
{
public:
    explicit FollowTable(output::RenderOptions options) : m_options(std::move(options)) {}
    void begin(const std::vector<std::string>& columns) override { m_columns = columns; }
    void row(std::span<const nlohmann::json> values) override { m_rows.emplace_back(values.begin(), values.end()); }
    void flush() override
    {
        if (m_rows.empty() && m_header_shown) {
            return;
        }
        std::ostringstream text;
        output::render(text, {m_columns, m_rows}, output::Format::table, m_options);
        std::string lines = text.str();
        if (m_header_shown) {
            lines.erase(0, lines.find('\n') + 1);
        }
        m_header_shown = true;
        m_rows.clear();
        std::cout << lines << std::flush;
        if (!std::cout) {
            throw Error("writing the output failed (disk full, or the reader stopped reading?)");
        }
    }

private:
    output::RenderOptions m_options;
    std::vector<std::string> m_columns;
    std::vector<std::vector<nlohmann::json>> m_rows;
    bool m_header_shown = false;
};

// The timeline with a bar chart of its first numeric column beside the numbers: keeps the rows
// (a table does anyway) to scale the bars, then writes them to the sink.
class ChartTable final : public query::RowWriter
{
public:
    explicit ChartTable(output::RowSink& sink) : m_sink(sink) {}
    void begin(const std::vector<std::string>& columns) override { m_columns = columns; }
    void row(std::span<const nlohmann::json> values) override { m_rows.emplace_back(values.begin(), values.end()); }
    void flush() override {}
    void finish()
    {
        std::size_t charted = m_columns.size();
        for (std::size_t i = 0; i < m_columns.size() && charted == m_columns.size(); ++i) {
            const bool numeric = std::all_of(m_rows.begin(), m_rows.end(), [i](const auto& r) {
                return r[i].is_number() || r[i].is_null();
            });
            if (numeric && !m_rows.empty() && m_columns[i] != "bucket") {
                charted = i;
            }
        }
        auto columns = m_columns;
        if (charted < m_columns.size()) {
            columns.push_back("chart: " + m_columns[charted]);
        }
        m_sink.begin(columns);
        double max = 0;
        for (const auto& r : m_rows) {
            max = std::max(max, charted < r.size() && r[charted].is_number() ? r[charted].get<double>() : 0.0);
        }
        for (auto& r : m_rows) {
            if (charted < m_columns.size()) {
                const double value = r[charted].is_number() ? r[charted].get<double>() : 0.0;
                r.emplace_back(query::bar(value, max, 24));
            }
            m_sink.row(r);
        }
    }

private:
    output::RowSink& m_sink;
    std::vector<std::string> m_columns;
    std::vector<std::vector<nlohmann::json>> m_rows;
};

void add_filters(CLI::App* cmd, QueryOptions& o)
{
    auto& f = o.filter;
    cmd->add_option("--since", f.since, "From this time on: a duration back from now (30m, 2h, 7d) or a date or "
                                         "ISO timestamp (UTC unless it says otherwise)")
        ->type_name("WHEN");
    cmd->add_option("--until", f.until, "Before this time (same forms as --since)")->type_name("WHEN");
    cmd->add_option("--project", f.projects, "Only this project: id, owner/repo or repository URL (repeatable)")
        ->type_name("PROJECT")
        ->allow_extra_args(false);
    cmd->add_option("--session", f.session, "Only this session (UUID)")->type_name("UUID");
    cmd->add_option("--agent", f.agents, "Only this agent id, e.g. claude-code (repeatable)")
        ->type_name("AGENT")
        ->allow_extra_args(false)
        ->delimiter(',');
    cmd->add_option("--type", f.types, "Only this event type (repeatable; aliases such as tool_invocation work)")
        ->type_name("TYPE")
        ->allow_extra_args(false)
        ->delimiter(',');
    cmd->add_option("--severity", f.severities, "Only this severity: info, warning, error (repeatable)")
        ->type_name("LEVEL")
        ->allow_extra_args(false)
        ->delimiter(',');
    cmd->add_option("--tag", f.tags, "Only events with this tag (repeatable: events with every tag given)")
        ->type_name("TAG")
        ->allow_extra_args(false);
    cmd->add_option("--data", f.data, R"(Only events whose data contains this JSON object, e.g. '{"filePath":"src/a.ts"}')")
        ->type_name("JSON");
}

void add_common(CLI::App* cmd, QueryOptions& o)
{
    add_filters(cmd, o);
    cmd->add_option("--columns", o.columns, "Output these columns, in this order (comma-separated)")
        ->type_name("LIST")
        ->allow_extra_args(false);
    cmd->add_flag("--explain", o.explain, "Print the SQL and the plan the server chose instead of the rows");
    cmd->add_flag("--analyze", o.analyze, "As --explain, and run the query to show the plan's real timings");
}

query::Common common(const Context& ctx, const QueryOptions& o, std::vector<std::string> table_columns)
{
    query::Common c;
    c.filter = o.filter;
    c.columns = o.columns;
    if (ctx.format() == output::Format::table) {
        c.default_columns = std::move(table_columns);
    }
    c.explain = o.analyze ? query::Explain::analyze : o.explain ? query::Explain::plan : query::Explain::no;
    c.record_metrics = ctx.global.record_metrics;
    return c;
}

void print_explained(const query::Explained& e)
{
    std::cout << "-- the statement, its parameters inlined (to run in psql):\n" << e.sql << ";\n\n";
    for (const auto& line : e.plan) {
        std::cout << line << '\n';
    }
}

// Runs F(writer) with a writer into stdout's sink and ends the sink, or prints the plan F returns.
template <typename F> void to_stdout(const Context& ctx, F&& f)
{
    auto sink = ctx.stdout_sink();
    query::SinkWriter writer(*sink);
    if (const auto explained = f(writer)) {
        print_explained(*explained);
        return;
    }
    sink->end();
}

void run_events(Context& ctx, const QueryOptions& o)
{
    query::EventsOptions options;
    static_cast<query::Common&>(options) =
        common(ctx, o, {"timestamp", "eventType", "agentId", "projectId", "sessionId", "severity", "data"});
    options.limit = o.limit;
    options.order = o.order;
    auto db = ctx.open_database();
    if (!o.follow) {
        to_stdout(ctx, [&](query::RowWriter& w) { return query::events(db, options, w, ctx.reporter()); });
        return;
    }
    if (options.explain != query::Explain::no) {
        throw UsageError("--follow: cannot be combined with --explain");
    }
    query::FollowOptions follow;
    follow.window = query::parse_duration_flag("--follow-window", o.follow_window);
    if (ctx.format() == output::Format::table) {
        FollowTable writer(ctx.stdout_options());
        query::follow_events(db, options, follow, writer);
        return;
    }
    auto sink = ctx.stdout_sink();
    query::SinkWriter writer(*sink);
    query::follow_events(db, options, follow, writer);
    sink->end();
}

void run_sessions(Context& ctx, const QueryOptions& o)
{
    query::SessionsOptions options;
    static_cast<query::Common&>(options) = common(
        ctx, o, {"session", "agent", "project", "start", "duration_s", "events", "tokens", "cost_usd", "outcome"});
    options.prices_file = o.prices;
    options.limit = o.limit;
    auto db = ctx.open_database();
    to_stdout(ctx, [&](query::RowWriter& w) { return query::sessions(db, options, w, ctx.reporter()); });
}

void run_usage(Context& ctx, const QueryOptions& o)
{
    query::UsageOptions options;
    static_cast<query::Common&>(options) = common(ctx, o, {});
    options.prices_file = o.prices;
    options.by = o.usage_by;
    auto db = ctx.open_database();
    to_stdout(ctx, [&](query::RowWriter& w) { return query::usage(db, options, w, ctx.reporter()); });
}

void run_timeline(Context& ctx, const QueryOptions& o)
{
    query::TimelineOptions options;
    std::vector<std::string> table = {"bucket"};
    if (o.timeline_by) {
        table.push_back(query::timeline_column_names(*o.timeline_by).at(1));
    }
    for (const char* name : {"events", "errors", "total_tokens", "avg_duration_ms", "cost_usd"}) {
        table.emplace_back(name);
    }
    static_cast<query::Common&>(options) = common(ctx, o, table);
    options.bucket = o.bucket;
    options.by = o.timeline_by;
    const bool chart = ctx.format() == output::Format::table && !o.no_chart && (o.chart || isatty(STDOUT_FILENO) == 1);
    auto db = ctx.open_database();
    if (!chart) {
        to_stdout(ctx, [&](query::RowWriter& w) { return query::timeline(db, options, w, ctx.reporter()); });
        return;
    }
    auto sink = ctx.stdout_sink();
    ChartTable writer(*sink);
    if (const auto explained = query::timeline(db, options, writer, ctx.reporter())) {
        print_explained(*explained);
        return;
    }
    writer.finish();
    sink->end();
}

void run_prices(Context& ctx, const QueryOptions& o)
{
    const query::PriceTable table = o.prices ? query::load_prices(*o.prices) : query::builtin_prices();
    output::Table out{{"model", "input", "output", "cache_read", "cache_write"}, {}};
    for (const auto& p : table.models) {
        out.rows.push_back({p.model, p.input, p.output, p.cache_read, p.cache_write});
    }
    ctx.print(out);
    ctx.info(fmt::format("USD per million tokens; {}", query::describe(table)));
}

const char* const k_footer = "Global options (--database-url, --format, -v, ...) apply too: see devlogctl --help and "
                             "devlogctl-query(1).";

} // namespace

void register_query(CLI::App& app, Context& ctx)
{
    auto o = std::make_shared<QueryOptions>();
    auto* query = app.add_subcommand("query", "Ask what the agents did: events, sessions, timelines, token usage");
    query->require_subcommand(1);
    query->footer(k_footer);

    auto* events = query->add_subcommand("events", "Events matching the filters, newest first (or --follow them)");
    add_common(events, *o);
    events->add_option("--limit", o->limit, "At most N events (default 100; 0: all)")
        ->type_name("N")
        ->check(k_count_check);
    events->add_option("--order", o->order, "asc: oldest first; desc: newest first (default)")
        ->type_name("ORDER")
        ->check(CLI::IsMember({"asc", "desc"}));
    events->add_flag("--follow", o->follow,
                     "Print the newest --limit events oldest first, then each new event as it arrives, until Ctrl-C");
    events->add_option("--follow-window", o->follow_window,
                       "With --follow: also show events committed up to this long after their timestamp (default 5m)")
        ->type_name("DURATION");
    events->callback([&ctx, o] { run_events(ctx, *o); });

    auto* sessions = query->add_subcommand("sessions", "Sessions with their agent, project, time, events, tokens, cost");
    add_common(sessions, *o);
    sessions->add_option("--limit", o->limit, "At most N sessions (default 100; 0: all)")
        ->type_name("N")
        ->check(k_count_check);
    sessions->add_option("--prices", o->prices, "Model prices from FILE instead of the built-in table")
        ->type_name("FILE");
    sessions->callback([&ctx, o] { run_sessions(ctx, *o); });

    auto* timeline = query->add_subcommand("timeline", "Events, errors, tokens and durations per time bucket");
    add_common(timeline, *o);
    timeline->add_option("--bucket", o->bucket, "Bucket size: 15m, 1h (default), 6h, 1d, 1w, ...")
        ->type_name("DURATION");
    timeline->add_option("--by", o->timeline_by, "One row per bucket and agent, type or project")
        ->type_name("GROUP")
        ->check(CLI::IsMember({"agent", "type", "project"}));
    timeline->add_flag("--chart", o->chart, "Draw the bar chart even when stdout is not a terminal (table format)");
    timeline->add_flag("--no-chart", o->no_chart, "Never draw the bar chart");
    timeline->callback([&ctx, o] { run_timeline(ctx, *o); });

    auto* usage = query->add_subcommand("usage", "Token usage and cost, each API response counted once");
    add_common(usage, *o);
    usage->add_option("--by", o->usage_by, "Group by day (default), model, project, session or agent")
        ->type_name("GROUP")
        ->check(CLI::IsMember({"day", "model", "project", "session", "agent"}));
    usage->add_option("--prices", o->prices, "Model prices from FILE instead of the built-in table")
        ->type_name("FILE");
    usage->callback([&ctx, o] { run_usage(ctx, *o); });

    auto* prices = query->add_subcommand("prices", "The model prices usage and sessions estimate costs with");
    prices->add_option("--prices", o->prices, "Show the prices of FILE instead of the built-in table")
        ->type_name("FILE");
    prices->callback([&ctx, o] { run_prices(ctx, *o); });

    for (CLI::App* sub : {events, sessions, timeline, usage, prices}) {
        sub->footer(k_footer);
    }
}

} // namespace devlog::cli
