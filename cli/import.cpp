// devlogctl import: bulk import of events into agent_events.
#include "cli/context.hpp"
#include "lib/core/errors.hpp"
#include "lib/importer/import.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <unistd.h>

namespace devlog::cli {
namespace {

struct ImportCliOptions
{
    std::vector<std::string> inputs;
    std::string input_format;
    std::string project;
    bool create_projects = false;
    std::uint64_t max_errors = 0;
    std::string rejects;
    int workers = 1;
    std::size_t batch_rows = 10'000;
    std::size_t batch_bytes = 8u << 20;
    std::size_t max_record_bytes = 16u << 20;
};

output::Table summary_table(const importer::ImportSummary& s)
{
    output::Table table{{"read", "inserted", "duplicates", "rejected", "not_loaded", "elapsed_s", "rows_per_s", "status"}, {}};
    const std::string status = s.finished ? "finished" : s.resume_at.empty() ? "stopped" : "stopped at " + s.resume_at;
    table.rows.push_back({s.read, s.inserted, s.duplicates, s.rejected, s.not_loaded, std::round(s.elapsed_s * 1000) / 1000,
                          std::llround(s.rows_per_second()), status});
    return table;
}

void run_events(Context& ctx, const ImportCliOptions& o)
{
    if (o.inputs.empty() && isatty(STDIN_FILENO) == 1) {
        throw UsageError("nothing to import: name the files, or pipe the events in (- is standard input)");
    }
    importer::ImportOptions options;
    options.inputs = o.inputs.empty() ? std::vector<std::string>{"-"} : o.inputs;
    if (o.input_format == "ndjson") {
        options.format = importer::InputFormat::ndjson;
    } else if (o.input_format == "json") {
        options.format = importer::InputFormat::json_array;
    } else if (o.input_format == "csv") {
        options.format = importer::InputFormat::csv;
    }
    if (!o.project.empty()) {
        options.default_project = o.project;
    }
    options.create_projects = o.create_projects;
    options.max_errors = o.max_errors;
    if (!o.rejects.empty()) {
        options.rejects_path = o.rejects;
    }
    options.workers = o.workers;
    options.batch_rows = o.batch_rows;
    options.batch_bytes = o.batch_bytes;
    options.max_record_bytes = o.max_record_bytes;
    options.record_metrics = ctx.global.record_metrics;

    auto db = ctx.open_database();
    const auto summary = importer::import_events(db, options, ctx.reporter());
    ctx.print(summary_table(summary));
    if (summary.projects_created > 0) {
        ctx.info(fmt::format("created {} project{}", summary.projects_created, summary.projects_created == 1 ? "" : "s"));
    }
    if (summary.error) {
        std::rethrow_exception(summary.error);
    }
    if (summary.rejected > 0) {
        ctx.warn(fmt::format("{} record{} rejected{}", summary.rejected, summary.rejected == 1 ? " was" : "s were",
                             options.rejects_path ? fmt::format(" (with their reasons in {})", *options.rejects_path) : ""));
        ctx.exit_code = ExitCode::rejected;
    }
}

} // namespace

void register_import(CLI::App& app, Context& ctx)
{
    auto o = std::make_shared<ImportCliOptions>();
    auto* import = app.add_subcommand("import", "Bulk import of agent events");
    import->require_subcommand(1);
    auto* events = import->add_subcommand(
        "events", "Load events from NDJSON, JSON-array or CSV files (also .gz, .zst; - for stdin) into agent_events");
    events->add_option("files", o->inputs, "Files to import (default, or -: stdin)")->type_name("FILE");
    events->add_option("--input-format", o->input_format,
                       "Format of the input (default: from the file name; .json and stdin by their first byte)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"ndjson", "json", "csv"}));
    events->add_option("--project", o->project,
                       "Project of records that name none: its id, full name (owner/repo) or repository URL")
        ->type_name("PROJECT");
    events->add_flag("--create-projects", o->create_projects,
                     "Create projects that records name by full name or URL and that do not exist yet");
    events->add_option("--max-errors", o->max_errors,
                       "Skip up to N bad records (reported, and written to --rejects) instead of stopping at the first")
        ->type_name("N");
    events->add_option("--rejects", o->rejects,
                       "Write skipped records with their reasons to FILE, in a form that imports again once fixed")
        ->type_name("FILE");
    events->add_option("--workers", o->workers, "Parallel connections loading batches (default 1)")
        ->type_name("N")
        ->check(CLI::Range(1, 64));
    events->add_option("--batch-rows", o->batch_rows, "Rows per batch, each one transaction (default 10000)")
        ->type_name("N")
        ->check(CLI::Range(std::size_t{1}, std::size_t{10'000'000}));
    events->add_option("--batch-bytes", o->batch_bytes, "Bytes per batch at most, e.g. 8MiB (default 8MiB)")
        ->type_name("SIZE")
        ->transform(CLI::AsSizeValue(false))
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 31));
    events->add_option("--max-record-bytes", o->max_record_bytes,
                       "Longer records (lines) are bad records, e.g. 16MiB (default 16MiB)")
        ->type_name("SIZE")
        ->transform(CLI::AsSizeValue(false))
        ->check(CLI::Range(std::size_t{64}, std::size_t{1} << 30));
    events->callback([&ctx, o] { run_events(ctx, *o); });
    events->footer("Exit status 9: the import finished but skipped bad records (--max-errors). Global options "
                   "(--database-url, --format, -v, ...) apply too: see devlogctl --help and devlogctl-import(1).");
}

} // namespace devlog::cli
