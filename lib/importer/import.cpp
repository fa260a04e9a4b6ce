#include "lib/importer/import.hpp"

#include "lib/core/errors.hpp"
#include "lib/core/interrupt.hpp"
#include "lib/db/database.hpp"
#include "lib/importer/decode.hpp"
#include "lib/importer/pipeline.hpp"
#include "lib/importer/projects.hpp"
#include "lib/importer/rejects.hpp"
#include "lib/stats/perf_metrics.hpp"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <filesystem>

namespace devlog::importer {
namespace {

using Clock = std::chrono::steady_clock;

// Warnings shown per import when the rejects file has them all anyway.
constexpr std::uint64_t k_warnings_with_rejects_file = 10;
constexpr std::uint64_t k_progress_every = 4096;

std::string stop_hint(const std::string& resume_at)
{
    return fmt::format("nothing of its batch was loaded: the records from {} on are not in the database. Fix the "
                       "record (or skip bad records with --max-errors N --rejects FILE) and run the same command "
                       "again: what is already loaded counts as duplicates",
                       resume_at);
}

// The reading half of an import, and the state both halves update.
class Importer
{
public:
    Importer(db::Database& db, const ImportOptions& options, Reporter& reporter)
        : m_options(options), m_reporter(reporter), m_projects(db, options.create_projects), m_db(db)
    {
        const std::size_t inputs = options.inputs.size();
        m_names.resize(inputs);
        m_formats.resize(inputs);
        m_headers.resize(inputs);
        if (options.rejects_path) {
            m_rejects = std::make_unique<RejectsFile>(*options.rejects_path);
        }
        if (options.default_project) {
            m_default_project = resolve_default(*options.default_project);
        }
    }

    ImportSummary run()
    {
        const auto started = Clock::now();
        ImportSummary summary;
        Progress progress;
        progress.task = m_options.inputs.size() == 1
                            ? fmt::format("importing {}", m_options.inputs[0] == "-" ? "stdin" : m_options.inputs[0])
                            : fmt::format("importing {} files", m_options.inputs.size());
        progress.unit = "records";
        progress.total_bytes = total_bytes();
        Task task(m_reporter, progress);

        WriterOptions writer;
        writer.table = m_options.table;
        db::ConnectSettings settings = m_db.settings();
        settings.application_name = "devlogctl import";
        Pipeline pipeline(
            settings, m_options.workers, writer,
            [this] {
                const std::uint64_t used = m_rejected;
                return used >= m_options.max_errors ? 0 : m_options.max_errors - used;
            },
            [this](const BatchJob& job, const WriteResult& result) { loaded(job, result); },
            [this](const BatchJob& job, std::exception_ptr error) { return failed(job, error); });

        std::exception_ptr error;
        try {
            read_all(pipeline, task);
        } catch (...) {
            error = std::current_exception();
            if (m_job != nullptr) {
                m_dropped += m_job->batch.rows();
                pipeline.release(m_job);
                m_job = nullptr;
            }
            pipeline.stop(error);
        }
        pipeline.finish(); // the batches before a bad record are loaded before we stop
        if (m_rejects) {
            try {
                m_rejects->close();
            } catch (...) {
                error = error ? error : std::current_exception();
            }
        }
        if (const auto failed = pipeline.error()) {
            error = failed; // a worker's failure says more than the bad record after it
            m_resume_at.clear();
        } else if (!error) {
            error = m_bad_record;
        }

        summary.read = m_read;
        summary.inserted = m_inserted;
        summary.duplicates = m_duplicates;
        summary.rejected = m_rejected;
        summary.not_loaded = pipeline.not_loaded() + m_dropped;
        summary.batches = m_batches;
        summary.staged_batches = m_staged;
        summary.bytes = m_bytes_done;
        summary.projects_created = m_projects.created();
        summary.elapsed_s = std::chrono::duration<double>(Clock::now() - started).count();
        summary.resume_at = m_resume_at;
        summary.error = error;
        summary.finished = !error;
        if (m_rejected > k_warnings_with_rejects_file && m_rejects) {
            const std::uint64_t more = m_rejected - k_warnings_with_rejects_file;
            m_reporter.warn(fmt::format("{} more rejected record{}, with {} reason{}, in {}", more, more == 1 ? "" : "s",
                                        more == 1 ? "its" : "their", more == 1 ? "" : "s", m_rejects->path()));
        }
        if (summary.finished) {
            task.finish();
        }
        return summary;
    }

private:
    std::optional<std::uint64_t> total_bytes() const
    {
        std::uint64_t total = 0;
        for (const auto& input : m_options.inputs) {
            std::error_code ec;
            if (input == "-" || !std::filesystem::is_regular_file(input, ec)) {
                return std::nullopt;
            }
            total += std::filesystem::file_size(input, ec);
        }
        return total;
    }

    std::int32_t resolve_default(const std::string& text)
    {
        ParsedEvent probe;
        try {
            project_text_value("--project", text, probe);
        } catch (const BadField& e) {
            throw UsageError(fmt::format("--project: {}", e.problem));
        }
        if (probe.project_number) {
            const auto id = static_cast<std::int32_t>(*probe.project_number);
            if (!m_projects.exists(id)) {
                throw UsageError(fmt::format("--project: there is no project {}", id));
            }
            return id;
        }
        if (const auto id = m_projects.find(text)) {
            return *id;
        }
        throw UsageError(fmt::format("--project: unknown project {}", importer::quoted(text)),
                         m_options.create_projects ? "give it as owner/repo or as its repository URL"
                                                   : "create it first, or add --create-projects");
    }

    // The project of a decoded record into its row; throws BadField when unknown.
    void resolve_project(ParsedEvent& event)
    {
        const std::string_view key = field_key(Field::project_id, event.snake);
        if (event.project_number) {
            const auto id = static_cast<std::int32_t>(*event.project_number);
            if (!m_projects.exists(id)) {
                throw BadField{std::string(key), fmt::format("there is no project {}", id)};
            }
            event.row.project_id = id;
        } else if (event.has_project) {
            const auto id = m_projects.find(event.project_text);
            if (!id) {
                throw BadField{std::string(key),
                               fmt::format("unknown project {} ({})", importer::quoted(event.project_text),
                                           m_options.create_projects
                                               ? "name it as owner/repo or by its repository URL to create it"
                                               : "create it first, or add --create-projects")};
            }
            event.row.project_id = *id;
        } else if (m_default_project) {
            event.row.project_id = *m_default_project;
        } else {
            throw BadField{std::string(key), "missing (give --project for records without one)"};
        }
    }

    void read_all(Pipeline& pipeline, Task& task)
    {
        JsonDecoder json;
        CsvDecoder csv;
        ParsedEvent event;
        Record record;
        std::uint64_t bytes_before = 0;
        BatchJob*& job = m_job;
        job = pipeline.acquire();
        const bool keep_texts = m_rejects != nullptr;
        for (std::uint32_t input = 0; input < m_options.inputs.size() && job != nullptr; ++input) {
            const std::string& path = m_options.inputs[input];
            auto source = ByteSource::open(path);
            m_names[input] = source->name();
            const auto format = m_options.format ? m_options.format : format_from_name(path);
            RecordReader reader(*source, format, m_options.max_record_bytes);
            m_formats[input] = reader.format();
            const bool is_csv = reader.format() == InputFormat::csv;
            if (is_csv) {
                if (!reader.next(record)) {
                    continue; // an empty file: no header, no records
                }
                csv.header(record, source->name());
                m_headers[input] = csv.header_text();
            }
            std::uint64_t since_progress = 0;
            while (reader.next(record)) {
                ++m_read;
                if (++since_progress == k_progress_every) {
                    since_progress = 0;
                    interrupt::check("while reading the input");
                    report(task, *source, bytes_before, k_progress_every);
                }
                try {
                    if (record.too_long) {
                        throw BadField{"record", fmt::format("longer than {} bytes (--max-record-bytes)", m_options.max_record_bytes)};
                    }
                    if (is_csv) {
                        csv.decode(record, event);
                    } else {
                        json.decode(record, event);
                    }
                    resolve_project(event);
                } catch (const BadField& bad) {
                    if (!reject(input, record, bad, job)) {
                        m_dropped += job->batch.rows() + 1;
                        pipeline.release(job);
                        job = nullptr;
                        break;
                    }
                    continue;
                }
                job->batch.add(event.row);
                RowOrigin origin{input, record.line, 0, 0};
                if (keep_texts) {
                    origin.text_at = job->texts.size();
                    origin.text_size = record.text.size();
                    job->texts.append(record.text);
                }
                job->origins.push_back(origin);
                if (job->batch.rows() >= m_options.batch_rows || job->batch.bytes() >= m_options.batch_bytes) {
                    BatchJob* full = job;
                    job = nullptr;
                    pipeline.submit(full);
                    job = pipeline.acquire();
                    if (job == nullptr) {
                        break;
                    }
                }
            }
            report(task, *source, bytes_before, since_progress);
            bytes_before += source->consumed();
        }
        if (job != nullptr) {
            BatchJob* last = job;
            job = nullptr;
            pipeline.submit(last);
        }
        interrupt::check("while reading the input");
    }

    void report(Task& task, const ByteSource& source, std::uint64_t bytes_before, std::uint64_t records)
    {
        const std::uint64_t bytes = bytes_before + source.consumed();
        task.add(records, bytes - m_bytes_done);
        m_bytes_done = bytes;
    }

    // Counts a bad record and writes it to the rejects file; false when it is one too many: the
    // import stops reading, loads the batches before it, and ends with the record's error.
    bool reject(std::uint32_t input, const Record& record, const BadField& bad, const BatchJob* job)
    {
        const std::string message = fmt::format("{}:{}: {}: {}", m_names[input], record.line, bad.field, bad.problem);
        if (m_rejected >= m_options.max_errors) {
            const RowOrigin* first = job->origins.empty() ? nullptr : &job->origins.front();
            m_resume_at = first != nullptr ? fmt::format("{}:{}", m_names[first->input], first->line)
                                           : fmt::format("{}:{}", m_names[input], record.line);
            m_bad_record = std::make_exception_ptr(InputError(message, stop_hint(m_resume_at)));
            return false;
        }
        const std::uint64_t count = ++m_rejected;
        if (m_rejects) {
            m_rejects->write(m_formats[input], m_headers[input], message,
                             record.too_long ? std::nullopt : std::optional<std::string_view>(record.text));
        }
        if (!m_rejects || count <= k_warnings_with_rejects_file) {
            m_reporter.warn(message);
        }
        return true;
    }

    void loaded(const BatchJob& job, const WriteResult& result)
    {
        m_inserted += result.inserted;
        m_duplicates += result.duplicates;
        ++m_batches;
        if (result.via_staging) {
            ++m_staged;
        }
        for (const auto& refused : result.refused) {
            const RowOrigin& origin = job.origins[refused.row];
            const std::string message = fmt::format("{}:{}: record: refused by the server: {}", m_names[origin.input],
                                                    origin.line, refused.message);
            const std::uint64_t count = ++m_rejected;
            if (m_rejects) {
                m_rejects->write(m_formats[origin.input], m_headers[origin.input], message,
                                 std::string_view(job.texts).substr(origin.text_at, origin.text_size));
            }
            if (!m_rejects || count <= k_warnings_with_rejects_file) {
                m_reporter.warn(message);
            }
        }
    }

    std::exception_ptr failed(const BatchJob& job, std::exception_ptr error)
    {
        try {
            std::rethrow_exception(error);
        } catch (const RowRefused& e) {
            const RowOrigin& origin = job.origins[e.row()];
            const RowOrigin& first = job.origins.front();
            const std::string resume = fmt::format("{}:{}", m_names[first.input], first.line);
            return std::make_exception_ptr(InputError(
                fmt::format("{}:{}: record: refused by the server: {}", m_names[origin.input], origin.line, e.what()),
                stop_hint(resume)));
        } catch (...) {
            return error;
        }
    }

    const ImportOptions& m_options;
    Reporter& m_reporter;
    ProjectResolver m_projects;
    db::Database& m_db;
    std::unique_ptr<RejectsFile> m_rejects;
    std::optional<std::int32_t> m_default_project;
    // Per input (workers read them: the reader sets them before any batch of that input is submitted).
    std::vector<std::string> m_names;
    std::vector<InputFormat> m_formats;
    std::vector<std::string> m_headers;
    BatchJob* m_job = nullptr; // the job being filled
    std::uint64_t m_read = 0;
    std::uint64_t m_dropped = 0;
    std::uint64_t m_bytes_done = 0;
    std::string m_resume_at;
    std::exception_ptr m_bad_record; // the one bad record too many
    std::atomic<std::uint64_t> m_inserted{0};
    std::atomic<std::uint64_t> m_duplicates{0};
    std::atomic<std::uint64_t> m_rejected{0};
    std::atomic<std::uint64_t> m_batches{0};
    std::atomic<std::uint64_t> m_staged{0};
};

} // namespace

double ImportSummary::rows_per_second() const
{
    return elapsed_s > 0 ? static_cast<double>(inserted + duplicates) / elapsed_s : 0;
}

ImportSummary import_events(db::Database& db, const ImportOptions& options, Reporter& reporter)
{
    if (options.inputs.empty()) {
        throw UsageError("nothing to import: name one or more files, or - for stdin");
    }
    if (options.workers < 1 || options.batch_rows < 1 || options.batch_bytes < 1) {
        throw UsageError("--workers, --batch-rows and --batch-bytes must be at least 1");
    }
    Importer importer(db, options, reporter);
    ImportSummary summary = importer.run();
    if (summary.finished) {
        db::Runner runner(db);
        stats::MetricsRecorder metrics(runner, reporter, options.record_metrics);
        metrics.record({"import", "events", summary.elapsed_s * 1000,
                        static_cast<std::int64_t>(summary.inserted + summary.duplicates),
                        static_cast<std::int64_t>(summary.bytes), std::nullopt});
    }
    return summary;
}

} // namespace devlog::importer
