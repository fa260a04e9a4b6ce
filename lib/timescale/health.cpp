#include "lib/timescale/health.hpp"

#include "lib/db/runner.hpp"
#include "lib/rollup/contract.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace devlog::timescale {
namespace {

using status::Health;
using status::Item;

std::string at(time::Micros t)
{
    return time::format_iso8601(t).substr(0, 19) + "Z";
}

// "3 hours", "2 days": how long D is, roughly, for messages.
std::string span(std::int64_t us)
{
    const std::int64_t minutes = std::max<std::int64_t>(us / 60'000'000, 0);
    if (minutes < 120) {
        return fmt::format("{} min", minutes);
    }
    if (minutes < 48 * 60) {
        return fmt::format("{} h", minutes / 60);
    }
    return fmt::format("{} days", minutes / (24 * 60));
}

std::string describe_run(const JobRun& run)
{
    return fmt::format("last run {} {}{}", at(run.started), run.succeeded ? "succeeded" : "failed",
                       run.by_devlogctl ? " (devlogctl jobs run)" : "");
}

class TimescaleCheck final : public status::Check
{
  public:
    std::string_view name() const override { return "timescaledb"; }
    void run(status::Probe& probe, status::Report& report) const override
    {
        const auto caps = detect(probe.runner);
        report.add(extension_item(caps));
        if (!caps.installed || !caps.preloaded() || *caps.installed < k_oldest_supported) {
            return;
        }
        const State state = read_state(probe.runner, caps, Settings{}.table, ReadChunks::yes);
        hypertables(probe, report, state.table);
        const auto jobs = read_jobs(probe.runner, caps);
        for (const auto& job : jobs) {
            report.add(job_item(job, caps, probe.now));
        }
        if (state.table.hypertable) {
            for (const auto& a : state.aggregates) {
                if (auto item = aggregate_item(a, a.width, probe.now)) {
                    report.add(std::move(*item));
                }
            }
        }
        const Job* policy = nullptr;
        for (const auto& job : jobs) {
            if (state.table.compression_job == job.id) {
                policy = &job;
            }
        }
        if (auto item = backlog_item(state.table, policy, probe.now)) {
            report.add(std::move(*item));
        }
    }

  private:
    static void hypertables(status::Probe& probe, status::Report& report, const TableState& table)
    {
        const auto r = probe.runner.exec(
            "SELECT h.hypertable_schema || '.' || h.hypertable_name, h.num_chunks, "
            "(SELECT pg_catalog.count(*) FROM timescaledb_information.chunks c WHERE c.hypertable_schema = "
            "h.hypertable_schema AND c.hypertable_name = h.hypertable_name AND c.is_compressed), "
            "coalesce((SELECT d.time_interval::text FROM timescaledb_information.dimensions d WHERE "
            "d.hypertable_schema = "
            "h.hypertable_schema AND d.hypertable_name = h.hypertable_name AND d.dimension_number = 1), '?') "
            "FROM timescaledb_information.hypertables h ORDER BY 1",
            {"listing hypertables"});
        for (std::size_t i = 0; i < r.rows(); ++i) {
            report.add({"hypertable",
                        r.get(i, 0).value_or(""),
                        Health::ok,
                        fmt::format("{} chunks ({} compressed), chunks of {}", r.get(i, 1).value_or("0"),
                                    r.get(i, 2).value_or("0"), r.get(i, 3).value_or("?")),
                        {},
                        {}});
        }
        if (table.exists && !table.hypertable) {
            report.add({"hypertable", table.display(), Health::warning, "a plain table",
                        fmt::format("{} is not a hypertable although TimescaleDB is installed", table.name),
                        "devlogctl timescale setup"});
        }
    }
};

} // namespace

std::unique_ptr<status::Check> make_timescale_check()
{
    return std::make_unique<TimescaleCheck>();
}

Item extension_item(const Capabilities& caps)
{
    Item item{"timescaledb", "extension", Health::info, {}, {}, {}};
    if (!caps.available && !caps.installed) {
        item.detail = "not installed on this server: TimescaleDB checks skipped";
        return item;
    }
    if (caps.installed && !caps.preloaded()) {
        const auto why = unavailable(caps, Need::installed);
        item.health = Health::problem;
        item.detail = "created in this database, not loaded by the server";
        item.reason = why ? why->message : "TimescaleDB is not preloaded";
        item.hint = why ? why->hint : "";
        return item;
    }
    if (!caps.installed) {
        item.detail = fmt::format("{} available on the server, not created in this database",
                                  caps.available ? caps.available->str() : "?");
        return item;
    }
    item.health = Health::ok;
    item.detail = "timescaledb " + caps.installed->str();
    if (*caps.installed < k_oldest_supported) {
        item.health = Health::warning;
        item.reason = fmt::format("TimescaleDB {} is older than {}, the oldest devlogctl supports",
                                  caps.installed->str(), k_oldest_supported.str());
        item.hint = "install a newer TimescaleDB, then ALTER EXTENSION timescaledb UPDATE";
    } else if (caps.available && *caps.available > *caps.installed) {
        item.health = Health::warning;
        item.detail += fmt::format(" ({} installed on the server)", caps.available->str());
        item.reason = fmt::format("TimescaleDB {} is installed on the server but this database still uses {}",
                                  caps.available->str(), caps.installed->str());
        item.hint = "run ALTER EXTENSION timescaledb UPDATE as the first command of a new session "
                    "(psql -X -c 'ALTER EXTENSION timescaledb UPDATE')";
    }
    return item;
}

bool is_portal_failure(const JobRun& run)
{
    return !run.succeeded && run.message.find("cannot drop portal") != std::string::npos &&
           (run.sqlstate.empty() || run.sqlstate == "24000");
}

Item job_item(const Job& job, const Capabilities& caps, time::Micros now)
{
    Item item{"job", fmt::format("job {}", job.id), Health::ok, {}, {}, {}};
    const std::string what = job.target.empty() ? job.name : fmt::format("{} on {}", job.name, job.target);
    item.detail = fmt::format("{}: every {}{}", what, job.schedule.display(), job.scheduled ? "" : ", paused");
    const auto last = job.last_run();
    item.detail += last ? ", " + describe_run(*last) : ", never ran";
    if (job.next_start) {
        item.detail += ", next " + at(*job.next_start);
    }
    if (job.total_failures > 0) {
        item.detail += fmt::format(", {} of {} scheduled runs failed", job.total_failures, job.total_runs);
    }
    if (!job.scheduled && item.health == Health::ok) {
        item.health = Health::info;
    }
    const std::string name = fmt::format("job {} ({})", job.id, what);
    if (last && !last->succeeded) {
        item.health = Health::problem;
        if (is_portal_failure(*last)) {
            item.reason = fmt::format(
                "{}: scheduled runs end Failed with '{}' (SQLSTATE 24000), the known clash of TimescaleDB {} with "
                "PostgreSQL {} (15.20 and later): the job does its work, then its background worker fails, and "
                "failed jobs are retried only after a backoff",
                name, last->message, caps.installed ? caps.installed->str() : "2.28", caps.server_version);
            item.hint = "ways out: a TimescaleDB release that fixes it, or run the policies from cron, where they are "
                        "not affected: devlogctl timescale jobs pause, then a crontab line such as '*/5 * * * * "
                        "devlogctl timescale jobs run --due'";
        } else {
            item.reason =
                fmt::format("{} failed at {}: {}", name, at(last->started),
                            last->message.empty()
                                ? std::string("no error message recorded")
                                : last->message + (last->sqlstate.empty() ? "" : " (SQLSTATE " + last->sqlstate + ")"));
            item.hint = fmt::format("fix the cause, then run it: devlogctl timescale jobs run {}", job.id);
        }
        return item;
    }
    const std::int64_t grace = std::max<std::int64_t>(job.schedule.length.count(), 5 * 60'000'000LL);
    if (!job.running() && job.next_start && now > *job.next_start + grace) {
        item.health = Health::problem;
        item.reason = fmt::format("{} is overdue: it was due at {}, {} ago{}", name, at(*job.next_start),
                                  span(now - *job.next_start), job.scheduled ? "" : ", and it is paused");
        item.hint = job.scheduled
                        ? fmt::format("the scheduler does not run it: check timescaledb.max_background_workers and the "
                                      "server log; run it now: devlogctl timescale jobs run {}",
                                      job.id)
                        : fmt::format("resume it (devlogctl timescale jobs resume {}) or run due jobs from cron "
                                      "(devlogctl timescale jobs run --due)",
                                      job.id);
    }
    return item;
}

std::optional<Item> aggregate_item(const AggregateState& a, microseconds width, time::Micros now)
{
    if (a.exists && !a.continuous) {
        return std::nullopt;
    }
    Item item{"aggregate", a.name, Health::ok, {}, {}, {}};
    if (!a.exists) {
        item.health = Health::warning;
        item.detail = "missing";
        item.reason = fmt::format("{} does not exist", a.name);
        item.hint = "create it: devlogctl timescale setup (or timescale aggregates create)";
        return item;
    }
    item.detail = a.watermark
                      ? fmt::format("materialized up to {} ({} behind)", at(*a.watermark), span(now - *a.watermark))
                      : std::string("nothing materialized yet");
    std::int64_t allowed = 2 * width.count() + std::chrono::microseconds(std::chrono::hours(1)).count();
    if (a.policy_job && a.end_offset && a.schedule) {
        allowed = a.end_offset->length.count() + width.count() + 2 * a.schedule->length.count();
        item.detail += fmt::format(", refreshed every {} (job {})", a.schedule->display(), *a.policy_job);
    } else {
        item.health = Health::warning;
        item.reason = fmt::format("{} has no refresh policy: only a refresh by hand updates it", a.name);
        item.hint = "add one: devlogctl timescale setup (or timescale aggregates create)";
    }
    if (a.first_late && a.start_offset && *a.first_late < now - a.start_offset->length.count()) {
        item.health = Health::problem;
        item.reason = fmt::format("{} is stale: rows from {} on changed after they were materialized (late events), "
                                  "older than its refresh window, which never reaches them",
                                  a.name, at(*a.first_late));
        item.hint = fmt::format("refresh it: devlogctl timescale aggregates refresh --from {}", at(*a.first_late));
        return item;
    }
    if (a.first_unmaterialized && *a.first_unmaterialized < now - allowed) {
        item.health = Health::problem;
        item.reason = fmt::format("{} is stale: rows from {} on ({} ago) are not materialized{}", a.name,
                                  at(*a.first_unmaterialized), span(now - *a.first_unmaterialized),
                                  a.watermark ? ", it ends at " + at(*a.watermark) : std::string(", it is empty"));
        const bool beyond = a.start_offset && *a.first_unmaterialized < now - a.start_offset->length.count();
        item.hint =
            fmt::format("refresh it: devlogctl timescale aggregates refresh{}",
                        beyond ? " (those rows are older than its refresh policy's window, which never reaches them)"
                        : a.policy_job ? fmt::format("; check that its refresh policy, job {}, runs", *a.policy_job)
                                       : std::string());
    }
    return item;
}

std::optional<Item> backlog_item(const TableState& table, const Job* policy, time::Micros now)
{
    if (!table.hypertable || !table.compression_enabled || !table.compression_job || !table.compress_after) {
        return std::nullopt;
    }
    const std::int64_t cutoff =
        now - table.compress_after->length.count() - (policy != nullptr ? policy->schedule.length.count() : 0);
    int backlog = 0;
    int partial = 0;
    std::optional<time::Micros> oldest;
    for (const auto& c : table.chunk_list) {
        if (c.partial) {
            ++partial;
        }
        if (!c.compressed && c.range_end <= cutoff) {
            ++backlog;
            oldest = oldest ? std::min(*oldest, c.range_start) : c.range_start;
        }
    }
    Item item{"compression", table.display(), Health::ok, {}, {}, {}};
    item.detail = fmt::format("{} of {} chunks compressed{}, compress after {} (job {})", table.compressed_chunks,
                              table.chunks, partial > 0 ? fmt::format(" ({} with rows added since)", partial) : "",
                              table.compress_after->display(), *table.compression_job);
    if (backlog > 0 && policy != nullptr && !policy->last_run() && policy->scheduled &&
        !(policy->next_start && now > *policy->next_start + 5 * 60'000'000LL)) {
        item.health = Health::warning;
        item.reason =
            fmt::format("{} chunk{} of {} older than compress-after ({}) wait for the first run of its "
                        "policy, job {}",
                        backlog, backlog == 1 ? "" : "s", table.name, table.compress_after->display(), policy->id);
        item.hint = "it runs soon; to compress them now: devlogctl timescale compression compress";
    } else if (backlog > 0) {
        item.health = Health::problem;
        item.reason =
            fmt::format("compression backlog on {}: {} chunk{} older than compress-after ({}) plus the "
                        "policy's interval are not compressed, the oldest from {}",
                        table.name, backlog, backlog == 1 ? "" : "s", table.compress_after->display(), at(*oldest));
        item.hint = fmt::format("compress them: devlogctl timescale compression compress; check that the policy, job "
                                "{}, runs: devlogctl timescale jobs list",
                                *table.compression_job);
    }
    return item;
}

} // namespace devlog::timescale
