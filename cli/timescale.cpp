// devlogctl timescale: set up and maintain TimescaleDB for agent_events.
#include "cli/context.hpp"
#include "lib/core/errors.hpp"
#include "lib/rollup/contract.hpp"
#include "lib/timescale/jobs.hpp"
#include "lib/timescale/setup.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <memory>

namespace devlog::cli {
namespace {

using timescale::Outcome;

// A refresh policy's flags, as given.
struct RefreshFlags
{
    std::string every;
    std::string start;
    std::string end;
};

struct TimescaleOptions
{
    double ddl_lock_timeout_s = 5;
    int ddl_retries = 4;
    bool dry_run = false;
    // setup and its parts (strings: parsed when the command runs, so errors name the flag)
    std::string chunk_interval = "1d";
    std::string compress_after = "7d";
    std::string segment_by = "project_id, agent_id, event_type";
    std::string order_by = "timestamp DESC, id";
    bool no_compression = false;
    std::string retain = "365d";
    bool no_retention = false;
    std::string reorder_index = "idx_agent_events_session_time";
    bool no_reorder = false;
    bool no_aggregates = false;
    // --hourly-refresh-*, --daily-refresh-*, --totals-refresh-* (defaults as timescale::Settings)
    RefreshFlags hourly{"10m", "1d", "5m"};
    RefreshFlags daily{"1h", "3d", "1h"};
    RefreshFlags totals{"5m", "1d", "1m"};
    bool replace_aggregates = false;
    // maintenance
    std::string older_than;
    std::string newer_than;
    std::string from;
    std::string to;
    // jobs
    std::vector<int> job_ids;
    bool due = false;
};

timescale::Refresh parse_refresh(const RefreshFlags& f, std::string_view which)
{
    using timescale::parse_interval_flag;
    return {parse_interval_flag(f.start, fmt::format("--{}-refresh-start", which)),
            parse_interval_flag(f.end, fmt::format("--{}-refresh-end", which)),
            parse_interval_flag(f.every, fmt::format("--{}-refresh-every", which))};
}

timescale::Settings settings_of(const TimescaleOptions& o)
{
    using timescale::parse_interval_flag;
    using timescale::Want;
    timescale::Settings s;
    s.chunk_interval = parse_interval_flag(o.chunk_interval, "--chunk-interval");
    s.compress_after = parse_interval_flag(o.compress_after, "--compress-after");
    s.segment_by = timescale::parse_column_list(o.segment_by, "--segment-by");
    s.order_by = timescale::parse_order_by(o.order_by, "--order-by");
    s.compression = o.no_compression ? Want::leave : Want::ensure;
    s.retain = parse_interval_flag(o.retain, "--retain");
    s.retention = o.no_retention ? Want::remove : Want::ensure;
    s.reorder_index = o.reorder_index;
    s.reorder = o.no_reorder ? Want::remove : Want::ensure;
    s.aggregates = o.no_aggregates ? Want::leave : Want::ensure;
    s.hourly = parse_refresh(o.hourly, "hourly");
    s.daily = parse_refresh(o.daily, "daily");
    s.totals = parse_refresh(o.totals, "totals");
    s.replace_aggregates = o.replace_aggregates;
    return s;
}

timescale::RunOptions run_options(Context& ctx, const TimescaleOptions& o)
{
    timescale::RunOptions r;
    r.dry_run = o.dry_run ? timescale::DryRun::yes : timescale::DryRun::no;
    r.ddl_lock_timeout = std::chrono::milliseconds(std::llround(o.ddl_lock_timeout_s * 1000));
    r.ddl_retries = o.ddl_retries;
    r.reporter = &ctx.reporter();
    r.record_metrics = ctx.global.record_metrics;
    return r;
}

std::string detail_of(const timescale::Step& s)
{
    std::string detail = s.outcome == Outcome::change ? s.old_value + " -> " + s.new_value : s.new_value;
    if (!s.note.empty()) {
        detail += detail.empty() ? s.note : " (" + s.note + ")";
    }
    return detail;
}

// Prints what a command did (or, in a dry run, would do), then rethrows its error, if any.
void report(Context& ctx, const timescale::Result& result, const std::string& command)
{
    const bool table = ctx.format() == output::Format::table;
    if (result.dry_run && table) {
        std::vector<timescale::Step> steps;
        for (const auto& r : result.steps) {
            steps.push_back(r.step);
        }
        std::cout << timescale::dry_run_script(
            steps,
            fmt::format("devlogctl timescale {} --dry-run: TimescaleDB {} on PostgreSQL {}", command,
                        result.caps.effective() ? result.caps.effective()->str() : "?", result.caps.server_version));
        ctx.info("dry run: nothing was changed");
        return;
    }
    auto sink = ctx.stdout_sink();
    if (table) {
        sink->begin({"step", "result", "detail"});
    } else {
        sink->begin({"step", "result", "old", "new", "note", "duration_ms", "error", "sql"});
    }
    const auto row = [&](const timescale::Step& s, const std::string& result_text, std::int64_t ms,
                         const std::string& error) {
        if (table) {
            sink->row({s.name, result_text, error.empty() ? detail_of(s) : error});
            return;
        }
        nlohmann::json sql = nlohmann::json::array();
        for (const auto& st : s.statements) {
            sql.push_back(timescale::render(st));
        }
        sink->row({s.name, result_text, s.old_value.empty() ? nlohmann::json() : nlohmann::json(s.old_value),
                   s.new_value.empty() ? nlohmann::json() : nlohmann::json(s.new_value),
                   s.note.empty() ? nlohmann::json() : nlohmann::json(s.note), ms,
                   error.empty() ? nlohmann::json() : nlohmann::json(error), result.dry_run ? sql : nlohmann::json()});
    };
    std::string error_text;
    if (result.error) {
        try {
            std::rethrow_exception(result.error);
        } catch (const std::exception& e) {
            error_text = e.what();
        }
    }
    int counts[4] = {0, 0, 0, 0};
    for (std::size_t i = 0; i < result.steps.size(); ++i) {
        const auto& r = result.steps[i];
        if (result.failed == i) {
            row(r.step, "failed", r.duration.count(), error_text);
            continue;
        }
        ++counts[static_cast<int>(r.step.outcome)];
        row(r.step, timescale::to_string(r.step.outcome, result.dry_run), r.duration.count(), {});
    }
    for (const auto& s : result.not_run) {
        row(s, "not run", 0, {});
    }
    sink->end();
    if (result.error) {
        ctx.info(fmt::format("stopped at step '{}'; the steps before it stay done: run the command again to finish",
                             result.steps[*result.failed].step.name));
        std::rethrow_exception(result.error);
    }
    if (result.dry_run) {
        ctx.info("dry run: nothing was changed");
    } else if (counts[0] + counts[2] == 0) {
        ctx.info("nothing to do: everything is already in place");
    } else {
        ctx.info(fmt::format("done: {} applied, {} changed, {} already in place, {} skipped", counts[0], counts[2],
                             counts[1], counts[3]));
    }
}

void run_setup(Context& ctx, const TimescaleOptions& o, unsigned parts, const std::string& command,
               const std::function<void(timescale::Settings&)>& adjust = {})
{
    auto settings = settings_of(o);
    if (adjust) {
        adjust(settings);
    }
    auto db = ctx.open_database();
    report(ctx, timescale::setup(db, settings, parts, run_options(ctx, o)), command);
}

std::optional<std::chrono::microseconds> optional_interval(const std::string& text, const char* flag)
{
    return text.empty() ? std::nullopt : std::optional(timescale::parse_interval_flag(text, flag));
}

void run_jobs_list(Context& ctx)
{
    auto db = ctx.open_database();
    const auto jobs = timescale::list_jobs(db);
    auto sink = ctx.stdout_sink();
    sink->begin(
        {"id", "name", "target", "schedule", "state", "next_start", "last_run", "last_result", "failures", "error"});
    const auto iso = [](std::optional<time::Micros> t) {
        return t ? nlohmann::json(time::format_iso8601(*t)) : nlohmann::json();
    };
    for (const auto& j : jobs) {
        const auto last = j.last_run();
        nlohmann::json result;
        if (last) {
            result = std::string(last->succeeded ? "succeeded" : "failed") + (last->by_devlogctl ? " (devlogctl)" : "");
        }
        sink->row(
            {j.id, j.name, j.target, j.schedule.display(),
             j.running()   ? "running"
             : j.scheduled ? "scheduled"
                           : "paused",
             iso(j.next_start), last ? iso(last->started) : nlohmann::json(), result,
             fmt::format("{} of {}", j.total_failures, j.total_runs),
             last && !last->succeeded && !last->message.empty() ? nlohmann::json(last->message) : nlohmann::json()});
    }
    sink->end();
}

void print_runs(Context& ctx, const std::vector<timescale::RunOutcome>& runs)
{
    auto sink = ctx.stdout_sink();
    sink->begin({"id", "name", "result", "duration_ms", "error"});
    int failed = 0;
    for (const auto& r : runs) {
        failed += r.succeeded ? 0 : 1;
        sink->row({r.id, r.name, r.succeeded ? "succeeded" : "failed", r.duration.count(),
                   r.error.empty() ? nlohmann::json() : nlohmann::json(r.error)});
    }
    sink->end();
    if (failed > 0) {
        throw Error(fmt::format("{} of {} job{} failed", failed, runs.size(), runs.size() == 1 ? "" : "s"),
                    "the error column says why; devlogctl timescale jobs list shows the jobs");
    }
}

void run_jobs_run(Context& ctx, const TimescaleOptions& o)
{
    if (o.due == !o.job_ids.empty()) {
        throw UsageError("jobs run: give either a job ID or --due",
                         "devlogctl timescale jobs run 1000, or --due (for cron)");
    }
    auto db = ctx.open_database();
    if (!o.due) {
        std::vector<timescale::RunOutcome> runs;
        for (const int id : o.job_ids) {
            runs.push_back(timescale::run_job(db, id, run_options(ctx, o)));
        }
        print_runs(ctx, runs);
        return;
    }
    const auto due = timescale::run_due(db, run_options(ctx, o));
    if (due.busy) {
        ctx.info("another devlogctl is running the due jobs: nothing to do");
        return;
    }
    if (due.runs.empty()) {
        ctx.info("no job is due");
    }
    print_runs(ctx, due.runs);
}

void run_jobs_schedule(Context& ctx, const TimescaleOptions& o, bool scheduled)
{
    auto db = ctx.open_database();
    const auto changes = timescale::set_scheduled(db, o.job_ids, scheduled, run_options(ctx, o));
    auto sink = ctx.stdout_sink();
    sink->begin({"id", "name", "before", "after"});
    for (const auto& c : changes) {
        sink->row({c.id, c.name, c.was_scheduled ? "scheduled" : "paused", c.scheduled ? "scheduled" : "paused"});
    }
    sink->end();
}

void add_dry_run(CLI::App* sub, TimescaleOptions& o)
{
    sub->add_flag("--dry-run", o.dry_run, "Print the plan and its SQL; change nothing");
}

void add_hypertable_flags(CLI::App* sub, TimescaleOptions& o)
{
    sub->add_option("--chunk-interval", o.chunk_interval, "Time range of one chunk (default 1d)")
        ->type_name("DURATION");
}

void add_compression_flags(CLI::App* sub, TimescaleOptions& o)
{
    sub->add_option("--compress-after", o.compress_after, "Compress chunks older than this (default 7d)")
        ->type_name("DURATION");
    sub->add_option("--segment-by", o.segment_by,
                    "Compression segment-by columns (default 'project_id, agent_id, event_type'; '' for none)")
        ->type_name("COLUMNS");
    sub->add_option("--order-by", o.order_by, "Compression order within a segment (default 'timestamp DESC, id')")
        ->type_name("ORDER");
}

void add_retention_flags(CLI::App* sub, TimescaleOptions& o)
{
    sub->add_option("--retain", o.retain, "Drop chunks older than this (default 365d; 1y = 365 days)")
        ->type_name("DURATION");
}

void add_reorder_flags(CLI::App* sub, TimescaleOptions& o)
{
    sub->add_option("--reorder-index", o.reorder_index,
                    "Index the reorder policy orders chunks by (default idx_agent_events_session_time)")
        ->type_name("INDEX");
}

// --WHICH-refresh-every, -start, -end: the refresh policy of RELATION (defaults: F as given).
void add_refresh_flags(CLI::App* sub, RefreshFlags& f, std::string_view which, std::string_view relation)
{
    sub->add_option(fmt::format("--{}-refresh-every", which), f.every,
                    fmt::format("How often {} is refreshed (default {})", relation, f.every))
        ->type_name("DURATION");
    sub->add_option(fmt::format("--{}-refresh-start", which), f.start,
                    fmt::format("Its refresh window starts this long ago (default {})", f.start))
        ->type_name("DURATION");
    sub->add_option(fmt::format("--{}-refresh-end", which), f.end,
                    fmt::format("Its refresh window ends this long ago (default {})", f.end))
        ->type_name("DURATION");
}

void add_aggregate_flags(CLI::App* sub, TimescaleOptions& o)
{
    add_refresh_flags(sub, o.hourly, "hourly", rollup::k_hourly);
    add_refresh_flags(sub, o.daily, "daily", rollup::k_daily);
    add_refresh_flags(sub, o.totals, "totals", rollup::k_totals);
    sub->add_flag("--replace-aggregates", o.replace_aggregates,
                  "Re-create rollup relations that do not follow devlogctl's rollup contract (e.g. made by seed "
                  "002's script)");
}

const char* const k_inherited = "Also: --ddl-lock-timeout, --ddl-retries (devlogctl timescale --help), and the global "
                                "options (--database-url, --format, -v, ...: devlogctl --help).";

} // namespace

void register_timescale(CLI::App& app, Context& ctx)
{
    auto o = std::make_shared<TimescaleOptions>();
    auto* ts = app.add_subcommand("timescale", "Set up and maintain TimescaleDB: hypertable, compression, retention, "
                                               "reorder, continuous aggregates, jobs");
    ts->require_subcommand(1);
    ts->add_option("--ddl-lock-timeout", o->ddl_lock_timeout_s,
                   "Seconds a statement may wait for a lock before it is retried, so writers are never blocked "
                   "behind it for long (default 5)")
        ->type_name("SECONDS")
        ->check(CLI::Range(0.001, 3600.0));
    ts->add_option("--ddl-retries", o->ddl_retries,
                   "How often a statement that timed out on a lock is retried (default 4)")
        ->type_name("N")
        ->check(CLI::Range(0, 100));
    std::vector<CLI::App*> subs;

    auto* setup = ts->add_subcommand("setup", "Bring TimescaleDB to the desired state, step by step (idempotent)");
    add_hypertable_flags(setup, *o);
    add_compression_flags(setup, *o);
    setup->add_flag("--no-compression", o->no_compression, "Leave compression as it is");
    add_retention_flags(setup, *o);
    setup->add_flag("--no-retention", o->no_retention, "No retention policy (removes one that exists)");
    add_reorder_flags(setup, *o);
    setup->add_flag("--no-reorder", o->no_reorder, "No reorder policy (removes one that exists)");
    setup->add_flag("--no-aggregates", o->no_aggregates, "Leave the continuous aggregates as they are");
    add_aggregate_flags(setup, *o);
    add_dry_run(setup, *o);
    setup->callback([&ctx, o] { run_setup(ctx, *o, timescale::part_all, "setup"); });
    subs.push_back(setup);

    auto* hypertable = ts->add_subcommand("hypertable", "Create the extension and make agent_events a hypertable");
    add_hypertable_flags(hypertable, *o);
    add_dry_run(hypertable, *o);
    hypertable->callback(
        [&ctx, o] { run_setup(ctx, *o, timescale::part_extension | timescale::part_hypertable, "hypertable"); });
    subs.push_back(hypertable);

    auto* compression = ts->add_subcommand("compression", "Compression (columnstore): settings, policy, chunks");
    compression->require_subcommand(1);
    auto* enable = compression->add_subcommand("enable", "Turn compression on with its settings and policy");
    add_compression_flags(enable, *o);
    add_dry_run(enable, *o);
    enable->callback([&ctx, o] { run_setup(ctx, *o, timescale::part_compression, "compression enable"); });
    auto* disable = compression->add_subcommand(
        "disable", "Remove the policy and turn compression off (no compressed chunk may remain)");
    add_dry_run(disable, *o);
    disable->callback([&ctx, o] {
        run_setup(ctx, *o, timescale::part_compression, "compression disable",
                  [](timescale::Settings& s) { s.compression = timescale::Want::remove; });
    });
    auto* compress = compression->add_subcommand("compress", "Compress old chunks now");
    compress
        ->add_option("--older-than", o->older_than,
                     "Chunks that ended this long ago (default: the policy's compress-after, else 7d)")
        ->type_name("DURATION");
    add_dry_run(compress, *o);
    compress->callback([&ctx, o] {
        auto db = ctx.open_database();
        report(ctx, timescale::compress(db, optional_interval(o->older_than, "--older-than"), run_options(ctx, *o)),
               "compression compress");
    });
    auto* decompress = compression->add_subcommand("decompress", "Decompress chunks (all, or the recent ones)");
    decompress->add_option("--newer-than", o->newer_than, "Only chunks that end within this long (default: all)")
        ->type_name("DURATION");
    add_dry_run(decompress, *o);
    decompress->callback([&ctx, o] {
        auto db = ctx.open_database();
        report(ctx, timescale::decompress(db, optional_interval(o->newer_than, "--newer-than"), run_options(ctx, *o)),
               "compression decompress");
    });
    for (auto* sub : {enable, disable, compress, decompress}) {
        subs.push_back(sub);
    }

    auto* retention = ts->add_subcommand("retention", "The retention policy: drop old chunks");
    retention->require_subcommand(1);
    auto* rset = retention->add_subcommand("set", "Add the retention policy, or change its --retain");
    add_retention_flags(rset, *o);
    add_dry_run(rset, *o);
    rset->callback([&ctx, o] { run_setup(ctx, *o, timescale::part_retention, "retention set"); });
    auto* rremove = retention->add_subcommand("remove", "Remove the retention policy (data is kept)");
    add_dry_run(rremove, *o);
    rremove->callback([&ctx, o] {
        run_setup(ctx, *o, timescale::part_retention, "retention remove",
                  [](timescale::Settings& s) { s.retention = timescale::Want::remove; });
    });
    subs.push_back(rset);
    subs.push_back(rremove);

    auto* reorder = ts->add_subcommand("reorder", "The reorder policy: order chunks by an index");
    reorder->require_subcommand(1);
    auto* oset = reorder->add_subcommand("set", "Add the reorder policy, or change its index");
    add_reorder_flags(oset, *o);
    add_dry_run(oset, *o);
    oset->callback([&ctx, o] { run_setup(ctx, *o, timescale::part_reorder, "reorder set"); });
    auto* oremove = reorder->add_subcommand("remove", "Remove the reorder policy");
    add_dry_run(oremove, *o);
    oremove->callback([&ctx, o] {
        run_setup(ctx, *o, timescale::part_reorder, "reorder remove",
                  [](timescale::Settings& s) { s.reorder = timescale::Want::remove; });
    });
    subs.push_back(oset);
    subs.push_back(oremove);

    auto* aggregates =
        ts->add_subcommand("aggregates", "The continuous aggregates agent_events_hourly, agent_events_daily and agent_events_totals_5m");
    aggregates->require_subcommand(1);
    auto* acreate =
        aggregates->add_subcommand("create", "Create them with their refresh policies, and materialize history");
    add_aggregate_flags(acreate, *o);
    add_dry_run(acreate, *o);
    acreate->callback([&ctx, o] { run_setup(ctx, *o, timescale::part_aggregates, "aggregates create"); });
    auto* arefresh = aggregates->add_subcommand("refresh", "Refresh them now over a time range");
    arefresh->add_option("--from", o->from, "Start: an ISO-8601 time or how long ago (default: the first event)")
        ->type_name("TIME");
    arefresh->add_option("--to", o->to, "End: an ISO-8601 time or how long ago (default: each refresh policy's end)")
        ->type_name("TIME");
    add_dry_run(arefresh, *o);
    arefresh->callback([&ctx, o] {
        const auto now = time::now();
        const auto from =
            o->from.empty() ? std::nullopt : std::optional(timescale::parse_instant_flag(o->from, "--from", now));
        const auto to = o->to.empty() ? std::nullopt : std::optional(timescale::parse_instant_flag(o->to, "--to", now));
        auto db = ctx.open_database();
        report(ctx, timescale::refresh(db, from, to, run_options(ctx, *o)), "aggregates refresh");
    });
    auto* adrop = aggregates->add_subcommand("drop", "Drop them and their policies (raw events stay)");
    add_dry_run(adrop, *o);
    adrop->callback([&ctx, o] {
        run_setup(ctx, *o, timescale::part_aggregates, "aggregates drop",
                  [](timescale::Settings& s) { s.aggregates = timescale::Want::remove; });
    });
    for (auto* sub : {acreate, arefresh, adrop}) {
        subs.push_back(sub);
    }

    auto* jobs =
        ts->add_subcommand("jobs", "TimescaleDB jobs: list, run (also every due one, for cron), pause, resume");
    jobs->require_subcommand(1);
    auto* jlist = jobs->add_subcommand("list", "Jobs with their schedule, last run, next run and last error");
    jlist->callback([&ctx] { run_jobs_list(ctx); });
    auto* jrun = jobs->add_subcommand("run", "Run jobs now in this session (cron: --due)");
    jrun->add_option("id", o->job_ids, "Job ids (devlogctl timescale jobs list)")->type_name("ID");
    jrun->add_flag("--due", o->due, "Run every job whose next start has passed");
    jrun->callback([&ctx, o] { run_jobs_run(ctx, *o); });
    auto* jpause = jobs->add_subcommand("pause", "Stop the scheduler from running jobs (default: all)");
    jpause->add_option("id", o->job_ids, "Job ids (default: every job)")->type_name("ID");
    jpause->callback([&ctx, o] { run_jobs_schedule(ctx, *o, false); });
    auto* jresume = jobs->add_subcommand("resume", "Let the scheduler run jobs again (default: all)");
    jresume->add_option("id", o->job_ids, "Job ids (default: every job)")->type_name("ID");
    jresume->callback([&ctx, o] { run_jobs_schedule(ctx, *o, true); });
    for (auto* sub : {jlist, jrun, jpause, jresume}) {
        subs.push_back(sub);
    }
    for (auto* sub : subs) {
        sub->footer(k_inherited);
    }
    ts->footer("Global options (--database-url, --format, -v, ...) apply too: see devlogctl --help and "
               "devlogctl-timescale(1).");
}

} // namespace devlog::cli
