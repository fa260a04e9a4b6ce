#pragma once
// performance_metrics (migration 0002): what devlogctl measures about its own work, written only
// when asked: --record-metrics, DEVLOG_RECORD_METRICS=1, or the database setting
// devlog.record_metrics = on (ALTER DATABASE devlog SET devlog.record_metrics = on), so an
// operator turns it on once for every client.

#include "lib/core/reporter.hpp"
#include "lib/db/runner.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace devlog::stats {

// One measurement (a row of performance_metrics).
struct Metric
{
    std::string type; // import, upload, collect, setup, query, maintain, partition, stats
    std::string name; // which step or query
    double duration_ms = 0;
    std::optional<std::int64_t> rows;
    std::optional<std::int64_t> bytes;
    std::optional<std::string> sql; // its SHA-256 becomes query_hash
};

// Writes Metrics on the runner's connection, between the caller's transactions.
class MetricsRecorder
{
public:
    // Enabled when FLAG is set, DEVLOG_RECORD_METRICS is 1/true/on/yes, or the database setting
    // devlog.record_metrics is on (read once, here).
    MetricsRecorder(db::Runner& runner, Reporter& reporter, bool flag);
    // The same with the database setting already read (SETTING; nullopt: read it here).
    MetricsRecorder(db::Runner& runner, Reporter& reporter, bool flag, const std::optional<std::string>& setting);
    bool enabled() const { return m_enabled; }
    // Records METRIC when enabled. Never throws: when the row cannot be written (migration 0002 not
    // applied, no INSERT privilege) it warns once and stops recording.
    void record(const Metric& metric);

private:
    db::Runner& m_runner;
    Reporter& m_reporter;
    bool m_enabled = false;
};

// true for "1", "true", "on", "yes" (any case): how DEVLOG_RECORD_METRICS and the database setting
// are read.
bool truthy(std::string_view value);

} // namespace devlog::stats
