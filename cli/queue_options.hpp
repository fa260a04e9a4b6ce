#pragma once
// What collect, upload and queue share on the command line: the queue's place, upload's bounds,
// and how an upload's outcome is shown.

#include "cli/context.hpp"
#include "lib/upload/uploader.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace devlog::cli {

struct UploadFlags
{
    std::size_t batch_size = 5000;
    int workers = 2;
    std::int64_t max_batches = 0;
    std::string timeout; // a duration ("5m"); empty: the command's default
};

// --queue PATH on CMD.
void add_queue_option(CLI::App* cmd, std::string& path);
// --batch-size, --workers, --max-batches, --timeout on CMD.
void add_upload_options(CLI::App* cmd, UploadFlags& flags);

// The queue file: PATH, or $XDG_STATE_HOME/devlogctl/queue.db.
std::string queue_file(const std::string& path);
// The lock file beside the queue for WHAT ("collect", "upload").
std::string lock_file(const std::string& queue_file, const char* what);

// FLAGS as upload options; DEFAULT_TIMEOUT when --timeout was not given ("" = none).
upload::UploadOptions upload_options(const UploadFlags& flags, const std::string& default_timeout);

// A duration flag's value; throws UsageError naming FLAG.
std::chrono::milliseconds duration_flag(const std::string& flag, const std::string& text);

// Prints an upload's outcome (one row) and sets the exit code (11 when the server stayed unreachable).
void render_upload(Context& ctx, const upload::UploadResult& result);

} // namespace devlog::cli
