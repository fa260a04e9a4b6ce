#include "cli/queue_options.hpp"

#include "lib/core/errors.hpp"
#include "lib/core/time.hpp"
#include "lib/queue/queue.hpp"

#include <fmt/format.h>

namespace devlog::cli {

void add_queue_option(CLI::App* cmd, std::string& path)
{
    cmd->add_option("--queue", path, "The queue file (default: $XDG_STATE_HOME/devlogctl/queue.db)")->type_name("PATH");
}

void add_upload_options(CLI::App* cmd, UploadFlags& flags)
{
    cmd->add_option("--batch-size", flags.batch_size, "Events per batch (default 5000)")
        ->type_name("N")
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--workers", flags.workers,
                    "Connections loading batches at once (default 2; 1 when the queue holds one batch or less, or "
                    "with --max-batches 1)")
        ->type_name("N")
        ->check(CLI::Range(1, 16));
    cmd->add_option("--max-batches", flags.max_batches, "Stop after N batches (default: until the queue is empty)")
        ->type_name("N")
        ->check(CLI::Range(0, 1000000000));
    cmd->add_option("--timeout", flags.timeout,
                    "Stop starting batches, and stop retrying an unreachable server, after this long (e.g. 5m)")
        ->type_name("DURATION");
}

std::string queue_file(const std::string& path)
{
    return path.empty() ? queue::Queue::default_path() : path;
}

std::string lock_file(const std::string& queue_file, const char* what)
{
    return fmt::format("{}.{}.lock", queue_file, what);
}

std::chrono::milliseconds duration_flag(const std::string& flag, const std::string& text)
{
    const auto d = time::parse_duration(text);
    if (!d) {
        throw UsageError(fmt::format("{} {}: not a duration", flag, text), "write it like 30s, 5m, 1h, 2d");
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

upload::UploadOptions upload_options(const UploadFlags& flags, const std::string& default_timeout)
{
    upload::UploadOptions o;
    o.batch_events = flags.batch_size;
    o.workers = flags.workers;
    o.max_batches = flags.max_batches;
    const std::string timeout = flags.timeout.empty() ? default_timeout : flags.timeout;
    if (!timeout.empty()) {
        o.timeout = duration_flag("--timeout", timeout);
    }
    return o;
}

void render_upload(Context& ctx, const upload::UploadResult& r)
{
    ctx.print(output::Table{{"batches", "sent", "new", "corrected", "rejected", "retries", "queued"},
                            {{r.batches, r.sent, r.inserted, r.corrected, r.rejected, r.retries, r.remaining}}});
    if (r.rejected > 0) {
        ctx.warn(fmt::format("{} event{} refused by the server: kept in the queue's rejected table (queue status)",
                             r.rejected, r.rejected == 1 ? " was" : "s were"));
    }
    if (r.stopped_unreachable) {
        ctx.warn(fmt::format("upload stopped at --timeout: the server stayed unreachable ({}); {} event{} stay queued",
                             r.last_error, r.remaining, r.remaining == 1 ? "" : "s"));
        ctx.exit_code = ExitCode::upload_incomplete;
    }
}

} // namespace devlog::cli
