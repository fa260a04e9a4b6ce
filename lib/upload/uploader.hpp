#pragma once
// `devlogctl upload`: drains the collector's queue into PostgreSQL in batches. A queued event is
// deleted only after the server committed it; a batch that fails on the connection is retried
// after an exponential backoff with jitter; a row the server refuses (a bad value) is left out by
// import's writer and moved to the queue's rejected table, never dropped silently. The
// projects, machines, workspaces and agent_sessions rows the events refer to are created or
// refreshed through devlogctl's upload functions (which the writer role may call).

#include "lib/core/reporter.hpp"
#include "lib/db/conninfo.hpp"
#include "lib/queue/queue.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace devlog::db {
class Runner;
}

namespace devlog::upload {

struct UploadOptions
{
    std::size_t batch_events = 5000;
    // Connections loading batches at once (when the queue holds more than one batch): the server
    // works on one batch per connection while this process claims and encodes the next ones.
    int workers = 2;
    // Stop after this many batches (0: until the queue is empty). For cron.
    std::int64_t max_batches = 0;
    // Stop starting batches after this long, and stop retrying an unreachable server (nullopt: retry
    // until the queue is empty or a signal arrives).
    std::optional<std::chrono::milliseconds> timeout;
    std::chrono::milliseconds first_backoff{1000};
    // How the connections present themselves (pg_stat_activity, `stats connections`).
    std::string application_name = "devlogctl upload";
    std::chrono::milliseconds max_backoff{std::chrono::minutes(5)};
};

struct UploadResult
{
    std::int64_t batches = 0;
    std::int64_t sent = 0;        // events sent and committed
    std::int64_t inserted = 0;    // of which new in agent_events
    std::int64_t corrected = 0;   // responses inserted or corrected with a larger usage
    std::int64_t rejected = 0;    // moved to the queue's rejected table
    std::int64_t retries = 0;     // batches retried after a connection failure
    std::int64_t remaining = 0;   // events still queued
    bool stopped_unreachable = false; // gave up at the timeout while the server was unreachable
    std::string last_error;
};

// Uploads QUEUE to the database of SETTINGS. Throws Interrupted (what was committed stays
// committed and acknowledged), devlog::Error for failures retrying cannot fix (missing schema or
// upload functions, permission denied).
UploadResult upload(queue::Queue& queue, const db::ConnectSettings& settings, const UploadOptions& options,
                    Reporter& reporter);

// Creates or replaces the upload functions (devlogctl.upload_*_v1) in the database of RUNNER.
void install_functions(db::Runner& runner);

} // namespace devlog::upload
