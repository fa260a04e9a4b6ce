// devlogctl collect: read coding agents' logs into the local queue (one pass, or --daemon).
#include "cli/context.hpp"
#include "cli/queue_options.hpp"
#include "lib/collect/collector.hpp"
#include "lib/collect/daemon.hpp"
#include "lib/collect/sources.hpp"
#include "lib/core/errors.hpp"
#include "lib/queue/lock.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <memory>

namespace devlog::cli {
namespace {

struct CollectFlags
{
    std::vector<std::string> sources;
    bool no_defaults = false;
    bool content = false;
    std::string queue;
    std::string max_queue_size = "1G";
    bool upload = false;
    bool daemon = false;
    std::string upload_interval = "60s";
    std::string rescan_interval = "5m";
    bool no_inotify = false;
    UploadFlags upload_flags;
};

// "512M", "1G", "200000" (bytes), with K/M/G/T in powers of 1024.
std::int64_t parse_size(const std::string& text)
{
    std::size_t used = 0;
    double value = 0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    std::string unit = text.substr(used);
    if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) {
        unit.pop_back();
    }
    double factor = 1;
    if (unit == "K" || unit == "k") {
        factor = 1024.0;
    } else if (unit == "M" || unit == "m") {
        factor = 1024.0 * 1024;
    } else if (unit == "G" || unit == "g") {
        factor = 1024.0 * 1024 * 1024;
    } else if (unit == "T" || unit == "t") {
        factor = 1024.0 * 1024 * 1024 * 1024;
    } else if (!unit.empty()) {
        used = 0;
    }
    if (used == 0 || value < 0) {
        throw UsageError(fmt::format("--max-queue-size {}: not a size", text), "write it like 500M or 2G (0: no limit)");
    }
    return static_cast<std::int64_t>(value * factor);
}

std::vector<collect::SourceRoot> roots(const CollectFlags& f)
{
    std::vector<collect::SourceRoot> out;
    if (!f.no_defaults) {
        out = collect::default_roots();
    }
    for (const auto& spec : f.sources) {
        out.push_back(collect::parse_source(spec));
    }
    if (out.empty()) {
        throw UsageError("no sources: --no-default-sources without --source", "add --source KIND:PATH");
    }
    return out;
}

collect::CollectOptions collect_options(const CollectFlags& f)
{
    collect::CollectOptions o;
    o.roots = roots(f);
    o.parse.content = f.content;
    o.max_queue_bytes = parse_size(f.max_queue_size);
    return o;
}

void render_collect(Context& ctx, const collect::CollectResult& r)
{
    std::int64_t unknown = 0;
    for (const auto& [kind, n] : r.unknown_kinds) {
        unknown += n;
    }
    ctx.print(output::Table{{"files", "read", "lines", "new", "grown", "duplicates", "malformed", "unknown"},
                            {{r.files, r.files_read, r.lines, r.events.inserted, r.events.updated + r.events.corrections,
                              r.events.duplicates, r.malformed, unknown}}});
    for (const auto& line : r.malformed_lines) {
        ctx.warn("malformed line skipped: " + line);
    }
    if (r.malformed > static_cast<std::int64_t>(r.malformed_lines.size())) {
        ctx.warn(fmt::format("… and {} more malformed lines", r.malformed - static_cast<std::int64_t>(r.malformed_lines.size())));
    }
    for (const auto& [kind, n] : r.unknown_kinds) {
        ctx.verbose(fmt::format("skipped {} record{} of unknown kind {}", n, n == 1 ? "" : "s", kind));
    }
    if (r.paused) {
        ctx.warn("the queue is full (--max-queue-size): collection paused before reading everything; upload, "
                 "then collect again (nothing was dropped)");
        ctx.exit_code = ExitCode::queue_full;
    }
}

void run_collect(Context& ctx, const CollectFlags& f)
{
    const std::string path = queue_file(f.queue);
    auto options = collect_options(f);
    collect::Identities identities(collect::this_machine());
    if (f.daemon) {
        // A second daemon fails at once, give or take a `queue status` probe holding the lock for an instant.
        queue::InstanceLock lock(lock_file(path, "collect"), "devlogctl collect --daemon", std::chrono::seconds(1));
        queue::Queue queue(path);
        collect::DaemonOptions d;
        d.collect = std::move(options);
        if (f.upload) {
            d.database = ctx.connect_settings();
            d.upload = upload_options(f.upload_flags, "");
            d.upload.application_name = "devlogctl collect";
        }
        d.upload_interval = duration_flag("--upload-interval", f.upload_interval);
        d.rescan_interval = duration_flag("--rescan-interval", f.rescan_interval);
        d.inotify = !f.no_inotify;
        d.upload_lock = lock_file(path, "upload");
        collect::run_daemon(queue, identities, d, ctx.reporter());
        return;
    }
    queue::InstanceLock lock(lock_file(path, "collect"), "devlogctl collect", std::chrono::seconds(30));
    queue::Queue queue(path);
    const auto result = collect::collect_once(queue, identities, options, ctx.reporter());
    render_collect(ctx, result);
    if (f.upload) {
        queue::InstanceLock upload_lock(lock_file(path, "upload"), "devlogctl upload", std::chrono::seconds(30));
        auto o = upload_options(f.upload_flags, "5m");
        o.application_name = "devlogctl collect";
        render_upload(ctx, upload::upload(queue, ctx.connect_settings(), o, ctx.reporter()));
    }
}

void run_sources(Context& ctx, const CollectFlags& f)
{
    auto sink = ctx.stdout_sink();
    sink->begin({"kind", "path", "origin", "exists", "files", "bytes"});
    for (const auto& root : roots(f)) {
        std::error_code ec;
        const bool exists = std::filesystem::exists(root.path, ec);
        std::int64_t bytes = 0;
        const auto files = collect::find_files(root);
        for (const auto& file : files) {
            bytes += file.size;
        }
        sink->row({std::string(collect::kind_name(root.kind)), root.path, root.origin, exists,
                   static_cast<std::int64_t>(files.size()), bytes});
    }
    sink->end();
}

} // namespace

void register_collect(CLI::App& app, Context& ctx)
{
    auto f = std::make_shared<CollectFlags>();
    auto* collect = app.add_subcommand("collect", "Read coding agents' logs into the local queue (--upload: and send it)");
    collect->require_subcommand(0, 1);
    collect->add_option("--source", f->sources,
                        "Also read KIND:PATH (KIND: claude-code, copilot, codex, ndjson; PATH a directory or file)")
        ->type_name("KIND:PATH");
    collect->add_flag("--no-default-sources", f->no_defaults, "Read only the --source places");
    collect->add_flag("--content", f->content,
                      "Keep prompts, responses and tool inputs (obvious secrets redacted); default: metadata only");
    add_queue_option(collect, f->queue);
    collect->add_option("--max-queue-size", f->max_queue_size,
                        "Pause collection when the queued events reach this size (default 1G; 0: no limit)")
        ->type_name("SIZE");
    collect->add_flag("--upload", f->upload, "Also upload the queue to the database (the daemon: every --upload-interval)");
    collect->add_flag("--daemon", f->daemon, "Keep running: collect as files change, stop on SIGTERM/SIGINT");
    collect->add_option("--upload-interval", f->upload_interval, "Daemon: upload this often (default 60s)")
        ->type_name("DURATION");
    collect->add_option("--rescan-interval", f->rescan_interval,
                        "Daemon: look at every file this often besides inotify (default 5m)")
        ->type_name("DURATION");
    collect->add_flag("--no-inotify", f->no_inotify, "Daemon: do not use inotify; rescan (at most every 30s) instead");
    add_upload_options(collect, f->upload_flags);
    collect->callback([&ctx, f, collect] {
        if (collect->get_subcommands().empty()) {
            run_collect(ctx, *f);
        }
    });
    auto* sources = collect->add_subcommand("sources", "List the places collect reads, per agent, and what is there");
    sources->callback([&ctx, f] { run_sources(ctx, *f); });
    collect->footer("Exit codes: 10 the queue is full (collection paused), 11 upload stopped before the queue was "
                    "empty. See devlogctl-collect(1).");
}

} // namespace devlog::cli
