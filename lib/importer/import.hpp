#pragma once
// `devlogctl import events`: files (NDJSON, a JSON array, CSV; plain, gzip or zstd; stdin) into
// agent_events, exactly once and at the server's speed. One thread reads, decodes and encodes
// batches; N workers, each with its own connection and EventWriter, load them, one transaction per
// batch. Memory is the read buffer plus a few batches, whatever the input size.

#include "lib/core/reporter.hpp"
#include "lib/importer/records.hpp"

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

namespace devlog::db {
class Database;
}

namespace devlog::importer {

struct ImportOptions
{
    std::vector<std::string> inputs;           // paths; "-" is stdin
    std::optional<InputFormat> format;         // default: by extension, else by the first byte
    std::optional<std::string> default_project; // for records without one: id, full name or URL
    bool create_projects = false;
    std::uint64_t max_errors = 0;              // bad records skipped before the import stops
    std::optional<std::string> rejects_path;
    std::size_t batch_rows = 10'000;
    std::size_t batch_bytes = 8u << 20;
    int workers = 1;
    std::size_t max_record_bytes = 16u << 20;
    std::string table = "agent_events";
    // --record-metrics: a finished import is recorded in performance_metrics (kind import, name
    // events; rows inserted plus duplicates, input bytes), also when the environment or the
    // database setting asks (lib/stats/perf_metrics.hpp).
    bool record_metrics = false;
};

struct ImportSummary
{
    std::uint64_t read = 0;           // records read, good and bad
    std::uint64_t inserted = 0;
    std::uint64_t duplicates = 0;     // already in the table (or twice in the input)
    std::uint64_t rejected = 0;       // bad records skipped (--max-errors), in the rejects file
    std::uint64_t not_loaded = 0;     // read but not loaded because the import stopped
    std::uint64_t batches = 0;        // batches committed
    std::uint64_t staged_batches = 0; // of which redone through the staging table (duplicates)
    std::uint64_t bytes = 0;          // input bytes read (compressed bytes for compressed input)
    std::uint64_t projects_created = 0;
    double elapsed_s = 0;
    bool finished = false;            // all inputs read, every good record loaded
    std::string resume_at;            // stopped at a bad record: the first record not loaded, "FILE:LINE"
    std::exception_ptr error;         // why it stopped: rethrow it after showing the summary
    // Inserted plus duplicates per second of elapsed time.
    double rows_per_second() const;
};

// Imports OPTIONS.inputs through DB (project lookups; workers open their own connections with its
// settings). Bad records are reported to REPORTER as warnings "FILE:LINE: field: problem" and
// written to the rejects file, up to max_errors; one more stops the import with nothing of its
// batch loaded. Never throws for what happens during the load: the summary holds the error (a bad
// record as InputError, Interrupted, ConnectionLost, SqlError, ...). Throws UsageError for options
// it cannot start with (an unknown --project, an unwritable rejects file).
ImportSummary import_events(db::Database& db, const ImportOptions& options, Reporter& reporter);

} // namespace devlog::importer
