#include "lib/stats/perf_metrics.hpp"

#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/core/sha256.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace devlog::stats {

bool truthy(std::string_view value)
{
    std::string lower(value);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower == "1" || lower == "true" || lower == "on" || lower == "yes";
}

MetricsRecorder::MetricsRecorder(db::Runner& runner, Reporter& reporter, bool flag)
    : MetricsRecorder(runner, reporter, flag, std::nullopt)
{
}

MetricsRecorder::MetricsRecorder(db::Runner& runner, Reporter& reporter, bool flag,
                                 const std::optional<std::string>& setting)
    : m_runner(runner), m_reporter(reporter)
{
    const char* env = std::getenv("DEVLOG_RECORD_METRICS");
    m_enabled = flag || (env != nullptr && truthy(env));
    if (!m_enabled && setting) {
        m_enabled = truthy(*setting);
    } else if (!m_enabled) {
        const auto read =
            runner.exec("SELECT current_setting('devlog.record_metrics', true)", {"reading devlog.record_metrics"});
        m_enabled = truthy(read.get(0, 0).value_or(""));
    }
}

void MetricsRecorder::record(const Metric& metric)
{
    if (!m_enabled || interrupt::received() != 0) {
        return;
    }
    try {
        m_runner.exec(
            "INSERT INTO performance_metrics (metric_type, metric_name, duration_ms, row_count, byte_count, "
            "query_hash, "
            "application_name) VALUES ($1, $2, $3, $4, $5, $6, nullif(current_setting('application_name'), ''))",
            {"recording a performance metric"},
            {metric.type, metric.name, fmt::format("{:.3f}", std::max(0.0, metric.duration_ms)),
             metric.rows ? db::Param(std::to_string(*metric.rows)) : std::nullopt,
             metric.bytes ? db::Param(std::to_string(*metric.bytes)) : std::nullopt,
             metric.sql ? db::Param(sha256_hex(*metric.sql)) : std::nullopt});
    } catch (const Interrupted&) {
        throw;
    } catch (const Error& e) {
        m_enabled = false;
        m_reporter.warn(fmt::format("could not record performance metrics, recording stops: {}", e.what()));
    }
}

} // namespace devlog::stats
