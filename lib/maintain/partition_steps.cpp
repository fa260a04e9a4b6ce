#include "lib/maintain/partition_steps.hpp"

#include "lib/core/errors.hpp"

#include <fmt/format.h>


namespace devlog::maintain::detail {
namespace {

using partition::Period;

int ahead_of(const Managed& m, const Options& options)
{
    return m.spec.events ? options.ahead : k_metrics_ahead;
}

std::optional<std::chrono::microseconds> retain_of(const Managed& m, const Options& options)
{
    return m.spec.events ? options.retain : std::optional(options.retain_metrics);
}

// Joins per-table details into one line; the status is the "most" of them.
void add(StepReport& report, Status status, const std::string& text)
{
    if (status == Status::done && report.status == Status::nothing) {
        report.status = Status::done;
    } else if (status == Status::warning && report.status != Status::failed) {
        report.status = Status::warning;
    }
    report.detail += (report.detail.empty() ? "" : "; ") + text;
}

} // namespace

std::string name_list(const std::vector<std::string>& names)
{
    if (names.size() <= 3) {
        std::string out;
        for (const auto& n : names) {
            out += (out.empty() ? "" : ", ") + n;
        }
        return out;
    }
    return fmt::format("{} ({} .. {})", names.size(), names.front(), names.back());
}

std::vector<Managed> managed_tables(db::Runner& runner, std::vector<std::string>& notes)
{
    std::vector<Managed> out;
    for (const auto& spec : k_managed_tables) {
        auto info = partition::inspect(runner, spec.name);
        if (!info.exists()) {
            notes.push_back(fmt::format("{} is missing (run devlogctl migrate)", spec.name));
        } else if (info.hypertable) {
            notes.push_back(fmt::format("{} is a TimescaleDB hypertable (TimescaleDB manages its chunks)", spec.name));
        } else if (!info.range_partitioned()) {
            notes.push_back(fmt::format("{} is not partitioned{}", spec.name,
                                        spec.events ? " (devlogctl partition setup converts it)" : ""));
        } else {
            const Period period = info.period().value_or(spec.fallback_period);
            out.push_back({spec, std::move(info), period});
        }
    }
    return out;
}

void create_ahead(db::Runner& runner, const Options& options, StepReport& report)
{
    std::vector<std::string> notes;
    for (auto& m : managed_tables(runner, notes)) {
        const auto plan = partition::plan(m.info.name, m.info.ranges(), m.period, time::now(), ahead_of(m, options), std::nullopt);
        if (plan.create.empty()) {
            add(report, Status::nothing, fmt::format("{}: up to date ({} ahead)", m.info.name, ahead_of(m, options)));
            continue;
        }
        std::vector<std::string> names;
        std::int64_t moved = 0;
        for (const auto& range : plan.create) {
            if (!options.dry_run) {
                moved += partition::create_partition(runner, m.info, range);
            }
            names.push_back(range.name);
        }
        add(report, Status::done,
            fmt::format("{}: {} {}{}", m.info.name, options.dry_run ? "would create" : "created", name_list(names),
                        moved > 0 ? fmt::format(" ({} rows moved in from the default partition)", moved) : ""));
    }
    for (const auto& n : notes) {
        add(report, Status::nothing, n);
    }
}

void rescue_strays(db::Runner& runner, const Options& options, StepReport& report)
{
    std::vector<std::string> notes;
    for (auto& m : managed_tables(runner, notes)) {
        const auto strays = partition::strays(runner, m.info, m.period);
        const auto* def = m.info.default_partition();
        if (strays.rows == 0 || def == nullptr) {
            continue;
        }
        // Every period before the horizon gets its partition, expired ones too: the retention
        // step then drops those whole, so no row is ever deleted one by one.
        const time::Micros horizon = partition::advance(partition::floor(time::now(), m.period), m.period, ahead_of(m, options) + 1);
        std::vector<std::string> created;
        std::int64_t moved = 0;
        std::int64_t left = 0;
        for (const auto& [start, rows] : strays.by_period) {
            const partition::Range range{partition::partition_name(m.info.name, start, m.period), start,
                                         partition::advance(start, m.period, 1)};
            if (range.from < horizon) {
                moved += options.dry_run ? rows : partition::create_partition(runner, m.info, range);
                created.push_back(range.name);
            } else {
                left += rows;
            }
        }
        if (!created.empty()) {
            add(report, Status::done,
                fmt::format("{}: {} {} rows into {}", def->name, options.dry_run ? "would move" : "moved", moved, name_list(created)));
        }
        if (left > 0) {
            const auto rest = options.dry_run || created.empty() ? strays : partition::strays(runner, partition::inspect(runner, m.info.qualified()), m.period);
            add(report, Status::warning,
                fmt::format("{} keeps {} rows from {} to {} (beyond {} periods ahead: clocks set wrong?)",
                            def->name, left, time::format_iso8601(rest.oldest.value_or(0)),
                            time::format_iso8601(rest.newest.value_or(0)), ahead_of(m, options)));
        }
    }
    if (report.detail.empty()) {
        report.detail = "the default partitions are empty";
    }
}

void apply_retention(db::Runner& runner, const Options& options, StepReport& report)
{
    std::vector<std::string> notes;
    for (auto& m : managed_tables(runner, notes)) {
        const auto retain = retain_of(m, options);
        if (!retain) {
            add(report, Status::nothing, fmt::format("{}: kept whole (no --retain)", m.info.name));
            continue;
        }
        const auto plan = partition::plan(m.info.name, m.info.ranges(), m.period, time::now(), 0, retain);
        if (plan.drop.empty()) {
            add(report, Status::nothing, fmt::format("{}: nothing older than {}", m.info.name, time::format_interval(*retain)));
            continue;
        }
        std::vector<std::string> names;
        for (const auto& range : plan.drop) {
            if (!options.dry_run) {
                partition::drop_partition(runner, m.info, range.name);
            }
            names.push_back(range.name);
        }
        add(report, Status::done, fmt::format("{}: {} {} (older than {})", m.info.name, options.dry_run ? "would drop" : "dropped",
                                              name_list(names), time::format_interval(*retain)));
    }
}

} // namespace devlog::maintain::detail
