#include "lib/maintain/health.hpp"

#include "lib/maintain/partition_steps.hpp"
#include "lib/partition/catalog.hpp"
#include "lib/partition/setup.hpp"
#include "lib/rollup/plain.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace devlog::maintain {

std::vector<Problem> plain_health(db::Runner& runner, const HealthOptions& options)
{
    std::vector<Problem> problems;
    const time::Micros now = time::now();
    std::vector<std::string> notes;
    for (const auto& m : detail::managed_tables(runner, notes)) {
        const auto ranges = m.info.ranges();
        const time::Micros current = partition::floor(now, m.period);
        for (int i = 0; i <= options.min_ahead; ++i) {
            const time::Micros from = partition::advance(current, m.period, i);
            const bool covered = std::any_of(ranges.begin(), ranges.end(), [&](const auto& r) { return r.from <= from && from < r.to; });
            if (!covered) {
                problems.push_back({"future partitions", m.info.name,
                                    fmt::format("{} has no partition for {}: its rows land in the default partition",
                                                m.info.name, partition::format_period(from, m.period)),
                                    "run devlogctl maintain (from cron, more often than every period)"});
                break;
            }
        }
        const auto strays = partition::strays(runner, m.info, m.period);
        if (strays.rows > 0) {
            problems.push_back({"default partition", m.info.default_partition()->name,
                                fmt::format("{} holds {} rows ({} .. {})", m.info.default_partition()->name, strays.rows,
                                            time::format_iso8601(strays.oldest.value_or(0)),
                                            time::format_iso8601(strays.newest.value_or(0))),
                                "devlogctl maintain moves rows up to its horizon into partitions; look at the rest "
                                "(clocks set wrong?)"});
        }
    }
    const auto events = partition::inspect(runner, partition::k_events);
    if (events.exists() && !events.hypertable) {
        if (const auto state = rollup::state(runner, events.schema)) {
            const auto age = std::chrono::microseconds(now - state->watermark);
            if (age > options.rollup_max_age) {
                problems.push_back({"stale rollups", std::string(rollup::k_hourly),
                                    fmt::format("the rollups were last refreshed {} ago ({}; {} hours wait in the log)",
                                                time::format_interval(std::chrono::duration_cast<std::chrono::seconds>(age)),
                                                time::format_iso8601(state->watermark), state->pending_hours),
                                    "run devlogctl maintain (from cron)"});
            }
        }
        if (events.kind == 'r' &&
            partition::inspect(runner, events.qualified(partition::k_progress)).exists()) {
            problems.push_back({"partition setup", std::string(partition::k_progress),
                                "a partition setup is unfinished: every write to agent_events is written twice until it ends",
                                "run devlogctl partition setup again to finish it, or partition setup --abort"});
        }
    }
    return problems;
}

namespace {

class PlainCheck final : public status::Check
{
  public:
    std::string_view name() const override { return "partitions"; }
    void run(status::Probe& probe, status::Report& report) const override
    {
        const auto problems = plain_health(probe.runner);
        for (const auto& p : problems) {
            // agent_events and its rollups are what collectors and readers depend on; devlogctl's own
            // monitoring tables (migration 0002) lacking a partition is worth a warning only.
            const bool events =
                p.object.starts_with(partition::k_events) || p.check == "stale rollups" || p.check == "partition setup";
            report.add({p.check, p.object, events ? status::Health::problem : status::Health::warning, p.message,
                        p.message, p.hint});
        }
        const auto events = partition::inspect(probe.runner, partition::k_events);
        if (problems.empty() && events.exists() && events.kind == 'p') {
            report.add({"partitions", events.name, status::Health::ok,
                        "partitioned natively: partitions ahead, default partition empty, rollups current", "", ""});
        }
    }
};

} // namespace

std::unique_ptr<status::Check> make_plain_check()
{
    return std::make_unique<PlainCheck>();
}

} // namespace devlog::maintain
