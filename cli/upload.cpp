// devlogctl upload and devlogctl queue: send the collector's queue to the database; look at it.
#include "cli/context.hpp"
#include "cli/queue_options.hpp"
#include "lib/core/errors.hpp"
#include "lib/core/time.hpp"
#include "lib/queue/lock.hpp"
#include "lib/queue/queue.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <memory>

namespace devlog::cli {
namespace {

struct UploadCommand
{
    std::string queue;
    UploadFlags flags;
};

void run_upload(Context& ctx, const UploadCommand& o)
{
    const std::string path = queue_file(o.queue);
    queue::InstanceLock lock(lock_file(path, "upload"), "devlogctl upload", std::chrono::seconds(30));
    queue::Queue queue(path);
    render_upload(ctx, upload::upload(queue, ctx.connect_settings(), upload_options(o.flags, "5m"), ctx.reporter()));
}

void run_status(Context& ctx, const std::string& queue_flag)
{
    const std::string path = queue_file(queue_flag);
    if (!std::filesystem::exists(path)) {
        throw Error(fmt::format("no queue at {}", path), "collect creates it: devlogctl collect");
    }
    queue::Queue queue(path);
    const auto s = queue.status();
    auto meta = [&](const char* key) -> nlohmann::json {
        const auto it = s.meta.find(key);
        return it == s.meta.end() ? nlohmann::json() : nlohmann::json(it->second);
    };
    auto holder = [&](const char* what) -> nlohmann::json {
        // Held means running: flock is released when its process ends, whatever the file still says.
        const auto who = queue::InstanceLock::held_by(lock_file(path, what));
        return who ? nlohmann::json(*who) : nlohmann::json();
    };
    const nlohmann::json collector = holder("collect");
    const nlohmann::json uploader = holder("upload");
    output::Table table{{"item", "value"}, {}};
    auto row = [&](const char* item, nlohmann::json value) { table.rows.push_back({item, std::move(value)}); };
    row("queue", path);
    row("events", s.events);
    row("corrections", s.corrections);
    row("queued_bytes", s.bytes);
    row("oldest_event", s.oldest ? nlohmann::json(time::format_iso8601(*s.oldest)) : nlohmann::json());
    row("size_on_disk", s.file_bytes);
    row("files_tracked", s.files);
    row("events_collected", s.ledger);
    row("rejected", s.rejected);
    row("last_upload_at", meta("last_upload_at"));
    row("last_upload_events", meta("last_upload_events"));
    row("last_error", meta("last_error"));
    row("last_error_at", meta("last_error_at"));
    row("collector", collector);
    row("uploader", uploader);
    ctx.print(table);
}

} // namespace

void register_upload(CLI::App& app, Context& ctx)
{
    auto o = std::make_shared<UploadCommand>();
    auto* upload = app.add_subcommand("upload", "Send the collector's queue to the database, in batches, exactly once");
    add_queue_option(upload, o->queue);
    add_upload_options(upload, o->flags);
    upload->callback([&ctx, o] { run_upload(ctx, *o); });
    upload->footer("--timeout defaults to 5m. Exit code 11: the server stayed unreachable until --timeout (the "
                   "events stay queued). See devlogctl-upload(1).");

    auto queue_path = std::make_shared<std::string>();
    auto* queue = app.add_subcommand("queue", "Look at the collector's local queue");
    queue->require_subcommand(1);
    add_queue_option(queue, *queue_path);
    auto* status = queue->add_subcommand("status", "Depth, oldest event, size on disk, last upload and last error");
    status->callback([&ctx, queue_path] { run_status(ctx, *queue_path); });
}

} // namespace devlog::cli
