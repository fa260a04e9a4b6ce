#pragma once
// The loading half of an import (and of the collector's upload): a fixed set of batch jobs
// cycling between the reader, which fills them, and N workers, which load them (each over its own
// connection and EventWriter).
// The few jobs bound memory; a full queue makes the reader wait (back pressure).

#include "lib/db/conninfo.hpp"
#include "lib/importer/batch.hpp"
#include "lib/importer/writer.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace devlog::importer {

// Where a row of a batch came from, for messages and the rejects file.
struct RowOrigin
{
    std::uint32_t input = 0;  // index into the import's inputs
    std::uint64_t line = 0;
    std::size_t text_at = 0;  // the record's text in BatchJob::texts (when kept)
    std::size_t text_size = 0;
};

struct BatchJob
{
    std::uint64_t tag = 0; // the caller's name for the batch (upload: which claim it holds)
    Batch batch;
    std::vector<RowOrigin> origins;
    std::string texts; // the records' text, kept only when a rejects file is written
    void clear()
    {
        tag = 0;
        batch.clear();
        origins.clear();
        texts.clear();
    }
};

class Pipeline
{
public:
    // What a worker reports about a batch it loaded (called on the worker's thread).
    using OnLoaded = std::function<void(const BatchJob&, const WriteResult&)>;
    // Turns a failure of a batch into the error the import ends with (e.g. a RowRefused into a
    // message naming the record's file and line).
    using OnFailed = std::function<std::exception_ptr(const BatchJob&, std::exception_ptr)>;

    // Starts WORKERS threads, each connecting with SETTINGS (all under its application_name).
    // MAX_REFUSED() says how many more rows the server may refuse (the error budget left).
    // JOBS batches exist at once (memory: each holds its rows encoded); 0: two per worker and one
    // more, so that the reader never waits while a worker commits.
    Pipeline(const db::ConnectSettings& settings, int workers, WriterOptions writer, std::function<std::uint64_t()> max_refused,
             OnLoaded on_loaded, OnFailed on_failed, std::size_t jobs = 0);
    // Stops and joins the workers.
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    // A cleared job to fill; nullptr once the pipeline stopped (a worker failed). Waits while every
    // job is queued or loading.
    BatchJob* acquire();
    // Queues JOB for loading (an empty one goes back unused).
    void submit(BatchJob* job);
    // Gives JOB back without loading it.
    void release(BatchJob* job);
    // Waits until every queued job was loaded (or dropped after a failure), then joins the workers.
    void finish();
    // Stops: queued jobs are dropped (counted in not_loaded()); running ones end by themselves.
    void stop(std::exception_ptr error = nullptr);

    // The first failure, if any.
    std::exception_ptr error() const;
    std::uint64_t not_loaded() const { return m_not_loaded; }

private:
    void work();
    BatchJob* next_job();

    db::ConnectSettings m_settings;
    WriterOptions m_writer;
    std::function<std::uint64_t()> m_max_refused;
    OnLoaded m_on_loaded;
    OnFailed m_on_failed;
    std::vector<std::unique_ptr<BatchJob>> m_jobs;
    mutable std::mutex m_mutex;
    std::condition_variable m_work_ready;
    std::condition_variable m_job_free;
    std::deque<BatchJob*> m_queue;
    std::vector<BatchJob*> m_free;
    bool m_closed = false;
    bool m_stopped = false;
    std::exception_ptr m_error;
    std::atomic<std::uint64_t> m_not_loaded{0};
    std::vector<std::thread> m_threads;
};

} // namespace devlog::importer
