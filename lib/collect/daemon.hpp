#pragma once
// `devlogctl collect --daemon`: watches the sources (inotify, with a periodic rescan as the
// fallback and safety net), collects as files grow, uploads every upload_interval, and stops
// cleanly on SIGTERM / SIGINT. Sleeps in poll() between events: no CPU when nothing happens.

#include "lib/collect/collector.hpp"
#include "lib/db/conninfo.hpp"
#include "lib/upload/uploader.hpp"

#include <chrono>
#include <optional>

namespace devlog::collect {

struct DaemonOptions
{
    CollectOptions collect;
    std::optional<db::ConnectSettings> database; // nullopt: collect only
    upload::UploadOptions upload;
    std::chrono::milliseconds upload_interval{std::chrono::seconds(60)};
    // A full rescan this often even when inotify works (a safety net); the only trigger without it.
    std::chrono::milliseconds rescan_interval{std::chrono::minutes(5)};
    std::chrono::milliseconds debounce{std::chrono::seconds(1)}; // collect at most this often while files change
    bool inotify = true;
    std::string upload_lock; // the uploader's lock file: a round is skipped while another upload holds it
};

// Runs until a signal arrives, then returns (what was collected or uploaded stays). Log lines go
// to REPORTER (info: what each pass and upload did; warnings: failures, which are retried).
void run_daemon(queue::Queue& queue, Identities& identities, const DaemonOptions& options, Reporter& reporter);

} // namespace devlog::collect
